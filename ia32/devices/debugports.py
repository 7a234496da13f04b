"""The emulator conventions test programs report through.

- POST codes (ports 80 and 190): each byte written is recorded, in order. 80 is
  the PC's manufacturing-test port; 190 is where barotto's test386.asm writes its
  test numbers by default.
- Debug console (port E9): each byte written is console text, as Bochs' "port E9
  hack" and QEMU's isa-debugcon; a read returns E9 so guests can detect it.
- Exit (port F4): a write of v ends the run with exit status (v << 1) | 1, as
  QEMU's isa-debug-exit (so 0 -> 1, 1 -> 3); any width up to a dword.
"""
from __future__ import annotations

from typing import Callable

POST_PORTS = (0x80, 0x190)
DEBUGCON_PORT = 0xE9
EXIT_PORT = 0xF4


class PostPort:
    """Records the POST codes written to ports 80 and 190."""

    def __init__(self) -> None:
        self.codes: list[int] = []

    def attach(self, bus) -> None:
        for port in POST_PORTS:
            bus.register(port, 1, None, self.write)

    def write(self, port: int, size: int, value: int) -> None:
        self.codes.append(value & 0xFF)


class DebugConsole:
    """Port E9: ``output(byte)`` gets each byte."""

    def __init__(self, output: Callable[[int], None]):
        self.output = output

    def attach(self, bus) -> None:
        bus.register(DEBUGCON_PORT, 1, lambda p, s: DEBUGCON_PORT, self.write)

    def write(self, port: int, size: int, value: int) -> None:
        self.output(value & 0xFF)


class ExitPort:
    """Port F4: ``stop(status)`` ends the run with status (v << 1) | 1."""

    def __init__(self, stop: Callable[[int], None]):
        self.stop = stop

    def attach(self, bus) -> None:
        bus.register(EXIT_PORT, 1, None, self.write, widths=1 | 2 | 4)

    def write(self, port: int, size: int, value: int) -> None:
        self.stop(((value & ((1 << (8 * size)) - 1)) << 1) | 1)
