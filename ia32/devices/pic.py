"""8259A programmable interrupt controller, the PC/AT's master/slave pair.

Behaviour from the Intel 8259A datasheet (order 231468): initialization command
words ICW1-ICW4 ("Initialization Command Words"), operation command words OCW1-3
("Operation Command Words"), fully nested mode with priority rotation, specific
and non-specific EOI, automatic EOI, special mask mode, the poll command, IRR/ISR
reads, and cascading. Inputs are edge triggered unless ICW1 set LTIM: a rising edge
sets the IRR bit; the input must then stay high until the interrupt is
acknowledged, and a request that goes away first is withdrawn. An INTA cycle with
no request left returns IR7's vector without setting ISR, the 8259A's spurious
interrupt (datasheet, "Edge and Level Triggered Modes").

On the AT the slave's INT output drives the master's IR2 and the slave supplies the
vector when the master acknowledges IR2.
"""
from __future__ import annotations

from typing import Callable


class PIC8259:
    """One 8259A. ``output(level)`` is called when its INT output changes."""

    def __init__(self, output: Callable[[int], None]):
        self.output = output
        self.irr = 0
        self.isr = 0
        self.imr = 0xFF
        self.lines = 0             # current input levels, for edge detection
        self.base = 0              # ICW2 vector base (T7-T3)
        self.icw3 = 0              # master: inputs with slaves; slave: its ID
        self.icw4 = 0
        self.level_triggered = False
        self.lowest = 7            # the lowest-priority IR (rotation)
        self.read_isr = False
        self.poll = False
        self.special_mask = False
        self.rotate_on_aeoi = False
        self.init_step = 0         # 0: initialized; 2, 3, 4: the ICW expected next
        self.needs_icw3 = True     # cascade mode (ICW1 SNGL clear), the AT's wiring
        self.needs_icw4 = False
        self.slave: PIC8259 | None = None   # the slave on master input 2 (cascade)
        self._int = 0

    # --- the IR inputs ---------------------------------------------------------------
    def set_irq(self, irq: int, level: int) -> None:
        bit = 1 << irq
        if level:
            if self.level_triggered or not self.lines & bit:
                self.irr |= bit               # rising edge (or level mode)
            self.lines |= bit
        else:
            # The request must stay high until INTA, in both modes ("Edge and Level
            # Triggered Modes"); if it goes away first, INTA gets the default IR7.
            self.lines &= ~bit
            self.irr &= ~bit
        self._update()

    # --- priorities --------------------------------------------------------------------
    def _priority_order(self):
        start = (self.lowest + 1) & 7
        return [(start + i) & 7 for i in range(8)]

    def _highest(self, bits: int) -> int | None:
        for irq in self._priority_order():
            if bits & (1 << irq):
                return irq
        return None

    def _pending_irq(self) -> int | None:
        """The request that would be granted now, or None."""
        req = self.irr & ~self.imr
        if not req:
            return None
        in_service = self.isr & ~self.imr if self.special_mask else self.isr
        if self.icw4 & 0x10 and self.slave is not None and self.needs_icw3:
            in_service &= ~self.icw3   # special fully nested: the slave may interrupt its own level
        for irq in self._priority_order():
            bit = 1 << irq
            if in_service & bit:
                return None            # a higher or equal level is in service
            if req & bit:
                return irq
        return None

    def _update(self) -> None:
        level = 1 if self._pending_irq() is not None else 0
        if level != self._int:
            self._int = level
            self.output(level)

    @property
    def int_output(self) -> int:
        return self._int

    # --- interrupt acknowledge ---------------------------------------------------------
    def acknowledge(self) -> int:
        """The INTA sequence: the vector number the CPU receives."""
        irq = self._pending_irq()
        if irq is None:
            return self.base | 7                       # spurious IR7
        bit = 1 << irq
        if not self.level_triggered:
            self.irr &= ~bit
        if self.icw4 & 0x02:                           # automatic EOI
            if self.rotate_on_aeoi:
                self.lowest = irq
        else:
            self.isr |= bit
        if self.slave is not None and self.needs_icw3 and self.icw3 & bit:
            vector = self.slave.acknowledge()
        else:
            vector = self.base | irq
        self._update()
        return vector

    # --- the two ports ------------------------------------------------------------------
    def read(self, a0: int) -> int:
        if a0:
            return self.imr
        if self.poll:                                  # poll command: read acts as INTA
            self.poll = False
            irq = self._pending_irq()
            if irq is None:
                return 0
            self.acknowledge()
            return 0x80 | irq
        return self.isr if self.read_isr else self.irr

    def write(self, a0: int, value: int) -> None:
        if not a0 and value & 0x10:
            self._icw1(value)
        elif a0 and self.init_step:
            self._icw(value)
        elif a0:
            self.imr = value                           # OCW1
        elif value & 0x08:
            self._ocw3(value)
        else:
            self._ocw2(value)
        self._update()

    def _icw1(self, value: int) -> None:
        # ICW1 clears IMR, IRR's edge latches, ISR, special mask and resets priorities;
        # status reads select IRR.
        self.level_triggered = bool(value & 0x08)
        self.needs_icw3 = not value & 0x02      # SNGL clear: cascaded, ICW3 follows
        self.needs_icw4 = bool(value & 0x01)
        self.icw4 = 0
        self.imr = 0
        self.isr = 0
        self.irr = self.lines if self.level_triggered else 0
        self.lowest = 7
        self.special_mask = False
        self.read_isr = False
        self.poll = False
        self.init_step = 2

    def _icw(self, value: int) -> None:
        if self.init_step == 2:
            self.base = value & 0xF8
            self.init_step = 3 if self.needs_icw3 else (4 if self.needs_icw4 else 0)
        elif self.init_step == 3:
            self.icw3 = value
            self.init_step = 4 if self.needs_icw4 else 0
        else:
            self.icw4 = value & 0x1F
            self.init_step = 0

    def _ocw2(self, value: int) -> None:
        command = value >> 5
        level = value & 7
        if command == 0b001 or command == 0b101:       # non-specific EOI (and rotate)
            irq = self._highest(self.isr)
            if irq is not None:
                self.isr &= ~(1 << irq)
                if command == 0b101:
                    self.lowest = irq
        elif command == 0b011 or command == 0b111:     # specific EOI (and rotate)
            self.isr &= ~(1 << level)
            if command == 0b111:
                self.lowest = level
        elif command == 0b110:                         # set priority
            self.lowest = level
        elif command == 0b100 or command == 0b000:     # rotate in AEOI mode set/clear
            self.rotate_on_aeoi = command == 0b100

    def _ocw3(self, value: int) -> None:
        if value & 0x04:
            self.poll = True
        if value & 0x02:
            self.read_isr = bool(value & 0x01)
        if value & 0x40:
            self.special_mask = bool(value & 0x20)


