"""One writer per folder: an exclusive ``fcntl`` lock on ``<folder>/.lock``, which holds the owner's pid.

A run being trained or resumed, and a sweep being run or resumed, hold the lock of
their folder, so a second ``--resume`` of the same folder stops at once with one line
naming the process that has it, instead of deleting its trial in progress or
interleaving its metrics. The kernel releases the lock when the owner exits, even
when it is killed, so a stale ``.lock`` file never blocks anyone::

    lock = FolderLock.acquire(sweep_dir, "sweep folder")   # DlxError if another process holds it
    ...
    lock.release()

Where ``fcntl`` does not exist (Windows) nothing is locked.
"""
from __future__ import annotations

import os
from pathlib import Path

from dlx.errors import DlxError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

LOCK_FILE = ".lock"


class FolderLock:
    """The held lock of one folder (``acquire`` it; ``release`` it, or let the process end)."""

    def __init__(self, fd: int | None):
        self.fd = fd

    @classmethod
    def acquire(cls, folder: str | Path, what: str = "folder") -> "FolderLock":
        """Lock ``folder`` for this process; DlxError naming the other process if one holds it.

        Args:
            folder: an existing folder.
            what (default "folder"): how the message names it, e.g. "run folder".
        """
        if fcntl is None:
            return cls(None)
        fd = os.open(Path(folder) / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise DlxError(f"{what} '{folder}' is in use by another dlx process (pid {owner}); wait for it to "
                           f"end, or stop it (kill {owner}) and run the command again") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode("ascii"))
        return cls(fd)

    @classmethod
    def check(cls, folder: str | Path, what: str = "folder") -> None:
        """DlxError if another process holds ``folder`` (checked before reading what it is writing)."""
        if Path(folder).is_dir():
            cls.acquire(folder, what).release()

    def release(self) -> None:
        """Let another process have the folder (the file stays: removing it would race with a new owner)."""
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None
