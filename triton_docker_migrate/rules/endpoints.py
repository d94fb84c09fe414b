"""4xx: V1 HTTP endpoints, health URLs on the removed health port, and the other names V1 gave its
protocol: the metrics V2 no longer exports and V1's gRPC service."""

from __future__ import annotations

import contextlib
from dataclasses import replace
import os
import re
from typing import Iterator, NamedTuple

from .. import evidence, facts
from ..documents.sites import Region
from ..selectors import Labelled
from ..model import Edit, Finding, Fix, Severity
from ..syntax.lines import line_end
from .argv import health_text
from .context import Context
from .registry import FixAvailability as F
from .registry import Rule, check, rule

I, W = Severity.INFO, Severity.WARNING


class Url(NamedTuple):
    v1: str  #: regex on the path, anchored at its start
    v2: str | None  #: replacement when the mapping is one-to-one and safe
    message: str
    suggestion: str | None = None


class UrlRule(NamedTuple):
    rule: Rule
    urls: tuple[Url, ...]


URL_RULES = (
    UrlRule(rule("TDM401", "v1-health-endpoint", I, F.ALWAYS, "/api/health/{live,ready} -> /v2/health/{live,ready}",
                 "Health URLs in HEALTHCHECK, compose health checks, probes, scripts. When the URL used the removed "
                 "health port, the port becomes the HTTP port too; when its port is a variable the file sets to the "
                 "removed health port (or gives it as a default: `local port=${1:-8005}`), the path moves and the "
                 "finding is a warning: set the port to the HTTP port where it is set; a port (or a URL base: "
                 "`$WEB_URL/api/health/ready`) held by a variable is judged by the value the file gives it (its "
                 "assignment, its default) as if written there, and one the file gives no value is a warning (known "
                 "only at run time). Only in a Triton context (a V1/V2 server "
                 "image, service or command line, a host named for the server, or a URL with a host in a file "
                 "that talks to Triton: a Triton client import, perf_analyzer, a client SDK image - in a CI file, the same "
                 "job; a URL to the host and port that a V1 status poll of the same file asks, "
                 "`curl http://$HOST:8000/api/status | grep -q SERVER_READY`, which only V1 answers; a shell file that a script of the "
                 "run sources when the script names the V1 server - a server line or image of its own, or "
                 "`SERVER=/opt/tensorrtserver/bin/trtserver` that the sourced file runs as `$SERVER` - is read as "
                 "naming it too): other applications' /api/health stay, and so does a URL to a host the file or the run shows to be "
                 "another application's (a container of another image, a Service whose pods run one), whatever its "
                 "name reads. A URL to `localhost` on a port where none of the file's servers answers stays too "
                 "(another program's): a script's, a make target's or a systemd or supervisord unit's server "
                 "answers on its HTTP port (`--http-port`, else 8000) or on the host ports `docker run -p` publishes "
                 "it on (its own ports when it runs on the host network: another container there is another "
                 "program); a GitHub Actions job's steps reach its Triton service containers on the runner's ports "
                 "their `ports` publish the HTTP port on; a GitHub Actions container's own health check (`options: "
                 "--health-cmd 'curl -f http://localhost:8005/api/health/ready'`) runs inside it: on another port than "
                 "the HTTP port it is a warning with the URL on the HTTP port as its suggestion (V2 has no health port "
                 "of its own). A route object's rules are judged each by its own backend."), (
        Url(r"/api/health/live\b", "/v2/health/live", "V1 health endpoint: V2 serves /v2/health/live"),
        Url(r"/api/health/ready\b", "/v2/health/ready", "V1 health endpoint: V2 serves /v2/health/ready"),
        Url(r"/api/health/(?![\w.-])", "/v2/health/", "V1 health endpoints (a route's prefix): V2 serves them "
            "below /v2/health/"),
        Url(r"/api/health(?![\w/.-])", "/v2/health", "V1 health endpoints (a route's prefix): V2 serves them "
            "below /v2/health"),
    )),
    UrlRule(rule("TDM402", "v1-status-endpoint", W, F.NEVER, "/api/status: no one-to-one V2 endpoint",
                 "V2 has readiness (`/v2/health/ready`, `/v2/models/<m>/ready`) and metadata (`/v2`, "
                 "`/v2/models/<m>`) instead; V1's status was protobuf text, so scripts that grep it change too."), (
        Url(r"/api/status(?:/[\w.-]+)?", None,
            "V1 status endpoint: V2 has no /api/status; the response format changed (JSON, not "
            "protobuf text), so callers that parse it must change too",
            "GET /v2/health/ready (server), /v2/models/<model>/ready (model readiness), "
            "/v2 (server metadata) or /v2/models/<model> (model metadata)"),
    )),
    UrlRule(rule("TDM403", "v1-infer-endpoint", W, F.NEVER, "/api/infer: the inference protocol changed",
                 "V2 uses the KServe v2 protocol at `/v2/models/<m>[/versions/<v>]/infer`: the body differs. A route "
                 "object of the run (an Ingress path, an HTTPRoute or VirtualService match) that sends V1's `/api` "
                 "prefix alone to a migrated server, or rewrites requests to it, is reported too: V2 serves "
                 "nothing there, and nothing of `/v2/...` is routed."), (
        Url(r"/api/infer(?![\w.-])(?:/[\w.-]*(?:/\d+)?)?", None,
            "V1 inference endpoint: V2 uses the KServe v2 protocol, the request body differs",
            "POST /v2/models/<model>[/versions/<v>]/infer with a KServe v2 JSON body"),
    )),
    UrlRule(rule("TDM404", "v1-model-control-endpoint", W, F.NEVER, "V1 model-control / repository endpoints",
                 "`POST /v2/repository/models/<m>/load|unload`, `POST /v2/repository/index`; explicit mode needed."), (
        Url(r"/api/modelcontrol(?![\w.-])(?:/(?:load|unload)(?![\w.-])(?:/[\w.-]*)?)?", None,
            "V1 model-control endpoint: V2 needs --model-control-mode=explicit and a new URL",
            "POST /v2/repository/models/<model>/load (or /unload)"),
        Url(r"/api/repository/index\b", None,
            "V1 repository index (GET): V2 serves it as POST /v2/repository/index", "POST /v2/repository/index"),
    )),
    UrlRule(rule("TDM405", "v1-other-endpoint", W, F.NEVER, "V1 shared-memory / profile endpoints",
                 "No one-to-one V2 endpoint: `/v2/systemsharedmemory`, `/v2/cudasharedmemory`, `/v2/trace/setting`."), (
        Url(r"/api/(?:sharedmemorycontrol|profile)\b[\w./-]*", None,
            "V1 endpoint with no one-to-one V2 replacement",
            "/v2/systemsharedmemory/..., /v2/cudasharedmemory/... or /v2/trace/setting"),
    )),
)
_ROWS = [(ur.rule, url, re.compile(url.v1)) for ur in URL_RULES for url in ur.urls]
# an optional scheme://host:port (or host:port) right before the path
# (the look-behind starts a host only at the start of a word run: linear time on long lines)
_URL = re.compile(r"(?:(?<![\w.-])(?P<scheme>https?://)?(?P<host>[\w.-]+|\[[0-9a-fA-F:]+\]"
                  r"|\$\{[A-Za-z_]\w*(?::?[-=][^}\s]*)?\}|\$[A-Za-z_]\w*)?(?::(?P<port>\d+))?)?"
                  r"(?P<path>/api/[\w/.-]+)")
