"""The state CP commands work on: each user's session (settings, virtual
devices, the guest machine) and the virtual device blocks. The host that holds
the sessions (directory, spool, the CP core) is host.py, above the commands.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..directory import Minidisk, NicDef, User
from ..spool import Spool, VirtualUnitRecord

#: The default settings of a freshly logged-on user (SET / QUERY SET).
DEFAULT_SETTINGS = {
    "MSG": "ON", "WNG": "ON", "EMSG": "ON", "IMSG": "ON", "SMSG": "OFF", "ACNT": "OFF",
    "RUN": "OFF", "LINEDIT": "ON", "TIMER": "ON", "ISAM": "OFF", "ECMODE": "OFF",
    "ASSIST": "ON", "ASSIST_SVC": "SVC", "ASSIST_TMR": "TMR", "PAGEX": "OFF",
    "AUTOPOLL": "OFF", "STBYPASS": "OFF", "NOTRANS": "OFF", "VMMODE": "TRANSLATE",
}


@dataclass
class VDev:
    """One virtual device of a user (VM/370's VDEVBLOK). ``kind`` is the class
    QUERY shows: CONS, RDR, PUN, PRT, DASD, TAPE, GRAF, CTCA, NIC, TIMER."""
    vaddr: int
    kind: str
    devtype: str
    unit: VirtualUnitRecord | None = None
    spool: Spool | None = None
    mdisk: Minidisk | None = None
    owner: str | None = None         # whose minidisk this is
    access: str = "W"                # R or W (M counts as W)
    raddr: int | None = None         # dedicated or attached real device
    nicdef: NicDef | None = None     # a NIC from the directory (its LAN, MACID, IP)


@dataclass
class TraceSettings:
    """TRACE state of one user: which events, and whether the machine stops."""
    events: set[str] = field(default_factory=set)
    run: bool = False
    printer: bool = False
    fields: bool = False             # TRACE FIELDS: decoded status lines too


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
        for nic in u.nics:
            self.devices[nic.vaddr] = VDev(nic.vaddr, "NIC", nic.type or "", nicdef=nic)

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
