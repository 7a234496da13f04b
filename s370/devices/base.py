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

Conventions the channel relies on:
- ``count`` is the total byte count of the (data-chained) CCW group; ``data`` for a
  write or control command holds exactly ``count`` bytes (fewer only when the
  channel hit a storage error while fetching them).
- Incorrect length: for a read or sense, the channel compares ``len(data)`` with the
  count. For a write or control command that transfers data, the device says how
  many bytes the record needed in ``Result.length`` (a card punch needs 80, a DASD
  write the record's data length); ``None`` means "exactly the count" (no incorrect
  length), which is also right for immediate commands.
- Read backward: ``data`` is the block in its recorded (forward) order; the channel
  stores it from the CCW's data address downwards, as the hardware does when the
  device sends the last byte first.
- Devices whose state can change between instructions (consoles: a line typed, the
  request key) set ``asynchronous = True``; the channel then looks at their
  ``attention`` flag and, for a ``pending`` command, ``ready()`` between bursts of
  instructions.
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
    when ``ready()`` says so. ``length``: for writes and controls that take data, the
    number of bytes the device needed (see the module docstring); None = the count.
    ``immediate``: the command took no data (no-operation, rewind, a carriage skip):
    the channel reports no incorrect length and the CCW's whole count as residual
    (GA22-7000 "Immediate Commands": the count is not used).
    """
    status: int = CE_DE
    data: bytes | None = None
    pending: bool = False
    length: int | None = None
    immediate: bool = False


PENDING = Result(0, None, True)


def immediate(status: int = CE_DE) -> Result:
    """The ending of an immediate command (see ``Result.immediate``)."""
    return Result(status, immediate=True)


class Device:
    """Base class of all devices. Subclasses set ``devtype`` and implement
    ``command``; unknown commands get a command reject."""

    devtype = 0x0000
    #: (control-unit type, model) for SENSE ID-style reporting and QUERY.
    description = "device"
    #: True for devices the channel must poll between bursts (see module docstring).
    asynchronous = False

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

    def devinit(self, args: list[str]) -> None:
        """The operator's ``devinit``: new file and arguments for this device.
        Devices that hold files override it; the default re-creates nothing."""
        from ..errors import MachineError
        raise MachineError(f"device {self.address:03X} does not take devinit")

    # --- common behaviour --------------------------------------------------
    def execute(self, cmd: int, count: int, data: bytes | None) -> Result:
        """Dispatch one command: SENSE (X'04') is answered here (and clears the
        sense); other sense-type codes (SENSE ID X'E4', ...) go to ``command``."""
        if cmd == 0x04:
            out = bytes(self.sense)
            self.sense = bytearray(self.sense_length())
            return Result(CE_DE, out)
        if cmd == 0x03:                         # no-operation control
            return immediate()
        return self.command(cmd, count, data)

    #: The unit status of a command reject: most devices (and Hercules' card
    #: reader, X'0E') end the command with it; a device that rejects it during
    #: initiation presents unit check alone (the printer: GA22-7000 "Unit Check").
    REJECT_STATUS = CE_DE | UNIT_CHECK

    def reject(self) -> Result:
        """Command reject: ``REJECT_STATUS`` with sense bit 0."""
        self.sense = bytearray(self.sense_length())
        self.sense[0] = SENSE_COMMAND_REJECT
        return Result(self.REJECT_STATUS)

    def unit_check(self, sense0: int, *more: int) -> Result:
        """Unit check with the given sense bytes."""
        self.sense = bytearray(self.sense_length())
        self.sense[0] = sense0
        for i, b in enumerate(more, 1):
            if i < len(self.sense):
                self.sense[i] = b
        return Result(CE_DE | UNIT_CHECK)


class OutputFile:
    """The host file a punch or printer writes, opened (created, truncated) at the
    first write so that a configured but unused device leaves nothing behind.
    Every write is flushed before the device presents channel end."""

    def __init__(self, base_dir: Path, name: str | None):
        self.path = None if name is None else (Path(name) if Path(name).is_absolute()
                                               else base_dir / name)
        self.file = None

    def write(self, data: bytes) -> bool:
        """Append ``data``; False if the file cannot be written (the device then
        reports intervention required)."""
        if self.path is None:
            return False
        try:
            if self.file is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.file = open(self.path, "wb")
            self.file.write(data)
            self.file.flush()
        except OSError:
            return False
        return True

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None
