"""Integrity under hostile trees, signals and resource limits (issue 13; CONTRACT.md "Bad input",
"Exit codes", "Command line"). Each test reproduces one failure of the attack with the real thing:
real permissions (the CLI runs as another user through ``setpriv``), real signals to a subprocess,
real FIFOs and sockets, real closed pipes, real extended attributes, generated pathological input.
Nothing is timed on the wall clock: a deadline only bounds how long a test waits for an event."""

from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time

import pytest

from strategies import run_cli
from workload import dockerfiles, lines_by_place, lines_run

V1 = b'FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\nCMD ["trtserver", "--model-store=/models"]\n'
V2 = (b'FROM nvcr.io/nvidia/tritonserver:24.10-py3\nCMD ["tritonserver", "--model-repository=/models", '
      b'"--model-control-mode=poll", "--disable-auto-complete-config"]\n')
FINDING_LINE = re.compile(r"^[^\x00-\x1f\x7f]+?:\d+(?::\d+)?: TDM\d{3} (?:info|warning|error): [^\x00-\x1f\x7f]*$")
ROOT = pathlib.Path(__file__).resolve().parent.parent


def _tree(root: pathlib.Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)


def _v1(tag: str) -> bytes:
    """A V1 Dockerfile whose migration shows which file it came from."""
    return V1.replace(b"/models", b"/models-" + tag.encode())


def _v2(tag: str) -> bytes:
    return V2.replace(b"/models", b"/models-" + tag.encode())


def _json(p: subprocess.CompletedProcess) -> dict:
    return json.loads(p.stdout.decode("utf-8"))  # strict: the report is UTF-8


def _no_traceback(p: subprocess.CompletedProcess) -> str:
    err = p.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err and "internal error" not in err and "Exception ignored" not in err, err
    return err


PATCHED_CLI = """
import sys
{patch}
from triton_docker_migrate.cli import main
main(sys.argv[1:])
"""


def _patched(patch: str, *args: str, cwd, **kw) -> subprocess.Popen | subprocess.CompletedProcess:
    cmd = [sys.executable, "-c", PATCHED_CLI.format(patch=patch), *args]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    if kw.pop("popen", False):
        return subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, timeout=kw.pop("timeout", 120), **kw)


# --- processes ---------------------------------------------------------------------------------

