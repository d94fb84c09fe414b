"""How the words of a command are separated and quoted in each syntax a command line can be
written in: a shell line, a shell line inside a Dockerfile instruction, a JSON (exec-form) array.
Edits use these to keep a file's own style and to quote only what must be quoted."""

from __future__ import annotations

import json
import re
from array import array

from ..model import Edit, ProcessingError
from .shellwords import Word

_SHELL_SAFE = re.compile(r"^[\w@%+=:,./-]+$")


class Syntax:
    """How words are separated and quoted in one kind of list."""

    name = "shell"
    default_sep = " "
    #: new words may be added after this list's words (not after the words of an unquoted value)
    holds_insertions = True
    #: the words are added to the line on some runs only (an append that may stand in a branch)
    conditional = False
    #: what may stand between two words so that deleting it is harmless
    gap_re = re.compile(r"^(?:[ \t]|\\\r?\n)*$")

    def quote(self, value: str, like: Word | None) -> str:
        if _SHELL_SAFE.match(value):
            return value
        q = like.quote if like is not None else ""
        if q == '"' and not re.search(r'["\\$`]', value):
            return f'"{value}"'
        if q == "'" and "'" not in value:
            return f"'{value}'"
        return "'" + value.replace("'", "'\\''") + "'"

    def safe_in_place(self, word: Word, fragment: str, new_value: str) -> bool:
        """Can ``fragment`` be written inside ``word`` as it is quoted, giving ``new_value``?"""
        return fragment == "" or bool(_SHELL_SAFE.match(fragment))

    def maps_exactly(self, word: Word, i: int, j: int) -> bool:
        """Is ``word.value[i:j]`` written as itself, so that ``word.sub(i, j)`` is where it stands
        (``i == j``: the point before ``value[i]``)? Syntaxes with escapes say no for escaped text."""
        return True

    def requote(self, word: Word, new_value: str) -> Edit:
        """The whole ``word`` rewritten to hold ``new_value`` (when an edit in place cannot be made)."""
        if word.dynamic:
            # its value is known only where it runs: rewriting it whole would change what it expands
            raise ProcessingError("cannot rewrite a word that holds a variable expansion: edit it by hand")
        return Edit(word.span, self.quote(new_value, word))

    def delete_word(self, text: str, word: Word) -> "Edit | None":
        """This syntax's own way to remove ``word`` (None: remove it and one separator)."""
        return None

    def insert_words(self, text: str, anchor: Word, values: list[str], like: Word | None) -> "Edit | None":
        """This syntax's own way to add words after ``anchor`` (None: after a separator)."""
        return None

    def takes_after(self, word: Word) -> bool:
        """New words may be added right after ``word`` (``holds_insertions``, unless the syntax knows
        better word by word)."""
        return self.holds_insertions


class ShellSyntax(Syntax):
    pass


class DockerShellSyntax(ShellSyntax):
    """A shell line inside a Dockerfile instruction: continuations use the escape character."""

    def __init__(self, escape: str = "\\") -> None:
        self.gap_re = re.compile(r"^(?:[ \t]|" + re.escape(escape) + r"[ \t]*\r?\n)*$")


class JsonSyntax(Syntax):
    name = "json"
    default_sep = ", "

    def __init__(self, escape: str = "\\") -> None:
        self.gap_re = re.compile(r"^(?:[ \t\r\n,]|" + re.escape(escape) + r"[ \t]*\r?\n)*$")

    def quote(self, value: str, like: Word | None) -> str:
        return json.dumps(value)

    def safe_in_place(self, word: Word, fragment: str, new_value: str) -> bool:
        return json.dumps(fragment)[1:-1] == fragment


SHELL = ShellSyntax()


