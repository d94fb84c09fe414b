"""HCL (Terraform, Nomad job specs) read with tree-sitter-hcl, into a small tree that keeps the
document offset of everything a rule may edit.

tree-sitter gives byte offsets into the UTF-8 encoding; this project's offsets are code points of the
decoded text, so every offset is converted once, here (``_Chars``). The tree holds blocks, attributes
and expressions; strings carry their decoded value with the document offset of each value character
(escapes such as ``\\"`` and ``$${`` are "irregular": their character does not stand verbatim in the
file, so an edit never lands inside one). Interpolations (``${...}``) and directives (``%{...}``) stay
in a string's value as written and make it dynamic. Comments (``#``, ``//``, ``/* */``) are kept as
spans and never read as values.

The edits of command words written as HCL (quoting like HCL string literals, one item per line in
multi-line lists, a new ``args`` list after a lone ``command`` string) are the syntaxes at the end.
"""

from __future__ import annotations

import bisect
import re
from array import array
from dataclasses import dataclass, field

import tree_sitter
import tree_sitter_hcl

from ..model import Edit, ProcessingError
from .quoting import ShellSyntax, Syntax
from .shellwords import Word

LANGUAGE = tree_sitter.Language(tree_sitter_hcl.language())


# --- offsets ----------------------------------------------------------------------------------

class _Chars:
    """Byte offsets of the UTF-8 encoding -> code-point offsets of the text (linear memory: one
    entry per non-ASCII character)."""

    def __init__(self, text: str) -> None:
        self.ascii = text.isascii()
        self.after = array("q")  #: byte offset just after each non-ASCII character
        self.extra = array("q")  #: bytes beyond one per character, up to and including it
        if self.ascii:
            return
        total = 0
        for m in re.finditer(r"[^\x00-\x7f]+", text):
            i = m.start()
            for c in m.group(0):
                o = ord(c)
                n = 1 if o < 0x800 else 2 if o < 0x10000 else 3
                total += n
                self.after.append(i + total + 1)
                self.extra.append(total)
                i += 1

    def __call__(self, b: int) -> int:
        if self.ascii:
            return b
        k = bisect.bisect_right(self.after, b) - 1
        return b - (self.extra[k] if k >= 0 else 0)


# --- the tree -----------------------------------------------------------------------------------

@dataclass(eq=False, slots=True)
class Str:
    """A string literal, a quoted template or a heredoc."""

    start: int  #: the opening quote (or ``<<``)
    end: int  #: after the closing quote (or the closing marker)
    value: str  #: decoded; interpolations and directives as written
    offsets: "list[int] | range"  #: document offset of each value character
    dynamic: bool = False  #: holds ``${...}`` or ``%{...}``
    heredoc: bool = False
    irregular: frozenset[int] = frozenset()  #: offsets of value characters written as an escape

    @property
    def inner_end(self) -> int:
        """Where text added at the end of the value goes."""
        return self.offsets[-1] + 1 if self.heredoc and self.offsets else (self.end if self.heredoc else self.end - 1)

    def word(self, dynamic: bool | None = None) -> Word:
        return Word(self.start, self.end, self.value, self.offsets, self.dynamic if dynamic is None else dynamic,
                    "" if self.heredoc else '"', self.inner_end)


@dataclass(eq=False, slots=True)
class Expr:
    kind: str  #: "string", "tuple", "object", "number", "bool", "null", "ident", "other"
    start: int
    end: int
    raw: str
    string: Str | None = None  #: kind "string"
    items: list["Expr"] = field(default_factory=list)  #: kind "tuple"
    pairs: list[tuple["Expr", "Expr"]] = field(default_factory=list)  #: kind "object"
    strings: list[Str] = field(default_factory=list)  #: kind "other": the strings inside it
    #: kind "other", a function call (``jsonencode([...])``): its name and its arguments, read
    call: str = ""
    args: list["Expr"] = field(default_factory=list)

    @property
    def text(self) -> str | None:
        """The value of a string without expansions, a number, a bare identifier, or None."""
        if self.kind == "string" and self.string is not None and not self.string.dynamic:
            return self.string.value
        if self.kind in ("number", "ident", "bool"):
            return self.raw
        return None

    def all_strings(self) -> list[Str]:
        if self.kind == "string" and self.string is not None:
            return [self.string]
        out = list(self.strings)
        for it in self.items:
            out += it.all_strings()
        for k, v in self.pairs:
            out += k.all_strings() + v.all_strings()
        return out


