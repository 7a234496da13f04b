"""Hexadecimal floating point (GA22-7000 chapter 9): exact register images, CC,
interruption codes, ILC and old PSW, and hypothesis properties against an exact
rational (Fraction) model that applies the architected truncation."""
from __future__ import annotations

from fractions import Fraction

from hypothesis import given, strategies as st

from s370.isa import hfp
from tests.s370.helpers import CODE
from tests.s370.test_decimal import completed, interrupted, mem, run, rx

A = 0x400


def rr(op: int, r1: int, r2: int) -> str:
    return f"{op:02X}{r1:X}{r2:X}"


ONE_S, TWO_S, HALF_S, MONE_S = 0x41100000, 0x41200000, 0x40800000, 0xC1100000
ONE_L = 0x4110000000000000
LOW = 0x0123456789ABCDEF            # a right half that short operations must keep


def short(v: int, low: int = LOW) -> int:
    """A register image holding short value v in its left half."""
    return (v << 32) | (low & 0xFFFFFFFF)


# ----------------------------------------------------------- loads, stores
def test_ler_keeps_right_half_of_target():
    m = run(rr(0x38, 0, 2), fpr={0: 0xAAAAAAAABBBBBBBB, 2: 0x41100000CCCCCCCC})
    assert m.cpu.fpr[0] == 0x41100000BBBBBBBB
    completed(m, 2)


def test_ldr_le_ld_ste_std():
    code = rr(0x28, 4, 2) + rx(0x78, 6, A) + rx(0x68, 0, A + 8) + rx(0x70, 2, A + 16) \
        + rx(0x60, 4, A + 24)
    m = run(code, mem={A: "C2123456", A + 8: "4E000000FFFFFFFF"},
            fpr={2: 0x4210000011111111, 6: 0x1122334455667788})
    assert m.cpu.fpr[4] == 0x4210000011111111
    assert m.cpu.fpr[6] == 0xC212345655667788
    assert m.cpu.fpr[0] == 0x4E000000FFFFFFFF
    assert mem(m, A + 16, 4) == "42100000"
    assert mem(m, A + 24, 8) == "4210000011111111"
    completed(m, 2 + 4 * 4)


def test_le_unaligned_operand_is_allowed():
    m = run(rx(0x78, 0, A + 1), mem={A + 1: "41100000"})
    assert m.cpu.fpr[0] >> 32 == ONE_S


def test_le_addressing_exception():
    m = run("78005000", regs={5: 0x20000})        # beyond 64K of storage
    interrupted(m, 0x05, 2, CODE + 4)


def test_invalid_register_numbers_are_specification():
    for code, ilc in ((rr(0x3A, 1, 2), 1), (rr(0x2A, 0, 8), 1), (rx(0x78, 3, A), 2),
                      (rr(0x36, 2, 0), 1), (rr(0x36, 0, 6), 1), (rr(0x26, 4, 2), 1),
                      (rx(0x67, 2, A), 2), (rr(0x27, 6, 0), 1), (rr(0x25, 0, 2), 1),
                      (rx(0x60, 7, A), 2)):
        m = run(code, fpr={0: ONE_L})
        interrupted(m, 0x06, ilc, CODE + 2 * ilc)
        assert m.cpu.fpr[0] == ONE_L


# ----------------------------------------------------- sign manipulation
def test_load_and_test_cc():
    for v, cc in ((ONE_S, 2), (MONE_S, 1), (0x80000000, 0), (0x45000000, 0)):
        m = run(rr(0x32, 2, 4), fpr={4: short(v)})
        assert m.cpu.fpr[2] >> 32 == v
        completed(m, 2, cc=cc)


def test_lcer_makes_minus_zero_and_keeps_right_half():
    m = run(rr(0x33, 0, 2), fpr={0: 0x12345678, 2: short(0)})
    assert m.cpu.fpr[0] == 0x8000000012345678
    completed(m, 2, cc=0)


def test_lpdr_lndr_lcdr():
    m = run(rr(0x20, 0, 2) + rr(0x21, 4, 2) + rr(0x23, 6, 4), fpr={2: 0xC110000000000001})
    assert m.cpu.fpr[0] == 0x4110000000000001
    assert m.cpu.fpr[4] == 0xC110000000000001
    assert m.cpu.fpr[6] == 0x4110000000000001
    completed(m, 6, cc=2)


