"""The instruction table: ONE declaration per instruction.

The CPU compiles its handlers from these declarations (``s370.isa.build``), and the
assembler and disassembler read the same mnemonics, opcodes, formats and operand
layouts. No other opcode list exists anywhere in the project.

A declaration's ``body`` is a short Python source fragment over named operands. The
names available in a fragment depend on the format (see ``FIELDS``):

RR   r1 r2 (i = the whole second byte, for SVC)     RX  r1 x2 b2 d2 addr
RS   r1 r3 b2 d2 addr                               SI  i2 b1 d1 addr
S    b2 d2 addr (two-byte opcode)                   RRE r1 r2 (two-byte opcode)
SS   l b1 d1 addr1 b2 d2 addr2 (one length code)    SS2 l1 l2 ... addr1 addr2
SRP  l1 i3 addr1 addr2

plus ``cpu`` (the CPU), ``R`` (``cpu.gpr``), ``m``/``p`` (the buffer and offset
holding the instruction bytes) and the helpers a family module exports in its
``HELPERS`` dict. Handlers never advance the instruction address: the run loop has
already set ``cpu.ia`` to the next instruction before the handler runs; branches
assign ``cpu.ia``.
"""
from __future__ import annotations

from dataclasses import dataclass

#: Default assembler operand layout of each format. A declaration may override it
#: (BC takes a mask, shifts take no R3, SVC an immediate, ...).
LAYOUTS = {
    "RR": "R1,R2",
    "RX": "R1,D2(X2,B2)",
    "RS": "R1,R3,D2(B2)",
    "SI": "D1(B1),I2",
    "S": "D2(B2)",
    "RRE": "R1,R2",
    "SS": "D1(L,B1),D2(B2)",
    "SS2": "D1(L1,B1),D2(L2,B2)",
    "SRP": "D1(L1,B1),D2(B2),I3",
}


@dataclass(frozen=True)
class Instr:
    """One machine instruction.

    opcode: one byte, or two bytes (``0xB205``) for the extended-opcode groups
    B2, 9C-9F and E6. ``layout`` is the assembler operand syntax (see LAYOUTS).
    ``cls`` names the cost-model class of the instruction (``general``, ``branch``,
    ``decimal``, ``float``, ``control``, ``io``).
    """

    mnemonic: str
    opcode: int
    fmt: str
    body: str
    priv: bool = False
    layout: str | None = None
    cls: str = "general"
    helpers: dict | None = None

    @property
    def length(self) -> int:
        op = self.opcode >> 8 if self.opcode > 0xFF else self.opcode
        return (2, 4, 4, 6)[op >> 6]

    @property
    def operands(self) -> str:
        """The layout; None means the format's default, "" means no operands (PTLB)."""
        return LAYOUTS[self.fmt] if self.layout is None else self.layout

    @property
    def extended(self) -> bool:
        return self.opcode > 0xFF


def instr(mnemonic: str, opcode: int, fmt: str, body: str, *, priv: bool = False,
          layout: str | None = None, cls: str = "general") -> Instr:
    """Declare an instruction (used by the family modules)."""
    if fmt not in LAYOUTS:
        raise ValueError(f"{mnemonic}: unknown format {fmt}")
    return Instr(mnemonic, opcode, fmt, body, priv, layout, cls)


#: Extended branch mnemonics (HLASM): name -> (base mnemonic, mask). The RR forms
#: end in R. Assembler and disassembler share this table.
EXTENDED_BRANCHES = {
    "B": 15, "NOP": 0, "BH": 2, "BL": 4, "BE": 8, "BNH": 13, "BNL": 11, "BNE": 7,
    "BO": 1, "BP": 2, "BM": 4, "BZ": 8, "BNP": 13, "BNM": 11, "BNZ": 7, "BNO": 14,
}


def extended_mnemonics() -> dict[str, tuple[str, int]]:
    """All extended mnemonics, RX and RR forms: e.g. BE -> (BC, 8), BER -> (BCR, 8)."""
    out = {}
    for name, mask in EXTENDED_BRANCHES.items():
        out[name] = ("BC", mask)
        out[name + "R"] = ("BCR", mask)
    return out