class PICPair:
    """The AT's cascaded pair: master at 20/21 (IRQ 0-7), slave at A0/A1 (IRQ 8-15)
    on master input 2. ``output(level)`` is the master's INT, the CPU's INTR."""

    def __init__(self, output: Callable[[int], None]):
        self.master = PIC8259(output)
        self.slave = PIC8259(lambda level: self.master.set_irq(2, level))
        self.master.slave = self.slave
        self.master.icw3 = 0x04

    def attach(self, bus) -> None:
        bus.register(0x20, 2, lambda p, s: self.master.read(p & 1),
                     lambda p, s, v: self.master.write(p & 1, v & 0xFF))
        bus.register(0xA0, 2, lambda p, s: self.slave.read(p & 1),
                     lambda p, s, v: self.slave.write(p & 1, v & 0xFF))

    def set_irq(self, irq: int, level: int) -> None:
        if irq < 8:
            self.master.set_irq(irq, level)
        else:
            self.slave.set_irq(irq - 8, level)

    def irq_line(self, irq: int) -> Callable[[int], None]:
        """A device's interrupt line: ``line(level)`` drives IRQ ``irq``."""
        return lambda level: self.set_irq(irq, level)

    def acknowledge(self) -> int:
        return self.master.acknowledge()

    @property
    def int_output(self) -> int:
        return self.master.int_output
