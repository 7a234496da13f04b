"""Virtual I/O of an S/370 virtual machine: its channel subsystem and virtual devices.

A VM's I/O instructions are simulated by CP with the bare machine's own handlers
(cp/intercepts.py, through the S/370 backend); the handlers call ``cpu.channel``, which for a VM is a
``s370.channel.ChannelSubsystem`` built over the VM's *own* storage. So guest
channel programs are run by the real channel code: CCW addresses and data areas
are guest-real addresses, checked against the guest's storage size and storage
keys (a CCW pointing outside the guest gets a channel program check in its CSW,
never another VM's storage), CSWs and I/O interruptions are stored and reflected
exactly as on the bare machine. This is VM/370's CCW translation (DMKCCW) with the
translation made trivial by giving each VM its own storage object.

The devices on a VM's channels are virtual ones (``s370.devices.base.Device``):

* ``VirtualConsole`` (3215): output lines go to ``vm.console_output`` (a callback
  the CP user layer connects to the user's terminal), reads take lines from
  ``vm.console_input``.
* ``SpoolReader`` / ``SpoolPunch`` / ``SpoolPrinter``: 80-byte cards and print
  lines handed to a ``SpoolPort`` (cp/spoolport.py; cp/spool.py can implement it,
  ``MemorySpool`` is the in-memory default).
* ``Minidisk``: a cylinder range of a real CKD volume (s370/devices/dasd.py);
  cylinder numbers are relocated in seeks, search arguments and count fields;
  a seek outside the minidisk gets unit check / command reject, as a seek to a
  cylinder the volume does not have; writes to a read-only link get "file
  protected".
* dedicated devices: any real Device attached as is.
* ``CTCA`` (s370/devices/ctca.py): a channel-to-channel adapter, coupled to
  another VM's adapter (COUPLE) or, through ``SwitchLink``, to a port of one
  of CP's virtual switches (cp/vswitch.py): the adapter then carries Ethernet
  frames, one per Write, one per Read.
"""
from __future__ import annotations

from collections import deque
from typing import Callable

from s370.channel import ChannelSubsystem
from s370.devices.base import (CE_DE, SENSE_COMMAND_REJECT, SENSE_INTERVENTION_REQUIRED,
                               STATUS_MODIFIER, UNIT_EXCEPTION, Device, Result, PENDING,
                               immediate, is_control, is_read, is_write)
from s370.devices import printer
from s370.devices.ctca import CONTROL, READ, WRITE, CTCA
from s370.ebcdic import to_ascii, to_ebcdic

from ..spoolport import SpoolPort


# ------------------------------------------------------------------ devices
class VirtualConsole(Device):
    """The VM's 3215 console: writes to the user's terminal, reads lines typed."""

    devtype = 0x3215
    description = "CONS"
    asynchronous = True

    def __init__(self, address: int, output: Callable[[str], None], inq: deque):
        super().__init__(address)
        self.output = output
        self.inq = inq

    def command(self, cmd: int, count: int, data: bytes | None) -> Result:
        if cmd in (0x01, 0x09):                 # write, no carrier return / with it
            self.output(to_ascii(bytes(data or b"")))
            return Result(CE_DE)
        if cmd == 0x0B:                         # audible alarm
            return Result(CE_DE)
        if cmd == 0x0A:                         # read inquiry
            if not self.inq:
                return PENDING
            return Result(CE_DE, to_ebcdic(self.inq.popleft()))
        return self.reject()

    def ready(self) -> bool:
        return bool(self.inq)


class _UnitRecord(Device):
    def __init__(self, address: int, userid: str, spool: SpoolPort):
        super().__init__(address)
        self.userid = userid
        self.spool = spool


class SpoolReader(_UnitRecord):
    """Virtual 2540 reader fed from the user's spooled reader files."""

    devtype = 0x2540
    description = "RDR"

    def command(self, cmd: int, count: int, data: bytes | None) -> Result:
        if is_control(cmd):
            return immediate()                  # feed, select stacker: as the real reader
        if not is_read(cmd):
            return self.reject()
        if not self.spool.has_file(self.userid, self.address):
            return self.unit_check(SENSE_INTERVENTION_REQUIRED)
        card = self.spool.next_card(self.userid, self.address)
        if card is None:
            return Result(CE_DE | UNIT_EXCEPTION)
        return Result(CE_DE, card)


