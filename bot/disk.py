"""Writing files so that a full disk, a read-only folder or a power cut loses nothing, and saying so in one line.

Two things every writer of the index or the corpus needs:

- `write_new(path, data)` creates a file that did not exist, writes all of it and fsyncs it; if anything fails the
  partial file is removed. A writer then renames the finished file (or folder) into place and calls `fsync_dir`
  on the folder, so that after a power cut the rename is either there with complete contents or not there at all.
- `explain(exc, ...)` turns an `OSError` into one sentence naming the path, the cause (no space left, permission
  denied, read-only filesystem, …) and what to do. `DiskProblem` is the base of the errors that carry it;
  `bot.index.store.IndexDiskProblem` and `bot.ingest.corpus.CorpusDiskProblem` are the ones raised.
"""
from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

# cause (what the user reads), remedy (what to do about that folder)
_CAUSES: dict[int, tuple[str, str]] = {
    errno.ENOSPC: ("no space left on the device", "free some space on that disk"),
    errno.EDQUOT: ("the disk quota is exceeded", "free some space or ask for a larger quota"),
    errno.EROFS: ("read-only filesystem", "remount it read-write"),
    errno.EACCES: ("permission denied", "give your user access to it (e.g. `chmod u+rwx` on the folder)"),
    errno.EPERM: ("operation not permitted", "give your user access to it (e.g. `chmod u+rwx` on the folder)"),
    errno.EIO: ("input/output error (the disk may be failing)", "check the disk (`dmesg`, `fsck`)"),
    errno.ENOENT: ("no such file or folder", "check that the folder exists"),
    errno.ENOTDIR: ("a part of the path is not a folder", "check the path"),
    errno.EMFILE: ("too many open files", "close other programs or raise `ulimit -n`"),
}
# causes that another folder avoids
_ELSEWHERE = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO}


class DiskProblem(Exception):
    """A filesystem fault while reading or writing the corpus or the index, explained in one line."""

    def __init__(self, message: str, path: str | os.PathLike | None = None, errno_: int | None = None):
        super().__init__(message)
        self.path = str(path) if path is not None else None
        self.errno = errno_


def cause(exc: OSError) -> str:
    """'no space left on the device', 'read-only filesystem', 'permission denied', … for an OSError."""
    known = _CAUSES.get(exc.errno or -1)
    if known:
        return known[0]
    return (exc.strerror or str(exc) or exc.__class__.__name__).rstrip(".")


def explain(exc: OSError, doing: str, path: str | os.PathLike | None = None, env_var: str | None = None,
            outcome: str = "", where: str | os.PathLike | None = None) -> str:
    """One line: `cannot DOING: CAUSE (WHERE). REMEDY[, or set ENV_VAR to another folder][; OUTCOME].` WHERE is
    `where` if given, else the file the error names, else `path`."""
    where = where if where is not None else exc.filename if exc.filename is not None else path
    remedy = _CAUSES.get(exc.errno or -1, ("", "check the path and the disk"))[1]
    if env_var and exc.errno in _ELSEWHERE:
        remedy += f", or set {env_var} to another folder"
    message = f"cannot {doing}: {cause(exc)}" + (f" ({where})" if where is not None else "")
    return f"{message}. {remedy[:1].upper()}{remedy[1:]}" + (f"; {outcome}." if outcome else ".")


def _with_path(exc: OSError, path: Path) -> OSError:
    """`os.write` and `os.fsync` errors carry no file name: add it, so the message can name the file."""
    if exc.filename is None:
        exc.filename = str(path)
    return exc


def write_new(path: Path, data: bytes | memoryview) -> None:
    """Create `path` (it must not exist yet), write all of `data` and fsync it. On any failure — a full disk in
    the middle of the data, an interrupted write — the partial file is removed and the error re-raised."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        view = memoryview(data).cast("B")
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    except BaseException as exc:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(path)
        if isinstance(exc, OSError):
            raise _with_path(exc, path)
        raise
    try:
        os.close(fd)
    except OSError as exc:  # e.g. a network filesystem reporting a delayed write error
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise _with_path(exc, path)


def fsync_dir(path: Path) -> None:
    """Make the names in a folder durable (a rename, a new or removed file). Filesystems that cannot fsync a folder
    (EINVAL) are skipped: there is nothing more to do on them."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
            raise _with_path(exc, path)
    finally:
        os.close(fd)


def unreadable(path: Path) -> str | None:
    """None when `path` can be opened and read, else the cause ('permission denied', …)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as exc:
        return cause(exc)
    try:
        if not os.path.isdir(path):
            os.read(fd, 1)
    except OSError as exc:
        return cause(exc)
    finally:
        os.close(fd)
    return None
