"""Write a file atomically: temp file beside it, fsync, compare, rename; mode and owner kept."""

from __future__ import annotations

import errno
import os
import signal
import stat
import tempfile
import threading


class ChangedDuringRun(OSError):
    pass


def write_atomic(path: str, data: bytes, expected_old: bytes) -> None:
    """Replace ``path`` by ``data`` unless its bytes are no longer ``expected_old``. An interrupt
    (SIGINT, SIGTERM) arriving meanwhile is held until the file is either replaced or left as it
    was, and no temporary file remains."""
    held = _hold_signals()
    try:
        _write(path, data, expected_old)
    finally:
        if held is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _hold_signals():
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        return None
    return signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})


def _write(path: str, data: bytes, expected_old: bytes) -> None:
    st = os.stat(path)
    if not os.access(path, os.W_OK) or not st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        # renaming over it would succeed: respect the file's own permission instead
        raise PermissionError(errno.EACCES, "the file is read-only")
    if st.st_nlink > 1:
        # a rename gives this name a new file and leaves the other names on the old one
        raise OSError(errno.EMLINK, f"the file has {st.st_nlink} hard links; replacing it would split them")
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tdm-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.chown(tmp, st.st_uid, st.st_gid)
        except OSError:
            pass  # not permitted for other owners unless root: the mode is still kept
        os.chmod(tmp, stat.S_IMODE(st.st_mode))  # after chown, which clears set-user/group-ID bits
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


def create_exclusive(path: str, data: bytes) -> None:
    """Create ``path`` holding ``data``, never over anything already there (a file, a dangling symlink)
    and never through a symlink: a temp file beside it, fsync, then a hard link to the name (which
    fails when the name exists), as atomic as a rename. Interrupts are held as in write_atomic."""
    held = _hold_signals()
    try:
        _create(path, data)
    finally:
        if held is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _create(path: str, data: bytes) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    umask = os.umask(0)
    os.umask(umask)
    mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(prefix=".tdm-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise
        except OSError as e:
            if e.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOSYS):
                raise
            # no hard links on this file system: create the name exclusively, then fill it
            out = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), mode)
            with os.fdopen(out, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        try:
            dfd = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        except OSError:
            pass
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass
