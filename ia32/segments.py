"""Protected-mode segment loads and far transfers, with every check of the manual.

80386 Programmer's Reference Manual (1986): chapter 6 "Protection" (6.3.1 type
checks, 6.3.2 privilege checks, 6.3.4 "Restricting Control Transfers" and the
call-gate rules of 6.3.4.1-6.3.4.3), and the pseudo-code of chapter 17 for MOV,
POP, LDS..LSS, JMP, CALL and RET; the SDM Vol. 2 pseudo-code says the same in more
words. Real and virtual-8086 mode loads are ``ia32.cpu`` (base = selector * 16).

Error codes (PRM 9.9): a faulting selector is reported with its RPL bits cleared
(``descriptors.error_code``); "#GP(0)" and "#SS(0)" report no selector.

The transfer functions decide everything before they change anything: stack room
is checked and the frame written before a register is loaded, so a fault leaves
the CPU as it was at the start of the instruction (the run loop restarts it).
"""
from __future__ import annotations

from . import descriptors as D
from . import tasks
from .state import CS, DS, ES, ESP, FS, GS, SS
from .errors import CPUFault, GP, NP, SS as SS_FAULT, TS

#: the rights bits kept in a segment cache (descriptor bits 8..23 without the limit)
RIGHTS_MASK = 0x00F0FF00


# -- descriptor tables ----------------------------------------------------------

def fetch(cpu, sel: int, vector: int = GP, ext: int = 0) -> tuple[D.Descriptor, int]:
    """The descriptor ``sel`` names and its linear address, read as a supervisor.

    A selector beyond the GDT's or LDT's limit (or into a null LDT) raises
    ``vector`` with the selector's error code (PRM 6.3.1.1 "Type Checking")."""
    off = sel & 0xFFF8
    if sel & 4:
        ldtr = cpu.ldtr
        if D.is_null(ldtr.selector) or off + 7 > ldtr.limit:
            raise CPUFault(vector, D.error_code(sel, ext=ext))
        base = ldtr.base
    else:
        if off + 7 > cpu.gdtr_limit:
            raise CPUFault(vector, D.error_code(sel, ext=ext))
        base = cpu.gdtr_base
    addr = (base + off) & 0xFFFFFFFF
    lo = cpu.read_linear(addr, 4, system=True)
    hi = cpu.read_linear(addr + 4, 4, system=True)
    return D.Descriptor(lo, hi), addr


def mark_accessed(cpu, desc: D.Descriptor, addr: int) -> int:
    """Set the accessed bit of a code/data descriptor in memory (the processor does on
    every load, PRM 5.1.4 "Accessed bit"); the cache rights to use."""
    if not desc.hi & D.HI_ACCESSED:
        desc.hi |= D.HI_ACCESSED
        cpu.write_linear(addr + 5, 1, desc.hi >> 8, system=True)
    return desc.hi & RIGHTS_MASK


def set_from(cpu, sreg: int, sel: int, desc: D.Descriptor, addr: int) -> None:
    """Load segment register ``sreg`` from a checked descriptor."""
    cpu.set_segment(sreg, sel, desc.base, desc.limit, mark_accessed(cpu, desc, addr))


def set_null(cpu, sreg: int, sel: int = 0) -> None:
    """A null selector in a data segment register: every access then gives #GP(0)."""
    cpu.set_segment(sreg, sel, 0, 0, 0)


# -- segment-register loads (MOV, POP, LDS..LGS) ---------------------------------

def load_sreg(cpu, sreg: int, sel: int) -> None:
    """Load a data or stack segment register in protected mode (PRM 17 MOV, POP)."""
    if sreg == SS:
        desc, addr = check_stack(cpu, sel, cpu.cpl, GP)
        set_from(cpu, SS, sel, desc, addr)
        return
    if sreg == CS:          # MOV CS is #UD in the decoder; nothing else loads CS here
        raise CPUFault(GP, D.error_code(sel))
    if D.is_null(sel):
        set_null(cpu, sreg, sel)
        return
    desc, addr = fetch(cpu, sel)
    check_data(desc, sel, cpu.cpl, GP)
    set_from(cpu, sreg, sel, desc, addr)


