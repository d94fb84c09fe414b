"""Kubernetes manifests: migrated fixtures validate against the Kubernetes schemas (kubernetes-validate,
strict) and keep their structure; JSON stays JSON; command and args never trade words; real manifests
stay byte-identical, and a V1 Deployment appended to them is the only part that changes; templates
that are not YAML are reported, never edited."""

from __future__ import annotations

import json
import pathlib

import kubernetes_validate
import pytest
from ruamel.yaml import YAML

from golden import adds_or_removes_units
from conftest import FIXTURES, migrate_text, same_shape, shared_dir
from strategies import run_inprocess
from triton_docker_migrate.documents.kubernetes import KubernetesDoc, server_argv
from triton_docker_migrate.model import Status
from triton_docker_migrate.release import Release
from triton_docker_migrate.rules import tables as T
from triton_docker_migrate.rules.engine import check_document
from triton_docker_migrate.pipeline import process_file
from triton_docker_migrate.settings import Settings

K8S = FIXTURES / "kubernetes"
INPUTS = sorted(p for p in K8S.iterdir() if p.suffix in (".yaml", ".json"))
MIGRATED = [p for p in INPUTS if p.with_name(p.name + ".out").exists()]
#: fixtures whose output keeps its units (side-by-side copies and retired units: tests/test_side_by_side.py)
SAME_UNITS = [p for p in MIGRATED if not adds_or_removes_units(p)]
SAFE = YAML(typ="safe", pure=True)
VERSION = kubernetes_validate.latest_version()
LISTS = {"command", "args", "ports"}


def _objects(data: bytes) -> list[dict]:
    out = []
    for doc in SAFE.load_all(data.decode("utf-8-sig")):
        if not doc:
            continue
        out.extend(doc["items"] if doc.get("kind") == "List" else [doc])
    return out


def _invalid(data: bytes, unknown_ok: bool = False) -> list[str]:
    """Schema errors of every object (``unknown_ok``: objects of an API version the schemas do not
    know, e.g. policy/v1beta1 in old third-party files, are passed over)."""
    errors = []
    for obj in _objects(data):
        try:
            kubernetes_validate.validate(obj, VERSION, strict=True)
        except kubernetes_validate.ValidationError as e:
            errors.append(f"{obj.get('kind')}: {e.message}")
        except kubernetes_validate.SchemaNotFoundError:
            if not (unknown_ok or _custom_resource(obj)):
                errors.append(f"{obj.get('kind')}: no schema for {obj.get('apiVersion')}")
    return errors


def _custom_resource(obj: dict) -> bool:
    """An object of a custom resource (Istio's VirtualService, ...) or a Kustomization (kustomize's
    own file, never sent to a cluster): the built-in schemas cannot judge it, the YAML parse still does."""
    group = str(obj.get("apiVersion", "")).rpartition("/")[0]
    return "." in group and (not group.endswith(".k8s.io") or group == "kustomize.config.k8s.io")


def test_fixtures_cover_the_forms():
    names = {p.name for p in INPUTS}
    assert len(MIGRATED) >= 10
    assert {"manifest.json", "list.json", "multi-doc.yaml", "traps.yaml"} <= names
    assert not (K8S / "traps.yaml.out").exists() and not (K8S / "traps.yaml.findings").exists()


@pytest.mark.parametrize("path", INPUTS, ids=[p.name for p in INPUTS])
def test_fixture_valid_kubernetes_before_and_after(path):
    out = path.with_name(path.name + ".out")
    assert _invalid(path.read_bytes()) == []
    if out.exists():
        assert _invalid(out.read_bytes()) == []


@pytest.mark.parametrize("path", SAME_UNITS, ids=[p.name for p in SAME_UNITS])
def test_migrated_fixture_has_the_same_structure(path):
    before, after = path.read_bytes(), path.with_name(path.name + ".out").read_bytes()
    a, b = _objects(before), _objects(after)
    assert len(a) == len(b)
    assert [d for x, y in zip(a, b) for d in same_shape(x, y, LISTS)] == []
    if path.suffix == ".json":
        assert list(json.loads(before)) == list(json.loads(after))


