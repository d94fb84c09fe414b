"""Writes: a temporary file in the same folder, fsync, compare, rename; mode and owner kept; an
interrupt in the middle of a batch leaves every file old or new and no temporary file behind."""

from __future__ import annotations

import os
import pathlib
import signal
import stat
import subprocess
import sys
import time

import pytest

from strategies import run_inprocess
from workload import dockerfiles
from triton_docker_migrate import atomic

OLD = b'FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\nCMD ["trtserver", "--model-store=/models"]\n'
NEW = b'FROM nvcr.io/nvidia/tritonserver:24.10-py3\nCMD ["tritonserver", "--model-repository=/models", ' \
      b'"--model-control-mode=poll", "--disable-auto-complete-config"]\n'


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2-exchange", "plain-rename"])
def test_temp_file_beside_target_fsync_then_rename(tmp_path, monkeypatch, exchange):
    """The temporary file is complete and synced before it takes the name; on Linux the name
    changes hands by an exchange (the old file stays reachable for one last look, then goes), where
    the file system cannot exchange by a plain rename."""
    import tempfile

    target = tmp_path / "sub" / "Dockerfile"
    target.parent.mkdir()
    target.write_bytes(OLD)
    calls: list[tuple] = []
    real_mkstemp, real_fsync, real_replace, real_exchange = tempfile.mkstemp, os.fsync, os.replace, atomic._exchange

    def mkstemp(**kw):
        fd, name = real_mkstemp(**kw)
        calls.append(("mkstemp", kw["dir"], name))
        return fd, name

    def fsync(fd):
        calls.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(src, dst):
        assert pathlib.Path(src).read_bytes() == NEW  # complete before it takes the name
        calls.append(("replace", src, dst))
        real_replace(src, dst)

    def exchange(a, b):
        if not exchange_on:
            return False
        assert pathlib.Path(a).read_bytes() == NEW
        calls.append(("replace", a, b))
        assert real_exchange(a, b)
        assert pathlib.Path(a).read_bytes() == OLD  # the old file, at the temporary name for a moment
        return True

    exchange_on = exchange
    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    monkeypatch.setattr(atomic.os, "fsync", fsync)
    monkeypatch.setattr(atomic.os, "replace", replace)
    monkeypatch.setattr(atomic, "_exchange", exchange)
    atomic.write_atomic(str(target), NEW, OLD)
    (_, folder, tmp), (_, synced_file), (_, src, dst), (_, synced_dir) = calls
    assert folder == str(target.parent) and os.path.dirname(tmp) == str(target.parent)
    assert os.path.basename(tmp).startswith(f".tdm-{os.getpid()}-") and tmp.endswith(".tmp")
    assert synced_file == tmp and (src, dst) == (tmp, str(target))
    assert synced_dir == str(target.parent)
    assert target.read_bytes() == NEW
    assert sorted(p.name for p in target.parent.iterdir()) == ["Dockerfile"]


def test_refuses_when_changed_and_leaves_no_temp_file(tmp_path):
    target = tmp_path / "Dockerfile"
    target.write_bytes(OLD + b"# edited meanwhile\n")
    with pytest.raises(atomic.ChangedDuringRun):
        atomic.write_atomic(str(target), NEW, OLD)
    assert target.read_bytes() == OLD + b"# edited meanwhile\n"
    assert [p.name for p in tmp_path.iterdir()] == ["Dockerfile"]


def test_failure_while_writing_leaves_target_and_no_temp_file(tmp_path, monkeypatch):
    target = tmp_path / "Dockerfile"
    target.write_bytes(OLD)

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", full)
    with pytest.raises(OSError):
        atomic.write_atomic(str(target), NEW, OLD)
    assert target.read_bytes() == OLD
    assert [p.name for p in tmp_path.iterdir()] == ["Dockerfile"]


@pytest.mark.parametrize("mode", [0o644, 0o600, 0o755, 0o640, 0o4755])
def test_mode_kept(tmp_path, mode):
    target = tmp_path / "Dockerfile"
    target.write_bytes(OLD)
    target.chmod(mode)
    code, report, err = run_inprocess(["."], tmp_path)
    assert code == 0, err
    assert target.read_bytes() == NEW
    assert stat.S_IMODE(target.stat().st_mode) == mode


