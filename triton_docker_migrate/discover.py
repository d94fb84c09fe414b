"""Find the candidate files under the given paths."""

from __future__ import annotations

import fnmatch
import os
import sys
from dataclasses import dataclass
from typing import Iterator

SKIP_DIRS = {".git", ".hg", ".svn"}


@dataclass(frozen=True)
class Candidate:
    path: str  #: path to open
    display: str  #: path as reported
    explicit: bool  #: named on the command line


def display_path(path: str, given_absolute: bool) -> str:
    if given_absolute:
        return os.path.abspath(path).replace(os.sep, "/")
    rel = os.path.relpath(path)
    return rel.replace(os.sep, "/")


def _excluded(rel: str, name: str, globs: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatch(rel, g) or fnmatch.fnmatch(name, g) or fnmatch.fnmatch(rel, g.rstrip("/") + "/*")
               for g in globs)


def discover(paths: list[str], exclude: tuple[str, ...] = (), warn=None) -> Iterator[Candidate]:
    """Named files always; directories walked (no symlink out of the tree, each file once)."""
    warn = warn or (lambda msg: print(msg, file=sys.stderr))
    seen: set[str] = set()
    for given in paths:
        absolute = os.path.isabs(given)
        if not os.path.isdir(given) or os.path.islink(given) and not os.path.isdir(given):
            real = os.path.realpath(given)
            if real in seen:
                continue
            seen.add(real)
            yield Candidate(given, display_path(given, absolute), True)
            continue
        root_real = os.path.realpath(given)
        for path in _walk(given, root_real, exclude, warn):
            real = os.path.realpath(path)
            if real in seen:
                continue
            seen.add(real)
            yield Candidate(path, display_path(path, absolute), False)


def _walk(top: str, root_real: str, exclude: tuple[str, ...], warn) -> Iterator[str]:
    stack = [top]
    while stack:
        d = stack.pop()
        try:
            entries = sorted(os.scandir(d), key=lambda e: e.name)
        except OSError as e:
            warn(f"{d}: warning: cannot list directory: {e.strerror}")
            continue
        dirs = []
        for e in entries:
            rel = os.path.relpath(e.path, top).replace(os.sep, "/")
            if e.name in SKIP_DIRS or _excluded(rel, e.name, exclude):
                continue
            try:
                if e.is_symlink():
                    real = os.path.realpath(e.path)
                    if not (real == root_real or real.startswith(root_real + os.sep)):
                        warn(f"{display_path(e.path, os.path.isabs(top))}: warning: symlink leaves the tree; not followed")
                        continue
                    if os.path.isdir(real):
                        continue  # reached through its real path inside the tree
                    yield e.path
                    continue
                if e.is_dir(follow_symlinks=False):
                    dirs.append(e.path)
                elif e.is_file(follow_symlinks=False):
                    yield e.path
            except OSError:
                continue
        stack.extend(reversed(dirs))
