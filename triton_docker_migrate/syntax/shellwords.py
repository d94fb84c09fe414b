"""A POSIX-shell word lexer that keeps the document offset of every character.

shlex splits words but forgets where they came from; tree-sitter-bash keeps offsets but is a
grammar for whole scripts and brings a native dependency. Rewriting a command line needs less
than either: words, their decoded values, the offset of each decoded character, whether an
expansion is involved, and the operators that end a simple command. Anything this lexer cannot
read with certainty (an unterminated quote) raises ShellSyntaxError and the caller bails.
"""

from __future__ import annotations

import re
from array import array
from dataclasses import dataclass, field
from typing import Sequence

from ..model import Span

OPERATORS = ("&&", "||", ";;", "|&", ";", "&", "|", "(", ")")
REDIRECTS = ("<<<", "<<-", "<<", ">>", "<&", ">&", "<>", ">|", "&>>", "&>", "<", ">")
_WORD_BREAK = set(" \t\n;&|()<>")
#: characters that start an operator or a redirection
_OP_START = set(";&|()<>")
#: a run of characters that stand for themselves: outside quotes, and inside double quotes
_PLAIN = re.compile(r"[^ \t\n;&|()<>\\'\"$`]+")
_PLAIN_DQ = re.compile(r"[^\\\"$`]+")
#: the first of OPERATORS, of REDIRECTS, that starts at a position (alternatives are tried in order)
_OPERATOR = re.compile("|".join(re.escape(o) for o in OPERATORS))
_REDIRECT = re.compile("|".join(re.escape(r) for r in REDIRECTS))
#: what opens a template's span (Jinja's ``{{ }}``, ``{% %}``, ``{# #}``; Go's ``{{ }}``), and what closes it
_TEMPLATE_OPEN = re.compile(r"\{[{%#]")
_TEMPLATE_CLOSE = {"{": "}}", "%": "%}", "#": "#}"}


class ShellSyntaxError(ValueError):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


@dataclass(slots=True)
class Word:
    """One shell word. ``value`` is the word after quote removal; expansions stay as written."""

    start: int  #: document offset of the first raw character
    end: int  #: document offset after the last raw character
    value: str = ""
    #: document offset of each value character (machine integers: a list of Python ints took 39 bytes
    #: per character, most of the memory of a file full of command lines; a range when they follow
    #: each other)
    offsets: array | range = field(default_factory=lambda: array("q"))
    dynamic: bool = False  #: holds a ``$`` or backtick expansion outside single quotes
    quote: str = ""  #: the quote character when the whole word is one quoted string
    inner_end: int = -1  #: document offset where new text at the end of the value goes

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)

    def sub(self, i: int, j: int) -> Span:
        """Document span of ``value[i:j]`` (``i == j``: the insertion point before ``value[i]``)."""
        if i >= len(self.value):
            return Span(self.inner_end, self.inner_end)
        if j <= i:
            return Span(self.offsets[i], self.offsets[i])
        return Span(self.offsets[i], self.offsets[j - 1] + 1)

    @property
    def inner(self) -> Span:
        return self.sub(0, len(self.value))

    @property
    def is_whole_expansion(self) -> bool:
        """``$ARGS``, ``"$@"``, ``${OPTS}``, ``$(cat args)``: words that may hold any options."""
        v = self.value
        return self.dynamic and ((v.startswith("$") or v.startswith("`")) and not v.startswith("$'")
                                 or _TEMPLATE_OPEN.match(v) is not None)


@dataclass(slots=True)
class Token:
    kind: str  #: "word", "op", "newline", "redirect"
    start: int
    end: int
    text: str = ""
    word: Word | None = None


@dataclass
class Lexed:
    tokens: list[Token]
    comments: list[Span]  #: document spans of comments (``#`` to end of line)
    heredocs: list[Span]  #: document spans of heredoc bodies


