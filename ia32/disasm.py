"""Disassembly in NASM syntax, from the decoder's output (``ia32.decode.decode``),
written so that assembling the text with ``ia32.asm`` (or NASM) gives the same
bytes back for anything the assembler produces.

That needs a little more than the operands: size keywords on memory operands
(``dword [ebx]``), ``far`` for indirect far transfers, ``short``/``near`` on JMP
and Jcc (NASM never shortens a jump to a plain number by itself),
``strict word``/``strict dword`` on a full-width immediate whose value would fit
the sign-extended byte form, ``byte``/``dword`` inside the brackets when the
displacement is wider than NASM would choose, ``nosplit`` for a lone scaled
index, and ``o16``/``o32``/``a16``/``a32`` for size prefixes nothing else shows.
Bytes that do not decode are ``db 0x..``.
"""
from __future__ import annotations

from typing import NamedTuple

from .asm.registers import NAMES
from .decode import decode
from .errors import CPUFault
from .isa.table import TABLE

_SEG = ("es", "cs", "ss", "ds", "fs", "gs")
_REG_CLASS = {8: "r8", 16: "r16", 32: "r32"}
_SIZE = {8: "byte", 16: "word", 32: "dword"}
#: Register operands that give the memory operand its size (not CL or DX).
_SIZING = {"r8", "r16", "r32", "AL", "AX", "EAX"}
_SIZED_MEM = {"r/m8": 8, "r/m16": 16, "r/m32": 32, "m8": 8, "m16": 16, "m32": 32}
#: Table forms whose NASM spelling names the default operand size (see ia32.asm).
_W_FORMS = {"PUSHA", "POPA", "PUSHF", "POPF", "IRET"}
#: o=0 forms whose register operand gives the operand size (as in ia32.asm.instructions)
_WIDE_DEST = {"mov_from_sreg", "smsw", "sldt", "str"}
#: Mnemonics with a sign-extended imm8 form, which NASM prefers for small values
_HAS_SX = {f.mnemonic for f in TABLE if f.sx}
#: Mnemonics with a near form beside the short one (JMP, Jcc)
_HAS_NEAR = {f.mnemonic for f in TABLE if "rel32" in f.operands}


class Line(NamedTuple):
    address: int
    data: bytes
    text: str

    def format(self) -> str:
        return f"{self.address:08X}  {self.data.hex().upper():<20}{self.text}"


def _signed(v: int, bits: int) -> int:
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


def _hex(v: int) -> str:
    return f"-0x{-v:x}" if v < 0 else f"0x{v:x}"


def _reg(size: int, num: int) -> str:
    return NAMES[(_REG_CLASS[size], num)]


def _fits8(v: int, bits: int) -> bool:
    return -128 <= _signed(v, bits) <= 127


def _memory(ins, op, tok: str, bits: int, sized_by_reg: bool) -> str:
    asize = op.asize
    regs = [NAMES[(_REG_CLASS[asize], op.base)]] if op.base is not None else []
    inner = ""
    if op.index is not None:
        idx = NAMES[(_REG_CLASS[asize], op.index)]
        regs.append(idx if op.scale == 1 and regs else f"{idx}*{op.scale}")
        if op.base is None and op.scale in (1, 2):
            inner = "nosplit "
    if tok.startswith("moffs") or not regs:
        if asize != bits:
            inner += _SIZE[asize] + " "
        body = f"0x{op.disp:x}"
    else:
        d = _signed(op.disp, asize)
        body = "+".join(regs)
        mod = ins.mod
        bp_only = op.base == 5 and op.index is None and asize == 16 or \
            op.base == 5 and asize == 32
        if mod == 1 and d == 0 and not bp_only:
            inner += "byte "
        elif mod == 2 and -128 <= d <= 127 and (op.base is not None or asize == 16):
            inner += _SIZE[asize] + " "
        if d or inner.startswith("byte") or inner.startswith(_SIZE[asize]):
            body += f"+0x{d:x}" if d >= 0 else f"-0x{-d:x}"
    default = 2 if op.base == 5 or (op.base == 4 and asize == 32) else 3
    seg = f"{_SEG[op.seg]}:" if op.override or op.seg != default else ""
    text = f"[{seg}{inner}{body}]"
    form = ins.form
    if tok in ("m16:16", "m16:32") and form.mnemonic in ("JMP", "CALL"):
        size = 16 if tok == "m16:16" else 32
        return f"far {_SIZE[size] + ' ' if size != bits else ''}{text}"
    if tok in _SIZED_MEM and form.mnemonic not in ("LAR", "LSL") and not sized_by_reg:
        return f"{_SIZE[_SIZED_MEM[tok]]} {text}"
    return text