def test_lner_of_zero_fraction_gives_cc0():
    m = run(rr(0x31, 0, 0), fpr={0: short(0x42000000)})
    assert m.cpu.fpr[0] >> 32 == 0xC2000000
    completed(m, 2, cc=0)


# ---------------------------------------------------------- add/subtract
def test_aer_one_plus_one():
    m = run(rr(0x3A, 0, 2), fpr={0: short(ONE_S), 2: short(ONE_S, 7)})
    assert m.cpu.fpr[0] == short(TWO_S)
    completed(m, 2, cc=2)


def test_ae_guard_digit_gives_exact_difference():
    # 1 - X'40FFFFFF' = 16**-6: exact only because of the guard digit
    m = run(rx(0x7B, 0, A), mem={A: "40FFFFFF"}, fpr={0: short(ONE_S)})
    assert m.cpu.fpr[0] >> 32 == 0x3B100000
    completed(m, 4, cc=2)


def test_ser_digits_beyond_guard_are_truncated_before_subtraction():
    # 1 - X'3FFFFFFF': the last F of the subtrahend is lost, so the result is
    # X'40F00001', not the truncated exact difference X'40F00000'
    m = run(rr(0x3B, 0, 2), fpr={0: short(ONE_S), 2: short(0x3FFFFFFF)})
    assert m.cpu.fpr[0] >> 32 == 0x40F00001
    completed(m, 2, cc=2)


def test_adr_long_with_carry():
    m = run(rr(0x2A, 0, 2), fpr={0: 0x41FFFFFFFFFFFFFF, 2: 0x4110000000000000})
    # 0.FFFFFFFFFFFFFF*16 + 1 = 16.FFFFFFFFFFFFF(F lost) -> X'4210FFFFFFFFFFFF'
    assert m.cpu.fpr[0] == 0x4210FFFFFFFFFFFF
    completed(m, 2, cc=2)


def test_aer_zero_sum_without_significance_mask_is_true_zero():
    m = run(rr(0x3A, 0, 2), fpr={0: short(ONE_S), 2: short(MONE_S)})
    assert m.cpu.fpr[0] == short(0)
    completed(m, 2, cc=0)


def test_aer_zero_sum_with_significance_mask_keeps_characteristic():
    m = run(rr(0x3A, 0, 2), fpr={0: short(ONE_S), 2: short(MONE_S)}, pm=1)
    assert m.cpu.fpr[0] == short(0x41000000)
    interrupted(m, 0x0E, 1, CODE + 2, cc=0)


def test_aer_exponent_overflow_wraps_characteristic():
    m = run(rr(0x3A, 0, 2), fpr={0: short(0x7F800000), 2: short(0x7F800000)})
    assert m.cpu.fpr[0] >> 32 == 0x00100000
    interrupted(m, 0x0C, 1, CODE + 2, cc=2)


def test_ser_exponent_underflow_masked_and_unmasked():
    regs = {0: short(0x80100000), 2: short(0x800F0000)}   # difference -16**-66
    m = run(rr(0x3B, 0, 2), fpr=regs)
    assert m.cpu.fpr[0] == short(0)
    completed(m, 2, cc=0)
    m = run(rr(0x3B, 0, 2), fpr=regs, pm=2)
    assert m.cpu.fpr[0] >> 32 == 0xFF100000
    interrupted(m, 0x0D, 1, CODE + 2, cc=1)


def test_ae_zero_operand_with_large_characteristic_shifts_other_out():
    # an unnormalized zero participates in alignment (the AW X'4E...' idiom)
    m = run(rx(0x6E, 0, A), mem={A: "4E00000000000000"}, fpr={0: 0x4712345678000000})
    assert m.cpu.fpr[0] == 0x4E00000001234567
    completed(m, 4, cc=2)


def test_aur_does_not_normalize():
    m = run(rr(0x3E, 0, 2), fpr={0: short(0x42001000), 2: short(0x42000100)})
    assert m.cpu.fpr[0] >> 32 == 0x42001100
    completed(m, 2, cc=2)


def test_sur_zero_result_significance():
    m = run(rr(0x3F, 0, 2), fpr={0: short(0x42001000), 2: short(0x42001000)}, pm=1)
    assert m.cpu.fpr[0] >> 32 == 0x42000000
    interrupted(m, 0x0E, 1, CODE + 2, cc=0)


def test_sw_long_unnormalized_subtract():
    m = run(rx(0x6F, 2, A), mem={A: "C600000000000001"}, fpr={2: 0x4600000000000001})
    assert m.cpu.fpr[2] == 0x4600000000000002
    completed(m, 4, cc=2)


