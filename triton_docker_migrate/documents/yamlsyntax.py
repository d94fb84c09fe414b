"""Server command lines written in YAML: list items (block ``- x`` or flow ``[x, y]``) and strings
split into words like a shell (compose ``command: trtserver --model-store=/m``, ``sh -c`` scripts).

Each Syntax knows how a value is written in its scalar style, so an edit keeps the quoting of the
neighbours and adds quotes only where the plain form would change the YAML type or meaning.
"""

from __future__ import annotations

import re

from ..commandline import CommandLine, Segment, ShellSyntax, Syntax
from ..model import Edit, ProcessingError
from . import commands as C
from .base import CommandSite
from .shellwords import ShellSyntaxError, Word, lex
from .yamlsrc import Node, Scalar, ScalarNode, SequenceNode, YamlSource, node_end, refuse_unmapped

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


class YamlListSyntax(Syntax):
    """Items of a YAML sequence, one word per scalar item."""

    name = "yaml"

    def __init__(self, src: YamlSource, block: bool, flow: bool) -> None:
        self.src = src
        self.block = block
        self.flow = flow  #: items stand in a flow collection
        self.default_sep = ", "
        self.gap_re = re.compile(r"^[ \t\r\n]*,[ \t\r\n]*$")

    def quote(self, value: str, like: Word | None) -> str:
        return render(value, like.quote if like is not None else "", self.flow)

    def safe_in_place(self, word: Word, fragment: str, new_value: str) -> bool:
        if not is_clean(word, _irregular(self.src)) and fragment:
            return False
        raw = escape_in(fragment, word.quote, self.flow)
        if raw != fragment:
            return False
        return word.quote != "" or is_plain_safe(new_value, self.flow)

    # --- block sequences: whole lines ---------------------------------------------------------
    def delete_word(self, text: str, word: Word) -> Edit | None:
        return delete_block_item(text, word.start, word.end) if self.block else None

    def insert_words(self, text: str, anchor: Word, values: list[str], like: Word | None) -> Edit | None:
        if not self.block:
            return None
        return insert_block_items(text, anchor.start, anchor.end, [self.quote(v, like) for v in values])


class YamlShellSyntax(ShellSyntax):
    """Words of a string scalar split like a shell; ``outer`` is the shell quote of the ``sh -c``
    script the words sit in, when they are nested one level deeper."""

    name = "yaml-shell"

    def __init__(self, src: YamlSource, sc: Scalar, outer: str | None = None) -> None:
        self.src = src
        self.sc = sc
        self.outer = outer
        self.gap_re = re.compile(r"^(?:[ \t]|\\?(?:\r\n|\n|\r)[ \t]*)*$")

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


class YamlCommandLine(CommandLine):
    """A CommandLine whose block-sequence segments delete and add whole lines."""

    def delete(self, word: Word, seg: Segment) -> Edit:
        custom = getattr(seg.syntax, "delete_word", None)
        edit = custom(self.text, word) if custom else None
        return edit if edit is not None else super().delete(word, seg)

    def insert_after(self, anchor: Word | None, seg: Segment, values: list[str]) -> Edit:
        custom = getattr(seg.syntax, "insert_words", None)
        if custom is not None and anchor is not None:
            like = next((w for w in reversed(seg.words) if w is not self.binary), anchor)
            edit = custom(self.text, anchor, values, like)
            if edit is not None:
                return edit
        return super().insert_after(anchor, seg, values)


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
    start, end = item.start_mark.index, node_end(src, item)
    if not seq.flow_style:
        edit = delete_block_item(text, start, end)
        if edit is None:
            raise ProcessingError("cannot remove this list item safely: edit it by hand", src.line(start))
        return edit
    i = next(k for k, x in enumerate(seq.value) if x is item)
    if i > 0:
        return Edit.delete(node_end(src, seq.value[i - 1]), end)
    if len(seq.value) > 1:
        return Edit.delete(start, seq.value[1].start_mark.index)
    return Edit.delete(start, end)


# --- words ------------------------------------------------------------------------------------

_COMPOSE_VAR = re.compile(r"(?<!\$)(?:\$\$)*\$(?:\{|[A-Za-z_])")


def item_word(sc: Scalar, dynamic_re: re.Pattern = _COMPOSE_VAR) -> Word:
    """One list item as a word (no shell: the value is the argument)."""
    return Word(sc.start, sc.end, sc.value, list(sc.offsets or []), bool(dynamic_re.search(sc.value)),
                sc.quote, sc.inner_end)


def split_words(src: YamlSource, sc: Scalar, argv: bool) -> list[list[Word]]:
    """Words of a string scalar. ``argv``: one argument list, split like compose does (newlines
    are spaces, the first operator ends it); else shell commands (``CMD-SHELL``)."""
    if sc.offsets is None:
        return []
    try:
        lexed = lex(sc.value, sc.offsets)
    except ShellSyntaxError:
        return []
    tokens = lexed.tokens
    if argv:
        tokens = [t for t in tokens if t.kind != "newline"]
        cut = next((i for i, t in enumerate(tokens) if t.kind != "word"), len(tokens))
        tokens = tokens[:cut]
    groups = C.split(tokens)
    for ws in groups:
        for w in ws:
            _fix_end(w, sc)
    return groups


