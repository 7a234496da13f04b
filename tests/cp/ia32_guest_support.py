"""A bare ia32 CPU set up the way CP's IA-32 backend runs a guest (ia32_vstate.py),
written out by hand for the tests of the sensitive-instruction emulation, scanning
and translation, so they need nothing of the backend itself.

Guest memory = physical = linear (paging off; CP's region is not needed here):
  guest GDT 10000 (16 entries), guest IDT 11000, guest TSS 12000 (ring-0 stack
  10:9000), guest LDT 13000; CP's shadow GDT 20000 (the whole selector space: the
  guest's slots with DPL 0 made 1 and limits cut below CP_BASE, CP's TSS in the
  last slot), CP's TSS 31000; code at 1000, data at 5000.

Guest GDT (selector: what):
  08 code DPL 0 flat      10 data DPL 0 flat     1B code DPL 3 flat   23 data DPL 3 flat
  28 guest TSS (386)      30 guest LDT           38 call gate DPL 3 -> 08:GATE_TARGET
  40 code DPL 0 conforming
"""
from __future__ import annotations

from ia32 import descriptors as D
from ia32.cpu import CPU
from ia32.decode import decode
from ia32.memory import Memory
from ia32.state import CS, DS, ES, FS, GS, SS

from cp.backends.ia32_sensitive import GuestView, emulate
from cp.backends.ia32_vstate import CP_BASE, CP_TSS_SELECTOR, CP_TSS_SLOT, VirtualState
from tests.ia32.pm_support import MemoryAccess

GDT, IDT, TSS, LDT = 0x10000, 0x11000, 0x12000, 0x13000
SHADOW, CP_TSS_AT = 0x20000, 0x31000
CODE, DATA = 0x1000, 0x5000
STACK0, STACK3 = 0x9000, 0xA000
GATE_TARGET = 0x3000
KCODE, KDATA, UCODE, UDATA = 0x08, 0x10, 0x1B, 0x23
TSS_SEL, LDT_SEL, GATE_SEL, CONFORMING = 0x28, 0x30, 0x38, 0x40
FLAT = 0xFFFFFFFF
GUEST_CR0 = 0x00000011          # PE, ET: what the guest loaded
REAL_CR0 = 0x0000001B           # PE, MP, TS, ET: what CP runs with (TS: its lazy FPU)

GUEST_DESCRIPTORS = {
    1: D.segment(0, FLAT, 0xA, 0), 2: D.segment(0, FLAT, 0x2, 0),
    3: D.segment(0, FLAT, 0xA, 3), 4: D.segment(0, FLAT, 0x2, 3),
    5: D.segment(TSS, 0x67, D.TSS386_AVAILABLE, 0, s=0, db=0),
    6: D.segment(LDT, 0xFF, D.LDT, 0, s=0, db=0),
    7: D.gate(D.CALL_GATE386, KCODE, GATE_TARGET, 3),
    8: D.segment(0, FLAT, 0xE, 0),
}


def shadow_of(pair: tuple[int, int]) -> tuple[int, int]:
    """CP's shadow of a guest descriptor: DPL 0 -> 1; a code or data segment's
    limit cut so that it ends below CP_BASE (ia32_vstate's segment truncation)."""
    desc = D.Descriptor(*pair)
    lo, hi = pair
    if desc.dpl == 0:
        hi |= 1 << 13
    if desc.s and desc.base + desc.limit >= CP_BASE:
        t = D.Descriptor(lo, hi)
        return D.segment(t.base, CP_BASE - 1 - t.base, t.type, t.dpl, db=t.db)
    return lo, hi


