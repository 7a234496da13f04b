"""Hardware task switches, the TSS stacks, and the I/O permission check.

80386 Programmer's Reference Manual (1986) chapter 7 "Multitasking": 7.1 the TSS
(Figure 7-1 "80386 32-Bit Task State Segment"), 7.2 the TSS descriptor and its busy
bit, 7.3 the task register, 7.4 task gates, 7.5 "Task Switching" (the steps and the
checks; SDM Vol. 3 Table 7-1 lists the same checks with their exceptions), 7.6
"Task Linking" (back link, NT, busy bits); chapter 8.3 "Protection and I/O" (IOPL,
the I/O permission bitmap of 8.3.2). The 286 TSS is Figure 13-? of the 80286
layout the PRM keeps for compatibility (chapter 13): the same fields in words.

A task switch is JMP, CALL, an interrupt or exception (through a task gate) or IRET
with NT=1. It saves the dynamic state in the current TSS, loads the new one, and
only then checks the new task's LDT and segment selectors: a fault there is taken
in the context of the new task (PRM 7.5 step 6), which is why :func:`switch`
delivers such faults itself and reports False instead of raising.
"""
from __future__ import annotations

from . import descriptors as D
from . import segments
from .state import CR0_TS, CS, DS, ES, ESP, FS, GS, SS
from .errors import CPUFault, GP, NP, TS
from .flags import NT, VM

#: what started a task switch (PRM 7.5, 7.6)
JMP, CALL, INT, IRET = "jmp", "call", "int", "iret"

#: 386 TSS offsets (PRM Figure 7-1)
T32_LINK, T32_CR3, T32_EIP, T32_EFLAGS, T32_REGS, T32_SREGS, T32_LDT, T32_IOMAP = \
    0x00, 0x1C, 0x20, 0x24, 0x28, 0x48, 0x60, 0x66
#: 286 TSS offsets (80286 layout, PRM chapter 13)
T16_LINK, T16_IP, T16_FLAGS, T16_REGS, T16_SREGS, T16_LDT = 0x00, 0x0E, 0x10, 0x12, 0x22, 0x2A
#: the smallest limits a TSS may have (PRM 7.2: 103 for a 386 TSS; 43 for a 286 TSS)
MIN_LIMIT_386, MIN_LIMIT_286 = 0x67, 0x2B
#: the segment registers in TSS order: ES CS SS DS FS GS (386), ES CS SS DS (286)
SREG_ORDER = (ES, CS, SS, DS, FS, GS)


def tss_is_386(cpu) -> bool:
    """The current task's TSS is a 386 TSS (type 9 or B) rather than a 286 one."""
    return bool(cpu.tr.rights & 0x800)


def stack_of(cpu, level: int, ext: int = 0) -> tuple[int, int]:
    """(SS, ESP) for privilege ``level`` from the current TSS (PRM 6.3.4.2): SSn:ESPn
    at 8n+8:8n+4 in a 386 TSS, SSn:SPn at 4n+4:4n+2 in a 286 TSS. Beyond the TSS
    limit: #TS with the TSS selector."""
    tr = cpu.tr
    if tss_is_386(cpu):
        off, size = 4 + 8 * level, 4
    else:
        off, size = 2 + 4 * level, 2
    if off + 2 * size - 1 > tr.limit:
        raise CPUFault(TS, D.error_code(tr.selector, ext=ext))
    esp = cpu.read_linear(tr.base + off, size, system=True)
    ss = cpu.read_linear(tr.base + off + size, 2, system=True)
    return ss, esp


def through_gate(cpu, gate: D.Descriptor, source: str, error_code: int | None = None,
                 ext: int = 0) -> bool:
    """Switch to the task a task gate names (PRM 7.4): the TSS selector must be global
    and inside the GDT, an available TSS (#GP with it), present (#NP with it)."""
    sel = gate.selector
    err = D.error_code(sel, ext=ext)
    if sel & 4:
        raise CPUFault(GP, err)
    desc, addr = segments.fetch(cpu, sel, GP, ext)
    if desc.s or desc.type not in (D.TSS286_AVAILABLE, D.TSS386_AVAILABLE):
        raise CPUFault(GP, err)
    return switch(cpu, sel, desc, addr, source, error_code, ext)


