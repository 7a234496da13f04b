"""Effective addresses: ``[base+index*scale+disp]`` to ModRM, SIB and displacement,
with NASM's choices (80386 PRM section 17.2.1, Tables 17-2 and 17-3).

NASM's rules, checked against ``nasm -f bin``: the first register with factor 1 is
the base and the other the index (a register written ``*1`` is the index), except
that ESP cannot be an index (the two are swapped); ``[r*2]``, ``[r*3]``, ``[r*5]``, ``[r*9]`` are split into ``[r+r*n]``
(not with ``nosplit``); ``[ebp]`` and ``[bp]`` take an 8-bit displacement of 0; a
displacement that depends on a label's position is always full width; ``byte``
or ``dword`` inside the brackets forces the displacement width, and ``word`` or
``dword`` with no register picks the address size.
"""
from __future__ import annotations

from typing import NamedTuple

from .errors import AsmError
from .expressions import Value, add_reloc, evaluate
from .registers import REGISTERS

_MODRM16 = {frozenset(("bx", "si")): 0, frozenset(("bx", "di")): 1, frozenset(("bp", "si")): 2,
            frozenset(("bp", "di")): 3, frozenset(("si",)): 4, frozenset(("di",)): 5,
            frozenset(("bp",)): 6, frozenset(("bx",)): 7}
_SCALE = {1: 0, 2: 1, 4: 2, 8: 3}


class EA(NamedTuple):
    """An encoded memory operand: ``asize`` 16/32, ModRM ``mod``/``rm``, the SIB
    byte or None, the displacement bytes; ``direct`` when there is no register
    (the moffs forms), with the address as ``disp_value``; ``value`` the
    displacement as evaluated (its labels, for the listing's brackets)."""
    asize: int
    mod: int
    rm: int
    sib: int | None
    disp: bytes
    direct: bool
    disp_value: int
    value: Value = Value(0)


def _has_reg(e) -> bool:
    if e[0] == "reg":
        return True
    return e[0] in ("bin", "un") and any(_has_reg(x) for x in e[2:])


def _terms(e, sign, regs, rest, env):
    """Split an address expression into (register, factor) and other terms."""
    k = e[0]
    if k == "reg":
        regs.append([e[1], sign, e[2], False])
    elif k == "bin" and e[1] in ("+", "-"):
        _terms(e[2], sign, regs, rest, env)
        _terms(e[3], sign if e[1] == "+" else -sign, regs, rest, env)
    elif k == "un" and e[1] in ("+", "-"):
        _terms(e[2], sign if e[1] == "+" else -sign, regs, rest, env)
    elif k == "bin" and e[1] == "*" and (e[2][0] == "reg") != (e[3][0] == "reg") \
            and not _has_reg(e[3] if e[2][0] == "reg" else e[2]):
        reg, factor = (e[2], e[3]) if e[2][0] == "reg" else (e[3], e[2])
        f = evaluate(factor, env)
        regs.append([reg[1], sign * f.value, reg[2], True])
    elif _has_reg(e):
        raise AsmError("invalid effective address", column=_first_col(e))
    else:
        rest.append((sign, e))


def _first_col(e) -> int:
    if e[0] in ("reg", "sym"):
        return e[2]
    for x in e[2:] if e[0] in ("bin", "un") else ():
        c = _first_col(x)
        if c:
            return c
    return 1


class _Zero:
    """Every symbol 0: the constant part of a displacement."""

    def symbol(self, name, col):
        return Value(0)

    here = section_start = lambda self: Value(0)


def _mixed(rest, disp: Value) -> bool:
    """Whether the displacement has both a label part and a nonzero constant:
    then NASM orders two unscaled registers by name (base first) instead of as
    written (its expression vectors are re-sorted; seen with nasm 2.16)."""
    if not disp.reloc:
        return False
    return any(sign * evaluate(e, _Zero()).value for sign, e in rest) != 0


def _disp_value(rest, env) -> Value:
    v, reloc, unknown, base = 0, (), False, 0
    for sign, e in rest:
        x = evaluate(e, env)
        v += sign * x.value
        reloc = add_reloc(reloc, x.reloc, sign)
        base += sign * x.base
        unknown = unknown or x.unknown
    return Value(v, reloc, unknown, base)


def _signed(v: int, bits: int) -> int:
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


