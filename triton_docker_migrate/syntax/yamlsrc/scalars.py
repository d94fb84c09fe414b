"""A YAML scalar as written: its decoded value and the document offset of each value character.

Marks do not say where each character of a scalar's value comes from: quotes, escapes, line folding
and block indentation sit in between. ``decode`` reads each scalar itself from the original text,
keeps the offset of every decoded character, and trusts the result only when it equals the parser's
value."""

from __future__ import annotations

import re
from array import array
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping


from .nodetypes import ScalarNode
from .tags import STR

_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")  # libyaml's line breaks (YAML 1.1: NEL, LS, PS too)
_BLOCK_HEADER = re.compile(
    r"[|>]([+-]?)([1-9]?)([+-]?)[ \t]*(?:#[^\r\n\x85\u2028\u2029]*)?(?:\r\n|[\n\r\x85\u2028\u2029])")
_HEX = {"x": 2, "u": 4, "U": 8}
#: the irregular characters of a scalar without any (one shared mapping: a dictionary each took 64 bytes)
_REGULAR: Mapping[int, int] = MappingProxyType({})
_ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v", "f": "\f",
            "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85",
            "_": "\xa0", "L": "\u2028", "P": "\u2029"}


# --- implicit tags of plain scalars -------------------------------------------------------------
# The implicit resolvers of ruamel.yaml's resolver.py (0.18/0.19), copied with their versions, tags,
# regexes and first characters in ruamel's order: the first that matches a plain scalar gives its
# tag, anything else is a string.


@dataclass(slots=True)
class Scalar:
    """A scalar node as written: its value and the document offset of each value character."""

    node: ScalarNode
    value: str  #: the decoded value (the parser's)
    style: str  #: "" plain, '"', "'", "|" or ">"
    start: int  #: offset of the first character of the scalar itself (after anchor and tag)
    end: int  #: offset after its last character (closing quote; last content line of a block)
    flow: bool  #: inside a flow collection (``[...]``, ``{...}``)
    #: None when the characters could not be mapped (machine integers: see Word; a range when the value
    #: is written as it reads)
    offsets: array | range | None = None
    #: offsets whose value character is not a one-to-one copy (escapes, folds), with raw length (read-only)
    irregular: Mapping[int, int] = field(default_factory=lambda: _REGULAR)

    @property
    def quote(self) -> str:
        return self.style if self.style in ("'", '"') else ""

    @property
    def inner_end(self) -> int:
        """Where text appended to the value goes."""
        return self.end - 1 if self.quote else self.end

    @property
    def is_str(self) -> bool:
        return self.node.tag == STR

    def is_clean(self, i: int = 0, j: int | None = None) -> bool:
        """``value[i:j]`` is written verbatim, one document character per value character."""
        if self.offsets is None:
            return False
        j = len(self.value) if j is None else j
        offs = self.offsets[i:j]
        return all(o not in self.irregular for o in offs) and (not offs or offs[-1] - offs[0] == len(offs) - 1)


def _content_start(text: str, i: int) -> int:
    """Skip a node's anchor and tag properties."""
    n = len(text)
    while i < n and text[i] in "&!":
        if text.startswith("!<", i):
            j = text.find(">", i)
            i = n if j < 0 else j + 1
        else:
            while i < n and text[i] not in " \t\r\n,[]{}":
                i += 1
        while i < n and text[i] in " \t\r\n":
            i += 1
    return i


