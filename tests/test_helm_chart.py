"""Helm charts migrated as one unit, judged by a real Helm engine and the real server.

- Every chart fixture (fixtures/helm-chart/) is rendered before and after the migration by Helm itself
  (PyPI ``helm-python-sdk``: Helm v4 in a shared library, offline), with its ``values.yaml`` and with
  each other values file as an overlay: both render, every rendered object passes kubernetes-validate
  (strict), and no rendered container runs a V2 image under a V1 command line or the reverse.
- Each rendered container that the migration moved runs the target's image, and its command line,
  read back from the rendered manifest, starts the real 2.51.0 server in the model-control mode the
  V1 line ran in; its probes answer 200 on the server's HTTP port.
- The masking reader: same length, exact spans, trimming, comments, actions across lines, strings
  holding ``}}``, range/with scopes, include/toYaml lines; an unreadable line is a TDM004 warning.
- The unit: a file named alone brings in its chart; a packaged subchart with V1 makes the chart
  report-only; a member that fails verification leaves every member unwritten; batch runs with and
  without worker processes agree; ``--check --fail-on-review`` passes on the migrated chart only.
- The conformance corpus: its template and values files inside a chart with a V1 server appended keep
  every original byte, and a second run changes nothing.
"""

from __future__ import annotations

import io
import pathlib
import shlex
import shutil
import tarfile

import kubernetes_validate
import pytest
import yaml

import realserver as R
from conftest import FIXTURES, cli, shared_dir
from golden import migrated_chart
from test_e2e_server import options, v1_mode, v2_mode
from triton_docker_migrate.model import Status
from triton_docker_migrate.pipeline import process_file
from triton_docker_migrate.rules import tables as T
from triton_docker_migrate.settings import Settings
from triton_docker_migrate.syntax import gotemplate as G

CHARTS = FIXTURES / "helm-chart"
CASES = sorted(p.name for p in CHARTS.iterdir() if (p / "Chart.yaml").exists())
#: fixtures whose server must not move (the template cannot be migrated)
HELD = {"held", "held-reads", "held-helper-range", "unread"}
#: charts on a team's own image built on V1 (TDM110): the image is never rewritten
DERIVED = {"image-built-on-v1", "configmap-script-built-image"}
K8S_VERSION = kubernetes_validate.latest_version()
WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "Pod", "Job", "ReplicaSet"}


# --- rendering -------------------------------------------------------------------------------------

def render(chart: pathlib.Path, overlay: pathlib.Path | None = None) -> list[dict]:
    """Every object ``helm template`` would print for the chart (Helm's own engine)."""
    import helm_python

    values = yaml.safe_load(overlay.read_text()) if overlay is not None else None
    c = helm_python.Chart.load(str(chart))
    try:
        out = c.render(values or {}, name="rel", namespace="default")
    finally:
        c.close()
    objs = []
    for name, text in sorted(out.items()):
        if name.endswith("NOTES.txt"):
            continue
        objs += [o for o in yaml.safe_load_all(text) if o]
    return objs


def containers(objs: list[dict]) -> list[tuple[str, dict]]:
    out = []
    for o in objs:
        if o.get("kind") not in WORKLOADS:
            continue
        spec = o.get("spec", {})
        pod = spec if o["kind"] == "Pod" else spec.get("template", {}).get("spec", {})
        for c in pod.get("containers", []):
            script = _mounted_script(c, pod, objs)
            if script is not None:
                c[_SCRIPT_ARGV] = script
            out.append((o["metadata"]["name"], c))
    return out


#: where containers() keeps the server argv of a start script the container runs from a ConfigMap
_SCRIPT_ARGV = "x-script-argv"