def test_axr_extended_pairs():
    fpr = {0: ONE_L, 2: 0x3300000000000001, 4: 0xC100000000000000 | 0x08000000000000,
           6: 0x3300000000000000}
    m = run(rr(0x36, 0, 4), fpr=fpr)
    # 1 + 16**-28 - 0.5 = 0.5 + 16**-28
    assert (m.cpu.fpr[0], m.cpu.fpr[2]) == (0x4080000000000000, 0x3200000000000010)
    completed(m, 2, cc=2)


def test_sxr_to_zero_with_significance_mask():
    m = run(rr(0x37, 4, 4), fpr={4: ONE_L, 6: 0x3300000000000005}, pm=1)
    assert (m.cpu.fpr[4], m.cpu.fpr[6]) == (0x4100000000000000, 0x3300000000000000)
    interrupted(m, 0x0E, 1, CODE + 2, cc=0)


# ------------------------------------------------------------- compare
def test_compare_short_and_long():
    for code, regs, cc in (
            (rr(0x39, 0, 2), {0: short(ONE_S), 2: short(TWO_S)}, 1),
            (rr(0x39, 0, 2), {0: short(0x80000000), 2: short(0x45000000)}, 0),
            (rr(0x29, 0, 2), {0: 0xC110000000000000, 2: 0xC200000000000001}, 1),
            (rr(0x29, 0, 2), {0: ONE_L, 2: 0x4201000000000000}, 0)):
        m = run(code, fpr=regs)
        completed(m, 2, cc=cc)
        assert m.cpu.fpr[0] == regs[0]


def test_ce_no_exceptions_even_with_masks():
    m = run(rx(0x79, 0, A), mem={A: "00100000"}, fpr={0: short(0x00100000)}, pm=3)
    completed(m, 4, cc=0)


# ------------------------------------------------------ multiply, divide
def test_mer_short_operands_long_result():
    m = run(rr(0x3C, 0, 2), fpr={0: short(0x41200000), 2: short(0x41300000)})
    assert m.cpu.fpr[0] == 0x4160000000000000
    completed(m, 2)


def test_me_keeps_all_twelve_product_digits():
    m = run(rx(0x7C, 0, A), mem={A: "40FFFFFF"}, fpr={0: short(0x40FFFFFF)})
    assert m.cpu.fpr[0] == 0x40FFFFFE00000100


def test_mdr_prenormalizes_unnormalized_operands():
    m = run(rr(0x2C, 0, 2), fpr={0: 0x4300100000000000, 2: 0x4300000000000100})
    # X'4300100000000000' = 1 and X'4300000000000100' = 16**-9
    assert m.cpu.fpr[0] == 0x3810000000000000


def test_multiply_by_zero_fraction_is_true_zero():
    m = run(rr(0x2C, 0, 2), fpr={0: 0xC500000000000000, 2: 0x7F12345678000000}, pm=3)
    assert m.cpu.fpr[0] == 0
    completed(m, 2)


def test_mdr_exponent_overflow_and_underflow():
    # 16**62 squared = 0.1 * 16**125: characteristic 189 wraps to 61 (X'3D')
    m = run(rr(0x2C, 0, 2), fpr={0: 0x7F10000000000000, 2: 0x7F10000000000000})
    assert m.cpu.fpr[0] == 0x3D10000000000000
    interrupted(m, 0x0C, 1, CODE + 2)
    # 16**-64 squared = 0.1 * 16**-127: characteristic -63 wraps to 65 (X'41')
    m = run(rr(0x2C, 0, 2), fpr={0: 0x0110000000000000, 2: 0x0110000000000000}, pm=2)
    assert m.cpu.fpr[0] == 0x4110000000000000
    interrupted(m, 0x0D, 1, CODE + 2)
    m = run(rr(0x2C, 0, 2), fpr={0: 0x0110000000000000, 2: 0x0110000000000000})
    assert m.cpu.fpr[0] == 0
    completed(m, 2)


