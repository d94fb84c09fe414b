"""Pieces of shell text the shell document reads: CRLF text for the lexer, the script of ``sh -c``,
words joined back into a script, the ``$(...)`` and backquoted commands inside a word, and the
owners and ends of here-documents."""

from __future__ import annotations

from typing import Iterable

from ..model import Span
from .shellwords import ShellSyntaxError, Token, Word, _Lexer

def crlf_as_lf(text: str) -> str:
    """CRLF text for the lexer, same length: a CR becomes a blank (before a continuation's
    backslash, so that the continuation still reads as one)."""
    if "\r" not in text:
        return text
    return text.replace("\\\r\n", " \\\n").replace("\r\n", " \n")


def shell_c_script(words: list[Word], ci: int) -> Word | None:
    j = ci + 1
    while j < len(words) and words[j].value.startswith("-") and words[j].value != "-":
        flags = words[j].value
        j += 1
        if not flags.startswith("--") and "c" in flags[1:]:
            if j + 1 < len(words) and words[j].value == "--":
                j += 1  # ``bash -c -- "script"``: the end of the shell's options, then the script
            return words[j] if j < len(words) else None
        if flags in ("-o", "+o"):
            j += 1
    return None


def join_words(words: list[Word]) -> tuple[str, list[int]]:
    value: list[str] = []
    offs: list[int] = []
    for k, w in enumerate(words):
        if k:
            value.append(" ")
            offs.append(words[k - 1].end)
        value.append(w.value)
        offs.extend(w.offsets)
    return "".join(value), offs


def command_substitutions(w: Word) -> Iterable[tuple[str, list[int], bool]]:
    """``$(...)`` and backtick commands inside a word (not in single quotes): (the command as
    written, the offset of each of its characters, whether it was in backquotes)."""
    if not w.dynamic or w.quote == "'":
        return
    v = w.value
    if "$(" not in v and "`" not in v:
        return
    lx = _Lexer(v, None, 0)
    i = 0
    while i < len(v):
        c = v[i]
        if c == "$" and v.startswith("$((", i):
            try:
                i = lx._expansion_end(i)
            except ShellSyntaxError:
                return
            continue
        if c == "$" and v.startswith("$(", i) or c == "`":
            try:
                j = lx._expansion_end(i)
            except ShellSyntaxError:
                return
            a, b = (i + 2, j - 1) if c == "$" else (i + 1, j - 1)
            if b > a:
                yield v[a:b], w.offsets[a:b], c == "`"
            i = j
            continue
        if c == "$" and v.startswith("${", i):
            try:
                i = lx._expansion_end(i)
            except ShellSyntaxError:
                return
            continue
        i += 1


def heredoc_owners(tokens: list[Token]) -> list[tuple[list[Word], str]]:
    """For each ``<<`` in order: the words of its simple command and the delimiter."""
    out: list[tuple[list[Word], str]] = []
    cur: list[Word] = []
    skip = False
    for k, tok in enumerate(tokens):
        if tok.kind == "word":
            if skip:
                skip = False
                continue
            assert tok.word is not None
            cur.append(tok.word)
        elif tok.kind == "redirect":
            skip = True
            if tok.text in ("<<", "<<-"):
                nxt = tokens[k + 1] if k + 1 < len(tokens) else None
                out.append((cur, nxt.text if nxt is not None else ""))
        else:
            cur = []
            skip = False
    return out


def strip_delimiter(text: str, span: Span, delim: str) -> int:
    """End of a here-document body without its closing delimiter line."""
    end = span.end
    body = text[span.start:end]
    stripped = body[:-1] if body.endswith("\n") else body
    nl = stripped.rfind("\n")
    last = stripped[nl + 1:]
    if last.strip(" \t\r") == delim:
        return span.start + nl + 1
    return end
