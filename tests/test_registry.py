"""The registry is the single source of rules: ids, fixtures, docs and CLI all agree with it."""

from __future__ import annotations

import re
import subprocess
import sys

from conftest import FIXTURES, ROOT
from triton_docker_migrate.rules.docs import pages
from triton_docker_migrate.rules.registry import REGISTRY, all_rules

# rules that only fire through other file kinds or the tool itself, and where their tests live
NO_DOCKERFILE_FIXTURE = {
    "TDM001": "tests/test_bad_input.py",
    "TDM002": "tests/test_suppress.py",
    "TDM603": "fixtures/text",
    # run-level findings: whole trees (fixtures/trees/*)
    "TDM604": "tests/test_run_level.py",
    "TDM709": "tests/test_run_level.py",
    "TDM806": "tests/test_run_level.py",
    # the follow-through of a run: a route or URL in another file than its server's
    "TDM408": "fixtures/trees/health-across-files, tests/test_follow_through.py",
}


def test_ids_unique_and_well_formed():
    rules = all_rules()
    ids = [r.id for r in rules]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"TDM\d{3}", i) for i in ids)
    assert len({r.name for r in rules}) == len(rules)


def test_every_rule_has_a_fixture_that_produces_it():
    findings_text = "".join(p.read_text() for p in [*FIXTURES.rglob("*.findings"), *FIXTURES.glob("trees/*.expected")])
    missing = [r.id for r in all_rules() if f" {r.id} " not in findings_text and r.id not in NO_DOCKERFILE_FIXTURE]
    assert missing == []


def test_docs_are_generated_and_fresh():
    root = ROOT / "docs" / "rules"
    for name, text in pages().items():
        assert (root / name).read_text(encoding="utf-8") == text, f"docs/rules/{name} is stale: run python -m triton_docker_migrate.rules.docs"
    for r in all_rules():
        assert r.id in pages()["README.md"]


def test_rules_and_explain_commands_read_the_registry():
    out = subprocess.run([sys.executable, "-m", "triton_docker_migrate", "rules"], capture_output=True, text=True, check=True).stdout
    assert [line.split()[0] for line in out.splitlines()] == sorted(REGISTRY)
    ex = subprocess.run([sys.executable, "-m", "triton_docker_migrate", "explain", "TDM310"], capture_output=True, text=True, check=True).stdout
    assert ex.startswith("TDM310 (model-control-default)")
    assert REGISTRY["TDM310"].doc in ex
    bad = subprocess.run([sys.executable, "-m", "triton_docker_migrate", "explain", "TDM999"], capture_output=True, text=True)
    assert bad.returncode == 2 and "unknown rule" in bad.stderr
