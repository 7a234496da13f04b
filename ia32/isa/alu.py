"""Integer arithmetic and logic: ADD OR ADC SBB AND SUB XOR CMP TEST, INC DEC NEG NOT.

Flags per 80386 PRM chapter 17 (each instruction's "Flags Affected"): the adds and
subtracts set all six from the carry vector (``ia32.flags``); AND/OR/XOR/TEST
clear CF and OF, set SF ZF PF from the result, and leave AF undefined, which this
CPU (like Bochs) makes 0; INC/DEC keep CF; NEG sets CF unless the operand was 0;
NOT changes no flag. All of them are fragments (``ia32.isa.gen``).
"""
from __future__ import annotations

from .gen import alu_lines

CARRY = "c = ((cpu.lcv >> cpu.lbits) & 1) if cpu.lbits else (cpu.eflags & 1)"
#: mnemonic semantics -> (lines computing r, store r?, flag kind)
OPS = {
    "add": (["r = a + b"], True, "arith"),
    "adc": ([CARRY, "r = a + b + c"], True, "arith"),
    "sub": (["r = a - b"], True, "arith"),
    "sbb": ([CARRY, "r = a - b - c"], True, "arith"),
    "cmp": (["r = a - b"], False, "arith"),
    "and": (["r = a & b"], True, "logic"),
    "or": (["r = a | b"], True, "logic"),
    "xor": (["r = a ^ b"], True, "logic"),
    "test": (["r = a & b"], False, "logic"),
}


def arith_flags(bits: int) -> list[str]:
    """Lazy flags of an add/subtract: the carry vector, the masked result."""
    return ["cpu.lcv = a ^ b ^ r", f"cpu.lres = r & {(1 << bits) - 1:#x}",
            f"cpu.lbits = {bits}"]


def logic_flags(bits: int) -> list[str]:
    return ["cpu.lcv = 0", "cpu.lres = r", f"cpu.lbits = {bits}"]


_BYTE_OPERANDS = frozenset({"r8", "r/m8", "m8", "AL", "moffs8"})


def opbits(ins) -> int:
    """The operand size of ``ins``: 8 for byte forms, else the operand-size attribute."""
    ops = ins.form.operands
    return 8 if ops and ops[0] in _BYTE_OPERANDS else ins.osize


def _binary(name: str):
    op, write, kind = OPS[name]

    def fragment(ins) -> list[str]:
        bits = opbits(ins)
        fl = arith_flags(bits) if kind == "arith" else logic_flags(bits)
        return alu_lines(ins, bits, op, write=write, flags=fl)
    return fragment


def _inc_dec(delta: int):
    """INC/DEC: AF and OF from the operation, CF kept (PRM 17 INC, DEC). The carry
    vector is built so that CF reads back as the old CF: bit n = old CF, bit n-1 =
    OF ^ old CF, bit 4 = the carry out of bit 3 (a ^ r, as the addend is 1)."""
    def fragment(ins) -> list[str]:
        bits = opbits(ins)
        sign = 1 << (bits - 1)
        over = sign if delta == 1 else sign - 1
        op = ["r = a + 1" if delta == 1 else "r = a - 1"]
        flags = [CARRY, f"x = r & {(1 << bits) - 1:#x}",
                 f"cpu.lcv = ((a ^ x) & 0x10) | (((x == {over:#x}) ^ c) << {bits - 1}) "
                 f"| (c << {bits})", "cpu.lres = x", f"cpu.lbits = {bits}"]
        return alu_lines(ins, bits, op, src=False, flags=flags)
    return fragment


def _neg(ins) -> list[str]:
    """NEG: the flags of 0 - a (CF = a != 0)."""
    bits = opbits(ins)
    return alu_lines(ins, bits, ["r = -a"], src=False,
                     flags=["cpu.lcv = a ^ r", f"cpu.lres = r & {(1 << bits) - 1:#x}",
                            f"cpu.lbits = {bits}"])


def _not(ins) -> list[str]:
    return alu_lines(ins, opbits(ins), ["r = ~a"], src=False)


FRAGMENTS = {name: _binary(name) for name in OPS}
FRAGMENTS.update({"inc": _inc_dec(1), "dec": _inc_dec(-1), "neg": _neg, "not": _not})
