"""Run every registered check over one document, in order: the command lines first (they teach
the later checks which health port went away), then commands, text regions, follow-through and
the kind-specific sites. Then what the document says of its own spans: text it reads but cannot
edit (a folded YAML script, a here-document's data) keeps its findings without fixes, and values
shared through YAML anchors name who shares them."""

from __future__ import annotations

from ..documents.base import Document
from ..model import Finding, Severity
from ..release import Release
from .context import Context
from .registry import CHECKS, load


def check_document(doc: Document, target: Release) -> tuple[list[Finding], Context]:
    load()
    ctx = Context(doc, target)
    findings: list[Finding] = []
    for chk in CHECKS:
        findings.extend(chk.func(doc, ctx))
    return _dedupe(_adjust(doc, _dedupe(findings))), ctx


def _adjust(doc: Document, findings: list[Finding]) -> list[Finding]:
    report_only = doc.report_only()
    for f in findings:
        if f.span is None:
            continue
        for start, end, note in report_only:
            if start <= f.span.start and f.span.end <= end:
                without_fix(f)
                if f.severity is Severity.INFO:
                    f.severity = Severity.WARNING
                f.message += note
                break
        note = doc.note(f.span)
        if note:
            f.message += note
    return findings


def without_fix(f: Finding) -> None:
    """``f`` reported with its edits as the suggestion, not applied."""
    if f.fix is not None:
        f.suggestion = f.suggestion or " ".join(e.content for e in f.fix.edits if e.content).strip() or None
        f.fix = None


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
