"""The end of a batch run: files whose handling depends on the whole run (extension-less scripts
that a Dockerfile runs, model configurations of a run that migrates a V1 server, Helm charts as units,
the follow-through of moved health endpoints into plain files and charts), writing the changed files,
and the exit code."""

from __future__ import annotations

import os

from .. import evidence, kinds
from ..discover import Candidate
from ..model import FileResult, Severity, Status
from ..settings import Settings
from ..pipeline import failed
from ..selectors import Labelled
from .scan import DOC_SUFFIXES, SOURCE_SUFFIXES, Scanner, followed, read_bytes

_SERVER_RULES = ("TDM101", "TDM202", "TDM3")


def finish(deferred: list[tuple[Candidate, str]], entrypoints: list[tuple[str, list[str]]],
            paths: list[str], results: list[FileResult], settings: Settings) -> list[FileResult]:
    """Files whose handling depends on the whole run: extension-less scripts (shell when a
    Dockerfile of the run COPYs and runs them) and model configurations (checked when the run
    migrates a V1 server)."""
    from ..pipeline import process_file

    out = Found()
    out.extend(_charts([c for c, why in deferred if why == "chart"], settings, out.stale))
    scripts = [c for c, why in deferred if why == "script"]
    if scripts:
        roots = {"."} | {p for p in paths if os.path.isdir(p)}
        run_by_docker: set[str] = set()
        for folder, srcs in entrypoints:
            for src in srcs:
                for base in roots | {folder}:
                    run_by_docker.add(os.path.realpath(os.path.join(base, src)))
        kinds.ENTRYPOINT_SCRIPTS.update(run_by_docker)
        for c in scripts:
            try:
                data, source = read_bytes(c.path)
            except OSError:
                data = source = None
            if data is None or os.path.realpath(c.path) in run_by_docker or evidence.text_may_report(data):
                r = process_file(c.path, c.display, settings, c.explicit, data=data)
                if source is not None:
                    r.source = source
                r = Scanner._keep(r)
                if r is not None:
                    out.append(r)
    configs = [c for c, why in deferred if why == "model-config"]
    migrates = any(_migrates_server(r) for r in list(results) + out)
    if configs and migrates:
        for c in configs:
            r = Scanner._keep(process_file(c.path, c.display, settings, c.explicit, force=True))
            if r is not None:
                out.append(r)
    if migrates:
        # the model repositories the server lines mount, inside the tree (rules/run.py): their models too,
        # even where the walk did not go (.gitignore, default excludes)
        from ..rules.run import repository_configs

        for cfg in repository_configs(list(results) + out, paths):
            out.read += 1
            r = Scanner._keep(process_file(cfg, _display(cfg, paths), settings, False, force=True))
            if r is not None:
                out.append(r)
    return out


def given_bases(results: list[FileResult], paths: list[str], settings: Settings) -> None:
    """Dockerfiles of the run built on a V1 server image that another file's build argument names (a compose
    service's ``build: args: {BASE_IMAGE: ...tensorrtserver:20.02-py3}``, ``docker build --build-arg``, a Bake
    target's ``args``) while their ``ARG`` default names a V2 one (or none): their server lines are V1 lines
    and get everything (CONTRACT.md), so each goes through the pipeline again with those arguments
    (``dockerfile.given_build_arguments``); its result takes the place of its first one (a Dockerfile without
    V1 evidence of its own had none). Found by walking the run's paths again, only when some file gives such
    an argument: only the Dockerfiles the run walks are read."""
    given: dict[str, dict[str, str]] = {}  #: Dockerfile (real path) -> the arguments given
    for r in results:
        for dockerfile, name, value in r.serve.v1_bases if r.serve is not None else ():
            given.setdefault(dockerfile, {}).setdefault(name, value)
    if not given:
        return
    from ..documents.dockerfile import given_build_arguments

    def again(c, real: str, data: bytes, process) -> FileResult | None:
        if kinds.kind_by_name(c.path) != "dockerfile":
            return None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return None  # its first pass said what there is to say
        with given_build_arguments({real: (text, given[real])}):
            return process()

    _process_again(results, paths, settings, set(given), again)


def _process_again(results: list[FileResult], paths: list[str], settings: Settings, wanted: set[str], again) -> None:
    """Walk the run's paths again and put each file of ``wanted`` (real paths) through the pipeline again:
    ``again(candidate, real path, bytes, process)`` calls ``process()`` in the context the file needs, or returns
    None to keep the first result. The new result takes the place of the first one (a file the first pass did not
    report is added when it has something to say); a file whose first pass failed, or that cannot be read, keeps
    its first result."""
    from ..discover import Discovery, Excludes
    from ..pipeline import process_file

    index = {r.path: i for i, r in enumerate(results)}
    for c in Discovery(paths, Excludes(settings), warn=lambda _msg: None):
        real = os.path.realpath(c.path)
        if real not in wanted:
            continue
        i = index.get(c.display)
        if i is not None and results[i].status is Status.FAILED:
            continue
        try:
            data, source = read_bytes(c.path)
        except OSError:
            continue  # its first pass said what there is to say
        r = again(c, real, data, lambda: process_file(c.path, c.display, settings, c.explicit, data=data, force=True))
        if r is None:
            continue
        r.source = source
        if i is not None:
            results[i] = r
        elif r.has_evidence or r.explicit or r.status is Status.FAILED or r.changed:
            results.append(r)

