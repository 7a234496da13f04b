"""Hardware task switches and the I/O permission bitmap (80386 PRM 1986 chapter 7:
Figure 7-1 "80386 32-Bit Task State Segment", 7.2 busy bit, 7.4 task gates, 7.5
"Task Switching", 7.6 "Task Linking"; SDM Vol. 3 Table 7-1 for the checks; 8.3.2
"I/O Permission Bit Map")."""
from __future__ import annotations

import pytest

from ia32 import descriptors as D
from ia32 import segments, tasks
from ia32.errors import GP, NP, TS
from ia32.flags import IF, IOPL, NT, VM
from ia32.state import CR0_TS, CS, DS, SS

from .pm_support import (CODE0_SEL, CODE3_SEL, DATA0_SEL, DATA3_SEL, GDT, IOMAP, LDT, LDT_SEL,
                         TSS, TSS_SEL, fault, machine, nasm)

pm = pytest.fixture(name="pm")(machine)

TSS_B = 0x14000
SEL_B = 0x50                     # GDT entry 10


def make_task(pm, eip=0x6000, cs=CODE0_SEL, ds=DATA0_SEL, ss=DATA0_SEL, esp=0xB000,
              eflags=0x2, ldt=0, limit=0x67, regs=None, type_=D.TSS386_AVAILABLE):
    """A 386 TSS at TSS_B described by GDT entry 10."""
    pm.gdt(10, D.segment(TSS_B, limit, type_, 0, s=0, db=0))
    pm.cpu.memory.load(TSS_B, bytes(0x68))
    pm.w32(TSS_B + 0x20, eip)
    pm.w32(TSS_B + 0x24, eflags)
    for i, v in enumerate(regs or [0x100 + i for i in range(8)]):
        pm.w32(TSS_B + 0x28 + 4 * i, v)
    pm.w32(TSS_B + 0x38, esp)
    for i, sel in enumerate((ds, cs, ss, ds, ds, ds)):
        pm.w32(TSS_B + 0x48 + 4 * i, sel)
    pm.w32(TSS_B + 0x60, ldt)
    return SEL_B


def busy(pm, sel):
    return bool(pm.descriptor_hi(sel) & D.HI_BUSY)


def test_prm_7_5_jmp_to_tss_saves_loads_and_moves_busy(pm):
    make_task(pm)
    cpu = pm.cpu
    cpu.regs[:] = [1, 2, 3, 4, 0x8FF0, 6, 7, 8]
    cpu.eip = 0x1007
    segments.far_jump(cpu, SEL_B, 0, 32)
    # the old TSS holds the old task (Figure 7-1 offsets)
    assert pm.r32(TSS + 0x20) == 0x1007
    assert [pm.r32(TSS + 0x28 + 4 * i) for i in range(8)] == [1, 2, 3, 4, 0x8FF0, 6, 7, 8]
    assert [pm.r16(TSS + 0x48 + 4 * i) for i in range(6)] == [DATA0_SEL, CODE0_SEL] + \
        [DATA0_SEL] * 4
    # the new one is running
    assert cpu.tr.selector == SEL_B and cpu.tr.base == TSS_B
    assert cpu.eip == 0x6000 and cpu.regs == [0x100, 0x101, 0x102, 0x103, 0xB000, 0x105,
                                              0x106, 0x107]
    assert cpu.cr[0] & CR0_TS
    assert busy(pm, SEL_B) and not busy(pm, TSS_SEL)
    assert not cpu.eflags & NT and pm.r16(TSS_B) == 0       # JMP: no link, no NT


def test_prm_7_6_call_links_and_iret_returns(pm):
    make_task(pm)
    cpu = pm.cpu
    cpu.eip = 0x1007
    segments.far_call(cpu, SEL_B, 0, 32)
    assert pm.r16(TSS_B) == TSS_SEL and cpu.eflags & NT
    assert busy(pm, SEL_B) and busy(pm, TSS_SEL)
    cpu.regs[0] = 0xAAAA
    cpu.eip = 0x6010
    from ia32 import interrupts
    interrupts.iret(cpu, 32)
    assert cpu.tr.selector == TSS_SEL and cpu.eip == 0x1007
    assert not busy(pm, SEL_B) and busy(pm, TSS_SEL)
    assert pm.r32(TSS_B + 0x24) & NT == 0                  # saved with NT clear
    assert pm.r32(TSS_B + 0x20) == 0x6010 and pm.r32(TSS_B + 0x28) == 0xAAAA


