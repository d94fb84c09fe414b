"""Whole runs over a generated monorepo (bench/make_tree.py, small): exactly the V1 files, nothing in
ignored trees, a second run has nothing to do, the pool gives the serial results, errors stay local."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import pathlib

import pytest

from conftest import cli
from triton_docker_migrate.batch import run as run_mod
from triton_docker_migrate.batch import schedule

ROOT = pathlib.Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("make_tree", ROOT / "bench" / "make_tree.py")
make_tree = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_tree)

V1 = 'FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\nCMD ["trtserver", "--model-store=/models"]\n'


def digest(root: pathlib.Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def handled_kinds() -> set[str]:
    """The kinds read by a reader of their own (not reported as text)."""
    return {k.name for k in kinds.KINDS if not k.reader.startswith("text:")}


@pytest.fixture
def monorepo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    manifest = make_tree.make_tree(str(tmp_path), 700, seed=7)
    return tmp_path, manifest


def test_check_reports_exactly_the_v1_files_and_a_second_run_has_nothing_to_do(monorepo, capsys):
    root, m = monorepo
    assert len(m["v1"]) >= 10 and m["ignored_v1"] and m["traps"]
    before = digest(root)
    code, out, err = cli(capsys, "migrate", "--check", "--format", "json", ".")
    assert code == 1
    report = json.loads(out)
    listed = [f["path"] for f in report["files"]]
    assert listed == m["v1"]  # sorted, each once, no trap, nothing from build/, node_modules/ or .git
    assert {f["kind"] for f in report["files"]} == set(m["kinds"].values())
    assert all(f["kind"] == m["kinds"][f["path"]] for f in report["files"])
    handled = handled_kinds()
    changed = {f["path"] for f in report["files"] if f["changed"]}
    assert changed == {p for p in m["v1"] if m["kinds"][p] in handled}
    assert report["summary"]["files_with_v1"] == len(m["v1"])
    assert report["summary"]["files_failed"] == 0
    ignored_files = sum(1 for p in before if p.startswith(("build/", "web/node_modules/", ".git/", "services/trap0/run")))
    assert report["summary"]["files_scanned"] == len(before) - ignored_files
    assert digest(root) == before  # --check writes nothing

    code, out, err = cli(capsys, "migrate", ".")
    assert code == 0
    after = digest(root)
    assert {p for p in before if before[p] != after[p]} == changed
    for p in m["ignored_v1"] + m["traps"] + [".git/description"]:
        assert after[p] == before[p]

    code, out, err = cli(capsys, "migrate", "--check", ".")
    assert code == 0
    assert "0 would change, 0 failed" in err


def test_pool_gives_the_serial_results(monorepo, capsys, monkeypatch, tmp_path_factory):
    root, m = monorepo
    outside = tmp_path_factory.mktemp("outside")
    deep = sorted(p for p in root.glob("services/*/*") if p.is_dir())[-1]
    os.symlink(outside, deep / "escape")
    code1, serial, err1 = cli(capsys, "migrate", "--check", "--format", "json", "--jobs", "1", ".")
    used = []
    real_pool = schedule.run_pool
    real_next = schedule.Work.next_task
    real_back = schedule.Work.give_back

    def spy(work, settings, workers, *args):
        used.append(workers)
        yield from real_pool(work, settings, workers, *args)

    def next_task(self, workers):
        task = real_next(self, workers)
        if task is not None:
            kinds_of_tasks.add(task[0])
        return task

    def give_back(self, folders):
        handed_back.extend(folders)
        real_back(self, folders)

    kinds_of_tasks: set[str] = set()
    handed_back: list = []

    monkeypatch.setattr(schedule, "run_pool", spy)
    monkeypatch.setattr(schedule.Work, "next_task", next_task)
    monkeypatch.setattr(schedule.Work, "give_back", give_back)
    monkeypatch.setattr(run_mod, "POOL_AFTER_FILES", 50)
    monkeypatch.setattr(schedule, "CHUNK", 16)
    monkeypatch.setattr(run_mod, "SLICE", 4)
    monkeypatch.setattr(schedule, "TASK_FILES", 8)
    code2, pooled, err2 = cli(capsys, "migrate", "--check", "--format", "json", "--jobs", "2", ".")
    assert used == [2]
    assert kinds_of_tasks == {"files", "tree"}  # subtrees walked by the workers themselves
    assert handed_back  # a task past its budget hands its unlisted folders back to be shared out
    assert (code1, serial) == (code2, pooled)
    warning = f"{deep.relative_to(root)}/escape: warning: symlink leaves the tree; not followed"
    assert err1.splitlines()[:-1] == err2.splitlines()[:-1] == [warning]
    # overlapping folders: one walk in this process, reading and parsing in the workers
    code3, nested, _ = cli(capsys, "migrate", "--check", "--format", "json", "--jobs", "2", ".", "services")
    assert (code3, nested) == (code1, serial)
    used.clear()
    cli(capsys, "migrate", "--check", "--format", "json", "--jobs", "1", ".")
    assert used == []


def test_an_error_in_one_file_does_not_stop_the_others(monorepo, capsys, monkeypatch):
    root, m = monorepo
    bad = root / "services" / "bad" / "Dockerfile"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\nCMD \xfe\n")
    unreadable = root / "services" / "bad" / "docker-compose.yml"
    unreadable.write_text("services: {}\n")
    unreadable.chmod(0)
    monkeypatch.setattr(run_mod, "POOL_AFTER_FILES", 50)
    try:
        code, out, err = cli(capsys, "migrate", "--format", "json", "--jobs", "2", ".")
    finally:
        unreadable.chmod(0o644)
    assert code == 2
    report = json.loads(out)
    errors = {f["path"]: f["error"] for f in report["files"] if f["error"]}
    assert errors["services/bad/Dockerfile"] == "invalid UTF-8 (byte 49)"
    assert "services/bad/Dockerfile:2: error: invalid UTF-8 (byte 49)\n" in err
    if errors.get("services/bad/docker-compose.yml"):  # root can read anything
        assert errors["services/bad/docker-compose.yml"].startswith("cannot read")
    handled = handled_kinds()
    assert {f["path"] for f in report["files"] if f["changed"]} == {p for p in m["v1"] if m["kinds"][p] in handled}
    code, _, _ = cli(capsys, "migrate", "--check", "--exclude", "services/bad", ".")
    assert code == 0  # everything else was written


def test_extensionless_script_run_by_a_dockerfile_of_the_run_is_shell(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "docker").mkdir()
    (tmp_path / "docker" / "Dockerfile").write_text(
        "FROM nvcr.io/nvidia/tritonserver:24.10-py3\nCOPY serve /usr/local/bin/serve\n"
        'ENTRYPOINT ["/usr/local/bin/serve"]\n')
    script = "exec trtserver --model-store=/models\n"
    (tmp_path / "docker" / "serve").write_text(script)
    (tmp_path / "docker" / "unrelated").write_text(script)
    code, out, err = cli(capsys, "migrate", "--check", "--format", "json", ".")
    files = {f["path"]: (f["kind"], f["changed"]) for f in json.loads(out)["files"]}
    assert files["docker/serve"][0] == "shell"
    assert "docker/unrelated" not in files or files["docker/unrelated"][0] == "text"
    assert files["docker/serve"][1] is True


def test_model_configs_follow_a_v1_server(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    cfg = tmp_path / "models" / "m" / "config.pbtxt"
    cfg.parent.mkdir(parents=True)
    cfg.write_text('name: "m"\nplatform: "tensorrt_plan"\n')
    code, out, err = cli(capsys, "migrate", "--check", "--format", "json", ".")
    assert json.loads(out)["files"] == []  # no V1 server in the run: not checked
    (tmp_path / "Dockerfile").write_text(V1)
    code, out, err = cli(capsys, "migrate", "--check", "--format", "json", ".")
    report = json.loads(out)
    assert [f["path"] for f in report["files"]] == ["Dockerfile", "models/m/config.pbtxt"]
    assert [f["rule"] for f in report["findings"] if f["path"] == "models/m/config.pbtxt"] == ["TDM804"]


def test_files_scanned_counts_the_files_read(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for i in range(30):
        (tmp_path / f"f{i}.py").write_text("print('hello')\n")
    (tmp_path / "Dockerfile").write_text(V1)
    code, out, err = cli(capsys, "migrate", "--check", "--format", "json", "--statistics", ".")
    s = json.loads(out)["summary"]
    assert (s["files_scanned"], s["files_with_v1"], s["files_changed"]) == (31, 1, 1)
    assert s["rules"] == {"TDM101": 1, "TDM202": 1, "TDM301": 1, "TDM310": 1, "TDM314": 1, "TDM604": 1, "TDM709": 1}


# --- the prefilter and the fast path never drop what the runner would report -------------------
from hypothesis import given, settings as hsettings, strategies as st  # noqa: E402

from triton_docker_migrate import evidence, kinds  # noqa: E402

_PIECES = ["tensorrtserver", "trtserver", "TENSORRT_SERVER", "tensorrt-server", "perf_client", "/api/", "/api/health",
           "tritonserver:20.03", "tritonserver:20.07", "--api-version", "--allow-poll-model-repository",
           "--http-health-port", "--tf-add-vgpu", "--grpc-stream-infer-thread-count", "server", "erver", "rt", "--",
           "api", "/", ":", "-", "_", " ", "\n", "x", "T", "tritonserver", "20.0"]


@hsettings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=12))
def test_the_prefilter_accepts_every_piece_of_evidence(pieces):
    data = "".join(pieces).encode()
    if evidence.STRONG.search(data):
        assert evidence.maybe_v1(data) and evidence.text_may_report(data)
    if any(lit in data for lit in evidence.TEXT_LITERALS):
        assert evidence.text_may_report(data) and evidence.maybe_v1(data)
    # weak evidence: a V1 endpoint, a V1-only option (written out, or abbreviated as getopt reads it)
    if b"/api/" in data or any(("--" + o).encode() in data for o in evidence.facts.V1_ONLY_OPTIONS):
        assert evidence.maybe_v1(data)


@pytest.mark.parametrize("data, may", [
    (b'image: "{{ .Values.image.registry }}/{{ .Values.image.repository }}:{{ .Values.image.tag }}"', False),
    (b"image: {{ $.Values.triton.image.tag }} {{ $root.Values.image.tag }} {{- with .Values }}{{ .image.tag }}", False),
    (b"helm upgrade web ./web --set image.tag=20.02-py3", True),
    (b"--set-string triton.image.tag=20.02", True),
    (b"- name: image.tag\n  value: '20.02'", True),
    (b"image: {{ .Values.image.tag }} # a value given: image.tag=20.02", True),
    (b"{{ .Values.image.tag }} " + b"nvcr.io/nvidia/tensorrtserver:20.02-py3", True),
    (b"{{ ." + b"a." * 200 + b"image.tag }}", True),  # a path too long to follow counts
])
def test_a_chart_file_may_hold_v1(data, may):
    """A chart's template reading its values (``.Values.image.tag``) is no evidence; a value given to a chart is."""
    assert evidence.chart_may_hold_v1(data) is may
    assert not may or evidence.maybe_v1(data)


