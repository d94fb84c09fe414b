"""Run-level findings (CONTRACT.md, "Run-level findings"): the rollout order (TDM604), the host driver
(TDM709), a model repository in the tree (its models checked, TDM806 for a --load-model without a
folder). Whole trees are golden fixtures: ``fixtures/trees/<name>/`` is the tree (``dot-gitignore``
is copied as ``.gitignore``, which the project's own repository must not read), ``<name>.args`` extra
flags, ``<name>.expected`` the exit code and text report of ``migrate --diff`` and the JSON report's
``summary.rollout``."""

from __future__ import annotations

import json
import os
import shlex
import shutil

import pytest

from conftest import FIXTURES, cli
from triton_docker_migrate.release import Release
from triton_docker_migrate.rules import tables as T

TREES_DIR = FIXTURES / "trees"
TREES = sorted(p for p in TREES_DIR.iterdir() if p.is_dir())


def _copy(tree, dest):
    shutil.copytree(tree, dest, symlinks=True)
    for dirpath, _dirs, files in os.walk(dest):
        for name in files:
            if name.startswith("dot-"):
                os.rename(os.path.join(dirpath, name), os.path.join(dirpath, "." + name[4:]))


def run_tree(capsys, *args: str) -> str:
    code, out, _err = cli(capsys, "migrate", "--diff", *args, ".")
    _code, js, _err = cli(capsys, "migrate", "--check", "--format", "json", *args, ".")
    rollout = json.loads(js)["summary"].get("rollout")
    return f"exit {code}\n{out}# summary.rollout\n{json.dumps(rollout, indent=1)}\n"


@pytest.mark.parametrize("tree", TREES, ids=[p.name for p in TREES])
def test_tree(tree, tmp_path, monkeypatch, capsys, update_golden):
    work = tmp_path / tree.name
    _copy(tree, work)
    monkeypatch.chdir(work)
    args_file = TREES_DIR / f"{tree.name}.args"
    args = shlex.split(args_file.read_text()) if args_file.exists() else []
    got = run_tree(capsys, *args)
    expected = TREES_DIR / f"{tree.name}.expected"
    if update_golden:
        expected.write_text(got)
    assert got == expected.read_text()


def test_every_tree_has_its_expected_output():
    assert TREES
    for p in TREES_DIR.iterdir():
        if p.is_file():
            assert p.suffix in (".expected", ".args") and (TREES_DIR / p.stem).is_dir(), p.name
    assert all((TREES_DIR / f"{t.name}.expected").exists() for t in TREES)


# --- the pass over a tree, case by case --------------------------------------------------------

V1_COMPOSE = """services:
  triton:
    image: nvcr.io/nvidia/tensorrtserver:20.02-py3
    command: ["trtserver", "--model-store=/models"]
"""


def _report(capsys, *args: str) -> dict:
    _code, out, _err = cli(capsys, "migrate", "--check", "--format", "json", *args)
    return json.loads(out)


def _found(report) -> list[tuple[str, int, str]]:
    return [(f["path"], f["line"], f["rule"]) for f in report["findings"]]


def test_no_server_moved_no_run_level_finding(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "Dockerfile").write_text("FROM nvcr.io/nvidia/tritonserver:24.10-py3\n")
    report = _report(capsys, ".")
    assert report["findings"] == [] and "rollout" not in report["summary"]


