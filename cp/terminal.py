"""A user's terminal as CP sees it: line handling and the CP READ / VM READ /
RUNNING states, independent of what carries the lines (the operator console,
a telnet connection, a script).

Rules, as on VM/370:
* not logged on: only LOGON (and the class-any commands) are accepted;
* LOGON without a password prompts ``ENTER PASSWORD:`` (LINK likewise ``ENTER
  READ PASSWORD:``...); the next line is the password, never echoed or logged;
* CP READ (the machine is stopped): every line is a CP command; ``#`` ends a
  logical line, so ``Q TIME#Q USERS`` is two commands;
* VM READ / RUNNING: lines go to the guest's console; a line starting ``#CP``
  runs the rest as a CP command without stopping the machine, and ``#CP`` alone
  stops it and enters CP READ (the 3270 PA1 key does the same: ``attention``).

Input is sanitised first: control characters are dropped, and a line over
``MAX_LINE`` characters is refused with a message (cp/terminal_input.py does the
same for the bytes of a telnet connection), so garbage from a client cannot upset
CP. Passwords are never echoed or logged: ``masked`` hides those typed on a
LOGON or LINK line wherever a line is shown again (console spool, script echo).
"""
from __future__ import annotations

from typing import Callable

from .commands.processor import execute
from .logon_guard import LOCAL
from .terminal_input import MAX_LINE, too_long_message

LINEND = "#"
BANNER = "VM/370 ONLINE"


def sanitise(line: str) -> str:
    """Printable characters only."""
    return "".join(c for c in line if c.isprintable())


def _password_from(words: list[str]) -> int | None:
    """Where the password operands of a command line start (None: it has none):
    ``LOGON userid password [Mask] [Noipl]``, ``LINK userid vaddr vaddr mode password``."""
    verb = words[0].upper()
    if "LOGON".startswith(verb) or (len(verb) >= 4 and "LOGIN".startswith(verb)):
        return 2
    if len(verb) >= 4 and "LINK".startswith(verb):
        return 5
    return None


def masked(line: str) -> str:
    """``line`` with the passwords of LOGON and LINK commands replaced by
    asterisks, for every place a line is shown again (console spool, script
    echo); the command itself gets the real line."""
    out = []
    for part in line.split(LINEND):
        words = part.split()
        start = _password_from(words) if words else None
        if start is not None and len(words) > start:
            for i in range(start, len(words)):
                w = words[i].upper()
                if not (w and ("NOIPL".startswith(w) or "MASK".startswith(w))):
                    words[i] = "********"
            part = " ".join(words)
        out.append(part)
    return LINEND.join(out)


class Terminal:
    """One terminal. ``sink`` receives every output line."""

    def __init__(self, host, name: str, sink: Callable[[str], None]):
        self.host = host
        self.name = name
        self.sink = sink
        self.session = None
        self.pending_logon: tuple[str, bool] | None = None
        #: a command waiting for a password (LINK): called with the next line
        self.pending_prompt: Callable[[str], list[str]] | None = None
        #: where the terminal is (a peer's IP address): logon protection counts by it
        self.address = LOCAL
        #: time.monotonic() before which the next line waits (after wrong passwords)
        self.hold_until = 0.0

    def write(self, line: str) -> None:
        self.sink(line)

    @property
    def state(self) -> str:
        """What the 3270 status area would show."""
        if self.session is None:
            return "ONLINE"
        return self.session.status

    @property
    def wants_password(self) -> bool:
        return self.pending_logon is not None or self.pending_prompt is not None

    def logged_off(self) -> None:
        """The session ended (LOGOFF, DISCONN, FORCE, SHUTDOWN): back to the logo."""
        self.pending_logon = self.pending_prompt = None
        if not self.host.shutdown:          # after SHUTDOWN COMPLETE nothing more
            self.write(BANNER)

    def reject_long_line(self, length: int) -> None:
        """A line over the terminal's limit arrived: refused, not cut (a password
        prompt waiting for it is given up: LOGON or LINK must be typed again)."""
        self.pending_logon = self.pending_prompt = None
        self.write(too_long_message(length))

    def handle_line(self, raw: str) -> None:
        """One line typed by the user."""
        self.host.wake()
        line = sanitise(raw)
        if len(line) > MAX_LINE:
            self.reject_long_line(len(line))
            return
        if self.pending_prompt is not None:
            answer, self.pending_prompt = self.pending_prompt, None
            for out in answer(line.strip()):
                self.write(out)
            return
        if self.pending_logon is not None:
            userid, noipl = self.pending_logon
            self.pending_logon = None
            from .commands.logon import complete_logon
            for out in complete_logon(self.host, self, userid, line.strip(), noipl):
                self.write(out)
            return
        s = self.session
        if s is not None and s.console_spool is not None:
            s.console_spool.append(masked(line))    # the console log has both sides
        if s is not None and s.running:
            if line[:3].upper() == "#CP":
                rest = line[3:].strip()
                if not rest:
                    s.running = False           # enter CP READ
                    return
                self.command(rest)
                return
            s.guest.console_input(line)
            return
        for part in line.split(LINEND):
            if part.strip():
                self.command(part.strip())
            if self.wants_password:
                break

    def command(self, text: str) -> None:
        out, _ = execute(self.host, self, self.session, text)
        for ln in out:
            if self.session is not None:
                self.session.out(ln)        # also into a started console spool
            else:
                self.write(ln)

    def attention(self) -> None:
        """PA1 / Ctrl-C: stop a running machine and enter CP READ."""
        self.host.wake()
        if self.session is not None and self.session.running:
            self.session.running = False

    def hangup(self) -> None:
        """The line dropped: a logged-on user is disconnected (the machine keeps
        running and a later LOGON reconnects it); nothing else is affected."""
        self.pending_logon = self.pending_prompt = None
        s = self.session
        if s is None:
            return
        self.sink = lambda line: None
        self.host.operator(f"{self.name} DSCONNECT AS {s.userid:<8} USERS = {self.host.users_count():03d}")
        s.terminal = None
        s.disconnect_time = self.host.clock()
        s.running = s.ipled
        self.session = None
