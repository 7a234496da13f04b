"""CP's region seen through the guest's own mapping: what a guest does at linear
addresses CP_BASE and up, CP performs for it.

CP's tables live in the top 4M of every guest's linear space (ia32_vstate.py);
a guest may use those addresses too (Linux 6.1 keeps its IDT and GDT aliases,
its TSS and entry stack, and the fixmap there). The real CPU cannot touch them
for the guest, since the shadow page tables map CP's tables there and every
guest segment is truncated below CP_BASE: such an access faults (#GP(0), #SS(0)
for the stack) and CP performs it against the guest's own page tables, as
VMware's monitor did (Adams and Agesen 2006, section 3.2).

* ``GuestWindow`` is guest linear memory as the guest's tables map it: below
  CP_BASE the real CPU's own path (its shadow entries mirror the guest's), from
  CP_BASE up a walk of the guest's tables with ``ia32.paging.walk`` (the guest's
  A and D bits set as the hardware sets them; a failed walk is the guest's #PF,
  with the real CR2 set so that CP's fault path reflects it).
* ``WindowAccess`` is the segmented memory interface of ``ia32.cpu.CPU``
  (read_u8..write_u32, read, write, check_write, push, pop, read_stack,
  read_linear, write_linear) for an object that stands in for the real CPU while
  CP runs a guest instruction (ia32_sensitive.GuestView, ``WindowCPU``): an
  access within the real, truncated limit is the real CPU's; one beyond it is
  checked against the guest's own descriptor (its untruncated limit) and made
  through the window.
* ``WindowCPU`` is the real CPU with that interface, for running one guest
  instruction with the machine's own code (its cold step, ``ia32.blocks``)
  after it faulted on the truncation (``execute``).

A segment register's guest limit is that of the guest's descriptor its shadow
slot was last made from (ia32_gdt.ShadowTable.guest), readable when the guest no
longer maps its table; a descriptor the guest rewrote after loading it is seen
with its new limit, unlike the processor's cache (PRM 5.1.4; Linux does not do
that to a loaded segment).
"""
from __future__ import annotations

from ia32 import descriptors as D
from ia32 import paging
from ia32.blocks import cold_step
from ia32.cpu import CPU
from ia32.decode import decode
from ia32.errors import CPUFault, GP, SS as SS_FAULT
from ia32.isa import fragment_for, handler_for
from ia32.state import CR0_PG, CR0_WP, CR4_PSE, CS, SS, Segment

from .ia32_vstate import CP_BASE
from .shared import MachineError

_MASK = 0xFFFFFFFF
_FRAME = 0xFFFFF000


