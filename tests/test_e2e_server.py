"""The migration, proven by the real V2 server.

- Every fixture (Dockerfile, compose, Kubernetes, shell, Makefile, ...) whose migrated output holds a
  server command line that can be known before run time: the real ``tritonserver`` starts with the
  V2 argv read back from the migrated file (model repository and ports substituted), answers
  ``/v2/health/ready``, runs in the model-control mode the V1 line ran in, and, for Dockerfiles,
  every HEALTHCHECK URL of its stage answers 200 on the server's HTTP port. Repeated for each
  release under test (the file migrated for that target, started with that release's binary).
- Every fixture whose V1 line holds an option V2 refuses: the original line is refused, so the
  oracle has teeth.
- Every row of tests/test_argv.py (options, model-control table) against the 2.51.0 server, and the
  model-control modes observed with real models (Python backend, CPU).
"""

from __future__ import annotations

import pathlib
import re
import time

import pytest

import realserver as R
from conftest import FIXTURES
from golden import inputs, run_fixture
from test_argv import CASES as ARGV_CASES
from test_argv import migrate as migrate_line
from triton_docker_migrate.documents.sites import CommandLine
from triton_docker_migrate.documents.base import Document
from triton_docker_migrate.documents.dockerfile import DockerfileDoc
from triton_docker_migrate.syntax.shellwords import lex
from triton_docker_migrate.documents.commands import argv0, is_v1_binary, server_word, split
from triton_docker_migrate.model import Status
from triton_docker_migrate.release import Release, parse_target
from triton_docker_migrate.rules import tables as T
from triton_docker_migrate.pipeline import build_document
from triton_docker_migrate.settings import Settings

RELEASES = R.releases_under_test()
#: 2.28.0 to 2.41.0 (22.11-23.12) still start with --load-model outside explicit mode (and ignore it,
#: as V1 did); 2.51.0 refuses to start
LOAD_MODEL_REFUSED = "24.10"
_TRUE = {"true", "1", "on", "yes"}

# --- reading command lines back ----------------------------------------------------------------


def argv_of(cl: CommandLine) -> list[str]:
    """The decoded argv (binary first) of a server command line. Words that expand to runtime
    arguments (``"$@"``, ``$ARGS``) are left out: the test passes no runtime arguments. An expansion
    that is the value of the option before it (``--log-verbose $(cat v)``) stays: it is a value."""
    skip = cl.extra.get("image")
    words: list[str] = []
    for w, _ in cl.args():
        if w is skip:
            continue
        prev = words[-1] if words else ""
        takes_value = prev.startswith("--") and "=" not in prev and prev[2:] not in R.NO_ARGUMENT
        if w.is_whole_expansion and not takes_value:
            continue
        words.append(w.value)
    return [argv0(cl), *words]


def server_argvs(doc: Document) -> list[list[str]]:
    return [argv_of(cl) for cl in editable_lines(doc)]


def shell_argv(line: str) -> list[str]:
    words = split(lex(line).tokens)[0]
    words = words[words.index(server_word(words)):]
    return [w.value for w in words if not w.is_whole_expansion]


def options(argv: list[str], table) -> list[tuple[str, str, str | None]]:
    """(full name or None, typed name, value) of each option word, getopt-style."""
    out = []
    k = 1
    while k < len(argv):
        w = argv[k]
        k += 1
        if not w.startswith("--") or len(w) < 3:
            continue
        typed, eq, value = w[2:].partition("=")
        name = R._resolve(typed, frozenset(table))
        if not eq and name is not None and name not in R.NO_ARGUMENT and k < len(argv):
            value = argv[k]
            k += 1
        out.append((name, typed, value if (eq or name is not None) else None))
    return out


def v1_mode(argv: list[str]) -> str:
    """The model-control mode a V1 server ran in (facts sheet, "Model control", from V1's main.cc)."""
    opts = {name: value for name, _, value in options(argv, T.V1_OPTIONS) if name}
    if "model-control-mode" in opts:
        return opts["model-control-mode"].lower()
    if (opts.get("allow-model-control") or "").lower() in _TRUE:
        return "explicit"
    poll = (opts.get("allow-poll-model-repository") or "true").lower() in _TRUE
    secs = int(opts.get("repository-poll-secs") or 15)
    return "poll" if poll and secs > 0 else "none"


def v2_mode(argv: list[str]) -> str:
    opts = {name: value for name, _, value in options(argv, T.V2_OPTIONS) if name}
    return (opts.get("model-control-mode") or "none").lower()


def refused_words(argv: list[str], b: R.Binary, v1: bool = False) -> list[str]:
    """The option words of ``argv`` that ``b`` refuses: unknown or ambiguous (getopt_long exits), and
    on a V1 line ``--load-model`` without explicit mode (V1 ignored it, V2 exits)."""
    out = []
    for name, typed, _ in options(argv, T.V1_OPTIONS):
        if R._resolve(typed, b.options) is None:
            out.append(f"--{typed}")
    if v1 and load_models(argv) and v1_mode(argv) != "explicit" and Release(b.release).at_least(LOAD_MODEL_REFUSED):
        out.append("--load-model")
    return out


def load_models(argv: list[str]) -> list[str]:
    return [v for name, _, v in options(argv, T.V2_OPTIONS) if name == "load-model" and v]


