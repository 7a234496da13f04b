"""The IA-32 backend: a virtual IA-32 PC under the same CP core. A stub for now.

This is where CP's IA-32 virtual machines get their architecture (issue 23):
deprivileged execution of the guest kernel (ring 1 on the emulated CPU, with
CP's own descriptor tables underneath), the virtualization modes that SET VMMODE
chooses (NAIVE trap-and-emulate, SCAN, TRANSLATE, PARAVIRT), shadow page tables
over the guest's two-level 4K page tables, and the generic devices (serial
console, PIT, PIC, a virtual disk). The IA-32 machine (ia32/) is still being
built; until its CPU can run a guest, this backend gives a logged-on IA-32
virtual machine its storage, a register file in the processor's reset state
(80386 Programmer's Reference Manual, section 10.1 "Processor State after
Reset": EIP 0000FFF0, CS F000, EFLAGS 00000002, the rest zero) that DISPLAY,
STORE and QUERY walk through the descriptor tables (ia32_tables.py), and the
mode; IPL is refused with a VM/370-style message (``IA32 MACHINE NOT
AVAILABLE``), and the VM never runs.
"""
from __future__ import annotations

from . import ia32_tables
from .base import SLICE, Exit
from .shared import MachineError

#: Physical memory of a virtual PC: up to 4G in 4K pages (a page is the unit of
#: shadow paging); CP's directory asks for at most 16M today.
MAX_STORAGE = 1 << 32
PAGE = 4096
#: SET VMMODE's choices; TRANSLATE (binary translation) is the default.
MODES = ("NAIVE", "SCAN", "TRANSLATE", "PARAVIRT")
DEFAULT_MODE = "TRANSLATE"
NOT_AVAILABLE = "IA32 MACHINE NOT AVAILABLE"


class NoCosts:
    """The cost model of a machine that does not run yet: nothing costs cycles
    (the IA-32 figures come with the machine, docs/cost-model.md)."""
    GUEST_AVERAGE = 0

    @staticmethod
    def intercept_cycles(path: str) -> int:
        return 0

    @staticmethod
    def instruction_path(name: str) -> str:
        return "privileged"

    @staticmethod
    def assist_cycles(counts: dict) -> int:
        return 0


class Selector:
    """A segment register as the tables read it (ia32.state.Segment's selector)."""

    def __init__(self, selector: int) -> None:
        self.selector = selector


class ResetState:
    """An IA-32 register file in the reset state, standing in for the CPU; it
    offers the attributes of ia32.cpu.CPU that ia32_tables.py reads."""

    def __init__(self) -> None:
        self.regs = [0] * 8
        self.eip = 0xFFF0
        self.eflags = 0x00000002        # bit 1 is always one
        self.cr = [0] * 5
        self.sregs = [Selector(s) for s in (0, 0xF000, 0, 0, 0, 0)]      # ES CS SS DS FS GS
        self.count = 0
        self.wait = False
        self.checkstop = False
        self.stopped = False

    def get_eflags(self) -> int:
        return self.eflags

    def set_eflags(self, value: int, mask: int) -> None:
        """Bit 1 stays one and the reserved bits 22-31 zero (80386 PRM 2.3.4)."""
        self.eflags = ((self.eflags & ~mask) | (value & mask)) & 0x003FFFFF | 2


