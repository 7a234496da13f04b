"""One TN3270 connection as a CP terminal: records in, screens out.

The connection's ``Terminal3270`` is a ``cp.terminal.Terminal`` (so LOGON,
CP READ / VM READ / RUNNING and #CP behave exactly as on a line-mode
terminal) whose output lines go to a ``VMScreen``. Keys, as VM/370 gives them:

* ENTER (and the PF keys): the input area is one line for CP or the guest; it is
  echoed into the output area (a password is not). ENTER with nothing typed
  during MORE... holds the screen. A line for a running guest that has not yet
  taken the previous one is refused with NOT ACCEPTED and stays in the input area.
* PA1: attention, as #CP alone: a running machine stops and CP READs.
* PA2: the waiting lines are shown now (MORE... and HOLDING end).
* CLEAR: the screen is cleared; CP redraws it, waiting lines first.

Input is checked before it reaches CP: a record that is not a valid inbound
data stream is ignored (the keyboard is unlocked again); the input field is
decoded from EBCDIC and handed to the ``Terminal``, which checks it as it
checks every telnet line (printable characters only, the line limit, the
slow-down after wrong passwords). A failure inside the session is logged in
``host.errors`` and ends only this connection.
"""
from __future__ import annotations

import asyncio
import contextlib
import time
import traceback

from s370.ebcdic import to_ascii

from .. import telnet_protocol as tp
from ..terminal import Terminal
from . import datastream as ds
from .fullscreen import FullScreen
from .negotiation import Link, record
from .vmscreen import VMScreen

#: Seconds between looks at the terminal state (status area, MORE... timer).
TICK = 0.1
#: Guest records (full-screen, dialled) that may wait for a client not reading.
OUTBOX_LIMIT = 256


class Terminal3270(Terminal):
    """A CP terminal whose lines go to a 3270 screen."""

    def __init__(self, host, name: str, conn: "Session3270"):
        super().__init__(host, name, conn.line)
        self.conn = conn
        #: DIAGNOSE X'58' reaches the screen through this (cp/tn3270/fullscreen.py)
        self.display = conn.full

    def dial(self, userid: str, vaddr: int | None) -> list[str]:
        """DIAL (cp/commands/dial.py): this terminal becomes the guest's 3270."""
        from .dialled import dial
        return dial(self, userid, vaddr)

    def logged_off(self) -> None:
        """Back to the logo screen (VM/370 shows it again after LOGOFF); after
        SHUTDOWN nothing more."""
        self.pending_logon = self.pending_prompt = None
        if not self.host.shutdown:
            self.conn.screen.logo()