def _children(pid: int) -> set[int]:
    """Live (not zombie) direct children of ``pid``."""
    out = set()
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                fields = pathlib.Path(f"/proc/{d}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                out.add(int(d))
    return out


def _alive(pid: int) -> bool:
    try:
        fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z"


def _running_on(path: pathlib.Path) -> list[int]:
    """Live processes whose command line names ``path`` (a run's workers have the parent's)."""
    out = []
    needle = os.fsencode(str(path))
    for d in os.listdir("/proc"):
        if d.isdigit() and int(d) != os.getpid():
            try:
                if needle in pathlib.Path(f"/proc/{d}/cmdline").read_bytes() and _alive(int(d)):
                    out.append(int(d))
            except OSError:
                continue
    return out


def _wait_for(cond, seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.01)
    return cond()


def _batch(root: pathlib.Path, n: int) -> list[pathlib.Path]:
    return dockerfiles(root, n, V1)


# === 1, 2: one rule for symlinks; the file written is the file read ============================

def test_named_symlinks_are_followed_and_reported_by_their_real_path(tmp_path):
    """Naming ``linkdir`` (a symlink to a folder outside) or ``linkdir/Dockerfile`` rewrites the
    real file and says so with its real path; a named file symlink is followed the same way; a
    symlink met by a walk that leaves the named paths is never followed (one warning)."""
    _tree(tmp_path, {"outside/Dockerfile": _v1("out"), "elsewhere/Dockerfile": _v1("file"),
                     "tree/own/Dockerfile": _v1("own")})
    tree = tmp_path / "tree"
    os.symlink("../outside", tree / "linkdir")
    os.symlink("../elsewhere/Dockerfile", tree / "filelink")
    p = run_cli("migrate", "--format", "json", "linkdir", cwd=tree)
    _no_traceback(p)
    assert p.returncode == 0
    assert [f["path"] for f in _json(p)["files"]] == ["../outside/Dockerfile"]
    assert (tmp_path / "outside/Dockerfile").read_bytes() == _v2("out")

    p = run_cli("migrate", "--format", "json", "filelink", cwd=tree)
    assert p.returncode == 0, p.stderr
    assert [f["path"] for f in _json(p)["files"]] == ["../elsewhere/Dockerfile"]
    assert (tmp_path / "elsewhere/Dockerfile").read_bytes() == _v2("file")
    assert os.readlink(tree / "filelink") == "../elsewhere/Dockerfile"  # still the link

    (tmp_path / "outside/Dockerfile").write_bytes(_v1("out"))
    p = run_cli("migrate", "--format", "json", ".", cwd=tree)
    assert p.returncode == 0, p.stderr
    assert sorted(p.stderr.decode().splitlines()[:-1]) == [
        "filelink: warning: symlink leaves the tree; not followed",
        "linkdir: warning: symlink leaves the tree; not followed"]
    assert [f["path"] for f in _json(p)["files"]] == ["own/Dockerfile"]
    assert (tmp_path / "outside/Dockerfile").read_bytes() == _v1("out")  # never written through


def test_dotdot_after_a_symlink_is_resolved_through_the_file_system(tmp_path):
    """``linkdir/../Dockerfile`` is the Dockerfile beside the folder the link points to (what the
    kernel opens), not ``./Dockerfile``: that file is read, migrated, written and reported; the
    other one is untouched."""
    _tree(tmp_path, {"a/b/keep": b"", "a/Dockerfile": _v1("beside-target"), "tree/Dockerfile": _v1("here")})
    tree = tmp_path / "tree"
    os.symlink("../a/b", tree / "linkdir")
    p = run_cli("migrate", "--format", "json", "linkdir/../Dockerfile", cwd=tree)
    _no_traceback(p)
    assert p.returncode == 0
    assert [f["path"] for f in _json(p)["files"]] == ["../a/Dockerfile"]
    assert (tmp_path / "a/Dockerfile").read_bytes() == _v2("beside-target")
    assert (tree / "Dockerfile").read_bytes() == _v1("here")


REPLACE = """
import os
from triton_docker_migrate import pipeline
_real = pipeline.process_file
def process_file(path, *a, **kw):
    res = _real(path, *a, **kw)
    if path.endswith("busy/Dockerfile"):
        data = open(path, "rb").read()
        how = {how!r}
        if how == "symlink":  # the same bytes, now behind a symlink
            os.rename(path, path + ".real")
            os.symlink("Dockerfile.real", path)
        elif how == "new-inode":  # the same bytes in another file
            open(path + ".new", "wb").write(data)
            os.rename(path + ".new", path)
        elif how == "fifo":
            os.rename(path, path + ".real")
            os.mkfifo(path)
    return res
pipeline.process_file = process_file
"""


@pytest.mark.parametrize("how", ["symlink", "new-inode", "fifo"])
def test_a_file_replaced_during_the_run_is_not_written(tmp_path, how):
    """Between the read and the write the file is replaced by a symlink to the very same bytes,
    by another file with the same bytes, or by a FIFO: compared by identity and type, not only by
    bytes, it is refused (no hang on the FIFO) and stays what it now is."""
    _tree(tmp_path, {"busy/Dockerfile": V1, "good/Dockerfile": V1})
    p = _patched(REPLACE.format(how=how), "migrate", "--format", "json", ".", cwd=tmp_path, timeout=60)
    err = _no_traceback(p)
    assert p.returncode == 2, err
    assert err.splitlines()[0] == "busy/Dockerfile: error: the file changed during the run; not written"
    busy = tmp_path / "busy/Dockerfile"
    if how == "symlink":
        assert busy.is_symlink() and os.readlink(busy) == "Dockerfile.real"
        assert (tmp_path / "busy/Dockerfile.real").read_bytes() == V1
    elif how == "fifo":
        assert stat.S_ISFIFO(os.lstat(busy).st_mode)
    else:
        assert not busy.is_symlink() and busy.read_bytes() == V1
    assert (tmp_path / "good/Dockerfile").read_bytes() == V2
    assert not list(tmp_path.rglob(".tdm-*"))


# === 3: owner and extended attributes ==========================================================

OTHER_UID = 1234


@pytest.fixture
def shared(request):
    """A folder every user can reach (pytest's own temporary folders are root's, mode 0700)."""
    d = pathlib.Path(tempfile.mkdtemp(prefix="tdm-shared-", dir="/tmp"))
    os.chmod(d, 0o777)
    yield d
    shutil.rmtree(d, ignore_errors=True)


#: the CLI run as OTHER_UID: started as root, it runs once on a file of its own (so that every module
#: a run uses is imported while it can read them all: the checkout or the interpreter may sit in a
#: folder only root enters, such as /root or a CI clone in a mode 0700 folder), then gives up root for
#: good (groups, group, user) and runs the command
AS_OTHER_USER = """
import contextlib, io, os, tempfile
from triton_docker_migrate.cli import main as _main
with tempfile.TemporaryDirectory() as d, contextlib.redirect_stdout(io.StringIO()), \\
        contextlib.redirect_stderr(io.StringIO()):
    os.mkdir(os.path.join(d, "a"))
    with open(os.path.join(d, "a", "Dockerfile"), "wb") as f:
        f.write({v1!r})
    try:
        _main(["migrate", "--format", "json", d])
    except SystemExit:
        pass
os.setgroups([])
os.setgid({uid})
os.setuid({uid})
"""


def _as_other_user(*args: str, cwd: pathlib.Path) -> subprocess.CompletedProcess:
    if os.geteuid() != 0:
        pytest.skip("needs root to run the CLI as another user (CI runs as root)")
    return _patched(AS_OTHER_USER.format(v1=V1, uid=OTHER_UID), *args, cwd=cwd)


def test_a_file_whose_owner_cannot_be_kept_is_refused(shared):
    """Run as another user on a 0666 file in a writable folder: the rename would succeed and the
    file would change hands. Refused with an error; that user's own file is migrated."""
    _tree(shared, {"root-owned/Dockerfile": V1, "mine/Dockerfile": V1})
    for d in ("root-owned", "mine"):
        os.chmod(shared / d, 0o777)
    os.chmod(shared / "root-owned/Dockerfile", 0o666)
    os.chown(shared / "mine/Dockerfile", OTHER_UID, OTHER_UID)
    p = _as_other_user("migrate", "--format", "json", ".", cwd=shared)
    err = _no_traceback(p)
    assert p.returncode == 2, err
    assert err.splitlines()[0] == "root-owned/Dockerfile: error: cannot write: its owner and group (0:0) cannot be kept by this user"
    st = os.stat(shared / "root-owned/Dockerfile")
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (0, 0, 0o666)
    assert (shared / "root-owned/Dockerfile").read_bytes() == V1
    assert (shared / "mine/Dockerfile").read_bytes() == V2
    assert os.stat(shared / "mine/Dockerfile").st_uid == OTHER_UID
    assert sorted(os.listdir(shared / "root-owned")) == ["Dockerfile"]  # no temporary file left


def _xattrs_supported(path: pathlib.Path) -> bool:
    try:
        os.setxattr(path, "user.tdm-probe", b"1")
        os.removexattr(path, "user.tdm-probe")
        return True
    except OSError:
        return False


def test_extended_attributes_and_acls_are_kept(tmp_path):
    target = tmp_path / "Dockerfile"
    target.write_bytes(V1)
    if not _xattrs_supported(target):
        pytest.skip("this file system has no user.* extended attributes: test_xattr_seam covers the writer")
    os.setxattr(target, "user.origin", b"deploy-team")
    os.setxattr(target, "user.binary", bytes(range(256)))
    acl = shutil.which("setfacl") and subprocess.run(["setfacl", "-m", f"u:{OTHER_UID}:rw", str(target)]).returncode == 0
    before = {a: os.getxattr(target, a) for a in os.listxattr(target)}
    assert {"user.origin", "user.binary"} <= set(before)
    p = run_cli("migrate", ".", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert target.read_bytes() == V2
    assert {a: os.getxattr(target, a) for a in os.listxattr(target)} == before
    if acl:
        assert "system.posix_acl_access" in before


XATTR_FAILS = """
import errno, os
from triton_docker_migrate import atomic
_real = os.setxattr
def setxattr(target, attr, value, *a):
    if attr == "user.sealed":
        raise OSError(errno.EPERM, "Operation not permitted")
    return _real(target, attr, value, *a)
atomic.os.setxattr = setxattr
"""


def test_an_attribute_that_cannot_be_kept_refuses_the_write(tmp_path):
    """The I/O seam: the new file cannot be given one of the old file's attributes: refused,
    untouched, no temporary file; the other files are written."""
    _tree(tmp_path, {"sealed/Dockerfile": V1, "good/Dockerfile": V1})
    if not _xattrs_supported(tmp_path / "sealed/Dockerfile"):
        pytest.skip("no user.* extended attributes here")
    os.setxattr(tmp_path / "sealed/Dockerfile", "user.sealed", b"1")
    p = _patched(XATTR_FAILS, "migrate", ".", cwd=tmp_path)
    err = _no_traceback(p)
    assert p.returncode == 2
    assert err.splitlines()[0] == ("sealed/Dockerfile: error: cannot write: its extended attribute user.sealed "
                                   "cannot be kept: Operation not permitted")
    assert (tmp_path / "sealed/Dockerfile").read_bytes() == V1
    assert (tmp_path / "good/Dockerfile").read_bytes() == V2
    assert sorted(os.listdir(tmp_path / "sealed")) == ["Dockerfile"]


# === 5: FIFOs, sockets, devices; no worker outlives its parent =================================

def test_named_fifo_socket_and_device_are_errors_never_opened(tmp_path):
    _tree(tmp_path, {"good/Dockerfile": V1})
    os.mkfifo(tmp_path / "fifo")
    os.mkfifo(tmp_path / "Dockerfile")  # a FIFO under a handler's name
    sock_dir = pathlib.Path(tempfile.mkdtemp(prefix="s", dir="/tmp"))  # AF_UNIX paths are short
    s = socket.socket(socket.AF_UNIX)
    try:
        s.bind(str(sock_dir / "sock"))
        os.symlink(sock_dir / "sock", tmp_path / "sock")
        p = run_cli("migrate", "--format", "json", "fifo", "Dockerfile", "sock", "/dev/null", "good",
                    cwd=tmp_path, timeout=60)
    finally:
        s.close()
        shutil.rmtree(sock_dir)
    err = _no_traceback(p)
    assert p.returncode == 2
    sock = str(sock_dir / "sock")
    assert sorted(err.splitlines()[:-1]) == sorted([
        "/dev/null: error: cannot read: not a regular file (a device)",
        "Dockerfile: error: cannot read: not a regular file (a FIFO)",
        "fifo: error: cannot read: not a regular file (a FIFO)",
        f"{os.path.relpath(sock, tmp_path)}: error: cannot read: not a regular file (a socket)"])
    report = _json(p)
    assert [f["rule"] for f in report["findings"] if f["path"] == "fifo"] == ["TDM001"]
    assert (tmp_path / "good/Dockerfile").read_bytes() == V2


def test_fifos_under_the_names_read_beside_the_input_are_never_opened(tmp_path):
    """The files the tool reads beside a file (a folder's ``.gitignore``, a chart's ``Chart.yaml``, a
    compose service's ``env_file`` and ``.env``, a ``pyproject.toml`` met for its configuration) as
    FIFOs: passed over, nothing hangs, the run migrates what it can."""
    compose = (b"services:\n  t:\n    image: ${IMG}\n    env_file: [triton.env]\n"
               b"    command: [\"trtserver\", \"--model-store=/m\"]\n")
    _tree(tmp_path, {"a/Dockerfile": V1, "c/compose.yaml": compose,
                     "chart/values.yaml": b"image:\n  repository: nvcr.io/nvidia/tensorrtserver\n  tag: 20.02-py3\n"})
    for name in (".gitignore", "a/.gitignore", "chart/Chart.yaml", "c/triton.env", "c/.env", "c/pyproject.toml"):
        os.mkfifo(tmp_path / name)
    p = run_cli("migrate", "--format", "json", ".", cwd=tmp_path, timeout=60)
    _no_traceback(p)
    assert p.returncode in (0, 2), p.stderr
    assert (tmp_path / "a/Dockerfile").read_bytes() == V2


BLOCKED_WORKERS = """
import time
from triton_docker_migrate.batch import schedule
def _do_task(task):
    time.sleep(3600)  # a worker stuck (a FIFO, a hung parser)
schedule._do_task = _do_task
"""


def test_no_worker_outlives_a_killed_parent(tmp_path):
    """A CI timeout SIGKILLs the run while its workers are busy: they die with it."""
    _batch(tmp_path / "tree", 200)
    p = _patched(BLOCKED_WORKERS, "migrate", "--jobs", "2", str(tmp_path / "tree"), cwd=tmp_path, popen=True)
    workers: set[int] = set()
    try:
        assert _wait_for(lambda: len(_children(p.pid)) >= 2), "the pool did not start"
        workers = _children(p.pid)
        p.kill()
        p.wait(timeout=60)
        assert _wait_for(lambda: not any(_alive(w) for w in workers)), "a worker outlived its parent"
    finally:
        for w in workers:
            if _alive(w):
                os.kill(w, signal.SIGKILL)
        p.kill()
        p.communicate()


# === 6, 7: names in reports ====================================================================

NAMES = {
    "not-utf8": b"bad\xff\xfename",
    "title": b"t\x1b]0;pwned\x07",
    "forged": b"x\n::error file=forged.yml,line=1::pwned",
    "clear": b"c\x1b[2J\x1b[H",
    "c1": "c1\u009b31m".encode(),
}


def _named_tree(root: pathlib.Path) -> dict[str, bytes]:
    paths = {}
    for key, raw in NAMES.items():
        d = os.path.join(os.fsencode(str(root)), raw)
        os.makedirs(d)
        with open(os.path.join(d, b"Dockerfile"), "wb") as f:
            f.write(V1)
        paths[key] = raw + b"/Dockerfile"
    return paths


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
@pytest.mark.parametrize("encoding", [None, "utf-8"])
def test_names_that_are_not_utf8_or_hold_control_characters(tmp_path, fmt, encoding):
    """Every format, in place (the report is rendered after the writes) and with
    PYTHONIOENCODING=utf-8 (common in CI images): no crash, UTF-8 output, no control character on
    stdout or stderr outside the formats' own line ends; every file migrated."""
    paths = _named_tree(tmp_path)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTHONIOENCODING", None)
    if encoding:
        env["PYTHONIOENCODING"] = encoding
    p = subprocess.run([sys.executable, "-m", "triton_docker_migrate", "migrate", "--format", fmt, "."],
                       cwd=tmp_path, capture_output=True, timeout=120, env=env)
    err = _no_traceback(p)
    assert p.returncode == 0, err
    for raw in paths.values():
        assert pathlib.Path(os.path.join(os.fsencode(str(tmp_path)), raw).decode("utf-8", "surrogateescape")
                            ).read_bytes() == V2
    out = p.stdout.decode("utf-8")  # strict: valid UTF-8
    for stream in (out, err):
        assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f]", stream), stream
    if fmt == "json":
        listed = sorted(f["path"] for f in json.loads(out)["files"])
        assert listed == sorted(["bad\\xff\\xfename/Dockerfile", "t\x1b]0;pwned\x07/Dockerfile",
                                 "x\n::error file=forged.yml,line=1::pwned/Dockerfile", "c\x1b[2J\x1b[H/Dockerfile",
                                 "c1\u009b31m/Dockerfile"])
    elif fmt == "sarif":
        uris = {loc["physicalLocation"]["artifactLocation"]["uri"]
                for res in json.loads(out)["runs"][0]["results"] for loc in res["locations"]}
        assert uris == {"bad%FF%FEname/Dockerfile", "t%1B%5D0%3Bpwned%07/Dockerfile",
                        "x%0A%3A%3Aerror%20file%3Dforged.yml%2Cline%3D1%3A%3Apwned/Dockerfile",
                        "c%1B%5B2J%1B%5BH/Dockerfile", "c1%C2%9B31m/Dockerfile"}
    elif fmt == "text":
        lines = out.splitlines()
        # 5 per file, and the run's rollout and host-driver findings (TDM604, TDM709, naming the files)
        assert len(lines) == 27 and all(FINDING_LINE.match(line) for line in lines), out
        assert {line.split(":", 1)[0] for line in lines} == {
            "bad\\xff\\xfename/Dockerfile", "t\\x1b]0;pwned\\x07/Dockerfile",
            "x\\n", "c\\x1b[2J\\x1b[H/Dockerfile", "c1\\u009b31m/Dockerfile"}
        assert not any(line.startswith("::") for line in lines)
    else:
        lines = out.splitlines()
        assert len(lines) == 27 and all(re.match(r"^::notice file=[^:]*,line=\d+,", line) for line in lines), out
        assert "file=x\\n%3A%3Aerror file=forged.yml%2Cline=1%3A%3Apwned/Dockerfile," in out


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_show_files_escapes_names(tmp_path, fmt):
    """``--show-files`` lists the same hostile names: one escaped line each (text), valid UTF-8 (json),
    with PYTHONIOENCODING=utf-8 too."""
    _named_tree(tmp_path)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONIOENCODING": "utf-8"}
    p = subprocess.run([sys.executable, "-m", "triton_docker_migrate", "migrate", "--show-files", "--format", fmt,
                        "."], cwd=tmp_path, capture_output=True, timeout=120, env=env)
    _no_traceback(p)
    assert p.returncode == 0, p.stderr
    out = p.stdout.decode("utf-8")
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", out), out
    names = ["bad\\xff\\xfename/Dockerfile", "c1\\u009b31m/Dockerfile", "c\\x1b[2J\\x1b[H/Dockerfile",
             "t\\x1b]0;pwned\\x07/Dockerfile", "x\\n::error file=forged.yml,line=1::pwned/Dockerfile"]
    if fmt == "json":
        assert sorted(e["path"] for e in json.loads(out)) == sorted(
            ["bad\\xff\\xfename/Dockerfile", "t\x1b]0;pwned\x07/Dockerfile",
             "x\n::error file=forged.yml,line=1::pwned/Dockerfile", "c\x1b[2J\x1b[H/Dockerfile",
             "c1\u009b31m/Dockerfile"])
    else:
        assert sorted(out.splitlines()) == sorted(f"{n}\tdockerfile" for n in names)


def test_error_lines_on_stderr_escape_names(tmp_path):
    """An unreadable file under a hostile name: its error line is one line, escaped, and cannot
    forge a workflow command."""
    paths = _named_tree(tmp_path)
    for raw in paths.values():
        os.chmod(os.path.join(os.fsencode(str(tmp_path)), raw), 0)
    if os.geteuid() == 0:
        prefix = ("setpriv", "--bounding-set=-dac_override,-dac_read_search")
    else:
        prefix = ()
    p = run_cli("migrate", "--format", "github", ".", cwd=tmp_path, prefix=prefix)
    err = _no_traceback(p)
    assert p.returncode == 2
    lines = err.splitlines()
    assert sorted(lines[:-1]) == sorted([
        "bad\\xff\\xfename/Dockerfile: error: cannot read: Permission denied",
        "c1\\u009b31m/Dockerfile: error: cannot read: Permission denied",
        "c\\x1b[2J\\x1b[H/Dockerfile: error: cannot read: Permission denied",
        "t\\x1b]0;pwned\\x07/Dockerfile: error: cannot read: Permission denied",
        "x\\n::error file=forged.yml,line=1::pwned/Dockerfile: error: cannot read: Permission denied"])
    assert not any(line.startswith("::") for line in lines)
    assert all(line.startswith("::error file=") for line in p.stdout.decode().splitlines())


def test_a_name_that_starts_like_a_workflow_command(tmp_path):
    (tmp_path / "::error file=a::b").mkdir()
    (tmp_path / "::error file=a::b" / "Dockerfile").write_bytes(V1)
    p = run_cli("migrate", "--check", ".", cwd=tmp_path)
    assert p.returncode == 1
    lines = p.stdout.decode().splitlines()
    assert lines and all(line.startswith("\\x3a:error file=a::b/Dockerfile:") for line in lines)


# === 9: SIGTERM ================================================================================

SLOW = """
import time
from triton_docker_migrate import atomic
from triton_docker_migrate.batch import schedule
_write, _task = atomic.write_atomic, schedule._do_task
def write_atomic(*a, **kw):
    _write(*a, **kw)
    time.sleep(0.02)  # a slow disk: the signal surely comes in the middle of the writes
def _do_task(task):
    time.sleep(0.05)  # slow parsing: the signal surely comes while the workers are busy
    return _task(task)
atomic.write_atomic = write_atomic
schedule._do_task = _do_task
"""


@pytest.mark.parametrize("when", ["writing", "processing"])
@pytest.mark.parametrize("group", [False, True], ids=["to-the-process", "to-the-group"])
@pytest.mark.parametrize("sig,code,word", [(signal.SIGTERM, 143, "terminated"), (signal.SIGINT, 130, "interrupted")])
def test_sigterm_like_sigint(tmp_path, when, group, sig, code, word):
    """A real signal, while files are written or while the workers process them: one line, exit
    143 (130 for SIGINT), every file old or new, no temporary file, no worker left."""
    root = tmp_path / "tree"
    files = _batch(root, 300)
    p = _patched(SLOW, "migrate", str(root), cwd=tmp_path, popen=True, start_new_session=group)
    try:
        if when == "writing":
            assert _wait_for(lambda: any(f.read_bytes() == V2 for f in files)), "no file was written"
        else:
            assert _wait_for(lambda: len(_children(p.pid)) >= 1), "the pool did not start"
        if group:
            os.killpg(p.pid, sig)
        else:
            p.send_signal(sig)
        _, err = p.communicate(timeout=60)
    finally:
        p.kill()
    err = err.decode()
    assert "Traceback" not in err
    assert p.returncode == code, err
    assert err.splitlines() == [f"triton-docker-migrate: {word}; every file is either unchanged or completely migrated"]
    written = sum(f.read_bytes() == V2 for f in files)
    assert all(f.read_bytes() in (V1, V2) for f in files)
    assert (0 < written < len(files)) if when == "writing" else written == 0
    assert not list(root.rglob(".tdm-*")), "temporary files left behind"
    assert _wait_for(lambda: not _running_on(root), 30), "a worker process was left behind"


# === 10: --jobs ================================================================================

COUNT_FORKS = """
import atexit, os, sys
_forks = []
_real = os.fork
def fork():
    pid = _real()
    if pid:
        _forks.append(pid)
    return pid
os.fork = fork
atexit.register(lambda: print(f"forks: {len(_forks)}", file=sys.stderr))
"""


@pytest.mark.parametrize("jobs", ["512", "100000"])
def test_jobs_are_clamped_to_four_per_cpu(tmp_path, jobs):
    _batch(tmp_path / "tree", 100)
    p = _patched(COUNT_FORKS, "migrate", "--jobs", jobs, "tree", cwd=tmp_path)
    err = _no_traceback(p)
    cpus = len(os.sched_getaffinity(0))
    assert p.returncode == 0, err
    lines = err.splitlines()
    assert lines[0] == f"triton-docker-migrate: warning: --jobs {jobs} is more than 4 per CPU ({cpus} CPUs); using {4 * cpus}"
    assert lines[1].startswith("100 files scanned, 100 with V1, 100 changed, 0 failed")
    assert lines[2] == f"forks: {4 * cpus}"
    assert all(f.read_bytes() == V2 for f in (tmp_path / "tree").rglob("Dockerfile"))


# === 11, 14: configuration and selectors =======================================================

@pytest.mark.parametrize("name,text,found", [
    (".triton-docker-migrate.toml", b'select = ["TDM3"]\n# caf\xe9\n', True),
    ("pyproject.toml", b'[tool.triton-docker-migrate]\nselect = ["TDM3"]\n# caf\xe9\n', True),
    ("custom.toml", b'target-version = "24.10"\n\xff\n', False),
])
def test_configuration_that_is_not_utf8_is_one_usage_error(tmp_path, name, text, found):
    _tree(tmp_path, {name: text, "Dockerfile": V1})
    args = ("migrate", ".") if found else ("migrate", "--config", name, ".")
    p = run_cli(*args, cwd=tmp_path)
    err = _no_traceback(p)
    assert p.returncode == 2
    byte = text.index(b"\xe9" if b"\xe9" in text else b"\xff")
    where = str(tmp_path / name) if found else name
    assert err.splitlines() == [f"{where}: error: not valid UTF-8 (byte {byte})"]
    assert (tmp_path / "Dockerfile").read_bytes() == V1


@pytest.mark.parametrize("args,config,message", [
    (["--select", "TDM999"], None, "triton-docker-migrate: error: --select: 'TDM999' names no rule (see `triton-docker-migrate rules`)"),
    (["--ignore", "TDM9"], None, "triton-docker-migrate: error: --ignore: 'TDM9' names no rule (see `triton-docker-migrate rules`)"),
    (["--select", "TDM3,TDM30,TDM301,ALL,TDM39"], None,
     "triton-docker-migrate: error: --select: 'TDM39' names no rule (see `triton-docker-migrate rules`)"),
    ([], 'ignore = ["TDM9"]\n', "{cfg}: error: ignore: 'TDM9' names no rule (see `triton-docker-migrate rules`)"),
    ([], 'select = "TDM301,TDM998"\n',
     "{cfg}: error: select: 'TDM998' names no rule (see `triton-docker-migrate rules`)"),
    ([], '[per-file-ignores]\n"*.yaml" = ["TDM3", "TDM990"]\n',
     "{cfg}: error: per-file-ignores['*.yaml']: 'TDM990' names no rule (see `triton-docker-migrate rules`)"),
    (["--target-version", ""], None, "triton-docker-migrate: error: --target-version: empty (expected YY.MM, e.g. 24.10)"),
    (["--target-version", " "], None, "triton-docker-migrate: error: --target-version: empty (expected YY.MM, e.g. 24.10)"),
])
def test_unknown_selectors_and_an_empty_target_are_usage_errors(tmp_path, args, config, message):
    _tree(tmp_path, {"Dockerfile": V1})
    if config is not None:
        (tmp_path / ".triton-docker-migrate.toml").write_text(config)
    p = run_cli("migrate", *args, ".", cwd=tmp_path)
    err = _no_traceback(p)
    assert p.returncode == 2
    assert err.splitlines() == [message.format(cfg=tmp_path / ".triton-docker-migrate.toml")]
    assert p.stdout == b""
    assert (tmp_path / "Dockerfile").read_bytes() == V1


def test_known_prefixes_still_select(tmp_path):
    _tree(tmp_path, {"Dockerfile": V1})
    p = run_cli("migrate", "--check", "--format", "json", "--select", "TDM3,TDM30,TDM301,ALL", "--ignore", "TDM31",
                ".", cwd=tmp_path)
    assert p.returncode == 1, p.stderr
    # and the run's rollout and host-driver findings (ALL selects them)
    assert {f["rule"] for f in _json(p)["findings"]} == {"TDM101", "TDM202", "TDM301", "TDM604", "TDM709"}


# === 15: closed pipes ==========================================================================

def _closed_stdout(args: list[str], cwd, stderr_closed: bool = False) -> tuple[int, bytes]:
    """Run with a stdout (or stderr) whose reader is gone before the first byte: EPIPE at once."""
    r, w = os.pipe()
    os.close(r)
    try:
        err_target = w if stderr_closed else subprocess.PIPE
        out_target = subprocess.DEVNULL if stderr_closed else w
        p = subprocess.Popen([sys.executable, "-m", "triton_docker_migrate", *args], cwd=cwd, stdout=out_target,
                             stderr=err_target, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    finally:
        os.close(w)
    _, err = p.communicate(timeout=120)
    return p.returncode, err or b""


@pytest.mark.parametrize("args,code", [
    (["rules"], 0), (["explain", "TDM301"], 0), (["--help"], 0), (["--version"], 0),
    (["migrate", "--check", "--format", "json", "."], 1), (["migrate", "--diff", "."], 1),
    (["migrate", "--format", "sarif", "."], 0),
])
def test_output_to_a_closed_pipe_ends_quietly(tmp_path, args, code):
    _tree(tmp_path, {"Dockerfile": V1})
    rc, err = _closed_stdout(args, tmp_path)
    assert err == b"" or (args[0] == "migrate" and err.decode().startswith("1 file scanned")), err
    assert rc == code
    assert (tmp_path / "Dockerfile").read_bytes() == (V2 if args == ["migrate", "--format", "sarif", "."] else V1)


def test_a_closed_stderr_does_not_stop_the_run(tmp_path):
    _tree(tmp_path, {"Dockerfile": V1, "bad/Dockerfile": V1.replace(b"CMD", b"ENV PATH\nCMD")})
    rc, err = _closed_stdout(["migrate", "."], tmp_path, stderr_closed=True)
    assert rc == 2  # the bad file's error, as with an open stderr
    assert (tmp_path / "Dockerfile").read_bytes() == V2


# === 16: temporary files a killed run left =====================================================

KILLED_WHILE_WRITING = """
import os, signal
from triton_docker_migrate import atomic
_real = atomic._temp_file
_n = []
def _temp_file(directory):
    fd, tmp = _real(directory)
    _n.append(tmp)
    if len(_n) == 3:
        os.kill(os.getpid(), signal.SIGKILL)  # mid-write: the temporary file exists, empty
    return fd, tmp
atomic._temp_file = _temp_file
"""


def test_temporary_files_of_a_killed_run_are_removed_by_the_next(tmp_path):
    files = _batch(tmp_path / "tree", 6)
    p = _patched(KILLED_WHILE_WRITING, "migrate", "--jobs", "1", "tree", cwd=tmp_path)
    assert p.returncode == -signal.SIGKILL
    left = list((tmp_path / "tree").rglob(".tdm-*.tmp"))
    assert len(left) == 1 and left[0].read_bytes() == b""
    # --check writes nothing, removes nothing, and does not read the temporary file as input
    p = run_cli("migrate", "--check", "--format", "json", "tree", cwd=tmp_path)
    assert p.returncode == 1
    assert not any(".tdm-" in f["path"] for f in _json(p)["files"])
    assert left[0].exists()
    p = run_cli("migrate", "--format", "json", "tree", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert not left[0].exists()
    assert all(f.read_bytes() == V2 for f in files)
    assert not any(".tdm-" in f["path"] for f in _json(p)["files"])


def test_only_stale_temporary_files_are_removed(tmp_path):
    """Removed: a dead writer's (its pid in the name), an older version's (no pid), both older than
    the run. Kept: a live process's, one whose lock is held, one newer than the run."""
    _tree(tmp_path, {"Dockerfile": V1})
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    dead_pid = int(dead.stdout)
    old = time.time() - 3600
    names = {"dead": f".tdm-{dead_pid}-abc123de.tmp", "legacy": ".tdm-k2j4h5g6.tmp",
             "live": f".tdm-{os.getpid()}-abc123de.tmp", "locked": f".tdm-{dead_pid}-lockedxx.tmp",
             "new": f".tdm-{dead_pid}-newnewnn.tmp", "other": ".tdm-notes.txt"}
    for key, n in names.items():
        (tmp_path / n).write_bytes(V1 if key == "legacy" else b"")
        if key != "new":
            os.utime(tmp_path / n, (old, old))
    os.utime(tmp_path / names["new"], (time.time() + 3600,) * 2)
    holder = subprocess.Popen([sys.executable, "-c", "import fcntl, sys; f = open(sys.argv[1]); "
                               "fcntl.flock(f, fcntl.LOCK_EX); print('held', flush=True); sys.stdin.read()",
                               str(tmp_path / names["locked"])], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline() == b"held\n"
        p = run_cli("migrate", "--format", "json", ".", cwd=tmp_path)
    finally:
        holder.communicate(b"")
    assert p.returncode == 0, p.stderr
    assert sorted(x.name for x in tmp_path.iterdir()) == sorted(
        ["Dockerfile", names["live"], names["locked"], names["new"], names["other"]])
    assert [f["path"] for f in _json(p)["files"]] == ["Dockerfile"]


# === the documented limit: a write racing the rename ===========================================

RACING_WRITE = """
import os
from triton_docker_migrate import atomic
_real_exchange, _real_replace = atomic._exchange, os.replace
def _race(path):
    if path.endswith("busy/Dockerfile"):
        with open(path, "ab") as f:  # someone saves the file: after the compare, before the rename
            f.write(b"# saved meanwhile\\n")
def exchange(a, b):
    _race(b)
    return {exchange} and _real_exchange(a, b)
def replace(a, b):
    _race(b)
    return _real_replace(a, b)
atomic._exchange = exchange
atomic.os.replace = replace
"""


def test_a_write_between_the_check_and_the_rename_is_caught(tmp_path):
    """With the exchange-rename (Linux), a write that lands after the bytes were compared and
    before the names change hands is seen on the old file, the exchange is undone, the file keeps
    that write and is reported; the other files are written."""
    _tree(tmp_path, {"busy/Dockerfile": V1, "good/Dockerfile": V1})
    p = _patched(RACING_WRITE.format(exchange=True), "migrate", ".", cwd=tmp_path)
    err = _no_traceback(p)
    assert p.returncode == 2, err
    assert err.splitlines()[0] == "busy/Dockerfile: error: the file changed during the run; not written"
    assert (tmp_path / "busy/Dockerfile").read_bytes() == V1 + b"# saved meanwhile\n"
    assert (tmp_path / "good/Dockerfile").read_bytes() == V2
    assert not list(tmp_path.rglob(".tdm-*"))


def test_what_remains_of_the_limit(tmp_path):
    """docs/guarantees.md "Limits", stated as behaviour. Without an exchange (another platform, or
    a file system that cannot): a write in the last instant before the rename is lost. With it: a
    write through a descriptor opened before the rename and made after the last look goes to the
    replaced file, as it would with any rename."""
    _tree(tmp_path, {"busy/Dockerfile": V1})
    p = _patched(RACING_WRITE.format(exchange=False), "migrate", ".", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "busy/Dockerfile").read_bytes() == V2  # the racing write is lost

    from triton_docker_migrate import atomic

    target = tmp_path / "held/Dockerfile"
    _tree(tmp_path, {"held/Dockerfile": V1})
    with open(target, "ab") as held:
        atomic.write_atomic(str(target), V2, V1)
        held.write(b"# written through a descriptor opened before\n")
    assert target.read_bytes() == V2


# === 12, 13: odd input, depth, nested backquotes ===============================================

def _limited(seconds: int, recursion: int | None = None) -> str:
    """Code a child runs first: a CPU-time limit (never the wall clock), and a low recursion limit
    (recursion on the input's depth would hit it long before the input ends)."""
    code = f"import resource, sys; resource.setrlimit(resource.RLIMIT_CPU, ({seconds}, {seconds}))\n"
    if recursion:
        code += f"sys.setrecursionlimit({recursion})\n"
    return code


D = 20_000
DEEP = {
    # kind: (file name, text, the TDM001 message, or None: processed)
    "dockerfile": ("Dockerfile", "FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\nRUN echo " + "$(" * D + "trtserver"
                   + ")" * D + "\n", "the V1 server runs inside $(...) or backquotes: migrate that command by hand"),
    "makefile": ("Makefile", "all:\n\ttrtserver --model-store=/m\n\techo " + "$(" * D + "trtserver" + ")" * D + "\n", None),
    "shell": ("run.sh", "#!/bin/sh\necho " + "$(" * D + "trtserver --model-store=/m" + ")" * D + "\n",
              "commands nested more than 6 levels deep"),
    "shell-subshells": ("run.sh", "#!/bin/sh\n" + "(" * D + "trtserver --model-store=/m" + ")" * D + "\n", None),
    "compose-flow": ("compose.yaml", "services:\n  t:\n    image: nvcr.io/nvidia/tensorrtserver:20.02-py3\n"
                     "    labels: " + "[" * D + "]" * D + "\n", "YAML nesting too deep"),
    "compose-block": ("compose.yaml", "services:\n  t:\n    image: nvcr.io/nvidia/tensorrtserver:20.02-py3\n"
                      "    labels:\n" + "".join("  " * (i + 3) + "a:\n" for i in range(3000)), "YAML nesting too deep"),
    "kubernetes-json": ("pod.json", '{"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"image": '
                        '"nvcr.io/nvidia/tensorrtserver:20.02-py3", "x": ' + "[" * D + "]" * D + "}]}}\n",
                        "YAML nesting too deep"),
    "hcl": ("main.tf", 'resource "x" "y" {\n  image = "nvcr.io/nvidia/tensorrtserver:20.02-py3"\n  a = ' + "[" * D
            + "]" * D + "\n}\n", "HCL nested too deeply to read"),
    "pyproject": ("proj/pyproject.toml", '[project]\ndependencies = ["tensorrtserver"]\nx = ' + "[" * D + "]" * D + "\n",
                  "TOML nested too deeply to read (more than 64 levels)"),
    "unit": ("trt.service", '[Service]\nExecStart=/bin/sh -c "' + "$(" * D + "trtserver" + ")" * D + '"\n',
             "commands nested more than 6 levels deep"),
    "ci": (".gitlab-ci.yml", "job:\n  image: nvcr.io/nvidia/tensorrtserver:20.02-py3\n  script:\n    - echo "
           + "$(" * D + "trtserver" + ")" * D + "\n", "commands nested more than 6 levels deep"),
}


@pytest.mark.parametrize("case", sorted(DEEP))
def test_no_recursion_on_input_depth(tmp_path, case):
    """20,000 levels of each kind's nesting, read with a recursion limit of 500 and 60 s of CPU:
    processed, or refused with the kind's own one-line reason - never an internal error."""
    name, text, message = DEEP[case]
    _tree(tmp_path, {name: text.encode()})
    code = _limited(60, 500) + PATCHED_CLI.format(patch="")
    p = subprocess.run([sys.executable, "-c", code, "migrate", "--format", "json", name], cwd=tmp_path,
                       capture_output=True, timeout=600)
    err = _no_traceback(p)
    entry = _json(p)["files"][0]
    if message is None:
        assert p.returncode == 0, err
        assert entry["error"] is None and entry["changed"] is True
    else:
        assert p.returncode == 2, err
        assert entry["error"].startswith(message), entry["error"]
        assert (tmp_path / name).read_bytes() == text.encode()


def test_a_dockerfile_ending_in_a_lone_backslash(tmp_path):
    """With the backquote as escape character a final backslash reaches the shell: it would escape
    whatever is added after it, so the server line is refused with a reason (it was an internal
    error); the same file ending in a backslash that continues nothing is read as BuildKit does."""
    lone = b'# escape=`\nFROM nvcr.io/nvidia/tensorrtserver:20.02-py3\nCMD trtserver "--model-store=/m"\\'
    _tree(tmp_path, {"a/Dockerfile": lone, "b/Dockerfile": V1 + b"\\"})
    p = run_cli("migrate", "--format", "json", "a/Dockerfile", "b/Dockerfile", cwd=tmp_path)
    err = _no_traceback(p)
    assert p.returncode == 2
    assert err.splitlines()[0] == "a/Dockerfile:3: error: CMD: cannot read the shell command (a backslash ends the command)"
    assert (tmp_path / "a/Dockerfile").read_bytes() == lone
    assert (tmp_path / "b/Dockerfile").read_bytes() == V2 + b"\\"


def _fixture_texts() -> list[tuple[str, str]]:
    out = []
    for p in sorted((ROOT / "fixtures").rglob("*")):
        if not p.is_file() or p.suffix in (".out", ".findings") or ".out" in p.name:
            continue
        try:
            out.append((str(p.relative_to(ROOT / "fixtures")), p.read_text(encoding="utf-8")))
        except UnicodeDecodeError:
            continue
    return out


def test_every_fixture_cut_short_with_a_trailing_backslash(tmp_path):
    """Every fixture (every kind), cut after its lines and ended with a lone backslash: processed or refused
    with a reason, never an internal error. A fixture of up to 8 lines is cut after each of them; a longer one
    after every n-th line (8 cuts spread over it) and each of its first and last three (the cost of cutting after
    every line grows with the square of the fixtures' size: over 200 s of the suite)."""
    from triton_docker_migrate.pipeline import process_file
    from triton_docker_migrate.settings import Settings

    bad = []
    for rel, text in _fixture_texts():
        lines = text.split("\n")
        target = tmp_path / rel.split("/", 1)[-1]
        target.parent.mkdir(parents=True, exist_ok=True)
        n = len(lines)
        step = -(-n // 8)
        cuts = sorted(set(range(1, n + 1, step)) | {1, 2, 3, n - 2, n - 1, n}) if n > 8 else range(1, n + 1)
        for k in (k for k in cuts if k >= 1):
            target.write_text("\n".join(lines[:k]) + "\\", encoding="utf-8")
            r = process_file(str(target), target.name, Settings(), explicit=True)
            if r.error and r.error.startswith("internal error"):
                bad.append((rel, k, r.error))
    assert bad == []


NESTED_BACKQUOTES = {
    "run.sh": b"#!/bin/sh\necho `echo \\`trtserver --model-store=/m\\``\n",
    "Makefile": b"all:\n\techo `echo \\`trtserver --model-store=/m\\``\n",
    "Dockerfile": b"FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\nRUN echo `echo \\`trtserver --model-store=/m\\``\n",
}


@pytest.mark.parametrize("name", sorted(NESTED_BACKQUOTES))
def test_v1_server_in_nested_backquotes_is_a_loud_error(tmp_path, name):
    data = NESTED_BACKQUOTES[name]
    _tree(tmp_path, {f"bad/{name}": data, "good/Dockerfile": V1})
    p = run_cli("migrate", "--format", "json", ".", cwd=tmp_path)
    err = _no_traceback(p)
    assert p.returncode == 2, err
    message = ("the V1 server runs inside $(...) or backquotes: migrate that command by hand (file not processed)"
               if name == "Dockerfile" else
               "the V1 server runs inside nested backquotes: migrate that command by hand (file not processed)")
    assert err.splitlines()[0] == f"bad/{name}:2: error: {message}"
    report = _json(p)
    assert {f["rule"] for f in report["findings"] if f["path"] == f"bad/{name}"} == {"TDM001", "TDM003"}
    assert (tmp_path / "bad" / name).read_bytes() == data
    assert (tmp_path / "good/Dockerfile").read_bytes() == V2


def test_nested_backquotes_without_v1_are_read(tmp_path):
    _tree(tmp_path, {"run.sh": b"#!/bin/sh\nV=`echo \\`date\\``\ntrtserver --model-store=/m\n"})
    p = run_cli("migrate", "run.sh", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "run.sh").read_bytes().startswith(b"#!/bin/sh\nV=`echo \\`date\\``\ntritonserver ")


# === 8: resources ==============================================================================

def _big_files():
    """bench/big_files.py: each kind's generated V1 file (and the sparse and pathological shapes)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("big_files", ROOT / "bench" / "big_files.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


BIG = _big_files()

#: a child that imports and warms up everything a run uses, then limits its address space to what it
#: uses plus HEADROOM bytes (RLIMIT_AS: every allocation past it fails with MemoryError)
MEMORY_LIMITED_CLI = """
import os, re, resource, sys, tempfile
from triton_docker_migrate import cli, pipeline, settings
from triton_docker_migrate.batch import pool, run, schedule
from triton_docker_migrate.report import json as _json, text as _text
with tempfile.TemporaryDirectory() as d:
    for name, data in (("Dockerfile", {v1!r}), ("compose.yaml", {compose!r})):
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
        pipeline.process_file(os.path.join(d, name), name, settings.Settings(), explicit=True)
size = int(re.search(r"VmSize:\\s+(\\d+) kB", open("/proc/self/status").read()).group(1)) * 1024
resource.setrlimit(resource.RLIMIT_AS, (size + {headroom}, size + {headroom}))
cli.main(sys.argv[1:])
"""
SMALL_COMPOSE = (b"services:\n  t:\n    image: nvcr.io/nvidia/tensorrtserver:20.02-py3\n"
                 b"    command: [\"trtserver\", \"--model-store=/m\"]\n")


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("kind", ["compose", "dockerfile", "shell"])
def test_a_file_out_of_memory_is_that_files_error(tmp_path, kind, jobs):
    """A file that does not fit in the memory the process may use (here 64 MiB above what the run
    needs to start) is that file's TDM001 error: the exception is caught at the file's boundary,
    what it held is released, and every other file is still migrated - in the process and in a
    worker of the pool (70 files make a pool of 2). It was a traceback that wrote nothing."""
    name, data = BIG.generate(kind, 3 * 1024 * 1024)
    files = {f"big/{name}": data, **{f"small{i:02d}/Dockerfile": _v1(str(i)) for i in range(70)}}
    _tree(tmp_path, files)
    code = MEMORY_LIMITED_CLI.format(v1=V1, compose=SMALL_COMPOSE, headroom=64 << 20)
    p = subprocess.run([sys.executable, "-c", code, "migrate", "--format", "json", "--jobs", jobs, "."],
                       cwd=tmp_path, capture_output=True, timeout=240,
                       env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "MALLOC_ARENA_MAX": "2"})
    err = _no_traceback(p)
    assert p.returncode == 2, err
    assert err.splitlines()[0] == f"big/{name}: error: out of memory while processing this file: not processed"
    entries = {e["path"]: e for e in _json(p)["files"]}
    assert entries[f"big/{name}"]["error"] == "out of memory while processing this file: not processed"
    assert (tmp_path / "big" / name).read_bytes() == data
    for i in range(70):
        assert (tmp_path / f"small{i:02d}/Dockerfile").read_bytes() == _v2(str(i))


RESERVE_PROBE = """
import re, resource
from triton_docker_migrate import reserve
held = {keep} and reserve.keep()
size = int(re.search(r"VmSize:\\s+(\\d+) kB", open("/proc/self/status").read()).group(1)) * 1024
resource.setrlimit(resource.RLIMIT_AS, (size + (64 << 20), size + (64 << 20)))
hog = []
try:
    while True:
        hog.append(bytearray(1 << 20))
except MemoryError:
    pass
try:
    room = bytearray(8 << 20)  # the limit is reached: this fits only in what the failure gave back
    print("room after the failure")
except MemoryError:
    print("no room after the failure")
room = None
hog = None
print("held", held, "held again", reserve.keep())
"""


@pytest.mark.parametrize("keep", [True, False])
def test_a_failed_allocation_gives_back_the_reserve(keep):
    """Under a limit, the first allocation that fails gives the reserve back (before its MemoryError
    is raised), so that the unwinding has room: CPython 3.11 otherwise can loop forever in an
    exception handler that needs one more object (a run under a limit that never ended, about one
    in fifteen). Without the reserve there is no room after the failure; once the memory is
    released, the reserve is held again."""
    p = subprocess.run([sys.executable, "-c", RESERVE_PROBE.format(keep=keep)], capture_output=True, timeout=120)
    assert p.returncode == 0, p.stderr.decode()
    if keep:
        assert p.stdout.decode().splitlines() == ["room after the failure", "held True held again True"]
    else:
        assert p.stdout.decode().splitlines()[0] == "no room after the failure"


def test_out_of_memory_outside_a_file_is_one_line(tmp_path):
    """Memory that runs out outside any one file (here: while the report is rendered, after every
    file was processed and before any was written) ends the run with one line and exit 2, files
    untouched, no traceback."""
    _tree(tmp_path, {"a/Dockerfile": V1})
    patch = ("from triton_docker_migrate.report import text\n"
             "def render(*a, **kw):\n    raise MemoryError\n"
             "text.render = render\n")
    p = _patched(patch, "migrate", ".", cwd=tmp_path)
    err = _no_traceback(p)
    assert p.returncode == 2, err
    assert err.splitlines() == ["triton-docker-migrate: error: out of memory; files already written are complete, "
                                "the others untouched"]
    assert (tmp_path / "a/Dockerfile").read_bytes() == V1


def test_python_larger_than_the_syntax_tree_limit_is_refused(tmp_path):
    """Python's ast needs about 160 bytes per byte of source (1.6 GB for 10 MiB): a Python file over
    2 MiB is refused like any file that cannot be processed (CONTRACT.md "Bad input"): one line, the
    TDM001 error, its V1 lines as TDM003, untouched; the other files are migrated."""
    from triton_docker_migrate.documents.python import MAX_CHARS

    name, data = BIG.generate("python-plain", MAX_CHARS + 4096)
    assert len(data) > MAX_CHARS
    _tree(tmp_path, {name: data, "a/Dockerfile": V1})
    p = run_cli("migrate", "--format", "json", ".", cwd=tmp_path)
    err = _no_traceback(p)
    assert p.returncode == 2, err
    message = "Python source larger than 2 MiB: not read (its syntax tree would not fit in memory); migrate it by hand"
    assert err.splitlines()[0] == f"{name}: error: {message}"
    report = _json(p)
    mine = [(f["rule"], f["line"]) for f in report["findings"] if f["path"] == name]
    assert mine == [("TDM001", None), ("TDM003", 3)]  # os.system("trtserver ...") on line 3
    assert (tmp_path / name).read_bytes() == data
    assert (tmp_path / "a/Dockerfile").read_bytes() == V2


def _generated(kind: str, size: int, root: pathlib.Path):
    """A call that processes ``kind``'s generated file of ``size`` bytes (written under ``root``)."""
    from triton_docker_migrate import kinds
    from triton_docker_migrate.pipeline import process_file
    from triton_docker_migrate.settings import Settings

    name, data = BIG.generate(kind, size)
    d = root / f"{kind}-{size}"
    _tree(d, {name: data, "Chart.yaml": b"apiVersion: v2\nname: c\nversion: 0.1.0\n"} if kind.startswith("helm")
          else {name: data})

    def run():
        kinds.forget_charts()
        cwd = os.getcwd()
        os.chdir(d)
        try:
            return process_file(name, name, Settings(), explicit=True)
        finally:
            os.chdir(cwd)

    return run


def test_services_and_pods_are_matched_through_their_labels(tmp_path, monkeypatch):
    """A rendered bundle of many applications (a Deployment and a Service each) beside one V1
    server: every Service's selector was tried against every pod (and every container) of the file,
    Service x pod, three times over - a 4 MiB bundle took 125 s, 1 MiB 9 s. Matched through an index
    of the label pairs (``selectors.py``), the label comparisons grow with the file. Counted, not
    timed: the comparisons made for 100 and for 400 applications."""
    from triton_docker_migrate import selectors

    made = [0]
    real = selectors._matches

    def counted(labels, pairs):
        made[0] += 1
        return real(labels, pairs)

    monkeypatch.setattr(selectors, "_matches", counted)

    def comparisons(n: int) -> int:
        made[0] = 0
        size = len(BIG.K8S_DOC.format(i=0)) + sum(len(BIG.OTHER_APP.format(i=i)) for i in range(n))
        assert _generated("kubernetes-bundle", size, tmp_path)().error is None
        return made[0]

    small, large = comparisons(100), comparisons(400)
    assert 0 < small and large <= 4.4 * small, (small, large)


@pytest.mark.parametrize("kind", sorted(BIG.KINDS))
def test_work_grows_linearly_with_the_file(tmp_path, kind):
    """Every kind, in its dense shape (a V1 construct repeated) and its sparse ones (one V1 server
    in a lot of ordinary text), and the attack's 20,000-FROM shape: four times the file makes at
    most 4.4 times the lines of the package's code run (a step that scans every span, stage or edit per
    finding made text 10 times the work; stages were quadratic; compose services each scanned every
    server of the run), and no one line of it runs more than 6 times as often (a quadratic step, 16 times,
    hides in the total while the rest of the work is larger at these sizes: a server line looked up by
    scanning every line of the file made a 4 MiB manifest take 5 times as long and passed the total).
    Counted, not timed: bench/big_files.py has the seconds and the memory. What is counted is Python
    lines (loops in comprehensions included): work done inside C (a slice copied per item, a regular
    expression run over the whole text per item) is not seen here, only in the benchmark's seconds."""
    _generated(kind, 4000, tmp_path)()  # imports and first-use caches (not counted: run untraced)
    r_small, small = lines_by_place(_generated(kind, 16_000, tmp_path))
    r_large, large = lines_by_place(_generated(kind, 64_000, tmp_path))
    assert r_small.error is None and r_large.error is None
    total_small, total_large = sum(small.values()), sum(large.values())
    assert 0 < total_small and total_large <= 4.4 * total_small, \
        f"{kind}: {total_small} lines run for 16 kB, {total_large} for 64 kB ({total_large / total_small:.2f}x)"
    # (a line that runs only past a size - a check made only on a large text - has no ratio to compare)
    worst = [(n / small[place], place, small[place], n) for place, n in large.items()
             if n >= 2000 and small.get(place, 0) >= 200]
    over = sorted(w for w in worst if w[0] > 6)
    assert not over, f"{kind}: lines run more than 6x as often for 4x the file: {over[-5:]}"


def _script_calls(n: int, root: pathlib.Path) -> int:
    """Lines of Python run while processing a script of ``n`` server lines, each given its options at run time
    (``trtserver ... $ARGS``) between assignments of ``ARGS`` that set the model-control mode."""
    from triton_docker_migrate.pipeline import process_file
    from triton_docker_migrate.settings import Settings

    d = root / f"script-{n}"
    assign = b'ARGS="--model-control-mode=none"\n'
    _tree(d, {"run.sh": b"#!/bin/sh\n" + assign + (b"trtserver --model-store=/m $ARGS\n" + assign) * n})
    cwd = os.getcwd()
    os.chdir(d)
    try:
        r, count = lines_run(lambda: process_file("run.sh", "run.sh", Settings(), explicit=True))
    finally:
        os.chdir(cwd)
    assert r.error is None, r.error
    held = [f for f in r.findings if "looks to hold --model-control-mode" in f.message]
    assert len(held) == n  # every line keeps its held mode (no default added)
    return count


def test_held_modes_are_read_once_per_file(tmp_path):
    """Each server line whose options come from an unquoted ``$ARGS`` looks at every place the file writes
    ``ARGS`` (does each set the model-control mode?): the places are read once per file and name, so four times
    the lines make at most 4.4 times the lines of Python run (each line reading them again made 6 times)."""
    _script_calls(10, tmp_path)  # imports and first-use caches
    small, large = _script_calls(50, tmp_path), _script_calls(200, tmp_path)
    assert large <= 4.4 * small, f"{small} lines run for 50 server lines, {large} for 200 ({large / small:.2f}x)"