_V2_HEALTH = re.compile(r"(?<![\w.-])(?:https?://)?(?:[\w.-]+|\[[0-9a-fA-F:]+\])?:(?P<port>\d+)"
                        r"(?P<path>/v2/health/(?:live|ready))\b")


@check(order=33)
def check_endpoints(doc, ctx: Context) -> Iterator[Finding]:
    # a script or a configuration of no known kind named for the server (``wait-for-triton.sh``,
    # ``consul-triton.json``) talks to it as a client does (a container's own file is judged by its container)
    client = evidence.talks_to_triton(doc.text) or \
        doc.kind in _NAMED_FILES and _TRITON_HOST.search(os.path.basename(doc.path)) is not None
    named = doc.kind in _SCRIPTS and (_NAMES_SERVER.search(doc.text) is not None or bool(ctx.server_lines())
                                      or sourced_by(doc) is not None)
    stages: dict = {}  # a Dockerfile's build stage (a CI file's job): it talks to Triton or not (a client SDK stage)
    local = LocalPorts(doc, ctx)
    polled = polled_hosts(doc.regions())
    for region in doc.regions():
        talks = client
        if client and doc.kind == "dockerfile" and (region.offsets or region.base):
            i = doc.stage_index_at(region.off(0))
            if i not in stages:
                stages[i] = evidence.talks_to_triton(doc.stage_text(i))
            talks = stages[i]
        elif client and doc.kind == "ci" and (region.offsets or region.base):
            # a CI file: each job runs on a runner of its own (``perf_analyzer`` in another job is not this one's)
            job = doc.job_text(region.off(0))
            if job is not None:
                if id(job) not in stages:
                    stages[id(job)] = evidence.talks_to_triton(job)
                talks = stages[id(job)]
        found = check_region(region, ctx, talks, named, talks and _host_field(doc.text, region), local, polled)
        yield from (map(lambda f: endpoint_path(region, f), found) if region.label == "endpoint" else found)


def endpoint_path(region: Region, f: Finding) -> Finding:
    """``f`` for a path written without its leading slash (an HTTP operator's ``endpoint="api/health/ready"``,
    read as ``/api/health/ready``): its edit keeps the style (``v2/health/ready``)."""
    if f.fix is None:
        return f
    start = region.off(0)
    edits = tuple(Edit(e.span, e.content[1:]) if e.span.start == start and e.content.startswith("/") else e
                  for e in f.fix.edits)
    return replace(f, fix=replace(f.fix, edits=edits))


def may_run_triton(image: str, lines) -> bool:
    """A container that runs a server line, a Triton image, an image whose name names the server
    (``registry.local/trtserver:latest``), or an image this file cannot name (a variable, a local build)."""
    return bool(lines) or not image or "$" in image or "{" in image or facts.classify(image).triton \
        or facts.classify(image).local_v1 or _TRITON_HOST.search(image) is not None


#: real path of a file -> the hosts the other files of the run show to be other applications' (a Service that
#: selects only other pods, a compose service of another image): set by the batch run (``batch/finish.py``,
#: ``other_applications``) while it processes the files again
_RUN_OTHERS: dict[str, frozenset[str]] = {}


@contextlib.contextmanager
def run_other_hosts(others: dict[str, frozenset[str]]):
    """While the run's files are processed again: ``other_hosts`` adds what the run says of each file's hosts."""
    before = dict(_RUN_OTHERS)
    _RUN_OTHERS.update(others)
    try:
        yield
    finally:
        _RUN_OTHERS.clear()
        _RUN_OTHERS.update(before)


#: real path of a shell file -> the V1 scripts of the run that source it: (the script as reported, the variable
#: holding the V1 server that the file runs or "", the line that runs it or 0); set by the batch run
#: (``batch/finish.py``, ``sourced_helpers``) while it processes such files again
_RUN_SOURCED: dict[str, list[tuple[str, str, int]]] = {}


@contextlib.contextmanager
def run_sourced(sourced: dict[str, list[tuple[str, str, int]]]):
    """While the run's files are processed again: a file that a V1 script of the run sources (``source
    ../common/util.sh`` beside ``SERVER=/opt/tensorrtserver/bin/trtserver``) names the server as that script does:
    its URLs on the server's HTTP port are the server's (``check_endpoints``' ``named``)."""
    before = dict(_RUN_SOURCED)
    _RUN_SOURCED.update(sourced)
    try:
        yield
    finally:
        _RUN_SOURCED.clear()
        _RUN_SOURCED.update(before)


def sourced_by(doc) -> list[tuple[str, str, int]] | None:
    """The V1 scripts of the run that source this shell file (``run_sourced``), or None."""
    if not _RUN_SOURCED or doc.kind != "shell" or not doc.path:
        return None
    return _RUN_SOURCED.get(os.path.realpath(doc.path))


def named_hosts(text: str, spans) -> set[str]:
    """The hosts named for the server (``triton``, ``trtis-svc``) of the URLs whose paths start at ``spans``'
    starts in ``text``: whose Triton context may be their name alone."""
    out: set[str] = set()
    for start in spans:
        m = _HOST_BEFORE.search(text, max(0, start - 300), start)
        if m is not None and _TRITON_HOST.search(m.group("host")) and m.group("host").lower() not in facts.LOCAL_HOSTS:
            out.add(m.group("host").lower())
    return out


