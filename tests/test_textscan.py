"""The batch run's fast path (textscan.py): the C version and the Python reference give the same
answer, file for file, and neither rules out a file that may hold what would be reported."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings, strategies as st

from triton_docker_migrate import evidence, textscan

C = textscan.read_files
PY = textscan.read_files_py


def compiler_works() -> bool:
    """The C compiler a build of this project would use (``$CC``, else Python's) compiles C here."""
    import shlex
    import subprocess
    import sysconfig
    import tempfile

    cc = shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc")
    with tempfile.TemporaryDirectory() as d:
        try:
            p = subprocess.run([*cc, "-x", "c", "-c", "-", "-o", os.path.join(d, "probe.o")], input=b"int x;\n",
                               capture_output=True, timeout=60)
        except OSError:
            return False
        return p.returncode == 0


def test_the_c_version_is_built_where_a_compiler_is():
    """Where a compiler works, pip builds the extension (a silent fallback would hide a broken
    build); where none does, the install goes on and the Python reference runs (CI checks both)."""
    built = C is not PY and type(C).__name__ == "builtin_function_or_method"
    assert built == compiler_works()


_PIECES = [b"tensorrtserver", b"trtserver", b"TENSORRT_SERVER", b"tensorrt-server", b"rt-server", b"erver",
           b"tritonserver:20.0", b"tritonserver:20.03", b"server", b"/api/", b"x", b" ", b"\n", b"\x00", b"\xff\xfe",
           b"#!", b"\xfe\xff", b"\x00\x00\xfe\xff", "é".encode(), b"TENSORRT_", b"rtserve", b"perf_client",
           b"perf_", b"--", b"-", b"--allow-poll-model", b"--allow-poll", b"--api-version", b"--tf-add-vgpu",
           b"--grpc-stream-infer", b"--allow-profiling", b"/api", b"api/"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_PIECES), max_size=8), min_size=1, max_size=6), st.booleans())
def test_c_and_python_agree_on_random_contents(tmp_path_factory, files, text):
    d = tmp_path_factory.mktemp("t")
    paths = []
    for i, pieces in enumerate(files):
        p = d / f"f{i}.md"
        p.write_bytes(b"".join(pieces))
        paths.append(str(p))
    assert C(paths, 64, text) == PY(paths, 64, text)
    hits, ruled_out = PY(paths, 64, text)
    kept = {i for i, _ in hits}
    for i, p in enumerate(paths):
        data = open(p, "rb").read()
        if text and any(lit in data for lit in evidence.TEXT_LITERALS):
            assert i in kept  # never ruled out when the text handler may report it
        if not text and (evidence.STRONG.search(data) or any(lit in data for lit in evidence.LITERALS)):
            assert i in kept  # never ruled out when it may hold V1 evidence
    assert ruled_out + len(hits) == len(paths)


def test_edges(tmp_path):
    n = 4096
    cases = {
        "empty.md": b"",
        "just-under.md": b"a" * (n - 1),
        "exactly.md": b"a" * n,  # a full first read: read again, whole, by the caller
        "big.md": b"a" * (3 * n) + b"tensorrtserver",
        "marker-at-end.md": b"a" * (n - 16) + b"TENSORRT_SERVER",  # n - 1 bytes
        "shebang.py": b"#!/bin/sh\necho hi\n",
        "bom.txt": "trtserver".encode("utf-16"),
        "v1.md": b"docker pull nvcr.io/nvidia/tensorrtserver:20.02-py3\n",
        "nothing.md": b"docker pull nvcr.io/nvidia/tritonserver:24.10-py3\n",
        "surrogate-\udcff.md": b"trtserver\n",
    }
    paths = []
    for name, data in cases.items():
        p = os.path.join(os.fsencode(tmp_path), os.fsencode(name))
        with open(p, "wb") as f:
            f.write(data)
        paths.append(os.fsdecode(p))
    paths.append(str(tmp_path / "missing.md"))
    os.mkdir(tmp_path / "dir.md")
    paths.append(str(tmp_path / "dir.md"))
    got = C(paths, n, True)
    assert got == PY(paths, n, True)
    names = list(cases) + ["missing.md", "dir.md"]
    hits = {names[i]: data for i, data in got[0]}
    assert hits == {
        "exactly.md": None, "big.md": None, "missing.md": None, "dir.md": None,
        "marker-at-end.md": cases["marker-at-end.md"], "shebang.py": cases["shebang.py"],
        "bom.txt": cases["bom.txt"], "v1.md": cases["v1.md"], "surrogate-\udcff.md": b"trtserver\n",
    }
    assert got[1] == 3  # empty, just-under, nothing
    # any V1 evidence, not only what the text handler reports; a shebang alone is nothing
    got = C(paths, n, False)
    assert got == PY(paths, n, False)
    hits = {names[i]: data for i, data in got[0]}
    assert set(hits) == {"exactly.md", "big.md", "missing.md", "dir.md", "marker-at-end.md", "bom.txt", "v1.md",
                         "surrogate-\udcff.md"}


@pytest.mark.skipif(C is PY, reason="the checks of the C extension's arguments (not built here: no compiler)")
def test_bad_arguments_are_refused():
    with pytest.raises(TypeError):
        C(("a",), 10, True)
    with pytest.raises(ValueError):
        C([], 0, True)
    with pytest.raises(TypeError):
        C([3], 10, False)
