"""Logon protection: wrong passwords slow the next try down.

CP on a network port meets password guessers. Every wrong password for a user,
and every wrong password from an address, doubles the time before the next
check for that user or from that address (1, 2, 4 ... up to ``MAX_DELAY``
seconds); a right password clears both, and a quiet ``FORGET`` seconds does too.

How the delay is applied: the terminal that typed the wrong password is held
(``Terminal.hold_until``: a telnet connection reads its next line only then),
and while a delay runs every *other* terminal's check for that user or from that
address is refused unchecked, so guessing on many connections at once gains
nothing. The caller logs each failure on the operator's console; no password
ever appears there.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

FIRST_DELAY = 1.0
MAX_DELAY = 60.0
FORGET = 600.0


@dataclass
class _Failures:
    count: int
    last: float
    terminal: object          # the terminal of the last failure (it is held, not refused)

    @property
    def delay(self) -> float:
        return min(FIRST_DELAY * 2 ** (self.count - 1), MAX_DELAY)


#: The address of this process's own terminals (console, scripts): not counted.
LOCAL = "LOCAL"


class LogonGuard:
    """Failure counts by ``("USER", userid)`` and ``("ADDR", address)`` (network
    addresses only)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._failures: dict[tuple[str, str], _Failures] = {}

    @staticmethod
    def _keys(userid: str, address: str) -> list[tuple[str, str]]:
        keys = [("USER", userid)]
        if address != LOCAL:
            keys.append(("ADDR", address))
        return keys

    def _records(self, userid: str, address: str) -> list[_Failures]:
        now = self.clock()
        out = []
        for key in self._keys(userid, address):
            f = self._failures.get(key)
            if f is not None and now - f.last > FORGET:
                del self._failures[key]
                f = None
            if f is not None:
                out.append(f)
        return out

    def wait(self, userid: str, address: str, terminal: object) -> float:
        """Seconds before ``terminal`` may have a password for ``userid``
        checked (0: now)."""
        now = self.clock()
        return max([f.last + f.delay - now for f in self._records(userid, address)
                    if f.terminal is not terminal] + [0.0])

    def failed(self, userid: str, address: str, terminal: object) -> tuple[int, float]:
        """Count a wrong password. Returns (failures in a row, seconds of delay)."""
        now = self.clock()
        worst = None
        for key in self._keys(userid, address):
            f = self._failures.get(key)
            if f is None or now - f.last > FORGET:
                f = self._failures[key] = _Failures(0, now, terminal)
            f.count += 1
            f.last, f.terminal = now, terminal
            if worst is None or f.count > worst.count:
                worst = f
        return worst.count, worst.delay

    def succeeded(self, userid: str, address: str) -> None:
        self._failures.pop(("USER", userid), None)
        self._failures.pop(("ADDR", address), None)
