"""Dockerfile reader that keeps the document offset of every character.

It reads a Dockerfile the way BuildKit's parser does (``frontend/dockerfile/parser`` of BuildKit
v0.12.5, the version inside the PyPI ``dockerfile`` package): the ``# syntax=`` / ``# escape=``
directives at the top, a BOM, CR/LF line ends, continuations with the escape character, comment and
empty lines inside continuations, heredocs, flags, JSON (exec) and shell forms, ONBUILD, and the
values BuildKit gives each instruction. BuildKit is the oracle: the tests compare this reader with
it on the parser's own test files and on generated and mutated Dockerfiles. Where BuildKit refuses
a file, :func:`parse` raises :class:`DockerfileSyntaxError` with the line.

Offsets are ``str`` indices into the text given (a leading BOM included). Every loop is over the
characters or lines once; nesting (ONBUILD ONBUILD ..., ``${a:-${b:-...}}``, JSON arrays) is read
with explicit stacks, never by recursion.
"""

from __future__ import annotations

import math
import re
from array import array
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property

from ..model import Span

_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
         "\u2028\u2029\u202f\u205f\u3000"  # Go's unicode.IsSpace
_SPLIT = re.compile("[\t\v\f\r ]+")  # BuildKit's reWhitespace, which splits the keyword from its arguments
_WORD = re.compile("[^\t\v\f\r ]*")
_SPACES = re.compile(f"[{_SPACE}]*")
_BYTE_SPACE = frozenset(b"\t\n\v\f\r \x85\xa0")  # unicode.IsSpace(rune(b)) on a single byte
_MAX_LINE_BYTES = 65535  # bufio.Scanner's token limit, the line break not counted
_DIRECTIVES = ("syntax", "escape")  # the directives BuildKit v0.12.5 knows ("check" came later)
_DIRECTIVE = re.compile(r"#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=")
_HEREDOC = re.compile(r"([0-9]*)<<(-?)([^<]*)")
_GO_LOWER = str.maketrans({"\u0130": "i", "\u212a": "k"})  # Go's unicode.ToLower maps these to ASCII


#: the refusal of a file without an instruction (BuildKit refuses it too)
NO_INSTRUCTIONS = "no instructions in the file"


