"""The sensitive unprivileged instructions emulated at the guest's CPL
(cp/backends/ia32_sensitive.py) on a bare CPU at real ring 1 (or 3) with CP's
shadow GDT underneath and the guest's VirtualState (tests/cp/ia32_guest_support.py).

Each expected value is the bare 80386 running the guest itself at its own CPL,
written from the PRM (1986) chapter 17 page of the instruction; the contrast
tests show what the same instruction gives run directly at real ring 1 (naive
trap-and-emulate: Popek and Goldberg's failure).
"""
from __future__ import annotations

import pytest

from ia32 import descriptors as D
from ia32.errors import CPUFault, GP
from ia32.flags import ZF
from ia32.state import CS, DS, SS

from cp.backends.ia32_sensitive import ROBIN_IRVINE, SENSITIVE
from tests.cp.ia32_guest_support import (
    CODE, DATA, GATE_TARGET, GUEST_CR0, IDT, KCODE, KDATA, SHADOW, STACK0, STACK3,
    UCODE, UDATA, Guest)

EAX, ECX, ESP = 0, 1, 4


def zf(g: Guest) -> bool:
    return bool(g.cpu.get_eflags() & ZF)


def faults(g: Guest, code: str) -> tuple[int, int | None]:
    with pytest.raises(CPUFault) as info:
        g.execute(code)
    return info.value.vector, info.value.error_code


def test_the_convention_is_robin_and_irvines_18_mnemonics():
    assert len(ROBIN_IRVINE) == 18 == len(set(ROBIN_IRVINE))
    assert {"iret", "lss", "sgdt", "retf", "int", "push_sreg", "mov_to_sreg"} <= SENSITIVE


# -- SGDT, SIDT, SLDT, STR, SMSW: the guest's values (PRM 17 SGDT/SIDT, SLDT, STR, SMSW)

@pytest.mark.parametrize("cpl", [0, 3])
def test_sgdt_and_sidt_store_the_guests_tables(cpl):
    g = Guest(cpl)
    g.execute("0F010500500000")                     # sgdt [5000]
    assert (g.r16(DATA), g.r32(DATA + 2)) == (0x007F, 0x00010000)
    g.execute("0F010D00500000")                     # sidt [5000]
    assert (g.r16(DATA), g.r32(DATA + 2)) == (0x07FF, 0x00011000)


@pytest.mark.parametrize("cpl", [0, 3])
def test_sldt_str_smsw_store_the_guests_ldtr_tr_and_cr0(cpl):
    g = Guest(cpl)
    g.cpu.regs[EAX] = 0xFFFFFFFF
    g.execute("0F00C0")                             # sldt eax
    assert g.cpu.regs[EAX] == 0x00000030
    g.execute("0F00C8")                             # str eax
    assert g.cpu.regs[EAX] == 0x00000028
    g.execute("0F01E0")                             # smsw eax
    assert g.cpu.regs[EAX] == GUEST_CR0 == 0x00000011


def test_run_directly_at_ring_1_they_reveal_cps_tables_and_cr0():
    g = Guest(0)
    g.cpu.memory.load(CODE, bytes.fromhex("0F010500500000" "0F00C8" "0F01E0" "F4"))
    g.cpu.eip = CODE
    g.cpu.run(10)
    assert (g.r16(DATA), g.r32(DATA + 2)) == (0xFFFF, SHADOW)
    assert g.cpu.regs[EAX] == 0x0000001B             # CP's CR0 (TS set), not the guest's


# -- PUSHF, POPF (PRM 17 PUSHF/PUSHFD, POPF/POPFD) ------------------------------------

def test_pushfd_shows_the_guests_if_and_iopl_at_cpl_0():
    g = Guest(0)
    g.cpu.set_eflags(1, 1)                          # CF; the real IF is 1
    g.execute("9C")
    assert g.stack(1) == [0x00000003]               # IF 0, IOPL 0 as the guest set them


