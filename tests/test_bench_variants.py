"""What the benchmark's ablation (bench/run.py --ablation) compares must give the same answers: the
pool on concurrent.futures (run.POOL = "futures"), with and without the scout, and the Python
reference of textscan; and its second tree shape (deploy) holds exactly the V1 files it says."""

from __future__ import annotations

import json

import pytest

from conftest import cli
from test_batch import _fresh_run, make_tree, monorepo  # noqa: F401  (a fixture)

WARNING = "triton-docker-migrate: warning: a worker process died; the files left are processed in this process"


@pytest.mark.parametrize("switches", [
    "run.POOL = 'futures'\n",
    "run.POOL = 'futures'\nrun.SCOUT_FILES = 0\n",
    "run.SCOUT_FILES = 0\n",
    "from triton_docker_migrate import textscan\ntextscan.read_files = textscan.read_files_py\n",
])
def test_each_variant_gives_the_serial_results(monorepo, capsys, switches):  # noqa: F811
    root, m = monorepo
    code1, serial, _ = cli(capsys, "migrate", "--check", "--format", "json", "--jobs", "1", ".")
    p = _fresh_run(root, switches + "real = run._run_pool_futures\n"
                                    "def spy(*a):\n"
                                    "    seen.append('futures')\n"
                                    "    yield from real(*a)\n"
                                    "run._run_pool_futures = spy\n", catch=True)
    assert p.returncode == code1, p.stderr
    assert p.stdout == serial
    used = json.loads(p.stderr.splitlines()[-1])
    assert used == (["futures"] if "futures" in switches else [])


def test_a_dead_futures_worker_does_not_hang_the_run(monorepo, capsys):  # noqa: F811
    root, m = monorepo
    code1, serial, _ = cli(capsys, "migrate", "--check", "--format", "json", "--jobs", "1", ".")
    victim = m["v1"][len(m["v1"]) // 2]
    p = _fresh_run(root, "run.POOL = 'futures'\n"
                         "parent = os.getpid()\n"
                         "real = run.Scanner.scan\n"
                         "def scan(self, c, data=None):\n"
                         f"    if c.display == {victim!r} and os.getpid() != parent:\n"
                         "        os._exit(9)  # a worker killed mid-task\n"
                         "    return real(self, c, data)\n"
                         "run.Scanner.scan = scan\n")
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


def test_the_futures_pool_spawns_after_the_go_parser_is_loaded(monorepo, capsys, monkeypatch):  # noqa: F811
    """As pool.py: a process that has loaded BuildKit's Go parser must not fork (a forked copy can
    hang); the futures pool then spawns fresh interpreters, with the same results."""
    from triton_docker_migrate import run as run_mod

    root, m = monorepo
    code1, serial, _ = cli(capsys, "migrate", "--check", "--format", "json", "--jobs", "1", ".")
    import dockerfile  # noqa: F401

    assert run_mod._can_fork() is False
    monkeypatch.setattr(run_mod, "POOL", "futures")
    monkeypatch.setattr(run_mod, "POOL_AFTER_FILES", 50)
    used = []
    real = run_mod._run_pool_futures

    def spy(*a):
        used.append(True)
        yield from real(*a)

    monkeypatch.setattr(run_mod, "_run_pool_futures", spy)
    code2, spawned, _ = cli(capsys, "migrate", "--check", "--format", "json", "--jobs", "2", ".")
    assert used == [True]
    assert (code2, spawned) == (code1, serial)
