"""Telnet for TN3270 (RFC 1576; RFC 854/855 for the commands, RFC 1091 for
TERMINAL-TYPE, RFC 856 BINARY, RFC 885 END-OF-RECORD).

A TN3270 client is a telnet client that, asked for its terminal type, names a
3270 (``IBM-3278-2``, ``IBM-3279-5-E``, ...) and agrees to BINARY and EOR in
both directions; from then on every 3270 record is sent with IAC doubled and
ends with IAC EOR. ``TelnetParser`` splits received bytes into telnet commands,
subnegotiations, data and (in 3270 mode) records; ``negotiate`` runs the
dialogue on a socket and says whether the client is a 3270 (and which) or must
be served in line mode. TN3270E (RFC 2355) is never offered and a client's
offer of it is declined (DONT), so TN3270E clients carry on with RFC 1576.
"""
from __future__ import annotations

import asyncio
import re
from typing import NamedTuple

IAC, DONT, DO, WONT, WILL, SB, SE, EOR_CMD, NOP = 255, 254, 253, 252, 251, 250, 240, 239, 241
BINARY, TTYPE, EOR, TN3270E = 0, 24, 25, 40
TTYPE_IS, TTYPE_SEND = 0, 1

#: Screen sizes of the 3278/3279 models (rows, columns): the default screen is
#: 24x80 on every model; Erase/Write Alternate selects the model's own size.
MODELS = {"2": (24, 80), "3": (32, 80), "4": (43, 80), "5": (27, 132)}
_TERMINAL = re.compile(r"IBM-327[89]-([2-5])(-E)?$")

#: Seconds the client has for each step of the negotiation.
STEP_WAIT = 3.0
#: A client that says nothing at all to DO TERMINAL-TYPE is line mode after this.
SILENT_WAIT = 1.0


class Terminal3270(NamedTuple):
    """What negotiation found: the type the client named and its screen sizes."""
    ttype: str
    model: str
    extended: bool          # the -E types: SFE, SA and MF are understood

    @property
    def alternate(self) -> tuple[int, int]:
        return MODELS[self.model]


def terminal_type(name: str) -> Terminal3270 | None:
    """The 3270 a TERMINAL-TYPE name announces, or None for any other terminal."""
    m = _TERMINAL.match(name.strip().upper())
    if m is None:
        return None
    return Terminal3270(name.strip().upper(), m.group(1), bool(m.group(2)))


def command(verb: int, option: int) -> bytes:
    return bytes((IAC, verb, option))


def record(data: bytes) -> bytes:
    """One 3270 record on the wire: IAC doubled, IAC EOR at the end."""
    return bytes(data).replace(b"\xff", b"\xff\xff") + bytes((IAC, EOR_CMD))


class TelnetParser:
    """Incremental telnet receiver. ``feed`` returns events:
    ``("cmd", verb, option)``, ``("sb", option, bytes)``, ``("data", bytes)``
    (bytes outside any record) and, once ``records`` is set, ``("record",
    bytes)`` for each IAC EOR-terminated record. ``limit`` bounds a record or
    subnegotiation: a longer one is reported as ``("overflow",)`` and dropped."""

    def __init__(self, limit: int = 16384):
        self.limit = limit
        self.records = False
        self._buf = bytearray()          # current record or data run
        self._sb: bytearray | None = None
        self._state = 0                  # 0 data, 1 after IAC, 2 verb, 3 in SB, 4 IAC in SB
        self._verb = 0
        self._dropping = False

    def feed(self, data: bytes) -> list[tuple]:
        events: list[tuple] = []
        for b in data:
            st = self._state
            if st == 0:
                if b == IAC:
                    self._state = 1
                else:
                    self._byte(b, events)
            elif st == 1:
                if b == IAC:
                    self._state = 0
                    self._byte(IAC, events)
                elif b in (DO, DONT, WILL, WONT):
                    self._verb, self._state = b, 2
                elif b == SB:
                    self._sb, self._state = bytearray(), 3
                elif b == EOR_CMD:
                    self._state = 0
                    if self._dropping:
                        self._dropping = False
                    elif self.records:
                        events.append(("record", bytes(self._buf)))
                    self._buf.clear()
                else:
                    self._state = 0
                    events.append(("cmd", b, None))     # NOP, AYT, IP, BRK ...
            elif st == 2:
                self._state = 0
                events.append(("cmd", self._verb, b))
            elif st == 3:
                if b == IAC:
                    self._state = 4
                elif len(self._sb) < self.limit:
                    self._sb.append(b)
            else:                        # IAC inside a subnegotiation
                if b == SE:
                    sb = bytes(self._sb)
                    self._sb, self._state = None, 0
                    if sb:
                        events.append(("sb", sb[0], sb[1:]))
                else:
                    self._state = 3
                    if b == IAC and len(self._sb) < self.limit:
                        self._sb.append(IAC)
        if not self.records and self._buf:
            events.append(("data", bytes(self._buf)))
            self._buf.clear()
        return events

    def _byte(self, b: int, events: list) -> None:
        if self._dropping:
            return
        if len(self._buf) >= self.limit:
            self._buf.clear()
            self._dropping = self.records
            events.append(("overflow",))
            return
        self._buf.append(b)