@pytest.mark.parametrize("path", MIGRATED, ids=[p.name for p in MIGRATED])
def test_migrated_server_lines_are_v2_lines(path):
    out = path.with_name(path.name + ".out")
    doc = KubernetesDoc(str(out), out.read_bytes().decode("utf-8"))
    for argv in server_argv(doc):
        assert argv[0].rsplit("/", 1)[-1] == "tritonserver", argv
        opts = [a[2:].partition("=")[0] for a in argv[1:] if a.startswith("--")]
        assert opts and all(o in T.V2_OPTIONS for o in opts), argv
        assert not set(opts) & {"model-store", "http-health-port", "api-version", "allow-model-control",
                                "allow-poll-model-repository", "tf-gpu-memory-fraction"}


def _container(text: str) -> dict:
    return SAFE.load(text)["spec"]["containers"][0]


POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: t\nspec:\n  containers:\n    - name: t\n      image: {image}\n{body}"


@pytest.mark.parametrize("body,command,args", [
    ("      command: [trtserver, --model-store=/m]\n      args: [--log-verbose=1]\n",
     ["tritonserver", "--model-repository=/m"], ["--log-verbose=1", "--model-control-mode=poll", "--disable-auto-complete-config"]),
    ("      command: [trtserver, --model-store=/m]\n",
     ["tritonserver", "--model-repository=/m", "--model-control-mode=poll", "--disable-auto-complete-config"], None),
    ("      command: [trtserver]\n      args: [--model-store=/m, --http-health-port=8005]\n",
     ["tritonserver"], ["--model-repository=/m", "--model-control-mode=poll", "--disable-auto-complete-config"]),
    ("      command: [/bin/sh, -c]\n      args: [\"exec trtserver --model-store=/m\"]\n",
     ["/bin/sh", "-c"], ["exec tritonserver --model-repository=/m --model-control-mode=poll --disable-auto-complete-config"]),
    ("      args: [trtserver, --model-store=/m]\n",
     None, ["tritonserver", "--model-repository=/m", "--model-control-mode=poll", "--disable-auto-complete-config"]),
], ids=["binary-and-options-in-command", "all-in-command", "options-in-args", "sh-c-split", "args-only"])
def test_command_and_args_never_trade_words(body, command, args):
    text = POD.format(image="nvcr.io/nvidia/tensorrtserver:20.02-py3", body=body)
    new = _migrate(text)
    got = _container(new)
    assert got.get("command") == command
    assert got.get("args") == args
    assert _invalid(new.encode()) == []


def test_named_health_port_moves_to_the_named_http_port():
    body = ("      args: [trtserver, --model-store=/m, --http-port=9000, --http-health-port=9005]\n"
            "      ports:\n        - {name: web, containerPort: 9000}\n        - {name: hc, containerPort: 9005}\n"
            "      livenessProbe:\n        httpGet: {path: /api/health/live, port: hc}\n"
            "      startupProbe:\n        tcpSocket: {port: 9005}\n")
    new = _migrate(POD.format(image="nvcr.io/nvidia/tensorrtserver:20.02-py3", body=body))
    c = _container(new)
    assert c["ports"] == [{"name": "web", "containerPort": 9000}]
    assert c["livenessProbe"]["httpGet"] == {"path": "/v2/health/live", "port": "web"}
    assert c["startupProbe"]["tcpSocket"] == {"port": 9000}
    assert _invalid(new.encode()) == []


