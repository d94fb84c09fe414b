"""``--format text``: one line per finding (and the diffs with ``--diff``). File names and messages
are escaped (``report.terminal``): one finding is one line, whatever a name holds."""

from __future__ import annotations

from collections import Counter

from ..model import FileResult
from .diff import unified_diff
from .summary import all_findings, listed
from .terminal import escape, name


def render(results: list[FileResult], settings) -> str:
    out: list[str] = []
    if settings.write_back.diff:
        for r in listed(results):
            if r.changed and r.error is None:
                out.append(unified_diff(r.path, r.original, r.new))
    for r, f in all_findings(results):  # --quiet drops the summary line and progress, never the report
        path = name(r.path)  # control characters and bytes that are not UTF-8, escaped
        pos = f"{path}:{f.line}:{f.column}" if f.line and f.column else f"{path}:{f.line}" if f.line else path
        tag = " [fixed]" if f.fixed else ""
        line = f"{pos}: {f.rule} {f.severity.value}: {escape(f.message)}{tag}"
        if f.suggestion and not f.fixed:
            line += f" (suggestion: {escape(f.suggestion)})"
        out.append(line + "\n")
    if settings.statistics:
        counts = Counter(f.rule for r in results for f in r.findings)
        for rule, n in sorted(counts.items()):
            out.append(f"{n:6d}  {rule}\n")
    return "".join(out)
