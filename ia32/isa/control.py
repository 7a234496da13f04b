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

from ..errors import BP, OF as OF_VECTOR
from ..flags import OF
from .gen import MASKS, compile_maker, rm_read
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


def _jcc(ins):
    cc = _cc_of(ins.mnemonic, "J")
    mk = compile_maker(f"j{CONDITIONS[cc][0].lower()}",
                       condition_source(cc) + ["if t:", "    cpu.eip = s"])
    return mk(0, ins.target, 0, None)


def _setcc(ins):
    cc = _cc_of(ins.mnemonic, "SET")
    if ins.mod == 3:
        store = ["R = cpu.regs", "x = 1 if t else 0"]
        if ins.rm < 4:
            store.append("R[d] = (R[d] & 0xFFFFFF00) | x")
            d = ins.rm
        else:
            store.append("R[d] = (R[d] & 0xFFFF00FF) | (x << 8)")
            d = ins.rm - 4
    else:
        store = ["cpu.write_u8(seg, ea(cpu.regs), 1 if t else 0)"]
        d = 0
    mk = compile_maker(f"set{CONDITIONS[cc][0].lower()} {'r' if ins.mod == 3 else 'm'}",
                       condition_source(cc) + store)
    return mk(d, 0, ins.seg, ins.ea)


def jmp(cpu, ins) -> None:
    cpu.eip = ins.target


def _jmp(ins):
    target = ins.target

    def h(cpu, ins):
        cpu.eip = target
    return h


def call(cpu, ins) -> None:
    cpu.push(cpu.eip, ins.osize >> 3)
    cpu.eip = ins.target


def jmp_near_indirect(cpu, ins) -> None:
    cpu.eip = rm_read(cpu, ins, ins.osize)


def call_near_indirect(cpu, ins) -> None:
    target = rm_read(cpu, ins, ins.osize)
    cpu.push(cpu.eip, ins.osize >> 3)
    cpu.eip = target


def ret(cpu, ins) -> None:
    """RET [imm16]: pop the offset (operand size), then release imm16 bytes."""
    size = ins.osize >> 3
    target = cpu.read_stack(0, size)
    cpu.adjust_sp(size + (ins.imm or 0))
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


def _counter(cpu, ins) -> int:
    """Decrement (E)CX (the address size picks which) and return the new count."""
    R = cpu.regs
    if ins.asize == 32:
        R[1] = c = (R[1] - 1) & 0xFFFFFFFF
    else:
        c = (R[1] - 1) & 0xFFFF
        R[1] = (R[1] & 0xFFFF0000) | c
    return c


def loop(cpu, ins) -> None:
    if _counter(cpu, ins):
        cpu.eip = ins.target


def _zf(cpu) -> bool:
    return (cpu.lres == 0) if cpu.lbits else bool(cpu.eflags & 0x40)


def loope(cpu, ins) -> None:
    if _counter(cpu, ins) and _zf(cpu):
        cpu.eip = ins.target


def loopne(cpu, ins) -> None:
    if _counter(cpu, ins) and not _zf(cpu):
        cpu.eip = ins.target


def jcxz(cpu, ins) -> None:
    if not cpu.regs[1] & MASKS[ins.asize]:
        cpu.eip = ins.target


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
    "jmp": jmp, "call": call, "ret": ret,
    "jmp_near_indirect": jmp_near_indirect, "call_near_indirect": call_near_indirect,
    "jmp_far": jmp_far, "call_far": call_far, "jmp_far_indirect": jmp_far_indirect,
    "call_far_indirect": call_far_indirect, "retf": retf, "iret": iret, "loop": loop,
    "loope": loope, "loopne": loopne, "jcxz": jcxz, "int": int_n, "int3": int3,
    "into": into, "hlt": hlt,
}
SPECIALIZE = {"jcc": _jcc, "setcc": _setcc, "jmp": _jmp}
