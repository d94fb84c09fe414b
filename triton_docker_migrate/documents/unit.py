"""systemd units (``*.service``) and supervisord programs -> Document.

The file is read as its program reads it (``syntax/inifile.py``): systemd joins ``\\`` continuations
(the backslash reads as a space) and skips ``#``/``;`` comment lines; supervisord reads with Python's
configparser (``;`` and ``#`` comments, also after white space mid-line, and indented continuation
lines). Every value keeps the document offset of each character.

Command values - systemd's ``ExecStart=``, ``ExecStartPre=``, ``ExecStartPost=``, ``ExecReload=``,
``ExecStop=``, ``ExecStopPost=``, ``ExecCondition=`` (after the prefixes ``-@:+!``) and
supervisord's ``command=`` - are read as words by the shell lexer (``syntax/shellwords.py``) and
handed to the shell document's walk (shell.py), so ``sh -c`` scripts, ``docker run`` and the server
binary are found as in a script. Neither program is a shell: systemd quotes whole words only
(``"..."``/``'...'``, C escapes inside) and passes ``|``, ``>``, ``;`` and ``#`` on as arguments;
supervisord splits with ``shlex`` and expands ``%(name)s``. Where the two readings could differ (an
operator or ``#`` outside quotes, a backslash, a quote inside a word, a ``%`` other than
``%(name)s``) the command is read for its findings but never edited (``report_only``).

``Environment=`` (systemd) and ``environment=`` (supervisord) define variables: their names are
environment definitions, their values text regions. A reference to a V1 variable inside a command
is expanded from the unit's own environment (systemd and the process it starts): it is reported,
never renamed alone.
"""

from __future__ import annotations

import re
from typing import Sequence

from ..model import Edit, ProcessingError, Span
from ..syntax.inifile import Entry, IniFile, configparser_entries, systemd_entries
from ..syntax.quoting import ShellSyntax, Syntax
from ..syntax.shellwords import ShellSyntaxError, Word, lex
from . import held as H
from .dockerrun import sub_word
from .shell import ShellDoc
from .sites import CommandLine, Region

EXEC_KEYS = frozenset({"ExecStart", "ExecStartPre", "ExecStartPost", "ExecReload", "ExecStop", "ExecStopPost",
                       "ExecCondition"})
#: supervisord sections that start a process with ``command=``
_PROGRAM_SECTION = re.compile(r"^(?:program|fcgi-program|eventlistener):")
#: settings that name accounts of the host the unit runs on (systemd runs outside any image)
_HOST_ACCOUNTS = frozenset({"User", "Group", "SupplementaryGroups", "DynamicUser"})
_SYSTEMD_PREFIX = re.compile(r"^(?:[-@:+]|!!?)*")
_SHELL_SAFE = re.compile(r"^[\w@+=:,./-]+$")
_SYSTEMD_PLAIN = re.compile(r'^[^\s"\'\\$%;]+$')
_SUPERVISOR_PLAIN = re.compile(r'^[^\s"\'\\%;#]+$')
_FORMAT = re.compile(r"%\((\w+)\)s")
#: supervisord ``environment=KEY=value,KEY2="value 2"``
_SUPERVISOR_ENV = re.compile(r"[ \t\n]*(?P<name>[^\s=,]+)[ \t\n]*=[ \t\n]*"
                             r"(?P<value>\"[^\"]*\"|'[^']*'|[^,]*?)[ \t\n]*(?:,|$)")
#: a systemd variable written as a word of its own (``$NAME``), which systemd splits at blanks
_WORD_VAR = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_V1_VAR = re.compile(r"\$\{?(?:NVIDIA_)?TENSORRT_SERVER_(?:VERSION|USER|CPU_ONLY)\b\}?")


class UnitSyntax(ShellSyntax):
    """Words of a systemd command line: whole-word quotes with C escapes, ``$`` and ``%`` expanded
    by systemd, ``\\`` continuations."""

    name = "systemd"
    gap_re = re.compile(r"^(?:[ \t]|\\[ \t]*\r?\n)*$")

    def quote(self, value: str, like: Word | None) -> str:
        if _SYSTEMD_PLAIN.match(value):
            return value
        esc = value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "$$").replace("%", "%%")
        return f'"{esc}"'

    def safe_in_place(self, word: Word, fragment: str, new_value: str) -> bool:
        # systemd expands ``$NAME`` only as a word of its own: text written beside it would keep it
        # from expanding (``x=$NAME`` reaches the program as written)
        return fragment == "" or (bool(_SYSTEMD_PLAIN.match(fragment)) and not _WORD_VAR.fullmatch(word.value))

    def requote(self, word: Word, new_value: str) -> Edit:
        m = _WORD_VAR.fullmatch(word.value)
        if m is not None:
            # ``$NAME`` inside a longer word is written ``${NAME}``, which systemd expands anywhere
            before, _, after = new_value.partition(word.value)
            if all(_SYSTEMD_PLAIN.match(x) for x in (before, after) if x):
                return Edit(word.span, before + "${" + m.group(1) + "}" + after)
        return super().requote(word, new_value)

    def nested(self, outer: str) -> "NestedSyntax":
        return NestedSyntax(outer, "systemd")


