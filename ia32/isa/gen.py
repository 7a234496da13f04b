"""Source fragments: the hot instructions written as Python lines for the block
translator (``ia32.blocks``).

A family writes an operation once, over ``a`` (the destination's value), ``b``
(the source's) and ``r`` (the result); :func:`alu_lines` wraps it with the loads
and stores of one decoded instruction's operands, with its register numbers,
immediate and address computation written in as literals. The block translator
splices the fragments of consecutive instructions into one function, where
``cpu`` is the CPU and ``R`` its register list; temporaries are plain locals.

Locations: ``"r"`` a register (16/32 bits, or AL..BL), ``"h"`` AH..BH (byte 1
of register n), ``"m"`` memory at the instruction's segment and ``off``, ``"i"``
the immediate.
"""
from __future__ import annotations

MASKS = {8: 0xFF, 16: 0xFFFF, 32: 0xFFFFFFFF}
_NOT = {8: 0xFFFFFF00, 16: 0xFFFF0000}


def load(var: str, loc: str, n: int, bits: int, ins) -> list[str]:
    """Lines that set ``var`` to the value of a location (``n``: register or
    immediate; memory is ``ins.seg``:``off``)."""
    if loc == "i":
        return [f"{var} = {n:#x}"]
    if loc == "m":
        return read_lines(var, bits, ins.seg, "off", ins)
    if loc == "h":
        return [f"{var} = (R[{n}] >> 8) & 0xFF"]
    if bits == 32:
        return [f"{var} = R[{n}]"]
    return [f"{var} = R[{n}] & {MASKS[bits]:#x}"]


def store(loc: str, n: int, bits: int, expr: str, ins) -> list[str]:
    """Lines that store ``expr`` (already masked to ``bits``) into a location."""
    if loc == "m":
        return write_lines(bits, ins.seg, "off", expr, ins)
    if loc == "h":
        return [f"R[{n}] = (R[{n}] & 0xFFFF00FF) | ({expr} << 8)"]
    if bits == 32:
        return [f"R[{n}] = {expr}"]
    return [f"R[{n}] = (R[{n}] & {_NOT[bits]:#x}) | {expr}"]


# Memory access in fragments. Through a flat segment (``ins.flat``, set by the
# translator from ``Segment.flat``) the offset is the linear address, and a hit in
# the TLB (``RT``/``WT``: the CPU's current read and write TLB) of an access that
# does not cross the page reads or writes ``RAM`` directly; everything else calls
# the CPU's checked access. ``U16``/``U32``/``P16``/``P32`` are the struct
# unpack_from/pack_into of the block's namespace.
def read_lines(var: str, bits: int, seg: int, off: str, ins) -> list[str]:
    if not ins.flat >> seg & 1:
        return [f"{var} = cpu.read_u{bits}({seg}, {off})"]
    if bits == 8:
        return [f"pg = RT.get({off} >> 12)",
                f"{var} = RAM[pg | ({off} & 0xFFF)] if pg is not None "
                f"else cpu.read_u8({seg}, {off})"]
    return [f"pg = RT.get({off} >> 12)",
            f"{var} = U{bits}(RAM, pg | ({off} & 0xFFF))[0] "
            f"if pg is not None and ({off} & 0xFFF) <= {0x1000 - bits // 8:#x} "
            f"else cpu.read_u{bits}({seg}, {off})"]


def write_lines(bits: int, seg: int, off: str, expr: str, ins) -> list[str]:
    if not ins.flat >> seg & 1:
        return [f"cpu.write_u{bits}({seg}, {off}, {expr})"]
    if bits == 8:
        return [f"pg = WT.get({off} >> 12)",
                f"if pg is not None: RAM[pg | ({off} & 0xFFF)] = {expr}",
                f"else: cpu.write_u8({seg}, {off}, {expr})"]
    return [f"pg = WT.get({off} >> 12)",
            f"if pg is not None and ({off} & 0xFFF) <= {0x1000 - bits // 8:#x}: "
            f"P{bits}(RAM, pg | ({off} & 0xFFF), {expr})",
            f"else: cpu.write_u{bits}({seg}, {off}, {expr})"]


def push_lines(ins, expr: str, size: int) -> list[str]:
    """Push ``expr`` (``size`` bytes); inline through a flat 32-bit SS."""
    if not ins.flat >> 2 & 1:
        return [f"cpu.push({expr}, {size})"]
    return [f"sp = (R[4] - {size}) & 0xFFFFFFFF"] + \
        write_lines(size * 8, 2, "sp", f"({expr}) & {MASKS[size * 8]:#x}", ins) + ["R[4] = sp"]


def pop_lines(ins, var: str, size: int, release: int = 0) -> list[str]:
    """Pop ``size`` bytes into ``var`` (and release ``release`` more bytes)."""
    if not ins.flat >> 2 & 1:
        lines = [f"{var} = cpu.pop({size})"]
        return lines + ([f"cpu.adjust_sp({release})"] if release else [])
    return ["sp = R[4]"] + read_lines(var, size * 8, 2, "sp", ins) + \
        [f"R[4] = (sp + {size + release}) & 0xFFFFFFFF"]


def ea_source(ins) -> str:
    """The offset of the memory operand of ``ins`` as an expression over ``R``."""
    mask = 0xFFFF if ins.asize == 16 else 0xFFFFFFFF
    terms = []
    if ins.base is not None:
        terms.append(f"R[{ins.base}]")
    if ins.index is not None:
        terms.append(f"R[{ins.index}]" + (f" * {ins.scale}" if ins.scale != 1 else ""))
    disp = ins.disp & mask
    if not terms:
        return f"{disp:#x}"
    if disp:
        terms.append(f"{disp:#x}")
    if len(terms) == 1 and ins.asize == 32:
        return terms[0]
    return f"({' + '.join(terms)}) & {mask:#x}"


def location(ins, bits: int, tok: str) -> tuple[str, int]:
    """(location letter, register number or immediate) of operand token ``tok``."""
    if tok == "1":
        return "i", 1
    if tok.startswith("imm"):
        return "i", ins.imm
    if tok in ("AL", "AX", "EAX"):
        return "r", 0
    if tok.startswith("r/m") or tok.startswith("moffs") or tok[0] == "m":
        if ins.mod != 3:
            return "m", 0
        n = ins.rm
    else:
        n = ins.reg
    if bits == 8 and n >= 4:
        return "h", n - 4
    return "r", n


def alu_lines(ins, bits: int, op: list[str], *, src: bool = True, write: bool = True,
              flags: list[str] | None = None) -> list[str]:
    """The fragment of a one- or two-operand instruction: ``op`` computes ``r`` from
    ``a`` (destination) and ``b`` (source); ``flags`` lines may use a, b, the
    unmasked r. ``write`` stores r masked. The destination is read first, so a
    memory destination faults before anything changes."""
    ops = ins.form.operands
    dst, d = location(ins, bits, ops[0])
    lines = []
    if ins.is_memory:
        lines.append(f"off = {ea_source(ins)}")
    lines += load("a", dst, d, bits, ins)
    if src:
        sl, s = location(ins, bits, ops[1])
        lines += load("b", sl, s, bits, ins)
    lines += op
    lines += flags or []
    if write:
        lines.append(f"r &= {MASKS[bits]:#x}")
        lines += store(dst, d, bits, "r", ins)
    return lines


# -- plain operand access for the handlers that are not fragments -----------------
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
