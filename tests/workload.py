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


def lines_by_place(call) -> tuple[object, dict[tuple[str, int], int]]:
    """``call()``'s result and how many times each line of the package's code ran ((file, line) -> count):
    a step whose count grows faster than the input is seen here even when the rest of the work hides it."""
    counts: dict[tuple[str, int], int] = {}

    def line(frame, event, arg):
        if event == "line":
            key = (frame.f_code.co_filename, frame.f_lineno)
            counts[key] = counts.get(key, 0) + 1
        return line

    def start(frame, event, arg):
        return line if "triton_docker_migrate" in frame.f_code.co_filename else None

    sys.settrace(start)
    try:
        result = call()
    finally:
        sys.settrace(None)
    return result, counts