@pytest.mark.parametrize("line, may", [
    (b"path: /api/health", False), (b"prefix: /api/", False), (b"path: /api/statuses", False),
    (b'image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"', False),
    (b"path: /api/health/ready", True), (b"path: /api/status", True),
    (b'args: ["tritonserver", "--allow-poll-model-repository=true"]', True), (b"command: [trtserver]", True),
])
def test_a_line_may_hold_v1_by_itself(line, may):
    """A line with no other V1 beside it (a template line the tool could not read, in a chart with no V1)."""
    assert evidence.line_may_hold_v1(line) is may


def test_a_chart_without_v1_is_not_processed(tmp_path, monkeypatch, capsys):
    """A chart whose templates read ``image.tag`` from its values, with no V1 in the chart, is not read as a unit."""
    from triton_docker_migrate import pipeline

    chart = tmp_path / "web"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: web\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text("image: {repository: example/web, tag: '1.0'}\n")
    (chart / "templates" / "pod.yaml").write_text(
        'apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n    - name: web\n'
        '      image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"\n')
    seen = []
    real = pipeline.process_unit
    monkeypatch.setattr(pipeline, "process_unit", lambda unit, *a, **k: seen.append(unit.root) or real(unit, *a, **k))
    monkeypatch.chdir(tmp_path)
    assert cli(capsys, "migrate", "--check", "--fail-on-review", ".")[0] == 0
    assert seen == []
    (chart / "templates" / "NOTES.txt").write_text("helm upgrade web ./web --set image.tag=20.02-py3\n")
    cli(capsys, "migrate", "--check", ".")
    assert seen == [str(chart)]


