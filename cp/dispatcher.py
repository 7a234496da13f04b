"""The dispatcher: which virtual machine runs next, and for how long.

Time is counted in guest instructions, so scheduling is deterministic. Each
dispatch gives a VM one time slice (``slice`` instructions); VMs that are ready
take turns round-robin (fair among busy VMs: equal slices in a fixed order). A VM
in a wait state is not dispatched until an interruption is pending and enabled
for it (its channel posted status, its timer condition arose); then CP reflects
the interruption and the VM is ready again.

Waiting VMs' timers: each VM keeps its own virtual time (its backend's timers
on its own instruction count). While other VMs run, a waiting VM accumulates the elapsed
instructions as wait credit; when the credit reaches its next timer event, its
clock is advanced to the event (``VirtualMachine.idle``), so clock comparator,
CPU timer and interval timer interruptions arrive on time in system time. When
no VM is ready at all, every waiting VM's time skips to its next event.
"""
from __future__ import annotations

import time

from .backends import RunResult

#: Default time slice: guest instructions per dispatch.
SLICE = 20_000


class Dispatcher:
    """Round-robin dispatcher over the system's logged-on VMs."""

    def __init__(self, system, slice_: int = SLICE):
        self.system = system
        self.slice = slice_
        self.next = 0

    def run(self, max_instructions: int | None = None, only: list | None = None) -> RunResult:
        """Run until no VM can ever run again (``wait``), every VM is stopped or
        check-stopped, or ``max_instructions`` guest instructions (summed over VMs)
        have run (``limit``)."""
        limit = (1 << 62) if max_instructions is None else max_instructions
        t0 = time.perf_counter()
        done = 0
        stop = "limit"
        while done < limit:
            vms = only if only is not None else list(self.system.users.values())
            ready = [vm for vm in vms if not vm.stopped and not vm.cpu.checkstop
                     and (not vm.cpu.wait or vm.try_wake())]
            if not ready:
                if any(vm.cpu.checkstop for vm in vms) and all(
                        vm.cpu.checkstop or vm.stopped for vm in vms):
                    stop = "checkstop"
                    break
                waiting = [vm for vm in vms if vm.cpu.wait and not vm.stopped
                           and not vm.cpu.checkstop]
                progressed = False
                for vm in waiting:
                    if vm.idle():
                        progressed = True
                        vm.wait_credit = 0
                if not progressed:
                    stop = "wait" if waiting else ("checkstop" if any(
                        vm.cpu.checkstop for vm in vms) else "stopped")
                    break
                continue
            self.next %= len(ready)
            order = ready[self.next:] + ready[:self.next]
            self.next += 1
            for vm in order:
                if done >= limit:
                    break
                start = vm.cpu.count
                vm.run_slice(min(self.slice, limit - done))
                ran = vm.cpu.count - start
                done += ran
                self._credit(vms, vm, ran)
        return RunResult(stop, done, time.perf_counter() - t0)

    @staticmethod
    def _credit(vms: list, running, ran: int) -> None:
        """Waiting VMs' clocks follow the system's: wake those whose timer event
        the elapsed instructions reached."""
        for vm in vms:
            if vm is running or not vm.cpu.wait or vm.stopped:
                continue
            vm.wait_credit += ran
            if vm.timer_due():
                if vm.idle():
                    vm.wait_credit = 0
