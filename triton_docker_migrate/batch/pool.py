"""A small process pool for batch runs: each worker has one pipe for tasks and one for results.

concurrent.futures would do, at a price that counts in a batch run: importing it with
multiprocessing costs about 15 ms before the first task, and its two threads in the parent (a
queue feeder and a manager) take as much CPU as a third of a worker. Here the parent does nothing
between results but wait on the result pipes.

- Workers are forked (no second interpreter; what the parent imported is shared) unless the caller
  asks for fresh interpreters (``spawn``), where the platform cannot fork. A spawned worker runs this
  module with the parent's ``sys.path`` and speaks the same protocol over the same pipes.
- A message is an 8-byte length and a pickle. A worker has one task at a time: the parent writes a
  task only to an idle worker, so neither side can block on a full pipe while the other does.
- A worker that dies (end of file on its result pipe, or a broken task pipe) is not waited for:
  ``results`` stops and ``lost`` holds the tasks it did not finish, for the caller to redo.
- Ctrl-C and SIGTERM: workers ignore both (they are blocked while a worker starts, and ignored
  before it unblocks them); on the parent's KeyboardInterrupt (or ``signals.Terminated``)
  ``close(now=True)`` kills and reaps them at once.
- No worker outlives the parent: on Linux a forked worker asks the kernel for SIGKILL when its
  parent dies (``prctl(PR_SET_PDEATHSIG)``), whatever it is doing (a parent killed by SIGKILL, a
  CI timeout); elsewhere it ends when its task pipe closes.
- The parent waits on the result pipes with ``poll`` (``select`` cannot watch a descriptor above
  1023); a worker that cannot be started (no process or descriptor left) is not an error: the pool
  runs with the workers it has, at least one.
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
import sys
from typing import Any, Callable, Iterator

_HEADER = struct.Struct("<Q")
_BOOT = ("import sys, pickle; sys.path[:] = pickle.loads(bytes.fromhex(sys.argv[1])); "
         "from triton_docker_migrate.batch.pool import _spawned_main; _spawned_main(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))")


def _send(fd: int, obj: Any) -> None:
    data = pickle.dumps(obj, pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def _read_exact(fd: int, n: int) -> bytes | None:
    parts = []
    while n:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            return None
        parts.append(chunk)
        n -= len(chunk)
    return b"".join(parts)


def _recv(fd: int) -> Any:
    """The next message, or EOFError when the other side has gone."""
    head = _read_exact(fd, _HEADER.size)
    body = _read_exact(fd, _HEADER.unpack(head)[0]) if head is not None else None
    if body is None:
        raise EOFError
    return pickle.loads(body)


def _serve(rfd: int, wfd: int, handle: Callable[[Any], Any]) -> None:
    """A worker's life: a result (or the error that stopped the task) for each task, until the
    task pipe closes."""
    while True:
        try:
            task = _recv(rfd)
        except EOFError:
            return
        try:
            reply = (True, handle(task))
        except Exception as e:  # reported in the parent, as concurrent.futures would
            import traceback

            reply = (False, f"{type(e).__name__}: {e}\n{''.join(traceback.format_exc())}")
        _send(wfd, reply)


_STOP = {signal.SIGINT, signal.SIGTERM}


def _ignore_sigint() -> None:
    """A worker's first act: Ctrl-C (and a SIGTERM sent to the process group) reaches every
    worker, and the parent ends the pool (both were blocked while the worker started, so none came
    in between)."""
    for s in _STOP:
        signal.signal(s, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP)


def _die_with_parent(parent: int) -> None:
    """Linux: SIGKILL this worker when the parent dies (PR_SET_PDEATHSIG); if it already has, end
    now. Elsewhere the closed task pipe ends the worker."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG = 1
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:
        os._exit(1)


def _spawned_main(rfd: int, wfd: int, parent: int | None = None) -> None:
    _ignore_sigint()
    if parent is not None:
        _die_with_parent(parent)
    init, args, handle = _recv(rfd)
    init(*args)
    _serve(rfd, wfd, handle)


class WorkerError(RuntimeError):
    """A task raised in a worker (the worker's traceback is the message)."""


