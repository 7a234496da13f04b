"""Physical memory of the PC: RAM, ROM regions, the BIOS alias and MMIO pages.

Physical addresses are 32 bits. What answers at an address:

- RAM: one ``bytearray`` (``Memory.ram``) from 0 to ``size`` (default 16M).
- ROM (``map_rom``): read-only; the bytes live in ``ram`` when the region is below
  ``size`` (so instruction fetch and reads take the plain-RAM fast path) and in
  their own buffer when above it. Writes to ROM are ignored, as on a PC.
- The BIOS (``map_bios``): one image mapped twice, ending at 1M (F0000-FFFFF for a
  64K image) and ending at 4G (FFFF0000-FFFFFFFF), where the 80386 fetches its first
  instruction (CS base FFFF0000 + EIP FFF0; 80386 PRM section 10.1 "Processor State
  After Reset"). The PC chipset aliases the top of the 4G space to the BIOS.
- MMIO (``map_mmio``): device pages (the local APIC at FEE00000) whose reads and
  writes call the device: ``read(addr, size) -> int``, ``write(addr, size, value)``
  with ``addr`` the physical address and ``size`` in bytes.
- Nothing: reads give all ones (an open bus), writes are dropped.

The CPU's TLB caches only *plain* pages (ordinary RAM, or ROM for reads) and reads
and writes those through ``ram`` directly; every other access comes here. Pages
someone must hear about when written (the CPU's decoded-code pages; a monitor's
traced descriptor-table and page-table pages) are *watched*:
``watch(page, callback)``; every write here to a watched page calls each
``callback(addr, size)`` registered for it after the store, whoever writes (CPU
slow path, devices doing DMA, loaders). A page may have several watchers; each
``unwatch``-es only its own callback.
"""
from __future__ import annotations

import struct
from typing import Callable

from .errors import MachineError

PAGE_SHIFT = 12
PAGE_SIZE = 1 << PAGE_SHIFT
#: RAM size when the machine does not say (the issue's default).
DEFAULT_SIZE = 16 << 20

_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")

MmioRead = Callable[[int, int], int]
MmioWrite = Callable[[int, int, int], None]


