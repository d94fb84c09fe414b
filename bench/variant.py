"""Run the installed tool as its console script does, with some of its machinery replaced: for
``bench/run.py --ablation`` only (the tool itself has no such switch a user could set).

    python bench/variant.py VARIANT migrate --check .

VARIANT is ``full`` (the tool as installed) or switches joined by ``+``:

- ``no-c``: ``textscan.read_files = textscan.read_files_py`` (the Python reference instead of the C
  extension ``_speedups``);
- ``futures``: the batch run's worker pool on ``concurrent.futures.ProcessPoolExecutor`` (fork
  context) instead of the tool's own ``batch/pool.py``: the same tasks, one in flight per worker,
  handed out as results come back;
- ``plain``: both.

The settings are module attributes read when a run starts, and the workers are forked from this
process, so they see them too. (The scout worker that the first ablation measured - a worker forked
before the readers were imported - showed no gain on either tree shape and is gone from the tool.)
"""

from __future__ import annotations

import sys

SWITCHES = ("no-c", "futures")


def run_pool_futures(work, settings, workers: int, excl, explicit_keys, tree=(), stale=None):
    """``batch.schedule.run_pool`` on ``concurrent.futures``. A dead worker (BrokenProcessPool) leaves
    its tasks to this process; SIGINT is blocked while workers fork and ignored in them; on Ctrl-C
    the workers are killed and reaped."""
    import multiprocessing
    import signal
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    from triton_docker_migrate.batch import schedule
    from triton_docker_migrate.batch.scan import Scanner, err

    fork = schedule.can_fork()
    ctx = multiprocessing.get_context("fork" if fork else "spawn")
    keys = frozenset(explicit_keys)
    flight: dict = {}
    lost: list = []
    if fork:
        schedule._preload()
    pool = ProcessPoolExecutor(workers, ctx, _init_worker,
                               (settings, (excl, keys, (schedule.TASK_FILES, schedule.TASK_PARSED), tree, stale), not fork))

    def submit(task) -> None:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})  # the first submit forks
        try:
            flight[pool.submit(schedule._do_task, task)] = task
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)

    try:
        while True:
            while not lost and len(flight) < workers:
                task = work.next_task(workers)
                if task is None:
                    break
                submit(task)
            if not flight:
                break
            done, _ = wait(flight, return_when=FIRST_COMPLETED)
            for f in done:
                task = flight.pop(f)
                try:
                    result = f.result()
                except BrokenProcessPool:
                    lost.append(task)
                    continue
                work.done(result)
                yield result
    except BaseException:  # Ctrl-C: the workers end at once, and are reaped
        procs = list((pool._processes or {}).values())  # no public way to kill them before 3.14
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in procs:
            proc.kill()
            proc.join()
        raise
    pool.shutdown()
    if lost:
        err("triton-docker-migrate: warning: a worker process died; the files left are processed in this process")
        scanner = Scanner(settings)
        walk = (excl, keys, None, tree, stale)
        for task in lost:
            yield schedule._run_task(scanner, walk, task)
        while (task := work.next_task(1)) is not None:
            yield schedule._run_task(scanner, walk, task)


def _init_worker(*args) -> None:
    from triton_docker_migrate.batch import schedule
    from triton_docker_migrate.batch.pool import _ignore_sigint

    _ignore_sigint()
    schedule._init_worker(*args)


def apply(variant: str) -> None:
    wanted = set(SWITCHES) if variant == "plain" else set() if variant == "full" else set(variant.split("+"))
    unknown = wanted - set(SWITCHES)
    if unknown:
        sys.exit(f"variant.py: unknown switch {', '.join(sorted(unknown))} (known: full, plain, {', '.join(SWITCHES)})")
    from triton_docker_migrate import textscan
    from triton_docker_migrate.batch import schedule

    if "no-c" in wanted:
        textscan.read_files = textscan.read_files_py
    if "futures" in wanted:
        schedule.run_pool = run_pool_futures


if __name__ == "__main__":
    apply(sys.argv.pop(1))
    from triton_docker_migrate.cli import main

    sys.argv[0] = "triton-docker-migrate"
    sys.exit(main())
