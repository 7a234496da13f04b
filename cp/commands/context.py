"""The state CP commands work on: the host (directory, spool, logged-on users), each
user's session (settings, virtual devices, the guest machine) and the virtual
device blocks.

This is the seam between the command layer and the CP core: ``Host.make_guest``
builds the guest machine of a session through ``guest_factory``: ``CoreGuest``
(cp/commands/coreguest.py, the CP core's interpretive execution) when
``s370vm cp`` finds the core, else the stand-in ``BareGuest`` (guest.py); both
offer the same methods, so the commands do not care which one runs.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from s370.ebcdic import to_ascii, to_ebcdic

from ..directory import Directory, Minidisk, User
from ..spool import Spool, VirtualUnitRecord
from .guest import CE, DE, UC, UE, BareGuest

#: Seconds a disconnected machine may wait for its console before CP logs it off.
DISCONNECT_TIMEOUT = 15 * 60

#: The default settings of a freshly logged-on user (SET / QUERY SET).
DEFAULT_SETTINGS = {
    "MSG": "ON", "WNG": "ON", "EMSG": "ON", "IMSG": "ON", "SMSG": "OFF", "ACNT": "OFF",
    "RUN": "OFF", "LINEDIT": "ON", "TIMER": "ON", "ISAM": "OFF", "ECMODE": "OFF",
    "ASSIST": "ON", "ASSIST_SVC": "SVC", "ASSIST_TMR": "TMR", "PAGEX": "OFF",
    "AUTOPOLL": "OFF", "STBYPASS": "OFF", "NOTRANS": "OFF",
}


@dataclass
class VDev:
    """One virtual device of a user (VM/370's VDEVBLOK). ``kind`` is the class
    QUERY shows: CONS, RDR, PUN, PRT, DASD, TAPE, GRAF, CTCA, TIMER."""
    vaddr: int
    kind: str
    devtype: str
    unit: VirtualUnitRecord | None = None
    spool: Spool | None = None
    mdisk: Minidisk | None = None
    owner: str | None = None         # whose minidisk this is
    access: str = "W"                # R or W (M counts as W)
    raddr: int | None = None         # dedicated or attached real device

    def io(self, guest: BareGuest, cmd: int, addr: int, count: int, flags: int,
           ccw_addr: int, vaddr: int):
        """Do one CCW for the guest. Returns (unit status, residual count), or
        None when a console read must wait for the user's line."""
        mem = guest.cpu.mem
        op = cmd & 3
        if cmd & 0x0F == 0x04:                              # SENSE
            mem[addr] = 0
            return CE | DE, count - 1
        if cmd == 0x03 or (op == 3 and self.kind != "DASD"):
            return CE | DE, 0                               # NOP, carriage/stacker control
        if self.kind == "CONS":
            if op == 1:
                text = to_ascii(mem[addr:addr + count]).rstrip()
                guest.output(text)
                return CE | DE, 0
            if op == 2:
                if guest.typeahead:
                    data = to_ebcdic(guest.typeahead.pop(0))[:count]
                    mem[addr:addr + len(data)] = data
                    return CE | DE, count - len(data)
                guest.pending_read = (vaddr, ccw_addr, (cmd, addr, flags, count))
                return None
        elif self.kind == "RDR" and op == 2:
            rec = self.unit.read_record(self.spool)
            if rec is None:
                return CE | DE | UE, count
            n = min(len(rec), count)
            mem[addr:addr + n] = rec[:n]
            return CE | DE, count - n
        elif self.kind in ("PUN", "PRT") and op == 1:
            self.unit.write_record(bytes(mem[addr:addr + count]))
            return CE | DE, 0
        return CE | DE | UC, count


@dataclass
class TraceSettings:
    """TRACE state of one user: which events, and whether the machine stops."""
    events: set[str] = field(default_factory=set)
    run: bool = False
    printer: bool = False


class Session:
    """A logged-on user: directory entry, settings, devices, guest, terminal."""

    def __init__(self, host: "Host", user: User, terminal):
        self.host = host
        self.user = user
        self.userid = user.userid
        self.terminal = terminal
        self.logon_time = host.clock()
        self.settings = dict(DEFAULT_SETTINGS)
        self.devices: dict[int, VDev] = {}
        self.running = False          # the VM runs (RUNNING / VM READ) vs. stopped (CP READ)
        self.ipled = False
        self.trace = TraceSettings()
        self.adstop: int | None = None
        self.cp_seconds = 0.0
        self.console_spool: list[str] | None = None
        self.disconnect_time: float | None = None
        self.guest = host.make_guest(self)
        self.build_devices()
        for d in list(self.devices.values()):
            self.device_added(d)

    # ------------------------------------------------------------ devices
    def build_devices(self) -> None:
        u = self.user
        host = self.host
        if u.console is not None:
            self.devices[u.console.vaddr] = VDev(u.console.vaddr, "CONS", u.console.devtype)
        for s in u.spool:
            unit = VirtualUnitRecord(s.vaddr, s.queue, s.devtype, self.userid, cls=s.cls)
            self.devices[s.vaddr] = VDev(s.vaddr, s.queue, s.devtype, unit=unit, spool=host.spool)
        for md in u.mdisks.values():
            self.devices[md.vaddr] = VDev(md.vaddr, "DASD", md.devtype, mdisk=md, owner=self.userid,
                                          access="R" if md.mode.startswith("R") else "W")
        for d in u.dedicates:
            self.devices[d.vaddr] = VDev(d.vaddr, "DASD" if d.extra else "TAPE", "DEDICATED", raddr=d.raddr)
        for sp in u.specials:
            kind = {"3270": "GRAF", "CTCA": "CTCA", "TIMER": "TIMER"}.get(sp.kind, "GRAF")
            self.devices[sp.vaddr] = VDev(sp.vaddr, kind, sp.kind)

    def device_added(self, dev: VDev) -> None:
        """Tell the guest machine about a new virtual device (the CP core
        attaches minidisks and dedicated DASD to the VM's channel)."""
        fn = getattr(self.guest, "device_added", None)
        if fn is not None:
            fn(dev)

    def device_removed(self, vaddr: int) -> None:
        fn = getattr(self.guest, "device_removed", None)
        if fn is not None:
            fn(vaddr)

    def unit(self, kind: str) -> VDev | None:
        """The first device of a kind (SPOOL PRT / CLOSE RDR name it this way)."""
        for v in sorted(self.devices):
            if self.devices[v].kind == kind:
                return self.devices[v]
        return None

    # ----------------------------------------------------------- output
    def out(self, line: str) -> None:
        """A line for this user's terminal; kept in the console spool when one is
        started, thrown away while disconnected."""
        if self.console_spool is not None:
            self.console_spool.append(line)
        if self.terminal is not None:
            self.terminal.write(line)

    @property
    def status(self) -> str:
        """The 3270 status word: CP READ, VM READ or RUNNING."""
        if not self.running:
            return "CP READ"
        if getattr(self.guest, "waiting_for_console", False):
            return "VM READ"
        return "RUNNING"

    @property
    def disconnected(self) -> bool:
        return self.terminal is None


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

    def make_guest(self, session: Session):
        """The guest machine for a session (the seam to the CP core)."""
        if self.guest_factory is not None:
            return self.guest_factory(session)
        from .registry import execute_for_guest
        return BareGuest(session.user.storage, session.devices, session.out,
                         cp_command=lambda text: execute_for_guest(session, text), clock=self.clock)

    # ------------------------------------------------------- messages
    def operator(self, text: str) -> None:
        """A message to the system operator's console (and the host log)."""
        line = f"{time.strftime('%H:%M:%S', time.localtime(self.clock()))} {text}"
        self.oplog.append(line)
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
    def run_guests(self, budget: int | None = None) -> bool:
        """Give every running guest one slice. True if any guest did work (so
        the caller should call again soon). A disconnected machine that waits for
        its console or has stopped is logged off after DISCONNECT_TIMEOUT, as
        VM/370 did after 15 minutes."""
        from .registry import guest_stopped
        worked = False
        for s in list(self.sessions.values()):
            if s.disconnected and s.disconnect_time is not None \
                    and s.status in ("CP READ", "VM READ") \
                    and self.clock() - s.disconnect_time >= DISCONNECT_TIMEOUT:
                from .logon import end_session
                end_session(s, forced=True)
                continue
            if not s.running:
                continue
            try:
                reason = s.guest.run(budget or self.slice)
            except Exception:       # a defect under this guest stops it, not CP
                import traceback
                self.errors.append(traceback.format_exc())
                s.running = False
                s.out("DMKDSP450W CP ENTERED; INTERNAL ERROR LOGGED")
                continue
            if reason == "limit":
                worked = True
            elif reason not in ("wait", "read"):
                guest_stopped(s, reason)
        return worked