def _mounted_script(c: dict, pod: dict, objs: list[dict]) -> list[str] | None:
    """``command: [sh, /scripts/start.sh]`` with ``/scripts`` a ConfigMap of the rendered chart: the
    server command line of that script (continuation lines joined, the words from the binary on)."""
    words = [str(w) for w in (c.get("command") or []) + (c.get("args") or [])]
    if len(words) != 2 or words[0].rsplit("/", 1)[-1] not in ("sh", "bash"):
        return None
    volumes = {v.get("name"): v.get("configMap", {}).get("name") for v in pod.get("volumes", [])}
    for m in c.get("volumeMounts", []):
        at = m["mountPath"].rstrip("/") + "/"
        cm_name = volumes.get(m["name"])
        if not words[1].startswith(at) or cm_name is None:
            continue
        cm = next((o for o in objs if o.get("kind") == "ConfigMap" and o["metadata"]["name"] == cm_name), None)
        script = (cm or {}).get("data", {}).get(words[1][len(at):])
        for line in (script or "").replace("\\\n", " ").splitlines():
            line_words = shlex.split(line, comments=True)
            k = next((i for i, w in enumerate(line_words) if w.rsplit("/", 1)[-1] in ("trtserver", "tritonserver")), None)
            if k is not None:
                return line_words[k:]
    return None


def argv(c: dict) -> list[str]:
    if _SCRIPT_ARGV in c:
        return list(c[_SCRIPT_ARGV])
    return [str(w) for w in (c.get("command") or []) + (c.get("args") or [])]


def is_server(c: dict) -> bool:
    return "tensorrtserver" in c.get("image", "") or "tritonserver" in c.get("image", "") or \
        any(w.rsplit("/", 1)[-1] in ("trtserver", "tritonserver") for w in argv(c))


def v1_image(c: dict) -> bool:
    image = c.get("image", "")
    return "tensorrtserver" in image or any(t in image for t in (":20.03-py3", ":20.03.1-py3", "-v1-py3"))


def v1_command(c: dict) -> bool:
    words = argv(c)
    probes = [str(c.get(p, {}).get("httpGet", {}).get("path", "")) for p in ("livenessProbe", "readinessProbe")]
    return any(w.rsplit("/", 1)[-1] == "trtserver" for w in words) or any(p.startswith("/api/") for p in probes) \
        or any(w.startswith(("--model-store", "--allow-poll", "--allow-model-control", "--http-health-port"))
               for w in words)


def overlays(chart: pathlib.Path) -> list[pathlib.Path | None]:
    return [None] + sorted(p for p in chart.glob("values?*.yaml") if p.suffix == ".yaml")


@pytest.fixture(scope="module")
def charts(tmp_path_factory):
    """Each chart fixture: (before, after), copies without the expected-output files."""
    base = tmp_path_factory.mktemp("charts")
    return {name: (migrated_chart(CHARTS / name, base / "before", outputs=False),
                   migrated_chart(CHARTS / name, base / "after")) for name in CASES}


def test_fixtures_cover_the_shapes():
    assert {"flat-values", "nested-image", "server-args", "subchart", "helpers", "v1-probes", "subchart-override",
            "subchart-tag-override", "conditional-args", "line-in-values"} <= set(CASES)
    assert HELD <= set(CASES)


@pytest.mark.parametrize("name", CASES)
def test_rendered_before_and_after(name, charts):
    before, after = charts[name]
    for which, chart in (("before", before), ("after", after)):
        for overlay in overlays(chart):
            objs = render(chart, overlay)
            assert objs, f"{which}: nothing rendered"
            for o in objs:
                try:
                    kubernetes_validate.validate(o, K8S_VERSION, strict=True)
                except kubernetes_validate.ValidationError as e:
                    pytest.fail(f"{which} {overlay}: {o['kind']} {o['metadata']['name']}: {e.message}")
            servers = [c for _, c in containers(objs) if is_server(c)]
            assert servers, f"{which}: no server container rendered"
            for c in servers:
                if name in DERIVED:  # the team's own image (TDM110 says to rebuild it): it stays as written
                    assert not v1_image(c) and v1_command(c) == (which == "before"), (which, c["image"], argv(c))
                    continue
                # never a V2 image under a V1 command line, nor the reverse
                assert v1_image(c) == v1_command(c), f"{which} {overlay}: {c['image']} runs {argv(c)}"
                assert v1_image(c) == (which == "before" or name in HELD), (which, c["image"])


