"""Any other text file: V1 evidence is reported, nothing is rewritten (no syntax is known).

Lines outside comments are regions. The V1 server run as a command (``trtserver`` where a command
stands, not a name such as a stage ``AS trtserver``) is a command line, from its word to the end of
the line, so that its V1 options are reported too; as the first item of a list of string literals written
over several lines (a Go ``[]string{``, a Jsonnet ``args: [``), the whole list (``_item_list``; a list with an
item that is no plain string is not read past the server's item, and the defaults the migration adds are then
warnings that say so). In C and C++ sources the comments are C's (``//``,
``/* */``; blanked in the regions, which keep every offset) and preprocessor lines are code. In
documentation (``*.md``, ``*.rst``, ``*.txt``) the prose outside code - fenced, indented and literal
blocks, and server command lines (inline code in a sentence is still the sentence) - is advisory: V1
named there is history (CONTRACT.md, "Documentation prose")."""

from __future__ import annotations

import bisect
import os
import re

from .. import evidence, facts
from ..syntax.ccomments import blank_comments, is_c_source
from ..syntax import gotemplate as G
from ..syntax.quoting import SHELL, JsonSyntax, json_array_words
from ..syntax.shellwords import ShellSyntaxError, Word, lex
from . import commands as C
from .base import Document
from ..model import Span
from ..syntax import yamlsrc as Y
from ..syntax.yamlsrc import MappingNode, ScalarNode
from .shell import _NAMED_BINARY
from .sites import CommandLine, CommandSite, Region, Segment

_COMMENT = re.compile(r"^[ \t]*(?:#|//|;|--|<!--)")
#: the server binary where a command stands: not part of a longer name, not a name itself
#: the server where a command stands: its word or path, or the default of a variable (``${BIN:-trtserver}``)
_SERVER = re.compile(r"(?<![\w./-])(?P<path>(?:/[\w.-]+)*/)?(?P<bin>trtserver|tritonserver)(?![\w.:=/-])"
                     r"|(?<![\w./$-])\$\{[A-Za-z_]\w*:?[-=](?:/[\w.-]+)*/?(?P<default>trtserver|tritonserver)\}")
#: a key that names the program a launcher runs (``binary: trtserver``): its value is the program alone,
#: the options are given elsewhere (a list beside it, the launcher's code)
_PROGRAM_KEY = re.compile(r"(?i)(?:bin|binary|exe|executable|program|launcher)\w*[\"']?[ \t]*[:=][ \t]*[\"']?$")
#: an OpenRC service script's ``command=`` (its options are ``command_args=``)
_OPENRC_COMMAND = re.compile(r"(?m)^[ \t]*command=[\"']?$")
#: (a metric's label ``job="trtserver"``, a proxy's ``cluster: trtserver``, an app label: names, not commands)
_NAME_BEFORE = re.compile(r"(?:\bAS|\bas|--name[ =]|name:|container_name:|hostname:|service|image:|-t|cluster:|\bjob[:=]"
                          r"|\bapp[:=]|upstream|\btarget:|\binstance[:=])\s*\\?[\"']?$")
#: where a command stands before the server's word when nothing follows it on its line (a name stands
#: anywhere else: ``Tag trtserver``, ``title: trtserver gateway``, ``{"name": "trtserver"}``): the start of a
#: line or of a list item, a prompt, after a shell operator, a word that runs what follows or a Dockerfile
#: instruction that runs a command (a template of one: ``Dockerfile.j2``), after a key
#: that holds a command or the program (``command:``, ``ExecStart=``, ``binary:``), after an image reference
#: (``docker run ... IMAGE trtserver``); a backquote (command substitution) outside documentation
_COMMAND_BEFORE = re.compile(r"(?:^[ \t]*(?:-[ \t]+)?(?:[$>][ \t]+)?[\"']?|(?:[;&|(]|\$\()[ \t]*"
                             r"|(?<![\w-])(?:exec|sudo|nohup|time|env|then|do|else)[ \t]+"
                             r"|^[ \t]*(?:ONBUILD[ \t]+)?(?:RUN|CMD|ENTRYPOINT|HEALTHCHECK[ \t]+(?:--\S+[ \t]+)*CMD)[ \t]+"
                             r"|(?i:command|cmd|entrypoint|run|script|execstart|args|bin|binary|exe|executable|program"
                             r"|launcher)\w*[\"']?[ \t]*[:=][ \t]*(?:\[[ \t]*)?[\"']?"
                             r"|(?:tensorrt|triton)server[\w.-]*:[\w.${}-]+[ \t]+)$")
