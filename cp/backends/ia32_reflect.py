"""Reflection: an exception or interrupt presented to an IA-32 guest through its
own IDT, with the guest's rules.

CP takes every vector (``CPU.intercept``); what belongs to the guest is delivered
here with the bare machine's own delivery (``ia32.interrupts.deliver``: gate
types, the frame, the stack switch) run on the real CPU against the guest's IDT
(the real IDTR holds the guest's for the duration) and the shadow GDT. A change
to the guest's ring 0 switches to the guest TSS's SS0:ESP0, read from guest
memory at delivery time and handed to the real CPU as CP's TSS's SS1:ESP1 (the
guest's ring 0 runs at real ring 1). Afterwards the guest's IF is the virtual
one (an interrupt gate clears it; the real IF stays 1) and the guest CPL follows
the real one.

What the frame shows is the mode's choice (``be.mode.view``): naive
trap-and-emulate (no view) pushes what the real hardware state shows (CS with
RPL 1, the real EFLAGS with IF 1 and IOPL 0) and checks a software interrupt's
gate DPL against the real CPL, which is where Popek and Goldberg's argument
bites (the real CPU delivers through CP's own IDT, which holds a copy of the
guest's gate, read through the guest's tables: its IDT may lie in CP's region,
as Linux's does); scanning and translation deliver through their GuestView
(ia32_sensitive.py), which runs the same delivery at the guest's CPL with its
IF, IOPL, GDT and TSS, so the frame is the bare machine's.

A fault during delivery follows the double-fault rules of PRM 9.8.8 (Table 9-3);
a hidden page fault (an unfilled shadow entry under the guest's IDT, GDT or
stack) is filled and the delivery retried; a fault while delivering a double
fault is a triple fault: the VM stops (check-stop, "shutdown").
"""
from __future__ import annotations

import struct

from ia32 import interrupts
from ia32.errors import CONTRIBUTORY, CPUFault, DF, PF
from ia32.flags import IF

from .ia32_shadow import BEYOND, HIDDEN
from .ia32_vstate import CP_BASE, CP_IDT, KERNEL_RING, compress
from .shared import MachineError

#: how many hidden faults one delivery may take (IDT entry, GDT entry, two stack pages...)
MAX_FILLS = 16


def reflect(be, vector: int, error_code: int | None, soft: bool) -> bool:
    """Deliver ``vector`` to the guest (see the module doc); False if the VM
    stopped instead (triple fault, or guest tables naming memory it lacks)."""
    cpu = be.cpu
    current = (vector, error_code, soft)
    fills = 0
    while True:
        try:
            deliver(be, *current)
            return True
        except MachineError as exc:         # what the mode's view does not model
            be.stop(str(exc))
            return False
        except CPUFault as f:
            if f.vector == PF:
                kind, info = be.shadow.fill(cpu.cr[2], bool(f.error_code & 2),
                                            bool(f.error_code & 4))
                if kind == HIDDEN and fills < MAX_FILLS:
                    fills += 1
                    continue
                if kind == BEYOND:
                    be.beyond_storage(info)
                    return False
                if kind != HIDDEN:
                    f = CPUFault(PF, info)
            first = current[0]
            if first == DF:
                be.triple_fault()
                return False
            benign = not ((first in CONTRIBUTORY and f.vector in CONTRIBUTORY) or
                          (first == PF and (f.vector in CONTRIBUTORY or f.vector == PF)))
            current = (f.vector, f.error_code, False) if benign else (DF, 0, False)


def deliver(be, vector: int, error_code: int | None, soft: bool) -> None:
    """One delivery attempt through the guest's IDT; CPUFault if it faults."""
    cpu = be.cpu
    vs = be.vstate
    base, limit = vs.idtr
    view = be.mode.view
    if view is not None:
        view.deliver(vector, error_code, soft)
        return
    _ring0_stack(be)
    if vector * 8 + 7 <= limit:             # the guest's gate, into CP's own IDT
        gate = base + vector * 8
        window = be.window
        struct.pack_into("<II", cpu.memory.ram, be.cp_phys + (CP_IDT - CP_BASE) + vector * 8,
                         window.read_linear(gate, 4, system=True),
                         window.read_linear(gate + 4, 4, system=True))
    saved = cpu.idtr_base, cpu.idtr_limit
    cpu.idtr_base, cpu.idtr_limit = CP_IDT, limit
    try:
        interrupts.deliver(cpu, vector, error_code, soft)
    finally:
        cpu.idtr_base, cpu.idtr_limit = saved
    cpu.halted = False
    if not cpu.eflags & IF:                 # an interrupt gate: the guest's IF goes
        vs.iflag = False
        cpu.eflags |= IF
        cpu.events = True
    vs.cpl = 0 if cpu.cpl == KERNEL_RING else cpu.cpl


def _ring0_stack(be) -> None:
    """CP's TSS's SS1:ESP1 := the guest TSS's SS0:ESP0 (compressed), read now."""
    vs = be.vstate
    base, limit = vs.tss
    esp0 = ss0 = 0
    if vs.tr and limit >= 11:
        esp0 = be.read_guest_linear(base + 4) or 0
        ss0 = (be.read_guest_linear(base + 8) or 0) & 0xFFFF
    be.set_ring1_stack(compress(ss0), esp0)
