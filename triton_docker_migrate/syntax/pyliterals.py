"""Python string literals read from their source, with the document offset of every character of
their value, and the two word-list syntaxes of command lines written in Python: a list of string
literals (``["trtserver", "--model-store=/m"]``) and shell text inside one literal
(``os.system("trtserver --model-store /m &")``).

A literal's source is one or more string tokens (implicit concatenation, with white space, comments
and line continuations between them), each with a prefix (``r``, ``b``, ``f``, ``u`` in any case and
order Python accepts), a quote (``'``, ``"``, or tripled) and a body. A value character is *exact*
when it is written as itself, one source character for one value character; an escape (``\\n``,
``\\x41``, ``\\N{...}``), a doubled ``{{`` of an f-string, a CRLF or CR that Python reads as ``\\n``
give characters that are not, and a line continuation inside a string gives none. Edits in place
touch exact characters only; a word that holds other characters is rewritten whole (its value is
known) or, when it holds an f-string replacement field, not at all.

Every literal is checked against the value CPython's ``ast`` gives it: a literal this reader would
decode differently is returned as unmapped (``None``) and never edited.
"""

from __future__ import annotations

import bisect
import json
import re
import unicodedata
from array import array
from dataclasses import dataclass, field
from typing import Sequence

from ..model import Edit, ProcessingError
from .quoting import ShellSyntax, Syntax
from .shellwords import Word

_TOKEN = re.compile(r"([rRbBuUfF]{0,2})('''|\"\"\"|'|\")")
_SIMPLE_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r",
                   "t": "\t", "v": "\v"}
_OCTAL = set("01234567")
_HEX = set("0123456789abcdefABCDEF")
#: what may be written inside any string token as it is: no quote, backslash, brace, line break or
#: control character (so the same raw text means the same value in every prefix and quote style)
#: characters that stand for themselves in a string body (the quote is checked apart)
_PLAIN = re.compile(r"[^\\\r\n'\"]+")
_PLAIN_F = re.compile(r"[^\\\r\n'\"{}]+")
_COMMA_AFTER = re.compile(r"[ \t]*,[ \t]*")
_COMMENT_AFTER = re.compile(r"[ \t]*(?P<comma>,)?[ \t]*#[^\r\n]*")
_LINE_END = re.compile(r"[ \t]*(?:\r\n|\n|\r)")
_RAW_SAFE = re.compile(r"^[^\\'\"{}\x00-\x1f\x7f\x85\u2028\u2029]*$")


@dataclass
class Piece:
    """One string token of a literal."""

    start: int  #: document offset of the prefix (or the opening quote)
    end: int  #: document offset after the closing quote
    prefix: str  #: the prefix letters in lower case, sorted (``""``, ``"r"``, ``"b"``, ``"br"``, ``"f"``, ``"fr"``)
    quote: str  #: ``'``, ``"``, ``'''`` or ``\"\"\"``
    body_start: int
    body_end: int


@dataclass
class Literal:
    """A string literal (one ast node) and where each character of its value comes from.

    f-string replacement fields appear in ``value`` as ``$`` followed by their source text
    (``{d}`` -> ``${d}``), so that shell-minded readers see an expansion; those characters are not
    exact. ``value`` of a bytes literal is its bytes read as Latin-1 (one character per byte)."""

    start: int  #: document offset of the first token
    end: int  #: document offset after the last token
    value: str
    offsets: Sequence[int]  #: per value character: the document offset of its first source character
    ends: Sequence[int]  #: per value character: the document offset after its last source character
    inexact: frozenset[int]  #: indices of value characters that are not written as themselves
    pieces: list[Piece]
    is_bytes: bool = False
    fields: list[tuple[int, int]] = field(default_factory=list)  #: value index ranges of f-string fields
    #: value indices whose character does not follow the previous one in the document (a new token,
    #: after a line continuation)
    breaks: list[int] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return not self.inexact

    @property
    def dynamic(self) -> bool:
        """Holds an f-string replacement field: its value is known only at run time."""
        return bool(self.fields)

    @property
    def quote(self) -> str:
        """The quote character of the first token (``"`` or ``'``)."""
        return self.pieces[0].quote[0]

    def piece_at(self, offset: int) -> Piece | None:
        for p in self.pieces:
            if p.body_start <= offset <= p.body_end:
                return p
        return None

    def runs(self) -> list[tuple[int, int]]:
        """Maximal value index ranges ``[i, j)`` of exact characters that stand one after the
        other in the document (never across an escape, a field or two tokens)."""
        cuts = sorted(set(self.inexact) | set(self.breaks))
        out: list[tuple[int, int]] = []
        i = 0
        for k in cuts + [len(self.value)]:
            if k > i:
                out.append((i, k))
            i = k + 1 if k in self.inexact else k
        return out