#: a key before its value on a line of a configuration (``pre = ``, ``start: ``): a value that runs a prefix such as
#: ``timeout 60`` before the server's word runs the server (a value that is the word alone may be a name)
_KEY = re.compile(r"[ \t]*[\w.-]+[ \t]*[:=][ \t]*")
#: a script option's value starts right before the server's word (``su -c trtserver triton``, ``sh -c 'trtserver ...'``)
_SCRIPT_BEFORE = re.compile(r"(?<![\w-])-c[ \t]+[\"']?$")
#: the folder of a path that is a program (``/opt/tensorrtserver/bin/trtserver``, not ``/var/log/trtserver``)
_PROGRAM_FOLDER = re.compile(r"(?:^|/)(?:s?bin|[\w.-]*tensorrtserver[\w.-]*)/$")
_DOC_SUFFIXES = (".md", ".markdown", ".rst", ".txt")
#: one item of a list written one a line: ``- --model-store=/m``, ``"--allow-poll-model-repository=false",``
#: (the option's name), or a value item (``- "1"``)
_LIST_ITEM = re.compile(r"[ \t]*(?:-[ \t]+)?[\"']?(?:--([a-z][a-z0-9-]*)(=[^\"'\s]*)?|[^-\s\"'][^\s\"',]*)[\"']?[ \t]*,?[ \t]*\r?\n?$")
_FLAG = re.compile(r"--([a-z][a-z0-9-]*)(=\S*)?")
_FENCE = re.compile(r"^[ \t]{0,3}(```+|~~~+)")
#: a URL to a host named for the inference server (``http://triton-svc:8000``)
_SERVER_URL = re.compile(r"https?://[\w.-]*(?:" + facts.TRITON_HOST.pattern.removeprefix("(?i)") + r")[\w.-]*", re.I)
#: a V1 endpoint's path that starts a string literal of its own
_QUOTED_V1_PATH = re.compile(r"[\"'`]/api/(?:health|status|infer|modelcontrol|sharedmemorycontrol|repository|profile)(?![\w-])")
#: a V1 endpoint's path after a template action or a variable whose name names the server, in a URL's host or
#: port or as its base (a playbook's ``http://localhost:{{ trtis_health_port }}/api/health/ready``,
#: ``${TRITON_URL}/api/status``): a request to the server, whatever the file says of it otherwise
_NAMED_V1_URL = re.compile(r"(?:\{\{-?[^{}\n]*?(?:" + facts.TRITON_HOST.pattern.removeprefix("(?i)") + r")[^{}\n]*\}\}"
                           r"|\$\{?\w*?(?:" + facts.TRITON_HOST.pattern.removeprefix("(?i)") + r")\w*\}?)"
                           r"[\w.:-]*/api/(?:health|status|infer|modelcontrol|sharedmemorycontrol|repository|profile)"
                           r"(?![\w-])", re.I)


_DECLARED = re.compile(r"(?m)(?:^|[;{(\s])(?:(?:const|let|var|val|final|static|export|readonly|local)\s+)*"
                       r"([A-Za-z_]\w*)\s*:?=\s*([^;\n]+)")


#: what declares a route the program serves itself, right before its path's string literal: an annotation's or a
#: decorator's first argument (Spring's ``@GetMapping("/api/health/ready")``, JAX-RS ``@Path``, ``@app.get(``,
#: ``@bp.route(``), Go's ``HandleFunc(`` and ``Handle(``; a router's method (``app.get(``, ``router.post(``, Gin's
#: ``r.GET(``) only with a handler after the path (``_ROUTE_HANDLER``): ``client.get("/api/status")`` is a request
_ROUTE_ANNOTATION = re.compile(r"@(?:(?:Get|Post|Put|Delete|Patch|Request)Mapping|Path|(?:[A-Za-z_]\w*\.)*route"
                               r"|(?:[A-Za-z_]\w*\.)+(?:get|post|put|delete|patch|head|options|api_route|websocket))"
                               r"\s*\(\s*(?:(?:value|path)\s*=\s*)?\{?\s*$")
_ROUTE_HANDLE = re.compile(r"(?<![\w$])(?:[A-Za-z_]\w*\.)?Handle(?:Func)?\s*\(\s*$")
_ROUTER_METHOD = re.compile(r"(?<![\w$.])(?P<recv>[A-Za-z_]\w*)\.(?:get|post|put|delete|patch|head|options|all|use"
                            r"|route|GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS|Any|Get|Post|Put|Delete|Patch|Head|Options)"
                            r"\s*\(\s*$")
