"""Multi-user logon over TCP: a telnet server where every connection is a CP
line terminal (``GRAF 0Cn``, cp/terminal.py).

Everything a peer sends is untrusted data. The server reads at most
``READ_CHUNK`` bytes at a time, parses telnet commands (cp/telnet_protocol.py)
and turns the rest into lines (cp/terminal_input.py: lenient decoding, escape
sequences swallowed, every Enter form one Enter, lines bounded). Nothing a peer
sends can block the loop the other terminals and the guests share: input is
handled as it arrives, and a peer that stops reading its output is hung up once
``OUTPUT_LIMIT`` bytes wait for it. A connection that drops only disconnects its
own user (the virtual machine keeps running; a later LOGON reconnects it).

Telnet, as RFC 854 and its option RFCs describe it: the server offers to echo
(RFC 857) and to suppress go-ahead (RFC 858), so a telnet client sends each key
at once and the server echoes it (not while a password is typed); a client that
never negotiates (netcat, a script) is served as a plain line terminal. IAC IP
and IAC BRK are the attention key (like Ctrl-C), IAC AYT is answered with the
terminal's name and state, IAC EC / EL erase a character / the line. The window
size (NAWS, RFC 1073) sets where output lines wrap; the terminal type
(TERMINAL-TYPE, RFC 1091) chooses the handler: ``terminal_type_handlers`` can
take over a connection whose type it serves (TN3270), every other type is a
line terminal.

Guests run in an asyncio task next to the connections (``run_guests``): one
slice per running guest per turn, then a yield, so typing stays responsive.
"""
from __future__ import annotations

import asyncio
import contextlib
import time
import traceback
from collections import deque
from typing import Awaitable, Callable

from . import telnet_protocol as tp
from .dispatcher import SWEEP_RATIO
from .terminal import BANNER, Terminal
from .tn3270.server import TN3270Server
from .terminal_input import ATTENTION, ECHO, ERASE, LINE, TOO_LONG, LineAssembler

DEFAULT_PORT = 3270
#: The guest loop's pause while every guest waits: IDLE_SLEEP at first, doubled
#: up to IDLE_SLEEP_MAX as the idle turns go on (an idle system with many users
#: costs almost no CPU); input from a terminal (Host.wake) ends a pause at once.
IDLE_SLEEP = 0.02
IDLE_SLEEP_MAX = 0.5
#: Guest instructions per turn of the loop, and the least slice one guest gets.
TURN_INSTRUCTIONS = 40_000
MIN_SLICE = 2_000
#: Seconds of guest work after which the loop answers the terminals.
YIELD_AFTER = 0.002
READ_CHUNK = 4096
#: Output bytes a connection may leave unread before it is hung up.
OUTPUT_LIMIT = 1 << 20
#: How long a new connection's negotiation may take: a peer that answers
#: nothing at all within NEGOTIATE_WAIT is a raw client; one that agreed to send
#: its terminal type gets TTYPE_WAIT to do it.
NEGOTIATE_WAIT = 0.5
TTYPE_WAIT = 2.0
#: Seconds the server waits for connections to finish at shutdown.
CLOSE_WAIT = 2.0

#: A handler that takes over a connection: ``await handler(connection)``.
Handler = Callable[["Connection"], Awaitable[None]]