@dataclass(eq=False, repr=False, slots=True)
class Attribute:
    name: str
    name_start: int
    name_end: int
    value: Expr
    start: int
    end: int
    parent: "Block | None" = None


@dataclass(eq=False, repr=False, slots=True)
class Block:
    type: str
    labels: list[str]
    label_strings: list[Str]
    items: list["Attribute | Block"]
    start: int
    end: int
    parent: "Block | None" = None
    body_start: int = 0  #: after ``{``
    body_end: int = 0  #: at ``}``

    def attr(self, name: str) -> Attribute | None:
        for it in self.items:
            if isinstance(it, Attribute) and it.name == name:
                return it
        return None

    def blocks(self, *types: str) -> list["Block"]:
        return [it for it in self.items if isinstance(it, Block) and (not types or it.type in types)]

    def block(self, type_: str) -> "Block | None":
        found = self.blocks(type_)
        return found[0] if found else None

    def walk(self):
        """This block and every block inside it, in document order."""
        yield self
        for b in self.blocks():
            yield from b.walk()

    def ancestors(self):
        b = self.parent
        while b is not None:
            yield b
            b = b.parent


@dataclass
class Tree:
    root: Block  #: the file's body, as a block of type ""
    comments: list[tuple[int, int]]  #: the comments between blocks and attributes (not inside values)

    def blocks(self):
        return self.root.walk()


class HclSyntaxError(ProcessingError):
    pass


#: a line that opens a top-level block (``resource "a" "b" {``): where a large file may be cut
_TOP = re.compile(r'(?m)^(?=[A-Za-z_][\w-]*(?:[ \t]+(?:"[^"\r\n]*"|[A-Za-z_][\w-]*))*[ \t]*\{[ \t]*\r?$)')
#: files larger than this are read one run of top-level blocks at a time: tree-sitter's tree takes
#: tens of bytes per byte of text, so reading a 10 MiB file whole would take more than 1 GiB
CHUNK = 1 << 18


def parse(text: str) -> Tree:
    """The file's tree; HclSyntaxError (a ProcessingError) where tree-sitter finds an error."""
    try:
        if len(text) > CHUNK:
            tree = _parse_chunks(text)
            if tree is not None:
                return tree
        return _parse_whole(text)
    except RecursionError:
        raise ProcessingError("HCL nested too deeply to read") from None


def _parse_whole(text: str) -> Tree:
    root = _ts_root(text)
    if root.has_error:
        bad = _first_error(root)
        line = _error_line(bad) if bad is not None else None
        what = f"missing {bad.type}" if bad is not None and bad.is_missing else "unexpected text"
        raise HclSyntaxError(f"HCL syntax error ({what})", line)
    return _Reader(text, _Chars(text)).tree(root)


#: the reader follows the tree by recursion: a tree deeper than this is refused before it is read
#: (about a hundred levels of nested lists, objects or calls; real files stay far below)
MAX_TREE_DEPTH = 400


def _ts_root(text: str):
    root = tree_sitter.Parser(LANGUAGE).parse(text.encode("utf-8")).root_node
    if _deeper_than(root, MAX_TREE_DEPTH):
        raise ProcessingError("HCL nested too deeply to read")
    return root


def _deeper_than(root, limit: int) -> bool:
    """Whether the tree under ``root`` is deeper than ``limit`` (a cursor walk: no recursion)."""
    cursor = root.walk()
    depth = 0
    while True:
        if depth > limit:
            return True
        if cursor.goto_first_child():
            depth += 1
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return False
            depth -= 1


def _parse_chunks(text: str) -> Tree | None:
    """The tree of a large file read in runs of whole top-level blocks (cut where a line opens one);
    None when a run does not read alone (a cut inside a heredoc or a comment): then the whole file
    is read at once."""
    cuts = [0]
    for m in _TOP.finditer(text):
        if m.start() - cuts[-1] >= CHUNK:
            cuts.append(m.start())
    cuts.append(len(text))
    if len(cuts) <= 2:
        return None
    top = Block("", [], [], [], 0, len(text), None, 0, len(text))
    comments: list[tuple[int, int]] = []
    for a, b in zip(cuts, cuts[1:]):
        part = text[a:b]
        root = _ts_root(part)
        if root.has_error:
            return None
        reader = _Reader(text, _Chars(part), a)
        reader.comments = comments
        for ch in root.children:
            if ch.type == "body":
                reader.body(ch, top)
            elif ch.type == "comment":
                comments.append(reader.span(ch))
    return Tree(top, comments)


