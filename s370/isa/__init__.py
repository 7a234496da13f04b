"""The S/370 instruction set: the table (declarations) and the compiled handlers.

``TABLE`` lists every instruction; ``BY_MNEMONIC`` and ``BY_OPCODE`` index it;
``HANDLERS`` is the 256-entry dispatch list the CPU uses (two-byte opcode groups
get a second-level dispatcher); ``LENGTH`` gives the instruction length by first
byte (GA22-7000: bits 0-1 of the opcode).
"""
from __future__ import annotations

from importlib import import_module

from ..errors import PGM_OPERATION, ProgramInterrupt
from .build import compile_handler
from .table import EXTENDED_BRANCHES, Instr, extended_mnemonics, instr  # noqa: F401

#: The family modules, each exporting INSTRUCTIONS (a list of Instr) and HELPERS.
FAMILIES = ("general", "decimal", "hfp", "control", "io")

TABLE: list[Instr] = []
#: mnemonic -> the helper namespace of its family (handlers and blocks use it)
HELPERS_OF: dict[str, dict] = {}
for _name in FAMILIES:
    try:
        _mod = import_module(f"{__name__}.{_name}")
    except ModuleNotFoundError as exc:  # a family not written yet
        if exc.name != f"{__name__}.{_name}":
            raise
        continue
    for _ins in _mod.INSTRUCTIONS:
        TABLE.append(_ins)
        HELPERS_OF[_ins.mnemonic] = getattr(_mod, "HELPERS", {})

BY_MNEMONIC: dict[str, Instr] = {}
BY_OPCODE: dict[int, Instr] = {}
for _ins in TABLE:
    if _ins.mnemonic in BY_MNEMONIC or _ins.opcode in BY_OPCODE:
        raise RuntimeError(f"duplicate declaration: {_ins.mnemonic} {_ins.opcode:X}")
    BY_MNEMONIC[_ins.mnemonic] = _ins
    BY_OPCODE[_ins.opcode] = _ins

LENGTH = bytes((2, 4, 4, 6)[op >> 6] for op in range(256))

#: First bytes that introduce a two-byte opcode.
GROUPS = sorted({ins.opcode >> 8 for ins in TABLE if ins.extended})


def operation_exception(cpu, m, p):
    """Handler for every undefined opcode."""
    raise ProgramInterrupt(PGM_OPERATION)


def _group_dispatcher(table):
    def group(cpu, m, p):
        return table[m[p + 1]](cpu, m, p)
    return group


def _build():
    handlers = [operation_exception] * 256
    groups = {g: [operation_exception] * 256 for g in GROUPS}
    for ins in TABLE:
        fn = compile_handler(ins, HELPERS_OF[ins.mnemonic])
        if ins.extended:
            groups[ins.opcode >> 8][ins.opcode & 0xFF] = fn
        else:
            handlers[ins.opcode] = fn
    for g, table in groups.items():
        handlers[g] = _group_dispatcher(table)
    return handlers, groups


HANDLERS, GROUP_HANDLERS = _build()


def lookup(code: bytes | bytearray, offset: int = 0) -> Instr | None:
    """The declaration of the instruction whose bytes start at ``offset``."""
    op = code[offset]
    if op in GROUP_HANDLERS:
        return BY_OPCODE.get((op << 8) | code[offset + 1])
    return BY_OPCODE.get(op)