class _Reader:
    def __init__(self, text: str) -> None:
        self.t = text
        self.value: list[str] = []
        # 8 bytes a character, not a Python int each: a literal may be megabytes long
        self.offsets = array("q")
        self.ends = array("q")
        self.inexact: set[int] = set()
        self.fields: list[tuple[int, int]] = []
        #: the value as ast sees it: (start, end) index ranges of literal text, and None for fields
        self.shape: list[tuple[int, int] | None] = []
        self.breaks: list[int] = []
        self._last = -1  #: the document offset after the last character added

    def _at(self, a: int, b: int) -> None:
        if a != self._last:
            self.breaks.append(len(self.value))
        self._last = b

    def _grow(self, n: int) -> None:
        k = len(self.value) - n
        if self.shape and self.shape[-1] is not None:
            self.shape[-1] = (self.shape[-1][0], len(self.value))
        else:
            self.shape.append((k, len(self.value)))

    def add(self, ch: str, a: int, b: int, exact: bool = True) -> None:
        self._at(a, b)
        if not exact or b - a != 1 or self.t[a] != ch:
            self.inexact.add(len(self.value))
        self.value.append(ch)
        self.offsets.append(a)
        self.ends.append(b)
        self._grow(1)

    def add_run(self, a: int, b: int) -> None:
        """``t[a:b]`` written as itself."""
        self._at(a, b)
        self.value.extend(self.t[a:b])
        self.offsets.extend(range(a, b))
        self.ends.extend(range(a + 1, b + 1))
        self._grow(b - a)

    def add_field(self, a: int, b: int) -> None:
        self._at(a, b)
        k = len(self.value)
        src = self.t[a:b]
        self.value.append("$")
        self.offsets.append(a)
        self.ends.append(a)
        self.value.extend(src)
        self.offsets.extend(range(a, b))
        self.ends.extend(range(a + 1, b + 1))
        self.inexact.update(range(k, len(self.value)))
        self.fields.append((k, len(self.value)))
        self.shape.append(None)

    def parts(self) -> list[str | None]:
        return [None if x is None else "".join(self.value[x[0]:x[1]]) for x in self.shape]


def read_literal(text: str, start: int, end: int, node_value: object) -> Literal | None:
    """The literal whose tokens stand in ``text[start:end]`` (an ast node's span), or None when
    its source cannot be read back to ``node_value`` (a ``str``/``bytes`` constant's value, or, for
    an f-string, the list of its parts: strings and None for each replacement field)."""
    t = text
    q = t[start] if start < end else ""
    if q in "'\"" and end - start >= 2 and t[end - 1] == q and not t.startswith(q * 3, start) \
            and isinstance(node_value, str) and end - start - 2 == len(node_value) \
            and t.startswith(node_value, start + 1) and q not in node_value and "\\" not in node_value:
        # the usual literal: one token, no prefix, no escape: every character is itself
        return Literal(start, end, node_value, range(start + 1, end - 1), range(start + 2, end), frozenset(),
                       [Piece(start, end, "", q, start + 1, end - 1)], breaks=[0])
    r = _Reader(t)
    pieces: list[Piece] = []
    i = start
    is_bytes = False
    while i < end:
        c = t[i]
        if c in " \t\f\r\n":
            i += 1
            continue
        if c == "\\":
            nl = _newline_at(t, i + 1)
            if not nl:
                return None
            i += 1 + nl
            continue
        if c == "#":
            while i < end and t[i] not in "\r\n":
                i += 1
            continue
        m = _TOKEN.match(t, i, end)
        if not m:
            return None
        prefix = "".join(sorted(m.group(1).lower()))
        if prefix not in ("", "r", "u", "b", "br", "f", "fr"):
            return None
        quote = m.group(2)
        is_bytes = "b" in prefix
        body_end = _read_body(t, m.end(), end, quote, prefix, r)
        if body_end is None:
            return None
        pieces.append(Piece(i, body_end + len(quote), prefix, quote, m.end(), body_end))
        i = body_end + len(quote)
    if not pieces:
        return None
    value = "".join(r.value)
    if isinstance(node_value, list):
        if [x for x in r.parts() if x != ""] != [x for x in node_value if x != ""]:
            return None
    elif isinstance(node_value, bytes):
        if r.fields or value.encode("latin-1", "replace") != node_value or any(ord(ch) > 255 for ch in value):
            return None
    elif value != node_value or r.fields:
        return None
    return Literal(pieces[0].start, pieces[-1].end, value, r.offsets, r.ends, frozenset(r.inexact), pieces,
                   is_bytes, r.fields, r.breaks)


