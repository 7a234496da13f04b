"""A hostile IA-32 guest kernel ends in a clear stop, never a Python error.

Random bytes run as the kernel (a Multiboot header, then the bytes at the entry
point, in flat 32-bit protected mode at guest CPL 0, real ring 1) under naive
trap-and-emulate: whatever they do (load random GDTs, IDTs and CR3s, turn paging
on over garbage, fault while faulting, write anywhere, halt) the VM either runs
to the instruction limit, waits, stops at the exit port, or check-stops with a
one-line reason (a triple fault, page tables naming memory beyond its storage,
leaving protected mode); CP's tables and the storage of a second VM beside it
are untouched."""
from __future__ import annotations

import hashlib
import struct

from hypothesis import HealthCheck, given, settings, strategies as st

from cp import System

from tests.cp.ia32_support import ia32_vm

HEADER = struct.pack("<8I", 0x1BADB002, 0x00010003, (-(0x1BADB002 + 0x00010003)) & 0xFFFFFFFF,
                     0x100000, 0x100000, 0x100000 + 0x1000, 0x100000 + 0x1000, 0x100020)
BYSTANDER = bytes(HEADER) + bytes.fromhex("B8 01000000 EBFE".replace(" ", ""))  # mov eax,1; jmp $
MEM = 2 << 20


def _digest(vm) -> str:
    return hashlib.sha256(bytes(vm.storage.mem)).hexdigest()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(min_size=16, max_size=256))
def test_random_kernel_code_ends_cleanly(code):
    system = System()
    bystander = ia32_vm(BYSTANDER.ljust(0x1000, b"\0"), memory=MEM, system=system, userid="B")
    before = _digest(bystander)
    vm = ia32_vm((HEADER + code).ljust(0x1000, b"\xF4"), memory=MEM, system=system, userid="A")
    ram = vm.backend.memory.ram
    cp_tss = bytes(ram[MEM + 0xFFF8:MEM + 0x10000])
    result = system.run(30_000)
    assert result.stop in ("limit", "wait", "stopped", "checkstop")
    if vm.cpu.checkstop:
        reason = vm.backend.stop_reason
        assert reason and "\n" not in reason
    assert bytes(ram[MEM + 0xFFF8:MEM + 0x10000]) == cp_tss
    assert _digest(bystander) == before
