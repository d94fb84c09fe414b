"""``--format json``: one object, as CONTRACT.md defines it."""

from __future__ import annotations

import json

from .. import __version__
from ..model import FileResult
from .diff import unified_diff
from .summary import all_findings, listed, summary
from .terminal import utf8


def render(results: list[FileResult], settings) -> str:
    files = []
    for r in listed(results):
        entry = {"path": r.path, "kind": r.kind, "changed": bool(r.changed and r.error is None),
                 "error": r.error}
        if settings.write_back.diff:
            entry["diff"] = unified_diff(r.path, r.original, r.new) if r.changed and r.error is None else ""
        files.append(entry)
    findings = [{
        "path": r.path, "line": f.line, "column": f.column, "end_line": f.end_line, "end_column": f.end_column,
        "rule": f.rule, "severity": f.severity.value, "message": f.message, "fixed": f.fixed,
        "suggestion": f.suggestion,
    } for r, f in all_findings(results)]
    doc = {"version": __version__, "target": str(settings.target),
           "summary": summary(results, settings.statistics), "files": files, "findings": findings}
    # a file name that is not UTF-8 holds lone surrogates: \xNN escapes, so the report is UTF-8
    return utf8(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", json=True)