class _Lexer:
    def __init__(self, text: str, offsets: Sequence[int] | None, base: int, dollar_escape: bool = False) -> None:
        self.t = text
        self.n = len(text)
        self.offsets = offsets
        self.base = base
        self.dollar_escape = dollar_escape

    def off(self, k: int) -> int:
        if self.offsets is None:
            return self.base + k
        if k >= self.n:
            return (self.offsets[-1] + 1) if self.n else self.base
        return self.offsets[k]

    def lex(self) -> Lexed:
        t, n = self.t, self.n
        tokens: list[Token] = []
        comments: list[Span] = []
        heredocs: list[Span] = []
        pending: list[tuple[str, bool]] = []
        i = 0
        while i < n:
            c = t[i]
            if c == "\\" and i + 1 < n and t[i + 1] == "\n":
                i += 2
                continue
            if c in " \t\r":
                i += 1
                continue
            if c == "\n":
                at = self.off(i)
                tokens.append(Token("newline", at, at + 1, "\n"))
                i += 1
                if pending:
                    i = self._skip_heredocs(i, pending, heredocs)
                    pending = []
                continue
            if c == "#":
                j = t.find("\n", i)
                j = n if j < 0 else j
                comments.append(Span(self.off(i), self.off(j - 1) + 1 if j > i else self.off(i)))
                i = j
                continue
            if c in _OP_START:
                m = _OPERATOR.match(t, i)
                op = m.group() if m else None
                m = _REDIRECT.match(t, i)
                red = m.group() if m else None
            else:
                op = red = None
            if red and (op is None or len(red) >= len(op)):
                tokens.append(Token("redirect", self.off(i), self.off(i + len(red) - 1) + 1, red))
                i += len(red)
                if red in ("<<", "<<-"):
                    while i < n and t[i] in " \t":
                        i += 1
                    w, i = self._word(i)
                    tokens.append(Token("word", w.start, w.end, w.value, w))
                    pending.append((w.value, red == "<<-"))
                continue
            if op:
                tokens.append(Token("op", self.off(i), self.off(i + len(op) - 1) + 1, op))
                i += len(op)
                continue
            # an io-number before a redirection (2>&1) stays part of the redirect
            if c.isdigit():
                j = i
                while j < n and t[j].isdigit():
                    j += 1
                m = _REDIRECT.match(t, j)
                red = m.group() if m else None
                if red:
                    tokens.append(Token("redirect", self.off(i), self.off(j + len(red) - 1) + 1, t[i : j + len(red)]))
                    i = j + len(red)
                    continue
            w, i = self._word(i)
            tokens.append(Token("word", w.start, w.end, w.value, w))
        return Lexed(tokens, comments, heredocs)

    def _skip_heredocs(self, i: int, pending: list[tuple[str, bool]], heredocs: list[Span]) -> int:
        t, n = self.t, self.n
        for delim, strip_tabs in pending:
            body_start = i
            while i < n:
                j = t.find("\n", i)
                line_end = n if j < 0 else j
                line = t[i:line_end]
                if strip_tabs:
                    line = line.lstrip("\t")
                i = line_end + 1 if j >= 0 else n
                if line.rstrip("\r") == delim:
                    break
            if i > body_start:
                heredocs.append(Span(self.off(body_start), self.off(i - 1) + 1))
        return i

    def _word(self, i: int) -> tuple[Word, int]:
        t, n = self.t, self.n
        start = i
        m = _PLAIN.match(t, i)
        if m is not None:
            j = m.end()
            if (j >= n or t[j] in _WORD_BREAK) and t.find("{", i, j) < 0:  # the common word: plain characters only
                if self.offsets is None:
                    offs = range(self.base + i, self.base + j)  # (48 bytes, whatever its length)
                elif isinstance(self.offsets, range):
                    offs = self.offsets[i:j]  # (a slice of a range is a range)
                else:
                    offs = _compact(self.offsets[i:j])
                if type(offs) is range and offs.step == 1:
                    # the word's start and end are the range's own integers (not two more objects per word)
                    return Word(offs.start, offs.stop, t[i:j], offs, False, "", offs.stop), j
                end = offs[-1] + 1
                return Word(offs[0], end, t[i:j], offs, False, "", end), j
        w = Word(self.off(i), 0)
        quotes: list[str] = []

        def add(k: int) -> None:
            w.value += t[k]
            w.offsets.append(self.off(k))

        while i < n:
            c = t[i]
            if c in _WORD_BREAK:
                break
            if c == "\\":
                if i + 1 < n and t[i + 1] == "\n":
                    i += 2
                    continue
                if i + 1 >= n:
                    # sh reads it as itself, but whatever follows the text (a new option added at
                    # the end) would be escaped by it: refused rather than misread
                    raise ShellSyntaxError("a backslash ends the command", self.off(i))
                add(i + 1)
                i += 2
                continue
            if c == "'":
                quotes.append("'")
                j = t.find("'", i + 1)
                if j < 0:
                    raise ShellSyntaxError("unterminated single quote", self.off(i))
                self._add(w, i + 1, j)
                i = j + 1
                continue
            if c == "$" and i + 1 < n and t[i + 1] == "'":
                # ANSI-C quoting: keep as written, treat as dynamic
                j = t.find("'", i + 2)
                if j < 0:
                    raise ShellSyntaxError("unterminated $'...' quote", self.off(i))
                self._add(w, i, j + 1)
                w.dynamic = True
                quotes.append("$'")
                i = j + 1
                continue
            if c == '"':
                quotes.append('"')
                i += 1
                while True:
                    if i >= n:
                        raise ShellSyntaxError("unterminated double quote", self.off(start))
                    c = t[i]
                    if c == '"':
                        i += 1
                        break
                    if c == "\\" and i + 1 < n and t[i + 1] in '"\\$`\n':
                        if t[i + 1] != "\n":
                            add(i + 1)
                        i += 2
                        continue
                    if c in "$`":
                        w.dynamic = True
                        j = self._expansion_end(i)
                        self._add(w, i, j)
                        i = j
                        continue
                    if c == "\\":
                        add(i)
                        i += 1
                        continue
                    j = _PLAIN_DQ.match(t, i).end()  # type: ignore[union-attr]
                    self._add(w, i, j)
                    i = j
                continue
            if c in "$`":
                quotes.append("")
                w.dynamic = True
                j = self._expansion_end(i)
                self._add(w, i, j)
                i = j
                continue
            quotes.append("")
            j = _template_end(t, i)
            if j > i:
                # a template's span (a playbook's ``{{ args | join(' ') }}``): rendered before any shell reads
                # the text, one value known at render time, whatever blanks or operators it holds
                w.dynamic = True
            else:
                j = _PLAIN.match(t, i).end()  # type: ignore[union-attr]
                m = _TEMPLATE_OPEN.search(t, i + 1, j)
                if m is not None and _template_end(t, m.start()) > m.start():
                    j = m.start()
            self._add(w, i, j)
            i = j
        if not w.dynamic and "'" not in quotes and '"' in quotes and _has_template(w.value):
            w.dynamic = True  # ``"{{ args | join(' ') }}"``: the template is rendered inside the quotes too
        w.end = self.off(i - 1) + 1 if i > start else w.start
        w.offsets = _compact(w.offsets)
        w.quote = quotes[0] if len(set(quotes)) == 1 and quotes and quotes[0] in "'\"" and quotes[0] else ""
        # where text appended to the value goes: before a closing quote, else at the word's end
        w.inner_end = w.end - 1 if w.quote and t[i - 1] == w.quote else w.end
        return w, i

    def _add(self, w: Word, i: int, j: int) -> None:
        """Text ``t[i:j]`` (``j <= n``) is part of ``w``'s value, one character each."""
        w.value += self.t[i:j]
        w.offsets.extend(range(self.base + i, self.base + j) if self.offsets is None else self.offsets[i:j])

    def _expansion_end(self, i: int) -> int:
        """Index after the expansion starting at ``t[i]`` (``$x``, ``${..}``, ``$(..)``, backticks)."""
        t, n = self.t, self.n
        if t[i] == "`":
            j = i + 1
            while j < n and t[j] != "`":
                j += 2 if t[j] == "\\" else 1
            if j >= n:
                raise ShellSyntaxError("unterminated backquote", self.off(i))
            return j + 1
        if i + 1 >= n:
            return i + 1
        c = t[i + 1]
        if c == "$" and self.dollar_escape:
            # ``$$`` is the file's own escape for ``$`` (compose, the kubelet): ``$$(cmd)`` is ``$(cmd)``
            # to the shell that runs the text, ``$$NAME`` is ``$NAME``
            if i + 2 < n and (t[i + 2] in "{(" or t[i + 2].isalnum() or t[i + 2] == "_"):
                return self._expansion_end(i + 1)
            return i + 2
        if c in "{(":
            close = "}" if c == "{" else ")"
            depth, j = 0, i + 1
            quote = ""
            #: the ``case`` statements open in a ``$(...)``: what is read of each ("in" awaited, "patterns", "body"),
            #: so that the ``)`` after a pattern does not end the substitution
            cases: list[str] = []
            while j < n:
                ch = t[j]
                if quote:
                    if ch == "\\" and quote == '"':
                        j += 2
                        continue
                    if ch == quote:
                        quote = ""
                elif ch in "'\"":
                    quote = ch
                elif ch == "\\":
                    j += 2
                    continue
                elif c == "(" and ch in "ceis" and (cases or t.startswith("case", j)):
                    k = _reserved(t, j, i + 2, cases)
                    if k is not None:
                        j = k
                        continue
                elif c == "(" and cases and cases[-1] == "patterns":
                    if ch == ")":
                        cases[-1] = "body"
                    j += 1  # (the ``(`` before a pattern, the ``|`` between patterns)
                    continue
                elif c == "(" and cases and cases[-1] == "body" and t.startswith(";;", j):
                    cases[-1] = "patterns"
                    j += 2
                    continue
                elif ch == c:
                    depth += 1
                elif ch == close:
                    depth -= 1
                    if depth == 0:
                        return j + 1
                j += 1
            raise ShellSyntaxError("unterminated ${...} or $(...)", self.off(i))
        if c.isalnum() or c == "_":
            j = i + 1
            if c.isdigit():
                return j + 1
            while j < n and (t[j].isalnum() or t[j] == "_"):
                j += 1
            return j
        if c in "@*#?$!-":
            return i + 2
        return i + 1


