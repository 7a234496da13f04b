"""VM/370's screen on a 3270 display, as CP drives it in line mode.

Layout (VM/370 Release 6 *Terminal User's Guide*; rows and columns from the
terminal model):

* the output area, rows 1 to R-2: one protected field, CP's and the guest's
  lines in it, top to bottom; when it is full the next line sets ``MORE...``
  and waits. After ``MORE_WAIT`` seconds (VM/370: about a minute), or at once
  on PA2 or CLEAR, the waiting lines scroll the area upward (CLEAR starts
  again from an empty area). ENTER with nothing typed during MORE... holds the
  screen (``HOLDING``) until PA2 or CLEAR.
* the input area, rows R-1 and R less the status area: one unprotected field
  (non-display while CP asks for a password), cursor at its start.
* the status area, the last 20 positions of row R: ``CP READ``, ``VM READ``,
  ``RUNNING``, ``MORE...``, ``HOLDING`` or ``NOT ACCEPTED``, then the system name.

``VMScreen`` is the model only: it turns lines and key events into 3270
records (Erase/Write Alternate for a whole screen, Write for what changed) and
knows nothing of sockets or of CP's terminal states, which the caller passes in.
"""
from __future__ import annotations

from s370.ebcdic import to_ebcdic

from . import datastream as ds

MORE_WAIT = 60.0
STATUS_WIDTH = 20
#: Lines kept waiting behind MORE... at most (a guest writing without end must
#: not fill CP's memory for a terminal nobody reads).
MAX_WAITING = 2000
SYSTEM_NAME = "S370VM"

LOGO = (
    "",
    "      VV     VV  MM     MM    //   333333   777777   000000",
    "      VV     VV  MMM   MMM   //        33      77   00    00",
    "       VV   VV   MM MMM MM  //     33333      77    00    00",
    "        VV VV    MM  M  MM //          33    77     00    00",
    "         VVV     MM     MM//      333333    77       000000",
    "",
    "             s370vm  -  a System/370 virtual machine facility",
    "",
    "VM/370 ONLINE",
    "",
    "Type LOGON userid and press ENTER.  PA1 is the attention key;",
    "CLEAR or PA2 moves a MORE... screen on.",
)


def _text(line: str) -> bytes:
    """A line as 3270 graphics: EBCDIC, control characters shown as blanks."""
    return to_ebcdic("".join(c if c.isprintable() else " " for c in line))


