"""SIGINT and SIGTERM end a run the same way (CONTRACT.md, "Exit codes"): one line on stderr, exit
130 or 143, every file entirely old or entirely new (``atomic.write_atomic`` holds both signals
while it replaces a file), no temporary file and no worker process left (the pool kills and reaps
its workers when the exception passes through it).

The first signal raises ``KeyboardInterrupt`` (SIGINT) or ``Terminated`` (SIGTERM, a subclass, so
that every ``except KeyboardInterrupt`` and ``except BaseException`` clean-up runs for both); any
later one is ignored while the run winds down, so a second Ctrl-C or a service manager's repeated
SIGTERM cannot interrupt the clean-up with a traceback."""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import Iterator

_DONE = "every file is either unchanged or completely migrated"
INTERRUPTED = f"triton-docker-migrate: interrupted; {_DONE}"
TERMINATED = f"triton-docker-migrate: terminated; {_DONE}"
HANDLED = (signal.SIGINT, signal.SIGTERM)


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived."""


def exit_code(exc: BaseException) -> int:
    return 143 if isinstance(exc, Terminated) else 130


def message(exc: BaseException) -> str:
    return TERMINATED if isinstance(exc, Terminated) else INTERRUPTED


def ignore() -> None:
    """From now on both signals are ignored (the run is ending)."""
    if threading.current_thread() is threading.main_thread():
        for s in HANDLED:
            signal.signal(s, signal.SIG_IGN)


_stopped = False


def _stop(signum: int, frame) -> None:
    global _stopped
    _stopped = True
    ignore()
    raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


@contextlib.contextmanager
def handled() -> Iterator[None]:
    """SIGINT and SIGTERM raise inside the block (in the main thread; elsewhere nothing changes).
    A signal the process inherited as ignored (``nohup``, a background job) stays ignored."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {s: signal.getsignal(s) for s in HANDLED}
    for s, h in old.items():
        if h is not signal.SIG_IGN:
            signal.signal(s, _stop)
    try:
        yield
    finally:
        for s, h in old.items():
            if _stopped and h is _stop:
                continue  # an outer block is winding down the same run: stay ignored
            signal.signal(s, h if h is not None else signal.SIG_DFL)