def test_prm_7_5_jmp_to_busy_tss_is_gp(pm):
    assert fault(segments.far_jump, pm.cpu, TSS_SEL, 0, 32) == (GP, TSS_SEL)


def test_prm_7_2_tss_limit_below_103_is_ts(pm):
    make_task(pm, limit=0x66)
    assert fault(segments.far_jump, pm.cpu, SEL_B, 0, 32) == (TS, SEL_B)
    assert pm.cpu.tr.selector == TSS_SEL


def test_prm_7_2_tss_not_present_is_np(pm):
    make_task(pm)
    pm.w32(GDT + SEL_B + 4, pm.descriptor_hi(SEL_B) & ~0x8000)
    assert fault(segments.far_jump, pm.cpu, SEL_B, 0, 32) == (NP, SEL_B)


def test_prm_7_3_tss_dpl_below_cpl_is_gp(pm):
    make_task(pm)
    pm.enter(3)
    assert fault(segments.far_jump, pm.cpu, SEL_B, 0, 32) == (GP, SEL_B)


def test_prm_7_4_task_gate_in_gdt(pm):
    make_task(pm)
    tg = pm.gdt(11, D.gate(D.TASK_GATE, SEL_B, 0, 3))
    pm.enter(3)
    segments.far_call(pm.cpu, tg, 0, 32)
    assert pm.cpu.tr.selector == SEL_B and pm.cpu.cpl == 0


def test_prm_7_4_task_gate_with_ldt_selector_is_gp(pm):
    tg = pm.gdt(11, D.gate(D.TASK_GATE, SEL_B | 4, 0, 0))
    assert fault(segments.far_jump, pm.cpu, tg, 0, 32) == (GP, SEL_B | 4)


def test_prm_9_6_2_exception_through_task_gate_pushes_error_code_on_new_stack(pm):
    make_task(pm)
    pm.idt(13, D.gate(D.TASK_GATE, SEL_B, 0, 0))
    pm.cpu.eip = 0x1234
    from ia32 import interrupts
    interrupts.deliver(pm.cpu, 13, 0x58, False)
    assert pm.cpu.tr.selector == SEL_B and pm.cpu.eflags & NT
    assert pm.cpu.regs[4] == 0xB000 - 4 and pm.r32(0xB000 - 4) == 0x58
    assert pm.r32(TSS + 0x20) == 0x1234


def test_sdm_table_7_1_bad_cs_in_new_task_faults_in_the_new_task(pm):
    make_task(pm, cs=DATA0_SEL)
    pm.idt(10, D.gate(D.INT_GATE386, CODE0_SEL, 0x3000, 0))
    pm.load(0x3000, nasm("pop eax\nhlt", org=0x3000))
    # the handler runs on the new task's stack (its SS:ESP loaded before the CS check)
    assert pm.run(nasm(f"jmp {SEL_B}:0")) == "hlt"
    assert pm.cpu.regs[0] == DATA0_SEL
    assert pm.cpu.tr.selector == SEL_B


def test_sdm_table_7_1_ldt_of_the_new_task_is_loaded(pm):
    make_task(pm, ldt=LDT_SEL)
    segments.far_jump(pm.cpu, SEL_B, 0, 32)
    assert pm.cpu.ldtr.selector == LDT_SEL and pm.cpu.ldtr.base == LDT


def test_sdm_table_7_1_ldt_selector_naming_no_ldt_is_ts_in_the_new_task(pm):
    make_task(pm, ldt=DATA0_SEL)
    pm.idt(10, D.gate(D.INT_GATE386, CODE0_SEL, 0x3000, 0))
    pm.load(0x3000, nasm("pop eax\nhlt", org=0x3000))
    assert pm.run(nasm(f"jmp {SEL_B}:0")) == "hlt"
    assert pm.cpu.regs[0] == DATA0_SEL                     # #TS(LDT selector)
    assert pm.cpu.tr.selector == SEL_B


