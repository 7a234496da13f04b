"""The whole CP as the command layer sees it: directory, spool, sessions, the
system-wide switches, and the CP core (``cp.System``) the sessions' guests run
on. It sits above the command families: running guests can end a session
(disconnect timeout) or stop one (a disabled wait, ADSTOP), which the families
report.
"""
from __future__ import annotations

import time
import traceback
from typing import Callable

from ..directory import Directory
from ..logon_guard import LogonGuard
from ..spool import Spool
from ..system import System, SystemConfig
from .context import Session
from .coreguest import CoreGuest, HostSpoolPort
from .ipl import report_stop
from .logon import end_session
from .processor import execute_for_guest

#: Seconds a disconnected machine may wait for its console before CP logs it off.
DISCONNECT_TIMEOUT = 15 * 60
#: Users logged on at once (a LOGON beyond is refused with DMKLOG067E): a
#: thousand idle users cost the dispatcher and the guest loop almost nothing
#: (issue 20, s370vm bench scale).
MAX_USERS = 1024


def core_factory(host):
    """A guest factory for ``Host``: one cp.System shared by all sessions."""
    system = System(SystemConfig(assists=tuple(host.installed_assists), volumes=host.volumes,
                                 max_users=host.max_users), spool=HostSpoolPort(host))
    system.command_hook = lambda vm, text: execute_for_guest(host.sessions[vm.userid], text)
    return lambda session: CoreGuest(session, system)


class Host:
    """The whole CP: directory, spool, sessions and the system-wide switches."""

    SYSTEM_NAME = "S370VM"

    def __init__(self, directory: Directory, spool: Spool, clock: Callable[[], float] = time.time,
                 named_systems: dict | None = None, guest_factory=None):
        self.directory = directory
        self.spool = spool
        self.clock = clock
        self.sessions: dict[str, Session] = {}
        self.named_systems = dict(named_systems or {})
        self.system_flags = {"SASSIST": "ON", "CPASSIST": "ON"}
        #: hardware assists installed on the machine (configuration ASSIST statement)
        self.installed_assists: list[str] = []
        self.logmsg: list[str] = []
        self.oplog: list[str] = []
        self.max_users = MAX_USERS
        #: wrong-password delays by user and address (cp/logon_guard.py)
        self.logon_guard = LogonGuard()
        #: also receives every operator message (a CP without a console logs them)
        self.operator_echo: Callable[[str], None] | None = None
        self.errors: list[str] = []     # tracebacks of CP defects (never shown to users)
        self.shutdown = False
        self.guest_factory = guest_factory
        #: real devices the operator may ATTACH: raddr -> (kind, devtype, device or None)
        self.real_devices: dict[int, tuple] = {}
        #: real DASD volumes by volume serial (where minidisks live)
        self.volumes: dict[str, object] = {}
        #: raddr -> (userid, vaddr) of attached real devices
        self.attached: dict[int, tuple[str, int]] = {}
        #: (owner, minidisk vaddr) -> {userid: "R" or "W"}: who has each minidisk linked
        self.links: dict[tuple[str, int], dict[str, str]] = {}
        self.slice = 20000
        #: called with a userid when it logs on (the built-in system seeds readers)
        self.logon_hook: Callable[[str], None] | None = None
        #: the guest loop's alarm (cp/telnet.py run_guests installs it): see wake()
        self.waker: Callable[[], None] | None = None

    def make_guest(self, session: Session):
        """The guest machine for a session (the seam to the CP core): a
        ``CoreGuest`` on the host's ``cp.System``, made at the first logon (the
        configuration's volumes and assists are known by then)."""
        if self.guest_factory is None:
            self.guest_factory = core_factory(self)
        return self.guest_factory(session)

    # ------------------------------------------------------- messages
    def operator(self, text: str) -> None:
        """A message to the system operator's console (and the host log)."""
        line = f"{time.strftime('%H:%M:%S', time.localtime(self.clock()))} {text}"
        self.oplog.append(line)
        if self.operator_echo is not None:
            self.operator_echo(line)
        op = self.sessions.get("OPERATOR")
        if op is not None:
            op.out(line)

    def next_terminal_name(self) -> str:
        """A display-terminal address for a new connection: GRAF 0C1, 0C2, ..."""
        self._terms = getattr(self, "_terms", 0) + 1
        return f"GRAF {0xC0 + self._terms:03X}"

    def settle(self, budget: int = 5_000_000) -> int:
        """Run guests until all of them wait (for the console, I/O or nothing) or
        ``budget`` instructions are spent. Returns the instructions budget used."""
        used = 0
        while used < budget and not self.shutdown:
            if not self.run_guests(min(self.slice, budget - used)):
                break
            used += self.slice
        return used

    def users_count(self) -> int:
        return len(self.sessions)

    # ------------------------------------------------------- running
    def wake(self) -> None:
        """Something from outside may end a guest's wait or start one (a line
        typed, the attention key, a 3270 key): the guest loop, which pauses
        longer and longer while every guest waits, runs at once."""
        if self.waker is not None:
            self.waker()

    def run_guests(self, budget: int | None = None) -> bool:
        """Give every running guest one slice. True if any guest did work (so
        the caller should call again soon)."""
        worked = False
        for s in list(self.sessions.values()):
            worked = self.run_guest(s, budget) or worked
        return worked

    def run_guest(self, s: Session, budget: int | None = None) -> bool:
        """One session's turn: a slice if its guest runs (True if it did work).
        A disconnected machine that waits for its console or has stopped is
        logged off after DISCONNECT_TIMEOUT, as VM/370 did after 15 minutes.
        (The telnet loop calls this guest by guest, answering terminals between.)"""
        if s.disconnected and s.disconnect_time is not None \
                and s.status in ("CP READ", "VM READ") \
                and self.clock() - s.disconnect_time >= DISCONNECT_TIMEOUT:
            end_session(s, forced=True)
            return False
        if not s.running or self.sessions.get(s.userid) is not s:
            return False
        try:
            reason = s.guest.run(budget or self.slice)
        except Exception:       # a defect under this guest stops it, not CP
            self.errors.append(traceback.format_exc())
            s.running = False
            s.out("DMKDSP450W CP ENTERED; INTERNAL ERROR LOGGED")
            return False
        if reason == "limit":
            return True
        if reason not in ("wait", "read"):
            report_stop(s, reason)
        return False