def task_return(cpu) -> bool:
    """IRET with NT=1: back to the task in the current TSS's back link (PRM 7.6): a
    global busy TSS (#TS with the link), present (#NP)."""
    sel = cpu.read_linear(cpu.tr.base + T32_LINK, 2, system=True)
    err = D.error_code(sel)
    if sel & 4:
        raise CPUFault(TS, err)
    desc, addr = segments.fetch(cpu, sel, TS)
    if desc.s or desc.type not in (D.TSS286_BUSY, D.TSS386_BUSY):
        raise CPUFault(TS, err)
    return switch(cpu, sel, desc, addr, IRET)


def set_busy(cpu, addr: int, desc: D.Descriptor, busy: bool) -> None:
    """Set or clear the busy bit (type bit 1) of the TSS descriptor at ``addr``."""
    hi = (desc.hi | D.HI_BUSY) if busy else (desc.hi & ~D.HI_BUSY)
    cpu.write_linear(addr + 5, 1, hi >> 8, system=True)
    desc.hi = hi
    desc.type = (hi >> 8) & 0xF


def switch(cpu, sel: int, desc: D.Descriptor, addr: int, source: str,
           error_code: int | None = None, ext: int = 0) -> bool:
    """The task switch of PRM 7.5 to the TSS ``sel`` (descriptor ``desc`` at ``addr``).

    The caller has checked privileges and the busy state. Returns True when the new
    task is entered; False when a check of the new task's state failed and that
    fault has been delivered in the new task. ``error_code`` (an exception through a
    task gate) is pushed on the new task's stack."""
    err = D.error_code(sel, ext=ext)
    if not desc.present:
        raise CPUFault(NP, err)
    new32 = desc.is_32bit_system
    if desc.limit < (MIN_LIMIT_386 if new32 else MIN_LIMIT_286):
        raise CPUFault(TS, err)
    # read the whole new state first: a page fault here leaves the old task intact
    state = read_tss(cpu, desc.base, new32)
    old_sel = cpu.tr.selector
    eflags = cpu.get_eflags()
    if source == IRET:
        eflags &= ~NT
    if source in (JMP, IRET):
        old_desc, old_addr = segments.fetch(cpu, old_sel)
        set_busy(cpu, old_addr, old_desc, False)
    save_tss(cpu, eflags)
    if source in (CALL, INT):
        state["eflags"] |= NT
        cpu.write_linear(desc.base + T32_LINK, 2, old_sel, system=True)
    if source != IRET:
        set_busy(cpu, addr, desc, True)
    cpu.tr.set(sel, desc.base, desc.limit, (desc.hi | D.HI_BUSY) & segments.RIGHTS_MASK)
    cpu.write_cr(0, cpu.cr[0] | CR0_TS)
    try:
        load_state(cpu, state, new32, ext)
        if error_code is not None:
            size = 4 if new32 else 2
            cpu.regs[ESP] = segments.current_frame(cpu, [error_code], size, ext)
        if cpu.eip > cpu.sregs[CS].limit:
            raise CPUFault(GP, ext)
    except CPUFault as fault:
        cpu.exception(fault)
        return False
    return True


def read_tss(cpu, base: int, is32: bool) -> dict:
    """The state a TSS holds (selectors, registers, EFLAGS, EIP, LDT, CR3)."""
    def rd(off, size):
        return cpu.read_linear(base + off, size, system=True)
    if is32:
        return {"cr3": rd(T32_CR3, 4), "eip": rd(T32_EIP, 4), "eflags": rd(T32_EFLAGS, 4),
                "regs": [rd(T32_REGS + 4 * i, 4) for i in range(8)],
                "sregs": [rd(T32_SREGS + 4 * i, 2) for i in range(6)],
                "ldt": rd(T32_LDT, 2)}
    return {"cr3": None, "eip": rd(T16_IP, 2), "eflags": rd(T16_FLAGS, 2),
            "regs": [rd(T16_REGS + 2 * i, 2) for i in range(8)],
            "sregs": [rd(T16_SREGS + 2 * i, 2) for i in range(4)] + [0, 0],
            "ldt": rd(T16_LDT, 2)}


