"""Main storage and storage keys (GA22-7000, "Storage", "Protection").

Main storage is one ``bytearray`` (up to 16 MB). Large storages are backed by an
anonymous ``mmap`` instead, which behaves the same for the CPU but costs host
memory only for the pages that are touched (an idle 1 MB guest is nearly free).

Storage keys: one byte per 2K block, laid out as the SSK/ISK byte is: bits 0-3
access-control key, bit 4 fetch protection, bit 5 reference, bit 6 change.
"""
from __future__ import annotations

import mmap

from .errors import MachineError

MAX_STORAGE = 16 * 1024 * 1024
BLOCK = 2048
KEY_ACC, KEY_FETCH, KEY_REF, KEY_CHANGE = 0xF0, 0x08, 0x04, 0x02


class Storage:
    """Main storage of ``size`` bytes with its storage keys."""

    def __init__(self, size: int, sparse: bool = False):
        if size <= 0 or size > MAX_STORAGE or size % BLOCK:
            raise MachineError(f"storage size {size} must be a multiple of 2K up to 16M")
        self.size = size
        self.sparse = sparse
        self.mem = mmap.mmap(-1, size) if sparse else bytearray(size)
        self.keys = bytearray(size // BLOCK)

    def clear(self) -> None:
        """Zero storage and keys (system reset clear)."""
        if self.sparse:
            self.mem.close()
            self.mem = mmap.mmap(-1, self.size)
        else:
            self.mem[:] = bytes(self.size)
        self.keys[:] = bytes(len(self.keys))

    def load(self, data: bytes, address: int = 0) -> None:
        """Place ``data`` at real ``address`` (like Hercules' loadcore)."""
        if address < 0 or address + len(data) > self.size:
            raise MachineError(
                f"image of {len(data)} bytes at {address:X} does not fit in {self.size // 1024}K storage")
        self.mem[address:address + len(data)] = data

    def read(self, address: int, length: int) -> bytes:
        """Real storage bytes without key checks (for dumps and the operator)."""
        if address < 0 or address + length > self.size:
            raise MachineError(f"storage {address:X}.{length:X} is outside {self.size:X}")
        return bytes(self.mem[address:address + length])

    def resident_bytes(self) -> int:
        """Host memory actually backing this storage (sparse storages count only
        touched pages, via mincore-like probing of /proc when available)."""
        return self.size if not self.sparse else _mapped_rss(self.mem, self.size)


def _mapped_rss(mm: mmap.mmap, size: int) -> int:
    """Resident bytes of an anonymous mapping, read from /proc/self/smaps."""
    import ctypes
    addr = ctypes.addressof(ctypes.c_char.from_buffer(mm))
    try:
        with open("/proc/self/smaps") as f:
            lines = f.read().splitlines()
    except OSError:
        return size
    for i, line in enumerate(lines):
        head = line.split()[0]
        if "-" in head and all(c in "0123456789abcdef-" for c in head):
            lo, hi = (int(x, 16) for x in head.split("-"))
            if lo <= addr < hi:
                for ln in lines[i + 1:i + 20]:
                    if ln.startswith("Rss:"):
                        return int(ln.split()[1]) * 1024
    return size
