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

    out: list[FileResult] = _charts([c for c, why in deferred if why == "chart"], settings)
    results = list(results) + out
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
                data = read_bytes(c.path)
            except OSError:
                data = None
            if data is None or os.path.realpath(c.path) in run_by_docker or evidence.text_may_report(data):
                r = Scanner._keep(process_file(c.path, c.display, settings, c.explicit, data=data))
                if r is not None:
                    out.append(r)
    configs = [c for c, why in deferred if why == "model-config"]
    if configs and any(_migrates_server(r) for r in results):
        for c in configs:
            r = Scanner._keep(process_file(c.path, c.display, settings, c.explicit, force=True))
            if r is not None:
                out.append(r)
    return out


def _charts(cands: list[Candidate], settings: Settings) -> list[FileResult]:
    """Each Helm chart with a file in the run, as one unit (its subcharts with it): processed when
    one of its files may hold V1 (or is named on the command line), else skipped like any file
    without evidence."""
    from .. import charts
    from ..pipeline import process_unit

    units: dict[str, list[Candidate]] = {}
    for c in cands:
        top = charts.top_of(c.path)
        if top is not None:
            units.setdefault(top, []).append(c)
    out: list[FileResult] = []
    for top, group in units.items():
        unit = charts.unit_of(top)
        shown = {os.path.abspath(c.path): c for c in group}
        explicit = frozenset(m.path for m in unit.members if shown.get(os.path.abspath(m.path), _NONE).explicit)
        if not explicit and not unit.packaged_v1 and not any(_may_hold_v1(m.path) for m in unit.members):
            continue
        absolute = any(os.path.isabs(c.display) for c in group)

        def display(p: str, shown=shown, absolute=absolute) -> str:
            c = shown.get(os.path.abspath(p))
            if c is not None:
                return c.display
            return (os.path.abspath(p) if absolute else os.path.relpath(p)).replace(os.sep, "/")

        for r in process_unit(unit, settings, explicit, display):
            kept = Scanner._keep(r)
            if kept is not None:
                out.append(kept)
    return out


class _NoCandidate:
    explicit = False


_NONE = _NoCandidate()


def _may_hold_v1(path: str) -> bool:
    try:
        return evidence.maybe_v1(read_bytes(path))
    except OSError:
        return True  # an unreadable member: the unit reports it


def _migrates_server(r: FileResult) -> bool:
    if getattr(r, "v1_server", False):
        return True
    return any(f.rule.startswith(_SERVER_RULES) for f in r.findings if f.rule != "TDM104")


# --- writing and exit code ---------------------------------------------------------------------
def write_results(results: list[FileResult], settings: Settings) -> None:
    if not settings.write_back.writes:
        return
    from ..atomic import ChangedDuringRun, write_atomic

    for r in results:
        if r.status is not Status.CHANGED or r.new is None:
            continue
        try:
            write_atomic(_path_of(r), r.new, r.original or b"")
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
