"""System instructions: descriptor-table registers, control and debug registers, the
machine status word, access-rights queries, MSRs (80386 PRM 1986 chapter 17 for each
instruction; SDM Vol. 2 for the 486/Pentium additions INVLPG, INVD, WBINVD, RDMSR,
WRMSR and for CR4).

The table's ``priv`` flag (CPL 0 in protected mode, never in V86 mode) and
``pm_only`` flag (#UD in real and V86 mode) are applied around these handlers by
``ia32.isa``, so no handler repeats them.

Choices where the manuals leave the result open:
- SGDT/SIDT with a 16-bit operand store the 24-bit base and a zero fourth byte (SDM
  SGDT pseudo-code of the 486/Pentium era); LGDT/LIDT with a 16-bit operand load a
  24-bit base.
- SLDT, STR and SMSW into a 32-bit register write the whole register, zero-extended
  (SMSW: all of CR0), as P6 processors define the "undefined" upper half.
- CR0 bits that do not exist are ignored on writes; CR0.PG without CR0.PE is #GP(0).
  CR4 holds TSD and PSE (what CPUID reports); any other bit is #GP(0). CR1, CR5-CR7:
  #UD. DR4/DR5 are DR6/DR7 (CR4.DE is not implemented); breakpoints in DR0-DR3 are
  stored but never fire.
- MSRs (SDM Vol. 4 chapter 2): 10h the TSC (RDTSC's counter), 1Bh IA32_APIC_BASE
  (FEE00900 after reset: base FEE00000, enabled, BSP), 174h-176h the SYSENTER
  registers, 179h IA32_MCG_CAP (0 banks, read-only), 1A0h IA32_MISC_ENABLE, 277h
  IA32_PAT, C0000080h EFER with only SCE writable (as 32-bit processors with
  SYSCALL have it; SYSCALL itself is not implemented), and any MSR a device has put
  in ``cpu.msrs``. Any other index, a write to a read-only MSR or of a reserved bit
  raises #GP(0), as the SDM says for an MSR that is not implemented. The FS/GS base
  MSRs (C0000100h/C0000101h) exist only on processors with long mode, so here they
  #GP as on every 32-bit processor (the issue lists them; kvm-unit-tests' msr test
  expects the #GP on a CPU without LM).
"""
from __future__ import annotations

from .. import descriptors as D
from .. import segments
from ..errors import CPUFault, GP, NP, UD
from ..flags import ZF
from ..state import CR0_PE, CR0_PG, CR0_TS
from .gen import rm_offset, rm_read, rm_write

#: CR0 bits this processor has (PRM 4.1.3 and the 486's NE WP AM NW CD)
CR0_BITS = 0xE005003F
#: CR4 bits this processor has: TSD (2), PSE (4)
CR4_BITS = 0x14

# -- GDTR, IDTR, LDTR, TR ------------------------------------------------------------

def _pseudo_descriptor(cpu, ins) -> tuple[int, int]:
    """(limit, base) of LGDT/LIDT's m16&32 operand; a 16-bit operand size keeps 24 bits
    of the base (PRM 17 LGDT/LIDT)."""
    off = rm_offset(cpu, ins)
    limit = cpu.read_u16(ins.seg, off)
    base = cpu.read_u32(ins.seg, (off + 2) & (0xFFFFFFFF if ins.asize == 32 else 0xFFFF))
    return limit, base & (0xFFFFFFFF if ins.osize == 32 else 0xFFFFFF)


def _store_pseudo_descriptor(cpu, ins, limit: int, base: int) -> None:
    off = rm_offset(cpu, ins)
    cpu.check_write(ins.seg, off, 6)
    cpu.write_u16(ins.seg, off, limit)
    cpu.write_u32(ins.seg, (off + 2) & (0xFFFFFFFF if ins.asize == 32 else 0xFFFF),
                  base if ins.osize == 32 else base & 0xFFFFFF)


def lgdt(cpu, ins) -> None:
    cpu.gdtr_limit, cpu.gdtr_base = _pseudo_descriptor(cpu, ins)


def lidt(cpu, ins) -> None:
    cpu.idtr_limit, cpu.idtr_base = _pseudo_descriptor(cpu, ins)


