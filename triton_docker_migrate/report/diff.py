"""Unified diffs of original and new bytes, with ``\\ No newline at end of file`` markers."""

from __future__ import annotations

import difflib


def unified_diff(path: str, old: bytes | None, new: bytes) -> str:
    """``old`` None: ``path`` is a new file (``--- /dev/null``)."""
    a = old.decode("utf-8", "surrogateescape").splitlines(keepends=True) if old is not None else []
    b = new.decode("utf-8", "surrogateescape").splitlines(keepends=True)
    out = []
    from .terminal import escape

    path = escape(path)  # a header is one line; the lines of the file are the file's own
    old_name, new_name = (path, path) if path.startswith("/") else (f"a/{path}", f"b/{path}")
    if old is None:
        old_name = "/dev/null"
    for line in difflib.unified_diff(a, b, old_name, new_name, n=3):
        if line.startswith(("---", "+++")):
            out.append(line.rstrip("\n") + "\n")
            continue
        if not line.endswith("\n"):
            line += "\n\\ No newline at end of file\n"
        out.append(line)
    return "".join(out)
