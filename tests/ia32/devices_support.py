"""What the device tests share: a virtual clock the test moves by hand, an I/O bus,
and an interrupt line that records its levels."""
from __future__ import annotations

from ia32.devices.clock import NS_PER_INSTRUCTION, Clock
from ia32.iobus import IOBus


class ManualClock(Clock):
    """A clock whose instruction count the test sets (``advance_ns``)."""

    def __init__(self) -> None:
        self.count = 0
        super().__init__(lambda: self.count)

    def advance_ns(self, ns: int) -> None:
        self.skip_to(self.now() + ns)


class Line:
    """An interrupt line: ``level`` is its state, ``levels`` every change."""

    def __init__(self) -> None:
        self.level = 0
        self.levels: list[int] = []

    def __call__(self, level: int) -> None:
        self.level = level
        self.levels.append(level)


def bus_with(*devices) -> IOBus:
    bus = IOBus()
    for device in devices:
        device.attach(bus)
    return bus


__all__ = ["ManualClock", "Line", "bus_with", "NS_PER_INSTRUCTION"]