def test_run_level_findings_are_on_the_first_migrated_server_line_of_the_run(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for name in ("b", "a"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "docker-compose.yml").write_text(V1_COMPOSE)
    report = _report(capsys, ".")
    run_level = [x for x in _found(report) if x[2] in ("TDM604", "TDM709")]
    assert run_level == [("a/docker-compose.yml", 3, "TDM604"), ("a/docker-compose.yml", 3, "TDM709")]
    assert report["summary"]["rollout"]["servers_migrated"] == ["a/docker-compose.yml", "b/docker-compose.yml"]


def test_a_suppression_comment_and_the_configuration_remove_them(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    text = V1_COMPOSE.replace("    image:", "    # triton-docker-migrate: ignore[TDM604]\n    image:")
    (tmp_path / "docker-compose.yml").write_text(text)
    report = _report(capsys, ".")
    assert [r for _p, _l, r in _found(report) if r in ("TDM604", "TDM709", "TDM002")] == ["TDM709"]
    report = _report(capsys, "--ignore", "TDM7", ".")
    assert [r for _p, _l, r in _found(report) if r in ("TDM604", "TDM709", "TDM002")] == []
    report = _report(capsys, "--select", "TDM1", ".")
    assert [r for _p, _l, r in _found(report)] == ["TDM101"]


def test_a_server_line_whose_changes_are_all_suppressed_is_not_migrated(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "run.sh").write_text("#!/bin/sh\ntrtserver --model-store=/m  # triton-docker-migrate: ignore[TDM]\n")
    report = _report(capsys, ".")
    assert _found(report) == [] and "rollout" not in report["summary"]


def test_host_driver_follows_the_target(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "docker-compose.yml").write_text(V1_COMPOSE)
    for target, cuda, driver in (("20.07", "11.0.194", "450"), ("23.05", "12.1.1", "530"), ("26.07", "13.3.0.035", "610"),
                                 ("27.02", "13.3.0.035", "610")):
        report = _report(capsys, "--target-version", target, ".")
        host = report["summary"]["rollout"]["host"]
        assert (host["cuda"], host["driver"]) == (cuda, driver)
        msg = next(f["message"] for f in report["findings"] if f["rule"] == "TDM709")
        assert f"tritonserver:{target}-py3 is built on CUDA {cuda}" in msg
        assert f"needs NVIDIA driver {driver} or later" in msg
    assert "(as 26.07, the newest release the rules know)" in msg
    assert "no forward-compatible" not in msg and "forward-compatibility package" not in msg  # CUDA 13: none listed


def test_kubernetes_host_path_in_the_tree(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    repo = tmp_path / "repo"
    (repo / "simple").mkdir(parents=True)
    (repo / "simple" / "config.pbtxt").write_text('name: "simple"\nplatform: "tensorflow_graphdef"\n')
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "deploy.yaml").write_text(f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: triton}}
spec:
  template:
    spec:
      containers:
        - name: triton
          image: nvcr.io/nvidia/tensorrtserver:20.02-py3
          args: ["trtserver", "--model-store=/m/v1", "--model-control-mode=explicit", "--load-model=simple",
                 "--load-model=other"]
          volumeMounts: [{{name: models, mountPath: /m}}]
          resources: {{limits: {{nvidia.com/gpu: 1}}}}
      volumes:
        - name: models
          hostPath: {{path: "{tmp_path}", type: Directory}}
""".replace("/m/v1", "/m/repo"))
    report = _report(capsys, ".")
    assert [x for x in _found(report) if x[2] in ("TDM702", "TDM803", "TDM806")] == [
        ("k8s/deploy.yaml", 11, "TDM806"), ("repo/simple/config.pbtxt", 2, "TDM803")]
    msg = next(f["message"] for f in report["findings"] if f["rule"] == "TDM806")
    assert msg.startswith("--load-model=other: the model repository repo has no folder other")
    assert report["summary"]["rollout"]["host"]["gpu_requests"] == ["k8s/deploy.yaml:13 (resources.limits: nvidia.com/gpu)"]


def test_docker_run_volume_from_the_scripts_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ops" / "models" / "a").mkdir(parents=True)
    (tmp_path / "ops" / "models" / "a" / "config.pbtxt").write_text('platform: "caffe2_netdef"\n')
    (tmp_path / "ops" / "serve.sh").write_text(
        '#!/bin/sh\ndocker run --gpus all -v "$(pwd)/models:/models" nvcr.io/nvidia/tensorrtserver:20.02-py3 \\\n'
        '  trtserver --model-store=/models --allow-model-control=true --allow-poll-model-repository=false '
        '--load-model=a --load-model=b\n')
    report = _report(capsys, ".")
    assert [x for x in _found(report) if x[2] in ("TDM801", "TDM806")] == [
        ("ops/models/a/config.pbtxt", 1, "TDM801"), ("ops/serve.sh", 3, "TDM806")]
    assert report["summary"]["rollout"]["host"]["gpu_requests"] == ["ops/serve.sh:2 (--gpus all)"]


def test_a_repository_outside_the_tree_is_not_read(tmp_path, monkeypatch, capsys):
    (tmp_path / "models" / "x").mkdir(parents=True)
    (tmp_path / "models" / "x" / "config.pbtxt").write_text('platform: "caffe2_netdef"\n')
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "docker-compose.yml").write_text(V1_COMPOSE.replace(
        '"--model-store=/models"]', '"--model-store=/models", "--model-control-mode=explicit", "--load-model=y"]\n'
        '    volumes: ["../models:/models"]'))
    monkeypatch.chdir(tmp_path / "app")
    report = _report(capsys, ".")
    assert [x for x in _found(report) if x[2].startswith("TDM8")] == []


def test_a_loaded_model_dropped_by_the_migration_is_not_looked_up(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "models").mkdir()
    (tmp_path / "docker-compose.yml").write_text(V1_COMPOSE.replace(
        '"--model-store=/models"]', '"--model-store=/models", "--load-model=gone"]\n    volumes: ["./models:/models"]'))
    report = _report(capsys, ".")
    assert [r for _p, _l, r in _found(report) if r in ("TDM313", "TDM806")] == ["TDM313"]


# --- the tables ----------------------------------------------------------------------------------

def test_every_release_from_20_06_to_the_newest_known_has_a_base():
    releases = [b.release for b in T.TARGET_BASES]
    expected = [f"{y:02d}.{m:02d}" for y in range(20, 27) for m in range(1, 13)
                if Release("20.06") <= Release(f"{y:02d}.{m:02d}") <= Release("26.07") and (y, m) != (21, 1)]
    assert releases == expected
    for b in T.TARGET_BASES:
        assert b.source and b.driver.isdigit() and b.cuda_version >= (11, 0)
        # a row no source states is marked, and never names a lower driver than an older row
        assert ("notes" in b.source or "compat" in b.source) and "build" in b.source or Release(b.release) < Release("22.01")
    drivers = [int(b.driver) for b in T.TARGET_BASES]
    assert drivers == sorted(drivers)


def test_every_v1_tag_has_a_base():
    from triton_docker_migrate.rules.baseimage import describe_v1

    assert describe_v1("nvcr.io/nvidia/tensorrtserver:19.05-py3") == "Ubuntu 16.04, Python 3.5, CUDA 10.1 Update 1"
    assert describe_v1("tritonserver:20.03.1-py3") == "Ubuntu 18.04, Python 3.6, CUDA 10.2.89"
    assert describe_v1("tritonserver:20.06-v1-py3") == "Ubuntu 18.04, Python 3.6, CUDA 11.0.167"
    assert describe_v1("tensorrtserver:${TAG}") == "Ubuntu 16.04 or 18.04, Python 3.5 or 3.6, CUDA 10.x"
    assert describe_v1("tensorrtserver:19.08-py3") == "Ubuntu 18.04, Python 3.6, CUDA 10.1.168 (interpolated)"


@pytest.mark.parametrize("spec,bound", [
    ("==1.16.4", ((1, 16, 4), True)), ("<1.19", ((1, 19), False)), ("<=1.18.5", ((1, 18, 5), True)),
    ("~=1.7.0", ((1, 8), False)), ("==1.15.*", ((1, 16), False)), (">=1.16,<1.22", ((1, 22), False)),
    (">=1.16", None), ("!=1.2", None)])
def test_highest_allowed(spec, bound):
    from triton_docker_migrate.rules.baseimage import highest_allowed

    assert highest_allowed(spec) == bound


def test_suggestions_of_the_base_image_rules():
    from triton_docker_migrate.pipeline import process_file
    from triton_docker_migrate.settings import Settings

    res = process_file(str(FIXTURES / "dockerfile" / "TDM704-apt-packages.Dockerfile"), "x", Settings(), explicit=True)
    got = [(f.rule, f.suggestion) for f in sorted(res.findings, key=lambda f: (f.line, f.column)) if f.rule == "TDM704"]
    assert got == [("TDM704", "python3-dev"), ("TDM704", "libpython3.10"), ("TDM704", "python3-pip"),
                   ("TDM704", "python3"), ("TDM704", "libssl3"), ("TDM704", "libssl3"), ("TDM704", "libicu70"),
                   ("TDM704", "libboost-python-dev"), ("TDM704", "libboost-dev"), ("TDM704", "libffi8"),
                   ("TDM704", "libcurl4"), ("TDM704", "libreadline8"), ("TDM704", "libgfortran5")]
    res = process_file(str(FIXTURES / "dockerfile" / "TDM706-cuda-builds.Dockerfile"), "x", Settings(), explicit=True)
    got = [f.suggestion for f in sorted(res.findings, key=lambda f: (f.line, f.column)) if f.rule == "TDM706"]
    assert got == [None, None, "libnvinfer7", "cuda-toolkit-12-6", "cuda-nvrtc-12-6", None, "cupy-cuda12x",
                   "a torch build for CUDA 12 (+cu126)", "a torchvision build for CUDA 12 (+cu126)"]
    res = process_file(str(FIXTURES / "dockerfile" / "TDM707-python-paths.Dockerfile"), "x", Settings(), explicit=True)
    got = [f.suggestion for f in sorted(res.findings, key=lambda f: (f.line, f.column)) if f.rule == "TDM707"]
    assert got == ["/usr/local/lib/python3.10", "/usr/lib/python3.10", "python3", "pip3", "/usr/include/python3.10",
                   "/usr/bin/python3", "/usr/local/lib/python3.10"]


def test_a_load_model_without_a_folder_stops_the_real_server(tmp_path):
    """TDM806's claim, on the default target's server (2.51.0): explicit mode with a --load-model that the
    repository lacks exits at start; with --exit-on-error=false the server serves without it."""
    import subprocess
    import time

    import realserver

    b = realserver.binary()
    repo = tmp_path / "models"
    repo.mkdir()
    for extra in ([], ["--exit-on-error=false"]):
        ports = realserver.free_ports(3)
        argv = [str(b.path), f"--model-repository={repo}", "--model-control-mode=explicit", "--load-model=missing",
                f"--http-port={ports[0]}", f"--grpc-port={ports[1]}", f"--metrics-port={ports[2]}",
                f"--backend-directory={b.backends}", *extra]
        log = tmp_path / "log.txt"
        with open(log, "w") as out:
            proc = subprocess.Popen(argv, env=b.env(), stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            live = None
            while proc.poll() is None and time.monotonic() < deadline and live != 200:
                time.sleep(0.2)
                live = realserver.request(ports[0], "GET", "/v2/health/live", timeout=1)[0]
            text = log.read_text()
            if extra:
                assert live == 200 and proc.poll() is None
            else:
                assert proc.wait(timeout=30) == 1
                assert "failed to poll model 'missing': model not found in any model repository" in text
                assert "failed to load all models" in text
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