def _newline_at(t: str, i: int) -> int:
    """Length of the line break at ``t[i]`` (0: none)."""
    if t.startswith("\r\n", i):
        return 2
    return 1 if i < len(t) and t[i] in "\r\n" else 0


def _read_body(t: str, i: int, end: int, quote: str, prefix: str, r: _Reader) -> int | None:
    """Decode one token's body from ``t[i]`` into ``r``; the offset of its closing quote."""
    raw, fstr, is_bytes = "r" in prefix, "f" in prefix, "b" in prefix
    triple = len(quote) == 3
    plain = _PLAIN_F if fstr else _PLAIN
    while True:
        if i >= end:
            return None
        m = plain.match(t, i, end)
        if m is not None:
            r.add_run(i, m.end())
            i = m.end()
            continue
        if t.startswith(quote, i):
            return i
        c = t[i]
        if c in "\r\n":
            if not triple:
                return None
            n = _newline_at(t, i)
            r.add("\n", i, i + n)
            i += n
            continue
        if fstr and c in "{}":
            if t.startswith(c * 2, i):
                r.add(c, i, i + 2)
                i += 2
                continue
            if c == "}":
                return None
            j = _field_end(t, i, end)
            if j is None:
                return None
            r.add_field(i, j)
            i = j
            continue
        if c != "\\":
            r.add(c, i, i + 1)
            i += 1
            continue
        # a backslash
        if i + 1 >= end:
            return None
        nl = _newline_at(t, i + 1)
        if raw:
            # kept as written; it only stops the next character from closing the string. Both
            # characters are inexact: an edit between or after them would pair the backslash with
            # another character (the closing quote)
            r.add("\\", i, i + 1, exact=False)
            if nl:
                r.add("\n", i + 1, i + 1 + nl, exact=False)
                i += 1 + nl
            else:
                r.add(t[i + 1], i + 1, i + 2, exact=False)
                i += 2
            continue
        if nl:
            i += 1 + nl  # a line continuation: no character
            continue
        e = t[i + 1]
        if e in _SIMPLE_ESCAPES:
            r.add(_SIMPLE_ESCAPES[e], i, i + 2)
            i += 2
        elif e in _OCTAL:
            j = i + 1
            while j < i + 4 and j < end and t[j] in _OCTAL:
                j += 1
            r.add(chr(int(t[i + 1:j], 8)), i, j)
            i = j
        elif e == "x":
            h = t[i + 2:i + 4]
            if len(h) != 2 or not set(h) <= _HEX:
                return None
            r.add(chr(int(h, 16)), i, i + 4)
            i += 4
        elif e in "uU" and not is_bytes:
            n = 4 if e == "u" else 8
            h = t[i + 2:i + 2 + n]
            if len(h) != n or not set(h) <= _HEX or int(h, 16) > 0x10FFFF:
                return None
            r.add(chr(int(h, 16)), i, i + 2 + n)
            i += 2 + n
        elif e == "N" and not is_bytes:
            close = t.find("}", i + 3, end)
            if not t.startswith("{", i + 2) or close < 0:
                return None
            try:
                ch = unicodedata.lookup(t[i + 3:close])
            except KeyError:
                return None
            r.add(ch, i, close + 1)
            i = close + 1
        else:
            # an unknown escape keeps its backslash (inexact, with the character it escapes: an
            # edit there would make another escape)
            r.add("\\", i, i + 1, exact=False)
            i += 1
            if not (fstr and e in "{}") and e not in "\r\n":
                r.add(e, i, i + 1, exact=False)
                i += 1


def _field_end(t: str, i: int, end: int) -> int | None:
    """Offset after the replacement field that starts with the ``{`` at ``t[i]``: brackets
    nest, strings inside are skipped (Python 3.12 lets them reuse the outer quote)."""
    depth = 0
    j = i
    while j < end:
        c = t[j]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return j + 1 if c == "}" else None
        elif c in "'\"":
            m = _TOKEN.match(t, j)
            assert m is not None
            q = m.group(2)
            k = m.end()
            while k < end and not t.startswith(q, k):
                k += 2 if t[k] == "\\" else 1
            if k >= end:
                return None
            j = k + len(q)
            continue
        j += 1
    return None


# --- writing ----------------------------------------------------------------------------------

