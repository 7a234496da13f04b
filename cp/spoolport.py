"""The spool hand-off of virtual unit-record devices: what a virtual reader,
punch or printer needs from the spooling system (``SpoolPort``), and the
in-memory default (``MemorySpool``). Cards are 80 bytes; a short card is padded
with X'40' (the EBCDIC blank), as the card readers read them.
"""
from __future__ import annotations

from collections import deque
from typing import Protocol


class SpoolPort(Protocol):
    """What virtual unit-record devices need from the spooling system."""

    def next_card(self, userid: str, address: int) -> bytes | None:
        """The next 80-byte card of the reader's open file; None at end of file."""

    def has_file(self, userid: str, address: int) -> bool:
        """Whether a reader file is open or waiting for the reader."""

    def punch(self, userid: str, address: int, card: bytes) -> None:
        """One card punched."""

    def print_line(self, userid: str, address: int, line: bytes, command: int) -> None:
        """One line printed (``command`` is the write CCW: carriage control)."""


class MemorySpool:
    """In-memory spool (the default): reader decks queued per user, punched cards
    and printed lines collected per user and device address."""

    def __init__(self) -> None:
        self.reader: dict[str, deque[list[bytes]]] = {}
        self._open: dict[tuple[str, int], deque[bytes]] = {}
        self.punched: dict[tuple[str, int], list[bytes]] = {}
        self.printed: dict[tuple[str, int], list[bytes]] = {}

    def add_reader_file(self, userid: str, cards: list[bytes]) -> None:
        self.reader.setdefault(userid.upper(), deque()).append(
            [bytes(c[:80]).ljust(80, b"\x40") for c in cards])

    def _file(self, userid: str, address: int) -> deque[bytes] | None:
        key = (userid, address)
        f = self._open.get(key)
        if f is None:
            q = self.reader.get(userid)
            if not q:
                return None
            f = self._open[key] = deque(q.popleft())
        return f

    def has_file(self, userid: str, address: int) -> bool:
        return self._file(userid, address) is not None

    def next_card(self, userid: str, address: int) -> bytes | None:
        f = self._file(userid, address)
        if f is None:
            return None
        if not f:
            del self._open[(userid, address)]
            return None
        return f.popleft()

    def punch(self, userid: str, address: int, card: bytes) -> None:
        self.punched.setdefault((userid, address), []).append(card)

    def print_line(self, userid: str, address: int, line: bytes, command: int) -> None:
        self.printed.setdefault((userid, address), []).append(line)
