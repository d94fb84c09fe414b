"""A whole run: discover -> process each file -> write (atomically) -> report -> exit code."""

from __future__ import annotations

import os
import sys
import time

from .atomic import ChangedDuringRun, write_atomic
from .discover import discover
from .model import FileResult, Finding, Severity, Status
from .runner import process_file
from .settings import Settings


def _err(msg: str) -> None:
    print(msg, file=sys.stderr)


def process_all(paths: list[str], settings: Settings) -> list[FileResult]:
    candidates = list(discover(paths, settings.exclude + settings.extend_exclude, warn=_err))
    return [process_file(c.path, c.display, settings, c.explicit) for c in candidates]


def write_results(results: list[FileResult], settings: Settings) -> None:
    for r in results:
        if not settings.write_back.writes or r.status is not Status.CHANGED or r.new is None:
            continue
        try:
            write_atomic(_path_of(r), r.new, r.original or b"")
            r.written = True
        except ChangedDuringRun:
            _fail(r, "the file changed during the run; not written")
        except OSError as e:
            _fail(r, f"cannot write: {e.strerror or e}")


def _path_of(r: FileResult) -> str:
    return r.path if os.path.isabs(r.path) else os.path.join(os.getcwd(), r.path)


def _fail(r: FileResult, message: str) -> None:
    r.status = Status.FAILED
    r.error = message
    r.findings.append(Finding("TDM001", None, message, Severity.ERROR))


def exit_code(results: list[FileResult], settings: Settings) -> int:
    if any(r.status is Status.FAILED for r in results):
        return 2
    code = 0
    if settings.write_back in (settings.write_back.DIFF, settings.write_back.CHECK, settings.write_back.DIFF_CHECK):
        if any(r.changed for r in results):
            code = 1
    if settings.fail_on_review and any(f.severity.rank >= 1 for r in results for f in r.findings):
        code = 1
    if settings.exit_zero and code == 1:
        code = 0
    return code


def run(paths: list[str], settings: Settings) -> int:
    start = time.monotonic()
    missing = [p for p in paths if not os.path.lexists(p)]
    results = process_all([p for p in paths if os.path.lexists(p)], settings)
    for p in missing:
        r = FileResult(p, "text", Status.FAILED, explicit=True)
        _fail(r, "no such file or directory")
        results.append(r)
    write_results(results, settings)
    for r in sorted(results, key=lambda r: r.path):
        if r.status is Status.FAILED:
            loc = f"{r.path}:{r.error_line}" if r.error_line else r.path
            _err(f"{loc}: error: {r.error}")
    from .report import json as json_report
    from .report import text as text_report

    renderers = {"text": text_report.render, "json": json_report.render}
    for name in ("sarif", "github", "markdown"):
        try:
            mod = __import__(f"{__package__}.report.{name}", fromlist=["render"])
            renderers[name] = mod.render
        except ImportError:
            pass
    render = renderers.get(settings.output_format)
    if render is None:
        _err(f"triton-docker-migrate: error: --format {settings.output_format} is not available yet")
        return 2
    sys.stdout.write(render(results, settings))
    sys.stdout.flush()
    if not settings.quiet:
        from .report.summary import summary

        s = summary(results)
        verb = "changed" if settings.write_back.writes else "would change"
        f = s["findings"]
        _err(f"{s['files_scanned']} files scanned, {s['files_with_v1']} with V1, {s['files_changed']} {verb}, "
             f"{s['files_failed']} failed; findings: {f['error']} error, {f['warning']} warning, {f['info']} info "
             f"({time.monotonic() - start:.2f}s)")
    return exit_code(results, settings)
