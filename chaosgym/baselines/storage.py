"""Durable files of a run: atomic writes with unique temporary names and an OS-level run lock.

* :func:`atomic_write` / :func:`atomic_save` write to a temporary file created with a unique
  name in the destination folder (``tempfile.mkstemp``), flush it to disk and move it onto the
  destination with ``os.replace``; a reader sees the old or the new file, never a torn one, and
  concurrent writers never share a temporary file.
* :class:`RunLock` holds an exclusive ``fcntl.flock`` on ``<run_dir>/.lock`` for as long as a
  process trains the run. The kernel releases it when the process dies, so a killed run never
  leaves a stale lock, and the lock file itself is never deleted (deleting it would let a second
  process lock a new inode while the first still holds the old one).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["CheckpointWarning", "RunLock", "RunLockedError", "atomic_save", "atomic_write"]


def _tmp_in(path: Path) -> tuple[int, Path]:
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp" + path.suffix,
                                dir=path.parent)
    return fd, Path(name)


def atomic_write(path: str | Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` atomically (a unique temporary file, fsync, ``os.replace``)."""
    path = Path(path)
    fd, tmp = _tmp_in(path)
    try:
        with os.fdopen(fd, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_save(save_fn: Callable[[Path], object], path: str | Path) -> None:
    """Call ``save_fn(tmp)`` on a unique temporary path, then move it onto ``path`` atomically.

    ``tmp`` keeps ``path``'s suffix (savers such as ``model.save`` append ``.zip`` otherwise).
    """
    path = Path(path)
    fd, tmp = _tmp_in(path)
    os.close(fd)
    try:
        save_fn(tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class CheckpointWarning(UserWarning):
    """A checkpoint file could not be read; an older checkpoint is used instead."""


class RunLockedError(RuntimeError):
    """Another live process holds the run's lock."""


class RunLock:
    """An exclusive, OS-level lock on a run folder (``fcntl.flock`` on ``<run_dir>/.lock``).

    ``with RunLock(run_dir): ...`` raises :class:`RunLockedError` at once if another process
    holds it (the message names the folder and, when known, the holder's pid). The lock is
    released on exit or when the process dies; the file stays.
    """

    def __init__(self, run_dir: str | Path) -> None:
        self.path = Path(run_dir) / ".lock"
        self._fd: int | None = None

    def __enter__(self) -> RunLock:
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
            os.close(fd)
            who = f"process {holder}" if holder.isdigit() else "another process"
            raise RunLockedError(f"{self.path.parent} is being trained by {who}") from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd
        return self

    def __exit__(self, *exc) -> None:
        import fcntl

        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