#: the handler after a route's path: a function written there (``(req, res) =>``, ``function``, ``async``, Go's
#: ``func``) or a name (``handler``, ``auth, handler``)
_ROUTE_HANDLER = re.compile(r"[\"'`]\s*,\s*(?:async\s+)?(?:function\b|func\b|\([^()]*\)\s*(?:=>|\{)|[A-Za-z_$][\w$]*\s*=>"
                            r"|[A-Za-z_$][\w$.]*\s*[,)])")
#: receivers of a router's methods that are HTTP clients, whose callback is no handler (jQuery's ``$.get(url, fn)``)
_CLIENT_RECEIVERS = frozenset({"jQuery", "axios", "request", "requests", "http", "https", "client", "session",
                               "superagent", "got", "ky", "agent", "httpClient", "restTemplate", "webClient", "fetch"})
#: a file whose annotations declare an HTTP client's requests, not routes (a Feign or MicroProfile REST client)
_CLIENT_INTERFACE = re.compile(r"@(?:FeignClient|RegisterRestClient|HttpExchange)\b|\bretrofit2?\b")


def _own_route(line: str, start: int, end: int) -> bool:
    """The string literal of ``line`` from ``start`` (its opening quote) is the path of a route the program
    serves itself (``app.get('/api/health/ready', (req, res) => ...)``, ``@GetMapping("/api/status")``,
    ``http.HandleFunc("/api/status", ...)``): a route definition, no request to a server."""
    before = line[:start]
    if _ROUTE_ANNOTATION.search(before) is not None or _ROUTE_HANDLE.search(before) is not None:
        return True
    m = _ROUTER_METHOD.search(before)
    if m is None or m.group("recv") in _CLIENT_RECEIVERS:
        return False
    close = line.find(line[start], end)
    return close >= 0 and _ROUTE_HANDLER.match(line, close) is not None


def _request_path(line: str, routes: bool = False) -> bool:
    """A V1 path written as a string literal of its own on ``line``, not added to a name that says nothing
    of the server (another service's ``base + "/api/health/ready"``); with ``routes``, not the path of a route
    the program serves itself (``_own_route``)."""
    for m in _QUOTED_V1_PATH.finditer(line):
        if routes and _own_route(line, m.start(), m.end()):
            continue
        added = re.search(r"([A-Za-z_][\w.]*)\s*\+\s*$", line[:m.start()])
        if added is None or facts.TRITON_HOST.search(added.group(1)):
            return True
    return False


def _held_url(text: str) -> re.Pattern | None:
    """A V1 path right after an expansion of a name that ``text`` declares with a value naming the server."""
    names = {m.group(1) for m in _DECLARED.finditer(text) if facts.TRITON_HOST.search(m.group(2))}
    if not names:
        return None
    return re.compile(r"\$\{?(?:" + "|".join(map(re.escape, sorted(names))) +
                      r")\}?/api/(?:health|status|infer|modelcontrol|sharedmemorycontrol|repository|profile)(?![\w-])")


#: compose files that read the ``.env`` beside them
_COMPOSE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
_COMPOSE_READ = 1 << 20
#: a variable a health check line expands (``test: ["CMD", "curl", "-f", "http://localhost:8000${READY}"]``)
_CHECK_VARIABLE = re.compile(r"(?m)^[ \t]*(?:-[ \t]+)?(?:test:)?[^\n]*?(?:https?://|localhost|127\.0\.0\.1)[^\n]*?"
                             r"\$(?:\{(\w+)[^}]*\}|(\w+))")
#: the name a ``.env`` line sets
_ENV_NAME = re.compile(r"[ \t]*(?:export[ \t]+)?([A-Za-z_]\w*)[ \t]*=")


def _sets(line: str) -> str | None:
    """The name a ``.env`` line sets, or None."""
    m = _ENV_NAME.match(line)
    return m.group(1) if m is not None else None


def _is_cmake(name: str) -> bool:
    """CMake code (``CMakeLists.txt``, ``*.cmake``): not documentation, whatever its suffix."""
    return name == "cmakelists.txt" or name.endswith(".cmake")