def py_literal(value: str, quote: str = '"', is_bytes: bool = False) -> str:
    """``value`` as a Python string literal in ``quote`` (``'`` or ``"``); a bytes literal when
    ``is_bytes`` (each character one byte, Latin-1)."""
    q = quote[:1] if quote[:1] in "'\"" else '"'
    out = []
    for ch in value:
        o = ord(ch)
        if ch == "\\" or ch == q:
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif is_bytes and o > 0x7E or o < 0x20 or o == 0x7F:
            if o > 0xFF:
                raise ValueError("not a byte")
            out.append(f"\\x{o:02x}")
        elif not ch.isprintable():
            out.append(f"\\u{o:04x}" if o <= 0xFFFF else f"\\U{o:08x}")
        else:
            out.append(ch)
    return ("b" if is_bytes else "") + q + "".join(out) + q


def escape_in(fragment: str, piece: Piece) -> str | None:
    """Raw text that reads back as ``fragment`` inside ``piece``'s body; None when it cannot be
    written there (a quote or line break in a raw string, a character a bytes literal cannot hold)."""
    if _RAW_SAFE.match(fragment) and (fragment.isascii() or "b" not in piece.prefix):
        return fragment
    if "f" in piece.prefix:
        fragment = fragment.replace("{", "{{").replace("}", "}}")
    if "r" in piece.prefix:
        if any(ch in fragment for ch in "\\'\"\r\n\x85\u2028\u2029") or not fragment.isprintable():
            return None
        return fragment
    try:
        body = py_literal(fragment, piece.quote, "b" in piece.prefix)
    except ValueError:
        return None
    return body[(2 if "b" in piece.prefix else 1):-1]


# --- words --------------------------------------------------------------------------------------

@dataclass
class PyWord(Word):
    """A word read from a Python literal (or a whole non-literal expression): ``inexact`` holds the
    indices of its value characters that are not written as themselves."""

    inexact: frozenset[int] = frozenset()
    literal: Literal | None = None  #: the literal it stands in (the first one of a concatenation)
    whole: bool = False  #: the word is a whole item (of a list), not a part of a literal's text
    group: int = 0  #: which list of the file it is an item of (words of one list form a segment)
    expression: bool = False  #: no literal at all (a variable, a call, ``*args``): any options at run time
    open_end: bool = True  #: text may be appended at ``inner_end``
    #: the syntax of the shell text it is a word of, when a Python expression builds that text by
    #: concatenation (``"trtserver --model-store=" + path``): ``PyConcatShellSyntax``
    shell: Syntax | None = None

    def maps_exactly(self, i: int, j: int) -> bool:
        """``value[i:j]`` (``i == j``: the point before ``value[i]``) is written as itself."""
        if i >= len(self.value):
            # the end of the value: before the closing quote of a whole literal, after the last
            # character of a word of shell text (which must be written as itself)
            return self.open_end and not self.expression and \
                (self.whole or not self.value or len(self.value) - 1 not in self.inexact)
        return not any(k in self.inexact for k in range(i, max(j, i + 1)))

    #: the item right after an option written without ``=``: its value, whatever it holds (V1 took
    #: a value for every long option but --help: CONTRACT.md, "Where new options go")
    is_value: bool = False

    @property
    def is_whole_expansion(self) -> bool:
        if self.is_value:
            return False
        if self.expression:
            return True  # a variable, a call, ``*args``: may hold any options
        return Word.is_whole_expansion.fget(self)  # type: ignore[attr-defined]


def literal_word(lit: Literal, group: int = 0) -> PyWord:
    """A list item: the whole literal is one word."""
    last = lit.pieces[-1]
    return PyWord(lit.start, lit.end, lit.value, list(lit.offsets), lit.dynamic, lit.quote, last.body_end,
                  inexact=lit.inexact, literal=lit, whole=True, group=group)


def expression_word(text: str, start: int, end: int, group: int = 0) -> PyWord:
    """A list item that is not a literal (``opts``, ``*args``, a call): its value is known only at
    run time. Its value is ``${...}`` around its source text, as shell-minded readers expect."""
    src = text[start:end]
    value = "${" + src.replace("\n", " ") + "}"
    offsets = [start, start] + list(range(start, end)) + [end - 1]
    return PyWord(start, end, value, offsets[:len(value)], True, "", end,
                  inexact=frozenset(range(len(value))), literal=None, whole=True, group=group, expression=True,
                  open_end=False)


def concatenation_word(text: str, start: int, end: int, parts: list, group: int = 0) -> PyWord:
    """A list item written as ``"--model-store=" + path`` (``parts``: each a Literal or the (start,
    end) of an expression): literal text is read as written, expressions as ``${...}``."""
    value: list[str] = []
    offsets: list[int] = []
    inexact: set[int] = set()
    first = None
    for part in parts:
        if isinstance(part, Literal):
            first = first or part
            inexact.update(len(value) + k for k in part.inexact)
            value.extend(part.value)
            offsets.extend(part.offsets)
        else:
            a, b = part
            chunk = "${" + text[a:b].replace("\n", " ") + "}"
            inexact.update(range(len(value), len(value) + len(chunk)))
            offsets.extend(([a, a] + list(range(a, b)) + [b - 1])[:len(chunk)])
            value.extend(chunk)
    last = parts[-1]
    inner_end = last.pieces[-1].body_end if isinstance(last, Literal) else end
    return PyWord(start, end, "".join(value), offsets, True, "", inner_end, inexact=frozenset(inexact),
                  literal=first, whole=True, group=group, open_end=isinstance(last, Literal))


