"""Exceptions that carry IA-32 architectural events out of instruction handlers.

Handlers never deliver exceptions themselves: they raise :class:`CPUFault`, and the
run loop (``ia32.cpu.CPU.run``) restores EIP to the start of the faulting
instruction and calls ``cpu.deliver(vector, error_code, soft=False)``, which
dispatches through the IVT (real mode) or the IDT (protected mode, ia32sys's
``ia32.interrupts``). A fault raised while delivering becomes #DF, and a fault while
delivering #DF shuts the processor down (80386 PRM section 9.8.8, "Interrupt 8 --
Double Fault"); shutdown is a stop reason of the run loop, never a Python error.

Vector numbers: 80386 Programmer's Reference Manual (1986), Table 9-1 "Interrupt
and Exception ID Assignments"; #AC (17) is the 486's alignment check.
"""
from __future__ import annotations

DE = 0    #: divide error (DIV/IDIV quotient too large or divisor zero)
DB = 1    #: debug exception
NMI = 2   #: non-maskable interrupt
BP = 3    #: breakpoint (INT3)
OF = 4    #: overflow (INTO with OF=1)
BR = 5    #: bounds check (BOUND)
UD = 6    #: invalid opcode
NM = 7    #: coprocessor not available (ESC/WAIT with CR0.EM or CR0.TS)
DF = 8    #: double fault (error code 0)
TS = 10   #: invalid TSS (error code: selector)
NP = 11   #: segment not present (error code: selector)
SS = 12   #: stack exception (error code: selector or 0)
GP = 13   #: general protection (error code: selector or 0)
PF = 14   #: page fault (error code: P, W/R, U/S bits; CR2 holds the address)
MF = 16   #: coprocessor error
AC = 17   #: alignment check (486+, error code 0)

#: Vectors whose exception pushes an error code (80386 PRM Table 9-7).
WITH_ERROR_CODE = frozenset({DF, TS, NP, SS, GP, PF, AC})

#: Contributory exceptions for the double-fault rule (80386 PRM Table 9-3):
#: a contributory exception while delivering a contributory one gives #DF;
#: a page fault while delivering a page fault or a contributory one gives #DF.
CONTRIBUTORY = frozenset({DE, TS, NP, SS, GP})

NAMES = {DE: "#DE", DB: "#DB", NMI: "NMI", BP: "#BP", OF: "#OF", BR: "#BR", UD: "#UD",
         NM: "#NM", DF: "#DF", TS: "#TS", NP: "#NP", SS: "#SS", GP: "#GP", PF: "#PF",
         MF: "#MF", AC: "#AC"}


class MachineError(Exception):
    """An error the user caused (bad image, bad option, image too large for memory).

    The message is one line fit to print as it is; the CLI prints it and exits
    with status 2. Never raised for anything a guest program does.
    """


class CPUFault(Exception):
    """A processor exception recognised while executing an instruction.

    ``vector`` is the exception number (the constants above); ``error_code`` the
    value pushed on the handler's stack, or None for exceptions that push none
    (for vectors in WITH_ERROR_CODE, None means 0). For #PF, the raiser has
    already set CR2. Raise it from anywhere inside an instruction: the run loop
    makes it a fault on the instruction (EIP of the instruction's first byte,
    prefixes included). Traps that report the next instruction (INT n, INT3,
    INTO) are not raised this way; their handlers call ``cpu.deliver`` directly.
    """

    def __init__(self, vector: int, error_code: int | None = None):
        if error_code is None and vector in WITH_ERROR_CODE:
            error_code = 0
        super().__init__(vector, error_code)
        self.vector = vector
        self.error_code = error_code

    def __str__(self) -> str:
        name = NAMES.get(self.vector, f"vector {self.vector}")
        return name if self.error_code is None else f"{name}({self.error_code:#x})"
