"""The dispatcher: which virtual machine runs next, and for how long.

Time is counted in guest instructions, so scheduling is deterministic. Each
dispatch gives a VM one time slice (``slice`` instructions); VMs that are ready
take turns round-robin (fair among busy VMs: equal slices in a fixed order). A VM
in a wait state is not dispatched until an interruption is pending and enabled
for it (its channel posted status, its timer condition arose); then CP reflects
the interruption and the VM is ready again.

Waiting VMs' timers: each VM keeps its own virtual time (its backend's timers
on its own instruction count). While other VMs run, a waiting VM accumulates the
instructions run since its wait began as wait credit (``clock``, the system's
time, less the clock when the wait began); when the credit reaches its next
timer event, its clock is advanced to the event (``VirtualMachine.idle``), so
clock comparator, CPU timer and interval timer interruptions arrive on time in
system time. When no VM is ready at all, every waiting VM's time skips to its
next event.

Cost (issue 20: a thousand idle users on one CP): a slice costs the same however
many VMs wait. The waiting VMs' timer events are kept in a heap by the system
time they fall due, so after a slice only the VMs whose event came are looked
at; and the full look at every VM (is it still stopped, did something outside
end its wait: a line typed, a CP command, a reader file) is spread out: every
round while fewer than ``SWEEP_RATIO`` VMs are logged on (as if it were every
slice), else once per ``len(vms) / SWEEP_RATIO`` slices, so a slice pays for
about ``SWEEP_RATIO`` VMs' checks, and an outside event ends a wait within that
many slices. Between sweeps the round is the VMs that were ready and those
whose timer woke them.

The virtual network (cp/vswitch.py) runs on the same time: the instructions
of every slice are added to ``System.instructions`` (its clock: MAC aging, NAT
timeouts), and every round first lets each switch poll CP's own ports (the
NAT's outside, cp/nat.py).
"""
from __future__ import annotations

import heapq
import itertools
import time

from .backends import RunResult

#: Default time slice: guest instructions per dispatch.
SLICE = 20_000
#: VMs checked per slice, on average, for an end of their wait from outside.
SWEEP_RATIO = 16