class TextDoc(Document):
    kind = "text"
    fixes = False  #: findings carry suggestions, not fixes

    def __init__(self, path: str, text: str, kind: str | None = None) -> None:
        super().__init__(path, text)
        if kind is not None:
            self.kind = kind
        #: weak evidence (URLs, options) counts only where a Triton context shows: strong evidence, or
        #: (below) a Triton image or the server run as a command on a line of code
        self.triton = evidence.strong(text.encode("utf-8", "surrogatepass"))
        #: C or C++ source: comments are ``//`` and ``/* */``, ``#`` lines are code (``#include``)
        self.c_family = is_c_source(path)
        self._lines: list[tuple[int, str]] = []  #: (offset, line) of every non-comment line
        pos = 0
        for line in (blank_comments(text) if self.c_family else text).splitlines(keepends=True):
            if line.strip() and (self.c_family or not _COMMENT.match(line)):
                self._lines.append((pos, line))
            pos += len(line)
        self._sites: list[tuple[CommandSite, bool]] | None = None
        self._line_groups: dict[int, list] = {}  #: (a line's commands, the least index of their program): _runs_after_prefix
        if self.triton and not evidence.strong(_NAMED_BINARY.sub("-", text).encode("utf-8", "surrogatepass")):
            # ``trtserver`` is its only strong evidence: a Triton context only where it is run as a command (a
            # name - ``job_name: trtserver``, ``proxy_pass http://trtserver:8000`` - is no server: CONTRACT.md,
            # "V1 evidence")
            self.triton = any(v1 for _site, v1 in self._server_sites())
        self._pairs: list[tuple[int, str, str, Span, int, int]] | None = None  #: see _image_pairs
        self._checked_names: frozenset[str] | None = None  #: see _compose_checks
        #: a file of the server's options alone: its lines are the server's (``_flag_lines``)
        if self.triton:
            self.triton = self._strong_context()
        flag_lines = None if self.triton else self._flag_lines()
        self._flags = flag_lines is not None
        if flag_lines is not None:
            self._lines = flag_lines
            self._sites = None
        if not self.triton and "tritonserver" in text and not self._is_doc():
            # a half-migrated file (a CI service on the V2 image, ``tritonserver`` with options) is as
            # much the server's as one that still names V1: its V1 endpoints and options count
            self.triton = any(facts.IMAGE_RE.search(line) for _, line in self._lines)

    def _strong_context(self) -> bool:
        """Strong evidence makes the file a Triton context, but the server's word only where it is run (a
        command line of the file, not a name: ``Tag trtserver``, ``"name": "trtserver"``), and in
        documentation nothing in the prose (history: it does not make a code block's URL the server's)."""
        prose = self.advisory()
        runs = None
        for m in evidence.STRONG_TEXT.finditer(self.text):
            if prose and _inside(prose, m.start()):
                continue
            if m.group(0) != facts.V1_BINARY:
                return True
            if runs is None:
                runs = [(site.words[0].start, site.words[0].end) for site, v1 in self._server_sites() if v1]
            if _inside(runs, m.start()):
                return True
        return False

    def shown(self, text: str) -> str:
        return G.shown(text)

    def report_only(self) -> list[tuple[int, int, str]]:
        """No syntax is known: every finding is reported, with its change as the suggestion."""
        return [(0, len(self.text), "")]

    def regions(self) -> list[Region]:
        routes = not self.triton and not self._is_doc() and evidence.route_target(self.text)
        listed = self._option_lists()
        # code that calls the server by a URL to a host named for it: its other V1 paths, written as
        # string literals of their own (``tritonURL + "/api/status"``, ``GetStringAsync("/api/status")`` on a
        # client whose base address is that URL), are requests to the same server
        calls = not self.triton and not self._is_doc() and "/api/" in self.text \
            and _SERVER_URL.search(self.text) is not None
        # and the names declared with such a URL (``const BASE = __ENV.TRITON_URL || 'http://triton:8000'``)
        # that a V1 path follows (a template's ``${BASE}/api/status``)
        held = _held_url(self.text) if calls else None
        # the routes it serves itself (``app.get('/api/health/ready', ...)``): paths of its own, not requests
        routes_served = calls and _CLIENT_INTERFACE.search(self.text) is None
        checked = self._compose_checks() if not self.triton and "/api/" in self.text else frozenset()
        named = not self.triton and not self._is_doc() and "/api/" in self.text
        return [Region(line, base=pos, shell=False, label="line",
                       triton=self.triton or self._flags or pos in listed
                       or named and _NAMED_V1_URL.search(line) is not None
                       or routes and self._routes_to_server(pos, line)
                       or calls and (_request_path(line, routes_served) or held is not None and held.search(line) is not None)
                       or bool(checked) and _sets(line) in checked)
                for pos, line in self._lines]

    def _compose_checks(self) -> frozenset[str]:
        """For a compose ``.env``: the variables that a compose file beside it expands in the health check of
        a service it names the server in (``test: [..., "http://localhost:8000${READY_PATH}"]``) - its lines
        are that server's. (Read once: every rule asks for the regions.)"""
        if self._checked_names is None:
            self._checked_names = self._read_compose_checks() if os.path.basename(self.path) == ".env" else frozenset()
        return self._checked_names

    def _read_compose_checks(self) -> frozenset[str]:
        out: set[str] = set()
        for compose in _COMPOSE_NAMES:
            try:
                with open(os.path.join(os.path.dirname(os.path.abspath(self.path)), compose), encoding="utf-8") as f:
                    text = f.read(_COMPOSE_READ)
            except (OSError, UnicodeDecodeError):
                continue
            if "healthcheck" in text and ("tritonserver" in text or "tensorrtserver" in text or "trtserver" in text):
                for m in _CHECK_VARIABLE.finditer(text):
                    out.add(m.group(1) or m.group(2))
        return frozenset(out)

    def _option_lists(self) -> set[int]:
        """The lines of lists of the server's options written one item a line (a YAML block list, a
        JSON array over several lines, in a configuration of no known kind): each run of such lines
        whose options are all the V1 or V2 server's, with a V1-only option and one that names the model
        repository or only V1's server had, by where each line starts."""
        out: set[int] = set()
        if self.triton or self._flags or "--" not in self.text:
            return out
        run: list[tuple[int, str]] = []  #: (line start, option name, or "" for a value item)

        def close() -> None:
            names = [n for _p, n in run if n]
            if any(n in facts.V1_ONLY_OPTIONS for n in names) and any(
                    n in facts.V1_SERVER_ONLY_OPTIONS or n in ("model-store", "model-repository") for n in names) \
                    and all(n in facts.V1_OPTIONS or n in facts.V2_OPTIONS for n in names):
                out.update(p for p, _n in run)
            run.clear()

        prev_end = -1
        for pos, line in self._lines:
            m = _LIST_ITEM.match(line)
            if m is None or pos != prev_end and run:
                close()
            if m is not None:
                if m.group(1):
                    run.append((pos, m.group(1)))
                elif run and run[-1][1] and not m.group(2):
                    run.append((pos, ""))  # the value of the option before it
                else:
                    close()
            prev_end = pos + len(line)
        close()
        return out

    def _routes_to_server(self, pos: int, line: str) -> bool:
        m = facts.V1_ENDPOINT.search(line)
        return m is not None and evidence.routes_to_server(self.text, pos + m.start())

    def _flag_lines(self) -> list[tuple[int, str]] | None:
        """The lines of a file of the server's options alone (``$(cat server.flags)``), one or more a
        line (``#`` lines are comments; ``--`` starts an option here, not a comment): every word an option
        of the V1 or V2 server or the value after one, with a V1-only option and one that names the model
        repository or only V1's server had; None for any other file."""
        if self.c_family or "--" not in self.text or self._is_doc():
            return None
        lines: list[tuple[int, str]] = []
        pos = 0
        for line in self.text.splitlines(keepends=True):
            if line.strip() and not line.lstrip().startswith("#"):
                lines.append((pos, line))
            pos += len(line)
        names: list[str] = []
        for _pos, line in lines:
            prev_takes_value = False
            for word in line.split():
                m = _FLAG.fullmatch(word)
                if m is None:
                    if not prev_takes_value:
                        return None
                    prev_takes_value = False
                    continue
                name = m.group(1)
                if name not in facts.V1_OPTIONS and name not in facts.V2_OPTIONS:
                    return None
                names.append(name)
                prev_takes_value = m.group(2) is None
        if any(n in facts.V1_ONLY_OPTIONS for n in names) and any(
                n in facts.V1_SERVER_ONLY_OPTIONS or n in ("model-store", "model-repository") for n in names):
            return lines
        return None

    # --- the server run as a command ---------------------------------------------------------------
    def _server_sites(self) -> list[tuple[CommandSite, bool]]:
        """(the command from a server word to the end of its line, whether it is the V1 binary); in a
        CMake file the server's name is a library's (``find_library(T trtserver ...)``), never a command."""
        if self._sites is None:
            self._sites = []
            self._unread: dict[int, str] = {}  #: a list's server word -> the item that list cannot be read past
            if _is_cmake(self.path.replace("\\", "/").rsplit("/", 1)[-1].lower()):
                return self._sites
            for pos, line in self._lines:
                for m in _SERVER.finditer(line):
                    if _NAME_BEFORE.search(line[:m.start()]):
                        continue
                    listed = _json_list(line, pos, m.start())
                    unread = None
                    if listed is None:
                        listed, unread = _item_list(self.text, pos + m.start(), pos + m.end())
                    words = listed if listed is not None else self._words(line, pos, m.start())
                    if words and (listed is not None or self._runs(line, pos, m, words)):
                        seg = Segment(words, JsonSyntax() if listed is not None else SHELL, "line")
                        site = CommandSite(words, seg, True, self.text)
                        if unread is not None:
                            self._unread[words[0].start] = unread
                        self._sites.append((site, (m.group("bin") or m.group("default")) == "trtserver"))
        return self._sites

    def _runs(self, line: str, pos: int, m: re.Match, words: list) -> bool:
        """The server's word ``m`` where a shell reader found ``words`` is a command, not a name: options or
        an expansion follow it (the server takes no other arguments: ``trtserver gateway`` is a name), or it
        stands alone where a command stands (``_COMMAND_BEFORE``), as a program (a path to it in a ``bin``
        folder; ``/var/log/trtserver`` is a folder named for it)."""
        if _SCRIPT_BEFORE.search(line, 0, m.start()):
            return True  # the script of ``sh -c``/``su -c`` (unquoted: this word alone; the next is not its)
        if len(words) > 1:
            nxt = words[1]
            return nxt.value.startswith("-") or nxt.dynamic or line.startswith("{{", nxt.start - pos)
        path = m.group("path")
        if path is not None and _PROGRAM_FOLDER.search(path) is None:
            return False
        before = line[:m.start()]
        if before.endswith("`"):
            return not self._is_doc()
        return _COMMAND_BEFORE.search(before) is not None or self._runs_after_prefix(line, pos, m.start())

    def _runs_after_prefix(self, line: str, pos: int, at: int) -> bool:
        """The line read as shell from its start names the server's word as the program of its command, past
        prefixes that run what follows (``timeout 60 trtserver``, ``env X=1 trtserver``, ``sudo -u t trtserver``)."""
        groups = self._line_groups.get(pos)
        if groups is None:
            # (once a line: it may name the server often); and the value of a key (``pre = timeout 60 trtserver``)
            key = _KEY.match(line)
            groups = self._line_groups[pos] = [(g, 0) for g in self._groups(line, pos, 0)] + (
                [(g, 1) for g in self._groups(line, pos, key.end())] if key else [])
        for group, least in groups:
            ci = C.command_index(group)
            if ci is not None and ci >= least and group[ci].start <= pos + at < group[ci].end:
                return True
        return False

    def _words(self, line: str, pos: int, start: int):
        groups = self._groups(line, pos, start)
        return groups[0] if groups else []

    def _groups(self, line: str, pos: int, start: int) -> list:
        """The simple commands of ``line[start:]`` read as shell (cut before a quote or an operator that does
        not lex)."""
        rest = line[start:].rstrip("\r\n")
        if "{{" in rest:
            # a template's action (Jinja in a playbook, Go in a chart) is one value known at render time
            template = G.mask(rest)
            if template.error is None:
                rest = template.masked
        for cut in (len(rest), *[i for i, c in enumerate(rest) if c in "`\"'|;&)"][::-1]):
            try:
                tokens = lex(rest[:cut], base=pos + start).tokens
            except ShellSyntaxError:
                continue
            return C.split(tokens)
        return []

    def commands(self) -> list[CommandSite]:
        return [site for site, _ in self._server_sites()]

    # --- an image and its tag in two keys of one mapping (a YAML configuration of no known kind) ---------
    def _image_pairs(self) -> list[tuple[int, str, str, Span, int, int]]:
        """(where the image's repository starts, the repository, the tag, the tag's span, the mapping's start and
        end) of each mapping of a YAML file that writes a Triton image's repository in ``image`` and its tag in
        ``tag`` beside it (a Clara pipeline's ``container: {image: nvcr.io/nvidia/tritonserver, tag: 20.07-v1-py3}``),
        read as one image reference as Helm's ``repository``/``tag`` are."""
        if self._pairs is None:
            self._pairs = []
            name = self.path.replace("\\", "/").rsplit("/", 1)[-1].lower()
            if name.endswith((".yaml", ".yml")) and "tag" in self.text and (
                    facts.V1_IMAGE in self.text or "tritonserver" in self.text):
                try:
                    src = Y.load(self.text)
                except Exception:  # noqa: BLE001 - not YAML after all: its lines are read as text
                    return self._pairs
                for m in src.nodes():
                    image, tag = Y.get(m, "image"), Y.get(m, "tag")
                    if not isinstance(m, MappingNode) or not isinstance(image, ScalarNode) \
                            or not isinstance(tag, ScalarNode) or not isinstance(image.value, str):
                        continue
                    rsc, tsc = src.scalar(image), src.scalar(tag)
                    last = rsc.value.strip().rsplit("/", 1)[-1]
                    if last not in (facts.V1_IMAGE, "tritonserver") or not str(tag.value) or rsc.offsets is None:
                        continue
                    at = rsc.offsets[len(rsc.value) - len(rsc.value.lstrip())] if rsc.value.strip() else rsc.start
                    self._pairs.append((at, rsc.value.strip(), str(tag.value), Span(tsc.start, tsc.end),
                                        m.start_index, Y.node_end(src, m)))
        return self._pairs

    def tag_beside(self, at: int) -> tuple[str, str, str, Span, str, str | None] | None:
        for start, _repo, tag, span, _a, _b in self._image_pairs():
            if start == at:
                return "image", "tag", tag, span, "the image and tag keys of one mapping", None
        return None

    def _v1_pair_at(self, at: int) -> bool:
        """``at`` is inside a mapping whose image and tag keys name a V1 image (its command is a V1 line)."""
        return any(a <= at < b and facts.classify(f"{repo}:{tag}").v1 for _s, repo, tag, _sp, a, b in self._image_pairs())

    def command_lines(self) -> list[CommandLine]:
        out = []
        for site, v1 in self._server_sites():
            server = site.words[0]
            cl = CommandLine(self.text, [site.segment], server, v1 or self._v1_pair_at(server.start), "line")
            before = (self._line_start(server.start), server.start)
            if len(site.words) == 1 and (_PROGRAM_KEY.search(self.text, *before) or "command_args=" in self.text
                                         and _OPENRC_COMMAND.search(self.text, *before)):
                cl.extra["program_only"] = True
            if server.start in self._unread:
                # a list written one item a line that holds an item of no plain string (``"--x=" + params.p``):
                # its options are not known, so nothing is added to the server's word (a list item of its own)
                cl.extra["program_only"] = True
                cl.extra["unread"] = self._unread[server.start]
            out.append(cl)
        return out

    def _line_start(self, at: int) -> int:
        return self.text.rfind("\n", 0, at) + 1

    # --- documentation ---------------------------------------------------------------------------
    def _is_doc(self) -> bool:
        name = self.path.replace("\\", "/").rsplit("/", 1)[-1].lower()
        return name.endswith(_DOC_SUFFIXES) and not name.startswith(("requirements", "constraints")) \
            and not _is_cmake(name)

    def advisory(self) -> list[tuple[int, int]]:
        """The prose of a documentation file: outside code blocks and command lines."""
        if not self._is_doc():
            return []
        code = sorted(self._code_spans())
        # a command outside code blocks counts when it starts its line or gives options (``start it
        # with: trtserver --model-store=/m``); the server merely named in a sentence (``we moved from
        # `trtserver` in 2020``) is prose
        code += [(s.words[0].start, s.words[-1].end) for s in self.commands()
                 if _inside(code, s.words[0].start) or not self._line_before(s.words[0].start).strip(" \t`$>")
                 or any(w.value.startswith("-") for w in s.words[1:])]
        code.sort()
        out: list[tuple[int, int]] = []
        pos = 0
        for a, b in code:
            if a > pos:
                out.append((pos, a))
            pos = max(pos, b)
        if pos < len(self.text):
            out.append((pos, len(self.text)))
        return out

    def _line_before(self, at: int) -> str:
        return self.text[self.text.rfind("\n", 0, at) + 1:at]

    def _code_spans(self) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        rst = self.path.lower().endswith(".rst")
        fence: str | None = None
        literal_indent: int | None = None  # reStructuredText: the block after a "::" line
        prev_blank = True
        pos = 0
        for line in self.text.splitlines(keepends=True):
            body = line.rstrip("\r\n")
            indent = len(body) - len(body.lstrip(" \t"))
            m = _FENCE.match(body)
            if fence is not None:
                out.append((pos, pos + len(line)))
                if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                    fence = None
            elif m and not rst:
                fence = m.group(1)
                out.append((pos, pos + len(line)))
            elif literal_indent is not None and (not body.strip() or indent > literal_indent):
                out.append((pos, pos + len(line)))
            elif not rst and body.strip() and indent >= 4 and (prev_blank or out and out[-1][1] == pos) \
                    and not body.lstrip().startswith(("-", "*")):
                out.append((pos, pos + len(line)))  # an indented code block
            else:
                literal_indent = None
                if rst and (body.rstrip().endswith("::") or body.lstrip().startswith(".. code")):
                    literal_indent = indent
            prev_blank = not body.strip()
            pos += len(line)
        return out


