"""Multi-user logon over TCP: a telnet server (prompt-toolkit's
``prompt_toolkit.contrib.telnet``) where every connection is a CP terminal.

Each connection gets a ``Terminal`` (cp/terminal.py) named ``GRAF 0Cn``, the
``VM/370 ONLINE`` logo and a line prompt with history; the bottom toolbar shows
the terminal state (CP READ, VM READ, RUNNING) as a 3270 status area would.
Password answers are not echoed. A connection that drops (or sends end of file)
only disconnects its own user: the virtual machine keeps running and a later
LOGON from any terminal reconnects it. Garbage bytes reach CP only as printable
characters (cp/terminal.py sanitises every line), so one client cannot disturb
another.

Guests run in an asyncio task next to the connections (``run_guests``): one
slice per running guest per turn, then a yield, so typing stays responsive.
"""
from __future__ import annotations

import asyncio
import contextlib

from prompt_toolkit import PromptSession
from prompt_toolkit.contrib.telnet.server import TelnetServer
from prompt_toolkit.filters import Condition

from .terminal import BANNER, Terminal

DEFAULT_PORT = 3270
IDLE_SLEEP = 0.02
#: A client that never answers the terminal-type question (netcat, scripts) is
#: treated as a plain VT100 after this many seconds.
TTYPE_WAIT = 2.0


class _Server(TelnetServer):
    """prompt-toolkit's telnet server, not waiting forever for a terminal type."""

    def _accept(self, listen_socket) -> None:
        super()._accept(listen_socket)
        asyncio.get_running_loop().call_later(TTYPE_WAIT, self._default_ttype)

    def _default_ttype(self) -> None:
        for conn in list(self.connections):
            if conn.vt100_output is None and not conn._closed:
                conn.parser.ttype_received_callback("VT100")


async def run_guests(host, stop: asyncio.Event | None = None) -> None:
    """Keep the guests going: a slice each, yield, repeat; sleep a little when
    every guest waits."""
    while not host.shutdown and not (stop is not None and stop.is_set()):
        worked = host.run_guests()
        await asyncio.sleep(0 if worked else IDLE_SLEEP)


def _sender(connection):
    """Output to a connection: above the prompt while one is shown."""
    def send(line: str) -> None:
        try:
            connection.send_above_prompt(line + "\n")
        except Exception:       # no prompt yet, or the connection is closing
            with contextlib.suppress(Exception):
                connection.send(line + "\n")
    return send


class TelnetCP:
    """The telnet front end of one host."""

    def __init__(self, host, port: int = DEFAULT_PORT, address: str = "127.0.0.1"):
        self.host = host
        self.port = port
        self.address = address
        self.terminals: set[Terminal] = set()
        self.server = _Server(host=address, port=port, interact=self.interact, enable_cpr=False)

    async def interact(self, connection) -> None:
        term = Terminal(self.host, self.host.next_terminal_name(), _sender(connection))
        self.terminals.add(term)
        connection.send(BANNER + "\n")
        session: PromptSession = PromptSession(
            is_password=Condition(lambda: term.wants_password),
            bottom_toolbar=lambda: f" {term.name}   {term.state}",
        )
        try:
            while not self.host.shutdown:
                try:
                    line = await session.prompt_async("")
                except KeyboardInterrupt:
                    term.attention()            # Ctrl-C plays PA1: CP READ
                    continue
                except EOFError:
                    break
                term.handle_line(line)
        except asyncio.CancelledError:
            pass        # the server is stopping: end quietly (prompt-toolkit would print it)
        finally:
            term.hangup()
            self.terminals.discard(term)

    async def serve(self, ready: asyncio.Event | None = None, stop: asyncio.Event | None = None) -> None:
        """Run the server and the guests until ``stop`` is set or SHUTDOWN."""
        runner = asyncio.ensure_future(run_guests(self.host, stop))
        server = asyncio.ensure_future(self.server.run(ready_cb=ready.set if ready else None))
        tasks = [runner, server]
        if stop is not None:
            tasks.append(asyncio.ensure_future(stop.wait()))
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            if server.done() and not server.cancelled() and server.exception() is not None:
                raise server.exception()        # e.g. the port is in use
        finally:
            for conn in list(self.server.connections):
                with contextlib.suppress(Exception):
                    conn.close()            # ends the prompt with EOF: a normal hang-up
            await asyncio.sleep(0.05)
            for t in tasks:
                t.cancel()
            for t in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await t
