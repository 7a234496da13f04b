"""Far JMP, CALL and RET in protected mode, call gates, the stack switch and the
parameter copy (80386 PRM 1986 6.3.4 "Restricting Control Transfers", 6.3.4.1 "Gate
Descriptors", 6.3.4.2 "Stack Switching", Figure 6-8 "Stack Contents after an
Interlevel Call", 6.3.4.3 "Returning from a Procedure", 17 JMP/CALL/RET)."""
from __future__ import annotations

import pytest

from ia32 import descriptors as D
from ia32 import segments
from ia32.errors import GP, NP, SS as SS_FAULT, TS, CPUFault
from ia32.state import CS, DS, ES, FS, GS, SS

from .pm_support import (CODE0_SEL, CODE3_SEL, DATA0_SEL, DATA3_SEL, STACK0, STACK3, TSS, fault,
                         machine, nasm)

pm = pytest.fixture(name="pm")(machine)


def test_prm_17_jmp_far_same_level_code(pm):
    sel = pm.gdt(9, D.segment(0x100000, 0xFFFF, 0xA, 0))
    segments.far_jump(pm.cpu, sel, 0x1234, 32)
    cs = pm.cpu.sregs[CS]
    assert (cs.selector, cs.base, pm.cpu.eip, pm.cpu.cpl) == (sel, 0x100000, 0x1234, 0)


def test_prm_6_3_4_jmp_nonconforming_other_dpl_is_gp(pm):
    assert fault(segments.far_jump, pm.cpu, CODE3_SEL, 0, 32) == (GP, CODE3_SEL & ~3)


def test_prm_6_3_4_jmp_rpl_above_cpl_is_gp(pm):
    assert fault(segments.far_jump, pm.cpu, CODE0_SEL | 3, 0, 32) == (GP, CODE0_SEL)


def test_prm_6_3_4_jmp_conforming_keeps_cpl_and_sets_rpl(pm):
    sel = pm.gdt(9, D.segment(0, 0xFFFFF, 0xE, 0))          # conforming, DPL 0
    pm.enter(3)
    segments.far_jump(pm.cpu, sel | 3, 0x2000, 32)
    assert pm.cpu.cpl == 3 and pm.cpu.sregs[CS].selector == sel | 3


def test_prm_17_jmp_target_beyond_limit_is_gp0_and_nothing_changes(pm):
    sel = pm.gdt(9, D.segment(0, 0xFFF, 0xA, 0))
    assert fault(segments.far_jump, pm.cpu, sel, 0x1000, 32) == (GP, 0)
    assert pm.cpu.sregs[CS].selector == CODE0_SEL


def test_prm_17_jmp_null_and_data_and_not_present(pm):
    assert fault(segments.far_jump, pm.cpu, 0, 0, 32) == (GP, 0)
    assert fault(segments.far_jump, pm.cpu, DATA0_SEL, 0, 32) == (GP, DATA0_SEL)
    sel = pm.gdt(9, D.segment(0, 0xFFF, 0xA, 0, present=0))
    assert fault(segments.far_jump, pm.cpu, sel, 0, 32) == (NP, sel)


def test_prm_17_call_far_same_level_pushes_cs_eip(pm):
    pm.cpu.eip = 0x1111
    segments.far_call(pm.cpu, CODE0_SEL, 0x2000, 32)
    assert pm.cpu.regs[4] == STACK0 - 8
    assert pm.stack(2) == [0x1111, CODE0_SEL]
    assert pm.cpu.eip == 0x2000


def test_prm_17_call_far_16bit_pushes_words(pm):
    pm.cpu.eip = 0x1111
    segments.far_call(pm.cpu, CODE0_SEL, 0x12345, 16)
    assert pm.cpu.regs[4] == STACK0 - 4
    assert pm.stack(2, 2) == [0x1111, CODE0_SEL]
    assert pm.cpu.eip == 0x2345


