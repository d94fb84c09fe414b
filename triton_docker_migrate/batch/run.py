"""A whole run: discover -> read and prefilter -> process the files with V1 evidence (in worker
processes when there are many) -> write (atomically) -> report -> exit code. Results are the same,
and in the same order, whether workers were used or not."""

from __future__ import annotations

import os
import shlex
import sys
import time

from .. import kinds
from ..discover import Candidate, Discovery, Excludes, Walker
from ..model import FileResult, Status
from ..settings import Settings
from . import schedule
from .finish import (apply_overrides, created, exit_code, finish, follow_through, given_bases, other_applications,
                     run_level, sourced_by_v1, sourced_helpers, v2_tools, write_results)
from ..pipeline import failed
from .scan import Scanner, err

POOL_AFTER_FILES = 64
POOL_AFTER_PARSED = 32
SLICE = 64
#: UTF-16/32 text: the runner decodes it to look for evidence (and reports it as unsupported)
class Results(list):
    """The reported results, plus the number of candidate files read (``files_scanned``): files
    the prefilter skipped are counted, not kept."""

    scanned: int = 0
    rollout: dict | None = None  #: the run-level summary of the move (rules/run.py), for the reports
    #: configuration files met during the run that cannot be used (one error line each)
    config_errors: tuple[str, ...] | list[str] = ()


def process_all(paths: list[str], settings: Settings, progress=None, started: float | None = None) -> Results:
    results = Results()
    kinds.ENTRYPOINT_SCRIPTS.clear()
    kinds.forget_charts()
    scanner = Scanner(settings)
    excl = Excludes(settings)
    d = Discovery(paths, excl, warn=err, on_directory=schedule.on_directory)
    if settings.write_back.writes:  # a run that writes removes what killed runs left (older than it)
        d.stale = started if started is not None else time.time()
    workers = schedule.workers(settings)
    seen = 0

    def pool_now() -> bool:
        return workers > 1 and (seen >= POOL_AFTER_FILES or scanner.parsed >= POOL_AFTER_PARSED)

    def scan(c: Candidate) -> None:
        nonlocal seen
        seen += 1
        r = scanner.scan(c)
        if r is not None:
            results.append(r)
        if progress is not None and seen % 64 == 0:
            progress(scanner.scanned, c.display)

    def scan_some(cands: list[Candidate]) -> None:
        nonlocal seen
        seen += len(cands)
        scanner.scan_all(cands, results)
        if progress is not None and cands:
            progress(scanner.scanned, cands[-1].display)

    rest: list[Candidate] | None = None
    walker: Walker | None = None
    walkers = d.walkers()
    files = d.files
    for i, c in enumerate(files):
        scan(c)
        if pool_now() and i + 1 < len(files):
            rest = files[i + 1:]
            break
    if rest is None:
        for w in walkers:
            while w.stack and rest is None:
                cands = w.step()
                for i in range(0, len(cands), SLICE):
                    scan_some(cands[i:i + SLICE])
                    if pool_now():
                        rest = cands[i + SLICE:]
                        walker = w
                        break
            if rest is not None:
                break
    scanned = scanner.scanned
    config_errors: list[str] = []
    deferred = list(scanner.deferred)
    entrypoints = list(scanner.entrypoints)
    if rest is not None:
        work = schedule.work(rest, walker, walkers, d)
        warnings: list[str] = []
        for n, rs, dfr, eps, warns, errors, _left in schedule.run_pool(work, settings, workers, excl,
                                                                      d.explicit_keys, d.tree, d.stale):
            warnings.extend(warns)
            config_errors.extend(errors)
            scanned += n
            results.extend(rs)
            deferred.extend(dfr)
            entrypoints.extend(eps)
            if progress is not None:
                progress(scanned, rs[-1].path if rs else "")
        for msg in sorted(warnings, key=_walk_order):  # as a walk in this process gives them
            err(msg)
    deferred.sort(key=lambda cw: _walk_order(cw[0].display))
    entrypoints.sort(key=lambda fe: _walk_order(fe[0]))
    given_bases(results, paths, settings)
    from ..rules.endpoints import run_other_hosts, run_sourced

    sourced = sourced_by_v1(results)
    with run_sourced(sourced):  # (the files V1 scripts source stay theirs when the follow-through reads them again)
        sourced_helpers(results, paths, settings, sourced)
        found = finish(deferred, entrypoints, paths, results, settings)
        results.extend(found)
        with run_other_hosts(other_applications(results, paths, settings)):
            follow_through(results, paths, settings, [c for c, why in deferred if why == "endpoint"] + found.stale)
        v2_tools(results, paths, settings)
    results.extend(created(results))
    results.rollout = run_level(results, paths, settings)
    results.scanned = scanned + found.read
    if settings.resolver is not None:
        config_errors.extend(settings.resolver.take_errors())
    results.config_errors = sorted(set(config_errors))
    results.sort(key=lambda r: r.path)
    return results


