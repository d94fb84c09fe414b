"""Command lines held in variables (fixtures/variables/): the words the tool reads for a variable are
the words the real expander gives the server.

Each fixture, before and after the migration, is run the way its carrier runs it - ``bash``/``sh``
for scripts, ``make`` for Makefiles, ``/bin/sh -c`` with the ``ENV`` of the ``dockerfile`` oracle's
parse for Dockerfiles, compose's ``$$`` escape and ``environment:`` for compose, the kubelet's
``$(NAME)`` substitution and ``env`` for Kubernetes - with the server binary replaced by a stub that
records its argv. The argv the tool reads from the same file (what the argv rules migrated, and what
tests/test_e2e_server.py starts the real server with) must be exactly what the stub received.
"""

from __future__ import annotations

import os
import pathlib
import re
import shlex
import subprocess

import dockerfile
import pytest
import yaml

from conftest import FIXTURES
from golden import inputs, run_fixture
from test_e2e_server import argv_of, editable_lines
from triton_docker_migrate.pipeline import build_document

VARS = FIXTURES / "variables"
CASES = [p for p in inputs(VARS)]
#: fixtures whose lines still expand a variable the tool did not read (it is reported instead)
UNREAD = {"used-twice.sh"}

STUB = """#!/bin/sh
{ printf '%s\\0' "${0##*/}" "$@"; printf '\\1'; } >> "$ARGV_OUT"
"""


@pytest.fixture(scope="module")
def stub_dir(tmp_path_factory) -> pathlib.Path:
    d = tmp_path_factory.mktemp("stub")
    for name in ("trtserver", "tritonserver"):
        (d / name).write_text(STUB)
        (d / name).chmod(0o755)
    return d


def _recorded(out: pathlib.Path) -> list[list[str]]:
    if not out.exists():
        return []
    records = out.read_bytes().split(b"\x01")[:-1]
    return [[x.decode() for x in r.split(b"\0")[:-1]] for r in records]


def _run(argv: list[str], env: dict[str, str], stub_dir: pathlib.Path, cwd: pathlib.Path) -> list[list[str]]:
    out = cwd / "argv.out"
    out.unlink(missing_ok=True)
    full = {"PATH": f"{stub_dir}:{os.environ['PATH']}", "ARGV_OUT": str(out), **env}
    subprocess.run(argv, env=full, cwd=cwd, check=True, timeout=60, capture_output=True, stdin=subprocess.DEVNULL)
    return _recorded(out)


def _dockerfile(text: str, stub_dir, cwd) -> list[list[str]]:
    env: dict[str, str] = {}
    args: dict[str, str] = {}
    got: list[list[str]] = []
    for c in dockerfile.parse_string(text):
        if c.cmd in ("ENV", "ARG"):
            pairs = list(zip(c.value[::2], c.value[1::2])) if c.cmd == "ENV" else \
                [tuple(v.split("=", 1)) for v in c.value if "=" in v]
            for k, v in pairs:
                # BuildKit removes the quotes of the value (the legacy ``ENV NAME a b`` keeps its blanks)
                (env if c.cmd == "ENV" else args)[k] = " ".join(shlex.split(v))
        elif c.cmd in ("CMD", "ENTRYPOINT", "RUN"):
            run_env = {**args, **env} if c.cmd == "RUN" else dict(env)
            argv = list(c.value) if c.json else ["/bin/sh", "-c", c.value[0]]
            got += _run(argv, run_env, stub_dir, cwd)
    return got


def _compose(text: str, stub_dir, cwd) -> list[list[str]]:
    got: list[list[str]] = []
    for svc in yaml.safe_load(text)["services"].values():
        env = svc.get("environment") or {}
        if isinstance(env, list):
            env = dict(item.split("=", 1) for item in env)
        cmd = svc["command"]
        argv = shlex.split(cmd.replace("$$", "$")) if isinstance(cmd, str) else [x.replace("$$", "$") for x in cmd]
        got += _run(argv, {k: str(v) for k, v in env.items()}, stub_dir, cwd)
    return got


def _kubelet(value: str, env: dict[str, str]) -> str:
    """The kubelet's expansion of ``command``/``args``: ``$(NAME)`` of a defined variable is its
    value, ``$$`` is ``$``."""
    return re.sub(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)",
                  lambda m: "$" if m.group(0) == "$$" else env.get(m.group(1), m.group(0)), value)


def _kubernetes(text: str, stub_dir, cwd) -> list[list[str]]:
    got: list[list[str]] = []
    for obj in yaml.safe_load_all(text):
        spec = obj["spec"].get("template", {}).get("spec", obj["spec"])
        for c in spec["containers"]:
            env = {e["name"]: str(e["value"]) for e in c.get("env", []) if "value" in e}
            argv = [_kubelet(x, env) for x in c.get("command", []) + c.get("args", [])]
            got += _run(argv, env, stub_dir, cwd)
    return got


def expanded(path: pathlib.Path, text: str, stub_dir, cwd) -> list[list[str]]:
    """The argv of each server start, as the carrier's own expander produces it."""
    name = path.name
    f = cwd / name
    f.write_text(text)
    if name.endswith(".sh"):
        shell = "bash" if text.startswith("#!/bin/bash") else "sh"
        return _run([shell, str(f)], {}, stub_dir, cwd)
    if name == "Makefile" or name.endswith(".mk"):
        return _run(["make", "-s", "-f", str(f), "serve"], {}, stub_dir, cwd)
    if name.endswith("Dockerfile"):
        return _dockerfile(text, stub_dir, cwd)
    if name.startswith("compose"):
        return _compose(text, stub_dir, cwd)
    return _kubernetes(text, stub_dir, cwd)


def read_back(path: pathlib.Path, text: str) -> list[list[str]]:
    doc = build_document(run_fixture(path).kind, str(path), text)
    # a value the file itself gives (``--model-store=$MODELS``) as the shell gives it
    return [[doc.resolve(w) for w in argv_of(cl)] for cl in editable_lines(doc)]


def _names(argvs: list[list[str]]) -> list[list[str]]:
    return sorted([os.path.basename(a[0]), *a[1:]] for a in argvs)


@pytest.mark.parametrize("path", CASES, ids=[p.name for p in CASES])
@pytest.mark.parametrize("side", ["v1", "migrated"])
def test_the_words_read_are_the_words_expanded(path, side, stub_dir, tmp_path):
    text = path.read_text()
    if side == "migrated":
        out = path.with_name(path.name + ".out")
        assert out.exists(), f"{path.name} is not migrated"
        text = out.read_text()
    got = expanded(path, text, stub_dir, tmp_path)
    assert got, "the carrier never started the server"
    if path.name in UNREAD:
        return
    assert _names(read_back(path, text)) == _names(got)


def test_unread_variables_are_reported():
    """Where the tool does not read a variable (two lines expand it), each line gets a warning."""
    for name in UNREAD:
        findings = (VARS / (name + ".findings")).read_text().splitlines()
        lines = {int(x.split(":")[0]) for x in findings if " TDM316 warning " in x}
        doc = build_document(run_fixture(VARS / name).kind, str(VARS / name), (VARS / name).read_text())
        assert lines == {doc.position(cl.binary.start)[0] for cl in doc.command_lines()}


def test_every_carrier_has_a_case():
    names = {p.name for p in CASES}
    assert any(n.endswith(".sh") for n in names) and "Makefile" in names
    assert any(n.endswith("Dockerfile") for n in names)
    assert any(n.startswith("compose") for n in names) and any(n.startswith("k8s") for n in names)
