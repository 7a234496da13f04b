"""Interrupt and exception delivery through the IDT, and IRET, in protected and V86 mode.

80386 Programmer's Reference Manual (1986) chapter 9 "Exceptions and Interrupts":
9.4 the IDT, 9.5 its descriptors (Figure 9-3: task, interrupt and trap gates),
9.6.1 "Interrupt Procedures" (the stack frame of Figure 9-5, with and without a
privilege change; IF cleared by interrupt gates only; TF and NT cleared), 9.6.2
"Interrupt Tasks", 9.9 "Error Code" (EXT, IDT, TI); chapter 15.3.3 "Interrupts
and exceptions in V86 mode" (Figure 15-2: GS FS DS ES pushed, the data segment
registers then null); chapter 17 IRET. Real mode goes through the IVT in
``ia32.cpu``; the double-fault and shutdown rules (PRM 9.8.8) are the run loop's
``CPU.exception``, which calls :func:`deliver` again for the second event.

``soft`` marks INT n, INT3 and INTO: their gate's DPL must be >= CPL (#GP with the
IDT entry's error code otherwise), and faults while delivering them have EXT=0;
for external interrupts and processor exceptions EXT=1 (PRM 9.9). In V86 mode
with IOPL < 3, INT n is #GP(0) (PRM 15.5) while INT3 and INTO go through the IDT
(:func:`is_int_n` tells them apart).
"""
from __future__ import annotations

from . import descriptors as D
from . import segments, tasks
from .state import CS, DS, ES, ESP, FS, GS, RIGHTS_V86, SS
from .errors import BP, OF, CPUFault, GP, NP
from .flags import AC, ID, IF, IOPL, NT, RF, TF, VM

#: IDT gate types (PRM Figure 9-3)
IDT_GATES = frozenset({D.TASK_GATE, D.INT_GATE286, D.TRAP_GATE286, D.INT_GATE386,
                       D.TRAP_GATE386})
#: the EFLAGS bits any IRET may load (PRM 17 IRET: CF PF AF ZF SF TF DF OF NT)
IRET_BASE = 0x4DD5
#: what leaving for a handler clears (PRM 9.6.1.3 "Flags Usage by Interrupt
#: Procedure": TF and NT; RF and VM as well, SDM INT pseudo-code)
ENTRY_CLEARS = TF | NT | RF | VM


def deliver(cpu, vector: int, error_code: int | None, soft: bool) -> None:
    """Enter the handler of ``vector`` through the IDT (PRM 9.6). ``cpu.eip`` is the
    return address (the faulting instruction for faults, the next one otherwise)."""
    ext = 0 if soft else 1
    if soft and cpu.eflags & VM and (cpu.eflags & IOPL) != IOPL and is_int_n(cpu, vector):
        raise CPUFault(GP, 0)
    idt_err = vector * 8 + 2 + ext
    if vector * 8 + 7 > cpu.idtr_limit:
        raise CPUFault(GP, idt_err)
    addr = (cpu.idtr_base + vector * 8) & 0xFFFFFFFF
    gate = D.Descriptor(cpu.read_linear(addr, 4, system=True),
                        cpu.read_linear(addr + 4, 4, system=True))
    if gate.s or gate.type not in IDT_GATES:
        raise CPUFault(GP, idt_err)
    if soft and gate.dpl < cpu.cpl:
        raise CPUFault(GP, vector * 8 + 2)
    if not gate.present:
        raise CPUFault(NP, idt_err)
    if gate.type == D.TASK_GATE:
        tasks.through_gate(cpu, gate, tasks.INT, error_code, ext)
        return
    csel = gate.selector
    if D.is_null(csel):
        raise CPUFault(GP, ext)
    cdesc, caddr = segments.fetch(cpu, csel, GP, ext)
    cerr = D.error_code(csel, ext=ext)
    cpl = cpu.cpl
    if not cdesc.is_code or cdesc.dpl > cpl:
        raise CPUFault(GP, cerr)
    if not cdesc.present:
        raise CPUFault(NP, cerr)
    size = 4 if gate.is_32bit_system else 2
    eflags = cpu.get_eflags()
    v86 = bool(eflags & VM)
    frame = [eflags, cpu.sregs[CS].selector, cpu.eip]
    if error_code is not None:
        frame.append(error_code)
    if not cdesc.conforming and cdesc.dpl < cpl:
        level = cdesc.dpl
        if v86 and level != 0:
            raise CPUFault(GP, cerr)
        ss_sel, esp, sdesc, saddr = segments.inner_stack(cpu, level, ext)
        outer = [cpu.sregs[SS].selector, cpu.regs[ESP]]
        if v86:
            outer = [cpu.sregs[s].selector for s in (GS, FS, DS, ES)] + outer
        new_esp = segments.write_frame(cpu, sdesc.base, sdesc.limit,
                                       sdesc.hi & segments.RIGHTS_MASK, esp, outer + frame,
                                       size, D.error_code(ss_sel, ext=ext), False)
        eip = handler_eip(gate, cdesc, size, ext)
        if v86:
            for sreg in (GS, FS, DS, ES):
                segments.set_null(cpu, sreg)
        enter_flags(cpu, gate)
        segments.load_stack(cpu, ss_sel, sdesc, saddr, new_esp)
        segments.load_cs(cpu, csel, cdesc, caddr, level, eip)
        return
    if v86:
        raise CPUFault(GP, cerr)
    new_esp = segments.current_frame(cpu, frame, size, ext)
    eip = handler_eip(gate, cdesc, size, ext)
    cpu.regs[ESP] = new_esp
    enter_flags(cpu, gate)
    segments.load_cs(cpu, csel, cdesc, caddr, cpl, eip)


