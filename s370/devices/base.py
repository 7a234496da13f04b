"""The device interface that the channel subsystem (s370/channel.py) drives.

The channel walks the channel program: for each CCW (or data-chained group of CCWs)
it calls ``Device.execute(cmd, count, data)`` once. The device does the command and
returns a ``Result``: its unit status and, for read-type commands, the bytes it
produced. The channel moves the bytes between storage and the device (gathering a
data-chained group into one ``data`` for writes, scattering a read's bytes across
it, storing backwards for read-backward), and works out incorrect length, residual
count, SLI, skip and the CSW. Devices never touch main storage: that is how the
channel guarantees a channel program stays inside the machine and honours keys.

Command codes follow the S/370 convention: low bits ...01 write, ...10 read,
...11 control, 0100 sense, 1100 read backward, 1000 TIC (handled by the channel).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# Unit status bits (GA22-7000, "Channel Status Word").
ATTENTION = 0x80
STATUS_MODIFIER = 0x40
CONTROL_UNIT_END = 0x20
BUSY = 0x10
CHANNEL_END = 0x08
DEVICE_END = 0x04
UNIT_CHECK = 0x02
UNIT_EXCEPTION = 0x01
CE_DE = CHANNEL_END | DEVICE_END

# Sense byte 0 bits (common to most devices).
SENSE_COMMAND_REJECT = 0x80
SENSE_INTERVENTION_REQUIRED = 0x40
SENSE_BUS_OUT = 0x20
SENSE_EQUIPMENT_CHECK = 0x10
SENSE_DATA_CHECK = 0x08
SENSE_OVERRUN = 0x04


def is_write(cmd: int) -> bool:
    return cmd & 3 == 1


def is_read(cmd: int) -> bool:
    return cmd & 3 == 2


def is_control(cmd: int) -> bool:
    return cmd & 3 == 3


def is_sense(cmd: int) -> bool:
    return cmd & 0x0F == 0x04


def is_read_backward(cmd: int) -> bool:
    return cmd & 0x0F == 0x0C


@dataclass
class Result:
    """What a device answers to one command.

    status: unit status (CE|DE normally; UNIT_CHECK with ``sense`` set; UNIT_EXCEPTION
    at end of file; STATUS_MODIFIER for a successful search, telling the channel to
    skip the next CCW). data: bytes produced by a read/sense command (None for writes
    and controls); may be shorter or longer than the count, the channel handles
    incorrect length. ``pending``: the command cannot complete yet (a console read with
    no line typed): the channel keeps the device busy and calls ``execute`` again
    when ``ready()`` says so.
    """
    status: int = CE_DE
    data: bytes | None = None
    pending: bool = False


PENDING = Result(0, None, True)


class Device:
    """Base class of all devices. Subclasses set ``devtype`` and implement
    ``command``; unknown commands get a command reject."""

    devtype = 0x0000
    #: (control-unit type, model) for SENSE ID-style reporting and QUERY.
    description = "device"

    def __init__(self, address: int, args: list[str] | None = None, base_dir: Path | None = None):
        self.address = address
        self.args = list(args or [])
        self.base_dir = base_dir or Path(".")
        self.sense = bytearray(self.sense_length())
        self.attention = False          # unsolicited status to present (request key)

    # --- to override -------------------------------------------------------
    def sense_length(self) -> int:
        return 1

    def command(self, cmd: int, count: int, data: bytes | None) -> Result:
        """Execute one command; ``data`` holds the bytes to write (write/control)."""
        return self.reject()

    def begin(self) -> None:
        """A new channel program starts on this device (SIO)."""

    def end(self) -> None:
        """The channel program ended (normally or not)."""

    def ready(self) -> bool:
        """For a ``pending`` command: may ``execute`` be called again now?"""
        return True

    def reset(self) -> None:
        """System reset / HIO / CLRIO."""

    def close(self) -> None:
        """The machine is shutting down: flush and close files."""

    # --- common behaviour --------------------------------------------------
    def execute(self, cmd: int, count: int, data: bytes | None) -> Result:
        """Dispatch one command: SENSE is answered here (and clears the sense)."""
        if is_sense(cmd):
            out = bytes(self.sense)
            self.sense = bytearray(self.sense_length())
            return Result(CE_DE, out)
        if cmd == 0x03:                         # no-operation control
            return Result(CE_DE)
        return self.command(cmd, count, data)

    def reject(self) -> Result:
        """Command reject: unit check with sense bit 0."""
        self.sense = bytearray(self.sense_length())
        self.sense[0] = SENSE_COMMAND_REJECT
        return Result(CE_DE | UNIT_CHECK)

    def unit_check(self, sense0: int, *more: int) -> Result:
        """Unit check with the given sense bytes."""
        self.sense = bytearray(self.sense_length())
        self.sense[0] = sense0
        for i, b in enumerate(more, 1):
            if i < len(self.sense):
                self.sense[i] = b
        return Result(CE_DE | UNIT_CHECK)
