"""How values are written in YAML: whether a plain scalar reads back as the same string, quoting
that keeps a scalar's style, escapes inside quoted and block scalars, and the two word-list syntaxes
of command lines written in YAML (list items, and strings split like a shell) with the line edits of
block sequences. An edit keeps the quoting of its neighbours and adds quotes only where the plain
form would change the YAML type or meaning."""

from __future__ import annotations

import re

from ..model import Edit, ProcessingError
from .quoting import ShellSyntax, Syntax
from .shellwords import Word
from .yamlsrc import Node, Scalar, SequenceNode, YamlSource, node_end

_SHELL_SAFE = re.compile(r"^[\w@%+=:,./-]+$")
# values a YAML 1.1 or 1.2 resolver reads as something other than a string
_NOT_STR = re.compile(
    r"^(?:~|null|Null|NULL|y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF"
    r"|[-+]?(?:\.\d|\d)[\d_:.,]*(?:[eE][-+]?\d+)?|[-+]?0[xob][\w]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
    r"|\d{4}-\d\d?-\d\d?(?:[Tt ].*)?|<<|=)$"
)
_FLOW_CHARS = set(",[]{}")


def is_plain_safe(value: str, flow: bool) -> bool:
    """``value`` written as a plain scalar reads back as the same string."""
    if not value or value != value.strip(" \t") or _NOT_STR.match(value):
        return False
    if any(c in value for c in "\n\r\t\x85\u2028\u2029") or ": " in value or " #" in value or value.endswith(":"):
        return False
    if value[0] in "?:-" and (len(value) == 1 or value[1] in " \t"):
        return False
    if value[0] in ",[]{}#&*!|>'\"%@`":
        return False
    if flow and (any(c in _FLOW_CHARS for c in value) or ":" in value and re.search(r":(?:[,\[\]{}]|$)", value)):
        return False
    return _all_printable(value)


def _all_printable(value: str) -> bool:
    if value.isascii():
        return value.isprintable()  # the same test for ASCII: 0x20..0x7E
    return all(_printable(c) for c in value)


def _printable(c: str) -> bool:
    """YAML's printable characters (what may stand unescaped in a document)."""
    o = ord(c)
    return 0x20 <= o <= 0x7E or o == 0x85 or 0xA0 <= o <= 0xD7FF or 0xE000 <= o <= 0xFFFD or o >= 0x10000


def double_quoted(value: str) -> str:
    if value.isascii() and value.isprintable() and '"' not in value and "\\" not in value:
        return '"' + value + '"'  # nothing to escape
    out = []
    for c in value:
        if c in '"\\':
            out.append("\\" + c)
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif not _printable(c) or c in "\x85\u2028\u2029":
            out.append(f"\\u{ord(c):04x}")  # valid in JSON too
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def render(value: str, style: str, flow: bool) -> str:
    """``value`` as a whole scalar in ``style`` ("", "'", '"'), quoted when plain would not do."""
    if style == "" and is_plain_safe(value, flow):
        return value
    if style == "'" or (style == "" and "'" not in value and '"' in value):
        if all(_printable(c) and c not in "\x85\u2028\u2029" for c in value):
            return "'" + value.replace("'", "''") + "'"
    return double_quoted(value)


def escape_in(fragment: str, style: str, flow: bool) -> str | None:
    """Raw text for ``fragment`` inside a scalar written in ``style``; None when it cannot stand there."""
    if any(c in fragment for c in "\n\r\x85\u2028\u2029") or any(ord(c) < 0x20 and c != "\t" for c in fragment):
        return double_quoted(fragment)[1:-1] if style == '"' else None
    if style == '"':
        return double_quoted(fragment)[1:-1]
    if style == "'":
        return fragment.replace("'", "''")
    if style in ("|", ">"):
        return fragment
    if "#" in fragment or ": " in fragment or fragment.endswith(":") or "\t" in fragment:
        return None
    if flow and any(c in _FLOW_CHARS for c in fragment):
        return None
    return fragment


def is_clean(word: Word, irregular: dict[int, int]) -> bool:
    """No value character of ``word`` comes from a YAML escape or fold (replace_value checks
    that the replaced range itself is one unbroken run)."""
    return not any(o in irregular for o in word.offsets)


class _ListItems(Syntax):
    """Items of a YAML list (``block``: one a line; ``flow``: inside ``[...]``): new items are quoted like their
    neighbour, an item goes as its whole line of a block list, new items follow an item of one."""

    block = False
    flow = False

    def quote(self, value: str, like: Word | None) -> str:
        return render(value, like.quote if like is not None else "", self.flow)

    def delete_word(self, text: str, word: Word) -> Edit | None:
        return delete_block_item(text, word.start, word.end) if self.block else None

    def insert_words(self, text: str, anchor: Word, values: list[str], like: Word | None) -> Edit | None:
        if not self.block:
            return None
        return insert_block_items(text, anchor.start, anchor.end, [self.quote(v, like) for v in values])


class YamlListSyntax(_ListItems):
    """Items of a YAML sequence, one word per scalar item."""

    name = "yaml"

    def __init__(self, src: YamlSource, block: bool, flow: bool) -> None:
        self.src = src
        self.block = block
        self.flow = flow  #: items stand in a flow collection
        self.default_sep = ", "
        self.gap_re = re.compile(r"^[ \t\r\n]*,[ \t\r\n]*$")

    def safe_in_place(self, word: Word, fragment: str, new_value: str) -> bool:
        if not is_clean(word, _irregular(self.src)) and fragment:
            return False
        raw = escape_in(fragment, word.quote, self.flow)
        if raw != fragment:
            return False
        return word.quote != "" or is_plain_safe(new_value, self.flow)