_HOST_BEFORE = re.compile(r"(?<![\w.-])(?:https?://)?(?P<host>[A-Za-z_][\w.-]*)(?::\d+)?\Z")


_BUILD_TAG = re.compile(r"\bbuild\b[^\n]*?[ \t](?:-t|--tag)(?:=|[ \t]+)(\S+)")


def other_hosts(doc, ctx: Context) -> frozenset[str]:
    """The host names this file gives to another application's containers: a ``docker run --name``, a compose
    service (its names and aliases), a CI job's service container (its alias), a Kubernetes Service whose
    selected pods of the file all run other images - each known to run no Triton image nor server line (CONTRACT.md,
    "V1 evidence": a URL is Triton's when its host is a Triton service's, not because the name reads as one:
    ``--name trtserver acme/flask-api``). A name the file also gives a Triton container is not another's."""
    got = ctx._other_hosts
    if got is not None:
        return got
    other: set[str] = set()
    triton: set[str] = set()
    try:
        topo = ctx.topology()
    except Exception:  # a document that cannot say: no host is known as another's
        topo = None
    # an image the file builds itself (``docker build -t``) may be built on Triton: not known as another's
    built = {t for b in getattr(topo, "builds", ()) for t in b.tags}
    if "build" in doc.text:  # (a build whose Dockerfile is not in the tree: its tag as written)
        built |= {m.group(1).strip("\"'") for m in _BUILD_TAG.finditer(doc.text)}
    # (a container given options alone, ``IMAGE --model-store=/models``, gives them to its image's entrypoint: a
    # server's, maybe)
    for d in getattr(topo, "docker_runs", ()):
        if d.name:
            (triton if d.image in built or d.options or may_run_triton(d.image, d.lines) else other).add(d.name.lower())
    for c in getattr(topo, "compose", ()):
        (triton if c.build or c.options or may_run_triton(c.image, c.lines) else other).update(
            h.lower() for h in c.hosts + c.names + ([c.container] if c.container else []) if h)
    pods = Labelled(getattr(topo, "pods", ()), lambda p: p.labels)
    for svc in getattr(topo, "services", ()):
        chosen = [p for p in pods.picked(svc.selector)
                  if svc.namespace is None or p.namespace is None or svc.namespace == p.namespace]
        if chosen:
            (triton if any(c.options or may_run_triton(c.image, c.lines) for p in chosen for c in p.containers)
             else other).add(svc.name.lower())
    for name, image in getattr(doc, "service_hosts", lambda: ())():
        (triton if may_run_triton(image, ()) else other).add(name.lower())
    run = _RUN_OTHERS.get(os.path.realpath(doc.path), ()) if _RUN_OTHERS else ()
    got = frozenset((other | set(run)) - triton)
    ctx._other_hosts = got
    ctx._triton_hosts = frozenset(triton)
    return got


def server_host(host: str, doc, ctx: Context) -> bool:
    """``host`` may be the server's as this file (or the run) knows it: a name the file gives a Triton container
    (``docker run --name``, a compose service), a name read as the server's (``triton``, ``trtis-svc``) that no
    other application of the file or run holds, or the machine's own address (judged as written)."""
    others = other_hosts(doc, ctx)
    host = host.lower()
    if host in facts.LOCAL_HOSTS or another_app(host, ctx._triton_hosts or frozenset()):
        return True
    return not another_app(host, others) and _TRITON_HOST.search(host) is not None


def loop_hosts_of(region: Region, m: re.Match, ctx: Context) -> list[str]:
    """The hosts a ``for`` loop gives the URL ``m``'s host variable (``loop_hosts``)."""
    from .follow import loop_hosts

    return loop_hosts(m.group("host") or "", ctx.doc.text, region.off(m.start())) or []


def loop_verdict(region: Region, m: re.Match, doc, ctx: Context) -> str | None:
    """A URL whose host is a shell ``for`` loop's variable with a literal list (``for svc in web api; do curl
    http://$svc:8000/...``): judged by the hosts listed. ``other`` when none of them may be the server (another
    program's URL, left to the run's follow-through), ``mixed`` when only some may (the same URL asks the others:
    no edit), None when all may or the host is no such variable."""
    host = m.group("host") or ""
    if not host.startswith("$") or "for" not in doc.text:
        return None
    from .follow import loop_hosts

    listed = loop_hosts(host, doc.text, region.off(m.start()))
    if not listed:
        return None
    servers = [h for h in listed if server_host(h, doc, ctx)]
    if not servers:
        return "other"
    return "mixed" if len(servers) < len(listed) else None


def another_app(host: str | None, hosts: frozenset[str]) -> bool:
    """``host`` (as a URL writes it: ``flask``, ``web.prod.svc.cluster.local``) is one of ``hosts``."""
    if not host or not hosts:
        return False
    host = host.lower()
    return host in hosts or host.split(".", 1)[0] in hosts


#: the machine's (or a container's) own address: what a URL to it reaches depends on where the command runs
_LOOPBACK = facts.LOCAL_HOSTS - {"host.docker.internal"}  # (that one is the host as seen from a container)


