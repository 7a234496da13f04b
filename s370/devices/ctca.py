"""The channel-to-channel adapter (CTCA, IBM 3088 style): one side of a link
between two channels, as VM/370 gave two virtual machines with DEFINE CTCA and
COUPLE (the coupling is CP's; here the device only knows its ``peer``).

The protocol is the adapter's command/state table (IBM SA22-7091, the 3088
Channel-to-Channel Adapter, "Command Operation", and the System/370 feature
description GA22-6983; Hercules' CTCE models the same table). Each side is
*available* or *working* on one of Control, Read or Write:

* A Read, Read Backward, Write or Control given while the other side is
  available is accepted and waits (the subchannel stays busy): the other side
  gets an unsolicited ATTENTION interruption. Its program then learns what was
  issued with SENSE COMMAND BYTE (X'14': one byte, the waiting command's code)
  and issues the complementary command: a Read for a Write (data moves from
  the writer's storage straight to the reader's, the shorter count deciding,
  the longer side seeing incorrect length unless SLI), a Write for a Read, and
  for a Control the SENSE COMMAND BYTE itself ends it. Both sides then get
  channel end and device end.
* A command that does not complement the other side's (Write against Write,
  Read against Read, anything against Control) ends at once with BUSY and
  ATTENTION: "read first".
* Extended mode (SET EXTENDED MODE, X'C3'; SET BASIC MODE, 10xxx011, returns):
  a write with bit 0 on (1xxxxx01) is WRITE EOF: it ends at once, and the
  other side's next Read (or its waiting one) ends with UNIT EXCEPTION: the
  adapter's end-of-file signal.
* An uncoupled adapter (no peer) answers every command with unit check,
  intervention required (sense byte 0 bit 1).

``peer`` is anything with this module's side interface (another ``CTCA``, or
CP's link that carries the adapter on a virtual switch): ``pending()``,
``matched_read``, ``matched_write``, ``matched_control``, ``matched_eof``,
``signal``, ``end_of_file``. A peer with ``takes_writes`` true (the switch
link) accepts a Write whatever it has waiting: a LAN is not half duplex.
"""
from __future__ import annotations

from .base import (ATTENTION, BUSY, CE_DE, SENSE_INTERVENTION_REQUIRED, UNIT_EXCEPTION, Device,
                   Result, PENDING, immediate, is_read, is_read_backward, is_write)

READ, WRITE, CONTROL = "R", "W", "C"
SENSE_COMMAND_BYTE = 0x14
SET_EXTENDED_MODE = 0xC3
BUSY_ATTENTION = Result(BUSY | ATTENTION)