def test_mxdr_and_mxr():
    m = run(rr(0x27, 0, 2), fpr={0: 0x4130000000000000, 2: 0x4150000000000000})
    assert (m.cpu.fpr[0], m.cpu.fpr[2]) == (0x41F0000000000000, 0x3300000000000000)
    m = run(rx(0x67, 4, A), mem={A: "4110000000000001"}, fpr={4: 0x4110000000000001})
    # (1 + 16**-13)**2 = 1 + 2*16**-13 + 16**-26
    assert (m.cpu.fpr[4], m.cpu.fpr[6]) == (0x4110000000000002, 0x3300000000000010)
    m = run(rr(0x26, 0, 4), fpr={0: ONE_L, 2: 0x3300000000000001, 4: 0xC120000000000000,
                                 6: 0xB300000000000000})
    assert (m.cpu.fpr[0], m.cpu.fpr[2]) == (0xC120000000000000, 0xB300000000000002)


def test_der_quotient():
    m = run(rr(0x3D, 0, 2), fpr={0: short(ONE_S), 2: short(0x41400000)})
    assert m.cpu.fpr[0] == short(0x40400000)
    completed(m, 2)


def test_dd_truncates_one_third():
    m = run(rx(0x6D, 0, A), mem={A: "4130000000000000"}, fpr={0: ONE_L})
    assert m.cpu.fpr[0] == 0x4055555555555555


def test_ddr_by_zero_is_fp_divide_and_suppresses():
    m = run(rr(0x2D, 0, 2), fpr={0: ONE_L, 2: 0x4500000000000000})
    assert m.cpu.fpr[0] == ONE_L
    interrupted(m, 0x0F, 1, CODE + 2)


def test_de_zero_dividend_is_true_zero():
    m = run(rx(0x7D, 0, A), mem={A: "41100000"}, fpr={0: short(0xC5000000)})
    assert m.cpu.fpr[0] == short(0)


# ---------------------------------------------------- halve, load rounded
def test_her_keeps_right_half():
    m = run(rr(0x34, 0, 2), fpr={0: 0x55, 2: short(ONE_S)})
    assert m.cpu.fpr[0] == short(HALF_S, 0x55)
    completed(m, 2)


def test_hdr_shifts_out_one_bit_only():
    m = run(rr(0x24, 0, 2), fpr={2: 0xC230000000000001})
    assert m.cpu.fpr[0] == 0xC218000000000000


def test_her_underflow():
    m = run(rr(0x34, 0, 2), fpr={2: short(0x00100000)})
    assert m.cpu.fpr[0] >> 32 == 0
    m = run(rr(0x34, 0, 2), fpr={2: short(0x00100000)}, pm=2)
    assert m.cpu.fpr[0] >> 32 == 0x7F800000
    interrupted(m, 0x0D, 1, CODE + 2)


def test_lrer_rounds_and_keeps_right_half():
    m = run(rr(0x35, 0, 2), fpr={0: 0x99, 2: 0xC112345680000000})
    assert m.cpu.fpr[0] == 0xC112345700000099
    m = run(rr(0x35, 0, 2), fpr={2: 0x41FFFFFF80000000})
    assert m.cpu.fpr[0] >> 32 == 0x42100000
    m = run(rr(0x35, 0, 2), fpr={2: 0x411234567FFFFFFF})
    assert m.cpu.fpr[0] >> 32 == 0x41123456


def test_lrer_exponent_overflow():
    m = run(rr(0x35, 0, 2), fpr={2: 0x7FFFFFFFF0000000})
    assert m.cpu.fpr[0] >> 32 == 0x00100000
    interrupted(m, 0x0C, 1, CODE + 2)


def test_lrdr_rounds_extended_to_long():
    m = run(rr(0x25, 2, 4), fpr={4: 0x4112345678901234, 6: 0x3380000000000000})
    assert m.cpu.fpr[2] == 0x4112345678901235
    m = run(rr(0x25, 2, 4), fpr={4: 0x4112345678901234, 6: 0x337FFFFFFFFFFFFF})
    assert m.cpu.fpr[2] == 0x4112345678901234
    completed(m, 2)


# ------------------------------------------------ display conversions
def test_to_float_and_from_number():
    assert hfp.to_float(ONE_L) == 1.0
    assert hfp.to_float(MONE_S, hfp.SHORT) == -1.0
    assert hfp.from_number(1) == ONE_L
    assert hfp.from_number("0.1", hfp.SHORT) == 0x4019999A
    assert hfp.from_number("0.1", hfp.SHORT, rounded=False) == 0x40199999
    assert hfp.from_number(-255.5, hfp.SHORT) == 0xC2FF8000


