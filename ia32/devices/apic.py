"""Local APIC register page at FEE00000 (the subset a small kernel uses).

Register layout and semantics from the Intel SDM Vol. 3A, chapter 11 ("Advanced
Programmable Interrupt Controller"), Table 11-1 "Local APIC Register Address Map":
ID (020), version (030: a P6-family APIC, version 14h with 6 LVT entries), TPR
(080), APR (090), PPR (0A0), EOI (0B0), LDR (0D0), DFR (0E0), SVR (0F0), ISR/TMR/
IRR (100-270), ESR (280), ICR (300/310: fixed and NMI IPIs to itself, there is one
processor),
the LVT (320-370), and the timer's initial count (380), current count (390) and
divide configuration (3E0). The timer counts down the virtual clock's nanoseconds
(a 1 GHz bus clock, as QEMU's) divided by the configured divisor, one-shot or
periodic; at zero it requests the LVT timer vector. Vectors in IRR are delivered
highest first when their priority class is above the processor priority (PPR,
section 11.8.3.1), and EOI retires the highest in ISR.

While the APIC is software-disabled (SVR bit 8 clear, the reset state) the 8259's
INTR goes to the processor unchanged; once enabled it passes only when LINT0 is
unmasked in ExtINT mode (the virtual-wire configuration firmware sets up).
"""
from __future__ import annotations

from .clock import Clock

APIC_BASE = 0xFEE00000
VERSION = 0x00050014                  # version 14h, max LVT entry 5
LVT_MASKED = 1 << 16
_DIVISORS = (2, 4, 8, 16, 32, 64, 128, 1)
REG_ID, REG_VERSION, REG_TPR, REG_APR, REG_PPR, REG_EOI = 0x20, 0x30, 0x80, 0x90, 0xA0, 0xB0
REG_LDR, REG_DFR, REG_SVR, REG_ESR, REG_ICR_LO, REG_ICR_HI = 0xD0, 0xE0, 0xF0, 0x280, 0x300, 0x310
REG_LVT_TIMER, REG_LVT_LINT0, REG_LVT_ERROR = 0x320, 0x350, 0x370
REG_INITIAL, REG_CURRENT, REG_DIVIDE = 0x380, 0x390, 0x3E0
_LVT = range(0x320, 0x380, 0x10)


