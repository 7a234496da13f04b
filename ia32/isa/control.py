"""Control transfer: Jcc, SETcc, JMP, CALL, RET (near and far), LOOP/LOOPE/LOOPNE,
JCXZ/JECXZ, INT n, INT3, INTO, IRET, HLT (80386 PRM chapter 17).

Far transfers and interrupt delivery go through the CPU (``cpu.far_jump``,
``cpu.far_call``, ``cpu.far_return``, ``cpu.iret``, ``cpu.deliver``), which
handles real mode itself and hands protected and V86 mode to ia32sys's modules.

Conditions (PRM Appendix D): each ``cc`` of the table is a test of the lazy flags,
written once here as source (lazy form and materialized form) and compiled into
the Jcc and SETcc handlers.
"""
from __future__ import annotations

from ..errors import BP, CPUFault, GP, OF as OF_VECTOR
from ..flags import OF
from ..state import CS
from .gen import (MASKS, ea_source, pop_lines, push_lines, read_lines, rm_read, store,
                  write_lines)
from .table import CONDITIONS

_SF_NE_OF = "(((cpu.lres >> (n - 1)) ^ (v >> (n - 1)) ^ (v >> n)) & 1)"
#: even condition number -> (test on the lazy state with n = lbits and v = lcv,
#: test on f = eflags); the odd one after it is the negation
_TESTS = {
    0: ("((v >> (n - 1)) ^ (v >> n)) & 1", "f & 0x800"),
    2: ("(v >> n) & 1", "f & 1"),
    4: ("cpu.lres == 0", "f & 0x40"),
    6: ("((v >> n) & 1) or cpu.lres == 0", "f & 0x41"),
    8: ("(cpu.lres >> (n - 1)) & 1", "f & 0x80"),
    10: ("PARITY[cpu.lres & 0xFF]", "f & 4"),
    12: (_SF_NE_OF, "((f >> 7) ^ (f >> 11)) & 1"),
    14: ("cpu.lres == 0 or " + _SF_NE_OF, "(f & 0x40) or (((f >> 7) ^ (f >> 11)) & 1)"),
}


def condition_source(cc: int) -> list[str]:
    """Lines that set ``t`` to whether condition ``cc`` (0..15) holds."""
    lazy, eager = _TESTS[cc & 14]
    neg = "not " if cc & 1 else ""
    return ["n = cpu.lbits", "if n:", "    v = cpu.lcv", f"    t = {neg}({lazy})", "else:",
            "    f = cpu.eflags", f"    t = {neg}({eager})"]


def _cc_of(mnemonic: str, prefix: str) -> int:
    suffix = mnemonic[len(prefix):]
    for n, (name, aliases) in enumerate(CONDITIONS):
        if suffix == name or suffix in aliases:
            return n
    raise ValueError(mnemonic)


def next_eip(ins) -> int:
    """The offset of the instruction after ``ins`` (wrapping at the operand size)."""
    return (ins.eip + ins.length) & MASKS[ins.osize]


def _jcc_taken(ins) -> list[str]:
    return condition_source(_cc_of(ins.mnemonic, "J"))


def _setcc(ins) -> list[str]:
    cc = _cc_of(ins.mnemonic, "SET")
    if ins.mod == 3:
        n = ins.rm
        dst = ("r", n) if n < 4 else ("h", n - 4)
        return condition_source(cc) + ["r = 1 if t else 0"] + store(dst[0], dst[1], 8, "r", ins)
    return condition_source(cc) + ["r = 1 if t else 0", f"off = {ea_source(ins)}"] + \
        write_lines(8, ins.seg, "off", "r", ins)


def _cmovcc(ins) -> list[str]:
    """CMOVcc r, r/m: the source is read (and may fault) whatever the condition; a
    32-bit destination is written only when it holds (SDM CMOVcc)."""
    cc = _cc_of(ins.mnemonic, "CMOV")
    bits = ins.osize
    lines = condition_source(cc)
    if ins.is_memory:
        lines += [f"off = {ea_source(ins)}"] + read_lines("v", bits, ins.seg, "off", ins)
    else:
        lines.append(f"v = R[{ins.rm}] & {MASKS[bits]:#x}")
    return lines + ["if t:"] + ["    " + line for line in store("r", ins.reg, bits, "v", ins)]


def _jmp(ins) -> list[str]:
    return [f"cpu.eip = {ins.target:#x}"]


def _call(ins) -> list[str]:
    return push_lines(ins, f"{next_eip(ins):#x}", ins.osize >> 3) + [f"cpu.eip = {ins.target:#x}"]


def _ret(ins) -> list[str]:
    """RET [imm16]: pop the offset (operand size), then release imm16 bytes."""
    return pop_lines(ins, "t", ins.osize >> 3, ins.imm or 0) + ["cpu.eip = t"]


