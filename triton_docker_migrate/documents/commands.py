"""Simple commands in shell text: splitting, finding the command word, ``sh -c`` strings."""

from __future__ import annotations

import re
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Callable, Iterator

from .. import facts
from ..syntax.quoting import SHELL
from ..documents.sites import Segment
from ..documents.sites import CommandSite
from ..syntax.shellparts import shell_c_script
from ..syntax.shellwords import ShellSyntaxError, Token, Word, lex

#: words that run the next word as the command
_PREFIX = {"exec", "nohup", "sudo", "time", "command", "builtin", "stdbuf", "nice", "chrt", "setsid", "numactl",
           "taskset", "ionice"}
_PREFIX_WITH_ARG = {"gosu", "su-exec", "tini", "dumb-init"}
_ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
SERVER_NAMES = ("trtserver", "tritonserver")
_SHELLS = {"sh", "bash", "dash", "ash", "ksh", "zsh"}


#: the server run in text that is no command line here (a ``define`` body, a here-document that writes a
#: script or a unit): its word, or a path to it, followed by an option or a variable
_SERVER_RUN = re.compile(r"(?<![\w./-])(?:/[\w.+@-]+)*/?(?:trtserver|tritonserver)(?=[ \t]+(?:-|\$[({]))")
#: a container, host or network named for the server, not the server itself
_NAME_BEFORE = re.compile(r"(?:--name|--hostname|--network|--net|--tag|-t)[ \t=]+[\"']?$")


def runs_server(text: str) -> bool:
    """Whether a line of ``text`` that is not a ``#`` comment runs the server (with options after it) or
    names a Triton image: text that is the server's, though no command line of this file."""
    for line in text.splitlines():
        if line.lstrip(" \t@-+").startswith("#"):
            continue
        if any(not _NAME_BEFORE.search(line, 0, m.start()) for m in _SERVER_RUN.finditer(line)):
            return True
        if any(m.group("prefix") or m.group("tag") for m in facts.IMAGE_RE.finditer(line)):
            return True
    return False


class CasePattern(list):
    """The pattern words of one item of a ``case`` statement (``trtserver|serve)``: two words), which
    ``split`` gives among the commands: words compared with ``subject`` (the word after ``case``; None
    when the ``case`` line is not in the text read), never run. ``command_index`` finds no command in it."""

    __slots__ = ("subject",)

    def __init__(self, words: list[Word], subject: Word | None) -> None:
        super().__init__(words)
        self.subject = subject


class Command(list):
    """The words of one simple command, as ``split`` gives them: ``command_index`` keeps the index it
    finds (every rule asks for it, a dozen times per command), for as long as the list keeps its length."""

    __slots__ = ("_known", "_index")

    def __init__(self, words: list[Word]) -> None:
        super().__init__(words)
        self._known = -1  #: the length of the list when ``_index`` was found (-1: not yet)
        self._index: int | None = None


def _at_command_start(cur: list[Word]) -> bool:
    return all(w.value in KEYWORDS and not w.quote for w in cur)


