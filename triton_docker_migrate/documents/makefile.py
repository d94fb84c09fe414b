"""Makefiles -> Document.

Recipe lines (tab-indented after a rule, ``\\`` continuations, ``@``/``-``/``+`` prefixes, and the
recipe after ``target: ;``) are shell: make expands ``$(VAR)``/``${VAR}``/``$@`` and turns ``$$``
into ``$`` before the shell sees them. Each recipe line is handed to the shell machinery of
shell.py as the text the shell would read, with make references kept as ``${VAR}`` expansions,
and every character keeps its offset in the Makefile. Everything else that is not a comment
(variable assignments such as ``IMAGE ?= nvcr.io/nvidia/tensorrtserver:20.02-py3``, directives,
rule lines) is a plain region, so the image, path and variable rules apply there too.
"""

from __future__ import annotations

import re

from ..syntax.quoting import SHELL
from ..model import Span
from ..syntax.shellwords import Word
from . import commands as C
from .shell import ShellDoc, crlf_as_lf

_ASSIGN = re.compile(
    r"^[ \t]*(?:(?:export|override|private)[ \t]+)*(?P<name>[^\s:#=]+)[ \t]*"
    r"(?P<op>:::=|::=|:=|\?=|\+=|!=|=)[ \t]*")
_DIRECTIVE = re.compile(
    r"^[ \t]*(?:-?include|sinclude|ifeq|ifneq|ifdef|ifndef|else|endif|define|endef|export|unexport|"
    r"override|vpath|undefine|private)(?:[ \t]|$)")
_CONDITIONAL = re.compile(r"^[ \t]*(?:ifeq|ifneq|ifdef|ifndef|else|endif)(?:[ \t(]|$)")
_DEFINE = re.compile(r"^[ \t]*(?:(?:export|override|private)[ \t]+)*define[ \t]+(?P<name>\S+)")
_ENDEF = re.compile(r"^[ \t]*endef(?:[ \t]|$)")
_AUTOMATIC = set("@<^+?*%|")