def _server_jobs():
    cases = []
    for name in CASES:
        if name in HELD:
            continue
        chart = CHARTS / name
        for overlay in overlays(chart):
            cases.append(pytest.param(name, overlay.name if overlay else None, id=f"{name}-{overlay.name if overlay else 'values'}"))
    return cases


@pytest.fixture(scope="module")
def started(charts):
    plans = {}
    for param in _server_jobs():
        name, overlay = param.values
        before, after = charts[name]
        ov = (lambda c: c / overlay) if overlay else (lambda c: None)
        old = [c for _, c in containers(render(before, ov(before))) if is_server(c)]
        new = [c for _, c in containers(render(after, ov(after))) if is_server(c)]
        assert len(old) == len(new) == 1
        c = new[0]
        named = {str(p.get("name")): str(p.get("containerPort")) for p in c.get("ports", []) if p.get("name")}
        probes = []
        for key in ("livenessProbe", "readinessProbe", "startupProbe"):
            get = c.get(key, {}).get("httpGet")
            if get:
                port = str(get.get("port"))
                probes.append((named.get(port, port), get["path"]))
        plans[(name, overlay)] = (old[0], c, probes)
    jobs = [R.Job(tuple(argv(c)), probes=tuple(p for _, p in probes) + ("/api/health/ready",))
            for _old, c, probes in plans.values()]
    return dict(zip(plans, zip(plans.values(), R.run_all(jobs))))


@pytest.mark.parametrize("name,overlay", _server_jobs())
def test_rendered_server_starts(name, overlay, started):
    (old, new, probes), res = started[(name, overlay)]
    assert new["image"].endswith("tritonserver:24.10-py3") or name in DERIVED
    assert argv(new)[0].rsplit("/", 1)[-1] == "tritonserver"
    assert res.ready, res.explain()
    assert res.options.get("model_control_mode") == f"MODE_{v1_mode(argv(old)).upper()}", res.explain()
    http = [v for n, _, v in options(argv(new), T.V2_OPTIONS) if n == "http-port"]
    for port, path in probes:
        assert port == (http[-1] if http else "8000"), f"probe {path} on port {port}"
        assert res.probes[path] == 200, (path, res.probes[path])
    assert res.probes["/api/health/ready"] in (400, 404)


def test_modes_are_the_v1_modes(started):
    """The oracle has teeth: the charts cover polling, explicit control and no polling."""
    modes = {v1_mode(argv(old)) for (old, _new, _p), _res in started.values()}
    assert {"poll", "explicit", "none"} <= modes
    assert all(v2_mode(argv(new)) == v1_mode(argv(old)) for (old, new, _p), _ in started.values())


# --- the masking reader ----------------------------------------------------------------------------

MASK_CASES = [
    ("trim", 'a: {{- .Values.x -}}\n', [("output", False)]),
    ("comment", "{{/* a\ncomment */}}\nb: 1\n", [("comment", True)]),
    ("trimmed comment", "{{- /* c */ -}}\nb: 1\n", [("comment", True)]),
    ("string with braces", 'x: "{{ printf "}}" }}"\n', [("output", False)]),
    ("raw string", "x: {{ `}}\n` }}\n", [("output", False)]),
    ("across lines", "x: {{ include\n  \"a\" . }}\ny: 2\n", [("output", False)]),
    ("blocks", "{{- if .Values.a }}\nk: v\n{{- else }}\nk2: v\n{{- end }}\n",
     [("control", True), ("control", True), ("control", True)]),
    ("include line", "labels:\n  {{- include \"l\" . | nindent 2 }}\n", [("output", True)]),
]


