"""Where the reports go: writing to a stream whose reader may have gone (``| head``), and what a
stream is (a person's terminal, colour or not)."""

from __future__ import annotations

import os
from dataclasses import dataclass


def silence(stream) -> None:
    """Point ``stream``'s file descriptor at ``/dev/null``: its reader went away, and what is left
    in its buffer (flushed again at exit) must not fail there."""
    try:
        fd = stream.fileno()
        devnull = os.open(os.devnull, os.O_WRONLY)
    except (AttributeError, OSError, ValueError):
        return
    try:
        os.dup2(devnull, fd)
    except OSError:
        pass
    finally:
        os.close(devnull)


def write(stream, text: str) -> bool:
    """Write ``text`` and flush; False (quietly) when the reader has gone."""
    try:
        stream.write(text)
        stream.flush()
        return True
    except BrokenPipeError:
        silence(stream)
        return False


def write_bytes(stream, data: bytes) -> bool:
    """``data`` as they are (the migrated text of ``migrate -``: byte for byte)."""
    binary = getattr(stream, "buffer", None)
    try:
        stream.flush()
        if binary is None:  # a text stream without bytes below it (a test's StringIO)
            stream.write(data.decode("utf-8", "surrogateescape"))
        else:
            binary.write(data)
            binary.flush()
        return True
    except BrokenPipeError:
        silence(stream)
        return False


def isatty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def colour_wanted(stream, env=None) -> bool:
    """Colour on a terminal; never with ``NO_COLOR`` set (whatever its value) or ``TERM=dumb``;
    also off a terminal with ``FORCE_COLOR`` set (not empty, ``0`` or ``false``)."""
    env = os.environ if env is None else env
    if "NO_COLOR" in env:
        return False
    if env.get("FORCE_COLOR", "").strip().lower() not in ("", "0", "false"):
        return True
    return env.get("TERM") != "dumb" and isatty(stream)


@dataclass(frozen=True)
class Terminal:
    """How the text report is shown: ``rich`` (a person at a terminal: each finding with its source
    line, a caret under the span, the fix as a preview, a closing count) or one line per finding;
    ``colour``: ANSI colours; ``command``: what applies the fixes, for the closing line."""

    rich: bool = False
    colour: bool = False
    command: str = "triton-docker-migrate migrate ."

    @classmethod
    def of(cls, stream, command: str) -> "Terminal":
        env = os.environ
        return cls(rich=isatty(stream) and env.get("TERM") != "dumb", colour=colour_wanted(stream, env),
                   command=command)