def test_prm_6_3_4_2_call_gate_to_ring0_switches_stack_and_copies_params(pm):
    gate = pm.gdt(9, D.gate(D.CALL_GATE386, CODE0_SEL, 0x4000, 3, count=2))
    pm.enter(3)
    cpu = pm.cpu
    cpu.regs[4] = STACK3 - 8
    pm.w32(STACK3 - 8, 0x11111111)              # parameter 0 (top of stack)
    pm.w32(STACK3 - 4, 0x22222222)              # parameter 1
    cpu.eip = 0x5555
    segments.far_call(cpu, gate | 3, 0, 32)     # the offset is the gate's
    assert cpu.cpl == 0 and cpu.sregs[CS].selector == CODE0_SEL and cpu.eip == 0x4000
    assert cpu.sregs[SS].selector == DATA0_SEL
    # Figure 6-8: EIP, CS, param 0, param 1, old ESP, old SS from the top
    assert cpu.regs[4] == STACK0 - 24
    assert pm.stack(6) == [0x5555, CODE3_SEL, 0x11111111, 0x22222222, STACK3 - 8, DATA3_SEL]


def test_prm_6_3_4_2_286_call_gate_copies_words(pm):
    gate = pm.gdt(9, D.gate(D.CALL_GATE286, CODE0_SEL, 0x14000, 3, count=1))
    pm.enter(3)
    cpu = pm.cpu
    pm.w16(STACK3 - 2, 0xBEEF)
    cpu.regs[4] = STACK3 - 2
    cpu.eip = 0x5555
    segments.far_call(cpu, gate, 0, 32)
    assert cpu.eip == 0x4000                     # 16-bit gate offset
    assert cpu.regs[4] == STACK0 - 10
    assert pm.stack(5, 2) == [0x5555, CODE3_SEL, 0xBEEF, STACK3 - 2, DATA3_SEL]


def test_prm_6_3_4_1_call_gate_dpl_below_cpl_is_gp_gate(pm):
    gate = pm.gdt(9, D.gate(D.CALL_GATE386, CODE0_SEL, 0x4000, 0))
    pm.enter(3)
    assert fault(segments.far_call, pm.cpu, gate | 3, 0, 32) == (GP, gate)


def test_prm_6_3_4_1_call_gate_not_present_is_np_gate(pm):
    gate = pm.gdt(9, D.gate(D.CALL_GATE386, CODE0_SEL, 0x4000, 3, present=0))
    pm.enter(3)
    assert fault(segments.far_call, pm.cpu, gate | 3, 0, 32) == (NP, gate & ~3)


def test_prm_6_3_4_1_call_gate_to_data_is_gp_code_selector(pm):
    gate = pm.gdt(9, D.gate(D.CALL_GATE386, DATA0_SEL, 0x4000, 3))
    pm.enter(3)
    assert fault(segments.far_call, pm.cpu, gate | 3, 0, 32) == (GP, DATA0_SEL)


def test_prm_6_3_4_2_bad_tss_stack_is_ts_and_nothing_changes(pm):
    gate = pm.gdt(9, D.gate(D.CALL_GATE386, CODE0_SEL, 0x4000, 3))
    pm.w32(TSS + 8, DATA3_SEL)                   # SS0 with RPL 3: #TS(SS0)
    pm.enter(3)
    assert fault(segments.far_call, pm.cpu, gate | 3, 0, 32) == (TS, DATA3_SEL & ~3)
    pm.w32(TSS + 8, 0)                           # null SS0: #TS(0)
    assert fault(segments.far_call, pm.cpu, gate | 3, 0, 32) == (TS, 0)
    assert pm.cpu.cpl == 3 and pm.cpu.regs[4] == STACK3


def test_prm_6_3_4_2_new_stack_too_small_is_ss_selector(pm):
    small = pm.gdt(9, D.segment(0, 0x0FFF, 0x2, 0))
    gate = pm.gdt(10, D.gate(D.CALL_GATE386, CODE0_SEL, 0x4000, 3))
    pm.w32(TSS + 4, 0x1008)                      # room for 2 of the 4 doublewords
    pm.w32(TSS + 8, small)
    pm.enter(3)
    assert fault(segments.far_call, pm.cpu, gate | 3, 0, 32) == (SS_FAULT, small)