def http_port_of(argv: list[str]) -> str:
    ports = [v for name, _, v in options(argv, T.V2_OPTIONS) if name == "http-port"]
    return ports[-1] if ports else "8000"


_URL = re.compile(r"(?:https?://)?(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])(?::(\d+))?(/[^\s\"'|;&)]*)")


def healthchecks(doc: DockerfileDoc, cl: CommandLine) -> list[tuple[str, str]]:
    """(port, path) of every URL in the HEALTHCHECK of the command line's stage."""
    first = cl.binary or cl.segments[0].words[0]
    stage = doc.stage_index_at(first.start)
    out = []
    for ins in doc.instructions:
        if ins.cmd == "HEALTHCHECK" and ins.stage == stage:
            for m in _URL.finditer(ins.logical):
                out.append((m.group(1) or "80", m.group(2)))
    return out


def _yaml_docs(text: str) -> list:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = True
    return [d for d in yaml.load_all(text.lstrip("\ufeff"))]


def _mappings(node, out: list) -> list:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(node, CommentedMap):
        out.append(node)
        for v in node.values():
            _mappings(v, out)
    elif isinstance(node, CommentedSeq):
        for v in node:
            _mappings(v, out)
    return out


def _urls(value) -> list[tuple[str, str]]:
    text = " ".join(map(str, value)) if isinstance(value, list) else str(value)
    return [(m.group(1) or "80", m.group(2)) for m in _URL.finditer(text)]


def yaml_health_urls(doc: Document, cl: CommandLine) -> list[tuple[str, str]]:
    """(port, path) of the health checks of the compose service or Kubernetes container that runs
    ``cl``: ``healthcheck.test``, and ``httpGet`` / ``exec`` probes (named ports resolved)."""
    first = cl.binary or cl.segments[0].words[0]
    line = doc.position(first.start)[0] - 1
    owners = [m for d in _yaml_docs(doc.text) for m in _mappings(d, []) if "image" in m and m.lc.line <= line]
    if not owners:
        return []
    owner = max(owners, key=lambda m: m.lc.line)
    out = _urls((owner.get("healthcheck") or {}).get("test") or "")
    named = {str(p.get("name")): str(p.get("containerPort")) for p in owner.get("ports") or []
             if hasattr(p, "get") and p.get("name")}
    for key in ("livenessProbe", "readinessProbe", "startupProbe"):
        probe = owner.get(key) or {}
        get = probe.get("httpGet")
        if get is not None:
            port = str(get.get("port"))
            out.append((named.get(port, port), str(get.get("path") or "/")))
        if probe.get("exec") is not None:
            out.extend(_urls(probe["exec"].get("command") or ""))
    return out


def _hcl_blocks(node, key: str) -> list[dict]:
    """Every block of type ``key`` anywhere in a document loaded by python-hcl2 (labelled blocks as
    ``{label: body}``)."""
    out: list[dict] = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key and isinstance(v, list):
                out += [b for b in v if isinstance(b, dict)]
            out += _hcl_blocks(v, key)
    elif isinstance(node, list):
        for v in node:
            out += _hcl_blocks(v, key)
    return out


def hcl_health_urls(doc: Document, cl: CommandLine) -> list[tuple[str, str]]:
    """(port, path) of the HTTP probes of the Terraform container, or the HTTP checks of the Nomad
    task's services, that run ``cl`` (port names resolved), read by python-hcl2, not by the tool."""
    import hcl2
    from hcl2.utils import SerializationOptions

    data = hcl2.loads(doc.text.lstrip("\ufeff"), serialization_options=SerializationOptions(strip_string_quotes=True))
    out = []
    if "container" in cl.extra:
        for c in _hcl_blocks(data, "container"):
            if c.get("name") != cl.extra["container"]:
                continue
            named = {str(p.get("name")): str(p.get("container_port")) for p in c.get("port", []) if p.get("name")}
            for key in ("liveness_probe", "readiness_probe", "startup_probe"):
                for probe in c.get(key, []):
                    for get in probe.get("http_get", []):
                        port = str(get.get("port"))
                        out.append((named.get(port, port), str(get.get("path") or "/")))
    for res in _hcl_blocks(data, "resource") if "docker_container" in cl.extra else []:
        for c in res.get("docker_container", {}).get(cl.extra["docker_container"], {}).get("healthcheck", []):
            out.extend(_urls(c.get("test") or ""))
    for group in _hcl_blocks(data, "group") if "task" in cl.extra else []:
        (body,) = group.values()
        # a port with neither ``to`` nor ``static`` is the one Nomad picks, given as NOMAD_PORT_<label>
        named = {label: str(p.get("to") or p.get("static") or f"${{NOMAD_PORT_{label}}}")
                 for net in body.get("network", []) for port in net.get("port", []) for label, p in port.items()}
        for task in body.get("task", []):
            (label, t), = task.items()
            if label != cl.extra["task"]:
                continue
            # before Nomad 0.12: the docker driver's port_map names the container ports
            named.update({name: str(port) for config in t.get("config", []) for pm in config.get("port_map", [])
                          for name, port in pm.items()})
            ports = {p for config in t.get("config", []) for p in config.get("ports", [])}
            services = t.get("service", []) + [s for s in body.get("service", []) if s.get("port") in ports]
            for svc in services:
                for check in svc.get("check", []):
                    if check.get("type") == "http":
                        port = str(check.get("port") or svc.get("port"))
                        out.append((named.get(port, port), str(check.get("path") or "/")))
    return out


