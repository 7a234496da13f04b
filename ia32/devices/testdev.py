"""QEMU's pc-testdev, the companion device of kvm-unit-tests (QEMU's
hw/misc/pc-testdev.c), so those tests run here as they do under QEMU:

- ports E0-E3: a scratch register; a write of any width stores the value, a read
  of that width gives it back (string I/O tests use it);
- ports E4-E7: "flush page": a dword write names a page whose host mapping QEMU
  drops; a guest sees nothing, so it is accepted and ignored;
- ports 2000-2017: interrupt lines; a byte v written to 2000+n sets ISA IRQ n to
  v != 0 (the 8259's inputs here: there is no I/O APIC);
- FF000000-FF00FFFF: 64K of memory behind MMIO (the "iomem" the emulator tests
  map to exercise instructions that touch device memory).
"""
from __future__ import annotations

from typing import Callable

IOMEM_BASE, IOMEM_SIZE = 0xFF000000, 0x10000
SCRATCH_PORT, FLUSH_PORT, IRQ_PORTS, IRQ_LINES = 0xE0, 0xE4, 0x2000, 24


class PCTestdev:
    """``set_irq(line, level)`` drives ISA IRQ ``line`` (0-15)."""

    def __init__(self, set_irq: Callable[[int, int], None]):
        self.set_irq = set_irq
        self.scratch = 0
        self.iomem = bytearray(IOMEM_SIZE)

    def attach(self, bus, memory) -> None:
        bus.register(SCRATCH_PORT, 4, self._read_scratch, self._write_scratch, widths=1 | 2 | 4)
        bus.register(FLUSH_PORT, 4, None, None, widths=1 | 2 | 4)
        bus.register(IRQ_PORTS, IRQ_LINES, None, self._write_irq)
        memory.map_mmio(IOMEM_BASE, IOMEM_SIZE, self._read_iomem, self._write_iomem)

    def _read_scratch(self, port: int, size: int) -> int:
        return self.scratch & ((1 << (8 * size)) - 1)

    def _write_scratch(self, port: int, size: int, value: int) -> None:
        self.scratch = value

    def _write_irq(self, port: int, size: int, value: int) -> None:
        line = port - IRQ_PORTS
        if line < 16:
            self.set_irq(line, 1 if value & 0xFF else 0)

    def _read_iomem(self, addr: int, size: int) -> int:
        off = addr - IOMEM_BASE
        return int.from_bytes(self.iomem[off:off + size], "little")

    def _write_iomem(self, addr: int, size: int, value: int) -> None:
        off = addr - IOMEM_BASE
        self.iomem[off:off + size] = value.to_bytes(size, "little")
