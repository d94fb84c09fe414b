"""``--format text``: the diffs with ``--diff``, then the findings, then (``--statistics``) a table of
counts per rule.

Two layouts, as ruff's: piped (a log, a file, another program) each finding is one line,
``path:line:col: RULE severity: message``, which is stable; on a terminal (``stream.Terminal``)
each finding also shows its source line with a caret under the span, the fix as a one-line preview
of the line it makes (or the suggestion when no fix is applied), and a closing line counts the
findings and says what applies the fixes. Colour follows ``NO_COLOR``/``FORCE_COLOR``.

A finding whose fix is applied is tagged ``[fixed]`` when the run wrote it (or, for ``migrate -``,
printed the migrated text), ``[fixable]`` when the run wrote nothing (``--check``, ``--diff``).

File names and messages are escaped (``report.terminal``): one finding is one line, whatever a name
holds."""

from __future__ import annotations

import unicodedata
from collections import Counter

from ..model import FileResult
from .diff import unified_diff
from .stream import Terminal
from .summary import all_findings, listed, plural
from .terminal import escape, name

_SGR = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "blue": "34", "cyan": "36"}
_SEVERITY_COLOUR = {"error": "red", "warning": "yellow", "info": "cyan"}


class _Paint:
    def __init__(self, on: bool) -> None:
        self.on = on

    def __call__(self, text: str, *styles: str) -> str:
        if not self.on or not text:
            return text
        return f"\x1b[{';'.join(_SGR[s] for s in styles)}m{text}\x1b[0m"


def applied_tag(settings) -> str:
    """What an applied fix is called in this run."""
    return "fixed" if settings.write_back.writes else "fixable"


def _position(r: FileResult, f) -> str:
    path = name(r.path)  # control characters and bytes that are not UTF-8, escaped
    if f.line and f.column:
        return f"{path}:{f.line}:{f.column}"
    return f"{path}:{f.line}" if f.line else path


def finding_line(r: FileResult, f, settings, paint: _Paint | None = None, suggestion: bool = True) -> str:
    paint = paint or _Paint(False)
    tag = f" [{applied_tag(settings)}]" if f.fixed else ""
    sev = f.severity.value
    line = (f"{paint(_position(r, f), 'bold')}: {paint(f.rule, 'bold', _SEVERITY_COLOUR[sev])} "
            f"{paint(sev, _SEVERITY_COLOUR[sev])}: {escape(f.message)}{paint(tag, 'green') if tag else ''}")
    if suggestion and f.suggestion and not f.fixed:
        line += f" (suggestion: {escape(f.suggestion)})"
    return line


def render(results: list[FileResult], settings, terminal: Terminal | None = None) -> str:
    term = terminal or Terminal()
    paint = _Paint(term.colour)
    out: list[str] = []
    if settings.write_back.diff:
        for r in listed(results):
            if r.changed and r.error is None:
                out.append(_diff(unified_diff(r.path, r.original, r.new), paint))
    findings = all_findings(results)  # --quiet drops the summary line and progress, never the report
    sources: dict[int, _Source | None] = {}
    for r, f in findings:
        out.append(finding_line(r, f, settings, paint, suggestion=not term.rich) + "\n")
        if term.rich:
            if id(r) not in sources:
                sources[id(r)] = _Source.of(r)
            out.append(_snippet(sources[id(r)], f, paint))
    if settings.statistics:
        out.append(statistics(results, paint))
    if term.rich and not settings.quiet:  # --quiet: the findings only, as ruff's
        out.append(closing_line(findings, settings, term.command, paint))
    return "".join(out)


# --- statistics ---------------------------------------------------------------------------------

def statistics(results: list[FileResult], paint: _Paint | None = None) -> str:
    """ruff's table: count, rule id, ``[*]`` when every finding of the rule has its fix applied,
    the rule's name; most frequent first."""
    from ..rules.registry import REGISTRY, all_rules

    paint = paint or _Paint(False)
    all_rules()
    counts: Counter = Counter()
    fixable: Counter = Counter()
    for r in results:
        for f in r.findings:
            counts[f.rule] += 1
            fixable[f.rule] += bool(f.fixed)
    if not counts:
        return ""
    width = len(str(max(counts.values())))
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    out = []
    for rule, n in rows:
        mark = "[*]" if fixable[rule] == n else "[ ]"
        name = REGISTRY[rule].name if rule in REGISTRY else ""
        out.append(f"{n:>{width}}\t{paint(rule, 'bold')}\t{mark} {name}\n")
    return "".join(out)


def closing_line(findings, settings, command: str, paint: _Paint | None = None) -> str:
    paint = paint or _Paint(False)
    n = len(findings)
    if not n:
        return paint("No V1 found: nothing to migrate.", "green") + "\n"
    fixed = sum(1 for _, f in findings if f.fixed)
    head = f"Found {plural(n, 'finding')}"
    if settings.write_back.writes:
        tail = f" ({fixed} fixed, {n - fixed} remaining)."
    elif fixed:
        tail = f" ({fixed} fixable with '{command}')."
    else:
        tail = " (none fixable: each needs a person, see the suggestions)."
    return paint(head, "bold") + tail + "\n"