def _operand(ins, op, tok: str, bits: int) -> str:
    k = op.kind
    form = ins.form
    if k == "reg":
        size = op.size
        num = op.value
        if form.semantics in _WIDE_DEST and tok in ("r/m16", "r32"):
            size = ins.osize
        return _reg(size, num)
    if k == "sreg":
        return _SEG[op.value]
    if k == "cr":
        return f"cr{op.value}"
    if k == "dr":
        return f"dr{op.value}"
    if k == "const":
        return str(op.value)
    if k == "mem":
        sized = any(o.kind == "reg" and o.size == op.size and t in _SIZING
                    for o, t in zip(ins.operands, form.operands))
        return _memory(ins, op, tok, bits, sized)
    if k == "imm":
        if form.sx:
            text = _hex(_signed(op.value, ins.osize))
            if form.operands == ("imm8",) and ins.osize != bits:
                text = f"{_SIZE[ins.osize]} {text}"
            return text
        width = int(tok[3:])
        text = f"0x{op.value:x}"
        if width > 8 and _fits8(op.value, width) and form.mnemonic in _HAS_SX:
            return f"strict {_SIZE[width]} {text}"
        if len(form.operands) == 1 and form.o and form.o != bits:      # PUSH imm16/imm32
            return f"{_SIZE[form.o]} {text}"
        if width == 8 and form.encoding[0] in ("C0", "C1") and op.value == 1:
            return "byte 0x1"
        return text
    if k == "rel":
        target = f"0x{op.value:x}"
        if tok == "rel8":       # NASM makes a jump to a number near unless told short
            return f"short {target}" if form.mnemonic in _HAS_NEAR else target
        if form.o != bits:
            return f"{_SIZE[form.o]} {target}"
        return f"near {target}" if form.mnemonic != "CALL" else target
    if k == "ptr":
        size = 16 if op.size == 32 else 32
        kw = f"{_SIZE[size]} " if size != bits else ""
        return f"{kw}0x{op.selector:x}:0x{op.value:x}"
    return "?"


def _expressible(ins) -> bool:
    """Whether NASM syntax can say this instruction: not the x87 escapes (no x87
    here), BSWAP with a 16-bit operand size (NASM always adds 66h to it in 16-bit
    code), segment register numbers 6 and 7, or an address with ESP scaled. (MOV
    to/from CRn/DRn with ModRM.mod 0-2 is the register form: the decoder reads it so,
    as the processor does.)"""
    form = ins.form
    if not form.asm or (form.semantics == "bswap" and ins.osize != 32):
        return False
    # a scaled ESP: the decoder's reading of a SIB byte with no index and a scale
    # (the 386 scales the base then); NASM cannot write ESP as an index
    return all((o.kind != "sreg" or o.value < 6) and (o.kind != "mem" or o.index != 4 or o.asize != 32)
               for o in ins.operands)


def format_instruction(ins, bits: int, data: bytes) -> str:
    """NASM source text of one decoded instruction (``bits``: the code size;
    ``data`` its bytes); an instruction NASM cannot express is its bytes as ``db``
    (see ``_expressible``)."""
    form = ins.form
    if not _expressible(ins):
        return "db " + ", ".join(f"0x{b:02x}" for b in data[:ins.length])
    toks = form.operands
    ops = [_operand(ins, op, tok, bits) for op, tok in zip(ins.operands, toks)]
    if form.mnemonic == "XCHG" and len(ops) == 2 and ins.mod == 3 and toks[0].startswith("r/m"):
        ops.reverse()
    mn = form.mnemonic.lower()
    if form.mnemonic in _W_FORMS and bits == 32:
        mn += "w"
    pre = []
    if ins.lock:
        pre.append("lock")
    if ins.rep:
        pre.append("repne" if ins.rep == "repne" else ("repe" if form.rep == "repcc" else "rep"))
    has_mem = any(o.kind == "mem" for o in ins.operands)
    if ins.override is not None and not has_mem:
        pre.append(_SEG[ins.override])
    wide = form.semantics in _WIDE_DEST and ins.mod == 3
    push_imm = form.sx and toks == ("imm8",)
    if ins.osize != bits and not form.o and not wide and not push_imm:
        pre.append(f"o{ins.osize}")
    if ins.asize != bits and not has_mem and not form.a:
        pre.append(f"a{ins.asize}")
    text = " ".join(pre + [mn])
    return f"{text} {', '.join(ops)}" if ops else text


def disassemble(code: bytes, org: int = 0, bits: int = 32, start: int | None = None,
                length: int | None = None) -> list:
    """Lines for ``code`` loaded at ``org``, from address ``start`` (default ``org``)
    for ``length`` bytes (default: to the end)."""
    start = org if start is None else start
    end = org + len(code) if length is None else min(org + len(code), start + length)
    out = []
    addr = start
    while addr < end:
        off = addr - org
        window = code[off:min(len(code), off + 15)]
        try:
            ins = decode(window, addr, bits)
            if addr + ins.length > end:
                raise IndexError
            text = format_instruction(ins, bits, window)
            n = ins.length
        except (CPUFault, IndexError):
            text, n = f"db 0x{code[off]:02x}", 1
        out.append(Line(addr, bytes(code[off:off + n]), text))
        addr += n
    return out
