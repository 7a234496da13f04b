"""IPL of an IA-32 virtual machine: the bare PC's loaders (ia32/loaders) run
against the guest's RAM and a scratch CPU; CP then takes the entry state they
leave into the virtual state and the real CPU.

The image is a Multiboot kernel (its header in the first 8K), a Linux bzImage
(``HdrS`` at 0x202: the 32-bit boot protocol, ``PARM`` as the command line) or
a flat binary. A Linux guest gets its command line as it is: what it keeps at the
top of the linear space (its fixmap, its CPU entry area with the IDT and GDT
aliases, the TSS and the entry stack), where CP's region is, CP reaches for it
through the guest's own tables (ia32_window.py). The first two enter in flat
32-bit protected mode with paging off, which is what CP virtualizes: the guest's GDTR, CR0 and segment registers
as the loader set them, the shadow GDT built from the loader's GDT, the real
segment registers holding its descriptors with ring compression applied, and
the identity shadow set for paging off. A flat binary starts in real mode,
which this backend does not virtualize (it would run in virtual-8086 mode):
its IPL is refused with a clear message.
"""
from __future__ import annotations

from ia32.cpu import CPU
from ia32.errors import MachineError as IA32Error
from ia32.flags import IF, IOPL
from ia32.loaders.flat import BOOT_SECTOR, load_flat
from ia32.loaders.linux import OFF_HEADER, load_linux
from ia32.loaders.multiboot import find_header, load_multiboot
from ia32.memory import Memory
from ia32.state import CR0_PE

from .ia32_gdt import shadow_cache
from .ia32_vstate import KERNEL_RING, compress
from .shared import MachineError

KINDS = ("auto", "multiboot", "linux", "flat")


class _Target:
    """What a loader writes to: the guest's RAM and a CPU whose state CP adopts."""

    def __init__(self, storage):
        self.memory = _GuestRAM(storage)
        self.cpu = CPU(Memory(4096))


class _GuestRAM:
    def __init__(self, storage):
        self.storage = storage
        self.size = storage.size

    def load(self, addr: int, data: bytes) -> None:
        self.storage.load(data, addr)


def detect(data: bytes) -> str:
    """The kind of image ``data`` is (see the module doc)."""
    if data[OFF_HEADER:OFF_HEADER + 4] == b"HdrS":
        return "linux"
    try:
        find_header("", data)
        return "multiboot"
    except IA32Error:
        return "flat"


def load(storage, data: bytes, name: str, kind: str = "auto", cmdline: str = "",
         initrd: bytes | None = None, address: int = BOOT_SECTOR) -> CPU:
    """Load the image into ``storage``; the scratch CPU in the loader's entry
    state (MachineError, one line naming ``name``, for a bad image)."""
    if kind == "auto":
        kind = detect(data)
    target = _Target(storage)
    try:
        if kind == "linux":
            load_linux(target, name, data, cmdline, initrd)
        elif kind == "multiboot":
            load_multiboot(target, name, data, cmdline)
        else:
            load_flat(target, name, data, address)
    except IA32Error as exc:
        raise MachineError(str(exc)) from None
    if not target.cpu.cr[0] & CR0_PE:
        raise MachineError(f"{name}: a real-mode image; an IA-32 virtual machine starts "
                           "guests in protected mode (Multiboot or Linux)")
    return target.cpu


def adopt(be, entry: CPU) -> None:
    """Take the loader's entry state: virtual state, then the real CPU in CP's frame."""
    vs = be.vstate
    vs.reset()
    vs.cr[0] = entry.cr[0]
    vs.gdtr = (entry.gdtr_base, entry.gdtr_limit)
    vs.idtr = (entry.idtr_base, entry.idtr_limit)
    vs.iflag = bool(entry.eflags & IF)
    vs.iopl = (entry.eflags & IOPL) >> 12
    be.install()
    cpu = be.cpu
    cpu.regs[:] = entry.regs
    for n, seg in enumerate(entry.sregs):
        base, limit, rights = shadow_cache(seg.base, seg.limit, seg.rights)
        cpu.set_segment(n, compress(seg.selector), base, limit, rights)
    cpu.cpl = KERNEL_RING
    cpu.eip = entry.eip
    cpu.set_eflags(entry.eflags | IF, ~IOPL & 0xFFFFFFFF)