def test_pushfd_at_cpl_3_with_guest_iopl_3():
    g = Guest(3)
    g.vs.iflag, g.vs.iopl = True, 3
    g.execute("9C")
    assert g.stack(1) == [0x00003202]


@pytest.mark.parametrize("cpl,iopl,image,after", [
    (0, 0, 0x00003203, (True, 3, 1)),     # CPL 0: IF and IOPL change (the guest's)
    (3, 0, 0x00003203, (False, 0, 0)),    # CPL 3 > IOPL: both silently kept
    (3, 3, 0x00000203, (True, 3, 1))])    # CPL 3 = IOPL: IF changes, IOPL does not
def test_popfd_changes_the_guests_if_and_iopl_by_the_guests_rules(cpl, iopl, image, after):
    g = Guest(cpl)
    g.vs.iopl = iopl
    g.frame(image)
    g.execute("9D")
    assert (g.vs.iflag, g.vs.iopl, g.stis) == after
    assert g.cpu.get_eflags() & 0x3201 == 0x0201    # real IOPL 0, IF 1; CF from the stack
    assert g.cpu.regs[ESP] == (STACK0 if cpl == 0 else STACK3)


def test_popf_run_directly_at_ring_1_drops_the_if_change():
    g = Guest(0)
    g.cpu.set_eflags(0, 0x200)                      # say the real IF were 0
    g.frame(0x00000202)
    g.cpu.memory.load(CODE, bytes.fromhex("9DF4"))
    g.cpu.eip = CODE
    g.cpu.run(2)
    assert not g.cpu.eflags & 0x200                 # CPL 1 > IOPL 0: IF kept, no fault


# -- LAR, LSL, VERR, VERW: the guest's descriptors at the guest's CPL (PRM 17 LAR...)

def test_lar_at_cpl_0_gives_the_guests_access_rights():
    g = Guest(0)
    g.cpu.regs[ECX] = KDATA
    g.execute("0F02C1")                             # lar eax, ecx
    assert zf(g) and g.cpu.regs[EAX] == 0x00C09200  # DPL 0, as the guest wrote it


def test_lar_at_cpl_3_of_a_dpl_0_segment_fails():
    g = Guest(3)
    g.cpu.regs[ECX], g.cpu.regs[EAX] = KDATA, 0x12345678
    g.execute("0F02C1")
    assert not zf(g) and g.cpu.regs[EAX] == 0x12345678


@pytest.mark.parametrize("cpl,sel", [(0, KDATA), (3, UDATA)])
def test_lsl_gives_the_guests_untruncated_limit(cpl, sel):
    g = Guest(cpl)
    g.cpu.regs[ECX] = sel
    g.execute("0F03C1")                             # lsl eax, ecx
    assert zf(g) and g.cpu.regs[EAX] == 0xFFFFFFFF


def test_lar_and_lsl_run_directly_at_ring_1_see_cps_shadow():
    g = Guest(0)
    g.cpu.regs[ECX] = KDATA
    g.cpu.memory.load(CODE, bytes.fromhex("0F02C1" "0F03D1" "F4"))   # lar eax,ecx; lsl edx,ecx
    g.cpu.eip = CODE
    g.cpu.run(3)
    assert g.cpu.regs[EAX] == 0x00C0B200             # DPL 1
    assert g.cpu.regs[2] == 0xFFBFFFFF               # cut below CP's region


@pytest.mark.parametrize("cpl,sel,readable,writable", [
    (0, KDATA, True, True), (3, KDATA, False, False), (0, KCODE, True, False),
    (3, UDATA, True, True), (3, 0x40, True, False)])
def test_verr_verw(cpl, sel, readable, writable):
    g = Guest(cpl)
    g.cpu.regs[ECX] = sel
    g.execute("0F00E1")                             # verr cx
    assert zf(g) == readable
    g.execute("0F00E9")                             # verw cx
    assert zf(g) == writable


# -- PUSH, POP, MOV of segment registers (PRM 17 PUSH, POP, MOV) ------------------------