def sourced_by_v1(results: list[FileResult]) -> dict[str, list[tuple[str, str, int]]]:
    """The files V1 shell scripts of the run source (``ServeFacts.sourced``): real path -> (the script as reported,
    the variable holding the V1 server that the file runs or "", the line that runs it or 0)."""
    got: dict[str, list[tuple[str, str, int]]] = {}
    for r in results:
        for path, name, line in r.serve.sourced if r.serve is not None else ():
            got.setdefault(path, []).append((r.path, name, line))
    return got


def sourced_helpers(results: list[FileResult], paths: list[str], settings: Settings,
                    sourced: dict[str, list[tuple[str, str, int]]]) -> None:
    """Files that V1 shell scripts of the run source (``source ../common/util.sh``, whose ``run_server`` runs the
    ``$SERVER`` the script sets to ``trtserver`` and waits for ``localhost:8000/api/health/ready``): they name the
    server as the script does, so each goes through the pipeline again inside ``endpoints.run_sourced`` (which the
    caller holds); its result takes the place of its first one (a file without V1 evidence of its own had none).
    Found by walking the run's paths again, only when some V1 script sources a file: only the files the run walks
    are read, and only those such a script sources."""
    if not sourced:
        return

    def again(c, real: str, data: bytes, process) -> FileResult | None:
        r = process()
        return r if r.kind == "shell" else None

    _process_again(results, paths, settings, set(sourced), again)

def _perf_client(f) -> bool:
    """A finding that only ``perf_client`` makes: the command (TDM602), a path to it (TDM206)."""
    return f.rule == "TDM602" or f.rule == "TDM206" and f.suggestion == "perf_analyzer"


def v2_tools(results: list[FileResult], paths: list[str], settings: Settings) -> None:
    """``perf_client`` in a run that holds no V1 (no file names a V1 image, ``trtserver`` or the ``tensorrtserver``
    client; nothing else is reported above info): V2's own tool, which its SDK images had under that name until
    20.10 - not V1 evidence, so not renamed (a 20.08 SDK image has no perf_analyzer) nor a warning. A script or
    launcher beside the Dockerfile of a V2 SDK image knows no image of its own: the run's V2 Triton images
    decide, found by walking the run's paths again (only when such a file was reported). Each file of such
    findings goes through the pipeline again inside ``evidence.v2_run``; its result takes the place of its first
    one (and leaves the report when nothing is left to say)."""
    todo = {r.path: i for i, r in enumerate(results)
            if r.status is not Status.FAILED and r.kind not in ("helm-template", "helm-values") and r.original is not None
            and any(_perf_client(f) and not f.advisory for f in r.findings)}
    if not todo:
        return
    for r in results:
        if r.original is not None and evidence.holds_v1(r.original) or r.status is Status.FAILED:
            return
        if any(f.severity is not Severity.INFO and not _perf_client(f) for f in r.findings):
            return
    from .. import facts
    from ..discover import Discovery, Excludes
    from ..pipeline import process_file
    from ..rules.clients import image_release

    releases: set = set()
    cands: dict[int, tuple] = {}
    for c in Discovery(paths, Excludes(settings), warn=lambda _msg: None):
        try:
            data, source = read_bytes(c.path)
        except OSError:
            continue
        if evidence.holds_v1(data):
            return  # a file the walk met and the first pass did not report (a V1 name it had no rule for)
        if c.display in todo:
            cands[todo[c.display]] = (c, data, source)
        if b"tritonserver" in data:
            for m in facts.IMAGE_RE.finditer(data.decode("utf-8", "replace")):
                info = facts.classify(m.group(0))
                if info.triton and not info.v1:
                    releases.add(image_release(m.group(0)))
    drop: set[int] = set()
    with evidence.v2_run(releases):
        for i, (c, data, source) in cands.items():
            r = process_file(c.path, c.display, settings, c.explicit, data=data)
            r.source = source
            results[i] = r
            if not (r.has_evidence or r.explicit or r.status is Status.FAILED or r.changed):
                drop.add(i)
    results[:] = [r for i, r in enumerate(results) if i not in drop]


