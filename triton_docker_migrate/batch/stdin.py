"""``migrate -``: one file read from standard input, as black and ruff read one for editors and
pre-commit's stdin mode.

The text is processed as the file ``--stdin-filename`` names (its kind, the configuration that
applies to it; the file itself is never read or written); without a name, as a file named ``-``
(its kind from its first bytes: a manifest, a Dockerfile, a compose file, a script; else text). Standard output carries the migrated text byte for byte
(the input unchanged when nothing applies or it cannot be processed), or the diff with ``--diff``
(with ``--format json``: the JSON report, one object that holds the diff), or nothing with ``--check``
alone; the report in the chosen format, the error line and the summary
go to standard error (no summary after a JSON or SARIF report: the report stays one document). Exit codes as for a file on disk."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import replace

from ..discover import display_path
from ..settings import Settings, WriteBack
from .finish import apply_overrides, exit_code
from .scan import err


def run_stdin(name: str | None, settings: Settings, command: str) -> int:
    from ..pipeline import process_file
    from ..report.diff import unified_diff
    from ..report.stream import write, write_bytes
    from .run import Results, _renderer, emit_report, summary_line

    start = time.monotonic()
    render = _renderer(settings.output_format)
    data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode("utf-8")
    path = name if name is not None else "-"
    display = display_path(path, os.path.isabs(path)) if name is not None else "-"
    r = process_file(path, display, settings, explicit=True, data=data)
    r.explicit = True
    results = Results([r])
    results.scanned = 1
    apply_overrides(results, settings)
    wb = settings.write_back
    # --diff with a JSON report: the report is the one object on standard output, the diff inside it
    # (``files[].diff``), as for a file on disk
    json_diff = wb.diff and settings.output_format == "json"
    if wb is WriteBack.YES:
        write_bytes(sys.stdout, r.new if r.new is not None and r.error is None else data)
    elif wb.diff and r.changed and r.error is None and not json_diff:
        write(sys.stdout, unified_diff(display, r.original or b"", r.new or b""))
    if r.error is not None:
        loc = f"{display}:{r.error_line}" if r.error_line else display
        err(f"{loc}: error: {r.error}")
    if json_diff:
        emit_report(render, results, settings, sys.stdout, command)
    else:  # the report, on stderr: never the diff again (it is on stdout)
        shown = replace(settings, write_back=WriteBack.CHECK if wb.diff else wb)
        emit_report(render, results, shown, sys.stderr, command)
    # a JSON or SARIF report on stderr stays one document that a program can read: no line after it
    if not settings.quiet and settings.output_format not in ("json", "sarif"):
        err(summary_line(results, settings, time.monotonic() - start))
    return exit_code(results, settings)
