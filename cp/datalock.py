"""One CP per data folder: an exclusive lock on ``<data>/cp.lock``.

Two CPs on one folder would both hand out the same spool ids and overwrite each
other's files. The lock is ``flock`` on a file that also holds the owner's
process id, so the second CP can say who has the folder; the kernel drops the
lock when the owner dies, even by SIGKILL, so a crash never leaves the folder
locked.
"""
from __future__ import annotations

import os
from pathlib import Path

from .backends import MachineError

try:
    import fcntl
except ImportError:             # not on this system: no locking
    fcntl = None

LOCK_NAME = "cp.lock"


class DataLock:
    """Holds the lock while the object lives (or until ``release``)."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.fd: int | None = None

    def acquire(self) -> "DataLock":
        """Take the lock or raise MachineError naming the folder and the owner."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise MachineError(f"cannot use the data folder {self.folder}: {exc.strerror}") from None
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                owner = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
                os.close(fd)
                raise MachineError(f"the data folder {self.folder} is in use by another CP "
                                   f"(process {owner}); stop that one or give --data another folder") \
                    from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self.fd = fd
        return self

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