class VMScreen:
    """CP's screen for one terminal: ``rows`` x ``cols`` (the model's alternate size)."""

    def __init__(self, rows: int = 24, cols: int = 80, more_wait: float = MORE_WAIT,
                 system: str = SYSTEM_NAME):
        self.rows, self.cols = rows, cols
        self.size = rows * cols
        self.more_wait = more_wait
        self.system = system
        self.out_rows = rows - 2
        self.output: list[bytes] = []
        self.waiting: list[bytes] = []
        self.more_since: float | None = None
        self.holding = False
        self.not_accepted = False
        self.password = False
        self.base_status = "CP READ"
        self._dirty_rows: set[int] = set()
        self._status_shown = ""
        self._input_reset = False
        self._password_shown = False

    # --------------------------------------------------------- geometry
    @property
    def input_attr(self) -> int:
        return self.out_rows * self.cols

    @property
    def input_start(self) -> int:
        return self.input_attr + 1

    @property
    def status_attr(self) -> int:
        return self.size - STATUS_WIDTH - 1

    @property
    def input_length(self) -> int:
        return self.status_attr - self.input_start

    # ----------------------------------------------------------- output
    def add_line(self, line: str, now: float) -> None:
        """A line for the output area (wrapped at the screen width)."""
        data = _text(line)
        pieces = [data[i:i + self.cols] for i in range(0, len(data), self.cols)] or [b""]
        for piece in pieces:
            self.add_line_bytes(piece, now)

    def tick(self, now: float) -> None:
        """Time passes: a MORE... screen that waited long enough moves on."""
        if self.more_since is not None and not self.holding and now - self.more_since >= self.more_wait:
            self.scroll(now)

    def scroll(self, now: float) -> None:
        """Show the waiting lines: the output area scrolls upward by as many
        as fit; MORE... again if still more wait."""
        take, self.waiting = self.waiting[:self.out_rows], self.waiting[self.out_rows:]
        self.output = (self.output + take)[-self.out_rows:]
        self._dirty_rows.update(range(self.out_rows))
        self.holding = False
        self.more_since = now if self.waiting else None

    def clear(self, now: float) -> None:
        """CLEAR: the client erased its screen; CP starts an empty output area
        with the waiting lines (and leaves MORE... and HOLDING)."""
        self.output = []
        self.holding = False
        self.more_since = None
        waiting, self.waiting = self.waiting, []
        self._dirty_rows.update(range(self.out_rows))
        for piece in waiting:
            self.add_line_bytes(piece, now)

    def add_line_bytes(self, piece: bytes, now: float) -> None:
        """One screen row of text: shown if there is room, else waiting (MORE...)."""
        if len(self.output) < self.out_rows and not self.waiting:
            self._dirty_rows.add(len(self.output))
            self.output.append(piece)
            return
        self.waiting.append(piece)
        if len(self.waiting) > MAX_WAITING:
            del self.waiting[0]
        if self.more_since is None and not self.holding:
            self.more_since = now

    def place(self, line: int, data: bytes, erase: bool) -> None:
        """DIAGNOSE X'58' X'19': EBCDIC data shown from output row ``line``
        (after erasing the output area when ``erase``). A start-field order
        and its attribute show as one blank; other controls as blanks."""
        text = bytearray()
        i = 0
        while i < len(data):
            b = data[i]
            i += 2 if b == ds.SF else 1
            text.append(b if b >= 0x40 else 0x40)
        if erase:
            self.output = []
        rows = [bytes(text[k:k + self.cols]) for k in range(0, len(text), self.cols)]
        line = min(line, self.out_rows - 1)
        rows = rows[:self.out_rows - line]
        while len(self.output) < line + len(rows):
            self.output.append(b"")
        self.output[line:line + len(rows)] = rows
        self._dirty_rows.update(range(self.out_rows))

    def hold(self) -> bool:
        """ENTER with empty input: a MORE... screen becomes HOLDING. True if it did."""
        if self.more_since is not None:
            self.more_since = None
            self.holding = True
            return True
        return False

    def reset_input(self) -> None:
        """Empty the input area and put the cursor at its start."""
        self._input_reset = True

    # ----------------------------------------------------------- status
    @property
    def status(self) -> str:
        if self.holding:
            word = "HOLDING"
        elif self.more_since is not None:
            word = "MORE..."
        elif self.not_accepted:
            word = "NOT ACCEPTED"
        else:
            word = self.base_status
        return f"{word:<{STATUS_WIDTH - len(self.system) - 1}} {self.system}"[:STATUS_WIDTH]

    def changed(self) -> bool:
        return bool(self._dirty_rows or self._input_reset or self.status != self._status_shown
                    or self.password != self._password_shown)

    # ---------------------------------------------------------- records
    def _input_field(self) -> bytes:
        attr = ds.FA_NONDISPLAY if self.password else 0
        self._password_shown = self.password
        return (ds.sba(self.input_attr, self.size) + ds.sf(attr)
                + ds.ra(self.status_attr, 0, self.size)
                + ds.sba(self.input_start, self.size) + ds.ic())

    def _status_field(self) -> bytes:
        self._status_shown = self.status
        return (ds.sba(self.status_attr, self.size) + ds.sf(ds.FA_PROTECTED)
                + _text(self._status_shown))

    def full(self) -> bytes:
        """The whole screen: Erase/Write Alternate (keyboard restored, MDTs reset)."""
        body = bytearray(ds.sba(0, self.size))
        for r in range(self.out_rows):
            row = self.output[r] if r < len(self.output) else b""
            body += row.ljust(self.cols, b"\x40")
        body += self._status_field() + self._input_field()
        self._dirty_rows.clear()
        self._input_reset = False
        return ds.write(ds.EWA, ds.WCC_RESTORE | ds.WCC_RESET_MDT, bytes(body))

    def update(self) -> bytes | None:
        """What changed since the last record, as a Write (None: nothing)."""
        if not self.changed():
            return None
        body = bytearray()
        for r in sorted(self._dirty_rows):
            row = self.output[r] if r < len(self.output) else b""
            body += ds.sba(r * self.cols, self.size) + row.ljust(self.cols, b"\x40")
        self._dirty_rows.clear()
        if self.status != self._status_shown:
            body += ds.sba(self.status_attr + 1, self.size) + _text(self.status)
            self._status_shown = self.status
        wcc = ds.WCC_RESTORE
        if self._input_reset or self.password != self._password_shown:
            body += self._input_field()
            wcc |= ds.WCC_RESET_MDT
            self._input_reset = False
        return ds.write(ds.W, wcc, bytes(body))

    def logo(self) -> None:
        """Before logon: the logo in the output area."""
        self.output = [_text(ln)[:self.cols] for ln in LOGO[:self.out_rows]]
        self.waiting = []
        self.more_since = None
        self.holding = False
        self._dirty_rows.update(range(self.out_rows))
