"""Run-level findings: what a run says about the whole move rather than one line (CONTRACT.md,
"Run-level findings"). Each file's pass records what this module needs of it (``facts``: where its
first migrated server line is, whether a V1 server stays, its model repositories and ``--load-model``
names, its GPU requests); after every file, ``run_findings`` sees all the results and places the
findings: the rollout order (TDM604) and the host driver (TDM709) on the run's first migrated server
line, a ``--load-model`` without a model folder (TDM806) on its own line. Suppression comments and
the configuration apply to them as to any finding: the file's pass runs a probe of each through the
same filters and remembers which were removed (``Place.suppressed``)."""

from __future__ import annotations

import bisect
import os
import re

from .. import facts as F_
from ..documents.base import Document
from ..documents.sites import is_foreign
from ..model import FileResult, Finding, Place, ServeFacts, Severity, Span, Status
from ..release import Release
from . import tables as T
from .registry import FixAvailability as F
from .registry import rule

ROLLOUT = rule(
    "TDM604", "rollout-order", Severity.INFO, F.NEVER, "Servers and clients of the run on different protocols",
    "Once per run (on its first migrated server line, else its first migrated client): V2 serves none of V1's "
    "`/api/` endpoints nor its gRPC service, and V1 clients (the `tensorrtserver` wheel, `tensorrtserver.api` "
    "code, `/api/` URLs outside the server's own files) cannot talk to a V2 server. The finding names the "
    "files on each side - the servers this run moves to V2, the V1 clients left in the tree (TDM601-TDM603 not "
    "fixed, TDM402-TDM405 in files that start no server), the clients it moves (TDM102, TDM6xx fixed) and the "
    "V1 servers that stay (a line the tool could not migrate, a file it could not process) - and the order "
    "to follow: clients and servers together, or a V1 server kept beside the V2 one (`--side-by-side`) until "
    "every client has moved. Then the rest of the checklist of a gradual move: validate V2 in a test "
    "environment first; measure the V2 server with `perf_analyzer` on the same models and compare with the "
    "V1 server's figures (`perf_analyzer` speaks only V2: V1's `perf_client` measures the V1 server). The JSON "
    "report carries the same sides in `summary.rollout`. Source: the seed guide and S1 (`v1_to_v2.md`).",
    note=True, run_level=True)
HOST_DRIVER = rule(
    "TDM709", "host-driver", Severity.INFO, F.NEVER, "The NVIDIA driver the target's CUDA needs on the host",
    "Once per run that migrates servers (on its first migrated server line): the target's image is built on a "
    "CUDA release that needs an NVIDIA driver of its branch or later on every GPU host (V1 images needed 410-450: "
    "CUDA 10.x, 11.0 for 20.06-v1/20.07-v1); data-center GPUs may run it on older long-term branches with the CUDA forward-compatibility "
    "package, as the release notes list them. The driver, CUDA and forward-compatible branches of each release "
    "are TDM703's table, with its sources (the Triton release notes, \"Driver Requirements\"; the server "
    "repository's compatibility.md). The GPU requests of the migrated files (`deploy.resources.reservations."
    "devices`, `runtime: nvidia`, `gpus`, `nvidia.com/gpu`, `--gpus`) are listed and left as they are: the "
    "migration changes no GPU request.",
    note=True, run_level=True)
LOAD_MODEL = rule(
    "TDM806", "load-model-not-in-repository", Severity.WARNING, F.NEVER,
    "--load-model names no model folder of the repository",
    "A server line's `--model-repository` (or `--model-store`) resolves to a folder inside the scanned tree - "
    "through a compose bind mount, a Kubernetes `hostPath` volume, a Dockerfile `COPY`, a `docker run -v`, or "
    "the host itself - and a `--load-model=NAME` kept on the line (explicit model control) has no folder NAME "
    "there: V2 then exits at start (2.51.0: \"failed to poll model 'NAME': model not found in any model "
    "repository\", \"failed to load all models\"), or with `--exit-on-error=false` serves without the model. A "
    "`--load-model` that the migration drops (TDM313) is not looked up. The repository's `config.pbtxt` files are "
    "checked with the 8xx rules in the same run, even when they were not named or the walk left them out "
    "(`.gitignore`, default excludes). ConfigMaps are not followed.")

_CLIENT_LEFT = ("TDM601", "TDM602", "TDM603", "TDM102")
_CLIENT_URLS = ("TDM402", "TDM403", "TDM404", "TDM405")
_RUN_RULES = (ROLLOUT.id, HOST_DRIVER.id)
_V1_SERVER = re.compile(r"(?<![\w/-])trtserver(?![.\-_A-Za-z0-9])")


