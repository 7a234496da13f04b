"""Emulation of the instructions that trap at real ring 1 or 3 against the virtual
CPU (ia32_vstate.VirtualState) and the virtual devices.

The guest kernel runs at real CPL 1 with the real IOPL 0, so every privileged
instruction (80386 PRM 4.x and SDM Vol. 3A 5.9: LGDT, LIDT, LLDT, LTR, LMSW,
CLTS, MOV to and from CRn and DRn, INVLPG, INVD, WBINVD, HLT, RDMSR, WRMSR) and
every IOPL-sensitive one (CLI, STI, IN, OUT, INS, OUTS: PRM 8.3.1) raises #GP
there; so does a load of SS with an RPL 0 selector, and an IRET or far RET to a
CS with RPL 0, which fail only because of ring compression. CP decodes the
instruction at the guest's EIP and runs ``EMULATORS[semantics](be, ins)`` with
``cpu.eip`` already past it. Where the bare machine's own handler
(``ia32.isa.SEMANTICS``) gives the right semantics once the privilege is lent
(an I/O port access with the guest's own IOPL and TSS bitmap, MSRs, debug
registers), it runs with that privilege; what names privileged state (GDTR,
IDTR, LDTR, TR, CR0-CR4, IF) is done against the virtual state, with the guest's
rules: a check the guest's own CPL or IOPL fails raises the guest's own fault
(CPUFault), which CP reflects.

Every emulator receives ``be`` (the IA32Backend: ``cpu`` the real CPU,
``vstate``, ``shadow``, ``gdt``/``ldt``, the devices) and ``ins`` (the decoded
ia32.decode.Instruction). A mode (scan, translate) can reach them through
``emulate(be, ins)`` from a rewritten instruction's handler.
"""
from __future__ import annotations

from ia32 import descriptors as D
from ia32.errors import CPUFault, GP, NP, UD
from ia32.flags import IOPL
from ia32.isa import SEMANTICS
from ia32.isa.gen import rm_offset, rm_read
from ia32.state import CR0_PE, CR0_PG, CR0_TS, CR0_WP, CR4_PSE, SS, Segment

from .ia32_vstate import compress

#: CR0 and CR4 bits the processor has (as ia32/isa/system.py: PRM 4.1.3, SDM)
CR0_BITS = 0xE005003F
CR4_BITS = 0x14
CR4_TSD = 0x4
#: the guest's CR0 bits the real CR0 carries (the FPU and alignment controls)
CR0_GUEST_BITS = 0x0004002E         # MP EM TS NE, AM
#: the real CR0: protected mode, paging through the shadow tables, WP so that
#: a read-only shadow entry stops ring 1 too (A/D tracking), ET
CR0_REAL = 0x80010011


class Unsupported(Exception):
    """What the guest asked for is not virtualized here (the VM stops with this)."""


def emulate(be, ins) -> None:
    """Emulate ``ins`` (see the module doc); CPUFault for the guest's own fault."""
    EMULATORS[ins.form.semantics](be, ins)


def emulated(ins) -> bool:
    return ins.form.semantics in EMULATORS


def _kernel_only(be) -> None:
    if be.vstate.cpl != 0:
        raise CPUFault(GP, 0)


# -- the interrupt flag and HLT -----------------------------------------------------

def _iopl_check(be) -> None:
    vs = be.vstate
    if vs.cpl > vs.iopl:
        raise CPUFault(GP, 0)


def cli(be, ins) -> None:
    _iopl_check(be)
    be.vstate.iflag = False


def sti(be, ins) -> None:
    """STI: an interrupt is recognised only after the next instruction (PRM 17 STI)."""
    _iopl_check(be)
    if not be.vstate.iflag:
        be.vstate.iflag = True
        be.irq_shadow = True


# -- I/O: the machine's own handler with the guest's IOPL and TSS --------------------

def io(be, ins) -> None:
    """IN/OUT/INS/OUTS against the virtual devices: the guest's CPL <= IOPL, or the
    I/O bitmap of the guest's TSS (PRM 8.3.2), decides, as on the bare machine."""
    cpu = be.cpu
    vs = be.vstate
    saved_flags = cpu.eflags & IOPL
    saved_tr = cpu.tr
    cpu.eflags = (cpu.eflags & ~IOPL) | ((3 if vs.cpl == 0 else vs.iopl) << 12)
    base, limit = vs.tss
    cpu.tr = Segment(vs.tr, base, limit, 0x8B00)
    try:                        # the bitmap read through the guest's tables (ia32_window.py)
        SEMANTICS[ins.form.semantics](be.tss_cpu, ins)
    finally:
        cpu.eflags = (cpu.eflags & ~IOPL) | saved_flags
        cpu.tr = saved_tr


