"""The span lookups that keep a run linear answer as a scan of every span would."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from triton_docker_migrate.intervals import TakenSpans
from triton_docker_migrate.model import Span

spans = st.builds(lambda a, n: Span(a, a + n), st.integers(0, 60), st.integers(0, 12))


def _meets(taken: list[Span], span: Span) -> bool:
    return any(t == span or t.overlaps(span) or t.contains(span) or span.contains(t) and t.start != t.end
               for t in taken)


@given(st.lists(st.tuples(st.booleans(), spans), max_size=40))
def test_taken_spans_meet_as_a_scan_of_them_all(steps):
    """Spans added and asked in any order (empty ones, equal starts, one inside another)."""
    taken, index = [], TakenSpans()
    for add, span in steps:
        if add:
            taken.append(span)
            index.add(span)
        else:
            assert index.meets(span) == _meets(taken, span)
