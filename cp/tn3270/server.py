"""The TN3270 side of the telnet port: 3270 clients (x3270, c3270, wc3270,
s3270) log on to CP with VM/370's screen on the same port as line-mode telnet.

The line-mode server (cp/telnet.py) asks every connection for its terminal
type; one that names a 3278 or 3279 (``IBM-3278-2``, ``IBM-3279-5-E``, ...) is
handed to ``TN3270Server.take_over``, which agrees BINARY and EOR with it
(RFC 1576) and runs a ``Session3270``. A client that refuses BINARY or EOR is
given back as a line terminal, so nothing that connects is turned away. Every
connection is its own task: a client that stops reading, sends garbage or drops
mid-record affects only itself.
"""
from __future__ import annotations

from .negotiation import Link, agree_3270, terminal_type
from .session import Session3270
from .vmscreen import MORE_WAIT


class TN3270Server:
    """The 3270 sessions of one host."""

    def __init__(self, host, more_wait: float = MORE_WAIT):
        self.host = host
        self.more_wait = more_wait
        self.sessions: set[Session3270] = set()

    @staticmethod
    def accepts(ttype: str) -> bool:
        """Is this terminal type a 3270 (cp.telnet's handler predicate)?"""
        return terminal_type(ttype) is not None

    async def take_over(self, connection) -> None:
        """cp.telnet's handler: a connection whose type is a 3270 (its
        ``reader``, ``writer``, ``ttype``, ``address`` and ``line_terminal``)."""
        link = Link(connection.reader, connection.writer)
        if not await self.serve_3270(link, connection.ttype or "", connection.address):
            await connection.line_terminal()

    async def serve_3270(self, link: Link, ttype: str, address: str = "LOCAL") -> bool:
        """Run a 3270 session on ``link``; False (nothing sent but the
        refused options) when the type is no 3270 or the client refuses."""
        term = terminal_type(ttype)
        if term is None or not await agree_3270(link):
            return False
        rows, cols = term.alternate
        session = Session3270(self.host, link, rows, cols, self.more_wait)
        session.term.address = address
        self.sessions.add(session)
        try:
            await session.run()
        finally:
            self.sessions.discard(session)
        return True