def lent_ring0(be, ins) -> None:
    """The machine's handler at real CPL 0 (debug registers, MSRs, RDTSC with
    CR4.TSD, INVD/WBINVD): their state is the real CPU's own."""
    _kernel_only(be)
    cpu = be.cpu
    cpu.cpl = 0
    try:
        SEMANTICS[ins.form.semantics](cpu, ins)
    finally:
        cpu.cpl = be.real_ring()


# -- descriptor-table registers ------------------------------------------------------

def _load_table_register(be, ins, base: str, limit: str) -> tuple[int, int]:
    """LGDT/LIDT's operand read by the machine's own handler into the real
    register named ``base``/``limit``, which keeps CP's value: (base, limit)."""
    _kernel_only(be)
    cpu = be.cpu
    saved = getattr(cpu, base), getattr(cpu, limit)
    SEMANTICS[ins.form.semantics](cpu, ins)
    loaded = getattr(cpu, base), getattr(cpu, limit)
    setattr(cpu, base, saved[0])
    setattr(cpu, limit, saved[1])
    return loaded


def lgdt(be, ins) -> None:
    be.vstate.gdtr = _load_table_register(be, ins, "gdtr_base", "gdtr_limit")
    be.gdt.sync()


def lidt(be, ins) -> None:
    be.vstate.idtr = _load_table_register(be, ins, "idtr_base", "idtr_limit")


def _guest_descriptor(be, sel: int) -> D.Descriptor:
    """The guest's own GDT descriptor for ``sel`` (#GP(selector) past its limit)."""
    pair = be.gdt.read_guest(sel >> 3) if (sel | 7) <= be.vstate.gdtr[1] else None
    if pair is None:
        raise CPUFault(GP, D.error_code(sel))
    return D.Descriptor(*pair)


def lldt(be, ins) -> None:
    """LLDT (PRM 17 LLDT): the guest's LDT descriptor, then a shadow LDT."""
    _kernel_only(be)
    vs = be.vstate
    sel = rm_read(be.cpu, ins, 16)
    if D.is_null(sel):
        vs.ldtr, vs.ldt = sel, (0, 0)
    else:
        err = D.error_code(sel)
        if sel & 4:
            raise CPUFault(GP, err)
        desc = _guest_descriptor(be, sel)
        if desc.s or desc.type != D.LDT:
            raise CPUFault(GP, err)
        if not desc.present:
            raise CPUFault(NP, err)
        vs.ldtr, vs.ldt = sel, (desc.base, desc.limit)
    be.load_ldt()


def ltr(be, ins) -> None:
    """LTR (PRM 17 LTR): an available TSS in the guest's GDT, marked busy there;
    the real TR stays CP's."""
    _kernel_only(be)
    vs = be.vstate
    sel = rm_read(be.cpu, ins, 16)
    if D.is_null(sel):
        raise CPUFault(GP, 0)
    err = D.error_code(sel)
    if sel & 4:
        raise CPUFault(GP, err)
    desc = _guest_descriptor(be, sel)
    if desc.s or desc.type not in (D.TSS286_AVAILABLE, D.TSS386_AVAILABLE):
        raise CPUFault(GP, err)
    if not desc.present:
        raise CPUFault(NP, err)
    be.write_guest_linear(vs.gdtr[0] + (sel & ~7) + 5, 1, (desc.hi | D.HI_BUSY) >> 8)
    vs.tr, vs.tss = sel, (desc.base, desc.limit)


# -- control registers ---------------------------------------------------------------

def mov_from_cr(be, ins) -> None:
    _kernel_only(be)
    n = ins.reg
    if n not in (0, 2, 3, 4):
        raise CPUFault(UD)
    be.cpu.regs[ins.rm] = be.vstate.cr[n]


def mov_to_cr(be, ins) -> None:
    """MOV CRn, r32 with the checks of ia32/isa/system.py's, into the virtual CRs."""
    _kernel_only(be)
    n = ins.reg
    value = be.cpu.regs[ins.rm]
    if n == 0:
        value &= CR0_BITS
        if value & CR0_PG and not value & CR0_PE:
            raise CPUFault(GP, 0)
        set_cr0(be, value)
    elif n == 4:
        if value & ~CR4_BITS:
            raise CPUFault(GP, 0)
        old = be.vstate.cr[4]
        be.vstate.cr[4] = value
        be.cpu.write_cr(4, value & CR4_TSD)
        if (old ^ value) & CR4_PSE:
            be.translation_changed(flush=True)
    elif n == 3:
        be.vstate.cr[3] = value
        be.translation_changed(flush=False)
    elif n == 2:
        be.vstate.cr[2] = value
    else:
        raise CPUFault(UD)


