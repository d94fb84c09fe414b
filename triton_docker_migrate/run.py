"""A whole run: discover -> read and prefilter -> process the files with V1 evidence (in a process
pool when there are many) -> write (atomically) -> report -> exit code.

The hot path is a file without V1 evidence: it is read once, searched by ``evidence.maybe_v1``, and
forgotten (only a counter remembers it). Everything else goes through ``runner.process_file``, which
never raises. Results are the same, and in the same order, whether a pool was used or not."""

from __future__ import annotations

import os
import sys
import time
from typing import Iterable, Iterator

from . import evidence, kinds, textscan
from .discover import Candidate, Discovery, Walker, exclude_matcher
from .model import FileResult, Finding, Severity, Status
from .settings import Settings

MAX_BYTES = 10 * 1024 * 1024
_FIRST_READ = 65536
#: start the process pool once this many candidates were seen, or this many files needed parsing
POOL_AFTER_FILES = 64
POOL_AFTER_PARSED = 32
CHUNK = 256
#: before the pool starts, whether to start it is asked after each slice of this many files
SLICE = 64
#: UTF-16/32 text: the runner decodes it to look for evidence (and reports it as unsupported)
_UTF16_BOMS = textscan.UTF16_32
#: V1 server rules: a run that reports one of these migrates a V1 server (model configs follow)
_SERVER_RULES = ("TDM101", "TDM202", "TDM3")


class Results(list):
    """The reported results, plus the number of candidate files read (``files_scanned``): files
    the prefilter skipped are counted, not kept."""

    scanned: int = 0


def _err(msg: str) -> None:
    print(msg, file=sys.stderr)


def _is_dockerfile_name(name: str) -> bool:
    return name.startswith(("Dockerfile", "Containerfile")) or name.lower().endswith(".dockerfile")


def read_bytes(path: str, may_skip_binary=None) -> bytes:
    """At most 10 MiB + 1 bytes of ``path`` (one read for the usual small file). A big file with a
    NUL byte in its first 8 KiB is not text, skipped unless named or owned: when
    ``may_skip_binary()`` says so, it is not read past its first 64 KiB."""
    fd = os.open(path, textscan.O_READ)
    try:
        data = os.read(fd, _FIRST_READ)
        if len(data) < _FIRST_READ:
            return data
        if may_skip_binary is not None and b"\0" in data[:8192] and not data.startswith(_UTF16_BOMS) \
                and may_skip_binary():
            return data
        parts = [data]
        total = len(data)
        while total <= MAX_BYTES:
            more = os.read(fd, min(1 << 20, MAX_BYTES + 1 - total))
            if not more:
                break
            parts.append(more)
            total += len(more)
        return b"".join(parts)
    finally:
        os.close(fd)


