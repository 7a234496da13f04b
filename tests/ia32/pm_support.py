"""A protected-mode machine for the system-architecture tests: GDT, IDT, TSS and LDT in
memory at fixed places, flat segments for rings 0, 1 and 3, and ways to enter a ring
or run hand-assembled (or nasm-assembled) code.

Layout (physical = linear unless a test turns paging on):
  GDT 10000 (32 entries), IDT 11000 (256 gates), TSS 12000 (386 TSS, I/O bitmap at
  +68h), LDT 13000, ring-0 code 1000, other code where the test puts it, ring-0
  stack top 9000, ring-1 stack top 9800, ring-3 stack top A000.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from ia32 import descriptors as D
from ia32.cpu import CPU
from ia32.errors import CPUFault
from ia32.memory import Memory
from ia32.state import CS, DS, ES, FS, GS, SS

GDT, IDT, TSS, LDT = 0x10000, 0x11000, 0x12000, 0x13000
IOMAP = 0x68
CODE0 = 0x1000
STACK0, STACK1, STACK3 = 0x9000, 0x9800, 0xA000

# selectors of the standard GDT
CODE0_SEL, DATA0_SEL = 0x08, 0x10
CODE3_SEL, DATA3_SEL = 0x1B, 0x23
TSS_SEL, LDT_SEL = 0x28, 0x30
CODE1_SEL, DATA1_SEL = 0x39, 0x41
FLAT = 0xFFFFFFFF


class MemoryAccess:
    """Physical words of ``self.cpu``'s memory, for test machines."""

    def w16(self, addr: int, value: int) -> None:
        self.cpu.memory.write(addr, 2, value)

    def w32(self, addr: int, value: int) -> None:
        self.cpu.memory.write(addr, 4, value)

    def r16(self, addr: int) -> int:
        return self.cpu.memory.read(addr, 2)

    def r32(self, addr: int) -> int:
        return self.cpu.memory.read(addr, 4)