def unit_health_urls(doc: Document, cl: CommandLine) -> list[tuple[str, str]]:
    """(port, path) of the URLs in the other commands of the same systemd service (an
    ``ExecStartPost=`` curl that waits for the server)."""
    if getattr(doc, "flavour", "") != "systemd":
        return []
    first = cl.binary or cl.segments[0].words[0]
    # (an empty ``ExecStart=`` resets the list: a drop-in's first line, no command)
    return [url for e in doc.command_entries if e.offsets and not e.offsets[0] <= first.start <= e.offsets[-1]
            for url in _urls(e.value)]


def health_urls(doc: Document, cl: CommandLine) -> list[tuple[str, str]]:
    if isinstance(doc, DockerfileDoc):
        return healthchecks(doc, cl)
    if doc.kind in ("compose", "kubernetes"):
        return yaml_health_urls(doc, cl)
    if doc.kind == "hcl":
        return hcl_health_urls(doc, cl)
    if doc.kind == "unit":
        return unit_health_urls(doc, cl)
    return []


# --- the fixtures --------------------------------------------------------------------------------

def editable_lines(doc: Document) -> list:
    """The server command lines the migration edits (a folded YAML script's, and a text file's, are
    only reported)."""
    if getattr(doc, "fixes", True) is False:
        return []
    return [cl for cl in doc.command_lines() if not cl.report_only]


def left_for_review(argv: list[str]) -> bool:
    """An option word neither V1 nor V2 knows (kept with a TDM317 warning), or a last option without
    the value it needs (V1 refused the line: TDM318): the tool leaves these for a person."""
    known = frozenset(T.V1_OPTIONS + T.V2_OPTIONS)
    last = argv[-1] if len(argv) > 1 else ""
    name = R._resolve(last[2:], known) if last.startswith("--") and "=" not in last else None
    return any(w.startswith("--") and w != "--" and R._resolve(w[2:].partition("=")[0], known) is None
               for w in argv[1:]) or \
        (name is not None and name not in R.NO_ARGUMENT)


def document(path: pathlib.Path, text: str, kind: str) -> Document:
    return build_document(kind, str(path), text)


def migrated(path: pathlib.Path, release: str) -> tuple[str, str] | None:
    """(kind, the tool's output) for the fixture and target ``release``; None when the tool refuses the
    fixture (bad-input fixtures), and for the files of the chart fixtures: a chart's server line is
    written by Helm from several files, so tests/test_helm_chart.py starts it from the rendered chart.
    test_golden.py holds the output equal to the committed ``.out``."""
    if "helm-chart" in path.relative_to(FIXTURES).parts:
        return None
    res = run_fixture(path, Settings(target=parse_target(release)))
    if res.status is Status.FAILED or res.new is None:
        return None
    return res.kind, res.new.decode("utf-8")


def static_argv(cl: CommandLine) -> list[str] | None:
    """``argv_of(cl)``, or None when a word other than a runtime-arguments expansion or a value the
    test substitutes (model repository, ports) is only known at run time (``--log-verbose=$(V)``)."""
    argv = argv_of(cl)
    if "--help" in argv:
        return None  # prints the usage and exits: no server to start (tests/test_argv.py: nothing added)
    substituted = set(R.PATH_OPTIONS + R.PORT_OPTIONS + ("backend-directory",))
    k = 1
    while k < len(argv):
        w = argv[k]
        name, eq, _ = w[2:].partition("=") if w.startswith("--") else ("", "", "")
        full = R._resolve(name, frozenset(T.V2_OPTIONS)) if name else None
        takes_next = full is not None and not eq and full not in R.NO_ARGUMENT and k + 1 < len(argv)
        value_words = [argv[k + 1]] if takes_next else []
        if full not in substituted and any("$" in x or "`" in x for x in [w, *value_words]):
            return None
        k += 2 if takes_next else 1
    return argv


def _server_cases():
    cases = []
    for path in inputs(FIXTURES):
        for release in RELEASES:
            out = migrated(path, release)
            if out is None:
                continue
            for i, cl in enumerate(editable_lines(document(path, out[1], out[0]))):
                if cl.binary is not None and is_v1_binary(cl.binary.value):
                    continue  # held on V1 with an image that stays V1 (TDM105): no V2 line to start
                if static_argv(cl) is not None and not left_for_review(static_argv(cl)):
                    cases.append(pytest.param(path, release, i, id=f"{path.relative_to(FIXTURES)}[{i}]@{release}"))
    return cases


def _refusal_cases():
    cases = []
    v1_only = set(T.V1_OPTIONS) - set(T.V2_OPTIONS)
    for path in inputs(FIXTURES):
        out = migrated(path, R.DEFAULT)
        if out is None:
            continue
        doc = document(path, path.read_bytes().decode("utf-8"), out[0])
        for i, cl in enumerate(editable_lines(doc)):
            argv = static_argv(cl)
            if argv is None:
                continue
            names = {name for name, _, _ in options(argv, T.V1_OPTIONS)}
            load_refused = cl.v1 and load_models(argv) and v1_mode(argv) != "explicit"
            ambiguous = any(R._resolve(t, frozenset(T.V2_OPTIONS)) is None and n in T.V2_OPTIONS
                            for n, t, _ in options(argv, T.V1_OPTIONS))
            for release in RELEASES:
                # ambiguity is judged against 2.51.0's options (2.28.0 lacks --model-config-name)
                if names & v1_only or (ambiguous and release == R.DEFAULT) or (
                        load_refused and Release(release).at_least(LOAD_MODEL_REFUSED)):
                    cases.append(pytest.param(path, release, i, id=f"{path.relative_to(FIXTURES)}[{i}]@{release}"))
    return cases


