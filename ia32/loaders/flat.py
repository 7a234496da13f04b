"""``--load ADDR``: a flat binary copied to ADDR and entered in real mode, as a BIOS
enters a boot sector at 0000:7C00 (DL = 80h, the boot drive; SS:SP = 0000:7C00 just
below the image). There is no BIOS behind it: the interrupt vector table is zero."""
from __future__ import annotations

from ..state import CS, DS, EDX, ES, ESP, FS, GS, SS
from ..errors import MachineError
from . import read_image

BOOT_SECTOR = 0x7C00


def boot_flat(machine, path: str, addr: int = BOOT_SECTOR) -> None:
    """Load ``path`` at physical ``addr`` (below 1M) and point CS:IP at it."""
    if not 0 <= addr < 0x100000:
        raise MachineError(f"--load {addr:#x}: real mode can only start below 1M")
    load_flat(machine, path, read_image(path, machine.memory.size), addr)


def load_flat(machine, path: str, data: bytes, addr: int = BOOT_SECTOR) -> None:
    """Copy ``data`` (named ``path`` in messages) to ``addr`` and enter it in real
    mode: the part CP's IPL shares."""
    try:
        machine.memory.load(addr, data)
    except MachineError as exc:
        raise MachineError(f"{path}: {exc}") from None
    cpu = machine.cpu
    cpu.reset()
    segment, offset = (0, addr) if addr < 0x10000 else (addr >> 4, addr & 0xF)
    for sreg in (ES, SS, DS, FS, GS):
        cpu.load_sreg(sreg, 0)
    cpu.sregs[CS].selector = segment
    cpu.sregs[CS].base = segment << 4
    cpu.eip = offset
    cpu.regs[EDX] = 0x80
    cpu.regs[ESP] = BOOT_SECTOR
