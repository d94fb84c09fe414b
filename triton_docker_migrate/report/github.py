"""``--format github``: GitHub Actions workflow commands, one annotation per finding:

    ::warning file=deploy/Dockerfile,line=3,col=6,endLine=3,endColumn=20,title=TDM301::message

``error`` findings are ``::error``, warnings ``::warning``, info ``::notice``; an applied fix is
tagged ``[fixed]`` when the run wrote it, ``[fixable]`` when it wrote nothing. Workflow commands
have no place for a diff or a table: ``--diff`` and ``--statistics`` are usage errors with this
format (cli.py). Control characters and bytes that are not UTF-8 in a name or message are shown
escaped (``report.terminal``), then values are escaped as the runner expects (``%``, CR, LF; and
``,`` ``:`` in properties)."""

from __future__ import annotations

from ..model import FileResult
from .summary import all_findings
from .terminal import escape
from .text import applied_tag

COMMAND = {"error": "error", "warning": "warning", "info": "notice"}


def _data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(s: str) -> str:
    return _data(s).replace(":", "%3A").replace(",", "%2C")


def render(results: list[FileResult], settings) -> str:
    out: list[str] = []
    for r, f in all_findings(results):
        props = [f"file={_prop(escape(r.path))}"]
        if f.line:
            props.append(f"line={f.line}")
            if f.column:
                props.append(f"col={f.column}")
            if f.end_line:
                props.append(f"endLine={f.end_line}")
                if f.end_column and f.column:
                    props.append(f"endColumn={f.end_column}")
        props.append(f"title={_prop(f.rule)}")
        msg = f.message + (f" [{applied_tag(settings)}]" if f.fixed else "")
        if f.suggestion and not f.fixed:
            msg += f" (suggestion: {f.suggestion})"
        out.append(f"::{COMMAND[f.severity.value]} {','.join(props)}::{_data(escape(msg))}\n")
    return "".join(out)