def _first_error(node):
    stack = [node]
    while stack:
        n = stack.pop()
        if n.is_error or n.is_missing:
            return n
        if n.has_error:
            stack.extend(reversed(n.children))
    return None


def _error_line(bad) -> int:
    """1-based line of an error: where the text before a missing token ends, or where the parser
    gave up inside an ERROR node (its last child)."""
    if bad.is_missing:
        n = bad
        while n is not None and n.prev_sibling is None:
            n = n.parent
        prev = n.prev_sibling if n is not None else None
        if prev is not None:
            row, col = prev.end_point
            return row + 1 if col > 0 or row == 0 else row
        return bad.start_point[0] + 1
    kids = [c for c in bad.children if c.end_byte > c.start_byte]
    return (kids[-1].start_point[0] if kids else bad.start_point[0]) + 1


_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_HEX = re.compile(r"[0-9A-Fa-f]+")
#: what may start an escape in a quoted string (``\\n``, ``$${``, ``%%{``)
_SPECIAL = re.compile(r"[\\$%]")


class _Reader:
    """tree-sitter's nodes of ``text[base:]`` (parsed alone) -> the tree, in offsets of ``text``."""

    def __init__(self, text: str, chars: _Chars, base: int = 0) -> None:
        self.text = text
        self.c = chars
        self.base = base
        self.comments: list[tuple[int, int]] = []

    def span(self, n) -> tuple[int, int]:
        return self.base + self.c(n.start_byte), self.base + self.c(n.end_byte)

    def tree(self, root) -> Tree:
        s, e = self.span(root)
        top = Block("", [], [], [], s, e, None, s, e)
        for ch in root.children:
            if ch.type == "body":
                self.body(ch, top)
            elif ch.type == "comment":
                self.comments.append(self.span(ch))
        return Tree(top, self.comments)

    def body(self, node, block: Block) -> None:
        for ch in node.children:
            if ch.type == "attribute":
                block.items.append(self.attribute(ch, block))
            elif ch.type == "block":
                block.items.append(self.block(ch, block))
            elif ch.type == "comment":
                self.comments.append(self.span(ch))

    def attribute(self, node, parent: Block) -> Attribute:
        ident = node.children[0]
        expr = next((c for c in node.children if c.type == "expression"), None)
        s, e = self.span(node)
        ns, ne = self.span(ident)
        value = self.expr(expr) if expr is not None else Expr("other", e, e, "")
        return Attribute(self.text[ns:ne], ns, ne, value, s, e, parent)

    def block(self, node, parent: Block) -> Block:
        s, e = self.span(node)
        b = Block("", [], [], [], s, e, parent)
        for ch in node.children:
            t = ch.type
            if t == "identifier" and not b.type:
                b.type = self.text[slice(*self.span(ch))]
            elif t == "identifier":
                b.labels.append(self.text[slice(*self.span(ch))])
            elif t == "string_lit":
                st = self.string(ch)
                b.labels.append(st.value)
                b.label_strings.append(st)
            elif t == "block_start":
                b.body_start = self.span(ch)[1]
            elif t == "block_end":
                b.body_end = self.span(ch)[0]
            elif t == "body":
                self.body(ch, b)
            elif t == "comment":
                self.comments.append(self.span(ch))
        return b

    def expr(self, node) -> Expr:
        while node.type == "expression" and node.named_child_count == 1 and node.child_count == 1:
            node = node.children[0]
        s, e = self.span(node)
        raw = self.text[s:e]
        t = node.type
        if t in ("literal_value", "template_expr", "collection_value") and node.named_child_count == 1:
            return self.expr(node.named_children[0])
        if t in ("string_lit", "quoted_template", "heredoc_template"):
            return Expr("string", s, e, raw, string=self.string(node))
        if t == "numeric_lit":
            return Expr("number", s, e, raw)
        if t == "bool_lit":
            return Expr("bool", s, e, raw)
        if t == "null_lit":
            return Expr("null", s, e, raw)
        if t == "variable_expr" and node.named_child_count == 1:
            return Expr("ident", s, e, raw)
        if t == "tuple":
            return Expr("tuple", s, e, raw, items=[self.expr(c) for c in node.named_children if c.type == "expression"])
        if t == "object":
            pairs = []
            for el in node.named_children:
                if el.type == "object_elem":
                    kv = [c for c in el.named_children if c.type == "expression"]
                    if len(kv) == 2:
                        pairs.append((self.expr(kv[0]), self.expr(kv[1])))
            return Expr("object", s, e, raw, pairs=pairs)
        if t == "function_call" and node.named_child_count >= 1:
            name = node.named_children[0]
            fargs = next((c for c in node.named_children if c.type == "function_arguments"), None)
            args = [self.expr(c) for c in fargs.named_children if c.type == "expression"] if fargs is not None else []
            a, b = self.span(name)
            return Expr("other", s, e, raw, strings=self.strings_in(node), call=self.text[a:b], args=args)
        return Expr("other", s, e, raw, strings=self.strings_in(node))

    def strings_in(self, node) -> list[Str]:
        out: list[Str] = []
        stack = [node]
        while stack:
            n = stack.pop()
            if n.type in ("string_lit", "quoted_template", "heredoc_template"):
                out.append(self.string(n))
            else:
                stack.extend(reversed(n.children))
        return out

    def string(self, node) -> Str:
        s, e = self.span(node)
        t = node.type
        if t == "heredoc_template":
            return self.heredoc(node, s, e)
        text = self.text
        i, end = s + 1, e - 1
        raw_spans = [] if t == "string_lit" else \
            [self.span(c) for c in node.children if c.type in ("template_interpolation", "template_directive")]
        if not raw_spans and _SPECIAL.search(text, i, end) is None:
            return Str(s, e, text[i:end], range(i, end))  # the common case: nothing to decode
        value: list[str] = []
        offs: list[int] = []
        irregular: set[int] = set()
        k = 0
        while i < end:
            if k < len(raw_spans) and i >= raw_spans[k][0]:
                a, b = raw_spans[k]
                value.append(text[a:b])
                offs.extend(range(a, b))
                i = b
                k += 1
                continue
            stop = raw_spans[k][0] if k < len(raw_spans) else end
            m = _SPECIAL.search(text, i, stop)
            j = m.start() if m is not None else stop
            if j > i:  # a run that stands for itself
                value.append(text[i:j])
                offs.extend(range(i, j))
                i = j
                continue
            c = text[i]
            if c == "\\" and i + 1 < end:
                n = text[i + 1]
                if n in _ESCAPES:
                    value.append(_ESCAPES[n])
                    offs.append(i)
                    irregular.add(i)
                    i += 2
                    continue
                width = 4 if n == "u" else 8 if n == "U" else 0
                digits = text[i + 2:i + 2 + width]
                if width and len(digits) == width and _HEX.fullmatch(digits) and int(digits, 16) <= 0x10FFFF:
                    value.append(chr(int(digits, 16)))
                    offs.append(i)
                    irregular.add(i)
                    i += 2 + width
                    continue
            if c in "$%" and text.startswith(c + c + "{", i):
                value.append(c)
                offs.append(i)
                irregular.add(i)
                i += 2
                continue
            value.append(c)
            offs.append(i)
            i += 1
        return Str(s, e, "".join(value), offs, bool(raw_spans), False, frozenset(irregular))

    def heredoc(self, node, s: int, e: int) -> Str:
        """A heredoc's lines between its opening line and its closing marker, as written (no
        backslash escapes in heredocs; ``$${``/``%%{`` are irregular)."""
        idents = [c for c in node.children if c.type == "heredoc_identifier"]
        text = self.text
        open_end = self.span(idents[0])[1] if idents else s
        nl = text.find("\n", open_end, e)
        start = nl + 1 if nl >= 0 else e
        close = self.span(idents[-1])[0] if len(idents) > 1 else e
        stop = text.rfind("\n", start, close) + 1 if close > start else start
        stop = max(stop, start)
        dynamic = any(c.type in ("template_interpolation", "template_directive") for c in node.children)
        irregular = frozenset(m.start() + start for m in re.finditer(r"\$\$\{|%%\{", text[start:stop]))
        return Str(s, e, text[start:stop], range(start, stop), dynamic, True, irregular)