class Dispatcher:
    """Round-robin dispatcher over the system's logged-on VMs."""

    def __init__(self, system, slice_: int = SLICE, only: list | None = None):
        self.system = system
        self.slice = slice_
        self.only = only
        self.next = 0
        #: system time: guest instructions dispatched so far, all VMs together
        self.clock = 0
        #: VM -> (token, clock when its wait began) while the dispatcher sees it wait
        self._waits: dict = {}
        #: (system time its next timer event falls due, token, VM)
        self._timers: list = []
        self._tokens = itertools.count()
        self._woken: list = []          # VMs a timer event may have woken since the round

    def alone(self, vm) -> "Dispatcher":
        """A dispatcher for ``vm`` by itself (``VirtualMachine.run``): its own
        system time, so the other VMs' waits get no credit from it."""
        return Dispatcher(self.system, self.slice, only=[vm])

    def run(self, max_instructions: int | None = None) -> RunResult:
        """Run until no VM can ever run again (``wait``), every VM is stopped or
        check-stopped, or ``max_instructions`` guest instructions (summed over VMs)
        have run (``limit``)."""
        limit = (1 << 62) if max_instructions is None else max_instructions
        t0 = time.perf_counter()
        done = 0
        stop = "limit"
        ready: list = []
        swept = -1                      # slices since the last sweep (-1: none yet)
        switches = self.system.switches.values()
        while done < limit:
            for sw in switches:         # the NAT's outside brings packets in
                sw.poll()
            vms = self.only if self.only is not None else list(self.system.users.values())
            if swept < 0 or not ready or swept * SWEEP_RATIO >= len(vms):
                ready = self._sweep(vms)
                swept = 0
            else:
                ready = [vm for vm in dict.fromkeys(ready + self._woken) if self._runnable(vm)]
            self._woken = []
            if not ready:
                ended = self._all_waiting(vms)
                if ended is not None:
                    stop = ended
                    break
                continue
            self.next %= len(ready)
            order = ready[self.next:] + ready[:self.next]
            self.next += 1
            for vm in order:
                if done >= limit:
                    break
                start = vm.cpu.count
                state = vm.run_slice(min(self.slice, limit - done))
                ran = vm.cpu.count - start
                done += ran
                swept += 1
                self._ran(vm, ran, state)
        return RunResult(stop, done, time.perf_counter() - t0)

    # ------------------------------------------------------------ the VMs
    def _runnable(self, vm) -> bool:
        """Not stopped, and not waiting or (an interruption taken) no longer waiting."""
        if vm.stopped or vm.cpu.checkstop:
            return False
        if not vm.cpu.wait:
            return True
        if vm.try_wake():
            self._waits.pop(vm, None)
            return True
        if vm not in self._waits:
            self._begin_wait(vm)
        return False

    def _sweep(self, vms: list) -> list:
        """Look at every VM: the ones ready to run, in logon order. Waits the
        dispatcher has not seen begin now; VMs no longer logged on are forgotten."""
        if len(self._waits) > len(vms):
            present = set(vms)
            for vm in [v for v in self._waits if v not in present]:
                del self._waits[vm]
        return [vm for vm in vms if self._runnable(vm)]

    def _begin_wait(self, vm) -> None:
        token = next(self._tokens)
        self._waits[vm] = (token, self.clock)
        self._schedule(vm, token, self.clock)

    def _schedule(self, vm, token: int, began: int) -> None:
        """Put the VM's next timer event (if it has one) in the heap, by the
        system time at which its wait credit reaches it."""
        due = vm.timer_event()
        if due is not None:
            heapq.heappush(self._timers, (began + due, token, vm))

    def _ran(self, running, ran: int, state: str) -> None:
        """After a slice: the system's time moves on; the VM's own wait (if it
        ran at all, any wait it was in is over) begins again if it waits now; the
        waiting VMs whose timer event the time reached have their time advanced."""
        self.clock += ran
        self.system.instructions += ran
        if ran:
            self._waits.pop(running, None)
        if state == "wait" and running.cpu.wait and running not in self._waits:
            self._begin_wait(running)
        timers = self._timers
        while timers and timers[0][0] <= self.clock:
            _, token, vm = heapq.heappop(timers)
            wait = self._waits.get(vm)
            if wait is None or wait[0] != token:
                continue                # the wait that event belonged to is over
            if vm.stopped or not vm.cpu.wait:
                del self._waits[vm]     # the next look at it sees what it does now
                continue
            began = wait[1]
            vm.wait_credit = self.clock - began
            if not vm.timer_due():
                self._schedule(vm, token, began)        # its next event moved on
            elif vm.idle():
                vm.wait_credit = 0
                self._waits[vm] = (token, self.clock)
                self._schedule(vm, token, self.clock)
                self._woken.append(vm)
            else:
                del self._waits[vm]     # nothing can end this wait: begins anew when seen

    def _all_waiting(self, vms: list) -> str | None:
        """No VM is ready: let every waiting VM's time pass to its next event.
        None if that gave one something to do; else why the run ends."""
        if any(vm.cpu.checkstop for vm in vms) and all(
                vm.cpu.checkstop or vm.stopped for vm in vms):
            return "checkstop"
        waiting = [vm for vm in vms if vm.cpu.wait and not vm.stopped and not vm.cpu.checkstop]
        progressed = False
        for vm in waiting:
            if vm.idle():
                progressed = True
                vm.wait_credit = 0
                self._waits.pop(vm, None)   # its wait begins again at this clock
        if progressed:
            return None
        return "wait" if waiting else ("checkstop" if any(
            vm.cpu.checkstop for vm in vms) else "stopped")