def _loop_taken(kind: str):
    """LOOP/LOOPE/LOOPNE: decrement (E)CX (the address size picks which) and branch
    while it is not 0 (and ZF is 1 / 0)."""
    def taken(ins) -> list[str]:
        if ins.asize == 32:
            lines = ["R[1] = c = (R[1] - 1) & 0xFFFFFFFF"]
        else:
            lines = ["c = (R[1] - 1) & 0xFFFF", "R[1] = (R[1] & 0xFFFF0000) | c"]
        if kind == "loop":
            return lines + ["t = c"]
        return lines + ["u = c"] + condition_source(4 if kind == "loope" else 5) + \
            ["t = u and t"]
    return taken


def _jcxz_taken(ins) -> list[str]:
    return [f"t = not R[1] & {MASKS[ins.asize]:#x}"]


#: conditional branches: semantics -> the lines that set ``t`` (taken) and do the
#: instruction's other work; the block translator makes a side exit of them
CONDITIONAL = {"jcc": _jcc_taken, "loop": _loop_taken("loop"),
               "loope": _loop_taken("loope"), "loopne": _loop_taken("loopne"),
               "jcxz": _jcxz_taken}


def _conditional(taken):
    def fragment(ins) -> list[str]:
        return taken(ins) + [f"cpu.eip = {ins.target:#x} if t else {next_eip(ins):#x}"]
    return fragment


def _within_cs(cpu, target: int) -> int:
    """``target`` if CS's limit allows it, else #GP(0) at the branch (SDM Vol. 2
    JMP, CALL: "IF tempEIP is not within code segment limit THEN #GP(0)")."""
    if target > cpu.sregs[CS].limit:
        raise CPUFault(GP, 0)
    return target


def jmp_near_indirect(cpu, ins) -> None:
    cpu.eip = _within_cs(cpu, rm_read(cpu, ins, ins.osize))


def call_near_indirect(cpu, ins) -> None:
    target = _within_cs(cpu, rm_read(cpu, ins, ins.osize))
    cpu.push(cpu.eip, ins.osize >> 3)
    cpu.eip = target


def jmp_far(cpu, ins) -> None:
    cpu.far_jump(ins.imm2, ins.imm, ins.osize)


def call_far(cpu, ins) -> None:
    cpu.far_call(ins.imm2, ins.imm, ins.osize)


def _far_pointer(cpu, ins) -> tuple[int, int]:
    """(selector, offset) of an m16:16 / m16:32 operand."""
    off = ins.ea(cpu.regs)
    size = ins.osize >> 3
    offset = cpu.read(ins.seg, off, size)
    return cpu.read_u16(ins.seg, (off + size) & MASKS[ins.asize]), offset


def jmp_far_indirect(cpu, ins) -> None:
    sel, off = _far_pointer(cpu, ins)
    cpu.far_jump(sel, off, ins.osize)


def call_far_indirect(cpu, ins) -> None:
    sel, off = _far_pointer(cpu, ins)
    cpu.far_call(sel, off, ins.osize)


def retf(cpu, ins) -> None:
    cpu.far_return(ins.osize, ins.imm or 0)


def iret(cpu, ins) -> None:
    cpu.iret(ins.osize)


def int_n(cpu, ins) -> None:
    cpu.deliver(ins.imm, None, True)


def int3(cpu, ins) -> None:
    cpu.deliver(BP, None, True)


def into(cpu, ins) -> None:
    if cpu.get_eflags() & OF:
        cpu.deliver(OF_VECTOR, None, True)


def hlt(cpu, ins) -> None:
    cpu.halted = True
    cpu.events = True


SEMANTICS = {
    "jmp_near_indirect": jmp_near_indirect, "call_near_indirect": call_near_indirect,
    "jmp_far": jmp_far, "call_far": call_far, "jmp_far_indirect": jmp_far_indirect,
    "call_far_indirect": call_far_indirect, "retf": retf, "iret": iret, "int": int_n, "int3": int3,
    "into": into, "hlt": hlt,
}
FRAGMENTS = {"setcc": _setcc, "cmovcc": _cmovcc, "jmp": _jmp, "call": _call, "ret": _ret}
FRAGMENTS.update({name: _conditional(taken) for name, taken in CONDITIONAL.items()})
#: the fragments that set cpu.eip
BRANCHES = frozenset({"jcc", "jmp", "call", "ret", "loop", "loope", "loopne", "jcxz"})
#: the branches whose one target is known when translating: a block goes on there
DIRECT = frozenset({"jmp", "call"})
#: the fragments after which a block cannot go on
ENDS_BLOCK = BRANCHES - DIRECT - set(CONDITIONAL)
