"""Apply the edits of accepted fixes to the ORIGINAL text. Never re-serialises anything."""

from __future__ import annotations

import bisect

from .model import Edit, Finding


class OverlapError(ValueError):
    pass


class _Accepted:
    """Accepted edits, pairwise non-overlapping, sorted by start: a new edit can only overlap the
    last few that start before its end, so each check is a bisect and a short scan. The spans are
    kept in blocks of bounded length (an edit accepted anywhere moves one block's entries, not all
    of them: the fixes of a large file are accepted in the rules' order, not the text's)."""

    _BLOCK = 512

    def __init__(self) -> None:
        self.blocks: list[list[tuple[int, int, int]]] = []  # (start, end, index into edits), in order
        self.firsts: list[tuple[int, int, int]] = []  # the first span of each block
        self.edits: list[Edit] = []
        self.keys: set[Edit] = set()

    def _back(self, offset: int):
        """The spans that start at or before ``offset``, last first."""
        key = (offset, 1 << 62, 1 << 62)
        b = bisect.bisect_right(self.firsts, key) - 1
        if b < 0:
            return
        block = self.blocks[b]
        yield from reversed(block[:bisect.bisect_right(block, key)])
        for b in range(b - 1, -1, -1):
            yield from reversed(self.blocks[b])

    def conflicts(self, e: Edit) -> bool:
        if e in self.keys:
            return False
        for start, end, i in self._back(e.span.end):
            a = self.edits[i]
            if e.span.overlaps(a.span):
                return True
            if end < e.span.start or (end == e.span.start and start < end):
                return False
        return False

    def add(self, e: Edit) -> None:
        if e in self.keys:
            return
        self.keys.add(e)
        self.edits.append(e)
        item = (e.span.start, e.span.end, len(self.edits) - 1)
        if not self.blocks:
            self.blocks.append([item])
            self.firsts.append(item)
            return
        b = max(0, bisect.bisect_right(self.firsts, item) - 1)
        block = self.blocks[b]
        bisect.insort(block, item)
        self.firsts[b] = block[0]
        if len(block) > 2 * self._BLOCK:
            self.blocks[b:b + 1] = [block[:self._BLOCK], block[self._BLOCK:]]
            self.firsts[b:b + 1] = [block[0], block[self._BLOCK]]

    def deletes(self, span) -> bool:
        """Is ``span`` inside an accepted deletion?"""
        for start, end, i in self._back(span.start):
            if self.edits[i].content == "" and start <= span.start and span.end <= end:
                return True
            if end < span.start:
                return False
        return False


def choose_fixes(findings: list[Finding], unsafe: bool = False) -> list[Edit]:
    """Accept fixes in order; a fix that overlaps an accepted one is left out (its finding stays
    unfixed, or counts as fixed when the text it points at is deleted anyway). Unsafe fixes only with
    ``unsafe`` (``--unsafe-fixes``); a fix shared by a group of findings only when every finding of the
    group is there (none suppressed or left out). Sets ``Finding.fixed``."""
    acc = _Accepted()
    present: dict[str, int] = {}
    for f in findings:
        if f.fix is not None and f.fix.group:
            present[f.fix.group] = present.get(f.fix.group, 0) + 1
    for f in findings:
        if f.fix is None:
            continue
        if f.fix.unsafe and not unsafe:
            continue
        if f.fix.group and present[f.fix.group] < f.fix.group_size:
            continue
        if any(acc.conflicts(e) for e in f.fix.edits):
            f.fixed = f.span is not None and acc.deletes(f.span)
            continue
        for e in f.fix.edits:
            acc.add(e)
        f.fixed = True
    return acc.edits


def applied_creates(findings: list[Finding]):
    """The files the applied fixes create, once each."""
    out = {}
    for f in findings:
        if f.fixed and f.fix is not None:
            for c in f.fix.creates:
                out.setdefault(c.path, c)
    return list(out.values())


def apply(text: str, edits: list[Edit]) -> str:
    """``text`` with ``edits`` applied; edits must not overlap. Insertions at one point keep the order
    in which they were accepted (the rules' order: a command line's new options in the order added)."""
    ordered = sorted(enumerate(edits), key=lambda p: (p[1].span.start, p[1].span.end, p[0]))
    out: list[str] = []
    pos = 0
    for _, e in ordered:
        if e.span.start < pos:
            raise OverlapError(f"overlapping edits at offset {e.span.start}")
        out.append(text[pos : e.span.start])
        out.append(e.content)
        pos = e.span.end
    out.append(text[pos:])
    return "".join(out)