def test_prm_6_3_4_jmp_through_call_gate_needs_same_level(pm):
    gate = pm.gdt(9, D.gate(D.CALL_GATE386, CODE0_SEL, 0x4000, 3))
    pm.enter(3)
    assert fault(segments.far_jump, pm.cpu, gate | 3, 0, 32) == (GP, CODE0_SEL)
    gate3 = pm.gdt(10, D.gate(D.CALL_GATE386, CODE3_SEL, 0x4444, 3))
    segments.far_jump(pm.cpu, gate3, 0, 32)
    assert pm.cpu.eip == 0x4444 and pm.cpu.sregs[CS].selector == CODE3_SEL


def test_prm_6_3_4_3_ret_to_outer_level_pops_ss_esp_and_nulls_data_segments(pm):
    cpu = pm.cpu
    # ring 0 stack: EIP, CS (ring 3), 8 bytes of parameters, ESP, SS
    esp = STACK0 - 24
    for i, v in enumerate([0x6000, CODE3_SEL, 0xAAAA, 0xBBBB, STACK3 - 16, DATA3_SEL]):
        pm.w32(esp + 4 * i, v)
    cpu.regs[4] = esp
    segments.load_sreg(cpu, FS, DATA3_SEL)       # DPL 3: survives
    segments.far_return(cpu, 32, 8)
    assert cpu.cpl == 3 and cpu.eip == 0x6000 and cpu.sregs[CS].selector == CODE3_SEL
    assert cpu.sregs[SS].selector == DATA3_SEL and cpu.regs[4] == STACK3 - 16 + 8
    # DS, ES, GS held the DPL 0 data segment: now null
    assert [cpu.sregs[s].selector for s in (DS, ES, FS, GS)] == [0, 0, DATA3_SEL, 0]
    with pytest.raises(CPUFault):
        cpu.read_u8(DS, 0)


def test_prm_17_ret_same_level_releases_parameters(pm):
    cpu = pm.cpu
    cpu.regs[4] = STACK0 - 8
    pm.w32(STACK0 - 8, 0x7000)
    pm.w32(STACK0 - 4, CODE0_SEL)
    segments.far_return(cpu, 32, 12)
    assert cpu.eip == 0x7000 and cpu.regs[4] == STACK0 + 12


@pytest.mark.parametrize("cs,expect", [
    (0, (GP, 0)),
    (DATA0_SEL, (GP, DATA0_SEL)),                # not code
    (CODE0_SEL | 3, (GP, CODE0_SEL)),            # nonconforming: DPL != RPL
])
def test_prm_17_ret_checks(pm, cs, expect):
    pm.w32(STACK0 - 8, 0x7000)
    pm.w32(STACK0 - 4, cs)
    pm.cpu.regs[4] = STACK0 - 8
    assert fault(segments.far_return, pm.cpu, 32, 0) == expect


def test_prm_17_ret_to_inner_level_is_gp(pm):
    pm.enter(3)
    pm.w32(STACK3 - 8, 0x7000)
    pm.w32(STACK3 - 4, CODE0_SEL)
    pm.cpu.regs[4] = STACK3 - 8
    assert fault(segments.far_return, pm.cpu, 32, 0) == (GP, CODE0_SEL)


def test_program_call_gate_round_trip_from_ring3(pm):
    """Ring 3 calls a ring 0 routine through a gate with one parameter; the routine
    reads it from its own stack and returns with RETF 4."""
    gate = pm.gdt(9, D.gate(D.CALL_GATE386, CODE0_SEL, 0x4000, 3, count=1))
    pm.load(0x4000, nasm("mov eax, [esp+8]\nmov ebx, cs\nretf 4", org=0x4000))
    code = nasm(f"push dword 0x1234\ncall {gate | 3}:0\nmov ecx, cs\nmov edx, esp\n"
                "jmp $", org=0x5000)
    pm.enter(3, 0x5000)
    pm.load(0x5000, code)
    pm.cpu.run(50)
    R = pm.cpu.regs
    assert R[0] == 0x1234 and R[3] == CODE0_SEL and R[1] == CODE3_SEL and R[2] == STACK3
