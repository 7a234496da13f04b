"""The real CPU an IA-32 virtual machine runs on, CP's frame around it, and the
guest-visible views of it that CP's core and commands read.

Each IA-32 VM has its own ``ia32.cpu.CPU`` whose physical memory holds the
guest's RAM at 0..size-1 (guest-physical = real-physical) and CP's own area
just above it: CP's GDT, IDT, TSS and shadow LDT (mapped at CP_BASE, the top 4M
of every guest's linear space), the page table that maps them, and the pool of
shadow page tables. The guest never gets a mapping of CP's area.

CP's frame (``install_frame``): protected mode with paging through the shadow
tables (CR0 PE PG WP), the real GDTR, IDTR and TR on CP's tables, every vector
taken by CP (``CPU.intercept``), the real EFLAGS.IF 1 and IOPL 0.

``GuestView`` is the VirtualCPU of cp/backends/base.py: the registers as the
guest sees them (its own IF and IOPL in EFLAGS, CR0-CR4 from the virtual state,
segment selectors with RPL 0 where the real ones hold 1), which DISPLAY, STORE
and QUERY walk through ia32_tables.py.
"""
from __future__ import annotations

import struct

from ia32.cpu import CPU
from ia32.flags import IF, IOPL
from ia32.memory import Memory
from ia32.state import EDX

from .ia32_shadow import map_cp_region
from .ia32_vstate import (CP_BASE, CP_GDT, CP_GDT_ENTRIES, CP_IDT, CP_TABLES_SIZE, CP_TSS,
                          CP_TSS_SELECTOR, CP_TSS_SLOT, decompress)
from .shared import MachineError

#: shadow page-table pool pages per VM (the sets of ia32_shadow.ShadowPaging)
POOL_PAGES = 512
#: the page table mapping CP's region, then the pool, after CP's tables
CP_TABLE_OFFSET = CP_TABLES_SIZE
POOL_OFFSET = CP_TABLES_SIZE + 0x1000
CP_AREA = POOL_OFFSET + POOL_PAGES * 0x1000
TSS_LIMIT = 0x67
#: a 386 TSS descriptor, busy (type B), DPL 0, for CP's TSS
_TSS_HI = 0x00008B00
_PAIR = struct.Struct("<II")


def real_memory(guest_size: int) -> Memory:
    """Physical memory for a VM of ``guest_size`` bytes: its RAM, then CP's area."""
    if guest_size <= 0 or guest_size % 4096 or guest_size + CP_AREA > CP_BASE:
        raise MachineError(f"storage size {guest_size} must be a multiple of 4K below "
                           f"{CP_BASE - CP_AREA}")
    return Memory(guest_size + CP_AREA)


def make_real_cpu(memory: Memory) -> CPU:
    """The VM's CPU in the 80386's reset state; EDX zero until the first IPL."""
    cpu = CPU(memory)
    cpu.hot_after = 1       # see ia32.cpu.CPU.hot_after
    cpu.regs[EDX] = 0
    return cpu


def install_frame(cpu: CPU, cp_phys: int) -> None:
    """Reset the real CPU and put CP's tables and controls in place (the module
    doc); the caller then loads CR3 (a shadow set) and the guest's registers."""
    cpu.reset()
    ram = cpu.memory.ram
    ram[cp_phys:cp_phys + CP_TABLES_SIZE] = bytes(CP_TABLES_SIZE)
    tss = cp_phys + (CP_TSS - CP_BASE)
    struct.pack_into("<H", ram, tss + 102, TSS_LIMIT + 1)     # no I/O bitmap: IN/OUT trap
    gdt = cp_phys + (CP_GDT - CP_BASE)
    _PAIR.pack_into(ram, gdt + 8 * CP_TSS_SLOT,
                    ((CP_TSS & 0xFFFF) << 16) | TSS_LIMIT,
                    (CP_TSS & 0xFF000000) | ((CP_TSS >> 16) & 0xFF) | _TSS_HI)
    map_cp_region(ram, cp_phys + CP_TABLE_OFFSET, cp_phys)
    cpu.gdtr_base, cpu.gdtr_limit = CP_GDT, CP_GDT_ENTRIES * 8 - 1
    cpu.idtr_base, cpu.idtr_limit = CP_IDT, 256 * 8 - 1
    cpu.tr.set(CP_TSS_SELECTOR, CP_TSS, TSS_LIMIT, _TSS_HI)
    cpu.ldtr.set(0, 0, 0, 0x8200)
    cpu.write_cr(4, 0)
    cpu.intercept = _take_every_vector
    cpu.eflags = (cpu.eflags & ~IOPL) | IF


def _take_every_vector(vector: int, error_code, soft: bool) -> bool:
    return True


class GuestStorage:
    """The VM's storage as CP's core sees it: the guest's RAM only (``mem`` is a
    view of the first ``size`` bytes of the real memory)."""

    def __init__(self, memory: Memory, size: int):
        self.memory = memory
        self.size = size
        self.mem = memoryview(memory.ram)[:size]

    def read(self, address: int, length: int) -> bytes:
        if address < 0 or length < 0 or address + length > self.size:
            raise MachineError(f"address {address:08X} outside the virtual machine's memory")
        return bytes(self.mem[address:address + length])

    def load(self, image: bytes, address: int = 0) -> None:
        if address < 0 or address + len(image) > self.size:
            raise MachineError(f"{len(image)} bytes at {address:#x} do not fit in "
                               f"{self.size >> 20}M of memory")
        self.memory.load(address, image)

    def clear(self) -> None:
        self.mem.release()
        self.mem = memoryview(bytearray(0))


class _Selector:
    __slots__ = ("selector",)

    def __init__(self, selector: int):
        self.selector = selector


class GuestView:
    """The VirtualCPU of an IA-32 VM (see the module doc). ``shadow`` is what
    cp/shadow.py clears when the guest's translation must be rebuilt (a STORE
    into storage or a control register, an IPL)."""

    def __init__(self, backend):
        self.backend = backend
        self.wait = False
        self.checkstop = False
        self.stopped = False
        self.shadow = _Rebuild(backend)
        self.watch: set = set()

    @property
    def real(self) -> CPU:
        return self.backend.cpu

    @property
    def count(self) -> int:
        return self.backend.cpu.instructions

    @property
    def regs(self) -> list:
        return self.backend.cpu.regs

    @property
    def eip(self) -> int:
        return self.backend.cpu.eip

    @eip.setter
    def eip(self, value: int) -> None:
        self.backend.cpu.eip = value & 0xFFFFFFFF

    @property
    def cr(self) -> list:
        return self.backend.vstate.cr

    @property
    def sregs(self) -> tuple:
        return tuple(_Selector(decompress(s.selector)) for s in self.backend.cpu.sregs)

    def get_eflags(self) -> int:
        return self.backend.vstate.eflags(self.backend.cpu.get_eflags())

    def set_eflags(self, value: int, mask: int) -> None:
        """IF and IOPL go to the virtual state, the rest to the real EFLAGS."""
        vs = self.backend.vstate
        if mask & IF:
            vs.iflag = bool(value & IF)
        if mask & IOPL:
            vs.iopl = (value & IOPL) >> 12
        self.backend.cpu.set_eflags(value, mask & ~(IF | IOPL))


class _Rebuild:
    """cp/shadow.py's handle on the VM's shadow state: ``clear`` rebuilds it."""

    def __init__(self, backend):
        self.backend = backend

    def __bool__(self) -> bool:
        return self.backend.booted

    def clear(self) -> None:
        self.backend.rebuild()
