"""A 3270 screen driven by a guest's own data streams, as opposed to CP's
line-mode screen (vmscreen.py).

``GuestScreen`` keeps a model of what the terminal shows (``Buffer``): a write
is checked on the model first (a record the 3270 would reject is refused and
never sent), then sent to the terminal as it is; the user's AID keys update the
model (typed fields, MDTs, cursor) and call ``on_key``; reads are answered from
the model. Two users of it: DIAGNOSE X'58' full-screen mode (fullscreen.py)
and a dialled or dedicated 3270 driven with CCWs (dialled.py).
"""
from __future__ import annotations

from typing import Callable

from . import datastream as ds
from .buffer import Buffer


class GuestScreen:
    def __init__(self, session):
        self.session = session
        screen = session.screen
        self.model = Buffer(24, 80, alt=(screen.rows, screen.cols))
        self.aid = ds.AID_NONE
        self.on_key: Callable[[], None] | None = None

    def put(self, command: int, data: bytes) -> bool:
        """A write command (W, EW, EWA, EAU) with its WCC and orders; False if invalid."""
        if command == ds.EAU:
            self._erase_unprotected()
            self.session.send_record(bytes((command,)))
            return True
        try:
            self.model.write(bytes((command,)) + data)
        except ds.DataStreamError:
            return False
        self.session.send_record(bytes((command,)) + data)
        return True

    def _erase_unprotected(self) -> None:
        """Erase All Unprotected (GA23-0059 3.5.4): nulls in every unprotected
        field, MDTs reset, cursor to the first unprotected position, keyboard on."""
        m = self.model
        for attr_at, start, length in m.fields():
            if not m.attr[attr_at] & ds.FA_PROTECTED:
                for k in range(length):
                    m.chars[(start + k) % m.size] = 0
            m.attr[attr_at] &= ~ds.FA_MDT
        m.cursor = next(((start) for a, start, n in m.fields()
                         if not m.attr[a] & ds.FA_PROTECTED and n), 0)
        m.keyboard_locked = False

    def get(self, command: int) -> bytes:
        """Read Buffer, Read Modified or Read Modified All, from the model; the
        AID of the key the user pressed (then no AID until the next key)."""
        aid, self.aid = self.aid, ds.AID_NONE
        if command == ds.RB:
            return self.model.read_buffer(aid)
        return self.model.read_modified(aid, all_fields=command == ds.RMA)

    def key(self, inbound: ds.Inbound) -> None:
        """The user pressed an AID key on the guest's screen."""
        m = self.model
        if inbound.aid == ds.AID_CLEAR:
            m.clear()
        for addr, data in inbound.fields:
            if addr is None or addr < m.size:
                m.type_into(addr, data)
        if inbound.cursor is not None and inbound.cursor < m.size:
            m.cursor = inbound.cursor
        m.keyboard_locked = True
        self.aid = inbound.aid
        if self.on_key is not None:
            self.on_key()