class SpoolPunch(_UnitRecord):
    """Virtual 2540 punch: each card goes to the spool."""

    devtype = 0x2540
    description = "PUN"

    def command(self, cmd: int, count: int, data: bytes | None) -> Result:
        if is_control(cmd):
            return Result(CE_DE)                # as the real punch
        if not is_write(cmd):
            return self.reject()
        self.spool.punch(self.userid, self.address, bytes(data or b"")[:80].ljust(80, b"\x40"))
        return Result(CE_DE, length=80)


class SpoolPrinter(_UnitRecord):
    """Virtual 1403 printer: each line goes to the spool."""

    devtype = 0x1403
    description = "PRT"
    REJECT_STATUS = printer.COMMAND_REJECT_STATUS

    def command(self, cmd: int, count: int, data: bytes | None) -> Result:
        """The real 1403's commands (s370.devices.printer.command_kind) and line
        length: a write takes at most 132 bytes (more is incorrect length)."""
        kind = printer.command_kind(cmd)
        if kind == "write":
            self.spool.print_line(self.userid, self.address, bytes(data or b"")[:printer.LINE],
                                  cmd)
            return Result(CE_DE, length=min(count, printer.LINE))
        if kind is not None:                    # space / skip immediate, no-op controls:
            return immediate()                  # no data, residual = count, as the 1403
        return self.reject()


#: CKD commands whose argument (written data) or result starts with a CCHH field,
#: and where: (offset of CC in the bytes).
_ARG_CC = {0x31: 0, 0x51: 0, 0x71: 0, 0x39: 0, 0x19: 1, 0x15: 0, 0x1D: 0}
_RESULT_CC = {0x12: 0, 0x1E: 0, 0x16: 0, 0x1A: 1}
_SEEKS = (0x07, 0x0B, 0x1B)


class Minidisk(Device):
    """Cylinders ``start`` .. ``start + cylinders - 1`` of a real CKD volume, seen
    by the guest as cylinders 0 .. cylinders-1 (VM/370's MDISK)."""

    description = "DASD"

    def __init__(self, address: int, volume, start: int, cylinders: int, readonly: bool = False):
        super().__init__(address)
        if start < 0 or cylinders <= 0 or start + cylinders > volume.cylinders:
            from s370.errors import MachineError
            raise MachineError(f"minidisk {address:03X}: cylinders {start}-{start + cylinders - 1}"
                               f" are not on the volume ({volume.cylinders} cylinders)")
        self.volume = volume
        self.devtype = volume.devtype
        self.start = start
        self.cylinders = cylinders
        self.readonly = readonly
        self.sense = bytearray(volume.sense_length())

    def sense_length(self) -> int:
        return 24

    def begin(self) -> None:
        self.volume.begin()

    def end(self) -> None:
        self.volume.end()

    def reset(self) -> None:
        self.volume.reset()

    def _relocate(self, data: bytes, at: int, delta: int) -> bytes:
        if len(data) < at + 2:
            return data
        b = bytearray(data)
        cc = ((b[at] << 8) | b[at + 1]) + delta
        b[at], b[at + 1] = (cc >> 8) & 0xFF, cc & 0xFF
        return bytes(b)

    def execute(self, cmd: int, count: int, data: bytes | None) -> Result:
        vol = self.volume
        base = cmd & 0x7F
        if cmd & 0x0F == 0x04:                  # sense: the volume's sense bytes
            return vol.execute(cmd, count, data)
        if self.readonly and (is_write(cmd) and base not in (0x31, 0x51, 0x71, 0x29, 0x49,
                                                               0x69, 0x39)):
            return vol.check(0, 0x04)           # file protected
        if cmd in _SEEKS:
            d = bytes(data or b"")
            if len(d) >= 6:
                if cmd != 0x1B:
                    cyl = (d[2] << 8) | d[3]
                    if cyl >= self.cylinders or d[0] or d[1]:
                        return vol.check(SENSE_COMMAND_REJECT, 0, 0, 4)
                    d = self._relocate(d, 2, self.start)
            return vol.execute(cmd, count, d)
        if cmd == 0x13:                         # recalibrate: to the minidisk's cylinder 0
            res = vol.execute(0x07, 6, bytes((0, 0, self.start >> 8, self.start & 0xFF, 0, 0)))
            return Result(res.status, res.data)
        if cmd == 0x02:                         # read IPL: record 1 of the minidisk's track 0
            vol.execute(0x07, 6, bytes((0, 0, self.start >> 8, self.start & 0xFF, 0, 0)))
            r1 = bytes((self.start >> 8, self.start & 0xFF, 0, 0, 1))
            # Search ID Equal R1 as a real channel program's TIC loop repeats it: the
            # first record under the head is R0 (no hit); the device ends a search
            # that cannot succeed with "no record found"
            status = CE_DE
            while status == CE_DE:
                status = vol.execute(0x31, 5, r1).status
            if not status & STATUS_MODIFIER:
                return Result(status)
            return vol.execute(0x06, count, None)
        at = _ARG_CC.get(base)
        if at is not None and data is not None:
            data = self._relocate(bytes(data), at, self.start)
        res = vol.execute(cmd, count, data)
        at = _RESULT_CC.get(base)
        if at is not None and res.data:
            res = Result(res.status, self._relocate(res.data, at, -self.start), res.pending,
                         res.length)
        elif cmd == 0x5E and res.data:          # read multiple CKD: every count field
            res = Result(res.status, self._relocate_counts(res.data), res.pending, res.length)
        return res

    def _relocate_counts(self, data: bytes) -> bytes:
        """Records as count (8: CCHHRKDD), key and data, back to back."""
        out = bytearray(data)
        i = 0
        while i + 8 <= len(out):
            cc = ((out[i] << 8) | out[i + 1]) - self.start
            out[i], out[i + 1] = (cc >> 8) & 0xFF, cc & 0xFF
            i += 8 + out[i + 5] + ((out[i + 6] << 8) | out[i + 7])
        return bytes(out)


