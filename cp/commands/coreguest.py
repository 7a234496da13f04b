"""The command layer's guest machine on the CP core (cp.System / cp.VirtualMachine:
interpretive execution, intercepts, shadow tables).

``CoreGuest`` offers the methods of guest.py's ``GuestMachine`` on top of a
``cp.VirtualMachine``; ``HostSpoolPort`` hands the core's virtual reader, punch and
printer to the persistent spool (cp/spool.py) through the session's
``VirtualUnitRecord`` blocks; DIAGNOSE X'08' reaches the command processor
through ``System.command_hook`` (wired by host.py's ``core_factory``).
"""
from __future__ import annotations

import time

from .. import network
from ..backends import MachineError
from .guest import STOP_CHECK, STOP_CP, STOP_DISABLED, STOP_LIMIT, STOP_READ, STOP_WAIT

KIND_OF_QUEUE = {"RDR": "READER", "PUN": "PUNCH", "PRT": "PRINTER"}


class HostSpoolPort:
    """cp.spoolport's SpoolPort, served by the host's spool and the users' devices."""

    def __init__(self, host):
        self.host = host

    def _unit(self, userid: str, address: int):
        s = self.host.sessions.get(userid)
        dev = s.devices.get(address) if s is not None else None
        return dev.unit if dev is not None else None

    def has_file(self, userid: str, address: int) -> bool:
        u = self._unit(userid, address)
        return u is not None and (u.reading is not None or u.next_file(self.host.spool) is not None)

    def next_card(self, userid: str, address: int) -> bytes | None:
        u = self._unit(userid, address)
        if u is None:
            return None
        card = u.read_record(self.host.spool)
        return None if card is None else bytes(card[:80]).ljust(80, b"\x40")

    def punch(self, userid: str, address: int, card: bytes) -> None:
        u = self._unit(userid, address)
        if u is not None:
            u.write_record(card)

    def print_line(self, userid: str, address: int, line: bytes, command: int) -> None:
        u = self._unit(userid, address)
        if u is not None:
            u.write_record(line)