SERVER_CASES = _server_cases()
REFUSAL_CASES = _refusal_cases()


def test_the_oracle_has_cases():
    """The fixtures must keep the server oracle busy: lines to start, and V1 lines V2 refuses."""
    assert len({p.values[0] for p in SERVER_CASES}) >= 10
    assert len({p.values[0] for p in REFUSAL_CASES}) >= 5


def test_every_kind_with_server_lines_is_started():
    """The kinds that carry server command lines each have fixtures whose migrated lines the real
    server starts (systemd and supervisord, Python launchers included), and the systemd health check
    is probed."""
    kinds_started = {migrated(p.values[0], R.DEFAULT)[0] for p in SERVER_CASES}
    assert {"dockerfile", "compose", "kubernetes", "shell", "makefile", "unit", "python"} <= kinds_started
    unit = {p.values[0].name for p in SERVER_CASES if p.values[0].parent.name in ("unit", "supervisor")}
    assert {"trtserver.service", "triton-docker.service", "quoting.service", "supervisord.conf",
            "triton.conf"} <= unit
    plan = Plan(FIXTURES / "unit" / "trtserver.service", R.DEFAULT, 0)
    assert plan.checks == [("8000", "/v2/health/ready")]
    # Python: argv lists, os.system strings, docker run, Kubeflow container ops, the health port
    python = {p.values[0].name for p in SERVER_CASES if p.values[0].parent.name == "python"}
    assert {"launcher-popen.py", "launcher-os-system.py", "launcher-docker-run.py", "kubeflow-pipeline.py",
            "literals.py", "half-migrated.py", "health-port.py"} <= python
    assert "python" in {p.values[0].parent.name for p in REFUSAL_CASES}


def _selected(request, name: str) -> list[dict]:
    """The parameters of the selected tests of this module named ``name`` (so ``-k`` starts only those)."""
    return [item.callspec.params for item in request.session.items
            if getattr(item, "originalname", None) == name and getattr(item, "module", None) is request.module]


class Plan:
    """What one fixture's server line must do, read from the fixture before anything starts."""

    def __init__(self, path: pathlib.Path, release: str, index: int) -> None:
        original_text = path.read_bytes().decode("utf-8")
        out = migrated(path, release)
        assert out is not None
        kind, text = out
        original = document(path, original_text, kind)
        doc = document(path, text, kind)
        lines = editable_lines(doc)
        self.same_count = len(editable_lines(original)) == len(lines)
        cl, before = lines[index], editable_lines(original)[min(index, len(editable_lines(original)) - 1)]
        self.argv = argv_of(cl)
        v1_argv = argv_of(before)
        if before.v1:
            self.mode = v1_mode(v1_argv)
        elif any(name == "model-control-mode" for name, _, _ in options(v1_argv, T.V2_OPTIONS)):
            self.mode = v2_mode(v1_argv)
        else:
            self.mode = _half_migrated_mode(v1_argv)
        self.http_port = http_port_of(self.argv)
        # URLs the tool left for a person to review (no fix: e.g. /api/status piped to grep) are not probed
        res = run_fixture(path, Settings(target=parse_target(release)))
        reviewed = {original_text[f.span.start:f.span.end] for f in res.findings if not f.fixed and f.span}
        # the mode left to the options added at run time (TDM310 without a fix: they hold it; the test drops them)
        words = [w for seg in before.segments for w in seg.words]
        lo, hi = min(w.start for w in words), max(w.end for w in words)
        self.mode_at_run_time = any(f.rule == "TDM310" and not f.fixed and f.span and lo <= f.span.start <= hi
                                    for f in res.findings)
        self.checks, self.reviewed = [], []
        # a unit's localhost URL on a port the V1 server did not answer on is another program's, which the tool
        # leaves alone (fixtures/unit/web-health.service: the web application's own check on 9000)
        v1_ports = {v for name, _, v in options(v1_argv, T.V1_OPTIONS) if name in ("http-port", "http-health-port")}
        v1_ports |= {"8000"} if not any(name == "http-port" for name, _, _ in options(v1_argv, T.V1_OPTIONS)) else set()
        for port, url_path in health_urls(doc, cl):
            if kind == "unit" and before.v1 and port not in v1_ports:
                continue
            if url_path.startswith("/v2/"):
                self.checks.append((port, url_path))
            else:
                self.reviewed.append((url_path, any(r and url_path.startswith(r) for r in reviewed)))
        self.binary = R.binary(release)
        self.names = load_models(self.argv)
        self.serve_python = bool(self.names) and self.binary.serves_python_models
        self.job = R.Job(tuple(self.argv), release, tuple(self.names) if self.serve_python else (),
                         tuple(p for _, p in self.checks) + ("/api/health/ready",))