def test_service_that_publishes_only_the_health_port_is_reported():
    text = (POD.format(image="nvcr.io/nvidia/tensorrtserver:20.02-py3",
                       body="      args: [trtserver, --model-store=/m, --http-health-port=8005]\n")
            .replace("  name: t\n", "  name: t\n  labels: {app: t}\n", 1)
            + "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: health\nspec:\n  selector: {app: t}\n"
              "  ports:\n    - port: 80\n      targetPort: 8005\n"
              "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: other\nspec:\n  selector: {app: x}\n"
              "  ports:\n    - port: 80\n      targetPort: 8005\n    - port: 81\n")
    doc = KubernetesDoc("m.yaml", text)
    findings, _ = check_document(doc, Release("24.10"))
    ports = [f for f in findings if f.rule == "TDM406"]
    assert len(ports) == 1 and ports[0].fix is None and ports[0].suggestion == "targetPort: 8000"
    assert doc.position(ports[0].span.start)[0] == text[:ports[0].span.start].count("\n") + 1 == 19


def test_only_triton_containers_change():
    text = POD.format(image="myorg/app:1", body=(
        "      args: [serve, --http-health-port=8005]\n"
        "      readinessProbe:\n        httpGet: {path: /api/health/ready, port: 8005}\n"))
    doc = KubernetesDoc("m.yaml", text)
    findings, _ = check_document(doc, Release("24.10"))
    assert findings == []


def test_template_that_is_not_yaml_is_reported_not_edited(tmp_path):
    text = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  template:\n"
            "    spec:\n      containers:\n        - name: t\n          image: nvcr.io/nvidia/tensorrtserver:20.02-py3\n"
            "          {{- with .Values.resources }}\n          resources: {{ toYaml . | nindent 12 }}\n"
            "          {{- end }}\n")
    path = tmp_path / "deploy.yaml"
    path.write_text(text)
    res = process_file(str(path), "deploy.yaml", Settings(), explicit=True)
    assert res.kind == "kubernetes" and res.status is Status.UNCHANGED
    assert res.new == text.encode()
    assert [(f.rule, f.severity.value, f.fixed, f.suggestion) for f in res.findings] == [
        ("TDM101", "warning", False, "image: nvcr.io/nvidia/tritonserver:24.10-py3")]


def test_broken_manifest_with_v1_evidence_fails(tmp_path):
    text = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: nvcr.io/nvidia/tensorrtserver:20.02-py3\n   name: x\n"
    path = tmp_path / "pod.yaml"
    path.write_text(text)
    res = process_file(str(path), "pod.yaml", Settings(), explicit=False)
    assert res.status is Status.FAILED and res.error_line == 6 and "\n" not in res.error
    assert path.read_text() == text


def test_json_output_stays_json_with_json_escapes():
    text = json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "t"}, "spec": {"containers": [
        {"name": "t", "image": "nvcr.io/nvidia/tensorrtserver:20.02-py3",
         "args": ["trtserver", "--model-store=/m\u00e9", "--tf-add-vgpu=0;2;2000"]}]}}, indent="\t")
    new = _migrate(text)
    assert json.loads(new)["spec"]["containers"][0]["args"] == [
        "tritonserver", "--model-repository=/m\u00e9", "--model-control-mode=poll", "--disable-auto-complete-config"]
    assert "\t" in new


# --- real manifests ------------------------------------------------------------------------------


def pytest_generate_tests(metafunc):
    from conftest import SHARED

    folder = SHARED / "corpus" / "k8s"
    files = sorted(folder.iterdir()) if folder.is_dir() else []
    for name, chosen in (("manifest", files), ("yaml_manifest", [p for p in files if p.suffix != ".json"])):
        if name in metafunc.fixturenames:
            metafunc.parametrize(name, chosen, ids=[p.name for p in chosen])


def test_k8s_corpus_present():
    assert len(list((shared_dir() / "corpus" / "k8s").iterdir())) >= 20


