"""Multiply and divide: MUL, IMUL (one, two and three operands), DIV, IDIV
(80386 PRM chapter 17).

MUL/IMUL set CF = OF = 1 when the high half of the product is significant (MUL:
not zero; IMUL: not the sign extension of the low half); SF ZF AF PF are
undefined, and this CPU sets SF ZF PF from the low half (what a 386 leaves was
measured only by chance; Bochs does the same) and AF = 0. DIV/IDIV raise #DE
when the divisor is 0 or the quotient does not fit (IDIV truncates toward zero,
the remainder takes the dividend's sign); their flags are undefined and left as
they were.
"""
from __future__ import annotations

from ..errors import CPUFault, DE
from ..flags import cv
from .alu import opbits
from .gen import MASKS, ea_source, read_lines, rm_read, store


def _signed(v: int, bits: int) -> int:
    return v - (1 << bits) if v >> (bits - 1) else v


def _acc_pair(cpu, bits: int) -> int:
    """The dividend: AX (bytes), DX:AX (words), EDX:EAX (dwords)."""
    R = cpu.regs
    if bits == 8:
        return R[0] & 0xFFFF
    if bits == 16:
        return ((R[2] & 0xFFFF) << 16) | (R[0] & 0xFFFF)
    return (R[2] << 32) | R[0]


def _store_pair(cpu, bits: int, low: int, high: int) -> None:
    if bits == 8:
        cpu.set_reg(0, 16, (low & 0xFF) | ((high & 0xFF) << 8))
    else:
        cpu.set_reg(0, bits, low)
        cpu.set_reg(2, bits, high)


def _product_flags(cpu, bits: int, low: int, significant: bool) -> None:
    c = 1 if significant else 0
    cpu.lres = low & MASKS[bits]
    cpu.lcv = cv(bits, c, c)
    cpu.lbits = bits


def mul(cpu, ins) -> None:
    bits = opbits(ins)
    m = MASKS[bits]
    p = cpu.get_reg(0, bits) * rm_read(cpu, ins, bits)
    high = p >> bits
    _store_pair(cpu, bits, p & m, high)
    _product_flags(cpu, bits, p, high != 0)


def imul(cpu, ins) -> None:
    ops = ins.form.operands
    bits = opbits(ins)
    m = MASKS[bits]
    if len(ops) == 1:
        p = _signed(cpu.get_reg(0, bits), bits) * _signed(rm_read(cpu, ins, bits), bits)
        _store_pair(cpu, bits, p & m, (p >> bits) & m)
        _product_flags(cpu, bits, p, _signed(p & m, bits) != p)
        return
    src = _signed(rm_read(cpu, ins, bits), bits)
    other = _signed(ins.imm, bits) if len(ops) == 3 else _signed(cpu.get_reg(ins.reg, bits), bits)
    p = src * other
    cpu.set_reg(ins.reg, bits, p & m)
    _product_flags(cpu, bits, p, _signed(p & m, bits) != p)


def div(cpu, ins) -> None:
    bits = opbits(ins)
    d = rm_read(cpu, ins, bits)
    if d == 0:
        raise CPUFault(DE)
    q, r = divmod(_acc_pair(cpu, bits), d)
    if q > MASKS[bits]:
        raise CPUFault(DE)
    _store_pair(cpu, bits, q, r)


def idiv(cpu, ins) -> None:
    bits = opbits(ins)
    d = _signed(rm_read(cpu, ins, bits), bits)
    if d == 0:
        raise CPUFault(DE)
    n = _signed(_acc_pair(cpu, bits), 2 * bits)
    q = abs(n) // abs(d)
    if (n < 0) != (d < 0):
        q = -q
    r = n - q * d
    if not -(1 << (bits - 1)) <= q < (1 << (bits - 1)):
        raise CPUFault(DE)
    _store_pair(cpu, bits, q & MASKS[bits], r & MASKS[bits])


def _imul_fragment(ins) -> list[str] | None:
    """IMUL r, r/m[, imm] (the two- and three-operand forms) as a fragment."""
    ops = ins.form.operands
    if len(ops) == 1:
        return None
    bits = ins.osize
    m = MASKS[bits]
    sign = 1 << (bits - 1)
    lines = []
    if ins.is_memory:
        lines.append(f"off = {ea_source(ins)}")
        lines += read_lines("a", bits, ins.seg, "off", ins)
    else:
        lines.append(f"a = R[{ins.rm}] & {m:#x}")
    other = f"{_signed(ins.imm, bits)}" if len(ops) == 3 else "b"
    if len(ops) == 2:
        lines.append(f"b = R[{ins.reg}] & {m:#x}")
        lines.append(f"b = b - {1 << bits:#x} if b & {sign:#x} else b")
    lines += [f"p = (a - {1 << bits:#x} if a & {sign:#x} else a) * {other}",
              f"r = p & {m:#x}",
              f"c = 1 if (r - {1 << bits:#x} if r & {sign:#x} else r) != p else 0",
              "cpu.lres = r", f"cpu.lcv = c << {bits}",   # CF = OF = c (ia32.flags)
              f"cpu.lbits = {bits}"]
    lines += store("r", ins.reg, bits, "r", ins)
    return lines


FRAGMENTS = {"imul": _imul_fragment}
SEMANTICS = {"mul": mul, "imul": imul, "div": div, "idiv": idiv}