class DockerfileSyntaxError(ValueError):
    """A Dockerfile that BuildKit refuses: a one-line message and the 1-based line (or None)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message if line is None else f"line {line}: {message}")
        self.message = message
        self.line = line


@dataclass(frozen=True)
class Heredoc:
    name: str
    file_descriptor: int
    content: str  #: the body as BuildKit gives it (tabs of ``<<-`` not stripped)
    body: Span  #: the body in the document: ``text[body.start:body.end] == content``
    terminator: Span  #: the closing delimiter line, without its line break
    expand: bool  #: False when the delimiter was quoted: no expansion in the body
    strip_tabs: bool  #: ``<<-``


@dataclass
class Instruction:
    cmd: str  #: upper-case keyword ("ONBUILD" for ONBUILD lines)
    sub_cmd: str | None  #: ONBUILD's inner keyword, upper-case
    json: bool
    original: str  #: as the ``dockerfile`` package's Command (heredoc bodies appended)
    start_line: int
    end_line: int
    flags: tuple[str, ...]
    value: tuple[str, ...]
    heredocs: tuple[Heredoc, ...]
    start: int  #: offset of the keyword's first character
    end: int  #: offset after the last character of ``end_line`` (before its line break)
    keyword: Span  #: the keyword (for ONBUILD: "ONBUILD"); spans a continuation if one splits it
    logical: str  #: the arguments after the keyword (ONBUILD: after the inner keyword), joined
    flag_spans: tuple[Span, ...]  #: each flag of ``flags`` in the document
    inner_keyword: Span | None  #: ONBUILD's inner keyword
    args_start: int = 0  #: index in ``logical`` where the arguments after the flags begin
    runs: tuple[tuple[int, int], ...] = field(default=(), repr=False)  #: (index in logical, offset)

    def offset(self, i: int) -> int:
        """Document offset of ``logical[i]`` (``i == len(logical)``: after its last character)."""
        k = bisect_right(self.runs, (i, math.inf)) - 1
        return self.runs[k][1] + i - self.runs[k][0] if k >= 0 else self.keyword.end

    @cached_property
    def offsets(self) -> array | range:
        """Document offset of each character of ``logical`` (machine integers: a list of Python ints
        took 39 bytes per character, most of a large Dockerfile's memory); a ``range`` for a line
        without continuations, whatever its length."""
        if len(self.runs) == 1:
            return range(self.runs[0][1], self.runs[0][1] + len(self.logical))
        out = array("q")
        ends = [i for i, _ in self.runs[1:]] + [len(self.logical)]
        for (i, off), j in zip(self.runs, ends):
            out.extend(range(off, off + j - i))
        return out


@dataclass
class Dockerfile:
    instructions: list[Instruction]
    escape: str
    directives: dict[str, str]
    comments: list[Span]  #: comment lines, from their '#', also those inside continuations


def parse(text: str) -> Dockerfile:
    """Read ``text`` as BuildKit does; raise :class:`DockerfileSyntaxError` where BuildKit refuses it."""
    src = _Lines(text)
    directives: dict[str, str] = {}
    escape = "\\"
    reading_directives = True
    comments: list[Span] = []
    out: list[Instruction] = []
    while (ln := src.next()) is not None:
        a, b = ln
        s = _skip(text, a, b)
        if reading_directives:
            reading_directives = _directive(text[s:b], directives, src.number)
            escape = directives.get("escape", "\\")
        if s < b and text[s] == "#":
            comments.append(Span(s, b))
            continue
        more, cut = _continued(text, s, b, escape)
        if not more and s == b:
            continue
        first, pieces = src.number, [(s, cut)]
        # Directives are over here: this line is no comment, so it ended them.
        while more and (ln := src.next()) is not None:
            a, b = ln
            c = _skip(text, a, b)
            if c < b and text[c] == "#":
                comments.append(Span(c, b))
            elif c < b:
                more, cut = _continued(text, a, b, escape)
                pieces.append((a, cut))
        out.append(_instruction(text, src, _Line(text, pieces), escape, first))
    if not out:
        raise DockerfileSyntaxError(NO_INSTRUCTIONS, None)
    return Dockerfile(out, escape, directives, comments)


class _Lines:
    """The text's lines as BuildKit's scanner cuts them: at LF only; CRs before the LF dropped."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.number = 0
        self.end = 0  #: end of the last line's content

    def next(self) -> tuple[int, int] | None:
        t, raw = self.text, self.pos
        if raw >= len(t):
            return None
        nl = t.find("\n", raw)
        stop = len(t) if nl < 0 else nl
        self.pos, self.number = stop + 1, self.number + 1
        if stop - raw > _MAX_LINE_BYTES // 4 and len(t[raw:stop].encode("utf-8", "surrogatepass")) > _MAX_LINE_BYTES:
            raise DockerfileSyntaxError(f"line longer than {_MAX_LINE_BYTES} bytes", self.number)
        start = 1 if raw == 0 and t.startswith("\ufeff") else raw
        end = stop
        while end > start and t[end - 1] == "\r":
            end -= 1
        self.end = end
        return start, end


def _skip(text: str, i: int, end: int) -> int:
    return _SPACES.match(text, i, end).end()


def _directive(token: str, seen: dict[str, str], line: int) -> bool:
    """Read a parser directive (directives.go); False once the directives are over."""
    m = _DIRECTIVE.match(token)
    if not m:
        return False
    rest = token[m.end():]
    # `\s*(.+?)\s*$`: leading white space goes unless nothing else follows; then the last one stays
    value = rest.strip("\t\n\f\r ") or rest[-1:]
    name = m.group(1).lower()
    if not value or name not in _DIRECTIVES:
        return False
    if name in seen:
        raise DockerfileSyntaxError(f"a second '{name}' parser directive", line)
    if name == "escape" and value not in ("\\", "`"):
        raise DockerfileSyntaxError(f"escape directive {value!r}: only \\ or ` can escape", line)
    seen[name] = value
    return True


def _continued(text: str, start: int, end: int, escape: str) -> tuple[bool, int]:
    """Whether the line goes on (ends with the escape character, then spaces or tabs, and that escape
    is not itself escaped), and where its kept text ends."""
    j = start + len(text[start:end].rstrip(" \t"))
    if j > start and text[j - 1] == escape and (j - 1 == start or text[j - 2] != escape):
        return True, j - 1
    return False, end


class _Line:
    """A logical line as BuildKit joins it, with the document offset where each piece of it starts."""

    def __init__(self, text: str, pieces: list[tuple[int, int]]) -> None:
        self.text = "".join(text[a:b] for a, b in pieces)
        self.origin = pieces[0][0]
        self.starts: list[int] = []
        self.offsets: list[int] = []
        i = 0
        for a, b in pieces:
            if b > a:
                self.starts.append(i)
                self.offsets.append(a)
                i += b - a

    def at(self, i: int) -> int:
        k = bisect_right(self.starts, i) - 1
        if k < 0:
            return self.origin
        return self.offsets[k] + i - self.starts[k]

    def span(self, lo: int, hi: int) -> Span:
        start = self.at(lo)
        return Span(start, self.at(hi - 1) + 1 if hi > lo else start)

    def runs(self, lo: int, hi: int) -> tuple[tuple[int, int], ...]:
        """(index in line[lo:hi], document offset) where each piece of ``line[lo:hi]`` starts."""
        if lo >= hi:
            return ()
        out = [(0, self.at(lo))]
        k = bisect_right(self.starts, lo)
        while k < len(self.starts) and self.starts[k] < hi:
            out.append((self.starts[k] - lo, self.offsets[k]))
            k += 1
        return tuple(out)


@dataclass
class _Command:
    """One keyword and what follows it (split_command.go), as indices into the logical line."""

    keyword: tuple[int, int]
    key: str  #: the keyword as BuildKit dispatches it (Go's strings.ToLower)
    logical: int  #: start of the text after the keyword
    end: int
    flags: list[tuple[str, int, int]]
    args: int | None  #: start of the arguments after the flags; None: a flag split a character

    def name(self, line: str) -> str:
        return self.key.upper() if self.key in _PARSERS else line[self.keyword[0]:self.keyword[1]].upper()


def _split_command(line: str, lo: int, hi: int) -> _Command:
    lo = _skip(line, lo, hi)
    hi = lo + len(line[lo:hi].rstrip(_SPACE))
    k = _WORD.match(line, lo, hi).end()
    a = k if k == hi else _SPLIT.match(line, k, hi).end()
    flags, args = _builder_flags(line, a, hi) if line.startswith("--", a) else ([], _skip(line, a, hi))
    return _Command((lo, k), line[lo:k].translate(_GO_LOWER).lower(), a, hi, flags, args)


def _builder_flags(line: str, lo: int, hi: int) -> tuple[list[tuple[str, int, int]], int | None]:
    """The leading ``--flags`` and where the arguments start (extractBuilderFlags). BuildKit reads
    them byte by byte: a byte 0x85 or 0xA0 inside a character counts as a space, and each byte of a
    flag becomes the character of that code point (so ``--x=é`` reads as ``--x=Ã©``)."""
    stream = _utf8(line, lo, hi)
    cur, ahead = next(stream, None), next(stream, None)
    flags: list[tuple[str, int, int]] = []
    word, quote, blank_ok, phase, first, last = bytearray(), 0, False, "space", lo, lo

    def rest(at: tuple[int, int]) -> int | None:
        if at[0] & 0xC0 == 0x80:
            return None  # the arguments would start inside a character
        return _skip(line, at[1], hi)

    while cur is not None:
        ch, i = cur
        if phase == "space":
            if ch in _BYTE_SPACE:
                cur, ahead = ahead, next(stream, None)
                continue
            if ch != 0x2D or ahead is None or ahead[0] != 0x2D:
                return flags, rest(cur)
            phase, first = "word", i
        if phase == "word":
            if ch in _BYTE_SPACE:
                if word == b"--":
                    return flags, rest(cur)
                if blank_ok or word:
                    flags.append((word.decode("latin-1"), first, last + 1))
                word, blank_ok, phase = bytearray(), False, "space"
            elif ch in b"'\"":
                quote, blank_ok, phase = ch, True, "quote"
            elif ch != 0x5C:
                word.append(ch)
            elif ahead is not None:  # a backslash takes the next byte as it is
                cur, ahead = ahead, next(stream, None)
                word.append(cur[0])
        elif ch == quote:
            phase = "word"
        elif ch != 0x5C:
            word.append(ch)
        elif ahead is None:
            phase = "word"
        else:
            cur, ahead = ahead, next(stream, None)
            word.append(cur[0])
        last = cur[1]
        cur, ahead = ahead, next(stream, None)
    if phase != "space" and word != b"--" and (blank_ok or word):
        flags.append((word.decode("latin-1"), first, last + 1))
    return flags, hi


def _utf8(line: str, lo: int, hi: int):
    """(byte, index of its character) for the UTF-8 bytes of ``line[lo:hi]``, read as needed."""
    for i in range(lo, hi):
        c = line[i]
        if c < "\x80":
            yield ord(c), i
        else:
            for b in c.encode("utf-8", "surrogatepass"):
                yield b, i


def _instruction(text: str, src: _Lines, line: _Line, escape: str, first: int) -> Instruction:
    """newNodeFromLine, then the heredoc bodies that follow the line."""
    s = line.text
    outer = cmd = _split_command(s, 0, len(s))
    inner: _Command | None = None
    # ONBUILD reads what follows as an instruction of its own, as often as it is nested
    while cmd.key == "onbuild" and cmd.args is not None and cmd.args < cmd.end:
        cmd = _split_command(s, cmd.args, cmd.end)
        inner = inner or cmd
    main = inner or outer
    try:
        if cmd.args is None and cmd.key in _PARSERS:
            raise _Refused("a flag ends inside a multi-byte character")
        value, is_json = _values(s, main, escape)
        if cmd is not main:
            _values(s, cmd, escape)  # errors of a deeper ONBUILD
        takes = main.key in ("add", "copy", "run") and not is_json and "<<" in s
        docs = _heredoc_words(s) if takes else []
    except _Refused as e:
        raise DockerfileSyntaxError(str(e), first) from None
    heredocs = tuple(_read_heredoc(text, src, first, *doc) for doc in docs)
    original = s  # the dockerfile package appends each heredoc's body and terminator
    if heredocs:
        original += "\n" + "".join(h.content + h.name + "\n" for h in heredocs)
    args = main.args if main.args is not None else main.logical
    keyword = line.span(*outer.keyword)
    return Instruction(
        cmd=outer.name(s), sub_cmd=inner.name(s) if inner else None, json=is_json, original=original,
        start_line=first, end_line=src.number, flags=tuple([f for f, _, _ in outer.flags]),
        value=value, heredocs=heredocs, start=keyword.start, end=src.end,
        keyword=keyword, logical=s[main.logical:main.end],
        flag_spans=tuple([line.span(a, b) for _, a, b in outer.flags]),
        inner_keyword=line.span(*inner.keyword) if inner else None,
        args_start=args - main.logical, runs=line.runs(main.logical, main.end))


class _Refused(Exception):
    """BuildKit refuses the instruction (turned into DockerfileSyntaxError with its line)."""


def _values(line: str, cmd: _Command, escape: str) -> tuple[tuple[str, ...], bool]:
    parser = _PARSERS.get(cmd.key)
    if parser is None:
        return ("",), False  # parseIgnore: an unknown instruction keeps an empty value
    return parser(line[cmd.args:cmd.end] if cmd.args is not None else "", escape)


# --- the values of each instruction (line_parsers.go) -----------------------------------------

def _maybe_json(rest: str, escape: str) -> tuple[tuple[str, ...], bool]:
    if not rest:
        return (), False
    items = _json_strings(rest)
    return (tuple(items), True) if items is not None else ((rest,), False)


def _maybe_json_list(rest: str, escape: str) -> tuple[tuple[str, ...], bool]:
    items = _json_strings(rest) if rest else None
    return (tuple(items), True) if items is not None else _whitespace_list(rest, escape)


def _whitespace_list(rest: str, escape: str) -> tuple[tuple[str, ...], bool]:
    return (tuple(_SPLIT.split(rest)) if rest else ()), False


def _string(rest: str, escape: str) -> tuple[tuple[str, ...], bool]:
    return ((rest,) if rest else ()), False


def _words_value(rest: str, escape: str) -> tuple[tuple[str, ...], bool]:
    return tuple(_parse_words(rest, escape)), False


def _name_values(key: str):
    def parse_name_val(rest: str, escape: str) -> tuple[tuple[str, ...], bool]:
        words = _parse_words(rest, escape)
        if not words:
            return (), False
        if "=" not in words[0]:  # the old form, KEY name value
            parts = _SPLIT.split(rest, maxsplit=1)
            if len(parts) < 2:
                raise _Refused(f"{key} needs a name and a value")
            return tuple(parts), False
        out: list[str] = []
        for w in words:
            if "=" not in w:
                raise _Refused(f"{key}: {w!r} is not of the form name=value")
            out.extend(w.split("=", 1))
        return tuple(out), False
    return parse_name_val


def _health(rest: str, escape: str) -> tuple[tuple[str, ...], bool]:
    """HEALTHCHECK: a type (CMD, NONE) then a command; BuildKit finds the end of the type byte by byte."""
    sep = 0
    while sep < len(rest) and rest[sep] not in " \t\v\f\r\n":
        if not rest[sep].isascii() and {0x85, 0xA0} & set(rest[sep].encode("utf-8", "surrogatepass")):
            raise _Refused("HEALTHCHECK: the type ends inside a multi-byte character")
        sep += 1
    if sep == 0:
        return (), False
    nxt = sep
    while nxt < len(rest) and rest[nxt] in " \t\v\f\r\n":
        nxt += 1
    value, is_json = _maybe_json(rest[nxt:], escape)
    return (rest[:sep],) + value, is_json


def _parse_words(rest: str, escape: str) -> list[str]:
    """parseWords: words split at white space, quotes and escapes kept as written."""
    words: list[str] = []
    word: list[str] = []
    phase, quote, blank_ok, i, n = "space", "", False, 0, len(rest)
    while i < n:
        ch = rest[i]
        if phase == "space":
            if ch in _SPACE:
                i += 1
                continue
            phase = "word"
        if phase == "word":
            if ch in _SPACE:
                if blank_ok or word:
                    words.append("".join(word))
                word, blank_ok, phase = [], False, "space"
                i += 1
                continue
            if ch in "'\"":
                quote, blank_ok, phase = ch, True, "quote"
            elif ch == escape:
                if i + 1 == n:
                    break  # an escape at the end is dropped
                word.append(ch)
                i += 1
                ch = rest[i]
        else:
            if ch == quote:
                phase = "word"
            elif ch == escape and quote != "'":
                if i + 1 == n:
                    break
                word.append(ch)
                i += 1
                ch = rest[i]
        word.append(ch)
        i += 1
    if phase != "space" and (blank_ok or word):
        words.append("".join(word))
    return words


_PARSERS = {
    "add": _maybe_json_list, "arg": _words_value, "cmd": _maybe_json, "copy": _maybe_json_list,
    "entrypoint": _maybe_json, "env": _name_values("ENV"), "expose": _whitespace_list,
    "from": _whitespace_list, "healthcheck": _health, "label": _name_values("LABEL"),
    "maintainer": _string, "onbuild": lambda rest, escape: ((("",) if rest else ()), False),
    "run": _maybe_json, "shell": _maybe_json, "stopsignal": _string, "user": _string,
    "volume": _maybe_json_list, "workdir": _string,
}


# --- JSON arrays as BuildKit decodes them (encoding/json into []interface{}) --------------------

_JSON_SPACE = re.compile(r"[ \t\n\r]*")
_JSON_STRING = re.compile(r'"(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"')
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_JSON_WORD = re.compile(r"true|false|null")
_JSON_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_JSON_MAX_DEPTH = 10000  # encoding/json's maxNestingDepth


def _json_strings(text: str) -> list[str] | None:
    """The strings of the JSON array ``text`` starts with (what follows it is ignored); None when it
    is not one, or holds a number too large for a float64 (BuildKit then reads the shell form).
    An array of anything but strings is refused."""
    text = text.lstrip(_SPACE)
    if not text.startswith("["):
        return None
    stack: list[str] = []
    state, pos, items, other, overflow = "value", 0, [], False, False
    while True:
        pos = _JSON_SPACE.match(text, pos).end()
        if pos == len(text):
            return None
        c = text[pos]
        if state in ("first", "firstkey") and c == ("]" if state == "first" else "}") or (
                state == "after" and c == ("]" if stack[-1] == "[" else "}")):
            stack.pop()
            pos += 1
            if not stack:
                break
            state = "after"
        elif state == "after":
            if c != ",":
                return None
            pos, state = pos + 1, "value" if stack[-1] == "[" else "key"
        elif state == "colon":
            if c != ":":
                return None
            pos, state = pos + 1, "value"
        elif state in ("value", "first") and c in "[{":
            other = other or len(stack) == 1
            stack.append(c)
            if len(stack) > _JSON_MAX_DEPTH:
                return None
            pos, state = pos + 1, "first" if c == "[" else "firstkey"
        else:
            is_key = state in ("key", "firstkey")
            pattern = _JSON_STRING if c == '"' or is_key else _JSON_NUMBER if c in "-0123456789" else _JSON_WORD
            m = pattern.match(text, pos)
            if not m:
                return None
            pos, state = m.end(), "colon" if is_key else "after"
            if is_key or len(stack) > 1:
                overflow = overflow or pattern is _JSON_NUMBER and math.isinf(float(m.group()))
            elif c == '"':
                items.append(_json_unquote(m.group()[1:-1]))
            else:
                other = True
                overflow = overflow or pattern is _JSON_NUMBER and math.isinf(float(m.group()))
    if overflow:
        return None
    if other:
        raise _Refused("a JSON array of something other than strings")
    return items


def _json_unquote(body: str) -> str:
    """Go's unquote: a \\u escape of a lone surrogate becomes U+FFFD."""
    out: list[str] = []
    i = 0
    while (j := body.find("\\", i)) >= 0:
        out.append(body[i:j])
        if body[j + 1] != "u":
            out.append(_JSON_ESCAPES[body[j + 1]])
            i = j + 2
            continue
        r, i = int(body[j + 2:j + 6], 16), j + 6
        if 0xD800 <= r < 0xE000:
            low = int(body[i + 2:i + 6], 16) if body.startswith("\\u", i) else 0
            if r < 0xDC00 and 0xDC00 <= low < 0xE000:
                r, i = 0x10000 + ((r - 0xD800) << 10) + (low - 0xDC00), i + 6
            else:
                r = 0xFFFD
        out.append(chr(r))
    out.append(body[i:])
    return "".join(out)


# --- heredocs (parser.go and shell/lex.go) -----------------------------------------------------

def _heredoc_words(line: str) -> list[tuple[str, int, bool, bool]]:
    """(name, fd, expand, strip_tabs) of each heredoc the line opens (heredocsFromLine)."""
    out = []
    for word in _shell_words(line, raw_quotes=True, raw_escapes=True) or ():
        m = _HEREDOC.fullmatch(word)
        if not m or not m.group(3):
            continue
        words = _shell_words(m.group(3), raw_quotes=False, raw_escapes=False)
        if words is None:
            raise _Refused(f"cannot read the heredoc word {word!r}")
        if len(words) != 1:
            continue
        raw = _shell_words(m.group(3), raw_quotes=True, raw_escapes=False)
        if raw is None or len(raw) != 1:
            raise _Refused(f"cannot read the heredoc word {word!r}")
        fd = min(int(m.group(1)), 2**64 - 1) if m.group(1) else 0  # strconv.ParseUint saturates
        expand = sum(map(words[0].count, "'\"")) == sum(map(raw[0].count, "'\""))
        out.append((words[0], fd, expand, m.group(2) == "-"))
    return out


def _read_heredoc(text: str, src: _Lines, first: int, name: str, fd: int, expand: bool,
                  strip_tabs: bool) -> Heredoc:
    body = src.pos
    while (ln := src.next()) is not None:
        a, b = ln
        candidate = text[a:b].lstrip("\t") if strip_tabs else text[a:b]
        if candidate == name:
            return Heredoc(name, fd, text[body:a], Span(body, a), Span(a, b), expand, strip_tabs)
    raise DockerfileSyntaxError(f"heredoc {name!r} is not terminated", first)


class _Words:
    """The word splitting of shell/lex.go (wordsStruct)."""

    def __init__(self) -> None:
        self.words: list[str] = []
        self.word: list[str] = []
        self.size = 0
        self.in_word = False

    def add_char(self, ch: str) -> None:
        if ch not in _SPACE:
            self.add_raw(ch)
        elif self.in_word and self.size:
            self.words.append("".join(self.word))
            self.word, self.size, self.in_word = [], 0, False

    def add_raw(self, s: str) -> None:
        self.word.append(s)
        self.size += len(s)
        self.in_word = True

    def result(self) -> list[str]:
        return self.words + (["".join(self.word)] if self.size else [])


def _shell_words(s: str, raw_quotes: bool, raw_escapes: bool) -> list[str] | None:
    """The words of BuildKit's shell lexer with no variable set and unset ones kept as written
    (ProcessWords with SkipUnsetEnv, escape \\); None where the lexer reports an error. An open
    double quote or ``${name:-word}`` is a frame on a stack: [closing character, parts, prefix]."""
    words = _Words()
    stack: list[tuple[str, list[str], str]] = []
    pos, n = (1 if s.startswith("\ufeff") else 0), len(s)

    def add(value: str, split: bool) -> None:
        if stack:
            stack[-1][1].append(value)
        elif split:
            for ch in value:
                words.add_char(ch)
        else:
            words.add_raw(value)

    while pos < n:
        ch = s[pos]
        quoted = bool(stack) and stack[-1][0] == '"'
        if stack and ch == stack[-1][0]:
            close, parts, prefix = stack.pop()
            pos += 1
            add(prefix + "".join(parts) + (close if close == "}" or raw_quotes else ""), close == "}")
        elif ch == "$":
            pos, value, frame = _dollar(s, pos + 1)
            if value is None and frame is None:
                return None
            if frame is not None:
                stack.append(("}", [], frame))
            else:
                add(value, True)
        elif quoted:
            pos += 1
            if ch == "\\":
                if raw_escapes:
                    stack[-1][1].append(ch)
                if pos == n:
                    continue
                if s[pos] in '"$\\':
                    ch, pos = s[pos], pos + 1
            stack[-1][1].append(ch)
        elif ch == "'":
            close = s.find("'", pos + 1)
            if close < 0:
                return None
            add(s[pos:close + 1] if raw_quotes else s[pos + 1:close], False)
            pos = close + 1
        elif ch == '"':
            stack.append(('"', [], '"' if raw_quotes else ""))
            pos += 1
        elif ch == "\\":
            if raw_escapes:
                add(ch, False)
            if pos + 1 == n:
                break
            add(s[pos + 1], False)
            pos += 2
        else:
            add(ch, True)
            pos += 1
    return None if stack else words.result()


def _dollar(s: str, pos: int) -> tuple[int, str | None, str | None]:
    """processDollar after the '$': (position, value) or (position, None, prefix of an open
    ``${name<op>``); (position, None, None) on a syntax error."""
    n = len(s)
    if pos == n or s[pos] != "{":
        name, pos = _shell_name(s, pos)
        return pos, "$" + name, None
    pos += 1
    if pos == n or s[pos] in "{}:":
        return pos, None, None
    name, pos = _shell_name(s, pos)
    if pos == n:
        return pos, None, None
    op, pos = s[pos], pos + 1
    if op == "}":
        return pos, "${" + name + "}", None
    if op == ":":
        if pos == n:
            return pos, None, None
        op, pos = ":" + s[pos], pos + 1
    elif op not in "+-?":
        return pos, None, None
    return pos, None, "${" + name + op


def _shell_name(s: str, pos: int) -> tuple[str, int]:
    start, n = pos, len(s)
    if pos < n and s[pos].isdecimal():
        while pos < n and s[pos].isdecimal():
            pos += 1
        return s[start:pos], pos
    if pos < n and s[pos] in "@*#?-$!0":
        return s[pos], pos + 1
    while pos < n and (s[pos].isalpha() or s[pos].isdecimal() or s[pos] == "_"):
        pos += 1
    return s[start:pos], pos
