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

        self._progress = Progress(SpinnerColumn(), TextColumn("{task.completed} files scanned"),
                                  TextColumn("[dim]{task.fields[path]}"), TimeElapsedColumn(),
                                  console=Console(stderr=True), transient=True)
        self._task = self._progress.add_task("scan", total=None, path="")
        self._progress.start()

    def update(self, scanned: int, path: str) -> None:
        if len(path) > 60:
            path = "..." + path[-57:]
        self._progress.update(self._task, completed=scanned, path=path)

    def stop(self) -> None:
        self._progress.stop()


def start(settings) -> Bar | None:
    if not wanted(settings):
        return None
    return Bar()