class Pool:
    """Worker processes that run ``handle(task)`` after ``init(*init_args)``; ``init``, ``handle``
    and the arguments must be picklable (by reference) when ``spawn`` is set."""

    def __init__(self, workers: int, init: Callable, init_args: tuple, handle: Callable,
                 spawn: bool = False) -> None:
        #: (pid, task fd, result fd, Popen or None) of each worker started
        self.procs: list[tuple[int, int, int, Any]] = []
        self.handle = handle
        self.spawn = spawn
        self.lost: list[Any] = []
        self.idle: list[tuple[int, int]] = []  # (task fd, result fd)
        self.busy: dict[int, tuple[int, Any]] = {}  # result fd -> (task fd, task)
        self.fds: set[int] = set()  # this process's open ends of the workers' pipes
        self.start(workers, init, init_args)

    def start(self, workers: int, init: Callable, init_args: tuple) -> None:
        blocked = hasattr(signal, "pthread_sigmask")
        old = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP) if blocked else None
        try:
            for _ in range(workers):
                try:
                    self._start(init, init_args)
                except OSError:  # no process or file descriptor left: run with those started
                    if not self.procs:
                        raise
                    break
        except BaseException:
            self.close()
            raise
        finally:
            if blocked:
                signal.pthread_sigmask(signal.SIG_SETMASK, old)

    def _start(self, init: Callable, init_args: tuple) -> None:
        task_r, task_w = os.pipe()
        try:
            res_r, res_w = os.pipe()
        except OSError:
            os.close(task_r)
            os.close(task_w)
            raise
        if self.spawn:
            import subprocess

            proc = subprocess.Popen([sys.executable, "-c", _BOOT, pickle.dumps(sys.path).hex(), str(task_r),
                                     str(res_w), str(os.getpid())], pass_fds=(task_r, res_w), stdin=subprocess.DEVNULL)
            os.close(task_r)
            os.close(res_w)
            self.fds.update((task_w, res_r))
            self.procs.append((proc.pid, task_w, res_r, proc))
            self.idle.append((task_w, res_r))
            _send(task_w, (init, init_args, self.handle))
            return
        sys.stdout.flush()
        sys.stderr.flush()
        parent = os.getpid()
        try:
            pid = os.fork()
        except OSError:
            for fd in (task_r, task_w, res_r, res_w):
                os.close(fd)
            raise
        if pid == 0:  # the worker
            code = 0
            try:
                _ignore_sigint()
                _die_with_parent(parent)
                os.close(task_w)
                os.close(res_r)
                for fd in self.fds:  # the parent's ends of the other workers' pipes
                    os.close(fd)
                init(*init_args)
                _serve(task_r, res_w, self.handle)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        os.close(task_r)
        os.close(res_w)
        self.fds.update((task_w, res_r))
        self.procs.append((pid, task_w, res_r, None))
        self.idle.append((task_w, res_r))

    def send(self, task: Any) -> bool:
        """Give ``task`` to an idle worker now (False: none is idle, or it has gone)."""
        if not self.idle:
            return False
        w, r = self.idle.pop()
        try:
            _send(w, task)
        except OSError:  # the worker is gone
            self.lost.append(task)
            return False
        self.busy[r] = (w, task)
        return True

    def results(self, next_task: Callable[[], Any], done: Callable[[Any], None]) -> Iterator[Any]:
        """Results of the tasks in flight and of those that ``next_task()`` hands out (until it
        returns None), as they come; ``done(result)`` is called before each is yielded (it may
        make more tasks). Stops early when a worker dies: its task and the others in flight are
        then in ``lost``."""
        import select

        busy = self.busy
        poller = select.poll() if hasattr(select, "poll") else None
        watched: set[int] = set()
        while True:
            while self.idle and not self.lost:
                task = next_task()
                if task is None or not self.send(task):
                    break
            if self.lost or not busy:
                break
            if poller is None:  # no poll(): few workers on such platforms
                ready, _, _ = select.select(list(busy), [], [])
            else:
                for fd in busy.keys() - watched:
                    poller.register(fd, select.POLLIN)
                    watched.add(fd)
                ready = []
                for fd, _ in poller.poll():
                    if fd in busy:
                        ready.append(fd)
                        poller.unregister(fd)
                        watched.discard(fd)
            for r in ready:
                w, task = busy.pop(r)
                try:
                    ok, payload = _recv(r)
                except EOFError:
                    self.lost.append(task)
                    continue
                if not ok:
                    raise WorkerError(payload)
                self.idle.append((w, r))
                done(payload)
                yield payload
            if self.lost:
                break
        self.lost.extend(task for _, task in busy.values())
        busy.clear()

    def close(self, now: bool = False) -> None:
        """End the workers (closing their task pipes) and reap them; a worker that does not end
        within seconds (a hung parser) is killed - with ``now`` (Ctrl-C, an error) at once: a
        worker never writes a file, so nothing is left half done."""
        for fd in list(self.fds):
            self._close(fd)
        wait = 0.0 if now else 5.0
        for pid, _, _, proc in self.procs:
            if proc is not None:  # a spawned interpreter
                if now:
                    proc.kill()
                else:
                    try:
                        proc.wait(timeout=wait)
                    except Exception:  # still running
                        proc.kill()
                proc.wait()
                continue
            if now or not _reaped(pid, wait):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
                _reaped(pid, None)
        self.procs = []

    def _close(self, fd: int) -> None:
        if fd in self.fds:
            self.fds.discard(fd)
            os.close(fd)

    def __enter__(self) -> "Pool":
        return self

    def __exit__(self, exc_type, *exc: object) -> None:
        self.close(now=exc_type is not None)


def _reaped(pid: int, timeout: float | None) -> bool:
    """Wait for ``pid`` to end (``timeout`` None: for ever)."""
    import time

    deadline = None if timeout is None else time.monotonic() + timeout
    delay = 0.0005
    while True:
        try:
            done, _ = os.waitpid(pid, 0 if deadline is None else os.WNOHANG)
        except ChildProcessError:
            return True
        if done:
            return True
        if time.monotonic() >= deadline:  # type: ignore[operator]
            return False
        time.sleep(delay)
        delay = min(delay * 2, 0.05)