async def run_guests(host, stop: asyncio.Event | None = None) -> None:
    """Keep the guests going: a slice each, yielding to the terminals after
    every guest, repeat; pause when every guest waits (longer and longer, up to
    IDLE_SLEEP_MAX, until ``Host.wake``: terminal input). A guest that did no
    work at its turn (it waits) is visited again only on the next visit to
    everybody: after a pause or a wake, else once per ``len(sessions) /
    SWEEP_RATIO`` turns, so many idle users do not slow the busy ones. Returns at
    SHUTDOWN or when ``stop`` is set. A turn runs about ``TURN_INSTRUCTIONS``
    in all, shared by the guests that compute (at least ``MIN_SLICE`` each), so
    a crowd of busy guests cannot keep a CP command waiting for a whole round."""
    def stopped() -> bool:
        return host.shutdown or (stop is not None and stop.is_set())
    alarm = asyncio.Event()
    host.waker = alarm.set
    pause = IDLE_SLEEP
    waiting: set = set()            # sessions whose guest did no work at their last turn
    turns = 0                       # turns since every session was visited
    while not stopped():
        sessions = list(host.sessions.values())
        if alarm.is_set() or turns * SWEEP_RATIO >= len(sessions):
            alarm.clear()           # a visit to everybody (cp/dispatcher.py's sweep)
            waiting.clear()
            turns = 0
        turns += 1
        busy = sum(1 for s in sessions if s.running and s.status == "RUNNING")
        budget = max(MIN_SLICE, min(host.slice, TURN_INSTRUCTIONS // max(busy, 1)))
        worked = False
        for s in sessions:
            if stopped():
                return
            if not s.running or s in waiting:
                continue
            t0 = time.perf_counter()
            if host.run_guest(s, budget):
                worked = True
            else:
                waiting.add(s)
            if time.perf_counter() - t0 > YIELD_AFTER:
                await asyncio.sleep(0)      # let the terminals in
        if worked:
            pause = IDLE_SLEEP
            await asyncio.sleep(0)
            continue
        try:
            await asyncio.wait_for(alarm.wait(), pause)
            pause = IDLE_SLEEP          # woken: something happened
        except asyncio.TimeoutError:
            pause = min(2 * pause, IDLE_SLEEP_MAX)
        alarm.set()                     # after a pause everybody is visited again


def quiet_exceptions(host) -> Callable:
    """An event-loop exception handler that files errors in ``host.errors``
    instead of printing a traceback on the operator's console."""
    def handler(loop, context) -> None:
        exc = context.get("exception")
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)) \
            if exc is not None else str(context.get("message"))
        host.errors.append(text)
    return handler