class Scanner:
    """Reads candidates and decides what needs processing; one per process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.scanned = 0
        self.parsed = 0
        #: (candidate, why): decided once every file was seen
        self.deferred: list[tuple[Candidate, str]] = []
        #: (display of a Dockerfile's folder, COPY sources it runs)
        self.entrypoints: list[tuple[str, list[str]]] = []
        #: Dockerfiles are held back (not parsed here) while this process may still fork workers:
        #: BuildKit's parser is Go code, and a forked copy of a process that has loaded the Go
        #: runtime can hang in its first parse
        self.hold = False
        #: every file that needs parsing is held back (the scout, see _run_pool)
        self.hold_all = False
        self.held: list[Candidate] = []

    def scan(self, c: Candidate, data: bytes | None = None) -> FileResult | None:
        """``data``: the whole file, already read."""
        try:
            return self._scan(c, data)
        except Exception as e:  # a bug here must not stop the run (the runner itself never raises)
            r = FileResult(c.display, "text", Status.FAILED, explicit=c.explicit)
            _fail(r, f"internal error ({type(e).__name__}: {e}); please report this with the file")
            return r

    def scan_all(self, cands: list[Candidate], out: list[FileResult]) -> None:
        """``scan`` each candidate into ``out``. The usual files go through ``textscan`` first,
        which reads them and rules out the bulk: source and documentation files (by extension),
        and the others whose name asks for nothing more (Dockerfiles are looked into for the
        scripts they run, model configurations are remembered)."""
        text_by_name = kinds.text_by_name
        plain: list[Candidate] = []
        other: list[Candidate] = []
        for c in cands:
            if c.explicit:
                r = self.scan(c)
                if r is not None:
                    out.append(r)
                continue
            display = c.display
            if text_by_name(display):
                plain.append(c)
                continue
            name = display[display.rfind("/") + 1:]
            if _is_dockerfile_name(name) or name == "config.pbtxt":
                r = self.scan(c)
                if r is not None:
                    out.append(r)
            else:
                other.append(c)
        for group, text in ((plain, True), (other, False)):
            if not group:
                continue
            hits, ruled_out = textscan.read_files([c.path for c in group], _FIRST_READ, text)
            self.scanned += ruled_out
            for i, data in hits:
                r = self.scan(group[i], data)
                if r is not None:
                    out.append(r)

    def _scan(self, c: Candidate, data: bytes | None) -> FileResult | None:
        if data is None:
            try:
                data = read_bytes(c.path, lambda: not c.explicit and kinds.kind_by_name(c.path) in (None, "text"))
            except OSError:
                from .runner import process_file

                r = process_file(c.path, c.display, self.settings, c.explicit)  # reports or skips as it must
                if r.status is Status.FAILED:
                    self.scanned += 1
                return self._keep(r)
        self.scanned += 1
        name = c.display.rsplit("/", 1)[-1]
        if _is_dockerfile_name(name) and (b"COPY" in data or b"ADD" in data or b"copy" in data or b"add" in data):
            srcs = kinds.entrypoint_sources(c.path, data)
            if srcs:
                self.entrypoints.append((c.display.rsplit("/", 1)[0] if "/" in c.display else ".", srcs))
        if not c.explicit and len(data) <= MAX_BYTES and not data.startswith(_UTF16_BOMS):
            if kinds.text_by_name(c.display) and not data.startswith(b"#!"):
                if not evidence.text_may_report(data):  # only strong evidence is reported in text
                    return None
            elif not evidence.maybe_v1(data):
                if name == "config.pbtxt":
                    self.deferred.append((c, "model-config"))
                return None
            head = data[:8192]
            if kinds.kind_of(c.path, head) == "text" and b"\0" not in head:
                if kinds.is_extensionless(c.path):
                    self.deferred.append((c, "script"))  # a Dockerfile of the run may run it
                    return None
                if not evidence.text_may_report(data):
                    return None
        self.parsed += 1
        if self.hold_all or self.hold and kinds.kind_by_name(c.path) == "dockerfile":
            self.held.append(c)
            self.scanned -= 1  # counted when it is read again, here or in a worker
            return None
        from .runner import process_file

        return self._keep(process_file(c.path, c.display, self.settings, c.explicit, data=data))

    @staticmethod
    def _keep(r: FileResult) -> FileResult | None:
        if r.has_evidence or r.explicit or r.status is Status.FAILED:
            return r
        return None


# --- the process pool --------------------------------------------------------------------------
# A task is ("files", [Candidate, ...]) or ("tree", [Pending, ...]): folders the worker walks
# itself - until it has read TASK_FILES files (or parsed TASK_PARSED), when it hands the folders
# it has not listed yet back, to be shared out again. So the walk, the reads and the parsing all
# run in the workers, and no worker is left with a large subtree while the others wait.
_WORKER: Scanner | None = None
_WALK: tuple = (None, frozenset(), None)
#: a "tree" task ends after this many files read, or this many files parsed
TASK_FILES = 256
TASK_PARSED = 12
#: folders per "tree" task, at most (fewer when few are left, so that every worker gets some)
TASK_FOLDERS = 8
#: files the scout reads while the handlers are imported, about as long as that takes (0: no scout)
SCOUT_FILES = 3072
#: which pool runs the tasks: "own" (pool.py) or "futures" (concurrent.futures, ``_run_pool_futures``);
#: set only by the benchmark (bench/run.py --ablation), which compares the two
POOL = "own"


def _init_worker(settings: Settings, walk: tuple, spawned: bool = False, scout: bool = False) -> None:
    global _WORKER, _WALK
    _WORKER = Scanner(settings)
    _WORKER.hold_all = scout
    _WALK = walk
    if spawned:
        _preload()


def _on_directory(d: str, names: list[str]) -> None:
    if "Chart.yaml" in names:
        kinds.note_directory(d, True)


def _do_task(task):
    assert _WORKER is not None
    return _run_task(_WORKER, _WALK, task)


def _run_task(w: Scanner, walk: tuple, task):
    """(files read, results, deferred, entrypoints, warnings, files held back to be parsed by
    another worker, folders not listed yet). ``walk`` is (exclude matcher, explicit keys, budget):
    a "tree" task stops listing folders once it has read ``budget[0]`` files or parsed (or held)
    ``budget[1]`` (no budget: it walks them all)."""
    w.scanned = 0
    w.parsed = 0
    w.deferred = []
    w.entrypoints = []
    w.held = []
    warnings: list[str] = []
    what, payload = task
    out = []
    left: list = []
    if what == "files":
        w.scan_all(payload, out)
    else:
        excl, explicit_keys, budget = walk
        walker = Walker(excl, warnings.append, _on_directory, explicit_keys)
        walker.stack.extend(reversed(payload))
        while walker.stack:
            if budget is not None and (w.scanned >= budget[0] or w.parsed >= budget[1]):
                left = walker.stack
                break
            w.scan_all(walker.step(), out)
    return w.scanned, out, w.deferred, w.entrypoints, warnings, w.held, left


def _chunks(items: Iterable[Candidate], size: int) -> Iterator[tuple[str, list[Candidate]]]:
    chunk: list[Candidate] = []
    for c in items:
        chunk.append(c)
        if len(chunk) >= size:
            yield "files", chunk
            chunk = []
    if chunk:
        yield "files", chunk


def _workers(settings: Settings) -> int:
    if settings.jobs:
        return max(1, settings.jobs)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _preload() -> None:
    """Import what processing needs (pure Python: the Go parser itself loads at the first parse)."""
    from . import discover, runner, suppress, verify, writer  # noqa: F401
    from .documents import dockerfile, text  # noqa: F401
    from .rules import catalog, engine, modelrepo  # noqa: F401

    runner._load_handlers()
    import pathspec  # noqa: F401  (for the .gitignore files the workers meet)


class Work:
    """What is left once the pool starts: candidates in hand (``files`` tasks, then those of a walk
    that cannot be split) and folders still to walk, handed out a few at a time."""

    def __init__(self, files: Iterator[tuple[str, list[Candidate]]], folders: Iterable = ()) -> None:
        from collections import deque

        self.files = files
        self.folders = deque(folders)
        self.held: deque = deque()  # files held back by the scout, to be parsed

    def next_task(self, workers: int):
        if self.held:
            return self.held.popleft()
        task = next(self.files, None)
        if task is not None:
            return task
        if not self.folders:
            return None
        n = max(1, min(TASK_FOLDERS, len(self.folders) // (2 * workers)))
        return "tree", [self.folders.popleft() for _ in range(n)]

    def scout_task(self):
        """Every folder: the scout stops at its budget and hands the rest back."""
        folders = list(self.folders)
        self.folders.clear()
        return "tree", folders

    def done(self, result) -> None:
        """Take in what a task hands back: files held for parsing (shared out a few at a time),
        folders not listed."""
        self.held.extend(_chunks(result[-2], TASK_PARSED))
        self.give_back(result[-1])

    def give_back(self, folders: list) -> None:
        """Folders a task did not list (a walker's stack: the next one last) go first: the walk
        stays depth-first, so the queue stays short."""
        self.folders.extendleft(folders)


def _work(rest: list[Candidate], walker: Walker | None, walkers: Iterator[Walker], d: Discovery) -> Work:
    all_walkers = ([walker] if walker is not None else []) + list(walkers)
    if d.nested:  # overlapping folders: one walk in this process, the reading in the workers
        from itertools import chain

        return Work(_chunks(chain(rest, *all_walkers), CHUNK))
    folders = [p for w in all_walkers for p in reversed(w.stack)]
    return Work(_chunks(rest, CHUNK), folders)


def process_all(paths: list[str], settings: Settings, progress=None) -> Results:
    results = Results()
    kinds.ENTRYPOINT_SCRIPTS.clear()
    kinds.forget_charts()
    scanner = Scanner(settings)
    excl = exclude_matcher(settings.exclude + settings.extend_exclude)
    d = Discovery(paths, excl, warn=_err, on_directory=_on_directory)
    workers = _workers(settings)
    scanner.hold = workers > 1 and _can_fork()
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
    if workers > 1 and SCOUT_FILES and d.roots and not d.nested and _can_fork():
        # folders to walk: the scout starts on them at once, this process only imports and hands
        # out (nothing read here first, not even the root's .gitignore)
        rest = list(files)
    for i, c in enumerate(files if rest is None else ()):
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
    held, scanner.hold = scanner.held, False
    if rest is None:
        for c in held:  # no pool after all: parsed here
            scan(c)
    scanned = scanner.scanned
    deferred = list(scanner.deferred)
    entrypoints = list(scanner.entrypoints)
    if rest is not None:
        work = _work(held + rest, walker, walkers, d)
        warnings: list[str] = []
        for n, rs, dfr, eps, warns, _held, _left in _run_pool(work, settings, workers, excl, d.explicit_keys):
            warnings.extend(warns)
            scanned += n
            results.extend(rs)
            deferred.extend(dfr)
            entrypoints.extend(eps)
            if progress is not None:
                progress(scanned, rs[-1].path if rs else "")
        for msg in sorted(warnings, key=_walk_order):  # as a walk in this process gives them
            _err(msg)
    deferred.sort(key=lambda cw: _walk_order(cw[0].display))
    entrypoints.sort(key=lambda fe: _walk_order(fe[0]))
    results.extend(_finish(deferred, entrypoints, paths, results, settings))
    results.scanned = scanned
    results.sort(key=lambda r: r.path)
    return results


def _walk_order(path: str) -> list[str]:
    """The order a walk meets paths in: folder by folder, names sorted."""
    return path.split("/")


def _can_fork() -> bool:
    """Fork is the cheap start (no second interpreter, nothing imported twice), and safe as long
    as this process has not loaded the Go runtime of BuildKit's parser (``dockerfile``)."""
    return hasattr(os, "fork") and "dockerfile" not in sys.modules


def _run_pool(work: Work, settings: Settings, workers: int, excl, explicit_keys) -> Iterable:
    """The results of the tasks of ``work``, as they finish (the caller sorts them); the folders
    a task hands back are shared out again. A worker that dies (killed, out of memory, a crash in
    a parser) does not hang the run: the tasks left are done in this process, after one warning.

    Forked workers share the handlers this process imports first (``_preload``, tens of
    milliseconds). Meanwhile a scout - a worker forked before that, which ends after one task -
    walks and reads the first folders on the other CPU, holding back what needs parsing."""
    if POOL == "futures":
        yield from _run_pool_futures(work, settings, workers, excl, explicit_keys)
        return
    from .pool import Pool

    fork = _can_fork()
    keys = frozenset(explicit_keys)
    walk = (excl, keys, (TASK_FILES, TASK_PARSED))
    pool = None
    try:
        if fork and SCOUT_FILES and work.folders:
            pool = Pool(1, _init_worker, (settings, (excl, keys, (SCOUT_FILES, SCOUT_FILES)), False, True),
                        _do_task, once=True)
            pool.send(work.scout_task())
        if fork:
            _preload()  # once, before the fork: the workers share it instead of importing it each
        # else: this process has loaded BuildKit's Go parser (a forked copy can hang in its first
        # parse): the workers are fresh interpreters
        if pool is None:
            pool = Pool(workers, _init_worker, (settings, walk, not fork), _do_task, spawn=not fork)
        else:
            pool.start(workers, _init_worker, (settings, walk))
        yield from pool.results(lambda: work.next_task(workers), work.done)
        lost = pool.lost
    except BaseException:  # Ctrl-C, or the run stopped: the workers end at once
        if pool is not None:
            pool.close(now=True)
        raise
    else:
        pool.close()
    if lost:
        yield from _after_lost(work, settings, (excl, keys, None), lost)


def _after_lost(work: Work, settings: Settings, walk: tuple, lost: list) -> Iterable:
    """A worker died: its tasks and the rest are done in this process, after one warning."""
    _err("triton-docker-migrate: warning: a worker process died; the files left are processed in this process")
    scanner = Scanner(settings)
    for task in lost:
        yield _run_task(scanner, walk, task)
    while (task := work.next_task(1)) is not None:
        yield _run_task(scanner, walk, task)


def _init_futures_worker(*args) -> None:
    from .pool import _ignore_sigint

    _ignore_sigint()
    _init_worker(*args)


def _run_pool_futures(work: Work, settings: Settings, workers: int, excl, explicit_keys) -> Iterable:
    """``_run_pool`` on ``concurrent.futures``: the same tasks, one in flight per worker, handed out
    as results come back, and the same scout (a one-worker executor forked before ``_preload``).
    A dead worker (BrokenProcessPool) leaves its tasks to this process; SIGINT is blocked while
    workers fork and ignored in them; on Ctrl-C the workers are killed."""
    import multiprocessing
    import signal
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    fork = _can_fork()
    ctx = multiprocessing.get_context("fork" if fork else "spawn")
    keys = frozenset(explicit_keys)
    executors: list[ProcessPoolExecutor] = []
    flight: dict = {}  # future -> (task, from the scout)
    lost: list = []

    def start(n: int, init_args: tuple) -> ProcessPoolExecutor:
        ex = ProcessPoolExecutor(n, ctx, _init_futures_worker, init_args)
        executors.append(ex)
        return ex

    def submit(ex: ProcessPoolExecutor, task, scout: bool = False) -> None:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})  # the first submit forks
        try:
            flight[ex.submit(_do_task, task)] = (task, scout)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)

    try:
        if fork and SCOUT_FILES and work.folders:
            submit(start(1, (settings, (excl, keys, (SCOUT_FILES, SCOUT_FILES)), False, True)),
                   work.scout_task(), scout=True)
        if fork:
            _preload()
        pool = start(workers, (settings, (excl, keys, (TASK_FILES, TASK_PARSED)), not fork))
        while True:
            while not lost and sum(not scout for _, scout in flight.values()) < workers:
                task = work.next_task(workers)
                if task is None:
                    break
                submit(pool, task)
            if not flight:
                break
            done, _ = wait(flight, return_when=FIRST_COMPLETED)
            for f in done:
                task, scout = flight.pop(f)
                try:
                    result = f.result()
                except BrokenProcessPool:
                    lost.append(task)
                    continue
                work.done(result)
                yield result
    except BaseException:  # Ctrl-C, or the run stopped: the workers end at once, and are reaped
        for ex in executors:  # (the CLI leaves an interrupted run with os._exit)
            procs = list((ex._processes or {}).values())  # no public way to kill them before 3.14
            ex.shutdown(wait=False, cancel_futures=True)
            for proc in procs:
                proc.kill()
                proc.join()
        raise
    for ex in executors:  # the scout's sits idle until here
        ex.shutdown()
    if lost:
        yield from _after_lost(work, settings, (excl, keys, None), lost)