@pytest.fixture(scope="module")
def fixture_runs(request):
    keys = [(p["path"], p["release"], p["index"]) for p in _selected(request, "test_migrated_server_starts")]
    plans = [Plan(*k) for k in keys]
    return dict(zip(keys, zip(plans, R.run_all([p.job for p in plans]))))


@pytest.mark.parametrize("path,release,index", SERVER_CASES)
def test_migrated_server_starts(path, release, index, fixture_runs):
    plan, res = fixture_runs[(path, release, index)]
    assert plan.same_count, "the migration added or lost a server command line"
    for url_path, flagged in plan.reviewed:
        assert flagged, f"HEALTHCHECK {url_path} is neither V2 nor reported for review"
    for port, url_path in plan.checks:
        assert port == plan.http_port, f"HEALTHCHECK {url_path} is on port {port}, the HTTP port is {plan.http_port}"
    if plan.names and not plan.serve_python:
        # no real models for this release (see Binary.serves_python_models): the line parsed, and
        # the server went on in explicit mode to load exactly the named models
        assert res.exit_code not in (None, 0), res.explain()
        assert res.options.get("model_control_mode") == "MODE_EXPLICIT", res.explain()
        startup = [v for k, v in sorted(res.options.items()) if k.startswith("startup_models_")]
        assert sorted(startup) == sorted(plan.names), res.explain()
        return
    assert res.ready, res.explain()
    if plan.mode_at_run_time:  # nothing written for the mode: what the run-time options (dropped here) say decides
        assert not any(a.startswith("--model-control-mode") for a in plan.argv), plan.argv
    else:
        assert res.options.get("model_control_mode") == f"MODE_{plan.mode.upper()}", res.explain()
    assert res.options.get("server_version") == plan.binary.version
    for _, url_path in plan.checks:
        assert res.probes[url_path] == 200, f"HEALTHCHECK {url_path}: {res.probes[url_path]}"
    assert res.probes["/api/health/ready"] in (400, 404)  # the V1 URL is gone: health checks had to move
    if plan.names:
        assert {n: (res.index or {}).get(n) for n in plan.names} == {n: "READY" for n in plan.names}


def _half_migrated_mode(v1_argv: list[str]) -> str:
    """A V2 line that still carries V1 model-control options gets them translated (CONTRACT.md)."""
    opts = {name: value for name, _, value in options(v1_argv, T.V1_OPTIONS) if name}
    if (opts.get("allow-model-control") or "").lower() in _TRUE:
        return "explicit"
    if (opts.get("allow-poll-model-repository") or "").lower() in _TRUE:
        return "poll"
    return "none"


def _original_line(path: pathlib.Path, index: int) -> CommandLine:
    out = migrated(path, R.DEFAULT)
    assert out is not None
    return document(path, path.read_bytes().decode("utf-8"), out[0]).command_lines()[index]


@pytest.fixture(scope="module")
def refusal_runs(request):
    keys = [(p["path"], p["release"], p["index"]) for p in _selected(request, "test_original_is_refused")]
    cases = [(tuple(argv_of(_original_line(path, index))), release) for path, release, index in keys]
    return dict(zip(keys, R.refused_all(cases)))


@pytest.mark.parametrize("path,release,index", REFUSAL_CASES)
def test_original_is_refused(path, release, index, refusal_runs):
    cl = _original_line(path, index)
    words = refused_words(argv_of(cl), R.binary(release), cl.v1)
    assert words, f"{argv_of(cl)}: no option this release refuses"
    res = refusal_runs[(path, release, index)]
    assert res.refused, res.explain()
    assert any(w in res.log for w in words), res.explain()


# --- every argv row against the real 2.51.0 server ----------------------------------------------


def _argv_cases():
    out = []
    for case in ARGV_CASES:
        ident, src, target, expected, findings, mode = case
        if target != R.DEFAULT or mode is None:
            continue
        if any(sev != "info" and not fixed and rule != "TDM316" for rule, sev, fixed in findings):
            continue  # a line left for review (a value known only at run time, an unknown option)
        starts = not (load_models(shell_argv(expected)) and mode != "explicit")
        out.append(pytest.param(src, expected, mode, starts, id=ident))
    return out


ARGV_SERVER_CASES = _argv_cases()


@pytest.fixture(scope="module")
def argv_runs(request):
    srcs = [p["src"] for p in _selected(request, "test_argv_row_on_real_server")]
    jobs = []
    for src in srcs:
        argv = shell_argv(migrate_line(src)[0])
        jobs.append(R.Job(tuple(argv), models=tuple(load_models(argv))))
    return dict(zip(srcs, R.run_all(jobs)))


@pytest.mark.parametrize("src,expected,mode,starts", ARGV_SERVER_CASES)
def test_argv_row_on_real_server(src, expected, mode, starts, argv_runs, tmp_path):
    got, _, _ = migrate_line(src)
    assert got == expected
    argv = shell_argv(got)
    b = R.binary()
    res = argv_runs[src]
    if not starts:
        # a V2 line the tool must leave alone (CONTRACT.md) although V2 refuses it
        assert res.refused, res.explain()
        return
    assert not refused_words(argv, b)
    assert res.ready, res.explain()
    assert res.options.get("model_control_mode") == f"MODE_{mode.upper()}", res.explain()
    names = load_models(argv)
    if names:
        assert res.index == {n: "READY" for n in names}
    before = shell_argv(src)
    if refused_words(before, b, v1=before[0] == "trtserver"):
        res = R.refused(before, tmp_path)
        assert res.refused, res.explain()