def _compact(offs: Sequence[int]) -> array | range:
    """A word's offsets: a ``range`` when they follow each other (48 bytes, whatever the word's length;
    most words, quoted or not, are written in one piece), else machine integers."""
    n = len(offs)
    if n and offs[-1] - offs[0] == n - 1:
        r = range(offs[0], offs[0] + n)
        if array("q", r) == offs if type(offs) is array else list(r) == list(offs):
            return r
    return offs if type(offs) is array else array("q", offs)


def _template_end(t: str, i: int) -> int:
    """Index after the template span (``{{ ... }}``, ``{% ... %}``, ``{# ... #}``) that starts at ``t[i]``,
    quoted strings inside it skipped; ``i`` when none starts there or it does not close on its line."""
    m = _TEMPLATE_OPEN.match(t, i)
    if m is None:
        return i
    close = _TEMPLATE_CLOSE[t[i + 1]]
    j, n = i + 2, len(t)
    while j < n:
        c = t[j]
        if c in "'\"" and close != "#}":
            k = t.find(c, j + 1)
            if k < 0:
                return i
            j = k + 1
            continue
        if t.startswith(close, j):
            return j + 2
        if c == "\n":
            return i  # (a span over several lines is read as the shell's)
        j += 1
    return i


def _has_template(v: str) -> bool:
    return any(_template_end(v, m.start()) > m.start() for m in _TEMPLATE_OPEN.finditer(v))


