"""The client adapter module a run writes for V1 client programs (``--unsafe-fixes``): its text (a
header naming the tool's version, then ``triton_v1_compat.py`` of this folder, which the tool never
imports), where it goes for a program (beside it, or ``--client-adapter PATH``), and what is there
already: nothing, a copy this version wrote (reused), or a file the tool must not touch."""

from __future__ import annotations

import keyword
import os
import re
from dataclasses import dataclass
from functools import lru_cache

from .. import __version__

NAME = "triton_v1_compat"
_HEADER = ("# triton-docker-migrate {version}: V1 client adapter - the V1 Python client API implemented on "
           "tritonclient.\n# Written by triton-docker-migrate for the programs beside it that import it; a "
           "later run of the same version reuses it.\n")
_HEADER_RE = re.compile(rb"# triton-docker-migrate (\S+): V1 client adapter\b")


@lru_cache(maxsize=1)
def text() -> str:
    """The adapter module this version writes."""
    body = open(os.path.join(os.path.dirname(__file__), NAME + ".py"), encoding="utf-8").read()
    return _HEADER.format(version=__version__) + body


def version_of(data: bytes) -> str | None:
    """The tool version whose adapter ``data`` is (None: not an adapter this tool wrote)."""
    m = _HEADER_RE.match(data)
    return m.group(1).decode("ascii", "replace") if m else None


def is_adapter(data: bytes) -> bool:
    return data.startswith(b"# triton-docker-migrate ") and version_of(data) is not None


@dataclass(frozen=True)
class Place:
    """Where a program's adapter goes and what is there."""

    path: str  #: on the file system
    display: str  #: as reports show it
    module: str  #: the name the program imports
    #: "absent" (to be written), "ours" (this version's copy: reused), "other-version" (another version
    #: of the tool wrote it), "foreign" (a file the tool did not write, a symlink, a folder ...)
    state: str
    found: str = ""  #: the version of the tool that wrote it ("other-version")
    beside: bool = True  #: in the program's folder (importable when the program runs as a script)


def check_setting(value: str) -> str | None:
    """What is wrong with ``--client-adapter PATH`` (None: nothing)."""
    if os.path.isdir(value) or value.endswith(("/", os.sep)):
        if not os.path.isdir(value):
            return f"{value}: no such folder"
        return None
    stem, ext = os.path.splitext(os.path.basename(value))
    if ext != ".py" or not stem.isidentifier() or keyword.iskeyword(stem):
        return f"{value}: the adapter is a Python module: name a folder or a file NAME.py (NAME a Python identifier)"
    parent = os.path.dirname(value) or "."
    if not os.path.isdir(parent):
        return f"{parent}: no such folder"
    return None


def place(program: str, display: str, setting: str | None) -> Place:
    """The adapter of the program at ``program`` (shown as ``display``)."""
    if setting:
        target = os.path.join(setting, NAME + ".py") if os.path.isdir(setting) else setting
        shown = target.replace(os.sep, "/")
        if shown.startswith("./"):
            shown = shown[2:]
        beside = os.path.realpath(os.path.dirname(target) or ".") == os.path.realpath(os.path.dirname(program) or ".")
    else:
        target = os.path.join(os.path.dirname(program), NAME + ".py")
        folder = display.rpartition("/")[0]
        shown = f"{folder}/{NAME}.py" if folder else f"{NAME}.py"
        beside = True
    module = os.path.splitext(os.path.basename(target))[0]
    state, found = _state(target)
    return Place(target, shown, module, state, found, beside)


def _state(path: str) -> tuple[str, str]:
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return "absent", ""
    except OSError:
        return "foreign", ""
    import stat

    if not stat.S_ISREG(st.st_mode):
        return "foreign", ""  # a symlink, folder, FIFO ...: never written through or over
    from ..atomic import read_regular  # never a FIFO, socket or device (it may change since the lstat)

    try:
        head = read_regular(path, 256)[0]
    except OSError:
        return "foreign", ""
    found = version_of(head)
    if found is None:
        return "foreign", ""
    return ("ours", found) if found == __version__ else ("other-version", found)