def sgdt(cpu, ins) -> None:
    _store_pseudo_descriptor(cpu, ins, cpu.gdtr_limit, cpu.gdtr_base)


def sidt(cpu, ins) -> None:
    _store_pseudo_descriptor(cpu, ins, cpu.idtr_limit, cpu.idtr_base)


def _store_selector(cpu, ins, value: int) -> None:
    """SLDT/STR/SMSW: 16 bits to memory; a register gets the operand size."""
    if ins.mod == 3 and ins.osize == 32:
        cpu.regs[ins.rm] = value & 0xFFFFFFFF
    else:
        rm_write(cpu, ins, 16, value & 0xFFFF)


def sldt(cpu, ins) -> None:
    _store_selector(cpu, ins, cpu.ldtr.selector)


def str_(cpu, ins) -> None:
    _store_selector(cpu, ins, cpu.tr.selector)


def lldt(cpu, ins) -> None:
    """LLDT (PRM 17 LLDT): null leaves the LDTR unusable; otherwise a present LDT
    descriptor in the GDT (#GP(selector), #NP(selector))."""
    segments.load_ldtr(cpu, rm_read(cpu, ins, 16), GP)


def ltr(cpu, ins) -> None:
    """LTR (PRM 17 LTR): a global, available 286 or 386 TSS (#GP(0) for null,
    #GP(selector) otherwise), present (#NP(selector)); it is marked busy."""
    sel = rm_read(cpu, ins, 16)
    if D.is_null(sel):
        raise CPUFault(GP, 0)
    err = D.error_code(sel)
    if sel & 4:
        raise CPUFault(GP, err)
    desc, addr = segments.fetch(cpu, sel)
    if desc.s or desc.type not in (D.TSS286_AVAILABLE, D.TSS386_AVAILABLE):
        raise CPUFault(GP, err)
    if not desc.present:
        raise CPUFault(NP, err)
    desc.hi |= D.HI_BUSY
    cpu.write_linear(addr + 5, 1, desc.hi >> 8, system=True)
    cpu.tr.set(sel, desc.base, desc.limit, desc.hi & segments.RIGHTS_MASK)


# -- the machine status word and control registers ------------------------------------

def smsw(cpu, ins) -> None:
    if ins.mod == 3 and ins.osize == 32:
        cpu.regs[ins.rm] = cpu.cr[0]
    else:
        rm_write(cpu, ins, 16, cpu.cr[0] & 0xFFFF)


def lmsw(cpu, ins) -> None:
    """LMSW (PRM 17 LMSW): loads PE, MP, EM and TS; it can set PE but not clear it."""
    value = rm_read(cpu, ins, 16) & 0xF
    cr0 = cpu.cr[0]
    cpu.write_cr(0, (cr0 & ~0xE) | value | (cr0 & CR0_PE))


def clts(cpu, ins) -> None:
    cpu.write_cr(0, cpu.cr[0] & ~CR0_TS)


def mov_from_cr(cpu, ins) -> None:
    n = ins.reg
    if n not in (0, 2, 3, 4):
        raise CPUFault(UD)
    cpu.regs[ins.rm] = cpu.cr[n]


def mov_to_cr(cpu, ins) -> None:
    """MOV CRn, r32 (PRM 17 MOV "Move to/from Special Registers"; SDM for CR4)."""
    n = ins.reg
    value = cpu.regs[ins.rm]
    if n == 0:
        value &= CR0_BITS
        if value & CR0_PG and not value & CR0_PE:
            raise CPUFault(GP, 0)
    elif n == 4:
        if value & ~CR4_BITS:
            raise CPUFault(GP, 0)
    elif n not in (2, 3):
        raise CPUFault(UD)
    cpu.write_cr(n, value)


def _dr_index(n: int) -> int:
    """DR4 and DR5 are DR6 and DR7 (SDM 17.2.2 with CR4.DE=0)."""
    return n + 2 if n in (4, 5) else n


def mov_from_dr(cpu, ins) -> None:
    cpu.regs[ins.rm] = cpu.dr[_dr_index(ins.reg)]


