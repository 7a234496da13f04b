"""Machine-instruction operands, read from the instruction table (``s370.isa``).

Each declaration's ``operands`` layout string (``R1,D2(X2,B2)``, ``M1,R2``, ``I``,
``D1(L,B1),D2(B2)``, ``D1(L1,B1),D2(B2),I3``, ``R1,M3,D2(B2)``, ``""`` ...) is parsed
once into templates. A field's place in the instruction is given per format as
(first bit, width); the assembler packs fields there and the disassembler unpacks
them from there, so both follow the table and nothing else.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..isa import BY_MNEMONIC, Instr, extended_mnemonics

_STOR = {"D1": (20, 12), "B1": (16, 4), "D2": (36, 12), "B2": (32, 4)}
_SSLEN = {"L": (8, 8), "L1": (8, 4), "L2": (12, 4), "R1": (8, 4), "R3": (12, 4), "I3": (12, 4)}

#: Field positions (first bit from the left, width) in each format.
SLOTS: dict[str, dict[str, tuple[int, int]]] = {
    "RR": {"R1": (8, 4), "M1": (8, 4), "R2": (12, 4), "I": (8, 8), "I2": (8, 8)},
    "RX": {"R1": (8, 4), "M1": (8, 4), "X2": (12, 4), "B2": (16, 4), "D2": (20, 12)},
    "RS": {"R1": (8, 4), "M1": (8, 4), "R3": (12, 4), "M3": (12, 4), "B2": (16, 4), "D2": (20, 12)},
    "SI": {"I2": (8, 8), "I": (8, 8), "B1": (16, 4), "D1": (20, 12)},
    "S": {"B2": (16, 4), "D2": (20, 12), "B1": (16, 4), "D1": (20, 12)},
    "RRE": {"R1": (24, 4), "R2": (28, 4), "M1": (24, 4)},
    "SS": {**_STOR, **_SSLEN},
    "SS2": {**_STOR, **_SSLEN},
    "SRP": {**_STOR, **_SSLEN},
}

#: Largest value of simple fields by kind (first letter).
FIELD_MAX = {"R": 15, "M": 15, "X": 15, "B": 15, "I": 255, "L": 256}

_TPL = re.compile(r"^(D[12])\((?:([A-Z][0-9]?),)?(B[12])\)$")


@dataclass(frozen=True)
class Template:
    """One operand of a layout: a simple field (``kind='field'``: name) or a storage
    operand (``kind='stor'``: disp, inner field or None, base)."""
    kind: str
    name: str = ""
    disp: str = ""
    inner: str | None = None
    base: str = ""


@lru_cache(maxsize=None)
def templates(layout: str) -> tuple[Template, ...]:
    """Parse a layout string such as ``D1(L1,B1),D2(B2),I3``."""
    if not layout:
        return ()
    parts, depth, cur = [], 0, ""
    for ch in layout:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    out = []
    for p in parts:
        m = _TPL.match(p)
        if m:
            out.append(Template("stor", disp=m.group(1), inner=m.group(2), base=m.group(3)))
        elif re.fullmatch(r"[A-Z][0-9]?", p):
            out.append(Template("field", name=p))
        else:
            raise ValueError(f"unknown operand layout {layout!r}")
    return tuple(out)


def is_length(name: str | None) -> bool:
    """Length fields are encoded as length - 1."""
    return name in ("L", "L1", "L2")


def field_max(name: str, fmt: str) -> int:
    if is_length(name):
        return 256 if SLOTS[fmt][name][1] == 8 else 16
    width = SLOTS[fmt][name][1]
    return (1 << width) - 1


@lru_cache(maxsize=None)
def resolve_mnemonic(op: str) -> tuple[Instr, int | None] | None:
    """``(declaration, extended-branch mask or None)`` for an operation code."""
    ins = BY_MNEMONIC.get(op)
    if ins is not None:
        return ins, None
    ext = extended_mnemonics().get(op)
    if ext is not None and ext[0] in BY_MNEMONIC:
        return BY_MNEMONIC[ext[0]], ext[1]
    return None


def operand_layout(ins: Instr, mask: int | None) -> tuple[Template, ...]:
    """The operands the source gives: an extended mnemonic omits the mask."""
    t = templates(ins.operands)
    if mask is not None:
        return t[1:]
    return t


def place(word: int, length: int, fmt: str, name: str, value: int) -> int:
    bit, width = SLOTS[fmt][name]
    return word | ((value & ((1 << width) - 1)) << (length * 8 - bit - width))


def extract(word: int, length: int, fmt: str, name: str) -> int:
    bit, width = SLOTS[fmt][name]
    return (word >> (length * 8 - bit - width)) & ((1 << width) - 1)


def opcode_word(ins: Instr) -> int:
    """The instruction with only its opcode set."""
    if ins.extended:
        return ins.opcode << (ins.length * 8 - 16)
    return ins.opcode << (ins.length * 8 - 8)