SAMPLES = {
    "notes.txt": "call /api/health/ready on port 8001\n",
    "client.py": "import tensorrtserver.api as trt\n",
    "req.txt": "tensorrtserver==1.12.0\n",
    "opts.txt": "run with --api-version=2 and --allow-poll-model-repository=false\n",
    "img.md": "docker pull nvcr.io/nvidia/tritonserver:20.03-py3\n",
    "env.cfg": "TENSORRT_SERVER_VERSION=1.12\n",
    "user.txt": "chown tensorrt-server /models\n",
    "perf.txt": "perf_client -m resnet50\n",
    "serve": "trtserver --model-store=/models\n",
    "app.js": "fetch('/api/status')\n",
    "serve.py": "#!/bin/sh\nexec trtserver --model-store=/models --allow-poll-model-repository=true\n",
    "Dockerfile.prod.txt": "FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\nCMD [\"trtserver\", \"--model-store=/m\"]\n",
    "chart/Chart.yaml": "apiVersion: v2\nname: triton\nversion: 0.1.0\n",
    "chart/templates/NOTES.txt": "curl localhost:8000/api/health/ready --allow-poll-model-repository\n",
    "k8s.yaml": "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: x\n    readinessProbe:\n"
                "      httpGet: {path: /api/health/ready, port: 8000}\n",
    # a launcher's configuration: V1-only option names as keys
    "server.yaml": "server:\n  binary: tritonserver\n  options:\n    allow-poll-model-repository: false\n",
    "opts.py": "OPTIONS = {\"model-repository\": \"/m\", \"tf-gpu-memory-fraction\": \"0.5\"}\n",
    "noted.yaml": "# allow-poll-model-repository: false\nkey: value\n",
}


