"""Run every registered check over one document, in order: the command lines first (they teach
the later checks which health port went away), then commands, text regions, follow-through and
the kind-specific sites. Then what the document says of its own spans: text it reads but cannot
edit (a folded YAML script, a here-document's data) keeps its findings without fixes, and values
shared through YAML anchors name who shares them."""

from __future__ import annotations

from ..documents.base import Document
from ..documents.sites import is_foreign
from ..intervals import Intervals, covers_any
from ..model import Finding, Severity, Span
from ..release import Release
from .context import Context
from .registry import CHECKS, REGISTRY, load
from .tables import REMOVED_OPTIONS


def check_document(doc: Document, target: Release, keep_v1: bool = True,
                   adapter=None, links=None) -> tuple[list[Finding], Context]:
    """``keep_v1``: leave the blocks marked keep-v1 alone (every run but a --retire-v1 one, which reads
    them in full). ``adapter``: a callable giving the client adapter's place for this file (the run's
    ``--client-adapter`` and what is on disk); None where no adapter may be written. ``links``: what the
    other files of the run say about the servers this document reaches (``rules/follow.py``; None: the
    document is checked alone)."""
    load()
    ctx = Context(doc, target, adapter=adapter, links=links)
    findings: list[Finding] = ctx.found
    for chk in CHECKS:
        findings.extend(chk.func(doc, ctx))
    refused: list[Finding] = []
    out = _dedupe(_adjust(doc, _own(_dedupe(findings)), refused))
    _hold_refused_lines(doc, ctx, refused)
    if keep_v1:
        from .sidebyside import leave_kept

        out = leave_kept(doc, out)
    return out, ctx


def _own(findings: list[Finding]) -> list[Finding]:
    """The findings of this document: a server command line held in part by another file (a Helm
    template and the values list it expands) carries copies of that file's words at foreign offsets;
    what the checks made of those belongs to the other file, which makes it again for itself. A
    finding placed on a foreign word whose edits are this file's (an option added at the end of the
    part this file holds) moves to its first edit."""
    out = []
    for f in findings:
        if f.fix is not None:
            own = [e for e in f.fix.edits if not is_foreign(e.span)]
            if not own:
                continue
            if len(own) != len(f.fix.edits):
                f.fix = None
                if f.severity is Severity.INFO:
                    f.severity = Severity.WARNING
                f.message += " (the change spans two files: make it by hand)"
            if f.span is not None and is_foreign(f.span):
                f.span = Span(own[0].span.start, own[0].span.end)
        elif f.span is not None and is_foreign(f.span):
            continue
        out.append(f)
    return out


def _adjust(doc: Document, findings: list[Finding], refused: list[Finding]) -> list[Finding]:
    """``refused``: filled with the findings whose fix the document cannot write."""
    report_only = Intervals(doc.report_only())
    advisory = covers_any(doc.advisory())
    unapplied: list[Finding] = []
    for f in findings:
        f.message = doc.shown(f.message)
        if f.span is None:
            continue
        if f.fix is not None and not all(doc.can_write(e) for e in f.fix.edits):
            refused.append(f)
            # e.g. a word of a Helm template that holds an action would be rewritten whole
            f.message += doc.unwritable_for([e for e in f.fix.edits if not doc.can_write(e)])
            if doc.unwritable_shown:
                unapplied.append(f)
            else:
                f.fix = None
            if f.severity is Severity.INFO:
                f.severity = Severity.WARNING
            continue
        if advisory.covers(f.span.start):
            # documentation prose: history, not a deployment; reported as TDM003 info, outside the
            # gate (CONTRACT.md, "Documentation prose"), with what the specific rule would say
            unapplied.append(f)
            f.message = f"V1 named in documentation prose (history, outside the gate; {f.rule}: {f.message})"
            f.origin, f.rule, f.severity, f.advisory = f.rule, "TDM003", Severity.INFO, True
            continue
        held = report_only.first_holding(f.span.start, f.span.end)
        if held is not None:
            unapplied.append(f)
            if f.severity is Severity.INFO:
                f.severity = Severity.WARNING
            f.message += held[2]
        note = doc.note(f.span)
        if note:
            f.message += note
    _as_suggestions(doc.text, unapplied)
    return findings


#: the rules whose fix removes an option that V2 refuses to start with: a server line that keeps one is no V2 line
_REFUSED_BY_V2 = frozenset({o.id for o in REMOVED_OPTIONS} | {"TDM311", "TDM312"})


def _hold_refused_lines(doc: Document, ctx: Context, refused: list[Finding]) -> None:
    """A server command line where the document refuses the fix that removes an option V2 refuses (code the
    tool cannot take out whole) is held on V1 whole (``held.hold_line``) - its other fixes too, the binary's
    among them, and the image it runs on where this file names it - with a warning on each: a V2 line that keeps
    a V1-only option does not start, a V1 line still does (on a V1 image)."""
    from .held import hold_line

    stuck = {id(f): f for f in refused if f.rule in _REFUSED_BY_V2}
    if not stuck:
        return
    for cl, res in ctx.server_lines():
        why = next((f for f in res.findings if id(f) in stuck), None)
        if why is None or cl.report_only:
            continue
        line = doc.position(why.span.start)[0] if why.span is not None else 0
        hold_line(ctx, cl, f" (held on V1 with its whole command line: {why.rule} at line {line} cannot be made "
                           f"here, and V2 does not start with that option)", images=True, keep=frozenset(stuck))


def _as_suggestions(text: str, findings: list[Finding]) -> None:
    """Findings reported without their fixes: each suggests its line as it would read with every
    change the findings on it make (or what its own edits write, when that line is long)."""
    by_line: dict[int, list] = {}
    for f in findings:
        if f.fix is not None:
            by_line.setdefault(text.rfind("\n", 0, f.fix.edits[0].span.start) + 1, []).append(f)
    for a, group in by_line.items():
        edits, pos = [], a
        for e in sorted((e for f in group for e in f.fix.edits), key=lambda e: (e.span.start, e.span.end)):
            if e.span.start >= pos and e not in edits:
                edits.append(e)
                pos = e.span.end
        b = text.find("\n", max(a, edits[-1].span.end))
        b = len(text) if b < 0 else b
        line, pos = [], a
        for e in edits:
            line += [text[pos:e.span.start], e.content]
            pos = e.span.end
        line.append(text[pos:b])
        shown = " ".join("".join(line).split())
        for f in group:
            own = " ".join(e.content for e in f.fix.edits if e.content).strip()
            f.suggestion = f.suggestion or (shown if shown and len(shown) <= 200 else own) or None
            f.fix = None


def no_info_left(findings: list[Finding]) -> None:
    """A finding whose fix is not applied (none, left out, or overlapping another) leaves V1 in the
    file: it is a warning at least, unless its rule only notes what leaves nothing V1 behind; a message that says
    what its fix does says instead that it was not done (``Finding.unfixed``)."""
    for f in findings:
        if not f.fixed and f.unfixed is not None and not f.advisory:  # (prose: what the rule would say)
            # the message said what the fix does ("dropped"): say that it was not done
            f.message = f.message.replace(*f.unfixed, 1)
            f.unfixed = None
        if f.severity is Severity.INFO and not f.fixed and not f.advisory and not REGISTRY[f.rule].note:
            f.severity = Severity.WARNING


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple] = set()
    out = []
    for f in findings:
        key = (f.rule, f.span, f.message, f.fix.edits if f.fix else None)
        if key in seen:
            continue
        seen.add(key)
        out.append(f)
    return out
