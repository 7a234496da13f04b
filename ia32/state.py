"""The layout of the processor state that every part of ``ia32`` names: register
numbers, control-register bits, segment rights, and the segment cache.

It sits below ``ia32.cpu`` (which holds the state and the run loop) so that the
instruction semantics (``ia32.isa``) and the system-architecture modules
(``ia32.segments``, ``ia32.interrupts``, ``ia32.paging``, ``ia32.tasks``) can use
the names without importing the CPU: the CPU imports them, never the reverse.
"""
from __future__ import annotations

ES, CS, SS, DS, FS, GS = range(6)
SREG_NAMES = ("ES", "CS", "SS", "DS", "FS", "GS")
EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI = range(8)
REG_NAMES = ("EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI")

# CR0 bits (PRM 4.1.3 "Control Registers"; WP, NE, NW, CD are the 486's)
CR0_PE = 0x1
CR0_MP = 0x2
CR0_EM = 0x4
CR0_TS = 0x8
CR0_ET = 0x10
CR0_NE = 0x20
CR0_WP = 0x10000
CR0_AM = 0x40000
CR0_PG = 0x80000000
CR4_PSE = 0x10

#: segment rights (descriptor bits 8..23 in place, as LAR returns them)
RIGHTS_P = 0x8000
RIGHTS_S = 0x1000
RIGHTS_CODE = 0x0800
RIGHTS_EXPAND_DOWN = 0x0400   #: data segments
RIGHTS_WRITABLE = 0x0200      #: data segments
RIGHTS_READABLE = 0x0200      #: code segments
RIGHTS_DB = 0x400000
RIGHTS_G = 0x800000
#: what real mode and V86 mode leave in a cache: present, DPL 0 (V86: 3),
#: read/write data, accessed
RIGHTS_REAL = 0x9300
RIGHTS_V86 = 0xF300

#: the CPUID signature (family 4, model 8: an Intel 486DX4) also left in EDX by reset
CPU_SIGNATURE = 0x0480


class Segment:
    """A segment register: its selector and the descriptor cache behind it.

    ``rights`` holds descriptor bits 8..23 in place (type, S, DPL, P, AVL, D/B, G).
    ``rlo``/``rhi`` and ``wlo``/``whi`` are the first and last offsets a read and a
    write may touch (expand-down applied; ``rhi``/``whi`` = -1 when not allowed at
    all), so an access of n bytes at ``off`` is valid iff
    ``rlo <= off and off + n - 1 <= rhi``. ``flat``: see ``set``.
    """

    __slots__ = ("selector", "base", "limit", "rights", "big", "rlo", "rhi", "wlo", "whi",
                 "flat")

    def __init__(self, selector: int = 0, base: int = 0, limit: int = 0xFFFF,
                 rights: int = RIGHTS_REAL):
        self.set(selector, base, limit, rights)

    def set(self, selector: int, base: int, limit: int, rights: int) -> None:
        self.selector = selector
        self.base = base & 0xFFFFFFFF
        self.limit = limit
        self.rights = rights
        self.big = 1 if rights & RIGHTS_DB else 0
        lo, hi = 0, limit
        if rights & RIGHTS_S and not rights & RIGHTS_CODE and rights & RIGHTS_EXPAND_DOWN:
            lo, hi = limit + 1, 0xFFFFFFFF if self.big else 0xFFFF
        readable = rights & RIGHTS_P and rights & RIGHTS_S and (
            not rights & RIGHTS_CODE or rights & RIGHTS_READABLE)
        writable = rights & RIGHTS_P and rights & RIGHTS_S and not rights & RIGHTS_CODE \
            and rights & RIGHTS_WRITABLE
        self.rlo, self.rhi = (lo, hi) if readable else (0, -1)
        self.wlo, self.whi = (lo, hi) if writable else (0, -1)
        #: base 0, every offset readable and writable, B=1: translated code may skip
        #: the limit check and use ESP (the CPU retranslates when this changes)
        self.flat = self.base == 0 and self.rlo == self.wlo == 0 and \
            self.rhi == self.whi == 0xFFFFFFFF and self.big == 1

    @property
    def dpl(self) -> int:
        return (self.rights >> 13) & 3

    def __repr__(self) -> str:
        return (f"Segment(sel={self.selector:04X} base={self.base:08X} "
                f"limit={self.limit:08X} rights={self.rights:06X})")