def _finish(deferred: list[tuple[Candidate, str]], entrypoints: list[tuple[str, list[str]]],
            paths: list[str], results: list[FileResult], settings: Settings) -> list[FileResult]:
    """Files whose handling depends on the whole run: extension-less scripts (shell when a
    Dockerfile of the run COPYs and runs them) and model configurations (checked when the run
    migrates a V1 server)."""
    from .runner import process_file

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


def _migrates_server(r: FileResult) -> bool:
    if getattr(r, "v1_server", False):
        return True
    return any(f.rule.startswith(_SERVER_RULES) for f in r.findings if f.rule != "TDM104")


# --- writing and exit code ---------------------------------------------------------------------
def write_results(results: list[FileResult], settings: Settings) -> None:
    if not settings.write_back.writes:
        return
    from .atomic import ChangedDuringRun, write_atomic

    for r in results:
        if r.status is not Status.CHANGED or r.new is None:
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


# --- the whole run -----------------------------------------------------------------------------
def _renderer(name: str):
    import importlib

    try:
        return importlib.import_module(f"{__package__}.report.{name}").render
    except ImportError:
        return None


def run(paths: list[str], settings: Settings) -> int:
    """The whole run. An interrupt ends it with one line and exit 130: atomic.write_atomic holds
    the signal while a file is replaced, so each file is either as it was or completely written."""
    try:
        return _run(paths, settings)
    except KeyboardInterrupt:
        _err("triton-docker-migrate: interrupted; every file is either unchanged or completely migrated")
        return 130


