"""Helm values files: real chart values stay byte-identical (also with a V1 image block appended,
which is then the only part that changes); image repository and tag in separate keys migrate
together, keeping their quoting; option lists become server lines only in a Triton values file;
migrated fixtures keep their structure and a second run changes nothing."""

from __future__ import annotations

import pytest
from ruamel.yaml import YAML

from golden import adds_or_removes_units
from conftest import FIXTURES, shared_dir
from triton_docker_migrate.syntax import yamlsrc as Y
from triton_docker_migrate.documents.helmvalues import HelmValuesDoc, _render_tag, server_argv
from triton_docker_migrate.kinds import kind_of
from triton_docker_migrate.model import Status
from triton_docker_migrate.rules import tables as T
from triton_docker_migrate.rules.engine import check_document
from triton_docker_migrate.pipeline import process_file
from triton_docker_migrate.settings import Settings

HV = FIXTURES / "helm-values"
CASES = sorted(p.parent.name for p in HV.glob("*/values.yaml"))
MIGRATED = [c for c in CASES if (HV / c / "values.yaml.out").exists()]
#: cases whose output keeps its entries (side-by-side copies and retired entries: tests/test_side_by_side.py)
SAME_UNITS = [c for c in MIGRATED if not adds_or_removes_units(HV / c / "values.yaml")]
SAFE = YAML(typ="safe", pure=True)
LISTS = {"command", "args", "extraArgs", "ports"}
CHART = "apiVersion: v2\nname: t\nversion: 0.1.0\n"


def _corpus():
    return sorted(p for p in (shared_dir() / "corpus" / "helm-values").iterdir() if p.suffix == ".yaml")


def _run(tmp_path, text: str):
    chart = tmp_path / "chart"
    chart.mkdir(exist_ok=True)
    (chart / "Chart.yaml").write_text(CHART)
    p = chart / "values.yaml"
    p.write_bytes(text.encode("utf-8"))
    return process_file(str(p), "values.yaml", Settings(), explicit=True)


def _same_shape(a, b, key: str = "") -> list[str]:
    if key in ("port", "targetPort") and {type(a), type(b)} <= {int, str}:
        return []
    if type(a) is not type(b):
        return [f"{key}: {type(a).__name__} -> {type(b).__name__}"]
    if isinstance(a, dict):
        if list(a) != list(b):
            return [f"{key}: keys {list(a)} -> {list(b)}"]
        return [d for k in a for d in _same_shape(a[k], b[k], str(k))]
    if isinstance(a, list):
        if key in LISTS or key.lower().endswith("ports"):
            return []
        if len(a) != len(b):
            return [f"{key}: length {len(a)} -> {len(b)}"]
        return [d for x, y in zip(a, b) for d in _same_shape(x, y, key)]
    return []


def test_fixtures_cover_the_forms():
    assert len(MIGRATED) >= 6
    for trap in ("trap-tensorrt", "trap-dcgm", "trap-commented"):
        assert trap in CASES
        assert not (HV / trap / "values.yaml.out").exists() and not (HV / trap / "values.yaml.findings").exists()
    for case in CASES:
        assert (HV / case / "Chart.yaml").exists()
        assert kind_of(str(HV / case / "values.yaml"), b"") == "helm-values"


@pytest.mark.parametrize("path", _corpus() if (FIXTURES.parent.parent / "shared").is_dir() else [],
                         ids=lambda p: p.name)
def test_corpus_values_unchanged(path, tmp_path):
    text = path.read_bytes().decode("utf-8")
    res = _run(tmp_path, text)
    assert res.status is not Status.FAILED, res.error
    assert res.kind == "helm-values"
    assert res.new == res.original and res.findings == []
    doc = HelmValuesDoc(str(path), text)
    findings, _ctx = check_document(doc, Settings().target)
    assert findings == []
    assert doc.command_lines() == [] and not doc.triton


def test_corpus_is_there():
    assert len(_corpus()) == 8


V1_BLOCK = (
    "tdmTritonV1:\n"
    "  image:\n"
    "    repository: nvcr.io/nvidia/tensorrtserver  # server\n"
    "    tag: \"20.02-py3\"\n"
    "  args:\n"
    "    - trtserver\n"
    "    - --model-store=/models\n"
)
V1_BLOCK_OUT = (
    "tdmTritonV1:\n"
    "  image:\n"
    "    repository: nvcr.io/nvidia/tritonserver  # server\n"
    "    tag: \"24.10-py3\"\n"
    "  args:\n"
    "    - tritonserver\n"
    "    - --model-repository=/models\n"
    "    - --model-control-mode=poll\n"
    "    - --disable-auto-complete-config\n"
)


@pytest.mark.parametrize("path", _corpus() if (FIXTURES.parent.parent / "shared").is_dir() else [],
                         ids=lambda p: p.name)
