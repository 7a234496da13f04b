"""Shifts and rotates: ROL ROR RCL RCR SHL/SAL SHR SAR, SHLD SHRD (80386 PRM
chapter 17, "RCL/RCR/ROL/ROR", "SAL/SAR/SHL/SHR", "SHLD", "SHRD").

The count is masked to 5 bits (the 386 does, PRM 17 SAL "Operation"); a masked
count of 0 changes nothing, flags included. Flags:

- SHL/SHR/SAR: CF is the last bit shifted out, SF ZF PF from the result, OF
  defined for a count of 1 (SHL: MSB(result) XOR CF; SHR: MSB of the original
  operand; SAR: 0). The undefined cases follow a 386SX as test386.asm measured
  it (its POST E0): AF = 1; OF for larger counts by the same rule (SHR: the two
  top bits of the result); byte and word counts past the operand size give SHL
  the LSB and SHR the MSB as CF for counts 8/16/24 (bytes) and 16 (words).
- Rotates change only CF and OF. RCL/RCR rotate through CF, the count taken
  modulo 9 (bytes) or 17 (words) after masking, flags set even when that is 0.
  OF (count 1): ROL/RCL MSB(result) XOR CF; ROR/RCR the XOR of the two top bits
  of the result.
- SHLD/SHRD: CF the last bit shifted out of the destination, OF whether the
  sign changed (count 1), SF ZF PF from the result. A count larger than the
  operand size (16-bit forms) leaves the result undefined: this CPU shifts
  the 32-bit concatenation further, as the 486 does.
"""
from __future__ import annotations

from ..flags import CF, OF, cv
from .alu import opbits
from .gen import MASKS, alu_lines


def _count(cpu, ins) -> int:
    tok = ins.form.operands[-1]
    if tok == "1":
        return 1
    if tok == "CL":
        return cpu.regs[1] & 0x1F
    return ins.imm & 0x1F


def _dest(cpu, ins, bits: int) -> tuple[int, int | None]:
    """(value, memory offset or None) of the destination; the offset is kept so
    the store does not recompute the address."""
    if ins.mod == 3 or ins.mod is None:
        return cpu.get_reg(ins.rm, bits), None
    off = ins.ea(cpu.regs)
    return cpu.read(ins.seg, off, bits >> 3), off


def _store(cpu, ins, bits: int, off: int | None, value: int) -> None:
    if off is None:
        cpu.set_reg(ins.rm, bits, value)
    else:
        cpu.write(ins.seg, off, bits >> 3, value)


def _set_lazy(cpu, bits: int, result: int, cf: int, of: int) -> None:
    cpu.lres = result
    cpu.lcv = cv(bits, cf, of)
    cpu.lbits = bits


def _set_cf_of(cpu, cf: int, of: int) -> None:
    cpu.materialize()
    cpu.eflags = (cpu.eflags & ~(CF | OF)) | (CF if cf else 0) | (OF if of else 0)


def _rotate(kind: str):
    def handler(cpu, ins) -> None:
        bits = opbits(ins)
        n = _count(cpu, ins)
        if not n:
            return
        if kind in ("rcl", "rcr") and bits < 32:
            n %= bits + 1       # 0 here still sets OF (a 386 does: test386.asm E0)
        a, off = _dest(cpu, ins, bits)
        m = MASKS[bits]
        top = bits - 1
        if kind == "rol":
            k = n % bits
            r = ((a << k) | (a >> (bits - k))) & m
            cf = r & 1
            of = (r >> top) ^ cf
        elif kind == "ror":
            k = n % bits
            r = ((a >> k) | (a << (bits - k))) & m
            cf = r >> top
            of = (r >> top) ^ ((r >> (top - 1)) & 1)
        else:
            c = cpu.cf()
            wide = (c << bits) | a          # bits+1 bits: CF above the operand
            w = bits + 1
            if kind == "rcl":
                wide = ((wide << n) | (wide >> (w - n))) & ((1 << w) - 1)
            else:
                wide = ((wide >> n) | (wide << (w - n))) & ((1 << w) - 1)
            r = wide & m
            cf = wide >> bits
            of = ((r >> top) ^ cf) if kind == "rcl" else ((r >> top) ^ ((r >> (top - 1)) & 1))
        _store(cpu, ins, bits, off, r)
        _set_cf_of(cpu, cf, of & 1)
    return handler