_RESERVED = re.compile(r"(case|esac|in)(?=[ \t\n;)]|$)")
_KEYWORD_BEFORE = re.compile(r"(?:^|[^\w-])(?:then|do|else|elif|if|while|until|[{!])$")


def _command_start(t: str, start: int, j: int) -> bool:
    """Whether ``t[j]`` starts a command of the text that begins at ``start``."""
    k = j - 1
    while k >= start and t[k] in " \t":
        k -= 1
    if k < start or t[k] in ";&|(\n":
        return True
    lo = max(start, k - 5)
    return bool(_KEYWORD_BEFORE.search(t[lo:k + 1]))


def _reserved(t: str, j: int, start: int, cases: list[str]) -> int | None:
    """Inside ``$(...)``: at ``t[j]``, ``case`` or ``esac`` at a command's start, or the ``in`` of a
    ``case WORD in``: ``cases`` updated, the index after the word; else None."""
    m = _RESERVED.match(t, j)
    if m is None or j > start and (t[j - 1].isalnum() or t[j - 1] in "_-./$"):
        return None
    word = m.group(1)
    if word == "in":
        if not cases or cases[-1] != "in":
            return None
        cases[-1] = "patterns"
    elif not _command_start(t, start, j) and not (word == "esac" and cases and cases[-1] == "patterns"):
        return None
    elif word == "case":
        cases.append("in")
    elif not cases:
        return None
    else:
        cases.pop()
    return m.end()


def lex(text: str, offsets: Sequence[int] | None = None, base: int = 0, dollar_escape: bool = False) -> Lexed:
    """Tokens of ``text``; offsets are ``offsets[k]`` (or ``base + k``) for text index ``k``.
    ``dollar_escape``: the text is read by a program that turns ``$$`` into ``$`` before the shell
    sees it (compose's interpolation, the kubelet's expansion of ``command``/``args``)."""
    return _Lexer(text, offsets, base, dollar_escape).lex()
