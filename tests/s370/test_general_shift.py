"""Shift instructions (GA22-7000 ch. 7, "Shift Left Single" ... "Shift Right Double"):
the amount is the low six bits of the second-operand address; arithmetic shifts
keep the sign, SLA/SLDA set CC 3 and interrupt (with the program mask bit) when a
bit unlike the sign is lost; double shifts need an even R1."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.s370.general_support import SH, run

u32 = st.integers(0, 0xFFFFFFFF)
u64 = st.integers(0, 0xFFFFFFFFFFFFFFFF)
amount = st.integers(0, 63)


def signed(v, bits):
    return v - (1 << bits) if v >> (bits - 1) else v


def cc_of(v, bits):
    return 0 if v == 0 else (1 if v >> (bits - 1) else 2)


def sla_model(v, n, bits):
    """Reference: shift the signed value, overflow when it no longer fits."""
    s = signed(v, bits)
    r = s << n
    sign = v & (1 << (bits - 1))
    result = sign | ((v << n) & ((1 << (bits - 1)) - 1))
    ovf = not -(1 << (bits - 1)) <= r < (1 << (bits - 1))
    return result, 3 if ovf else cc_of(result, bits)


def test_shift_amount_from_base_plus_displacement_low_six_bits():
    # D2 = X'FC1' with base holding 3: amount (X'FC1' + 3) & 63 = 4
    o = run(SH("SLL", 1, 0xFC1, b2=2), regs={1: 0x0000000F, 2: 3})
    assert o.regs[1] == 0x000000F0


def test_sll_srl_examples_and_cc_unchanged():
    o = run(SH("SLL", 1, 8) + SH("SRL", 2, 31) + SH("SRL", 3, 32), cc=3,
            regs={1: 0x12345678, 2: 0x80000000, 3: 0xFFFFFFFF})
    assert (o.regs[1], o.regs[2], o.regs[3]) == (0x34567800, 1, 0) and o.cc == 3


@pytest.mark.parametrize("value,n,result,cc", [
    (1, 30, 0x40000000, 2), (1, 31, 0, 3), (0xFFFFFFFF, 31, 0x80000000, 1),
    (0xC0000000, 1, 0x80000000, 1), (0xC0000000, 2, 0x80000000, 3),
    (0x7FFFFFFF, 0, 0x7FFFFFFF, 2), (0, 63, 0, 0), (0x40000000, 1, 0, 3)])
def test_sla(value, n, result, cc):
    o = run(SH("SLA", 1, n), regs={1: value})
    assert (o.regs[1], o.cc) == (result, cc)


def test_sla_overflow_interrupts_with_mask():
    o = run(SH("SLA", 1, 1), regs={1: 0x40000000}, pm=8)
    assert o.pgm == (8, 2, 0x1004) and o.regs[1] == 0 and o.cc == 3


@pytest.mark.parametrize("value,n,result,cc", [
    (0x80000000, 31, 0xFFFFFFFF, 1), (0x80000000, 63, 0xFFFFFFFF, 1),
    (0x7FFFFFFF, 30, 1, 2), (0x7FFFFFFF, 31, 0, 0)])
def test_sra(value, n, result, cc):
    o = run(SH("SRA", 1, n), regs={1: value})
    assert (o.regs[1], o.cc) == (result, cc)


def test_double_shifts_examples():
    o = run(SH("SLDL", 2, 4) + SH("SRDL", 4, 36) + SH("SRDA", 6, 32) + SH("SLDA", 8, 1),
            regs={2: 0x12345678, 3: 0x9ABCDEF0, 4: 0xF0000000, 5: 0, 6: 0x80000000, 7: 5,
                  8: 0x40000000, 9: 0})
    assert (o.regs[2], o.regs[3]) == (0x23456789, 0xABCDEF00)
    assert (o.regs[4], o.regs[5]) == (0, 0x0F000000)
    assert (o.regs[6], o.regs[7]) == (0xFFFFFFFF, 0x80000000)
    assert (o.regs[8], o.regs[9]) == (0, 0)            # SLDA lost a one: overflow
    assert o.cc == 3


@pytest.mark.parametrize("mn", ["SLDL", "SRDL", "SLDA", "SRDA"])
def test_double_shift_odd_register_is_specification(mn):
    o = run(SH(mn, 3, 1), regs={3: 1, 4: 1})
    assert o.pgm == (6, 2, 0x1004) and o.regs[3] == 1 and o.regs[4] == 1


@given(u32, amount)
def test_single_shifts_match_model(v, n):
    o = run(SH("SLL", 1, n) + SH("SRL", 2, n) + SH("SRA", 3, n) + SH("SLA", 4, n),
            regs={1: v, 2: v, 3: v, 4: v})
    assert o.regs[1] == (v << n) & 0xFFFFFFFF
    assert o.regs[2] == v >> n
    assert o.regs[3] == (signed(v, 32) >> n) & 0xFFFFFFFF
    result, cc = sla_model(v, n, 32)
    assert o.regs[4] == result and o.cc == cc
    assert run(SH("SRA", 3, n), regs={3: v}).cc == cc_of((signed(v, 32) >> n) & 0xFFFFFFFF, 32)


@given(u64, amount)
def test_double_shifts_match_model(v, n):
    hi, lo = v >> 32, v & 0xFFFFFFFF
    o = run(SH("SLDL", 2, n) + SH("SRDL", 4, n) + SH("SRDA", 6, n) + SH("SLDA", 8, n),
            regs={2: hi, 3: lo, 4: hi, 5: lo, 6: hi, 7: lo, 8: hi, 9: lo})

    def pair(r):
        return (o.regs[r] << 32) | o.regs[r + 1]

    assert pair(2) == (v << n) & 0xFFFFFFFFFFFFFFFF
    assert pair(4) == v >> n
    assert pair(6) == (signed(v, 64) >> n) & 0xFFFFFFFFFFFFFFFF
    result, cc = sla_model(v, n, 64)
    assert pair(8) == result and o.cc == cc
    srda = (signed(v, 64) >> n) & 0xFFFFFFFFFFFFFFFF
    assert run(SH("SRDA", 6, n), regs={6: hi, 7: lo}).cc == cc_of(srda, 64)