def check_data(desc: D.Descriptor, sel: int, cpl: int, vector: int, ext: int = 0) -> None:
    """DS/ES/FS/GS: a data or readable code segment; for data and nonconforming code
    RPL <= DPL and CPL <= DPL (``vector`` with the selector); present, else #NP."""
    err = D.error_code(sel, ext=ext)
    if not desc.readable:
        raise CPUFault(vector, err)
    if not desc.conforming and (sel & 3 > desc.dpl or cpl > desc.dpl):
        raise CPUFault(vector, err)
    if not desc.present:
        raise CPUFault(NP, err)


def load_ldtr(cpu, sel: int, vector: int, ext: int = 0) -> None:
    """LLDT and task switches: a null selector leaves the LDTR unusable; otherwise a
    GDT selector of an LDT descriptor (``vector`` with the selector), present (#NP
    for LLDT, #TS in a task switch: PRM 17 LLDT, SDM Table 7-1)."""
    if D.is_null(sel):
        cpu.ldtr.set(sel, 0, 0, 0)
        return
    err = D.error_code(sel, ext=ext)
    if sel & 4:
        raise CPUFault(vector, err)
    desc, _ = fetch(cpu, sel, vector, ext)
    if desc.s or desc.type != D.LDT:
        raise CPUFault(vector, err)
    if not desc.present:
        raise CPUFault(NP if vector == GP else vector, err)
    cpu.ldtr.set(sel, desc.base, desc.limit, desc.hi & RIGHTS_MASK)


def check_stack(cpu, sel: int, cpl: int, vector: int, ext: int = 0) -> tuple[D.Descriptor, int]:
    """SS: not null (``vector``(0)), RPL = CPL, a writable data segment with DPL = CPL
    (``vector`` with the selector), present (else #SS with the selector).

    ``vector`` is #GP for MOV/POP/LSS and RET/IRET, #TS for the stacks a call gate,
    an interrupt or a task switch takes from a TSS (PRM 6.3.4.2, 9.6.1.1)."""
    if D.is_null(sel):
        raise CPUFault(vector, ext)
    desc, addr = fetch(cpu, sel, vector, ext)
    err = D.error_code(sel, ext=ext)
    if sel & 3 != cpl or not desc.writable or desc.dpl != cpl:
        raise CPUFault(vector, err)
    if not desc.present:
        raise CPUFault(SS_FAULT, err)
    return desc, addr


def load_cs(cpu, sel: int, desc: D.Descriptor, addr: int, cpl: int, eip: int) -> None:
    """Enter code segment ``sel`` at privilege ``cpl`` (the selector's RPL becomes
    CPL, PRM 6.3.2.2) and offset ``eip``."""
    cpu.set_segment(CS, (sel & 0xFFFC) | cpl, desc.base, desc.limit,
                    mark_accessed(cpu, desc, addr))
    if cpl != cpu.cpl:
        cpu.cpl = cpl
    cpu.eip = eip
    cpu.events = True


def check_code_target(desc: D.Descriptor, sel: int, cpl: int, rpl: int) -> None:
    """A direct JMP/CALL to a code segment (PRM 6.3.4.1): conforming needs DPL <= CPL,
    nonconforming RPL <= CPL and DPL = CPL; present, else #NP."""
    err = D.error_code(sel)
    if desc.conforming:
        if desc.dpl > cpl:
            raise CPUFault(GP, err)
    elif rpl > cpl or desc.dpl != cpl:
        raise CPUFault(GP, err)
    if not desc.present:
        raise CPUFault(NP, err)


def check_gate(desc: D.Descriptor, sel: int, cpl: int) -> None:
    """A call or task gate, or a TSS, named by JMP/CALL: DPL >= CPL and DPL >= RPL
    (#GP with its selector), present (#NP with its selector)."""
    err = D.error_code(sel)
    if desc.dpl < cpl or desc.dpl < sel & 3:
        raise CPUFault(GP, err)
    if not desc.present:
        raise CPUFault(NP, err)