def mov_to_dr(cpu, ins) -> None:
    cpu.dr[_dr_index(ins.reg)] = cpu.regs[ins.rm]


def invlpg(cpu, ins) -> None:
    """INVLPG m (SDM): forget the TLB entry for the page of the operand's linear address."""
    cpu.invlpg(cpu.sregs[ins.seg].base + rm_offset(cpu, ins))


def nop(cpu, ins) -> None:
    """INVD and WBINVD: there are no caches to invalidate or write back."""


# -- access rights --------------------------------------------------------------------

#: system types LAR accepts (PRM 17 LAR: TSSs, LDT, call and task gates)
LAR_SYSTEM = frozenset({D.TSS286_AVAILABLE, D.LDT, D.TSS286_BUSY, D.CALL_GATE286,
                        D.TASK_GATE, D.TSS386_AVAILABLE, D.TSS386_BUSY, D.CALL_GATE386})
#: system types LSL accepts (PRM 17 LSL: TSSs and the LDT, which have limits)
LSL_SYSTEM = frozenset({D.TSS286_AVAILABLE, D.LDT, D.TSS286_BUSY, D.TSS386_AVAILABLE,
                        D.TSS386_BUSY})


def _visible(cpu, sel: int) -> D.Descriptor | None:
    """The descriptor of ``sel`` if it lies inside its table, else None (LAR, LSL,
    VERR and VERW answer with ZF=0 instead of faulting)."""
    if D.is_null(sel):
        return None
    try:
        return segments.fetch(cpu, sel)[0]
    except CPUFault as fault:
        if fault.vector != GP:
            raise
        return None


def _privileged_enough(cpu, desc: D.Descriptor, sel: int) -> bool:
    """DPL >= CPL and DPL >= RPL, except for conforming code segments."""
    return desc.conforming or (desc.dpl >= cpu.cpl and desc.dpl >= sel & 3)


def _set_zf(cpu, on: bool) -> None:
    cpu.set_eflags(ZF if on else 0, ZF)


def lar(cpu, ins) -> None:
    """LAR (PRM 17 LAR): the descriptor's access rights (high doubleword & 00F0FF00,
    or & FF00 with a 16-bit operand) if visible at CPL and RPL; else ZF=0."""
    sel = rm_read(cpu, ins, 16)
    desc = _visible(cpu, sel)
    ok = desc is not None and (desc.s or desc.type in LAR_SYSTEM) and \
        _privileged_enough(cpu, desc, sel)
    if ok:
        cpu.set_reg(ins.reg, ins.osize, desc.hi & (0x00F0FF00 if ins.osize == 32 else 0xFF00))
    _set_zf(cpu, ok)


def lsl(cpu, ins) -> None:
    """LSL (PRM 17 LSL): the byte-granular segment limit, same visibility rules, for
    code, data, TSS and LDT descriptors; else ZF=0."""
    sel = rm_read(cpu, ins, 16)
    desc = _visible(cpu, sel)
    ok = desc is not None and (desc.s or desc.type in LSL_SYSTEM) and \
        _privileged_enough(cpu, desc, sel)
    if ok:
        cpu.set_reg(ins.reg, ins.osize, desc.limit)
    _set_zf(cpu, ok)


def verr(cpu, ins) -> None:
    """VERR (PRM 17 VERR): ZF=1 if the segment is readable at CPL and RPL."""
    sel = rm_read(cpu, ins, 16)
    desc = _visible(cpu, sel)
    _set_zf(cpu, desc is not None and desc.readable and _privileged_enough(cpu, desc, sel))


def verw(cpu, ins) -> None:
    """VERW (PRM 17 VERW): ZF=1 if the segment is a writable data segment at CPL and
    RPL."""
    sel = rm_read(cpu, ins, 16)
    desc = _visible(cpu, sel)
    _set_zf(cpu, desc is not None and desc.writable and _privileged_enough(cpu, desc, sel))


def arpl(cpu, ins) -> None:
    """ARPL r/m16, r16 (PRM 17 ARPL): raise the destination's RPL to the source's."""
    dest = rm_read(cpu, ins, 16)
    src = cpu.get_reg(ins.reg, 16)
    if dest & 3 < src & 3:
        rm_write(cpu, ins, 16, (dest & ~3) | (src & 3))
        _set_zf(cpu, True)
    else:
        _set_zf(cpu, False)


