"""Shell scripts -> Document.

The script is read with the offset-keeping lexer (shellwords.py), and every simple command is
found, including those inside ``sh -c '...'`` / ``bash -c "..."`` strings, ``eval``, ``$(...)``,
here-documents fed to a shell, variables that hold a whole command (``CMD="trtserver ..."``), and
the command a ``docker run IMAGE ...`` gives its container. Server command lines are the commands
whose word is the server binary, the ``--entrypoint`` of a container, or options that follow a
Triton image. Comments are never part of a region, so they are neither rewritten nor reported.

MakefileDoc (makefile.py) reuses this machinery for recipe lines.
"""

from __future__ import annotations

import bisect
import os
import re
from dataclasses import dataclass
from typing import Sequence

from .. import evidence, facts
from ..model import Edit, ProcessingError, Span
from ..syntax.lines import logical_line
from ..syntax.quoting import SHELL, ShellSyntax, Syntax
from ..syntax.shellwords import ShellSyntaxError, Token, Word, lex
from . import commands as C
from . import held as H
from .base import Document, used_only_as_image_tag
from ..charts import is_values_member
from .helmvalues import flat_values, list_values
from ..syntax.shellparts import (command_substitutions, crlf_as_lf, heredoc_owners, join_words, shell_c_script,
                                 strip_delimiter)
from .dockerrun import (DOCKER_BINS, DOCKER_VAR, DockerBuild, DockerRun, docker_exec, kubectl_exec, ssh_command, parse_docker_build,
                        parse_docker_run,
                        parse_kubectl_run, port_forward, publish_ports, sub_word)
from .sites import (BuildArgument, BuildSite, ChartValue, CommandLine, CommandSite, DockerRunSite, Mount, PortEntry, PortList, PortSites, Region, Segment,
                    Topology, files_mounted, files_run, merge_deletes)

_SHELLS = {"sh", "bash", "dash", "ash", "ksh", "zsh"}
_DECLARE = {"export", "local", "readonly", "declare", "typeset"}
_ASSIGN = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(\+?)=")
#: a variable set to where a program is found (``$(command -v trtserver)``, ``$(which trtserver)``)
_LOOKUP = re.compile(r"\$\((?:command[ \t]+-v|which|type[ \t]+-P)[ \t]+([\w./-]+)\)")
_VAR_REF = re.compile(r"^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$")
_EXPAND = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-=]([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")
#: programs whose command string in a variable is worth reading as a command
_RUNNERS = {"trtserver", "tritonserver", "docker", "nvidia-docker", "podman", "perf_client", "perf_analyzer",
            "pip", "pip3", "python", "python3", "curl", "wget", "nvidia_entrypoint.sh"} | _SHELLS
_FEEDS_SHELL = _SHELLS | {"ssh"}
_BARE_BINARY = re.compile(r"(?<![\w/-])trtserver(?![.\-_A-Za-z0-9])")
#: ``trtserver`` where it is no command word: alone (``echo trtserver``, ``--name trtserver``) or a path's
#: component (``go build ./cmd/trtserver``, ``mkdir -p /var/log/trtserver``); the server's command lines are
#: read as such (``command_lines``), so what is left of the name gives no Triton context (CONTRACT.md, "V1 evidence")
_NAMED_BINARY = re.compile(r"(?<![\w-])trtserver(?![.\-_A-Za-z0-9])")
_MAX_DEPTH = 6
_INFO_FLAGS = {"--help", "-h", "--version"}
_ARRAY_ASSIGN = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(\+?)=$")
_RELEASE = re.compile(r"\d{2}\.\d{2}(?:\.\d+)?(?:-v1)?(?:-py3(?:-clientsdk)?)?")
#: the programs that run a script named by their first argument, and the scripts they run
_SCRIPT_RUNNERS = frozenset({"sh", "bash", "dash", "ash", "zsh", "python", "python3"})
_SCRIPT_SUFFIXES = (".sh", ".bash", ".py")
_HOST_NETWORK = re.compile(r"--net(?:work)?(?:=|[ \t]+)[\"']?host\b")
#: ``${NAME:-default}`` / ``${NAME:=default}`` as a whole value
def _reference(name: str) -> str:
    """A pattern for a reference to variable ``name`` (a pattern itself): ``$NAME``, ``${NAME}``, make's
    ``$(NAME)`` (not ``${NAME:-default}``)."""
    return r"\$(?:\{" + name + r"\}|\(" + name + r"\)|" + name + r"(?![\w]))"


#: helm install/upgrade options that take a value
_HELM_VALUE_OPTIONS = {"--set", "--set-string", "--set-file", "--set-json", "-f", "--values", "-n", "--namespace",
                       "--version", "--repo", "--kube-context", "--kubeconfig", "--timeout", "--description",
                       "--post-renderer", "--username", "--password", "--ca-file", "--cert-file", "--key-file",
                       "--history-max", "-o", "--output", "--name-template", "--labels", "-l"}
_SELF_DEFAULT = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*):?[-=](.*)\}", re.S)
#: the folder of the script, where a sourced file's path starts from: ``$(dirname $0)/``, ``${BASH_SOURCE%/*}/``
_HERE = re.compile(r'^(?:\$\(dirname "?\$(?:0|\{0\}|\{?BASH_SOURCE(?:\[0\])?\}?)"?\)|\$\{BASH_SOURCE(?:\[0\])?%/\*\}|\$\{0%/\*\})/')
_ARRAY_REF = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\[[@*]\]\}$")


class _ArraySyntax(ShellSyntax):
    """Elements of ``NAME=( ... )``, which may stand one per line: deleting such an element
    deletes its line, and leaves a comment that followed it where it was."""

    name = "shell-array"

    def delete_word(self, text: str, word: Word) -> Edit | None:
        line_start = text.rfind("\n", 0, word.start) + 1
        nl = text.find("\n", word.end)
        line_end = len(text) if nl < 0 else nl
        rest = text[word.end:line_end].rstrip("\r")
        if not text[line_start:word.start].strip():
            if not rest.strip():
                return Edit.delete(line_start, line_end + 1 if nl >= 0 else line_end)
            if rest.lstrip().startswith("#"):
                return Edit.delete(word.start, word.end + len(rest) - len(rest.lstrip()))
        return None


_ARRAY_SYNTAX = _ArraySyntax()
#: the elements of ``NAME+=(...)``: an append may stand in a branch (``case``, ``if``) that a run does
#: not take, so new options never go there (they go after the expansion in the line)
_APPEND_SYNTAX = _ArraySyntax()
_APPEND_SYNTAX.holds_insertions = False
_APPEND_SYNTAX.conditional = True


# --- docker run ------------------------------------------------------------------------------

@dataclass(slots=True)
class Site:
    """A simple command and where it runs."""

    words: list[Word]
    syntax: Syntax
    label: str
    docker: DockerRun | None = None  #: set when these words are the command of a container
    entry: Word | None = None  #: words[0] is the container's --entrypoint
    index: int | None = None  #: ``command_index(words)`` (found once: every reader and rule asks)


def basename(w: Word) -> str:
    return C.basename(w.value)


command_index = C.command_index


_is_server = C.is_server_word


def _set_values(words: list[Word], dynamic: bool = False) -> list[tuple[str, str, Word, int]]:
    """The ``--set``/``--set-string`` values of a helm command (``a=x,b=y`` each): (key, value, the word,
    where the value starts in it); those of a word with an expansion only when ``dynamic``."""
    pairs: list[tuple[str, str, Word, int]] = []
    for k, w in enumerate(words):
        opt, eq, _rest = w.value.partition("=")
        if opt in ("--set", "--set-string"):
            got, base = (w, len(opt) + 1) if eq else (words[k + 1], 0) if k + 1 < len(words) else (None, 0)
            if got is None or got.dynamic and not dynamic:
                continue
            pos = base
            for item in got.value[base:].split(","):
                key, has, value = item.partition("=")
                if has:
                    pairs.append((key, value, got, pos + len(key) + 1))
                pos += len(item) + 1
    return pairs