class Found(list):
    """The results of the end of the run, and how many files it read that the walk had not."""

    read: int = 0

    def __init__(self) -> None:
        super().__init__()
        #: files of charts with a V1 endpoint no rule of their chart placed (see ``follow_through``'s ``stale``)
        self.stale: list[Candidate] = []


def _display(path: str, paths: list[str]) -> str:
    """How a file found through a server line is reported: as the walk would (relative to the current
    folder, absolute under a PATH given absolute)."""
    real = os.path.realpath(path)
    for p in paths:
        root = os.path.realpath(p)
        if os.path.isabs(p) and (real == root or real.startswith(root.rstrip(os.sep) + os.sep)):
            return path.replace(os.sep, "/")
    return os.path.relpath(path).replace(os.sep, "/")


def follow_through(results: list, paths: list[str], settings: Settings, stale: list[Candidate] = ()) -> None:
    """The run's follow-through (rules/follow.py): when its servers' health endpoints move, the files of
    the run that reach them - whether or not they hold V1 evidence - go through the pipeline again with
    what the run knows, and their results take the place of the first ones. The files are found by
    walking the run's paths again (the same files as the first walk: nothing more is counted as
    scanned), only when some server moves, and read only when their names allow a kind that can route
    (YAML, JSON, scripts, Makefiles, systemd and supervisord units; Python files and other programs' sources - JavaScript, Go, ... - that pass the prefilter, for their URLs; documentation); only those
    holding a server's ports or names are parsed, and only those the links touch are processed again. A Helm chart is processed as one unit: a chart with a file
    that may reach a server of another file (its ``.tpl`` helpers included) is processed again whole with
    the run's moves and the topologies of the files read (``pipeline.process_unit``), and its results take
    the place of its first ones (a chart without V1 evidence had none). The templates of every chart that
    may reach a server are read too (with their chart linked), for what they route: a Service a chart
    defines is followed as a plain file's.

    ``stale``: files of the run with a V1 endpoint that no rule of their own placed (batch/scan.py, and
    ``_charts`` for the files of charts): then the servers that are V2 already are followed too - those of
    the plain files and of the charts (``_ChartUnit.current``) - and a chart with a V2 server of its own is
    processed again with them (its first pass had nothing to follow)."""
    from ..discover import Discovery, Excludes
    from ..pipeline import process_file
    from .. import textscan
    from ..rules import follow

    moved = [(r.path, m) for r in results if r.serve is not None for m in r.serve.moves]
    if not moved and not stale:
        return
    failed_paths = {r.path for r in results if r.status is Status.FAILED}
    eligible: list[Candidate] = []
    # a Python file (or another program's source) reaches a server only by a URL: the prefilter's literals
    python: list[Candidate] = []
    in_charts: list[Candidate] = []  # the files of Helm charts: their charts are followed as units
    # V2 Dockerfiles: their images, built and run by other files of the run (``follow.image_link``), run servers
    dockerfiles: list[Candidate] = []
    for c in Discovery(paths, Excludes(settings), warn=lambda _msg: None):
        name = c.display[c.display.rfind("/") + 1:]
        low = name.lower()
        if low.endswith(SOURCE_SUFFIXES):
            python.append(c)  # a program's source (text kind): its URLs, as a Python file's
            continue
        if not (low.endswith(_FOLLOW_SUFFIXES) or name in _FOLLOW_NAMES or "." not in name.lstrip(".")
                or low.endswith(_CHART_SUFFIXES) or low.endswith(".conf")):
            continue
        kind = kinds.kind_by_name(c.path)
        if low.endswith(".conf") and kind != "unit":
            continue  # (a supervisord program or a systemd drop-in: a unit, whose commands run on the machine)
        if kind == "dockerfile":
            if c.display not in failed_paths:
                dockerfiles.append(c)
            continue
        if kind in ("helm-template", "helm-values"):
            in_charts.append(c)
            continue
        if c.display in failed_paths or low.endswith(_CHART_SUFFIXES) or kind is not None and not followed(kind, low):
            continue
        (python if kind == "python" else eligible).append(c)

    kept: dict[str, bytes] = {}  # the small files read to find the V2 servers, for the search below

    def read(c: Candidate) -> bytes | None:
        data = kept.pop(c.path, None)
        if data is not None:
            return data
        try:
            data = read_bytes(c.path)[0]
        except OSError:
            return None
        return None if len(data) > _MAX or b"\0" in data[:8192] else data

    found: dict[str, tuple[Candidate, bytes, object]] = {}
    units = _chart_units(in_charts)
    if stale:
        moved += _current_servers(eligible, read, kept, found, settings)
        moved += _current_images(dockerfiles, read, settings)
        for u in units:  # the V2 servers of the charts, as the plain files' above
            moved += u.current(settings)
        if not moved:
            return
    moved = _run_by_images(dockerfiles, read, moved, found)
    for u in units:
        u.reaches_from(moved)
    terms = follow.search_terms([m for _p, m in moved])
    rest: list[tuple[Candidate, bytes | None]] = []  # the small ones kept for a second look, the others read again
    # the many Python files of a repository: read and ruled out in one call, as the first pass does
    hits, _ruled_out = textscan.read_files([c.path for c in python], _MAX + 1, False)
    eligible += [python[i] for i, _data in hits]
    for c in eligible:
        if c.display in found:
            continue
        data = read(c)
        if data is None:
            continue
        if follow.may_reach(data, terms, c.path):
            _parse(c, data, found)
        else:
            rest.append((c, data if len(data) <= _KEEP else None))

    # what the charts' templates route (a Service a chart defines): read for the links, as the plain files
    in_chart: dict[str, object] = {}
    for u in units:
        u.topologies(terms, in_chart)
    reached = [u for u in units if u.outside and u.may_reach(terms)]

    copied = _other_images(dockerfiles, read, moved)

    def linked():
        return follow.build_links(moved, [(os.path.realpath(c.path), doc.topology()) for c, _d, doc in found.values()]
                                  + list(in_chart.items()), copied)

    links = linked()
    more = follow.link_terms(links)
    # what the files found add (a Service's name, an ECS service's target group, a target group's path
    # variable) may find more: a few rounds, each only while the last found something
    for _round in range(3):
        if not (rest or units) or not (more.names or more.ports or more.host_paths or more.values or more.images
                                       or more.inside or more.env):
            break
        before = len(found) + len(in_chart)
        still: list[tuple[Candidate, bytes | None]] = []
        for c, small in rest:  # (not ``kept``: ``read`` takes that name from this scope)
            data = small if small is not None else read(c)
            if data is not None and follow.may_reach(data, more, c.path):
                _parse(c, data, found)
            else:
                still.append((c, small))
        rest = still
        for u in units:
            u.topologies(more, in_chart)
        reached += [u for u in units if u.outside and u not in reached and u.may_reach(more)]
        if len(found) + len(in_chart) == before:
            break
        links = linked()
        newer = follow.link_terms(links)
        if newer == more:
            break
        more = newer
    index = {r.path: i for i, r in enumerate(results)}
    for display, (c, data, doc) in found.items():
        if not follow.may_follow(doc, links, settings.for_file(c.path).target):
            continue  # read to learn what routes where; nothing in it reaches a moving server
        r = process_file(c.path, c.display, settings, c.explicit, data=data, force=True, links=links)
        i = index.get(display)
        if i is not None:
            if results[i].status is not Status.FAILED:
                results[i] = r
        elif r.has_evidence or r.status is Status.FAILED or r.changed:
            results.append(r)
    if reached:
        # a chart is processed again whole, with the other files' servers and topologies (pipeline.process_unit)
        from ..pipeline import process_unit

        outside = (moved, [(os.path.realpath(c.path), doc.topology()) for c, _d, doc in found.values()]
                   + list(in_chart.items()))
        for u in reached:
            for r in process_unit(u.unit, settings, u.explicit, u.display, outside=outside):
                i = index.get(r.path)
                if i is not None:
                    results[i] = r
                elif r.has_evidence or r.status is Status.FAILED or r.changed:
                    results.append(r)


