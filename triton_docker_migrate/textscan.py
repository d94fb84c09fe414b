"""The batch run's hot loop: read source and documentation files (text by their name, see
``kinds.text_by_name``) and rule out those that cannot hold what the text handler reports.

``read_text_files(paths, first_read)`` -> ``(hits, ruled_out)``: ``hits`` lists ``(index, data)``
for each file the caller must look at - ``data`` its bytes (it may be reported, or it starts with
a byte-order mark or a shebang), or None (it could not be read, or it is longer than one read of
``first_read`` bytes: the caller reads it again); ``ruled_out`` counts the files read and ruled out.

The C version (``_speedups``, built when a compiler is at hand) does exactly this without the
interpreter's per-file overhead; this module's Python version is the reference and the fallback.
"""

from __future__ import annotations

import os

from .evidence import text_may_report

_O_READ = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
#: UTF-16/32 byte-order marks (the runner decodes such text) and a shebang (a script, whatever its
#: extension): such a file takes the long way
NOT_PLAIN = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff", b"#!")


def read_text_files_py(paths: list[str], first_read: int) -> tuple[list[tuple[int, bytes | None]], int]:
    hits: list[tuple[int, bytes | None]] = []
    ruled_out = 0
    for i, path in enumerate(paths):
        try:
            fd = os.open(path, _O_READ)
        except OSError:
            hits.append((i, None))
            continue
        try:
            data: bytes | None = os.read(fd, first_read)
        except OSError:
            data = None
        finally:
            os.close(fd)
        if data is None or len(data) >= first_read:
            hits.append((i, None))
        elif data.startswith(NOT_PLAIN) or text_may_report(data):
            hits.append((i, data))
        else:
            ruled_out += 1
    return hits, ruled_out


try:
    from ._speedups import read_text_files
except ImportError:  # not built: the same answers, a little slower
    read_text_files = read_text_files_py