class LocalPorts:
    """Where a URL to ``localhost`` written in this file reaches, as far as this file tells: the ports its
    own servers answer on there. A ``docker exec NAME``/``kubectl exec TARGET`` command runs in that container
    or pod (its ``localhost`` is the server's only when NAME is this file's server container, and then on the
    server's HTTP port); elsewhere a script's, a make target's, a systemd or supervisord unit's (any of its
    programs) or a Python launcher's ``localhost`` is the machine's, where a server of the file answers on its
    HTTP port when it runs there and on the host ports ``docker run -p`` publishes it on; a GitHub job's step's
    is the runner's, where the job's service containers answer on the ports they publish (``_runner``); a
    Dockerfile's (its ``HEALTHCHECK``) is the container's, where the server answers on its HTTP port. ``judge``
    says ``other`` for a URL that reaches none of them (another program's: left to the run's follow-through,
    which knows the other files) and for a path after a URL base the file sets once to another service's host
    and port, ``warn`` for a Dockerfile's URL on another port."""

    def __init__(self, doc, ctx: Context) -> None:
        self.doc, self.ctx = doc, ctx
        self._ready = False

    def _runner(self, at: int, port: str) -> str | None:
        """A CI job's step on the runner: ``localhost`` reaches the job's service containers on the host ports
        they publish. A port that no Triton service of the job publishes its HTTP port on is another service's
        when a Triton service publishes it on known ports, or when another service publishes that port
        (``curl localhost:9000/...`` beside ``api`` publishing ``9000:9000``)."""
        services = getattr(self.doc, "runner_services", lambda _at: None)(at)
        if not services:
            return None
        own = {_HTTP_PORT} | set(self.ctx.health_ports)
        host: set = set()
        others: set = set()
        known = True
        for image, entries in services:
            triton = may_run_triton(image, ())
            for published, target in entries:
                if not triton:
                    others.add(published)
                elif target in own:
                    # (a port the runner picks, ``ports: [8000]``, or one set at run time: not known)
                    known = known and published is not None and published.isdigit()
                    host.add(published)
        if port in host:
            return None
        return "other" if known and host or port in others else None

    def _read(self) -> None:
        self._ready = True
        self.execs: list = []
        self.host: set | None = None  #: host ports of this file's servers (None: not known)
        self.inside: set | None = None  #: their ports in their own container
        self.names: set = set()  #: the names ``docker exec`` reaches their containers by
        kind = self.doc.kind
        if kind not in ("shell", "makefile", "dockerfile", "python", "unit"):
            return
        lines = self.ctx.server_lines()
        if not lines or any(not res.http_port.isdigit() for _cl, res in lines):
            return
        topo = self.ctx.topology()
        self.execs = [ex for ex in getattr(topo, "execs", ()) if ex.kind != "build"]
        if topo.pods or topo.compose:
            return
        health = set(self.ctx.health_ports)
        runs = {id(cl): d for d in topo.docker_runs for cl in d.lines}
        builds = {id(cl) for b in getattr(topo, "builds", ()) for cl in b.lines}
        host: set = set()
        inside: set = set()
        for cl, res in lines:
            own = {res.http_port} | ({res.health_port} if res.health_port else set()) | health
            inside |= own
            d = runs.get(id(cl))
            if kind == "dockerfile":
                if id(cl) not in builds:
                    return
            elif d is not None:
                if d.network == "host":
                    host |= own  # on the machine's network: its own ports are the machine's
                elif not d.ports.entries:
                    return  # no port published: where it answers is not known
                else:
                    host |= {e.host for e in d.ports.entries if e.port in own and e.host}
                if d.name:
                    self.names.add(d.name)
            else:
                host |= own
        self.host, self.inside = host, inside

    def server_ports(self) -> frozenset[str] | None:
        """The ports the file's servers answer on in their pod or container: their HTTP ports, the removed
        health ports, and the default gRPC and metrics ports (None: a port set at run time, not known)."""
        if not hasattr(self, "_ports"):
            ports = set(_SERVER_PORTS) | set(self.ctx.health_ports)
            for _cl, res in self.ctx.server_lines():
                ports |= {res.http_port} | ({res.health_port} if res.health_port else set())
            self._ports = frozenset(ports) if all(p.isdigit() for p in ports) else None
        return self._ports

    def sidecar(self, region: Region, m: re.Match) -> bool:
        """A sidecar's URL that reaches the server: on ``localhost`` at one of the server's ports (or with no
        port written), or on another host (judged as any URL to it is). A bare path (``--health-path=/api/...``
        in its ``args``) is a route of its own program, a ``localhost`` URL on a port of its own its own endpoint."""
        host, port = m.group("host"), m.group("port")
        if not host:
            return False
        if host.lower() not in _LOOPBACK or not port:
            return True
        ports = self.server_ports()
        return ports is None or port in ports

    def own_route(self, region: Region, m: re.Match) -> bool:
        """A bare path given as an option's value on another program's command line (``docker run ... myserver
        --health /api/health/ready`` beside the server's ``docker run``): that program's own route, not a
        request to the server. The server's own options, a client's (``curl``) and a program that names the
        server (``wait-for-triton.sh --path ...``) keep theirs."""
        if not region.shell or m.group("host") or m.group("scheme") or m.group("port") \
                or m.start() == 0 and region.placeholder:
            return False
        at = region.off(m.start("path"))
        site = None
        for s in self._sites():
            if s.words and s.words[0].start <= at < s.words[-1].end and (
                    site is None or s.words[0].start >= site.words[0].start and s.words[-1].end <= site.words[-1].end):
                site = s
        if site is None:
            return False
        words = site.words
        if words[0].dynamic and len(words) > 1:
            # ``docker run $FLAGS $IMAGE myserver ...``: a variable that holds another image is no program
            held = getattr(self.doc, "resolve", lambda v: v)(words[0].value)
            if "$" not in held and _IMAGE_REF.fullmatch(held) and not facts.classify(held).triton:
                words = words[1:]
        program = words[0]
        name = os.path.basename(program.value)
        if program.dynamic or not name or name.startswith("-") or name in _SERVERS or name in _CLIENTS \
                or any(_TRITON_HOST.search(w.value) for w in site.words):
            return False
        k = next((k for k, w in enumerate(words) if w.start <= at < w.end), None)
        if not k:
            return False
        word = words[k]
        return word.value.startswith("-") and "=" in word.value \
            or word.value.startswith("/") and words[k - 1].value.startswith("-") and "=" not in words[k - 1].value

    def _sites(self) -> list:
        if not hasattr(self, "_commands"):
            try:
                self._commands = self.doc.commands()
            except (AttributeError, NotImplementedError):
                self._commands = []
        return self._commands

    def judge(self, region: Region, m: re.Match) -> str | None:
        host, port = m.group("host"), m.group("port")
        others = other_hosts(self.doc, self.ctx)
        if host and host.startswith("$") and (loop := loop_verdict(region, m, self.doc, self.ctx)) is not None:
            return loop
        if another_app(host, others):
            return "other"  # ``curl http://flask:8000/api/health/ready`` beside ``docker run --name flask acme/flask``
        if others and host and host.lower() in _LOOPBACK:
            # ``docker exec web curl localhost:8000/...``: inside another application's container
            at = region.off(m.start())
            ex = next((e for e in getattr(self.ctx.topology(), "execs", ())
                       if e.kind != "build" and e.start <= at < e.end), None)
            if ex is not None and ex.kind in ("container", "compose") and another_app(ex.name, others):
                return "other"
        if not host and m.start() == 0 and region.placeholder:
            # ``ORDERS + "/api/health/ready"`` with ``ORDERS = "http://orders.internal:9000"`` set once: the
            # base's host and port say whose path it is, as they would written inline
            from .follow import bare_name, base_url

            base = base_url(bare_name(region.placeholder), self.doc.text)
            if base is not None and _another_service(base[0], base[1], self.ctx, self.doc.text):
                return "other"
            return None
        if port is None and (expr := _port_expression(region, m)) is not None:
            # ``localhost:${PORT}/api/...``: the port's value decides, as if it were written there
            host, port = self._port_value(region, m, expr)
            if port is None:
                return host
        elif port is None and host and host.startswith("$"):
            # ``$WEB_URL/api/...`` with ``WEB_URL=${WEB_URL:-http://localhost:9000}``: the base the file gives it
            # says whose path it is, as it would written inline
            from .follow import variable_host

            b = _BASE_VALUE.fullmatch(variable_host(host, self.doc.text) or "")
            if b is not None:
                if _another_service(b.group("host"), b.group("port"), self.ctx, self.doc.text):
                    return "other"
                host, port = b.group("host"), b.group("port")
        if not host or host.lower() not in _LOOPBACK or not port:
            return None
        if self.doc.kind == "ci":
            inside = getattr(self.doc, "container_options", lambda _at: None)(region.off(m.start()))
            if inside is not None:
                # a container's own health check (``--health-cmd`` in its ``options``) runs inside it: the server
                # answers on its HTTP port; V2 has no health port of its own to answer on another
                if not may_run_triton(inside, ()):
                    return "other"
                return None if port == _HTTP_PORT else "health"
            return self._runner(region.off(m.start()), port)
        if not self._ready:
            self._read()
        at = region.off(m.start())
        ex = next((e for e in self.execs if e.start <= at < e.end), None)
        if ex is not None:
            if ex.kind != "container" or ex.name not in self.names:
                return "other"  # another container's (or a pod's) localhost: the follow-through's to judge
            return None if self.inside is not None and port in self.inside else "other"
        if self.doc.kind == "dockerfile":
            return "warn" if self.inside is not None and port not in self.inside else None
        return "other" if self.host is not None and port not in self.host else None


    def _port_value(self, region: Region, m: re.Match, expr: str) -> tuple[str | None, str | None]:
        """The host written before the port expression ``expr`` of the URL ``m`` and the port the file gives the
        expression (its value, its default: ``_port_variable``); (None, None) when the port is written as the
        removed health port's own expression (``check_region`` moves it), (``"runtime"``, None) when the file
        gives it no value (known only at run time)."""
        if health_text(expr) in self.ctx.health_ports:
            return None, None
        held = _port_variable(region, m, self.ctx)
        d = _DEFAULT_PORT.fullmatch(expr)  # ``${PORT:-8000}``: its default, where the file does not set it
        port = held[1] if held is not None else self.doc.resolve(expr) if "$" in expr else None
        port = port if port and port.isdigit() else d.group("port") if d is not None else None
        if port is None:
            return "runtime", None
        before = _HOST_BEFORE_PORT.search(region.text, max(0, m.start("host") - 300), m.start("host") - 1)
        host = before.group("host") if before is not None else None
        if host is not None and host.startswith("$"):
            from .follow import variable_host

            host = variable_host(host, self.doc.text) or host  # ``${HOST:-localhost}``: its one value
        return host, port