class GuestWindow:
    """Guest linear memory through the guest's own page tables (see the module
    doc). ``be`` is the IA32Backend; ``accesses`` counts the accesses made from
    CP_BASE up."""

    def __init__(self, be):
        self.be = be
        self.cpu = be.cpu
        self.accesses = 0

    def translate(self, linear: int, write: bool, user: bool) -> int:
        """The guest-physical address of ``linear`` for this access, from the guest's
        tables (its A and D bits set); the guest's #PF (real CR2 = ``linear``)."""
        be = self.be
        vs = be.vstate
        cr0 = vs.cr[0]
        linear &= _MASK
        if cr0 & CR0_PG:
            shadow = be.shadow
            try:
                entry = paging.walk(shadow.gread, shadow.gwrite, vs.cr[3], linear, write, user,
                                    bool(cr0 & CR0_WP), bool(vs.cr[4] & CR4_PSE))
            except CPUFault:
                self.cpu.cr[2] = linear
                raise
            pa = (entry & _FRAME) | (linear & 0xFFF)
        else:
            pa = linear
        if pa >= be.guest_size:
            raise MachineError(f"the guest addressed physical {pa & _FRAME:08X}, beyond its "
                               f"{be.guest_size >> 10}K of storage")
        return pa

    def set_accessed(self, linear: int) -> None:
        """Set bit 0 of the guest's byte at ``linear`` as the processor's system store
        of a descriptor's accessed bit does (ia32_gdt.py); nothing if the guest's
        tables do not map it writable."""
        cpu = self.cpu
        cr2 = cpu.cr[2]
        try:
            pa = self.translate(linear, True, False)
        except (CPUFault, MachineError):
            return
        finally:
            cpu.cr[2] = cr2
        mem = cpu.memory
        mem.write(pa, 1, mem.read(pa, 1) | 1)

    def _user(self, system: bool) -> bool:
        return self.be.vstate.cpl == 3 and not system

    def read_linear(self, linear: int, size: int, system: bool = False) -> int:
        linear &= _MASK
        if linear + size <= CP_BASE:
            return self.cpu.read_linear(linear, size, system)
        self.accesses += 1
        user = self._user(system)
        mem = self.cpu.memory
        if (linear & 0xFFF) + size <= 0x1000:
            return mem.read(self.translate(linear, False, user), size)
        value = 0
        for i in range(size):
            value |= mem.read(self.translate(linear + i, False, user), 1) << (8 * i)
        return value

    def write_linear(self, linear: int, size: int, value: int, system: bool = False) -> None:
        """Write ``size`` bytes; every page is checked before any byte is stored."""
        linear &= _MASK
        if linear + size <= CP_BASE:
            self.cpu.write_linear(linear, size, value, system)
            return
        self.accesses += 1
        user = self._user(system)
        mem = self.cpu.memory
        if (linear & 0xFFF) + size <= 0x1000:
            mem.write(self.translate(linear, True, user), size, value)
            return
        pas = [self.translate(linear + i, True, user) for i in range(size)]
        for i, pa in enumerate(pas):
            mem.write(pa, 1, value >> (8 * i))

    def guest_segment(self, sreg: int) -> Segment | None:
        """Segment register ``sreg`` as the guest's own descriptor makes it: the real
        cache with the guest's limit (None: null, or the guest's slot no longer
        describes that segment)."""
        seg = self.cpu.sregs[sreg]
        sel = seg.selector
        if D.is_null(sel):
            return None
        be = self.be
        pair = (be.ldt if sel & 4 else be.gdt).guest.get(sel >> 3)
        if pair is None:
            return None
        desc = D.Descriptor(*pair)
        if desc.base != seg.base or not desc.s:
            return None
        return Segment(sel, seg.base, desc.limit, seg.rights)

    def linear(self, sreg: int, off: int, size: int, write: bool) -> int:
        """The linear address of an access the real (truncated) limit refused, if
        the guest's own limit allows it; else the fault the guest gets."""
        seg = self.guest_segment(sreg)
        if seg is not None:
            lo, hi = (seg.wlo, seg.whi) if write else (seg.rlo, seg.rhi)
            if lo <= off and off + size - 1 <= hi:
                return (seg.base + off) & _MASK
        raise CPUFault(SS_FAULT if sreg == SS else GP, 0)

    def decode(self):
        """The instruction at CS:EIP fetched through the window with the guest's CS
        limit (None if the fetch faults)."""
        cpu = self.cpu
        bits = cpu.code_bits
        eip = cpu.eip
        mask = _MASK if bits == 32 else 0xFFFF
        cs = self.guest_segment(CS) or cpu.sregs[CS]

        def fetch(i: int) -> int:
            off = (eip + i) & mask
            if off > cs.limit:
                raise CPUFault(GP, 0)
            return self.read_linear(cs.base + off, 1)

        try:
            return decode(fetch, eip, bits)
        except CPUFault:
            return None


