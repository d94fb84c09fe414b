"""The batch run's hot loop: read files and rule out those that cannot hold V1 evidence, before any
other look at them.

``read_files(paths, first_read, text)`` -> ``(hits, ruled_out)``. With ``text`` the files are
source and documentation files (text by their name, see ``kinds.text_by_name``), ruled out unless
they may hold what the text handler reports (``evidence.text_may_report``), start with a
byte-order mark or a shebang; otherwise they are ruled out unless they may hold any V1 evidence
(``evidence.maybe_v1``) or start with a UTF-16/32 byte-order mark. ``hits`` lists ``(index, data)``
for each file the caller must look at - ``data`` its bytes, or None when it could not be read or is
longer than one read of ``first_read`` bytes (the caller reads it again); ``ruled_out`` counts the
files read and ruled out.

The C version (``_speedups``, built when a compiler is at hand) does exactly this without the
interpreter's per-file overhead; this module's Python version is the reference and the fallback.
"""

from __future__ import annotations

import os
import stat

from .evidence import LITERALS, TEXT_LITERALS, maybe_v1, text_may_report

#: how files are opened for reading: never through a symlink, never blocking (a FIFO swapped in
#: for a file the walk listed); what is not a regular file goes the long way (``atomic``)
O_READ = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0) \
    | getattr(os, "O_NONBLOCK", 0)
#: UTF-16/32 byte-order marks: the runner decodes such text
UTF16_32 = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")
#: a source or documentation file that starts with one of these takes the long way (a shebang
#: makes it a script, whatever its extension)
NOT_PLAIN = UTF16_32 + (b"#!",)


def read_files_py(paths: list[str], first_read: int, text: bool) -> tuple[list[tuple[int, bytes | None]], int]:
    special, may = (NOT_PLAIN, text_may_report) if text else (UTF16_32, maybe_v1)
    hits: list[tuple[int, bytes | None]] = []
    ruled_out = 0
    for i, path in enumerate(paths):
        try:
            fd = os.open(path, O_READ)
        except OSError:
            hits.append((i, None))
            continue
        try:
            data: bytes | None = os.read(fd, first_read) if stat.S_ISREG(os.fstat(fd).st_mode) else None
        except OSError:
            data = None
        finally:
            os.close(fd)
        if data is None or len(data) >= first_read:
            hits.append((i, None))
        elif data.startswith(special) or may(data):
            hits.append((i, data))
        else:
            ruled_out += 1
    return hits, ruled_out


try:
    from ._speedups import configure, read_files
except ImportError:  # not built: the same answers, a little slower
    read_files = read_files_py
else:
    configure(TEXT_LITERALS, LITERALS)
