"""Telnet for TN3270 (RFC 1576; RFC 854/855 for the commands, RFC 1091 for
TERMINAL-TYPE, RFC 856 BINARY, RFC 885 END-OF-RECORD).

A TN3270 client is a telnet client that, asked for its terminal type, names a
3270 (``IBM-3278-2``, ``IBM-3279-5-E``, ...) and agrees to BINARY and EOR in
both directions; from then on every 3270 record is sent with IAC doubled and
ends with IAC EOR. ``TelnetParser`` splits received bytes into telnet commands,
subnegotiations, data and (in 3270 mode) records; ``ask_terminal_type`` and
``agree_3270`` run the dialogue on a ``Link`` (a connection's asyncio streams). TN3270E (RFC 2355) is never offered and a client's
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


class Link:
    """The two ends of a connection (asyncio streams) and its telnet parser;
    ``pending`` holds parsed events not consumed yet."""

    def __init__(self, reader, writer, parser: TelnetParser | None = None):
        self.reader = reader
        self.writer = writer
        self.parser = parser or TelnetParser()
        self.pending: list[tuple] = []

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def event(self, wait: float | None) -> tuple | None:
        """The next telnet event; None when ``wait`` seconds pass first.
        ConnectionResetError when the client has gone."""
        while not self.pending:
            try:
                data = await asyncio.wait_for(self.reader.read(4096), wait)
            except asyncio.TimeoutError:
                return None
            if not data:
                raise ConnectionResetError("client closed the connection")
            self.pending.extend(self.parser.feed(data))
        return self.pending.pop(0)


async def _decline_tn3270e(link: Link, ev: tuple) -> bool:
    """RFC 2355 is not offered; a client offering it is declined. True if ``ev`` was such an offer."""
    if ev[0] == "cmd" and ev[2] == TN3270E and ev[1] in (WILL, DO):
        await link.send(command(DONT if ev[1] == WILL else WONT, TN3270E))
        return True
    return False


async def ask_terminal_type(link: Link) -> str | None:
    """DO TERMINAL-TYPE, then SEND (RFC 1091): the name the client gives, or
    None when it refuses, types data instead, or stays silent."""
    await link.send(command(DO, TTYPE))
    asked = False
    while True:
        ev = await link.event(STEP_WAIT if asked else SILENT_WAIT)
        if ev is None or ev[0] == "data":
            return None
        if await _decline_tn3270e(link, ev):
            continue
        if ev[0] == "cmd" and ev[2] == TTYPE:
            if ev[1] == WONT:
                return None
            if ev[1] == WILL and not asked:
                asked = True
                await link.send(bytes((IAC, SB, TTYPE, TTYPE_SEND, IAC, SE)))
        elif ev[0] == "sb" and ev[1] == TTYPE and ev[2][:1] == bytes((TTYPE_IS,)):
            return ev[2][1:41].decode("ascii", "replace")


async def agree_3270(link: Link) -> bool:
    """DO/WILL END-OF-RECORD and BINARY (RFC 1576); True when the client agrees
    to all four, after which the parser splits records. A refusal is answered
    by turning the options off again: the client stays an NVT (line mode)."""
    await link.send(command(DO, EOR) + command(WILL, EOR) + command(DO, BINARY) + command(WILL, BINARY))
    want = {(WILL, EOR), (DO, EOR), (WILL, BINARY), (DO, BINARY)}
    while want:
        ev = await link.event(STEP_WAIT)
        if ev is None or ev[0] == "data":
            break
        if await _decline_tn3270e(link, ev) or ev[0] != "cmd":
            continue
        if (ev[1], ev[2]) in want:
            want.discard((ev[1], ev[2]))
        elif ev[2] in (EOR, BINARY) and ev[1] in (WONT, DONT):
            break
    if want:
        await link.send(command(DONT, BINARY) + command(WONT, BINARY) + command(DONT, EOR)
                        + command(WONT, EOR))
        return False
    link.parser.records = True
    return True