def _helm_chart(words: list[Word], ci: int) -> tuple[str, bool] | None:
    """The chart of ``helm install|upgrade|template [NAME] CHART ...`` as written, and whether ``--repo`` names
    a chart repository; None for another helm command."""
    if ci + 1 >= len(words) or words[ci + 1].value not in ("install", "upgrade", "template"):
        return None
    positional, k, repo = [], ci + 2, False
    while k < len(words):
        v = words[k].value
        if v.startswith("-"):
            repo = repo or v.partition("=")[0] == "--repo"
            # options that take a value (those helm users write before the chart)
            k += 2 if "=" not in v and v in _HELM_VALUE_OPTIONS else 1
            continue
        positional.append(v)
        k += 1
    name_first = words[ci + 1].value != "install" or "--generate-name" not in [w.value for w in words]
    return (positional[1] if name_first and len(positional) > 1 else positional[0] if positional else ""), repo


def _uses(names: set[str]) -> re.Pattern:
    """A use of one of the variables ``names`` (``$X``, ``${X}``, ``${X:-d}``, make's ``$(X)``)."""
    return re.compile(r"\$[{(]?(?:" + "|".join(map(re.escape, sorted(names))) + r")(?![\w])")


#: commands that test a file or print their arguments: an expansion in them names a program without running it
_TESTS = frozenset({"test", "[", "[["})
_SAYS = frozenset({"echo", "printf"})
#: what a command string holds and prose does not
_NOT_PROSE = re.compile(r"[;&|(){}`$=<>]")


def _only_mentions(w: Word, site, k: int, p: int) -> bool:
    """Whether the expansion at document offset ``p`` in ``w``, word ``k`` of ``site`` (after its command word),
    names a program without running it: an operand of a test, or text after words of prose (no command string:
    no operator, no other expansion, not starting with a program that runs what follows)."""
    cmd = C.basename(site.words[site.index].value)
    if cmd in _TESTS:
        return True
    try:
        i = list(w.offsets).index(p)
    except ValueError:
        return False
    before = w.value[:i]
    if cmd in _SAYS:
        before = " ".join(x.value for x in site.words[site.index + 1:k] if not x.value.startswith("-")) \
            + " " + before
    words = before.split()
    return bool(words) and not _NOT_PROSE.search(before) and C.basename(words[0]) not in C.RUNS_NEXT