def shell_words_of(lit: Literal, words: list[Word]) -> list[PyWord]:
    """Words the shell lexer read from ``lit``'s value (its offsets), with their inexact
    characters marked and their ends after a last character that an escape wrote."""
    out = []
    offs = lit.offsets

    def index(o: int) -> int:  # offsets never decrease along the value
        return bisect.bisect_right(offs, o) - 1

    for w in words:
        inexact = frozenset(n for n, o in enumerate(w.offsets) if index(o) in lit.inexact) if lit.inexact \
            else frozenset()
        end = w.end
        if lit.inexact and w.end > w.start:
            # the last character the lexer read for the word (a closing quote written ``\"`` too)
            k = index(w.end - 1)
            if k >= 0 and offs[k] == w.end - 1:
                end = lit.ends[k]
        out.append(PyWord(w.start, max(end, w.start), w.value, w.offsets, w.dynamic, w.quote, w.inner_end,
                          inexact=inexact, literal=lit, whole=False))
    return out


# --- syntaxes -----------------------------------------------------------------------------------

class PyListSyntax(Syntax):
    """Items of a Python list or tuple (or the positional arguments of a call), one word per item.
    ``items`` are the spans of all the items, so that a deletion knows its neighbours."""

    name = "python"
    default_sep = ", "
    gap_re = re.compile(r"^(?:[ \t\r\n\f,]|\\\r?\n)*$")

    #: a program that a name or a call gives (``os.execv(BIN, argv)``): nothing is added after it
    closed = False
    #: where an edit that cannot be written is kept (``PythonDoc.can_write``); None: such an edit is an error
    refused: set[Edit] | None = None

    def __init__(self, items: Sequence[tuple[int, int]] = ()) -> None:
        self.items = list(items)

    def takes_after(self, word: Word) -> bool:
        return self.holds_insertions and not self.closed

    def delete_word(self, text: str, word: Word) -> Edit | None:
        """Where a comment stands next to the item, the generic deletion (the item with the comma
        before or after it) would take the comment or leave two commas: the item goes with the
        comma after it instead (its whole line when nothing else is on it), the comment stays."""
        k = next((n for n, (a, b) in enumerate(self.items) if a == word.start and b == word.end), None)
        if k is None:
            return None
        before = text[self.items[k - 1][1]:word.start] if k > 0 else ""
        after = text[word.end:self.items[k + 1][0]] if k + 1 < len(self.items) else ""
        if "#" not in before and "#" not in after:
            return None
        m = _COMMA_AFTER.match(text, word.end)
        end = m.end() if m else word.end
        line_start = text.rfind("\n", 0, word.start) + 1
        rest = _LINE_END.match(text, end)
        if not text[line_start:word.start].strip() and rest is not None:
            return Edit.delete(line_start, rest.end())
        return Edit.delete(word.start, end)

    def insert_words(self, text: str, anchor: Word, values: list[str], like: Word | None) -> Edit | None:
        """After an item that a comment follows on its line, the comment stays with the item it was
        written for: the new items go on lines of their own below it (after ``"x",  # note``) or
        beside the item (``"x"  # note``)."""
        m = _COMMENT_AFTER.match(text, anchor.end)
        if m is None:
            return None
        eol = m.end()
        nl = "\r\n" if text.startswith("\r\n", eol) else "\n"
        line_start = text.rfind("\n", 0, anchor.start) + 1
        lead = text[line_start:anchor.start]
        indent = lead if not lead.strip() else " " * (anchor.start - line_start)
        items = [self.quote(v, like) for v in values]
        if m.group("comma"):
            return Edit.insert(eol, "".join(nl + indent + item + "," for item in items))
        # no comma after the item: the new ones go beside it, before the comment (a pure insertion,
        # so that several additions after the same item never overlap)
        return Edit.insert(anchor.end, "".join(", " + item for item in items))

    def quote(self, value: str, like: Word | None) -> str:
        lit = getattr(like, "literal", None)
        q = lit.quote if lit is not None else '"'
        return py_literal(value, q, bool(lit is not None and lit.is_bytes and value.isascii()))

    def safe_in_place(self, word: Word, fragment: str, new_value: str) -> bool:
        return fragment == "" or bool(_RAW_SAFE.match(fragment) and (fragment.isascii() or not _is_bytes(word)))

    def maps_exactly(self, word: Word, i: int, j: int) -> bool:
        return not isinstance(word, PyWord) or word.maps_exactly(i, j)

    def requote(self, word: Word, new_value: str) -> Edit:
        edit = Edit(word.span, self.quote(new_value, word))
        if word.dynamic or not isinstance(word, PyWord) or word.literal is None or not word.whole or word.expression:
            # Python code writes the item (a name, a call, a '+' of strings, an f-string's field): the edit is
            # made and refused, so that its finding asks for the change by hand
            if self.refused is None:
                raise ProcessingError(f"cannot rewrite this item of a Python list in place (Python code writes "
                                      f"it: {word.value}): edit it by hand")
            self.refused.add(edit)
        return edit


