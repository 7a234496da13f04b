"""Descriptor and selector formats (80386 PRM 1986, 5.1.3 "Selectors", 5.1.4 Figure
5-3 "General Segment-Descriptor Format", 6.3.4 Figure 6-3 "Format of 80386 Call
Gate", Table 6-1 "System Segment and Gate Types")."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from ia32 import descriptors as d


def test_prm_5_1_4_flat_code_descriptor_decodes():
    # The classic flat ring-0 code descriptor 00CF9A000000FFFF.
    desc = d.decode_bytes(bytes.fromhex("FFFF0000009ACF00"))
    assert desc.base == 0
    assert desc.limit == 0xFFFFFFFF
    assert desc.type == 0xA and desc.s == 1 and desc.dpl == 0 and desc.present == 1
    assert desc.db == 1 and desc.g == 1
    assert desc.is_code and desc.readable and not desc.writable and not desc.conforming
    assert not desc.accessed


def test_prm_5_1_4_scattered_base_and_byte_limit():
    # base 12345678: bits 15..0 in lo 31..16, 23..16 in hi 7..0, 31..24 in hi 31..24
    lo, hi = 0x56780FFF, 0x12409234
    desc = d.decode(lo, hi)
    assert desc.base == 0x12345678
    assert desc.limit == 0x00FFF           # G=0: byte granular, hi 19..16 = 0
    assert desc.type == 2 and desc.dpl == 0 and desc.present == 1 and desc.db == 1
    assert desc.is_data and desc.writable and desc.readable and not desc.expand_down


def test_prm_5_1_4_page_granular_limit_is_scaled():
    desc = d.decode(0x00000001, 0x00809200)
    assert desc.limit == 0x1FFF


def test_prm_table_5_1_expand_down_data_and_conforming_code():
    assert d.decode(*d.segment(0, 0xFFF, 0x6)).expand_down       # data, E=1, W=1
    assert not d.decode(*d.segment(0, 0xFFF, 0xE)).expand_down   # code: bit 2 is C
    assert d.decode(*d.segment(0, 0xFFF, 0xE)).conforming
    assert not d.decode(*d.segment(0, 0xFFF, 0x8)).readable      # execute-only
    assert d.decode(*d.segment(0, 0xFFF, 0x1)).accessed


@pytest.mark.parametrize("type_,tss,busy,gate", [
    (d.TSS286_AVAILABLE, True, False, False), (d.LDT, False, False, False),
    (d.TSS286_BUSY, True, True, False), (d.CALL_GATE286, False, False, True),
    (d.TASK_GATE, False, False, True), (d.INT_GATE286, False, False, True),
    (d.TRAP_GATE286, False, False, True), (d.TSS386_AVAILABLE, True, False, False),
    (d.TSS386_BUSY, True, True, False), (d.CALL_GATE386, False, False, True),
    (d.INT_GATE386, False, False, True), (d.TRAP_GATE386, False, False, True)])
def test_prm_table_6_1_system_types(type_, tss, busy, gate):
    desc = d.decode(*d.segment(0x1000, 0x67, type_, s=0))
    assert desc.is_system and not desc.is_code and not desc.is_data
    assert desc.is_tss == tss and desc.busy == busy and desc.is_gate == gate
    assert not desc.readable and not desc.writable


def test_prm_figure_6_3_call_gate_fields():
    # 386 call gate: selector 0x0028, offset 0x89ABCDEF, DPL 3, 5 dword params
    lo, hi = d.gate(d.CALL_GATE386, 0x28, 0x89ABCDEF, 3, count=5)
    assert lo == 0x0028CDEF
    assert hi == 0x89ABEC05
    g = d.decode(lo, hi)
    assert g.is_gate and g.selector == 0x28 and g.offset == 0x89ABCDEF
    assert g.dpl == 3 and g.count == 5 and g.present and g.is_32bit_system


def test_prm_5_1_4_encoder_known_bytes():
    assert d.to_bytes(d.segment(0, 0xFFFFFFFF, 0xA)) == bytes.fromhex("FFFF0000009ACF00")
    assert d.to_bytes(d.segment(0, 0xFFFFFFFF, 0x2, 3)) == bytes.fromhex("FFFF000000F2CF00")
    with pytest.raises(ValueError):
        d.segment(0, 0x12345678, 0x2)


def test_prm_5_1_3_selector_fields():
    sel = d.selector(5, 1, 3)
    assert sel == 0x2F
    assert d.sel_index(sel) == 5 and d.sel_ti(sel) == 1 and d.sel_rpl(sel) == 3
    assert d.is_null(0) and d.is_null(3) and not d.is_null(4)


def test_prm_9_9_selector_error_code():
    assert d.error_code(0x2F) == 0x2C
    assert d.error_code(0x2F, ext=1) == 0x2D
    assert d.error_code(0x0D * 8, idt=1) == 0x6A


@pytest.mark.parametrize("offset,size,limit,down,big,ok", [
    (0xFFF, 1, 0xFFF, False, True, True),
    (0xFFF, 2, 0xFFF, False, True, False),
    (0x1000, 1, 0xFFF, True, True, True),      # expand-down: above the limit
    (0xFFF, 1, 0xFFF, True, True, False),
    (0xFFFF, 1, 0xFFF, True, False, True),     # B=0: upper bound FFFF
    (0xFFFF, 2, 0xFFF, True, False, False),
    (0xFFFFFFFC, 4, 0xFFF, True, True, True),
])
def test_prm_5_1_4_limit_checks_incl_expand_down(offset, size, limit, down, big, ok):
    assert d.limit_ok(offset, size, limit, down, big) == ok


@given(base=st.integers(0, 0xFFFFFFFF), limit=st.integers(0, 0xFFFFF),
       type_=st.integers(0, 15), dpl=st.integers(0, 3), s=st.integers(0, 1),
       p=st.integers(0, 1), db=st.integers(0, 1), g=st.integers(0, 1),
       avl=st.integers(0, 1))
def test_encode_decode_round_trip(base, limit, type_, dpl, s, p, db, g, avl):
    byte_limit = (limit << 12) | 0xFFF if g else limit
    desc = d.decode(*d.segment(base, byte_limit, type_, dpl, s=s, present=p, db=db,
                               g=g, avl=avl))
    assert (desc.base, desc.limit, desc.type, desc.dpl, desc.s, desc.present, desc.db,
            desc.g, desc.avl) == (base, byte_limit, type_, dpl, s, p, db, g, avl)