#: a URL base a variable holds: scheme, host and port
_BASE_VALUE = re.compile(r"https?://(?P<host>[\w.-]+|\[[0-9a-fA-F:]+\]):(?P<port>\d{1,5})/?")
#: the host right before a URL's ``:PORT`` (``http://localhost`` of ``http://localhost:${PORT}``)
_HOST_BEFORE_PORT = re.compile(r"(?<![\w.$-])(?:https?://)?(?P<host>[\w.-]+|\[[0-9a-fA-F:]+\]|\$\{[A-Za-z_]\w*(?::?[-=][^}\s]*)?\}"
                               r"|\$[A-Za-z_]\w*)\Z")


def _host_field(text: str, region: Region) -> bool:
    """``region`` follows an f-string's field that follows a scheme: ``f"http://{url}/api/..."``."""
    held = region.placeholder
    if not held or not held.startswith("{") or not region.text.startswith("/"):
        return False
    return text.endswith("://", 0, region.off(0) - len(held))


@check(order=34)
def check_health_paths_in_env_files(doc, ctx: Context) -> Iterator[Finding]:
    """A Triton service's health check that expands a variable whose value in the ``.env`` beside it is a V1
    path (``READY_PATH=/api/health/ready``): V2 answers 404 there; the value is changed where it is set."""
    from .images import env_file_values

    files: dict[str, dict[str, tuple[str, int]]] = {}
    for name, span, env in doc.interpolated_health_paths():
        values = files.setdefault(env, env_file_values(env))
        value, line = values.get(name, ("", 0))
        m = _ENV_PATH.fullmatch(value.strip())
        if m is None:
            continue
        for r, url, rx in _ROWS:
            pm = rx.match(m.group("path"))
            if pm is None:
                continue
            where = f"{os.path.basename(env)}:{line}"
            new = value.replace(pm.group(0), url.v2, 1) if url.v2 else None
            yield r.finding(span, f"the health check reads {name} from {where}: {value} is V1's; "
                            f"{url.message}: set it there" + (f" ({name}={new})" if new else ""),
                            Severity.WARNING, suggestion=f"{name}={new}" if new else url.suggestion)
            break


#: a value that is a V1 endpoint path, or a URL ending in one
_ENV_PATH = re.compile(r"(?:https?://[^/\s]+)?(?P<path>/api/[\w/.-]+)")


#: a script (not a file of many services) that names the server (``echo "trtserver is ready"``,
#: ``print("waiting for tritonserver")``): a URL on Triton's HTTP port to one of V1's own endpoints in it
#: is the server's readiness check; on another port it may be another service's (fixtures/shell/traps.sh).
#: A path's component (``mkdir -p /var/log/trtserver``) names a folder, not the server (a server started by
#: its path is a command line of the script)
_SCRIPTS = ("shell", "python")
_NAMED_FILES = ("shell", "python", "text")
_NAMES_SERVER = re.compile(r"(?<![\w/-])(?:trtserver|tritonserver)(?![.\-_A-Za-z0-9/])")
_HTTP_PORT = str(dict(facts.DEFAULT_PORTS)["http-port"])


