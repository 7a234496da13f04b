"""Reset state and the run loop (ia32/cpu.py): 80386 PRM section 10.1."""
from __future__ import annotations

from ia32.cpu import CPU
from ia32.memory import Memory
from ia32.state import CS

from .helpers import run_real


def test_prm_10_1_reset_state():
    cpu = CPU(Memory(1 << 20))
    assert cpu.sregs[CS].selector == 0xF000 and cpu.sregs[CS].base == 0xFFFF0000
    assert cpu.eip == 0xFFF0 and cpu.get_eflags() == 2 and cpu.cr[0] & 1 == 0
    assert cpu.idtr_base == 0 and cpu.idtr_limit == 0xFFFF


def test_reset_vector_runs_from_the_bios_alias_below_4g():
    mem = Memory(1 << 20)
    bios = bytearray(b"\xF4" * 0x10000)
    bios[0xFFF0:0xFFF5] = bytes.fromhex("EA00E000F0")      # jmp f000:e000
    bios[0xE000:0xE004] = bytes.fromhex("B8AA55F4")        # mov ax,55aa; hlt
    mem.map_bios(bytes(bios))
    cpu = CPU(mem)
    assert cpu.run(100) == "hlt"
    assert cpu.regs[0] == 0x55AA and cpu.sregs[CS].base == 0xF0000
    assert cpu.eip == 0xE004 and cpu.instructions == 3


def test_real_mode_loop_program():
    # mov ax,1234; add ax,1; mov bx,5; add ax,bx; xor cx,cx; l: inc cx; cmp cx,5; jnz l;
    # push ax; pop dx; hlt
    cpu = run_real("B83412050100BB050001D831C94183F90575FA505AF4")
    R = cpu.regs
    assert (R[0], R[1], R[2], R[3], R[4]) == (0x123A, 5, 0x123A, 5, 0x8000)
    assert cpu.get_eflags() == 0x46      # CMP 5,5: ZF PF (and bit 1)


def test_budget_limit_stops_with_limit():
    cpu = run_real("F4")
    cpu.halted = False
    cpu.memory.load(0x1001, bytes.fromhex("EBFE"))          # jmp $
    assert cpu.run(50) == "limit"
