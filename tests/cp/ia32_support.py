"""IA-32 virtual machines under a one-user CP for the tests: boot an image (bytes
or assembled NASM source) in naive trap-and-emulate, run it, read the result."""
from __future__ import annotations

from pathlib import Path

from cp import System
from ia32.asm import assemble as assemble_source, assemble_file
from ia32.loaders.multiboot import load_multiboot
from ia32.machine import Machine

KERNEL_ASM = Path(__file__).resolve().parents[2] / "guests" / "ia32" / "kernel.asm"


def kernel_image() -> bytes:
    asm = assemble_file(KERNEL_ASM)
    assert asm.ok, asm.errors
    return asm.binary


def assemble(source: str) -> bytes:
    asm = assemble_source(source)
    assert asm.ok, asm.errors
    return asm.binary


def ia32_vm(image: bytes, *, mode: str = "NAIVE", memory: int = 16 << 20, system=None,
            userid: str = "GUEST", kind: str = "multiboot", cmdline: str = ""):
    """A logged-on IA-32 VM with ``image`` IPLed (not yet run)."""
    system = system or System()
    vm = system.logon(userid, memory, reader=None, punch=None, printer=None, machine="IA32")
    vm.backend.set_mode(mode)
    vm.backend.boot_options(kind, cmdline)
    vm.ipl(image=image)
    return vm


def console(vm) -> str:
    return vm.backend.console.decode("latin-1").replace("\r\n", "\n")


def bare_run(image: bytes, limit: int = 100_000, memory: int = 16 << 20):
    """The same Multiboot image on the bare PC: (machine, RunResult)."""
    m = Machine(memory)
    load_multiboot(m, "IPL", image)
    return m, m.run(limit)