#: a host that names the inference server (a URL to it is a Triton context even in a file that does
#: not start the server: a readiness loop, a client, a route)
_TRITON_HOST = facts.TRITON_HOST
#: a V1 status poll that greps the protobuf text for readiness
_STATUS_GREP = re.compile(r"\b(?:SERVER_READY|MODEL_READY)\b")


_VAR_HOST = re.compile(r"\$\{?([A-Za-z_]\w*)")


def _host_key(host: str) -> str:
    """A URL's host as a key: ``${ADDR}`` and ``$ADDR`` are one."""
    m = re.fullmatch(r"\$\{?([A-Za-z_]\w*)\}?", host)
    return f"${m.group(1)}" if m is not None else host.lower()


def polled_hosts(regions) -> frozenset[tuple[str, str | None]]:
    """(host, port) of the URLs of ``regions`` (a file's) whose V1 status poll greps the body for
    ``SERVER_READY``/``MODEL_READY``: only a V1 server answers that, so the file's other URLs to the same host and
    port reach it too (``until curl -sf "http://${ADDR}:8000/api/health/ready"`` before
    ``curl -s "http://${ADDR}:8000/api/status" | grep -q SERVER_READY``)."""
    out = set()
    for region in regions:
        text = region.text
        if "/api/status" not in text or _STATUS_GREP.search(text) is None:
            continue
        for m in _URL.finditer(text):
            if m.group("host") and m.group("path").startswith("/api/status") and _STATUS_GREP.search(
                    text, text.rfind("\n", 0, m.start()) + 1, line_end(text, m.end())):
                out.add((_host_key(m.group("host")), m.group("port")))
    return frozenset(out)


def _names_triton(host: str, text: str) -> bool:
    """The host names the inference server: ``triton-svc``, ``${TRITON_HOST:-localhost}``, a Python
    f-string's ``{TRITON_URL}``, or a variable set from such a name in the same text
    (``HOST=${TRITON_HOST:-localhost}``)."""
    if _TRITON_HOST.search(host):
        return True
    m = _VAR_HOST.match(host)
    if m is None:
        return False
    for a in re.finditer(r"(?m)(?:^|[;&|\s])(?:export\s+|local\s+|readonly\s+)?" + re.escape(m.group(1)) +
                         r"=(\S+)", text):
        if _TRITON_HOST.search(a.group(1)):
            return True
    return False


#: a path that is a script's variable's value (``READY=/api/health/ready``): not a route of a proxy's configuration
#: (``HOST=triton`` beside it is no route's target); its uses judge it (the run's follow-through)
_ASSIGNED = re.compile(r"(?<![\w.-])[A-Za-z_]\w*=[\"']?\Z")


def triton_urls(region: Region, client: bool = False, named: bool = False,
                host_field: bool = False, local: LocalPorts | None = None,
                polled: frozenset = frozenset()) -> Iterator[re.Match]:
    """The URLs (or bare paths) of ``region`` that reach the inference server: every one in a Triton
    context; elsewhere those whose host names it, URLs with a host and a port or scheme to one of V1's own
    endpoints in a file that talks to Triton (``client``: it imports a Triton client, runs perf_analyzer or
    a client SDK image: a notebook, a smoke test, a Job; not its own routes, which are bare paths), those on
    Triton's HTTP port 8000 in a script that names the server (``named``), those right after a host given
    by an f-string's field after a scheme (``host_field``: ``f"http://{url}/api/status"``) in a file that talks to
    Triton, and V1 status polls that read the server's readiness from the body (only V1 Triton
    answered ``SERVER_READY``/``MODEL_READY`` there) and the URLs to V1's own endpoints on a host and port such a
    poll of the file asks (``polled``: ``polled_hosts``). ``local``: the ports this file's servers answer on at
    ``localhost``; a URL there that reaches none of them is another program's (``LocalPorts``), and a sidecar's
    (``Region.sidecar``) is the server's only on ``localhost`` at the server's ports (``LocalPorts.sidecar``); a
    bare path given as an option's value on another program's command line is that program's own route
    (``LocalPorts.own_route``)."""
    if "/api/" not in region.text and "/v2/health/" not in region.text:
        return
    text = region.text
    status_poll = _STATUS_GREP.search(text) is not None
    # a proxy configuration held in one value (a ConfigMap's nginx.conf) that routes to the server: its
    # bare paths are routes to it
    routes = "/api/" in text and evidence.route_target(text)
    for m in _URL.finditer(text):
        if m.start("path") > 0 and m.group("port") is None and m.group("scheme") is None \
                and not (m.group("host") or "").startswith("$") and re.match(r"[\w.-]", text[m.start("path") - 1]):
            continue  # ``app/api/health``: a path of something else (``$BASE_URL/api/...`` is a URL)
        host = m.group("host") or (region.placeholder if m.start() == 0 and region.placeholder else "")
        if region.triton and (local is None or (not region.sidecar or local.sidecar(region, m))
                              and not local.own_route(region, m)) \
                or _names_triton(host, text) \
                or routes and not host and not _ASSIGNED.search(text, max(0, m.start() - 80), m.start()) \
                and evidence.routes_to_server(text, m.start("path")) \
                or (client and (m.group("host") and (m.group("port") or m.group("scheme")
                                                     or m.group("host").startswith("$"))
                                or m.start() == 0 and host_field)  # ``f"http://{url}/api/status"``
                    and evidence.V1_OWN_ENDPOINT_TEXT.match(m.group("path"))) \
                or (named and m.group("host") and m.group("port") == _HTTP_PORT
                    and evidence.V1_OWN_ENDPOINT_TEXT.match(m.group("path"))) \
                or (status_poll and m.group("path").startswith("/api/status") and _STATUS_GREP.search(
                    text, text.rfind("\n", 0, m.start()) + 1, line_end(text, m.end()))) \
                or (polled and m.group("host") and (_host_key(m.group("host")), m.group("port")) in polled
                    and evidence.V1_OWN_ENDPOINT_TEXT.match(m.group("path"))):
            if local is None or local.judge(region, m) != "other":
                yield m


#: the server's binaries, and the HTTP clients whose bare path is a request (``LocalPorts.own_route``)
_SERVERS = frozenset({"tritonserver", facts.V1_BINARY})
_IMAGE_REF = re.compile(r"[\w.-]+(?::\d+)?/[\w./-]+(?::[\w.-]+)?(?:@sha256:[0-9a-f]+)?")
_CLIENTS = frozenset({"curl", "wget", "http", "https", "httpie", "xh", "grpcurl", "perf_analyzer", "perf_client"})

