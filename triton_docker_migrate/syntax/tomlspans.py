"""Where the values of a TOML file stand in its text.

``tomllib`` reads TOML but forgets positions. This scanner reads the same text (TOML 1.0, as
``tomllib`` of Python 3.11 does) far enough to say where each key and each value is written: table
headers, dotted keys, strings of the four kinds (decoded), arrays, inline tables and other scalars.
Every key-value pair is recorded under its full key path, however it was written (``[project]`` +
``dependencies = [...]``, ``project.dependencies = [...]`` or ``project = {dependencies = [...]}``).
The callers compare what they use with ``tomllib``'s reading and refuse to edit when the two
differ; nothing is ever re-serialised."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..model import Span

_BARE = re.compile(r"[A-Za-z0-9_-]+")
_WS = re.compile(r"[ \t]*")
_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}


class TomlError(ValueError):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


@dataclass
class TString:
    value: str  #: decoded
    span: Span  #: the whole token, quotes included
    delim: str  #: '"', "'", '\"\"\"' or "'''"


@dataclass
class TArray:
    items: list
    span: Span


@dataclass
class TTable:
    """An inline table: its pairs as (relative key path, key span, value)."""

    pairs: list
    span: Span


@dataclass
class TOther:
    span: Span


@dataclass
class Pair:
    path: tuple[str, ...]  #: the full key path
    key_span: Span  #: the key as written (dotted keys whole)
    value: object  #: TString | TArray | TTable | TOther
    start: int  #: offset of the pair's first character


@dataclass
class TomlSpans:
    pairs: list[Pair] = field(default_factory=list)
    headers: list[tuple[tuple[str, ...], Span]] = field(default_factory=list)
    comments: list[Span] = field(default_factory=list)

    def get(self, path: tuple[str, ...]) -> Pair | None:
        """The pair written at ``path`` (keys of inline tables included)."""
        for p in self.pairs:
            if p.path == path:
                return p
        return None

    def under(self, prefix: tuple[str, ...]) -> list[Pair]:
        """The pairs whose path is ``prefix`` plus one key."""
        return [p for p in self.pairs if len(p.path) == len(prefix) + 1 and p.path[:-1] == prefix]


class _Scanner:
    def __init__(self, text: str) -> None:
        self.t = text
        self.n = len(text)
        self.out = TomlSpans()
        self.array_tables: dict[tuple[str, ...], int] = {}

    def fail(self, message: str, at: int) -> TomlError:
        return TomlError(message, at)

    def skip_ws(self, i: int) -> int:
        return _WS.match(self.t, i).end()  # type: ignore[union-attr]

    def skip_comment(self, i: int) -> int:
        if i < self.n and self.t[i] == "#":
            j = self.t.find("\n", i)
            j = self.n if j < 0 else j
            end = j - 1 if j > i and self.t[j - 1] == "\r" else j
            self.out.comments.append(Span(i, end))
            return j
        return i

    def skip_blank(self, i: int) -> int:
        """White space, comments and line breaks (inside arrays)."""
        while True:
            i = self.skip_comment(self.skip_ws(i))
            if i < self.n and self.t[i] in "\r\n":
                i += 1
                continue
            return i

    def end_of_line(self, i: int) -> int:
        i = self.skip_comment(self.skip_ws(i))
        if i < self.n and self.t[i] == "\r":
            i += 1
        if i < self.n and self.t[i] != "\n":
            raise self.fail("expected the end of the line", i)
        return i + 1

    def scan(self) -> TomlSpans:
        i = 1 if self.t.startswith("\ufeff") else 0
        table: tuple[str, ...] = ()
        while i < self.n:
            i = self.skip_comment(self.skip_ws(i))
            if i >= self.n:
                break
            c = self.t[i]
            if c in "\r\n":
                i += 1
                continue
            if c == "[":
                start = i
                array = self.t.startswith("[[", i)
                i = self.skip_ws(i + (2 if array else 1))
                keys, _, i = self.key(i)
                i = self.skip_ws(i)
                close = "]]" if array else "]"
                if not self.t.startswith(close, i):
                    raise self.fail("expected the end of a table header", i)
                i += len(close)
                table = tuple(keys)
                if array:
                    k = self.array_tables.get(table, -1) + 1
                    self.array_tables[table] = k
                    table = table + (f"[{k}]",)
                self.out.headers.append((table, Span(start, i)))
                i = self.end_of_line(i)
                continue
            start = i
            keys, kspan, i = self.key(i)
            i = self.skip_ws(i)
            if i >= self.n or self.t[i] != "=":
                raise self.fail("expected '=' after a key", i)
            value, i = self.value(self.skip_ws(i + 1), table + tuple(keys))
            self.out.pairs.append(Pair(table + tuple(keys), kspan, value, start))
            i = self.end_of_line(i)
        return self.out

    def key(self, i: int) -> tuple[list[str], Span, int]:
        keys: list[str] = []
        start = i
        while True:
            if i < self.n and self.t[i] in "\"'":
                s, i = self.string(i, single_line=True)
                keys.append(s.value)
            else:
                m = _BARE.match(self.t, i)
                if not m:
                    raise self.fail("expected a key", i)
                keys.append(m.group())
                i = m.end()
            end = i
            j = self.skip_ws(i)
            if j < self.n and self.t[j] == ".":
                i = self.skip_ws(j + 1)
                continue
            return keys, Span(start, end), end

    def value(self, i: int, path: tuple[str, ...]):
        if i >= self.n:
            raise self.fail("expected a value", i)
        c = self.t[i]
        if c in "\"'":
            return self.string(i)
        if c == "[":
            start = i
            items = []
            i = self.skip_blank(i + 1)
            while i < self.n and self.t[i] != "]":
                v, i = self.value(i, path)
                items.append(v)
                i = self.skip_blank(i)
                if i < self.n and self.t[i] == ",":
                    i = self.skip_blank(i + 1)
                elif i < self.n and self.t[i] != "]":
                    raise self.fail("expected ',' or ']' in an array", i)
            if i >= self.n:
                raise self.fail("unterminated array", start)
            return TArray(items, Span(start, i + 1)), i + 1
        if c == "{":
            start = i
            pairs = []
            i = self.skip_ws(i + 1)
            while i < self.n and self.t[i] != "}":
                pstart = i
                keys, kspan, i = self.key(i)
                i = self.skip_ws(i)
                if i >= self.n or self.t[i] != "=":
                    raise self.fail("expected '=' in an inline table", i)
                v, i = self.value(self.skip_ws(i + 1), path + tuple(keys))
                pairs.append((tuple(keys), kspan, v))
                self.out.pairs.append(Pair(path + tuple(keys), kspan, v, pstart))
                i = self.skip_ws(i)
                if i < self.n and self.t[i] == ",":
                    i = self.skip_ws(i + 1)
                elif i < self.n and self.t[i] != "}":
                    raise self.fail("expected ',' or '}' in an inline table", i)
            if i >= self.n:
                raise self.fail("unterminated inline table", start)
            return TTable(pairs, Span(start, i + 1)), i + 1
        start = i
        while i < self.n and self.t[i] not in ",]}\r\n#":
            i += 1
        end = i
        while end > start and self.t[end - 1] in " \t":
            end -= 1
        if end == start:
            raise self.fail("expected a value", start)
        return TOther(Span(start, end)), end

    def string(self, i: int, single_line: bool = False) -> tuple[TString, int]:
        t = self.t
        q = t[i]
        start = i
        if t.startswith(q * 3, i) and not single_line:
            i += 3
            if t.startswith("\r\n", i):
                i += 2
            elif t.startswith("\n", i):
                i += 1
            out: list[str] = []
            while True:
                if i >= self.n:
                    raise self.fail("unterminated multi-line string", start)
                if t.startswith(q * 3, i):
                    run = 3
                    while run < 5 and i + run < self.n and t[i + run] == q:
                        run += 1
                    out.append(q * (run - 3))
                    i += run
                    return TString("".join(out), Span(start, i), q * 3), i
                if q == '"' and t[i] == "\\":
                    j = i + 1
                    k = j
                    while k < self.n and t[k] in " \t":
                        k += 1
                    if k < self.n and t[k] in "\r\n":  # a line-ending backslash
                        while k < self.n and t[k] in " \t\r\n":
                            k += 1
                        i = k
                        continue
                    ch, i = self.escape(i)
                    out.append(ch)
                    continue
                out.append(t[i])
                i += 1
        i += 1
        out = []
        while True:
            if i >= self.n or t[i] in "\r\n":
                raise self.fail("unterminated string", start)
            c = t[i]
            if c == q:
                return TString("".join(out), Span(start, i + 1), q), i + 1
            if q == '"' and c == "\\":
                ch, i = self.escape(i)
                out.append(ch)
                continue
            out.append(c)
            i += 1

    def escape(self, i: int) -> tuple[str, int]:
        t = self.t
        if i + 1 >= self.n:
            raise self.fail("bad escape", i)
        c = t[i + 1]
        if c in _ESCAPES:
            return _ESCAPES[c], i + 2
        if c in "uU":
            k = 4 if c == "u" else 8
            digits = t[i + 2:i + 2 + k]
            if len(digits) != k or not re.fullmatch(r"[0-9A-Fa-f]+", digits):
                raise self.fail("bad unicode escape", i)
            return chr(int(digits, 16)), i + 2 + k
        raise self.fail("bad escape", i)


def scan(text: str) -> TomlSpans:
    """The pairs of ``text`` with their spans (raises TomlError where it cannot read)."""
    return _Scanner(text).scan()


def basic_string(value: str) -> str:
    """``value`` as a TOML basic string."""
    out = []
    for c in value:
        if c in '"\\':
            out.append("\\" + c)
        elif ord(c) < 0x20 or c == "\x7f":
            out.append({"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(c, f"\\u{ord(c):04x}"))
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def string_like(value: str, like: TString) -> str:
    """``value`` written as a TOML string in the style of ``like`` where it can be."""
    if like.delim in ("'", "'''") and "'" not in value and "\n" not in value and \
            not any(ord(c) < 0x20 and c != "\t" for c in value):
        return like.delim + value + like.delim
    if like.delim == '"""':
        return '""' + basic_string(value) + '""'
    return basic_string(value)


#: arrays and inline tables nested deeper than this are refused before any reader sees them
#: (``tomllib`` and ``scan`` read nesting by recursion)
MAX_NESTING = 64


def nesting_depth(text: str, limit: int = MAX_NESTING) -> tuple[int, int]:
    """How deep arrays and inline tables nest in ``text`` (brackets outside strings and comments),
    counted up to ``limit + 1``, and the offset where that depth is first reached. One pass, no
    recursion."""
    depth = best = where = 0
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if c in "\"'":
            triple = text.startswith(c * 3, i)
            close = c * 3 if triple else c
            j = i + len(close)
            while j < n:
                if c == '"' and text[j] == "\\":
                    j += 2
                    continue
                if text.startswith(close, j):
                    break
                if not triple and text[j] == "\n":
                    break  # an unterminated one-line string: the readers will say so
                j += 1
            i = j + len(close)
            continue
        if c in "[{":
            depth += 1
            if depth > best:
                best, where = depth, i
                if best > limit:
                    return best, where
        elif c in "]}" and depth:
            depth -= 1
        i += 1
    return best, where
