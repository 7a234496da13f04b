"""Register names as the assembler sees them: class, number (the ModRM/opcode field
value) and size in bits (80386 PRM section 17.2.1, Table 17-2 and 17-3)."""
from __future__ import annotations

from typing import NamedTuple


class RegInfo(NamedTuple):
    cls: str        # 'r8' 'r16' 'r32' 'sreg' 'cr' 'dr' 'tr'
    num: int
    bits: int


def _table() -> dict:
    regs = {}
    for cls, bits, names in (("r8", 8, "al cl dl bl ah ch dh bh"),
                             ("r16", 16, "ax cx dx bx sp bp si di"),
                             ("r32", 32, "eax ecx edx ebx esp ebp esi edi"),
                             ("sreg", 16, "es cs ss ds fs gs")):
        for n, name in enumerate(names.split()):
            regs[name] = RegInfo(cls, n, bits)
    for n in range(8):
        regs[f"cr{n}"] = RegInfo("cr", n, 32)
        regs[f"dr{n}"] = RegInfo("dr", n, 32)
        regs[f"tr{n}"] = RegInfo("tr", n, 32)
    return regs


REGISTERS: dict = _table()

#: Names by class and number, for the disassembler.
NAMES: dict = {(r.cls, r.num): name for name, r in REGISTERS.items()}