class ShellDoc(Document):
    kind = "shell"
    label = "shell"

    def __init__(self, path: str, text: str) -> None:
        super().__init__(path, text)
        self.sites: list[Site] = []
        self.runs: list[DockerRun] = []
        self.builds: list[DockerBuild] = []  #: ``docker build`` commands that give build arguments or tags
        self.excluded: list[Span] = []  #: comments (and report-only here-document bodies)
        self.heredoc_reports: list[Region] = []
        self.variables: dict[str, list[Word]] = {}  #: NAME -> the value words assigned to it
        self.arrays: dict[str, list[tuple[str, list[Word]]]] = {}  #: NAME -> ("" or "+", elements)
        self._array_words: set[int] = set()
        self.overridable: set[str] = set()  #: variables the caller may set instead (make's ``?=``)
        self.top_commands = 0
        self._parse()
        self._lines: list[CommandLine] | None = None
        self._names_v1: bool | None = None  #: ``_v1_context``: the file names a V1 image or install folder
        self._held_values: list[tuple[int, int, str]] | None = None
        self._helm_sets: list[tuple[int, int, list]] | None = None  #: see _helm_set_tag
        # a here-document that writes the server's command (a unit, a program, a script) makes the file
        # the server's too: the health checks it writes beside it are Triton's
        self.triton = self._has_strong_evidence() or bool(self.command_lines()) or \
            any(C.runs_server(r.text) for r in self.heredoc_reports)

    # --- parsing ----------------------------------------------------------------------------
    def _parse(self) -> None:
        start = 1 if self.text.startswith("\ufeff") else 0
        lexed = self._lex(crlf_as_lf(self.text[start:]), None, start, strict=True)
        assert lexed is not None
        self._walk(lexed.tokens, SHELL, self.label, None, 0, top=True)
        self._heredocs(lexed.tokens, lexed.heredocs, 0)
        self.excluded.extend(lexed.comments)

    def _lex(self, text: str, offsets: Sequence[int] | None, base: int, strict: bool = False):
        try:
            return lex(text, offsets, base)
        except ShellSyntaxError as e:
            if not strict:
                return None
            line, _ = self.position(e.offset)
            raise ProcessingError(f"cannot read the shell script: {e}", line) from None

    def _walk(self, tokens: list[Token], syntax: Syntax, label: str, docker: DockerRun | None,
              depth: int, top: bool = False) -> None:
        self._arrays(tokens)
        for words in C.split(tokens):
            if top and id(words[0]) not in self._array_words:
                self.top_commands += 1
            self._command(words, syntax, label, docker, depth)

    def _arrays(self, tokens: list[Token]) -> None:
        """``NAME=(a b c)`` and ``NAME+=(d)``: the element words, in order."""
        for k, tok in enumerate(tokens[:-1]):
            nxt = tokens[k + 1]
            if tok.word is None or nxt.kind != "op" or nxt.text != "(" or nxt.start != tok.end:
                continue
            m = _ARRAY_ASSIGN.match(tok.word.value)
            if not m:
                continue
            elements: list[Word] = []
            for t in tokens[k + 2:]:
                if t.kind == "op" and t.text == ")":
                    self.arrays.setdefault(m.group(1), []).append((m.group(2), elements))
                    break
                if t.kind == "word" and t.word is not None:
                    elements.append(t.word)
                    self._array_words.add(id(t.word))
                elif t.kind != "newline":
                    break

    def _segments(self, words: list[Word], syntax: Syntax, label: str) -> list[Segment]:
        """``words`` as segments, with ``"${ARGS[@]}"`` replaced by the elements of the array the
        script assigned once (and appended to), and ``$ARGS`` by the words of the one value the
        script gave it, so that their options are migrated where they are written."""
        head = words[0] if words else None  # the command word stays itself (``$SERVER``)
        return H.splice(words, syntax, label, lambda w: None if w is head else self._held(w))

    def _held(self, w: Word) -> list[H.Held] | None:
        m = _ARRAY_REF.match(w.value)
        if m:
            parts = self.arrays.get(m.group(1), [])
            if not parts or parts[0][0] != "" or any(op == "" for op, _ in parts[1:]) or \
                    any(x.start > w.start for _, elements in parts for x in elements):
                return None
            return [(elements, _APPEND_SYNTAX if op else _ARRAY_SYNTAX, f"array {m.group(1)}") for op, elements in parts]
        m = H.VAR_REF.match(w.value)
        if not m or w.quote:
            return None
        name = m.group(1) or m.group(2)
        values = self.variables.get(name, [])
        if not values or name in self.arrays or any(v.start > w.start for v in values):
            return None
        # ``ARGS="$ARGS --log-verbose=1"`` after the first value (in a branch, often): what it adds
        appends = [self._self_append(name, v) for v in values[1:]]
        if any(a is None for a in appends) or \
                H.uses(self.text, name, values[0].span) != 1 + sum(H.uses(v.value, name) for v in values[1:]):
            return None
        value = self._default_of(name, values[0]) or values[0]
        first = value.offsets[0] if value.offsets else value.start
        got = H.field_words(value, name, quoted=self.text[first - 1:first] in ("'", '"'),
                            overridable=value is not values[0] or name in self.overridable)
        if got is None:
            return None
        out = [got]
        for a in appends:
            more = H.field_words(a, name, quoted=True)
            if more is None:
                return None
            words, syntax, label = more
            syntax.holds_insertions = False  # it may stand in a branch a run does not take
            out.append((words, syntax, label))
        return out

    def _self_append(self, name: str, value: Word) -> Word | None:
        """The words ``NAME="$NAME --more"`` adds (None for any other value)."""
        m = re.match(r"\$(?:\{" + re.escape(name) + r"\}|" + re.escape(name) + r"(?![A-Za-z0-9_]))[ \t]+", value.value)
        first = value.offsets[0] if value.offsets else value.start
        if m is None or self.text[first - 1:first] != '"':
            return None
        return sub_word(value, m.end())

    def _sub_script(self, value: str, offsets: Sequence[int], syntax: Syntax, label: str,
                    docker: DockerRun | None, depth: int) -> None:
        if not value.strip():
            return
        if depth >= _MAX_DEPTH:
            if _BARE_BINARY.search(value) or "tensorrtserver" in value:
                # V1 content this deep would be left as it is without a word: refuse loudly
                raise ProcessingError(f"commands nested more than {_MAX_DEPTH} levels deep ($(...), sh -c, "
                                      f"docker run) hold V1 content: not processed", self.position(offsets[0])[0])
            return
        lexed = self._lex(value, offsets, 0)
        if lexed is None:
            return
        self.excluded.extend(lexed.comments)
        self._walk(lexed.tokens, syntax, label, docker, depth + 1)

    def _command(self, words: list[Word], syntax: Syntax, label: str, docker: DockerRun | None,
                 depth: int, entry: Word | None = None, substitutions: bool = True) -> None:
        site = Site(words, syntax, label, docker, entry)
        self.sites.append(site)
        if substitutions:
            for w in words:
                for value, offs, backquoted in command_substitutions(w):
                    if backquoted and "\\`" in value:
                        self._nested_backquotes(value, offs)
                    self._sub_script(value, offs, syntax, "command substitution", None, depth)
        ci = site.index = command_index(words)
        if isinstance(words, C.CasePattern):
            return  # compared with, never run
        lead = words if ci is None else words[:ci]
        if ci is not None and basename(words[ci]) in _DECLARE:
            lead = words[ci + 1:]
        for w in lead:
            m = _ASSIGN.match(w.value)
            if m:
                self._assignment(m.group(1), sub_word(w, m.end()), syntax, depth)
        if ci is None:
            return
        cmd = words[ci]
        base = basename(cmd)
        if cmd.dynamic and not self.is_docker(cmd):
            return
        if base in _SHELLS:
            script = shell_c_script(words, ci)
            if script is not None:
                self._sub_script(script.value, script.offsets, syntax, f"{base} -c", docker, depth)
        elif base == "eval":
            value, offs = join_words(words[ci + 1:])
            self._sub_script(value, offs, syntax, "eval", docker, depth)
        elif base == "trap" and ci + 2 < len(words) and not words[ci + 1].value.startswith("-"):
            # ``trap 'pkill trtserver' EXIT``: the action is a script the shell runs later
            action = words[ci + 1]
            self._sub_script(action.value, action.offsets, syntax, "trap", None, depth)
        elif base == "ssh":
            k = ssh_command(words, ci)
            if k is not None:
                value, offs = join_words(words[k:])
                self._sub_script(value, offs, syntax, "ssh", None, depth)
        elif self.is_docker(cmd) or base == "kubectl":
            dr = parse_docker_run(words, ci, resolve=self.resolve) if base != "kubectl" else parse_kubectl_run(words, ci)
            if dr is None:
                build = parse_docker_build(words, ci) if base != "kubectl" else None
                if build is not None and (build.args or build.tags):
                    self.builds.append(build)
                # ``docker exec NAME trtserver ...``, ``kubectl exec POD -- trtserver ...``: a command run in a
                # running container, read as the script's own (a server started there is a server line)
                ex = (kubectl_exec(words) if base == "kubectl" else docker_exec(words, any_name=True)) if depth < _MAX_DEPTH else None
                k = next((j for j, w in enumerate(words) if w.start == ex.start), None) if ex is not None else None
                if k is not None and _is_server(words[k]):
                    self._command(words[k:], syntax, "exec", None, depth + 1, substitutions=False)
                return
            self._container(dr, syntax, depth)
        else:
            # other runtimes (singularity exec IMAGE, apptainer, enroot ...): a Triton image
            # followed by the server binary
            for k in range(ci + 1, len(words) - 1):
                w = words[k]
                if _is_server(words[k + 1]) and ("/" in w.value or ":" in w.value or w.dynamic):
                    info = facts.classify(self.resolve(w.value).removeprefix("docker://"))
                    if info.triton:
                        dr = DockerRun(words[ci:], image=w, info=info, after=words[k + 1:])
                        self._container(dr, syntax, depth)
                        break

    def _nested_backquotes(self, value: str, offsets: Sequence[int]) -> None:
        """Backquotes inside backquotes (``\\```): the inner command is another level of quoting,
        which these rules do not rewrite; V1 content there is refused loudly, never left silently."""
        inner = re.sub(r"\\([\\`$])", r"\1", value)
        if _BARE_BINARY.search(inner) or "tensorrtserver" in inner:
            raise ProcessingError("the V1 server runs inside nested backquotes: migrate that command by hand "
                                  "(file not processed)", self.position(offsets[0])[0])

    def _container(self, dr: DockerRun, syntax: Syntax, depth: int) -> None:
        """Record a container run and read its command (entrypoint + the words after the image)."""
        if dr.image is not None:
            dr.info = facts.classify(self.resolve(dr.image.value).removeprefix("docker://"))
        self.runs.append(dr)
        inner = ([dr.entry] if dr.entry is not None else []) + dr.after
        if inner and depth < _MAX_DEPTH:
            self._command(inner, syntax, "container", dr, depth + 1, entry=dr.entry, substitutions=False)

    def _assignment(self, name: str, value: Word, syntax: Syntax, depth: int) -> None:
        self.variables.setdefault(name, []).append(value)
        if value.value.startswith("("):  # an array: ( a b c )
            return
        value = self._default_of(name, value) or value
        lexed = self._lex(value.value, value.offsets, 0) if value.value.strip() else None
        if lexed is None:
            return
        cmds = C.split(lexed.tokens)
        if not cmds:
            return
        ci = command_index(cmds[0])
        if ci is None or cmds[0][ci].dynamic or basename(cmds[0][ci]) not in _RUNNERS:
            return
        if len(cmds[0]) - ci < 2:
            return  # NAME=trtserver: a name, or a binary run as $NAME (see commands())
        if depth >= _MAX_DEPTH:  # the same bound as every other nesting (no recursion on input depth)
            self._sub_script(value.value, value.offsets, syntax, f"variable {name}", None, depth)
            return
        self.excluded.extend(lexed.comments)
        self._walk(lexed.tokens, syntax, f"variable {name}", None, depth + 1)

    def _default_of(self, name: str | None, value: Word) -> Word | None:
        """``NAME=${NAME:-"trtserver ..."}``: the default, as the word it is (the value unless the
        environment sets one). ``name`` None: the default of any variable (``${TRITON_BIN:-trtserver}``)."""
        m = _SELF_DEFAULT.fullmatch(value.value) if value.dynamic else None
        if m is None or name is not None and m.group(1) != name or not m.group(2):
            return None
        i, j = m.span(2)
        lexed = self._lex(value.value[i:j], value.offsets[i:j], 0)
        if lexed is None or len(lexed.tokens) != 1 or lexed.tokens[0].word is None:
            return None
        return lexed.tokens[0].word

    def _heredocs(self, tokens: list[Token], bodies: list[Span], depth: int) -> None:
        owners = heredoc_owners(tokens)
        for (words, delim), span in zip(owners, bodies):
            body_end = strip_delimiter(self.text, span, delim)
            if body_end <= span.start:
                continue
            ci = command_index(words)
            fed = ci is not None and (basename(words[ci]) in _FEEDS_SHELL and shell_c_script(words, ci) is None
                                      or any(basename(w) in _SHELLS for w in words[ci + 1:]
                                             if basename(words[ci]) in DOCKER_BINS | {"kubectl"}))
            body = self.text[span.start:body_end]
            if fed:
                lexed = self._lex(crlf_as_lf(body), None, span.start)
                if lexed is not None:
                    self.excluded.extend(lexed.comments)
                    self._walk(lexed.tokens, SHELL, "here-document", None, depth + 1)
                    continue
            self.excluded.append(Span(span.start, body_end))
            self.heredoc_reports.append(Region(body, base=span.start, label="here-document"))

    # --- variables ----------------------------------------------------------------------------
    def resolve(self, value: str) -> str:
        """``value`` with ``$X``/``${X}``/``${X:-d}`` replaced by the file's own assignments
        (the first one; a self-reference ``X=${X:-d}`` gives its default)."""

        def sub(m: re.Match) -> str:
            name = m.group(1) or m.group(3)
            for w in self.variables.get(name, []):
                own = _EXPAND.fullmatch(w.value)
                if own and (own.group(1) or own.group(3)) == name:
                    if own.group(2) is not None:
                        return own.group(2)
                    continue
                return w.value
            return m.group(2) or ""

        for _ in range(5):
            if "$" not in value:
                break
            value = _EXPAND.sub(sub, value)
        return value

    def _image_spans(self, dr: DockerRun | None) -> tuple[Span, ...]:
        """Where a container's image is written: its word, and the values of the variables in it (not
        of a registry's: ``${REGISTRY}/tensorrtserver:20.02-py3``)."""
        if dr is None or dr.image is None:
            return ()
        spans = [dr.image.span]
        for m in _EXPAND.finditer(dr.image.value):
            if dr.image.value.startswith("/", m.end()):
                continue
            spans += [w.span for w in self.variables.get(m.group(1) or m.group(3), [])]
        return tuple(spans)

    #: how a held image's message names the unit ``same_object`` finds
    same_object_name = "a use of the same image variable"

    def same_object(self, a: int, b: int) -> bool:
        """The text at ``b`` runs on the image assigned at ``a``: ``a`` is in the value of a variable, and the
        unit of ``b`` (``_unit_at``: its line; a Makefile's ``define`` body or rule) uses that variable or one
        whose value uses it (``RUN := docker run $(IMAGE)``)."""
        names = {n for n, ws in self.variables.items() for w in ws if w.start <= a < max(w.end, w.start + 1)}
        if not names:
            return False
        grown = True
        while grown:  # the variables whose values use one of them: a use of those uses the image too
            use = _uses(names)
            more = {n for n, ws in self.variables.items() if n not in names
                    and any(use.search(self.text, w.start, w.end) for w in ws)}
            names |= more
            grown = bool(more)
        i, j = self._unit_at(b)
        return _uses(names).search(self.text, i, j) is not None

    def _unit_at(self, off: int) -> tuple[int, int]:
        """The text that runs as one with the text at ``off``: its line, with the lines it continues."""
        return logical_line(self.text, off)

    def held_images(self) -> list[Span]:
        out = [sp for dr in self.runs for sp in self._image_spans(dr)[1:]]
        for b in self.builds:  # ``docker build -t "$IMAGE"``
            out += [w.span for t in b.tags for m in _EXPAND.finditer(t.value)
                    for w in self.variables.get(m.group(1) or m.group(3), [])]
        return out

    def tag_variable(self, name: str) -> tuple[str, Span] | tuple[str, Span, str] | None:
        """The value of ``name`` and its span, when the script assigns it once, a release number,
        and uses it only in image tags (``TAG=20.02`` ... ``tensorrtserver:${TAG}-py3``); for a value that
        is a default of the environment's (``TAG=${TAG:-20.02}``), the default, and where else to set it."""
        values = self.variables.get(name, [])
        if len(values) != 1:
            return None
        value, elsewhere = values[0], None
        if value.dynamic:
            value = self._default_of(name, value)
            elsewhere = f"the environment sets {name} when it has it: set it there too"
        if value is None or value.dynamic or not _RELEASE.fullmatch(value.value):
            return None
        texts = [r.text for r in self.regions()]
        if elsewhere:  # the assignment's own ``${TAG:-...}`` is not a use
            texts = ["\n".join(texts).replace(values[0].value, "", 1)]
        if not used_only_as_image_tag(texts, r"\$\{?" + re.escape(name) + r"(?![\w])",
                                      r"\$\{?" + re.escape(name) + r"\}?"):
            return None
        return (value.value, value.span) if elsewhere is None else (value.value, value.span, elsewhere)

    def tag_beside(self, at: int) -> tuple[str, str, str, Span, str, str | None] | None:
        """For the one value of a variable written at ``at`` that holds a V1 repository, used only as
        ``$IMAGE:$TAG`` (``${IMAGE}:${TAG}``, make's ``$(IMAGE):$(TAG)``) with ``TAG`` assigned once a
        release and used only there: (IMAGE, TAG, TAG's value, its span, how they are written, what else may
        set them). Both values then change together."""
        helm = self._helm_set_tag(at)
        if helm is not None:
            return helm
        if self._held_values is None:  # the variables set once to a value written as it reads, by where
            self._held_values = sorted((vals[0].start, vals[0].end, n) for n, vals in self.variables.items()
                                       if len(vals) == 1 and not vals[0].dynamic)
        k = bisect.bisect_right(self._held_values, (at, float("inf"), "")) - 1
        if k < 0 or not at < self._held_values[k][1]:
            return None
        name = self._held_values[k][2]
        texts = [r.text for r in self.regions()]
        image = _reference(re.escape(name))
        pair = re.compile(image + ":" + _reference(r"(\w+)") + r"(?![\w.-])")
        tags = {next(g for g in m.groups() if g) for t in texts for m in pair.finditer(t)}
        if len(tags) != 1 or sum(len(re.findall(image, t)) for t in texts) != sum(
                len(pair.findall(t)) for t in texts):
            return None
        (tag,) = tags
        values = self.variables.get(tag, [])
        if len(values) != 1:
            return None
        value, elsewhere = values[0], None
        if value.dynamic:  # ``TAG=${TAG:-20.02-py3}``: the default, unless the environment sets it
            value = self._default_of(tag, value)
            elsewhere = f"the environment sets {tag} when it has it: set it there too"
        if value is None or value.dynamic or not _RELEASE.fullmatch(value.value):
            return None
        if sum(len(re.findall(_reference(re.escape(tag)), t)) for t in texts) != sum(
                len(pair.findall(t)) for t in texts):
            return None  # the tag's variable is used elsewhere too: changing it changes more than the image
        over = [n for n in (name, tag) if n in self.overridable]
        if over:
            them = "them" if len(over) > 1 else "it"
            elsewhere = f"the caller may set {' and '.join(over)} (make {over[0]}=...): set {them} there too"
        return name, tag, value.value, value.span, f"variables {name} and {tag}", elsewhere

    def charts_elsewhere(self) -> list[tuple[Span, str]]:
        """``helm install|upgrade|template [NAME] CHART ...`` of a chart that is not a local path (``repo/chart``,
        ``oci://...``, ``--repo URL``): its templates are never in the run."""
        out = []
        for words, ci in self._helm_commands():
            got = _helm_chart(words, ci)
            if got is None:
                continue
            chart, repo = got
            if repo or chart and not chart.startswith(("./", "../", "/", "$")) and not os.path.isdir(chart):
                out.append((Span(words[ci].start, words[-1].end), f"the chart {chart}" if chart else "the release's chart"))
        return out

    def chart_values(self) -> list[ChartValue]:
        """``helm install|upgrade|template [NAME] ./chart --set KEY=VALUE`` (``--set-string``) of a chart of the
        tree (read from the script's folder, those above it, or where the tool runs)."""
        out = []
        for words, ci in self._helm_commands():
            got = _helm_chart(words, ci)
            if got is None or got[1] or not got[0] or "$" in got[0]:
                continue
            found = self.file_from_where_run(os.path.join(got[0], "Chart.yaml"))
            if found is None:
                continue
            pairs = _set_values(words, dynamic=True)
            given = {key: value for key, value, _w, _i in pairs}
            for key, value, w, i in pairs:
                repo = given.get(key[: -len("tag")] + "repository") if key.endswith("tag") else None
                if w.dynamic:  # ``--set image.tag=$TAG`` with ``TAG=20.02-py3`` set once: judged by it (which
                    h = self._held_value(value)  # may serve others: not changed)
                    if h is not None:
                        out.append(ChartValue(key, h.value, h.inner if h.offsets else h.span, os.path.dirname(found),
                                              False, repo))
                elif value and w.offsets:
                    out.append(ChartValue(key, value, w.sub(i, i + len(value)), os.path.dirname(found), True, repo))
            out += self._values_files(words, os.path.dirname(found), given)
        return out

    def _values_files(self, words: list[Word], chart: str, given: dict[str, str]) -> list[ChartValue]:
        """The values of ``-f FILE`` / ``--values FILE`` of a helm command, a file outside the chart (its own are
        the chart's): each value at the file's name in the command, not editable here (a ``--set`` of the same
        key wins over them)."""
        out = []
        for k, w in enumerate(words):
            opt, eq, _rest = w.value.partition("=")
            if opt not in ("-f", "--values"):
                continue
            got, base = (w, len(opt) + 1) if eq else (words[k + 1], 0) if k + 1 < len(words) else (None, 0)
            if got is None or got.dynamic or not got.offsets:
                continue
            pos = base
            for name in got.value[base:].split(","):
                path = self.file_from_where_run(name) if name and "://" not in name else None
                span = got.sub(pos, pos + len(name))
                pos += len(name) + 1
                if path is None or is_values_member(path, chart):
                    continue
                values = flat_values(path)
                for key, value in values.items():
                    if key not in given:
                        repo = values.get(key[: -len("tag")] + "repository") if key.endswith("tag") else None
                        out.append(ChartValue(key, value, span, chart, False, repo, os.path.relpath(path)))
                out += list_values(path, span, chart, set(given))
        return out

    def _helm_commands(self) -> list[tuple[list[Word], int]]:
        """The words of each ``helm`` command, and where its ``helm`` word is among them."""
        return [(s.words, s.index) for s in self.sites if s.index is not None and basename(s.words[s.index]) == "helm"]

    def _helm_set_tag(self, at: int) -> tuple[str, str, str, Span, str, None] | None:
        """``helm install ... --set image.repository=<V1 repository> --set image.tag=20.02-py3`` (or both in
        one ``--set a=x,b=y``): the release's tag for the repository written at ``at``."""
        if self._helm_sets is None:  # each helm command's --set values, read once (this runs per image)
            self._helm_sets = [(words[ci].start, words[-1].end, _set_values(words)) for words, ci in self._helm_commands()]
        for start, end, pairs in self._helm_sets:
            if not start <= at <= end:
                continue
            held = [(key, w, i) for key, _v, w, i in pairs if key.endswith("repository") and w.offsets
                    and w.sub(i, i + 1).start <= at < w.end]
            if len(held) != 1:
                return None
            key = held[0][0]
            tag_key = key[: -len("repository")] + "tag"
            tags = [(value, w, i) for k2, value, w, i in pairs if k2 == tag_key]
            if len(tags) != 1 or not _RELEASE.fullmatch(tags[0][0]):
                return None
            value, w, i = tags[0]
            return key, tag_key, value, w.sub(i, i + len(value)), f"helm values {key} and {tag_key}", None
        return None

    def is_docker(self, w: Word) -> bool:
        if not w.dynamic:
            return basename(w) in DOCKER_BINS
        m = _VAR_REF.match(w.value)
        if m:
            name = m.group(1) or m.group(2)
            values = self.variables.get(name, [])
            if values:
                return C.basename(self.resolve(w.value).strip()) in DOCKER_BINS
            return bool(DOCKER_VAR.match(name))
        return False

    def _server_variable(self, w: Word) -> Word | None:
        """``$SERVER`` whose value is the server binary (``BIN=${TRITON_BIN:-trtserver}``: its default,
        what runs unless the environment names another binary): the value word."""
        m = _VAR_REF.match(w.value)
        if not m:
            return None
        name = m.group(1) or m.group(2)
        for v in self.variables.get(name, []):
            v = self._default_of(None, v) or v  # ``BIN=${BIN:-trtserver}``, ``BIN=${TRITON_BIN:-trtserver}``
            if _is_server(v):
                return v
            looked = _LOOKUP.fullmatch(v.value)
            if looked is not None and C.basename(looked.group(1)) in C.SERVER_NAMES:
                # ``SERVER=$(command -v trtserver)``: the program found on the PATH, as the lookup names it
                return next((x for site in self.sites for x in site.words
                             if v.start <= x.start < v.end and x.value == looked.group(1)), None)
        return None

    def sourced(self) -> list[tuple[str, Word]]:
        """The files the script reads with ``source FILE`` / ``. FILE`` that exist: (normalised path, the word
        that names it); a relative path is read from the script's folder (``$(dirname $0)/x``,
        ``${BASH_SOURCE%/*}/x`` too)."""
        here = os.path.dirname(os.path.abspath(self.path)) if self.path else os.getcwd()
        out: list[tuple[str, Word]] = []
        for s in self.sites:
            ci = s.index
            if ci is None or ci + 1 >= len(s.words) or s.words[ci].value not in ("source", "."):
                continue
            w = s.words[ci + 1]
            value = _HERE.sub("", w.value, count=1)
            if not value or "$" in value or "`" in value:
                continue
            path = os.path.normpath(os.path.join(here, value))
            if os.path.isfile(path):
                out.append((path, w))
        return out

    def unrun_servers(self) -> list[tuple[str, Word]]:
        """Variables assigned the server binary (``SERVER=/opt/tensorrtserver/bin/trtserver``) that nothing
        in the file expands: what runs them (a file it sources, a program it exports them to) is no command
        line of this file, and gets none of the command-line changes. (name, the value word); a bare name
        (``SERVER=trtserver``) only in a script that sources a file or exports the variable."""
        out: list[tuple[str, Word]] = []
        sources = None
        for name, values in self.variables.items():
            if len(values) != 1:
                continue
            v = self._default_of(None, values[0]) or values[0]
            if not _is_server(v) or self._expands_to_run(name, values[0].span):
                continue
            if "/" not in v.value:
                if sources is None:
                    sources = bool(self.sourced())
                if not sources and not re.search(r"(?m)^[ \t]*export[ \t]+(?:\w+[ \t]+)*" + name + r"(?![\w=])",
                                                  self.text):
                    continue
            out.append((name, v))
        return out

    def _expands_to_run(self, name: str, outside: Span) -> bool:
        """Whether the script expands ``$name`` (outside ``outside``) anywhere but in a mention that does not
        run it: an operand of ``test``/``[``/``[[`` (``[ -x "$SERVER" ]``), or text after words of prose in an
        argument (``echo "Failed to start $SERVER"``, ``log "using $SERVER"``; with ``echo``/``printf`` the
        arguments before it count as that text). An expansion no command word holds (an assignment, a
        here-document) runs it as far as this reader knows."""
        found = re.finditer(r"\$(?:\{|\()?" + re.escape(name) + r"(?![A-Za-z0-9_])", self.text)
        at = [m.start() for m in found if not outside.start <= m.start() < outside.end]
        if not at:
            return False
        holders = [(w, s, k) for s in self.sites if s.index is not None
                   for k, w in enumerate(s.words) if k > s.index and w.dynamic and w.offsets]
        for p in at:
            held = [(w, s, k) for w, s, k in holders if w.start <= p < w.end]
            if not held or not all(_only_mentions(w, s, k, p) for w, s, k in held):
                return True
        return False

    def run_in_sourced(self, name: str) -> tuple[str, int] | None:
        """Where a file this script sources runs ``$name`` as a command it does not assign itself: (its path,
        the line)."""
        for path, _w in self.sourced():
            try:
                with open(path, encoding="utf-8") as f:
                    text = f.read(1 << 20)
                other = ShellDoc(path, text)
            except (OSError, UnicodeDecodeError, ProcessingError):
                continue
            if name in other.variables:
                continue
            for s in other.sites:
                ci = s.index
                if ci is None:
                    continue
                m = _VAR_REF.match(s.words[ci].value)
                if m and (m.group(1) or m.group(2)) == name:
                    return path, other.position(s.words[ci].start)[0]
        return None

    def _has_strong_evidence(self) -> bool:
        """Strong evidence outside comments; ``trtserver`` counts only as a command word (a
        command line), not in ``echo "trtserver"`` or ``--name trtserver``."""
        text = "\n".join(r.text for r in self._plain_regions())
        return evidence.strong(_NAMED_BINARY.sub("-", text).encode("utf-8", "replace"))

    # --- sites ------------------------------------------------------------------------------
    def _plain_regions(self) -> list[Region]:
        start = 1 if self.text.startswith("\ufeff") else 0
        out: list[Region] = []
        pos = start
        for sp in sorted(self.excluded, key=lambda s: (s.start, s.end)):
            if sp.start > pos:
                out.append(Region(self._region_text(self.text[pos:sp.start]), base=pos, shell=True,
                                  label=self.label))
            pos = max(pos, sp.end)
        if pos < len(self.text):
            out.append(Region(self._region_text(self.text[pos:]), base=pos, shell=True, label=self.label))
        return out

    def _region_text(self, text: str) -> str:
        # the image rule reads references that start a word: `docker://IMAGE` (singularity,
        # skopeo) is blanked to its image, same length, so that the spans stay right
        return text.replace("docker://", "         ") if "docker://" in text else text

    def regions(self) -> list[Region]:
        out = self._plain_regions()
        for r in out:
            r.triton = self.triton
        return out + self._heredoc_regions()

    def _heredoc_regions(self) -> list[Region]:
        """Here-document bodies that are data, not fed to a shell: read, never rewritten."""
        for r in self.heredoc_reports:
            r.triton = self.triton
            r.report_only = True
        return self.heredoc_reports

    def report_only(self) -> list[tuple[int, int, str]]:
        out = [(r.base, r.base + len(r.text), " (inside a here-document: not changed, check what it writes)")
               for r in self.heredoc_reports]
        for s in self.sites:  # a container whose ``trtserver`` is a program of its own: the whole docker run is held
            dr = s.docker
            if dr is None and s.words and not self._v1_context(s):
                # the script's own line, and nothing in the file shows a V1 server installed: the same hold
                why = C.own_program(s.words, None)
                if why:
                    out.append((s.words[0].start, s.words[-1].end, f" ({why})"))
                continue
            why = C.own_program(s.words, self.resolve(dr.image.value)) if dr is not None and dr.image is not None \
                and s.words else ""
            if why:
                out.append((dr.words[0].start, s.words[-1].end, f" ({why})"))
        return sorted(out)

    def _v1_context(self, site: Site) -> bool:
        """A V1 server may run ``site`` (its ``trtserver`` may well be NVIDIA's): the file names a V1 image (a
        container it runs, or a reference anywhere in it) or V1's install folder."""
        names = self._names_v1
        if names is None:
            names = self._names_v1 = facts.V1_INSTALL_DIR in self.text \
                or any(dr.info is not None and dr.info.v1 for dr in self.runs) \
                or any(facts.classify(self.resolve(m.group(0))).v1 for m in facts.IMAGE_RE.finditer(self.text))
        return names

    def build_arguments(self) -> list[BuildArgument]:
        """``docker build --build-arg NAME=VALUE [-f FILE] CONTEXT``: its context (and ``-f``, which docker reads
        from where it runs) are taken from the script's folder or the nearest folder above it that holds
        them (a script run from the repository's root), or else from where the tool runs."""
        out = []
        for b in self.builds:
            dockerfile = self.dockerfile_of(b)
            if dockerfile is None:
                continue
            for name, value in b.args:
                if not value.value:
                    continue
                held = self._held_value(value.value) if value.dynamic else None
                if held is not None:  # ``--build-arg V=$VERSION`` with ``VERSION=20.02`` set once: judged by it,
                    out.append(BuildArgument(name, held.value, held.inner if held.offsets else held.span,
                                             os.path.normpath(dockerfile), False))  # (which may serve others)
                    continue
                out.append(BuildArgument(name, value.value, value.inner if value.offsets else value.span,
                                         os.path.normpath(dockerfile), not value.dynamic))
        return out

    def held(self, value: str) -> str | None:
        if "$" not in value:
            return None
        out, k = [], 0
        for m in _EXPAND.finditer(value):
            if m.group(2) is not None:  # ``${X:-d}``: what the environment may set decides
                return None
            w = self._held_value(m.group(0)) if (m.group(1) or m.group(3)) not in self.overridable else None
            if w is None or "$" in w.value or "`" in w.value:
                return None
            out += [value[k:m.start()], w.value]
            k = m.end()
        rest = value[k:]
        return None if "$" in rest or "`" in rest else "".join(out) + rest

    def variable_values(self, name: str) -> list[Span] | None:
        return [w.span for w in self.variables.get(name, [])] + \
            [w.span for _, words in self.arrays.get(name, []) for w in words]

    def _held_value(self, text: str) -> Word | None:
        """The value ``text``, one ``$NAME``, expands to, when the script sets NAME once to a plain value."""
        m = _VAR_REF.fullmatch(text)
        values = self.variables.get(m.group(1) or m.group(2), []) if m else []
        return values[0] if len(values) == 1 and not values[0].dynamic and values[0].value else None

    def dockerfile_of(self, b: DockerBuild) -> str | None:
        """The Dockerfile a ``docker build`` reads (normalised), as ``build_arguments`` finds it; None when its
        context or ``-f`` is known only at run time, or names no file."""
        if b.context is None or b.context.dynamic or b.file is not None and b.file.dynamic:
            return None
        return self.file_from_where_run(b.file.value if b.file is not None else
                                        os.path.join(b.context.value, "Dockerfile"))

    def file_from_where_run(self, relative: str) -> str | None:
        """The file a relative path of the script names (normalised): read from the script's folder, those
        above it (a few levels: a script run from the repository's root), or where the tool runs; None
        when none holds it."""
        here = os.path.dirname(os.path.abspath(self.path)) if self.path else os.getcwd()
        bases = [here]
        for _ in range(4):
            up = os.path.dirname(bases[-1])
            if up == bases[-1]:
                break
            bases.append(up)
        for base in dict.fromkeys(bases + [os.getcwd()]):
            path = os.path.join(base, relative)
            if os.path.isfile(path):
                return os.path.normpath(path)
        return None

    def commands(self) -> list[CommandSite]:
        out: list[CommandSite] = []
        for s in self.sites:
            words = s.words
            image = self.resolve(s.docker.image.value) if s.docker is not None and s.docker.image is not None else None
            out.append(CommandSite(words, Segment(words, s.syntax, s.label), self.triton, self.text, image))
            ci = s.index
            for w in words[ci:ci + 1] if ci is not None else ():  # ``exec "$BIN" ...``
                v = self._server_variable(w) if w.dynamic else None
                if v is not None:
                    out.append(CommandSite([v], Segment([v], s.syntax, s.label), True, self.text))
        return out

    def command_lines(self) -> list[CommandLine]:
        if self._lines is not None:
            return self._lines
        out: list[CommandLine] = []
        seen: set[int] = set()
        for s in self.sites:
            cl = self._command_line(s)
            if cl is None or cl.binary is not None and id(cl.binary) in seen:
                continue
            if cl.binary is not None:
                seen.add(id(cl.binary))
            out.append(cl)
        self._lines = out
        return out

    def _command_line(self, s: Site) -> CommandLine | None:
        words = s.words
        dr = s.docker
        image_v1 = bool(dr and dr.info.v1)
        if s.entry is not None and dr is not None:
            if not _is_server(s.entry):
                return None
            args = [dr.image] + dr.after if dr.image is not None else dr.after
            segs = [Segment([s.entry], s.syntax, "--entrypoint"), Segment(args, s.syntax, s.label)]
            cl = CommandLine(self.text, segs, s.entry, C.is_v1_binary(s.entry.value) or image_v1, s.label)
            cl.extra["image"] = dr.image
            cl.extra["docker"] = dr
            cl.images = self._image_spans(dr)
            return cl
        ci = s.index
        if ci is not None and _is_server(words[ci]):
            w = words[ci]
            if words[ci + 1:] and all(x.value in _INFO_FLAGS for x in words[ci + 1:]):
                return None  # `trtserver --help`: prints, serves nothing
            cl = CommandLine(self.text, self._segments(words[ci:], s.syntax, s.label), w,
                             C.is_v1_binary(w.value) or image_v1, s.label)
            cl.extra["docker"] = dr
            # ``xargs -a FILE trtserver``: xargs adds the arguments it reads after the words written
            cl.extra["runtime_words"] = [x for x in words[:ci] if basename(x) == "xargs"][:1]
            cl.images = self._image_spans(dr)
            return cl
        if ci is not None and words[ci].dynamic:
            v = self._server_variable(words[ci])
            if v is not None:
                cl = CommandLine(self.text, self._segments(words[ci:], s.syntax, s.label), words[ci],
                                 C.is_v1_binary(v.value) or image_v1, s.label)
                cl.extra["docker"] = dr
                cl.images = self._image_spans(dr)
                return cl
        segs = self._after_image(s)
        if dr is not None and dr.info.triton and segs is not None:
            cl = CommandLine(self.text, segs, None, dr.info.v1, s.label)
            cl.extra["docker"] = dr
            cl.images = self._image_spans(dr)
            return cl
        cl = self._built_line(s)
        return cl if cl is not None and cl.built.why is None else None  # type: ignore[attr-defined]

    def _built_line(self, s: Site) -> CommandLine | None:
        """Options alone after the image of a ``docker run`` that the run builds from a V1 server's Dockerfile
        whose ENTRYPOINT is the server (``commands.built_server``): the server line they are."""
        dr = s.docker
        segs = self._after_image(s)
        if dr is None or dr.image is None or dr.info.triton or s.entry is not None or segs is None:
            return None
        built = C.built_server(self.resolve(dr.image.value).removeprefix("docker://"), segs[0].words)
        if built is None:
            return None
        cl = CommandLine(self.text, segs, None, True, s.label, built=built)
        cl.extra["docker"] = dr
        cl.images = self._image_spans(dr)
        return cl

    def _after_image(self, s: Site) -> list[Segment] | None:
        """The words after the image of a ``docker run`` when they are options alone (the image's ENTRYPOINT
        gets them), as segments: a variable the script gives one value and expands only there
        (``$(IMAGE) $(SERVER_FLAGS)``, ``"$IMAGE" $SERVER_ARGS``) stands for the words of that value, which
        are migrated where it is written."""
        dr, words = s.docker, s.words
        if dr is None or not words or words[0] is not (dr.after[0] if dr.after else None):
            return None
        return self._options_alone(words, s.syntax, s.label)

    def _options_alone(self, words: list[Word], syntax: Syntax, label: str) -> list[Segment] | None:
        segs = H.splice(words, syntax, label, self._held) if words[0].dynamic else [Segment(words, syntax, label)]
        return segs if segs[0].words and segs[0].words[0].value.startswith("--") else None

    def maybe_server_lines(self) -> list[CommandLine]:
        return [cl for cl in map(self._built_line, self.sites) if cl is not None and cl.built.why]  # type: ignore[attr-defined]

    # --- ports ---------------------------------------------------------------------------------
    def port_sites(self) -> list[PortSites]:
        """The ``-p`` mappings of each ``docker run`` of a server (judged against every removed
        health port of the script)."""
        out = []
        seen: set[int] = set()
        for cl in self.command_lines():
            dr = cl.extra.get("docker")
            if dr is None or id(dr) in seen:
                continue
            seen.add(id(dr))
            out.append(PortSites(None, [self._published(dr, cl.segments[-1].syntax)]))
        return out

    def _published(self, dr: DockerRun, syntax: Syntax) -> PortList:
        """The ``-p``/``--publish`` mappings of ``dr``, each removable with its value."""
        seg = Segment(dr.words, syntax, "docker run")
        dcl = CommandLine(self.text, [seg], None, True)
        entries = []
        for opt, vw, name, value in dr.options:
            if name in ("-p", "--publish") and value is not None and "$" in value:
                value = self.held(value) or value  # ``-p ${HEALTH_PORT}:${HEALTH_PORT}``, the port set once
            hp = publish_ports(value) if name in ("-p", "--publish") and value is not None else None
            if hp is None:
                continue

            def remover(opt=opt, vw=vw) -> list[Edit]:
                edits = [dcl.delete(opt, seg)] + ([dcl.delete(vw, seg)] if vw is not None else [])
                return merge_deletes(edits)

            entries.append(PortEntry(hp[1], Span(opt.start, (vw or opt).end), remover, host=hp[0]))
        return PortList("docker", "docker run", entries)

    def _call(self, words: list[Word]) -> tuple[str, list[str | None], int] | None:
        """A script of the run that ``words`` run with arguments (``sh ci/wait.sh URL``, ``./ci/wait.sh URL``,
        ``python3 ci/wait.py URL``): (its absolute path, its arguments - None for a word known only at run
        time -, line); None for any other command."""
        k = 0
        if words and basename(words[0]) in _SCRIPT_RUNNERS:
            k = 1
            while k < len(words) and words[k].value.startswith("-") and not words[k].dynamic:
                k += 1
        if k >= len(words) or k + 1 >= len(words) or words[k].dynamic:
            return None
        relative = words[k].value
        if relative.startswith("/") or not (k or "/" in relative) or not relative.endswith(_SCRIPT_SUFFIXES):
            return None
        path = self.file_from_where_run(relative)
        if path is None:
            return None
        args = [None if w.dynamic else w.value for w in words[k + 1:]]
        return os.path.abspath(path), args, self.position(words[0].start)[0]

    def _network(self, dr: DockerRun) -> str:
        """``host`` when ``dr`` runs on the machine's network: ``--network host``/``--net=host``, or an expansion
        among its options that the file sets to such an option (``NET="--network host"``)."""
        for _o, _vw, name, value in dr.options:
            if name in ("--network", "--net") and value:
                return "host" if self.resolve(value).strip("\"'") == "host" else value
        end = dr.image.start if dr.image is not None else dr.words[-1].end
        for w in dr.words[1:]:
            if w.start >= end:
                break
            if w.is_whole_expansion and _HOST_NETWORK.search(self.resolve(w.value)):
                return "host"
        return ""

    def topology(self) -> Topology:
        """Each ``docker run`` with an image: its published ports and the server line it runs, if any."""
        out = Topology()
        lines_of: dict[int, list[CommandLine]] = {}  # each docker run's lines, and each word's syntax: one pass
        for cl in self.command_lines():
            if cl.extra.get("docker") is not None:
                lines_of.setdefault(id(cl.extra["docker"]), []).append(cl)
        # (the syntax of the first word of each docker run: not a dictionary of every word of the file)
        wanted = {id(dr.words[0]) for dr in self.runs if dr.image is not None and dr.words}
        syntax_of: dict[int, object] = {}
        for site in self.sites if wanted else ():
            for w in site.words:
                if id(w) in wanted:
                    syntax_of.setdefault(id(w), site.syntax)
        for dr in self.runs:
            if dr.image is None or not dr.words:
                continue
            out.docker_runs.append(DockerRunSite(self.resolve(dr.image.value),
                                                 self._published(dr, syntax_of.get(id(dr.words[0]), SHELL)),
                                                 lines_of.get(id(dr), []),
                                                 bool(dr.after) or dr.entry is not None,
                                                 dr.entry is None and bool(dr.after) and self._options_alone(dr.after, SHELL, ""),
                                                 next((v for _o, vw, name, v in dr.options if name == "--name" and v
                                                       and "$" not in v), "")))
            site = out.docker_runs[-1]
            site.network = self._network(dr)
            site.commands = [(v, "run by its --health-cmd") for _o, _vw, name, v in dr.options
                             if name == "--health-cmd" and v]
            if dr.entry is not None:
                site.commands.append((dr.entry.value, "run as its entrypoint"))
            if dr.after:
                site.commands.append((" ".join(w.value for w in dr.after), "run as its command"))
            binds = self._binds(dr)
            site.inside = files_mounted(binds, files_run(binds, [(text, f"bind-mounted into its container by docker run "
                                                                  f"and {what}") for text, what in site.commands]),
                                        "bind-mounted into its container by docker run")
        for site in self.sites:
            fwd = port_forward([w.value for w in site.words if not w.dynamic or "$" not in w.value])
            if fwd is not None:
                out.forwards.append(fwd)
            ex = kubectl_exec(site.words) or docker_exec(site.words) if "exec" in (w.value for w in site.words) else None
            if ex is not None:
                out.execs.append(ex)
        for site in self.sites:
            call = self._call(site.words)
            if call is not None:
                out.calls.append(call)
        for b in self.builds:  # ``docker build -t NAME``: the image a Dockerfile of the run builds
            tags = [self.resolve(t.value) for t in b.tags]
            dockerfile = self.dockerfile_of(b) if tags else None
            if dockerfile is not None:
                out.builds.append(BuildSite(os.path.abspath(dockerfile), [], tags,
                                            self.position((b.context or b.tags[0]).start)[0]))
        return out

    # --- mounts and GPUs ------------------------------------------------------------------------
    def mounts(self, line: CommandLine) -> list[Mount] | None:
        """A server in ``docker run``: its ``-v``/``--mount`` bind mounts (``$(pwd)``/``$PWD`` taken to be
        this script's folder); a server run by the script itself sees the host (relative paths: from
        this script's folder)."""
        import os

        here = os.path.dirname(os.path.abspath(self.path)) if self.path else "."
        dr = line.extra.get("docker")
        if dr is None:
            return [Mount("", "", here)]
        return self._binds(dr)

    def _binds(self, dr) -> list[Mount]:
        """The ``-v``/``--mount`` bind mounts of a ``docker run`` (``$(pwd)``/``$PWD``: this script's folder)."""
        import os

        here = os.path.dirname(os.path.abspath(self.path)) if self.path else "."
        out: list[Mount] = []
        for _opt, _vw, name, value in dr.options:
            if value is None:
                continue
            value = re.sub(r"^(?:\$\(pwd\)|\$\{PWD\}|\$PWD|`pwd`)(?=/|:|$)", ".", value)
            if name in ("-v", "--volume"):
                parts = value.split(":")
                if len(parts) >= 2 and parts[0].startswith((".", "/")):
                    out.append(Mount(parts[0], parts[1], here))
            elif name == "--mount":
                kv = dict(p.partition("=")[::2] for p in value.split(","))
                src, dst = kv.get("source") or kv.get("src"), kv.get("target") or kv.get("destination") or kv.get("dst")
                if kv.get("type") == "bind" and src and dst:
                    out.append(Mount(src, dst, here))
        return [m for m in out if "$" not in m.source]

    def gpu_requests(self) -> list[tuple[str, Span]]:
        """``--gpus`` and ``--runtime=nvidia`` of the ``docker run`` of a Triton image, ``nvidia-docker run``."""
        out: list[tuple[str, Span]] = []
        for dr in self.runs:
            if not dr.info.triton:
                continue
            if dr.words and basename(dr.words[0]) == "nvidia-docker":
                out.append(("nvidia-docker", dr.words[0].span))
            for opt, vw, name, value in dr.options:
                if name == "--gpus" or (name == "--runtime" and value == "nvidia"):
                    out.append((f"{name} {value}" if value else name, Span(opt.start, (vw or opt).end)))
        return out

    def same_structure(self, new: "ShellDoc") -> str | None:
        if new.top_commands != self.top_commands:
            return f"the commands changed ({self.top_commands} before, {new.top_commands} after)"
        return None