def test_fast_path_agrees_with_the_runner(tmp_path, monkeypatch, capsys):
    from triton_docker_migrate.pipeline import process_file
    from triton_docker_migrate.settings import Settings

    monkeypatch.chdir(tmp_path)
    for name, text in SAMPLES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    code, out, err = cli(capsys, "migrate", "--check", "--format", "json", ".")
    fast = {f["path"] for f in json.loads(out)["files"]}
    slow = {name for name in SAMPLES if process_file(name, name, Settings(), explicit=False).has_evidence}
    assert fast == slow
    assert "client.py" in fast and "img.md" in fast and "notes.txt" not in fast
    assert "server.yaml" in fast and "opts.py" in fast and "noted.yaml" not in fast


_NAME_PIECES = ["a", "Dockerfile", "Containerfile", "compose", "values", "templates/", "ci/", ".github/workflows/",
                "Makefile", "config", ".", ".py", ".md", ".txt", ".yaml", ".yml", ".json", ".sh", ".mk", ".pbtxt", ".tpl",
                ".dockerfile", ".TXT", "-", "_", "requirements", "constraints", "setup", "pyproject", "environment",
                "supervisor/", "supervisord", ".cfg", ".toml", ".conf", ".service"]


@hsettings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_NAME_PIECES), min_size=1, max_size=6),
       st.sampled_from([b"", b"apiVersion: v1\nkind: Pod\n", b"#!/bin/sh\n", b"repository: x\ntag: y\n"]))
def test_text_by_name_agrees_with_kind_of(pieces, head):
    path = "".join(pieces).lstrip("/")
    if kinds.text_by_name(path) and not head.startswith(b"#!"):
        assert kinds.kind_of(path, head) == "text"


def test_utf16_file_with_v1_evidence_is_an_error_in_a_walk(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "Dockerfile").write_bytes(V1.encode("utf-16"))
    (tmp_path / "d" / "other.txt").write_bytes("nothing to see\n".encode("utf-16"))
    code, out, err = cli(capsys, "migrate", "--check", ".")
    assert code == 2
    assert err.splitlines()[0] == ("d/Dockerfile: error: UTF-16/UTF-32 text is not supported: convert the file "
                                   "to UTF-8 and run again")
    assert "other.txt" not in err


