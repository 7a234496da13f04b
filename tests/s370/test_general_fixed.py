"""Fixed-point and logical register/storage instructions (GA22-7000 ch. 7):
loads, sign-control loads, add/subtract/compare (RR, RX, halfword), logical
add/subtract/compare, AND/OR/XOR, multiply and divide, with exact registers, CC
and program interruptions; hypothesis properties against Python reference models."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.s370.general_support import RR, RX, run, s32, w

u32 = st.integers(0, 0xFFFFFFFF)
EDGE = st.sampled_from([0, 1, 2, 0x7FFFFFFF, 0x80000000, 0x80000001, 0xFFFFFFFF, 0xFFFFFFFE])
word = st.one_of(u32, EDGE)
PGM_SPEC, PGM_FIXOVF, PGM_FIXDIV = 6, 8, 9


# --------------------------------------------------------------------- loads
def test_lr_copies_and_keeps_cc():
    o = run(RR("LR", 3, 4), regs={4: 0xDEADBEEF}, cc=2)
    assert o.regs[3] == 0xDEADBEEF and o.cc == 2


@pytest.mark.parametrize("value,cc", [(0, 0), (5, 2), (0x80000000, 1), (0xFFFFFFFF, 1)])
def test_ltr_sets_cc_by_sign(value, cc):
    o = run(RR("LTR", 1, 2), regs={2: value})
    assert o.regs[1] == value and o.cc == cc


@pytest.mark.parametrize("value,result,cc", [
    (0, 0, 0), (1, 0xFFFFFFFF, 1), (0xFFFFFFFF, 1, 2), (0x7FFFFFFF, 0x80000001, 1),
    (0x80000000, 0x80000000, 3)])
def test_lcr(value, result, cc):
    o = run(RR("LCR", 1, 2), regs={2: value})
    assert o.regs[1] == result and o.cc == cc and o.pgm is None


@pytest.mark.parametrize("value,result,cc", [
    (0, 0, 0), (7, 7, 2), (0xFFFFFFF9, 7, 2), (0x80000000, 0x80000000, 3)])
def test_lpr(value, result, cc):
    o = run(RR("LPR", 1, 2), regs={2: value})
    assert o.regs[1] == result and o.cc == cc


@pytest.mark.parametrize("value,result,cc", [
    (0, 0, 0), (7, 0xFFFFFFF9, 1), (0xFFFFFFF9, 0xFFFFFFF9, 1), (0x80000000, 0x80000000, 1)])
def test_lnr(value, result, cc):
    o = run(RR("LNR", 1, 2), regs={2: value})
    assert o.regs[1] == result and o.cc == cc


def test_lpr_lcr_overflow_interrupts_when_masked_on():
    # GA22-7000 "Load Positive": max negative -> CC 3, fixed-point overflow (completed)
    o = run(RR("LPR", 1, 2), regs={2: 0x80000000}, pm=8)
    assert o.pgm == (PGM_FIXOVF, 1, 0x1002) and o.cc == 3 and o.regs[1] == 0x80000000
    o = run(RR("LCR", 1, 2), regs={2: 0x80000000}, pm=8)
    assert o.pgm == (PGM_FIXOVF, 1, 0x1002) and o.cc == 3


def test_l_unaligned_and_crossing_2k():
    # S/370 has byte-oriented operands: no alignment for L/ST (GA22-7000 ch. 3)
    o = run(RX("L", 1, 0x7FE) + RX("ST", 1, 0x901), mem={0x7FE: w(0x11223344)})
    assert o.regs[1] == 0x11223344 and o.mem(0x901, 4) == w(0x11223344) and o.pgm is None


def test_l_index_and_base_24bit_wrap():
    # X2 + B2 + D2 wraps at 16M: FFFFF0 + 20 + 0 -> X'10'
    o = run(RX("L", 1, 0x20, x2=2, b2=3), regs={2: 0xFF000000 | 0xFFFFF0, 3: 0},
            mem={0x10: w(0xCAFEF00D)})
    assert o.regs[1] == 0xCAFEF00D


def test_la_clears_high_byte():
    o = run(RX("LA", 1, 0x123, x2=2, b2=3), regs={2: 0xFF000010, 3: 0x12FFFFFF})
    assert o.regs[1] == (0x123 + 0x10 + 0xFFFFFF) & 0xFFFFFF


def test_lh_sign_extends_and_sth_stores_low_half():
    o = run(RX("LH", 1, 0x800) + RX("LH", 2, 0x802) + RX("STH", 3, 0x900),
            regs={3: 0xAAAABBCC}, mem={0x800: bytes.fromhex("80017FFF")})
    assert o.regs[1] == 0xFFFF8001 and o.regs[2] == 0x7FFF
    assert o.mem(0x900, 2) == bytes.fromhex("BBCC")


def test_ic_stc():
    o = run(RX("IC", 1, 0x800) + RX("STC", 2, 0x900), regs={1: 0x12345678, 2: 0x99},
            mem={0x800: b"\xAB"})
    assert o.regs[1] == 0x123456AB and o.mem(0x900, 1) == b"\x99"


def test_st_addressing_exception_beyond_storage():
    # storage is 1M; addressing exception, suppressed: storage unchanged, ILC 2
    o = run(RX("ST", 1, 0, b2=2), regs={1: 5, 2: 0x100000})
    assert o.pgm == (5, 2, 0x1004)


def test_l_addressing_exception_partly_beyond_storage():
    o = run(RX("L", 1, 0, b2=2), regs={1: 5, 2: 0xFFFFE})
    assert o.pgm == (5, 2, 0x1004) and o.regs[1] == 5


# ----------------------------------------------------- add / subtract / compare
def _signed_cc(v):
    return 0 if v == 0 else (1 if v < 0 else 2)


def add_model(a, b):
    r = s32(a) + s32(b)
    if not -2**31 <= r < 2**31:
        return r & 0xFFFFFFFF, 3
    return r & 0xFFFFFFFF, _signed_cc(r)


def sub_model(a, b):
    r = s32(a) - s32(b)
    if not -2**31 <= r < 2**31:
        return r & 0xFFFFFFFF, 3
    return r & 0xFFFFFFFF, _signed_cc(r)


def rr_and_rx(rr: str, rx: str, a: int, b: int, res: int, cc: int) -> None:
    """The RR form (second operand in R2) and the RX form (the word at X'800') both
    leave ``res`` in R1 and condition code ``cc``."""
    o = run(RR(rr, 1, 2), regs={1: a, 2: b})
    assert (o.regs[1], o.cc) == (res, cc)
    o = run(RX(rx, 1, 0x800), regs={1: a}, mem={0x800: w(b)})
    assert (o.regs[1], o.cc) == (res, cc)


@pytest.mark.parametrize("a,b,res,cc", [
    (1, 2, 3, 2), (5, 0xFFFFFFFB, 0, 0), (0, 0xFFFFFFFF, 0xFFFFFFFF, 1),
    (0x7FFFFFFF, 1, 0x80000000, 3), (0x80000000, 0xFFFFFFFF, 0x7FFFFFFF, 3),
    (0x80000000, 0x80000000, 0, 3)])
def test_ar_a_results(a, b, res, cc):
    rr_and_rx("AR", "A", a, b, res, cc)


@pytest.mark.parametrize("a,b,res,cc", [
    (3, 2, 1, 2), (2, 3, 0xFFFFFFFF, 1), (7, 7, 0, 0),
    (0x80000000, 1, 0x7FFFFFFF, 3), (0x7FFFFFFF, 0xFFFFFFFF, 0x80000000, 3)])
def test_sr_s_results(a, b, res, cc):
    rr_and_rx("SR", "S", a, b, res, cc)


def test_sr_same_register_clears():
    o = run(RR("SR", 5, 5), regs={5: 0x80000000})
    assert o.regs[5] == 0 and o.cc == 0


def test_ah_sh_sign_extend_halfword():
    o = run(RX("AH", 1, 0x800) + RX("SH", 2, 0x800), regs={1: 10, 2: 10},
            mem={0x800: bytes.fromhex("FFFE")})
    assert o.regs[1] == 8 and o.regs[2] == 12 and o.cc == 2


def test_ah_overflow():
    o = run(RX("AH", 1, 0x800), regs={1: 0x7FFFFFFF}, mem={0x800: bytes.fromhex("0001")})
    assert o.regs[1] == 0x80000000 and o.cc == 3 and o.pgm is None


def test_fixed_overflow_interruption_when_program_mask_bit_set():
    # completed: result stored, CC 3, old PSW after the instruction, ILC 1 (RR) / 2 (RX)
    o = run(RR("AR", 1, 2), regs={1: 0x7FFFFFFF, 2: 1}, pm=8)
    assert o.pgm == (PGM_FIXOVF, 1, 0x1002) and o.regs[1] == 0x80000000 and o.cc == 3
    o = run(RX("S", 1, 0x800), regs={1: 0x80000000}, mem={0x800: w(1)}, pm=8)
    assert o.pgm == (PGM_FIXOVF, 2, 0x1004) and o.regs[1] == 0x7FFFFFFF


def test_other_program_mask_bits_do_not_enable_fixed_overflow():
    o = run(RR("AR", 1, 2), regs={1: 0x7FFFFFFF, 2: 1}, pm=7)
    assert o.pgm is None and o.cc == 3


@pytest.mark.parametrize("a,b,cc", [(1, 2, 1), (2, 1, 2), (5, 5, 0), (0xFFFFFFFF, 0, 1),
                                    (0x7FFFFFFF, 0x80000000, 2)])
def test_cr_c_ch(a, b, cc):
    assert run(RR("CR", 1, 2), regs={1: a, 2: b}).cc == cc
    assert run(RX("C", 1, 0x800), regs={1: a}, mem={0x800: w(b)}).cc == cc


def test_ch_compares_sign_extended_halfword():
    assert run(RX("CH", 1, 0x800), regs={1: 0xFFFF8000}, mem={0x800: b"\x80\x00"}).cc == 0
    assert run(RX("CH", 1, 0x800), regs={1: 0}, mem={0x800: b"\x80\x00"}).cc == 2


@given(word, word)
def test_add_sub_compare_match_model(a, b):
    o = run(RR("AR", 1, 2) + RR("SR", 3, 2) + RR("CR", 4, 2) + RR("LR", 5, 1) + RR("LR", 1, 4),
            regs={1: a, 2: b, 3: a, 4: a})
    # CR set the CC last; the AR and SR results are in R5 and R3
    assert o.regs[5] == add_model(a, b)[0]
    assert o.regs[3] == sub_model(a, b)[0]
    assert o.cc == (0 if s32(a) == s32(b) else (1 if s32(a) < s32(b) else 2))
    assert run(RR("AR", 1, 2), regs={1: a, 2: b}).cc == add_model(a, b)[1]
    assert run(RR("SR", 1, 2), regs={1: a, 2: b}).cc == sub_model(a, b)[1]


# ------------------------------------------------------------------- logical
@pytest.mark.parametrize("a,b,res,cc", [
    (0, 0, 0, 0), (1, 2, 3, 1), (0xFFFFFFFF, 1, 0, 2), (0xFFFFFFFF, 2, 1, 3)])
def test_alr_al(a, b, res, cc):
    rr_and_rx("ALR", "AL", a, b, res, cc)


@pytest.mark.parametrize("a,b,res,cc", [
    (5, 5, 0, 2), (5, 3, 2, 3), (3, 5, 0xFFFFFFFE, 1), (0, 0, 0, 2), (0, 1, 0xFFFFFFFF, 1)])
def test_slr_sl(a, b, res, cc):
    rr_and_rx("SLR", "SL", a, b, res, cc)


def test_logical_never_interrupts():
    o = run(RR("ALR", 1, 2), regs={1: 0xFFFFFFFF, 2: 0xFFFFFFFF}, pm=15)
    assert o.pgm is None and o.regs[1] == 0xFFFFFFFE and o.cc == 3


@given(word, word)
def test_logical_add_sub_match_model(a, b):
    o = run(RR("ALR", 1, 2), regs={1: a, 2: b})
    r = a + b
    assert o.regs[1] == r & 0xFFFFFFFF
    assert o.cc == (2 if r >> 32 else 0) + (1 if r & 0xFFFFFFFF else 0)
    o = run(RR("SLR", 1, 2), regs={1: a, 2: b})
    r = a + ((~b) & 0xFFFFFFFF) + 1
    assert o.regs[1] == r & 0xFFFFFFFF
    assert o.cc == (2 if r >> 32 else 0) + (1 if r & 0xFFFFFFFF else 0)
    o = run(RR("CLR", 1, 2), regs={1: a, 2: b})
    assert o.cc == (0 if a == b else (1 if a < b else 2))


@pytest.mark.parametrize("a,b,cc", [(1, 2, 1), (0xFFFFFFFF, 0, 2), (7, 7, 0)])
def test_clr_cl(a, b, cc):
    assert run(RR("CLR", 1, 2), regs={1: a, 2: b}).cc == cc
    assert run(RX("CL", 1, 0x800), regs={1: a}, mem={0x800: w(b)}).cc == cc


@pytest.mark.parametrize("rr,rx,fn", [("NR", "N", int.__and__), ("OR", "O", int.__or__),
                                      ("XR", "X", int.__xor__)])
@given(a=word, b=word)
def test_and_or_xor(rr, rx, fn, a, b):
    o = run(RR(rr, 1, 2), regs={1: a, 2: b})
    assert o.regs[1] == fn(a, b) and o.cc == (1 if fn(a, b) else 0)
    o = run(RX(rx, 1, 0x801), regs={1: a}, mem={0x801: w(b)})
    assert o.regs[1] == fn(a, b) and o.cc == (1 if fn(a, b) else 0)


# ------------------------------------------------------------ multiply/divide
def test_mr_m_results():
    o = run(RR("MR", 2, 5), regs={3: 0xFFFFFFFD, 5: 7})         # -3 * 7
    assert (o.regs[2], o.regs[3]) == (0xFFFFFFFF, 0xFFFFFFEB)
    o = run(RX("M", 4, 0x800), regs={5: 0x7FFFFFFF}, mem={0x800: w(0x7FFFFFFF)})
    assert (o.regs[4], o.regs[5]) == (0x3FFFFFFF, 0x00000001)


def test_mr_same_pair_squares_odd_register():
    o = run(RR("MR", 2, 3), regs={2: 99, 3: 0x10000})
    assert (o.regs[2], o.regs[3]) == (1, 0)


def test_mh_keeps_low_32_bits_no_overflow():
    o = run(RX("MH", 1, 0x800), regs={1: 0x40000000}, mem={0x800: b"\x00\x04"}, pm=8, cc=1)
    assert o.regs[1] == 0 and o.pgm is None and o.cc == 1
    o = run(RX("MH", 1, 0x800), regs={1: 3}, mem={0x800: b"\xFF\xFE"})
    assert o.regs[1] == 0xFFFFFFFA


@pytest.mark.parametrize("code", [RR("MR", 3, 4), RX("M", 1, 0x800), RR("DR", 5, 2),
                                  RX("D", 7, 0x800)])
def test_multiply_divide_odd_r1_is_specification(code):
    o = run(code, regs={1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 7: 1}, mem={0x800: w(1)})
    assert o.pgm == (PGM_SPEC, len(code) // 2, 0x1000 + len(code))
    assert o.regs[3] == 1 and o.regs[5] == 1


def test_dr_d_results():
    # -7 / 2 = -3 remainder -1 (remainder has the dividend's sign)
    o = run(RR("DR", 2, 4), regs={2: 0xFFFFFFFF, 3: 0xFFFFFFF9, 4: 2})
    assert (o.regs[2], o.regs[3]) == (0xFFFFFFFF, 0xFFFFFFFD)
    o = run(RX("D", 2, 0x800), regs={2: 0, 3: 100}, mem={0x800: w(0xFFFFFFF9)})
    assert (o.regs[2], o.regs[3]) == (2, 0xFFFFFFF2)


@pytest.mark.parametrize("hi,lo,d", [(0, 5, 0), (1, 0, 1), (0, 0x80000000, 1),
                                     (0xFFFFFFFF, 0x7FFFFFFF, 1)])
def test_divide_exception_suppresses(hi, lo, d):
    o = run(RR("DR", 2, 4), regs={2: hi, 3: lo, 4: d})
    assert o.pgm == (PGM_FIXDIV, 1, 0x1002)
    assert (o.regs[2], o.regs[3]) == (hi, lo)


def test_divide_max_negative_quotient_fits():
    o = run(RR("DR", 2, 4), regs={2: 0xFFFFFFFF, 3: 0x80000000, 4: 1})
    assert o.pgm is None and (o.regs[2], o.regs[3]) == (0, 0x80000000)


@given(word, word, st.integers(0, 0xFFFFFFFF))
def test_multiply_divide_match_model(a, b, hi):
    o = run(RR("MR", 2, 4), regs={3: a, 4: b})
    p = (s32(a) * s32(b)) & 0xFFFFFFFFFFFFFFFF
    assert (o.regs[2], o.regs[3]) == (p >> 32, p & 0xFFFFFFFF)
    n = (hi << 32) | a
    n = n - (1 << 64) if n >> 63 else n
    d = s32(b)
    o = run(RR("DR", 2, 4), regs={2: hi, 3: a, 4: b})
    if d == 0:
        assert o.pgm == (PGM_FIXDIV, 1, 0x1002)
        return
    q = abs(n) // abs(d) * (1 if (n < 0) == (d < 0) else -1)
    if not -2**31 <= q < 2**31:
        assert o.pgm == (PGM_FIXDIV, 1, 0x1002)
        assert (o.regs[2], o.regs[3]) == (hi, a)
    else:
        assert o.pgm is None
        assert o.regs[3] == q & 0xFFFFFFFF and o.regs[2] == (n - q * d) & 0xFFFFFFFF
