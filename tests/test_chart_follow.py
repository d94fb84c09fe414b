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
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

import realserver as R
from conftest import FIXTURES, cli

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
    work = tmp_path_factory.mktemp("chart-follow") / "tree"
    shutil.copytree(TREE, work)
    p = subprocess.run([sys.executable, "-m", "triton_docker_migrate", "migrate", "."], cwd=work,
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
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