def gate_target(cpu, gate: D.Descriptor, cpl: int, jump: bool) -> tuple[int, D.Descriptor, int]:
    """The code segment a call gate leads to, checked (PRM 6.3.4.1): not null (#GP(0)),
    a code segment with DPL <= CPL (JMP: = CPL unless conforming), present (#NP)."""
    sel = gate.selector
    if D.is_null(sel):
        raise CPUFault(GP, 0)
    desc, addr = fetch(cpu, sel)
    err = D.error_code(sel)
    if not desc.is_code or desc.dpl > cpl or (jump and not desc.conforming and desc.dpl != cpl):
        raise CPUFault(GP, err)
    if not desc.present:
        raise CPUFault(NP, err)
    return sel, desc, addr


def target_eip(offset: int, desc: D.Descriptor, size: int) -> int:
    """The new EIP, masked to the operand (gate) size, within the code limit (#GP(0))."""
    eip = offset & (0xFFFFFFFF if size == 4 else 0xFFFF)
    if eip > desc.limit:
        raise CPUFault(GP, 0)
    return eip


# -- stacks for calls and interrupts ---------------------------------------------

def write_frame(cpu, base: int, limit: int, rights: int, esp: int, values: list, size: int,
                fault: int, user: bool) -> int:
    """Push ``values`` (in push order) of ``size`` bytes on the stack segment described
    by ``base``/``limit``/``rights`` below ``esp``, before that stack is loaded.

    The whole frame is limit-checked first (#SS(``fault``)); the new ESP (or SP, for
    a 16-bit stack, with the upper half of ``esp`` kept) is returned."""
    big = bool(rights & 0x400000)
    down = bool(rights & 0x1000) and not rights & 0x800 and bool(rights & 0x400)
    total = size * len(values)
    sp = esp if big else esp & 0xFFFF
    bottom = (sp - total) & (0xFFFFFFFF if big else 0xFFFF)
    if bottom > sp or not D.limit_ok(bottom, total, limit, down, big):
        raise CPUFault(SS_FAULT, fault)
    for i, value in enumerate(values):
        off = sp - size * (i + 1)
        cpu.write_linear(base + off, size, value, system=not user)
    return bottom if big else (esp & 0xFFFF0000) | bottom


def current_frame(cpu, values: list, size: int, fault: int = 0) -> int:
    """Write a frame on the current stack (:func:`write_frame`); the ESP to load once
    nothing else can fault."""
    ss = cpu.sregs[SS]
    return write_frame(cpu, ss.base, ss.limit, ss.rights, cpu.regs[ESP], values, size,
                       fault, cpu.cpl == 3)


def inner_stack(cpu, level: int, ext: int = 0) -> tuple[int, int, D.Descriptor, int]:
    """The stack for privilege ``level`` from the current TSS (PRM 6.3.4.2), checked as
    #TS/#SS demand: (SS selector, ESP, its descriptor, the descriptor's address)."""
    ss_sel, esp = tasks.stack_of(cpu, level, ext)
    desc, addr = check_stack(cpu, ss_sel, level, TS, ext)
    return ss_sel, esp, desc, addr


def null_outer_segments(cpu) -> None:
    """After a return to an outer level, a data segment register (or one holding
    nonconforming code) whose DPL is below the new CPL is loaded with null
    (PRM 6.3.4.4 and 17 RET, IRET)."""
    cpl = cpu.cpl
    for sreg in (ES, DS, FS, GS):
        seg = cpu.sregs[sreg]
        rights = seg.rights
        conforming_code = rights & 0x0C00 == 0x0C00
        if rights & 0x1000 and not conforming_code and (rights >> 13) & 3 < cpl:
            set_null(cpu, sreg)


# -- far JMP, CALL and RET in protected mode ---------------------------------------