# --- writing HCL strings --------------------------------------------------------------------------

def quote(value: str) -> str:
    """``value`` as an HCL string literal (nothing in it is interpolated)."""
    out = []
    for c in value:
        if c in '"\\':
            out.append("\\" + c)
        elif c == "\n":
            out.append("\\n")
        elif c == "\r":
            out.append("\\r")
        elif c == "\t":
            out.append("\\t")
        elif ord(c) < 0x20 or c == "\x7f":
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return '"' + "".join(out).replace("${", "$${").replace("%{", "%%{") + '"'


def escape_in(fragment: str) -> str:
    """``fragment`` as it stands inside an HCL string literal."""
    return quote(fragment)[1:-1]


def is_verbatim(fragment: str) -> bool:
    """``fragment`` stands for itself inside a quoted string, whatever is written around it."""
    return escape_in(fragment) == fragment and not any(c in fragment for c in "${}%")


def _line_of(text: str, start: int, end: int) -> tuple[int, int, int] | None:
    """(line start, end of the item with its comma, line end after the line break) when the item
    ``start..end`` (and an optional comma) stands alone on its line."""
    ls = text.rfind("\n", 0, start) + 1
    if text[ls:start].strip(" \t"):
        return None
    m = re.compile(r"[ \t]*,?[ \t]*(?:\r?\n|$)").match(text, end)
    if m is None or ls == 0:
        return None
    return ls, end, m.end()