class SwitchLink:
    """The far side of a CTCA coupled to a virtual switch, in the adapter's side
    interface (s370/devices/ctca.py): it takes every Write at once as a frame
    for the switch and ends a Control at once; a frame from the switch ends a
    waiting Read, or waits as a Write of the far side (the adapter gets
    attention; its program reads the frame). Unlike a CTCA partner it takes a
    Write while a frame waits (``takes_writes``). At most ``QUEUE`` frames
    wait; more are dropped and counted."""

    QUEUE = 32
    MAX_FRAME = 1514
    takes_writes = True         # a Write goes to the switch even while a frame waits

    def __init__(self, ctca: CTCA, switch, name: str, mac: bytes | None, ip: bytes | None):
        self.ctca = ctca
        self.frames: deque[bytes] = deque()
        self.dropped = 0
        self.port = switch.connect(name, self._frame, mac, ip)
        ctca.couple_to(self)

    def _frame(self, frame: bytes) -> None:
        waiting = self.ctca.pending()
        if waiting is not None and waiting[0] == READ:
            self.ctca.matched_write(frame)
            return
        if len(self.frames) >= self.QUEUE:
            self.dropped += 1
            return
        self.frames.append(frame)
        if len(self.frames) == 1:
            self.ctca.signal()

    # ------------------------------------------- the adapter's side interface
    def pending(self):
        return (WRITE, 0x01) if self.frames else None

    def matched_read(self, count: int) -> bytes:
        frame = self.frames.popleft()
        if self.frames:
            self.ctca.signal()          # the next frame waits: attention again
        return frame[:count]

    def matched_write(self, data: bytes) -> int:
        self.port.send(data[:self.MAX_FRAME + 1])     # a giant is the switch's to count
        return len(data)

    def matched_control(self) -> None:
        return None

    def matched_eof(self) -> None:
        return None

    def signal(self) -> None:
        """The adapter issued a command to an available far side: answer it."""
        waiting = self.ctca.pending()
        if waiting is None:
            return
        if waiting[0] == WRITE:
            self.matched_write(self.ctca.matched_read(self.MAX_FRAME + 1))
        elif waiting[0] == CONTROL:
            self.ctca.matched_control()

    def end_of_file(self) -> None:
        return None

    def uncouple(self) -> None:
        self.port.disconnect()


def make_channel(storage) -> ChannelSubsystem:
    """A virtual machine's channel subsystem, over its own storage."""
    return ChannelSubsystem(storage)