def far_target(cpu, selector: int) -> tuple[int, D.Descriptor, int, str]:
    """The checks far JMP and CALL share (PRM 17 JMP, CALL): the selector, its
    descriptor and address, and what it names: "code" (checked as a direct target),
    or a "call" gate, "task" gate or "tss" (checked as gates are)."""
    sel = selector & 0xFFFF
    if D.is_null(sel):
        raise CPUFault(GP, 0)
    desc, addr = fetch(cpu, sel)
    if desc.is_code:
        check_code_target(desc, sel, cpu.cpl, sel & 3)
        return sel, desc, addr, "code"
    kind = system_kind(desc, sel)
    check_gate(desc, sel, cpu.cpl)
    return sel, desc, addr, kind


def system_kind(desc: D.Descriptor, sel: int) -> str:
    """What a far JMP/CALL may name besides code: "call" gate, "task" gate or an
    available "tss"; anything else (data, LDT, busy TSS, interrupt gates) is #GP."""
    if not desc.s:
        if desc.type in (D.CALL_GATE286, D.CALL_GATE386):
            return "call"
        if desc.type == D.TASK_GATE:
            return "task"
        if desc.type in (D.TSS286_AVAILABLE, D.TSS386_AVAILABLE):
            return "tss"
    raise CPUFault(GP, D.error_code(sel))


def to_task(cpu, kind: str, sel: int, desc: D.Descriptor, addr: int, source: str) -> None:
    """A far JMP or CALL that names a task gate or a TSS: a task switch."""
    if kind == "task":
        tasks.through_gate(cpu, desc, source)
    else:
        tasks.switch(cpu, sel, desc, addr, source)


