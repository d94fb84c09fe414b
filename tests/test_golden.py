"""Every fixture: exact output bytes and exact findings; plus the invariants every fixture must keep."""

from __future__ import annotations

import shutil

import pytest

from conftest import FIXTURES
from golden import chart_of, inputs, migrated_chart, render_findings, run_fixture, settings_for
from triton_docker_migrate.clientadapter import text as adapter_text
from triton_docker_migrate.model import Status
from triton_docker_migrate.pipeline import build_document

CASES = inputs(FIXTURES)


@pytest.mark.parametrize("path", CASES, ids=[str(p.relative_to(FIXTURES)) for p in CASES])
def test_fixture(path, update_golden):
    res = run_fixture(path)
    assert res.status is not Status.FAILED, res.error
    # the only file a fix creates is the client adapter (--unsafe-fixes), as this version writes it
    assert all(data == adapter_text().encode() for _, _, data in res.creates)
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
    # a second pass over the output changes nothing and finds nothing to fix (a file of a Helm chart:
    # over the whole migrated chart, which is migrated as one unit)
    chart = chart_of(path)
    if chart is not None:
        again_path = migrated_chart(chart, tmp_path) / path.relative_to(chart)
    else:
        again_path = tmp_path / path.name
        again_path.write_bytes(res.new)
        # (beside what the run wrote: the client adapter it created, or the file in the adapter's place)
        for _, display, data in res.creates:
            (tmp_path / display.rpartition("/")[2]).write_bytes(data)
        if (path.parent / "triton_v1_compat.py").exists():
            shutil.copy(path.parent / "triton_v1_compat.py", tmp_path)
    again = run_fixture(again_path, settings_for(path))
    assert again.new == res.new
    assert not [f for f in again.findings if f.fixed]
    # the reported, applied edits explain every change: splicing them into the input (here, not
    # with the writer) gives the output, so every character outside their spans is the input's
    text, new = res.original.decode("utf-8"), res.new.decode("utf-8")
    # (insertions at one point in the order the findings were made, as the writer applies them)
    edits = sorted(dict.fromkeys(e for f in res.findings if f.fixed and f.fix for e in f.fix.edits),
                   key=lambda e: (e.span.start, e.span.end))
    rebuilt, pos = [], 0
    for e in edits:
        if e.span.start < pos:
            continue  # an edit inside a deletion of another finding (counted fixed, not applied)
        rebuilt += [text[pos:e.span.start], e.content]
        pos = e.span.end
    rebuilt.append(text[pos:])
    assert "".join(rebuilt) == new
    # and no finding claims a fix for a kind that only reports
    doc = build_document(res.kind, str(path), text)
    if getattr(doc, "fixes", True) is False:
        assert res.new == res.original
