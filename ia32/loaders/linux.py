"""The Linux/x86 boot protocol, 32-bit entry (the kernel's Documentation/x86/boot.rst,
"32-bit Boot Protocol", and zero-page.rst).

A bzImage is a real-mode setup part (``setup_sects`` + 1 sectors of 512 bytes, the
setup header at 0x1F1) followed by the protected-mode kernel. A 32-bit loader
skips the setup code: it copies the setup header into a zeroed ``struct
boot_params`` (the "zero page"), fills in what the loader owns (loader type, the
command line, the initrd, an e820 memory map), loads the protected-mode part at
``code32_start`` (0x100000) and enters it in flat 32-bit protected mode with paging
and interrupts off, ESI pointing at the zero page and EBP, EDI, EBX zero, through a
GDT holding __BOOT_CS (0x10) and __BOOT_DS (0x18).

:func:`plan` works out that layout as data (:class:`BootPlan`: what to write
where, and the entry state) and :func:`boot_linux` puts it into a machine, so the
bare PC (``s370vm ia32 run --linux``) and CP's IPL of an IA-32 virtual machine share
one reading of the protocol.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

from ..errors import MachineError
from ..state import ESI, RIGHTS_CODE, RIGHTS_DB, RIGHTS_G, RIGHTS_P, RIGHTS_READABLE, RIGHTS_S, \
    RIGHTS_WRITABLE
from . import enter_flat_protected, memory_map, read_image

#: Where the loader puts its own pieces (all below the EBDA at 0x9FC00).
GDT_ADDR = 0x0800           # the boot GDT: null, null, __BOOT_CS, __BOOT_DS
ZERO_PAGE = 0x7000          # struct boot_params, 4096 bytes
CMDLINE_ADDR = 0x20000      # the command line, NUL-terminated
BOOT_CS, BOOT_DS = 0x10, 0x18

#: setup-header and zero-page offsets used here (boot.rst's table, zero-page.rst).
OFF_ALT_MEM_K = 0x1E0
OFF_E820_ENTRIES = 0x1E8
OFF_SETUP_SECTS = 0x1F1
OFF_VID_MODE = 0x1FA
OFF_BOOT_FLAG = 0x1FE
OFF_HEADER = 0x202
OFF_VERSION = 0x206
OFF_TYPE_OF_LOADER = 0x210
OFF_LOADFLAGS = 0x211
OFF_CODE32_START = 0x214
OFF_RAMDISK_IMAGE = 0x218
OFF_RAMDISK_SIZE = 0x21C
OFF_CMD_LINE_PTR = 0x228
OFF_INITRD_ADDR_MAX = 0x22C
OFF_CMDLINE_SIZE = 0x238
OFF_INIT_SIZE = 0x260
OFF_E820_TABLE = 0x2D0
E820_MAX = 128
LOADED_HIGH = 0x01          # loadflags bit 0: the protected-mode part loads at 0x100000
MIN_VERSION = 0x0206        # cmdline_size and a 32-bit initrd_addr_max are 2.06+

#: The GDT entries the protocol asks for: 4G flat, execute/read and read/write
#: (accessed bit clear: the kernel loads its own GDT at once).
_FLAT_CODE = 0x00CF9A000000FFFF
_FLAT_DATA = 0x00CF92000000FFFF
_ACCESSED = 0x100
#: Their cached rights (descriptor bits 8..23) as the CPU holds them once loaded.
CODE_RIGHTS = RIGHTS_P | RIGHTS_S | RIGHTS_CODE | RIGHTS_READABLE | _ACCESSED | RIGHTS_DB | RIGHTS_G
DATA_RIGHTS = RIGHTS_P | RIGHTS_S | RIGHTS_WRITABLE | _ACCESSED | RIGHTS_DB | RIGHTS_G


@dataclass
class BootPlan:
    """Everything a machine must do to start the kernel.

    ``writes`` are (physical address, bytes) in order; the entry state is flat
    protected mode: GDTR = (``gdt_base``, ``gdt_limit``), CS = ``cs`` and
    DS/ES/SS = ``ds`` (both 4G flat, base 0), EIP = ``eip``, ESI = ``esi``, the
    other general registers 0, EFLAGS = 2 (IF off), CR0 = PE|ET (paging off).
    """

    writes: list = field(default_factory=list)
    eip: int = 0
    esi: int = ZERO_PAGE
    gdt_base: int = GDT_ADDR
    gdt_limit: int = 4 * 8 - 1
    cs: int = BOOT_CS
    ds: int = BOOT_DS
    version: int = 0
    e820: list = field(default_factory=list)


def plan(image: bytes, memory_size: int, cmdline: str = "", initrd: bytes | None = None,
         name: str = "bzImage") -> BootPlan:
    """The boot plan for ``image`` on a machine with ``memory_size`` bytes of RAM.

    Raises :class:`MachineError` (one line, naming ``name``) when the image is not
    a bzImage this protocol can load, or when kernel, its decompression space
    (``init_size``), the command line or the initrd do not fit.
    """
    if len(image) < 0x264 or image[OFF_HEADER:OFF_HEADER + 4] != b"HdrS":
        raise MachineError(f"{name}: not a Linux bzImage (no 'HdrS' setup header at 0x202)")
    if image[OFF_BOOT_FLAG:OFF_BOOT_FLAG + 2] != b"\x55\xAA":
        raise MachineError(f"{name}: not a Linux bzImage (boot flag at 0x1FE is not 0xAA55)")
    version = _u16(image, OFF_VERSION)
    if version < MIN_VERSION:
        raise MachineError(f"{name}: boot protocol {version >> 8}.{version & 0xFF:02d} is too old "
                           f"(2.06 or later needed)")
    if not image[OFF_LOADFLAGS] & LOADED_HIGH:
        raise MachineError(f"{name}: a zImage (loaded low) is not supported; use a bzImage")
    setup_sects = image[OFF_SETUP_SECTS] or 4
    kernel_at = (setup_sects + 1) * 512
    kernel = image[kernel_at:]
    if not kernel:
        raise MachineError(f"{name}: the image ends inside its setup code ({setup_sects} sectors)")
    code32 = _u32(image, OFF_CODE32_START) or 0x100000
    init_size = _u32(image, OFF_INIT_SIZE)
    need = code32 + max(len(kernel), init_size)
    if need > memory_size:
        raise MachineError(f"{name}: kernel needs {_mb(need)} of memory from 0 "
                           f"(init_size {init_size:#x} at {code32:#x}); the machine has {_mb(memory_size)}")
    cmd = cmdline.encode("latin-1", "replace") + b"\0"
    cmdline_size = _u32(image, OFF_CMDLINE_SIZE)
    if len(cmd) - 1 > cmdline_size:
        raise MachineError(f"{name}: command line is {len(cmd) - 1} bytes; the kernel takes {cmdline_size}")

    hdr_end = 0x202 + image[0x201]
    zero = bytearray(4096)
    zero[OFF_SETUP_SECTS:hdr_end] = image[OFF_SETUP_SECTS:hdr_end]
    zero[OFF_TYPE_OF_LOADER] = 0xFF                      # "undefined" loader (boot.rst)
    struct.pack_into("<H", zero, OFF_VID_MODE, 0xFFFF)   # normal video mode
    struct.pack_into("<I", zero, OFF_CMD_LINE_PTR, CMDLINE_ADDR)
    struct.pack_into("<I", zero, OFF_ALT_MEM_K, (memory_size - 0x100000) >> 10)
    p = BootPlan(eip=code32, version=version, e820=memory_map(memory_size))
    if initrd:
        top = min(memory_size, (_u32(image, OFF_INITRD_ADDR_MAX) or 0x37FFFFFF) + 1)
        addr = (top - len(initrd)) & ~0xFFF
        if addr < need:
            raise MachineError(f"{name}: the initrd ({len(initrd)} bytes) does not fit above the "
                               f"kernel in {_mb(memory_size)}")
        struct.pack_into("<II", zero, OFF_RAMDISK_IMAGE, addr, len(initrd))
        p.writes.append((addr, bytes(initrd)))
    zero[OFF_E820_ENTRIES] = len(p.e820)
    for i, (start, length, kind) in enumerate(p.e820):
        struct.pack_into("<QQI", zero, OFF_E820_TABLE + 20 * i, start, length, kind)
    gdt = struct.pack("<4Q", 0, 0, _FLAT_CODE, _FLAT_DATA)
    p.writes[:0] = [(GDT_ADDR, gdt), (ZERO_PAGE, bytes(zero)), (CMDLINE_ADDR, cmd),
                    (code32, bytes(kernel))]
    return p


def boot_linux(machine, path: str, cmdline: str = "", initrd: str | None = None) -> BootPlan:
    """Load the bzImage in ``path`` (and the initrd file, if given) into ``machine``
    and leave its CPU at the kernel's 32-bit entry; the plan is returned."""
    mem = machine.memory
    rd = read_image(initrd, mem.size) if initrd else None
    return load_linux(machine, path, read_image(path, mem.size), cmdline, rd)


def load_linux(machine, path: str, image: bytes, cmdline: str = "",
               initrd: bytes | None = None) -> BootPlan:
    """Load the bzImage ``image`` (named ``path`` in messages) and the initrd bytes
    into ``machine`` and leave its CPU at the 32-bit entry: the part CP's IPL shares."""
    mem = machine.memory
    p = plan(image, mem.size, cmdline, initrd, name=path)
    for addr, data in p.writes:
        mem.load(addr, data)
    enter_flat_protected(machine.cpu, p.eip, p.gdt_base, p.gdt_limit, (p.cs, CODE_RIGHTS),
                         (p.ds, DATA_RIGHTS))
    machine.cpu.regs[ESI] = p.esi          # EBP, EDI, EBX are zero after the reset
    return p


def _u16(b: bytes, off: int) -> int:
    return struct.unpack_from("<H", b, off)[0]


def _u32(b: bytes, off: int) -> int:
    return struct.unpack_from("<I", b, off)[0]


def _mb(n: int) -> str:
    return f"{n / (1 << 20):.1f}M"