def effective_address(mem, bits: int, asize_prefix: int | None, env) -> EA:
    """Encode a Mem operand for the code size ``bits`` (an a16/a32 prefix on the
    instruction gives ``asize_prefix``)."""
    regs, rest = [], []
    _terms(mem.expr, 1, regs, rest, env)
    merged: dict = {}
    for name, factor, col, scaled in regs:
        if name not in merged:
            merged[name] = [0, col, False]
        merged[name][0] += factor
        merged[name][2] |= scaled
    regs = [(n, f, c, x) for n, (f, c, x) in merged.items() if f]
    disp = _disp_value(rest, env)
    col = mem.col
    sizes = set()
    for n, _, c, _ in regs:
        info = REGISTERS[n]
        if info.cls not in ("r16", "r32"):
            raise AsmError(f"register '{n}' cannot be used in an address", column=c)
        sizes.add(info.bits)
    if len(sizes) > 1:
        raise AsmError("16- and 32-bit registers mixed in one address", column=col)
    if sizes:
        asize = sizes.pop()
        if mem.disp_size == 16 and asize == 32:
            raise AsmError("word displacement with 32-bit address registers", column=col)
    elif mem.disp_size in (16, 32):
        asize = mem.disp_size
    else:
        asize = asize_prefix or bits
    if asize_prefix and asize != asize_prefix:
        raise AsmError(f"a{asize_prefix} prefix with a {asize}-bit address", column=col)
    if asize == 16:
        return _ea16(regs, disp, mem, col)
    if len(regs) == 2 and _mixed(rest, disp):
        regs = sorted((n, f, c, False) for n, f, c, _ in regs)
    return _ea32(regs, disp, mem, col)


def _disp_width(disp: Value, forced: int | None, bits: int, zero_ok: bool) -> int:
    """0, 8 or ``bits``: the displacement width NASM chooses."""
    if forced == 8:
        return 8
    if forced in (16, 32):
        return bits
    if disp.reloc or disp.unknown:
        return bits
    v = _signed(disp.value, bits)
    if v == 0 and zero_ok:
        return 0
    return 8 if -128 <= v <= 127 else bits


def _disp_bytes(disp: Value, width: int) -> bytes:
    return (disp.value & ((1 << width) - 1)).to_bytes(width // 8, "little") if width else b""


def _ea16(regs, disp, mem, col) -> EA:
    if any(f != 1 for _, f, _, _ in regs):
        raise AsmError("invalid 16-bit effective address (no scaled index)", column=col)
    key = frozenset(n for n, _, _, _ in regs)
    if not key:
        return EA(16, 0, 6, None, _disp_bytes(disp, 16), True, disp.value & 0xFFFF, disp)
    rm = _MODRM16.get(key)
    if rm is None or len(key) != len(regs):
        raise AsmError("invalid 16-bit effective address", column=col)
    width = _disp_width(disp, mem.disp_size, 16, rm != 6)
    mod = {0: 0, 8: 1, 16: 2}[width]
    return EA(16, mod, rm, None, _disp_bytes(disp, width), False, disp.value, disp)


def _ea32(regs, disp, mem, col) -> EA:
    base = index = None
    scale = 1
    if len(regs) > 2:
        raise AsmError("too many registers in the address", column=col)
    if len(regs) == 2:
        (r1, f1, _, x1), (r2, f2, _, x2) = regs
        if f1 != 1 and f2 != 1:
            raise AsmError("only one register may be scaled", column=col)
        if f1 == 1 and f2 == 1:
            base, index = (r2, r1) if x1 and not x2 else (r1, r2)
            if index == "esp":
                base, index = index, base
        elif f1 == 1:
            base, index, scale = r1, r2, f2
        else:
            base, index, scale = r2, r1, f1
    elif len(regs) == 1:
        r, f, _, _ = regs[0]
        if f == 1 and not mem.nosplit:
            base = r
        elif f in (2, 3, 5, 9) and not (mem.nosplit and f == 2):
            base, index, scale = r, r, f - 1
        else:
            index, scale = r, f
    if index is not None and (scale not in _SCALE or index == "esp"):
        raise AsmError(f"invalid scaled index '{index}*{scale}'" if index != "esp"
                       else "esp cannot be an index register", column=col)
    if base is None and index is None:
        return EA(32, 0, 5, None, _disp_bytes(disp, 32), True, disp.value & 0xFFFFFFFF, disp)
    if base is None:
        sib = (_SCALE[scale] << 6) | (REGISTERS[index].num << 3) | 5
        return EA(32, 0, 4, sib, _disp_bytes(disp, 32), False, disp.value, disp)
    b = REGISTERS[base].num
    width = _disp_width(disp, mem.disp_size, 32, b != 5)
    mod = {0: 0, 8: 1, 32: 2}[width]
    if index is None and b != 4:
        return EA(32, mod, b, None, _disp_bytes(disp, width), False, disp.value, disp)
    i = 4 if index is None else REGISTERS[index].num
    sib = (_SCALE[scale] << 6) | (i << 3) | b
    return EA(32, mod, 4, sib, _disp_bytes(disp, width), False, disp.value, disp)
