"""DIAGNOSE X'58' on a 3270 terminal: a guest shares the screen with CP.

``FullScreen`` is what ``vm.display()`` hands the DIAGNOSE code
(cp/backends/s370_diagnose.py) for a user at a 3270. Display lines (X'19') go
into CP's output area. A full-screen write (X'29') makes the screen the guest's
(a ``GuestScreen``): the AID keys the user presses are kept for the guest's
full-screen read (X'2A') and raise an attention interruption on its console,
except PA1, which gives CP attention as always. Whenever CP has something of
its own to show (a console line, PA1, the machine stopping) full-screen mode
ends and the session redraws CP's screen.
"""
from __future__ import annotations

from typing import Callable

from . import datastream as ds
from .guestscreen import GuestScreen


class FullScreen(GuestScreen):
    """The guest's side of one 3270 session (see the module doc)."""

    def __init__(self, session):
        super().__init__(session)
        self.active = False

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
        """A full-screen Write (Erase/Write when ``erase``: the 24 x 80 default
        screen, as on a real 3270; CP's own screen uses the alternate size):
        False if the 3270 would reject it."""
        if not self.put(ds.EW if erase else ds.W, data):
            return False
        self.active = True
        self.on_key = on_key
        return True

    def read(self, modified: bool) -> bytes:
        return self.get(ds.RM if modified else ds.RB)

    def leave(self) -> bool:
        """End full-screen mode (True if it was on): CP's screen comes back."""
        if not self.active:
            return False
        self.active = False
        self.on_key = None
        self.session.redraw()
        return True