def _run(paths: list[str], settings: Settings) -> int:
    start = time.monotonic()
    render = _renderer(settings.output_format)
    if render is None:
        _err(f"triton-docker-migrate: error: --format {settings.output_format} is not available yet")
        return 2
    from .report import progress as progress_mod

    bar = progress_mod.start(settings)
    try:
        missing = [p for p in paths if not os.path.lexists(p)]
        results = process_all([p for p in paths if os.path.lexists(p)], settings,
                              bar.update if bar is not None else None)
    finally:
        if bar is not None:
            bar.stop()
    for p in missing:
        r = FileResult(p.replace(os.sep, "/"), "text", Status.FAILED, explicit=True)
        _fail(r, "no such file or directory")
        results.append(r)
        results.scanned += 1
    results.sort(key=lambda r: r.path)
    write_results(results, settings)
    for r in results:
        if r.status is Status.FAILED:
            loc = f"{r.path}:{r.error_line}" if r.error_line else r.path
            _err(f"{loc}: error: {r.error}")
    out = render(results, settings)
    try:
        sys.stdout.write(out)
        sys.stdout.flush()
    except BrokenPipeError:
        pass
    if not settings.quiet:
        _err(summary_line(results, settings, time.monotonic() - start))
    return exit_code(results, settings)


def summary_line(results: list[FileResult], settings: Settings, seconds: float) -> str:
    from .report.summary import summary

    s = summary(results)
    verb = "changed" if settings.write_back.writes else "would change"
    f = s["findings"]
    return (f"{s['files_scanned']} files scanned, {s['files_with_v1']} with V1, {s['files_changed']} {verb}, "
            f"{s['files_failed']} failed; findings: {f['error']} error, {f['warning']} warning, {f['info']} info "
            f"({seconds:.2f}s)")