def _json_list(line: str, pos: int, at: int) -> list | None:
    """The server word at ``at`` as the first string of a JSON list on its line (``command: ["trtserver",
    "--model-store=/m"]`` in a CI file of no known kind), with the strings after it; None otherwise."""
    start = line.rfind("[", 0, at)
    if start >= 0 and not line[start + 1:at].strip():
        return _plain_flow_list(line, pos, start)
    if start < 0 or line[start + 1:at].strip() != '"':
        return None
    depth, end = 0, -1
    for k in range(start, len(line)):
        if line[k] == "[":
            depth += 1
        elif line[k] == "]":
            depth -= 1
            if depth == 0:
                end = k + 1
                break
    if end < 0:
        return None
    return json_array_words(line[start:end], range(pos + start, pos + end))


#: what stands between the items of a program's argument list written over several lines (``[]string{``,
#: ``args: [``, ``exec.Command(``): blanks, commas and line comments
_ITEM_GAP = re.compile(r"(?:[ \t\r\n,]|//[^\n]*|#[^\n]*)*")
#: what may open such a list before the server's item: a bracket, after blanks (on its line or the line before)
_LIST_OPEN = re.compile(r"[\[{(][ \t]*(?://[^\n]*)?\r?\n?[ \t]*\Z")
_LIST_CLOSE = {"[": "]", "{": "}", "(": ")"}
#: the most items read of such a list
_MAX_ITEMS = 200


