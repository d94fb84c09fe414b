"""``--format sarif``: SARIF 2.1.0 for code scanning (GitHub and others).

One run; the rules come from the registry (id, name, descriptions, default level, family); columns
count Unicode code points (``columnKind``), ``endColumn`` is exclusive, as SARIF defines it. A
finding whose fix was not written (``--check``, ``--diff``) carries it as a SARIF fix, its edits
as replacements of the original text."""

from __future__ import annotations

import bisect
import json
import os
from urllib.parse import quote

from .. import __version__
from ..model import FileResult
from .summary import all_findings, summary
from .terminal import utf8

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {"info": "note", "warning": "warning", "error": "error"}


def _uri(path: str) -> dict:
    """The name's own bytes, percent-encoded (a name that is not UTF-8 included)."""
    raw = os.fsencode(path)
    if path.startswith("/"):
        return {"uri": "file://" + quote(raw)}
    return {"uri": quote(raw), "uriBaseId": "%SRCROOT%"}


def _rules():
    from ..rules.registry import all_rules

    out = []
    index = {}
    for i, r in enumerate(all_rules()):
        index[r.id] = i
        out.append({
            "id": r.id,
            "name": r.name,
            "shortDescription": {"text": r.summary},
            "fullDescription": {"text": r.doc},
            "help": {"text": f"{r.summary}\n\n{r.doc}\n\nSee `triton-docker-migrate explain {r.id}`."},
            "defaultConfiguration": {"level": LEVEL[r.severity.value]},
            "properties": {"tags": [r.family], "fix": r.fix.value},
        })
    return out, index


class _Positions:
    """Offsets -> (line, column) in the original text, as the documents count them."""

    def __init__(self, data: bytes) -> None:
        self.text = data.decode("utf-8", "surrogateescape")
        starts = [0]
        i = self.text.find("\n")
        while i >= 0:
            starts.append(i + 1)
            i = self.text.find("\n", i + 1)
        self.starts = starts

    def at(self, offset: int) -> tuple[int, int]:
        k = bisect.bisect_right(self.starts, offset) - 1
        col = offset - self.starts[k] + 1
        if k == 0 and self.text.startswith("\ufeff") and offset > 0:
            col -= 1
        return k + 1, col


def _region(line, column, end_line, end_column) -> dict | None:
    if not line:
        return None
    reg = {"startLine": line}
    if column:
        reg["startColumn"] = column
    if end_line:
        reg["endLine"] = end_line
    if end_column and column:
        reg["endColumn"] = end_column
    return reg


def _fix(r: FileResult, f, pos: _Positions | None) -> dict | None:
    if f.fix is None or pos is None:
        return None
    replacements = []
    for e in f.fix.edits:
        sl, sc = pos.at(e.span.start)
        el, ec = pos.at(e.span.end)
        rep = {"deletedRegion": {"startLine": sl, "startColumn": sc, "endLine": el, "endColumn": ec}}
        if e.content:
            rep["insertedContent"] = {"text": e.content}
        replacements.append(rep)
    return {"description": {"text": f.fix.title},
            "artifactChanges": [{"artifactLocation": _uri(r.path), "replacements": replacements}]}


def render(results: list[FileResult], settings) -> str:
    rules, index = _rules()
    positions: dict[str, _Positions | None] = {}
    out = []
    for r, f in all_findings(results):
        text = f.message
        if f.suggestion and not f.fixed:
            text += f" (suggestion: {f.suggestion})"
        loc = {"physicalLocation": {"artifactLocation": _uri(r.path)}}
        # a whole-file finding points at the file's first line: code scanning needs a line
        reg = _region(f.line or 1, f.column, f.end_line, f.end_column)
        loc["physicalLocation"]["region"] = reg
        res = {"ruleId": f.rule, "level": LEVEL[f.severity.value], "message": {"text": text},
               "locations": [loc], "properties": {"fixed": bool(f.fixed)}}
        if f.rule in index:
            res["ruleIndex"] = index[f.rule]
        if f.suggestion:
            res["properties"]["suggestion"] = f.suggestion
        if f.fix is not None and not r.written and r.original is not None:
            if r.path not in positions:
                positions[r.path] = _Positions(r.original)
            fx = _fix(r, f, positions[r.path])
            if fx is not None:
                res["fixes"] = [fx]
        out.append(res)
    run = {
        "tool": {"driver": {"name": "triton-docker-migrate", "version": __version__,
                            "semanticVersion": __version__, "rules": rules}},
        "columnKind": "unicodeCodePoints",
        "originalUriBaseIds": {"%SRCROOT%": {"uri": "file://" + quote(os.fsencode(os.getcwd().rstrip("/") + "/"))}},
        "results": out,
        "properties": {"target": str(settings.target), "summary": summary(results, settings.statistics)},
    }
    doc = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return utf8(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", json=True)
