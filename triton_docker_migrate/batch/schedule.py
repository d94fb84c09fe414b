"""Tasks for the worker processes of a batch run, and running them.

A task is ("files", [Candidate, ...]) or ("tree", [Pending, ...]): folders the worker walks
itself - until it has read TASK_FILES files (or parsed TASK_PARSED), when it hands the folders
it has not listed yet back, to be shared out again. So the walk, the reads and the parsing all
run in the workers, and no worker is left with a large subtree while the others wait."""

from __future__ import annotations

import os
from typing import Iterable, Iterator

from .. import kinds
from ..discover import Candidate, Discovery, Walker
from ..settings import Settings
from .scan import Scanner, err

CHUNK = 256
_WORKER: Scanner | None = None
_WALK: tuple = (None, frozenset(), None)
#: a "tree" task ends after this many files read, or this many files parsed
TASK_FILES = 256
TASK_PARSED = 12
#: folders per "tree" task, at most (fewer when few are left, so that every worker gets some)
TASK_FOLDERS = 8


def _init_worker(settings: Settings, walk: tuple, spawned: bool = False) -> None:
    global _WORKER, _WALK
    _WORKER = Scanner(settings)
    _WALK = walk
    if spawned:
        _preload()


def on_directory(d: str, names: list[str]) -> None:
    if "Chart.yaml" in names:
        kinds.note_directory(d, True)


def _do_task(task):
    assert _WORKER is not None
    return _run_task(_WORKER, _WALK, task)


def _run_task(w: Scanner, walk: tuple, task):
    """(files read, results, deferred, entrypoints, warnings, configuration errors, folders not
    listed yet). ``walk`` is (exclude matcher, explicit keys, budget, tree, stale): a "tree" task
    stops listing folders once it has read ``budget[0]`` files or parsed ``budget[1]`` (no budget:
    it walks them all); ``tree`` and ``stale`` are the ``Discovery``'s (the named real paths; the
    time before which temporary files of killed runs are removed)."""
    w.scanned = 0
    w.parsed = 0
    w.deferred = []
    w.entrypoints = []
    warnings: list[str] = []
    what, payload = task
    out = []
    left: list = []
    if what == "files":
        w.scan_all(payload, out)
    else:
        excl, explicit_keys, budget, tree, stale = walk
        walker = Walker(excl, warnings.append, on_directory, explicit_keys, None, tree, stale)
        walker.stack.extend(reversed(payload))
        while walker.stack:
            if budget is not None and (w.scanned >= budget[0] or w.parsed >= budget[1]):
                left = walker.stack
                break
            w.scan_all(walker.step(), out)
    resolver = w.settings.resolver
    errors = resolver.take_errors() if resolver is not None else []
    return w.scanned, out, w.deferred, w.entrypoints, warnings, errors, left


def _chunks(items: Iterable[Candidate], size: int) -> Iterator[tuple[str, list[Candidate]]]:
    chunk: list[Candidate] = []
    for c in items:
        chunk.append(c)
        if len(chunk) >= size:
            yield "files", chunk
            chunk = []
    if chunk:
        yield "files", chunk


def cpu_count() -> int:
    """The CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


#: ``--jobs`` above this many workers per CPU is clamped (CONTRACT.md, "Command line")
JOBS_PER_CPU = 4


def workers(settings: Settings) -> int:
    if settings.jobs:
        return max(1, min(settings.jobs, JOBS_PER_CPU * cpu_count()))
    return cpu_count()


def _preload() -> None:
    """Import what processing needs, once, before the workers fork."""
    from .. import discover, pipeline, suppress, verify, writer  # noqa: F401
    from ..rules import engine, registry  # noqa: F401

    registry.load()

    for k in kinds.KINDS:  # the reader of every kind, once, before the workers fork
        kinds.load_reader(k)
    import pathspec  # noqa: F401  (for the .gitignore files the workers meet)


class Work:
    """What is left once the pool starts: candidates in hand (``files`` tasks, then those of a walk
    that cannot be split) and folders still to walk, handed out a few at a time."""

    def __init__(self, files: Iterator[tuple[str, list[Candidate]]], folders: Iterable = ()) -> None:
        from collections import deque

        self.files = files
        self.folders = deque(folders)

    def next_task(self, workers: int):
        task = next(self.files, None)
        if task is not None:
            return task
        if not self.folders:
            return None
        n = max(1, min(TASK_FOLDERS, len(self.folders) // (2 * workers)))
        return "tree", [self.folders.popleft() for _ in range(n)]

    def done(self, result) -> None:
        """Take in what a task hands back: the folders it did not list."""
        self.give_back(result[-1])

    def give_back(self, folders: list) -> None:
        """Folders a task did not list (a walker's stack: the next one last) go first: the walk
        stays depth-first, so the queue stays short."""
        self.folders.extendleft(folders)


def work(rest: list[Candidate], walker: Walker | None, walkers: Iterator[Walker], d: Discovery) -> Work:
    all_walkers = ([walker] if walker is not None else []) + list(walkers)
    if d.nested:  # overlapping folders: one walk in this process, the reading in the workers
        from itertools import chain

        return Work(_chunks(chain(rest, *all_walkers), CHUNK))
    folders = [p for w in all_walkers for p in reversed(w.stack)]
    return Work(_chunks(rest, CHUNK), folders)


def can_fork() -> bool:
    """Fork is the cheap start (no second interpreter, nothing imported twice); where the platform
    has none, the workers are fresh interpreters."""
    return hasattr(os, "fork")


def run_pool(work: Work, settings: Settings, workers: int, excl, explicit_keys, tree: tuple[str, ...] = (),
             stale: float | None = None) -> Iterable:
    """The results of the tasks of ``work``, as they finish (the caller sorts them); the folders
    a task hands back are shared out again. A worker that dies (killed, out of memory, a crash in
    a parser) does not hang the run: the tasks left are done in this process, after one warning.

    Forked workers share the readers this process imports first (``_preload``, tens of
    milliseconds); where the platform cannot fork, the workers are fresh interpreters."""
    from .pool import Pool

    fork = can_fork()
    keys = frozenset(explicit_keys)
    walk = (excl, keys, (TASK_FILES, TASK_PARSED), tree, stale)
    pool = None
    try:
        if fork:
            _preload()  # once, before the fork: the workers share it instead of importing it each
        pool = Pool(workers, _init_worker, (settings, walk, not fork), _do_task, spawn=not fork)
        yield from pool.results(lambda: work.next_task(workers), work.done)
        lost = pool.lost
    except BaseException:  # Ctrl-C, or the run stopped: the workers end at once
        if pool is not None:
            pool.close(now=True)
        raise
    else:
        pool.close()
    if lost:
        err("triton-docker-migrate: warning: a worker process died; the files left are processed in this "
             "process")
        scanner = Scanner(settings)
        walk = (excl, keys, None, tree, stale)
        for task in lost:
            yield _run_task(scanner, walk, task)
        while (task := work.next_task(1)) is not None:
            yield _run_task(scanner, walk, task)