def test_not_text_and_oversize_are_skipped_silently_unless_named_or_owned(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    big = b"FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\n" + b"# padding\n" * (1024 * 1024 + 10)
    (tmp_path / "big.txt").write_bytes(big)  # not owned: skipped
    (tmp_path / "blob.bin").write_bytes(b"\0\1trtserver\0")  # not text: skipped
    code, out, err = cli(capsys, "migrate", "--check", "--format", "json", ".")
    assert (code, json.loads(out)["files"]) == (0, [])
    (tmp_path / "Dockerfile").write_bytes(big)  # owned by name, with evidence: an error
    code, out, err = cli(capsys, "migrate", "--check", ".")
    assert code == 2 and err.splitlines()[0] == "Dockerfile: error: larger than 10 MiB: not processed"
    code, out, err = cli(capsys, "migrate", "--check", "blob.bin")  # named: an error
    assert code == 2 and err.splitlines()[0] == "blob.bin: error: not a text file (NUL bytes)"


def _fresh_run(root, body: str, paths: str = "'.'", pool_after: int = 50, catch: bool = False):
    """``migrate --check --format json --jobs 2`` in a fresh interpreter (one that can fork its
    workers), after ``body`` (which may patch ``run``); with ``catch``, the script prints the
    JSON of its ``seen`` list on stderr's last line."""
    import subprocess
    import sys

    main = f"main(['migrate', '--check', '--format', 'json', '--jobs', '2', {paths}])\n"
    if catch:
        main = ("try:\n    " + main + "except SystemExit as e:\n"
                "    print(json.dumps(seen), file=sys.stderr)\n    sys.exit(e.code)\n")
    script = ("import json, os, sys\nfrom triton_docker_migrate.batch import run, scan, schedule\nfrom triton_docker_migrate.cli import main\n"
              f"run.POOL_AFTER_FILES = {pool_after}\nseen = []\n" + body + main)
    return subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=300)


def test_pool_start_methods(monorepo, capsys, monkeypatch):
    """Workers are forked where the platform can fork, fresh interpreters where it cannot (Windows):
    both give the serial results. The run never imports a native Dockerfile parser."""

    root, m = monorepo
    code1, serial, _ = cli(capsys, "migrate", "--check", "--format", "json", "--jobs", "1", ".")
    monkeypatch.setattr(schedule, "can_fork", lambda: False)
    monkeypatch.setattr(run_mod, "POOL_AFTER_FILES", 50)
    code2, spawned, _ = cli(capsys, "migrate", "--check", "--format", "json", "--jobs", "2", ".")
    assert (code2, spawned) == (code1, serial)
    p = _fresh_run(root, "real = schedule.run_pool\n"
                         "def spy(*a):\n"
                         "    seen.append(schedule.can_fork())\n"
                         "    yield from real(*a)\n"
                         "schedule.run_pool = spy\n", catch=True)
    assert p.returncode == code1
    assert p.stderr.splitlines()[-1] == "[true]"
    assert p.stdout == serial


def test_a_dead_worker_does_not_hang_the_run(monorepo, capsys):

    root, m = monorepo
    code1, serial, _ = cli(capsys, "migrate", "--check", "--format", "json", "--jobs", "1", ".")
    victim = m["v1"][len(m["v1"]) // 2]
    p = _fresh_run(root, "parent = os.getpid()\n"
                         "real = scan.Scanner.scan\n"
                         "def scan_(self, c, data=None):\n"
                         f"    if c.display == {victim!r} and os.getpid() != parent:\n"
                         "        os._exit(9)  # a worker killed mid-task\n"
                         "    return real(self, c, data)\n"
                         "scan.Scanner.scan = scan_\n")
    assert p.returncode == code1
    assert p.stdout == serial
    assert ("triton-docker-migrate: warning: a worker process died; the files left are processed in this "
            "process") in p.stderr.splitlines()


def test_big_binary_files_are_not_read_whole(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    blob = b"\0" * 100 + b"x" * (5 * 1024 * 1024) + b"FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\n"
    (tmp_path / "model.bin").write_bytes(blob)
    (tmp_path / "Dockerfile").write_bytes(blob)  # owned by name: read whole, an error
    reads: list[int] = []
    real = os.read

    def spy(fd, n):
        out = real(fd, n)
        reads.append(len(out))
        return out

    monkeypatch.setattr(run_mod.os, "read", spy)
    code, out, err = cli(capsys, "migrate", "--check", "--jobs", "1", ".")
    assert code == 2 and err.splitlines()[0] == "Dockerfile: error: not a text file (NUL bytes)"
    # model.bin: only its first 64 KiB (twice without the C extension: its first read is in Python)
    assert len(blob) <= sum(reads) < len(blob) + 2 * 65536 + 4096