def test_owner_kept(tmp_path):
    target = tmp_path / "Dockerfile"
    target.write_bytes(OLD)
    if os.geteuid() == 0:  # only root can give a file to someone else
        os.chown(target, 1234, 5678)
    before = target.stat()
    code, _, err = run_inprocess(["."], tmp_path)
    assert code == 0, err
    after = target.stat()
    assert target.read_bytes() == NEW
    assert (after.st_uid, after.st_gid) == (before.st_uid, before.st_gid)
    assert after.st_ino != before.st_ino  # replaced by rename, never rewritten in place


def test_read_only_file_is_refused(tmp_path):
    target = tmp_path / "Dockerfile"
    target.write_bytes(OLD)
    target.chmod(0o444)
    other = tmp_path / "b" / "Dockerfile"
    other.parent.mkdir()
    other.write_bytes(OLD)
    code, report, err = run_inprocess(["."], tmp_path)
    assert code == 2
    assert err.splitlines()[0] == "Dockerfile: error: cannot write: the file is read-only"
    assert target.read_bytes() == OLD and stat.S_IMODE(target.stat().st_mode) == 0o444
    assert other.read_bytes() == NEW
    assert [f["error"] for f in report["files"]] == [None, "cannot write: the file is read-only"] or \
        {f["path"]: f["error"] for f in report["files"]} == {"Dockerfile": "cannot write: the file is read-only",
                                                             "b/Dockerfile": None}


# --- interrupts ------------------------------------------------------------------------------


def _batch(root: pathlib.Path, n: int = 300) -> list[pathlib.Path]:
    return dockerfiles(root, n, OLD)


def _interrupt(root: pathlib.Path, files: list[pathlib.Path], when: str, group: bool) -> tuple[int, str, int]:
    p = subprocess.Popen([sys.executable, "-m", "triton_docker_migrate", "migrate", str(root)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=group)
    deadline = time.monotonic() + 60
    if when == "first-write":
        while p.poll() is None and time.monotonic() < deadline and all(f.read_bytes() == OLD for f in files[:8]):
            time.sleep(0.0005)
    else:
        time.sleep(float(when))
    if group:
        os.killpg(p.pid, signal.SIGINT)  # as Ctrl-C does: the workers get it too
    else:
        p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    written = sum(1 for f in files if f.read_bytes() == NEW)
    return p.returncode, err.decode(), written


@pytest.mark.parametrize("when,group", [("first-write", False), ("first-write", True), ("0.15", True),
                                        ("0.4", False)])
def test_sigint_mid_batch(tmp_path, when, group):
    files = _batch(tmp_path / "tree")
    code, err, written = _interrupt(tmp_path / "tree", files, when, group)
    for f in files:
        assert f.read_bytes() in (OLD, NEW), f
    assert not list((tmp_path / "tree").rglob(".tdm-*")), "temporary files left behind"
    assert "Traceback" not in err
    if code == 130:
        assert err.strip().splitlines()[-1] == (
            "triton-docker-migrate: interrupted; every file is either unchanged or completely migrated")
        if when == "first-write":
            assert 0 < written < len(files)  # it really was stopped in the middle of the writes
    else:  # the run had already finished when the signal came
        assert code == 0 and written == len(files), err


def test_batch_of_300_completes(tmp_path):
    """The same batch without interrupt: the process pool is used (over 32 files to parse) and the
    run ends with every file migrated."""
    files = _batch(tmp_path / "tree")
    p = subprocess.run([sys.executable, "-m", "triton_docker_migrate", "migrate", "tree"], cwd=tmp_path,
                       capture_output=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert all(f.read_bytes() == NEW for f in files)
    assert p.stderr.decode().startswith("300 files scanned, 300 with V1, 300 changed, 0 failed")


def test_hard_linked_file_is_refused(tmp_path):
    """Replacing one name of a hard-linked file would leave its other names on the old bytes."""
    target = tmp_path / "a" / "Dockerfile"
    target.parent.mkdir()
    target.write_bytes(OLD)
    os.link(target, tmp_path / "Dockerfile.backup")
    code, report, err = run_inprocess(["a"], tmp_path)
    assert code == 2
    assert err.splitlines()[0] == ("a/Dockerfile: error: cannot write: the file has 2 hard links; replacing it "
                                   "would split them")
    assert target.read_bytes() == OLD and os.stat(target).st_nlink == 2