@pytest.mark.parametrize("cpl,cs,ss", [(0, KCODE, KDATA), (3, UCODE, UDATA)])
def test_push_cs_and_ss_show_the_guests_rpl(cpl, cs, ss):
    g = Guest(cpl)
    g.execute("0E")                                 # push cs
    assert g.r16(g.cpu.regs[ESP]) == cs
    g.execute("16")                                 # push ss
    assert g.r16(g.cpu.regs[ESP]) == ss
    g.execute("8CD0")                               # mov eax, ss
    assert g.cpu.regs[EAX] == ss


def test_pop_ss_at_cpl_0_loads_the_shadow_with_rpl_1():
    g = Guest(0)
    g.frame(KDATA)
    g.execute("17")                                 # pop ss
    ss = g.cpu.sregs[SS]
    assert (ss.selector, ss.limit, g.cpu.regs[ESP]) == (0x11, 0xFFBFFFFF, STACK0)
    assert g.cpu.shadow                             # POP SS holds off interrupts
    g.execute("16")
    assert g.r16(g.cpu.regs[ESP]) == KDATA


def test_pop_ss_of_a_dpl_0_selector_at_cpl_3_is_gp():
    g = Guest(3)
    g.frame(KDATA)
    assert faults(g, "17") == (GP, KDATA)


def test_pop_ss_run_directly_at_ring_1_faults_where_cpl_0_would_not():
    g = Guest(0)
    g.cpu.intercept = lambda v, e, s: True
    g.frame(KDATA)
    g.cpu.memory.load(CODE, bytes.fromhex("17F4"))
    g.cpu.eip = CODE
    assert g.cpu.run(2) == "intercept" and g.cpu.intercepted == (GP, KDATA, False)


def test_mov_ds_at_cpl_0_and_3():
    g = Guest(0)
    g.cpu.regs[EAX] = KDATA
    g.execute("8ED8")                               # mov ds, ax
    assert g.cpu.sregs[DS].selector == 0x11
    g.cpu.regs[EAX] = 0
    g.execute("8CD8")                               # mov eax, ds
    assert g.cpu.regs[EAX] == KDATA
    g = Guest(3)
    g.cpu.regs[EAX] = KDATA
    assert faults(g, "8ED8") == (GP, KDATA)


def test_lss_at_cpl_0():
    g = Guest(0)
    g.w32(DATA, 0x8800)
    g.w16(DATA + 4, KDATA)
    g.execute("0FB22500500000")                     # lss esp, [5000]
    assert (g.cpu.sregs[SS].selector, g.cpu.regs[ESP]) == (0x11, 0x8800)


# -- far JMP, CALL, RET (PRM 17 JMP, CALL, RET; 6.3.4) -------------------------------

def test_far_jmp_to_the_kernel_code_at_cpl_0_and_3():
    g = Guest(0)
    g.execute("EA002000000800")                     # jmp 08:2000
    assert (g.cpu.sregs[CS].selector, g.cpu.eip, g.cpu.cpl) == (0x09, 0x2000, 1)
    assert faults(Guest(3), "EA002000000800") == (GP, KCODE)


def test_far_call_at_cpl_0_pushes_the_guests_cs():
    g = Guest(0)
    g.execute("9A002000000800")                     # call 08:2000
    assert g.stack(2) == [CODE + 7, KCODE]
    assert (g.cpu.sregs[CS].selector, g.cpu.eip) == (0x09, 0x2000)


def test_far_call_through_a_gate_from_cpl_3_switches_to_the_guests_ring_0_stack():
    g = Guest(3)
    g.execute("9A000000003800")                     # call 38:0 (gate -> 08:3000)
    assert g.cpu.regs[ESP] == STACK0 - 16
    assert g.stack(4) == [CODE + 7, UCODE, STACK3, UDATA]
    assert (g.vs.cpl, g.cpu.cpl, g.cpl_changes) == (0, 1, [0])
    assert (g.cpu.sregs[CS].selector, g.cpu.sregs[SS].selector, g.cpu.eip) == \
        (0x09, 0x11, GATE_TARGET)