class HclListSyntax(Syntax):
    """Items of an HCL list (``args = ["trtserver", "--model-store=/m"]``), one word per string."""

    name = "hcl"
    default_sep = ", "

    def __init__(self, irregular: frozenset[int] = frozenset(), variable: str = "") -> None:
        self.irregular = irregular
        self.gap_re = re.compile(r"^[ \t\r\n]*,[ \t\r\n]*$")
        #: the list is the default of a Terraform input variable (``variable "args" { default = [...] }``)
        #: that a ``.tfvars`` file or ``-var`` may replace
        self.variable = variable
        self.overridable = bool(variable)

    def quote(self, value: str, like: Word | None) -> str:
        return quote(value)

    def safe_in_place(self, word: Word, fragment: str, new_value: str) -> bool:
        if word.quote != '"':
            return False
        if fragment and any(o in self.irregular for o in word.offsets):
            return False
        return is_verbatim(fragment)

    def delete_word(self, text: str, word: Word) -> Edit | None:
        """An item alone on its line goes with its line."""
        line = _line_of(text, word.start, word.end)
        return Edit.delete(line[0], line[2]) if line else None

    def insert_words(self, text: str, anchor: Word, values: list[str], like: Word | None) -> Edit | None:
        """After an item alone on its line: new lines with the same indentation and commas."""
        line = _line_of(text, anchor.start, anchor.end)
        if line is None:
            return None
        ls, _, le = line
        indent = text[ls:anchor.start]
        nl = "\r\n" if text[ls:le].endswith("\r\n") else "\n"
        after = re.compile(r"[ \t]*,").match(text, anchor.end)
        raws = [self.quote(v, like) for v in values]
        if after:
            return Edit.insert(after.end(), "".join(nl + indent + r + "," for r in raws))
        return Edit.insert(anchor.end, "".join("," + nl + indent + r for r in raws))


class HclCommandSyntax(HclListSyntax):
    """A lone command string (Nomad's ``command = "trtserver"``). New words would need a new ``args``
    list, and two independent fixes cannot each create it (HCL refuses an attribute defined twice): a
    word to add is an error that says to add the list by hand. (V1 refused to start without
    ``--model-store``, so a V1 task always had arguments somewhere.)"""

    def __init__(self, irregular: frozenset[int], problem: str, line: int | None = None) -> None:
        super().__init__(irregular)
        self.problem = problem
        self.line = line

    def delete_word(self, text: str, word: Word) -> Edit | None:
        return None

    def insert_words(self, text: str, anchor: Word, values: list[str], like: Word | None) -> Edit | None:
        raise ProcessingError(f"cannot add {' '.join(values)}: {self.problem}; edit it by hand", self.line)


class HclShellSyntax(ShellSyntax):
    """Words of a shell script held in an HCL string (``["sh", "-c", "trtserver ..."]``)."""

    name = "hcl-shell"

    def __init__(self, irregular: frozenset[int], heredoc: bool = False) -> None:
        self.irregular = irregular
        self.heredoc = heredoc
        self.gap_re = re.compile(r"^(?:[ \t]|\\?(?:\r\n|\n|\r)[ \t]*)*$")

    def quote(self, value: str, like: Word | None) -> str:
        sh = ShellSyntax.quote(self, value, like)
        if self.heredoc:
            if "\n" in sh or "${" in sh or "%{" in sh:
                raise ProcessingError(f"cannot write {value!r} inside this HCL heredoc: edit it by hand")
            return sh
        return escape_in(sh)

    def safe_in_place(self, word: Word, fragment: str, new_value: str) -> bool:
        if fragment == "":
            return True
        if any(o in self.irregular for o in word.offsets):
            return False
        return ShellSyntax.safe_in_place(self, word, fragment, new_value) and is_verbatim(fragment)