_URL_RULES = ("TDM401", "TDM402", "TDM403", "TDM404", "TDM405")


def other_applications(results: list, paths: list[str], settings: Settings) -> dict[str, frozenset[str]]:
    """A URL whose Triton context is its host's name alone (``curl http://triton:8000/api/health/ready`` in a
    script): when another file of the run shows that host to be another application's - a Kubernetes Service
    whose selected pods all run other images, a compose service of another image - the file is processed
    again knowing it (``endpoints.run_other_hosts``), and its result takes the place of the first one
    (CONTRACT.md, "V1 evidence": a URL counts when it reaches a Triton container). Returns what it learnt, by
    real path, for the follow-through to keep."""
    from ..discover import Discovery, Excludes
    from ..pipeline import process_file
    from ..rules import endpoints

    wanted: dict[str, set[str]] = {}  # display -> hosts
    for r in results:
        if r.status is Status.FAILED or r.original is None or r.created or r.kind in ("helm-template", "helm-values"):
            continue  # (a chart's files are processed as one unit: ``_charts``)
        starts = [f.span.start for f in r.findings if f.rule in _URL_RULES and f.span is not None]
        if starts:
            got = endpoints.named_hosts(r.original.decode("utf-8", "replace"), starts)
            if got:
                wanted[r.path] = got
    if not wanted:
        return {}
    hosts = set().union(*wanted.values())
    words = [h.split(".")[0].encode() for h in hosts]
    docs: list = []
    cands: dict[str, Candidate] = {}
    for c in Discovery(paths, Excludes(settings), warn=lambda _msg: None):
        cands[c.display] = c
        low = c.display.lower()
        if not low.endswith((".yml", ".yaml", ".json")):
            continue
        try:
            data = read_bytes(c.path)[0]
        except OSError:
            continue
        if len(data) > _MAX or not any(w in data for w in words):
            continue
        doc = _document(c, data)
        if doc is not None and doc.kind in ("kubernetes", "compose"):
            docs.append(doc.topology())
    other: set[str] = set()
    triton: set[str] = set()
    pods = Labelled([p for t in docs for p in t.pods], lambda p: p.labels)
    for t in docs:
        for svc in t.services:
            if svc.name.lower() not in hosts and not any(h.split(".")[0] == svc.name.lower() for h in hosts):
                continue
            chosen = [p for p in pods.picked(svc.selector)
                      if svc.namespace is None or p.namespace is None or svc.namespace == p.namespace]
            if chosen:
                runs = any(c.options or endpoints.may_run_triton(c.image, c.lines) for p in chosen for c in p.containers)
                (triton if runs else other).add(svc.name.lower())
            else:
                triton.add(svc.name.lower())  # its pods are written elsewhere: not known
        for cs in t.compose:
            names = {h.lower() for h in cs.hosts + cs.names if h}
            if names & hosts or any(h.split(".")[0] in names for h in hosts):
                runs = bool(cs.build) or cs.options or endpoints.may_run_triton(cs.image, cs.lines)
                (triton if runs else other).update(names)
    other -= triton
    if not other:
        return {}
    learnt: dict[str, frozenset[str]] = {}
    for i, r in enumerate(results):
        got = wanted.get(r.path)
        c = cands.get(r.path)
        if not got or c is None or not any(endpoints.another_app(h, frozenset(other)) for h in got):
            continue
        learnt[os.path.realpath(c.path)] = frozenset(other)
        with endpoints.run_other_hosts(learnt):
            again = process_file(c.path, c.display, settings, c.explicit, data=r.original)
        if again.status is not Status.FAILED:
            again.source = r.source
            results[i] = again
    return learnt


