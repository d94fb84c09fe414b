"""Write a file atomically: temp file beside it, fsync, compare, rename; mode and owner kept."""

from __future__ import annotations

import os
import stat
import tempfile


class ChangedDuringRun(OSError):
    pass


def write_atomic(path: str, data: bytes, expected_old: bytes) -> None:
    """Replace ``path`` by ``data`` unless its bytes are no longer ``expected_old``."""
    st = os.stat(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tdm-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, stat.S_IMODE(st.st_mode))
        try:
            os.chown(tmp, st.st_uid, st.st_gid)
        except OSError:
            pass  # not permitted for other owners unless root: the mode is still kept
        with open(path, "rb") as f:
            if f.read() != expected_old:
                raise ChangedDuringRun(f"{path} changed during the run")
        os.replace(tmp, path)
        tmp = ""
        try:
            dfd = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        except OSError:
            pass
    finally:
        if tmp:
            try:
                os.unlink(tmp)
            except OSError:
                pass