def set_cr0(be, value: int) -> None:
    """The guest's CR0 := value: the FPU bits go to the real CR0; PG and WP change
    the shadow tables; leaving protected mode is not virtualized."""
    vs = be.vstate
    value |= 0x10                       # ET
    old = vs.cr[0]
    if not value & CR0_PE:
        raise Unsupported("the guest left protected mode (CR0.PE=0)")
    vs.cr[0] = value
    be.cpu.write_cr(0, CR0_REAL | (value & CR0_GUEST_BITS))
    if (old ^ value) & (CR0_PG | CR0_WP):
        be.translation_changed(flush=True)


def lmsw(be, ins) -> None:
    """LMSW (PRM 17 LMSW): PE, MP, EM and TS; PE can be set, not cleared."""
    _kernel_only(be)
    cr0 = be.vstate.cr[0]
    value = rm_read(be.cpu, ins, 16) & 0xF
    set_cr0(be, (cr0 & ~0xE) | value | (cr0 & CR0_PE))


def clts(be, ins) -> None:
    _kernel_only(be)
    set_cr0(be, be.vstate.cr[0] & ~CR0_TS)


def invlpg(be, ins) -> None:
    _kernel_only(be)
    cpu = be.cpu
    be.shadow.invlpg(cpu.sregs[ins.seg].base + rm_offset(cpu, ins))


# -- ring compression: SS loads, IRET and far RET to ring 0 -------------------------

def compressed_load(be, ins) -> None:
    """MOV SS / POP SS / LSS with an RPL 0 selector: the machine's handler with the
    selector held at RPL 1 (real SS needs RPL = CPL)."""
    _kernel_only(be)
    cpu = be.cpu
    real_load = type(cpu).load_sreg
    cpu.load_sreg = lambda sreg, sel: real_load(cpu, sreg, compress(sel))
    try:
        SEMANTICS[ins.form.semantics](cpu, ins)
    finally:
        del cpu.load_sreg


def far_return(be, ins) -> None:
    """IRET or RETF to a CS (and SS) with RPL 0 (naive mode: SCAN and TRANSLATE
    emulate these at the guest's CPL, ia32_sensitive.py): the frame's selectors
    held at RPL 1, then the machine's own return, which keeps the real IF and
    IOPL as the native instruction would."""
    _kernel_only(be)
    cpu = be.cpu
    vs = be.vstate
    size = ins.osize >> 3
    esp = cpu.regs[4]
    iret = ins.form.semantics == "iret"
    cs = cpu.read_stack(size, size) & 0xFFFF
    if cs & 3 == 0:
        cpu.write(SS, _stack(cpu, esp + size), 2, compress(cs))
    outer = 3 * size if iret else 2 * size + (ins.imm or 0)
    if compress(cs) & 3 > 1:
        ss = cpu.read_stack(outer + size, size) & 0xFFFF
        if ss & 3 == 0:
            cpu.write(SS, _stack(cpu, esp + outer + size), 2, compress(ss))
    SEMANTICS[ins.form.semantics](cpu, ins)
    vs.cpl = 0 if cpu.cpl == 1 else cpu.cpl


def _stack(cpu, esp: int) -> int:
    return esp & (0xFFFFFFFF if cpu.sregs[SS].big else 0xFFFF)


EMULATORS = {
    "cli": cli, "sti": sti,
    "in": io, "out": io, "ins": io, "outs": io,
    "lgdt": lgdt, "lidt": lidt, "lldt": lldt, "ltr": ltr,
    "mov_from_cr": mov_from_cr, "mov_to_cr": mov_to_cr, "lmsw": lmsw, "clts": clts,
    "invlpg": invlpg,
    "mov_from_dr": lent_ring0, "mov_to_dr": lent_ring0, "rdmsr": lent_ring0,
    "wrmsr": lent_ring0, "rdtsc": lent_ring0, "invd": lent_ring0, "wbinvd": lent_ring0,
    "mov_to_sreg": compressed_load, "pop_sreg": compressed_load, "lss": compressed_load,
    "iret": far_return, "retf": far_return,
}