@pytest.mark.parametrize("ident,text,kinds", MASK_CASES, ids=[c[0] for c in MASK_CASES])
def test_mask_keeps_every_offset(ident, text, kinds):
    t = G.mask(text)
    assert len(t.masked) == len(text)
    assert [(a.kind, a.standalone) for a in t.actions] == kinds
    outside = [i for i in range(len(text)) if t.action_at(i) is None]
    assert all(t.masked[i] == text[i] for i in outside)
    for a in t.actions:
        assert text[a.start:a.start + 2] == "{{" and text[a.end - 2:a.end] == "}}"
        body = t.masked[a.start:a.end]
        if a.standalone or not a.writes:
            assert body.strip() in ("", "---")
        else:
            assert body == "$" + G.PAD * (len(body) - 1)
    yaml.safe_load_all(t.masked)  # YAML once masked


def test_mask_scopes():
    text = ('{{- with .Values.image }}\nimage: "{{ .repository }}:{{ .tag | default $.Chart.AppVersion }}"\n'
            '{{- end }}\n{{- $v := .Values.server }}\nport: {{ $v.port }}\n'
            'args:\n{{- range .Values.serverArgs }}\n  - {{ . | quote }}\n{{- end }}\n')
    t = G.mask(text)
    refs = [a.refs for a in t.actions if a.writes]
    assert refs == [[("Values", "image", "repository")], [("Values", "image", "tag"), ("Chart", "AppVersion")],
                    [("Values", "server", "port")], [("Values", "serverArgs", "[]")]]
    assert [b.keyword for b in t.blocks] == ["with", "range"]


def test_unclosed_action_is_unread(tmp_path):
    chart = _chart(tmp_path, "image: nvcr.io/nvidia/tensorrtserver:20.02-py3\n",
                   "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
                   "    - name: s\n      image: {{ .Values.image }}\n      args: [trtserver]\n"
                   "      env: [{name: X, value: \"{{ .Values.x\"}]\n")
    res = process_file(str(chart / "templates" / "pod.yaml"), "pod.yaml", Settings(), explicit=True)
    rules = {f.rule: f for f in res.findings}
    assert rules["TDM004"].severity.value == "warning" and rules["TDM004"].line == 9
    values = process_file(str(chart / "values.yaml"), "values.yaml", Settings(), explicit=True)
    assert values.new == values.original  # the image stays with its container
    assert [f.rule for f in values.findings] == ["TDM108"]


# --- the unit ------------------------------------------------------------------------------------

V1_TEMPLATE = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n"
               "  selector: {matchLabels: {app: t}}\n  template:\n    metadata: {labels: {app: t}}\n    spec:\n"
               "      containers:\n        - name: t\n"
               "          image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"\n"
               "          args: [\"trtserver\", \"--model-store=/models\"]\n"
               "          readinessProbe: {httpGet: {path: /api/health/ready, port: 8000}}\n")
V1_VALUES = "image:\n  repository: nvcr.io/nvidia/tensorrtserver\n  tag: 20.02-py3\n"


