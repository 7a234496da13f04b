"""The S/370 backend's descriptor tables: registers, bit-field layouts, devices.

Layouts from GA22-7000 (IBM System/370 Principles of Operation): "Program-Status
Word" (BC and EC formats), "Control Registers" (CR0's assignments), "Channel
Address Word", "Channel Command Word" (format 0) and "Channel Status Word".
Fields are listed from bit 0 (the leftmost) on, as the manual numbers them.

DISPLAY shows the registers exactly as VM/370's DISPLAY did (``GPR  0 = ...``,
``CR  0 = ...``, ``FPR 0 = ...``, ``PSW = ...``, ``CAW = ...``, ``CSW = ...``).
"""
from __future__ import annotations

from .descriptors import BitLayout, DeviceClass, Register

PSW_BC = BitLayout("PSW (BC)", 64, (
    ("CHANNELS", 6), ("IO", 1), ("EXT", 1), ("KEY", 4), ("EC", 1), ("M", 1), ("W", 1), ("P", 1),
    ("ICODE", 16), ("ILC", 2), ("CC", 2), ("PM", 4), ("IA", 24)))
PSW_EC = BitLayout("PSW (EC)", 64, (
    ("", 1), ("R", 1), ("", 3), ("T", 1), ("IO", 1), ("EX", 1), ("KEY", 4), ("EC", 1), ("M", 1),
    ("W", 1), ("P", 1), ("", 2), ("CC", 2), ("PM", 4), ("", 16), ("IA", 24)))
#: CR0: block-multiplexing, SSM-suppression and TOD-sync controls; page size
#: (bits 8-9: 01 2K, 10 4K) and segment size (bits 11-12: 00 64K, 10 1M); the
#: external subclass masks (malfunction alert, emergency signal, external call,
#: TOD-sync check, clock comparator, CPU timer, interval timer, interrupt key,
#: external signal).
CR0 = BitLayout("CR0", 32, (
    ("BMX", 1), ("SSM", 1), ("TODS", 1), ("", 5), ("PS", 2), ("", 1), ("SS", 2), ("", 3),
    ("MA", 1), ("ES", 1), ("XC", 1), ("TSC", 1), ("CKC", 1), ("CPT", 1), ("", 2),
    ("IT", 1), ("KEY", 1), ("EXTS", 1), ("", 5)))
CAW = BitLayout("CAW", 32, (("KEY", 4), ("", 4), ("CCW", 24)))
CCW0 = BitLayout("CCW", 64, (
    ("CMD", 8), ("ADDR", 24), ("CD", 1), ("CC", 1), ("SLI", 1), ("SKIP", 1), ("PCI", 1),
    ("IDA", 1), ("", 2), ("", 8), ("COUNT", 16)))
CSW = BitLayout("CSW", 64, (
    ("KEY", 4), ("", 1), ("L", 1), ("DCC", 2), ("CCW", 24), ("UNIT", 8), ("CHANNEL", 8),
    ("COUNT", 16)))

CSW_ADDR, CAW_ADDR = 0x40, 0x48


def psw_layout(vm, n: int, value: int) -> BitLayout:
    """EC mode when PSW bit 12 is one."""
    return PSW_EC if value >> 51 & 1 else PSW_BC


def _word(address: int, length: int):
    def read(vm, n: int) -> int:
        return int.from_bytes(vm.read_storage(address, length), "big")
    return read


def _set_gpr(vm, n: int, value: int) -> None:
    vm.cpu.gpr[n] = value & 0xFFFFFFFF


def _set_cr(vm, n: int, value: int) -> None:
    cpu = vm.cpu
    cpu.cr[n] = value & 0xFFFFFFFF
    cpu.psw_changed()


def _set_fpr(vm, n: int, value: int) -> None:
    vm.cpu.fpr[n] = value & 0xFFFFFFFFFFFFFFFF


def _set_psw(vm, n: int, value: int) -> None:
    vm.cpu.load_psw(value)


REGISTERS = (
    Register("GPR", "G", 32, lambda vm, n: vm.cpu.gpr[n], _set_gpr, count=16),
    Register("CR", "X", 32, lambda vm, n: vm.cpu.cr[n], _set_cr, count=16,
             layout=lambda vm, n, v: CR0 if n == 0 else None),
    Register("FPR", "Y", 64, lambda vm, n: vm.cpu.fpr[n], _set_fpr, count=4, step=2,
             per_line=1, number="{}"),
    Register("PSW", "PSW", 64, lambda vm, n: vm.cpu.psw, _set_psw, layout=psw_layout,
             role="status", aliases=("P", "PS")),
    Register("CAW", "CAW", 32, _word(CAW_ADDR, 4), layout=lambda vm, n, v: CAW),
    Register("CSW", "CSW", 64, _word(CSW_ADDR, 8), layout=lambda vm, n, v: CSW, role="io"),
)

#: The device classes of a virtual 370 (QUERY VIRTUAL, DEFINE, the directory).
DEVICES = (
    DeviceClass("CONS", "console", ("3215", "1052")),
    DeviceClass("RDR", "card reader", ("2540", "3505", "1442")),
    DeviceClass("PUN", "card punch", ("2540", "3525", "1442")),
    DeviceClass("PRT", "printer", ("1403", "3211")),
    DeviceClass("DASD", "direct-access storage", ("3330", "3340", "3350", "2314")),
    DeviceClass("TAPE", "magnetic tape", ("3420",)),
    DeviceClass("GRAF", "display", ("3270",)),
    DeviceClass("CTCA", "channel-to-channel adapter", ("CTCA",)),
    DeviceClass("TIMER", "timer", ("TIMER",)),
)