class MakefileDoc(ShellDoc):
    kind = "makefile"
    label = "recipe"

    def __init__(self, path: str, text: str) -> None:
        self._define_bodies: list[tuple[int, int]] = []  #: (start, end) of each ``define`` body line
        self._units: list[list[int]] = []  #: [start, end] of each ``define`` ... ``endef`` and each rule with its recipe
        super().__init__(path, text)
        if not self.triton:
            # a ``define`` body is no command line of its own (a recipe that expands it may be, or a
            # template for ``$(eval)``), but one that runs the server makes the file the server's: its
            # recipes' health checks and V1 endpoints are Triton's
            self.triton = any(C.runs_server(self.text[a:b]) for a, b in self._define_bodies)

    def _parse(self) -> None:
        self._appends: set[int] = set()  #: the values of ``NAME += ...`` lines
        t = self.text
        start = 1 if t.startswith("\ufeff") else 0
        prefix = "\t"
        in_rule = False
        define_depth = 0
        for a, b in _logical_lines(t, start):
            line = t[a:b]
            if define_depth:
                self._units[-1][1] = b
                if _ENDEF.match(line):
                    define_depth -= 1
                elif _DEFINE.match(line):
                    define_depth += 1
                else:
                    self._define_bodies.append((a, b))
                continue
            if in_rule and line.startswith(prefix):
                self._units[-1][1] = b
                self._recipe(a + len(prefix), b)
                continue
            body_end = self._make_comment(a, b)
            code = t[a:body_end]
            if not code.strip():
                continue  # blank and comment lines keep the rule open
            if _DEFINE.match(code):
                self._units.append([a, b])
                define_depth = 1
                in_rule = False
                continue
            m = _ASSIGN.match(code)
            if m and not _CONDITIONAL.match(code):
                self._variable(m.group("name"), a + m.end(), body_end, m.group("op") == "+=")
                if m.group("op") == "?=":
                    self.overridable.add(m.group("name"))
                if m.group("name") == ".RECIPEPREFIX":
                    prefix = t[a + m.end():body_end][:1] or "\t"
                in_rule = False
                continue
            if _CONDITIONAL.match(code):
                continue
            if _DIRECTIVE.match(code):
                in_rule = False
                continue
            semi = _rule_recipe(code)
            if semi is not None:
                self._units.append([a, b])
                in_rule = True
                if semi >= 0:
                    self._recipe(a + semi + 1, body_end)
                continue
            in_rule = False

    def _unit_at(self, off: int) -> tuple[int, int]:
        """The text that runs as one with the text at ``off``: the ``define`` body or the rule (its recipe) that
        holds it, else its line."""
        for a, b in self._units:
            if a <= off < b:
                return a, b
        return super()._unit_at(off)

    def _make_comment(self, a: int, b: int) -> int:
        """End of the code of a make line: an unescaped ``#`` starts a comment (to the line's end,
        continuations included)."""
        t = self.text
        i = a
        while i < b:
            c = t[i]
            if c == "\\":
                i += 2
                continue
            if c == "#":
                self.excluded.append(Span(i, b))
                return i
            i += 1
        return b

    def _variable(self, name: str, a: int, b: int, append: bool = False) -> None:
        value, offsets = make_to_shell(self.text, a, b)
        if "\\\n" in value:
            # make joins a value's continued lines with one blank (``ARGS := --a \`` then ``--b``): the value
            # is split into words where it is written, each on its line
            parts, offs, pos = [], [], 0
            for m in _VALUE_CONTINUATION.finditer(value):
                parts += [value[pos:m.start()], " "]
                offs += offsets[pos:m.start()] + [offsets[m.start()]]
                pos = m.end()
            value, offsets = "".join(parts) + value[pos:], offs + offsets[pos:]
        value = value.rstrip()
        if not value:
            return
        offsets = offsets[: len(value)]
        w = Word(offsets[0], offsets[-1] + 1, value, offsets, "$" in value)
        self.variables.setdefault(name, []).append(w)
        if append:
            self._appends.add(id(w))

    def _self_append(self, name: str, value: Word) -> Word | None:
        """``FLAGS += --more``: the words it adds (make appends them to the value)."""
        return value if id(value) in self._appends else None

    def _recipe(self, a: int, b: int) -> None:
        t = self.text
        while a < b and t[a] in "@-+ \t":
            a += 1
        if a >= b:
            return
        if t.find("$", a, b) < 0:  # nothing for make to expand: the text as written, its offsets a range
            text, offsets = t[a:b], range(a, b)
        else:
            text, offsets = make_to_shell(t, a, b)
        text = crlf_as_lf(text)
        self.top_commands += 1
        lexed = self._lex(text, offsets, a, strict=False)
        if lexed is None:
            from .. import evidence

            if evidence.strong(t[a:b].encode("utf-8", "replace")):
                self._lex(text, offsets, a, strict=True)  # raises with the line
            return
        self.excluded.extend(lexed.comments)
        self._walk(lexed.tokens, SHELL, self.label, None, 0)

    def _region_text(self, text: str) -> str:
        return braced(super()._region_text(text))


def braced(text: str) -> str:
    """``$(X)`` written as ``${X}`` (same length), so that the text rules read make references as
    the variable references they know; ``$$`` stays."""
    if "$(" not in text:
        return text
    marks: list[tuple[int, str]] = []  # (index, new character), in order
    stack: list[int] = []  # indices of "(" opened by a make reference, or -1 for plain ones
    for m in _MAKE_PAREN.finditer(text):  # left to right, as a scan one character at a time would read them
        tok = m.group()
        if tok == "$(":
            marks.append((m.start() + 1, "{"))
            stack.append(m.start() + 1)
        elif tok == "(":
            stack.append(-1)
        elif tok == ")" and stack:
            if stack.pop() >= 0:
                marks.append((m.start(), "}"))
    parts: list[str] = []
    pos = 0
    for i, c in marks:
        parts += (text[pos:i], c)
        pos = i + 1
    parts.append(text[pos:])
    return "".join(parts)


#: what ``braced`` reads: ``$$`` (an escaped dollar), ``$(`` (a make reference), and parentheses
_MAKE_PAREN = re.compile(r"\$\$|\$\(|[()]")