class Outcome(NamedTuple):
    """``terminal`` is None for line mode; ``leftover`` is what the client
    sent that the negotiation did not consume."""
    terminal: Terminal3270 | None
    leftover: bytes


async def negotiate(sock, parser: TelnetParser) -> Outcome:
    """The RFC 1576 dialogue on a non-blocking socket: DO TERMINAL-TYPE, SEND
    it, then DO/WILL EOR and BINARY. Anything else the client says (WONT, a
    terminal that is not a 3270, data, silence) means line mode."""
    loop = asyncio.get_running_loop()
    await loop.sock_sendall(sock, command(DO, TTYPE))
    pending: list[tuple] = []
    leftover = bytearray()

    async def next_event(wait: float) -> tuple | None:
        while not pending:
            try:
                data = await asyncio.wait_for(loop.sock_recv(sock, 4096), wait)
            except asyncio.TimeoutError:
                return None
            if not data:
                raise ConnectionResetError("client closed during negotiation")
            pending.extend(parser.feed(data))
        return pending.pop(0)

    async def answer(want: set, wait: float) -> bool:
        """Wait for the (verb, option) pairs in ``want``; False on a refusal."""
        while want:
            ev = await next_event(wait)
            if ev is None:
                return False
            if ev[0] == "cmd" and ev[2] is not None:
                verb, opt = ev[1], ev[2]
                if (verb, opt) in want:
                    want.discard((verb, opt))
                    continue
                if opt == TN3270E and verb == WILL:
                    await loop.sock_sendall(sock, command(DONT, TN3270E))
                    continue
                if opt == TN3270E and verb == DO:
                    await loop.sock_sendall(sock, command(WONT, TN3270E))
                    continue
                if any(o == opt for _, o in want) and verb in (WONT, DONT):
                    return False
                continue                  # other options: not ours to answer here
            if ev[0] == "data":
                leftover.extend(ev[1])
                return False
        return True

    if not await answer({(WILL, TTYPE)}, SILENT_WAIT):
        return Outcome(None, bytes(leftover))
    await loop.sock_sendall(sock, bytes((IAC, SB, TTYPE, TTYPE_SEND, IAC, SE)))
    name = None
    while name is None:
        ev = await next_event(STEP_WAIT)
        if ev is None:
            return Outcome(None, bytes(leftover))
        if ev[0] == "sb" and ev[1] == TTYPE and ev[2][:1] == bytes((TTYPE_IS,)):
            name = ev[2][1:].decode("ascii", "replace")
        elif ev[0] == "data":
            leftover.extend(ev[1])
            return Outcome(None, bytes(leftover))
        elif ev[0] == "cmd" and ev[2] == TN3270E and ev[1] in (WILL, DO):
            await loop.sock_sendall(sock, command(DONT if ev[1] == WILL else WONT, TN3270E))
    term = terminal_type(name)
    if term is None:
        return Outcome(None, bytes(leftover))
    await loop.sock_sendall(sock, command(DO, EOR) + command(WILL, EOR)
                            + command(DO, BINARY) + command(WILL, BINARY))
    if not await answer({(WILL, EOR), (DO, EOR), (WILL, BINARY), (DO, BINARY)}, STEP_WAIT):
        await loop.sock_sendall(sock, command(DONT, BINARY) + command(WONT, BINARY)
                                + command(DONT, EOR) + command(WONT, EOR))
        return Outcome(None, bytes(leftover))
    parser.records = True
    return Outcome(term, bytes(leftover))