def decode(text: str, node: ScalarNode, flow: bool) -> Scalar:
    style = node.style or ""
    start = node.start_index
    if text[start:start + 1] in ("&", "!"):
        start = _content_start(text, start)
    end = node.end_index
    expected = node.value
    sc = Scalar(node, expected, style, start, end, flow, None, _REGULAR)
    if style == "" and (start > end or expected == "" and text[start:end].strip() == ""):
        sc.start = sc.end = end = max(start, end) if expected == "" else end
        if expected == "":
            sc.offsets = array("q")
            sc.start = sc.end = node.end_index
            return sc
    if style in ("", "'", '"'):
        a, b = (start, end) if style == "" else (start + 1, end - 1)
        if text[a:b] == expected and _BREAK.search(expected) is None and \
                (style == "" or style not in expected and "\\" not in expected):
            # on one line, without quotes, escapes or folds: one raw character per value character
            sc.offsets = range(a, b)  # (48 bytes; an array of them took 64 and 8 a character)
            return sc
    try:
        if style in ("|", ">"):
            got = _block(text, start, end, expected)
            if got is not None:
                pieces, sc.end = got
            else:
                pieces = None
        elif style == '"':
            pieces = _double(text, start + 1, end - 1)
        elif style == "'":
            pieces = _flowed(text, start + 1, end - 1, single=True)
        else:
            pieces = _flowed(text, start, end, single=False)
    except (IndexError, ValueError):
        pieces = None
    if pieces is None or pieces.value() != expected:
        return sc
    sc.offsets = pieces.offsets
    sc.irregular = pieces.irregular
    return sc


class _Pieces:
    """The decoded characters of a scalar and the raw offset of each, built run by run: a run of raw
    characters copied as they are, or one decoded character with its raw offset and raw length
    (recorded as irregular unless it is a one-to-one copy)."""

    __slots__ = ("text", "chars", "offsets", "irregular")

    def __init__(self, text: str) -> None:
        self.text = text
        self.chars: list[str] = []
        self.offsets = array("q")
        self.irregular: dict[int, int] = {}

    def copy(self, a: int, b: int) -> None:
        """Raw ``text[a:b]``, one value character per raw character."""
        if a < b:
            self.chars.append(self.text[a:b])
            self.offsets.extend(range(a, b))

    def add(self, ch: str, off: int, n: int) -> None:
        self.chars.append(ch)
        self.offsets.append(off)
        if n != 1 or ch != self.text[off]:
            self.irregular[off] = max(n, self.irregular.get(off, 0))

    def value(self) -> str:
        return "".join(self.chars)


def _lines(text: str, a: int, b: int) -> list[tuple[int, int, int]]:
    """(start, end, break_length) of each line of ``text[a:b]``; the last has break length 0."""
    out = []
    pos = a
    for m in _BREAK.finditer(text, a, b):
        out.append((pos, m.start(), m.end() - m.start()))
        pos = m.end()
    out.append((pos, b, 0))
    return out


def _fold(out: _Pieces, at: int, to: int, empties: int, space: bool) -> None:
    """The break folded between two lines of a flow scalar (raw text ``[at, to)``): one newline per
    empty line in between, else a space (unless ``space`` is false)."""
    if empties:
        out.add("\n", at, to - at)
        for _ in range(empties - 1):
            out.add("\n", at, 0)
    elif space:
        out.add(" ", at, to - at)


def _flowed(text: str, a: int, b: int, single: bool) -> _Pieces:
    """Plain and single-quoted scalars: line folding, and ``''`` in single quotes."""
    lines = _lines(text, a, b)
    out = _Pieces(text)
    empties = 0
    fold_at = -1
    for idx, (s, e, brk) in enumerate(lines):
        first, last = idx == 0, idx == len(lines) - 1
        cs, ce = s, e
        if not first:
            while cs < ce and text[cs] in " \t":
                cs += 1
        if not last:
            while ce > cs and text[ce - 1] in " \t":
                ce -= 1
        if not first and cs == ce and not last:
            empties += 1
            continue
        if not first:
            _fold(out, fold_at, cs, empties, space=True)
        empties = 0
        k = cs
        while single:
            q = text.find("'", k, ce)
            if q < 0:
                break
            out.copy(k, q)
            if text[q + 1] != "'":
                raise ValueError("lone quote")
            out.add("'", q, 2)
            k = q + 2
        out.copy(k, ce)
        fold_at = ce
    return out


