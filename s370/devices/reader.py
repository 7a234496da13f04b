"""Card readers: 2540 reader, 3505, 1442 (read side), as Hercules' card reader
devices present them.

Configuration arguments (Hercules syntax): one or more deck files, read one after the
other, then options:
  ``ascii``   the deck is text: each line is a card, translated to EBCDIC and padded
              with blanks to 80 columns (tabs expanded);
  ``ebcdic``  the deck is 80-byte EBCDIC records;
  ``trunc``   ASCII lines longer than 80 columns are cut (otherwise a data check);
  ``autopad`` an EBCDIC deck whose last record is short is padded with zeros
              (otherwise a data check);
  ``eof``     at the end of the deck a read gets unit exception (end of file)
              instead of intervention required.
Without ``ascii`` or ``ebcdic`` the format is guessed from the first bytes, as
Hercules does.

A deck that does not exist, or a reader that has read its last card, is not ready:
a read gets unit check with intervention required (sense byte 0 X'40') and "retry
after intervention is cleared" (byte 1 X'10'), which a program reports as "ready
the reader"; it stays not ready until the operator's ``devinit`` loads a new deck.
The readers have 4 sense bytes (3505 component description; Hercules gives every
card reader 4).

Commands: any read (X'02' with stacker-select modifier bits), control (feed, select
stacker, no-operation), sense.
"""
from __future__ import annotations

from pathlib import Path

from ..ebcdic import to_ebcdic
from ..errors import MachineError
from .base import (CE_DE, SENSE_DATA_CHECK, SENSE_INTERVENTION_REQUIRED, UNIT_EXCEPTION,
                   Device, Result, immediate, is_control, is_read)

CARD = 80
#: Sense byte 1: retry after the intervention-required condition is cleared.
SENSE1_RETRY = 0x10
OPTIONS = ("ascii", "ebcdic", "trunc", "eof", "autopad")


def split_args(args: list[str], options: tuple[str, ...], what: str) -> tuple[list[str], set[str]]:
    """Hercules device arguments: file names, then keyword options."""
    files, opts = [], set()
    for a in args:
        if a.lower() in options:
            opts.add(a.lower())
        elif opts:
            raise MachineError(f"{what}: unknown option {a!r} (known: {' '.join(options)})")
        else:
            files.append(a)
    return files, opts


def guess_ascii(head: bytes) -> bool:
    """Hercules' guess: a deck whose first bytes are all printable ASCII (or line
    ends and tabs) is text."""
    return all(32 <= b < 127 or b in (9, 10, 13) for b in head[:160]) and bool(head)


class CardReader(Device):
    """A card reader holding a deck."""

    devtype = 0x3505
    description = "card reader"

    def __init__(self, address: int, args: list[str] | None = None, base_dir: Path | None = None,
                 devtype: int = 0x3505):
        super().__init__(address, args, base_dir)
        self.devtype = devtype
        self.cards: list[bytes] | None = None
        self.error: int = 0              # sense to present at the first read (bad deck)
        self.position = 0
        self.load(self.args)

    def load(self, args: list[str]) -> None:
        """Put a deck in the hopper (configuration or devinit)."""
        self.args = list(args)
        self.files, self.options = split_args(args, OPTIONS, f"reader {self.address:03X}")
        self.cards = None
        self.position = 0
        self.error = 0

    def devinit(self, args: list[str]) -> None:
        self.load(args)

    def sense_length(self) -> int:
        return 4

    def not_ready(self) -> Result:
        """Unit check, intervention required, retry when it is cleared."""
        return self.unit_check(SENSE_INTERVENTION_REQUIRED, SENSE1_RETRY)

    def _read_deck(self) -> None:
        """Turn the deck files into cards (on first use, so a missing file is an
        operator problem at run time, not a configuration error)."""
        cards: list[bytes] = []
        for name in self.files:
            path = Path(name) if Path(name).is_absolute() else self.base_dir / name
            try:
                raw = path.read_bytes()
            except OSError:
                self.cards = None
                return
            if "ascii" in self.options or ("ebcdic" not in self.options and guess_ascii(raw)):
                for line in raw.decode("latin-1").splitlines():
                    line = line.expandtabs(8)
                    if len(line) > CARD:
                        if "trunc" not in self.options:
                            self.error = SENSE_DATA_CHECK
                            break
                        line = line[:CARD]
                    cards.append(to_ebcdic(line.ljust(CARD)))
            else:
                for off in range(0, len(raw), CARD):
                    card = raw[off:off + CARD]
                    if len(card) < CARD:
                        if "autopad" not in self.options:
                            self.error = SENSE_DATA_CHECK
                            break
                        card = card.ljust(CARD, b"\x00")
                    cards.append(card)
        self.cards = cards

    def command(self, cmd: int, count: int, data: bytes | None) -> Result:
        if is_control(cmd):
            return immediate()                       # feed / select stacker
        if not is_read(cmd):
            return self.reject()
        if self.cards is None:
            if not self.files:
                return self.not_ready()
            self._read_deck()
            if self.cards is None:
                return self.not_ready()
        if self.position >= len(self.cards):
            if self.error:
                err, self.error = self.error, 0
                return self.unit_check(err)
            if "eof" in self.options:
                return Result(CE_DE | UNIT_EXCEPTION)
            return self.not_ready()
        card = self.cards[self.position]
        self.position += 1
        return Result(CE_DE, card)
