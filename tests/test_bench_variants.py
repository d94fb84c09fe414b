"""What the benchmark's ablation (bench/run.py --ablation) compares must give the same answers: the
worker pool on concurrent.futures (bench/variant.py) and the Python reference of textscan; and its
second tree shape (deploy) holds exactly the V1 files it says."""

from __future__ import annotations

import json

import pytest

from conftest import ROOT, cli
from test_batch import _fresh_run, make_tree, monorepo  # noqa: F401  (a fixture)

WARNING = "triton-docker-migrate: warning: a worker process died; the files left are processed in this process"
BENCH = str(ROOT / "bench")


@pytest.mark.parametrize("variant", ["futures", "no-c", "plain"])
def test_each_variant_gives_the_serial_results(monorepo, capsys, variant):  # noqa: F811
    root, m = monorepo
    code1, serial, _ = cli(capsys, "migrate", "--check", "--format", "json", "--jobs", "1", ".")
    p = _fresh_run(root, f"sys.path.insert(0, {BENCH!r})\nimport variant\nvariant.apply({variant!r})\n"
                         "seen.append(schedule.run_pool.__name__)\n", catch=True)
    assert p.returncode == code1, p.stderr
    assert p.stdout == serial
    assert json.loads(p.stderr.splitlines()[-1]) == ["run_pool" if variant == "no-c" else "run_pool_futures"]


def test_a_dead_futures_worker_does_not_hang_the_run(monorepo, capsys):  # noqa: F811
    root, m = monorepo
    code1, serial, _ = cli(capsys, "migrate", "--check", "--format", "json", "--jobs", "1", ".")
    victim = m["v1"][len(m["v1"]) // 2]
    p = _fresh_run(root, f"sys.path.insert(0, {BENCH!r})\nimport variant\nvariant.apply('futures')\n"
                         "parent = os.getpid()\n"
                         "real = scan.Scanner.scan\n"
                         "def scan_(self, c, data=None):\n"
                         f"    if c.display == {victim!r} and os.getpid() != parent:\n"
                         "        os._exit(9)  # a worker killed mid-task\n"
                         "    return real(self, c, data)\n"
                         "scan.Scanner.scan = scan_\n")
    assert p.returncode == code1, p.stderr
    assert p.stdout == serial
    assert WARNING in p.stderr.splitlines()


def test_the_deploy_shape_holds_exactly_its_v1_files(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    m = make_tree.make_tree(str(tmp_path / "a"), 2000, seed=3, shape="deploy")
    again = make_tree.make_tree(str(tmp_path / "b"), 2000, seed=3, shape="deploy")
    assert m == again
    a, b = sorted((tmp_path / "a").rglob("*")), sorted((tmp_path / "b").rglob("*"))
    assert [p.relative_to(tmp_path / "a") for p in a] == [p.relative_to(tmp_path / "b") for p in b]
    assert all(p.read_bytes() == q.read_bytes() for p, q in zip(a, b) if p.is_file())
    assert 0.04 * m["files"] <= m["dockerfiles"] <= 0.06 * m["files"]
    assert 0.14 * m["files"] <= m["yaml"] <= 0.16 * m["files"]
    monkeypatch.chdir(tmp_path / "a")
    code, out, err = cli(capsys, "migrate", "--check", "--format", "json", ".")
    assert code == 1, err
    assert sorted(f["path"] for f in json.loads(out)["files"]) == m["v1"]
