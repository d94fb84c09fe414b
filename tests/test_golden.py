"""Every fixture: exact output bytes and exact findings; plus the invariants every fixture must keep."""

from __future__ import annotations

import pytest

from conftest import FIXTURES
from golden import inputs, render_findings, run_fixture, settings_for
from triton_docker_migrate.model import Status
from triton_docker_migrate.runner import build_document
from triton_docker_migrate.rules.engine import check_document

CASES = inputs(FIXTURES)


@pytest.mark.parametrize("path", CASES, ids=[str(p.relative_to(FIXTURES)) for p in CASES])
def test_fixture(path, update_golden):
    res = run_fixture(path)
    assert res.status is not Status.FAILED, res.error
    out_file = path.with_name(path.name + ".out")
    findings_file = path.with_name(path.name + ".findings")
    got_findings = render_findings(res)
    if update_golden:
        if res.new != res.original:
            out_file.write_bytes(res.new)
        elif out_file.exists():
            out_file.unlink()
        if got_findings:
            findings_file.write_text(got_findings)
        elif findings_file.exists():
            findings_file.unlink()
    expected = out_file.read_bytes() if out_file.exists() else path.read_bytes()
    assert res.new == expected
    assert got_findings == (findings_file.read_text() if findings_file.exists() else "")


@pytest.mark.parametrize("path", CASES, ids=[str(p.relative_to(FIXTURES)) for p in CASES])
def test_fixture_invariants(path, tmp_path):
    res = run_fixture(path)
    # a second pass over the output changes nothing and finds nothing to fix
    again_path = tmp_path / path.name
    again_path.write_bytes(res.new)
    again = run_fixture(again_path, settings_for(path))
    assert again.new == res.new
    assert not [f for f in again.findings if f.fixed]
    # bytes outside the edited spans are unchanged
    text = res.original.decode("utf-8")
    doc = build_document(res.kind, str(path), text)
    findings, _ = check_document(doc, settings_for(path).target)
    spans = sorted(e.span for f in findings if f.fix for e in f.fix.edits)
    new = res.new.decode("utf-8")
    pos_old = pos_new = 0
    from triton_docker_migrate.writer import apply, choose_fixes

    edits = choose_fixes(findings)
    assert apply(text, edits) == new
    for e in sorted(edits, key=lambda e: e.span.start):
        keep = text[pos_old:e.span.start]
        assert new[pos_new:pos_new + len(keep)] == keep
        pos_new += len(keep) + len(e.content)
        pos_old = e.span.end
    assert new[pos_new:] == text[pos_old:]
    del spans
