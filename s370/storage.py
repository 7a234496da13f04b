"""Main storage and storage keys (GA22-7000, "Storage", "Protection").

Main storage is one ``bytearray`` (up to 16 MB). Large storages are backed by an
anonymous ``mmap`` instead, which behaves the same for the CPU but costs host
memory only for the pages that are touched (an idle 1 MB guest is nearly free).

Storage keys: one byte per 2K block, laid out as the SSK/ISK byte is: bits 0-3
access-control key, bit 4 fetch protection, bit 5 reference, bit 6 change.

Translated code (s370/blocks.py) is recorded here, since every writer of storage
(CPUs, channels, CP, loaders) must see it: ``code[b]`` is a bit mask of the bytes
of 2K block ``b`` that some translated block was made from. Every store tests
the mark of its block and, where it is set, calls ``written``, which invalidates
exactly the translated blocks whose bytes the store changed. Writers outside the
CPU use ``write`` (or call ``written`` after a direct store into ``mem``).
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
        self.code = [0] * (size // BLOCK)       # per 2K block: bytes holding translated code
        self.code_blocks: dict[int, list] = {}  # 2K block -> translated blocks made from it
        self.stale = bytearray(1)               # set when a store invalidated translated code
        self.cpus: list = []                    # CPUs attached (SSK and RRB purge their TLBs)

    def clear(self) -> None:
        """Zero storage and keys (system reset clear)."""
        if self.sparse:
            self.mem.close()
            self.mem = mmap.mmap(-1, self.size)
        else:
            self.mem[:] = bytes(self.size)
        self.keys[:] = bytes(len(self.keys))
        self.written(0, self.size)
        for cpu in self.cpus:
            cpu.purge_access()

    def write(self, address: int, data: bytes) -> None:
        """Store ``data`` at real ``address`` from outside a CPU (channel, CP,
        loaders): no key checks, translated code it overwrites is invalidated."""
        self.mem[address:address + len(data)] = data
        self.written(address, len(data))

    def written(self, address: int, length: int) -> None:
        """Real storage [address, address + length) was changed: drop the
        translated blocks made from any of its bytes."""
        code = self.code
        b = address >> 11
        if (address + length - 1) >> 11 == b and length > 0:     # the common case
            c = code[b]
            if c:
                lo = address & 0x7FF
                if c >> lo & ((1 << length) - 1):
                    self._invalidate(b, lo, lo + length)
            return
        if length <= 0:
            return
        for b in range(address >> 11, min((address + length - 1) >> 11, len(code) - 1) + 1):
            if code[b]:
                lo = max(address - (b << 11), 0)
                hi = min(address + length - (b << 11), BLOCK)
                if code[b] >> lo & ((1 << (hi - lo)) - 1):
                    self._invalidate(b, lo, hi)

    def add_code(self, block) -> None:
        """Record a translated block made from real bytes [block.real,
        block.real + block.size) (within one 2K block)."""
        b = block.real >> 11
        lo = block.real & 0x7FF
        self.code[b] |= ((1 << block.size) - 1) << lo
        self.code_blocks.setdefault(b, []).append(block)

    def forget(self, block) -> None:
        """A CPU replaced ``block`` (made from other real storage): no longer
        watch its bytes for it."""
        self._keep(block.real >> 11, lambda blk: blk is not block)

    def _invalidate(self, b: int, lo: int, hi: int) -> None:
        """Drop the translated blocks of 2K block ``b`` overlapping bytes [lo, hi)."""
        def keep(blk) -> bool:
            s = blk.real & 0x7FF
            if s < hi and lo < s + blk.size:
                blk.drop()
                return False
            return True
        self._keep(b, keep)
        self.stale[0] = 1

    def _keep(self, b: int, keep) -> None:
        """Keep the translated blocks of 2K block ``b`` for which ``keep`` is
        true, and the mark of their bytes."""
        kept = [blk for blk in self.code_blocks.get(b, ()) if keep(blk)]
        mask = 0
        for blk in kept:
            mask |= ((1 << blk.size) - 1) << (blk.real & 0x7FF)
        self.code[b] = mask
        if kept:
            self.code_blocks[b] = kept
        else:
            self.code_blocks.pop(b, None)

    def load(self, data: bytes, address: int = 0) -> None:
        """Place ``data`` at real ``address`` (like Hercules' loadcore)."""
        if address < 0 or address + len(data) > self.size:
            raise MachineError(
                f"image of {len(data)} bytes at {address:X} does not fit in {self.size // 1024}K storage")
        self.write(address, data)

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