#: the server's own ports (HTTP, gRPC, metrics)
_SERVER_PORTS = frozenset(str(port) for _option, port in facts.DEFAULT_PORTS)


def _another_service(host: str, port: str | None, ctx: Context, text: str) -> bool:
    """A URL written with a literal host that is not this machine's nor named for the server, on a port
    that is not one of the server's (nor a V1 health port this run moves): another service's."""
    return bool(port) and bool(host) and port not in _SERVER_PORTS and port not in ctx.health_ports \
        and "$" not in host and host.lower() not in facts.LOCAL_HOSTS and not _names_triton(host, text)


#: a port held by a variable: ``${PORT}``, ``$PORT``, and what the file sets it to: its default, an argument's
_PORT_VAR = re.compile(r"\$\{?[A-Za-z_]\w*\}?")
_DEFAULT_PORT = re.compile(r"\$\{(?:[A-Za-z_]\w*|\d+):?[-=](?P<port>\d+)\}")


def _port_expression(region: Region, m: re.Match) -> str | None:
    """``host:$PORT/api/...``: the expression written as the port (None: the URL's port is not one)."""
    expr = m.group("host") or ""
    if not _PORT_EXPR.fullmatch(expr) or m.start("host") == 0 or region.text[m.start("host") - 1] != ":":
        return None
    return expr


_PORT_EXPR = re.compile(r"\$\{[A-Za-z_]\w*(?::?[-=][^}\s]*)?\}|\$[A-Za-z_]\w*")


def _port_variable(region: Region, m: re.Match, ctx: Context) -> tuple[str, str] | None:
    """``host:$PORT/api/...`` (the expression and its port) when the file sets the
    variable to a literal port, or to one by default (``local health=${1:-8005}``, ``${PORT:-8005}``)."""
    expr = m.group("host") or ""
    if not _PORT_VAR.fullmatch(expr) or m.start("host") == 0 or region.text[m.start("host") - 1] != ":":
        return None
    got = ctx.doc.resolve(expr) if "$" in expr else expr
    if got.isdigit():
        return expr, got
    d = _DEFAULT_PORT.fullmatch(got)
    return (expr, d.group("port")) if d is not None else None


def check_region(region: Region, ctx: Context, client: bool = False, named: bool = False,
                 host_field: bool = False, local: LocalPorts | None = None,
                 polled: frozenset = frozenset()) -> Iterator[Finding]:
    for m in triton_urls(region, client, named, host_field, local, polled):
        path = m.group("path")
        verdict = local.judge(region, m) if local is not None else None
        for r, url, rx in _ROWS:
            pm = rx.match(path)
            if not pm:
                continue
            pstart = m.start("path")
            pend = pstart + pm.end()
            span = region.span(pstart, pend)
            if url.v2 is None:
                msg, suggestion = f"{pm.group(0)}: {url.message}", url.suggestion
                if r.id == "TDM402" and _STATUS_GREP.search(region.text):
                    msg += ("; this polls V1's protobuf text for SERVER_READY/MODEL_READY: in V2, poll "
                            "/v2/health/ready (or /v2/models/<model>/ready) for HTTP 200 instead of reading the body")
                    suggestion = "curl -sf http://<host>:8000/v2/health/ready"
                yield r.finding(span, msg, suggestion=suggestion)
                break
            edits = [Edit(span, url.v2)]
            msg = f"{pm.group(0)} -> {url.v2}: {url.message}"
            port = m.group("port")
            host = m.group("host") or ""
            if verdict == "warn":
                # a Dockerfile's URL to its container on a port the server does not answer on (a
                # ``HEALTHCHECK`` of a web server started beside it): another program's own path, unless it
                # is forwarded to the server
                yield r.finding(span, msg + f"; port {port} is not the server's HTTP port in this container: "
                                "if it reaches the server, change it; if it is another program's own path, leave it "
                                "(suppress this finding)", Severity.WARNING, suggestion=url.v2)
                break
            if verdict == "health":
                # a Triton container's own health check on another port than the HTTP port (``--health-cmd "curl
                # http://localhost:8005/api/health/ready"``): V1's health port, given --http-health-port there; V2
                # serves health on the HTTP port only
                moved = region.text[m.start():m.start("port")] + _HTTP_PORT + url.v2 if m.group("host") else url.v2
                yield r.finding(span, msg + f"; port {port} is not the server's HTTP port in its container: V1 "
                                f"answered health there only with --http-health-port={port}, which V2 removed (it "
                                f"serves health on the HTTP port, {_HTTP_PORT} unless --http-port says otherwise): "
                                f"move the check there", Severity.WARNING, suggestion=moved)
                break
            if verdict == "mixed":
                # ``for svc in triton web; do curl http://$svc:8000/api/health/ready``: one URL, asked of the
                # server and of another host in turn: no one path serves both
                listed = loop_hosts_of(region, m, ctx)
                yield r.finding(span, msg + f"; {host} is {', '.join(listed)} in turn, not all known as the "
                                "server's: the same URL asks the others too: split the loop (the V2 path for the "
                                "server, the other hosts' paths unchanged)", Severity.WARNING, suggestion=url.v2)
                break
            if _another_service(host, port, ctx, region.text):
                # a Triton file's URL to another host and port (``curl http://gateway.internal:5000/api/health``
                # beside ``docker run ... trtserver``): it may be another service's own path, never edited
                yield r.finding(span, msg + f"; this URL names {host}:{port}, which is not known as the server's: "
                                "if it reaches the server, change it; if it is another service's own path, "
                                "leave it (suppress this finding)", Severity.WARNING, suggestion=url.v2)
                break
            if port and port in ctx.health_ports:
                http = ctx.health_ports[port]
                edits.append(Edit(region.span(m.start("port"), m.end("port")), http))
                msg += f"; port {port} was the removed V1 health port, V2 answers on the HTTP port {http}"
                span = region.span(m.start("port"), pend)
            expr = _port_expression(region, m) if not port else None
            if expr is not None and health_text(expr) in ctx.health_ports:
                # ``localhost:${HEALTH_PORT:-8005}/api/health/ready`` where the removed option was
                # ``--http-health-port=${HEALTH_PORT:-8005}``: the port written the same way is the health port
                http = ctx.health_ports[health_text(expr)]
                edits.append(Edit(region.span(m.start("host"), m.end("host")), http))
                yield r.finding(region.span(m.start("host"), pend), msg + f"; port {expr} was the removed V1 health "
                                f"port, V2 answers on the HTTP port {http}", fix=Fix.of(f"Use {url.v2}", *edits))
                break
            held = _port_variable(region, m, ctx) if not port else None
            if verdict == "runtime":
                # ``localhost:${PORT}/api/health/ready`` with nothing in the file giving PORT a value: whoever
                # starts it knows whether it is the server's port
                yield r.finding(region.span(m.start("host"), pend), msg + f"; its port {expr} is known only at run "
                                "time: if it is the server's HTTP port, change the path; if it is another program's, "
                                "leave it (suppress this finding)", Severity.WARNING, suggestion=url.v2)
                break
            if held is not None and held[1] in ctx.health_ports:
                # ``localhost:${health}/api/health/ready`` with ``health=${1:-8005}``: the path moves, the port is
                # set elsewhere (a default, an argument): V2 answers nothing there
                http = ctx.health_ports[held[1]]
                yield r.finding(region.span(m.start("host"), pend), msg + f"; its port {held[0]} is {held[1]} "
                                f"as this file sets it, the removed V1 health port: V2 answers on the HTTP port {http}: set "
                                f"it to {http} where it is set", Severity.WARNING, Fix.of(f"Use {url.v2}", *edits),
                                suggestion=http)
                break
            yield r.finding(span, msg, fix=Fix.of(f"Use {url.v2}", *edits))
            break
    # a V2 health URL still on the removed health port (a half-migrated file): only the port moves
    for m in _V2_HEALTH.finditer(region.text) if ctx.health_ports else ():
        port = m.group("port")
        if port in ctx.health_ports:
            from .ports import HEALTH_PORT

            http = ctx.health_ports[port]
            span = region.span(m.start("port"), m.end("port"))
            yield HEALTH_PORT.finding(span, f"port {port} was the V1 health port (--http-health-port); V2 serves "
                                      f"{m.group('path')} on the HTTP port {http}", Severity.WARNING,
                                      Fix.of(f"Use port {http}", Edit(span, http)))