class _ChartUnit:
    """A Helm chart of the run that the follow-through may reach, as ``_charts`` processes it."""

    def __init__(self, unit, group: list[Candidate]) -> None:
        self.unit = unit
        self.outside = False  #: a server of another file moves (or one of its own is V2): see ``reaches_from``
        self.display = _unit_display(group)
        self.explicit = _unit_explicit(unit, group)
        self.data: list[tuple[object, bytes]] = []  #: (member, its bytes)
        self._linked: dict | None = None
        for m in unit.members:
            try:
                self.data.append((m, read_bytes(m.path)[0]))
            except OSError:
                pass  # the unit reports it, if it is processed

    def reaches_from(self, moved: list) -> None:
        """Whether the chart may follow ``moved`` (the run's (path, move)): a server of another file moves,
        or one of the chart's own servers is V2 already (``current``): the chart's first pass followed
        neither. A chart whose only moves are its own V1 servers' followed them in its first pass."""
        mine = {os.path.realpath(m.path) for m in self.unit.members}
        self.outside = any(m.current or m.file not in mine for _p, m in moved)

    def current(self, settings: Settings) -> list:
        """(path as shown, move) of the chart's V2 server lines (``follow.current``), read with the chart's
        documents linked (values, helpers, subcharts), as its server lines are when it is processed."""
        from ..rules import follow
        from ..rules.context import Context

        if not any(_V2_SERVER in d for _m, d in self.data):
            return []
        out: list = []
        docs = self.linked()
        for m, _data in self.data:
            d = docs.get(m.path)
            if d is None or m.kind != "helm-template" or not hasattr(d, "containers"):
                continue
            try:
                ctx = Context(d, settings.for_file(m.path).target)
                out += [(self.display(m.path), mv) for mv in follow.current(d, ctx)]
            except Exception:  # as _document: what cannot be read is left to the chart's own pass
                continue
        follow.publish_node_ports([mv for _p, mv in out], [(os.path.realpath(p), d.topology()) for p, d in docs.items()
                                                         if d.kind == "helm-template" and hasattr(d, "containers")])
        return out

    def linked(self) -> dict:
        """The chart's documents (member path -> document), linked as ``pipeline._unit`` links them: a template's
        values and helpers resolved. A member that does not read is left out; a chart whose documents do not
        link has none (its own pass reports it)."""
        if self._linked is not None:
            return self._linked
        from ..pipeline import build_document, link_chart

        docs: dict = {}
        for m, data in self.data:
            try:
                docs[m.path] = build_document(m.kind, m.path, data.decode("utf-8"))
            except Exception:  # ProcessingError, a decoding error, or a reader failure: as _document
                continue
        try:
            link_chart(self.unit, docs)
            self._linked = docs
        except Exception:  # as above
            self._linked = {}
        return self._linked

    def may_reach(self, terms) -> bool:
        from ..rules import follow

        return any(follow.may_reach(d, terms, env=False) for _m, d in self.data)

    def topologies(self, terms, out: dict) -> None:
        """The topology of each template that may reach a moving server (real path -> topology, into
        ``out``), read with the chart linked (a Service port or name its values write is the value):
        names and selectors that template actions write are left out (``follow.literal``)."""
        from ..rules import follow

        docs = None
        for m, data in self.data:
            real = os.path.realpath(m.path)
            if m.kind != "helm-template" or real in out or m.path.endswith(_CHART_SUFFIXES) \
                    or not follow.may_reach(data, terms, env=False):
                continue
            if docs is None:
                docs = self.linked()
            d = docs.get(m.path)
            if d is None:
                continue
            try:
                out[real] = follow.literal(d.topology())
            except Exception:  # as _document: a reader failure here leaves the chart to its own pass
                continue


