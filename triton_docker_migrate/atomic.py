"""Reading a file as a known file, and replacing it atomically (CONTRACT.md, "Bad input").

Reading (``read_regular``): a FIFO, socket or device is never opened (``lstat`` first); the file
is opened without following a symlink and without blocking (so a FIFO swapped in meanwhile cannot
hang the run), checked again with ``fstat`` to be a regular file, and its identity (device and
inode) is kept with the bytes: ``Source``.

Writing (``write_atomic``): a temporary file beside the target, named ``.tdm-<pid>-<random>.tmp``
and locked (``flock``) while this process works on it; owner and group kept (a file whose owner or
group this user cannot give the new file is refused), extended attributes copied (ACLs, security
labels, ``user.*``), mode kept (set-user/group-ID bits too); fsync; then, right before the rename,
the target is checked to be the very file that was read (same device and inode, still a regular
file with one link) holding the bytes that were read. On Linux the rename is an exchange
(``renameat2(RENAME_EXCHANGE)``): the old file stays reachable under the temporary name, is read
once more, and if a write landed on it meanwhile the exchange is undone and the file is reported
as changed. Elsewhere the target's status (identity, size, modification and change times) is
compared once more just before ``os.replace``. What remains is in docs/guarantees.md ("Limits").

Stale temporary files (``remove_stale``): a run that was killed (SIGKILL, a power cut) can leave
its ``.tdm-*.tmp`` behind. A later run removes those older than itself whose writer is not alive
(the pid in the name is not a live process, and the file's lock is free); the walk never reports
them as input.
"""

from __future__ import annotations

import errno
import os
import re
import signal
import stat
import sys
import threading
from dataclasses import dataclass

TEMP_PREFIX = ".tdm-"
TEMP_SUFFIX = ".tmp"
#: ``.tdm-<pid>-<random>.tmp``; older versions wrote ``.tdm-<random>.tmp`` (no pid)
_TEMP_NAME = re.compile(r"^\.tdm-(?:(\d+)-)?[A-Za-z0-9_]+\.tmp$")
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_READ = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0) | _NOFOLLOW | _NONBLOCK


class ChangedDuringRun(OSError):
    pass


class NotRegular(OSError):
    """A FIFO, socket, device, directory or symlink where a regular file was expected."""


@dataclass(frozen=True)
class Source:
    """The file that was read: the path it was opened by and its identity."""

    path: str
    dev: int
    ino: int


def what(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISLNK(mode):
        return "a symlink"
    return "not a regular file"


def _not_regular(mode: int) -> NotRegular:
    return NotRegular(errno.EINVAL, f"not a regular file ({what(mode)})")


def open_regular(path: str) -> tuple[int, os.stat_result]:
    """A descriptor of the regular file ``path`` (never a FIFO, socket or device, never through a
    symlink at its last component) and its status."""
    st = os.lstat(path)
    if not stat.S_ISREG(st.st_mode):
        raise _not_regular(st.st_mode)
    try:
        fd = os.open(path, _READ)
    except OSError as e:
        if e.errno == errno.ELOOP and _NOFOLLOW:  # replaced by a symlink since the lstat
            raise _not_regular(stat.S_IFLNK) from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _not_regular(st.st_mode)
    except BaseException:
        os.close(fd)
        raise
    return fd, st


def read_regular(path: str, limit: int) -> tuple[bytes, Source]:
    """At most ``limit`` bytes of the regular file ``path``, and which file they came from."""
    fd, st = open_regular(path)
    try:
        data = _read_all(fd, limit)
    finally:
        os.close(fd)
    return data, Source(os.path.abspath(path), st.st_dev, st.st_ino)


def _read_all(fd: int, limit: int | None = None, offset: int | None = None) -> bytes:
    """Up to ``limit`` bytes (None: all) from the descriptor's position, or from ``offset``."""
    if offset is not None:
        os.lseek(fd, offset, os.SEEK_SET)
    parts = []
    total = 0
    while limit is None or total < limit:
        n = 1 << 20 if limit is None else min(1 << 20, limit - total)
        chunk = os.read(fd, n)
        if not chunk:
            break
        parts.append(chunk)
        total += len(chunk)
    return b"".join(parts)


# --- writing ---------------------------------------------------------------------------------

def write_atomic(path: str, data: bytes, expected_old: bytes, source: Source | None = None) -> None:
    """Replace ``path`` by ``data`` unless it is no longer the file that was read (``source``:
    same device and inode; without it, the file found now) holding ``expected_old``. An interrupt
    (SIGINT, SIGTERM) arriving meanwhile is held until the file is either replaced or left as it
    was, and no temporary file remains."""
    held = _hold_signals()
    try:
        _write(path, data, expected_old, source)
    finally:
        if held is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _hold_signals():
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        return None
    return signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})


def _changed(path: str) -> ChangedDuringRun:
    return ChangedDuringRun(f"{path} changed during the run")


def _check_target(path: str, st: os.stat_result, source: Source | None) -> None:
    if not stat.S_ISREG(st.st_mode) or source is not None and (st.st_dev, st.st_ino) != (source.dev, source.ino):
        raise _changed(path)  # replaced (by another file, a symlink, a FIFO ...) since it was read