# --- the other names of V1's protocol: metrics and the gRPC service ---------------------------------

V1_METRIC = rule(
    "TDM409", "v1-metric", W, F.NEVER, "A metric only V1 exported",
    "V2 (2.0.0) no longer exports `nv_inference_load_ratio` (V1's histogram of request time over compute "
    "time: its `_bucket`, `_sum` and `_count` series too) and split `nv_inference_compute_duration_us` into "
    "`nv_inference_compute_input_duration_us`, `nv_inference_compute_infer_duration_us` and "
    "`nv_inference_compute_output_duration_us` (their sum is V1's). A Grafana dashboard, a Prometheus alert "
    "or recording rule, or an autoscaler (an HPA's external metric, a prometheus-adapter rule) that reads "
    "one gets no data from a V2 server - silently: the alert never fires, the autoscaler stops scaling. "
    "Reported wherever it is written, in any file: the names are V1's own. No fix: the expression around "
    "the name must change (a sum of three counters, a ratio of rates), not only the name.")
V1_GRPC_SERVICE = rule(
    "TDM410", "v1-grpc-service", W, F.NEVER, "V1's gRPC service is named",
    "V1 served gRPC as `nvidia.inferenceserver.GRPCService` (`Health`, `Status`, `Infer`, `StreamInfer`, "
    "`ModelControl`, ...); V2 serves `inference.GRPCInferenceService` (`ServerLive`, `ServerReady`, "
    "`ModelReady`, `ModelMetadata`, `ModelInfer`, `ModelStreamInfer`, `RepositoryModelLoad`, ...) with other "
    "messages, and from 23.02 the standard `grpc.health.v1.Health/Check`. A `grpcurl` call, a proxy's route "
    "or a probe that names V1's service gets `UNIMPLEMENTED` from V2. Reported wherever it is written; no "
    "fix: the method and its message change with the name.")

_METRIC = re.compile(r"(?<![\w])(?P<name>" + "|".join(map(re.escape, facts.V1_METRICS)) + r")(?P<suffix>_bucket|_sum|_count)?(?![\w])")
_GRPC = re.compile(r"(?<![\w.])" + re.escape(facts.V1_GRPC_SERVICE) + r"(?:/(?P<method>\w+))?(?![\w.])")
#: a V1 method's V2 counterpart, where there is one
_GRPC_METHODS = {"Health": "ServerReady (or ServerLive)", "Status": "ModelMetadata / ModelConfig",
                 "Infer": "ModelInfer", "StreamInfer": "ModelStreamInfer",
                 "ModelControl": "RepositoryModelLoad / RepositoryModelUnload",
                 "Repository": "RepositoryIndex"}


@check(order=33)
def check_protocol_names(doc, ctx: Context) -> Iterator[Finding]:
    for region in doc.regions():
        text = region.text
        if "nv_inference_" in text:
            for m in _METRIC.finditer(text):
                name = m.group("name")
                v2 = facts.V1_METRICS[name]
                if v2 is None:
                    msg = (f"{m.group(0)}: V1 metric, not exported by V2: whatever reads it (a dashboard, an alert, "
                           f"an autoscaler) gets no data; V1's load ratio was request time over compute time")
                    suggestion = ("rate(nv_inference_request_duration_us[1m]) / (rate(nv_inference_compute_input_duration_us[1m])"
                                  " + rate(nv_inference_compute_infer_duration_us[1m]) + "
                                  "rate(nv_inference_compute_output_duration_us[1m]))")
                else:
                    msg = (f"{m.group(0)}: V1 metric, split in V2 into three whose sum is V1's: whatever reads it "
                           f"(a dashboard, an alert, an autoscaler) gets no data")
                    suggestion = v2
                yield V1_METRIC.finding(region.span(m.start(), m.end()), msg, suggestion=suggestion)
        if facts.V1_GRPC_SERVICE in text:
            for m in _GRPC.finditer(text):
                method = m.group("method")
                v2 = "inference.GRPCInferenceService" + (
                    f"/{_GRPC_METHODS[method]}" if method in _GRPC_METHODS else "")
                msg = (f"{m.group(0)}: V1's gRPC service: V2 serves inference.GRPCInferenceService (other methods "
                       f"and messages; grpc.health.v1.Health/Check from 23.02) and answers V1's with UNIMPLEMENTED")
                yield V1_GRPC_SERVICE.finding(region.span(m.start(), m.end()), msg, suggestion=v2)