class Memory:
    """The physical address space (see the module docstring)."""

    def __init__(self, size: int = DEFAULT_SIZE):
        if size <= 0 or size % PAGE_SIZE or size > 0xFFFFF000:
            raise MachineError(f"memory size {size} is not a positive multiple of 4K below 4G")
        self.size = size
        self.ram = bytearray(size)
        #: page number -> True for read-only pages inside ``ram``
        self.rom_pages: dict[int, bool] = {}
        #: page number -> (buffer, offset of the page in it) for ROM above ``size``
        self.high_rom: dict[int, tuple[bytes, int]] = {}
        #: page number -> (read, write) for device pages
        self.mmio: dict[int, tuple[MmioRead, MmioWrite]] = {}
        #: page number -> the write callback to call (see ``watch``): the one
        #: watcher's own, or a fan-out over several
        self.watched: dict[int, Callable[[int, int], None]] = {}
        #: page number -> the watchers' callbacks, in registration order
        self._watchers: dict[int, list] = {}

    # -- configuration ------------------------------------------------------
    def map_rom(self, addr: int, data: bytes) -> None:
        """Map ``data`` read-only at physical ``addr`` (page aligned)."""
        if addr % PAGE_SIZE or addr < 0 or addr + len(data) > 1 << 32:
            raise MachineError(f"ROM at {addr:#x} ({len(data)} bytes) is not page aligned "
                               "inside the 4G address space")
        data = bytes(data) + bytes(-len(data) % PAGE_SIZE)
        for off in range(0, len(data), PAGE_SIZE):
            page = (addr + off) >> PAGE_SHIFT
            if addr + off < self.size:
                self.ram[addr + off:addr + off + PAGE_SIZE] = data[off:off + PAGE_SIZE]
                self.rom_pages[page] = True
            else:
                self.high_rom[page] = (data, off)

    def map_bios(self, data: bytes) -> None:
        """Map a BIOS image ending at 1M and again ending at 4G (the PC convention)."""
        if not data or len(data) > 128 << 10 or len(data) % PAGE_SIZE:
            raise MachineError(f"a BIOS image must be 4K..128K in whole 4K pages, "
                               f"not {len(data)} bytes")
        self.map_rom((1 << 20) - len(data), data)
        self.map_rom((1 << 32) - len(data), data)

    def map_mmio(self, base: int, size: int, read: MmioRead, write: MmioWrite) -> None:
        """Route the pages of ``base .. base+size-1`` to a device."""
        for page in range(base >> PAGE_SHIFT, (base + size + PAGE_SIZE - 1) >> PAGE_SHIFT):
            self.mmio[page] = (read, write)

    def watch(self, page: int, callback: Callable[[int, int], None]) -> None:
        """Call ``callback(addr, size)`` after every write to physical page ``page``
        (once per callback, however often it is registered)."""
        callbacks = self._watchers.setdefault(page, [])
        if callback not in callbacks:
            callbacks.append(callback)
        self._route(page)

    def unwatch(self, page: int, callback: Callable[[int, int], None]) -> None:
        """Stop calling ``callback`` for writes to ``page`` (the other watchers stay)."""
        callbacks = self._watchers.get(page)
        if callbacks is None or callback not in callbacks:
            return
        callbacks.remove(callback)
        if not callbacks:
            del self._watchers[page]
        self._route(page)

    def _route(self, page: int) -> None:
        callbacks = self._watchers.get(page)
        if not callbacks:
            self.watched.pop(page, None)
        elif len(callbacks) == 1:
            self.watched[page] = callbacks[0]
        else:
            every = tuple(callbacks)        # a watcher may unwatch while being called

            def fan_out(addr: int, size: int) -> None:
                for cb in every:
                    cb(addr, size)
            self.watched[page] = fan_out

    # -- classification (what the CPU's TLB may cache) -----------------------
    def plain_read(self, page: int) -> bool:
        """Whether reads of ``page`` may go straight to ``ram``."""
        return (page << PAGE_SHIFT) < self.size and page not in self.mmio

    def plain_write(self, page: int) -> bool:
        """Whether writes to ``page`` may go straight to ``ram`` (no ROM, device, watch)."""
        return ((page << PAGE_SHIFT) < self.size and page not in self.mmio
                and page not in self.rom_pages and page not in self.watched)

    # -- access -------------------------------------------------------------
    def read(self, addr: int, size: int) -> int:
        """Read a little-endian value of ``size`` bytes (1, 2 or 4) at ``addr``."""
        addr &= 0xFFFFFFFF
        page = addr >> PAGE_SHIFT
        if (addr & 0xFFF) + size > PAGE_SIZE:
            return self._read_split(addr, size)
        if addr + size <= self.size and page not in self.mmio:
            ram = self.ram
            if size == 1:
                return ram[addr]
            if size == 2:
                return _U16.unpack_from(ram, addr)[0]
            return _U32.unpack_from(ram, addr)[0]
        dev = self.mmio.get(page)
        if dev is not None:
            return dev[0](addr, size)
        rom = self.high_rom.get(page)
        if rom is not None:
            buf, off = rom
            off += addr & 0xFFF
            return int.from_bytes(buf[off:off + size], "little")
        return (1 << (8 * size)) - 1

    def _read_split(self, addr: int, size: int) -> int:
        value = 0
        for i in range(size):
            value |= self.read((addr + i) & 0xFFFFFFFF, 1) << (8 * i)
        return value

    def write(self, addr: int, size: int, value: int) -> None:
        """Write the low ``size`` bytes (1, 2 or 4) of ``value`` little-endian at ``addr``."""
        addr &= 0xFFFFFFFF
        page = addr >> PAGE_SHIFT
        if (addr & 0xFFF) + size > PAGE_SIZE:
            for i in range(size):
                self.write((addr + i) & 0xFFFFFFFF, 1, value >> (8 * i))
            return
        if addr + size <= self.size and page not in self.mmio:
            if page in self.rom_pages:
                return
            ram = self.ram
            if size == 1:
                ram[addr] = value & 0xFF
            elif size == 2:
                _U16.pack_into(ram, addr, value & 0xFFFF)
            else:
                _U32.pack_into(ram, addr, value & 0xFFFFFFFF)
            cb = self.watched.get(page)
            if cb is not None:
                cb(addr, size)
            return
        dev = self.mmio.get(page)
        if dev is not None:
            dev[1](addr, size, value & ((1 << (8 * size)) - 1))

    def read_u8(self, addr: int) -> int:
        return self.read(addr, 1)

    def read_u16(self, addr: int) -> int:
        return self.read(addr, 2)

    def read_u32(self, addr: int) -> int:
        return self.read(addr, 4)

    def write_u8(self, addr: int, value: int) -> None:
        self.write(addr, 1, value)

    def write_u16(self, addr: int, value: int) -> None:
        self.write(addr, 2, value)

    def write_u32(self, addr: int, value: int) -> None:
        self.write(addr, 4, value)

    def read_bytes(self, addr: int, length: int) -> bytes:
        """``length`` bytes from ``addr`` (through ROM and devices like any read)."""
        if addr + length <= self.size and not self.mmio and not self.high_rom:
            return bytes(self.ram[addr:addr + length])
        return bytes(self.read((addr + i) & 0xFFFFFFFF, 1) for i in range(length))

    def load(self, addr: int, data: bytes) -> None:
        """Store ``data`` at ``addr`` in RAM (loaders); MachineError if it does not fit."""
        if addr < 0 or addr + len(data) > self.size:
            raise MachineError(f"{len(data)} bytes at {addr:#x} do not fit in "
                               f"{self.size >> 20}M of memory")
        self.ram[addr:addr + len(data)] = data
        for page in range(addr >> PAGE_SHIFT, (addr + len(data) + PAGE_SIZE - 1) >> PAGE_SHIFT):
            cb = self.watched.get(page)
            if cb is not None:
                cb(page << PAGE_SHIFT, PAGE_SIZE)