def _fix_end(w: Word, sc: Scalar) -> None:
    """A word that ends in an escape (``\\"`` in a double-quoted scalar) ends after the escape."""
    last = w.end - 1
    n = sc.irregular.get(last)
    if n:
        w.end = last + n


def nested_sites(src: YamlSource, segs: list[Segment | None], text: str, triton: bool) -> list[CommandSite]:
    """``sh -c "..."`` scripts in the words of ``segs`` (an entrypoint and its command), with a
    syntax that escapes for every layer around them."""
    out: list[CommandSite] = []
    present = [s for s in segs if s is not None]
    if not present:
        return out
    words = [w for s in present for w in s.words]
    for site in C.nested(Segment(words, present[0].syntax, present[0].label), text, triton):
        if not site.words:
            continue
        owner = next(((w, s) for s in present for w in s.words if w.start <= site.words[0].start < w.end), None)
        if owner is None:
            continue
        script, seg = owner
        sc = src.scalar_containing(script.start, script.end)
        if sc is None:
            continue
        outer = script.quote if isinstance(seg.syntax, YamlShellSyntax) else None
        for w in site.words:
            _fix_end(w, sc)
        site.segment = Segment(site.words, YamlShellSyntax(src, sc, outer), seg.label)
        out.append(site)
    return out


# --- segments and server command lines ------------------------------------------------------------

def segment(src: YamlSource, node: Node | None, label: str, argv: bool = True,
            dynamic_re: re.Pattern = _COMPOSE_VAR) -> Segment | None:
    """Words of a command: a string split like a shell (``argv``: as one argument list), or a list
    of strings, one word per item. None when the node is neither."""
    if isinstance(node, ScalarNode):
        sc = src.scalar(node)
        if not sc.is_str:
            return None
        if sc.offsets is None:
            refuse_unmapped(src, sc)
            return None
        groups = split_words(src, sc, argv=argv)
        return Segment(groups[0], YamlShellSyntax(src, sc), label) if groups else None
    if isinstance(node, SequenceNode) and node.value and all(isinstance(i, ScalarNode) for i in node.value):
        scs = [src.scalar(i) for i in node.value]
        for sc in scs:
            if sc.offsets is None:
                refuse_unmapped(src, sc)
                return None
        flow = bool(node.flow_style) or scs[0].flow
        return Segment([item_word(sc, dynamic_re) for sc in scs], YamlListSyntax(src, not node.flow_style, flow),
                       label)
    return None


def server_lines(src: YamlSource, entry: Segment | None, cmd: Segment | None, v1: bool,
                 extra: dict) -> list[CommandLine]:
    """Server command lines of one container: the binary in the entrypoint (its options there or in
    the command), in the command (after an entrypoint that only wraps it), options alone in the
    command of a Triton image, or a ``sh -c`` script in either. Tokens never move between them."""
    out: list[CommandLine] = []
    text = src.text

    def line(segs: list[Segment], server: Word | None) -> CommandLine:
        is_v1 = v1 or (server is not None and C.is_v1_binary(server.value))
        return YamlCommandLine(text, segs, server, is_v1, segs[0].label, dict(extra))

    def from_server(seg: Segment, server: Word) -> Segment:
        return Segment(seg.words[seg.words.index(server):], seg.syntax, seg.label)

    if entry is not None:
        i = C.command_index(entry.words + (cmd.words if cmd else []))
        if i is not None and i < len(entry.words):
            server = C.server_word(entry.words[i:])
            if server is not None:
                out.append(line([from_server(entry, server)] + ([cmd] if cmd else []), server))
        elif i is not None and cmd is not None:
            server = C.server_word(cmd.words[i - len(entry.words):])
            if server is not None:
                out.append(line([from_server(cmd, server)], server))
    elif cmd is not None:
        server = C.server_word(cmd.words)
        if server is not None:
            out.append(line([from_server(cmd, server)], server))
        elif cmd.words and cmd.words[0].value.startswith("--"):
            out.append(line([cmd], None))
    for site in nested_sites(src, [entry, cmd], text, True):
        server = C.server_word(site.words)
        if server is not None:
            out.append(line([from_server(site.segment, server)], server))
    return out


def unique_sites(sites: list[CommandSite]) -> list[CommandSite]:
    """``sites`` without repeats (the same words reached twice, e.g. through an alias), in order."""
    seen: set[tuple[int, ...]] = set()
    out: list[CommandSite] = []
    for site in sites:
        key = tuple(id(w) for w in site.words)
        if key not in seen:
            seen.add(key)
            out.append(site)
    return out
