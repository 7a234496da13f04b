"""Bit instructions: BT BTS BTR BTC, BSF BSR (80386 PRM chapter 17).

BTx: CF receives the selected bit; BTS/BTR/BTC then set, clear or complement it.
With a register bit offset and a memory operand the offset is signed and reaches
outside the addressed word or doubleword (PRM 17 BT: "the bit offset ... is used
to select the operand and bit": address + 2 or 4 * (offset >> 4 or 5)); with an
immediate the offset is taken modulo the operand size. The other flags are
undefined and left as they were. BSF/BSR: ZF=1 and the destination unchanged when
the source is 0 (the destination is "undefined" there; a 386 leaves it), else
ZF=0 and the index of the lowest/highest 1 bit. BTx's OF is a 386SX's (see there).
"""
from __future__ import annotations

from ..flags import CF, OF, ZF
from .gen import MASKS, rm_read


def _bit_op(kind: str):
    def handler(cpu, ins) -> None:
        bits = ins.osize
        size = bits >> 3
        if ins.form.operands[1] == "imm8":
            offset = ins.imm & (bits - 1)
            wide = False
        else:
            offset = cpu.get_reg(ins.reg, bits)
            wide = True
        if ins.mod == 3:
            value = cpu.get_reg(ins.rm, bits)
            off = None
            n = offset & (bits - 1)
        else:
            off = ins.ea(cpu.regs)
            n = offset & (bits - 1)
            if wide:
                signed = offset - (1 << bits) if offset >> (bits - 1) else offset
                off = (off + (signed >> (5 if bits == 32 else 4)) * size) & MASKS[ins.asize]
            value = cpu.read(ins.seg, off, size)
        original = value
        bit = (value >> n) & 1
        if kind == "bts":
            value |= 1 << n
        elif kind == "btr":
            value &= ~(1 << n)
        elif kind == "btc":
            value ^= 1 << n
        if kind != "bt":
            if off is None:
                cpu.set_reg(ins.rm, bits, value)
            else:
                cpu.write(ins.seg, off, size, value)
        # OF, undefined: that of RCR by the bit offset with CF = 0 (a 386SX, test386.asm)
        w = bits + 1
        rot = ((original >> n) | (original << (w - n))) & ((1 << w) - 1)
        of = ((rot >> (bits - 1)) ^ (rot >> bits)) & 1
        cpu.materialize()
        cpu.eflags = (cpu.eflags & ~(CF | OF)) | bit | (OF if of else 0)
    return handler


def _scan(reverse: bool):
    def handler(cpu, ins) -> None:
        v = rm_read(cpu, ins, ins.osize)
        cpu.materialize()
        if v == 0:
            cpu.eflags |= ZF
            return
        cpu.eflags &= ~ZF
        index = v.bit_length() - 1 if reverse else (v & -v).bit_length() - 1
        cpu.set_reg(ins.reg, ins.osize, index)
    return handler


SEMANTICS = {"bt": _bit_op("bt"), "bts": _bit_op("bts"), "btr": _bit_op("btr"),
             "btc": _bit_op("btc"), "bsf": _scan(False), "bsr": _scan(True)}