def test_corpus_with_v1_block_changes_only_the_block(path, tmp_path):
    text = path.read_bytes().decode("utf-8")
    head = text if text.endswith("\n") else text + "\n"
    res = _run(tmp_path, head + V1_BLOCK)
    assert res.status is not Status.FAILED, res.error
    assert res.new.decode("utf-8") == head + V1_BLOCK_OUT
    again = _run(tmp_path, res.new.decode("utf-8"))
    assert again.new == again.original and not [f for f in again.findings if f.fixed]


@pytest.mark.parametrize("case", SAME_UNITS)
def test_migrated_fixture_has_the_same_structure(case):
    before = (HV / case / "values.yaml").read_text()
    after = (HV / case / "values.yaml.out").read_text()
    assert _same_shape(SAFE.load(before), SAFE.load(after)) == []
    assert HelmValuesDoc("v", before).same_structure(HelmValuesDoc("v", after)) is None


@pytest.mark.parametrize("case", MIGRATED)
def test_second_run_changes_nothing(case, tmp_path):
    res = _run(tmp_path, (HV / case / "values.yaml.out").read_text())
    assert res.new == res.original
    assert not [f for f in res.findings if f.fixed]


@pytest.mark.parametrize("case", MIGRATED)
def test_migrated_server_lines_are_v2_lines(case):
    doc = HelmValuesDoc("v", (HV / case / "values.yaml.out").read_text())
    for argv in server_argv(doc):
        assert argv[0].rsplit("/", 1)[-1] == "tritonserver", argv
        opts = [a[2:].partition("=")[0] for a in argv[1:] if a.startswith("--")]
        assert all(o in T.V2_OPTIONS for o in opts), argv


def test_options_alone_are_a_v1_line_only_with_a_v1_image():
    doc = HelmValuesDoc("v", (HV / "options-only" / "values.yaml").read_text())
    lines = doc.command_lines()
    assert len(lines) == 1 and lines[0].binary is None and lines[0].v1
    assert [w.value for w in lines[0].segments[0].words] == ["--model-store=/models",
                                                             "--allow-poll-model-repository=false"]
    assert server_argv(doc) == [["tritonserver", "--model-store=/models", "--allow-poll-model-repository=false"]]
    plain = HelmValuesDoc("v", "image:\n  repository: example/app\n  tag: '1'\nargs:\n  - --model-store=/m\n")
    assert plain.command_lines() == [] and not plain.triton


@pytest.mark.parametrize("raw,new,expected", [
    ('"20.02-py3"', "24.10-py3", '"24.10-py3"'),
    ("'20.02-py3'", "24.10-py3", "'24.10-py3'"),
    ("20.02-py3", "24.10-py3", "24.10-py3"),
    ("'20.02'", "20.10", "'20.10'"),
    ("20.02-py3", "20.10", '"20.10"'),
    ("v1", "true", '"true"'),
])
def test_tag_keeps_its_quoting_and_stays_a_string(raw, new, expected):
    src = Y.load(f"tag: {raw}\n")
    node = Y.get(next(iter(src.nodes())), "tag")
    rendered = _render_tag(new, src.scalar(node))
    assert rendered == expected
    assert SAFE.load(f"tag: {rendered}\n") == {"tag": new}


def test_split_tag_without_a_release_tag_is_reported(tmp_path):
    res = _run(tmp_path, "image:\n  repository: nvcr.io/nvidia/tensorrtserver\n  tag: latest\n")
    assert res.new == res.original
    # on both keys: each line that stays V1 carries it
    assert [(f.rule, f.fixed, f.line, f.end_line) for f in res.findings] == [("TDM104", False, 2, 3)]


def test_commented_v1_example_is_not_evidence(tmp_path):
    text = (HV / "trap-commented" / "values.yaml").read_text()
    res = _run(tmp_path, text)
    assert res.new == res.original and res.findings == []
    assert not HelmValuesDoc("v", text).triton


def test_probe_on_a_named_health_port_without_one_http_name_is_reported(tmp_path):
    text = ("image: tensorrtserver:20.02-py3\n"
            "args: [trtserver, --http-port=8080, --http-health-port=8090]\n"
            "ports:\n"
            "  - {name: web, containerPort: 8080}\n"
            "  - {name: api, containerPort: 8080}\n"
            "  - {name: health, containerPort: 8090}\n"
            "livenessProbe:\n"
            "  tcpSocket: {port: health}\n")
    res = _run(tmp_path, text)
    probe = [f for f in res.findings if f.rule == "TDM406" and f.line == 8]
    assert [(f.severity.value, f.fixed, f.suggestion) for f in probe] == [("warning", False, "8080")]
    assert "port: health" in res.new.decode()
    assert "{name: health, containerPort: 8090}" in res.new.decode()  # the probe still names it
    assert [(f.severity.value, f.fixed) for f in res.findings if f.rule == "TDM406" and f.line == 6] == [
        ("warning", False)]