class Guest(MemoryAccess):
    """The CPU, the guest's VirtualState and the GuestView over both."""

    def __init__(self, cpl: int = 0) -> None:
        self.cpu = cpu = CPU(Memory(1 << 20))
        self.vs = vs = VirtualState()
        for n, pair in GUEST_DESCRIPTORS.items():
            self.put(GDT + 8 * n, pair)
            self.put(SHADOW + 8 * n, shadow_of(pair))
        self.put(SHADOW + 8 * CP_TSS_SLOT, D.segment(CP_TSS_AT, 0x67, D.TSS386_BUSY, 0,
                                                     s=0, db=0))
        self.w32(TSS + 4, STACK0)
        self.w32(TSS + 8, KDATA)
        cpu.gdtr_base, cpu.gdtr_limit = SHADOW, 8192 * 8 - 1
        cpu.idtr_base, cpu.idtr_limit = 0x30000, 256 * 8 - 1
        cpu.tr.set(CP_TSS_SELECTOR, CP_TSS_AT, 0x67, 0x8B00)
        cpu.write_cr(0, REAL_CR0)
        cpu.set_eflags(0x202, 0x3202)          # the real IF is 1, the real IOPL 0
        vs.cr[0] = GUEST_CR0
        vs.gdtr, vs.idtr = (GDT, 16 * 8 - 1), (IDT, 256 * 8 - 1)
        vs.tr, vs.tss = TSS_SEL, (TSS, 0x67)
        vs.ldtr, vs.ldt = LDT_SEL, (LDT, 0xFF)
        self.cpl_changes: list[int] = []
        self.stis = 0
        self.view = GuestView(cpu, vs, self.cpl_changes.append, self._sti)
        self.enter(cpl)

    def _sti(self) -> None:
        self.stis += 1

    def put(self, addr: int, pair: tuple[int, int]) -> None:
        self.cpu.memory.load(addr, D.to_bytes(pair))

    def cache(self, sreg: int, real_sel: int) -> None:
        """Fill a real segment register from the shadow GDT (no checks)."""
        off = SHADOW + (real_sel & 0xFFF8)
        desc = D.Descriptor(self.r32(off), self.r32(off + 4))
        self.cpu.set_segment(sreg, real_sel, desc.base, desc.limit, desc.hi & 0x00F0FF00)

    def enter(self, cpl: int) -> None:
        """The guest at ``cpl``: ring 1 with CS 09, SS/DS.. 11, or ring 3."""
        code, data, esp = (0x09, 0x11, STACK0) if cpl == 0 else (UCODE, UDATA, STACK3)
        self.cache(CS, code)
        for s in (DS, ES, SS, FS, GS):
            self.cache(s, data)
        self.vs.cpl = cpl
        self.cpu.cpl = VirtualState.real_ring(cpl)
        self.cpu.regs[4] = esp

    def decode(self, code: bytes, at: int = CODE):
        self.cpu.memory.load(at, code)
        return decode(code, at, 32)

    def execute(self, code: bytes | str, at: int = CODE) -> None:
        """Emulate the one instruction ``code`` at ``at`` as SCAN's exit would."""
        if isinstance(code, str):
            code = bytes.fromhex(code)
        ins = self.decode(code, at)
        self.cpu.eip = at + ins.length
        emulate(self.view, ins)

    def frame(self, *values: int) -> None:
        """Push doublewords so that ``values[0]`` is on top (as a RET or IRET pops)."""
        esp = self.cpu.regs[4] - 4 * len(values)
        self.cpu.regs[4] = esp
        for i, v in enumerate(values):
            self.w32(esp + 4 * i, v)

    def stack(self, n: int) -> list[int]:
        esp = self.cpu.regs[4]
        return [self.r32(esp + 4 * i) for i in range(n)]


def bare_machine(cpl: int = 0) -> CPU:
    """The same guest on the bare machine: its own GDT, IDT, LDT, TSS and CR0 loaded
    for real, at its own CPL (the reference the equivalence tests compare with)."""
    g = Guest(cpl)
    cpu = g.cpu
    cpu.gdtr_base, cpu.gdtr_limit = g.vs.gdtr
    cpu.idtr_base, cpu.idtr_limit = g.vs.idtr
    cpu.tr.set(TSS_SEL, TSS, 0x67, 0x8B00)
    cpu.ldtr.set(LDT_SEL, LDT, 0xFF, 0x8200)
    cpu.write_cr(0, GUEST_CR0)
    cpu.set_eflags(0x200 if g.vs.iflag else 0, 0x3200)
    code, data = (KCODE, KDATA) if cpl == 0 else (UCODE, UDATA)
    for sreg, sel in ((CS, code), (DS, data), (ES, data), (SS, data), (FS, data), (GS, data)):
        off = GDT + (sel & 0xFFF8)
        desc = D.Descriptor(cpu.memory.read(off, 4), cpu.memory.read(off + 4, 4))
        cpu.set_segment(sreg, sel, desc.base, desc.limit, desc.hi & 0x00F0FF00)
    cpu.cpl = cpl
    return cpu