class _InString:
    """Words written inside one Python string literal: exact where no escape writes them, rewritten in place only
    then."""

    @staticmethod
    def _escaped(written: str, value: str, piece) -> str:
        """``written`` (a word as its syntax writes ``value``) escaped for the literal's ``piece``."""
        raw = escape_in(written, piece)
        if raw is None:
            raise ProcessingError(f"cannot write {value!r} inside this Python string: edit it by hand")
        return raw

    def maps_exactly(self, word: Word, i: int, j: int) -> bool:
        return not isinstance(word, PyWord) or word.maps_exactly(i, j)

    def requote(self, word: Word, new_value: str) -> Edit:
        if word.dynamic or (isinstance(word, PyWord) and word.inexact):
            raise ProcessingError("cannot rewrite this word of a Python string in place (it holds an expansion or "
                                  "a character written as an escape): edit it by hand")
        return Edit(word.span, self.quote(new_value, word))  # type: ignore[attr-defined]


class PyShellSyntax(_InString, ShellSyntax):
    """Words of shell text that stands in one Python string literal (``os.system("...")``,
    ``shell=True``, ``sh -c``): a new word is quoted for the shell, then escaped for the literal."""

    name = "python-shell"
    gap_re = re.compile(r"^(?:[ \t]|\\\r?\n)*$")

    def __init__(self, lit: Literal) -> None:
        self.lit = lit

    def _piece(self, word: Word) -> Piece:
        p = self.lit.piece_at(word.start) or self.lit.piece_at(word.end)
        return p or self.lit.pieces[0]

    def quote(self, value: str, like: Word | None) -> str:
        piece = self._piece(like) if like is not None else self.lit.pieces[-1]
        return self._escaped(ShellSyntax.quote(self, value, like), value, piece)

    def safe_in_place(self, word: Word, fragment: str, new_value: str) -> bool:
        if fragment == "":
            return True
        return ShellSyntax.safe_in_place(self, word, fragment, new_value) and \
            escape_in(fragment, self._piece(word)) == fragment


