"""Where the tool installs and with what: every runtime dependency has a wheel (or is pure Python) on
each platform Triton users run CI on, and the declared minimum versions really work - the batch,
bad-input, CLI and prefilter tests pass with every runtime dependency at its floor (uv's
``lowest-direct`` resolution) and without a C compiler (so without the optional extension), in a
virtual environment of their own. Both download from PyPI with pip/uv only."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib

import pytest
from packaging.version import Version

from conftest import ROOT

#: (pip --platform tags, what they stand for)
PLATFORMS = [
    (("manylinux2014_x86_64", "manylinux_2_17_x86_64"), "Linux x86_64 (glibc)"),
    (("manylinux2014_aarch64", "manylinux_2_17_aarch64"), "Linux aarch64 (Jetson, Grace, Graviton)"),
    (("musllinux_1_1_x86_64", "musllinux_1_2_x86_64"), "Alpine x86_64"),
    (("musllinux_1_1_aarch64", "musllinux_1_2_aarch64"), "Alpine aarch64"),
    (("macosx_10_9_x86_64", "macosx_12_0_x86_64"), "macOS x86_64"),
    (("macosx_11_0_arm64", "macosx_14_0_arm64"), "macOS arm64"),
    (("win_amd64",), "Windows x86_64"),
]
FLOOR_TESTS = ["tests/test_batch.py", "tests/test_bad_input.py", "tests/test_cli.py", "tests/test_textscan.py"]
#: the floor run is also the run without a C compiler: the optional extension is not built there
NO_COMPILER = {"CC": "/bin/false", "CXX": "/bin/false"}


def runtime_dependencies() -> list[str]:
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]["dependencies"]


def _normal(name: str) -> str:
    """A distribution name as PEP 503 compares them (``ruamel.yaml`` = ``ruamel-yaml``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def floors() -> dict[str, str]:
    """Each runtime dependency's declared minimum version (``name>=X`` -> X)."""
    out = {}
    for dep in runtime_dependencies():
        m = re.match(r"^([A-Za-z0-9_.-]+).*?>=\s*([0-9][^,;\s]*)", dep)
        assert m, f"{dep}: every runtime dependency declares its minimum version"
        out[_normal(m.group(1))] = m.group(2)
    return out


@pytest.mark.parametrize("tags,what", PLATFORMS, ids=[p[1] for p in PLATFORMS])
@pytest.mark.parametrize("python", ["3.11", "3.13"])
def test_runtime_dependencies_install_from_wheels(tags, what, python, tmp_path):
    args = [sys.executable, "-m", "pip", "download", "-q", "--only-binary=:all:", "--implementation", "cp",
            "--python-version", python, "-d", str(tmp_path)]
    for tag in tags:
        args += ["--platform", tag]
    p = subprocess.run(args + runtime_dependencies(), capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, f"{what}, Python {python}: {p.stderr[-2000:]}"
    assert list(tmp_path.glob("*.whl"))


@pytest.mark.skipif(os.environ.get("TDM_FLOOR_RUN") == "1", reason="this is the floor run itself")
def test_declared_floors_are_true(tmp_path):
    venv = tmp_path / "floor"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    py = str(venv / "bin" / "python")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(list(args), capture_output=True, text=True, timeout=900, cwd=ROOT)

    p = run(py, "-m", "pip", "install", "-q", "uv")
    assert p.returncode == 0, p.stderr[-2000:]
    uv = str(venv / "bin" / "uv")
    # installed as users install it (not editable: an editable install would find the extension a
    # build in this checkout left beside the sources)
    p = subprocess.run([uv, "pip", "install", "-q", "--python", py, "--resolution", "lowest-direct", str(ROOT)],
                       capture_output=True, text=True, timeout=900, cwd=ROOT, env={**os.environ, **NO_COMPILER})
    assert p.returncode == 0, p.stderr[-2000:]
    # the test runner and the test-only libraries these tests use, at whatever version is current
    p = run(uv, "pip", "install", "-q", "--python", py, "pytest", "hypothesis", "ruamel.yaml")
    assert p.returncode == 0, p.stderr[-2000:]
    p = run(uv, "pip", "freeze", "--python", py)
    installed = {_normal(line.split("==")[0]): line.split("==")[1]
                 for line in p.stdout.splitlines() if "==" in line}
    for name, floor in floors().items():
        assert name in installed and Version(installed[name]) == Version(floor), \
            f"{name} is {installed.get(name)} in the floor run, not {floor}"
    # PYTHONSAFEPATH: the tests import the installed package, not the checkout's sources
    env = dict(os.environ, TDM_FLOOR_RUN="1", PYTHONSAFEPATH="1", **NO_COMPILER)
    p = subprocess.run([py, "-m", "pytest", "-q", "-p", "no:cacheprovider", *FLOOR_TESTS], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=1200)
    assert p.returncode == 0, p.stdout[-4000:] + p.stderr[-2000:]
    where = subprocess.run([py, "-c", "import triton_docker_migrate.textscan as t; print(t.__file__, t.read_files)"],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=60).stdout
    assert "site-packages" in where and "read_files_py" in where, where


def test_floors_are_read_from_the_project():
    names = set(floors())
    assert {"pyyaml", "pathspec"} <= names
    assert "dockerfile" not in names  # BuildKit's parser is a test oracle only (wheels for few platforms)

