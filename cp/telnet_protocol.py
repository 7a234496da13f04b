"""The telnet protocol's byte layer (RFC 854/855): separating data from IAC
commands and option negotiation, for any server that speaks telnet (the CP line
terminals of cp/telnet.py, and TN3270).

``TelnetParser.feed`` takes whatever a peer sent and returns events; it keeps
no more than ``MAX_SUBNEG`` bytes of one subnegotiation, so a peer that opens
``IAC SB`` and never closes it cannot grow the server's memory or swallow the
rest of the connection: past the bound the subnegotiation is abandoned and the
bytes are data again.
"""
from __future__ import annotations

IAC, DONT, DO, WONT, WILL, SB = 255, 254, 253, 252, 251, 250
GA, EL, EC, AYT, AO, IP, BRK, DM, NOP, SE, EOR = 249, 248, 247, 246, 245, 244, 243, 242, 241, 240, 239
# options
BINARY, ECHO, SGA, TTYPE, EOR_OPT, NAWS, LINEMODE = 0, 1, 3, 24, 25, 31, 34
# TERMINAL-TYPE subnegotiation (RFC 1091)
TTYPE_IS, TTYPE_SEND = 0, 1

MAX_SUBNEG = 512

DATA = "data"         # (DATA, bytes)
COMMAND = "command"   # (COMMAND, code): IP, BRK, AYT, EC, EL, ...
OPTION = "option"     # (OPTION, verb, option): verb is WILL, WONT, DO or DONT
SUBNEG = "subneg"     # (SUBNEG, option, payload bytes)

_DATA, _IAC, _VERB, _SB, _SB_IAC = range(5)


def command(*codes: int) -> bytes:
    """``IAC`` followed by ``codes`` (a command, or a verb and an option)."""
    return bytes((IAC,) + codes)


def subnegotiation(option: int, payload: bytes) -> bytes:
    """``IAC SB option payload IAC SE`` with IAC bytes of the payload doubled."""
    return bytes((IAC, SB, option)) + payload.replace(b"\xff", b"\xff\xff") + bytes((IAC, SE))


def escape_data(data: bytes) -> bytes:
    """Data bytes as sent on a telnet connection: IAC doubled."""
    return data.replace(b"\xff", b"\xff\xff")


class TelnetParser:
    """Incremental parser of the bytes a telnet peer sends."""

    def __init__(self) -> None:
        self._state = _DATA
        self._verb = 0
        self._sb = bytearray()

    def feed(self, data: bytes) -> list[tuple]:
        events: list[tuple] = []
        run = bytearray()
        for b in data:
            st = self._state
            if st == _DATA:
                if b == IAC:
                    self._state = _IAC
                else:
                    run.append(b)
            elif st == _IAC:
                self._state = _DATA
                if b == IAC:
                    run.append(IAC)
                elif b in (WILL, WONT, DO, DONT):
                    self._verb, self._state = b, _VERB
                elif b == SB:
                    self._sb.clear()
                    self._state = _SB
                else:
                    if run:
                        events.append((DATA, bytes(run)))
                        run.clear()
                    events.append((COMMAND, b))
            elif st == _VERB:
                self._state = _DATA
                if run:
                    events.append((DATA, bytes(run)))
                    run.clear()
                events.append((OPTION, self._verb, b))
            elif st == _SB:
                if b == IAC:
                    self._state = _SB_IAC
                elif len(self._sb) < MAX_SUBNEG:
                    self._sb.append(b)
                else:                       # never closed: give up, the rest is data
                    self._state = _DATA
                    run.append(b)
            else:                           # _SB_IAC
                if b == SE:
                    self._state = _DATA
                    if self._sb:
                        if run:
                            events.append((DATA, bytes(run)))
                            run.clear()
                        events.append((SUBNEG, self._sb[0], bytes(self._sb[1:])))
                elif b == IAC:
                    self._state = _SB
                    if len(self._sb) < MAX_SUBNEG:
                        self._sb.append(IAC)
                else:                       # IAC x inside SB: a broken peer; end the SB
                    self._state = _DATA
        if run:
            events.append((DATA, bytes(run)))
        return events