class LocalAPIC:
    """One processor's local APIC; ``changed()`` is called when its output may have."""

    def __init__(self, clock: Clock, changed=lambda: None, nmi=lambda: None):
        self.clock = clock
        self.changed = changed
        self.nmi = nmi
        self.id = 0
        self.tpr = 0
        self.ldr = 0
        self.dfr = 0xFFFFFFFF
        self.svr = 0xFF
        self.esr = 0
        self.icr = 0
        self.lvt = {reg: LVT_MASKED for reg in _LVT}
        self.irr = 0                   # 256-bit vectors as ints
        self.isr = 0
        self.tmr = 0
        self.initial = 0
        self.divide = 0
        self.timer_start = 0           # virtual ns at which the count was loaded
        self.timer_fired = 0           # expiries already requested

    def attach(self, memory) -> None:
        memory.map_mmio(APIC_BASE, 0x1000, self.read, self.write)

    @property
    def enabled(self) -> bool:
        return bool(self.svr & 0x100)

    # --- the timer --------------------------------------------------------------------
    def _divisor(self) -> int:
        d = self.divide
        return _DIVISORS[(d & 3) | ((d >> 1) & 4)]

    def _periodic(self) -> bool:
        return (self.lvt[REG_LVT_TIMER] >> 17) & 3 == 1

    def _ticks(self) -> int:
        return (self.clock.now() - self.timer_start) // self._divisor()

    def current_count(self) -> int:
        if not self.initial:
            return 0
        ticks = self._ticks()
        if self._periodic():
            return self.initial - ticks % self.initial
        return max(0, self.initial - ticks)

    def _expiries(self) -> int:
        """Times the count has reached zero since it was loaded."""
        if not self.initial:
            return 0
        expiries = self._ticks() // self.initial
        return expiries if self._periodic() else min(expiries, 1)

    def next_event(self) -> int | None:
        if not self.initial or self.lvt[REG_LVT_TIMER] & LVT_MASKED:
            return None
        if not self._periodic() and self.timer_fired:
            return None
        return self.timer_start + (self.timer_fired + 1) * self.initial * self._divisor()

    def update(self) -> None:
        """Request the timer vector when the count has reached zero again (expiries
        while masked are lost, as the LVT mask blocks the request)."""
        expiries = self._expiries()
        if expiries > self.timer_fired:
            self.timer_fired = expiries
            lvt = self.lvt[REG_LVT_TIMER]
            if not lvt & LVT_MASKED:
                self.request(lvt & 0xFF)

    # --- interrupts -------------------------------------------------------------------
    def request(self, vector: int) -> None:
        if vector < 16:
            self.esr |= 0x40           # received illegal vector
            return
        self.irr |= 1 << vector
        self.changed()

    def _ppr(self) -> int:
        isrv = self.isr.bit_length() - 1 if self.isr else 0
        return self.tpr & 0xFF if (self.tpr >> 4) >= (isrv >> 4) else isrv & 0xF0

    def pending_vector(self) -> int | None:
        """The vector the APIC would deliver now, or None."""
        if not self.irr or not self.enabled:
            return None
        vector = self.irr.bit_length() - 1
        return vector if (vector >> 4) > (self._ppr() >> 4) else None

    def acknowledge(self) -> int:
        vector = self.pending_vector()
        if vector is None:
            return self.svr & 0xFF     # the spurious-interrupt vector
        self.irr &= ~(1 << vector)
        self.isr |= 1 << vector
        self.changed()
        return vector

    def passes_extint(self) -> bool:
        """Whether the 8259's INTR reaches the processor through LINT0."""
        lint0 = self.lvt[REG_LVT_LINT0]
        return not self.enabled or (not lint0 & LVT_MASKED and (lint0 >> 8) & 7 == 7)

    # --- the register page ------------------------------------------------------------
    def read(self, addr: int, size: int) -> int:
        off = addr & 0xFFF
        value = self._register(off & 0xFF0)
        shift = 8 * (off & 3)          # sub-dword reads see the register's bytes
        return (value >> shift) & ((1 << (8 * size)) - 1)

    def _register(self, reg: int) -> int:
        if reg == REG_ID:
            return self.id << 24
        if reg == REG_VERSION:
            return VERSION
        if reg == REG_TPR:
            return self.tpr
        if reg == REG_PPR:
            return self._ppr()
        if reg == REG_LDR:
            return self.ldr
        if reg == REG_DFR:
            return self.dfr
        if reg == REG_SVR:
            return self.svr
        if 0x100 <= reg < 0x280:
            bank = {0x100: self.isr, 0x180: self.tmr, 0x200: self.irr}[reg & 0x380]
            return (bank >> (32 * ((reg >> 4) & 7))) & 0xFFFFFFFF
        if reg == REG_ESR:
            return self.esr
        if reg == REG_ICR_LO:
            return self.icr & 0xFFFFFFFF
        if reg == REG_ICR_HI:
            return self.icr >> 32
        if reg in self.lvt:
            return self.lvt[reg]
        if reg == REG_INITIAL:
            return self.initial
        if reg == REG_CURRENT:
            return self.current_count()
        if reg == REG_DIVIDE:
            return self.divide
        return 0

    def write(self, addr: int, size: int, value: int) -> None:
        reg = addr & 0xFF0
        if reg == REG_ID:
            self.id = (value >> 24) & 0xFF
        elif reg == REG_TPR:
            self.tpr = value & 0xFF
        elif reg == REG_EOI:
            if self.isr:
                self.isr &= ~(1 << (self.isr.bit_length() - 1))
        elif reg == REG_LDR:
            self.ldr = value & 0xFF000000
        elif reg == REG_DFR:
            self.dfr = value | 0x0FFFFFFF
        elif reg == REG_SVR:
            self.svr = value & 0x3FF
            if not self.enabled:       # software disable masks every LVT entry
                for lvt in _LVT:
                    self.lvt[lvt] |= LVT_MASKED
        elif reg == REG_ESR:
            self.esr = 0               # a write latches (and here clears) the errors
        elif reg == REG_ICR_HI:
            self.icr = (self.icr & 0xFFFFFFFF) | (value << 32)
        elif reg == REG_ICR_LO:
            self.icr = (self.icr & ~0xFFFFFFFF) | (value & ~(1 << 12))
            self._ipi(value)
        elif reg in self.lvt:
            if not self.enabled:
                value |= LVT_MASKED
            self.lvt[reg] = value & (0x7A7FF if reg == REG_LVT_TIMER else 0x1A7FF)
            if reg == REG_LVT_TIMER:
                self.timer_fired = self._expiries()
        elif reg == REG_INITIAL:
            self.initial = value
            self.timer_start = self.clock.now()
            self.timer_fired = 0
        elif reg == REG_DIVIDE:
            self.divide = value & 0x0B
        self.changed()

    def _ipi(self, low: int) -> None:
        """IPIs to this processor (shorthand self or all including self, or its own
        ID, physical destination): fixed mode requests the vector, NMI mode (100b)
        raises the processor's NMI."""
        shorthand = (low >> 18) & 3
        to_self = shorthand in (1, 2) or (shorthand == 0 and (self.icr >> 56) == self.id)
        mode = (low >> 8) & 7
        if to_self and mode == 0:
            self.request(low & 0xFF)
        elif to_self and mode == 4:
            self.nmi()
