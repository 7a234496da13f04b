"""Virtual time from the instruction count, as QEMU's ``-icount``.

Every executed instruction advances time by :data:`NS_PER_INSTRUCTION`
nanoseconds (a 100-MIPS machine), whatever the host's speed, so a run is
deterministic: the same guest sees the same timer interrupts at the same
instructions on every host. While the CPU is halted with interrupts enabled, the
machine skips time forward to the next device event (:meth:`Clock.skip_to`)
instead of spinning; the skipped time is counted apart from the instructions.
"""
from __future__ import annotations

from typing import Callable

#: Virtual nanoseconds per executed instruction.
NS_PER_INSTRUCTION = 10


class Clock:
    """``now()``: virtual nanoseconds since power-on."""

    def __init__(self, instructions: Callable[[], int]):
        self._instructions = instructions
        self.skipped_ns = 0

    def now(self) -> int:
        return self._instructions() * NS_PER_INSTRUCTION + self.skipped_ns

    def skip_to(self, ns: int) -> None:
        """Advance time to ``ns`` without executing instructions (a halted CPU)."""
        now = self.now()
        if ns > now:
            self.skipped_ns += ns - now


def instructions_until(clock: Clock, deadline: int | None) -> int | None:
    """How many instructions run before virtual time reaches ``deadline`` (at least 1)."""
    if deadline is None:
        return None
    return max(1, -(-(deadline - clock.now()) // NS_PER_INSTRUCTION))
