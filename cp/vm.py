"""VirtualMachine: one logged-on user's virtual System/370.

The VM's virtual state IS an interpretive CPU (s370.interp): its GPRs, FPRs,
control registers, PSW fields, storage keys and timers are the guest's, and its
storage is the VM's own ``Storage`` (sparse: an mmap, so an idle 1 MB guest
costs host memory only for the pages it touched). CP never copies state in and
out: interpretive execution runs on it, and CP's simulation runs the bare
machine's handlers on it.

What the CP user layer (cp/commands, telnet) uses is the public part of this
class: see cp/__init__.py for the API summary.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Callable

from assists import costs
from assists.registry import AssistControl
from s370.errors import MachineError
from s370.machine import TimerWait
from s370.storage import Storage

from . import intercepts
from .backends import s370_vio as vio
from .backends import s370 as backend
from .shadow import ShadowTables

MAX_STORAGE = 16 * 1024 * 1024


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
    #: cycles of one CP path; ECPS (assists/ecps.py) swaps in its shortened paths
    cost: Callable[[str], int] = field(default=costs.intercept_cycles, repr=False)

    def charge(self, path: str) -> None:
        self.cp_cycles += self.cost(path)

    def reflect(self, kind: str, path: str) -> None:
        self.reflected[kind] = self.reflected.get(kind, 0) + 1
        self.charge(path)

    def as_dict(self, guest_instructions: int) -> dict:
        guest = guest_instructions * costs.GUEST_AVERAGE
        assist = costs.assist_cycles(self.assisted)
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
    """A logged-on user's virtual machine. Create it with ``System.logon``."""

    def __init__(self, system, userid: str, storage: int = 1 << 20, *,
                 privclass: str = "G", console: int = 0x009,
                 output: Callable[[str], None] | None = None):
        if storage <= 0 or storage > MAX_STORAGE or storage % 4096:
            raise MachineError(f"storage size {storage} must be a multiple of 4K up to 16M")
        self.system = system
        self.userid = userid.upper()
        self.privclass = privclass
        self.storage = Storage(storage, sparse=True)
        self.counters = Counters()
        self.shadow = ShadowTables(backend.walk, self.counters)
        self.cpu = backend.make_cpu(self.storage, system.config.cpuid)
        self.cpu.sdesc.pager = self.shadow
        self.shadow.bind(self.cpu)
        self.channel = vio.make_channel(self.storage)
        self.cpu.channel = self.channel
        backend.attach_timers(self.cpu)
        self.console_log: list[str] = []
        self.console_output: Callable[[str], None] = output or self.console_log.append
        self.console_input: deque[str] = deque()
        self.console_address = console
        self.stopped = True             # CP "stopped" (no IPL yet / STOP / ADSTOP)
        self.wait_credit = 0
        self.timer_wait = TimerWait()       # as the bare machine's waits
        self.attach(vio.VirtualConsole(console, self._console_write, self.console_input))
        #: the VM's hardware assists: CR6, MICBLOK, switches, the state description's list
        self.assist = AssistControl(self, system.config.assists)

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
                     readonly: bool = False) -> vio.Minidisk:
        md = vio.Minidisk(address, volume, start, cylinders, readonly)
        self.attach(md)
        return md

    def add_unit_record(self, kind: str, address: int) -> None:
        """``kind`` is READER, PUNCH or PRINTER: a spooled virtual device."""
        cls = {"READER": vio.SpoolReader, "PUNCH": vio.SpoolPunch,
               "PRINTER": vio.SpoolPrinter}.get(kind.upper())
        if cls is None:
            raise MachineError(f"HCPDEF003E Invalid option - {kind.upper()}")
        self.attach(cls(address, self.userid, self.system.spool))

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
        """IPL from a virtual device (the channel's IPL sequence, then the PSW at 0)
        or from a core image loaded at ``address`` (``psw``, or the one at 0)."""
        cpu = self.cpu
        cpu.reset()
        self.channel.reset()
        self.shadow.invalidate("ipl")
        if device is not None:
            self.channel.ipl(device)
            mem = cpu.mem               # the IPL device address, as the machine stores it
            if mem[1] & 0x08:
                mem[0xB8:0xBC] = device.to_bytes(4, "big")
            else:
                mem[2:4] = device.to_bytes(2, "big")
        elif image is not None:
            self.load(image, address)
        cpu.load_psw(psw if psw is not None else int.from_bytes(cpu.mem[0:8], "big"))
        self.stopped = False

    # ------------------------------------------------------- state access
    @property
    def psw(self) -> int:
        return self.cpu.psw

    @psw.setter
    def psw(self, value: int) -> None:
        self.cpu.load_psw(value)

    def gpr(self, r: int | None = None):
        return list(self.cpu.gpr) if r is None else self.cpu.gpr[r]

    def set_gpr(self, r: int, value: int) -> None:
        self.cpu.gpr[r] = value & 0xFFFFFFFF

    def set_cr(self, r: int, value: int) -> None:
        self.cpu.cr[r] = value & 0xFFFFFFFF
        self.cpu.psw_changed()
        if r in (0, 1):
            self.shadow.invalidate("store-cr")

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
        if address is not None:
            self.cpu.ia = address & 0xFFFFFF
        self.stopped = False
        self.cpu.stopped = False
        self.cpu.attn = True

    def stop(self) -> None:
        """CP STOP: the VM is not dispatched until BEGIN."""
        self.stopped = True

    def external(self, code: int = 0x0040) -> None:
        """CP EXTERNAL: present an external interruption (interrupt key)."""
        self.cpu.raise_external(code)

    def restart(self) -> None:
        """CP SYSTEM RESTART: a restart interruption (old PSW X'08', new X'00')
        before the next instruction; it also ends a wait."""
        cpu = self.cpu
        cpu.stopped = False
        cpu.restart_pending = True
        cpu.attn = True

    def machine_check(self, code: int) -> None:
        """Reflect a machine-check interruption with interruption code ``code``
        (when the guest's PSW bit 13 allows it), as the machine presents one."""
        self.cpu.machine_check(code)
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
        """SET ASSIST/SASSIST/CPASSIST/STBYPASS (see assists.registry.AssistControl.configure)."""
        self.assist.configure(**switches)

    def query_assist(self) -> list[str]:
        """QUERY ASSIST: switches, and each operation done by an assist versus by CP."""
        return self.assist.query()

    # ----------------------------------------------------------- running
    def deliver(self, kind: str) -> bool:
        """Reflect a pending interruption; True if one was presented."""
        cpu = self.cpu
        before = cpu.psw
        backend.reflect_pending(cpu)
        if cpu.psw != before:
            self.counters.reflect(kind, "interrupt_reflect")
            return True
        return False

    def try_wake(self) -> bool:
        """A waiting VM: present an interruption that is pending and enabled (then
        it runs again). Polls its devices first (a line typed, a reader file)."""
        cpu = self.cpu
        self.channel.poll(cpu)
        kind = self.pending_kind()
        if kind is not None:
            self.deliver(kind)
        return not cpu.wait

    def pending_kind(self) -> str | None:
        """The class of the interruption CP would present now (the bare machine's
        priorities: early PSW exception, external, I/O, restart), or None."""
        cpu = self.cpu
        if cpu.psw_invalid:
            return "program"
        if cpu.ext_pending and cpu.sysmask & 1 and cpu.external_deliverable():
            return "external"
        if self.channel.pending and cpu.io_deliverable():
            return "io"
        if cpu.restart_pending:
            return "restart"
        return None

    def idle(self) -> bool:
        """Let the VM's own time pass to its next event (a wait nothing else will
        end). False when nothing can ever end the wait."""
        cpu = self.cpu
        if not cpu.can_wake():
            return False
        if self.channel.busy():
            self.channel.advance(cpu)
            return True
        return self.timer_wait.advance(cpu, self.channel)

    def run_slice(self, n: int) -> str:
        """Run up to ``n`` guest instructions; returns ``slice``, ``wait``,
        ``stopped`` or ``checkstop``."""
        cpu = self.cpu
        end = cpu.count + n
        self.counters.dispatches += 1
        self.counters.charge("dispatch")
        handle = intercepts.handle
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
            self.assist.enter()
            ic = cpu.interpret(left)
            handle(self, ic)
            self.channel.poll(cpu)

    def run(self, max_instructions: int | None = None):
        """Run this VM alone until a wait nothing can end, a check-stop, a STOP or
        the limit (the single-user equivalent of ``Machine.run``)."""
        return self.system.dispatcher.run(max_instructions, only=[self])