def _item_list(text: str, start: int, end: int) -> tuple[list | None, str | None]:
    """The server's word ``text[start:end]`` as the first quoted item of a list of string literals that goes on
    past its line (a Go ``[]string{``, a Jsonnet ``args: [``, ``exec.Command(``, one item a line): (its items
    as words, None), so that the server's options are judged from the whole list and new ones are items of
    their own; (the server's item alone, the first item that is no plain string literal) when the list holds one
    (``"--model-store=" + $.params.path``: its options are not known); (None, None) when the word is no such
    item."""
    if start == 0 or end >= len(text):
        return None, None
    q = text[start - 1]
    if q not in "\"'" or text[end] != q:
        return None, None
    line_start = text.rfind("\n", 0, start - 1) + 1
    before = text[max(0, text.rfind("\n", 0, max(0, line_start - 1)) + 1):start - 1]
    opened = _LIST_OPEN.search(before)
    if opened is None:
        return None, None
    close = _LIST_CLOSE[before[opened.start()]]
    words = [Word(start - 1, end + 1, text[start:end], range(start, end), False, q, end)]
    i = end + 1
    crossed = False
    while len(words) <= _MAX_ITEMS:
        gap = _ITEM_GAP.match(text, i)
        crossed = crossed or "\n" in gap.group(0)
        i = gap.end()
        if i >= len(text):
            break
        c = text[i]
        if c == close:
            # a list that ends on the server's own line is the one-line reader's (``_json_list``)
            return (words, None) if crossed else (None, None)
        if c in "\"'":
            j = i + 1
            while j < len(text) and text[j] not in (c, "\\", "\n"):
                j += 1
            if j < len(text) and text[j] == c:
                after = _ITEM_GAP.match(text, j + 1).end()
                if after >= len(text) or text[after] in ",\"'" + close or "\n" in text[j + 1:after]:
                    words.append(Word(i, j + 1, text[i + 1:j], range(i + 1, j), False, c, j))
                    i = j + 1
                    continue
        break
    if not crossed and "\n" not in text[end:i]:
        return None, None
    item = text[i:text.find("\n", i) if "\n" in text[i:] else len(text)].strip().rstrip(",")
    return [words[0]], item or "the list's end"


_PLAIN_ITEM = re.compile(r"[ \t]*([^\s,\[\]{}'\"#][^,\[\]{}#]*?)[ \t]*(,|\])")


def _plain_flow_list(line: str, pos: int, start: int) -> list | None:
    """The items of a YAML flow list of plain scalars opened at ``start`` (``[trtserver, --model-store=/m]``)
    as words, written back as JSON strings (which YAML reads too); None when an item is not plain."""
    words = []
    i = start + 1
    while True:
        m = _PLAIN_ITEM.match(line, i)
        if m is None:
            return None
        a, b = m.span(1)
        words.append(Word(pos + a, pos + b, m.group(1), range(pos + a, pos + b), False, "", pos + b))
        i = m.end()
        if m.group(2) == "]":
            return words


def _inside(spans: list[tuple[int, int]], at: int) -> bool:
    k = bisect.bisect_right(spans, (at, float("inf"))) - 1
    return k >= 0 and spans[k][0] <= at < spans[k][1]
