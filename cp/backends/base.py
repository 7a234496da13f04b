"""The one interface between the CP core and a guest architecture.

CP's core (vm.py, intercepts.py, shadow.py, dispatcher.py) and its commands name
no architecture: everything that depends on one is asked of the VM's backend,
an object made per virtual machine by ``cp.backends.create`` (s370.py for a
virtual System/370, ia32.py for a virtual IA-32 PC). This module states what a
backend gives:

* a virtual CPU and its storage (``make_storage``, ``make_cpu``); the CPU
  object carries the few neutral fields the dispatcher reads (``VirtualCPU``);
* ``run``: one slice of guest execution, ending in an ``Exit`` whose ``kind``
  is one of the neutral taxonomy below; ``simulate`` an intercepted
  instruction, ``reflect`` an interruption to the guest, present a pending one
  (``deliver_pending``);
* the guest's page-table format for CP's shadow tables (``PageTableFormat``:
  walk, which control-register writes invalidate, page size);
* IPL or boot (``ipl``), the virtual devices (``channel``, ``attach``, ...);
* descriptor tables (cp/backends/descriptors.py): ``registers`` (name, width,
  how to read and write, bit-field layouts) and ``devices`` (the device classes
  and their types), which CP's generic DISPLAY, STORE, QUERY, TRACE and ADSTOP
  walk, the way SimH's EXAMINE, DEPOSIT and SHOW walk each simulator's REG and
  DEVICE tables.

Architecture features that only one machine has are the backend's own: the
S/370 backend holds the VM's hardware assists, the IA-32 backend its
virtualization mode (SET VMMODE).
"""
from __future__ import annotations

from typing import Callable, NamedTuple, Protocol

from .descriptors import DeviceClass, InstructionInfo, Register

# ------------------------------------------------------------------ exits
#: The neutral intercept taxonomy: why a slice of guest execution ended.
SLICE = "slice"                  # the time slice is used up
INSTRUCTION = "instruction"      # a privileged or sensitive instruction to simulate
PROGRAM = "program"              # a program exception (fault) to reflect
SYSCALL = "syscall"              # a system call (S/370 SVC, IA-32 INT n) to reflect
HYPERCALL = "hypercall"          # a call to CP itself (S/370 DIAGNOSE)
WAIT = "wait"                    # the guest waits (enabled wait state, HLT)
EXTERNAL = "external"            # an external (timer, interrupt key) interruption is due
IO = "io"                        # an I/O interruption is due
PAGE_TABLE_WRITE = "page-table-write"    # a store into a guest page table CP shadows
VALIDITY = "validity"            # CP built a state the machine cannot run (a CP bug)
KINDS = (SLICE, INSTRUCTION, PROGRAM, SYSCALL, HYPERCALL, WAIT, EXTERNAL, IO,
         PAGE_TABLE_WRITE, VALIDITY)


class Exit(NamedTuple):
    """One end of guest execution. ``kind`` is from ``KINDS``; ``name`` is what
    the VM's counters count it under (the backend's own word for it: S/370 counts
    SVC and DIAGNOSE as "instruction" intercepts, as interpretive execution
    reports them); ``detail`` is the backend's own record, handed back to it."""
    kind: str
    name: str
    detail: object


class VirtualCPU(Protocol):
    """The fields of a virtual CPU that the dispatcher and the VM read."""
    count: int          # guest instructions executed (the VM's clock)
    wait: bool          # in a wait state (S/370 wait PSW, IA-32 HLT)
    checkstop: bool     # can never run again (S/370 check-stop, IA-32 shutdown)
    stopped: bool       # stopped itself (S/370 SIGP stop)


class PageTableFormat(Protocol):
    """What ShadowTables (cp/shadow.py) needs to know of the guest's tables."""
    #: log2 of the bytes one shadow entry maps (S/370: 2K blocks; IA-32: 4K pages)
    page_shift: int
    #: the guest virtual address bits that translate (S/370: 24; IA-32: 32)
    address_mask: int

    def walk(self, cpu, va: int) -> tuple[int, tuple[int, ...]]:
        """Translate ``va`` through the guest's own tables: (real address, the
        addresses of the table entries used, for CP to watch); raises the
        guest's own translation exception when its tables say so."""

    def invalidated_by(self, register: str, index: int) -> bool:
        """Whether a write to control register ``register`` ``index`` changes the
        guest's translation (then every shadow entry goes)."""

    def hardware_fill(self, cpu, va: int, write: bool) -> int | None:
        """The shadow entry for ``va`` if the machine fills it itself (S/370:
        VMA's shadow-table validation), else None: CP walks."""


class Backend(Protocol):
    """One virtual machine's architecture (see the module docstring)."""
    #: the directory's MACHINE name: "S370", "IA32"
    machine: str
    registers: tuple[Register, ...]
    devices: tuple[DeviceClass, ...]
    page_format: PageTableFormat
    #: hex digits of a guest address in CP's displays (S/370: 6; IA-32: 8)
    address_digits: int
    #: guest storage bytes -> text (S/370: EBCDIC; IA-32: ASCII)
    to_text: Callable[[bytes], str]
    #: text -> guest storage bytes
    from_text: Callable[[str], bytes]
    #: cycles of one CP path, and the rest of the machine's cost model
    costs: object
    #: why the VM check-stopped, for CP's message (None: nothing to add)
    stop_reason: str | None
    #: SET VMMODE's choices (empty: the machine has no modes)
    modes: tuple[str, ...]
    channel: object

    # ------------------------------------------------------ CPU and storage
    def make_storage(self, size: int): ...
    def make_cpu(self) -> VirtualCPU: ...
    def start(self) -> None:
        """After the VM has its CPU, counters and devices (S/370: the assists)."""

    # -------------------------------------------------------------- running
    def run(self, limit: int) -> Exit: ...
    def simulate(self, ex: Exit) -> str | None:
        """Simulate the intercepted instruction of ``ex`` against the virtual
        state (a program exception it raises is reflected to the guest).
        Returns a shadow-invalidation reason, or None."""
    def instruction_name(self, ex: Exit) -> str: ...
    def reflect(self, ex: Exit) -> None:
        """Present the program exception or system call of ``ex`` to the guest."""
    def deliver_pending(self) -> bool:
        """Present the pending, enabled interruption; True if one was presented."""
    def pending_kind(self) -> str | None: ...
    def poll(self) -> None: ...
    def idle(self) -> bool: ...
    def timer_event(self) -> int | None:
        """Instructions of the VM's own time to its next timer event (None: none)."""
    def can_wake(self) -> bool: ...
    def console_waiting(self, address: int) -> bool:
        """Whether the guest waits for a line typed on its console at ``address``."""

    # ---------------------------------------------------------- operations
    def ipl(self, device: int | None, image: bytes | None, address: int,
            entry: int | None) -> None: ...
    def reset(self) -> None: ...
    def resume(self, address: int | None) -> None: ...
    def external(self, code: int) -> None: ...
    def restart(self) -> None: ...
    def machine_check(self, code: int) -> None: ...
    def instruction_at(self, address: int) -> InstructionInfo | None: ...
    def configure_assists(self, **switches) -> None: ...
    def query_assist(self) -> list[str]: ...
