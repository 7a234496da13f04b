"""The TN3270 server: where 3270 clients (x3270, c3270, wc3270, s3270) log on
to CP with VM/370's screen.

``serve_3270`` takes a connection whose terminal type names a 3278 or 3279
(RFC 1576), agrees BINARY and EOR with it and runs a ``Session3270``; a client
that refuses BINARY or EOR is given back to line mode. ``TN3270Server`` is a
port of its own (``s370vm cp --tn3270-port``): it asks each connection for its
terminal type itself. Every connection is its own task: a client that stops
reading, sends garbage or drops mid-record affects only itself.
"""
from __future__ import annotations

import asyncio
import contextlib
import time

from .negotiation import Link, agree_3270, ask_terminal_type, terminal_type
from .session import Session3270
from .vmscreen import MORE_WAIT

DEFAULT_PORT = 3278
LINE_MODE_NOTE = b"\r\nThis port serves 3270 terminals (IBM-3278/3279); use line-mode telnet.\r\n"


class TN3270Server:
    """The 3270 sessions of one host, and (``listen``) a port for them."""

    def __init__(self, host, port: int = DEFAULT_PORT, address: str = "127.0.0.1",
                 more_wait: float = MORE_WAIT):
        self.host = host
        self.port = port
        self.address = address
        self.more_wait = more_wait
        self.sessions: set[Session3270] = set()
        #: seconds from the terminal type to the first screen, per session
        self.connect_times: list[float] = []
        self.server: asyncio.base_events.Server | None = None

    async def serve_3270(self, link: Link, ttype: str) -> bool:
        """Run a 3270 session on ``link``; False (nothing sent but the
        refused options) when the type is no 3270 or the client refuses."""
        t0 = time.monotonic()
        term = terminal_type(ttype)
        if term is None or not await agree_3270(link):
            return False
        rows, cols = term.alternate
        session = Session3270(self.host, link, rows, cols, self.more_wait)
        self.sessions.add(session)
        self.connect_times.append(time.monotonic() - t0)
        try:
            await session.run()
        finally:
            self.sessions.discard(session)
        return True

    # ---------------------------------------------------- a port of its own
    async def start(self) -> None:
        """Listen; OSError when the port cannot be had."""
        self.server = await asyncio.start_server(self._accept, self.address, self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _accept(self, reader, writer) -> None:
        link = Link(reader, writer)
        try:
            ttype = await ask_terminal_type(link)
            if ttype is None or not await self.serve_3270(link, ttype):
                await link.send(LINE_MODE_NOTE)
        except (OSError, asyncio.CancelledError):
            pass                        # the client went away: only its own session ends
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    async def close(self) -> None:
        """Stop listening and end every session (their users are disconnected)."""
        for session in list(self.sessions):
            session.closed = True
            with contextlib.suppress(Exception):
                session.link.writer.close()
        if self.server is not None:
            self.server.close()
            with contextlib.suppress(Exception):
                await self.server.wait_closed()


async def serve_beside(host, port: int, write) -> None:
    """Run a TN3270 port next to the other terminals until cancelled; a port
    that cannot be had is reported with ``write`` (the rest of CP goes on)."""
    server = TN3270Server(host, port)
    try:
        await server.start()
    except OSError as exc:
        write(f"TN3270 SERVER NOT STARTED ON PORT {port}: {exc.strerror}")
        return
    try:
        await asyncio.Event().wait()
    finally:
        await server.close()
