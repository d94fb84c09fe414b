"""Bad input and hostile trees, through the CLI (CONTRACT.md, "Bad input"): a file with V1 evidence
that cannot be processed safely gets one stderr line ``path[:line]: error: message``, its
``files[].error`` and a TDM001 finding, stays untouched, and the run goes on (exit 2); a file
without V1 evidence is skipped silently, even when broken."""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys
import time

import pytest

from strategies import run_cli

V1 = b'FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\nCMD ["trtserver", "--model-store=/models"]\n'
V2 = (b'FROM nvcr.io/nvidia/tritonserver:24.10-py3\nCMD ["tritonserver", "--model-repository=/models", '
      b'"--model-control-mode=poll", "--disable-auto-complete-config"]\n')
V1_TEXT = V1.decode()
ERROR_LINE = re.compile(r"^(?P<path>[^:\s][^:]*?)(?::(?P<line>\d+))?: error: (?P<msg>.+)$")


def _tree(root: pathlib.Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)


def _check_run(root: pathlib.Path, bad: dict[str, tuple[int | None, str]], *args: str,
               prefix: tuple[str, ...] = (), good: tuple[str, ...] = ("good/Dockerfile",)) -> dict:
    """Run the CLI over ``root``: exactly the ``bad`` files fail, each with its one error line
    (line, message prefix); the ``good`` files are migrated all the same."""
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and not p.is_symlink()}
    p = run_cli("migrate", "--format", "json", *args, ".", cwd=root, prefix=prefix)
    err = p.stderr.decode()
    assert "Traceback" not in err and "internal error" not in err, err
    assert p.returncode == (2 if bad else 0), err
    report = json.loads(p.stdout)
    errors = {}
    for line in err.splitlines()[:-1]:
        m = ERROR_LINE.match(line)
        if m:
            errors[m["path"]] = (int(m["line"]) if m["line"] else None, m["msg"])
    assert sorted(errors) == sorted(bad), err
    for path, (line, msg) in bad.items():
        assert errors[path][0] == line, (path, errors[path])
        assert errors[path][1].startswith(msg), (path, errors[path])
        entry = next(f for f in report["files"] if f["path"] == path)
        assert entry["error"] == errors[path][1] and entry["changed"] is False
        tdm001 = [f for f in report["findings"] if f["path"] == path and f["rule"] == "TDM001"]
        assert len(tdm001) == 1 and tdm001[0]["message"] == entry["error"] and tdm001[0]["line"] == line
        if (root / path).is_file():
            assert (root / path).read_bytes() == before[root / path], path  # untouched
    for g in good:
        assert (root / g).read_bytes() == V2, g
    assert re.match(r"^\d+ files? scanned, ", err.splitlines()[-1])
    return report


# --- one bad file beside a good one ----------------------------------------------------------

