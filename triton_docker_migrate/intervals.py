"""Spans looked up by position in logarithmic time (a file may hold hundreds of thousands of them:
one scan of every span per finding would make a run quadratic in the file's size).

:class:`Intervals` keeps half-open spans ``[start, end)`` in the order they were given (the order is
the priority where spans overlap) and answers which of them hold a position or a span; the work per
question is logarithmic plus the number of spans that hold it. :class:`OffsetMap` maps offsets of an
edited text back to the text before the edits."""

from __future__ import annotations

import bisect
from typing import Generic, Iterable, Sequence, TypeVar

T = TypeVar("T")


class Intervals(Generic[T]):
    """Spans ``(start, end, payload)``, asked which of them hold an offset or a span."""

    def __init__(self, items: Iterable[tuple[int, int, T]]) -> None:
        self.items: list[tuple[int, int, T]] = list(items)
        order = sorted(range(len(self.items)), key=lambda i: self.items[i][0])
        self._order = order  #: indices into items, by start
        self._starts = [self.items[i][0] for i in order]
        size = 1
        while size < len(order):
            size *= 2
        self._size = size
        tree = [-1] * (2 * size)  #: the largest end below each node of a segment tree over _order
        for k, i in enumerate(order):
            tree[size + k] = self.items[i][1]
        for k in range(size - 1, 0, -1):
            tree[k] = max(tree[2 * k], tree[2 * k + 1])
        self._tree = tree

    def __len__(self) -> int:
        return len(self.items)

    def holding(self, start: int, end: int) -> list[int]:
        """Indices (into ``items``, ascending) of the spans with ``span.start <= start`` and
        ``end <= span.end``."""
        k = bisect.bisect_right(self._starts, start)  # candidates: sorted positions 0 .. k-1
        if k == 0:
            return []
        out: list[int] = []
        tree, size = self._tree, self._size
        stack = [(1, 0, size)]
        while stack:
            node, lo, hi = stack.pop()
            if lo >= k or tree[node] < end:
                continue
            if node >= size:
                out.append(self._order[lo])
                continue
            mid = (lo + hi) // 2
            stack.append((2 * node + 1, mid, hi))
            stack.append((2 * node, lo, mid))
        out.sort()
        return out

    def first_holding(self, start: int, end: int) -> tuple[int, int, T] | None:
        """The first span given (lowest index) that holds ``[start, end)``."""
        found = self.holding(start, end)
        return self.items[found[0]] if found else None

    def covers(self, offset: int) -> bool:
        """Whether a span holds ``offset`` (``span.start <= offset < span.end``)."""
        k = bisect.bisect_right(self._starts, offset)
        if k == 0:
            return False
        # the largest end among the spans that start at or before offset (prefix maximum)
        tree, size = self._tree, self._size
        lo, hi, best = size, size + k, -1
        while lo < hi:  # bottom-up range maximum over leaves [0, k)
            if lo & 1:
                best = max(best, tree[lo])
                lo += 1
            if hi & 1:
                hi -= 1
                best = max(best, tree[hi])
            lo //= 2
            hi //= 2
        return best > offset


class SpansByStart:
    """Spans sorted by where they start: whether one lies within ``[start, end]`` is found by
    bisection (the spans that start there), not by a scan of them all."""

    def __init__(self, spans: Iterable) -> None:
        self._spans = sorted(spans, key=lambda s: (s.start, s.end))
        self._starts = [s.start for s in self._spans]

    def within(self, start: int, end: int) -> list:
        """The spans with ``start <= span.start`` and ``span.end <= end``, by start."""
        lo, hi = bisect.bisect_left(self._starts, start), bisect.bisect_right(self._starts, end)
        return [s for s in self._spans[lo:hi] if s.end <= end]

    def any_within(self, start: int, end: int) -> bool:
        lo, hi = bisect.bisect_left(self._starts, start), bisect.bisect_right(self._starts, end)
        return any(self._spans[k].end <= end for k in range(lo, hi))


class TakenSpans:
    """Spans added one by one, asked whether a span meets one of them (equal, overlapping, or one
    inside the other): only the spans that start within the longest one's length before it are
    looked at, not every span taken so far."""

    def __init__(self, spans: Iterable = ()) -> None:
        self._starts: list[int] = []
        self._spans: list = []
        self._longest = 0
        for s in spans:
            self.add(s)

    def add(self, span) -> None:
        k = bisect.bisect_right(self._starts, span.start)
        self._starts.insert(k, span.start)
        self._spans.insert(k, span)
        self._longest = max(self._longest, span.end - span.start)

    def meets(self, span) -> bool:
        lo = bisect.bisect_left(self._starts, span.start - self._longest)
        hi = bisect.bisect_right(self._starts, span.end)
        for t in self._spans[lo:hi]:
            if t == span or t.overlaps(span) or t.contains(span) or span.contains(t) and t.start != t.end:
                return True
        return False


def covers_any(spans: Sequence[tuple[int, int]]) -> Intervals[None]:
    """An :class:`Intervals` of plain ``(start, end)`` pairs."""
    return Intervals((a, b, None) for a, b in spans)


class OffsetMap:
    """Offsets of the text that ``edits`` produced, mapped back to the text they were made on (an
    offset inside an edit's new text maps to where the edit stood)."""

    def __init__(self, edits: Iterable) -> None:
        self._edits = sorted(edits, key=lambda e: (e.span.start, e.span.end))
        self._new_starts: list[int] = []
        self._new_ends: list[int] = []
        self._deltas: list[int] = []  #: the shift after each edit (new offset - old offset)
        delta = 0
        for e in self._edits:
            start = e.span.start + delta
            self._new_starts.append(start)
            self._new_ends.append(start + len(e.content))
            delta += len(e.content) - (e.span.end - e.span.start)
            self._deltas.append(delta)

    def back(self, offset: int) -> int:
        # applied edits do not overlap: their new texts follow each other, so only the last edit
        # that starts at or before the offset can hold it
        k = bisect.bisect_right(self._new_starts, offset) - 1
        if k < 0:
            return offset
        if offset < self._new_ends[k]:
            return self._edits[k].span.start
        return offset - self._deltas[k]


class Disjoint:
    """Spans merged into disjoint ones, asked whether a span overlaps any of them (``a.start < end and start <
    a.end``) by bisection, not by a scan of them all."""

    def __init__(self, spans: Iterable) -> None:
        merged: list[list[int]] = []
        for a, b in sorted((s.start, s.end) for s in spans):
            if merged and a < merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        self._starts = [a for a, _ in merged]
        self._ends = [b for _, b in merged]

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect.bisect_left(self._starts, end)  # the spans that start before ``end``; the last ends latest
        return i > 0 and self._ends[i - 1] > start