class PyConcatShellSyntax(_InString, ShellSyntax):
    """Words of shell text that a Python expression builds by concatenation (``["bash", "-c",
    "trtserver --model-store=" + path]``): each edit stays inside one of its string literals. A word is
    changed in place where its characters are written as themselves in a literal; new words go after a
    word only where that literal still holds the place after it (never after a part written by an
    expression, never across a ``+``). An edit that cannot stay inside one string token (a word written
    across two parts deleted or rewritten) is made, and added to ``refused``: the document never writes
    it (``PythonDoc.can_write``), its finding asks for the change by hand."""

    name = "python-shell"
    gap_re = re.compile(r"^(?:[ \t]|\\\r?\n)*$")

    def __init__(self, lits: Sequence[Literal], refused: set[Edit] | None = None) -> None:
        self.lits = list(lits)
        self.refused: set[Edit] = refused if refused is not None else set()

    def _refuse(self, edit: Edit) -> Edit:
        self.refused.add(edit)
        return edit

    def _char(self, offset: int) -> tuple[Literal, int] | None:
        """The literal and value index of the character written at ``offset`` (None: an expression's)."""
        for lit in self.lits:
            if lit.start <= offset < lit.end:
                k = bisect.bisect_right(lit.offsets, offset) - 1
                return (lit, k) if k >= 0 and lit.offsets[k] == offset else None
        return None

    def _exact(self, offset: int) -> bool:
        got = self._char(offset)
        return got is not None and got[1] not in got[0].inexact

    def _piece(self, a: int, b: int) -> Piece | None:
        """The string token whose body holds ``[a, b]`` whole."""
        for lit in self.lits:
            p = lit.piece_at(a)
            if p is not None and p.body_start <= b <= p.body_end:
                return p
        return None

    def inexact_chars(self, offsets: Sequence[int]) -> frozenset[int]:
        """The indices of ``offsets`` whose characters are not written as themselves in a literal."""
        return frozenset(n for n, o in enumerate(offsets) if not self._exact(o))

    def takes_after(self, word: Word) -> bool:
        """New words may follow ``word``: its last character is written as itself in a literal, and the
        place after it is still inside that literal's token."""
        if not word.offsets or word.end <= word.start or not self._exact(word.offsets[-1]):
            return False
        return self._piece(word.offsets[-1], max(word.end, word.inner_end)) is not None

    def maps_exactly(self, word: Word, i: int, j: int) -> bool:
        if i >= len(word.value):
            return self.takes_after(word)
        offs = word.offsets[i:max(j, i + 1)]
        return all(self._exact(o) for o in offs) and self._piece(offs[0], offs[-1]) is not None

    def safe_in_place(self, word: Word, fragment: str, new_value: str) -> bool:
        if fragment == "":
            return True
        return ShellSyntax.safe_in_place(self, word, fragment, new_value) and all(
            escape_in(fragment, p) == fragment for lit in self.lits for p in lit.pieces)

    def quote(self, value: str, like: Word | None) -> str:
        piece = self._piece(like.end, like.end) if like is not None else None
        return self._escaped(ShellSyntax.quote(self, value, like), value, piece or self.lits[-1].pieces[-1])

    def insert_words(self, text: str, anchor: Word, values: list[str], like: Word | None) -> Edit | None:
        words = [ShellSyntax.quote(self, v, anchor) for v in values]
        piece = self._piece(anchor.end, anchor.end) if self.takes_after(anchor) else None
        raw = [escape_in(w, piece) for w in words] if piece is not None else [None]
        if any(r is None for r in raw):
            return self._refuse(Edit.insert(anchor.end, "".join(" " + w for w in words)))
        return Edit.insert(anchor.end, "".join(" " + r for r in raw))  # type: ignore[operator]

    def _whole(self, word: Word) -> bool:
        """``word`` is written inside one string token (with whatever quotes the shell reads around it)."""
        return word.end > word.start and self._piece(word.start, word.end) is not None

    def delete_word(self, text: str, word: Word) -> Edit | None:
        if not self._whole(word):
            return self._refuse(Edit.delete(word.start, word.end))
        return None  # removed with the blanks beside it in its literal (a gap across a ``+`` is never taken)

    def requote(self, word: Word, new_value: str) -> Edit:
        if self._whole(word) and not word.dynamic and not (isinstance(word, PyWord) and word.inexact):
            piece = self._piece(word.start, word.end)
            raw = escape_in(ShellSyntax.quote(self, new_value, word), piece)  # type: ignore[arg-type]
            if raw is not None:
                return Edit(word.span, raw)
        return self._refuse(Edit(word.span, ShellSyntax.quote(self, new_value, word)))


def concat_shell_words(syntax: PyConcatShellSyntax, words: list[Word]) -> list[PyWord]:
    """Words the shell lexer read from shell text built by concatenation, as words of ``syntax``: their
    characters that no literal writes as themselves (an expression's, an escape's) are inexact."""
    out = []
    for w in words:
        got = syntax._char(w.offsets[0]) if w.offsets else None
        out.append(PyWord(w.start, w.end, w.value, w.offsets, w.dynamic, w.quote, w.inner_end,
                          inexact=syntax.inexact_chars(w.offsets), literal=got[0] if got else None, whole=False,
                          shell=syntax))
    return out


class PyJsonSyntax(_InString, PyListSyntax):
    """Strings of a JSON array written inside one Python string literal (``spec['args'] = '["trtserver",
    "--model-store=/m"]'``): a new word is a JSON string, then escaped for the literal."""

    name = "python-json"
    gap_re = re.compile(r"^[ \t,]*$")

    def __init__(self, lit: Literal, items: Sequence[tuple[int, int]] = ()) -> None:
        super().__init__(items)
        self.lit = lit

    def delete_word(self, text: str, word: Word) -> Edit | None:
        return None

    def insert_words(self, text: str, anchor: Word, values: list[str], like: Word | None) -> Edit | None:
        return None

    def quote(self, value: str, like: Word | None) -> str:
        piece = self.lit.piece_at(like.start) if like is not None else None
        return self._escaped(json.dumps(value), value, piece or self.lit.pieces[-1])

    def safe_in_place(self, word: Word, fragment: str, new_value: str) -> bool:
        if fragment == "":
            return True
        piece = self.lit.piece_at(word.start) or self.lit.pieces[-1]
        return json.dumps(fragment)[1:-1] == fragment and escape_in(fragment, piece) == fragment