UTF16 = V1_TEXT.encode("utf-16")  # with its byte-order mark
BAD_FILES = {
    "parse-error": ("Dockerfile", b"FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\nENV PATH\nCMD trtserver\n",
                    2, "Dockerfile parse error: ENV needs a name and a value"),
    "json-not-strings": ("Dockerfile", b"FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\nCMD [\"trtserver\", 1]\n",
                         2, "Dockerfile parse error: a JSON array of something other than strings"),
    "invalid-utf8": ("Dockerfile", b"FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\nRUN echo \xff\nCMD trtserver\n",
                     2, "invalid UTF-8 (byte 54)"),
    "utf16-le": ("Dockerfile", UTF16, None, "UTF-16/UTF-32 text is not supported: convert the file to UTF-8"),
    "utf16-be": ("Dockerfile", b"\xfe\xff" + V1_TEXT.encode("utf-16-be"), None, "UTF-16/UTF-32 text is not supported"),
    "utf32": ("Dockerfile", V1_TEXT.encode("utf-32"), None, "UTF-16/UTF-32 text is not supported"),
    "utf16-shell": ("run.sh", "#!/bin/sh\ntrtserver --model-store=/m\n".encode("utf-16"), None,
                    "UTF-16/UTF-32 text is not supported"),
    "binary-named-dockerfile": ("Dockerfile", b"\x7fELF\x02\x01\x01\0\0\0\0\0nvcr.io/nvidia/tensorrtserver:20.02-py3"
                                b"\0trtserver\0", None, "not a text file (NUL bytes)"),
    "over-10-mib": ("Dockerfile", V1 + b"# " + b"x" * (10 * 1024 * 1024) + b"\n", None,
                    "larger than 10 MiB: not processed"),
    "unterminated-quote-in-server-line": ("Dockerfile", b"FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\n"
                                          b"CMD trtserver --model-store=\"/m\n", 2,
                                          "CMD: cannot read the shell command"),
    "server-in-command-substitution": ("Dockerfile", b"FROM nvcr.io/nvidia/tensorrtserver:20.02-py3\n"
                                       b"RUN echo $(trtserver --model-store=/m)\n", 2,
                                       "the V1 server runs inside $(...) or backquotes"),
    "deep-shell-nesting": ("run.sh", b"#!/bin/sh\necho " + b"$(" * 5000 + b"trtserver --model-store=/m" + b")" * 5000
                           + b"\n", 2, "commands nested more than"),
    "deep-yaml-nesting": ("compose.yaml", b"services:\n  t:\n    image: nvcr.io/nvidia/tensorrtserver:20.02-py3\n"
                          b"    labels: " + b"[" * 20000 + b"]" * 20000 + b"\n", None, "YAML nesting too deep"),
    "yaml-parse-error": ("compose.yaml", b"services:\n  t:\n    image: nvcr.io/nvidia/tensorrtserver:20.02-py3\n"
                         b"    command: [trtserver, --model-store=/m\n", 5, "YAML parse error: "),
    # V1 client code (an import of the V1 library) in a program Python 3 cannot read: an error, not skipped
    "python2-v1-client": ("client.py", b"from tensorrtserver.api import InferContext\nprint \"hello\"\n", 2,
                          "cannot read the Python file"),
    "yaml-duplicate-key": ("compose.yaml", b"services:\n  t:\n    image: nvcr.io/nvidia/tensorrtserver:20.02-py3\n"
                           b"    image: nvcr.io/nvidia/tensorrtserver:20.03-py3\n", 4, "duplicate key 'image'"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_beside_a_good_one(case, tmp_path):
    name, data, line, msg = BAD_FILES[case]
    _tree(tmp_path, {f"bad/{name}": data, "good/Dockerfile": V1})
    t0 = time.monotonic()
    _check_run(tmp_path, {f"bad/{name}": (line, msg)})
    assert time.monotonic() - t0 < 60


def test_yaml_alias_bomb_bounded(tmp_path):
    lines = ["x-a0: &a0 [" + ", ".join(["trtserver"] * 9) + "]"]
    lines += [f"x-a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 40)]
    lines += ["services:", "  t:", "    image: nvcr.io/nvidia/tensorrtserver:20.02-py3", "    labels: *a39"]
    _tree(tmp_path, {"bad/compose.yaml": ("\n".join(lines) + "\n").encode(), "good/Dockerfile": V1})
    t0 = time.monotonic()
    _check_run(tmp_path, {"bad/compose.yaml": (44, "YAML aliases expand to more than")})
    assert time.monotonic() - t0 < 30


def test_named_file_without_evidence_that_is_binary_or_huge(tmp_path):
    """Named on the command line, a file is always processed: binary, UTF-16 and huge files are
    errors even without V1 evidence; an ordinary one is listed unchanged."""
    _tree(tmp_path, {"bin.dat": b"\0\1\2", "u16.txt": "hello".encode("utf-16"),
                     "big.txt": b"y" * (10 * 1024 * 1024 + 1), "plain.txt": b"hello\n"})
    p = run_cli("migrate", "--format", "json", "bin.dat", "u16.txt", "big.txt", "plain.txt", cwd=tmp_path)
    assert p.returncode == 2
    files = {f["path"]: f["error"] for f in json.loads(p.stdout)["files"]}
    assert files == {"bin.dat": "not a text file (NUL bytes)",
                     "u16.txt": "UTF-16/UTF-32 text is not supported: convert the file to UTF-8 and run again",
                     "big.txt": "larger than 10 MiB: not processed", "plain.txt": None}


# --- no evidence: skipped silently -------------------------------------------------------------


def test_broken_files_without_evidence_are_skipped_silently(tmp_path):
    _tree(tmp_path, {
        "a/Dockerfile": b"FROM alpine\nENV PATH\nCMD [\"x\", 1]\n",
        "b/Dockerfile": b"FROM alpine\nRUN echo \xff\xfe\n",
        "c/Dockerfile": "FROM alpine\nCMD echo hi\n".encode("utf-16"),
        "d/Dockerfile": b"\x7fELF\0\0\0\0binary",
        "e/Dockerfile": b"# " + b"z" * (10 * 1024 * 1024 + 5) + b"\n",
        "f/compose.yaml": b"services:\n  t: [unclosed\n",
        "g/run.sh": b"#!/bin/sh\necho \"unterminated\n",
        "h/Dockerfile": b"",
        "i/app.py": b"import os\nprint \"no V1 client here: /api/status\"\n",
        "good/Dockerfile": V1,
    })
    p = run_cli("migrate", "--format", "json", ".", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    assert [f["path"] for f in report["files"]] == ["good/Dockerfile"]
    assert len(p.stderr.decode().splitlines()) == 1  # the summary line only
    assert (tmp_path / "good/Dockerfile").read_bytes() == V2


# --- permissions (real ones: as root, without the capabilities that bypass them) --------------

def _no_dac() -> tuple[str, ...]:
    """Run the CLI so that file permissions apply: as root, drop the capabilities that override
    them (CI runs as root); as anyone else they apply anyway."""
    if os.geteuid() == 0:
        return ("setpriv", "--bounding-set=-dac_override,-dac_read_search")
    return ()


@pytest.fixture
def restore_modes():
    changed: list[pathlib.Path] = []
    yield changed
    for p in changed:
        os.chmod(p, 0o755)


def test_permission_denied_on_read(tmp_path, restore_modes):
    _tree(tmp_path, {"a/Dockerfile": V1, "b/notes.txt": b"trtserver --model-store=/m\n",
                     "c/Dockerfile": V1, "good/Dockerfile": V1})
    for p in ("a/Dockerfile", "b/notes.txt"):
        os.chmod(tmp_path / p, 0)
        restore_modes.append(tmp_path / p)
    os.chmod(tmp_path / "c", 0)
    restore_modes.append(tmp_path / "c")
    report = _check_run(tmp_path, {"a/Dockerfile": (None, "cannot read: Permission denied")}, prefix=_no_dac())
    # the unreadable text file is no one's by name: its evidence is unknown, it is skipped
    assert "b/notes.txt" not in {f["path"] for f in report["files"]}


def test_unreadable_folder_is_a_warning(tmp_path, restore_modes):
    _tree(tmp_path, {"c/Dockerfile": V1, "good/Dockerfile": V1})
    os.chmod(tmp_path / "c", 0)
    restore_modes.append(tmp_path / "c")
    p = run_cli("migrate", ".", cwd=tmp_path, prefix=_no_dac())
    assert p.returncode == 0
    assert p.stderr.decode().splitlines()[0] == "c: warning: cannot list directory: Permission denied"
    assert (tmp_path / "good/Dockerfile").read_bytes() == V2


def test_unwritable_folder_and_read_only_file(tmp_path, restore_modes):
    _tree(tmp_path, {"ro-dir/Dockerfile": V1, "ro-file/Dockerfile": V1, "good/Dockerfile": V1})
    os.chmod(tmp_path / "ro-dir", 0o555)
    restore_modes.append(tmp_path / "ro-dir")
    os.chmod(tmp_path / "ro-file/Dockerfile", 0o444)
    _check_run(tmp_path, {"ro-dir/Dockerfile": (None, "cannot write: Permission denied"),
                          "ro-file/Dockerfile": (None, "cannot write: the file is read-only")}, prefix=_no_dac())
    assert sorted(os.listdir(tmp_path / "ro-dir")) == ["Dockerfile"]
    assert oct(os.stat(tmp_path / "ro-file/Dockerfile").st_mode & 0o777) == oct(0o444)


# --- odd tree entries ----------------------------------------------------------------------------


def test_directory_named_dockerfile(tmp_path):
    """A folder named like a Dockerfile is a folder: walked, never an error; named explicitly, it
    is walked too."""
    _tree(tmp_path, {"Dockerfile/Dockerfile": V1, "Dockerfile.d/compose.yaml": b"services: {}\n",
                     "good/Dockerfile": V1})
    _check_run(tmp_path, {}, good=("good/Dockerfile", "Dockerfile/Dockerfile"))
    (tmp_path / "Dockerfile/Dockerfile").write_bytes(V1)
    p = run_cli("migrate", "Dockerfile", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "Dockerfile/Dockerfile").read_bytes() == V2


def test_symlinks(tmp_path):
    outside = tmp_path / "outside"
    _tree(tmp_path, {"outside/Dockerfile": V1, "tree/real/Dockerfile": V1, "tree/good/Dockerfile": V1})
    tree = tmp_path / "tree"
    (tree / "out").mkdir()
    os.symlink(outside / "Dockerfile", tree / "out/Dockerfile")  # a file out of the tree
    os.symlink(outside, tree / "outdir")  # a folder out of the tree
    os.symlink(tree, tree / "real/loop")  # a loop
    (tree / "link").mkdir()
    os.symlink("../real/Dockerfile", tree / "link/Dockerfile")  # inside: handled once, via its target
    p = run_cli("migrate", "--format", "json", ".", cwd=tree, timeout=60)
    assert p.returncode == 0, p.stderr
    err = p.stderr.decode().splitlines()
    assert sorted(err[:-1]) == ["out/Dockerfile: warning: symlink leaves the tree; not followed",
                                "outdir: warning: symlink leaves the tree; not followed"]
    assert (outside / "Dockerfile").read_bytes() == V1  # never written through
    assert [f["path"] for f in json.loads(p.stdout)["files"]] == ["good/Dockerfile", "real/Dockerfile"]
    assert (tree / "real/Dockerfile").read_bytes() == V2
    assert os.readlink(tree / "link/Dockerfile") == "../real/Dockerfile"
    assert os.readlink(tree / "out/Dockerfile") == str(outside / "Dockerfile")


# --- failures the tool causes itself -------------------------------------------------------------

PATCHED_CLI = """
import sys
{patch}
from triton_docker_migrate.cli import main
main(sys.argv[1:])
"""


def _run_patched(patch: str, cwd: pathlib.Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", PATCHED_CLI.format(patch=patch), "migrate", "--format", "json",
                           "."], cwd=cwd, capture_output=True, timeout=120)


def test_file_changed_between_read_and_write(tmp_path):
    """Someone edits the file while the run works on it: the write is refused and reported."""
    _tree(tmp_path, {"busy/Dockerfile": V1, "good/Dockerfile": V1})
    patch = """
from triton_docker_migrate import pipeline as runner
_real = runner.process_file
def process_file(path, *a, **kw):
    res = _real(path, *a, **kw)
    if path.endswith("busy/Dockerfile"):
        with open(path, "ab") as f:
            f.write(b"# edited meanwhile\\n")
    return res
runner.process_file = process_file
"""
    p = _run_patched(patch, tmp_path)
    err = p.stderr.decode()
    assert p.returncode == 2, err
    assert err.splitlines()[0] == "busy/Dockerfile: error: the file changed during the run; not written"
    assert (tmp_path / "busy/Dockerfile").read_bytes() == V1 + b"# edited meanwhile\n"
    assert (tmp_path / "good/Dockerfile").read_bytes() == V2
    files = {f["path"]: f["error"] for f in json.loads(p.stdout)["files"]}
    assert files == {"busy/Dockerfile": "the file changed during the run; not written", "good/Dockerfile": None}
    assert not list(tmp_path.rglob(".tdm-*"))


def test_internal_bug_is_caught_at_the_file_boundary(tmp_path):
    """A rule that raises: that file fails with its name and a hint to report it, exit 2, the
    other files are still migrated, no traceback."""
    _tree(tmp_path, {"boom/Dockerfile": V1.replace(b"/models", b"/boom"), "good/Dockerfile": V1,
                     "good2/Dockerfile": V1})
    patch = """
from triton_docker_migrate.rules import images
_real = images.check_region
def check(region, *args, **kwargs):
    if "/boom" in region.text:
        raise RuntimeError("rule exploded")
    return _real(region, *args, **kwargs)
images.check_region = check
"""
    p = _run_patched(patch, tmp_path)
    err = p.stderr.decode()
    assert p.returncode == 2, err
    assert "Traceback" not in err
    line = err.splitlines()[0]
    assert line.startswith("boom/Dockerfile: error: internal error (RuntimeError: rule exploded at ")
    assert line.endswith("please report this with the file")
    assert (tmp_path / "boom/Dockerfile").read_bytes() == V1.replace(b"/models", b"/boom")
    assert (tmp_path / "good/Dockerfile").read_bytes() == V2 == (tmp_path / "good2/Dockerfile").read_bytes()
    report = json.loads(p.stdout)
    assert [f["rule"] for f in report["findings"] if f["path"] == "boom/Dockerfile"] == ["TDM001"]


def test_write_failure_midway_keeps_the_file(tmp_path):
    """The disk fills up while the new bytes are written: the old file stays, no temporary is
    left, the error names the file, the other files are still written."""
    _tree(tmp_path, {"full/Dockerfile": V1, "good/Dockerfile": V1})
    patch = """
import os
from triton_docker_migrate import atomic
_real = os.fsync
def fsync(fd):
    if os.readlink(f"/proc/self/fd/{fd}").startswith(os.path.abspath("full") + "/.tdm-"):
        raise OSError(28, "No space left on device")
    return _real(fd)
atomic.os.fsync = fsync
"""
    p = _run_patched(patch, tmp_path)
    err = p.stderr.decode()
    assert p.returncode == 2, err
    assert err.splitlines()[0] == "full/Dockerfile: error: cannot write: No space left on device"
    assert (tmp_path / "full/Dockerfile").read_bytes() == V1
    assert (tmp_path / "good/Dockerfile").read_bytes() == V2
    assert sorted(os.listdir(tmp_path / "full")) == ["Dockerfile"]
