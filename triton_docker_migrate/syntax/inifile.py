"""INI-style files read as their programs read them, keeping the document offset of every value
character: systemd unit files (``systemd_entries``) and Python's ``configparser`` as supervisord and
setuptools use it (``configparser_entries``).

systemd (systemd.syntax(7), ``src/shared/conf-parser.c``): each line is stripped of white space;
empty lines and lines starting with ``#`` or ``;`` are comments; a line ending in an unescaped
backslash is joined with the next one, the backslash replaced by a space, and comment lines inside
such a continuation are skipped; ``Key=Value`` splits at the first ``=``, both sides stripped.
``#`` in the middle of a line is not a comment.

configparser (``RawConfigParser._read`` of CPython 3.11): full-line comments start with ``#`` or
``;`` after optional white space; inline comments start with one of ``inline_comment_prefixes``
at the start of the line or after white space (supervisord passes ``(";", "#")``, setuptools none);
``key = value`` or ``key: value`` splits at the first ``=`` or ``:``; a line indented deeper than
its option's line continues the value (joined with a line break), and an empty line inside a value
adds an empty line to it; trailing empty lines are dropped."""

from __future__ import annotations

import re
import sys
from array import array
from dataclasses import dataclass, field

from ..model import Span

_WS = " \t\r\n"
_SECTION = re.compile(r"\[(?P<header>.+)\]")  # configparser's SECTCRE (on the stripped line)
_OPTION = re.compile(r"(?P<option>.*?)\s*(?P<vi>=|:)\s*(?P<value>.*)$")  # configparser's OPTCRE


@dataclass
class Entry:
    """One ``key=value`` setting as the program reads it."""

    section: str
    key: str  #: as written (stripped)
    key_span: Span
    value: str  #: the value the program reads (continuations joined)
    offsets: range | array  #: the document offset of each character of ``value``
    start: int  #: offset of the first character of the key's line
    end: int  #: offset after the last raw character of the setting (before its line break)

    def span(self, i: int = 0, j: int | None = None) -> Span:
        """Document span of ``value[i:j]``."""
        j = len(self.value) if j is None else j
        if j <= i:
            at = self.offsets[i] if i < len(self.offsets) else self.end
            return Span(at, at)
        return Span(self.offsets[i], self.offsets[j - 1] + 1)


@dataclass
class IniFile:
    entries: list[Entry] = field(default_factory=list)
    sections: list[tuple[str, Span]] = field(default_factory=list)  #: name, the header line
    comments: list[Span] = field(default_factory=list)  #: comment lines and inline comments
    errors: list[int] = field(default_factory=list)  #: offsets of lines the program refuses (configparser)


def _lines(text: str, start: int):
    """(start, end) of each physical line, ``end`` before its ``\\n``."""
    i, n = start, len(text)
    while i < n:
        j = text.find("\n", i)
        end = n if j < 0 else j
        yield i, end
        i = end + 1


def _strip(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a] in _WS:
        a += 1
    while b > a and text[b - 1] in _WS:
        b -= 1
    return a, b


def _ends_escaped(text: str, a: int, b: int) -> bool:
    """The stripped line ``text[a:b]`` ends in a backslash that is not itself escaped."""
    k = 0
    while b - k - 1 >= a and text[b - k - 1] == "\\":
        k += 1
    return k % 2 == 1


def systemd_entries(text: str) -> IniFile:
    out = IniFile()
    start = 1 if text.startswith("\ufeff") else 0
    section = ""
    pieces: list[tuple[int, int]] = []  # the logical line being joined: (start, end) of each physical piece
    first_line = -1
    last_end = 0

    def finish() -> None:
        nonlocal pieces, first_line
        # each piece but the last ends with the backslash that joins it, which reads as a space
        line = " ".join(text[a:b] for a, b in pieces)
        offs = _joined_offsets(pieces)
        eq = line.find("=")
        if eq > 0 and line[:eq].strip():
            ka, kb = _strip(line, 0, eq)
            va, vb = _strip(line, eq + 1, len(line))
            out.entries.append(Entry(section, line[ka:kb], Span(offs[ka], offs[kb - 1] + 1), line[va:vb],
                                     offs[va:vb], first_line, last_end))
        pieces, first_line = [], -1

    for a, b in _lines(text, start):
        sa, sb = _strip(text, a, b)
        if first_line >= 0:  # inside a continuation
            if sa < sb and text[sa] in "#;":
                out.comments.append(Span(sa, sb))
                continue
        elif sa == sb:
            continue
        elif text[sa] in "#;":
            out.comments.append(Span(sa, sb))
            continue
        elif text[sa] == "[" and not _ends_escaped(text, sa, sb):
            close = text.rfind("]", sa, sb)
            section = text[sa + 1:close] if close > sa else text[sa + 1:sb]
            out.sections.append((section, Span(sa, sb)))
            continue
        if first_line < 0:
            first_line = a
        last_end = sb
        if _ends_escaped(text, sa, sb):
            pieces.append((sa, sb - 1))
            continue
        pieces.append((sa, sb))
        finish()
    if first_line >= 0:
        pieces.append((last_end, last_end))  # (the file ends inside a continuation)
        finish()
    return out


