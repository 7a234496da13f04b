"""Integer arithmetic and logic: ADD OR ADC SBB AND SUB XOR CMP TEST, INC DEC NEG NOT.

Flags per 80386 PRM chapter 17 (each instruction's "Flags Affected"): the adds and
subtracts set all six from the carry vector (``ia32.flags``); AND/OR/XOR/TEST
clear CF and OF, set SF ZF PF from the result, and leave AF undefined, which this
CPU (like the 386's successors' common practice and Bochs) makes 0; INC/DEC keep
CF; NEG sets CF unless the operand was 0; NOT changes no flag.
"""
from __future__ import annotations

from .gen import maker, shape

#: the operation of each mnemonic: lines computing r, and whether r is stored
_ADD = ["r = a + b"]
_SUB = ["r = a - b"]
_CARRY = "c = ((cpu.lcv >> cpu.lbits) & 1) if cpu.lbits else (cpu.eflags & 1)"
OPS = {
    "add": (_ADD, True, "arith"),
    "adc": ([_CARRY, "r = a + b + c"], True, "arith"),
    "sub": (_SUB, True, "arith"),
    "sbb": ([_CARRY, "r = a - b - c"], True, "arith"),
    "cmp": (_SUB, False, "arith"),
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


def opbits(ins) -> int:
    """The operand size of ``ins``: 8 for byte forms, else the operand-size attribute."""
    first = ins.form.operands[0] if ins.form.operands else ""
    return 8 if first.endswith("8") and first not in ("imm8", "rel8") else ins.osize


def _binary(name: str):
    op, write, kind = OPS[name]

    def specialize(ins):
        bits = opbits(ins)
        dst_tok, src_tok = ins.form.operands[0], ins.form.operands[1]
        dst, src, d, s = shape(ins, bits, dst_tok, src_tok)
        fl = arith_flags(bits) if kind == "arith" else logic_flags(bits)
        mk = maker(name, bits, dst, src, op, write=write, flags=fl)
        return mk(d, s, ins.seg, ins.ea)
    return specialize


def _unary(name: str, op: list[str], flags):
    def specialize(ins):
        bits = opbits(ins)
        dst, _, d, _ = shape(ins, bits, ins.form.operands[0], None)
        mk = maker(name, bits, dst, "-", op, flags=flags(bits))
        return mk(d, 0, ins.seg, ins.ea)
    return specialize


def _inc_dec_flags(delta: int):
    """INC/DEC: AF and OF from the operation, CF kept (PRM 17 INC, DEC)."""
    def flags(bits: int) -> list[str]:
        sign = 1 << (bits - 1)
        over = sign if delta == 1 else sign - 1
        return [_CARRY, f"x = r & {(1 << bits) - 1:#x}",
                f"cpu.lcv = ((a ^ x) & 0x10) | (((x == {over:#x}) ^ c) << {bits - 1}) "
                f"| (c << {bits})",
                "cpu.lres = x", f"cpu.lbits = {bits}"]
    return flags


def _neg_flags(bits: int) -> list[str]:
    # NEG is 0 - a: the flags of that subtraction (CF = a != 0)
    return ["cpu.lcv = a ^ r", f"cpu.lres = r & {(1 << bits) - 1:#x}", f"cpu.lbits = {bits}"]


SPECIALIZE = {name: _binary(name) for name in OPS}
SPECIALIZE.update({
    "inc": _unary("inc", ["r = a + 1"], _inc_dec_flags(1)),
    "dec": _unary("dec", ["r = a - 1"], _inc_dec_flags(-1)),
    "neg": _unary("neg", ["r = -a"], _neg_flags),
    "not": _unary("not", ["r = ~a"], lambda bits: []),
})
SEMANTICS: dict = {}
