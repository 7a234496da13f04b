"""The PC's I/O port bus: 64K byte-wide ports, each owned by at most one device.

A device registers a range of ports with a reader, a writer and the access widths
it decodes itself (``widths``: a mask of 1, 2 and 4). A word or dword access that
the owner of its first port does not decode is split into byte accesses at
successive ports, low byte first, as the PC's ISA bus does with 16- and 32-bit
cycles to 8-bit devices. A read from a port nobody owns returns all ones: the
undriven ISA data bus floats high.
"""
from __future__ import annotations

from typing import Callable

Reader = Callable[[int, int], int]           # (port, size) -> value
Writer = Callable[[int, int, int], None]     # (port, size, value)

_ONES = {1: 0xFF, 2: 0xFFFF, 4: 0xFFFFFFFF}


class IOBus:
    """Port space 0-FFFF. ``read(port, size)`` and ``write(port, size, value)`` are
    what the CPU's IN/OUT/INS/OUTS call (size 1, 2 or 4)."""

    def __init__(self) -> None:
        self._readers: list[Reader | None] = [None] * 0x10000
        self._writers: list[Writer | None] = [None] * 0x10000
        self._widths = bytearray(0x10000)

    def register(self, first: int, count: int, read: Reader | None, write: Writer | None,
                 widths: int = 1) -> None:
        """Give ports first..first+count-1 to a device. ``read`` or ``write`` may be
        None for a write-only or read-only range (reads then float high, writes
        vanish). ``widths``: the access sizes the device handles itself."""
        for port in range(first, first + count):
            if self._readers[port] is not None or self._writers[port] is not None:
                raise ValueError(f"I/O port {port:04X} is registered twice")
            self._readers[port] = read or _float
            self._writers[port] = write or _ignore
            self._widths[port] = widths | 1

    def read(self, port: int, size: int) -> int:
        """The value an IN of ``size`` bytes from ``port`` reads."""
        port &= 0xFFFF
        reader = self._readers[port]
        if reader is None:
            if size == 1:
                return 0xFF
            return self._split_read(port, size)
        if self._widths[port] & size:
            return reader(port, size)
        return self._split_read(port, size)

    def write(self, port: int, size: int, value: int) -> None:
        """An OUT of ``size`` bytes of ``value`` to ``port``."""
        port &= 0xFFFF
        writer = self._writers[port]
        if writer is not None and self._widths[port] & size:
            writer(port, size, value)
            return
        if size == 1:
            return
        for i in range(size):
            self.write((port + i) & 0xFFFF, 1, (value >> (8 * i)) & 0xFF)

    def _split_read(self, port: int, size: int) -> int:
        value = 0
        for i in range(size):
            value |= self.read((port + i) & 0xFFFF, 1) << (8 * i)
        return value


def _float(port: int, size: int) -> int:
    return _ONES[size]


def _ignore(port: int, size: int, value: int) -> None:
    return None