def _chart(root: pathlib.Path, values: str, template: str, name: str = "pod.yaml") -> pathlib.Path:
    chart = root / "chart"
    (chart / "templates").mkdir(parents=True, exist_ok=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text(values)
    (chart / "templates" / name).write_text(template)
    return chart


def test_a_held_container_named_by_an_action_is_named_as_written(tmp_path, capsys, monkeypatch):
    """TDM108 names the container it holds back; a name a template action writes reads ``{{…}}`` (as in
    every other message), never the masked text."""
    template = V1_TEMPLATE.replace("- name: t\n", "- name: {{ .Chart.Name }}\n").replace(
        '"--model-store=/models"]', '"--model-store=/models"{{ if .Values.x }}, "--log-verbose=1"{{ end }}]')
    _chart(tmp_path, V1_VALUES, template, "deployment.yaml")
    monkeypatch.chdir(tmp_path)
    code, out, _ = cli(capsys, "migrate", "--check", "--format", "json", "chart")
    import json
    held = [f for f in json.loads(out)["findings"] if f["rule"] == "TDM108"]
    assert [f["path"] for f in held] == ["chart/templates/deployment.yaml", "chart/values.yaml"]
    for f in held:
        assert "the container {{…}} " in f["message"] and G.PAD not in f["message"] and "$" not in f["message"]


def test_issue_scenario_gate(tmp_path, capsys, monkeypatch):
    """The chart of the issue: before, --check --fail-on-review fails and says what changes in both
    files; after the migration it passes, and the two files moved together."""
    chart = _chart(tmp_path, V1_VALUES, V1_TEMPLATE, "deployment.yaml")
    monkeypatch.chdir(tmp_path)
    code, out, _ = cli(capsys, "migrate", "--check", "--fail-on-review", "--format", "json", "chart")
    import json

    report = json.loads(out)
    assert code == 1
    assert {f["path"] for f in report["files"] if f["changed"]} == {"chart/values.yaml", "chart/templates/deployment.yaml"}
    code, _, _ = cli(capsys, "migrate", "chart")
    assert code == 0
    assert "tritonserver:" not in (chart / "values.yaml").read_text() or "24.10-py3" in (chart / "values.yaml").read_text()
    assert "--model-control-mode=poll" in (chart / "templates" / "deployment.yaml").read_text()
    code, _, _ = cli(capsys, "migrate", "--check", "--fail-on-review", "chart")
    assert code == 0


def test_a_named_file_brings_its_chart(tmp_path, capsys, monkeypatch):
    _chart(tmp_path, V1_VALUES, V1_TEMPLATE, "deployment.yaml")
    monkeypatch.chdir(tmp_path)
    code, out, _ = cli(capsys, "migrate", "--diff", "chart/values.yaml")
    assert code == 1
    assert "+++ b/chart/values.yaml" in out and "+++ b/chart/templates/deployment.yaml" in out


def test_packaged_v1_subchart_reports_only(tmp_path, capsys, monkeypatch):
    chart = _chart(tmp_path, V1_VALUES, V1_TEMPLATE, "deployment.yaml")
    (chart / "charts").mkdir()
    data = b"args: [trtserver]\n"
    with tarfile.open(chart / "charts" / "old-1.0.0.tgz", "w:gz") as tar:
        info = tarfile.TarInfo("old/templates/d.yaml")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    before = {p: p.read_bytes() for p in chart.rglob("*") if p.is_file()}
    monkeypatch.chdir(tmp_path)
    code, out, _ = cli(capsys, "migrate", "--format", "json", "chart")
    assert {p: p.read_bytes() for p in chart.rglob("*") if p.is_file()} == before
    import json

    findings = json.loads(out)["findings"]
    assert findings and all(not f["fixed"] and f["severity"] != "info" for f in findings)
    assert any("packaged subchart" in f["message"] for f in findings)


def test_a_member_that_fails_leaves_the_chart_unwritten(tmp_path, capsys, monkeypatch):
    chart = _chart(tmp_path, V1_VALUES, V1_TEMPLATE, "deployment.yaml")
    (chart / "values-bad.yaml").write_bytes(b"image: nvcr.io/nvidia/tensorrtserver:20.02-py3\n\xff\n")
    before = {p: p.read_bytes() for p in chart.rglob("*") if p.is_file()}
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(capsys, "migrate", "--format", "json", "chart")
    assert code == 2
    assert {p: p.read_bytes() for p in chart.rglob("*") if p.is_file()} == before
    import json

    report = json.loads(out)
    errors = {f["path"] for f in report["findings"] if f["rule"] == "TDM001" and f["severity"] == "error"}
    warned = {f["path"] for f in report["findings"] if f["rule"] == "TDM001" and f["severity"] == "warning"}
    assert errors == {"chart/values-bad.yaml"}
    assert warned == {"chart/values.yaml", "chart/templates/deployment.yaml"}


def test_workers_agree_with_one_process(tmp_path, capsys, monkeypatch):
    for i in range(40):
        shutil.copytree(CHARTS / "server-args", tmp_path / "tree" / f"c{i}",
                        ignore=shutil.ignore_patterns("*.out", "*.findings"))
    monkeypatch.chdir(tmp_path)
    one = cli(capsys, "migrate", "--diff", "--jobs", "1", "tree")
    many = cli(capsys, "migrate", "--diff", "--jobs", "2", "tree")
    assert one[0] == many[0] == 1
    assert one[1] == many[1]
    assert one[1].count("+++ b/") == 40 * 3


# --- the corpus ---------------------------------------------------------------------------------

def _corpus(folder: str) -> list[pathlib.Path]:
    return sorted(p for p in (shared_dir() / "corpus" / folder).iterdir() if p.suffix in (".yaml", ".yml"))


@pytest.mark.parametrize("path", _corpus("helm-values") if (FIXTURES.parent.parent / "shared").is_dir() else [],
                         ids=lambda p: p.name)
def test_corpus_values_in_a_v1_chart(path, tmp_path):
    """A real chart's values beside a V1 server template: not a byte of them changes (their images are
    not the server's), the template is migrated, and a second run changes nothing."""
    chart = _chart(tmp_path, path.read_text(), V1_TEMPLATE.replace(".Values.image.", ".Values.trtis."))
    with (chart / "values.yaml").open("a") as f:
        f.write("\ntrtis:\n  repository: nvcr.io/nvidia/tensorrtserver\n  tag: 20.02-py3\n")
    original = path.read_bytes()
    res = process_file(str(chart / "values.yaml"), "values.yaml", Settings(), explicit=True)
    assert res.status is not Status.FAILED, res.error
    assert res.new[:len(original)] == original
    (chart / "values.yaml").write_bytes(res.new)
    tpl = process_file(str(chart / "templates" / "pod.yaml"), "pod.yaml", Settings(), explicit=True)
    assert b"tritonserver" in tpl.new
    (chart / "templates" / "pod.yaml").write_bytes(tpl.new)
    for p in (chart / "values.yaml", chart / "templates" / "pod.yaml"):
        again = process_file(str(p), p.name, Settings(), explicit=True)
        assert again.new == again.original and not [f for f in again.findings if f.fixed]


@pytest.mark.parametrize("path", [p for p in _corpus("k8s") if b"{{" in p.read_bytes()]
                         if (FIXTURES.parent.parent / "shared").is_dir() else [], ids=lambda p: p.name)
def test_corpus_template_with_a_v1_server(path, tmp_path):
    """A real manifest with template placeholders, read as a chart template with a V1 server
    appended: every original byte is kept, and a second run changes nothing."""
    original = path.read_bytes()
    sep = b"" if original.endswith(b"\n") else b"\n"
    chart = _chart(tmp_path, V1_VALUES, (original + sep + b"---\n" + V1_TEMPLATE.encode()).decode())
    res = process_file(str(chart / "templates" / "pod.yaml"), "pod.yaml", Settings(), explicit=True)
    assert res.status is not Status.FAILED, res.error
    assert res.new[:len(original)] == original
    assert b"tritonserver" in res.new[len(original):]
    assert not [f for f in res.findings if f.rule == "TDM004"]
    (chart / "templates" / "pod.yaml").write_bytes(res.new)
    values = process_file(str(chart / "values.yaml"), "values.yaml", Settings(), explicit=True)
    (chart / "values.yaml").write_bytes(values.new)
    again = process_file(str(chart / "templates" / "pod.yaml"), "pod.yaml", Settings(), explicit=True)
    assert again.new == again.original and not [f for f in again.findings if f.fixed]


# --- a parent's values over its subchart's: the image Helm renders ----------------------------------

SUB_TEMPLATE = V1_TEMPLATE.replace("{{ .Release.Name }}", "{{ .Release.Name }}-sub")
MERGED = [
    # (parent values, subchart values, the rendered image after, findings per file)
    ("sub:\n  image:\n    repository: nvcr.io/nvidia/tensorrtserver\n",
     "image:\n  repository: registry.local/inference\n  tag: 20.02-py3\n",
     "nvcr.io/nvidia/tritonserver:24.10-py3", {"values.yaml": ["TDM101"], "charts/sub/values.yaml": ["TDM101"]}),
    ("sub:\n  image:\n    repository: nvcr.io/nvidia/tritonserver\n",
     "image:\n  repository: registry.local/inference\n  tag: 20.02-py3\n",
     "nvcr.io/nvidia/tritonserver:24.10-py3", {"charts/sub/values.yaml": ["TDM101"]}),
    ("sub:\n  image:\n    repository: mirror.example.com/nvidia/tensorrtserver\n",
     "image:\n  repository: nvcr.io/nvidia/tensorrtserver\n  tag: 20.02-py3\n",
     "mirror.example.com/nvidia/tritonserver:24.10-py3",
     {"values.yaml": ["TDM101"], "charts/sub/values.yaml": ["TDM101"]}),
    ("sub:\n  image:\n    repository: nvcr.io/nvidia/tritonserver\n",
     "image:\n  repository: nvcr.io/nvidia/tensorrtserver\n  tag: \"20.02\"\n",
     "nvcr.io/nvidia/tritonserver:20.02", {"charts/sub/values.yaml": ["TDM101"]}),
    ("sub:\n  image:\n    tag: 24.10-py3\n",
     "image:\n  repository: nvcr.io/nvidia/tensorrtserver\n  tag: 20.02-py3\n",
     "nvcr.io/nvidia/tritonserver:24.10-py3", {"charts/sub/values.yaml": ["TDM101"]}),
]


@pytest.mark.parametrize("parent,sub,image,rules", MERGED, ids=["repo-over-other", "v2-repo-over-v1-tag", "mirror",
                                                                 "unused-v1-repo", "target-tag-over-v1"])
def test_values_merged_as_helm_merges_them(parent, sub, image, rules, tmp_path, capsys, monkeypatch):
    """A parent chart's values override its subchart's key by key: the repository and the tag Helm renders
    together are the image, whichever files set them. No TDM104 (a tag or repository judged without the
    other), no held container, the rendered image is V2 where it was V1, and nothing V1 stays unreported."""
    chart = _chart(tmp_path, parent, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n", "cm.yaml")
    (chart / "charts" / "sub" / "templates").mkdir(parents=True)
    (chart / "charts" / "sub" / "Chart.yaml").write_text("apiVersion: v2\nname: sub\nversion: 0.1.0\n")
    (chart / "charts" / "sub" / "values.yaml").write_text(sub)
    (chart / "charts" / "sub" / "templates" / "deployment.yaml").write_text(SUB_TEMPLATE)
    monkeypatch.chdir(chart)
    code, out, _ = cli(capsys, "migrate", "--format", "json", ".")
    import json

    report = json.loads(out)
    assert code == 0
    got = {}
    for f in report["findings"]:
        if f["path"].endswith("values.yaml"):
            got.setdefault(f["path"], []).append(f["rule"])
        assert f["rule"] not in ("TDM104", "TDM108", "TDM003"), f
    assert got == rules
    [(_, c)] = containers(render(chart))
    assert c["image"] == image and argv(c)[0] == "tritonserver"
    code, _, _ = cli(capsys, "migrate", "--check", "--fail-on-review", ".")
    assert code == 0
