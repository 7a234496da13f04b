"""Card punches: 2540 punch, 3525, 1442 (punch side), as Hercules' card punch.

Configuration arguments: the output file, then ``ascii`` (each card becomes a text
line, trailing blanks removed) or ``ebcdic`` (80-byte records, the default) and
optionally ``crlf`` (ASCII lines end in CR LF). A punch whose file cannot be written
is not ready (intervention required).

Commands: write (X'01' with stacker-select modifier bits: punch a card of 80
columns; a count other than 80 is incorrect length, a shorter card is blank-padded),
control (feed, select stacker, no-operation), sense.
"""
from __future__ import annotations

from pathlib import Path

from ..ebcdic import to_ascii
from .base import (CE_DE, SENSE_INTERVENTION_REQUIRED, Device, OutputFile, Result,
                   is_control, is_write)
from .reader import split_args

CARD = 80
OPTIONS = ("ascii", "ebcdic", "crlf")


class CardPunch(Device):
    devtype = 0x3525
    description = "card punch"

    def __init__(self, address: int, args: list[str] | None = None, base_dir: Path | None = None,
                 devtype: int = 0x3525):
        super().__init__(address, args, base_dir)
        self.devtype = devtype
        self.out = None
        self.devinit(self.args)

    def devinit(self, args: list[str]) -> None:
        self.close()
        self.args = list(args)
        files, self.options = split_args(args, OPTIONS, f"punch {self.address:03X}")
        self.out = OutputFile(self.base_dir, files[0] if files else None)

    def command(self, cmd: int, count: int, data: bytes | None) -> Result:
        if is_control(cmd):
            return Result(CE_DE)
        if not is_write(cmd):
            return self.reject()
        card = (data or b"")[:CARD].ljust(CARD, b"\x40")
        if "ascii" in self.options:
            end = "\r\n" if "crlf" in self.options else "\n"
            text = "".join(c if c.isprintable() else " " for c in to_ascii(card)).rstrip(" ")
            record = (text + end).encode("latin-1", errors="replace")
        else:
            record = card
        if not self.out.write(record):
            return self.unit_check(SENSE_INTERVENTION_REQUIRED)
        return Result(CE_DE, length=CARD)

    def close(self) -> None:
        if self.out is not None:
            self.out.close()
