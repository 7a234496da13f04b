"""Interrupt and exception delivery through the IDT and IRET (80386 PRM 1986 chapter 9:
9.5 "IDT Descriptors", 9.6.1 "Interrupt Procedures" with Figure 9-5 "Stack Layout
after Exception of Interrupt", 9.6.1.3 flags, 9.8.8 "Interrupt 8 -- Double Fault",
9.9 "Error Code"; 17 INT and IRET)."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from ia32 import descriptors as D
from ia32 import interrupts
from ia32.errors import GP, NP, CPUFault
from ia32.flags import IF, IOPL, NT, TF
from ia32.state import CS, DS, SS

from .pm_support import (CODE0_SEL, CODE3_SEL, DATA0_SEL, DATA3_SEL, PM, STACK0, STACK3,
                         fault, machine, nasm)

pm = pytest.fixture(name="pm")(machine)

HANDLER = 0x3000


def gate(pm, vector, type_=D.INT_GATE386, dpl=3, offset=HANDLER, sel=CODE0_SEL, present=1):
    pm.idt(vector, D.gate(type_, sel, offset, dpl, present=present))


def test_prm_9_6_1_int_same_level_frame_and_if_cleared(pm):
    gate(pm, 0x30)
    cpu = pm.cpu
    cpu.set_eflags(IF | TF, IF | TF)
    cpu.eip = 0x1234
    interrupts.deliver(cpu, 0x30, None, True)
    assert cpu.eip == HANDLER and cpu.sregs[CS].selector == CODE0_SEL
    assert cpu.regs[4] == STACK0 - 12
    assert pm.stack(3) == [0x1234, CODE0_SEL, 0x2 | IF | TF]
    assert not cpu.eflags & (IF | TF)


def test_prm_9_6_1_3_trap_gate_keeps_if(pm):
    gate(pm, 0x31, D.TRAP_GATE386)
    pm.cpu.set_eflags(IF, IF)
    interrupts.deliver(pm.cpu, 0x31, None, True)
    assert pm.cpu.eflags & IF


def test_prm_figure_9_5_ring3_to_ring0_frame_with_error_code(pm):
    gate(pm, 13, dpl=0)
    pm.enter(3)
    cpu = pm.cpu
    cpu.regs[4] = STACK3 - 4
    cpu.eip = 0x5000
    interrupts.deliver(cpu, 13, 0x48, False)
    assert cpu.cpl == 0 and cpu.sregs[SS].selector == DATA0_SEL
    assert cpu.regs[4] == STACK0 - 24
    assert pm.stack(6) == [0x48, 0x5000, CODE3_SEL, 0x2, STACK3 - 4, DATA3_SEL]


def test_prm_9_6_286_interrupt_gate_pushes_words(pm):
    gate(pm, 0x32, D.INT_GATE286, offset=0x13000)
    pm.cpu.eip = 0x1234
    interrupts.deliver(pm.cpu, 0x32, 0x55, False)
    assert pm.cpu.eip == 0x3000
    assert pm.cpu.regs[4] == STACK0 - 8
    assert pm.stack(4, 2) == [0x55, 0x1234, CODE0_SEL, 0x2]


def test_prm_9_5_int_n_gate_dpl_below_cpl_is_gp_idt_entry(pm):
    gate(pm, 0x40, dpl=0)
    pm.enter(3)
    assert fault(interrupts.deliver, pm.cpu, 0x40, None, True) == (GP, 0x40 * 8 + 2)


def test_prm_9_5_hardware_interrupt_ignores_gate_dpl(pm):
    gate(pm, 0x40, dpl=0)
    pm.enter(3)
    interrupts.deliver(pm.cpu, 0x40, None, False)
    assert pm.cpu.cpl == 0


def test_prm_9_9_not_present_gate_is_np_with_idt_and_ext_bits(pm):
    gate(pm, 0x20, present=0)
    assert fault(interrupts.deliver, pm.cpu, 0x20, None, False) == (NP, 0x20 * 8 + 3)
    assert fault(interrupts.deliver, pm.cpu, 0x20, None, True) == (NP, 0x20 * 8 + 2)


def test_prm_9_4_vector_beyond_idt_limit_is_gp(pm):
    pm.cpu.idtr_limit = 0x20 * 8 - 1
    assert fault(interrupts.deliver, pm.cpu, 0x20, None, False) == (GP, 0x20 * 8 + 3)


def test_prm_9_5_call_gate_in_idt_is_gp(pm):
    pm.idt(0x21, D.gate(D.CALL_GATE386, CODE0_SEL, HANDLER, 3))
    assert fault(interrupts.deliver, pm.cpu, 0x21, None, True) == (GP, 0x21 * 8 + 2)


def test_prm_9_6_1_gate_to_data_segment_is_gp_selector_with_ext(pm):
    gate(pm, 0x22, sel=DATA0_SEL)
    assert fault(interrupts.deliver, pm.cpu, 0x22, None, False) == (GP, DATA0_SEL | 1)


def test_prm_9_6_1_handler_beyond_code_limit_is_gp(pm):
    small = pm.gdt(9, D.segment(0, 0xFFF, 0xA, 0))
    gate(pm, 0x23, sel=small, offset=0x2000)
    assert fault(interrupts.deliver, pm.cpu, 0x23, None, True) == (GP, 0)
    assert pm.cpu.regs[4] == STACK0


def test_program_int_from_ring3_and_iret_back(pm):
    """A ring-3 program makes a system call through a DPL 3 interrupt gate; the ring-0
    handler changes EAX and IRETs back to ring 3 (the issue's kernel pattern)."""
    gate(pm, 0x80)
    pm.load(HANDLER, nasm("mov eax, [esp+12]\nadd eax, 1\niret", org=HANDLER))
    pm.enter(3, 0x5000)
    pm.load(0x5000, nasm("int 0x80\nmov ebx, cs\nmov ecx, ss\nmov edx, esp\njmp $",
                         org=0x5000))
    pm.cpu.run(20)
    R = pm.cpu.regs
    assert R[0] == STACK3 + 1                     # the pushed user ESP, plus one
    assert (R[3], R[1], R[2]) == (CODE3_SEL, DATA3_SEL, STACK3)
    assert pm.cpu.cpl == 3


def test_prm_9_8_8_contributory_during_contributory_is_double_fault(pm):
    """INT 40h at ring 3 with a DPL 0 gate is #GP(202h); the #GP gate is not present
    (#NP while delivering #GP) so the processor takes #DF with error code 0."""
    gate(pm, 0x40, dpl=0)
    gate(pm, 13, present=0)
    gate(pm, 8, dpl=0)
    pm.load(HANDLER, nasm("pop eax\nhlt", org=HANDLER))
    pm.enter(3, 0x5000)
    pm.load(0x5000, nasm("int 0x40", org=0x5000))
    assert pm.cpu.run(20) == "hlt"
    assert pm.cpu.regs[0] == 0
    assert pm.stack(1) == [0x5000]                # EIP of the INT that faulted


def test_prm_9_8_8_fault_during_double_fault_is_shutdown(pm):
    gate(pm, 0x40, dpl=0)
    gate(pm, 13, present=0)
    gate(pm, 8, present=0)
    pm.enter(3, 0x5000)
    pm.load(0x5000, nasm("int 0x40", org=0x5000))
    assert pm.cpu.run(20) == "shutdown"
    assert pm.cpu.shutdown


def test_prm_9_8_8_benign_then_contributory_is_handled_serially(pm):
    """#BP (benign) whose gate is not present gives #NP, delivered normally."""
    gate(pm, 3, present=0)
    gate(pm, 11, dpl=0)
    pm.load(HANDLER, nasm("pop eax\nhlt", org=HANDLER))
    assert pm.run(nasm("int3")) == "hlt"
    assert pm.cpu.regs[0] == 3 * 8 + 2            # the IDT entry of #BP; INT3 is EXT=0


def test_external_interrupt_through_the_idt(pm):
    gate(pm, 0x20)
    pm.load(HANDLER, nasm("mov eax, 0x77\nhlt", org=HANDLER))
    pm.cpu.int_ack = lambda: 0x20
    pm.cpu.set_eflags(IF, IF)
    pm.load(0x1000, nasm("jmp $"))
    pm.cpu.eip = 0x1000
    pm.cpu.intr = True
    assert pm.cpu.run(20) == "hlt"
    assert pm.cpu.regs[0] == 0x77
    assert pm.stack(3) == [0x1000, CODE0_SEL, 0x2 | IF]


def iret_frame(pm, values, esp=STACK0 - 20):
    for i, v in enumerate(values):
        pm.w32(esp + 4 * i, v)
    pm.cpu.regs[4] = esp


def test_prm_17_iret_same_level(pm):
    iret_frame(pm, [0x2222, CODE0_SEL, 0x2 | IF | IOPL | 0x8D5])
    interrupts.iret(pm.cpu, 32)
    cpu = pm.cpu
    assert cpu.eip == 0x2222 and cpu.regs[4] == STACK0 - 8
    assert cpu.get_eflags() == 0x2 | IF | IOPL | 0x8D5      # CPL 0: IF and IOPL load


def test_prm_17_iret_at_cpl3_cannot_change_if_or_iopl(pm):
    pm.enter(3)
    iret_frame(pm, [0x2222, CODE3_SEL, 0x2 | IF | IOPL | 1], esp=STACK3 - 12)
    interrupts.iret(pm.cpu, 32)
    assert pm.cpu.get_eflags() == 0x3


def test_prm_17_iret_to_outer_level_nulls_inner_data_segments(pm):
    iret_frame(pm, [0x6000, CODE3_SEL, 0x2 | IF, STACK3 - 64, DATA3_SEL])
    interrupts.iret(pm.cpu, 32)
    cpu = pm.cpu
    assert cpu.cpl == 3 and cpu.eip == 0x6000 and cpu.regs[4] == STACK3 - 64
    assert cpu.sregs[SS].selector == DATA3_SEL and cpu.sregs[DS].selector == 0
    assert cpu.eflags & IF


def test_prm_17_iret_outer_with_bad_ss_is_gp_ss(pm):
    iret_frame(pm, [0x6000, CODE3_SEL, 0x2, STACK3, DATA0_SEL])
    assert fault(interrupts.iret, pm.cpu, 32) == (GP, DATA0_SEL)
    assert pm.cpu.cpl == 0 and pm.cpu.regs[4] == STACK0 - 20


def test_prm_17_iret_16bit(pm):
    esp = STACK0 - 6
    for i, v in enumerate([0x1234, CODE0_SEL, 0x0202]):
        pm.w16(esp + 2 * i, v)
    pm.cpu.regs[4] = esp
    interrupts.iret(pm.cpu, 16)
    assert pm.cpu.eip == 0x1234 and pm.cpu.regs[4] == STACK0
    assert pm.cpu.eflags & IF


def test_prm_17_iret_nt_without_valid_back_link_is_ts(pm):
    pm.cpu.set_eflags(NT, NT)
    with pytest.raises(CPUFault) as info:
        interrupts.iret(pm.cpu, 32)
    assert info.value.vector == 10 and info.value.error_code == 0


def test_prm_9_8_12_stack_limit_at_ring3_is_ss0_taken_on_the_ring0_stack(pm):
    small = pm.gdt(9, D.segment(0, 0xFFF, 0x2, 3))
    gate(pm, 12, dpl=0)
    pm.load(HANDLER, nasm("pop eax\npop ebx\nhlt", org=HANDLER))
    pm.enter(3, 0x5000)
    pm.load(0x5000, nasm(f"mov ax, {small}\nmov ss, ax\nmov esp, 2\npush eax\njmp $",
                         org=0x5000))
    pm.cpu.regs[0] = 0xFFFF
    assert pm.cpu.run(20) == "hlt"
    assert pm.cpu.regs[0] == 0 and pm.cpu.regs[3] == 0x500B
    assert pm.stack(4, esp=STACK0 - 16) == [CODE3_SEL, 0x2, 2, small]   # CS EFLAGS ESP SS


def test_prm_9_8_8_page_fault_during_page_fault_is_double_fault_through_task_gate(pm):
    """The ring-0 stack page is not present: delivering #PF faults again (#PF), which
    is #DF; the #DF gate is a task gate, so the handler runs on its own stack."""
    pd, pt = 0x20000, 0x21000
    pm.w32(pd, pt | 0x7)
    for i in range(1024):
        pm.w32(pt + 4 * i, (i << 12) | 0x7)
    pm.w32(pt + 4 * 8, 0)                              # page 8000-8FFF: the ring-0 stack
    pm.w32(pt + 4 * 0x40, 0)                           # page 40000: what ring 3 touches
    # the double-fault task: CS:EIP 08:3000, its stack at B000, flat data
    pm.gdt(10, D.segment(0x14000, 0x67, D.TSS386_AVAILABLE, 0, s=0, db=0))
    pm.cpu.memory.load(0x14000, bytes(0x68))
    pm.w32(0x14000 + 0x1C, pd)
    pm.w32(0x14000 + 0x20, HANDLER)
    pm.w32(0x14000 + 0x24, 0x2)
    pm.w32(0x14000 + 0x38, 0xB000)
    for i, sel in enumerate((DATA0_SEL, CODE0_SEL, DATA0_SEL, DATA0_SEL, DATA0_SEL,
                             DATA0_SEL)):
        pm.w32(0x14000 + 0x48 + 4 * i, sel)
    pm.idt(8, D.gate(D.TASK_GATE, 0x50, 0, 0))
    gate(pm, 14, dpl=0)
    pm.load(HANDLER, nasm("pop eax\nmov ebx, cr2\nhlt", org=HANDLER))
    pm.cpu.write_cr(3, pd)
    pm.cpu.write_cr(0, pm.cpu.cr[0] | 0x80000000)
    pm.enter(3, 0x5000)
    pm.load(0x5000, nasm("mov eax, [0x40000]\njmp $", org=0x5000))
    assert pm.cpu.run(20) == "hlt"
    R = pm.cpu.regs
    assert pm.cpu.tr.selector == 0x50 and R[0] == 0       # #DF error code 0
    assert R[3] == STACK0 - 4                              # CR2: the second fault's address


# -- the property: gate and handler checks against the manual's decision list -------------

GATE_TYPES = [D.INT_GATE386, D.TRAP_GATE386, D.INT_GATE286, D.TRAP_GATE286,
              D.CALL_GATE386, D.LDT]


def expected_delivery(vector, gate_type, gate_dpl, gate_p, code_type, code_dpl, code_p,
                      cpl, soft, csel):
    """PRM 9.6.1 and 17 INT "Protected Mode Exceptions" as a decision list:
    ("fault", vector, error code) or ("ok", new CPL)."""
    ext = 0 if soft else 1
    if gate_type not in (6, 7, 0xE, 0xF):
        return "fault", GP, vector * 8 + 2 + ext
    if soft and gate_dpl < cpl:
        return "fault", GP, vector * 8 + 2
    if not gate_p:
        return "fault", NP, vector * 8 + 2 + ext
    if code_type < 8 or code_dpl > cpl:
        return "fault", GP, csel | ext
    if not code_p:
        return "fault", NP, csel | ext
    conforming = code_type & 4
    new_cpl = cpl if conforming or code_dpl == cpl else code_dpl
    if new_cpl == 2:                        # the TSS has no ring-2 stack: SS2 is null
        return "fault", 10, ext
    return "ok", new_cpl


@given(gate_type=st.sampled_from(GATE_TYPES), gate_dpl=st.integers(0, 3),
       gate_p=st.integers(0, 1), code_type=st.integers(0, 15), code_dpl=st.integers(0, 3),
       code_p=st.integers(0, 1), cpl=st.sampled_from([0, 1, 3]), soft=st.booleans(),
       error_code=st.sampled_from([None, 0x1234]))
def test_property_idt_delivery_follows_prm_9_6(gate_type, gate_dpl, gate_p, code_type,
                                               code_dpl, code_p, cpl, soft, error_code):
    pm = PM()
    csel = pm.gdt(9, D.segment(0, 0xFFFFF, code_type, code_dpl, present=code_p)) & ~3
    pm.idt(0x41, D.gate(gate_type, csel, HANDLER, gate_dpl, present=gate_p))
    pm.enter(cpl, 0x5000)
    cpu = pm.cpu
    expect = expected_delivery(0x41, gate_type, gate_dpl, gate_p, code_type, code_dpl,
                               code_p, cpl, soft, csel)
    if expect[0] == "fault":
        assert fault(interrupts.deliver, cpu, 0x41, error_code, soft) == expect[1:]
        assert cpu.cpl == cpl and cpu.eip == 0x5000
        return
    new_cpl = expect[1]
    old_esp = cpu.regs[4]
    interrupts.deliver(cpu, 0x41, error_code, soft)
    assert cpu.cpl == new_cpl and cpu.sregs[CS].selector == csel | new_cpl
    size = 4 if gate_type & 8 else 2
    top = [] if error_code is None else [error_code]
    top += [0x5000, {0: 0x08, 1: 0x39, 3: 0x1B}[cpl]]
    if new_cpl != cpl:
        assert cpu.regs[4] == {0: STACK0, 1: 0x9800}[new_cpl] - size * (len(top) + 3)
        top += [0x2, old_esp & (0xFFFFFFFF if size == 4 else 0xFFFF),
                {0: DATA0_SEL, 1: 0x41, 3: DATA3_SEL}[cpl]]
    else:
        assert cpu.regs[4] == old_esp - size * (len(top) + 1)
        top += [0x2]
    assert pm.stack(len(top), size) == top
    assert bool(cpu.eflags & IF) is False
