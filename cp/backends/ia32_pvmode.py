"""SET VMMODE PARAVIRT in CP's IA-32 backend: the mode object (ia32.py's
``MODE_CLASSES``) that hands the VM's real CPU to the paravirtual machine.

A paravirtual guest needs none of what the other modes are built from (shadow
page tables, shadow descriptor tables, the emulated PC's 8259 and 8254,
instruction emulation): its page tables are validated and used directly, CP's
flat selectors stand in for its GDT, events for interrupts
(ia32_paravirt.py). So after IPL loaded the kernel, ``attach`` starts a
ParavirtMachine on the backend's own real CPU and memory (the guest's memory
is the same bytes CP's DISPLAY and STORE see), and the backend asks the mode
for the run and for what the dispatcher asks of a waiting VM
(``takes_over``). Exits in CP's taxonomy:

* each hypercall is a HYPERCALL exit, performed by ``simulate`` and counted
  under its own name (``mmu_update``, ``sched_op``...), as a DIAGNOSE is;
* an idle call is a WAIT: the dispatcher runs other VMs; the VM's deadline
  (``timer_event``) or an event ends it, and ``idle`` lets its time pass when
  nothing else runs;
* shutdown stops the VM with its exit code; a guest CP cannot enter any more
  (no handler for a fault) is a check-stop.

Exceptions are reflected and events delivered inside the run (counted in the
report), system calls never leave the real CPU (the fast trap gate).
"""
from __future__ import annotations

from . import ia32_hypercalls as hc
from .base import HYPERCALL, SLICE, WAIT, Exit
from .ia32_paravirt import ParavirtMachine

_SLICE = Exit(SLICE, "slice", None)
_WAIT = Exit(WAIT, "wait", None)


class ParavirtMode:
    """SET VMMODE PARAVIRT (see the module docstring)."""
    name = "PARAVIRT"
    virtual_view = False
    rewrite = None
    #: the backend asks this mode for run, simulate and the waiting VM's questions
    takes_over = True

    def __init__(self, backend):
        self.backend = backend
        self.machine: ParavirtMachine | None = None

    def attach(self) -> None:
        """After IPL loaded the kernel: enter it paravirtually at its entry point."""
        backend = self.backend
        cpu = backend.cpu
        entry = cpu.eip
        write = backend._console_byte          # the backend's console lines
        self.machine = ParavirtMachine(backend.guest_size, backend.vm.userid, cpu=cpu,
                                       vstate=backend.vstate,
                                       output=lambda data: [write(b) for b in data])
        self.machine.start(entry)

    # ---------------------------------------------------------- running
    def run(self, limit: int) -> Exit:
        m = self.machine
        backend = self.backend
        stop = m.run(limit, under_cp=True)
        if stop == "hypercall":
            return Exit(HYPERCALL, "hypercall", m.cpu.regs[0])
        if stop == "blocked":
            backend.vcpu.wait = True
            return _WAIT
        if stop == "exit":
            backend.exit_code = m.exit_code
            backend.vcpu.stopped = True
        elif stop == "crash":
            backend.stop(m.crashed)
        return _SLICE

    @staticmethod
    def instruction_name(ex: Exit) -> str:
        return hc.NAMES.get(ex.detail, "hypercall")

    def simulate(self, ex: Exit) -> None:
        self.machine.hypercall()

    # ------------------------------------------------ a VM off the CPU
    def _woken(self) -> bool:
        return self.backend.vcpu.wait and not self.machine.pv.blocked

    def pending_kind(self) -> str | None:
        """An event (or the deadline) ended the idle call: it runs again."""
        return "external" if self._woken() else None

    def deliver_pending(self) -> bool:
        if not self._woken():
            return False
        self.backend.vcpu.wait = False
        return True

    def poll(self) -> None:
        """A line the user typed: the console event."""
        lines = self.backend.vm.console_input
        while lines:
            self.machine.type_input((lines.popleft() + "\n").encode("latin-1", "replace"))

    def can_wake(self) -> bool:
        pv = self.machine.pv
        return not pv.blocked or pv.next_deadline() is not None

    def idle(self) -> bool:
        return self.machine.idle()

    def timer_event(self) -> int | None:
        return self.machine.instructions_to_deadline()

    def stats(self) -> dict:
        m = self.machine
        if m is None:
            return {}
        return {"hypercalls": dict(sorted(m.pv.calls.items())), "upcalls": m.exits.get("upcall", 0),
                "reflected": m.exits.get("reflect", 0), "fast_system_calls": m.fast_calls,
                "events": m.pv.events_raised, "idle_ns": m.idle_ns}