def test_argv_rows_cover_the_table():
    ids = {p.id for p in ARGV_SERVER_CASES}
    for row in ("mc-none-of-three_fixes", "mc-poll-false_fixes", "mc-poll-false-and-control-true_fixes",
                "mc-control-true-alone_fixes", "mc-poll-true_fixes", "mc-secs-0_noop",
                "mc-load-model-not-explicit_fixes", "mc-mode-given_noop"):
        assert row in ids
    assert len(ids) >= 40


def test_unknown_option_left_for_review_is_refused(tmp_path):
    """TDM317 leaves a word V1 did not know: V2 does not know it either."""
    got, findings, _ = migrate_line("trtserver --model-repository=/m --model-control-mode=none --trtis-x=1")
    assert ("TDM317", "warning", False) in findings
    res = R.refused(shell_argv(got), tmp_path)
    assert res.refused and "--trtis-x" in res.log, res.explain()


# --- model-control behaviour, observed with real models -------------------------------------------


def _wait_state(srv: R.Server, name: str, want: str | None, seconds: float) -> str | None:
    deadline = time.monotonic() + seconds
    state = None
    while time.monotonic() < deadline:
        state = srv.index().get(name)
        if state == want:
            return state
        time.sleep(0.5)
    return state


def test_poll_default_picks_up_new_models(tmp_path):
    """V1 polled by default: the migrated line loads a model added while it runs."""
    got, _, res = migrate_line("trtserver --model-store=/m --repository-poll-secs=1 --strict-model-config=false")
    assert res.mode == "poll"
    R.add_model(tmp_path, "first")
    with R.running(shell_argv(got), tmp_path, python_models=True) as srv:
        assert srv.ready, srv.result(srv.stop()).explain()
        assert srv.index() == {"first": "READY"}
        R.add_model(tmp_path, "late")
        assert _wait_state(srv, "late", "READY", 30) == "READY"


def test_no_polling_loads_only_at_start(tmp_path):
    """--repository-poll-secs=0: V1 and V2 both load the repository once."""
    got, _, res = migrate_line("trtserver --model-store=/m --repository-poll-secs=0 --strict-model-config=false")
    assert res.mode == "none" and "--model-control-mode" not in got
    R.add_model(tmp_path, "first")
    with R.running(shell_argv(got), tmp_path, python_models=True) as srv:
        assert srv.ready, srv.result(srv.stop()).explain()
        R.add_model(tmp_path, "late")
        time.sleep(4)  # four poll periods of the poll test above
        assert srv.index() == {"first": "READY", "late": None}
        status, body = srv.post("/v2/repository/models/late/load")
        assert status != 200 and b"explicit model load / unload is not allowed" in body


@pytest.mark.parametrize("first,last,loads", [("none", "explicit", True), ("explicit", "none", False)])
def test_the_server_takes_the_last_model_control_mode_it_is_given(tmp_path, first, last, loads):
    """What a default written before a branch's own mode relies on (rules/argv.py, a mode set only in an
    append): the 2.51.0 server takes the last --model-control-mode of its line."""
    R.add_model(tmp_path, "m")
    argv = ["tritonserver", "--model-repository=/m", f"--model-control-mode={first}", f"--model-control-mode={last}"]
    with R.running(argv, tmp_path, python_models=True) as srv:
        assert srv.ready, srv.result(srv.stop()).explain()
        status, _body = srv.post("/v2/repository/models/m/load")
        assert (status == 200) is loads


def test_a_patch_mode_after_the_written_default_decides(tmp_path):
    """A kustomize overlay that appends a mode of its own after the --model-control-mode=poll the migration wrote
    on the base's line (a TDM310 warning on the patch, rules/follow.py): the 2.51.0 server runs the last mode, and
    takes the patch's --load-model with it."""
    R.add_model(tmp_path, "wanted")
    R.add_model(tmp_path, "other")
    argv = ["tritonserver", "--model-repository=/m", "--model-control-mode=poll", "--disable-auto-complete-config",
            "--model-control-mode=explicit", "--load-model=wanted"]
    with R.running(argv, tmp_path, python_models=True) as srv:
        assert srv.ready, srv.result(srv.stop()).explain()
        assert srv.index() == {"wanted": "READY", "other": None}


def test_poll_mode_with_zero_seconds_never_polls(tmp_path):
    """A kustomize patch that gives --repository-poll-secs=0 to a line the migration gave --model-control-mode=poll:
    V1 did not poll (mode none), and neither does the 2.51.0 server in poll mode with 0 s - so the patch needs
    nothing (rules/argv.py, TDM310)."""
    R.add_model(tmp_path, "first")
    argv = ["tritonserver", "--model-repository=/m", "--model-control-mode=poll", "--repository-poll-secs=0"]
    with R.running(argv, tmp_path, python_models=True) as srv:
        assert srv.ready, srv.result(srv.stop()).explain()
        assert R.option_table(srv.log())["model_control_mode"] == "MODE_POLL"
        R.add_model(tmp_path, "late")
        time.sleep(17)  # longer than the default period (15 s), in case 0 stood for it
        assert srv.index() == {"first": "READY", "late": None}