# -- model-specific registers -----------------------------------------------------------

MSR_TSC = 0x10
MSR_APIC_BASE = 0x1B
MSR_MCG_CAP = 0x179
MSR_MISC_ENABLE = 0x1A0
#: the APIC base MSR after reset (SDM Vol. 3 10.4.4): FEE00000, global enable, BSP
APIC_BASE_RESET = 0xFEE00900

#: MSRs held as plain values: index -> (value after reset, bits a write may not set
#: (#GP), bits a write leaves as they are). SDM Vol. 4 Table 2-2 for each.
MSR_STORAGE = {
    MSR_APIC_BASE: (APIC_BASE_RESET, ~0xFFFFF900 & 0xFFFFFFFFFFFFFFFF, 0),
    0x174: (0, 0, 0),                              # IA32_SYSENTER_CS
    0x175: (0, 0, 0),                              # IA32_SYSENTER_ESP
    0x176: (0, 0, 0),                              # IA32_SYSENTER_EIP
    # IA32_MISC_ENABLE: fast strings on; 7, 11, 12 read-only; reserved bits #GP
    MSR_MISC_ENABLE: (0x1801, 0xFFFFFFFBFF3AE776, 0x1880),
    0x277: (0x0007040600070406, 0, 0),             # IA32_PAT (its reset value)
    0xC0000080: (0, ~1 & 0xFFFFFFFFFFFFFFFF, 0),   # EFER: SCE only (no LME on IA-32)
}
#: read-only MSRs: index -> value (IA32_MCG_CAP: no machine-check banks)
MSR_READ_ONLY = {MSR_MCG_CAP: 0}


def read_msr(cpu, index: int) -> int:
    """MSR ``index`` (module docstring); #GP(0) for one this processor does not have."""
    if index == MSR_TSC:
        return max(cpu.tsc, cpu.now())
    if index in MSR_READ_ONLY:
        return MSR_READ_ONLY[index]
    if index in cpu.msrs:
        return cpu.msrs[index]
    if index in MSR_STORAGE:
        return MSR_STORAGE[index][0]
    raise CPUFault(GP, 0)


def write_msr(cpu, index: int, value: int) -> None:
    """Write MSR ``index``; #GP(0) for a missing or read-only MSR or a reserved bit."""
    if index == MSR_TSC:
        cpu.tsc = value
        return
    spec = MSR_STORAGE.get(index)
    if spec is None:
        if index in cpu.msrs:           # an MSR a device added
            cpu.msrs[index] = value
            return
        raise CPUFault(GP, 0)
    _, reserved, keep = spec
    if value & reserved:
        raise CPUFault(GP, 0)
    old = read_msr(cpu, index)
    cpu.msrs[index] = (value & ~keep) | (old & keep)


def rdmsr(cpu, ins) -> None:
    """RDMSR: EDX:EAX = MSR[ECX]."""
    value = read_msr(cpu, cpu.regs[1])
    cpu.regs[0] = value & 0xFFFFFFFF
    cpu.regs[2] = (value >> 32) & 0xFFFFFFFF


def wrmsr(cpu, ins) -> None:
    """WRMSR: MSR[ECX] = EDX:EAX."""
    write_msr(cpu, cpu.regs[1], (cpu.regs[2] << 32) | cpu.regs[0])


SEMANTICS = {
    "lgdt": lgdt, "lidt": lidt, "sgdt": sgdt, "sidt": sidt,
    "sldt": sldt, "str": str_, "lldt": lldt, "ltr": ltr,
    "smsw": smsw, "lmsw": lmsw, "clts": clts,
    "mov_from_cr": mov_from_cr, "mov_to_cr": mov_to_cr,
    "mov_from_dr": mov_from_dr, "mov_to_dr": mov_to_dr,
    "invlpg": invlpg, "invd": nop, "wbinvd": nop,
    "lar": lar, "lsl": lsl, "verr": verr, "verw": verw, "arpl": arpl,
    "rdmsr": rdmsr, "wrmsr": wrmsr,
}