def test_prm_7_5_switch_to_a_ring3_task(pm):
    make_task(pm, cs=CODE3_SEL, ds=DATA3_SEL, ss=DATA3_SEL, eflags=0x2 | IF)
    segments.far_jump(pm.cpu, SEL_B, 0, 32)
    cpu = pm.cpu
    assert cpu.cpl == 3 and cpu.sregs[SS].selector == DATA3_SEL and cpu.eflags & IF


def test_prm_15_2_1_task_switch_into_v86_mode(pm):
    make_task(pm, eflags=0x2 | VM | IOPL, eip=0x100, cs=0x1234, ds=0x2000, ss=0x3000,
              esp=0xFFFE)
    segments.far_jump(pm.cpu, SEL_B, 0, 32)
    cpu = pm.cpu
    assert cpu.eflags & VM and cpu.cpl == 3
    assert cpu.sregs[CS].base == 0x12340 and cpu.sregs[DS].base == 0x20000
    assert cpu.sregs[SS].limit == 0xFFFF and cpu.code_bits == 16


def test_prm_7_1_286_tss_switch(pm):
    pm.gdt(10, D.segment(TSS_B, 0x2B, D.TSS286_AVAILABLE, 0, s=0, db=0))
    pm.cpu.memory.load(TSS_B, bytes(0x2C))
    pm.w16(TSS_B + 0x0E, 0x6000)                           # IP
    pm.w16(TSS_B + 0x10, 0x0002)                           # FLAGS
    pm.w16(TSS_B + 0x12, 0x1111)                           # AX
    for i, sel in enumerate((DATA0_SEL, CODE0_SEL, DATA0_SEL, DATA0_SEL)):
        pm.w16(TSS_B + 0x22 + 2 * i, sel)
    pm.cpu.regs[0] = 0xFFFF0000
    segments.far_jump(pm.cpu, SEL_B, 0, 32)
    assert pm.cpu.eip == 0x6000 and pm.cpu.regs[0] == 0xFFFF1111
    assert pm.cpu.tr.selector == SEL_B


# -- I/O permission -------------------------------------------------------------------

def allow(pm, port):
    byte = TSS + IOMAP + port // 8
    pm.cpu.memory.write(byte, 1, pm.cpu.memory.read(byte, 1) & ~(1 << (port % 8)))


def test_prm_8_3_2_bitmap_bit_clear_allows(pm):
    pm.enter(3)
    allow(pm, 0x3F8)
    assert pm.cpu.io_permitted(0x3F8, 1)
    assert not pm.cpu.io_permitted(0x3F9, 1)
    assert not pm.cpu.io_permitted(0x3F8, 2)                # 3F9 still refused


def test_prm_8_3_2_word_spanning_two_bitmap_bytes(pm):
    pm.enter(3)
    allow(pm, 0x3F7)
    allow(pm, 0x3F8)
    assert pm.cpu.io_permitted(0x3F7, 2)


def test_prm_8_3_2_bitmap_beyond_tss_limit_refuses(pm):
    pm.enter(3)
    pm.w16(TSS + 0x66, 0x2000)                               # bitmap past the limit
    assert not tasks.io_permitted(pm.cpu, 0, 1)


def test_prm_8_3_1_cpl_at_or_below_iopl_always_allowed(pm):
    pm.enter(3)
    pm.cpu.set_eflags(IOPL, IOPL)
    assert pm.cpu.io_permitted(0x3F9, 1)


def test_program_in_at_ring3_gp_when_bitmap_refuses(pm):
    pm.idt(13, D.gate(D.INT_GATE386, CODE0_SEL, 0x3000, 0))
    pm.load(0x3000, nasm("pop eax\npop ebx\nhlt", org=0x3000))
    allow(pm, 0x60)
    pm.enter(3, 0x5000)
    pm.load(0x5000, nasm("in al, 0x60\nmov dx, 0x61\nin al, dx\njmp $", org=0x5000))
    assert pm.cpu.run(20) == "hlt"
    assert pm.cpu.regs[0] == 0 and pm.cpu.regs[3] == 0x5006  # #GP(0) at the IN AL,DX
