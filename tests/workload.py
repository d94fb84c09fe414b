"""What the integrity and atomicity tests share: a tree of many V1 files, and a count of the work a
call does (deterministic, unlike a time)."""

from __future__ import annotations

import pathlib
import sys


def dockerfiles(root: pathlib.Path, n: int, data: bytes) -> list[pathlib.Path]:
    """``n`` folders under ``root``, each with a Dockerfile holding ``data``."""
    files = []
    for i in range(n):
        f = root / f"d{i:03d}" / "Dockerfile"
        f.parent.mkdir(parents=True)
        f.write_bytes(data)
        files.append(f)
    return files


def lines_run(call) -> tuple[object, int]:
    """``call()``'s result and the lines of Python it ran (every iteration of a loop counts, also one
    that calls nothing)."""
    count = 0

    def line(frame, event, arg):
        nonlocal count
        count += event == "line"
        return line

    sys.settrace(lambda frame, event, arg: line)
    try:
        result = call()
    finally:
        sys.settrace(None)
    return result, count