@pytest.mark.parametrize("order", [("--strict-model-config=false", "--disable-auto-complete-config"),
                                   ("--disable-auto-complete-config", "--strict-model-config=false")])
def test_disable_auto_complete_wins_over_strict_false_in_either_order(tmp_path, order):
    """Why a line completed by options given after it (runtime arguments, a Dockerfile ENTRYPOINT that what runs
    the image gives options to) gets V1's strict default as --strict-model-config=true (rules/argv.py, TDM314): a
    --strict-model-config=false given with --disable-auto-complete-config does not turn auto-complete back on -
    the 2.51.0 server stays strict whatever the order."""
    argv = ["tritonserver", "--model-repository=/m", *order]
    with R.running(argv, tmp_path) as srv:
        assert srv.ready, srv.result(srv.stop()).explain()
        assert R.option_table(srv.log())["strict_model_config"] == "1"
    with R.running(["tritonserver", "--model-repository=/m", "--strict-model-config=false"], tmp_path) as srv:
        assert srv.ready, srv.result(srv.stop()).explain()
        assert R.option_table(srv.log())["strict_model_config"] == "0"


def test_explicit_loads_only_named_models(tmp_path):
    got, _, res = migrate_line("trtserver --model-store=/m --allow-poll-model-repository=false "
                               "--allow-model-control=true --load-model=wanted --strict-model-config=false")
    assert res.mode == "explicit"
    R.add_model(tmp_path, "wanted")
    R.add_model(tmp_path, "other")
    with R.running(shell_argv(got), tmp_path, python_models=True) as srv:
        assert srv.ready, srv.result(srv.stop()).explain()
        assert srv.index() == {"wanted": "READY", "other": None}
        status, body = srv.post("/v2/repository/models/other/load")
        assert status == 200, body
        assert srv.index() == {"wanted": "READY", "other": "READY"}


def test_default_binary_is_the_default_target():
    b = R.binary()
    assert (b.release, b.version) == ("24.10", "2.51.0")
    assert b.release == str(Settings().target)


def test_substitute_replaces_only_repository_ports_and_adds_what_is_missing(tmp_path):
    b = R.binary()
    argv = ["/opt/tritonserver/bin/tritonserver", "--model-repo=/models", "--model-store", "/other",
            "--http-port", "8000", "--grpc-port=8001", "--log-verbose", "1", "--exit-on-error=false",
            "--backend-config=tensorflow,version=2", "stray"]
    got = R.substitute(argv, b, tmp_path, [1, 2, 3])
    assert got == [str(b.path), f"--model-repo={tmp_path}", "--model-store", str(tmp_path), "--http-port", "1",
                   "--grpc-port=2", "--log-verbose", "1", "--exit-on-error=false",
                   "--backend-config=tensorflow,version=2", "stray", "--metrics-port=3",
                   f"--backend-directory={b.backends}", "--http-address=127.0.0.1", "--grpc-address=127.0.0.1",
                   "--metrics-address=127.0.0.1"]
    # a V1 option stays for the server to refuse, with its value
    got = R.substitute(["trtserver", "--http-health-port", "8003", "--model-store=/m"], b, tmp_path, [1, 2, 3])
    assert got[:4] == [str(b.path), "--http-health-port", "8003", f"--model-store={tmp_path}"]
    # what is added goes before a "--" that ends the options (the server reads nothing after it)
    got = R.substitute(["tritonserver", "--model-repository=/m", "--"], b, tmp_path, [1, 2, 3])
    assert got[:3] == [str(b.path), f"--model-repository={tmp_path}", "--http-port=1"] and got[-1] == "--"


def test_older_release_comes_from_the_cache():
    b = R.binary("22.11")
    assert (b.release, b.version) == ("22.11", "2.28.0")
    assert b.root.parent == R.cache_root() and (b.root / ".complete").exists()
    assert "model-config-name" not in b.options and "model-control-mode" in b.options


def test_hcl_fixtures_are_started_with_their_health_checks():
    """Terraform and Nomad server lines start too, and their probes and checks (read by python-hcl2,
    named ports resolved) are on the HTTP port and answer 200 (test_migrated_server_starts)."""
    started = {p.values[0].name for p in SERVER_CASES if p.values[0].parent.name == "hcl"}
    assert {"terraform-deployment.tf", "statefulset-v1-image.tf", "sidecar-trap.tf", "heredoc.tf",
            "nomad-job.nomad", "nomad-crlf.nomad", "nomad-sidecar-trap.hcl",
            "docker-provider.tf", "ecs-task-definition.tf"} <= started
    hcl = FIXTURES / "hcl"
    assert Plan(hcl / "terraform-deployment.tf", R.DEFAULT, 0).checks == [("8000", "/v2/health/live"),
                                                                         ("8000", "/v2/health/ready")]
    assert Plan(hcl / "nomad-crlf.nomad", R.DEFAULT, 0).checks == [("8000", "/v2/health/ready")]
    assert Plan(hcl / "docker-provider.tf", R.DEFAULT, 0).checks == [("8000", "/v2/health/ready")]
    assert Plan(hcl / "nomad-sidecar-trap.hcl", R.DEFAULT, 0).checks == [("8000", "/v2/health/ready")]


