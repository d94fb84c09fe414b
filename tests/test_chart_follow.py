"""The follow-through inside a Helm chart (rules/follow.py, TDM407/TDM408, with ``pipeline._unit``): the
chart's own Service, NetworkPolicy and Ingress templates - and a plain manifest elsewhere in the run -
follow the chart's server whose ``--http-health-port`` the migration removes.

- ``fixtures/trees/chart-health`` (its exact output is tests/test_run_level.py's golden): its selectors,
  labels and names are template actions (``include "infer.selectorLabels"``, ``include "infer.fullname"``);
  one port comes from ``values.yaml``. The chart is rendered before and after the whole run by Helm itself
  (PyPI ``helm-python-sdk``), every rendered object and the plain manifest pass kubernetes-validate
  (strict), and a reader written here, independently of the tool, follows every Service targetPort,
  NetworkPolicy port, Ingress backend and probe of the rendered output to the server's container: each
  lands on a port the migrated command line listens on, with a path V2 serves - and the real server,
  started with that line, answers each followed path there. The same reader finds the rendered original
  broken against that server, reference by reference.
- What the tool cannot decide is a warning without an edit: a selector written by another helper than
  the server's pod labels, a targetPort a helper computes.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

import realserver as R
from conftest import FIXTURES, cli, migrated_copy

TREE = FIXTURES / "trees" / "chart-health"
DEFAULT_PORTS = {"http-port": "8000", "grpc-port": "8001", "metrics-port": "8002"}
ROLES = {"http-port": "http", "grpc-port": "grpc", "metrics-port": "metrics"}
K8S_VERSION = kubernetes_validate.latest_version()


def render(chart: Path) -> list[dict]:
    """Every object ``helm template`` prints for the chart with its ``values.yaml`` (Helm's own engine)."""
    import helm_python

    c = helm_python.Chart.load(str(chart))
    try:
        out = c.render({}, name="rel", namespace="default")
    finally:
        c.close()
    return [o for name, text in sorted(out.items()) if not name.endswith("NOTES.txt")
            for o in yaml.safe_load_all(text) if o]


def objects(root: Path) -> list[dict]:
    """The rendered chart and the plain manifests of the tree."""
    out = render(root / "chart")
    for path in sorted((root / "deploy").glob("*.yaml")):
        out += [d for d in yaml.safe_load_all(path.read_text()) if isinstance(d, dict)]
    return out


def _argv(c: dict) -> list[str] | None:
    words = [str(w) for w in (c.get("command") or []) + (c.get("args") or [])]
    for i, w in enumerate(words):
        if os.path.basename(w) in ("tritonserver", "trtserver"):
            return words[i:]
    return None


def listens(argv: list[str]) -> dict[str, str]:
    """container port -> role, as the command line sets them."""
    ports = dict(DEFAULT_PORTS)
    for w in argv[1:]:
        name, eq, value = w[2:].partition("=")
        if w.startswith("--") and eq and name in ports:
            ports[name] = value
    return {port: ROLES[name] for name, port in ports.items()}


class Rendered:
    """What the rendered objects say, read without the tool."""

    def __init__(self, objs: list[dict]) -> None:
        self.objs = objs
        self.pods = []  # (namespace, labels, container)
        for o in objs:
            if o.get("kind") == "Deployment":
                tmpl = o["spec"]["template"]
                for c in tmpl["spec"]["containers"]:
                    self.pods.append((o["metadata"].get("namespace", "default"), tmpl["metadata"]["labels"], c))
        servers = [c for _ns, _l, c in self.pods if _argv(c)]
        assert len(servers) == 1
        self.server = servers[0]

    def follow(self, argv: list[str]) -> tuple[list[tuple[str, str, str | None]], list[str]]:
        """Every reference followed to the server container: (what, container port, path) where it lands
        on a port the server started with ``argv`` listens on with a V2 path, and what does not."""
        ports = listens(argv)
        landings: list[tuple[str, str, str | None]] = []
        broken: list[str] = []

        def container_port(c: dict, target: str) -> str | None:
            if str(target).isdigit():
                return str(target)
            return next((str(p["containerPort"]) for p in c.get("ports", []) if p.get("name") == target), None)

        def land(what: str, port: str | None, path: str | None = None) -> None:
            if port is None:
                broken.append(f"{what}: reaches no port")
            elif port not in ports:
                broken.append(f"{what}: port {port}, where the server does not listen")
            elif path is not None and not path.startswith("/v2"):
                broken.append(f"{what}: {path}, which V2 does not serve")
            else:
                landings.append((what, port, path))

        def picked(ns: str, selector: dict) -> list[dict]:
            return [c for pns, labels, c in self.pods if pns == ns and selector and _argv(c)
                    and all(labels.get(k) == v for k, v in selector.items())]

        services = [o for o in self.objs if o.get("kind") == "Service"]
        for svc in services:
            ns = svc["metadata"].get("namespace", "default")
            for e in svc["spec"]["ports"]:
                for c in picked(ns, svc["spec"].get("selector", {})):
                    land(f"Service {svc['metadata']['name']} port {e['port']}",
                         container_port(c, e.get("targetPort", e["port"])))
        for o in self.objs:
            ns = o["metadata"].get("namespace", "default")
            if o.get("kind") == "NetworkPolicy":
                for rule in o["spec"].get("ingress", []):
                    for p in rule.get("ports", []):
                        for c in picked(ns, o["spec"]["podSelector"].get("matchLabels", {})):
                            land(f"NetworkPolicy {o['metadata']['name']} port {p['port']}", container_port(c, p["port"]))
            elif o.get("kind") == "Ingress":
                for rule in o["spec"]["rules"]:
                    for p in rule["http"]["paths"]:
                        b = p["backend"]["service"]
                        svc = next(s for s in services if s["metadata"]["name"] == b["name"])
                        key, value = ("name", b["port"]["name"]) if "name" in b["port"] else ("port", b["port"]["number"])
                        entry = next((e for e in svc["spec"]["ports"] if e.get(key) == value), None)
                        what = f"Ingress {o['metadata']['name']} {p['path']}"
                        if entry is None:
                            broken.append(f"{what}: the Service has no port {value}")
                            continue
                        for c in picked(ns, svc["spec"]["selector"]):
                            land(what, container_port(c, entry.get("targetPort", entry["port"])), p["path"])
        c = self.server
        for kind in ("livenessProbe", "readinessProbe", "startupProbe"):
            get = (c.get(kind) or {}).get("httpGet")
            if get:
                land(f"{kind}", container_port(c, get["port"]), get.get("path"))
        return landings, broken


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    """The fixture tree before and after a whole run (``migrate .`` in a copy)."""
    work = migrated_copy(tmp_path_factory, TREE, "chart-follow")
    return objects(TREE), objects(work), work


def test_rendered_objects_are_valid_before_and_after(tree):
    before, after, _work = tree
    for which, objs in (("before", before), ("after", after)):
        assert {o["kind"] for o in objs} == {"Deployment", "Service", "NetworkPolicy", "Ingress"}
        valid(objs, which)


def valid(objs: list[dict], which: str) -> None:
    """Every rendered object passes kubernetes-validate, strictly."""
    for o in objs:
        try:
            kubernetes_validate.validate(o, K8S_VERSION, strict=True)
        except kubernetes_validate.ValidationError as e:
            pytest.fail(f"{which}: {o['kind']} {o['metadata']['name']}: {e.message}")


def migrated_landings(objs: list[dict]) -> list:
    """Where each reference of the rendered, migrated objects lands: the server runs the V2 image and
    binary, and no reference is broken."""
    rendered = Rendered(objs)
    argv = _argv(rendered.server)
    assert rendered.server["image"] == "nvcr.io/nvidia/tritonserver:24.10-py3" and argv[0] == "tritonserver"
    landings, broken = rendered.follow(argv)
    assert broken == []
    return landings


def test_every_rendered_reference_lands_on_a_port_the_server_listens_on(tree):
    _before, after, _work = tree
    landings = migrated_landings(after)
    whats = {w for w, _p, _path in landings}
    # each kind of reference is there to follow (the test cannot pass on a chart that lost them)
    assert whats == {"Service rel-infer port 8000", "Service rel-infer port 8001", "Service inference-monitor port 8000",
                     "NetworkPolicy rel-infer port 8000", "NetworkPolicy rel-infer port 8001",
                     "Ingress rel-infer /v2", "Ingress rel-infer /v2/health/ready", "livenessProbe", "readinessProbe"}


def test_the_rendered_original_is_broken_against_the_migrated_server(tree):
    """The same reader on the chart as it was, against the server as it runs after the migration: each
    reference the run changed is found broken (so the check above has teeth)."""
    before, after, _work = tree
    _landings, broken = Rendered(before).follow(_argv(Rendered(after).server))
    gone = "port 8005, where the server does not listen"
    assert sorted(broken) == [
        f"Ingress rel-infer /api/health/ready: {gone}",
        f"NetworkPolicy rel-infer port 8005: {gone}",
        f"Service inference-monitor port 8005: {gone}",
        f"Service rel-infer port 8005: {gone}",
        f"livenessProbe: {gone}",
        f"readinessProbe: {gone}",
    ]


def test_the_real_server_answers_every_followed_reference(tree, tmp_path):
    _before, after, _work = tree
    rendered = Rendered(after)
    argv = _argv(rendered.server)
    landings, broken = rendered.follow(argv)
    assert broken == [] and landings
    assert unanswered(argv, landings, tmp_path) == []


def unanswered(argv: list[str], landings, tmp_path: Path) -> list[str]:
    """The real server started with ``argv``: each followed reference (what, port, path) that it does
    not answer (a path not 200, a port nothing listens on)."""
    roles = listens(argv)
    repo = tmp_path / "models"
    repo.mkdir()
    failures = []
    with R.running(argv, repo) as srv:
        assert srv.ready, srv.result(None).explain()
        actual = {"http": srv.ports[0], "grpc": srv.ports[1], "metrics": srv.ports[2]}
        for what, port, path in landings:
            got = actual[roles[port]]
            if path is not None:
                status, _ = R.request(got, "GET", path + "/health/ready" if path == "/v2" else path)
                if status != 200:
                    failures.append(f"{what}: GET {path} on the {roles[port]} port answered {status}")
            else:
                with socket.socket() as s:
                    s.settimeout(5)
                    if s.connect_ex((R.LOOPBACK, got)) != 0:
                        failures.append(f"{what}: nothing listens on the {roles[port]} port")
    return failures


# --- what the tool cannot decide --------------------------------------------------------------------

def _report(capsys, *args: str) -> dict:
    _code, out, _err = cli(capsys, "migrate", "--check", "--format", "json", *args)
    return json.loads(out)


def _copy(tmp_path: Path) -> Path:
    work = tmp_path / "tree"
    shutil.copytree(TREE, work)
    return work


def test_a_selector_of_another_helper_is_a_warning_without_an_edit(tmp_path, monkeypatch, capsys):
    work = _copy(tmp_path)
    (work / "chart" / "templates" / "metrics.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ include \"infer.fullname\" . }}-metrics\nspec:\n"
        "  selector:\n    {{- include \"infer.metricsLabels\" . | nindent 4 }}\n  ports:\n"
        "    - {name: metrics, port: 8002}\n    - {name: health, port: 8005}\n")
    monkeypatch.chdir(work)
    report = _report(capsys, ".")
    got = [(f["line"], f["rule"], f["severity"], f["fixed"]) for f in report["findings"]
           if f["path"] == "chart/templates/metrics.yaml"]
    assert got == [(10, "TDM407", "warning", False)]
    msg = next(f["message"] for f in report["findings"] if f["path"] == "chart/templates/metrics.yaml")
    assert "known only once the chart is rendered" in msg and "deployment.yaml:21" in msg


def test_a_target_port_a_helper_computes_is_a_warning_without_an_edit(tmp_path, monkeypatch, capsys):
    work = _copy(tmp_path)
    svc = work / "chart" / "templates" / "service.yaml"
    svc.write_text(svc.read_text().replace("targetPort: health", "targetPort: {{ include \"infer.healthPort\" . }}"))
    ing = work / "chart" / "templates" / "ingress.yaml"
    ing.write_text(ing.read_text().replace("number: {{ .Values.ingress.healthPort }}",
                                           "number: {{ include \"infer.servicePort\" . }}"))
    (work / "chart" / "templates" / "_ports.tpl").write_text('{{- define "infer.healthPort" -}}8005{{- end }}\n'
                                                          '{{- define "infer.servicePort" -}}8005{{- end }}\n')
    monkeypatch.chdir(work)
    report = _report(capsys, ".")
    got = [(f["path"], f["line"], f["rule"], f["severity"], f["fixed"]) for f in report["findings"]
           if f["path"] in ("chart/templates/service.yaml", "chart/templates/ingress.yaml") and f["rule"] == "TDM407"]
    assert got == [("chart/templates/ingress.yaml", 23, "TDM407", "warning", False),
                   ("chart/templates/service.yaml", 15, "TDM407", "warning", False)]


def test_without_the_health_option_nothing_follows(tmp_path, monkeypatch, capsys):
    """No ``--http-health-port``: V1 served health on the HTTP port (CONTRACT.md, "The V1 health port"),
    so nothing moves for 8005; only the paths follow."""
    work = _copy(tmp_path)
    dep = work / "chart" / "templates" / "deployment.yaml"
    dep.write_text(dep.read_text().replace("            - --http-health-port=8005\n", ""))
    monkeypatch.chdir(work)
    report = _report(capsys, ".")
    assert [f for f in report["findings"] if f["rule"] == "TDM407"] == []
    assert [(f["path"], f["rule"]) for f in report["findings"] if f["rule"] == "TDM408"] == [
        ("chart/templates/ingress.yaml", "TDM408")]


# --- V2 servers in charts: V1 paths left behind (batch/finish.py, ``_ChartUnit.current``) -------------
#
# ``fixtures/trees/chart-v2-stale``: a chart moved to V2 by hand (its server runs tritonserver) that still
# has V1 health paths: a readiness probe path in its values, an Ingress template of its own, a route of the
# platform's manifests outside the chart, and a readiness script that asks the chart's Service (its port
# written from the values) - plus another application's own /api/health, which is not the server's.
# ``fixtures/trees/chart-v1-in-place``: a V1 chart (its Service's name and port written from the values)
# that a first run migrates alone (``migrate chart``), leaving a smoke test and an Ingress outside it.

V2_TREE = FIXTURES / "trees" / "chart-v2-stale"
IN_PLACE_TREE = FIXTURES / "trees" / "chart-v1-in-place"


def _findings(report: dict) -> list[tuple[str, int, str, str, bool]]:
    return [(f["path"], f["line"], f["rule"], f["severity"], f["fixed"]) for f in report["findings"]]


def _gate(capsys) -> int:
    return cli(capsys, "migrate", "--check", "--fail-on-review", ".")[0]


def script_landings(objs: list[dict], script: str, host: str) -> list[tuple[str, str, str]]:
    """Each ``http://<host>:<port><path>`` of a script followed, without the tool, through the rendered
    Service named ``host`` to the server's container port: (what, container port, path)."""
    import re

    svc = next(o for o in objs if o.get("kind") == "Service" and o["metadata"]["name"] == host)
    server = Rendered(objs).server
    out = []
    for port, path in re.findall(rf"http://{re.escape(host)}:(\d+)(/[\w/.-]*)", script):
        entry = next(e for e in svc["spec"]["ports"] if str(e["port"]) == port)
        target = entry.get("targetPort", entry["port"])
        cport = next(str(p["containerPort"]) for p in server["ports"] if p.get("name") == target) \
            if not str(target).isdigit() else str(target)
        out.append((f"script {host}:{port}{path}", cport, path))
    return out


@pytest.fixture(scope="module")
def v2_tree(tmp_path_factory):
    """The V2 chart's tree before and after a whole run (``migrate .`` in a copy)."""
    work = migrated_copy(tmp_path_factory, V2_TREE, "chart-v2")
    return objects(V2_TREE), objects(work), work


def test_v1_paths_left_in_and_around_a_v2_chart_are_found(tmp_path, monkeypatch, capsys):
    """Every V1 health path that reaches the chart's V2 server is a finding that names the server's line:
    the chart's own Ingress template (followed inside the chart), the platform's Ingress and the readiness
    script (followed through the chart's Service, whose port its values write); the probe path in the
    values is the chart's own rule's (TDM401). Another application's /api/health is left alone, and the gate
    does not pass."""
    work = tmp_path / "tree"
    shutil.copytree(V2_TREE, work)
    monkeypatch.chdir(work)
    report = _report(capsys, ".")
    assert _findings(report) == [
        ("chart/templates/ingress.yaml", 11, "TDM408", "info", True),
        ("chart/values.yaml", 8, "TDM401", "info", True),
        ("deploy/public-ingress.yaml", 19, "TDM408", "info", True),
        ("scripts/wait-ready.sh", 4, "TDM408", "info", True),
    ]
    followed = [f["message"] for f in report["findings"] if f["rule"] == "TDM408"]
    assert all("reaches the V2 server at chart/templates/deployment.yaml:19;" in m for m in followed), followed
    assert _gate(capsys) == 1


def test_the_v2_charts_rendered_routes_and_probes_land_on_v2_paths(v2_tree):
    """Helm's rendering of the chart (and the manifests beside it), read without the tool: before the run,
    the server started with its own command line is asked for V1 paths by the chart's Ingress, the
    platform's Ingress and its own readiness probe; after it, every reference lands on a V2 path, and every
    object still validates."""
    before, after, _work = v2_tree
    valid(before, "before")
    valid(after, "after")
    argv = _argv(Rendered(before).server)
    assert argv == ["tritonserver", "--model-repository=/models", "--model-control-mode=poll"]
    _landings, broken = Rendered(before).follow(argv)
    v1 = "which V2 does not serve"
    assert sorted(broken) == [f"Ingress ranker-health /api/health/ready: /api/health/ready, {v1}",
                              f"Ingress ranker-public /api/health/live: /api/health/live, {v1}",
                              f"readinessProbe: /api/health/ready, {v1}"]
    landings, broken = Rendered(after).follow(argv)
    assert broken == []
    assert sorted(w for w, _p, _path in landings) == [
        "Ingress ranker-health /v2/health/ready", "Ingress ranker-public /v2", "Ingress ranker-public /v2/health/live",
        "Service ranker port 8000", "Service ranker port 8001", "livenessProbe", "readinessProbe"]


def test_the_real_server_answers_what_reaches_the_v2_chart_after_the_run(v2_tree, tmp_path):
    """The real server, started with the chart's command line: every reference of the rendered chart and
    manifests, and the readiness script's URL followed through the rendered Service, is answered; the other
    application's script and the server's own files are as they were."""
    _before, after, work = v2_tree
    rendered = Rendered(after)
    argv = _argv(rendered.server)
    landings, broken = rendered.follow(argv)
    script = (work / "scripts" / "wait-ready.sh").read_text()
    assert script == (V2_TREE / "scripts" / "wait-ready.sh").read_text().replace("/api/health/", "/v2/health/")
    health = [x for x in script_landings(after, script, "ranker") if "/health/" in x[2]]
    assert health == [("script ranker:8000/v2/health/ready", "8000", "/v2/health/ready")]
    assert broken == [] and unanswered(argv, landings + health, tmp_path) == []
    for same in ("scripts/billing-check.sh", "chart/templates/deployment.yaml", "chart/templates/service.yaml"):
        assert (work / same).read_bytes() == (V2_TREE / same).read_bytes(), same


def test_a_second_run_on_the_migrated_v2_chart_passes_the_gate(v2_tree, monkeypatch, capsys):
    _before, _after, work = v2_tree
    monkeypatch.chdir(work)
    assert _findings(_report(capsys, ".")) == []
    assert _gate(capsys) == 0


def test_a_chart_migrated_in_place_keeps_the_gate_closed_on_what_reaches_it(tmp_path, monkeypatch, capsys):
    """A V1 chart migrated alone (``migrate chart``): on the next run over the whole tree its server is V2,
    and the smoke test and the Ingress outside the chart that still ask it for /api/health (through its
    Service, whose name and port the values write) are found as the first run found them - now against
    the V2 server - so ``--check --fail-on-review`` keeps failing until they follow."""
    work = tmp_path / "tree"
    shutil.copytree(IN_PLACE_TREE, work)
    monkeypatch.chdir(work)
    outside = [("deploy/health-ingress.yaml", 9, "TDM408", "info", True), ("scripts/smoke.sh", 3, "TDM408", "info", True)]
    first = _report(capsys, ".")
    assert [f for f in _findings(first) if not f[0].startswith("chart/")] == outside
    assert all("reaches the V1 server migrated at chart/templates/deployment.yaml:16;" in f["message"]
               for f in first["findings"] if f["rule"] == "TDM408")
    assert cli(capsys, "migrate", "chart")[0] == 0
    assert "tritonserver" in (work / "chart" / "templates" / "deployment.yaml").read_text()
    second = _report(capsys, ".")
    assert _findings(second) == outside
    assert all("reaches the V2 server at chart/templates/deployment.yaml:16;" in f["message"] for f in second["findings"])
    assert _gate(capsys) == 1
    assert cli(capsys, "migrate", ".")[0] == 0
    for path in ("deploy/health-ingress.yaml", "scripts/smoke.sh"):
        assert (work / path).read_text() == (IN_PLACE_TREE / path).read_text().replace("/api/health/", "/v2/health/")
    assert _gate(capsys) == 0