def split(tokens: list[Token]) -> list[list[Word]]:
    """Words of each simple command, without redirections and their targets. The patterns of a
    ``case`` item (``trtserver|serve)``) are no command: each item's patterns are one ``CasePattern``."""
    out: list[list[Word]] = []
    cur: list[Word] = []
    skip = False
    #: the subject of each open ``case`` (innermost last), and whether its patterns are being read
    cases: list[Word | None] = []
    patterns: list[Word] | None = None  #: the patterns of the item being read, when reading them
    head: list[Word] | None = None  #: ``case WORD`` read (after ``lead`` keywords: ``then case``), ``in`` awaited
    lead = 0
    pipeline = 0  #: where the current pipeline's commands start in ``out``
    depth = 0  #: open ``(`` of subshells, arrays and function definitions
    for k, tok in enumerate(tokens):
        if patterns is not None:  # after ``in`` or ``;;``: patterns up to ``)``, or ``esac``
            if tok.kind == "word":
                assert tok.word is not None
                if not patterns and tok.word.value == "esac" and not tok.word.quote:
                    cases.pop()
                    patterns = None
                else:
                    patterns.append(tok.word)
            elif tok.kind == "op" and tok.text == ")":
                out.append(CasePattern(patterns, cases[-1]))
                patterns = None
                pipeline = len(out)
            # (newlines, the ``(`` before a pattern, the ``|`` between patterns, the ``&`` of ``;&``)
            continue
        if tok.kind == "word":
            if skip:
                skip = False
                continue
            assert tok.word is not None
            w = tok.word
            if head is not None:
                head.append(w)
                if len(head) == lead + 3:
                    if w.value == "in" and not w.quote:  # ``case WORD in``: a command of its own, then patterns
                        out.append(head)
                        cases.append(head[-2])
                        patterns, head, cur = [], None, []
                    else:
                        cur, head = head, None
                continue
            if not w.quote and _at_command_start(cur):
                if w.value == "case":
                    head, lead, cur = cur + [w], len(cur), []
                    continue
                if w.value == "esac" and cases:
                    if cur:
                        out.append(cur)
                    cur = []
                    cases.pop()
                    continue
            cur.append(w)
        elif tok.kind == "redirect":
            skip = True
        elif head is not None and tok.kind == "newline":
            continue  # ``case WORD`` and ``in`` may stand on two lines
        else:
            if head is not None:
                cur, head = head, None
            if tok.kind == "op" and tok.text == ")" and depth == 0 and cur:
                # a ``)`` that closes nothing ends the patterns of a ``case`` whose start is not in the text
                # read (or not read as one): those words, and the commands of the pipeline they are in when
                # one word each (``trtserver|serve)``), are patterns
                words = [w for c in out[pipeline:] for w in c] + cur
                if all(len(c) == 1 for c in out[pipeline:]):
                    del out[pipeline:]
                    out.append(CasePattern(words, None))
                    cur = []
                    skip = False
                    pipeline = len(out)
                    continue
            if cur:
                out.append(cur)
            cur = []
            skip = False
            if tok.kind == "op":
                if tok.text == "(":
                    depth += 1
                elif tok.text == ")":
                    depth = max(0, depth - 1)
                elif tok.text == ";;" and cases or tok.text == ";" and cases and k + 1 < len(tokens) \
                        and tokens[k + 1].text == "&" and tokens[k + 1].start == tok.end:
                    patterns = []  # (``;&``: the ``&`` is skipped with the patterns' separators)
            if not (tok.kind == "op" and tok.text in ("|", "|&")):
                pipeline = len(out)
    if head is not None:
        cur = head
    if cur:
        out.append(cur)
    return [c if type(c) is CasePattern else Command(c) for c in out]


def basename(path: str) -> str:
    """The last ``/``-separated part of a shell word (posixpath.basename, without its overhead:
    this runs for every word that may name a command)."""
    return path[path.rfind("/") + 1:]

#: reserved words that may stand before a command (``then trtserver ...``)
KEYWORDS = {"if", "then", "else", "elif", "do", "while", "until", "!", "{", "}"}
#: options of prefixes that take a value (``sudo -u user``, ``timeout -s KILL``, ``exec -a name``)
_VALUE_OPTS = {
    "sudo": {"-u", "-g", "-C", "-h", "-p", "-r", "-t", "-U", "-D", "-R", "-T", "--user", "--group"},
    "timeout": {"-s", "-k", "--signal", "--kill-after"},
    "exec": {"-a"},
    "env": {"-u", "-C", "-S", "--unset", "--chdir"},
    "nice": {"-n"},
    "stdbuf": {"-i", "-o", "-e"},
    "numactl": {"-N", "-m", "-C", "-p", "-i", "--cpunodebind", "--membind", "--physcpubind", "--preferred",
                "--interleave"},
    "taskset": {"-c", "--cpu-list"},
    "ionice": {"-c", "-n", "--class", "--classdata"},
}


def command_index(words: list[Word]) -> int | None:
    """Index of the word that names the program, past shell keywords, assignments and prefixes
    like ``exec``, ``env X=1``, ``sudo -u user``, ``timeout 60``, ``gosu user``, ``numactl -N 0``,
    ``taskset -c 0-3`` and V1's
    ``nvidia_entrypoint.sh`` (which execs its arguments)."""
    if type(words) is Command:
        if words._known != len(words):
            words._index = _command_index(words)
            words._known = len(words)
        return words._index
    return _command_index(words)