def _write(path: str, data: bytes, expected_old: bytes, source: Source | None) -> None:
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise _changed(path) from None
    _check_target(path, st, source)
    if not os.access(path, os.W_OK) or not st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        # renaming over it would succeed: respect the file's own permission instead
        raise PermissionError(errno.EACCES, "the file is read-only")
    if st.st_nlink > 1:
        # a rename gives this name a new file and leaves the other names on the old one
        raise OSError(errno.EMLINK, f"the file has {st.st_nlink} hard links; replacing it would split them")
    directory = os.path.dirname(os.path.abspath(path))
    old_fd, old_st = open_regular(path)
    tmp = ""
    try:
        _check_target(path, old_st, source)
        tmp_fd, tmp = _temp_file(directory)
        with os.fdopen(tmp_fd, "wb") as f:
            f.write(data)
            f.flush()
            _keep_owner(tmp_fd, old_st)
            _keep_xattrs(old_fd, tmp_fd)
            # after chown, which clears set-user/group-ID bits
            os.chmod(tmp_fd if os.chmod in os.supports_fd else tmp, stat.S_IMODE(old_st.st_mode))
            os.fsync(tmp_fd)
            # the bytes that were read, still (read through the descriptor: the very file)
            if _read_all(old_fd, None, 0) != expected_old:
                raise _changed(path)
            before = os.fstat(old_fd)
            now = os.lstat(path)  # the last look at the name before it changes hands
            _check_target(path, now, source)
            if _status(now) != _status(before) or (now.st_dev, now.st_ino) != (old_st.st_dev, old_st.st_ino):
                raise _changed(path)
            if _exchange(tmp, path):
                # the old file is now at ``tmp``: a write that reached it since the compare above
                # is still there to see, and the exchange is undone
                if _content(os.fstat(old_fd)) != _content(before) or _read_all(old_fd, None, 0) != expected_old:
                    if not _exchange(tmp, path):
                        raise OSError(errno.EIO, f"{path}: could not undo the exchange; the old file is {tmp}")
                    raise _changed(path)
                os.unlink(tmp)
            else:
                os.replace(tmp, path)
            tmp = ""
        _sync_dir(directory)
    finally:
        os.close(old_fd)
        if tmp:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _status(st: os.stat_result) -> tuple:
    return st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_nlink, stat.S_IFMT(st.st_mode)


def _content(st: os.stat_result) -> tuple:
    """What a write changes (a rename changes the change time: not compared after the exchange)."""
    return st.st_size, st.st_mtime_ns


def _temp_file(directory: str) -> tuple[int, str]:
    """A new temporary file beside the target, locked while this process owns it."""
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=TEMP_SUFFIX, dir=directory)
    _lock(fd, shared=False)
    return fd, tmp


def _lock(fd: int, shared: bool) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows: the pid in the name is the only mark
        return True
    try:
        fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


def _keep_owner(fd: int, st: os.stat_result) -> None:
    if not hasattr(os, "fchown"):
        return
    now = os.fstat(fd)
    if (now.st_uid, now.st_gid) == (st.st_uid, st.st_gid):
        return
    try:
        os.chown(fd, st.st_uid, st.st_gid)
    except PermissionError:
        raise PermissionError(errno.EPERM, f"its owner and group ({st.st_uid}:{st.st_gid}) cannot be kept by "
                                           f"this user") from None


def _keep_xattrs(src_fd: int, dst_fd: int) -> None:
    """Every extended attribute of the old file on the new one (ACLs, security labels, user.*)."""
    if not hasattr(os, "listxattr"):
        return
    try:
        names = os.listxattr(src_fd)
    except OSError as e:
        if e.errno in (errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS):
            return
        raise
    for attr in names:
        value = os.getxattr(src_fd, attr)
        try:
            if os.getxattr(dst_fd, attr) == value:
                continue  # given already (a security label of the folder, an inherited ACL)
        except OSError:
            pass
        try:
            os.setxattr(dst_fd, attr, value)
        except OSError as e:
            raise OSError(e.errno, f"its extended attribute {attr} cannot be kept: {e.strerror}") from None


def _sync_dir(directory: str) -> None:
    try:
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


_renameat2 = None


def _exchange(a: str, b: str) -> bool:
    """Swap the files at ``a`` and ``b`` atomically (Linux ``renameat2(RENAME_EXCHANGE)``); False
    where the platform or the file system cannot."""
    global _renameat2
    if _renameat2 is None:
        _renameat2 = False
        if sys.platform.startswith("linux"):
            try:
                import ctypes

                libc = ctypes.CDLL(None, use_errno=True)
                fn = libc.renameat2
                fn.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint)
                fn.restype = ctypes.c_int
                _renameat2 = fn
            except (OSError, AttributeError):
                pass
    if not _renameat2:
        return False
    import ctypes

    at_fdcwd, rename_exchange = -100, 2
    if _renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False  # this file system (or kernel) cannot exchange: a plain rename then
    raise OSError(err, os.strerror(err))


# --- stale temporary files -------------------------------------------------------------------

def is_temp_name(name: str) -> bool:
    return name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX) and _TEMP_NAME.match(name) is not None


def remove_stale(path: str, older_than: float) -> bool:
    """Remove ``path`` (a ``.tdm-*.tmp`` file) if a killed run left it: modified before
    ``older_than`` (a time), its writer's pid not alive, its lock free. True when removed."""
    m = _TEMP_NAME.match(os.path.basename(path))
    if m is None:
        return False
    if m.group(1) is not None and _alive(int(m.group(1))):
        return False
    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_mtime >= older_than:
            return False
        fd = os.open(path, _READ)
    except OSError:
        return False
    try:
        if not _lock(fd, shared=False):
            return False  # a live writer holds it
        now = os.fstat(fd)
        if (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino):
            return False
        os.unlink(path)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def _alive(pid: int) -> bool:
    if pid == os.getpid() or os.name == "nt":  # os.kill would end a process on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists (another user's), or cannot tell: keep the file
    return True


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
    fd, tmp = _temp_file(directory)  # named and locked as the writer's: never taken for a stale one
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
        _sync_dir(directory)
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass
