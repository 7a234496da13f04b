"""Data movement: MOV, MOV Sreg, MOVZX/MOVSX, LEA, XCHG, XLAT, BSWAP, CMPXCHG, XADD,
LDS/LES/LSS/LFS/LGS, CBW/CWDE, CWD/CDQ (80386 PRM chapter 17; CMPXCHG, XADD and
BSWAP from the 486, SDM Vol. 2). None of them changes a flag except CMPXCHG and
XADD (the flags of the CMP and ADD they perform).
"""
from __future__ import annotations

from ..errors import CPUFault, UD
from ..flags import ZF
from .alu import opbits
from .gen import MASKS, ea_source, load, location, read_lines, rm_read, store
from ..state import CS, SS


def _mov(ins) -> list[str]:
    """MOV: the source's value, already of the operand size, goes straight to the
    destination (which is not read)."""
    bits = opbits(ins)
    ops = ins.form.operands
    dst, d = location(ins, bits, ops[0])
    src, s = location(ins, bits, ops[1])
    lines = [f"off = {ea_source(ins)}"] if ins.is_memory else []
    return lines + load("b", src, s, bits, ins) + store(dst, d, bits, "b", ins)


def mov_from_sreg(cpu, ins) -> None:
    """MOV r/m16, Sreg: a register destination takes the selector zero-extended with
    a 32-bit operand size (as the 486 and later; the 386 left bits 31..16 undefined)."""
    if ins.reg > 5:
        raise CPUFault(UD)
    sel = cpu.sregs[ins.reg].selector
    if ins.mod == 3:
        cpu.set_reg(ins.rm, ins.osize, sel)
    else:
        cpu.write_u16(ins.seg, ins.ea(cpu.regs), sel)


def mov_to_sreg(cpu, ins) -> None:
    """MOV Sreg, r/m16: CS is not a destination (#UD); loading SS inhibits
    interrupts until after the next instruction (PRM 17 MOV, 9.x "Interrupt Shadow")."""
    if ins.reg > 5 or ins.reg == CS:
        raise CPUFault(UD)
    cpu.load_sreg(ins.reg, rm_read(cpu, ins, 16))
    if ins.reg == SS:
        cpu.shadow = True
        cpu.events = True


def _narrow_source(ins) -> tuple[int, list[str]]:
    """MOVZX/MOVSX: the source size and the lines that load it into ``v``."""
    src = 8 if ins.form.operands[1] == "r/m8" else 16
    if ins.is_memory:
        return src, [f"off = {ea_source(ins)}"] + read_lines("v", src, ins.seg, "off", ins)
    if src == 8 and ins.rm >= 4:
        return src, [f"v = (R[{ins.rm - 4}] >> 8) & 0xFF"]
    return src, [f"v = R[{ins.rm}] & {MASKS[src]:#x}"]


def _movzx(ins) -> list[str]:
    _, lines = _narrow_source(ins)
    return lines + store("r", ins.reg, ins.osize, "v", ins)


def _movsx(ins) -> list[str]:
    src, lines = _narrow_source(ins)
    sign = 1 << (src - 1)
    lines.append(f"v = (v - {1 << src:#x} if v & {sign:#x} else v) & {MASKS[ins.osize]:#x}")
    return lines + store("r", ins.reg, ins.osize, "v", ins)


def _lea(ins) -> list[str]:
    value = ea_source(ins)
    if ins.osize == 16:
        value = f"({value}) & 0xFFFF"
    return ["v = " + value] + store("r", ins.reg, ins.osize, "v", ins)


def xchg(cpu, ins) -> None:
    """XCHG (a memory operand is always locked; that changes nothing here)."""
    bits = opbits(ins)
    if ins.form.operands[0] in ("AX", "EAX"):
        a = cpu.get_reg(0, bits)
        cpu.set_reg(0, bits, cpu.get_reg(ins.reg, bits))
        cpu.set_reg(ins.reg, bits, a)
        return
    if ins.mod == 3:
        a = cpu.get_reg(ins.rm, bits)
        cpu.set_reg(ins.rm, bits, cpu.get_reg(ins.reg, bits))
        cpu.set_reg(ins.reg, bits, a)
        return
    off = ins.ea(cpu.regs)
    a = cpu.read(ins.seg, off, bits >> 3)
    cpu.write(ins.seg, off, bits >> 3, cpu.get_reg(ins.reg, bits))
    cpu.set_reg(ins.reg, bits, a)


def xlat(cpu, ins) -> None:
    """XLATB: AL = [seg:(E)BX + AL], DS unless overridden."""
    R = cpu.regs
    mask = MASKS[ins.asize]
    off = (R[3] + (R[0] & 0xFF)) & mask
    cpu.set_reg(0, 8, cpu.read_u8(ins.seg, off))


def bswap(cpu, ins) -> None:
    v = cpu.regs[ins.reg]
    cpu.regs[ins.reg] = int.from_bytes(v.to_bytes(4, "little"), "big")