def _command_index(words: list[Word]) -> int | None:
    if isinstance(words, CasePattern):
        return None
    i = 0
    n = len(words)
    while i < n:
        w = words[i]
        v = w.value
        if v in KEYWORDS and not w.quote or "=" in v and _ASSIGN.match(v):
            i += 1
            continue
        base = v[v.rfind("/") + 1:]  # basename(v)
        if base not in _STEPPED:  # the common case: the word names the program
            return _launched_server(words, i)
        if base == "command" and i + 1 < n and words[i + 1].value in ("-v", "-V"):
            return i  # ``command -v trtserver``: looks the program up, runs nothing
        if base in _PREFIX or base in ("env", "timeout"):
            takes = _VALUE_OPTS.get(base, set())
            i += 1
            while i < n and words[i].value.startswith("-") and words[i].value != "--":
                i += 2 if words[i].value in takes else 1
            if i < n and words[i].value == "--":
                i += 1
            if base == "env":
                while i < n and _ASSIGN.match(words[i].value):
                    i += 1
            if base == "timeout" and i < n:
                i += 1  # the duration
            if base == "taskset" and i < n and not any(w.value in ("-c", "--cpu-list") or
                                                       w.value.startswith("--cpu-list=") for w in words[:i]):
                i += 1  # the mask (``taskset 0x3 cmd``; ``-c`` gives a list instead)
            continue
        if base in _PREFIX_WITH_ARG:
            i += 1
            if base in ("gosu", "su-exec") and i < n:
                i += 1
            while i < n and words[i].value in ("--", "-g", "-s"):
                i += 1
            continue
        if base == "nvidia_entrypoint.sh":
            i += 1
            continue
        if base == "set":
            # ``set -- trtserver "$@"``: the arguments an ``exec "$@"`` runs next (docker-library entrypoints)
            if i + 2 < n and words[i + 1].value == "--" and is_server_word(words[i + 2]):
                return i + 2
            return i
        if base == "xargs":  # runs its command word, with arguments read at run time after those written
            at, i = i, i + 1
            while i < n and words[i].value.startswith("-") and words[i].value != "--":
                i += 2 if words[i].value in _XARGS_VALUE_OPTS else 1
            if i < n and words[i].value == "--":
                i += 1
            if i >= n:
                return at  # (``xargs`` alone runs echo)
            continue
        return _launched_server(words, i)
    return None


#: xargs options that take the next word as their value
_XARGS_VALUE_OPTS = frozenset({"-a", "-d", "-E", "-I", "-L", "-n", "-P", "-s", "--arg-file", "--delimiter",
                               "--max-args", "--max-procs", "--max-chars", "--max-lines", "--process-slot-var"})


#: base names ``command_index`` steps over (with what follows them)
_STEPPED = frozenset(_PREFIX | _PREFIX_WITH_ARG | {"env", "timeout", "nvidia_entrypoint.sh", "set", "xargs"})
_SERVER_OPTIONS = frozenset(facts.V1_OPTIONS) | frozenset(facts.V2_OPTIONS)
#: base names that run what follows them: a text that starts with one is a command, not a message
RUNS_NEXT = _STEPPED | _SHELLS | {"eval", "ssh", "su"}
#: programs whose arguments name a server without running it (or that other readers follow)
NOT_LAUNCHERS = {"docker", "nvidia-docker", "podman", "nerdctl", "kubectl", "ssh", "echo", "printf", "pkill", "killall",
                  "pgrep", "kill", "which", "type", "ps", "grep", "whereis", "ls", "cp", "mv", "ln", "rm",
                  "chmod", "chown", "test", "["} | _SHELLS


def _launched_server(words: list[Word], i: int) -> int:
    """``i``, or the index of a server binary that a launcher the reader does not know runs with its
    options (``mpirun -np 1 trtserver --model-store=/m``, ``nsys profile -o p trtserver ...``): the
    binary followed by a server option is a command line whatever starts it."""
    first = basename(words[i].value)
    if words[i].dynamic or first in SERVER_NAMES or first in NOT_LAUNCHERS:
        return i  # (``$(DOCKER) run ...``: a variable may name docker)
    for j in range(i + 1, len(words) - 1):
        w = words[j]
        if not w.value.endswith(SERVER_NAMES):  # (cheap: most words name no server)
            continue
        nxt = words[j + 1]
        if not w.dynamic and basename(w.value) in SERVER_NAMES and nxt.value.startswith("--") and \
                nxt.value[2:].split("=", 1)[0] in _SERVER_OPTIONS:
            # (``singularity exec docker://IMAGE trtserver ...``: a runtime and its image, read as such)
            prev = words[j - 1].value.removeprefix("docker://")
            return i if words[j - 1].dynamic or facts.classify(prev).triton else j
    return i


