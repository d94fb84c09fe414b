"""The ecosystem's own checkers judge every migrated Dockerfile fixture:

- BuildKit's parser (PyPI ``dockerfile``, the Go parser behind ``docker build``) reads the output
  with the same instructions, in the same order, as the input;
- hadolint reports no rule on the output that it did not report on the input (rule codes compared per
  instruction, not per line: the migration may join or drop continuation lines);

and the CLI's ``--diff`` / ``--check`` modes never write.
"""

from __future__ import annotations

import collections
import json
import os
import pathlib
import shutil
import subprocess
import sys

import dockerfile
import pytest

from conftest import FIXTURES
from golden import inputs
from triton_docker_migrate.kinds import kind_by_name

CASES = [p for p in inputs(FIXTURES) if kind_by_name(p.name) == "dockerfile"]
IDS = [str(p.relative_to(FIXTURES)) for p in CASES]


def output_of(path: pathlib.Path) -> bytes:
    out = path.with_name(path.name + ".out")
    return (out if out.exists() else path).read_bytes()


def parse(data: bytes) -> list:
    text = data.decode("utf-8")
    return dockerfile.parse_string(text[1:] if text.startswith("\ufeff") else text)


def test_fixture_set_covers_both_folders():
    folders = {p.relative_to(FIXTURES).parts[0] for p in CASES}
    assert {"dockerfile", "traps"} <= folders
    assert sum(1 for p in CASES if p.with_name(p.name + ".out").exists()) >= 20


@pytest.mark.parametrize("path", CASES, ids=IDS)
def test_buildkit_reads_the_same_instructions(path):
    before = parse(path.read_bytes())
    after = parse(output_of(path))
    assert [c.cmd.upper() for c in after] == [c.cmd.upper() for c in before]
    # flags (--from, --interval, ...) are never added or lost
    assert [tuple(f.split("=")[0] for f in c.flags) for c in after] == \
        [tuple(f.split("=")[0] for f in c.flags) for c in before]
    assert [bool(c.json) for c in after] == [bool(c.json) for c in before]


# --- hadolint ------------------------------------------------------------------------------------


def _hadolint(files: list[pathlib.Path], cwd: pathlib.Path) -> list[dict]:
    exe = shutil.which("hadolint") or str(pathlib.Path(sys.executable).with_name("hadolint"))
    config = cwd / "hadolint.yaml"
    config.write_text("{}\n")  # no user or project configuration may hide or add rules
    p = subprocess.run([exe, "--config", str(config), "--no-fail", "-f", "json", *map(str, files)],
                       cwd=cwd, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout or "[]")


@pytest.fixture(scope="module")
def hadolint_reports(tmp_path_factory):
    """hadolint over every input and output in one run: {(fixture, "in"|"out"): [(instruction, rule)]}."""
    work = tmp_path_factory.mktemp("hadolint")
    files: dict[pathlib.Path, tuple[pathlib.Path, str]] = {}
    for k, path in enumerate(CASES):
        for side, data in (("in", path.read_bytes()), ("out", output_of(path))):
            f = work / f"{k:03d}-{side}.Dockerfile"
            f.write_bytes(data)
            files[f] = (path, side)
    by_file: dict[str, list[dict]] = collections.defaultdict(list)
    for item in _hadolint(list(files), work):
        by_file[pathlib.Path(item["file"]).name].append(item)
    out = {}
    for f, (path, side) in files.items():
        instructions = parse(f.read_bytes())
        rules = []
        for item in by_file.get(f.name, []):
            line = item["line"]
            idx = next((i for i, c in enumerate(instructions) if c.start_line <= line <= c.end_line), None)
            rules.append((idx, item["code"]))
        out[(path, side)] = sorted(rules, key=lambda r: (-1 if r[0] is None else r[0], r[1]))
    return out


@pytest.mark.parametrize("path", CASES, ids=IDS)
def test_hadolint_reports_nothing_new(path, hadolint_reports):
    before = collections.Counter(hadolint_reports[(path, "in")])
    after = collections.Counter(hadolint_reports[(path, "out")])
    assert after - before == collections.Counter()


def test_hadolint_is_really_running(tmp_path):
    """The oracle has teeth: hadolint flags what a broken migration could produce."""
    bad = tmp_path / "Dockerfile"
    bad.write_text('FROM nvcr.io/nvidia/tritonserver:24.10-py3\nCMD tritonserver --model-repository=/models\n'
                   'HEALTHCHECK CMD curl -f http://localhost:8000/v2/health/ready\nMAINTAINER x\n')
    codes = {i["code"] for i in _hadolint([bad], tmp_path)}
    assert {"DL3025", "DL4000"} <= codes


# --- --diff and --check never write -------------------------------------------------------------


def _cli(*args: str, cwd: pathlib.Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "TDM_CONFIG"}
    return subprocess.run([sys.executable, "-m", "triton_docker_migrate", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)


def _snapshot(root: pathlib.Path) -> dict[str, tuple[bytes, int, int]]:
    return {str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns, p.stat().st_mode)
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def copies(tmp_path):
    """Every Dockerfile fixture input, in a fresh folder, with an old mtime."""
    root = tmp_path / "tree"
    for path in CASES:
        dest = root / path.relative_to(FIXTURES)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest)
        os.utime(dest, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    return root


@pytest.mark.parametrize("mode", [["--diff"], ["--check"], ["--diff", "--check"]], ids=lambda m: " ".join(m))
def test_diff_and_check_never_write(mode, copies):
    changing = [p for p in CASES if output_of(p) != p.read_bytes()]
    assert changing
    before = _snapshot(copies)
    p = _cli("migrate", *mode, "--format", "json", ".", cwd=copies)
    assert p.returncode == 1, p.stderr  # some file would change, none could not be processed
    assert _snapshot(copies) == before  # bytes, mtime and mode; no temp file left beside them
    report = json.loads(p.stdout)
    would_change = {f["path"] for f in report["files"] if f["changed"]}
    assert would_change == {str(c.relative_to(FIXTURES)) for c in changing}
    if "--diff" in mode:
        assert all(f.get("diff") for f in report["files"] if f["changed"])


@pytest.mark.parametrize("mode", [["--diff"], ["--check"]], ids=lambda m: " ".join(m))
def test_diff_and_check_on_one_named_file(mode, copies):
    target = copies / "dockerfile" / "e2e-all-removed-options.Dockerfile"
    before = _snapshot(copies)
    p = _cli("migrate", *mode, str(target.relative_to(copies)), cwd=copies)
    assert p.returncode == 1, p.stderr
    assert _snapshot(copies) == before
    if mode == ["--diff"]:
        expected = (FIXTURES / "dockerfile" / "e2e-all-removed-options.Dockerfile.out").read_text()
        added = [line[1:] for line in p.stdout.splitlines() if line.startswith("+") and not line.startswith("+++")]
        assert added and all(a in expected.splitlines() for a in added)


def test_in_place_writes_exactly_the_golden_output(copies):
    """The counter-check: without --diff/--check the same run writes, and writes the golden bytes."""
    p = _cli("migrate", ".", cwd=copies)
    assert p.returncode == 0, p.stderr
    for path in CASES:
        if path.with_name(path.name + ".args").exists():
            continue  # another target than the default: its .out is for that target
        assert (copies / path.relative_to(FIXTURES)).read_bytes() == output_of(path), path.name