def _chart_units(cands: list[Candidate]) -> list[_ChartUnit]:
    """The charts of ``cands`` (``_ChartUnit.reaches_from`` tells which may follow the run's moves). A chart
    with a file that cannot be processed is processed again too: that file fails again, and the others are
    reported with what follows, unchanged (a chart is migrated as one unit)."""
    from .. import charts

    groups: dict[str, list[Candidate]] = {}
    for c in cands:
        top = charts.top_of(c.path)
        if top is not None:
            groups.setdefault(top, []).append(c)
    out: list[_ChartUnit] = []
    for top, group in groups.items():
        unit = charts.unit_of(top)
        if unit.members:
            out.append(_ChartUnit(unit, group))
    return out


def _current_servers(eligible: list[Candidate], read, kept: dict, found: dict, settings: Settings) -> list:
    """(path as shown, move) of the V2 servers of the run's files that can route (``follow.current``): a file
    of the run holds a V1 endpoint that no rule of its own could place, and may reach one of them. The
    files that run servers join ``found`` (their pods, V1 ones kept beside a copy too, are the run's
    topology); the other small files read are kept in ``kept`` for the search that follows."""
    from ..rules import follow
    from ..rules.context import Context

    out: list = []
    for c in eligible:
        data = read(c)
        if data is None:
            continue
        if len(data) <= _KEEP:
            kept[c.path] = data
        if _V2_SERVER not in data:
            continue
        doc = _document(c, data)
        if doc is not None:
            out += [(c.display, m) for m in follow.current(doc, Context(doc, settings.for_file(c.path).target))]
            found[c.display] = (c, data, doc)
            kept.pop(c.path, None)
    return out


def _current_images(dockerfiles: list[Candidate], read, settings: Settings) -> list:
    """(path as shown, move) of the V2 servers the run's Dockerfiles start (their last stage's CMD or
    ENTRYPOINT): a file that runs the image one of them builds (``follow.image_link``) reaches that server."""
    from ..rules import follow
    from ..rules.context import Context

    out: list = []
    for c, _data, doc in _dockerfile_docs(dockerfiles, read, lambda data: _V2_SERVER in data):
        try:
            out += [(c.display, m) for m in follow.current(doc, Context(doc, settings.for_file(c.path).target))
                    if m.build]
        except Exception:  # as _document: what cannot be read is left alone
            continue
    return out


def _dockerfile_docs(dockerfiles: list[Candidate], read, wanted):
    """(candidate, bytes, document) of each of the run's Dockerfiles whose bytes ``wanted`` accepts and that
    reads; one that does not (not UTF-8, refused, too deep, a reader failure) is left alone, as in ``_document``."""
    from ..pipeline import build_document

    for c in dockerfiles:
        data = read(c)
        if data is None or not wanted(data):
            continue
        try:
            doc = build_document("dockerfile", c.path, data.decode("utf-8"))
        except Exception:
            continue
        yield c, data, doc


def _run_by_images(dockerfiles: list[Candidate], read, moved: list, found: dict) -> list:
    """``moved`` with the servers that a script starts which an image of the run runs as its command joined to
    that image (``follow.run_by_images``: a Dockerfile that COPYs the script and names it in its ``CMD`` or
    ``ENTRYPOINT``); those Dockerfiles join ``found``: their ``HEALTHCHECK`` runs in that server's container."""
    from ..rules import follow

    names = {os.path.basename(m.file).encode() for _p, m in moved if follow.may_be_run_by_image(m)}
    if not names:
        return moved
    builds: list = []
    for c, data, doc in _dockerfile_docs(dockerfiles, read, lambda data: any(n in data for n in names)):
        try:
            topo = doc.topology()
        except Exception:  # as _document: what cannot be read is left alone
            continue
        builds += [(b, c, data, doc) for b in topo.builds if b.runs]
    if not builds:
        return moved
    moved, used = follow.run_by_images(moved, [b for b, *_rest in builds])
    for b, c, data, doc in builds:
        if id(b) in used:
            found[c.display] = (c, data, doc)
    return moved


