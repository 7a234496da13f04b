"""Disassembler: machine code to HLASM-style statements, from the instruction table.

Operand fields are taken apart with the same layout templates and field positions
the assembler uses (``s370.asm.instructions``), so ``assemble(disassemble(b)) == b``
holds for every declared instruction. BC and BCR print as extended mnemonics (BE,
BNHR, B, NOP ...) from ``EXTENDED_BRANCHES``. Bytes that are no declared
instruction print as ``DC X'..'``.
"""
from __future__ import annotations

from dataclasses import dataclass

from .asm.instructions import extract, is_length, templates
from .isa import EXTENDED_BRANCHES, lookup

#: Mask -> extended mnemonic; the compare forms (BE, BH ...) are preferred.
_PREFERRED = ("B", "NOP", "BH", "BL", "BE", "BNH", "BNL", "BNE", "BO", "BNO")
MASK_NAMES = {}
for _n in _PREFERRED + tuple(EXTENDED_BRANCHES):
    MASK_NAMES.setdefault(EXTENDED_BRANCHES[_n], _n)


@dataclass(frozen=True)
class Line:
    """One disassembled instruction (or undecodable halfword)."""
    address: int
    data: bytes
    mnemonic: str
    operands: str

    def format(self) -> str:
        h = self.data.hex().upper()
        code = " ".join(h[k:k + 4] for k in range(0, len(h), 4))
        return f"{self.address:06X}  {code:<14}  {self.mnemonic:<5} {self.operands}".rstrip()

    @property
    def source(self) -> str:
        """The statement as assembler source (name field empty)."""
        return f"         {self.mnemonic:<5} {self.operands}".rstrip()


def _storage(word, length, fmt, t) -> str:
    d = extract(word, length, fmt, t.disp)
    b = extract(word, length, fmt, t.base)
    if t.inner is None:
        return f"{d}({b})" if b else f"{d}"
    v = extract(word, length, fmt, t.inner)
    if is_length(t.inner):
        v += 1
        return f"{d}({v},{b})"
    if v == 0:
        return f"{d}(,{b})" if b else f"{d}"
    return f"{d}({v},{b})"


def decode(code: bytes, offset: int = 0, address: int = 0) -> Line:
    """Decode the instruction at ``code[offset]``."""
    ins = lookup(code, offset) if offset + 2 <= len(code) else None
    if ins is None or offset + ins.length > len(code):
        n = min(2, len(code) - offset)
        data = bytes(code[offset:offset + n])
        return Line(address, data, "DC", f"X'{data.hex().upper()}'")
    length, fmt = ins.length, ins.fmt
    data = bytes(code[offset:offset + length])
    word = int.from_bytes(data, "big")
    tpls = templates(ins.operands)
    mnemonic = ins.mnemonic
    if ins.mnemonic in ("BC", "BCR") and tpls and tpls[0].kind == "field":
        mask = extract(word, length, fmt, tpls[0].name)
        name = MASK_NAMES.get(mask)
        if name is not None:
            mnemonic = name + ("R" if ins.mnemonic == "BCR" else "")
            tpls = tpls[1:]
    parts = []
    for t in tpls:
        if t.kind == "field":
            parts.append(str(extract(word, length, fmt, t.name)))
        else:
            parts.append(_storage(word, length, fmt, t))
    return Line(address, data, mnemonic, ",".join(parts))


def disassemble(code: bytes, start: int | None = None, length: int | None = None,
                base: int = 0) -> list[Line]:
    """Disassemble ``code`` (loaded at ``base``) from address ``start`` (default
    ``base``) for ``length`` bytes (default: to the end)."""
    start = base if start is None else max(start, base)
    end = len(code) + base if length is None else min(len(code) + base, start + length)
    out = []
    a = start
    while a < end:
        line = decode(code[:end - base], a - base, a)
        out.append(line)
        a += len(line.data) or 1
    return out