class Session3270:
    """The screen, the terminal and the two loops (reader, writer) of one connection."""

    def __init__(self, host, link: Link, rows: int, cols: int, more_wait: float,
                 clock=time.monotonic):
        self.host = host
        self.link = link
        self.clock = clock
        self.screen = VMScreen(rows, cols, more_wait)
        self.screen.logo()
        self.full = FullScreen(self)
        self.term = Terminal3270(host, host.next_terminal_name(), self)
        self.wake = asyncio.Event()
        self.closed = False
        self.outbox: list[bytes] = []         # records to send before any screen update
        #: the guest's 3270 this terminal is dialled to (cp/tn3270/dialled.py)
        self.dialled = None
        self._redraw = False

    # ------------------------------------------------------------ output
    def line(self, text: str) -> None:
        self.full.leave()
        self.screen.add_line(text, self.clock())
        self.wake.set()

    def redraw(self) -> None:
        """Send CP's whole screen next (after full-screen mode, CLEAR)."""
        self._redraw = True
        self.outbox.clear()
        self.wake.set()

    def send_record(self, data: bytes) -> None:
        """A record of the guest's (full-screen write) for the writer to send.
        A client that takes no output while a guest keeps writing is hung up."""
        self._redraw = False
        if len(self.outbox) >= OUTBOX_LIMIT:
            self.closed = True
            self.link.writer.close()
            return
        self.outbox.append(data)
        self.wake.set()

    def _sync_state(self) -> None:
        """The terminal's state into the status area and the input field."""
        state = self.term.state
        if state in ("CP READ", "ONLINE"):
            self.full.leave()               # CP has the screen again
        self.screen.base_status = "CP READ" if state == "ONLINE" else state
        self.screen.password = self.term.wants_password
        self.screen.tick(self.clock())

    async def _send(self, data: bytes) -> None:
        await self.link.send(record(data))

    async def writer(self, first: bytes) -> None:
        """Sends the first screen, then whatever changed, as it changes."""
        await self._send(first)
        while not self.closed:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.wake.wait(), TICK)
            self.wake.clear()
            self._sync_state()
            while self.outbox:
                await self._send(self.outbox.pop(0))
            if self.full.active or self.dialled is not None:
                continue
            if self._redraw:
                self._redraw = False
                await self._send(self.screen.full())
                continue
            rec = self.screen.update()
            if rec is not None:
                await self._send(rec)

    # ------------------------------------------------------------- input
    def handle(self, data: bytes) -> bytes | None:
        """One inbound record. Returns a whole screen to send (after CLEAR), else None."""
        try:
            inbound = ds.parse_inbound(data)
        except ds.DataStreamError:
            self.wake.set()                 # unlock the keyboard, change nothing
            return None
        aid = inbound.aid
        if self.dialled is not None:
            self.dialled.key(inbound)
            return None
        if self.full.active and aid != ds.AID_PA1:
            self.full.key(inbound)
            return None
        self.screen.not_accepted = False
        now = self.clock()
        if aid == ds.AID_CLEAR:
            self.screen.clear(now)
            self._sync_state()
            return self.screen.full()
        if aid == ds.AID_PA1:
            self.term.attention()
        elif aid == ds.AID_PA2:
            if self.screen.waiting or self.screen.holding:
                self.screen.scroll(now)
        elif aid == ds.AID_ENTER or aid in ds.AID_PF:
            self._enter(self._input_text(inbound), now)
        self.wake.set()
        return None

    def _input_text(self, inbound: ds.Inbound) -> str:
        start = self.screen.input_start
        for addr, data in inbound.fields:
            if addr == start or addr is None:
                return to_ascii(data.replace(b"\x00", b""))     # Terminal checks it further
        return ""

    def _enter(self, text: str, now: float) -> None:
        if not text.strip() and self.screen.hold():
            return
        if self._guest_busy():
            self.screen.not_accepted = True
            return
        password = self.term.wants_password
        self.screen.reset_input()
        if text.strip() and not password:
            self.screen.add_line(text, now)
        self.term.handle_line(text)

    def _guest_busy(self) -> bool:
        """A running guest has not yet read the line typed before (VM/370 keeps one)."""
        s = self.term.session
        if s is None or not s.running:
            return False
        vm = getattr(s.guest, "vm", None)
        queue = getattr(vm, "console_input", None)
        return bool(queue) and not getattr(s.guest, "waiting_for_console", False)

    async def reader(self) -> None:
        while not self.closed:
            ev = await self.link.event(None)
            if ev[0] == "record":
                wait = self.term.hold_until - time.monotonic()
                if wait > 0:                # slowed down after wrong passwords
                    await asyncio.sleep(wait)
                screen = self.handle(ev[1])
                if screen is not None:
                    await self._send(screen)
            elif ev[0] == "cmd" and ev[1] in (tp.IP, tp.BRK):      # attention, as on telnet
                self.term.attention()
                self.wake.set()

    async def run(self) -> None:
        """Serve the connection until it drops or CP shuts down."""
        self._sync_state()
        tasks = [asyncio.ensure_future(self.reader()),
                 asyncio.ensure_future(self.writer(self.screen.full()))]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for t in tasks:
                if t.done() and not t.cancelled() and t.exception() is not None \
                        and not isinstance(t.exception(), OSError):
                    exc = t.exception()
                    self.host.errors.append("".join(traceback.format_exception(
                        type(exc), exc, exc.__traceback__)))
        finally:
            self.closed = True
            if self.dialled is not None:
                self.dialled.disconnect()
            for t in tasks:
                t.cancel()
            for t in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await t
            self.term.hangup()
