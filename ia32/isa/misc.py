"""Flag instructions, I/O ports, and the rest: CLC STC CMC CLD STD CLI STI LAHF SAHF,
IN/OUT, NOP, CPUID, RDTSC, UD2, WAIT and the ESC (x87) opcodes.

I/O permission (PRM 8.3 "Protection and I/O"): in protected mode with CPL > IOPL,
and always in V86 mode, a port access is allowed only if the TSS I/O bitmap
allows every byte of it (``ia32.tasks.io_permitted``, ia32sys's); else #GP(0).
There is no x87: an ESC opcode gives #NM when CR0.EM or CR0.TS is set (so a kernel
can emulate or switch the FPU) and #UD otherwise; WAIT gives #NM only when
CR0.TS and CR0.MP are both set (SDM Vol. 3 Table 2-2 "Action Taken By x87 FPU
Instructions for Different Combinations of EM, MP, and TS").
"""
from __future__ import annotations

from ..state import CR0_EM, CR0_MP, CR0_TS, CPU_SIGNATURE
from ..errors import CPUFault, GP, NM, UD
from ..flags import AF, CF, DF, IF, IOPL, PF, SF, VM, ZF

#: CPUID leaf 1 EDX: PSE (3), TSC (4), MSR (5), CX8 (8), APIC (9), CMOV (15), the
#: later instructions this CPU has -- and no FPU (0)
CPUID_FEATURES = (1 << 3) | (1 << 4) | (1 << 5) | (1 << 8) | (1 << 9) | (1 << 15)
_VENDOR = b"GenuineIntel"


def _iopl_ok(cpu) -> bool:
    """CLI/STI are allowed: real mode, CPL <= IOPL, or V86 with IOPL 3."""
    if not cpu.cr[0] & 1:
        return True
    iopl = (cpu.eflags & IOPL) >> 12
    if cpu.eflags & VM:
        return iopl == 3
    return cpu.cpl <= iopl


def cli(cpu, ins) -> None:
    if not _iopl_ok(cpu):
        raise CPUFault(GP, 0)
    cpu.eflags &= ~IF


def sti(cpu, ins) -> None:
    """STI: interrupts are recognised only after the next instruction (PRM 17 STI)."""
    if not _iopl_ok(cpu):
        raise CPUFault(GP, 0)
    if not cpu.eflags & IF:
        cpu.eflags |= IF
        cpu.shadow = True
        cpu.events = True


def lahf(cpu, ins) -> None:
    """AH = SF ZF 0 AF 0 PF 1 CF."""
    fl = cpu.get_eflags()
    cpu.set_reg(4, 8, (fl & (SF | ZF | AF | PF | CF)) | 2)


def sahf(cpu, ins) -> None:
    cpu.materialize()
    ah = (cpu.regs[0] >> 8) & (SF | ZF | AF | PF | CF)
    cpu.eflags = (cpu.eflags & ~(SF | ZF | AF | PF | CF)) | ah


def check_io(cpu, port: int, size: int) -> None:
    """#GP(0) unless this port access is allowed (see the module docstring)."""
    if not cpu.io_permitted(port, size):
        raise CPUFault(GP, 0)


def _port_and_size(cpu, ins, acc_index: int) -> tuple[int, int]:
    ops = ins.form.operands
    acc = ops[acc_index]
    size = 1 if acc == "AL" else ins.osize >> 3
    port = ins.imm if ops[1 - acc_index] == "imm8" else cpu.regs[2] & 0xFFFF
    return port, size


def in_(cpu, ins) -> None:
    port, size = _port_and_size(cpu, ins, 0)
    check_io(cpu, port, size)
    cpu.set_reg(0, size * 8, cpu.io.read(port, size))


def out(cpu, ins) -> None:
    port, size = _port_and_size(cpu, ins, 1)
    check_io(cpu, port, size)
    cpu.io.write(port, size, cpu.get_reg(0, size * 8))


def cpuid(cpu, ins) -> None:
    """CPUID reports an Intel 486DX4 (family 4, model 8) with the later features this
    CPU has (PSE, TSC, MSR, CMPXCHG8B, an on-chip APIC, CMOVcc) and no FPU: leaf 0
    is the vendor and the highest leaf (1)."""
    R = cpu.regs
    leaf = R[0]
    if leaf == 0:
        R[0] = 1
        R[3] = int.from_bytes(_VENDOR[0:4], "little")
        R[2] = int.from_bytes(_VENDOR[4:8], "little")
        R[1] = int.from_bytes(_VENDOR[8:12], "little")
    elif leaf == 1:
        R[0], R[3], R[1], R[2] = CPU_SIGNATURE, 0, 0, CPUID_FEATURES
    else:
        R[0] = R[3] = R[1] = R[2] = 0


def rdtsc(cpu, ins) -> None:
    """RDTSC: EDX:EAX = the time-stamp counter, which counts instructions executed
    (``cpu.now()``, exact inside a burst; a 100 MHz counter at the machine's 10 ns
    per instruction), plus one per RDTSC so that it always advances. #GP(0) at CPL > 0 when CR4.TSD is set."""
    if cpu.cr[4] & 4 and cpu.cpl and cpu.cr[0] & 1:
        raise CPUFault(GP, 0)
    cpu.tsc = max(cpu.tsc + 1, cpu.now())
    cpu.regs[0] = cpu.tsc & 0xFFFFFFFF
    cpu.regs[2] = (cpu.tsc >> 32) & 0xFFFFFFFF


def ud2(cpu, ins) -> None:
    raise CPUFault(UD)


def wait(cpu, ins) -> None:
    if cpu.cr[0] & CR0_TS and cpu.cr[0] & CR0_MP:
        raise CPUFault(NM)


def esc(cpu, ins) -> None:
    if cpu.cr[0] & (CR0_EM | CR0_TS):
        raise CPUFault(NM)
    raise CPUFault(UD)


_MATERIALIZE = ["if cpu.lbits:", "    cpu.materialize()"]
#: the flag instructions and NOP as fragments
FRAGMENTS = {
    "clc": lambda ins: _MATERIALIZE + [f"cpu.eflags &= {~CF & 0xFFFFFFFF:#x}"],
    "stc": lambda ins: _MATERIALIZE + [f"cpu.eflags |= {CF:#x}"],
    "cmc": lambda ins: _MATERIALIZE + [f"cpu.eflags ^= {CF:#x}"],
    "cld": lambda ins: [f"cpu.eflags &= {~DF & 0xFFFFFFFF:#x}"],
    "std": lambda ins: [f"cpu.eflags |= {DF:#x}"],
    "nop": lambda ins: [],
}
SEMANTICS = {
    "cli": cli, "sti": sti,
    "lahf": lahf, "sahf": sahf, "in": in_, "out": out, "cpuid": cpuid,
    "rdtsc": rdtsc, "ud2": ud2, "wait": wait, "esc": esc,
}
