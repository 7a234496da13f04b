"""The virtual PC's devices: the generic devices of ia32/devices, wired as the
bare machine wires them (ia32/machine.py) on the virtual machine's own
instruction clock, with the interrupt line going to CP instead of the CPU.

COM1 (a 16550A at 3F8, IRQ 4) is the guest's console: what it transmits, and
what it writes to the debug console at E9, is the user's terminal under CP (one
line at a time) and the run's console text. The 8254 (40-43, IRQ 0), the 8259A
pair (20-21, A0-A1), the CMOS/RTC (70-71, IRQ 8), the keyboard controller's
reset line (64, 92), POST codes (80, 190) and the exit port (F4) complete it. No
local APIC: the virtual PC is a uniprocessor AT.

The guest's IN and OUT trap (the real IOPL is 0) and CP runs them against this
bus (ia32_emulate.io); the 8259's output is a *virtual* interrupt that CP
presents through the guest's IDT when the guest's IF allows (ia32.py).
"""
from __future__ import annotations

from typing import Callable

from ia32.devices.clock import NS_PER_INSTRUCTION, Clock, instructions_until
from ia32.devices.cmos import CMOS
from ia32.devices.debugports import DebugConsole, ExitPort, PostPort
from ia32.devices.kbc import KeyboardController
from ia32.devices.pic import PICPair
from ia32.devices.pit import PIT8254
from ia32.devices.uart import UART16550
from ia32.iobus import IOBus


class VirtualPC:
    """One VM's devices. ``now`` is the VM's instruction clock (the real CPU's
    ``now``); ``console(byte)`` gets each console byte; ``exit(status)`` the exit
    port's status; ``reset()`` the keyboard controller's reset pulse."""

    def __init__(self, now: Callable[[], int], memory_size: int, console: Callable[[int], None],
                 exit: Callable[[int], None], reset: Callable[[], None]):
        self.clock = clock = Clock(now)
        self.bus = IOBus()
        self.pics = PICPair(lambda level: None)
        self.uart = UART16550(clock, console, self.pics.irq_line(4))
        self.pit = PIT8254(clock, self.pics.irq_line(0))
        self.cmos = CMOS(clock, memory_size, irq=self.pics.irq_line(8))
        self.post = PostPort()
        kbc = KeyboardController(reset, self.pics.irq_line(1), self.pics.irq_line(12))
        for device in (self.pics, self.uart, self.pit, self.cmos, kbc, self.post,
                       DebugConsole(console), ExitPort(exit)):
            device.attach(self.bus)
        self.timed = (self.pit, self.uart, self.cmos)

    def next_event(self) -> int | None:
        """Virtual nanoseconds of the next device event, or None."""
        events = [t for t in (d.next_event() for d in self.timed) if t is not None]
        return min(events) if events else None

    def until_event(self) -> int | None:
        """Instructions before the next device event (at least 1), or None."""
        return instructions_until(self.clock, self.next_event())

    def update(self) -> None:
        for device in self.timed:
            device.update()

    def pending(self) -> bool:
        """The 8259's INT output: an interrupt request waits."""
        return bool(self.pics.int_output)

    def acknowledge(self) -> int:
        """The INTA cycle: the vector of the interrupt being taken."""
        return self.pics.acknowledge()

    def idle(self) -> bool:
        """Skip virtual time to the next device event (a guest halted with IF=1);
        False if no event can come."""
        deadline = self.next_event()
        if deadline is None:
            return False
        self.clock.skip_to(max(deadline, self.clock.now() + NS_PER_INSTRUCTION))
        self.update()
        return True
