"""The IA-32 backend's descriptor tables, written as plain tables (no import of
the ia32 machine): registers, bit-field layouts, device classes.

Layouts from the Intel 80386 Programmer's Reference Manual (1986): EFLAGS
(section 2.3.4 and Figure 2-8), CR0 (section 4.6.1; WP, NE, AM, NW, CD are the
486's, as in the Intel SDM vol. 3 section 2.5), segment descriptors (Figure
5-3), gate descriptors (Figure 7-4, call gates; Figure 9-3, interrupt and trap
gates), page-directory and page-table entries (Figure 5-10; PS, G are the
Pentium's, SDM vol. 3 section 4.3). Intel numbers bits from the right (bit 0 is
the least significant); like every ``BitLayout``, the fields here are listed
from the most significant bit down.

The registers read a VM's CPU by the attributes ia32.cpu.CPU has: ``regs``
(EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI in encoding order), ``eip``,
``get_eflags()`` and ``set_eflags(value, mask)``, ``cr`` (CR0-CR4 used),
``sregs`` (ES, CS, SS, DS, FS, GS, each with its ``selector``).
"""
from __future__ import annotations

from .descriptors import BitLayout, DeviceClass, Register

EFLAGS = BitLayout("EFLAGS", 32, (
    ("", 10), ("ID", 1), ("VIP", 1), ("VIF", 1), ("AC", 1), ("VM", 1), ("RF", 1), ("", 1),
    ("NT", 1), ("IOPL", 2), ("OF", 1), ("DF", 1), ("IF", 1), ("TF", 1), ("SF", 1), ("ZF", 1),
    ("", 1), ("AF", 1), ("", 1), ("PF", 1), ("", 1), ("CF", 1)))
CR0 = BitLayout("CR0", 32, (
    ("PG", 1), ("CD", 1), ("NW", 1), ("", 10), ("AM", 1), ("", 1), ("WP", 1), ("", 10),
    ("NE", 1), ("ET", 1), ("TS", 1), ("EM", 1), ("MP", 1), ("PE", 1)))
SEGMENT_DESCRIPTOR = BitLayout("SEGMENT DESCRIPTOR", 64, (
    ("BASE_HI", 8), ("G", 1), ("DB", 1), ("", 1), ("AVL", 1), ("LIMIT_HI", 4), ("P", 1),
    ("DPL", 2), ("S", 1), ("TYPE", 4), ("BASE_MID", 8), ("BASE_LO", 16), ("LIMIT_LO", 16)),
    derived=(("BASE", lambda f: f["BASE_HI"] << 24 | f["BASE_MID"] << 16 | f["BASE_LO"]),
             ("LIMIT", lambda f: f["LIMIT_HI"] << 16 | f["LIMIT_LO"])))
GATE_DESCRIPTOR = BitLayout("GATE DESCRIPTOR", 64, (
    ("OFFSET_HI", 16), ("P", 1), ("DPL", 2), ("S", 1), ("TYPE", 4), ("", 3), ("PARAMS", 5),
    ("SELECTOR", 16), ("OFFSET_LO", 16)),
    derived=(("OFFSET", lambda f: f["OFFSET_HI"] << 16 | f["OFFSET_LO"]),))
PTE = BitLayout("PTE", 32, (
    ("FRAME", 20), ("AVL", 3), ("G", 1), ("PAT", 1), ("D", 1), ("A", 1), ("PCD", 1), ("PWT", 1),
    ("US", 1), ("RW", 1), ("P", 1)))
PDE = BitLayout("PDE", 32, (
    ("FRAME", 20), ("AVL", 3), ("G", 1), ("PS", 1), ("", 1), ("A", 1), ("PCD", 1), ("PWT", 1),
    ("US", 1), ("RW", 1), ("P", 1)))
SELECTOR = BitLayout("SELECTOR", 16, (("INDEX", 13), ("TI", 1), ("RPL", 2)))

GPR_NAMES = ("EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI")
SEG_NAMES = ("ES", "CS", "SS", "DS", "FS", "GS")


def _set_gpr(vm, n: int, value: int) -> None:
    vm.cpu.regs[n] = value & 0xFFFFFFFF


def _set_cr(vm, n: int, value: int) -> None:
    vm.cpu.cr[n] = value & 0xFFFFFFFF


def _set_eip(vm, n: int, value: int) -> None:
    vm.cpu.eip = value & 0xFFFFFFFF


def _set_eflags(vm, n: int, value: int) -> None:
    vm.cpu.set_eflags(value, 0xFFFFFFFF)


def _hex(digits: int):
    return lambda v: f"{v:0{digits}X}"


REGISTERS = (
    Register("GPR", "G", 32, lambda vm, n: vm.cpu.regs[n], _set_gpr, count=8, names=GPR_NAMES),
    Register("CR", "X", 32, lambda vm, n: vm.cpu.cr[n], _set_cr, count=5,
             layout=lambda vm, n, v: CR0 if n == 0 else None),
    Register("EIP", "EIP", 32, lambda vm, n: vm.cpu.eip, _set_eip, role="status",
             aliases=("IP",)),
    Register("EFLAGS", "EFLAGS", 32, lambda vm, n: vm.cpu.get_eflags(), _set_eflags,
             layout=lambda vm, n, v: EFLAGS, aliases=("FLAGS", "EFL")),
) + tuple(Register(name, name, 16, (lambda vm, n, i=i: vm.cpu.sregs[i].selector), show=_hex(4),
                   layout=lambda vm, n, v: SELECTOR) for i, name in enumerate(SEG_NAMES))

#: The device classes of a virtual IA-32 PC (the generic devices CP gives it).
DEVICES = (
    DeviceClass("SERIAL", "16550 serial console (the user's terminal)", ("16550",)),
    DeviceClass("TIMER", "8254 interval timer", ("8254",)),
    DeviceClass("PIC", "8259A interrupt controller pair", ("8259A",)),
    DeviceClass("DISK", "virtual disk on a file", ("FLAT",)),
    DeviceClass("NIC", "network card", ("NIC",)),
)