V1_DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: triton-v1
spec:
  selector:
    matchLabels:
      app: triton-v1
  template:
    metadata:
      labels:
        app: triton-v1
    spec:
      containers:
        - name: triton
          image: nvcr.io/nvidia/tensorrtserver:20.02-py3
          args: ["trtserver", "--model-store=/models", "--http-health-port=8005"]
          ports:
            - containerPort: 8000
            - containerPort: 8005
          readinessProbe:
            httpGet:
              path: /api/health/ready
              port: 8005
"""
V2_DEPLOYMENT = (V1_DEPLOYMENT.replace("tensorrtserver:20.02-py3", "tritonserver:24.10-py3")
                 .replace('["trtserver", "--model-store=/models", "--http-health-port=8005"]',
                          '["tritonserver", "--model-repository=/models", "--model-control-mode=poll", "--disable-auto-complete-config"]')
                 .replace("            - containerPort: 8005\n", "")
                 .replace("/api/health/ready\n              port: 8005", "/v2/health/ready\n              port: 8000"))


def test_k8s_corpus_untouched_and_parsed_without_findings(manifest, tmp_path):
    dest = tmp_path / manifest.name
    dest.write_bytes(manifest.read_bytes())
    code, report, err = run_inprocess([manifest.name], tmp_path)
    assert code == 0, err
    assert dest.read_bytes() == manifest.read_bytes() and report["findings"] == []
    doc = KubernetesDoc(str(dest), manifest.read_text(encoding="utf-8"))
    findings, _ = check_document(doc, Release("24.10"))
    assert findings == [] and doc.command_lines() == []


def test_k8s_corpus_with_a_v1_deployment_appended(yaml_manifest, tmp_path):
    """(A JSON manifest is one document: nothing can be appended to it.)"""
    manifest = yaml_manifest
    original = manifest.read_bytes()
    nl = b"\r\n" if b"\r\n" in original else b"\n"
    sep = (b"" if original.endswith(nl) else nl) + b"---" + nl
    injected = original + sep + V1_DEPLOYMENT.replace("\n", nl.decode()).encode()
    expected = original + sep + V2_DEPLOYMENT.replace("\n", nl.decode()).encode()
    dest = tmp_path / manifest.name
    dest.write_bytes(injected)
    code, report, err = run_inprocess([manifest.name], tmp_path)
    assert code == 0, err
    assert dest.read_bytes() == expected
    first = injected[: len(original)].count(b"\n") + 1
    assert report["findings"] and min(f["line"] for f in report["findings"]) > first
    assert _invalid(expected, unknown_ok=True) == []


# --- helpers --------------------------------------------------------------------------------------


def _migrate(text: str) -> str:
    return migrate_text(KubernetesDoc, "m.yaml", text)


def test_inputs_are_files():
    assert all(isinstance(p, pathlib.Path) and p.is_file() for p in INPUTS)


# --- shell scripts held in strings (documents/yamlscripts.py) ---------------------------------------

CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: entry\n{body}"


def _findings(text: str) -> list[tuple[str, str, bool]]:
    findings, _ = check_document(KubernetesDoc("m.yaml", text), Release("24.10"))
    return [(f.rule, f.severity.value, f.fix is not None) for f in findings]


@pytest.mark.parametrize("key,value,migrated", [
    ("entrypoint", "exec trtserver --model-store=/m", "exec tritonserver --model-repository=/m"),
    ("run", "#!/usr/bin/env bash\ntrtserver --model-store=/m", "tritonserver --model-repository=/m"),
    ("start.bash", "cd /srv\ntrtserver --model-store=/m", "tritonserver --model-repository=/m"),
], ids=["server-line-found", "env-bash-shebang", "bash-suffix"])
def test_configmap_script_is_found_by_key_shebang_or_server_line(key, value, migrated):
    block = "".join(f"    {line}\n" for line in value.splitlines())
    text = CONFIGMAP.format(body=f"data:\n  {key}: |\n{block}")
    new = _migrate(text)
    assert migrated in new
    assert "--model-control-mode=poll --disable-auto-complete-config\n" in new
    assert not any(rule == "TDM003" for rule, _, _ in _findings(text))


def test_configmap_text_that_is_not_a_script_stays_a_string(tmp_path):
    """A data entry that is not a script (no script key, no ``#!``, no command the server word starts)
    is not read as shell: V1 named there is left to the residue report (TDM003)."""
    text = CONFIGMAP.format(body="data:\n  notes.txt: |\n    The server is started as: trtserver --model-store=/m\n")
    assert KubernetesDoc("m.yaml", text).scripts() is None
    p = tmp_path / "m.yaml"
    p.write_text(text)
    res = process_file(str(p), "m.yaml", Settings(), explicit=True)
    assert res.new == res.original
    assert [(f.rule, f.severity.value, f.line) for f in res.findings] == [("TDM003", "warning", 7)]


def test_binary_data_is_never_read():
    text = CONFIGMAP.format(body="binaryData:\n  start.sh: dHJ0c2VydmVyIC0tbW9kZWwtc3RvcmU9L20K\n")
    assert KubernetesDoc("m.yaml", text).scripts() is None
    assert _migrate(text) == text


def test_escaped_configmap_script_is_reported_not_edited():
    """A double-quoted script with escapes cannot be mapped byte for byte: every finding on its line is
    a warning without a fix."""
    text = CONFIGMAP.format(body='data:\n  start.sh: "#!/bin/sh\\nexec trtserver --model-store=/m\\n"\n')
    assert _migrate(text) == text
    got = _findings(text)
    assert ("TDM202", "warning", False) in got and ("TDM301", "warning", False) in got
    assert not any(fix for _, _, fix in got)


def test_script_of_one_configmap_gives_no_triton_context_to_another():
    """Weak evidence (a V1 endpoint) in a script counts where that script is the server's, not because
    another script of the file runs the server."""
    text = CONFIGMAP.format(body="data:\n  start.sh: |\n    trtserver --model-store=/m\n"
                                 "  db.sh: |\n    curl -sf http://db:8000/api/health/ready\n")
    new = _migrate(text)
    assert "tritonserver --model-repository=/m" in new
    assert "http://db:8000/api/health/ready" in new


def test_script_server_line_follows_the_mounting_container_ports():
    """A removed health port of the script's line is followed to the probes of the one container of the
    file that mounts the ConfigMap."""
    text = (CONFIGMAP.format(body="data:\n  start.sh: |\n    exec trtserver --model-store=/m --http-health-port=8005\n")
            + "---\n" + POD.format(image="nvcr.io/nvidia/tensorrtserver:20.02-py3", body=(
                "      command: [sh, /s/start.sh]\n"
                "      livenessProbe: {httpGet: {path: /api/health/live, port: 8005}}\n"
                "      volumeMounts: [{name: s, mountPath: /s}]\n"
                "  volumes: [{name: s, configMap: {name: entry}}]\n")))
    new = _migrate(text)
    assert "{httpGet: {path: /v2/health/live, port: 8000}}" in new
    assert "exec tritonserver --model-repository=/m --model-control-mode=poll" in new
    assert _invalid(new.encode()) == []


def test_server_flags_in_a_configmap_of_their_own_file_are_reported(tmp_path):
    """A ConfigMap in its own file (kustomize, a chart's values) that holds the server's flags: a value that
    names a model repository reads as the server's options, so a V1-only option in it (``--api-version``,
    which V2 refuses) is V1 left, not another program's; another value's ``--api-version`` is another
    program's."""
    path = tmp_path / "configmap.yaml"
    path.write_text('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: triton-flags}\ndata:\n'
                    '  flags: "--model-store=/models --api-version=2"\n  other: "--api-version=v1 --verbose"\n')
    res = process_file(str(path), "configmap.yaml", Settings())
    assert [(f.line, f.rule, f.severity.value) for f in res.findings] == [(5, "TDM003", "warning")]
    assert "'--api-version'" in res.findings[0].message
