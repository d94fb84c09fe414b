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


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else many or word + 's'}"


def with_v1(r: FileResult) -> bool:
    """The file held V1 evidence: findings say so, or it failed (could not be read, decoded or
    parsed) while holding strong evidence, which counts without parsing (CONTRACT.md, "No silent
    V1": files that failed to parse are counted as files with V1)."""
    if r.has_evidence:
        return True
    if r.status is not Status.FAILED or not r.original:
        return False
    from .. import evidence, textscan

    data = r.original
    if data.startswith(textscan.UTF16_32):
        for enc in ("utf-32", "utf-16"):
            try:
                data = data.decode(enc).encode("utf-8", "replace")
                break
            except UnicodeDecodeError:
                continue
    return evidence.strong(data)


def summary(results: list[FileResult], statistics: bool = False) -> dict:
    sev = Counter(f.severity.value for r in results for f in r.findings)
    out = {
        # a batch run counts the files it read and did not keep (run.Results.scanned)
        "files_scanned": getattr(results, "scanned", None)
        if getattr(results, "scanned", None) is not None
        else sum(1 for r in results if r.original is not None or r.status is Status.FAILED),
        "files_with_v1": sum(1 for r in results if with_v1(r)),
        "files_changed": sum(1 for r in results if r.changed and r.status is not Status.FAILED),
        "files_failed": sum(1 for r in results if r.status is Status.FAILED),
        "fixed": sum(1 for r in results for f in r.findings if f.fixed),
        "findings": {"error": sev.get("error", 0), "warning": sev.get("warning", 0), "info": sev.get("info", 0)},
    }
    if getattr(results, "rollout", None):
        out["rollout"] = results.rollout  # the sides of the move (rules/run.py, TDM604/TDM709)
    if statistics:
        out["rules"] = dict(sorted(Counter(f.rule for r in results for f in r.findings).items()))
    return out