def _logical_lines(t: str, start: int):
    """(start, end) of each logical line (continuations joined; end excludes the newline)."""
    i = start
    n = len(t)
    while i < n:
        j = i
        while True:
            nl = t.find("\n", j)
            end = n if nl < 0 else nl
            k = end - 1 if end > i and t[end - 1] == "\r" else end
            bs = 0
            while k - bs - 1 >= j and t[k - bs - 1] == "\\":
                bs += 1
            if bs % 2 == 1 and nl >= 0:
                j = nl + 1
                continue
            break
        stop = end - 1 if end > i and t[end - 1] == "\r" else end
        yield i, stop
        i = end + 1


def _rule_recipe(code: str) -> int | None:
    """A rule line: the index of the ``;`` that starts an inline recipe, -1 without one; None
    when ``code`` is not a rule line."""
    depth = 0
    colon = -1
    for i, c in enumerate(code):
        if c in "({":
            depth += 1
        elif c in ")}":
            depth -= 1
        elif depth == 0 and c == ":" and colon < 0:
            colon = i
        elif depth == 0 and c == ";" and colon >= 0:
            return i
    return -1 if colon >= 0 else None


def make_to_shell(t: str, a: int, b: int) -> tuple[str, list[int]]:
    """The shell text of ``t[a:b]`` after make's expansion, as far as it can be known: ``$$`` is
    ``$``, and make references stay as ``${...}`` (dynamic words to the shell lexer). Returns the
    text and the document offset of each of its characters.

    One pass: the bracket that closes each ``(`` and ``{`` is found first (a stack per kind, as
    the references count only their own kind), and a reference's closing ``}`` is written when the
    walk reaches it - linear in the text, however deep the references nest, and no recursion."""
    close_of = _matching(t, a, b)
    out: list[str] = []
    offs: list[int] = []
    ends: list[int] = []  # where each open reference closes, innermost last
    end = b
    i = a
    while i < end or ends:
        if i >= end:  # the reference that ends here: its closing brace
            out.append("}")
            offs.append(end)
            i = end + 1
            ends.pop()
            end = ends[-1] if ends else b
            continue
        c = t[i]
        if c != "$":  # a run of characters that stand for themselves, up to the next "$"
            k = t.find("$", i, end)
            k = end if k < 0 else k
            out.append(t[i:k])
            offs.extend(range(i, k))
            i = k
            continue
        if i + 1 >= end:
            out.append(c)
            offs.append(i)
            i += 1
            continue
        nxt = t[i + 1]
        if nxt == "$":
            out.append("$")
            offs.append(i)
            i += 2
            continue
        if nxt in "({":
            j = close_of.get(i + 1, end)
            if j >= end:  # not closed inside the reference this one is in: a plain "$"
                out.append(c)
                offs.append(i)
                i += 1
                continue
            out.append("${")
            offs.extend((i, i + 1))
            ends.append(j)
            end = j
            i += 2
            continue
        if nxt in _AUTOMATIC or nxt.isalnum() or nxt == "_":
            out.append("${" + nxt + "}")
            offs.extend((i, i, i + 1, i + 1))
            i += 2
            continue
        out.append(c)
        offs.append(i)
        i += 1
    return "".join(out), offs


#: a continuation inside a variable's value, with the blanks around it
_VALUE_CONTINUATION = re.compile(r"[ \t]*\\\r?\n[ \t]*")
_BRACKET = re.compile(r"[(){}]")


def _matching(t: str, a: int, b: int) -> dict[int, int]:
    """The index of the bracket that closes each ``(`` and ``{`` of ``t[a:b]`` that is closed
    (each kind counted alone)."""
    out: dict[int, int] = {}
    opened: dict[str, list[int]] = {"(": [], "{": []}
    for m in _BRACKET.finditer(t, a, b):
        i, c = m.start(), m.group()
        if c == "(" or c == "{":
            opened[c].append(i)
        elif c == ")" or c == "}":
            stack = opened["(" if c == ")" else "{"]
            if stack:
                out[stack.pop()] = i
    return out