class SupervisorSyntax(ShellSyntax):
    """Words of a supervisord ``command=``: ``shlex`` quoting, ``%`` formats, inline ``;``/``#``
    comments after white space, values continued on indented lines."""

    name = "supervisord"
    gap_re = re.compile(r"^(?:[ \t]|\r?\n)*$")

    def quote(self, value: str, like: Word | None) -> str:
        if _SUPERVISOR_PLAIN.match(value):
            return value
        if re.search(r"\s[;#]", value):
            raise ProcessingError(f"cannot write {value!r} in a supervisord command (a ';' or '#' after white "
                                  f"space starts a comment): edit it by hand")
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%") + '"'

    def safe_in_place(self, word: Word, fragment: str, new_value: str) -> bool:
        return fragment == "" or bool(_SUPERVISOR_PLAIN.match(fragment))

    def nested(self, outer: str) -> "NestedSyntax":
        return NestedSyntax(outer, "supervisord")

    def delete_word(self, text: str, word: Word) -> Edit | None:
        """A word alone on a continuation line goes with its line; a comment after it stays, on a
        line of its own (configparser skips it inside the value)."""
        line_start = text.rfind("\n", 0, word.start) + 1
        if line_start == 0 or text[line_start:word.start].strip(" \t") or not text[line_start:word.start]:
            return None
        nl = text.find("\n", word.end)
        line_end = len(text) if nl < 0 else nl
        rest = text[word.end:line_end]
        if not rest.strip():
            # the line break before the line goes with it: what is added after the word (at its
            # line's end) then stands next to the deletion, not inside it
            end = line_end - 1 if line_end > word.end and text[line_end - 1] == "\r" else line_end
            cut = line_start - (2 if text[line_start - 2:line_start] == "\r\n" else 1)
            return Edit.delete(cut, end)
        comment = re.match(r"[ \t]+(?=[;#])", rest)
        if comment:
            return Edit.delete(word.start, word.end + comment.end())
        return None

    def insert_words(self, text: str, anchor: Word, values: list[str], like: Word | None) -> Edit | None:
        """After a word that stands on a continuation line of its own: new lines, indented alike."""
        line_start = text.rfind("\n", 0, anchor.start) + 1
        indent = text[line_start:anchor.start]
        if line_start == 0 or not indent or indent.strip(" \t"):
            return None
        nl = text.find("\n", anchor.end)
        end = len(text) if nl < 0 else nl
        newline = "\n"
        if end > anchor.end and text[end - 1] == "\r":
            end -= 1
            newline = "\r\n"
        return Edit.insert(end, "".join(newline + indent + self.quote(v, like) for v in values))


class NestedSyntax(ShellSyntax):
    """Shell words inside a ``sh -c`` script that is itself one word of a systemd or supervisord
    command: what is written must read the same through both layers, so a shell quote uses the
    quote character that the outer word does not, and nothing either layer expands or escapes
    (``\\``, ``$``, ``%``) is written."""

    def __init__(self, outer: str, flavour: str) -> None:
        self.outer = outer
        self.name = f"{flavour}-shell"
        self.gap_re = re.compile(r"^(?:[ \t]|\\[ \t]*\r?\n)*$") if flavour == "systemd" else SupervisorSyntax.gap_re

    def quote(self, value: str, like: Word | None) -> str:
        if _SHELL_SAFE.match(value):
            return value
        q = {"'": '"', '"': "'"}.get(self.outer)
        if q is None or any(c in value for c in "'\"\\$`%") or re.search(r"\s[;#]", value):
            raise ProcessingError(f"cannot write {value!r} inside this {self.name.split('-')[0]} 'sh -c' command: "
                                  f"edit it by hand")
        return q + value + q

    def safe_in_place(self, word: Word, fragment: str, new_value: str) -> bool:
        return fragment == "" or bool(_SHELL_SAFE.match(fragment))


