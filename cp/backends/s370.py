"""What CP needs that depends on the S/370 architecture.

The CP core (vm.py, intercepts.py, shadow.py, dispatcher.py) talks to a guest
through this module: build the interpretive CPU for a virtual machine, walk the
guest's own DAT tables (GA22-7000 "Dynamic Address Translation": CR0 page and
segment size, CR1 segment-table designation, 4-byte segment-table entries, 2-byte
page-table entries), reflect interruptions through the guest's old/new PSWs with
the bare machine's own code, and name instructions for the counters.
"""
from __future__ import annotations

from s370 import psw as pswmod
from s370 import dat
from s370.cpu import CPU
from s370.errors import StateChange
from s370.interp import InterpretiveCPU, StateDescription
from s370.isa import lookup
from s370.storage import Storage

NAME = "s370"

#: VM/370 reports CPU version code X'FF' to every virtual machine (STIDP).
VM_VERSION = 0xFF


def make_cpu(storage: Storage, real_cpuid: int = 0xFF00000000000000,
             sd: StateDescription | None = None) -> InterpretiveCPU:
    """The interpretive CPU of one virtual machine. STIDP gives the real CPU's
    serial and model with version code X'FF', as under VM/370."""
    cpuid = (VM_VERSION << 56) | (real_cpuid & 0x00FFFFFFFFFFFFFF)
    return InterpretiveCPU(storage, cpuid, sd)


def instruction_name(ibytes: bytes) -> str:
    """Mnemonic of an intercepted instruction (for the per-opcode counters)."""
    ins = lookup(ibytes, 0)
    return ins.mnemonic if ins is not None else f"{ibytes[0]:02X}"


# ------------------------------------------------------------------ guest DAT
def walk(cpu: CPU, va: int) -> tuple[int, tuple[int, int]]:
    """Translate guest virtual ``va`` through the guest's own tables in its own
    storage, with the bare machine's DAT (s370.dat: same exceptions, same
    translation-exception address, same reference bits): returns (real address,
    (segment-table-entry address, page-table-entry address)) so that CP can watch
    the blocks holding the entries its shadow entry was built from."""
    ra = dat.translate(cpu, va)
    page_shift, seg_shift = dat.geometry(cpu.cr[0])
    va &= 0xFFFFFF
    sto = (cpu.cr[1] & 0xFFFFC0) + ((va >> seg_shift) << 2)
    ste = int.from_bytes(cpu.mem[sto:sto + 4], "big")
    within = va & ((1 << seg_shift) - 1)
    pto = (ste & 0xFFFFF8) + ((within >> page_shift) << 1)
    return ra, (sto, pto)


# ---------------------------------------------------------- reflection
def reflect_program(cpu: InterpretiveCPU, code: int, ilc: int) -> None:
    """Present a program interruption to the guest exactly as the bare machine
    does: its old PSW at X'28', new PSW from X'68' (EC mode: code and ILC at X'8C').
    As there, the interrupted instruction is already in the instruction count."""
    CPU.program_interrupt(cpu, code, ilc)


def reflect_svc(cpu: InterpretiveCPU, number: int, ilc: int) -> None:
    """Present an SVC interruption to the guest (old PSW X'20', new X'60')."""
    try:
        CPU.svc_interrupt(cpu, number, ilc)
    except StateChange:
        pass


def reflect_pending(cpu: InterpretiveCPU) -> None:
    """Present whatever external or I/O interruption (or early PSW exception) is
    pending and enabled for the guest, with the bare machine's priorities."""
    CPU.service(cpu)


def format_psw(value: int) -> str:
    return pswmod.format_psw(value)


def attach_timers(cpu) -> None:
    """Give the VM its own virtual TOD clock, clock comparator, CPU timer and
    interval timer (the machine's timer code on the VM's own instruction clock)."""
    from s370.timers import Timers
    Timers().attach(cpu)
