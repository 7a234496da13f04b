"""Telnet for TN3270 (RFC 1576; RFC 854/855 for the commands, RFC 1091 for
TERMINAL-TYPE, RFC 856 BINARY, RFC 885 END-OF-RECORD).

A TN3270 client is a telnet client that, asked for its terminal type, names a
3270 (``IBM-3278-2``, ``IBM-3279-5-E``, ...) and agrees to BINARY and EOR in
both directions; from then on every 3270 record is sent with IAC doubled and
ends with IAC EOR. ``RecordParser`` groups the telnet layer's events
(cp/telnet_protocol.py) into records; ``agree_3270`` runs the second half of the
dialogue on a ``Link`` (a connection's asyncio streams) once the line-mode
server (cp/telnet.py) has learnt the terminal type. TN3270E (RFC 2355) is never
offered and a client's offer of it is declined (DONT), so TN3270E clients
carry on with RFC 1576.
"""
from __future__ import annotations

import asyncio
import re
from typing import NamedTuple

from .. import telnet_protocol as tp
from ..telnet_protocol import BINARY, DO, DONT, TTYPE, WILL, WONT, command  # noqa: F401
from ..telnet_protocol import EOR as EOR_CMD
from ..telnet_protocol import EOR_OPT as EOR

#: the TN3270E option (RFC 2355), never offered here
TN3270E = 40

#: Screen sizes of the 3278/3279 models (rows, columns): the default screen is
#: 24x80 on every model; Erase/Write Alternate selects the model's own size.
MODELS = {"2": (24, 80), "3": (32, 80), "4": (43, 80), "5": (27, 132)}
_TERMINAL = re.compile(r"IBM-327[89]-([2-5])(-E)?$")

#: Seconds the client has for each step of the negotiation.
STEP_WAIT = 3.0


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


def record(data: bytes) -> bytes:
    """One 3270 record on the wire: IAC doubled, IAC EOR at the end."""
    return tp.escape_data(bytes(data)) + tp.command(EOR_CMD)


class RecordParser:
    """The telnet events of cp.telnet_protocol, regrouped for 3270 mode:
    ``("cmd", verb, option)`` for an option, ``("cmd", code, None)`` for other
    commands, ``("sb", option, bytes)``, ``("data", bytes)`` before 3270 mode
    and, once ``records`` is set, ``("record", bytes)`` for each record ended
    by IAC EOR. A record longer than ``limit`` is dropped, reported once as
    ``("overflow",)``: a client cannot make CP keep an endless record."""

    def __init__(self, limit: int = 16384):
        self.parser = tp.TelnetParser()
        self.limit = limit
        self.records = False
        self._buf = bytearray()
        self._dropping = False

    def feed(self, data: bytes) -> list[tuple]:
        out: list[tuple] = []
        for ev in self.parser.feed(data):
            kind = ev[0]
            if kind == tp.DATA:
                if not self.records:
                    out.append(("data", ev[1]))
                elif not self._dropping:
                    self._buf += ev[1]
                    if len(self._buf) > self.limit:
                        self._buf.clear()
                        self._dropping = True
                        out.append(("overflow",))
            elif kind == tp.COMMAND and ev[1] == EOR_CMD:
                if self.records and not self._dropping:
                    out.append(("record", bytes(self._buf)))
                self._buf.clear()
                self._dropping = False
            elif kind == tp.COMMAND:
                out.append(("cmd", ev[1], None))
            elif kind == tp.OPTION:
                out.append(("cmd", ev[1], ev[2]))
            else:
                out.append(("sb", ev[1], ev[2]))
        return out


class Link:
    """The two ends of a connection (asyncio streams) and its telnet parser;
    ``pending`` holds parsed events not consumed yet."""

    def __init__(self, reader, writer, parser: RecordParser | None = None):
        self.reader = reader
        self.writer = writer
        self.parser = parser or RecordParser()
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