def _joined_offsets(pieces: list[tuple[int, int]]) -> range | array:
    """The document offset of each character of ``pieces`` joined by one character, which stands at
    the end of the piece before it: a ``range`` when there is one piece (machine integers otherwise:
    a list of Python ints took 36 bytes per character, most of a large unit file's memory)."""
    if len(pieces) == 1:
        return range(*pieces[0])
    offs = array("q")
    for k, (a, b) in enumerate(pieces):
        if k:
            offs.append(pieces[k - 1][1])
        offs.extend(range(a, b))
    return offs


def configparser_entries(text: str, inline_comment_prefixes: tuple[str, ...] = ()) -> IniFile:
    out = IniFile()
    start = 1 if text.startswith("\ufeff") else 0
    section = ""
    cur: dict | None = None  # the option being read: pieces of its value
    indent_level = 0
    for a, b in _lines(text, start):
        line = text[a:b]
        comment_start = sys.maxsize
        prefixes = {p: -1 for p in inline_comment_prefixes}
        while comment_start == sys.maxsize and prefixes:
            nxt = {}
            for p, index in prefixes.items():
                index = line.find(p, index + 1)
                if index == -1:
                    continue
                nxt[p] = index
                if index == 0 or (index > 0 and line[index - 1].isspace()):
                    comment_start = min(comment_start, index)
            prefixes = nxt
        if line.strip().startswith(("#", ";")):
            comment_start = 0
        if comment_start != sys.maxsize:
            ca = a + comment_start
            while ca < b and text[ca] in " \t":
                ca += 1
            out.comments.append(Span(ca, b - (1 if text[b - 1:b] == "\r" else 0)))
            body_end = a + comment_start
        else:
            body_end = b
        va, vb = _strip_cp(text, a, body_end)
        if va == vb:
            if comment_start == sys.maxsize and cur is not None:
                cur["pieces"].append((vb, vb))  # an empty line inside the value
            continue
        first = len(line) - len(line.lstrip())
        if cur is not None and first > indent_level:
            cur["pieces"].append((va, vb))
            cur["end"] = vb
            continue
        indent_level = first
        if cur is not None:
            _finish_option(out, text, cur)
            cur = None
        value = text[va:vb]
        m = _SECTION.match(value)
        if m:
            section = m.group("header")
            out.sections.append((section, Span(va, vb)))
            continue
        m = _OPTION.match(value)
        if not out.sections or not m or not m.group("option").rstrip():
            out.errors.append(a)  # configparser refuses the file (no section yet, or not an option)
            continue
        name_end = va + len(m.group("option").rstrip())
        vstart = va + m.start("value")
        cur = {"section": section, "key": m.group("option").rstrip(), "key_span": Span(va, name_end),
               "start": a, "pieces": [(vstart, vb)] if vstart < vb else [(vb, vb)], "end": vb}
    if cur is not None:
        _finish_option(out, text, cur)
    return out


def _strip_cp(text: str, a: int, b: int) -> tuple[int, int]:
    """``str.strip()`` as configparser applies it (every white space character)."""
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def _finish_option(out: IniFile, text: str, cur: dict) -> None:
    pieces = cur["pieces"]
    while len(pieces) > 1 and pieces[-1][0] == pieces[-1][1]:
        pieces.pop()  # trailing empty lines are dropped (the joined value is right-stripped)
    offs = _joined_offsets(pieces)  # (lines joined by line breaks)
    value = "\n".join(text[a:b] for a, b in pieces)
    stripped = value.rstrip()
    out.entries.append(Entry(cur["section"], cur["key"], cur["key_span"], stripped, offs[:len(stripped)],
                             cur["start"], cur["end"]))
