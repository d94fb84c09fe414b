"""The tool's own reports, recognised by their content (never by their name): a report left in the
tree (``tdm.sarif`` from CI, the JSON report, the markdown pull-request body, a text or GitHub
report saved to a file) quotes the V1 it found, and must not count as V1 evidence in a later run.

``report_format(data)`` says which report ``data`` is (``sarif``, ``json``, ``markdown``, ``text``,
``github``) or None. It is cheap for everything else: a look at the first bytes, and a JSON parse
only for a JSON document that names the tool's keys."""

from __future__ import annotations

import re

TOOL = "triton-docker-migrate"
_MARKDOWN_HEAD = "## Triton V1 → V2 migration\n".encode()
_TEXT_LINE = re.compile(rb"^(?:\S[^\n]*?: TDM\d{3} (?:info|warning|error): [^\n]*"  # a finding
                        rb"|\d+\tTDM\d{3}\t\[[ *]\] [\w-]*"  # --statistics
                        rb"|Found \d+ findings?\b[^\n]*|No V1 found: nothing to migrate\.)\r?$")
_GITHUB_LINE = re.compile(rb"^::(?:notice|warning|error) [^\n]*title=TDM\d{3}::[^\n]*\r?$")


def report_format(data: bytes) -> str | None:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{"):
        return _json_report(data)
    if head.startswith(_MARKDOWN_HEAD):
        return "markdown" if f"| tool | {TOOL} ".encode() in data else None
    if head.startswith(b"::"):
        return "github" if _all_lines(data, _GITHUB_LINE) else None
    first = head.split(b"\n", 1)[0]
    if b": TDM" in first and _TEXT_LINE.match(first):
        return "text" if _all_lines(data, _TEXT_LINE) else None
    return None


def _all_lines(data: bytes, pattern: re.Pattern) -> bool:
    return all(pattern.match(line) for line in data.lstrip(b"\xef\xbb\xbf").split(b"\n") if line.strip())


def _json_report(data: bytes) -> str | None:
    if TOOL.encode() not in data and b'"files_scanned"' not in data:
        return None
    import json

    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(doc, dict):
        return None
    runs = doc.get("runs")
    if isinstance(runs, list):
        for run in runs:
            tool = run.get("tool") if isinstance(run, dict) else None
            driver = tool.get("driver") if isinstance(tool, dict) else None
            if isinstance(driver, dict) and driver.get("name") == TOOL:
                return "sarif"
        return None
    summary = doc.get("summary")
    if {"version", "target", "summary", "files", "findings"} <= set(doc) and isinstance(summary, dict) \
            and "files_scanned" in summary:
        return "json"
    return None
