"""Command-line words that a variable holds: ``SERVER_ARGS="--model-store=/m --log-verbose=1"`` and
then ``trtserver $SERVER_ARGS``. A reader that knows the variable's one value hands its words to the
command line in place of the expansion, each word spanning its characters inside the assignment, so
the argv rules migrate the options where they are written and see every option the line gets (a
variable that turns polling off must not get polling added).

Each reader decides when a value is known (assigned once, used once, before the use) and how the
expansion splits it; this module holds what they share: the split, and the splice.
"""

from __future__ import annotations

import re
from typing import Callable

from .. import facts
from ..model import Span
from ..syntax.quoting import FieldSyntax, Syntax
from ..syntax.shellwords import Word
from .sites import Segment

#: ``$NAME`` / ``${NAME}`` as a whole word
VAR_REF = re.compile(r"^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$")
_BLANKS = re.compile(r"[ \t\n]+")
#: characters whose meaning the expansion would change or that cannot be edited in place
_UNSAFE = re.compile(r"[\"'\\`*?\[]")

#: what a reader gives for an expansion word: the words it stands for, their syntax, a label
Held = tuple[list[Word], Syntax, str]


def field_words(value: Word, name: str, quoted: bool, overridable: bool = False) -> Held | None:
    """The words an unquoted ``$name`` gives when ``name`` holds ``value`` (split at blanks, no
    quote removal), each spanning its characters in the document. None when a word holds a quote,
    a backslash or a glob (the shell would read it otherwise than it is written), or its characters
    are not written in one run. ``overridable``: ``value`` is the default of ``${name:-...}``, which
    the environment may replace."""
    words: list[Word] = []
    for i, j in _pieces(value.value):
        piece = value.value[i:j]
        offs = value.offsets[i:j]
        if _UNSAFE.search(piece) or offs[-1] - offs[0] != j - 1 - i:
            return None
        words.append(Word(offs[0], offs[-1] + 1, piece, list(offs), "$" in piece, "", offs[-1] + 1))
    return words, FieldSyntax(quoted, name, overridable), f"variable {name}"


def _pieces(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for m in _BLANKS.finditer(text):
        if m.start() > pos:
            out.append((pos, m.start()))
        pos = m.end()
    if pos < len(text):
        out.append((pos, len(text)))
    return out


def splice(words: list[Word], syntax: Syntax, label: str,
           held: Callable[[Word], list[Held] | None]) -> list[Segment]:
    """``words`` as segments, each expansion that ``held`` knows replaced by the words it holds
    (an array assigned and then appended to holds several lists)."""
    out: list[Segment] = []
    cur: list[Word] = []
    prev: Word | None = None
    for w in words:
        # (after ``--opt`` written without ``=`` the variable is that option's value, not options)
        got = held(w) if w.dynamic and not _takes_value(prev) else None
        prev = w
        if got is None:
            cur.append(w)
            continue
        if cur:
            out.append(Segment(cur, syntax, label))
            cur = []
        for inner, inner_syntax, inner_label in got:
            if inner:
                out.append(Segment(inner, inner_syntax, inner_label, expansion=w, outer=syntax))
    if cur or not out:
        out.append(Segment(cur, syntax, label))
    return out


def _takes_value(option: Word | None) -> bool:
    v = option.value if option is not None else ""
    return v.startswith("--") and len(v) > 2 and "=" not in v and v[2:] not in facts.NO_ARGUMENT


def uses(text: str, name: str, outside: Span | None = None) -> int:
    """How many times ``text`` expands ``name`` (``$NAME``, ``${NAME...}``, make's ``$(NAME)``),
    leaving out those within ``outside`` (the assignment's own ``${NAME:-default}``)."""
    found = re.finditer(r"\$(?:\{|\()?" + re.escape(name) + r"(?![A-Za-z0-9_])", text)
    return sum(1 for m in found if outside is None or not outside.start <= m.start() < outside.end)
