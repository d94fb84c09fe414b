"""The batch runs' process pool (triton_docker_migrate/pool.py): results, big messages, errors,
dead workers, spawned interpreters."""

from __future__ import annotations

import os

import pytest

from triton_docker_migrate.batch.pool import Pool, WorkerError

_STATE: dict = {}


def _init(tag: str) -> None:
    _STATE["tag"] = tag


def _handle(task):
    kind, n = task
    if kind == "echo":
        return (_STATE["tag"], os.getpid(), n)
    if kind == "big":
        return b"x" * n
    if kind == "raise":
        raise ValueError(f"bad task {n}")
    if kind == "die":
        os._exit(3)
    raise AssertionError(kind)


def _feed(tasks):
    it = iter(tasks)
    return lambda: next(it, None)


@pytest.mark.parametrize("spawn", [False, True])
def test_every_task_gets_its_result_from_an_initialised_worker(spawn):
    with Pool(2, _init, ("ready",), _handle, spawn=spawn) as pool:
        got = list(pool.results(_feed([("echo", i) for i in range(40)]), lambda r: None))
        assert pool.lost == []
    assert sorted(n for _, _, n in got) == list(range(40))
    assert {tag for tag, _, _ in got} == {"ready"}
    assert os.getpid() not in {pid for _, pid, _ in got}


def test_messages_larger_than_a_pipe_buffer_pass_both_ways():
    sizes = [1, 70_000, 3_000_000, 0, 200_000]
    with Pool(2, _init, ("x",), _handle) as pool:
        got = list(pool.results(_feed([("big", n) for n in sizes]), lambda r: None))
    assert sorted(map(len, got)) == sorted(sizes)


def test_done_may_add_work_while_results_come_in():
    queue = [("echo", 0)]
    seen = []

    def next_task():
        return queue.pop() if queue else None

    def done(res):
        n = res[2]
        if n < 5:
            queue.append(("echo", n + 1))

    with Pool(2, _init, ("x",), _handle) as pool:
        for res in pool.results(next_task, done):
            seen.append(res[2])
    assert seen == [0, 1, 2, 3, 4, 5]


def test_an_error_in_a_task_is_raised_in_the_parent_with_the_workers_traceback():
    with Pool(1, _init, ("x",), _handle) as pool:
        with pytest.raises(WorkerError, match=r"ValueError: bad task 7(.|\n)*_handle"):
            list(pool.results(_feed([("raise", 7)]), lambda r: None))


def test_a_dead_worker_ends_the_results_and_its_task_is_lost_not_waited_for():
    tasks = [("echo", 1), ("die", 0), ("echo", 2), ("echo", 3)]
    with Pool(1, _init, ("x",), _handle) as pool:
        got = list(pool.results(_feed(tasks), lambda r: None))
        assert [r[2] for r in got] == [1]
        assert pool.lost == [("die", 0)]


def test_close_reaps_every_worker():
    pool = Pool(2, _init, ("x",), _handle)
    pids = [p[0] for p in pool.procs]
    pool.close()
    for pid in pids:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def _sleep(task):
    import time

    time.sleep(task)
    return task


def test_closing_now_kills_busy_workers_at_once():
    import time

    pool = Pool(2, _init, ("x",), _sleep)
    assert pool.send(30) and pool.send(30)
    pids = [p[0] for p in pool.procs]
    t = time.monotonic()
    pool.close(now=True)
    assert time.monotonic() - t < 5
    for pid in pids:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