def _double(text: str, a: int, b: int) -> _Pieces:
    lines = _lines(text, a, b)
    out = _Pieces(text)
    empties = 0
    fold_at = -1
    escaped_break = False
    for idx, (s, e, brk) in enumerate(lines):
        first, last = idx == 0, idx == len(lines) - 1
        cs, ce = s, e
        if not first:
            while cs < ce and text[cs] in " \t":
                cs += 1
        joined = False
        if not last and ce > cs and text[ce - 1] == "\\" and _odd_backslashes(text, cs, ce):
            ce -= 1
            joined = True
        elif not last:
            while ce > cs and text[ce - 1] in " \t":
                ce -= 1
        if not first and cs == ce and not last and not joined:
            empties += 1
            continue
        if not first:
            _fold(out, fold_at, cs, empties, space=not escaped_break)  # an escaped break folds to nothing
        empties = 0
        k = cs
        while k < ce:
            slash = text.find("\\", k, ce)
            if slash < 0:
                out.copy(k, ce)
                break
            out.copy(k, slash)
            k = slash
            esc = text[k + 1]
            if esc in _HEX:
                n = _HEX[esc]
                digits = text[k + 2 : k + 2 + n]
                if len(digits) != n:
                    raise ValueError("short escape")
                out.add(chr(int(digits, 16)), k, 2 + n)
                k += 2 + n
                continue
            if esc not in _ESCAPES:
                raise ValueError("unknown escape")
            out.add(_ESCAPES[esc], k, 2)
            k += 2
        fold_at = ce
        escaped_break = joined
    return out


def _odd_backslashes(text: str, lo: int, end: int) -> bool:
    n = 0
    k = end - 1
    while k >= lo and text[k] == "\\":
        n += 1
        k -= 1
    return n % 2 == 1


def _block(text: str, start: int, end: int, expected: str) -> tuple[_Pieces, int] | None:
    """Literal and folded block scalars; the indentation is found by trying the candidates."""
    folded = text[start] == ">"
    m = _BLOCK_HEADER.match(text, start)
    if not m:
        return None
    chomp = m.group(1) or m.group(3)
    lines = _lines(text, m.end(), end)
    if lines and lines[-1][0] == lines[-1][1]:
        lines = lines[:-1]  # the empty remainder after the last break
    widths = [len(text[s:e]) - len(text[s:e].lstrip(" ")) for s, e, _ in lines if text[s:e].strip(" \t")]
    auto = min(widths) if widths else 0
    for indent in range(auto, 0, -1) if auto else [0]:
        pieces, last = _block_pieces(text, lines, indent, folded, chomp)
        if pieces.value() == expected:
            return pieces, last
    return None


def _block_pieces(text: str, lines, indent: int, folded: bool, chomp: str) -> tuple[_Pieces, int]:
    content: list[tuple[int, int, int, int]] = []  # (content start, end, break start, break length)
    for s, e, brk in lines:
        cs = min(s + indent, e)
        if text[s:cs].strip(" ") != "":
            cs = s
        if text[s:e].strip(" \t") == "" and e - s <= indent:
            cs = e
        content.append((cs, e, e, brk))
    last_text = max((i for i, c in enumerate(content) if c[1] > c[0]), default=-1)
    out = _Pieces(text)
    end_off = content[last_text][1] if last_text >= 0 else (lines[0][0] if lines else 0)

    def more_indented(i: int) -> bool:
        cs, ce = content[i][0], content[i][1]
        return cs < ce and text[cs] in " \t"

    def is_empty(i: int) -> bool:
        return content[i][0] == content[i][1]

    for i in range(last_text + 1):
        cs, ce, bs, bl = content[i]
        out.copy(cs, ce)
        if i == last_text:
            break
        if folded and not is_empty(i) and not more_indented(i):
            # the break after a text line folds when the next text line follows
            j = i + 1
            while j <= last_text and is_empty(j):
                j += 1
            if j <= last_text and not more_indented(j):
                if j == i + 1:
                    out.add(" ", bs, bl)
                continue  # dropped: the empty lines in between give the newlines
        out.add("\n", bs, bl)
    # trailing breaks (chomping)
    if last_text >= 0:
        tail = [(content[i][2], content[i][3]) for i in range(last_text, len(content)) if content[i][3]]
    else:
        tail = [(c[2], c[3]) for c in content if c[3]]
    if chomp == "-" or last_text < 0 and chomp != "+":
        tail = []
    elif chomp != "+":
        tail = tail[:1]
    for s, n in tail:
        out.add("\n", s, n)
    return out, end_off


# --- shared by the YAML documents ---------------------------------------------------------------
