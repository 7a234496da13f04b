"""DIAGNOSE X'58' on a 3270 terminal: a guest shares the screen with CP.

``FullScreen`` is what ``vm.display()`` hands the DIAGNOSE code
(cp/backends/s370_diagnose.py) for a user at a 3270. Display lines (X'19') go
into CP's output area. A full-screen write (X'29') is checked on a model of the
display (``Buffer``: a record the 3270 would reject is an I/O error and is not
sent) and then sent as it is; from then on the screen is the guest's: the AID
keys the user presses are kept for the guest's full-screen read (X'2A') and
raise an attention interruption on its console, except PA1, which gives CP
attention as always. Whenever CP has something of its own to show (a console
line, PA1, the machine stopping) full-screen mode ends and the session redraws
CP's screen.
"""
from __future__ import annotations

from typing import Callable

from . import datastream as ds
from .buffer import Buffer


class FullScreen:
    """The guest's side of one 3270 session (see the module doc)."""

    def __init__(self, session):
        self.session = session
        self.active = False
        self.model: Buffer | None = None
        self.inbound: bytes | None = None     # the last AID record, for Read Modified
        self.on_key: Callable[[], None] | None = None

    # -------------------------------------------- the guest (DIAGNOSE X'58')
    def display(self, line: int, data: bytes, erase: bool) -> None:
        self.leave()
        self.session.screen.place(line, data, erase)
        self.session.wake.set()

    def clear_output(self) -> None:
        self.display(0, b"", True)

    def restore(self) -> None:
        """X'FE': erase, CP's format, cursor in the input area."""
        self.leave()
        self.session.redraw()

    def write(self, erase: bool, data: bytes, on_key: Callable[[], None]) -> bool:
        """A full-screen Write (Erase/Write when ``erase``): False if the 3270
        would reject it."""
        screen = self.session.screen
        if self.model is None or erase:
            self.model = Buffer(screen.rows, screen.cols, alt=(screen.rows, screen.cols))
        command = ds.EWA if erase else ds.W
        try:
            self.model.write(bytes((command,)) + data)
        except ds.DataStreamError:
            return False
        self.active = True
        self.on_key = on_key
        self.inbound = None
        self.session.send_record(bytes((command,)) + data)
        return True

    def read(self, modified: bool) -> bytes:
        """Read Modified: the AID record the user sent (the no-AID reply when
        none is waiting); Read Buffer: the model's whole buffer."""
        if self.model is None:
            self.model = Buffer(self.session.screen.rows, self.session.screen.cols)
        if not modified:
            return self.model.read_buffer()
        got, self.inbound = self.inbound, None
        return got if got is not None else self.model.read_modified(ds.AID_NONE)

    # ------------------------------------------------------- the terminal
    def key(self, record: bytes, inbound: ds.Inbound) -> None:
        """The user pressed an AID key on the guest's screen."""
        if self.model is not None:
            self.model.cursor = inbound.cursor if inbound.cursor is not None else self.model.cursor
            for addr, data in inbound.fields:
                if addr is None or addr < self.model.size:
                    self.model.type_into(addr, data)
        self.inbound = record
        if self.on_key is not None:
            self.on_key()

    def leave(self) -> bool:
        """End full-screen mode (True if it was on): CP's screen comes back."""
        if not self.active:
            return False
        self.active = False
        self.on_key = None
        self.session.redraw()
        return True
