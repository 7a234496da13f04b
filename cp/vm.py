"""VirtualMachine: one logged-on user's virtual machine, of any architecture.

The VM's virtual state IS its backend's virtual CPU (cp/backends: for S/370
the interpretive CPU, s370.interp): its registers, storage keys and timers are
the guest's, and its storage is the VM's own (sparse: an idle guest costs host
memory only for the pages it touched). CP never copies state in and out: the
backend runs the guest on it, and CP's simulation works on it. Everything that
depends on the architecture (storage limits, devices, IPL, interruptions, the
S/370 assists) is the backend's; this module names no architecture.

What the CP user layer (cp/commands, telnet) uses is the public part of this
class: see cp/__init__.py for the API summary.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Callable

from . import backends, intercepts
from .backends import MachineError
from .backends.descriptors import find_register
from .shadow import ShadowTables


@dataclass
class Counters:
    """What happened to one VM, and what it cost (machine cycles, assists/costs)."""
    intercepts: dict = field(default_factory=dict)        # reason -> count
    simulated: dict = field(default_factory=dict)         # mnemonic -> count
    reflected: dict = field(default_factory=dict)         # interruption class -> count
    shadow_builds: int = 0
    shadow_invalidations: dict = field(default_factory=dict)  # reason -> count
    cp_cycles: int = 0                                    # CP paths + exits/entries
    dispatches: int = 0
    assisted: dict = field(default_factory=dict)          # assisted operation -> count (assists/)
    ecps: dict = field(default_factory=dict)              # ECPS function -> count
    #: the backend's cost model (for S/370 assists/costs.py): GUEST_AVERAGE,
    #: intercept_cycles(path), instruction_path(name), assist_cycles(counts)
    model: object = field(default=None, repr=False)
    #: cycles of one CP path; ECPS (assists/ecps.py) swaps in its shortened paths
    cost: Callable[[str], int] = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.cost is None:
            self.cost = self.model.intercept_cycles

    def charge(self, path: str) -> None:
        self.cp_cycles += self.cost(path)

    def reflect(self, kind: str, path: str) -> None:
        self.reflected[kind] = self.reflected.get(kind, 0) + 1
        self.charge(path)

    def as_dict(self, guest_instructions: int) -> dict:
        guest = guest_instructions * self.model.GUEST_AVERAGE
        assist = self.model.assist_cycles(self.assisted)
        return {
            "intercepts": dict(sorted(self.intercepts.items())),
            "simulated": dict(sorted(self.simulated.items())),
            "reflected": dict(sorted(self.reflected.items())),
            "shadow_builds": self.shadow_builds,
            "shadow_invalidations": dict(sorted(self.shadow_invalidations.items())),
            "dispatches": self.dispatches,
            "assisted": dict(sorted(self.assisted.items())),
            "ecps": dict(sorted(self.ecps.items())),
            "cycles": {"guest": guest, "cp": self.cp_cycles, "assist": assist,
                       "total": guest + self.cp_cycles + assist},
        }


class VirtualMachine:
    """A logged-on user's virtual machine. Create it with ``System.logon``;
    ``machine`` is the architecture (cp.backends.MACHINES: S370, IA32)."""

    def __init__(self, system, userid: str, storage: int = 1 << 20, *,
                 privclass: str = "G", console: int = 0x009,
                 output: Callable[[str], None] | None = None,
                 machine: str = backends.DEFAULT_MACHINE):
        self.system = system
        self.userid = userid.upper()
        self.privclass = privclass
        self.backend = backend = backends.create(machine, self)
        self.machine = backend.machine
        self.storage = backend.make_storage(storage)
        self.counters = Counters(model=backend.costs)
        self.shadow = ShadowTables(backend.page_format, self.counters)
        self.cpu = backend.make_cpu()
        self.shadow.bind(self.cpu)
        self.channel = backend.channel
        self.console_log: list[str] = []
        self.console_output: Callable[[str], None] = output or self.console_log.append
        self.console_input: deque[str] = deque()
        self.console_address = console
        self.stopped = True             # CP "stopped" (no IPL yet / STOP / ADSTOP)
        self.wait_credit = 0
        #: the VM's CTCAs and network cards (cp/network.py), by address
        self.adapters: dict = {}
        self.attach(backend.make_console(console, self._console_write, self.console_input))
        backend.start()

    # ------------------------------------------------------------ devices
    def _console_write(self, text: str) -> None:
        self.console_output(text)

    def attach(self, device) -> None:
        """Put a virtual (or dedicated real) device on the VM's channels."""
        self.channel.attach(device)

    def detach(self, address: int) -> None:
        if self.channel.device(address) is None:
            raise MachineError(f"HCPDET040E Device {address:03X} does not exist")
        self.channel.detach(address)

    def add_minidisk(self, address: int, volume, start: int, cylinders: int,
                     readonly: bool = False):
        return self.backend.add_minidisk(address, volume, start, cylinders, readonly)

    def add_display(self, address: int) -> None:
        """A display station (S/370: a local 3270) a terminal can dial."""
        self.backend.add_display(address)

    def add_unit_record(self, kind: str, address: int) -> None:
        """``kind`` is READER, PUNCH or PRINTER: a spooled virtual device."""
        self.backend.add_unit_record(kind, address)

    def query_devices(self) -> list[tuple[int, str, int]]:
        """(address, class, device type) of each virtual device, by address."""
        return [(d.address, d.description, d.devtype) for d in self.channel.devices()]

    def console_type(self, line: str) -> None:
        """A line the user typed for the guest's console read."""
        self.console_input.append(line)

    # --------------------------------------------------------------- IPL
    def load(self, image: bytes, address: int = 0) -> None:
        self.storage.load(image, address)

    def ipl(self, device: int | None = None, image: bytes | None = None,
            address: int = 0, psw: int | None = None) -> None:
        """IPL from a virtual device or from a core image loaded at ``address``
        (``psw``: the entry state, else the machine's own; see the backend)."""
        self.shadow.invalidate("ipl")
        self.backend.ipl(device, image, address, psw)
        self.stopped = False

    # ------------------------------------------------------- state access
    def register(self, token: str, n: int = 0) -> int:
        """Register ``n`` of the set (or the single register) that DISPLAY's
        operand ``token`` names in the backend's descriptor table."""
        found = find_register(self.backend.registers, token)
        if found is None:
            raise MachineError(f"no register {token} on a {self.machine} machine")
        return found[0].read(self, n)

    def set_register(self, token: str, n: int, value: int) -> None:
        """Write a register through the descriptor table (STORE); a control
        register the guest's translation depends on drops the shadow tables."""
        found = find_register(self.backend.registers, token)
        if found is None or found[0].write is None:
            raise MachineError(f"no register {token} to store on a {self.machine} machine")
        reg = found[0]
        reg.write(self, n, value)
        if self.backend.page_format.invalidated_by(reg.name, n):
            self.shadow.invalidate("store-cr")

    # The Python API's S/370 names (cp/__init__.py); any machine: register().
    @property
    def psw(self) -> int:
        return self.register("PSW")

    @psw.setter
    def psw(self, value: int) -> None:
        self.set_register("PSW", 0, value)

    def gpr(self, r: int | None = None):
        if r is not None:
            return self.register("G", r)
        reg = find_register(self.backend.registers, "G")[0]
        return [reg.read(self, n) for n in reg.numbers]

    def set_gpr(self, r: int, value: int) -> None:
        self.set_register("G", r, value)

    def set_cr(self, r: int, value: int) -> None:
        self.set_register("X", r, value)

    def read_storage(self, address: int, length: int) -> bytes:
        """Guest real storage (DISPLAY); MachineError outside the VM's storage."""
        return self.storage.read(address, length)

    def write_storage(self, address: int, data: bytes) -> None:
        """Guest real storage (STORE)."""
        if address < 0 or address + len(data) > self.storage.size:
            raise MachineError(f"HCPSTO160E Hexloc {address:06X} exceeds storage")
        self.storage.mem[address:address + len(data)] = data
        self.shadow.invalidate("store")

    def begin(self, address: int | None = None) -> None:
        """CP BEGIN: resume (at ``address``)."""
        self.stopped = False
        self.backend.resume(address)

    def stop(self) -> None:
        """CP STOP: the VM is not dispatched until BEGIN."""
        self.stopped = True

    def external(self, code: int = 0x0040) -> None:
        """CP EXTERNAL: present an external interruption (interrupt key)."""
        self.backend.external(code)

    def restart(self) -> None:
        """CP SYSTEM RESTART: a restart interruption before the next instruction;
        it also ends a wait."""
        self.backend.restart()

    def machine_check(self, code: int) -> None:
        """Reflect a machine-check interruption with interruption code ``code``
        (when the guest allows it), as the machine presents one."""
        self.backend.machine_check(code)
        self.counters.reflect("machine-check", "interrupt_reflect")

    @property
    def state(self) -> str:
        if self.cpu.checkstop:
            return "checkstop"
        if self.stopped:
            return "stopped"
        if self.cpu.wait:
            return "wait"
        return "running"

    @property
    def instructions(self) -> int:
        return self.cpu.count

    def report(self) -> dict:
        return self.counters.as_dict(self.cpu.count)

    def configure_assists(self, **switches) -> None:
        """SET ASSIST/SASSIST/CPASSIST/STBYPASS (the S/370 backend's assists)."""
        self.backend.configure_assists(**switches)

    def query_assist(self) -> list[str]:
        """QUERY ASSIST: switches, and each operation done by an assist versus by CP."""
        return self.backend.query_assist()

    # ----------------------------------------------------------- running
    def deliver(self, kind: str) -> bool:
        """Reflect a pending interruption; True if one was presented."""
        if self.backend.deliver_pending():
            self.counters.reflect(kind, "interrupt_reflect")
            return True
        return False

    def try_wake(self) -> bool:
        """A waiting VM: present an interruption that is pending and enabled (then
        it runs again). Polls its devices first (a line typed, a reader file)."""
        backend = self.backend
        backend.poll()
        kind = backend.pending_kind()
        if kind is not None:
            self.deliver(kind)
        return not self.cpu.wait

    def pending_kind(self) -> str | None:
        """The class of the interruption CP would present now, or None."""
        return self.backend.pending_kind()

    def idle(self) -> bool:
        """Let the VM's own time pass to its next event (a wait nothing else will
        end). False when nothing can ever end the wait."""
        return self.backend.idle()

    def timer_event(self) -> int | None:
        """Instructions of its own time to its next timer event (None: none)."""
        return self.backend.timer_event()

    def timer_due(self) -> bool:
        """While it waits: whether the time other VMs ran reached its next timer event."""
        due = self.backend.timer_event()
        return due is not None and due <= self.wait_credit

    def run_slice(self, n: int) -> str:
        """Run up to ``n`` guest instructions; returns ``slice``, ``wait``,
        ``stopped`` or ``checkstop``."""
        cpu = self.cpu
        backend = self.backend
        end = cpu.count + n
        self.counters.dispatches += 1
        self.counters.charge("dispatch")
        handle = intercepts.handle
        run = backend.run
        poll = backend.poll
        while True:
            if cpu.checkstop:
                return "checkstop"
            if cpu.stopped:                 # SIGP stop to itself
                self.stopped = True
            if self.stopped:
                return "stopped"
            if cpu.wait:
                if not self.try_wake():
                    return "wait"
                continue
            left = end - cpu.count
            if left <= 0:
                return "slice"
            handle(self, run(left))
            poll()

    def run(self, max_instructions: int | None = None):
        """Run this VM alone until a wait nothing can end, a check-stop, a STOP or
        the limit (the single-user equivalent of ``Machine.run``)."""
        return self.system.dispatcher.alone(self).run(max_instructions)