# --- helpers ---------------------------------------------------------------------------------


def server_argv(doc: Document) -> list[list[str]]:
    """The decoded argv (binary first) of each server command line of ``doc``."""
    out = []
    for cl in doc.command_lines():
        skip = cl.extra.get("image")
        argv = [C.argv0(cl)]
        argv += [w.value for w, _ in cl.args() if w is not skip]
        out.append(argv)
    return out


#: a script that changes its arguments before the server gets them
_SHIFTS = re.compile(r"(?m)(?:^|[;&|({]|\bthen|\bdo|\belse)\s*(?:shift\b|set\s+--?(?:\s|$)|set\s+-[a-z]*\s+--)")


def _runs_server_with_arguments(path: str) -> tuple[bool, CommandLine] | None:
    """(whether the server is V1's, that server line) of the shell script at ``path`` whose one server line ends in
    ``"$@"`` (its only expansion), the script's arguments unchanged before it (no ``shift``, no ``set --``); None
    for any other file."""
    from ..atomic import read_regular

    try:
        text = read_regular(path, 1024 * 1024)[0].decode("utf-8")
        line = arguments_line(ShellDoc(path, text).command_lines(), text)
    except (OSError, UnicodeDecodeError, ProcessingError, ShellSyntaxError):
        return None
    if line is None:
        return None
    return C.is_v1_binary(line.binary.value), line  # type: ignore[union-attr]


