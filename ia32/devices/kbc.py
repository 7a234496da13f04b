"""The 8042 keyboard controller's ports (60 data, 64 status/command) and port 92.

The controller a kernel or BIOS probes at start-up (IBM PC/AT Technical Reference,
"Keyboard Controller"; the PS/2 auxiliary-port commands as Linux's i8042 driver,
include/linux/i8042.h, uses them): the status register (output/input buffer full,
system flag, command/data, keyboard unlocked, auxiliary data, time-out), the
controller self test (AA -> 55), the keyboard and auxiliary interface tests (AB, A9
-> 00), the command byte (20/60: keyboard and auxiliary interrupt enables, the
disable bits, translation), keyboard and auxiliary disable/enable (AD/AE, A7/A8,
which set and clear the command byte's disable bits), writes into the output buffer
as keyboard or auxiliary data (D2, D3: the loopback Linux tests the AUX IRQ with),
a byte for the auxiliary device (D4), the output port (D0/D1: bit 1 the A20 gate,
bit 0 the CPU reset line), A20 off/on (DD/DF) and the reset pulse (FE). Port 92 is
the PS/2 "system control port A": bit 1 A20, bit 0 a fast reset.

Every byte in the output buffer raises IRQ 1 (keyboard data) or IRQ 12 (auxiliary
data) while the command byte enables that interrupt; reading port 60 takes the
byte and drops the line, and the next byte raises it again (the 8259A is edge
triggered), one byte at a time as the real controller delivers them.

A keyboard is attached: it answers reset (FF) with FA AA, identify (F2) with FA AB
83, and every other command or command data byte with ACK (FA). No mouse is
attached: a byte for the auxiliary device (D4) gets the controller's time-out
status and FE, as a PS/2 controller with an empty auxiliary port answers. There
are no keystrokes.

A reset request ends the run (``machine.request_reset``), as QEMU's -no-reboot does;
the A20 gate is recorded, and memory is always addressed with A20 on.
"""
from __future__ import annotations

from typing import Callable

#: status register bits
ST_OBF, ST_IBF, ST_SYSTEM, ST_COMMAND, ST_UNLOCKED, ST_AUXDATA, ST_TIMEOUT = \
    0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40
#: command byte bits
CB_KBDINT, CB_AUXINT, CB_SYSTEM, CB_KBDDIS, CB_AUXDIS, CB_XLATE = 0x01, 0x02, 0x04, 0x10, 0x20, 0x40
#: controller commands that take a data byte on port 60 next
_WITH_DATA = (0x60, 0xD1, 0xD2, 0xD3, 0xD4)
#: keyboard commands whose next byte is their data (LEDs, scan-code set, typematic)
_KBD_WITH_DATA = (0xED, 0xF0, 0xF3)
_NO_LINE: Callable[[int], None] = lambda level: None