class FlatStorage:
    """The VM's physical memory: a bytearray (no storage keys on a PC)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.mem = bytearray(size)

    def read(self, address: int, length: int) -> bytes:
        if address < 0 or length < 0 or address + length > self.size:
            raise MachineError(f"address {address:08X} outside the virtual machine's memory")
        return bytes(self.mem[address:address + length])

    def load(self, image: bytes, address: int = 0) -> None:
        self.mem[address:address + len(image)] = image

    def clear(self) -> None:
        self.mem = bytearray(0)


class IA32PageFormat:
    """Two-level 4K page tables (80386 PRM section 5.2): a write of CR0 (PG, WP),
    CR3 (the page directory) or CR4 (PSE) changes the translation."""
    page_shift = 12
    address_mask = 0xFFFFFFFF

    @staticmethod
    def walk(cpu, va: int):
        raise MachineError(NOT_AVAILABLE)

    @staticmethod
    def invalidated_by(register: str, index: int) -> bool:
        return register == "CR" and index in (0, 3, 4)

    @staticmethod
    def hardware_fill(cpu, va: int, write: bool):
        return None


class NoDevices:
    """The device bus of a VM whose devices do not exist yet: attaches nothing."""

    pending = False

    def attach(self, device) -> None:
        pass

    def detach(self, address: int) -> None:
        pass

    def device(self, address: int):
        return None

    def devices(self) -> list:
        return []

    def reset(self) -> None:
        pass

    def close(self) -> None:
        pass


class IA32Backend:
    """One virtual IA-32 PC (see the module docstring and base.Backend)."""

    machine = "IA32"
    registers = ia32_tables.REGISTERS
    devices = ia32_tables.DEVICES
    page_format = IA32PageFormat()
    address_digits = 8
    modes = MODES
    costs = NoCosts
    key_block = 0

    def __init__(self, vm):
        self.vm = vm
        self.cpu: ResetState | None = None
        self.channel = NoDevices()
        self.mode = DEFAULT_MODE

    @staticmethod
    def to_text(data: bytes) -> str:
        return data.decode("latin-1")

    @staticmethod
    def from_text(text: str) -> bytes:
        return text.encode("latin-1", "replace")

    @staticmethod
    def make_storage(size: int) -> FlatStorage:
        if size <= 0 or size > MAX_STORAGE or size % PAGE:
            raise MachineError(f"storage size {size} must be a multiple of 4K up to 4G")
        return FlatStorage(size)

    def make_cpu(self) -> ResetState:
        self.cpu = ResetState()
        return self.cpu

    def start(self) -> None:
        pass

    @staticmethod
    def make_console(address: int, write, inq):
        return None

    def _refuse(self, *args, **kw):
        raise MachineError(NOT_AVAILABLE)

    add_minidisk = add_unit_record = add_display = ipl = external = restart = machine_check = _refuse
    configure_assists = store_status = ipl_parm = system_restart = _refuse
    simulate = reflect = instruction_name = _refuse      # no exit but SLICE comes back
    #: IPL's answer until the IA-32 machine can run a guest here
    ipl_refusal = NOT_AVAILABLE
    iplable = ("DISK", "RDR")

    def set_mode(self, mode: str) -> None:
        """SET VMMODE: remembered for the IPL that will use it."""
        if mode not in MODES:
            raise MachineError(f"unknown VMMODE {mode}")
        self.mode = mode

    # -------------------------------------------------------------- running
    def run(self, limit: int) -> Exit:
        """Never runs: no IPL can have happened."""
        self.vm.stopped = True
        return Exit(SLICE, "slice", None)

    def deliver_pending(self) -> bool:
        return False

    def pending_kind(self):
        return None

    def poll(self) -> None:
        pass

    def can_wake(self) -> bool:
        return False

    def idle(self) -> bool:
        return False

    def timer_event(self) -> int | None:
        return None

    def reset(self, clear: bool = False) -> None:
        self.cpu.__init__()
        if clear:
            st = self.vm.storage
            st.mem[:] = bytes(st.size)

    def pc(self) -> int:
        return self.cpu.eip

    def resume(self, address: int | None) -> None:
        if address is not None:
            self.set_pc(address)

    def set_pc(self, address: int) -> None:
        self.cpu.eip = address & 0xFFFFFFFF

    def instruction_at(self, address: int):
        return None

    def query_assist(self) -> list[str]:
        return []

    def set_tracing(self, on: bool) -> None:
        pass
