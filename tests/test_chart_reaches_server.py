"""The run's follow-through into a Helm chart (rules/follow.py, TDM407/TDM408, ``batch/finish.py:
follow_through`` with ``pipeline.process_unit``): a chart without V1 evidence whose templates route to a
server of another file of the run follows that server's health endpoints, as a plain manifest would.

- ``fixtures/trees/chart-reaches-server`` (its exact output is tests/test_run_level.py's golden): the
  server and its Service are a plain manifest (``deploy/server.yaml``); the chart ``gateway`` routes to
  them with an Ingress written literally (``number: 8005``), an Ingress that takes the Service's name and
  port from ``values.yaml`` (the port is changed there, where it is set) and a NetworkPolicy. The chart
  is rendered before and after the whole run by Helm itself (PyPI ``helm-python-sdk``), every object
  passes kubernetes-validate (strict), and the reference reader of tests/test_chart_follow.py (written
  independently of the tool) follows every Service port, policy port, Ingress backend and probe to the
  server's container: after the run each lands on a port the migrated command line listens on with a
  path V2 serves, and the real server started with that line answers each; the rendered original is
  broken against that server, reference by reference.
- ``fixtures/trees/chart-reaches-server-helper``: the Ingress's port is computed by a helper of the chart;
  the tool cannot tell what it renders to, so it warns (naming the server's file and line) and changes
  nothing there - the reader finds exactly that reference still broken.
- A values key another template writes too is not changed in the values: a warning names the server and
  the other writer. A chart member that cannot be processed leaves the whole chart unchanged.
- The other direction, ``fixtures/trees/chart-service-reached``: the server and its Service are a chart's
  templates; a plain Ingress and another chart's Ingress follow them (judged as above). Labels written by
  template actions compare only within their chart: another chart that includes a helper of the same name
  is not taken to select the server.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, cli
from test_chart_follow import Rendered, _argv, _report, migrated_landings, objects, unanswered, valid

TREE = FIXTURES / "trees" / "chart-reaches-server"
HELPER_TREE = FIXTURES / "trees" / "chart-reaches-server-helper"
GONE = "port 8005, where the server does not listen"


def _migrated(tree: Path, dest: Path) -> Path:
    work = dest / "tree"
    shutil.copytree(tree, work)
    p = subprocess.run([sys.executable, "-m", "triton_docker_migrate", "migrate", "."], cwd=work,
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return work


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    """The fixture tree before and after a whole run (``migrate .`` in a copy)."""
    work = _migrated(TREE, tmp_path_factory.mktemp("chart-reaches-server"))
    return objects(TREE), objects(work), work


def test_rendered_objects_are_valid_before_and_after(tree):
    before, after, _work = tree
    for which, objs in (("before", before), ("after", after)):
        assert sorted((o["kind"], o["metadata"]["name"]) for o in objs) == [
            ("Deployment", "trt"), ("Ingress", "rel-health"), ("Ingress", "rel-ready"),
            ("NetworkPolicy", "rel-to-trt"), ("Service", "trt")]
        valid(objs, which)


def test_every_reference_of_the_chart_lands_on_a_port_the_server_listens_on(tree):
    _before, after, _work = tree
    landings = migrated_landings(after)
    assert sorted(landings, key=str) == sorted([
        ("Service trt port 8000", "8000", None),
        ("NetworkPolicy rel-to-trt port 8000", "8000", None),
        ("Ingress rel-health /v2/health/live", "8000", "/v2/health/live"),
        ("Ingress rel-ready /v2/health/ready", "8000", "/v2/health/ready"),
    ], key=str)


def test_the_rendered_original_is_broken_against_the_migrated_server(tree):
    """The same reader on the tree as it was, against the server as it runs after the migration: each
    reference the run changed is found broken (so the check above has teeth)."""
    before, after, _work = tree
    _landings, broken = Rendered(before).follow(_argv(Rendered(after).server))
    assert sorted(broken) == [
        f"Ingress rel-health /api/health/live: {GONE}",
        f"Ingress rel-ready /api/health/ready: {GONE}",
        f"NetworkPolicy rel-to-trt port 8005: {GONE}",
        f"Service trt port 8005: {GONE}",
    ]


def test_the_port_of_a_values_key_is_changed_where_the_values_set_it(tree):
    _before, _after, work = tree
    assert (work / "chart" / "values.yaml").read_text() == (TREE / "chart" / "values.yaml").read_text().replace(
        "healthPort: 8005", "healthPort: 8000")
    ready = (work / "chart" / "templates" / "ready.yaml").read_text()
    assert "number: {{ .Values.backend.healthPort }}" in ready and "name: {{ .Values.backend.service }}" in ready


def test_the_real_server_answers_every_followed_reference(tree, tmp_path):
    _before, after, _work = tree
    rendered = Rendered(after)
    argv = _argv(rendered.server)
    landings, _broken = rendered.follow(argv)
    assert unanswered(argv, landings, tmp_path) == []


# --- what the tool cannot change exactly --------------------------------------------------------------


def _chart_findings(report: dict) -> list[tuple[str, int, str, str, bool]]:
    return [(f["path"], f["line"], f["rule"], f["severity"], f["fixed"]) for f in report["findings"]
            if f["path"].startswith("chart/")]


def test_a_port_a_helper_computes_is_a_warning_that_names_the_server(tmp_path, monkeypatch, capsys):
    work = _migrated(HELPER_TREE, tmp_path)
    valid(objects(work), "after")
    assert (work / "chart" / "values.yaml").read_bytes() == (HELPER_TREE / "chart" / "values.yaml").read_bytes()
    # the one reference the tool could not follow is the one its warning names, and the reader finds it
    _landings, broken = Rendered(objects(work)).follow(_argv(Rendered(objects(work)).server))
    assert broken == ["Ingress rel-ready /v2/health/ready: the Service has no port 8005"]
    _landings, broken = Rendered(objects(HELPER_TREE)).follow(_argv(Rendered(objects(work)).server))
    assert sorted(broken) == [f"Ingress rel-ready /api/health/ready: {GONE}", f"Service trt port 8005: {GONE}"]
    copy = tmp_path / "again"
    shutil.copytree(HELPER_TREE, copy)
    monkeypatch.chdir(copy)
    report = _report(capsys, ".")
    assert _chart_findings(report) == [("chart/templates/ready.yaml", 9, "TDM408", "info", True),
                                       ("chart/templates/ready.yaml", 15, "TDM407", "warning", False)]
    msg = next(f["message"] for f in report["findings"] if f["rule"] == "TDM407" and f["path"].startswith("chart/"))
    assert "deploy/server.yaml:15" in msg and "computes" in msg


def test_a_values_key_another_template_writes_is_a_warning_and_stays(tmp_path, monkeypatch, capsys):
    work = tmp_path / "tree"
    shutil.copytree(TREE, work)
    (work / "chart" / "templates" / "prober.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}-prober\nspec:\n"
        "  selector: {app: prober}\n  ports:\n    - port: {{ .Values.backend.healthPort }}\n")
    monkeypatch.chdir(work)
    report = _report(capsys, ".")
    got = [x for x in _chart_findings(report) if x[0] in ("chart/templates/ready.yaml", "chart/values.yaml")]
    assert got == [("chart/templates/ready.yaml", 9, "TDM408", "info", True),
                   ("chart/templates/ready.yaml", 15, "TDM407", "warning", False)]
    msg = next(f for f in report["findings"] if f["path"] == "chart/templates/ready.yaml" and f["rule"] == "TDM407")
    assert "deploy/server.yaml:15" in msg["message"] and "chart/templates/prober.yaml:8" in msg["message"]
    assert msg["suggestion"] == "8000"


def test_a_member_that_cannot_be_processed_leaves_the_chart_unchanged(tmp_path, monkeypatch, capsys):
    work = tmp_path / "tree"
    shutil.copytree(TREE, work)
    (work / "chart" / "values-bad.yaml").write_bytes(b"image: nvcr.io/nvidia/tensorrtserver:20.02-py3\n\xff\n")
    before = {p: p.read_bytes() for p in (work / "chart").rglob("*") if p.is_file()}
    monkeypatch.chdir(work)
    report = _report(capsys, ".")
    code, _out, _err = cli(capsys, "migrate", ".")
    assert code == 2
    assert {p: p.read_bytes() for p in (work / "chart").rglob("*") if p.is_file()} == before
    chart = _chart_findings(report)
    assert ("chart/values-bad.yaml", 2, "TDM001", "error", False) in chart
    assert not any(fixed for *_x, fixed in chart)
    assert {p for p, _l, rule, sev, _f in chart if rule == "TDM001" and sev == "warning"} == {
        "chart/templates/health.yaml", "chart/templates/networkpolicy.yaml", "chart/templates/ready.yaml",
        "chart/values.yaml"}
    follows = {(p, line, rule) for p, line, rule, _s, _f in chart if rule in ("TDM407", "TDM408")}
    assert follows == {("chart/templates/health.yaml", 9, "TDM408"), ("chart/templates/health.yaml", 15, "TDM407"),
                       ("chart/templates/networkpolicy.yaml", 11, "TDM407"),
                       ("chart/templates/ready.yaml", 9, "TDM408"), ("chart/values.yaml", 4, "TDM407")}


def test_ignoring_the_follow_through_leaves_the_chart_alone(tmp_path, monkeypatch, capsys):
    work = tmp_path / "tree"
    shutil.copytree(TREE, work)
    monkeypatch.chdir(work)
    report = _report(capsys, "--ignore", "TDM407,TDM408", ".")
    assert _chart_findings(report) == []
    assert {r["path"] for r in report["files"] if r.get("changed")} == {"deploy/server.yaml"}


# --- a server inside a chart, reached from outside it ------------------------------------------------

SERVICE_TREE = FIXTURES / "trees" / "chart-service-reached"


def test_a_service_a_chart_defines_is_followed_by_plain_files_and_other_charts(tmp_path):
    """``fixtures/trees/chart-service-reached``: the server and its Service are templates of the chart
    ``infer``; a plain Ingress and the chart ``edge`` route to that Service by its literal name. After the
    run, the reference reader follows each Ingress of the rendered charts and the plain file to the server."""
    work = _migrated(SERVICE_TREE, tmp_path)
    from test_chart_follow import render

    def objs(root: Path) -> list[dict]:
        import yaml

        return render(root / "infer") + render(root / "edge") + [
            d for d in yaml.safe_load_all((root / "deploy" / "ingress.yaml").read_text()) if d]

    before, after = objs(SERVICE_TREE), objs(work)
    valid(before, "before")
    valid(after, "after")
    argv = _argv(Rendered(after).server)
    landings, broken = Rendered(after).follow(argv)
    assert broken == []
    assert {w for w, _p, _path in landings} == {"Service trt port 8000", "Ingress health-check /v2/health/live",
                                                "Ingress rel-health /v2/health/ready"}
    _landings, broken = Rendered(before).follow(argv)
    assert sorted(broken) == [f"Ingress health-check /api/health/live: {GONE}",
                              f"Ingress rel-health /api/health/ready: {GONE}", f"Service trt port 8005: {GONE}"]


SELECTOR_LABELS = '{{- define "app.selectorLabels" -}}\napp: {{ .Chart.Name }}\n{{- end }}\n'


def test_labels_written_by_actions_compare_only_within_their_chart(tmp_path, monkeypatch, capsys):
    """Two charts that both ``include "app.selectorLabels"``: the same action text, different labels once
    rendered. The other chart's Service is not taken to select the server."""
    for name in ("infer", "other"):
        (tmp_path / name / "templates").mkdir(parents=True)
        (tmp_path / name / "Chart.yaml").write_text(f"apiVersion: v2\nname: {name}\nversion: 0.1.0\n")
        (tmp_path / name / "templates" / "_helpers.tpl").write_text(SELECTOR_LABELS)
    (tmp_path / "infer" / "values.yaml").write_text("image: nvcr.io/nvidia/tensorrtserver:20.02-py3\n")
    (tmp_path / "infer" / "templates" / "server.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: trt\nspec:\n  selector:\n    matchLabels:\n"
        "      {{- include \"app.selectorLabels\" . | nindent 6 }}\n  template:\n    metadata:\n      labels:\n"
        "        {{- include \"app.selectorLabels\" . | nindent 8 }}\n    spec:\n      containers:\n"
        "        - name: trt\n          image: {{ .Values.image }}\n"
        "          args: [\"trtserver\", \"--model-store=/models\", \"--http-health-port=8005\"]\n")
    service = ("apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Chart.Name }}\nspec:\n  selector:\n"
               "    {{- include \"app.selectorLabels\" . | nindent 4 }}\n  ports:\n    - name: http\n      port: 8000\n"
               "    - name: health\n      port: 8005\n")
    (tmp_path / "infer" / "templates" / "service.yaml").write_text(service)
    (tmp_path / "other" / "templates" / "service.yaml").write_text(service)
    monkeypatch.chdir(tmp_path)
    report = _report(capsys, ".")
    follows = [(f["path"], f["line"], f["rule"]) for f in report["findings"] if f["rule"] == "TDM407"]
    assert follows == [("infer/templates/service.yaml", 11, "TDM407")]
