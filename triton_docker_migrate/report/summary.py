"""Counts shared by every format and the stderr summary line."""

from __future__ import annotations

from collections import Counter

from ..model import FileResult, Status


def listed(results: list[FileResult]) -> list[FileResult]:
    """Files a report lists: those with V1 evidence or an error, and every named file."""
    return sorted((r for r in results if r.has_evidence or r.status is Status.FAILED or r.explicit or r.created),
                  key=lambda r: r.path)


def all_findings(results: list[FileResult]) -> list[tuple[FileResult, object]]:
    out = [(r, f) for r in results for f in r.findings]
    out.sort(key=lambda p: (p[0].path, p[1].line or 0, p[1].column or 0, p[1].rule))
    return out


def summary(results: list[FileResult], statistics: bool = False) -> dict:
    sev = Counter(f.severity.value for r in results for f in r.findings)
    out = {
        # a batch run counts the files it read and did not keep (run.Results.scanned)
        "files_scanned": getattr(results, "scanned", None)
        if getattr(results, "scanned", None) is not None
        else sum(1 for r in results if r.original is not None or r.status is Status.FAILED),
        "files_with_v1": sum(1 for r in results if r.has_evidence),
        "files_changed": sum(1 for r in results if r.changed and r.status is not Status.FAILED),
        "files_failed": sum(1 for r in results if r.status is Status.FAILED),
        "fixed": sum(1 for r in results for f in r.findings if f.fixed),
        "findings": {"error": sev.get("error", 0), "warning": sev.get("warning", 0), "info": sev.get("info", 0)},
    }
    if statistics:
        out["rules"] = dict(sorted(Counter(f.rule for r in results for f in r.findings).items()))
    return out