class KeyboardController:
    """``reset()`` is called when the guest pulses the CPU reset line; ``irq1`` and
    ``irq12`` drive the keyboard and auxiliary interrupt lines."""

    def __init__(self, reset: Callable[[], None], irq1: Callable[[int], None] = _NO_LINE,
                 irq12: Callable[[int], None] = _NO_LINE):
        self.reset = reset
        self.irq1, self.irq12 = irq1, irq12
        self.out: list[tuple[int, bool]] = []   # (byte, from the auxiliary port)
        self.command_byte = CB_KBDINT | CB_SYSTEM | CB_XLATE
        self.output_port = 0x03        # A20 on, reset line high (inactive)
        self.pending: int | None = None   # a controller command waiting for its data byte
        self.kbd_pending = False          # the keyboard waits for a command's data byte
        self.last_was_command = False
        self.timeout = False
        self.port92 = 0x00
        self._raised: Callable[[int], None] | None = None

    @property
    def a20(self) -> bool:
        return bool(self.output_port & 0x02 or self.port92 & 0x02)

    def attach(self, bus) -> None:
        bus.register(0x60, 1, self.read, self.write)
        bus.register(0x64, 1, self.read, self.write)
        bus.register(0x92, 1, lambda p, s: self.port92, self.write92)

    # --- the output buffer and its interrupts --------------------------------------
    def _put(self, byte: int, aux: bool = False) -> None:
        self.out.append((byte & 0xFF, aux))
        self._sync()

    def _sync(self) -> None:
        """Drive the line of the byte at the head of the buffer, if its interrupt is
        enabled, and no other."""
        want = None
        if self.out:
            aux = self.out[0][1]
            if self.command_byte & (CB_AUXINT if aux else CB_KBDINT):
                want = self.irq12 if aux else self.irq1
        if want is not self._raised:
            self._lower()
            if want is not None:
                self._raised = want
                want(1)

    def _lower(self) -> None:
        if self._raised is not None:
            self._raised(0)
            self._raised = None

    # --- ports ------------------------------------------------------------------------
    def read(self, port: int, size: int) -> int:
        if port == 0x64:
            status = ST_UNLOCKED | (self.command_byte & ST_SYSTEM)
            if self.out:
                status |= ST_OBF | (ST_AUXDATA if self.out[0][1] else 0)
            if self.last_was_command:
                status |= ST_COMMAND
            if self.timeout:
                status |= ST_TIMEOUT
            return status
        if not self.out:
            return 0
        byte = self.out.pop(0)[0]
        self._lower()                              # the next byte is a new edge
        self._sync()
        return byte

    def write(self, port: int, size: int, value: int) -> None:
        value &= 0xFF
        self.last_was_command = port == 0x64
        if port == 0x64:
            self.pending = None
            self._command(value)
        elif self.pending is not None:
            cmd, self.pending = self.pending, None
            self._command_data(cmd, value)
        else:
            self._keyboard(value)

    def _keyboard(self, value: int) -> None:
        """A byte for the keyboard: a command, or the data of the last one."""
        self.timeout = False
        if self.kbd_pending:
            self.kbd_pending = False
            self._put(0xFA)
        elif value == 0xFF:
            self._put(0xFA)
            self._put(0xAA)
        elif value == 0xF2:
            for byte in (0xFA, 0xAB, 0x83):
                self._put(byte)
        else:
            self.kbd_pending = value in _KBD_WITH_DATA
            self._put(0xFA)

    def _command(self, cmd: int) -> None:
        if cmd == 0x20:
            self._put(self.command_byte)
        elif cmd in _WITH_DATA:
            self.pending = cmd
        elif cmd == 0xAA:
            self.command_byte |= CB_SYSTEM
            self._put(0x55)
        elif cmd in (0xAB, 0xA9):
            self._put(0x00)
        elif cmd == 0xAD:
            self.command_byte |= CB_KBDDIS
        elif cmd == 0xAE:
            self.command_byte &= ~CB_KBDDIS
        elif cmd == 0xA7:
            self.command_byte |= CB_AUXDIS
        elif cmd == 0xA8:
            self.command_byte &= ~CB_AUXDIS
        elif cmd == 0xD0:
            self._put(self.output_port)
        elif cmd == 0xDD:
            self.output_port &= ~0x02
        elif cmd == 0xDF:
            self.output_port |= 0x02
        elif cmd & 0xF0 == 0xF0 and not cmd & 0x01:
            self.reset()                           # FE (and any pulse including bit 0)

    def _command_data(self, cmd: int, value: int) -> None:
        if cmd == 0x60:
            self.command_byte = value
            self._sync()                           # an interrupt enable may have changed
        elif cmd == 0xD1:
            self.output_port = value
            if not value & 0x01:
                self.reset()
        elif cmd in (0xD2, 0xD3):
            self._put(value, aux=cmd == 0xD3)
        else:                                      # D4: no auxiliary device answers
            self.timeout = True
            self._put(0xFE, aux=True)

    def write92(self, port: int, size: int, value: int) -> None:
        self.port92 = value & 0x03
        if value & 0x01:
            self.reset()
