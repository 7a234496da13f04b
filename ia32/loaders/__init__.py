"""Ways to start the PC: a BIOS ROM (``bios``), a Multiboot kernel (``multiboot``),
a Linux bzImage by the 32-bit boot protocol (``linux``), or a flat binary entered
in real mode (``flat``). Each reads an image with
:func:`read_image` and leaves the CPU where that kind of image expects to start.
Bad images raise :class:`ia32.errors.MachineError` with a one-line message that
names the file.
"""
from __future__ import annotations

import os

from ..errors import MachineError
from ..state import CR0_ET, CR0_PE, CS, DS, ES, FS, GS, SS

#: No image may exceed this (the largest memory the machine can have).
MAX_IMAGE = 4 << 30


def read_image(path: str, limit: int = MAX_IMAGE) -> bytes:
    """The bytes of ``path``; MachineError if missing, unreadable, empty or too big."""
    try:
        size = os.path.getsize(path)
        if size > limit:
            raise MachineError(f"{path}: {size} bytes is too large (at most {limit})")
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise MachineError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise MachineError(f"{path}: is a directory") from None
    except OSError as exc:
        raise MachineError(f"{path}: {exc.strerror or exc}") from None
    if not data:
        raise MachineError(f"{path}: empty image")
    return data


#: e820 / Multiboot memory-map types (ACPI address-range types).
RAM, RESERVED = 1, 2


def memory_map(size: int) -> list:
    """(base, length, type) of the PC's physical memory of ``size`` bytes, as a BIOS
    reports it: conventional memory up to the EBDA at 9FC00, the EBDA and the BIOS
    area F0000-FFFFF reserved, RAM from 1M to the end."""
    return [(0, 0x9FC00, RAM), (0x9FC00, 0x400, RESERVED), (0xF0000, 0x10000, RESERVED),
            (0x100000, size - 0x100000, RAM)]


def enter_flat_protected(cpu, entry: int, gdt_base: int, gdt_limit: int, code: tuple,
                         data: tuple) -> None:
    """Reset ``cpu`` and start it at ``entry`` in 32-bit protected mode with paging and
    interrupts off, GDTR = (gdt_base, gdt_limit), CS loaded with ``code`` and DS ES FS
    GS SS with ``data``, each a (selector, cached rights) pair of a 4G flat
    descriptor: the state both Multiboot (3.2) and Linux's 32-bit protocol ask for."""
    cpu.reset()
    cpu.gdtr_base, cpu.gdtr_limit = gdt_base, gdt_limit
    cpu.write_cr(0, CR0_PE | CR0_ET)
    cpu.set_segment(CS, code[0], 0, 0xFFFFFFFF, code[1])
    for sreg in (ES, SS, DS, FS, GS):
        cpu.set_segment(sreg, data[0], 0, 0xFFFFFFFF, data[1])
    cpu.eip = entry