def json_words(lit: Literal, group: int = 0) -> list[PyWord] | None:
    """The strings of the JSON array ``lit`` holds (its whole value, blanks around it aside), each a word
    spanning its quotes in the document (``\\"`` in a literal written between double quotes); None when the
    value is not such an array, or a string of it holds a JSON escape (it would be written again otherwise
    than it reads). An f-string's replacement fields (``"--model-store={conf["dir"]}"``) are read as
    values known at run time, each inside one string of the array."""
    v = lit.value
    # the value with each field's text blanked out: the quotes of its source are no JSON
    plain = v
    for a, b in lit.fields:
        plain = plain[:a] + "_" * (b - a) + plain[b:]
    if not plain.lstrip().startswith("[") or "\\" in plain:
        return None
    try:
        values = json.loads(plain)
    except ValueError:
        return None
    if not isinstance(values, list) or not values or not all(isinstance(x, str) for x in values):
        return None
    words: list[PyWord] = []
    spans: list[tuple[int, int]] = []
    i = 0
    for _ in values:
        i = plain.find('"', i)
        j = plain.find('"', i + 1)
        if i < 0 or j < 0:
            return None
        spans.append((i, j))
        i = j + 1
    if not all(any(i < a and b <= j for i, j in spans) for a, b in lit.fields):
        return None  # a field outside the strings: the array's shape is known only at run time
    for i, j in spans:
        inexact = frozenset(k - i - 1 for k in range(i + 1, j) if k in lit.inexact)
        words.append(PyWord(lit.offsets[i], lit.ends[j], v[i + 1:j], list(lit.offsets[i + 1:j]),
                            any(lit.fields and a < j and b > i for a, b in lit.fields), '"', lit.offsets[j],
                            inexact=inexact, literal=lit, whole=True, group=group))
    return words


def _is_bytes(word: Word) -> bool:
    lit = getattr(word, "literal", None)
    return bool(lit is not None and lit.is_bytes)


#: ``%s``, ``%d``, ``%(name)s``, ``%-10.3f`` (``%%`` is a percent sign)
PERCENT = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa]")
#: ``{}``, ``{0}``, ``{name}``, ``{name!r:>10}`` (``{{``/``}}`` are braces)
BRACES = re.compile(r"\{[^{}]*\}")


#: the end of a string that code adds a value to (``"trtserver " + args``): one more value known at run time
TAIL = re.compile(r"(?<=\s)\Z")


def with_placeholders(lit: Literal, pattern: re.Pattern) -> Literal:
    """``lit`` formatted with ``%`` or ``.format()``: each placeholder reads as an expansion
    (``${...}``, like an f-string's replacement field: a value known only at run time, never edited),
    and ``%%``/``{{``/``}}`` as the one character they give."""
    escape = re.compile(r"%%") if pattern is PERCENT else re.compile(r"\{\{|\}\}") if pattern is BRACES \
        else re.compile(r"(?!)")
    value: list[str] = []
    offsets: list[int] = []
    ends: list[int] = []
    inexact: set[int] = set()
    fields: list[tuple[int, int]] = []
    new_index: dict[int, int] = {}  #: old value index -> new (for the breaks)
    v = lit.value

    def keep(a: int, b: int) -> None:
        """``v[a:b]`` as it is."""
        for k in range(a, b):
            new_index[k] = len(value)
            if k in lit.inexact:
                inexact.add(len(value))
            value.append(v[k])
            offsets.append(lit.offsets[k])
            ends.append(lit.ends[k])

    i = 0
    for m in re.finditer(escape.pattern + "|" + pattern.pattern, v):
        keep(i, m.start())
        new_index[m.start()] = len(value)
        if m.start() == len(v):  # the tail: where the string ends
            a = b = lit.ends[-1] if v else lit.start
        else:
            a, b = lit.offsets[m.start()], lit.ends[m.end() - 1]
        if escape.fullmatch(m.group(0)):
            inexact.add(len(value))
            value.append(m.group(0)[0])
            offsets.append(a)
            ends.append(b)
        else:
            inner = m.group(0).strip("{}") or "_"
            k = len(value)
            text = "${" + inner.replace("}", "") + "}"
            value.extend(text)
            offsets.extend([a] * len(text))
            ends.extend([b] * len(text))
            inexact.update(range(k, len(value)))
            fields.append((k, len(value)))
        i = m.end()
    keep(i, len(v))
    return Literal(lit.start, lit.end, "".join(value), offsets, ends, frozenset(inexact), lit.pieces, lit.is_bytes,
                   fields, [new_index[b] for b in lit.breaks if b in new_index])