class UnitDoc(ShellDoc):
    kind = "unit"
    label = "ExecStart"

    # --- parsing ----------------------------------------------------------------------------
    def _parse(self) -> None:
        # a unit read from standard input without a name: its sections say which program reads it
        unnamed_unit = self.path == "-" and re.search(r"(?m)^\[Service\]", self.text) is not None
        path = self.path.replace("\\", "/").lower()
        drop_in = path.endswith(".conf") and path.rpartition("/")[0].endswith(".service.d")
        self.flavour = "systemd" if path.endswith(".service") or drop_in or unnamed_unit else "supervisord"
        self.ini: IniFile = (systemd_entries(self.text) if self.flavour == "systemd"
                             else configparser_entries(self.text, (";", "#")))
        if self.ini.errors:
            raise ProcessingError("supervisord cannot read this line (configparser: not a section, an option or "
                                  "a continuation)", self.position(self.ini.errors[0])[0])
        self.excluded.extend(self.ini.comments)
        self._regions: list[Region] = []
        self._inexact: list[Span] = []  #: command values whose reading is not certain: reported only
        self._references: list[Span] = []  #: V1 variables the unit's own environment sets
        self._env: list[tuple[str, Span]] = []
        self._commands: dict[int, int] = {}  #: id(entry) -> commands read in it (for same_structure)
        self.command_entries: list[Entry] = []
        for e in self.ini.entries:
            key = e.key if self.flavour == "systemd" else e.key.lower()
            if self.flavour == "systemd" and e.section == "Service" and key in EXEC_KEYS:
                self._exec(e, key)
            elif self.flavour == "supervisord" and key == "command" and _PROGRAM_SECTION.match(e.section):
                self._exec(e, "command")
            elif key == "Environment" and self.flavour == "systemd" and e.section == "Service":
                self._systemd_env(e)
            elif key == "environment" and self.flavour == "supervisord":
                self._supervisor_env(e)
            elif self.flavour == "systemd" and key in _HOST_ACCOUNTS:
                continue  # accounts of the host, not of an image: not the V1 image's user
            elif e.value:
                self._regions.append(Region(e.value, offsets=e.offsets, label=e.key))

    def _exec(self, e: Entry, key: str) -> None:
        self.command_entries.append(e)
        value, offsets = e.value, e.offsets
        argv0 = False
        if self.flavour == "systemd":
            prefix = _SYSTEMD_PREFIX.match(value).end()  # type: ignore[union-attr]
            argv0 = "@" in value[:prefix]
            value, offsets = value[prefix:], offsets[prefix:]
            syntax: Syntax = UnitSyntax()
            exact = True
        else:
            value, exact = _supervisor_text(value)
            syntax = SupervisorSyntax()
        if not value.strip():
            self._commands[id(e)] = 0
            return
        self._regions.append(Region(value, offsets=offsets, shell=True, label=key))
        try:
            lexed = lex(value, offsets)
        except ShellSyntaxError as ex:
            line, _ = self.position(ex.offset)
            raise ProcessingError(f"cannot read the {key}= command: {ex}", line) from None
        words = [t.word for t in lexed.tokens if t.kind == "word" and t.word is not None]
        exact = exact and len(words) == len(lexed.tokens) and not lexed.comments and \
            all(self._exact_word(w) for w in words)
        if not exact:
            self._inexact.append(Span(offsets[0], offsets[-1] + 1))
        self._references.extend(Span(offsets[m.start()], offsets[m.end() - 1] + 1) for m in _V1_VAR.finditer(value))
        if argv0 and len(words) >= 2:
            words = [words[0]] + words[2:]  # ``@``: the second word is argv[0], not an argument
        self._commands[id(e)] = 1 if words else 0
        if words:
            self.top_commands += 1
            self._command(words, syntax, key, None, 0)

    def _exact_word(self, w: Word) -> bool:
        """The word reads the same through the shell lexer and through systemd/supervisord."""
        raw = self.text[w.start:w.end]
        if "\\" in raw:
            return False
        if "'" not in raw and '"' not in raw:
            return True
        if self.flavour == "systemd":
            # systemd quotes whole words only
            return len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"" and raw[0] not in raw[1:-1]
        return True  # shlex reads quotes inside words as the shell does

    def _systemd_env(self, e: Entry) -> None:
        try:
            lexed = lex(e.value, e.offsets)
        except ShellSyntaxError:
            self._regions.append(Region(e.value, offsets=e.offsets, label=e.key))
            return
        # read as systemd reads it only when the shell lexer agrees (no operator, comment, backslash or
        # quote inside a word: systemd has none of the shell's operators)
        exact = not lexed.comments and all(t.word is not None and self._exact_word(t.word) for t in lexed.tokens)
        for t in lexed.tokens:
            w = t.word
            if w is None:
                continue
            name, eq, _ = w.value.partition("=")
            if not eq or not name or not w.offsets:
                continue
            self._env.append((name, Span(w.offsets[0], w.offsets[len(name) - 1] + 1)))
            if exact and w.offsets[-1] - w.offsets[0] == len(w.value) - 1:
                # written in one run: a ``$NAME`` of an ExecStart line can take its words (see _held)
                self.variables.setdefault(name, []).append(sub_word(w, len(name) + 1))
            if len(w.value) > len(name) + 1:
                self._regions.append(Region(w.value[len(name) + 1:], offsets=w.offsets[len(name) + 1:],
                                            label="Environment"))

    def _held(self, w: Word) -> list[H.Held] | None:
        """systemd splits an unbraced ``$NAME`` word at whitespace (``${NAME}`` stays one word, and
        supervisord expands no ``$``): the value of the unit's one ``Environment=NAME=...``, which an
        ``EnvironmentFile=`` may replace (then only its default is migrated)."""
        if self.flavour != "systemd" or w.value.startswith("${"):
            return None
        if any(e.key == "EnvironmentFile" for e in self.ini.entries):
            self.overridable.update(self.variables)
        return super()._held(w)

    def _supervisor_env(self, e: Entry) -> None:
        pos = 0
        v = e.value
        while pos < len(v):
            m = _SUPERVISOR_ENV.match(v, pos)
            if not m or m.end() == pos:
                self._regions.append(Region(v[pos:], offsets=e.offsets[pos:], label=e.key))
                return
            self._env.append((m.group("name"), e.span(m.start("name"), m.end("name"))))
            a, b = m.start("value"), m.end("value")
            if b - a >= 2 and v[a] in "'\"" and v[b - 1] == v[a]:
                a, b = a + 1, b - 1
            if b > a:
                self._regions.append(Region(v[a:b], offsets=e.offsets[a:b], label="environment"))
            pos = m.end()

    def _sub_script(self, value: str, offsets: Sequence[int], syntax: Syntax, label: str, docker, depth: int) -> None:
        """A ``sh -c`` script (or ``$(...)``) inside a command word: its words are written through
        the command's own quoting too."""
        if isinstance(syntax, (UnitSyntax, SupervisorSyntax)) and offsets:
            before = self.text[offsets[0] - 1] if offsets[0] > 0 else ""
            syntax = syntax.nested(before if before in "'\"" else "")
        super()._sub_script(value, offsets, syntax, label, docker, depth)

    def _has_strong_evidence(self) -> bool:
        from .. import evidence
        from .shell import _NAMED_BINARY

        text = "\n".join(r.text for r in self._regions)
        return evidence.strong(_NAMED_BINARY.sub("-", text).encode("utf-8", "replace")) or \
            any(n in ("TENSORRT_SERVER_VERSION", "NVIDIA_TENSORRT_SERVER_VERSION", "TENSORRT_SERVER_USER",
                      "TENSORRT_SERVER_CPU_ONLY") for n, _ in self._env)

    # --- sites ------------------------------------------------------------------------------
    def regions(self) -> list[Region]:
        for r in self._regions:
            r.triton = self.triton
        return self._regions

    def report_only(self) -> list[tuple[int, int, str]]:
        out = [(s.start, s.end, f" ({self.flavour} reads this command differently from a shell: not changed, "
                                f"edit it by hand)") for s in self._inexact]
        out += [(s.start, s.end, f" ({self.flavour} expands it from the unit's own environment: rename it "
                                 f"there and here together)") for s in self._references]
        return out

    def command_lines(self) -> list[CommandLine]:
        lines = super().command_lines()
        for cl in lines:
            first = cl.binary or next((w for s in cl.segments for w in s.words), None)
            if first is not None and any(s.start <= first.start < s.end for s in self._inexact):
                cl.report_only = True
        return lines

    def env_definitions(self) -> list[tuple[str, Span]]:
        return list(self._env)

    def construct_start(self, offset: int) -> int | None:
        """The first line of the setting that holds ``offset`` (suppressions go above it)."""
        for e in self.ini.entries:
            if e.start <= offset <= e.end:
                return e.start
        return None

    def same_structure(self, new: "UnitDoc") -> str | None:
        old_keys = [(e.section, e.key) for e in self.ini.entries]
        new_keys = [(e.section, e.key) for e in new.ini.entries]
        if [s for s, _ in self.ini.sections] != [s for s, _ in new.ini.sections]:
            return "the sections changed"
        if old_keys != new_keys:
            return "the settings changed"
        old = [self._commands.get(id(e)) for e in self.command_entries]
        got = [new._commands.get(id(e)) for e in new.command_entries]
        if old != got:
            return "the commands changed"
        return None


def _supervisor_text(value: str) -> tuple[str, bool]:
    """The command as the shell lexer should read it (same length): line breaks of a continued value
    are blanks, ``%(name)s`` reads as the expansion ``${name}s``. False when a ``%`` stands
    elsewhere (supervisord would expand or refuse it)."""
    text = value.replace("\n", " ")
    exact = True
    if "%" in text:
        text = _FORMAT.sub(lambda m: "${" + m.group(1) + "}s", text)
        exact = "%" not in text
    return text, exact