def _double(kind: str):
    def handler(cpu, ins) -> None:
        bits = ins.osize
        n = _count(cpu, ins)
        if not n:
            return
        a, off = _dest(cpu, ins, bits)
        b = cpu.get_reg(ins.reg, bits)
        m = MASKS[bits]
        top = bits - 1
        if kind == "shld":
            wide = (a << bits) | b
            r = (wide << n >> bits) & m
            cf = (wide >> (2 * bits - n)) & 1 if n <= 2 * bits else 0
        else:
            wide = (b << bits) | a
            r = (wide >> n) & m
            cf = (wide >> (n - 1)) & 1
        of = ((r ^ a) >> top) & 1
        _store(cpu, ins, bits, off, r)
        _set_lazy(cpu, bits, r, cf, of)
    return handler


def _shift_fragment(kind: str):
    """SHL/SHR/SAR (by 1, an immediate or CL) as a fragment; a constant count is
    written in, so its shift amounts are literals."""
    def fragment(ins) -> list[str]:
        bits = opbits(ins)
        m = MASKS[bits]
        top = bits - 1
        tok = ins.form.operands[-1]
        if tok == "CL":
            count, prologue = "n", ["n = R[1] & 0x1F", "if n:"]
            out_shl = f"({bits} - (n - 1) % {bits} - 1)"
            out_shr = f"((n - 1) % {bits})"
            out_sar = f"min(n - 1, {bits})"
        else:
            n = 1 if tok == "1" else ins.imm & 0x1F
            if not n:
                return []
            count, prologue = str(n), None
            out_shl = str(bits - (n - 1) % bits - 1)
            out_shr = str((n - 1) % bits)
            out_sar = str(min(n - 1, bits))
        if kind == "shl":
            op = [f"r = (a << {count}) & {m:#x}", f"c = (a >> {out_shl}) & 1",
                  f"o = (r >> {top}) ^ c"]
        elif kind == "shr":
            op = [f"r = a >> {count}", f"c = (a >> {out_shr}) & 1",
                  f"o = ((r >> {top}) ^ (r >> {top - 1})) & 1"]
        else:
            op = [f"s = a - {1 << bits:#x} if a >> {top} else a", f"r = (s >> {count}) & {m:#x}",
                  f"c = (s >> {out_sar}) & 1", "o = 0"]
        flags = [f"cpu.lcv = (c << {bits}) | ((o ^ c) << {top}) | 0x10", "cpu.lres = r",
                 f"cpu.lbits = {bits}"]
        body = alu_lines(ins, bits, op, src=False, flags=flags)
        if prologue is None:
            return body
        return prologue + ["    " + line for line in body]
    return fragment


def _rotate_fragment(kind: str):
    """ROL/ROR by 1 or an immediate as a fragment (by CL: the handler), with the
    handler's results: the rotation taken modulo the operand size after masking the
    count, CF and OF set (OF as for a count of 1) even when that modulo is 0, the
    other flags kept (lazy ones stay lazy), and the flags changed only once the
    store is done."""
    def fragment(ins) -> list[str] | None:
        tok = ins.form.operands[-1]
        if tok == "CL":
            return None
        n = 1 if tok == "1" else ins.imm & 0x1F
        if not n:
            return []
        bits = opbits(ins)
        m = MASKS[bits]
        top = bits - 1
        k = n % bits
        if kind == "rol":
            op = [f"r = ((a << {k}) | (a >> {bits - k})) & {m:#x}", "c = r & 1",
                  f"o = (r >> {top}) ^ c"]
        else:
            op = [f"r = ((a >> {k}) | (a << {bits - k})) & {m:#x}", f"c = r >> {top}",
                  f"o = c ^ ((r >> {top - 1}) & 1)"]
        # CF and OF into the lazy carry vector's bits n and n-1 (ia32.flags), or
        # into EFLAGS when the flags are not lazy: the other flags stay as they are
        flags = ["n = cpu.lbits", "if n:",
                 "    cpu.lcv = (cpu.lcv & ~(3 << (n - 1))) | (c << n) | ((o ^ c) << (n - 1))",
                 "else:",
                 f"    cpu.eflags = (cpu.eflags & {~(CF | OF) & 0xFFFFFFFF:#x}) | c | (o << 11)"]
        return alu_lines(ins, bits, op, src=False) + flags
    return fragment


FRAGMENTS = {"shl": _shift_fragment("shl"), "shr": _shift_fragment("shr"),
             "sar": _shift_fragment("sar"), "rol": _rotate_fragment("rol"),
             "ror": _rotate_fragment("ror")}
SEMANTICS = {"rol": _rotate("rol"), "ror": _rotate("ror"), "rcl": _rotate("rcl"),
             "rcr": _rotate("rcr"), "shld": _double("shld"), "shrd": _double("shrd")}
