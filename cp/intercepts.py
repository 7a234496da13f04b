"""Exit kind -> handler: the one place where guest exits are routed.

The VM's backend runs a slice and returns an ``Exit`` in the neutral taxonomy of
cp/backends/base.py; ``handle`` counts it, charges its cost (the backend's cost
model) and does what VM/370's CP did for it:

* instruction, hypercall: simulate it against the virtual state (the backend
  runs the machine's own handler with the privileged check off, so the
  semantics are identical by construction; S/370 DIAGNOSE is CP's hypercall),
  then drop the shadow tables when the backend says the instruction changed
  the guest's translation (S/370: LCTL of CR0/CR1, PTLB, IPTE);
* program exception, system call: reflect it to the guest;
* external / io: present the pending interruption (the machine's priorities);
* wait: the VM enters the wait state; the dispatcher decides when it runs again;
* page-table write: the guest stored into a table CP shadows;
* validity: CP built a state the machine cannot run (a CP bug, reported).
"""
from __future__ import annotations

from .backends import MachineError
from .backends.base import (EXTERNAL, HYPERCALL, INSTRUCTION, IO, PAGE_TABLE_WRITE, PROGRAM, SLICE,
                            SYSCALL, VALIDITY, WAIT, Exit)


def handle(vm, ex: Exit) -> None:
    """Route one exit of ``vm``."""
    kind = ex.kind
    if kind == SLICE:
        return
    c = vm.counters
    c.intercepts[ex.name] = c.intercepts.get(ex.name, 0) + 1
    if kind == INSTRUCTION or kind == HYPERCALL:
        # not counted yet: the backend simulates it at the exact instruction
        # count (the clock), then counts it
        backend = vm.backend
        name = backend.instruction_name(ex)
        c.simulated[name] = c.simulated.get(name, 0) + 1
        c.charge(backend.costs.instruction_path(name))
        reason = backend.simulate(ex)
        if reason is not None:
            vm.shadow.invalidate(reason)
    elif kind == PROGRAM or kind == SYSCALL:
        vm.backend.reflect(ex)
    elif kind == EXTERNAL or kind == IO:
        vm.deliver(vm.pending_kind() or kind)
    elif kind == WAIT:
        c.charge("wait")
    elif kind == PAGE_TABLE_WRITE:
        vm.shadow.invalidate("table-store")
    elif kind == VALIDITY:
        raise MachineError(f"validity intercept for {vm.userid}: {ex.detail}")