# ------------------------------------------------ properties vs Fractions
def operand(nd: int, lo: int, hi: int, normalized: bool = False):
    """Packed HFP values with characteristics in [lo, hi]."""
    top = 1 << (4 * nd)
    frac = st.integers(top >> 4 if normalized else 1, top - 1)
    return st.builds(lambda s, c, f: hfp.pack(s, c, f, nd), st.integers(0, 1),
                     st.integers(lo, hi), frac)


def value(v: int, nd: int) -> Fraction:
    s, c, f = hfp.unpack(v, nd)
    x = Fraction(f) * Fraction(16) ** (c - 64 - nd)
    return -x if s else x


def trunc(x: Fraction, unit: Fraction) -> Fraction:
    q = abs(x) // unit * unit
    return -q if x < 0 else q


def normalized_packed(x: Fraction, nd: int) -> int:
    """The normalized nd-digit packed value of x, truncated; 0 for x == 0 and,
    as exponent underflow with the mask off gives, for |x| < 16**-65."""
    if x == 0:
        return 0
    e = 0
    while abs(x) >= Fraction(16) ** e:
        e += 1
    while abs(x) < Fraction(16) ** (e - 1):
        e -= 1
    if e + 64 < 0:
        return 0
    assert e + 64 <= 127, "the properties keep results in range"
    f = int(abs(x) / Fraction(16) ** (e - nd))
    return hfp.pack(1 if x < 0 else 0, e + 64, f, nd)


def guarded_sum(a: int, b: int, nd: int) -> tuple[Fraction, int]:
    """The intermediate sum: the operand with the smaller characteristic keeps
    only one digit beyond the other's fraction."""
    ca, cb = hfp.unpack(a, nd)[1], hfp.unpack(b, nd)[1]
    big, small = (a, b) if ca >= cb else (b, a)
    cmax = max(ca, cb)
    unit = Fraction(16) ** (cmax - 64 - nd - 1)
    return value(big, nd) + trunc(value(small, nd), unit), cmax


def get(m, r: int, nd: int) -> int:
    return hfp.get(m.cpu, r, nd)


FORMS = {  # nd -> (add RR, subtract RR, multiply RR, divide RR, compare RR)
    hfp.SHORT: (0x3A, 0x3B, 0x3C, 0x3D, 0x39),
    hfp.LONG: (0x2A, 0x2B, 0x2C, 0x2D, 0x29),
}


def load(nd: int, v: int) -> int:
    return short(v) if nd == hfp.SHORT else v


@given(st.data(), st.sampled_from([hfp.SHORT, hfp.LONG]), st.booleans())
def test_property_add_subtract_match_guard_digit_model(data, nd, subtract):
    a = data.draw(operand(nd, 40, 90))
    b = data.draw(operand(nd, 40, 90))
    op = FORMS[nd][1 if subtract else 0]
    m = run(rr(op, 0, 2), fpr={0: load(nd, a), 2: load(nd, b)})
    s, _ = guarded_sum(a, b ^ hfp.SIGN[nd] if subtract else b, nd)
    want = normalized_packed(s, nd)
    assert get(m, 0, nd) == want
    completed(m, 2, cc=0 if s == 0 else (1 if s < 0 else 2))


@given(st.data(), st.sampled_from([hfp.SHORT, hfp.LONG]))
def test_property_unnormalized_add_matches_model(data, nd):
    a = data.draw(operand(nd, 40, 90))
    b = data.draw(operand(nd, 40, 90))
    m = run(rr(0x3E if nd == hfp.SHORT else 0x2E, 0, 2), fpr={0: load(nd, a), 2: load(nd, b)})
    s, c = guarded_sum(a, b, nd)
    if abs(s) >= Fraction(16) ** (c - 64):
        c += 1
    f = int(abs(s) / Fraction(16) ** (c - 64 - nd))
    want = hfp.pack(1 if s < 0 else 0, c, f, nd) if f else 0
    assert get(m, 0, nd) == want


@given(st.data(), st.sampled_from([hfp.SHORT, hfp.LONG]))
def test_property_multiply_matches_exact_product_truncated(data, nd):
    a = data.draw(operand(nd, 48, 80))
    b = data.draw(operand(nd, 48, 80))
    m = run(rr(FORMS[nd][2], 0, 2), fpr={0: load(nd, a), 2: load(nd, b)})
    out = hfp.LONG                               # MER gives a long result
    assert get(m, 0, out) == normalized_packed(value(a, nd) * value(b, nd), out)


