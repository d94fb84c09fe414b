"""writer.choose_fixes / apply: overlaps refused, duplicates merged, large inputs stay fast."""

from __future__ import annotations

import time

import pytest

from triton_docker_migrate.model import Edit, Finding, Fix, Severity, Span
from triton_docker_migrate.writer import OverlapError, apply, choose_fixes


def finding(*edits: Edit, span: Span | None = None) -> Finding:
    return Finding("TDM201", span or edits[0].span, "m", Severity.INFO, Fix.of("t", *edits))


def test_overlapping_fix_is_left_out_and_unfixed():
    a = finding(Edit.replace(0, 5, "x"))
    b = finding(Edit.replace(3, 8, "y"))
    edits = choose_fixes([a, b])
    assert edits == [Edit.replace(0, 5, "x")]
    assert a.fixed and not b.fixed


def test_identical_edits_from_two_findings_are_applied_once():
    a = finding(Edit.replace(0, 3, "abc"))
    b = finding(Edit.replace(0, 3, "abc"), Edit.insert(10, "!"))
    assert choose_fixes([a, b]) == [Edit.replace(0, 3, "abc"), Edit.insert(10, "!")]
    assert a.fixed and b.fixed


def test_finding_inside_a_deleted_span_counts_as_fixed():
    a = finding(Edit.delete(10, 30))
    b = finding(Edit.replace(12, 15, "zzz"), span=Span(12, 15))
    choose_fixes([a, b])
    assert b.fixed


@pytest.mark.parametrize("other", [Edit.insert(15, "x"), Edit.replace(29, 31, "q")], ids=["insert-inside", "tail"])
def test_edit_overlapping_a_deletion_conflicts(other):
    a = finding(Edit.delete(10, 30))
    b = finding(other, span=Span(40, 41))
    choose_fixes([a, b])
    assert not b.fixed


def test_touching_edits_and_insertions_at_boundaries_are_compatible():
    fs = [finding(Edit.delete(5, 10)), finding(Edit.insert(10, "a")), finding(Edit.replace(10, 12, "b"))]
    edits = choose_fixes(fs)
    assert all(f.fixed for f in fs)
    assert apply("0123456789ABCDEF", edits) == "01234abCDEF"


def test_insertions_at_one_point_keep_the_order_of_their_findings():
    """Two options added after the same word (a command line's poll mode, then its strict config)."""
    a, b = finding(Edit.insert(3, "x")), finding(Edit.insert(3, "y"))
    edits = choose_fixes([a, b])
    assert a.fixed and b.fixed
    assert apply("abcdef", edits) == "abcxydef"
    assert apply("abcdef", choose_fixes([b, a])) == "abcyxdef"


def test_apply_refuses_overlaps():
    with pytest.raises(OverlapError):
        apply("abcdef", [Edit.replace(0, 3, "x"), Edit.replace(2, 4, "y")])


def test_many_fixes_stay_fast():
    fs = [finding(Edit.replace(i * 10, i * 10 + 3, "abc")) for i in range(20000)]
    t = time.process_time()
    edits = choose_fixes(fs)
    assert len(edits) == 20000
    # quadratic checking took tens of seconds here; the bound is loose for slow machines
    assert time.process_time() - t < 10