def cmpxchg(cpu, ins) -> None:
    """CMPXCHG r/m, r: compare the accumulator with r/m; equal: r/m = r (ZF=1),
    else accumulator = r/m (ZF=0). The destination is written either way on a
    real processor (SDM: "the destination receives a write cycle"), so a read-only
    destination faults even when unequal. Flags as CMP accumulator, r/m."""
    bits = opbits(ins)
    acc = cpu.get_reg(0, bits)
    if ins.mod == 3:
        dest = cpu.get_reg(ins.rm, bits)
    else:
        off = ins.ea(cpu.regs)
        dest = cpu.read(ins.seg, off, bits >> 3)
    a, b = acc, dest
    r = a - b
    cpu.lcv = a ^ b ^ r
    cpu.lres = r & MASKS[bits]
    cpu.lbits = bits
    new = cpu.get_reg(ins.reg, bits) if acc == dest else dest
    if ins.mod == 3:
        cpu.set_reg(ins.rm, bits, new)
    else:
        cpu.write(ins.seg, off, bits >> 3, new)
    if acc != dest:
        cpu.set_reg(0, bits, dest)


def xadd(cpu, ins) -> None:
    """XADD r/m, r: r = old r/m, r/m = sum; flags of the ADD."""
    bits = opbits(ins)
    if ins.mod == 3:
        a = cpu.get_reg(ins.rm, bits)
    else:
        off = ins.ea(cpu.regs)
        a = cpu.read(ins.seg, off, bits >> 3)
    b = cpu.get_reg(ins.reg, bits)
    r = a + b
    cpu.lcv = a ^ b ^ r
    cpu.lres = r & MASKS[bits]
    cpu.lbits = bits
    if ins.mod == 3:
        cpu.set_reg(ins.reg, bits, a)
        cpu.set_reg(ins.rm, bits, r)
    else:
        cpu.write(ins.seg, off, bits >> 3, r)
        cpu.set_reg(ins.reg, bits, a)


def cmpxchg8b(cpu, ins) -> None:
    """CMPXCHG8B m64: EDX:EAX equal to m64: m64 = ECX:EBX, ZF=1; else EDX:EAX = m64,
    ZF=0. The memory is written either way (SDM CMPXCHG8B); other flags kept."""
    R = cpu.regs
    off = ins.ea(R)
    hi_off = (off + 4) & MASKS[ins.asize]
    lo = cpu.read_u32(ins.seg, off)
    hi = cpu.read_u32(ins.seg, hi_off)
    equal = lo == R[0] and hi == R[2]
    new_lo, new_hi = (R[3], R[1]) if equal else (lo, hi)
    cpu.check_write(ins.seg, hi_off, 4)
    cpu.write_u32(ins.seg, off, new_lo)
    cpu.write_u32(ins.seg, hi_off, new_hi)
    if not equal:
        R[0], R[2] = lo, hi
    cpu.materialize()
    cpu.eflags = (cpu.eflags | ZF) if equal else (cpu.eflags & ~ZF)


def _load_far(sreg: int):
    def load_far(cpu, ins) -> None:
        """Lxx r, m16:16/m16:32: offset first, then the selector; the segment
        register is loaded before the general register (a fault leaves both)."""
        off = ins.ea(cpu.regs)
        size = ins.osize >> 3
        offset = cpu.read(ins.seg, off, size)
        sel = cpu.read_u16(ins.seg, (off + size) & MASKS[ins.asize])
        cpu.load_sreg(sreg, sel)
        cpu.set_reg(ins.reg, ins.osize, offset)
        if sreg == SS:
            cpu.shadow = True
            cpu.events = True
    return load_far


SEMANTICS = {
    "mov_from_sreg": mov_from_sreg, "mov_to_sreg": mov_to_sreg,
    "xchg": xchg, "xlat": xlat, "bswap": bswap,
    "cmpxchg": cmpxchg, "cmpxchg8b": cmpxchg8b, "xadd": xadd,
    "lds": _load_far(3), "les": _load_far(0), "lss": _load_far(SS), "lfs": _load_far(4),
    "lgs": _load_far(5),
}
def _xchg(ins) -> list[str] | None:
    """XCHG of two registers (a memory operand runs through the handler)."""
    bits = opbits(ins)
    if ins.is_memory or bits == 8:
        return None
    other = 0 if ins.form.operands[0] in ("AX", "EAX") else ins.rm
    m = MASKS[bits]
    return [f"a = R[{other}] & {m:#x}", f"b = R[{ins.reg}] & {m:#x}"] + \
        store("r", other, bits, "b", ins) + store("r", ins.reg, bits, "a", ins)


def _cdq(ins) -> list[str]:
    if ins.osize == 16:
        return ["R[2] = (R[2] & 0xFFFF0000) | (0xFFFF if R[0] & 0x8000 else 0)"]
    return ["R[2] = 0xFFFFFFFF if R[0] & 0x80000000 else 0"]


def _cbw(ins) -> list[str]:
    if ins.osize == 16:
        return ["a = R[0] & 0xFF", "R[0] = (R[0] & 0xFFFF0000) | (a | 0xFF00 if a & 0x80 else a)"]
    return ["a = R[0] & 0xFFFF", "R[0] = a | 0xFFFF0000 if a & 0x8000 else a"]


FRAGMENTS = {"mov": _mov, "movzx": _movzx, "movsx": _movsx, "lea": _lea, "xchg": _xchg,
             "cwd": _cdq, "cbw": _cbw}
