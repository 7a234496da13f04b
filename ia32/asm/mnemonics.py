"""The mnemonics the assembler knows: the table's (``ia32.isa.table``, aliases
included) and NASM's spellings of a few of its forms. The line grammar's
MNEMONIC terminal and the encoder both read them from here."""
from __future__ import annotations

from ia32.isa.table import by_mnemonic

FORMS: dict = {}
for _name, _forms in by_mnemonic().items():
    if " " not in _name:
        FORMS[_name.lower()] = [f for f in _forms if f.asm]

#: NASM's size-suffixed spellings of the table's 16-bit forms.
W_SUFFIX = {"pushaw": "pusha", "popaw": "popa", "pushfw": "pushf", "popfw": "popf",
            "iretw": "iret"}
#: Mnemonics that mean the form of the current operand size.
DEFAULT_SIZE = {"pusha": ("pusha", "pushad"), "popa": ("popa", "popad"),
                "pushf": ("pushf", "pushfd"), "popf": ("popf", "popfd"),
                "iret": ("iret", "iretd")}
ALIASES = {"retn": "ret"}

MNEMONICS = frozenset(FORMS) | frozenset(W_SUFFIX) | frozenset(ALIASES)