def script_options_line(words: list[Word], mounts: list[Mount], workdir: str | None = None
                        ) -> tuple[str, bool, CommandLine] | None:
    """A container's entrypoint (``words``: ``/entrypoint.sh``, ``/bin/bash /entrypoint.sh``) that runs a script of
    the host or build context it holds through ``mounts`` (a ``COPY``, a bind mount), whose one server line runs the
    server with the script's arguments (``arguments_line``): (the script's absolute path, whether that server is V1's,
    that server line, whose model-control mode the options run in), else None. The options given to the entrypoint are that server's."""
    if len(words) == 2 and C.basename(words[0].value) in _SHELLS:
        words = words[1:]
    if len(words) != 1 or words[0].dynamic or words[0].value.startswith("-") or not mounts:
        return None
    found = [f for f, _what in files_run(mounts, [(words[0].value, "its entrypoint", workdir)]) if os.path.isfile(f)]
    got = _runs_server_with_arguments(found[0]) if len(found) == 1 else None
    return (found[0], *got) if got is not None else None


def arguments_line(lines: list[CommandLine], text: str) -> CommandLine | None:
    """The one server line of a shell script (``lines``, of ``text``) that ends in ``"$@"``, its only expansion,
    the script's arguments unchanged before it (no ``shift``, no ``set --``): the arguments the script is run with
    are that server's options. None when the script has another shape."""
    lines = [cl for cl in lines if cl.binary is not None and not cl.report_only]
    if len(lines) != 1 or _SHIFTS.search(text):
        return None
    args = [w for w, _seg in lines[0].args()]
    dynamic = [w for w in args if w.dynamic]
    if not args or len(dynamic) != 1 or dynamic[0] is not args[-1] or args[-1].value not in ("$@", "${@}") \
            or args[-1].quote != '"':
        return None
    return lines[0]
