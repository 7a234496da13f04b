"""Exceptions that carry architectural events out of instruction handlers.

Handlers never deliver interruptions themselves: they raise, and the CPU's run loop
turns the exception into the interruption the Principles of Operation (GA22-7000,
chapter 6, "Interruptions") defines, with the right old PSW, ILC and code.
"""
from __future__ import annotations

# Program-interruption codes (GA22-7000, "Program Interruption").
PGM_OPERATION = 0x01
PGM_PRIVILEGED = 0x02
PGM_EXECUTE = 0x03
PGM_PROTECTION = 0x04
PGM_ADDRESSING = 0x05
PGM_SPECIFICATION = 0x06
PGM_DATA = 0x07
PGM_FIXED_OVERFLOW = 0x08
PGM_FIXED_DIVIDE = 0x09
PGM_DECIMAL_OVERFLOW = 0x0A
PGM_DECIMAL_DIVIDE = 0x0B
PGM_EXPONENT_OVERFLOW = 0x0C
PGM_EXPONENT_UNDERFLOW = 0x0D
PGM_SIGNIFICANCE = 0x0E
PGM_FP_DIVIDE = 0x0F
PGM_SEGMENT_TRANSLATION = 0x10
PGM_PAGE_TRANSLATION = 0x11
PGM_TRANSLATION_SPECIFICATION = 0x12
PGM_SPECIAL_OPERATION = 0x13
PGM_MONITOR = 0x40
PGM_PER = 0x80

#: Exceptions that nullify the instruction: the old PSW points at the instruction
#: itself so that it is executed again once the OS has resolved the fault.
NULLIFYING = frozenset({PGM_SEGMENT_TRANSLATION, PGM_PAGE_TRANSLATION})


class MachineError(Exception):
    """An error the user caused (bad file, bad configuration); printed without traceback."""


class ProgramInterrupt(Exception):
    """A program exception recognised while executing an instruction.

    ``ilc`` overrides the instruction-length code (EXECUTE uses it, and early PSW
    exceptions use 0); ``None`` means "the length of the instruction being executed".
    ``nullify`` is derived from the code unless given.
    """

    def __init__(self, code: int, ilc: int | None = None, nullify: bool | None = None):
        super().__init__(code)
        self.code = code
        self.ilc = ilc
        self.nullify = (code in NULLIFYING) if nullify is None else nullify


class StateChange(Exception):
    """Raised after an instruction completed when the run loop must look again at the
    PSW: masks opened, wait state entered, DAT switched, timers reset, I/O started.
    The instruction has fully completed when this is raised."""