# --- the file's pass ----------------------------------------------------------------------------

def probes(doc: Document, ctx, findings: list[Finding]) -> list[Finding]:
    """A probe of each finding the run pass may place in this file, to go through the file's filters
    (suppression comments, ``--select``/``--ignore``, per-file-ignores) with its other findings."""
    out: list[Finding] = []
    server = _server_span(ctx, findings)
    if server is not None:
        out += [ROLLOUT.finding(server, ""), HOST_DRIVER.finding(server, "")]
    client = _client_span(findings)
    if client is not None and client != server:
        out.append(ROLLOUT.finding(client, ""))
    dropped = _dropped_load_models(findings)
    for cl, _res in ctx.server_lines():
        for opt in _kept_load_models(cl, dropped):
            out.append(LOAD_MODEL.finding(opt.span, ""))
    return out


def _server_span(ctx, findings: list[Finding]) -> Span | None:
    """The first V1 server line that a fix of this file changes (or the first V1 server image changed)."""
    fixed = sorted((f.span for f in findings if f.fixed and f.span is not None), key=lambda s: (s.start, s.end))
    starts = [s.start for s in fixed]
    spans = []
    for cl, _res in ctx.server_lines():
        # this file's own words (a Helm helper's line carries copies of the template's words, binary
        # included, at foreign offsets: no place in this file)
        words = [w for seg in cl.segments for w in seg.words if not is_foreign(w.span)]
        if not cl.v1 or cl.report_only or not words:
            continue
        start, end = min(w.start for w in words), max(w.end for w in words)
        # the fixed spans that start on the line (found by bisection: no scan of every fix per line)
        on_line = fixed[bisect.bisect_left(starts, start):bisect.bisect_right(starts, end)]
        if any(s.end <= end for s in on_line):
            binary = cl.binary if cl.binary is not None and not is_foreign(cl.binary.span) else None
            spans.append((binary or words[0]).span)
    spans += [f.span for f in findings if f.rule == "TDM101" and f.fixed and f.span is not None]
    return min(spans, key=lambda s: (s.start, s.end)) if spans else None


def _client_span(findings: list[Finding]) -> Span | None:
    spans = [f.span for f in findings if f.fixed and f.span is not None and f.rule in _CLIENT_LEFT]
    return min(spans, key=lambda s: (s.start, s.end)) if spans else None


def _dropped_load_models(findings: list[Finding]) -> set[Span]:
    """Where a fix removes a --load-model (found once per file, not once per line)."""
    return {f.span for f in findings if f.rule == "TDM313" and f.fixed}


def _kept_load_models(cl, dropped: set[Span]) -> list:
    from .argv import parse_options

    if cl.report_only:
        return []
    opts, _dyn, _unknown = parse_options(cl)
    return [o for o in opts if o.name == "load-model" and o.value and not o.dynamic and o.value != "*"
            and o.span not in dropped]


def facts(doc: Document, new_doc: Document, ctx, findings: list[Finding], probed: list[Finding],
          kept: set[int]) -> ServeFacts:
    """What the run pass needs of this file. ``probed``: the probes made for it; ``kept``: ids of the
    findings (probes among them) that the file's filters kept."""

    probes_at: dict[Span, list[Finding]] = {}  # the probes by span (no scan of every probe per place)
    for p in probed:
        probes_at.setdefault(p.span, []).append(p)

    def place(span: Span, rules: tuple[str, ...]) -> Place:
        line, col = doc.position(span.start)
        end_line, end_col = doc.position(span.end)
        gone = frozenset(p.rule for p in probes_at.get(span, ()) if p.rule in rules and id(p) not in kept)
        return Place(line, col, end_line, end_col, gone)

    out = ServeFacts()
    server = _server_span(ctx, findings)
    if server is not None:
        out.server = place(server, _RUN_RULES)
    client = _client_span(findings)
    if client is not None:
        out.client = place(client, (ROLLOUT.id,))
    lines = ctx.server_lines()
    out.servers = bool(lines)
    try:
        # options given to an image built from a V1 server's Dockerfile are V1 by that image, which the run
        # migrates: left only while they hold an option only V1 had
        out.server_left = any(cl.v1 and (cl.built is None or cl.v1_arguments) for cl in new_doc.command_lines())
    except Exception:  # the output was verified; a reader that cannot list it again says nothing more
        out.server_left = False
    dropped = _dropped_load_models(findings)
    for cl, _res in lines:
        repos = _repositories(doc, cl)
        out.repositories += repos
        dirs = tuple(host for _written, host in repos)
        for opt in _kept_load_models(cl, dropped):
            if dirs:
                out.load_models.append((opt.value, dirs, place(opt.span, (LOAD_MODEL.id,))))
    out.gpus = [(what, doc.position(span.start)[0]) for what, span in doc.gpu_requests()]
    from .images import v1_bases_given

    out.v1_bases = v1_bases_given(doc)
    from .paths import v1_sourced

    out.sourced = v1_sourced(doc, out.server is not None)
    if lines:
        from .follow import follows_itself, moves

        out.moves = moves(doc, ctx, findings)
        out.follow_here = ctx.links is None and follows_itself(doc, ctx, out.moves)
    return out