class Connection:
    """One telnet connection: the telnet layer, the keyboard, a terminal."""

    def __init__(self, cp: "TelnetCP", reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.cp = cp
        self.reader = reader
        self.writer = writer
        peer = writer.get_extra_info("peername")
        self.address: str = peer[0] if isinstance(peer, tuple) else "LOCAL"
        self.parser = tp.TelnetParser()
        self.keys = LineAssembler()
        self.events: deque = deque()     # keyboard events not handled yet
        self.echo = False                # the client agreed that the server echoes
        self.ttype: str | None = None    # None: not known (yet)
        self.width, self.height = 80, 24
        self.term: Terminal | None = None
        self.closed = False
        self._ttype_coming = False
        self._answered: set[tuple[int, int]] = set()

    # ---------------------------------------------------------- output
    def send_raw(self, data: bytes) -> None:
        if self.closed:
            return
        transport = self.writer.transport
        if transport.is_closing():
            self.closed = True
            return
        if transport.get_write_buffer_size() > OUTPUT_LIMIT:
            self.closed = True           # the peer takes no output: hang it up
            transport.abort()
            return
        self.writer.write(data)

    def send_text(self, text: str) -> None:
        self.send_raw(tp.escape_data(text.encode("utf-8", "replace")))

    def write_line(self, line: str) -> None:
        """A line of CP or guest output, wrapped at the window width; the line
        being typed is shown again after it."""
        typing = self.echo and self.keys.pending and not self._hidden()
        parts = [line[i:i + self.width] for i in range(0, len(line), self.width)] or [""]
        self.send_text(("\r\n" if typing else "") + "\r\n".join(parts) + "\r\n"
                       + (self.keys.pending if typing else ""))

    def _hidden(self) -> bool:
        return self.term is not None and self.term.wants_password

    # ----------------------------------------------------------- input
    def receive(self, data: bytes) -> None:
        """Bytes from the peer: telnet commands now, keyboard events queued."""
        for ev in self.parser.feed(data):
            kind = ev[0]
            if kind == tp.DATA:
                self.events.extend(self.keys.feed(ev[1]))
            elif kind == tp.COMMAND:
                self._command(ev[1])
            elif kind == tp.OPTION:
                self._option(ev[1], ev[2])
            else:
                self._subnegotiation(ev[1], ev[2])

    def _command(self, code: int) -> None:
        if code in (tp.IP, tp.BRK):
            self.events.append((ATTENTION,))
        elif code == tp.AYT:
            state = f"{self.term.name} {self.term.state}" if self.term is not None else "ONLINE"
            self.send_text(f"\r\n[YES: {state}]\r\n")
        elif code == tp.EC:
            self.events.extend(self.keys.feed(b"\x7f"))
        elif code == tp.EL:
            self.events.extend(self.keys.feed(b"\x15"))

    def _answer(self, verb: int, option: int) -> None:
        """Send ``IAC verb option`` once (RFC 854: never acknowledge a mode
        already in effect, so two peers cannot loop)."""
        if (verb, option) not in self._answered:
            self._answered.add((verb, option))
            self.send_raw(tp.command(verb, option))

    def _option(self, verb: int, option: int) -> None:
        if verb == tp.WILL:
            if option == tp.TTYPE:
                self._ttype_coming = True
                self.send_raw(tp.subnegotiation(tp.TTYPE, bytes((tp.TTYPE_SEND,))))
            elif option != tp.NAWS:
                self._answer(tp.DONT, option)
        elif verb == tp.WONT:
            if option == tp.TTYPE and self.ttype is None:
                self.ttype = ""
        elif verb == tp.DO:
            if option == tp.ECHO:
                self.echo = True
            elif option != tp.SGA:
                self._answer(tp.WONT, option)
        elif option == tp.ECHO:        # DONT ECHO: the client echoes itself
            self.echo = False

    def _subnegotiation(self, option: int, payload: bytes) -> None:
        if option == tp.TTYPE and payload[:1] == bytes((tp.TTYPE_IS,)):
            name = payload[1:41].decode("ascii", "replace")
            self.ttype = "".join(c for c in name if c.isprintable()).upper()
        elif option == tp.NAWS and len(payload) >= 4:
            width = int.from_bytes(payload[0:2], "big")
            height = int.from_bytes(payload[2:4], "big")
            if width >= 20:              # 0 means "not known" (RFC 1073)
                self.width = width
            if height:
                self.height = height

    async def _read(self, timeout: float | None = None) -> bool:
        """Read one chunk into the queues. False at end of file or error."""
        try:
            if timeout is None:
                data = await self.reader.read(READ_CHUNK)
            else:
                data = await asyncio.wait_for(self.reader.read(READ_CHUNK), timeout)
        except asyncio.TimeoutError:
            return True
        except (ConnectionError, OSError):
            return False
        if not data:
            return False
        self.receive(data)
        return True

    async def negotiate(self) -> bool:
        """Offer the options and wait (bounded) for the terminal type."""
        self.send_raw(tp.command(tp.DO, tp.TTYPE) + tp.command(tp.DO, tp.NAWS)
                      + tp.command(tp.WILL, tp.ECHO) + tp.command(tp.WILL, tp.SGA))
        start = time.monotonic()
        deadline = start + NEGOTIATE_WAIT
        while self.ttype is None and not self.events:
            if self._ttype_coming:
                deadline = max(deadline, start + TTYPE_WAIT)
            left = deadline - time.monotonic()
            if left <= 0:
                break
            if not await self._read(min(left, 0.1)):
                return False
        return True

    # ------------------------------------------------------------ life
    async def run(self) -> None:
        try:
            if not await self.negotiate():
                return
            handler = self.cp.handler_for(self.ttype or "")
            if handler is not None:
                await handler(self)
                return
            await self.line_terminal()
        except asyncio.CancelledError:
            pass                        # the server is stopping
        except (ConnectionError, asyncio.IncompleteReadError):
            pass                        # the peer went away (in a handler's read or write)
        except Exception:               # a defect must not show a traceback anywhere
            self.cp.host.errors.append(traceback.format_exc())
        finally:
            self.hang_up()

    async def line_terminal(self) -> None:
        host = self.cp.host
        self.term = Terminal(host, host.next_terminal_name(), self.write_line)
        self.term.address = self.address
        self.cp.terminals.add(self.term)
        self.write_line(BANNER)
        while not self.closed and not host.shutdown:
            while self.events and not self.closed:
                await self._handle(self.events.popleft())
            if self.closed or host.shutdown:
                break
            if not await self._read():
                break
            await asyncio.sleep(0)      # let the others have the loop

    async def _handle(self, ev: tuple) -> None:
        term = self.term
        kind = ev[0]
        if kind == ECHO:
            if self.echo and not term.wants_password:
                self.send_text(ev[1])
        elif kind == ERASE:
            if self.echo and not term.wants_password:
                self.send_text("\b \b" * ev[1])
        elif kind == LINE or kind == TOO_LONG:
            if self.echo:
                self.send_text("\r\n")
            wait = term.hold_until - time.monotonic()
            if wait > 0:                # slowed down after wrong passwords
                await asyncio.sleep(wait)
            if kind == LINE:
                term.handle_line(ev[1])
            else:
                term.reject_long_line(ev[1])
        elif kind == ATTENTION:
            term.attention()

    def hang_up(self) -> None:
        """The connection ends: its user (if any) is disconnected."""
        self.closed = True
        if self.term is not None:
            self.term.hangup()
            self.cp.terminals.discard(self.term)
        with contextlib.suppress(Exception):
            self.writer.close()


class TelnetCP:
    """The telnet front end of one host.

    ``terminal_type_handlers``: (predicate on the terminal type, handler) pairs;
    the first whose predicate accepts a connection's type takes it over."""

    def __init__(self, host, port: int = DEFAULT_PORT, address: str = "127.0.0.1"):
        self.host = host
        self.port = port
        self.address = address
        self.terminals: set[Terminal] = set()
        self.connections: set[Connection] = set()
        self.terminal_type_handlers: list[tuple[Callable[[str], bool], Handler]] = []
        #: 3270 terminals on this port get VM/370's 3270 screen (cp/tn3270)
        self.tn3270 = TN3270Server(host)
        self.terminal_type_handlers.append((self.tn3270.accepts, self.tn3270.take_over))
        self._tasks: set[asyncio.Task] = set()
        self.server: asyncio.base_events.Server | None = None

    def handler_for(self, ttype: str) -> Handler | None:
        for accepts, handler in self.terminal_type_handlers:
            if accepts(ttype):
                return handler
        return None

    async def start(self) -> None:
        """Listen; raises OSError when the port cannot be had (in use)."""
        self.server = await asyncio.start_server(self._accept, self.address, self.port,
                                                 limit=READ_CHUNK * 4)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = Connection(self, reader, writer)
        self.connections.add(conn)
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            await conn.run()
        finally:
            self.connections.discard(conn)
            if task is not None:
                self._tasks.discard(task)

    async def close(self) -> None:
        """Stop listening and end every connection (their output flushed)."""
        if self.server is not None:
            self.server.close()
        for conn in list(self.connections):
            conn.closed = True
            with contextlib.suppress(Exception):
                conn.writer.close()
        tasks = [t for t in self._tasks if not t.done()]
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=CLOSE_WAIT)
            for t in pending:
                t.cancel()
            if pending:
                await asyncio.wait(pending, timeout=CLOSE_WAIT)

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Serve (after ``start``) and run the guests until ``stop`` is set or
        SHUTDOWN; then close every connection."""
        asyncio.get_running_loop().set_exception_handler(quiet_exceptions(self.host))
        try:
            await run_guests(self.host, stop)
        finally:
            await self.close()

    async def serve(self, ready: asyncio.Event | None = None, stop: asyncio.Event | None = None) -> None:
        """``start`` and ``run``. Raises OSError if the port cannot be had."""
        await self.start()
        if ready is not None:
            ready.set()
        await self.run(stop)