def _other_images(dockerfiles: list[Candidate], read, moved: list) -> dict[str, tuple[str, str]]:
    """``follow.other_images`` of the run's Dockerfiles that name no server, when a moving server publishes its
    ports on the machine (only there does another container's ``localhost`` differ from the machine's)."""
    from ..rules import follow

    if not any(m.published for _p, m in moved):
        return {}

    def copies_and_names_no_server(data: bytes) -> bool:
        upper = data.upper()
        return (b"COPY" in upper or b"ADD" in upper) \
            and not any(w in data for w in (b"trtserver", b"tritonserver", b"tensorrtserver"))

    docs = [(os.path.realpath(c.path), doc)
            for c, _data, doc in _dockerfile_docs(dockerfiles, read, copies_and_names_no_server)]
    try:
        return follow.other_images(docs)
    except (OSError, RecursionError):
        return {}


#: what a file that runs a V2 server holds (its binary, its image)
_V2_SERVER = b"tritonserver"


def _document(c: Candidate, data: bytes):
    """``c``'s document (with its topology read), when it is of a kind that can route and reads; None for
    a file that does not: it is left alone, as any file without V1 evidence."""
    from ..model import ProcessingError
    from ..pipeline import build_document

    kind = kinds.kind_of(c.path, data[:8192])
    if not followed(kind, c.path.lower()):
        return None
    try:
        doc = build_document(kind, c.path, data.decode("utf-8"))
        doc.topology()
    except (ProcessingError, UnicodeDecodeError, RecursionError):
        return None
    except Exception:  # an unexpected reader failure on a file that may hold no evidence: left alone
        return None
    return doc


def _parse(c: Candidate, data: bytes, found: dict) -> None:
    doc = _document(c, data)
    if doc is not None:
        found[c.display] = (c, data, doc)


_FOLLOW_SUFFIXES = (".yml", ".yaml", ".json", ".sh", ".bash", ".mk", ".py", ".tf", ".tfvars", ".service") + DOC_SUFFIXES
_FOLLOW_NAMES = frozenset({"Makefile", "GNUmakefile", "makefile", "docker-bake.hcl"})
#: the names only a Helm chart's files have among those the follow-through reads (its helpers)
_CHART_SUFFIXES = (".tpl",)
_MAX = 10 * 1024 * 1024
#: files up to this size stay in memory between the two rounds of the follow-through's search
_KEEP = 256 * 1024


def run_level(results: list[FileResult], paths: list[str], settings: Settings) -> dict | None:
    """The run-level findings (rules/run.py) placed in the results; the rollout summary of the reports."""
    from ..rules.run import run_findings

    return run_findings(sorted(results, key=lambda r: r.path), paths, settings.target)


def _charts(cands: list[Candidate], settings: Settings, stale: list[Candidate]) -> list[FileResult]:
    """Each Helm chart with a file in the run, as one unit (its subcharts with it): processed when
    one of its files may hold V1 (or is named on the command line), else skipped like any file
    without evidence. A file of the chart with a V1 endpoint that no rule of the chart placed (an
    Ingress path to the chart's own V2 server) joins ``stale``, as a plain file's does (batch/scan.py)."""
    from .. import charts
    from ..pipeline import process_unit

    units: dict[str, list[Candidate]] = {}
    for c in cands:
        top = charts.top_of(c.path)
        if top is not None:
            units.setdefault(top, []).append(c)
    out: list[FileResult] = []
    for top, group in units.items():
        unit = charts.unit_of(top)
        explicit = _unit_explicit(unit, group)
        if not explicit and not unit.packaged_v1 and not any(_may_hold_v1(m.path) for m in unit.members):
            continue
        display = _unit_display(group)
        paths = {display(m.path): m.path for m in unit.members}
        for r in process_unit(unit, settings, explicit, display):
            if not r.has_evidence and r.status is not Status.FAILED and r.path in paths \
                    and _unplaced_endpoint(paths[r.path], r.original):
                stale.append(Candidate(paths[r.path], r.path, r.explicit))
            kept = Scanner._keep(r)
            if kept is not None:
                out.append(kept)
    return out


def _unit_explicit(unit, group: list[Candidate]) -> frozenset[str]:
    """The files of a chart named on the command line (``group``: the run's candidates in the chart)."""
    shown = {os.path.abspath(c.path): c for c in group}
    return frozenset(m.path for m in unit.members if shown.get(os.path.abspath(m.path), _NONE).explicit)