class CTCA(Device):
    """One side of a channel-to-channel adapter (module docstring)."""

    devtype = 0x3088
    description = "CTCA"
    asynchronous = True             # attention and matches come from the other side

    def __init__(self, address: int, args=None, base_dir=None):
        super().__init__(address, args, base_dir)
        self.peer = None
        self.extended = False
        self.eof = False            # the other side wrote end of file
        self._held: tuple[str, int, int, bytes] | None = None     # kind, code, count, data
        self._done: Result | None = None

    # ---------------------------------------------------- this side's commands
    def execute(self, cmd: int, count: int, data: bytes | None) -> Result:
        """NO-OPERATION follows the table too: BUSY+ATTENTION while the other
        side waits on a command, unit check when uncoupled."""
        if cmd == 0x03 and self._done is None:
            if self.peer is None:
                return self.unit_check(SENSE_INTERVENTION_REQUIRED)
            if self.peer.pending() is not None:
                return BUSY_ATTENTION
            return immediate()
        return super().execute(cmd, count, data)

    def command(self, cmd: int, count: int, data: bytes | None) -> Result:
        if self._done is not None:          # the other side matched the waiting command
            done, self._done, self._held = self._done, None, None
            return done
        kind = self._kind(cmd)
        if kind is None:
            return self.reject()
        if self.peer is None:
            return self.unit_check(SENSE_INTERVENTION_REQUIRED)
        if kind == "MODE":
            if self.peer.pending() is not None:
                return BUSY_ATTENTION
            self.extended = cmd == SET_EXTENDED_MODE
            return Result(CE_DE)
        other = self.peer.pending()
        if kind == "SCB":
            if other is None:
                return Result(CE_DE, b"\0")
            if other[0] == CONTROL:
                self.peer.matched_control()
            return Result(CE_DE, bytes((other[1],)))
        if kind == "EOF":
            if other is None:
                self.peer.end_of_file()
            elif other[0] == READ:
                self.peer.matched_eof()
            else:
                return BUSY_ATTENTION
            return Result(CE_DE)
        if kind == READ and self.eof and other is None:
            self.eof = False
            return Result(CE_DE | UNIT_EXCEPTION)
        if other is None:                   # the other side is available: wait for it
            self._held = (kind, cmd, count, bytes(data or b""))
            self.peer.signal()
            if self._done is not None:      # it answered at once (CP's switch link)
                return self.command(cmd, count, data)
            return PENDING
        if kind == READ and other[0] == WRITE:
            got = self.peer.matched_read(count)
            self.attention = False
            return Result(CE_DE, got)
        if kind == WRITE and (other[0] == READ or getattr(self.peer, "takes_writes", False)):
            self.attention = False
            return Result(CE_DE, length=self.peer.matched_write(bytes(data or b"")))
        return BUSY_ATTENTION

    def _kind(self, cmd: int) -> str | None:
        if cmd == SENSE_COMMAND_BYTE:
            return "SCB"
        if is_write(cmd):
            return "EOF" if self.extended and cmd & 0x80 else WRITE
        if is_read(cmd) or is_read_backward(cmd):
            return READ
        if cmd & 0x07 == 0x07:
            return CONTROL
        if cmd == SET_EXTENDED_MODE or cmd & 0xC7 == 0x83:
            return "MODE"
        return None

    def ready(self) -> bool:
        return self._done is not None

    def reset(self) -> None:
        """HIO, CLRIO, system reset: the waiting command is gone."""
        self._held = None
        self._done = None

    # ------------------------------------------ what the other side calls
    def pending(self) -> tuple[str, int] | None:
        """(kind, command code) of the command waiting on this side, or None."""
        if self._held is None or self._done is not None:
            return None
        return self._held[0], self._held[1]

    def matched_read(self, count: int) -> bytes:
        """The other side reads ``count`` bytes of this side's waiting Write."""
        data = self._held[3]
        n = min(len(data), count)
        self._done = Result(CE_DE, length=n)
        return data[:n]

    def matched_write(self, data: bytes) -> int:
        """The other side writes into this side's waiting Read; bytes taken."""
        n = min(len(data), self._held[2])
        self._done = Result(CE_DE, data[:n])
        return n

    def matched_control(self) -> None:
        self._done = Result(CE_DE)

    def matched_eof(self) -> None:
        self._done = Result(CE_DE | UNIT_EXCEPTION)

    def signal(self) -> None:
        """The other side issued a command while this one was available."""
        self.attention = True

    def end_of_file(self) -> None:
        self.eof = True

    def uncouple(self) -> None:
        """The link is gone (DETACH, LOGOFF, another COUPLE): a waiting command
        stays busy until the program halts it, as on an adapter switched off."""
        self.peer = None

    def couple_to(self, peer) -> None:
        """Make ``peer`` this side's other side, telling the old one it is gone."""
        old = self.peer
        self.peer = peer
        if old is not None and old is not peer:
            old.uncouple()

    def close(self) -> None:
        """The adapter goes away (DETACH, LOGOFF): the other side is uncoupled."""
        self.couple_to(None)


def couple(a: CTCA, b: CTCA) -> None:
    """Wire two adapters to each other (CP's COUPLE), dropping older links."""
    a.couple_to(b)
    b.couple_to(a)
