"""Mutation fuzz over the corpus with V1 content injected: truncated, bit-flipped, NUL-ridden,
invalid-UTF-8 and spliced files. Every run must end in success or a clean one-line error, never an
exception or an internal error, and each file on disk is either its old bytes or the complete new
bytes. Deterministic (seeded per file) and bounded."""

from __future__ import annotations

import json
import os
import pathlib
import random
import re
import shutil

from conftest import shared_dir
from strategies import (V1_STANZA, corpus_files, inject_compose, inject_k8s, newline_of, place, placed_name,
                        run_cli, run_inprocess)
from triton_docker_migrate.pipeline import process_file
from triton_docker_migrate.settings import Settings

MUTANTS_PER_FILE = int(os.environ.get("TDM_MUTANTS", "10"))  # more for a longer hunt
SHELL_V1 = b"docker run --rm nvcr.io/nvidia/tensorrtserver:20.02-py3 trtserver --model-store=/m --api-version=2\n"
MAKE_V1 = b"\nserve:\n\tdocker run --rm nvcr.io/nvidia/tensorrtserver:20.02-py3 trtserver --model-store=/m\n"


def _with_v1(src: pathlib.Path) -> bytes:
    data = src.read_bytes()
    nl = newline_of(data)
    lead = nl if data and not data.endswith(b"\n") else b""
    folder = src.parent.name
    if folder.startswith("buildkit-parser"):
        return data + lead + nl.join(x.encode() for x in V1_STANZA) + nl
    if folder == "shell":
        return data + lead + SHELL_V1
    if folder == "makefiles":
        return data + lead + MAKE_V1
    if folder == "awesome-compose":
        return inject_compose(data)[0]
    if folder == "k8s":
        if src.suffix == ".json":  # the first image of the manifest becomes the V1 server
            return re.sub(rb'("image"\s*:\s*)"[^"]*"', rb'\1"nvcr.io/nvidia/tensorrtserver:20.02-py3"', data, count=1)
        return inject_k8s(data)[0]
    raise AssertionError(folder)


def _mutate(data: bytes, rnd: random.Random) -> tuple[str, bytes]:
    op = rnd.choice(["truncate", "flip", "nul", "bad-utf8", "delete-range", "duplicate-range", "mixed"])
    b = bytearray(data)
    n = len(b)
    if op == "truncate":
        return op, bytes(b[:rnd.randrange(n + 1)])
    if op == "flip":
        for _ in range(rnd.randint(1, 8)):
            if b:
                b[rnd.randrange(len(b))] ^= 1 << rnd.randrange(8)
        return op, bytes(b)
    if op == "nul":
        for _ in range(rnd.randint(1, 3)):
            b.insert(rnd.randrange(len(b) + 1), 0)
        return op, bytes(b)
    if op == "bad-utf8":
        b[rnd.randrange(n + 1):rnd.randrange(n + 1)] = rnd.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xe2\x82"])
        return op, bytes(b)
    i, j = sorted((rnd.randrange(n + 1), rnd.randrange(n + 1)))
    if op == "delete-range":
        return op, bytes(b[:i] + b[j:])
    if op == "duplicate-range":
        return op, bytes(b[:j] + b[i:j] + b[j:])
    # mixed: a few of the above at once
    for _ in range(3):
        _, data = _mutate(data, rnd)
    return op, data


def _fuzz_folder(tmp_path: pathlib.Path, folders: tuple[str, ...]) -> None:
    shared = shared_dir()
    root = tmp_path / "tree"
    originals: dict[pathlib.Path, bytes] = {}
    for src in corpus_files(shared, *folders):
        base = _with_v1(src)
        for k in range(MUTANTS_PER_FILE):
            rnd = random.Random(f"{src.name}/{k}")
            op, data = _mutate(base, rnd)
            dest = place(src, root / f"{src.stem}-{k}-{op}", data)
            originals[dest] = data
    # the expected outcome of each file, from the runner alone (no writes)
    expect: dict[pathlib.Path, bytes] = {}
    scratch = tmp_path / "scratch"
    for dest, data in originals.items():
        copy = scratch / dest.relative_to(tmp_path)
        copy.parent.mkdir(parents=True, exist_ok=True)
        if (dest.parent / "Chart.yaml").exists():
            shutil.copy(dest.parent / "Chart.yaml", copy.parent / "Chart.yaml")
        copy.write_bytes(data)
        res = process_file(str(copy), copy.name, Settings())
        assert res.error is None or not res.error.startswith("internal error"), (dest, res.error)
        expect[dest] = res.new if res.new is not None and res.error is None else data
    code, report, err = run_inprocess(["tree"], tmp_path)
    assert code in (0, 2), err
    assert "Traceback" not in err
    errors = {f["path"]: f["error"] for f in report["files"] if f["error"]}
    assert (code == 2) == bool(errors)
    for path, message in errors.items():
        assert "\n" not in message and not message.startswith("internal error"), (path, message)
        assert re.search(rf"(?m)^{re.escape(path)}(?::\d+)?: error: {re.escape(message)}$", err), (path, err)
        assert any(f["rule"] == "TDM001" and f["path"] == path for f in report["findings"])
    for dest, data in originals.items():
        rel = dest.relative_to(tmp_path).as_posix()
        got = dest.read_bytes()
        assert got == (data if rel in errors else expect[dest]), rel
    assert not [p for p in root.rglob(".tdm-*")], "temporary files left behind"


def test_fuzz_dockerfiles(tmp_path):
    _fuzz_folder(tmp_path, ("buildkit-parser", "buildkit-parser-negative"))


def test_fuzz_shell_and_makefiles(tmp_path):
    _fuzz_folder(tmp_path, ("shell", "makefiles"))


def test_fuzz_compose(tmp_path):
    _fuzz_folder(tmp_path, ("awesome-compose",))


def test_fuzz_kubernetes(tmp_path):
    _fuzz_folder(tmp_path, ("k8s",))


def test_fuzz_through_the_cli(tmp_path):
    """One CLI run over a few mutants: exit 0 or 2, stderr lines are the contract's one-liners
    and the summary, stdout is the JSON report."""
    shared = shared_dir()
    for src in corpus_files(shared, "buildkit-parser")[:6] + corpus_files(shared, "shell")[:4]:
        for k in range(3):
            _, data = _mutate(_with_v1(src), random.Random(f"cli/{src.name}/{k}"))
            place(src, tmp_path / f"{src.stem}-{k}", data)
    p = run_cli("migrate", "--format", "json", ".", cwd=tmp_path)
    assert p.returncode in (0, 2)
    report = json.loads(p.stdout)
    lines = p.stderr.decode().splitlines()
    assert lines and re.match(r"^\d+ files? scanned, ", lines[-1])
    for line in lines[:-1]:
        assert re.match(r"^[^:\s][^:]*(?::\d+)?: (error|warning): \S", line), line
    assert len(lines) - 1 == sum(1 for f in report["files"] if f["error"])
    assert placed_name(src)  # the helper names every kind used above