def far_jump(cpu, selector: int, offset: int, osize: int) -> None:
    """JMP ptr16:16/32 or m16:16/32 (PRM 17 JMP)."""
    sel, desc, addr, kind = far_target(cpu, selector)
    cpl = cpu.cpl
    if kind == "code":
        load_cs(cpu, sel, desc, addr, cpl, target_eip(offset, desc, osize // 8))
    elif kind == "call":
        csel, cdesc, caddr = gate_target(cpu, desc, cpl, jump=True)
        size = 4 if desc.is_32bit_system else 2
        load_cs(cpu, csel, cdesc, caddr, cpl, target_eip(desc.offset, cdesc, size))
    else:
        to_task(cpu, kind, sel, desc, addr, tasks.JMP)


def far_call(cpu, selector: int, offset: int, osize: int) -> None:
    """CALL ptr16:16/32 or m16:16/32 (PRM 17 CALL; 6.3.4.2 for the stack switch)."""
    sel, desc, addr, kind = far_target(cpu, selector)
    if kind == "code":
        call_same(cpu, sel, desc, addr, offset, osize // 8)
        return
    if kind != "call":
        to_task(cpu, kind, sel, desc, addr, tasks.CALL)
        return
    csel, cdesc, caddr = gate_target(cpu, desc, cpu.cpl, jump=False)
    size = 4 if desc.is_32bit_system else 2
    if not cdesc.conforming and cdesc.dpl < cpu.cpl:
        call_inner(cpu, desc, csel, cdesc, caddr, size)
    else:
        call_same(cpu, csel, cdesc, caddr, desc.offset, size)


def call_same(cpu, sel: int, desc: D.Descriptor, addr: int, offset: int, size: int) -> None:
    """A call that stays at CPL: CS:EIP pushed (room for both, else #SS(0)), then the
    target offset checked against the code limit (#GP(0))."""
    new_esp = current_frame(cpu, [cpu.sregs[CS].selector, cpu.eip], size)
    eip = target_eip(offset, desc, size)
    cpu.regs[ESP] = new_esp
    load_cs(cpu, sel, desc, addr, cpu.cpl, eip)


def call_inner(cpu, gate: D.Descriptor, csel: int, cdesc: D.Descriptor, caddr: int,
               size: int) -> None:
    """A call through a gate to a more privileged level: the stack of that level from
    the TSS, the old SS:ESP, ``gate.count`` parameters copied from the old stack
    (words for a 286 gate, doublewords for a 386 gate), then CS:EIP (PRM 6.3.4.2,
    Figure 6-8 "Stack Contents after an Interlevel Call")."""
    level = cdesc.dpl
    ss_sel, esp, sdesc, saddr = inner_stack(cpu, level)
    old_ss = cpu.sregs[SS].selector
    old_esp = cpu.regs[ESP]
    params = [cpu.read_stack(size * i, size) for i in range(gate.count - 1, -1, -1)]
    frame = [old_ss, old_esp & (0xFFFFFFFF if size == 4 else 0xFFFF)] + params + \
        [cpu.sregs[CS].selector, cpu.eip]
    rights = sdesc.hi & RIGHTS_MASK
    new_esp = write_frame(cpu, sdesc.base, sdesc.limit, rights, esp, frame, size,
                          D.error_code(ss_sel), level == 3)
    eip = target_eip(gate.offset, cdesc, size)
    set_from(cpu, SS, ss_sel, sdesc, saddr)
    cpu.regs[ESP] = new_esp
    load_cs(cpu, csel, cdesc, caddr, level, eip)


def check_return_cs(cpu, sel: int, cpl: int) -> tuple[D.Descriptor, int]:
    """The code segment RET or IRET returns to (PRM 17 RET): not null (#GP(0)), a code
    segment, RPL >= CPL, conforming: DPL <= RPL, nonconforming: DPL = RPL (#GP with
    the selector), present (#NP)."""
    if D.is_null(sel):
        raise CPUFault(GP, 0)
    desc, addr = fetch(cpu, sel)
    err = D.error_code(sel)
    rpl = sel & 3
    if not desc.is_code or rpl < cpl:
        raise CPUFault(GP, err)
    if desc.dpl > rpl if desc.conforming else desc.dpl != rpl:
        raise CPUFault(GP, err)
    if not desc.present:
        raise CPUFault(NP, err)
    return desc, addr


def check_return_ss(cpu, sel: int, rpl: int) -> tuple[D.Descriptor, int]:
    """The stack an outer-level RET or IRET returns to: the checks of a stack load at
    the return CS's RPL, all #GP (PRM 17 RET)."""
    return check_stack(cpu, sel, rpl, GP)


def far_return(cpu, osize: int, release: int) -> None:
    """RETF and RETF imm16 (PRM 17 RET): the same level, or an outer level with the
    caller's SS:ESP popped after ``release`` bytes of parameters."""
    size = osize // 8
    eip = cpu.read_stack(0, size)
    sel = cpu.read_stack(size, size) & 0xFFFF
    cpl = cpu.cpl
    desc, addr = check_return_cs(cpu, sel, cpl)
    rpl = sel & 3
    if rpl == cpl:
        eip = target_eip(eip, desc, size)
        cpu.adjust_sp(2 * size + release)
        load_cs(cpu, sel, desc, addr, cpl, eip)
        return
    new_esp = cpu.read_stack(2 * size + release, size)
    ss_sel = cpu.read_stack(3 * size + release, size) & 0xFFFF
    sdesc, saddr = check_return_ss(cpu, ss_sel, rpl)
    eip = target_eip(eip, desc, size)
    load_cs(cpu, sel, desc, addr, rpl, eip)
    load_stack(cpu, ss_sel, sdesc, saddr, new_esp)
    cpu.adjust_sp(release)
    null_outer_segments(cpu)


def load_stack(cpu, sel: int, desc: D.Descriptor, addr: int, esp: int) -> None:
    """Switch to a checked stack: SS, then ESP (SS.B=1) or SP (SS.B=0, upper half kept)."""
    set_from(cpu, SS, sel, desc, addr)
    if cpu.sregs[SS].big:
        cpu.regs[ESP] = esp & 0xFFFFFFFF
    else:
        cpu.regs[ESP] = (cpu.regs[ESP] & 0xFFFF0000) | (esp & 0xFFFF)
