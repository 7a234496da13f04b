"""Segment-register loads in protected mode and the checks behind them (80386 PRM 1986
6.3.1 "Type Checking", 6.3.2 "Privilege Checks", 17 MOV/POP/LDS "Protected Mode
Exceptions", 9.9 "Error Code"), limits incl. expand-down (5.1.4)."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from ia32 import descriptors as D
from ia32 import segments
from ia32.errors import GP, NP, SS as SS_FAULT
from ia32.state import DS, ES, SS

from .pm_support import DATA0_SEL, DATA3_SEL, GDT, PM, TSS_SEL, fault, machine, nasm

pm = pytest.fixture(name="pm")(machine)


def test_prm_6_3_mov_ds_loads_cache_and_sets_accessed(pm):
    sel = pm.gdt(9, D.segment(0x12345000, 0xFFF, 0x2, 0))     # data, not yet accessed
    segments.load_sreg(pm.cpu, DS, sel)
    seg = pm.cpu.sregs[DS]
    assert (seg.selector, seg.base, seg.limit) == (sel, 0x12345000, 0xFFF)
    assert seg.rights == 0x409300                             # P, S, data RW, A; B=1
    assert pm.descriptor_hi(sel) & D.HI_ACCESSED


def test_prm_6_3_null_selector_loads_then_access_is_gp0(pm):
    segments.load_sreg(pm.cpu, ES, 3)
    assert pm.cpu.sregs[ES].selector == 3
    assert fault(pm.cpu.read_u8, ES, 0) == (GP, 0)
    assert fault(pm.cpu.write_u32, ES, 0, 1) == (GP, 0)


def test_prm_6_3_1_selector_beyond_gdt_limit_is_gp_selector(pm):
    assert fault(segments.load_sreg, pm.cpu, DS, 32 * 8 + 3) == (GP, 32 * 8)


def test_prm_6_3_1_ldt_selector_with_null_ldtr_is_gp(pm):
    assert fault(segments.load_sreg, pm.cpu, DS, 0x0C) == (GP, 0x0C)


def test_prm_6_3_1_ldt_selector_loads_from_ldt(pm):
    pm.load_ldtr()
    sel = pm.ldt(2, D.segment(0x4000, 0x1FF, 0x2, 0))
    segments.load_sreg(pm.cpu, DS, sel)
    assert pm.cpu.sregs[DS].base == 0x4000 and pm.cpu.sregs[DS].selector == 0x14


@pytest.mark.parametrize("type_,ok", [(0x8, False), (0xA, True), (0xE, True), (0x0, True)])
def test_prm_6_3_1_data_register_needs_data_or_readable_code(pm, type_, ok):
    sel = pm.gdt(9, D.segment(0, 0xFFFF, type_, 0))
    if ok:
        segments.load_sreg(pm.cpu, DS, sel)
    else:
        assert fault(segments.load_sreg, pm.cpu, DS, sel) == (GP, 0x48)


def test_prm_6_3_1_system_descriptor_into_ds_is_gp(pm):
    assert fault(segments.load_sreg, pm.cpu, DS, TSS_SEL) == (GP, TSS_SEL)


def test_prm_6_3_2_cpl3_cannot_load_dpl0_data(pm):
    pm.enter(3)
    assert fault(segments.load_sreg, pm.cpu, DS, DATA0_SEL) == (GP, DATA0_SEL)
    segments.load_sreg(pm.cpu, DS, DATA3_SEL)


def test_prm_6_3_2_rpl_above_dpl_is_gp_even_at_cpl0(pm):
    assert fault(segments.load_sreg, pm.cpu, DS, DATA0_SEL | 3) == (GP, DATA0_SEL)


def test_prm_6_3_2_conforming_readable_code_ignores_privilege(pm):
    sel = pm.gdt(9, D.segment(0, 0xFFFF, 0xE, 0))
    pm.enter(3)
    segments.load_sreg(pm.cpu, DS, sel | 3)
    assert pm.cpu.sregs[DS].selector == sel | 3


def test_prm_17_mov_not_present_is_np_selector(pm):
    sel = pm.gdt(9, D.segment(0, 0xFFFF, 0x2, 0, present=0))
    assert fault(segments.load_sreg, pm.cpu, DS, sel) == (NP, sel)


@pytest.mark.parametrize("pair,sel_rpl,expect", [
    (None, 0, (GP, 0)),                                           # null
    (D.segment(0, 0xFFFF, 0x2, 0), 3, (GP, 0x48)),                 # RPL != CPL
    (D.segment(0, 0xFFFF, 0x0, 0), 0, (GP, 0x48)),                 # read-only
    (D.segment(0, 0xFFFF, 0xA, 0), 0, (GP, 0x48)),                 # code
    (D.segment(0, 0xFFFF, 0x2, 3), 0, (GP, 0x48)),                 # DPL != CPL
    (D.segment(0, 0xFFFF, 0x2, 0, present=0), 0, (SS_FAULT, 0x48)),  # not present
])
def test_prm_17_mov_ss_checks(pm, pair, sel_rpl, expect):
    sel = 0 if pair is None else pm.gdt(9, pair)
    assert fault(segments.load_sreg, pm.cpu, SS, sel | sel_rpl) == expect


def test_prm_5_1_4_expand_down_limits(pm):
    sel = pm.gdt(9, D.segment(0x20000, 0xFFF, 0x6, 0))             # expand-down, B=1
    segments.load_sreg(pm.cpu, DS, sel)
    assert fault(pm.cpu.read_u8, DS, 0xFFF) == (GP, 0)
    pm.cpu.write_u32(DS, 0x1000, 0xAABBCCDD)
    assert pm.r32(0x21000) == 0xAABBCCDD
    pm.cpu.read_u32(DS, 0xFFFFFFFC)
    sel16 = pm.gdt(10, D.segment(0x20000, 0xFFF, 0x6, 0, db=0))     # B=0: top is FFFF
    segments.load_sreg(pm.cpu, SS, sel16)
    pm.cpu.read_u16(SS, 0xFFFE)
    assert fault(pm.cpu.read_u16, SS, 0xFFFF) == (SS_FAULT, 0)


def test_prm_9_9_program_mov_ds_not_present_delivers_np_with_selector(pm):
    # #NP handler: pop the error code into EAX, take the pushed EIP into EBX, halt
    handler = nasm("pop eax\npop ebx\nhlt", org=0x3000)
    pm.load(0x3000, handler)
    pm.idt(11, D.gate(D.INT_GATE386, 0x08, 0x3000, 0))
    sel = pm.gdt(9, D.segment(0, 0xFFFF, 0x2, 0, present=0))
    code = nasm(f"mov ax, {sel}\nmov ds, ax\nhlt")
    assert pm.run(code) == "hlt"
    R = pm.cpu.regs
    assert R[0] == sel and R[3] == 0x1004        # the faulting MOV DS (after 4-byte mov)
    assert pm.cpu.sregs[DS].selector == DATA0_SEL


def test_accessed_bit_write_goes_to_gdt_memory(pm):
    sel = pm.gdt(9, D.segment(0, 0xFFFF, 0x2, 0))
    before = pm.r32(GDT + 0x48 + 4)
    segments.load_sreg(pm.cpu, ES, sel)
    assert pm.r32(GDT + 0x48 + 4) == before | 0x100


# -- the property: every data and stack segment load against the manual's rules --------

def expected_load(sreg_is_ss, present, s, type_, dpl, rpl, cpl):
    """The outcome of MOV DS/SS, written from PRM 17 MOV "Protected Mode Exceptions"
    as a decision list: None (loaded) or (vector, uses the selector)."""
    code = s and type_ >= 8
    if sreg_is_ss:
        writable_data = s and not code and type_ & 2
        if rpl != cpl or not writable_data or dpl != cpl:
            return GP, True
        return None if present else (SS_FAULT, True)
    readable = s and (not code or type_ & 2)
    conforming = code and type_ & 4
    if not readable:
        return GP, True
    if not conforming and (rpl > dpl or cpl > dpl):
        return GP, True
    return None if present else (NP, True)


@given(sreg_is_ss=st.booleans(), present=st.integers(0, 1), s=st.integers(0, 1),
       type_=st.integers(0, 15), dpl=st.integers(0, 3), rpl=st.integers(0, 3),
       cpl=st.sampled_from([0, 1, 3]))
def test_property_segment_loads_follow_prm_17_mov(sreg_is_ss, present, s, type_, dpl, rpl,
                                                   cpl):
    pm = PM()
    sel = (pm.gdt(9, D.segment(0x30000, 0xFFFF, type_, dpl, s=s, present=present)) & ~3) | rpl
    pm.enter(cpl)
    sreg = SS if sreg_is_ss else DS
    expect = expected_load(sreg_is_ss, present, s, type_, dpl, rpl, cpl)
    if expect is None:
        segments.load_sreg(pm.cpu, sreg, sel)
        seg = pm.cpu.sregs[sreg]
        assert (seg.selector, seg.base, seg.limit) == (sel, 0x30000, 0xFFFF)
        assert pm.descriptor_hi(sel) & D.HI_ACCESSED
    else:
        before = pm.descriptor_hi(sel)
        assert fault(segments.load_sreg, pm.cpu, sreg, sel) == (expect[0], sel & ~3)
        assert pm.descriptor_hi(sel) == before          # a refused load sets no A bit
