"""Shared set-up for the IA-32 CPU tests: a CPU with code loaded, run to HLT."""
from __future__ import annotations

import os
from pathlib import Path

from ia32.cpu import CPU
from ia32.memory import Memory
from ia32.state import CS, DS, ES, SS

#: The Linux guest guests/ia32/linux/build.sh builds (outside the repository).
LINUX_KERNEL = Path(os.environ.get("S370VM_CACHE", Path.home() / ".cache" / "s370vm")) / "linux" / "bzImage"

CODE = 0x1000
STACK = 0x8000


def real_cpu(code: bytes, at: int = CODE, memory: int = 1 << 20) -> CPU:
    """A CPU in real mode with CS=DS=ES=SS=0, ``code`` at ``at``, SP=STACK."""
    cpu = CPU(Memory(memory))
    cpu.memory.load(at, code)
    for s in (CS, DS, ES, SS):
        cpu.load_sreg(s, 0)
    cpu.eip = at
    cpu.regs[4] = STACK
    return cpu


def run_real(code: str | bytes, **regs: int) -> CPU:
    """Run ``code`` (hex string or bytes, ending in HLT) in real mode from CS:1000."""
    return _run(real_cpu, code, regs)


def flat32_cpu(code: bytes, at: int = CODE, memory: int = 1 << 20) -> CPU:
    """A CPU in 32-bit protected mode with flat 4G code and data segments at CPL 0
    (set directly in the caches, as after a GDT load and far jump), code at ``at``."""
    cpu = CPU(Memory(memory))
    cpu.memory.load(at, code)
    cpu.write_cr(0, cpu.cr[0] | 1)
    cpu.set_segment(CS, 0x08, 0, 0xFFFFFFFF, 0xCF9B00)
    for s in (DS, ES, SS, 4, 5):
        cpu.set_segment(s, 0x10, 0, 0xFFFFFFFF, 0xCF9300)
    cpu.eip = at
    cpu.regs[4] = STACK
    return cpu


def run32(code: str | bytes, **regs: int) -> CPU:
    """Run ``code`` (ending in HLT) in flat 32-bit protected mode."""
    return _run(flat32_cpu, code, regs)


REG_NAMES = ("eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi")


def _run(make, code: str | bytes, regs: dict) -> CPU:
    data = bytes.fromhex(code) if isinstance(code, str) else code
    cpu = make(data)
    for name, value in regs.items():
        cpu.regs[REG_NAMES.index(name)] = value
    stop = cpu.run(10_000)
    assert stop == "hlt", stop
    return cpu