def _walk_order(path: str) -> list[str]:
    """The order a walk meets paths in: folder by folder, names sorted."""
    return path.split("/")


def _renderer(name: str):
    import importlib

    try:
        return importlib.import_module(f"{__package__.rpartition('.')[0]}.report.{name}").render
    except ImportError:
        return None


def run(paths: list[str], settings: Settings, command: str | None = None) -> int:
    """The whole run. SIGINT or SIGTERM ends it with one line and exit 130 or 143:
    atomic.write_atomic holds both signals while a file is replaced, so each file is either as it
    was or completely written, and the pool kills and reaps its workers on the way out.
    ``command``: what applies the fixes (the closing line of the text report on a terminal)."""
    from .. import signals

    with signals.handled():
        try:
            return _run(paths, settings, command)
        except KeyboardInterrupt as e:
            err(signals.message(e))
            return signals.exit_code(e)


def _run(paths: list[str], settings: Settings, command: str | None) -> int:
    start = time.monotonic()
    started = time.time()
    render = _renderer(settings.output_format)
    if render is None:
        err(f"triton-docker-migrate: error: --format {settings.output_format} is not available yet")
        return 2
    from ..report import progress as progress_mod

    bar = progress_mod.start(settings)
    try:
        missing = [p for p in paths if not os.path.lexists(p)]
        results = process_all([p for p in paths if os.path.lexists(p)], settings,
                              bar.update if bar is not None else None, started)
    finally:
        if bar is not None:
            bar.stop()
    if results.config_errors:  # a configuration met in the walk cannot be used: nothing is written
        for msg in results.config_errors:
            err(msg)
        return 2
    for p in missing:
        r = FileResult(p.replace(os.sep, "/"), "text", Status.FAILED, explicit=True)
        failed(r, "no such file or directory")
        results.append(r)
        results.scanned += 1
    results.sort(key=lambda r: r.path)
    apply_overrides(results, settings)
    command = command or "triton-docker-migrate migrate " + " ".join(shlex.quote(p) for p in paths)
    if settings.write_back.writes and any(r.status is Status.CHANGED for r in results):
        # the report is rendered once before anything is written: a report that cannot be made
        # stops the run while every file is still as it was
        try:
            render_report(render, results, settings, sys.stdout, command)
        except MemoryError:
            raise  # one line in cli.main, not an internal error
        except Exception as e:
            err(f"triton-docker-migrate: error: internal error while rendering the {settings.output_format} "
                f"report ({type(e).__name__}: {e}); nothing was written; please report this")
            return 2
    write_results(results, settings)
    for r in results:
        if r.status is Status.FAILED:
            loc = f"{r.path}:{r.error_line}" if r.error_line else r.path
            err(f"{loc}: error: {r.error}")
    try:
        emit_report(render, results, settings, sys.stdout, command)
    except MemoryError:
        raise
    except Exception as e:  # only the write outcomes changed since the rendering above
        err(f"triton-docker-migrate: error: internal error while rendering the {settings.output_format} "
            f"report ({type(e).__name__}: {e}); please report this")
        return 2
    if not settings.quiet:
        err(summary_line(results, settings, time.monotonic() - start))
    return exit_code(results, settings)


def render_report(render, results, settings: Settings, stream, command: str) -> str:
    """The report in the chosen format; the text report in the layout ``stream`` asks for (a
    terminal: source lines, carets, colour)."""
    from ..report.stream import Terminal

    if settings.output_format == "text":
        return render(results, settings, Terminal.of(stream, command))
    return render(results, settings)


def emit_report(render, results, settings: Settings, stream, command: str) -> None:
    """The report on ``stream``: JSON and SARIF are UTF-8 whatever the locale or PYTHONIOENCODING
    says; the human formats use the stream's encoding, with what it cannot show escaped. A reader
    that went away (``| head``) ends the output quietly."""
    from ..report.stream import silence, write

    out = render_report(render, results, settings, stream, command)
    binary = getattr(stream, "buffer", None)
    if binary is None:  # a text stream without bytes below it (a test's StringIO)
        write(stream, out)
        return
    encoding = "utf-8" if settings.output_format in ("json", "sarif") else (stream.encoding or "utf-8")
    data = out.encode(encoding, "backslashreplace")
    try:
        stream.flush()
        binary.write(data)
        binary.flush()
    except BrokenPipeError:
        silence(stream)


def summary_line(results: list[FileResult], settings: Settings, seconds: float) -> str:
    from ..report.summary import plural, summary

    s = summary(results)
    verb = "changed" if settings.write_back.writes else "would change"
    f = s["findings"]
    return (f"{plural(s['files_scanned'], 'file')} scanned, {s['files_with_v1']} with V1, {s['files_changed']} "
            f"{verb}, {s['files_failed']} failed; findings: {plural(f['error'], 'error')}, "
            f"{plural(f['warning'], 'warning')}, {f['info']} info ({seconds:.2f}s)")