class WindowAccess:
    """The segmented memory interface of ``ia32.cpu.CPU`` with CP's region reached
    through ``_window`` (see the module doc); the object has ``cpu`` (the real CPU)
    and ``_window`` (a GuestWindow, or None: the real CPU's accesses only).
    ``_guest_tables``: whether its system accesses (descriptor tables, TSS, IDT)
    are the guest's, through the window, or the real CPU's, which are CP's."""

    _guest_tables = True

    def read(self, sreg: int, off: int, size: int) -> int:
        cpu = self.cpu
        seg = cpu.sregs[sreg]
        window = self._window
        if window is None or seg.rlo <= off and off + size - 1 <= seg.rhi:
            return cpu.read(sreg, off, size)
        return window.read_linear(window.linear(sreg, off, size, False), size)

    def write(self, sreg: int, off: int, size: int, value: int) -> None:
        cpu = self.cpu
        seg = cpu.sregs[sreg]
        window = self._window
        if window is None or seg.wlo <= off and off + size - 1 <= seg.whi:
            cpu.write(sreg, off, size, value)
            return
        window.write_linear(window.linear(sreg, off, size, True), size, value)

    def check_write(self, sreg: int, off: int, size: int) -> None:
        cpu = self.cpu
        seg = cpu.sregs[sreg]
        window = self._window
        if window is None or seg.wlo <= off and off + size - 1 <= seg.whi:
            cpu.check_write(sreg, off, size)
            return
        lin = window.linear(sreg, off, size, True)
        user = window._user(False)
        window.translate(lin, True, user)
        window.translate(lin + size - 1, True, user)

    def read_u8(self, sreg: int, off: int) -> int:
        return self.read(sreg, off, 1)

    def read_u16(self, sreg: int, off: int) -> int:
        return self.read(sreg, off, 2)

    def read_u32(self, sreg: int, off: int) -> int:
        return self.read(sreg, off, 4)

    def write_u8(self, sreg: int, off: int, value: int) -> None:
        self.write(sreg, off, 1, value)

    def write_u16(self, sreg: int, off: int, value: int) -> None:
        self.write(sreg, off, 2, value)

    def write_u32(self, sreg: int, off: int, value: int) -> None:
        self.write(sreg, off, 4, value)

    def read_linear(self, linear: int, size: int, system: bool = False) -> int:
        window = self._window
        if window is None or system and not self._guest_tables:
            return self.cpu.read_linear(linear, size, system)
        return window.read_linear(linear, size, system)

    def write_linear(self, linear: int, size: int, value: int, system: bool = False) -> None:
        window = self._window
        if window is None or system and not self._guest_tables:
            self.cpu.write_linear(linear, size, value, system)
        else:
            window.write_linear(linear, size, value, system)

    # the machine's own stack operations, on this interface
    push = CPU.push
    pop = CPU.pop
    read_stack = CPU.read_stack


class WindowCPU(WindowAccess):
    """The real CPU with the window, for one guest instruction the truncation
    stopped (its descriptor tables CP's, as the real CPU's), or, with
    ``guest_tables``, for an emulation that reads the guest's own TSS (the I/O
    bitmap: ia32_emulate.io)."""

    def __init__(self, cpu, window: GuestWindow, guest_tables: bool = False):
        d = self.__dict__
        d["cpu"] = cpu
        d["_window"] = window
        d["_guest_tables"] = guest_tables

    def __getattr__(self, name: str):
        return getattr(self.cpu, name)

    def __setattr__(self, name: str, value) -> None:
        setattr(self.cpu, name, value)

    io_permitted = CPU.io_permitted


def execute(target, window: GuestWindow, ins) -> None:
    """Run ``ins`` on ``target`` (a WindowAccess standing in for the real CPU) with
    the machine's own code, its fragment as a cold step or its handler (a near
    branch checked against the guest's CS limit); CPUFault for the guest's fault."""
    cpu = window.cpu
    ins.flat = 0                    # no segment is flat under CP: the checked paths
    frag = fragment_for(ins)
    bits = cpu.code_bits
    cs = window.guest_segment(CS) or cpu.sregs[CS]
    step = cold_step(ins, frag, bits, cs.limit, None if frag is not None else handler_for(ins))
    cpu.eip = (ins.eip + ins.length) & (_MASK if bits == 32 else 0xFFFF)
    step(target)
