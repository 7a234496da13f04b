"""The 8042 keyboard controller's ports (60 data, 64 status/command) and port 92.

Enough of the controller for the code a kernel or BIOS runs at start-up: the status
register (output/input buffer full, system flag, keyboard unlocked), the
controller self test (AA -> 55), the interface test (AB -> 00), the command byte
(20/60), the output port (D0/D1, whose bit 1 is the A20 gate and bit 0 the CPU
reset line), A20 on/off (DF/DD), and the reset pulse (FE). Port 92 is the PS/2
"system control port A": bit 1 A20, bit 0 a fast reset. A keyboard answers 60
commands with ACK (FA), and reset (FF) with FA AA. There are no keystrokes.

A reset request ends the run (``machine.request_reset``), as QEMU's -no-reboot does;
the A20 gate is recorded, and memory is always addressed with A20 on.
"""
from __future__ import annotations

from typing import Callable

ST_OBF, ST_IBF, ST_SYSTEM, ST_COMMAND, ST_UNLOCKED = 0x01, 0x02, 0x04, 0x08, 0x10


class KeyboardController:
    """``reset()`` is called when the guest pulses the CPU reset line."""

    def __init__(self, reset: Callable[[], None]):
        self.reset = reset
        self.out: list[int] = []
        self.command_byte = 0x45       # keyboard interrupt on, system flag, translation
        self.output_port = 0x03        # A20 on, reset line high (inactive)
        self.pending: int | None = None   # a controller command waiting for its data byte
        self.last_was_command = False
        self.port92 = 0x00

    @property
    def a20(self) -> bool:
        return bool(self.output_port & 0x02 or self.port92 & 0x02)

    def attach(self, bus) -> None:
        bus.register(0x60, 1, self.read, self.write)
        bus.register(0x64, 1, self.read, self.write)
        bus.register(0x92, 1, lambda p, s: self.port92, self.write92)

    def read(self, port: int, size: int) -> int:
        if port == 0x64:
            status = ST_UNLOCKED | (self.command_byte & ST_SYSTEM)
            if self.out:
                status |= ST_OBF
            if self.last_was_command:
                status |= ST_COMMAND
            return status
        return self.out.pop(0) if self.out else 0

    def write(self, port: int, size: int, value: int) -> None:
        value &= 0xFF
        self.last_was_command = port == 0x64
        if port == 0x64:
            self._command(value)
        elif self.pending is not None:
            self._command_data(self.pending, value)
            self.pending = None
        else:                                      # a byte for the keyboard itself
            self.out += [0xFA, 0xAA] if value == 0xFF else [0xFA]

    def _command(self, cmd: int) -> None:
        if cmd == 0x20:
            self.out.append(self.command_byte)
        elif cmd in (0x60, 0xD1):
            self.pending = cmd
        elif cmd == 0xAA:
            self.command_byte |= ST_SYSTEM
            self.out.append(0x55)
        elif cmd == 0xAB:
            self.out.append(0x00)
        elif cmd == 0xD0:
            self.out.append(self.output_port)
        elif cmd == 0xDD:
            self.output_port &= ~0x02
        elif cmd == 0xDF:
            self.output_port |= 0x02
        elif cmd & 0xF0 == 0xF0 and not cmd & 0x01:
            self.reset()                           # FE (and any pulse including bit 0)

    def _command_data(self, cmd: int, value: int) -> None:
        if cmd == 0x60:
            self.command_byte = value
        else:
            self.output_port = value
            if not value & 0x01:
                self.reset()

    def write92(self, port: int, size: int, value: int) -> None:
        self.port92 = value & 0x03
        if value & 0x01:
            self.reset()