def _unit_display(group: list[Candidate]):
    """How the files of a chart are reported: as the walk names them (``group``), the others relative
    to the current folder (absolute under a PATH given absolute)."""
    shown = {os.path.abspath(c.path): c for c in group}
    absolute = any(os.path.isabs(c.display) for c in group)

    def display(p: str) -> str:
        c = shown.get(os.path.abspath(p))
        if c is not None:
            return c.display
        return (os.path.abspath(p) if absolute else os.path.relpath(p)).replace(os.sep, "/")
    return display


class _NoCandidate:
    explicit = False


_NONE = _NoCandidate()


def _unplaced_endpoint(path: str, data: bytes | None) -> bool:
    """Whether the file at ``path`` (``data``: its bytes, when its result kept them) holds one of V1's own
    endpoints (``evidence.V1_OWN_ENDPOINT``, as batch/scan.py asks of a plain file; its rules placed none:
    the caller knows)."""
    if data is None:
        try:
            data = read_bytes(path)[0]
        except OSError:
            return False
    return evidence.holds_v1_own_endpoint(data)


def _may_hold_v1(path: str) -> bool:
    """A file of a chart that may hold V1 evidence: its chart is processed (``evidence.chart_may_hold_v1``)."""
    try:
        return evidence.chart_may_hold_v1(read_bytes(path)[0])
    except OSError:
        return True  # an unreadable member: the unit reports it


def _migrates_server(r: FileResult) -> bool:
    if getattr(r, "v1_server", False):
        return True
    return any(f.rule.startswith(_SERVER_RULES) for f in r.findings if f.rule != "TDM104")


def created(results: list[FileResult]) -> list[FileResult]:
    """The files the applied fixes create (the client adapter, once per place), as results of their
    own: listed, shown by --diff as new files, counted by --check."""
    out: dict[str, FileResult] = {}
    for r in results:
        if r.status is Status.FAILED:
            continue
        for path, display, data in r.creates:
            key = os.path.join(os.path.realpath(os.path.dirname(path) or "."), os.path.basename(path))
            if key not in out:
                out[key] = FileResult(display, "python", Status.CHANGED, new=data, created=True)
    return list(out.values())


# --- writing and exit code ---------------------------------------------------------------------
def write_results(results: list[FileResult], settings: Settings) -> None:
    if not settings.write_back.writes:
        return
    from ..atomic import ChangedDuringRun, Source, create_exclusive, write_atomic

    missing: dict[str, str] = {}  # files to create that could not be: path -> why
    for r in results:
        if not r.created or r.new is None:
            continue
        try:
            create_exclusive(_path_of(r), r.new)
            r.written = True
        except FileExistsError:
            failed(r, "a file of this name appeared during the run; not overwritten", keep=True)
        except OSError as e:
            failed(r, f"cannot create: {e.strerror or e}", keep=True)
        if not r.written:
            missing[os.path.abspath(_path_of(r))] = r.path
    for r in results:
        if r.created or r.status is not Status.CHANGED or r.new is None:
            continue
        lacking = [missing[p] for p in map(os.path.abspath, r.needs) if p in missing]
        if lacking:
            failed(r, f"not written: it needs {lacking[0]}, which could not be created", keep=True)
            continue
        source = r.source if isinstance(r.source, Source) else None
        try:
            write_atomic(source.path if source is not None else _path_of(r), r.new, r.original or b"", source)
            r.written = True
        except ChangedDuringRun:
            failed(r, "the file changed during the run; not written", keep=True)
        except OSError as e:
            failed(r, f"cannot write: {e.strerror or e}", keep=True)


def _path_of(r: FileResult) -> str:
    return r.path if os.path.isabs(r.path) else os.path.join(os.getcwd(), r.path)


def apply_overrides(results: list[FileResult], settings: Settings) -> None:
    """Severity overrides of the configuration that applies to each file (they only raise: an
    override never makes the gate weaker), before anything is reported or gated."""
    for r in results:
        if not r.findings:
            continue
        s = settings.for_file(r.path)
        if s.severity:
            for f in r.findings:
                f.severity = s.raised(f.rule, f.severity)


def exit_code(results: list[FileResult], settings: Settings) -> int:
    """2 when a file failed; 1 when --check/--diff would change a file, or when a finding at or
    above the failure threshold of its file's settings remains (--fail-on-review is the threshold
    warning); --exit-zero turns 1 into 0."""
    from ..model import Severity

    if any(r.status is Status.FAILED for r in results):
        return 2
    code = 0
    if settings.write_back in (settings.write_back.DIFF, settings.write_back.CHECK, settings.write_back.DIFF_CHECK):
        if any(r.changed for r in results):
            code = 1
    for r in results:
        if code or not r.findings:
            continue
        threshold = settings.for_file(r.path).threshold
        if threshold is not None and any(f.severity.rank >= Severity(threshold).rank for f in r.findings):
            code = 1
    if settings.exit_zero and code == 1:
        code = 0
    return code


# --- the whole run -----------------------------------------------------------------------------
