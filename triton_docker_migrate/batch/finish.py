"""The end of a batch run: files whose handling depends on the whole run (extension-less scripts
that a Dockerfile runs, model configurations of a run that migrates a V1 server), writing the
changed files, and the exit code."""

from __future__ import annotations

import os

from .. import evidence, kinds
from ..discover import Candidate
from ..model import FileResult, Status
from ..settings import Settings
from ..pipeline import failed
from .scan import Scanner, read_bytes

_SERVER_RULES = ("TDM101", "TDM202", "TDM3")


def finish(deferred: list[tuple[Candidate, str]], entrypoints: list[tuple[str, list[str]]],
            paths: list[str], results: list[FileResult], settings: Settings) -> list[FileResult]:
    """Files whose handling depends on the whole run: extension-less scripts (shell when a
    Dockerfile of the run COPYs and runs them) and model configurations (checked when the run
    migrates a V1 server)."""
    from ..pipeline import process_file

    out: list[FileResult] = []
    scripts = [c for c, why in deferred if why == "script"]
    if scripts:
        roots = {"."} | {p for p in paths if os.path.isdir(p)}
        run_by_docker: set[str] = set()
        for folder, srcs in entrypoints:
            for src in srcs:
                for base in roots | {folder}:
                    run_by_docker.add(os.path.realpath(os.path.join(base, src)))
        kinds.ENTRYPOINT_SCRIPTS.update(run_by_docker)
        for c in scripts:
            try:
                data, source = read_bytes(c.path)
            except OSError:
                data = source = None
            if data is None or os.path.realpath(c.path) in run_by_docker or evidence.text_may_report(data):
                r = process_file(c.path, c.display, settings, c.explicit, data=data)
                if source is not None:
                    r.source = source
                r = Scanner._keep(r)
                if r is not None:
                    out.append(r)
    configs = [c for c, why in deferred if why == "model-config"]
    if configs and any(_migrates_server(r) for r in results):
        for c in configs:
            r = Scanner._keep(process_file(c.path, c.display, settings, c.explicit, force=True))
            if r is not None:
                out.append(r)
    return out


def _migrates_server(r: FileResult) -> bool:
    if getattr(r, "v1_server", False):
        return True
    return any(f.rule.startswith(_SERVER_RULES) for f in r.findings if f.rule != "TDM104")


# --- writing and exit code ---------------------------------------------------------------------
def write_results(results: list[FileResult], settings: Settings) -> None:
    if not settings.write_back.writes:
        return
    from ..atomic import ChangedDuringRun, Source, write_atomic

    for r in results:
        if r.status is not Status.CHANGED or r.new is None:
            continue
        source = r.source if isinstance(r.source, Source) else None
        try:
            write_atomic(source.path if source is not None else _path_of(r), r.new, r.original or b"", source)
            r.written = True
        except ChangedDuringRun:
            failed(r, "the file changed during the run; not written", keep=True)
        except OSError as e:
            failed(r, f"cannot write: {e.strerror or e}", keep=True)


def _path_of(r: FileResult) -> str:
    return r.path if os.path.isabs(r.path) else os.path.join(os.getcwd(), r.path)


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


# --- the whole run -----------------------------------------------------------------------------