@given(operand(hfp.LONG, 56, 72), operand(hfp.LONG, 56, 72))
def test_property_mxdr_and_mxr_match_exact_product(a, b):
    m = run(rr(0x27, 0, 4) + rr(0x26, 0, 0), fpr={0: a, 4: b})
    p = value(a, hfp.LONG) * value(b, hfp.LONG)
    assert get(m, 0, hfp.EXT) == normalized_packed(
        value(normalized_packed(p, hfp.EXT), hfp.EXT) ** 2, hfp.EXT)


@given(st.data(), st.sampled_from([hfp.SHORT, hfp.LONG]))
def test_property_divide_matches_exact_quotient_truncated(data, nd):
    a = data.draw(operand(nd, 48, 80))
    b = data.draw(operand(nd, 48, 80))
    m = run(rr(FORMS[nd][3], 0, 2), fpr={0: load(nd, a), 2: load(nd, b)})
    assert get(m, 0, nd) == normalized_packed(value(a, nd) / value(b, nd), nd)


@given(st.data(), st.sampled_from([hfp.SHORT, hfp.LONG]))
def test_property_compare_matches_guarded_difference(data, nd):
    a = data.draw(operand(nd, 60, 70))
    b = data.draw(operand(nd, 60, 70))
    m = run(rr(FORMS[nd][4], 0, 2), fpr={0: load(nd, a), 2: load(nd, b)})
    d, _ = guarded_sum(a, b ^ hfp.SIGN[nd], nd)
    completed(m, 2, cc=0 if d == 0 else (1 if d < 0 else 2))
    if value(a, nd) != value(b, nd) and hfp.unpack(a, nd)[1] == hfp.unpack(b, nd)[1]:
        assert d != 0                            # equal characteristics: exact


@given(operand(hfp.EXT, 40, 90), operand(hfp.EXT, 40, 90))
def test_property_axr_matches_guard_digit_model(a, b):
    fpr = {0: a >> 64, 2: a & 0xFFFFFFFFFFFFFFFF, 4: b >> 64, 6: b & 0xFFFFFFFFFFFFFFFF}
    m = run(rr(0x36, 0, 4), fpr=fpr)
    s, _ = guarded_sum(a, b, hfp.EXT)
    assert get(m, 0, hfp.EXT) == normalized_packed(s, hfp.EXT)


@given(st.data(), st.sampled_from([hfp.SHORT, hfp.LONG]))
def test_property_halve(data, nd):
    a = data.draw(operand(nd, 2, 127))
    m = run(rr(0x34 if nd == hfp.SHORT else 0x24, 0, 2), fpr={2: load(nd, a)})
    assert get(m, 0, nd) == normalized_packed(value(a, nd) / 2, nd)


@given(operand(hfp.LONG, 0, 126))
def test_property_lrer_rounds_half_up_in_magnitude(a):
    m = run(rr(0x35, 0, 2), fpr={2: a})
    s, c, f = hfp.unpack(a, hfp.LONG)
    r = int(Fraction(f, 1 << 32) + Fraction(1, 2))
    if r >> 24:
        r >>= 4
        c += 1
    assert get(m, 0, hfp.SHORT) == hfp.pack(s, c, r, hfp.SHORT)


@given(st.integers(0, (1 << 64) - 1), st.integers(0, (1 << 32) - 1))
def test_property_load_store_round_trip(d, w):
    code = rx(0x68, 2, A) + rx(0x60, 2, A + 8) + rx(0x78, 4, A + 16) + rx(0x70, 4, A + 20)
    m = run(code, mem={A: f"{d:016X}", A + 16: f"{w:08X}"}, fpr={4: LOW})
    assert m.cpu.fpr[2] == d and mem(m, A + 8, 8) == f"{d:016X}"
    assert m.cpu.fpr[4] == short(w) and mem(m, A + 20, 4) == f"{w:08X}"


@given(operand(hfp.LONG, 1, 127, normalized=True))
def test_property_from_number_of_exact_value_round_trips(v):
    assert hfp.from_number(hfp.to_fraction(v, hfp.LONG)) == v


@given(st.floats(min_value=-1e70, max_value=1e70, allow_nan=False).filter(
    lambda x: x == 0 or abs(x) > 1e-70))
def test_property_every_double_in_range_is_exact_in_long_hfp(x):
    # a normalized long fraction keeps at least 53 significant bits
    assert hfp.to_float(hfp.from_number(x)) == x