class CoreGuest:
    """A session's virtual machine on the CP core."""

    def __init__(self, session, system):
        self.session = session
        self.system = system
        self.tracer = None
        self.virt_seconds = 0.0
        self.assists: dict = {}
        self._logon(session.user.storage)

    def _logon(self, size: int) -> None:
        u = self.session.user
        self.console = u.console.vaddr if u.console is not None else 0x009
        self.vm = self.system.logon(u.userid, size, privclass=u.classes, output=self._console_line,
                                    console=self.console, reader=None, punch=None, printer=None,
                                    machine=u.machine)
        # DIAGNOSE X'58' full-screen I/O reaches the user's 3270, whichever terminal that is now
        self.vm.display = lambda: getattr(self.session.terminal, "display", None)
        for dev in list(self.session.devices.values()):     # again after DEFINE STORAGE
            self.device_added(dev)
        host = self.session.host
        try:
            self.vm.configure_assists(options=u.options,
                                      sassist=host.system_flags["SASSIST"] == "ON",
                                      cpassist=host.system_flags["CPASSIST"] == "ON")
        except MachineError:
            pass                        # a machine without the assists
        mode = self.session.settings.get("VMMODE")
        if mode in self.machine.modes:
            self.machine.set_mode(mode)

    def _console_line(self, text: str) -> None:
        """A 3215 line: trailing blanks are invisible on paper, so not sent."""
        self.session.out(text.rstrip())

    def device_added(self, dev) -> None:
        """Spooled readers, punches and printers, minidisks on known volumes and
        dedicated/attached real DASD (as full-pack minidisks), CTCAs and NICs
        go on the VM's channel. Temporary disks and other kinds have no data path here, nor
        does a device the VM's machine does not have (MachineError)."""
        host = self.session.host
        if self.vm.channel.device(dev.vaddr) is not None:
            return
        readonly = dev.access == "R"
        try:
            if dev.unit is not None:
                self.vm.add_unit_record(KIND_OF_QUEUE[dev.kind], dev.vaddr)
            elif dev.kind == "GRAF":    # a local 3270 a terminal can DIAL (cp/tn3270/dialled.py)
                self.vm.add_display(dev.vaddr)
            elif dev.kind in ("CTCA", "NIC"):
                self._add_adapter(dev)
            elif dev.kind != "DASD":
                return
            elif dev.mdisk is not None:
                volume = host.volumes.get(dev.mdisk.volser)
                if volume is not None:
                    self.vm.add_minidisk(dev.vaddr, volume, dev.mdisk.start, dev.mdisk.count, readonly)
            elif dev.raddr is not None:
                real = host.real_devices.get(dev.raddr, (None, None, None))[2]
                if real is not None:
                    self.vm.add_minidisk(dev.vaddr, real, 0, real.cylinders, readonly)
        except MachineError:
            pass                        # extent not on the volume: no data path

    def _add_adapter(self, dev) -> None:
        """A CTCA or NIC (cp/network.py); a directory NIC with LAN SYSTEM is
        coupled at once (a switch that does not exist leaves it uncoupled)."""
        nd = dev.nicdef
        if dev.vaddr in self.vm.adapters:
            return                      # DEFINE NIC made it already
        network.define(self.vm, dev.vaddr, dev.kind, dev.devtype or None,
                       nd.macid if nd is not None else None)
        if nd is not None and nd.lan is not None:
            try:
                network.couple_switch(self.vm, dev.vaddr, nd.lan, nd.ip)
            except MachineError:
                pass

    def device_removed(self, vaddr: int) -> None:
        network.remove(self.vm, vaddr)
        if vaddr != self.console and self.vm.channel.device(vaddr) is not None:
            self.vm.detach(vaddr)

    def close(self) -> None:
        """LOGOFF: the core forgets the machine."""
        if self.vm.userid in self.system.users:
            self.system.logoff(self.vm.userid)

    # --------------------------------------------------------- state access
    @property
    def machine(self):
        """The VM's backend: its descriptor tables and architecture operations
        (cp/backends/base.py), which the commands walk."""
        return self.vm.backend

    @property
    def size(self) -> int:
        return self.vm.storage.size

    @property
    def program_interrupts(self) -> int:
        return self.vm.counters.reflected.get("program", 0)

    def read(self, addr: int, n: int) -> bytes:
        try:
            return self.vm.read_storage(addr, n)
        except MachineError:
            raise IndexError(addr) from None

    def write(self, addr: int, data: bytes) -> None:
        try:
            self.vm.write_storage(addr, data)
        except MachineError:
            raise IndexError(addr) from None

    def reset(self, clear: bool = False) -> None:
        self.vm.backend.reset(clear)
        self.vm.stopped = True

    def set_storage(self, size: int) -> None:
        self.close()
        self._logon(size)

    def configure_assists(self, **switches) -> None:
        """SET ASSIST/SASSIST/CPASSIST/STBYPASS reach the S/370 backend's assists
        (assists.registry.AssistControl); MachineError if not allowed (or on a
        machine without them)."""
        self.assists = switches
        self.vm.configure_assists(**switches)

    def set_tracing(self, on: bool) -> None:
        """TRACE or ADSTOP active: VMA is off for this user, as in VM/370."""
        self.vm.backend.set_tracing(on)

    def query_assist(self) -> list[str]:
        return self.vm.query_assist()

    @property
    def waiting_for_console(self) -> bool:
        return self.vm.backend.console_waiting(self.console)

    # --------------------------------------------------------------- IPL
    def ipl(self, vaddr: int) -> str | None:
        dev = self.session.devices.get(vaddr)
        if self.vm.channel.device(vaddr) is None or dev is None \
                or dev.kind not in self.machine.iplable:
            return "DEVICE NOT IPLABLE"
        if dev is not None and dev.unit is not None and dev.unit.next_file(dev.spool) is None \
                and dev.unit.reading is None:
            return "IPL I/O ERROR"
        try:
            self.vm.ipl(device=vaddr)
        except MachineError as exc:
            return str(exc)
        if dev is not None and dev.unit is not None:
            dev.unit.close(dev.spool)               # the deck is consumed by the IPL
        return None

    # -------------------------------------------------------------- run
    def run(self, budget: int) -> str:
        vm = self.vm
        cpu = vm.cpu
        vm.stopped = False
        t0 = time.perf_counter()
        try:
            if self.tracer is not None:
                for _ in range(budget):
                    if cpu.wait:        # a waiting guest executes (and traces) nothing:
                        r = vm.run_slice(0)     # an interruption wakes it, or it still waits
                        if r != "slice":
                            return self._reason(r)
                        continue
                    stop = self.tracer(self)
                    if stop:
                        return stop
                    r = vm.run_slice(1)
                    stop = self.tracer.after(self)
                    if stop:
                        return stop
                    if r != "slice":
                        return self._reason(r)
                return STOP_LIMIT
            r = vm.run_slice(budget)
            if r == "wait" and not self.waiting_for_console and vm.idle():
                return STOP_LIMIT       # its own time went to its next timer event
            return self._reason(r)
        finally:
            self.virt_seconds += time.perf_counter() - t0

    def _reason(self, r: str) -> str:
        if r == "slice":
            return STOP_LIMIT
        if r == "checkstop":
            return STOP_CHECK
        if r == "stopped":
            return STOP_CP
        if not self.vm.backend.can_wake():
            return STOP_DISABLED
        return STOP_READ if self.waiting_for_console else STOP_WAIT

    def stop(self, reason: str = STOP_CP) -> None:
        self.vm.stop()

    def console_input(self, line: str) -> bool:
        self.vm.console_type(line)
        return True