def is_int_n(cpu, vector: int) -> bool:
    """Whether the software interrupt being delivered is INT n (CD ib) rather than
    INT3 (CC) or INTO (CE). ``cpu.eip`` is past the instruction; its last byte is
    CC or CE for those two, and for INT 3 / INT 4 written as CD ib it is 03 / 04."""
    if vector not in (BP, OF):
        return True
    last = cpu.read_linear(cpu.sregs[CS].base + ((cpu.eip - 1) & 0xFFFF), 1)
    return last != (0xCC if vector == BP else 0xCE)


def handler_eip(gate: D.Descriptor, cdesc: D.Descriptor, size: int, ext: int) -> int:
    """The gate's offset (16 bits for a 286 gate) inside the handler's code segment,
    else #GP(EXT) (SDM INT pseudo-code)."""
    eip = gate.offset & (0xFFFFFFFF if size == 4 else 0xFFFF)
    if eip > cdesc.limit:
        raise CPUFault(GP, ext)
    return eip


def enter_flags(cpu, gate: D.Descriptor) -> None:
    """Clear TF, NT, RF and VM, and IF for an interrupt gate (trap gates keep IF)."""
    clears = ENTRY_CLEARS
    if gate.type in (D.INT_GATE286, D.INT_GATE386):
        clears |= IF
    cpu.set_eflags(0, clears)


# -- IRET ------------------------------------------------------------------------

def iret(cpu, osize: int) -> None:
    """IRET/IRETD with CR0.PE set (PRM 17 IRET): in V86 mode, a task return (NT=1),
    a return to V86 mode, to the same level, or to an outer level."""
    size = osize // 8
    if cpu.eflags & VM:
        v86_iret(cpu, size)
        return
    if cpu.eflags & NT:
        tasks.task_return(cpu)
        return
    eip = cpu.read_stack(0, size)
    sel = cpu.read_stack(size, size) & 0xFFFF
    fl = cpu.read_stack(2 * size, size)
    cpl = cpu.cpl
    if size == 4 and fl & VM and cpl == 0:
        return_to_v86(cpu, eip, sel, fl)
        return
    desc, addr = segments.check_return_cs(cpu, sel, cpl)
    mask = iret_mask(cpl, (cpu.eflags & IOPL) >> 12, size)
    rpl = sel & 3
    if rpl == cpl:
        eip = segments.target_eip(eip, desc, size)
        cpu.adjust_sp(3 * size)
        segments.load_cs(cpu, sel, desc, addr, cpl, eip)
        cpu.set_eflags(fl, mask)
        return
    new_esp = cpu.read_stack(3 * size, size)
    ss_sel = cpu.read_stack(4 * size, size) & 0xFFFF
    sdesc, saddr = segments.check_return_ss(cpu, ss_sel, rpl)
    eip = segments.target_eip(eip, desc, size)
    cpu.set_eflags(fl, mask)
    segments.load_cs(cpu, sel, desc, addr, rpl, eip)
    segments.load_stack(cpu, ss_sel, sdesc, saddr, new_esp)
    segments.null_outer_segments(cpu)


def iret_mask(cpl: int, iopl: int, size: int) -> int:
    """The EFLAGS bits a protected-mode IRET at ``cpl`` loads: IF only if CPL <= IOPL,
    IOPL only at CPL 0; RF, AC and ID with a 32-bit operand; 16 bits otherwise."""
    mask = IRET_BASE
    if cpl <= iopl:
        mask |= IF
    if cpl == 0:
        mask |= IOPL
    return mask | RF | AC | ID if size == 4 else mask


def return_to_v86(cpu, eip: int, cs: int, fl: int) -> None:
    """IRETD at CPL 0 with VM in the popped EFLAGS (PRM 15.2.2 "Entering V86 Mode",
    17 IRET): pop ESP, SS, ES, DS, FS, GS after EIP, CS, EFLAGS; every segment
    register then holds selector * 16 as its base; CPL 3."""
    values = [cpu.read_stack(12 + 4 * i, 4) for i in range(6)]
    new_esp, sels = values[0], [v & 0xFFFF for v in values[1:]]
    cpu.set_eflags(fl, 0xFFFFFFFF)
    for sreg, sel in zip((SS, ES, DS, FS, GS), sels):
        cpu.sregs[sreg].set(sel, sel << 4, 0xFFFF, RIGHTS_V86)
    cpu.sregs[CS].set(cs, cs << 4, 0xFFFF, RIGHTS_V86)
    cpu.regs[ESP] = new_esp
    cpu.eip = eip & 0xFFFF
    cpu.events = True


def v86_iret(cpu, size: int) -> None:
    """IRET in V86 mode (PRM 15.5 "Sensitive Instructions"): #GP(0) unless IOPL = 3;
    then as in real mode, except that VM and IOPL are not changed."""
    if (cpu.eflags & IOPL) != IOPL:
        raise CPUFault(GP, 0)
    eip = cpu.read_stack(0, size)
    cs = cpu.read_stack(size, size) & 0xFFFF
    fl = cpu.read_stack(2 * size, size)
    if size == 2:
        eip &= 0xFFFF
    if eip > 0xFFFF:
        raise CPUFault(GP, 0)
    cpu.adjust_sp(3 * size)
    cpu.sregs[CS].set(cs, cs << 4, 0xFFFF, RIGHTS_V86)
    cpu.eip = eip
    mask = (0xFFFFFFFF if size == 4 else 0xFFFF) & ~(VM | IOPL)
    cpu.set_eflags(fl, mask)
    cpu.events = True