def _diff(text: str, paint: _Paint) -> str:
    if not paint.on:
        return text
    out = []
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\n")
        style = (("bold",) if line.startswith(("---", "+++")) else ("cyan",) if line.startswith("@@")
                 else ("green",) if line.startswith("+") else ("red",) if line.startswith("-") else ())
        out.append((paint(body, *style) if style else body) + line[len(body):])
    return "".join(out)


# --- source lines ---------------------------------------------------------------------------------

class _Source:
    """The original text of a file, by line (as the documents count lines: ``\\n`` ends one)."""

    def __init__(self, text: str) -> None:
        self.text = text
        starts = [0]
        i = text.find("\n")
        while i >= 0:
            starts.append(i + 1)
            i = text.find("\n", i + 1)
        self.starts = starts

    @classmethod
    def of(cls, r: FileResult) -> "_Source | None":
        if r.original is None:
            return None
        try:
            return cls(r.original.decode("utf-8"))
        except UnicodeDecodeError:
            return None

    def line(self, number: int) -> str | None:
        """Line ``number`` (1-based) without its end, and without a BOM (not a column)."""
        if not 1 <= number <= len(self.starts):
            return None
        start = self.starts[number - 1]
        end = self.starts[number] - 1 if number < len(self.starts) else len(self.text)
        line = self.text[start:end].rstrip("\r")
        return line[1:] if number == 1 and line.startswith("\ufeff") else line

    def offset(self, line: int, column: int) -> int:
        """The text offset of a 1-based line and column (code points; the BOM is not a column)."""
        base = self.starts[line - 1]
        if line == 1 and self.text.startswith("\ufeff"):
            base += 1
        return base + column - 1


def _shown(text: str) -> str:
    """``text`` as a terminal shows it safely: tabs as four spaces, other control characters and
    the bidirectional controls as visible escapes (a source line cannot drive the terminal)."""
    out = []
    for c in text:
        o = ord(c)
        if c == "\t":
            out.append("    ")
        elif o < 0x20 or 0x7f <= o < 0xa0 or 0x202a <= o <= 0x202e or 0x2066 <= o <= 0x2069 or o in (0x2028, 0x2029):
            out.append(f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}")
        else:
            out.append(c)
    return "".join(out)


def _width(text: str) -> int:
    """Terminal columns of ``text`` (wide East Asian characters take two; combining marks none)."""
    w = 0
    for c in text:
        if unicodedata.combining(c):
            continue
        w += 2 if unicodedata.east_asian_width(c) in ("W", "F") else 1
    return w


def _snippet(src: _Source | None, f, paint: _Paint) -> str:
    sev_colour = _SEVERITY_COLOUR[f.severity.value]
    preview = _preview(src, f)
    lines: list[str] = []
    text = src.line(f.line) if src is not None and f.line else None
    if text is not None:
        gutter = " " * len(str(f.line))
        bar = paint("|", "blue", "bold")
        col = max(1, f.column or 1)
        if f.end_line == f.line and f.end_column and f.end_column > col:
            end = f.end_column
        else:
            end = len(text) + 1  # a span that goes on below: to the end of this line
        before = _shown(text[:col - 1])
        inside = _shown(text[col - 1:end - 1]) or " "
        lines.append(f"{gutter} {bar}\n")
        lines.append(f"{paint(str(f.line), 'blue', 'bold')} {bar} {_shown(text)}\n")
        lines.append(f"{gutter} {bar} {' ' * _width(before)}{paint('^' * max(1, _width(inside)), sev_colour, 'bold')}\n")
        lines.append(f"{gutter} {bar}\n")
        pad = gutter
    else:
        pad = " "
    if preview is not None:
        lines.append(f"{pad} {paint('= fix:', 'green', 'bold')} {preview}\n")
    elif f.suggestion and not f.fixed:
        lines.append(f"{pad} {paint('= suggestion:', 'cyan', 'bold')} {_shown(f.suggestion)}\n")
    return "".join(lines) + "\n"


def _preview(src: _Source | None, f) -> str | None:
    """The line the applied fix makes, on one line (several: the first and how many more)."""
    if src is None or f.fix is None or not f.fixed or not f.fix.edits:
        return None
    text = src.text
    edits = sorted(f.fix.edits, key=lambda e: (e.span.start, e.span.end))
    first, last = edits[0].span.start, max(e.span.end for e in edits)
    if last > len(text):
        return None
    start = text.rfind("\n", 0, first) + 1
    if last > first and text[last - 1] == "\n":
        end = last - 1  # the edit takes the line's end with it: the lines it covers are all there is
    else:
        end = text.find("\n", last)
        end = len(text) if end < 0 else end
    seg = text[start:end]
    for e in reversed(edits):
        seg = seg[:e.span.start - start] + e.content + seg[e.span.end - start:]
    if start == 0 and seg.startswith("\ufeff"):
        seg = seg[1:]
    lines = [ln.rstrip("\r") for ln in seg.split("\n")]
    while len(lines) > 1 and lines[-1] == "":
        lines.pop()
    if lines == [""]:
        return "(the line is removed)"
    more = f"  (+{plural(len(lines) - 1, 'more line')})" if len(lines) > 1 else ""
    return _shown(lines[0]) + more