def test_retf_at_cpl_0_to_the_same_level():
    g = Guest(0)
    g.frame(0x2000, KCODE)
    g.execute("CB")
    assert (g.cpu.sregs[CS].selector, g.cpu.eip, g.cpu.regs[ESP]) == (0x09, 0x2000, STACK0)


def test_retf_run_directly_at_ring_1_to_an_rpl_0_frame_is_gp():
    g = Guest(0)
    g.cpu.intercept = lambda v, e, s: True
    g.frame(0x2000, KCODE)
    g.cpu.memory.load(CODE, b"\xCB\xF4")
    g.cpu.eip = CODE
    assert g.cpu.run(5) == "intercept" and g.cpu.intercepted == (GP, KCODE, False)


def test_retf_from_cpl_0_to_an_outer_level():
    g = Guest(0)
    g.frame(0x2000, UCODE, STACK3, UDATA)
    g.execute("CB")
    assert (g.vs.cpl, g.cpu.cpl, g.cpl_changes) == (3, 3, [3])
    assert (g.cpu.sregs[CS].selector, g.cpu.sregs[SS].selector, g.cpu.regs[ESP]) == \
        (UCODE, UDATA, STACK3)
    assert g.cpu.sregs[DS].selector == 0            # a DPL 0 data segment is nulled


# -- INT n, IRET (PRM 9.6, 17 INT, 17 IRET) -------------------------------------------

def _idt(g: Guest, vector: int, type_: int, offset: int, dpl: int) -> None:
    g.put(IDT + 8 * vector, D.gate(type_, KCODE, offset, dpl))


def test_int_n_at_cpl_0_through_a_dpl_0_interrupt_gate():
    g = Guest(0)
    g.vs.iflag = True
    _idt(g, 0x30, D.INT_GATE386, 0x4000, 0)
    g.execute("CD30")
    assert g.stack(3) == [CODE + 2, KCODE, 0x00000202]
    assert (g.cpu.eip, g.cpu.sregs[CS].selector, g.vs.iflag) == (0x4000, 0x09, False)
    assert g.cpu.eflags & 0x200                     # the real IF stays 1


def test_int_n_at_cpl_3_through_a_dpl_0_gate_is_gp():
    g = Guest(3)
    _idt(g, 0x30, D.INT_GATE386, 0x4000, 0)
    assert faults(g, "CD30") == (GP, 0x30 * 8 + 2)


def test_int_n_at_cpl_3_through_a_dpl_3_trap_gate_takes_the_guests_ring_0_stack():
    g = Guest(3)
    g.vs.iflag = True
    _idt(g, 0x80, D.TRAP_GATE386, 0x4100, 3)
    g.execute("CD80")
    assert g.stack(5) == [CODE + 2, UCODE, 0x00000202, STACK3, UDATA]
    assert (g.vs.cpl, g.cpu.cpl, g.cpu.eip, g.vs.iflag) == (0, 1, 0x4100, True)


def test_iretd_at_cpl_0_restores_the_guests_if():
    g = Guest(0)
    g.frame(0x2000, KCODE, 0x00000202)
    g.execute("CF")
    assert (g.vs.iflag, g.stis, g.cpu.eip, g.cpu.sregs[CS].selector) == (True, 1, 0x2000, 9)


def test_iretd_from_cpl_0_to_cpl_3_sets_iopl_and_if():
    g = Guest(0)
    g.frame(0x2000, UCODE, 0x00003202, STACK3, UDATA)
    g.execute("CF")
    assert (g.vs.cpl, g.vs.iopl, g.vs.iflag, g.cpu.cpl) == (3, 3, True, 3)
    assert g.cpu.get_eflags() & 0x3000 == 0           # the real IOPL stays 0


def test_iretd_at_cpl_3_keeps_if_and_iopl():
    g = Guest(3)
    g.frame(0x2000, UCODE, 0x00003202)
    g.execute("CF")
    assert (g.vs.iflag, g.vs.iopl, g.cpu.eip) == (False, 0, 0x2000)