def command_word(words: list[Word]) -> Word | None:
    i = command_index(words)
    return words[i] if i is not None else None


#: a word that is one ``${NAME:-default}`` (``:=``, ``-``, ``=``) with a plain default
_DEFAULTED = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?[-=](?P<default>[\w./+@-]+)\}")


def program(value: str) -> str:
    """The program a command word names: its value, or for ``${TRITON_BIN:-trtserver}`` the default (what
    runs unless the environment names another program)."""
    if value.startswith("${"):
        m = _DEFAULTED.fullmatch(value)
        if m is not None:
            return m.group("default")
    return value


def is_server_word(w: Word) -> bool:
    """``w`` names the server binary (``trtserver``, ``/opt/.../tritonserver``, ``${BIN:-trtserver}``)."""
    v = program(w.value)
    return (not w.dynamic or v is not w.value) and basename(v) in SERVER_NAMES


def server_word(words: list[Word]) -> Word | None:
    """The server binary of a simple command (``trtserver``, ``/opt/.../tritonserver``)."""
    w = command_word(words)
    return w if w is not None and is_server_word(w) else None


def argv0(cl) -> str:
    """The program a server command line runs (a line of options alone: the image's ``tritonserver``)."""
    return program(cl.binary.value) if cl.binary is not None else "tritonserver"


def is_v1_binary(value: str) -> bool:
    return basename(program(value)) == "trtserver"


def own_program(words: list[Word], image: str | None) -> str:
    """Why a ``trtserver`` command is a program of the user's that has the V1 server's name, not NVIDIA's V1 server
    (its container is held: reported, never edited), or "": it is given an option no V1 release had (TDM317's: V1
    took long options only, each of its own table, and every one but ``--help`` took a value), and it runs from an
    image the file names that is neither a Triton image nor one named for V1 (TDM110's) or, ``image`` None, from no
    container at all in a file that names no V1 image (the caller tells: a script's own line)."""
    i = command_index(words)
    if i is None or words[i].dynamic or basename(words[i].value) != facts.V1_BINARY \
            or facts.V1_INSTALL_DIR in words[i].value:
        return ""
    if image is not None:
        image = image.strip()
        info = facts.classify(image) if image else None
        if info is None or info.triton or info.local_v1 or not _NAMED_IMAGE.fullmatch(image):
            return ""  # no image, a variable, a template: what runs is not known
    options = _not_v1_options(words, i + 1)
    if not options:
        return ""
    # (the suggestions write the line as the migration would: an option V2 refuses stays as it is written)
    refused = [o for o in dict.fromkeys(options) if not _v2_option(o[2:])]
    them = "them" if len(refused) > 1 else "it"
    tail = f"; the suggestions keep {', '.join(refused)}, which V2 refuses too: fix {them} by hand" if refused else ""
    if image is None:
        return (f"held: {words[i].value} is given {options[0]}, which V1 never had, and the file names no V1 image - "
                f"a program of its own? Nothing here is changed{tail}")
    return (f"held: {words[i].value} runs from {image}, not a Triton image, with {options[0]}, which V1 never had - "
            f"a program of its own? Nothing here is changed{tail}")


def _not_v1_options(words: list[Word], k: int) -> list[str]:
    """The options from ``words[k]`` on that no V1 release had (nor V2: a line half migrated), as written
    (without their values)."""
    out = []
    while k < len(words):
        w, k = words[k], k + 1
        v = w.value
        if w.dynamic or v == "--":
            break  # (options given at run time: not known)
        if not v.startswith("-") or v == "-":
            continue
        typed, eq, _ = v[2:].partition("=")
        if v.startswith("--") and typed in ("help", "version"):
            continue
        if v.startswith("--") and (typed in facts.V2_OPTIONS or _v1_option(typed)):
            if not eq and k < len(words) and not words[k].value.startswith("-"):
                k += 1  # its value
            continue
        out.append(v.partition("=")[0])
    return out


def _v2_option(typed: str) -> bool:
    """``--typed`` is one of V2's options, or a prefix getopt reads as one."""
    return typed in facts.V2_OPTIONS or len([o for o in facts.V2_OPTIONS if o.startswith(typed)]) == 1


#: an image reference written out (a registry path or a tag; ``ubuntu`` alone is not told from a name)
_NAMED_IMAGE = re.compile(r"[a-z0-9][\w.-]*(?::\d+)?(?:/[\w.-]+)*(?::[\w][\w.-]*|@sha256:[0-9a-f]{64})"
                          r"|[a-z0-9][\w.-]*(?::\d+)?(?:/[\w.-]+)+")


