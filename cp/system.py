"""The control program as a whole: logged-on users, the dispatcher, real
volumes for minidisks, the spool, and the CP command hook."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from . import network
from .backends import DEFAULT_MACHINE, MachineError
from .dispatcher import SLICE, Dispatcher
from .spoolport import MemorySpool, SpoolPort
from .vm import VirtualMachine
from .nat import LoopbackHost, NatGateway
from .vswitch import VSwitch


@dataclass
class SystemConfig:
    """CP's configuration: time slice (instructions), real DASD volumes by volume
    serial (``s370.devices.dasd`` devices, for minidisks), the machine's assists,
    the real CPU id (VMs see it with version code X'FF')."""
    slice: int = SLICE
    cpuid: int = 0xFF00000000000000
    volumes: dict = field(default_factory=dict)
    assists: tuple = ()
    max_users: int = 64
    #: the virtual switches CP starts with (COUPLE ... TO SYSTEM name; cp/vswitch.py)
    switches: tuple = ("LAN1",)
    #: the switches that get a NAT gateway to this machine's loopback (cp/nat.py)
    nat: tuple = ("LAN1",)


class System:
    """A running CP. See cp/__init__.py for the API."""

    def __init__(self, config: SystemConfig | None = None, spool: SpoolPort | None = None):
        self.config = config or SystemConfig()
        self.users: dict[str, VirtualMachine] = {}
        self.dispatcher = Dispatcher(self, self.config.slice)
        self.spool = spool or MemorySpool()
        #: CP command hook for DIAGNOSE X'08': fn(vm, text) -> (response lines, rc).
        #: The CP user layer replaces it with its command processor.
        self.command_hook: Callable | None = None
        #: guest instructions dispatched so far, summed over the VMs: the clock
        #: of the virtual network (MAC aging, NAT timeouts), advanced by the dispatcher
        self.instructions = 0
        self.switches: dict[str, VSwitch] = {}
        for name in self.config.switches:
            self.define_switch(name)
        for name in self.config.nat:
            NatGateway(self.switch(name), LoopbackHost())

    def logon(self, userid: str, storage: int = 1 << 20, *, privclass: str = "G",
              output: Callable[[str], None] | None = None, console: int = 0x009,
              reader: int | None = 0x00C, punch: int | None = 0x00D,
              printer: int | None = 0x00E, machine: str = DEFAULT_MACHINE) -> VirtualMachine:
        """Create the user's virtual machine of architecture ``machine`` (S370,
        IA32): storage (bytes), console and the spooled unit-record devices at
        the usual addresses (on a machine that has them)."""
        uid = userid.upper()
        if uid in self.users:
            raise MachineError(f"HCPLGN054E Already logged on: {uid}")
        if len(self.users) >= self.config.max_users:
            raise MachineError("HCPLGN067E Maximum number of users reached")
        vm = VirtualMachine(self, uid, storage, privclass=privclass, console=console,
                            output=output, machine=machine)
        classes = {d.kind for d in vm.backend.devices}     # what the machine can have
        for kind, cls, addr in (("READER", "RDR", reader), ("PUNCH", "PUN", punch),
                                ("PRINTER", "PRT", printer)):
            if addr is not None and cls in classes:
                vm.add_unit_record(kind, addr)
        self.users[uid] = vm
        return vm

    def define_switch(self, name: str) -> VSwitch:
        """A virtual switch named ``name`` (uppercase), on the system's clock."""
        sw = self.switches[name.upper()] = VSwitch(name.upper(), lambda: self.instructions)
        return sw

    def switch(self, name: str) -> VSwitch:
        sw = self.switches.get(name.upper())
        if sw is None:
            raise MachineError(f"HCPNIC2850E The LAN SYSTEM {name.upper()} does not exist")
        return sw

    def logoff(self, userid: str) -> None:
        vm = self.users.get(userid.upper())
        if vm is None:
            raise MachineError(f"HCPLGF045E {userid.upper()} not logged on")
        for vaddr in list(vm.adapters):
            network.remove(vm, vaddr)
        del self.users[vm.userid]
        vm.channel.close()
        vm.storage.clear()

    def user(self, userid: str) -> VirtualMachine:
        vm = self.users.get(userid.upper())
        if vm is None:
            raise MachineError(f"HCPCQU045E {userid.upper()} not logged on")
        return vm

    def volume(self, volser: str):
        vol = self.config.volumes.get(volser.upper())
        if vol is None:
            raise MachineError(f"HCPLNK105E Volume {volser.upper()} not mounted")
        return vol

    def run(self, max_instructions: int | None = None):
        """Dispatch all logged-on VMs (see Dispatcher.run)."""
        return self.dispatcher.run(max_instructions)

    def command(self, vm: VirtualMachine, text: str) -> tuple[list[str], int]:
        """A CP command issued by a guest (DIAGNOSE X'08'): the user layer's hook,
        or the minimal built-in (QUERY USERS / unknown command)."""
        if self.command_hook is not None:
            return self.command_hook(vm, text)
        words = text.split()
        if not words:
            return [], 0
        verb = words[0].upper()
        if "QUERY".startswith(verb) and len(verb) >= 1 and len(words) > 1 \
                and "USERS".startswith(words[1].upper()):
            n = len(self.users)
            return [f"{n:04d} USER{'S' if n != 1 else ''}"], 0
        return [f"DMKCFC001E ?CP: {words[0]}"], 1
