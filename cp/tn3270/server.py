"""The TN3270 server: a TCP port where 3270 clients (x3270, c3270, wc3270,
s3270) log on to CP with VM/370's screen.

Its own port (``s370vm cp --tn3270-port``, default 3278) beside the line-mode
telnet port (3270): each connection is asked for its terminal type (RFC 1576);
a 3278/3279 that agrees to BINARY and EOR gets a ``Session3270``; any other
client, or one that refuses, is handed to the line-mode server (``line_mode``),
so a plain telnet to this port still works. Every connection is its own task:
a client that stops reading, sends garbage or drops mid-record affects only
itself.
"""
from __future__ import annotations

import asyncio
import contextlib
import socket
import time

from .negotiation import TelnetParser, negotiate
from .session import Session3270
from .vmscreen import MORE_WAIT

DEFAULT_PORT = 3278


class TN3270Server:
    """``line_mode(sock, address, leftover)`` serves a non-3270 client (None:
    such a client is told to use line-mode telnet and disconnected)."""

    def __init__(self, host, port: int = DEFAULT_PORT, address: str = "127.0.0.1",
                 line_mode=None, more_wait: float = MORE_WAIT):
        self.host = host
        self.port = port
        self.address = address
        self.line_mode = line_mode
        self.more_wait = more_wait
        self.sessions: set[Session3270] = set()
        #: seconds from accept to the first screen sent, per 3270 connection
        self.connect_times: list[float] = []
        self._tasks: set[asyncio.Task] = set()

    def listen(self) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.address, self.port))
        sock.listen(64)
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        return sock

    async def serve(self, ready: asyncio.Event | None = None) -> None:
        """Accept connections until cancelled (then every session ends)."""
        loop = asyncio.get_running_loop()
        lsock = self.listen()
        if ready is not None:
            ready.set()
        try:
            while not self.host.shutdown:
                conn, addr = await loop.sock_accept(lsock)
                conn.setblocking(False)
                t = asyncio.ensure_future(self.connection(conn, addr))
                self._tasks.add(t)
                t.add_done_callback(self._tasks.discard)
        finally:
            lsock.close()
            for t in list(self._tasks):
                t.cancel()
            for t in list(self._tasks):
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await t

    async def connection(self, conn: socket.socket, addr) -> None:
        t0 = time.monotonic()
        parser = TelnetParser()
        handed_over = False
        try:
            outcome = await negotiate(conn, parser)
            if outcome.terminal is None:
                if self.line_mode is not None:
                    handed_over = True
                    self.line_mode(conn, addr, outcome.leftover)
                else:
                    await asyncio.get_running_loop().sock_sendall(
                        conn, b"\r\nThis port is for 3270 terminals: use line-mode telnet.\r\n")
                return
            rows, cols = outcome.terminal.alternate
            session = Session3270(self.host, conn, parser, rows, cols, self.more_wait)
            self.sessions.add(session)
            self.connect_times.append(time.monotonic() - t0)
            try:
                await session.run()
            finally:
                self.sessions.discard(session)
        except (OSError, asyncio.CancelledError):
            pass                        # the client went away: only its own session ends
        finally:
            if not handed_over:
                with contextlib.suppress(OSError):
                    conn.close()