def _v1_option(typed: str) -> bool:
    """``--typed`` is one of V1's options, or a prefix getopt read as one."""
    return typed in facts.V1_OPTIONS or len([o for o in facts.V1_OPTIONS if o.startswith(typed)]) == 1


#: why a ``tritonserver`` line is V1's (``CommandLine.v1_arguments``): the 20.06-v1/20.07-v1 images ran a
#: binary already called tritonserver, and its container's probe or health check asks for V1's endpoints
V1_PROBED = "tritonserver, and its health check asks for V1's /api/health"


def v1_arguments(words: list[Word], v1_probe: bool) -> str:
    """Why ``words``, options alone (the arguments a container gives its image's entrypoint), are the
    V1 server's: an option only the V1 server had, or - ``v1_probe``: the container's probe asks for
    V1's ``/api/health`` - a model repository; else ""."""
    if not words or not words[0].value.startswith("--"):
        return ""
    names = [w.value[2:].split("=", 1)[0] for w in words if w.value.startswith("--")]
    only_v1 = next((n for n in names if n in facts.V1_SERVER_ONLY_OPTIONS), None)
    if only_v1 is not None:
        return f"--{only_v1}, which only V1 had"
    if v1_probe and ("model-store" in names or "model-repository" in names):
        return "a model repository, and its probe asks for V1's /api/health"
    return ""


@dataclass(frozen=True)
class BuiltServer:
    """An image the run builds from a V1 server's Dockerfile whose ENTRYPOINT is the server binary and whose
    CMD holds only its options (rules/follow.py ``built_servers``): what a container that gives that image
    options alone (Kubernetes ``args`` without ``command``, compose ``command`` without ``entrypoint``, the
    words after a ``docker run`` image) runs is the server, those options in place of the CMD."""

    binary: str  #: the ENTRYPOINT's server word, as the Dockerfile writes it
    dockerfile: str  #: the Dockerfile, as findings name it
    how: str  #: how the run builds the image ("built from docker/Dockerfile by Makefile:2")
    #: why the container may run another image (another tag, a digest); None: it runs that build
    why: str | None = None
    #: the migration wrote V1's strict default (--disable-auto-complete-config) on the ENTRYPOINT's line
    strict_default: bool = False


#: while a file is read with the run's links (``pipeline.process_file``): image name (and the Dockerfile a compose
#: service builds, or "") -> the ``BuiltServer`` it is, or None
_BUILT_SERVERS: ContextVar[Callable[[str, str], BuiltServer | None] | None] = ContextVar("built_servers", default=None)


@contextmanager
def built_servers(decide: Callable[[str, str], BuiltServer | None] | None) -> Iterator[None]:
    """Documents built inside read options alone given to an image ``decide`` knows as the server's."""
    token = _BUILT_SERVERS.set(decide)
    try:
        yield
    finally:
        _BUILT_SERVERS.reset(token)


def built_server(image: str, words: list[Word], dockerfile: str = "") -> BuiltServer | None:
    """The V1 server ``words`` start, options alone given to ``image`` (or to the image built from
    ``dockerfile``), when the run builds it from a V1 server's Dockerfile whose ENTRYPOINT is the binary."""
    decide = _BUILT_SERVERS.get()
    if decide is None or not words or not words[0].value.startswith("--") or not (image or dockerfile):
        return None
    return decide(image, dockerfile)


def nested(seg: Segment, text: str, triton: bool, dollar_escape: bool = False) -> list[CommandSite]:
    """Commands inside ``sh -c "..."`` strings of ``seg``'s command (``dollar_escape``: as ``lex``)."""
    out: list[CommandSite] = []
    words = seg.words
    i = command_index(words)
    if i is None or basename(words[i].value) not in _SHELLS:
        return out
    script = shell_c_script(words, i)
    if script is None:
        return out
    try:
        lexed = lex(script.value, script.offsets, dollar_escape=dollar_escape) if script.value else None
    except ShellSyntaxError:
        return out
    if lexed is None:
        return out
    for sc in split(lexed.tokens):
        inner = Segment(sc, seg.syntax if seg.syntax.name == "shell" else SHELL, seg.label)
        out.append(CommandSite(sc, inner, triton, text))
    return out
