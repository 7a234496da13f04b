"""Generated handlers: one small Python function per (operation, operand shape).

A family writes an operation once as a fragment over ``a`` (the destination's
value), ``b`` (the source's) and ``r`` (the result); :func:`maker` wraps it with
the loads and stores of a shape (register, memory, immediate; 8/16/32 bits) and
compiles a *maker* ``make(d, s, seg, ea)`` returning the handler for one decoded
instruction with its registers, immediate and address computation bound as
closure variables. Makers are compiled once per shape and kept; the generated
source is registered with ``linecache`` so tracebacks show it.

Shapes: a location is ``"r"`` (register ``d``/``s``, 16/32 bits or AL..BL),
``"h"`` (AH..BH: byte 1 of register ``d``/``s``), ``"m"`` (memory at
``seg``:``ea(R)``) or ``"i"`` (the immediate ``s``).
"""
from __future__ import annotations

import linecache
from typing import Callable

from ..flags import PARITY

MASKS = {8: 0xFF, 16: 0xFFFF, 32: 0xFFFFFFFF}
_NOT = {8: 0xFFFFFF00, 16: 0xFFFF0000}

_makers: dict = {}


def load(var: str, loc: str, reg: str, bits: int) -> str:
    """Source that sets ``var`` to the value of a location."""
    if loc == "i":
        return f"{var} = {reg}"
    if loc == "m":
        return f"{var} = cpu.read_u{bits}(seg, off)"
    if loc == "h":
        return f"{var} = (R[{reg}] >> 8) & 0xFF"
    if bits == 32:
        return f"{var} = R[{reg}]"
    return f"{var} = R[{reg}] & {MASKS[bits]:#x}"


def store(loc: str, reg: str, bits: int, expr: str) -> str:
    """Source that stores ``expr`` (already masked to ``bits``) into a location."""
    if loc == "m":
        return f"cpu.write_u{bits}(seg, off, {expr})"
    if loc == "h":
        return f"R[{reg}] = (R[{reg}] & 0xFFFF00FF) | ({expr} << 8)"
    if bits == 32:
        return f"R[{reg}] = {expr}"
    return f"R[{reg}] = (R[{reg}] & {_NOT[bits]:#x}) | {expr}"


def compile_maker(name: str, body: list[str]) -> Callable:
    """Compile ``def make(d, s, seg, ea): def h(cpu, ins): <body>; return h``."""
    key = (name, tuple(body))
    mk = _makers.get(key)
    if mk is not None:
        return mk
    src = "\n".join(["def make(d, s, seg, ea):", "    def h(cpu, ins):"]
                    + ["        " + line for line in body] + ["    return h", ""])
    filename = f"<ia32 {name}>"
    linecache.cache[filename] = (len(src), None, src.splitlines(True), filename)
    ns: dict = {"PARITY": PARITY}
    exec(compile(src, filename, "exec"), ns)
    mk = ns["make"]
    mk.__qualname__ = mk.__name__ = "make_" + name.replace(" ", "_")
    _makers[key] = mk
    return mk


def maker(name: str, bits: int, dst: str, src: str, op: list[str], *,
          write: bool = True, flags: list[str] | None = None,
          read_dst: bool = True) -> Callable:
    """A maker for ``op`` (lines computing ``r`` from ``a`` and ``b``) on this shape.

    ``write``: store ``r`` (masked) into the destination; ``flags``: lines that set
    the lazy flags (they may use ``a``, ``b``, the unmasked ``r`` and ``m``, the
    mask). The destination is read first, so a memory destination faults before
    anything changes; ``read_dst=False`` for pure stores (MOV), which must not.
    """
    m = MASKS[bits]
    body = ["R = cpu.regs"]
    if "m" in (dst, src):
        body.append("off = ea(R)")
    if read_dst:
        body.append(load("a", dst, "d", bits))
    if src != "-":
        body.append(load("b", src, "s", bits))
    body += op
    body += flags or []
    if write:
        body.append(f"r &= {m:#x}")
        body.append(store(dst, "d", bits, "r"))
    return compile_maker(f"{name}{bits} {dst},{src}", body)


def shape(ins, bits: int, dst_token: str, src_token: str | None):
    """The (dst, src, d, s) of a decoded instruction for :func:`maker`: location
    letters and the register numbers (or immediate) to bind."""
    dst, d = _loc(ins, bits, dst_token)
    if src_token is None:
        return dst, "-", d, 0
    src, s = _loc(ins, bits, src_token)
    return dst, src, d, s


def _loc(ins, bits: int, tok: str):
    if tok.startswith("imm") or tok == "1" or tok == "CL":
        if tok == "1":
            return "i", 1
        if tok == "CL":
            return "CL", None
        return "i", ins.imm
    if tok in ("AL", "AX", "EAX"):
        return "r", 0
    if tok.startswith("r/m") or tok.startswith("moffs") or tok[0] == "m":
        if ins.mod != 3:
            return "m", None
        n = ins.rm
    else:
        n = ins.reg
    if bits == 8 and n >= 4:
        return "h", n - 4
    return "r", n


# -- plain operand access for the handlers that are not generated ------------------
def rm_offset(cpu, ins) -> int:
    """The offset of the memory operand of ``ins``."""
    return ins.ea(cpu.regs)


def rm_read(cpu, ins, bits: int) -> int:
    """The r/m operand of ``ins`` (register when mod = 3, else memory)."""
    if ins.mod == 3:
        return cpu.get_reg(ins.rm, bits)
    return cpu.read(ins.seg, ins.ea(cpu.regs), bits >> 3)


def rm_write(cpu, ins, bits: int, value: int) -> None:
    """Store ``value`` into the r/m operand of ``ins``."""
    if ins.mod == 3:
        cpu.set_reg(ins.rm, bits, value)
    else:
        cpu.write(ins.seg, ins.ea(cpu.regs), bits >> 3, value)
