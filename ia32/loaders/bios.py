"""``--bios``: a ROM image at the top of the first megabyte, aliased below 4G, and
the CPU at its reset vector (CS F000 with base FFFF0000, EIP FFF0: 80386 PRM 10.1),
as a PC starts its BIOS. test386.asm is such a ROM."""
from __future__ import annotations

from ..errors import MachineError
from . import read_image

#: The largest ROM the PC maps below 1M (E0000-FFFFF).
MAX_BIOS = 128 << 10


def boot_bios(machine, path: str) -> None:
    """Map the ROM in ``path`` and reset the CPU. Images that are not a whole number
    of 4K pages are padded at the front with FF, so their last byte stays at FFFFF."""
    data = read_image(path, MAX_BIOS)
    data = b"\xff" * (-len(data) % 4096) + data
    try:
        machine.memory.map_bios(data)
    except MachineError as exc:
        raise MachineError(f"{path}: {exc}") from None
    machine.cpu.reset()
