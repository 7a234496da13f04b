"""Compile the instruction table into one Python handler per instruction.

Each handler is generated source: the format's field decode, the privileged-state
check, then the declaration's body, in one function. That keeps the hot path to a
single call per instruction with no per-instruction allocation. The same fragments
are what a block translator would splice together.
"""
from __future__ import annotations

from . import support
from .table import Instr

#: Field decode per format; ``m`` is the buffer holding the instruction at offset ``p``.
DECODE = {
    "RR": ("i = m[p + 1]; r1 = i >> 4; r2 = i & 15",),
    "RRE": ("i = m[p + 3]; r1 = i >> 4; r2 = i & 15",),
    "RX": (
        "i = m[p + 1]; r1 = i >> 4; x2 = i & 15",
        "b2 = m[p + 2]; d2 = ((b2 & 15) << 8) | m[p + 3]; b2 >>= 4",
        "addr = (d2 + (R[x2] if x2 else 0) + (R[b2] if b2 else 0)) & 0xFFFFFF",
    ),
    "RS": (
        "i = m[p + 1]; r1 = i >> 4; r3 = i & 15",
        "b2 = m[p + 2]; d2 = ((b2 & 15) << 8) | m[p + 3]; b2 >>= 4",
        "addr = (d2 + R[b2]) & 0xFFFFFF if b2 else d2",
    ),
    "SI": (
        "i2 = m[p + 1]",
        "b1 = m[p + 2]; d1 = ((b1 & 15) << 8) | m[p + 3]; b1 >>= 4",
        "addr = (d1 + R[b1]) & 0xFFFFFF if b1 else d1",
    ),
    "S": (
        "b2 = m[p + 2]; d2 = ((b2 & 15) << 8) | m[p + 3]; b2 >>= 4",
        "addr = (d2 + R[b2]) & 0xFFFFFF if b2 else d2",
    ),
    "SS": (
        "l = m[p + 1]",
        "b1 = m[p + 2]; d1 = ((b1 & 15) << 8) | m[p + 3]; b1 >>= 4",
        "addr1 = (d1 + R[b1]) & 0xFFFFFF if b1 else d1",
        "b2 = m[p + 4]; d2 = ((b2 & 15) << 8) | m[p + 5]; b2 >>= 4",
        "addr2 = (d2 + R[b2]) & 0xFFFFFF if b2 else d2",
    ),
    "SS2": (
        "i = m[p + 1]; l1 = i >> 4; l2 = i & 15",
        "b1 = m[p + 2]; d1 = ((b1 & 15) << 8) | m[p + 3]; b1 >>= 4",
        "addr1 = (d1 + R[b1]) & 0xFFFFFF if b1 else d1",
        "b2 = m[p + 4]; d2 = ((b2 & 15) << 8) | m[p + 5]; b2 >>= 4",
        "addr2 = (d2 + R[b2]) & 0xFFFFFF if b2 else d2",
    ),
    "SRP": (
        "i = m[p + 1]; l1 = i >> 4; i3 = i & 15",
        "b1 = m[p + 2]; d1 = ((b1 & 15) << 8) | m[p + 3]; b1 >>= 4",
        "addr1 = (d1 + R[b1]) & 0xFFFFFF if b1 else d1",
        "b2 = m[p + 4]; d2 = ((b2 & 15) << 8) | m[p + 5]; b2 >>= 4",
        "addr2 = (d2 + R[b2]) & 0xFFFFFF if b2 else d2",
    ),
}


def handler_source(ins: Instr) -> str:
    """The generated Python source of one instruction's handler."""
    lines = [f"def {ins.mnemonic.replace('@', '_')}(cpu, m, p):", "    R = cpu.gpr"]
    if ins.priv:
        # In problem state (or under interpretive execution, where the guest always
        # runs in real problem state) the instruction traps; CPU subclasses decide
        # whether that is a privileged-operation exception or an intercept.
        lines.append("    if cpu.privtrap:")
        lines.append("        return cpu.priv_trap(INSTR, m, p)")
    lines += ["    " + s for s in DECODE[ins.fmt]]
    lines += ["    " + ln for ln in body_lines(ins)]
    return "\n".join(lines) + "\n"


def body_lines(ins: Instr) -> list[str]:
    """The declaration's fragment as lines at indentation zero (also spliced by
    the block translator, s370/blocks.py)."""
    body = ins.body.strip("\n").splitlines()
    indent = min((len(ln) - len(ln.lstrip()) for ln in body if ln.strip()), default=0)
    return [ln[indent:] for ln in body] or ["pass"]


def compile_handler(ins: Instr, helpers: dict):
    """Compile one handler; ``helpers`` is the namespace its body may use."""
    ns = dict(support.NAMESPACE)
    ns.update(helpers)
    ns["INSTR"] = ins
    src = handler_source(ins)
    code = compile(src, f"<isa {ins.mnemonic}>", "exec")
    exec(code, ns)
    fn = ns[ins.mnemonic.replace("@", "_")]
    fn.instr = ins
    return fn
