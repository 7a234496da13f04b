"""``--kernel``: a Multiboot (version 0.6.96) kernel, ELF32 or with the a.out kludge.

What the Multiboot Specification asks of a boot loader, and QEMU's ``-kernel`` does:
find the header (magic 1BADB002, flags, checksum) 4-aligned in the first 8192
bytes (section 3.1.1); refuse a kernel that requires a feature in flags bits 0-15
the loader does not know (3.1.2: here bits 0, 1 and 2 are understood, and video
mode requests are ignored); load the ELF segments, or, when flags bit 16 is set, the
a.out kludge's load_addr..load_end_addr and zero its bss (3.1.3); then enter the
kernel in 32-bit protected mode (3.2 "Machine state"): EAX = 2BADB002, EBX = the
physical address of the Multiboot information (3.3), CS a flat 32-bit code segment
and DS ES FS GS SS flat data segments, paging off, IF and VM clear, A20 on.

The information structure, its memory map (3.3: usable RAM below 640K and from 1M,
reserved 9FC00-9FFFF and F0000-FFFFF), the command line, the boot loader's name and
the GDT whose selectors 08 (code) and 10 (data) are in the segment registers go on
the first page boundary after the kernel's highest byte.
"""
from __future__ import annotations

import struct

from ..state import (EAX, EBX, RIGHTS_CODE, RIGHTS_DB, RIGHTS_G, RIGHTS_P, RIGHTS_READABLE,
                     RIGHTS_S, RIGHTS_WRITABLE)
from ..errors import MachineError
from . import enter_flat_protected, memory_map, read_image
from .elf import Segment, is_elf, parse_elf

HEADER_MAGIC = 0x1BADB002
BOOT_MAGIC = 0x2BADB002
SEARCH = 8192
UNDERSTOOD = 0x0007                      # page-align modules, memory info, video mode
AOUT_KLUDGE = 1 << 16
LOADER_NAME = b"s370vm\0"
INFO_MEM, INFO_CMDLINE, INFO_MODS, INFO_MMAP, INFO_LOADER = 1, 4, 8, 64, 512
CODE_SELECTOR, DATA_SELECTOR = 0x08, 0x10
_ACCESSED = 0x100
#: the cached rights of the flat segments (descriptor bits 8..23, accessed)
CODE_RIGHTS = RIGHTS_P | RIGHTS_S | RIGHTS_CODE | RIGHTS_READABLE | _ACCESSED | RIGHTS_DB | RIGHTS_G
DATA_RIGHTS = RIGHTS_P | RIGHTS_S | RIGHTS_WRITABLE | _ACCESSED | RIGHTS_DB | RIGHTS_G
#: null, flat code (base 0, limit 4G, 32-bit, DPL 0), flat data
GDT = struct.pack("<QQQ", 0, 0x00CF9B000000FFFF, 0x00CF93000000FFFF)


def find_header(path: str, data: bytes) -> tuple[int, int]:
    """(offset, flags) of the Multiboot header."""
    for off in range(0, min(len(data), SEARCH) - 11, 4):
        magic, flags, checksum = struct.unpack_from("<III", data, off)
        if magic == HEADER_MAGIC and (magic + flags + checksum) & 0xFFFFFFFF == 0:
            return off, flags
    raise MachineError(f"{path}: no Multiboot header in the first {SEARCH} bytes")


def kernel_segments(path: str, data: bytes) -> tuple[int, list]:
    """The kernel's entry point and what to load where."""
    off, flags = find_header(path, data)
    unknown = flags & 0xFFFF & ~UNDERSTOOD
    if unknown:
        raise MachineError(f"{path}: the kernel requires Multiboot features {unknown:#x}")
    if not flags & AOUT_KLUDGE:
        if not is_elf(data):
            raise MachineError(f"{path}: neither ELF nor an a.out-kludge Multiboot header")
        elf = parse_elf(path, data)
        return elf.entry, elf.segments
    if off + 32 > len(data):
        raise MachineError(f"{path}: truncated Multiboot header")
    header_addr, load_addr, load_end, bss_end, entry = struct.unpack_from("<IIIII", data, off + 12)
    start = off - (header_addr - load_addr)
    length = (load_end - load_addr) if load_end else len(data) - start
    if load_addr > header_addr or start < 0 or length <= 0 or start + length > len(data):
        raise MachineError(f"{path}: Multiboot a.out addresses do not match the file")
    memsz = max(length, bss_end - load_addr) if bss_end else length
    return entry, [Segment(load_addr, data[start:start + length], memsz)]


def boot_multiboot(machine, path: str, cmdline: str = "") -> None:
    """Load the kernel in ``path`` and enter it as a Multiboot loader does."""
    load_multiboot(machine, path, read_image(path, machine.memory.size), cmdline)


def load_multiboot(machine, path: str, data: bytes, cmdline: str = "") -> None:
    """Load the kernel image ``data`` (named ``path`` in messages and in the command
    line the kernel is given) and enter it: the part CP's IPL shares."""
    entry, segments = kernel_segments(path, data)
    mem = machine.memory
    top = 0
    for seg in segments:
        end = seg.addr + seg.memsz
        if seg.addr < 0 or end > mem.size:
            raise MachineError(f"{path}: a segment at {seg.addr:#x}..{end:#x} does not fit "
                               f"in {mem.size >> 20}M of memory")
        mem.load(seg.addr, seg.data + bytes(seg.memsz - len(seg.data)))
        top = max(top, end)
    info = (top + 0xFFF) & ~0xFFF
    block = build_info(info, mem.size, f"{path} {cmdline}".strip())
    if info + len(block) > mem.size:
        raise MachineError(f"{path}: no room for the Multiboot information after the kernel")
    mem.load(info, block)
    enter_protected(machine.cpu, entry, info, gdt=info + _GDT_OFFSET)


_INFO_SIZE = 128
_GDT_OFFSET = _INFO_SIZE
_MMAP_OFFSET = _GDT_OFFSET + len(GDT)
_MMAP_ENTRY = struct.Struct("<IQQI")


def build_info(base: int, size: int, cmdline: str) -> bytes:
    """The Multiboot information at physical ``base``, followed by the GDT, the memory
    map, the command line and the loader name it points to."""
    mmap = b"".join(_MMAP_ENTRY.pack(20, b, n, t) for b, n, t in memory_map(size))
    cmd_off = _MMAP_OFFSET + len(mmap)
    cmd = cmdline.encode("utf-8", "replace") + b"\0"
    name_off = cmd_off + len(cmd)
    info = bytearray(_INFO_SIZE)
    struct.pack_into("<IIIIIII", info, 0,
                     INFO_MEM | INFO_CMDLINE | INFO_MODS | INFO_MMAP | INFO_LOADER,
                     640, (size - 0x100000) >> 10, 0, base + cmd_off, 0, base + _INFO_SIZE)
    struct.pack_into("<II", info, 44, len(mmap), base + _MMAP_OFFSET)
    struct.pack_into("<I", info, 64, base + name_off)
    return bytes(info) + GDT + mmap + cmd + LOADER_NAME


def enter_protected(cpu, entry: int, info: int, gdt: int) -> None:
    """The Multiboot machine state (section 3.2) on a freshly reset CPU."""
    enter_flat_protected(cpu, entry, gdt, len(GDT) - 1, (CODE_SELECTOR, CODE_RIGHTS),
                         (DATA_SELECTOR, DATA_RIGHTS))
    cpu.regs[EAX] = BOOT_MAGIC
    cpu.regs[EBX] = info