class PM(MemoryAccess):
    """The machine: ``cpu`` plus helpers to write tables and enter a ring."""

    def __init__(self, memory: int = 2 << 20):
        self.cpu = cpu = CPU(Memory(memory))
        cpu.gdtr_base, cpu.gdtr_limit = GDT, 32 * 8 - 1
        cpu.idtr_base, cpu.idtr_limit = IDT, 256 * 8 - 1
        self.gdt(1, D.segment(0, FLAT, 0xA, 0))
        self.gdt(2, D.segment(0, FLAT, 0x2, 0))
        self.gdt(3, D.segment(0, FLAT, 0xA, 3))
        self.gdt(4, D.segment(0, FLAT, 0x2, 3))
        self.gdt(5, D.segment(TSS, IOMAP + 0x2000 // 8, D.TSS386_AVAILABLE, 0, s=0, db=0))
        self.gdt(6, D.segment(LDT, 0xFF, D.LDT, 0, s=0, db=0))
        self.gdt(7, D.segment(0, FLAT, 0xA, 1))
        self.gdt(8, D.segment(0, FLAT, 0x2, 1))
        # TSS: ring stacks, an all-ones I/O bitmap (every port refused) with its end byte
        self.w32(TSS + 4, STACK0)
        self.w32(TSS + 8, DATA0_SEL)
        self.w32(TSS + 0x0C, STACK1)
        self.w32(TSS + 0x10, DATA1_SEL)
        self.w16(TSS + 0x66, IOMAP)
        cpu.memory.load(TSS + IOMAP, b"\xFF" * (0x2000 // 8 + 1))
        cpu.write_cr(0, cpu.cr[0] | 1)
        self.load_tr(TSS_SEL)
        self.enter(0)

    # -- memory -------------------------------------------------------------
    def load(self, addr: int, code: bytes | str) -> None:
        self.cpu.memory.load(addr, bytes.fromhex(code) if isinstance(code, str) else code)

    # -- tables -------------------------------------------------------------
    def gdt(self, index: int, pair: tuple[int, int]) -> int:
        """Write GDT entry ``index``; its selector (RPL = its DPL)."""
        self.cpu.memory.load(GDT + 8 * index, D.to_bytes(pair))
        return (index << 3) | ((pair[1] >> 13) & 3)

    def ldt(self, index: int, pair: tuple[int, int]) -> int:
        self.cpu.memory.load(LDT + 8 * index, D.to_bytes(pair))
        return (index << 3) | 4 | ((pair[1] >> 13) & 3)

    def idt(self, vector: int, pair: tuple[int, int]) -> None:
        self.cpu.memory.load(IDT + 8 * vector, D.to_bytes(pair))

    def descriptor_hi(self, sel: int) -> int:
        base = LDT if sel & 4 else GDT
        return self.r32(base + (sel & 0xFFF8) + 4)

    def load_tr(self, sel: int) -> None:
        hi = self.descriptor_hi(sel) | D.HI_BUSY
        self.w32(GDT + (sel & 0xFFF8) + 4, hi)
        desc = D.decode(self.r32(GDT + (sel & 0xFFF8)), hi)
        self.cpu.tr.set(sel, desc.base, desc.limit, hi & 0x00F0FF00)

    def load_ldtr(self) -> None:
        self.cpu.ldtr.set(LDT_SEL, LDT, 0xFF, 0x8200)

    # -- entering a ring ----------------------------------------------------
    def cache(self, sreg: int, sel: int) -> None:
        """Fill a segment cache from the descriptor ``sel`` names (no checks)."""
        base = LDT if sel & 4 else GDT
        off = base + (sel & 0xFFF8)
        desc = D.decode(self.r32(off), self.r32(off + 4))
        self.cpu.set_segment(sreg, sel, desc.base, desc.limit, desc.hi & 0x00F0FF00)

    def enter(self, cpl: int, eip: int = CODE0) -> None:
        """Run at ``cpl`` with the flat code and data segments of that ring."""
        code, data, stack = {0: (CODE0_SEL, DATA0_SEL, STACK0), 1: (CODE1_SEL, DATA1_SEL, STACK1),
                             3: (CODE3_SEL, DATA3_SEL, STACK3)}[cpl]
        self.cache(CS, code)
        for s in (DS, ES, SS, FS, GS):
            self.cache(s, data)
        self.cpu.cpl = cpl
        self.cpu.eip = eip
        self.cpu.regs[4] = stack

    def run(self, code: bytes | str, at: int = CODE0, budget: int = 1000) -> str:
        """Load ``code`` at ``at`` (the current CS is flat), run it, return the stop."""
        self.load(at, code)
        self.cpu.eip = at
        self.cpu.halted = False
        return self.cpu.run(budget)

    def stack(self, n: int, size: int = 4, esp: int | None = None) -> list[int]:
        """The ``n`` values at the top of the stack (flat SS), lowest address first."""
        esp = self.cpu.regs[4] if esp is None else esp
        return [self.cpu.memory.read(esp + size * i, size) for i in range(n)]


def machine() -> PM:
    """A fresh protected-mode machine at CPL 0; the test modules' ``pm`` fixture."""
    return PM()


def fault(fn, *args) -> tuple[int, int | None]:
    """(vector, error code) of the CPUFault that ``fn(*args)`` raises."""
    with pytest.raises(CPUFault) as info:
        fn(*args)
    return info.value.vector, info.value.error_code


def nasm(source: str, bits: int = 32, org: int = CODE0) -> bytes:
    """Assemble ``source`` with Debian's nasm (skip the test when it is missing)."""
    exe = shutil.which("nasm")
    if exe is None:
        pytest.skip("nasm is not installed")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "t.asm"
        src.write_text(f"bits {bits}\norg {org:#x}\n{source}\n")
        out = Path(tmp) / "t.bin"
        subprocess.run([exe, "-f", "bin", "-o", str(out), str(src)], check=True,
                       capture_output=True)
        return out.read_bytes()