def test_arguments_given_to_a_built_v1_image_start_behind_its_migrated_entrypoint(tmp_path, capsys, monkeypatch):
    """A Deployment that gives only arguments to an image built from a V1 Dockerfile of the same run
    (TDM110 by its V1-only option): both migrate, and the rebuilt image's entrypoint with the
    Deployment's arguments starts the real server in the mode V1 had (none: polling was turned off)."""
    import json

    import yaml
    from conftest import cli

    (tmp_path / "server").mkdir()
    (tmp_path / "server" / "Dockerfile").write_text('FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\n'
                                                    'ENTRYPOINT ["trtserver"]\n')
    manifest = FIXTURES / "kubernetes" / "TDM110-v1-arguments-built-image.yaml"
    (tmp_path / "deploy.yaml").write_bytes(manifest.read_bytes())
    monkeypatch.chdir(tmp_path)
    code, _out, _err = cli(capsys, "migrate", ".")
    assert code == 0
    entry = json.loads((tmp_path / "server" / "Dockerfile").read_text().splitlines()[1].split(None, 1)[1])
    deployment, pod = yaml.safe_load_all((tmp_path / "deploy.yaml").read_text())
    containers = deployment["spec"]["template"]["spec"]["containers"]
    argv = tuple(entry + containers[0]["args"])
    assert argv[0] == "tritonserver"
    (res,) = R.run_all([R.Job(argv, probes=(containers[0]["readinessProbe"]["httpGet"]["path"],))])
    assert res.ready, res.explain()
    assert res.options.get("model_control_mode") == "MODE_NONE"
    assert res.probes["/v2/health/ready"] == 200
    # the other containers keep their own options; the canary (known by its V1 probe) starts too
    assert containers[1]["args"] == ["--api-version=2", "--model-store=/work"]
    assert pod["spec"]["containers"][1]["args"] == ["--model-store=/models", "--ts-config=/config.properties"]
    canary = pod["spec"]["containers"][0]
    (res,) = R.run_all([R.Job(tuple(entry + canary["args"]), probes=(canary["livenessProbe"]["httpGet"]["path"],))])
    assert res.ready and res.probes["/v2/health/live"] == 200, res.explain()
    assert res.options.get("model_control_mode") == "MODE_POLL"


def test_options_given_to_a_built_image_still_decide_behind_its_migrated_entrypoint(tmp_path, capsys, monkeypatch):
    """A Dockerfile whose ENTRYPOINT is the V1 server and whose options come from what runs the image (a compose
    command, ``docker run`` words, Kubernetes args in place of its CMD: fixtures/trees/runner-defaults-*): V1's defaults written on the ENTRYPOINT must
    leave those options the last word. The rebuilt image with each runner's migrated options starts the 2.51.0
    server as V1 ran it: a --strict-model-config=false given there turns strict configuration off (V2 would keep it
    on beside --disable-auto-complete-config), a mode given there wins, and a runner that gives neither gets V1's."""
    import json
    import shlex
    import shutil

    import yaml
    from conftest import cli

    for name in ("runner-defaults-compose", "runner-defaults-docker-run", "runner-defaults-cmd-replaced"):
        shutil.copytree(FIXTURES / "trees" / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    code, _out, _err = cli(capsys, "migrate", ".")
    assert code == 0

    def entrypoint(dockerfile: pathlib.Path) -> list[str]:
        line = next(x for x in dockerfile.read_text().splitlines() if x.startswith("ENTRYPOINT"))
        return json.loads(line.split(None, 1)[1])

    compose = tmp_path / "runner-defaults-compose"
    command = yaml.safe_load((compose / "docker-compose.yml").read_text())["services"]["server"]["command"]
    run = tmp_path / "runner-defaults-docker-run"
    runs = [shlex.split(x)[6:] for x in (run / "run.sh").read_text().splitlines() if x.startswith("docker run")]
    jobs = [R.Job(tuple(entrypoint(compose / "server" / "Dockerfile") + command))]
    jobs += [R.Job(tuple(entrypoint(run / "Dockerfile") + words)) for words in runs]
    # Kubernetes args in place of the Dockerfile's CMD: V1's defaults stand on the ENTRYPOINT, not in that CMD
    replaced = tmp_path / "runner-defaults-cmd-replaced"
    args = yaml.safe_load((replaced / "deploy.yaml").read_text())["spec"]["template"]["spec"]["containers"][0]["args"]
    jobs.append(R.Job(tuple(entrypoint(replaced / "Dockerfile") + args)))
    got = R.run_all(jobs)
    assert all(r.ready for r in got), [r.explain() for r in got]
    # V1: --strict-model-config=false and --repository-poll-secs=0 (mode none); V2 polls never at 0 s
    # (test_poll_mode_with_zero_seconds_never_polls)
    assert got[0].options.get("strict_model_config") == "0"
    assert got[1].options.get("strict_model_config") == "0"
    assert got[1].options.get("model_control_mode") == "MODE_NONE"
    assert got[2].options.get("strict_model_config") == "1"
    assert got[2].options.get("model_control_mode") == "MODE_POLL"
    assert got[3].options.get("strict_model_config") == "1"
    assert got[3].options.get("model_control_mode") == "MODE_POLL"
