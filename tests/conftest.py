import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SHARED = ROOT.parent / "shared"


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite the .out/.findings files of the golden fixtures from the current output")


@pytest.fixture
def update_golden(request):
    return request.config.getoption("--update-golden")


def shared_dir() -> pathlib.Path:
    """../shared beside the checkout. CI sets TDM_REQUIRE_SHARED=1: then a missing shared/ fails."""
    if not SHARED.is_dir():
        if os.environ.get("TDM_REQUIRE_SHARED") == "1" or os.environ.get("CI") == "true":
            pytest.fail(f"{SHARED} is missing: CI must run with ../shared beside the clone")
        pytest.skip("../shared is not beside this checkout")
    return SHARED


def cli(capsys, *args: str) -> tuple[int, str, str]:
    """Run the CLI in-process: exit code, stdout, stderr."""
    from triton_docker_migrate.cli import main

    capsys.readouterr()
    with pytest.raises(SystemExit) as e:
        main(list(args))
    out, err = capsys.readouterr()
    return e.value.code, out, err


def migrated_copy(tmp_path_factory, src: pathlib.Path, name: str) -> pathlib.Path:
    """A copy of the tree ``src`` after a whole run in it (``migrate .``, as a user runs it)."""
    import shutil
    import subprocess
    import sys

    work = tmp_path_factory.mktemp(name) / "tree"
    shutil.copytree(src, work)
    p = subprocess.run([sys.executable, "-m", "triton_docker_migrate", "migrate", "."], cwd=work,
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return work


def same_shape(a, b, lists, key: str = "", _shared=None) -> list[str]:
    """Differences of shape between two loaded YAML/JSON documents: mapping keys, value types, list
    lengths - except under the keys in ``lists`` (the lists an edit may shorten or lengthen:
    command words, ports), wherever such a list is written (an anchor under another key that one of
    these keys aliases is the same list)."""
    if _shared is None:
        _shared = {id(v) for d in _dicts(a) for k, v in d.items() if k in lists and isinstance(v, list)}
    if type(a) is not type(b):
        return [f"{key}: {type(a).__name__} -> {type(b).__name__}"]
    if isinstance(a, dict):
        if list(a) != list(b):
            return [f"{key}: keys {list(a)} -> {list(b)}"]
        return [d for k in a for d in same_shape(a[k], b[k], lists, str(k), _shared)]
    if isinstance(a, list):
        if key in lists or id(a) in _shared:
            return []
        if len(a) != len(b):
            return [f"{key}: length {len(a)} -> {len(b)}"]
        return [d for x, y in zip(a, b) for d in same_shape(x, y, lists, key, _shared)]
    return []


def _dicts(node, seen=None):
    seen = set() if seen is None else seen
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from _dicts(v, seen)
    elif isinstance(node, list):
        for v in node:
            yield from _dicts(v, seen)


def migrate_text(doc_class, name: str, text: str) -> str:
    """``text`` migrated for 24.10 through ``doc_class`` directly: the result keeps its structure and
    a second pass wants no edit."""
    from triton_docker_migrate.release import Release
    from triton_docker_migrate.rules.engine import check_document
    from triton_docker_migrate.writer import apply, choose_fixes

    doc = doc_class(name, text)
    findings, _ = check_document(doc, Release("24.10"))
    new = apply(text, choose_fixes(findings))
    again = doc_class(name, new)
    assert doc.same_structure(again) is None
    more, _ = check_document(again, Release("24.10"))
    assert [f.rule for f in more if f.fix is not None] == []
    return new


@pytest.fixture(scope="session")
def action_runner(tmp_path_factory):
    """action.yml checked out as a runner would and its install step run once (pip installs this
    checkout into the action's own virtual environment): tests/actionrunner.py."""
    from actionrunner import installed

    return installed(tmp_path_factory.mktemp("action"))


@pytest.fixture(autouse=True)
def _no_forced_colour(monkeypatch):
    """Reports are compared byte for byte: a FORCE_COLOR of the shell that runs the suite would
    colour the piped text report (tests that want colour set it themselves)."""
    monkeypatch.delenv("FORCE_COLOR", raising=False)