class YamlInlineListSyntax(_ListItems):
    """Items of a YAML sequence (or one scalar) written inside another YAML string - a kustomize patch
    inline in a Kustomization's block scalar: the words stand at their offsets in the file, but the list is
    the inner document's. Edits inside one item keep its quoting; an item goes as its whole line of a block
    list, new items follow an item of a list; an item is never requoted (edit it by hand)."""

    name = "yaml-inline"

    def __init__(self, block: bool, flow: bool, items: bool = True) -> None:
        self.block = block
        self.flow = flow
        self.holds_insertions = items  #: False: one string, not a list (nothing can follow it)
        self.default_sep = ", "
        self.gap_re = re.compile(r"^[ \t]*,[ \t]*$")

    def safe_in_place(self, word: Word, fragment: str, new_value: str) -> bool:
        if escape_in(fragment, word.quote, self.flow) != fragment:
            return False
        return word.quote != "" or is_plain_safe(new_value, self.flow)

    def requote(self, word: Word, new_value: str) -> Edit:
        raise ProcessingError("cannot rewrite this item of an inline patch in place: edit it by hand")


class YamlShellSyntax(ShellSyntax):
    """Words of a string scalar split like a shell; ``outer`` is the shell quote of the ``sh -c``
    script the words sit in, when they are nested one level deeper."""

    name = "yaml-shell"
    gap_re = re.compile(r"^(?:[ \t]|\\?(?:\r\n|\n|\r)[ \t]*)*$")

    def __init__(self, src: YamlSource, sc: Scalar, outer: str | None = None) -> None:
        self.src = src
        self.sc = sc
        self.outer = outer

    def _outer_escape(self, sh: str) -> str:
        if self.outer == '"':
            return re.sub(r'([\\"$`])', r"\\\1", sh)
        if self.outer == "'":
            return sh.replace("'", "'\\''")
        if self.outer == "" and not _SHELL_SAFE.match(sh):
            raise ProcessingError(f"cannot write {sh!r} inside an unquoted sh -c script: edit it by hand",
                                  self.src.line(self.sc.start))
        return sh

    def quote(self, value: str, like: Word | None) -> str:
        sh = self._outer_escape(ShellSyntax.quote(self, value, like))
        raw = escape_in(sh, self.sc.style, self.sc.flow)
        if raw is None:
            raise ProcessingError(f"cannot write {value!r} inside this YAML string: edit it by hand",
                                  self.src.line(self.sc.start))
        return raw

    def safe_in_place(self, word: Word, fragment: str, new_value: str) -> bool:
        if fragment == "":
            return True
        if not _SHELL_SAFE.match(fragment) or escape_in(fragment, self.sc.style, self.sc.flow) != fragment:
            return False
        if not is_clean(word, _irregular(self.src)):
            return False
        if self.sc.style == "" and (fragment.endswith(":") or word.start == self.sc.start and fragment[0] in "@%"):
            return False
        return True


def _irregular(src: YamlSource) -> dict[int, int]:
    merged = getattr(src, "_irregular_all", None)
    if merged is None:
        merged = {}
        for sc in src._scalars.values():
            if sc is not None:
                merged.update(sc.irregular)
        src._irregular_all = merged  # type: ignore[attr-defined]
    return merged


# --- block sequence lines ---------------------------------------------------------------------

_DASH = re.compile(r"[ \t]*-[ \t]+")


def _line_bounds(text: str, start: int, end: int) -> tuple[int, int, int] | None:
    """(first line start, dash prefix end, end of the last line's content) of a block item."""
    line_start = text.rfind("\n", 0, start) + 1
    m = _DASH.match(text, line_start, start)
    if not m or line_start == 0:
        return None
    nl = text.find("\n", max(end - 1, start))
    content_end = len(text) if nl < 0 else nl
    if content_end > line_start and text[content_end - 1] == "\r":
        content_end -= 1
    return line_start, m.end(), content_end


def delete_block_item(text: str, start: int, end: int) -> Edit | None:
    """The item's lines and the line break before them: neighbours deleted too never overlap, and
    the file keeps (or keeps lacking) its final line break."""
    b = _line_bounds(text, start, end)
    if b is None:
        return None
    line_start, _, content_end = b
    cut = line_start - (2 if text[line_start - 2:line_start] == "\r\n" else 1)
    return Edit.delete(cut, content_end)


def insert_block_items(text: str, start: int, end: int, raws: list[str]) -> Edit | None:
    """New items after the item at ``start``, with the same indentation and dash spacing."""
    b = _line_bounds(text, start, end)
    if b is None:
        return None
    line_start, dash_end, content_end = b
    prefix = text[line_start:dash_end]
    nl = "\r\n" if text[line_start - 2:line_start] == "\r\n" else "\n"
    return Edit.insert(content_end, "".join(nl + prefix + r for r in raws))


def delete_item(src: YamlSource, seq: SequenceNode, item: Node) -> Edit:
    """Remove one item of a sequence: its whole line(s) in a block sequence, the item and one
    comma in a flow sequence."""
    text = src.text
    start, end = item.start_index, node_end(src, item)
    if not seq.flow_style:
        edit = delete_block_item(text, start, end)
        if edit is None:
            raise ProcessingError("cannot remove this list item safely: edit it by hand", src.line(start))
        return edit
    i = next(k for k, x in enumerate(seq.value) if x is item)
    if i > 0:
        return Edit.delete(node_end(src, seq.value[i - 1]), end)
    if len(seq.value) > 1:
        return Edit.delete(start, seq.value[1].start_index)
    return Edit.delete(start, end)


# --- words ------------------------------------------------------------------------------------
