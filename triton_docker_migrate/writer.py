"""Apply the edits of accepted fixes to the ORIGINAL text. Never re-serialises anything."""

from __future__ import annotations

from .model import Edit, Finding


class OverlapError(ValueError):
    pass


def choose_fixes(findings: list[Finding]) -> list[Edit]:
    """Accept fixes in order; a fix that overlaps an accepted one is left out (its finding stays
    unfixed, or is dropped when the text it points at is deleted anyway). Sets ``Finding.fixed``."""
    accepted: list[Edit] = []
    keep: list[Finding] = []
    for f in findings:
        if f.fix is None:
            keep.append(f)
            continue
        new = [e for e in f.fix.edits if e not in accepted]
        if any(e.span.overlaps(a.span) or (e.span == a.span and e.span.start == e.span.end and e != a)
               for e in new for a in accepted):
            if f.span is not None and any(a.content == "" and a.span.contains(f.span) for a in accepted):
                f.fixed = True  # what it points at is deleted by another fix
                keep.append(f)
                continue
            f.fixed = False
            keep.append(f)
            continue
        accepted.extend(new)
        f.fixed = True
        keep.append(f)
    findings[:] = keep
    return accepted


def apply(text: str, edits: list[Edit]) -> str:
    """``text`` with ``edits`` applied; edits must not overlap (insertions at one point keep order)."""
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
