"""QEMU's firmware configuration device, the traditional I/O interface at 510/511
(QEMU's docs/specs/fw_cfg.rst): a 16-bit write to 510 selects an item, byte reads
from 511 return its bytes in order, then zeros. Only the few items that
firmware-less test kernels read are here (kvm-unit-tests asks for the number of
processors): the signature "QEMU", the interface ID 1, RAM size, no graphics, and
one processor. Any other item reads as zeros, as an unknown selector does in QEMU.
"""
from __future__ import annotations

import struct

PORT = 0x510
SIGNATURE, ID, RAM_SIZE, NOGRAPHIC, NB_CPUS, MAX_CPUS = 0x00, 0x01, 0x03, 0x04, 0x05, 0x0F


class FwCfg:
    def __init__(self, memory_size: int):
        self.items = {
            SIGNATURE: b"QEMU",
            ID: struct.pack("<I", 1),
            RAM_SIZE: struct.pack("<Q", memory_size),
            NOGRAPHIC: struct.pack("<H", 1),
            NB_CPUS: struct.pack("<H", 1),
            MAX_CPUS: struct.pack("<H", 1),
        }
        self.selected = b""
        self.offset = 0

    def attach(self, bus) -> None:
        bus.register(PORT, 2, self.read, self.write, widths=1 | 2)

    def write(self, port: int, size: int, value: int) -> None:
        if port == PORT:
            self.selected = self.items.get(value & 0x3FFF, b"")
            self.offset = 0

    def read(self, port: int, size: int) -> int:
        if port == PORT:
            return 0                   # the selector register is write-only
        value = 0
        for i in range(size):
            byte = self.selected[self.offset] if self.offset < len(self.selected) else 0
            self.offset += 1
            value |= byte << (8 * i)
        return value
