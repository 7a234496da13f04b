"""The 1403 line printer, writing a text file the way Hercules' printer does: each
printed line (EBCDIC translated, trailing blanks removed) followed by what the
carriage did: a newline per line spaced, a form feed for a skip to channel 1, a
carriage return for a write without spacing (the next line overprints).

Carriage control (IBM 1403 component description): write and space 0-3 lines
(X'01' X'09' X'11' X'19'), write and skip to channel 1-12 (X'89' ... X'E1'),
immediate space 1-3 (X'0B' X'13' X'1B'), immediate skip to channel 1-12
(X'8B' ... X'E3'); no-operation, sense, and the UCS/fold/data-check controls
(X'23' X'43' X'73' X'7B' X'EB' X'F3' X'FB'), accepted without effect. Anything else
(e.g. X'37', or the 3211's load FCB X'63') is a command reject, presented as unit
check alone (no channel end or device end).

The carriage tape has 66 lines a page, channel 1 at line 1 and channels 2-11 every
6 lines from line 7, channel 12 at line 63; a skip to a channel above the current
line goes to the next page (form feed, then newlines). An immediate skip to the
channel the carriage is already at moves no paper, unless the previous command
was a write without spacing (IBM 1403 component description; Hercules does the
same); a write and skip to it moves to that channel on the next page. Immediate
commands keep the CCW's count as residual. Channel-9/12 overflow unit exceptions
are not presented.

Configuration arguments: the output file, then optionally ``crlf`` (lines end in
CR LF). Every line reaches the file before channel end.
"""
from __future__ import annotations

from pathlib import Path

from ..ebcdic import to_ascii
from .base import (CE_DE, SENSE_INTERVENTION_REQUIRED, UNIT_CHECK, Device, OutputFile,
                   Result, immediate, is_write)
from .reader import split_args

LINE = 132
PAGE = 66
CHANNEL_LINE = {1: 1, **{n: 6 * (n - 1) + 1 for n in range(2, 12)}, 12: 63}
ACCEPTED_CONTROLS = frozenset((0x23, 0x43, 0x73, 0x7B, 0xEB, 0xF3, 0xFB))


#: A rejected command is refused during initiation: unit check alone, no channel
#: end or device end (GA22-7000 "Unit Check"; issue 21's differential runs).
COMMAND_REJECT_STATUS = UNIT_CHECK


def carriage(cmd: int) -> tuple[str, int] | None:
    """('space', n) or ('skip', channel) for a carriage-control command code,
    None if the code is not one (write or immediate: low bits 01 or 11)."""
    mod = cmd >> 3
    if mod <= 3:
        return ("space", mod)
    if 0x11 <= mod <= 0x1C:
        return ("skip", mod - 0x10)
    return None


def command_kind(cmd: int) -> str | None:
    """What a 1403 does with command ``cmd``: ``write`` (a line, then the carriage
    motion), ``move`` (immediate space or skip), ``accept`` (the controls taken
    without effect), or None (command reject). CP's virtual printer decides the
    same way (cp/backends/s370_vio.py), so a guest sees one 1403."""
    motion = carriage(cmd)
    if is_write(cmd) and motion is not None:
        return "write"
    if cmd & 7 == 3 and motion is not None and cmd != 0x03:
        return "move"
    if cmd in ACCEPTED_CONTROLS:
        return "accept"
    return None


class Printer(Device):
    devtype = 0x1403
    description = "printer"
    REJECT_STATUS = COMMAND_REJECT_STATUS

    def __init__(self, address: int, args: list[str] | None = None, base_dir: Path | None = None,
                 devtype: int = 0x1403):
        super().__init__(address, args, base_dir)
        self.devtype = devtype
        self.out = None
        self.line = 1
        self.overprint = False      # the last command was a write without spacing
        self.devinit(self.args)

    def devinit(self, args: list[str]) -> None:
        self.close()
        self.args = list(args)
        files, self.options = split_args(args, ("crlf",), f"printer {self.address:03X}")
        self.out = OutputFile(self.base_dir, files[0] if files else None)
        self.line = 1

    def _space(self, n: int) -> str:
        self.line = (self.line - 1 + n) % PAGE + 1
        return ("\r\n" if "crlf" in self.options else "\n") * n

    def _skip(self, channel: int) -> str:
        target = CHANNEL_LINE[channel]
        if target > self.line:
            return self._space(target - self.line)
        self.line = 1
        return "\f" + self._space(target - 1)

    def command(self, cmd: int, count: int, data: bytes | None) -> Result:
        kind = command_kind(cmd)
        motion = carriage(cmd)
        overprint, self.overprint = self.overprint, kind == "write" and motion == ("space", 0)
        if kind == "write":
            text = "".join(c if c.isprintable() else " "
                           for c in to_ascii((data or b"")[:LINE])).rstrip(" ")
            how, n = motion
            if how == "space":
                tail = self._space(n) if n else "\r"
            else:
                tail = self._skip(n)
            length = min(count, LINE)
            return self._emit(text + tail, length)
        if kind == "move":
            how, n = motion
            if how == "skip" and CHANNEL_LINE[n] == self.line and not overprint:
                return immediate()          # already at the channel: no motion
            res = self._emit(self._space(n) if how == "space" else self._skip(n), None)
            res.immediate = res.status == CE_DE
            return res
        if kind == "accept":
            self.overprint = overprint      # no carriage motion
            return immediate()
        return self.reject()

    def _emit(self, text: str, length: int | None) -> Result:
        if not self.out.write(text.encode("latin-1", errors="replace")):
            return self.unit_check(SENSE_INTERVENTION_REQUIRED)
        return Result(CE_DE, length=length)

    def close(self) -> None:
        if self.out is not None:
            self.out.close()