def _repositories(doc: Document, cl) -> list[tuple[str, str]]:
    """(as written, host folder) of each model repository of ``cl`` that the document's mounts resolve."""
    from .argv import parse_options

    mounts = doc.mounts(cl)
    if not mounts:
        return []
    out = []
    opts, _dyn, _unknown = parse_options(cl)
    for o in opts:
        if o.name not in ("model-repository", "model-store") or not o.value or o.dynamic or "://" in o.value:
            continue
        host = resolve(o.value, mounts)
        if host is not None:
            out.append((o.value, host))
    return out


def resolve(path: str, mounts) -> str | None:
    """The host folder a container path is, through the mount with the longest matching target."""
    best = None
    for m in mounts:
        if m.target == "" and m.source == "":
            cand = os.path.normpath(os.path.join(m.base, path))
            if best is None:
                best = (-1, cand)
            continue
        target = m.target.rstrip("/") or "/"
        if path == target or path.startswith(target.rstrip("/") + "/"):
            rest = path[len(target):].lstrip("/")
            host = os.path.normpath(os.path.join(m.base, m.source, rest))
            if best is None or len(target) > best[0]:
                best = (len(target), host)
    return best[1] if best else None


# --- the run pass -------------------------------------------------------------------------------

def in_tree(path: str, roots: list[str]) -> bool:
    real = os.path.realpath(path)
    return any(real == r or real.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


def roots_of(paths: list[str]) -> list[str]:
    """The tree of a run: the real paths of the folders it names (CONTRACT.md, "Bad input")."""
    return [os.path.realpath(p) for p in paths if os.path.isdir(p)]


def repository_configs(results: list[FileResult], paths: list[str]) -> list[str]:
    """The ``config.pbtxt`` files of the model repositories the run's server lines resolve to inside the
    tree (``<repository>/<model>/config.pbtxt``), that the run has not read yet."""
    roots = roots_of(paths)
    seen = {os.path.realpath(r.path) for r in results}
    out: list[str] = []
    for r in results:
        for _written, host in (r.serve.repositories if r.serve else ()):
            if not os.path.isdir(host) or not in_tree(host, roots):
                continue
            try:
                names = sorted(os.listdir(host))
            except OSError:
                continue
            for name in names:
                cfg = os.path.join(host, name, "config.pbtxt")
                real = os.path.realpath(cfg)
                if os.path.isfile(cfg) and not os.path.islink(cfg) and in_tree(real, roots) and real not in seen:
                    seen.add(real)
                    out.append(cfg)
    return out


def _files(paths: list[str], limit: int = 3) -> str:
    if len(paths) <= limit:
        return ", ".join(paths)
    return f"{', '.join(paths[:limit])} and {len(paths) - limit} more"


def _client_left(r: FileResult) -> bool:
    servers = bool(r.serve and r.serve.servers)
    # (an advisory note, ``perf_client`` of an image that is not V1's, is no V1 client)
    return any((f.rule in _CLIENT_LEFT and not f.fixed and not f.advisory) or (f.rule in _CLIENT_URLS and not servers)
               for f in r.findings)


def _server_left(r: FileResult) -> bool:
    if r.status is Status.FAILED:
        text = (r.original or b"").decode("utf-8", "replace")
        if _V1_SERVER.search(text):
            return True
        return any(F_.classify(m.group(0)).v1 and not F_.classify(m.group(0)).sdk for m in F_.IMAGE_RE.finditer(text))
    return bool(r.serve and r.serve.server_left)


def _finding(rule_, place: Place, message: str) -> Finding:
    f = rule_.finding(None, message)
    f.line, f.column, f.end_line, f.end_column = place.line, place.column, place.end_line, place.end_column
    return f


def run_findings(results: list[FileResult], paths: list[str], target: Release) -> dict | None:
    """Place the run-level findings in ``results`` (sorted by path); the rollout summary for the
    reports (None: the run moves neither servers nor clients)."""
    roots = roots_of(paths)
    for r in results:
        for name, dirs, place in (r.serve.load_models if r.serve else ()):
            inside = [d for d in dirs if os.path.isdir(d) and in_tree(d, roots)]
            if not inside or LOAD_MODEL.id in place.suppressed:
                continue
            if not any(os.path.isdir(os.path.join(d, name)) for d in inside):
                where = " or ".join(os.path.relpath(d).replace(os.sep, "/") for d in inside)
                r.findings.append(_finding(LOAD_MODEL, place, f"--load-model={name}: the model repository {where} "
                                           f"has no folder {name}: V2 fails to start (\"failed to load all "
                                           f"models\"), or with --exit-on-error=false serves without it"))
    servers = [r for r in results if r.serve and r.serve.server]
    clients = [r for r in results if r.serve and r.serve.client]
    v1_clients = [r.path for r in results if _client_left(r)]
    v1_servers = [r.path for r in results if _server_left(r)]
    if not servers and not (clients and v1_servers):
        return None
    anchor = servers[0] if servers else clients[0]
    place = anchor.serve.server if servers else anchor.serve.client
    tb, note = _target(target)
    summary = {
        "servers_migrated": [r.path for r in servers],
        "v1_servers_left": v1_servers,
        "clients_migrated": [r.path for r in clients],
        "v1_clients_left": v1_clients,
    }
    if ROLLOUT.id not in place.suppressed:
        anchor.findings.append(_finding(ROLLOUT, place, _rollout_message(summary)))
    if servers:
        gpus = [f"{r.path}:{line} ({what})" for r in results if r.serve for what, line in r.serve.gpus]
        summary["host"] = {"cuda": tb.cuda, "driver": tb.driver, "forward_compatible": list(tb.forward),
                           "gpu_requests": gpus}
        if HOST_DRIVER.id not in place.suppressed:
            anchor.findings.append(_finding(HOST_DRIVER, place, _host_message(tb, note, target, gpus)))
    return summary


def _target(target: Release) -> tuple[T.ImageBase, str]:
    from .baseimage import target_base

    return target_base(target)


def _rollout_message(s: dict) -> str:
    parts = []
    moved, left = s["servers_migrated"], s["v1_clients_left"]
    if moved and left:
        parts.append(f"this run moves servers to V2 ({_files(moved)}) while V1 clients stay ({_files(left)}): V2 "
                     f"serves none of V1's /api/ endpoints nor its gRPC service, so deploy the clients' V2 versions "
                     f"together with the servers, or keep a V1 server beside the V2 one (--side-by-side) until every "
                     f"client has moved")
    elif moved:
        parts.append(f"this run moves servers to V2 ({_files(moved)}) and finds no V1 client in the scanned tree; "
                     f"clients elsewhere that call V1's /api/ endpoints or use the tensorrtserver wheel stop working "
                     f"against V2: move them together with the servers, or keep a V1 server beside the V2 one "
                     f"(--side-by-side) until they have moved")
    if s["clients_migrated"] and s["v1_servers_left"]:
        parts.append(f"this run moves clients to V2 ({_files(s['clients_migrated'])}) while V1 servers stay "
                     f"({_files(s['v1_servers_left'])}): the moved clients cannot talk to a V1 server, so deploy "
                     f"them with V2 servers only, or run a V2 server beside the V1 one (--side-by-side) and point "
                     f"them at it")
    return ("rollout: " + "; ".join(parts) + ". Before production: validate V2 in a test environment, then measure "
            "the V2 server with perf_analyzer on the same models and compare with the V1 server's figures "
            "(perf_analyzer speaks only V2; V1's perf_client measures the V1 server)")


def _host_message(tb: T.ImageBase, note: str, target: Release, gpus: list[str]) -> str:
    msg = (f"host driver: tritonserver:{target}-py3 is built on CUDA {tb.cuda}{note}, which needs NVIDIA driver "
           f"{tb.driver} or later on every GPU host")
    if tb.forward:
        fwd = [f"{v}+" for v in tb.forward]
        msg += (f"; data-center GPUs may run it on {', '.join(fwd[:-1])} or {fwd[-1]} (each in its branch) with the "
                f"CUDA forward-compatibility package")
    else:
        msg += ("; for older data-center drivers see the CUDA compatibility guide (the release notes of CUDA 13 "
                "releases repeat the CUDA 12 list)")
    if tb.interpolated.startswith(("CUDA", "all")):
        msg += f" (interpolated: {tb.interpolated})"
    elif tb.interpolated and tb.forward:
        msg += f" ({tb.interpolated})"
    src = f"the Triton {tb.release} release notes" if tb.source.startswith("notes") else \
        "the server repository's compatibility.md"
    msg += f" ({src}; the V1 images needed 410-450)"
    if gpus:
        msg += f". The GPU requests are left as they are: {_files(gpus)}"
    else:
        msg += ". No GPU request was found in the migrated files; none was changed"
    return msg
