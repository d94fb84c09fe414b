"""A progress bar on stderr, only for a person at a terminal: never when stderr is not a TTY, with
``--quiet``, or when ``NO_COLOR`` is set (no escape codes at all then)."""

from __future__ import annotations

import os
import sys


def wanted(settings, stream=None) -> bool:
    stream = stream or sys.stderr
    if settings.quiet or "NO_COLOR" in os.environ or os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Bar:
    """Files scanned so far and the current path; the total is unknown while the walk goes on."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        # no refresh thread: the run forks worker processes, and a thread writing to stderr
        # at that moment would leave its lock held in every child
        self._progress = Progress(SpinnerColumn(), TextColumn("{task.completed} files scanned"),
                                  TextColumn("[dim]{task.fields[path]}"), TimeElapsedColumn(),
                                  console=Console(stderr=True), transient=True, auto_refresh=False)
        self._task = self._progress.add_task("scan", total=None, path="")
        self._progress.start()
        self._last = 0.0

    def update(self, scanned: int, path: str) -> None:
        import time

        from rich.markup import escape as markup

        from .terminal import escape

        path = escape(path)
        if len(path) > 60:
            path = "..." + path[-57:]
        path = markup(path)  # a name is text, never rich markup
        self._progress.update(self._task, completed=scanned, path=path)
        now = time.monotonic()
        if now - self._last >= 0.08:
            self._last = now
            self._progress.refresh()

    def stop(self) -> None:
        self._progress.stop()


def start(settings) -> Bar | None:
    if not wanted(settings):
        return None
    return Bar()
