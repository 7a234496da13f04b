"""A 3270 display station as a local (channel-attached) device: a 3277 or
3278 on a 3272 or 3274 control unit (GA23-0059 chapter 3, the "local"
command codes; IBM 3274 Description, sense and status).

The channel program side only: the display itself (its buffer, the keyboard,
the person at it) is a *station* object plugged into ``station`` (CP's TN3270
session when a user has dialled or been given this device; None while nobody
is connected). The station offers ``write(command, data) -> bool`` (False: the
data stream is invalid, an operation check) and ``read(command) -> bytes`` and
sets the device's ``attention`` flag when the user presses an AID key, which
the channel presents as unsolicited attention status; ``drop()`` is called
when the device goes away (the machine is closed).

Commands: Write X'01', Erase/Write X'05', Erase/Write Alternate X'0D', Erase
All Unprotected X'0F', Read Buffer X'02', Read Modified X'06', Read Modified
All X'0E', Select X'0B', Sense ID X'E4'; No-op X'03' and Sense X'04' are
answered by s370/devices/base.py. With no station: unit check, intervention
required. Anything else: command reject.
"""
from __future__ import annotations

from pathlib import Path

from .base import CE_DE, SENSE_INTERVENTION_REQUIRED, Device, Result

#: local CCW command -> the command byte of the same operation on a TN3270 link
#: (GA23-0059 3.1.1, Figure 3-1)
REMOTE = {0x01: 0xF1, 0x05: 0xF5, 0x0D: 0x7E, 0x0F: 0x6F, 0x02: 0xF2, 0x06: 0xF6, 0x0E: 0x6E}
WRITES = (0x01, 0x05, 0x0D, 0x0F)
READS = (0x02, 0x06, 0x0E)
SELECT, SENSE_ID = 0x0B, 0xE4
#: sense byte 0 bit 7: operation check (an invalid data stream)
SENSE_OPERATION_CHECK = 0x01


class Display3270(Device):
    """A local 3278 (model 2 unless ``devtype`` says otherwise)."""

    devtype = 0x3278
    description = "GRAF"
    asynchronous = True

    def __init__(self, address: int, args: list[str] | None = None, base_dir: Path | None = None,
                 devtype: int = 0x3278):
        super().__init__(address, args, base_dir)
        self.devtype = devtype
        self.station = None

    def command(self, cmd: int, count: int, data: bytes | None) -> Result:
        if cmd == SENSE_ID:                          # FF, control unit 3274, device type
            return Result(CE_DE, bytes((0xFF, 0x32, 0x74, 0x1D)) + self.devtype.to_bytes(2, "big")
                          + b"\x02")
        if cmd == SELECT:
            return Result(CE_DE)
        if cmd not in WRITES and cmd not in READS:
            return self.reject()
        station = self.station
        if station is None:
            return self.unit_check(SENSE_INTERVENTION_REQUIRED)
        if cmd in READS:
            return Result(CE_DE, station.read(REMOTE[cmd]))
        if not station.write(REMOTE[cmd], bytes(data or b"")):
            return self.unit_check(SENSE_OPERATION_CHECK)
        return Result(CE_DE)

    def close(self) -> None:
        """The machine goes away (its user logs off): the station is dropped."""
        station, self.station = self.station, None
        if station is not None:
            station.drop()