class JsonShellSyntax(ShellSyntax):
    """A shell script inside a JSON string (``CMD ["sh", "-c", "..."]``): what is written must read the
    same through both layers - the shell's quoting, then JSON's escaping. ``escapes`` maps the document
    offset of each escaped character (``\\"``, ``\\u0041``) to the length of its escape: text written
    inside a word must not split one, and ranges that hold one are rewritten whole."""

    name = "json-shell"
    gap_re = re.compile(r"^[ \t]*$")

    def __init__(self, escapes: dict[int, int]) -> None:
        self.escapes = escapes

    def quote(self, value: str, like: Word | None) -> str:
        return json.dumps(ShellSyntax.quote(self, value, like))[1:-1]

    def safe_in_place(self, word: Word, fragment: str, new_value: str) -> bool:
        return fragment == "" or (bool(_SHELL_SAFE.match(fragment)) and json.dumps(fragment)[1:-1] == fragment)

    def maps_exactly(self, word: Word, i: int, j: int) -> bool:
        return not any(o in self.escapes for o in word.offsets[i:j])

    def requote(self, word: Word, new_value: str) -> Edit:
        if word.dynamic:
            raise ValueError("cannot requote a word that holds an expansion")
        return Edit(word.span, self.quote(new_value, word))


class FieldSyntax(Syntax):
    """The words a variable's value turns into where the shell expands it unquoted
    (``trtserver $SERVER_ARGS``): split at blanks, no quote removal. They are written inside the
    assignment's value, so only plain text can be written there, and new words fit only where the
    value is quoted (``ARGS="..."``: an unquoted value cannot take a blank)."""

    name = "field"
    gap_re = re.compile(r"^(?:[ \t\n]|\\\r?\n)*$")

    def __init__(self, quoted: bool, variable: str, overridable: bool = False, removal: Edit | None = None) -> None:
        self.holds_insertions = quoted
        self.variable = variable
        self.overridable = overridable  #: the value is a default the environment may replace
        #: a value that is one argument (Kubernetes' ``$(NAME)``) goes by removing the reference
        self.removal = removal

    def delete_word(self, text: str, word: Word) -> Edit | None:
        return self.removal

    def quote(self, value: str, like: Word | None) -> str:
        if _SHELL_SAFE.match(value):
            return value
        raise ValueError(f"{value!r} cannot be written inside the value of {self.variable}")

    def maps_exactly(self, word: Word, i: int, j: int) -> bool:
        return j <= i or word.offsets[j - 1] - word.offsets[i] == j - 1 - i

    def requote(self, word: Word, new_value: str) -> Edit:
        raise ValueError(f"{new_value!r} cannot be written inside the value of {self.variable}")


def json_array_words(logical: str, offsets: list[int], escapes: dict[int, int] | None = None) -> list[Word] | None:
    """The strings of a JSON array with the document span of each; None when it is not JSON.
    ``escapes`` gets the length of the escape of each escaped character, by document offset."""
    try:
        values = json.loads(logical)
    except ValueError:
        return None
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        return None
    words: list[Word] = []
    i, n = 0, len(logical)
    for _ in values:
        i = logical.find('"', i)
        j = i + 1
        k = logical.find('"', j)
        if logical.find("\\", j, k) < 0:  # the common string: no escape, its characters as written
            offs = offsets[j:k] if isinstance(offsets, range) else array("q", offsets[j:k])
            words.append(Word(offsets[i], offsets[k] + 1, logical[j:k], offs, False, '"', offsets[k]))
            i = k + 1
            continue
        w = Word(offsets[i], 0, quote='"')
        while j < n and logical[j] != '"':
            if logical[j] == "\\":
                esc = logical[j:j + 2]
                width = 6 if esc[1:] == "u" else 2
                w.value += json.loads('"' + logical[j:j + width] + '"')
                w.offsets.append(offsets[j])
                if escapes is not None:
                    escapes[offsets[j]] = offsets[j + width - 1] + 1 - offsets[j]
                j += width
                continue
            w.value += logical[j]
            w.offsets.append(offsets[j])
            j += 1
        w.end = offsets[j] + 1
        w.inner_end = offsets[j]
        w.dynamic = False  # exec form: no shell, no expansion
        words.append(w)
        i = j + 1
    return words