def save_tss(cpu, eflags: int) -> None:
    """Store the dynamic state (registers, selectors, EFLAGS, EIP) in the current TSS
    (PRM 7.5 step 4; the LDT selector, CR3 and the stacks are static fields)."""
    base = cpu.tr.base

    def wr(off, size, value):
        cpu.write_linear(base + off, size, value, system=True)
    if tss_is_386(cpu):
        wr(T32_EIP, 4, cpu.eip)
        wr(T32_EFLAGS, 4, eflags)
        for i in range(8):
            wr(T32_REGS + 4 * i, 4, cpu.regs[i])
        for i, sreg in enumerate(SREG_ORDER):
            wr(T32_SREGS + 4 * i, 2, cpu.sregs[sreg].selector)
    else:
        wr(T16_IP, 2, cpu.eip)
        wr(T16_FLAGS, 2, eflags)
        for i in range(8):
            wr(T16_REGS + 2 * i, 2, cpu.regs[i])
        for i, sreg in enumerate(SREG_ORDER[:4]):
            wr(T16_SREGS + 2 * i, 2, cpu.sregs[sreg].selector)


def load_state(cpu, state: dict, is32: bool, ext: int) -> None:
    """Enter the new task's state, then check its LDT and segments (PRM 7.5 step 6,
    SDM Table 7-1): #TS for an invalid selector or descriptor, #NP for a segment not
    present, #SS for a stack not present; error codes carry ``ext``."""
    if state["cr3"] is not None:
        cpu.write_cr(3, state["cr3"])
    cpu.eip = state["eip"]
    if is32:
        cpu.regs[:] = [v & 0xFFFFFFFF for v in state["regs"]]
        cpu.set_eflags(state["eflags"], 0xFFFFFFFF)
    else:
        for i, v in enumerate(state["regs"]):
            cpu.set_reg(i, 16, v)
        cpu.set_eflags(state["eflags"], 0xFFFF)
    sels = state["sregs"]
    # the selectors are in the registers before any check (PRM 7.5 step 5)
    for sreg, sel in zip(SREG_ORDER, sels):
        cpu.sregs[sreg].selector = sel
    segments.load_ldtr(cpu, state["ldt"], TS, ext)
    if cpu.eflags & VM:
        for sreg, sel in zip(SREG_ORDER, sels):
            cpu.sregs[sreg].set(sel, sel << 4, 0xFFFF, 0xF300)
        cpu.cpl = 3
        cpu.mode_changed()
        return
    cs_sel = sels[1]
    cpl = cs_sel & 3
    check_cs(cpu, cs_sel, ext)
    ss_desc, ss_addr = segments.check_stack(cpu, sels[2], cpl, TS, ext)
    cs_desc, cs_addr = segments.fetch(cpu, cs_sel, TS, ext)
    segments.load_cs(cpu, cs_sel, cs_desc, cs_addr, cpl, cpu.eip)
    segments.set_from(cpu, SS, sels[2], ss_desc, ss_addr)
    for sreg, sel in zip(SREG_ORDER, sels):
        if sreg in (CS, SS):
            continue
        if D.is_null(sel):
            segments.set_null(cpu, sreg, sel)
            continue
        desc, addr = segments.fetch(cpu, sel, TS, ext)
        segments.check_data(desc, sel, cpl, TS, ext)
        segments.set_from(cpu, sreg, sel, desc, addr)


def check_cs(cpu, sel: int, ext: int) -> None:
    """The new task's CS: a code segment, nonconforming DPL = RPL, conforming DPL <= RPL
    (#TS), present (#NP)."""
    err = D.error_code(sel, ext=ext)
    if D.is_null(sel):
        raise CPUFault(TS, err)
    desc, _ = segments.fetch(cpu, sel, TS, ext)
    if not desc.is_code or (desc.dpl > sel & 3 if desc.conforming else desc.dpl != sel & 3):
        raise CPUFault(TS, err)
    if not desc.present:
        raise CPUFault(NP, err)


def io_permitted(cpu, port: int, size: int) -> bool:
    """Whether the TSS I/O permission bitmap allows IN/OUT/INS/OUTS of ``size`` bytes
    at ``port`` (PRM 8.3.2); ``CPU.io_permitted`` asks only when CPL > IOPL or in V86
    mode. Every bit for ``port .. port+size-1`` must be 0. The bitmap starts at the
    offset in TSS+66h; the processor reads the two bytes holding the bits, so both
    must lie within the TSS limit; a 286 TSS has no bitmap. The caller raises #GP(0)
    on False."""
    tr = cpu.tr
    if not tss_is_386(cpu) or tr.limit < T32_IOMAP + 1:
        return False
    offset = cpu.read_linear(tr.base + T32_IOMAP, 2, system=True) + (port >> 3)
    if offset + 1 > tr.limit:
        return False
    bits = cpu.read_linear(tr.base + offset, 2, system=True)
    return not bits & (((1 << size) - 1) << (port & 7))
