"""Decimal instructions (GA22-7000 chapter 8) and PACK/UNPK/CVB/CVD (chapter 7):
exact storage, registers, CC, interruption code, ILC and old PSW, plus hypothesis
properties against Python integers."""
from __future__ import annotations

from hypothesis import given, strategies as st

from tests.s370.helpers import CODE, run_code

A, B = 0x400, 0x500          # operand areas, addressed with base register 0
END = "0000"                 # operation exception: the end of every test program


# ------------------------------------------------------------------ harness
def run(code: str, *, mem: dict | None = None, regs: dict | None = None, pm: int = 0,
        fpr: dict | None = None):
    """Run ``code`` + END at X'1000' with storage preset from ``mem`` (address ->
    hex) and the program mask ``pm``; return the machine."""
    def setup(m):
        for addr, data in (mem or {}).items():
            m.storage.load(bytes.fromhex(data), addr)
        for r, v in (fpr or {}).items():
            m.cpu.fpr[r] = v
    return run_code(code + END, regs=regs, setup=setup, size=1 << 16,
                    psw=(pm << 24) | CODE)


def outcome(m) -> tuple[int, int, int, int]:
    """(interruption code, ILC, CC, instruction address) of the BC-mode program
    old PSW at X'28'."""
    old = int.from_bytes(m.storage.mem[0x28:0x30], "big")
    return (old >> 32) & 0xFFFF, (old >> 30) & 3, (old >> 28) & 3, old & 0xFFFFFF


def completed(m, ninstr_bytes: int, cc: int | None = None) -> None:
    """The program ran to the END operation exception after ``ninstr_bytes``."""
    code, ilc, got_cc, ia = outcome(m)
    assert (code, ilc, ia) == (1, 1, CODE + ninstr_bytes + 2), outcome(m)
    if cc is not None:
        assert got_cc == cc


def interrupted(m, code: int, ilc: int, next_ia: int, cc: int | None = None) -> None:
    got = outcome(m)
    assert got[:2] == (code, ilc) and got[3] == next_ia, [hex(x) for x in got]
    if cc is not None:
        assert got[2] == cc


def ss2(op: int, l1: int, a1: int, l2: int, a2: int) -> str:
    """An SS instruction with two length fields (lengths minus one), base 0."""
    return f"{op:02X}{l1:X}{l2:X}{a1:04X}{a2:04X}"


def ss(op: int, l: int, a1: int, a2: int) -> str:
    return f"{op:02X}{l:02X}{a1:04X}{a2:04X}"


def rx(op: int, r1: int, addr: int, x2: int = 0) -> str:
    return f"{op:02X}{r1:X}{x2:X}{addr:04X}"


def mem(m, addr: int, n: int) -> str:
    return m.storage.read(addr, n).hex().upper()


def packed(v: int, length: int, plus: str = "C") -> str:
    digits = str(abs(v)).zfill(2 * length - 1)
    return digits + ("D" if v < 0 else plus)


AP, SP, ZAP, CP, MP, DP, SRP, PACK, UNPK = 0xFA, 0xFB, 0xF8, 0xF9, 0xFC, 0xFD, 0xF0, 0xF2, 0xF3
CVB, CVD, ED, EDMK = 0x4F, 0x4E, 0xDE, 0xDF


# --------------------------------------------------------- ADD / SUBTRACT
def test_ap_adds_with_preferred_sign_and_cc2():
    m = run(ss2(AP, 3, A, 2, B), mem={A: "0012345F", B: "54321A"})
    assert mem(m, A, 4) == "0066666C"
    completed(m, 6, cc=2)


def test_ap_mixed_signs_negative_result_cc1():
    m = run(ss2(AP, 2, A, 1, B), mem={A: "00100C", B: "999D"})
    assert mem(m, A, 3) == "00899D"
    completed(m, 6, cc=1)


def test_sp_equal_operands_give_plus_zero_cc0():
    m = run(ss2(SP, 1, A, 1, B), mem={A: "005D", B: "005B"})
    assert mem(m, A, 2) == "000C"
    completed(m, 6, cc=0)


def test_ap_minus_zero_operands_give_plus_zero():
    m = run(ss2(AP, 1, A, 0, B), mem={A: "000D", B: "0D"})
    assert mem(m, A, 2) == "000C"
    completed(m, 6, cc=0)


def test_ap_same_field_doubles_it():
    # operands may overlap when their rightmost bytes coincide
    m = run(ss2(AP, 2, A, 2, A), mem={A: "01234C"})
    assert mem(m, A, 3) == "02468C"
    completed(m, 6, cc=2)


def test_ap_overflow_masked_sets_cc3_and_keeps_sign():
    m = run(ss2(AP, 1, A, 1, B), mem={A: "999D", B: "001D"})
    assert mem(m, A, 2) == "000D"            # truncated, sign of the true result
    completed(m, 6, cc=3)


def test_ap_overflow_interrupts_when_decimal_overflow_mask_on():
    m = run(ss2(AP, 1, A, 1, B), mem={A: "999C", B: "002C"}, pm=4)
    assert mem(m, A, 2) == "001C"            # the operation is completed
    interrupted(m, 0x0A, 3, CODE + 6, cc=3)


def test_ap_invalid_digit_is_data_exception_and_suppresses():
    m = run(ss2(AP, 1, A, 1, B), mem={A: "012C", B: "0A1C"})
    assert mem(m, A, 2) == "012C"
    interrupted(m, 0x07, 3, CODE + 6)


def test_ap_invalid_sign_in_first_operand_is_data_exception():
    m = run(ss2(AP, 1, A, 1, B), mem={A: "0123", B: "001C"})
    interrupted(m, 0x07, 3, CODE + 6)


def test_ap_store_protection_recognised_before_anything_changes():
    # key 1 program, storage key 2 on the page of operand 1: protection (4)
    def setup(m):
        m.storage.load(bytes.fromhex("012C"), A)
        m.storage.load(bytes.fromhex("001C"), B)
        m.storage.keys[0] = 0x20
    m = run_code(ss2(AP, 1, A, 1, B) + END, setup=setup, size=1 << 16,
                 psw=0x0010000000000000 | CODE)
    assert m.storage.read(A, 2) == bytes.fromhex("012C")
    interrupted(m, 0x04, 3, CODE + 6)


def test_ap_second_operand_addressing_exception_suppresses():
    # AP 0(2,0),0(2,R5) with GR5 beyond the 64K of storage
    m = run("FA11" "0400" "5000", mem={A: "012C"}, regs={5: 0x20000})
    assert mem(m, A, 2) == "012C"
    interrupted(m, 0x05, 3, CODE + 6)


# ------------------------------------------------------------- ZAP and CP
def test_zap_ignores_first_operand_contents():
    m = run(ss2(ZAP, 3, A, 1, B), mem={A: "FFFFFFFF", B: "123F"})
    assert mem(m, A, 4) == "0000123C"
    completed(m, 6, cc=2)


def test_zap_minus_zero_becomes_plus_zero():
    m = run(ss2(ZAP, 1, A, 1, B), mem={B: "000B"})
    assert mem(m, A, 2) == "000C"
    completed(m, 6, cc=0)


def test_zap_overflow_keeps_sign():
    m = run(ss2(ZAP, 0, A, 1, B), mem={B: "100D"}, pm=4)
    assert mem(m, A, 1) == "0D"
    interrupted(m, 0x0A, 3, CODE + 6, cc=3)


def test_zap_invalid_second_operand():
    m = run(ss2(ZAP, 1, A, 1, B), mem={A: "111C", B: "1C2C"})
    assert mem(m, A, 2) == "111C"
    interrupted(m, 0x07, 3, CODE + 6)


def test_cp_minus_and_plus_zero_are_equal():
    m = run(ss2(CP, 1, A, 0, B), mem={A: "000D", B: "0C"})
    completed(m, 6, cc=0)


def test_cp_low_and_high():
    m = run(ss2(CP, 1, A, 1, B), mem={A: "005D", B: "003D"})
    completed(m, 6, cc=1)
    m = run(ss2(CP, 1, A, 1, B), mem={A: "005C", B: "999D"})
    completed(m, 6, cc=2)


def test_cp_invalid_operand_is_data_exception():
    m = run(ss2(CP, 1, A, 1, B), mem={A: "005C", B: "0059"})
    interrupted(m, 0x07, 3, CODE + 6)


# ------------------------------------------------------------ MULTIPLY
def test_mp_pop_example():
    # GA22-7000 appendix A: 38460- x 321+ in a 5-byte field -> 12345660-
    m = run(ss2(MP, 4, A, 1, B), mem={A: "000038460D", B: "321C"})
    assert mem(m, A, 5) == "012345660D"
    completed(m, 6)


def test_mp_zero_product_keeps_algebraic_sign():
    m = run(ss2(MP, 3, A, 0, B), mem={A: "0000000C", B: "5D"})
    assert mem(m, A, 4) == "0000000D"


def test_mp_second_operand_longer_than_8_bytes_is_specification():
    m = run(ss2(MP, 15, A, 8, B), mem={A: "00" * 15 + "1C", B: "00" * 8 + "1C"})
    interrupted(m, 0x06, 3, CODE + 6)


def test_mp_l2_not_less_than_l1_is_specification():
    m = run(ss2(MP, 1, A, 1, B), mem={A: "001C", B: "001C"})
    interrupted(m, 0x06, 3, CODE + 6)


def test_mp_too_few_leading_zero_bytes_is_data_exception():
    # multiplier has 2 bytes; multiplicand 00 01 23 4C has only one zero byte
    m = run(ss2(MP, 3, A, 1, B), mem={A: "0001234C", B: "012C"})
    assert mem(m, A, 4) == "0001234C"
    interrupted(m, 0x07, 3, CODE + 6)


# -------------------------------------------------------------- DIVIDE
def test_dp_quotient_and_remainder_signs():
    # -7 / 2: quotient -3 (sign by algebra), remainder -1 (sign of dividend)
    m = run(ss2(DP, 3, A, 1, B), mem={A: "0000007D", B: "002C"})
    assert mem(m, A, 4) == "003D001D"


def test_dp_long_dividend():
    m = run(ss2(DP, 5, A, 1, B), mem={A: "00123456789C", B: "321C"})
    q, r = divmod(123456789, 321)
    assert mem(m, A, 6) == packed(q, 4) + packed(r, 2)


def test_dp_zero_quotient_is_minus_when_signs_differ():
    m = run(ss2(DP, 2, A, 0, B), mem={A: "00003C", B: "7D"})
    assert mem(m, A, 3) == "000D3C"


def test_dp_zero_remainder_keeps_dividend_sign():
    m = run(ss2(DP, 2, A, 0, B), mem={A: "00006D", B: "3C"})
    assert mem(m, A, 3) == "002D0D"


def test_dp_divide_by_zero_suppresses():
    m = run(ss2(DP, 3, A, 1, B), mem={A: "0001234C", B: "000C"})
    assert mem(m, A, 4) == "0001234C"
    interrupted(m, 0x0B, 3, CODE + 6)


def test_dp_quotient_too_large_is_decimal_divide():
    m = run(ss2(DP, 2, A, 0, B), mem={A: "12345C", B: "2C"})
    assert mem(m, A, 3) == "12345C"
    interrupted(m, 0x0B, 3, CODE + 6)


def test_dp_specification_before_data():
    m = run(ss2(DP, 1, A, 1, B), mem={A: "AAAA", B: "AAAA"})
    interrupted(m, 0x06, 3, CODE + 6)


# -------------------------------------------------- SHIFT AND ROUND DECIMAL
def srp(l1: int, a1: int, shift: int, i3: int) -> str:
    return f"F0{l1:X}{i3:X}{a1:04X}{shift & 0x3F:04X}"


def test_srp_left_shift_pop_example():
    m = run(srp(5, A, 3, 0), mem={A: "00012345678C"})
    assert mem(m, A, 6) == "12345678000C"
    completed(m, 6, cc=2)


def test_srp_right_shift_and_round_pop_example():
    # GA22-7000 appendix A: 12 39 60 0D, SRP FIELD3(4),64-3,5 -> 00 01 24 0D, CC 1
    m = run(srp(3, A, 64 - 3, 5), mem={A: "1239600D"})
    assert mem(m, A, 4) == "0001240D"
    completed(m, 6, cc=1)


def test_srp_right_shift_to_zero_makes_plus():
    m = run(srp(1, A, 64 - 2, 0), mem={A: "012D"})
    assert mem(m, A, 2) == "000C"
    completed(m, 6, cc=0)


def test_srp_right_shift_32_digits():
    m = run(srp(15, A, 32, 9), mem={A: "9" * 31 + "C"})
    assert mem(m, A, 16) == "0" * 31 + "C"
    completed(m, 6, cc=0)


def test_srp_left_overflow_masked_and_unmasked():
    m = run(srp(1, A, 2, 0), mem={A: "120D"})
    assert mem(m, A, 2) == "000D"            # overflow keeps the original sign
    completed(m, 6, cc=3)
    m = run(srp(1, A, 1, 0), mem={A: "120F"}, pm=4)
    assert mem(m, A, 2) == "200C"
    interrupted(m, 0x0A, 3, CODE + 6, cc=3)


def test_srp_invalid_rounding_digit_checked_even_for_left_shift():
    m = run(srp(1, A, 1, 10), mem={A: "001C"})
    assert mem(m, A, 2) == "001C"
    interrupted(m, 0x07, 3, CODE + 6)


def test_srp_shift_from_base_register():
    # shift amount -1 from a register: SRP 0(2,R5),0(R6),0 with GR6 = X'3F'
    m = run("F010" "5000" "6000", mem={A: "123C"}, regs={5: A, 6: 0xFFFFFF3F})
    assert mem(m, A, 2) == "012C"


# --------------------------------------------------------- PACK / UNPACK
def test_pack_zoned_to_packed_with_padding():
    m = run(ss2(PACK, 3, A, 2, B), mem={B: "F1F2C3"})
    assert mem(m, A, 4) == "0000123C"
    completed(m, 6)


def test_pack_truncates_and_does_not_check_validity():
    m = run(ss2(PACK, 1, A, 4, B), mem={B: "C1C2C3C4C5"})
    assert mem(m, A, 2) == "345C"


def test_pack_in_place():
    m = run(ss2(PACK, 3, A, 3, A), mem={A: "F1F2F3C4"})
    assert mem(m, A, 4) == "0001234C"


def test_unpk_packed_to_zoned():
    m = run(ss2(UNPK, 4, A, 2, B), mem={B: "12345D"})
    assert mem(m, A, 5) == "F1F2F3F4D5"
    completed(m, 6)


def test_unpk_pads_with_zoned_zeros_and_truncates():
    m = run(ss2(UNPK, 4, A, 0, B), mem={B: "7C"})
    assert mem(m, A, 5) == "F0F0F0F0C7"
    m = run(ss2(UNPK, 1, A, 2, B), mem={B: "12345C"})
    assert mem(m, A, 2) == "F4C5"


def test_unpk_overlap_allowed_by_programming_note():
    # rightmost op1 byte is (L2 - 2) = 1 byte to the right of op2's rightmost
    m = run(ss2(UNPK, 4, A - 1, 2, A), mem={A: "12345C"})
    assert mem(m, A - 1, 5) == "F1F2F3F4C5"


# ------------------------------------------------------------ CVB / CVD
def test_cvb_positive_and_negative():
    m = run(rx(CVB, 3, A) + rx(CVB, 4, B), mem={A: "000000000012345F", B: "000000000000001D"})
    assert m.cpu.gpr[3] == 12345 and m.cpu.gpr[4] == 0xFFFFFFFF


def test_cvb_unaligned_operand_is_fine_in_370():
    m = run(rx(CVB, 3, A + 3), mem={A + 3: "000002147483647C"})
    assert m.cpu.gpr[3] == 2147483647


def test_cvb_too_large_sets_low_bits_then_fixed_point_divide():
    m = run(rx(CVB, 3, A), mem={A: "000002147483648C"}, regs={3: 7})
    assert m.cpu.gpr[3] == 0x80000000
    interrupted(m, 0x09, 2, CODE + 4)
    m = run(rx(CVB, 3, A), mem={A: "000002147483648D"})
    assert m.cpu.gpr[3] == 0x80000000
    completed(m, 4)


def test_cvb_invalid_data_leaves_register():
    m = run(rx(CVB, 3, A), mem={A: "00000000001234A5"}, regs={3: 7})
    assert m.cpu.gpr[3] == 7
    interrupted(m, 0x07, 2, CODE + 4)


def test_cvd_values():
    m = run(rx(CVD, 1, A) + rx(CVD, 2, B), regs={1: 0x80000000, 2: 12345})
    assert mem(m, A, 8) == "000002147483648D"
    assert mem(m, B, 8) == "000000000012345C"
    completed(m, 8)


# --------------------------------------------------------------- EDIT
PATTERN = "4020206B2021204B202040C3D9"     # GA22-7000 appendix A: bdd,d(d.ddbCR


def test_ed_pop_example_positive():
    m = run(ss(ED, 12, A, B), mem={A: PATTERN, B: "0257426C"})
    assert mem(m, A, 13) == "4040F26BF5F7F44BF2F6404040"
    completed(m, 6, cc=2)


def test_ed_pop_example_negative_with_significance_starter():
    m = run(ss(ED, 12, A, B), mem={A: PATTERN, B: "0000026D"})
    assert mem(m, A, 13) == "404040404040F04BF2F640C3D9"
    completed(m, 6, cc=1)


def test_ed_all_zero_source_is_blank_cc0():
    m = run(ss(ED, 12, A, B), mem={A: PATTERN, B: "0000000C"})
    assert mem(m, A, 13) == "404040404040F04BF0F0404040"
    completed(m, 6, cc=0)


def test_ed_field_separator_resets_cc_and_significance():
    m = run(ss(ED, 5, A, B), mem={A: "402020222020", B: "1200"})
    assert mem(m, A, 6) == "40F1F2404040"
    completed(m, 6, cc=0)
    m = run(ss(ED, 5, A, B), mem={A: "402020222020", B: "0034"})
    assert mem(m, A, 6) == "40404040F3F4"
    completed(m, 6, cc=1)       # no plus sign seen: significance still on


def test_ed_fill_byte_may_be_a_digit_selector():
    m = run(ss(ED, 2, A, B), mem={A: "202020", B: "012F"})
    # fill is X'20'; the first digit (0) is replaced by the fill byte
    assert mem(m, A, 3) == "20F1F2"


def test_ed_invalid_source_digit_leaves_pattern():
    m = run(ss(ED, 3, A, B), mem={A: "40202020", B: "A13C"})
    assert mem(m, A, 4) == "40202020"
    interrupted(m, 0x07, 3, CODE + 6)


def test_ed_source_access_exception_leaves_pattern():
    # the second source byte lies beyond the end of storage (X'10000')
    m = run("DE03" "0400" "5000", mem={A: "40202020", 0xFFFF: "12"}, regs={5: 0xFFFF})
    assert mem(m, A, 4) == "40202020"
    interrupted(m, 0x05, 3, CODE + 6)


def test_edmk_marks_first_significant_digit():
    m = run(ss(EDMK, 12, A, B), mem={A: PATTERN, B: "0257426C"}, regs={1: 0xAB000000})
    assert m.cpu.gpr[1] == 0xAB000000 | (A + 2)


def test_edmk_leaves_gr1_when_significance_forced():
    m = run(ss(EDMK, 12, A, B), mem={A: PATTERN, B: "0000026D"}, regs={1: 0x12345678})
    assert m.cpu.gpr[1] == 0x12345678


# ------------------------------------------------ properties vs Python ints
def packed_value(length: int):
    lim = 10 ** (2 * length - 1) - 1
    return st.integers(-lim, lim)


def operands():
    return st.integers(1, 16).flatmap(
        lambda l1: st.integers(1, 16).flatmap(
            lambda l2: st.tuples(st.just(l1), st.just(l2), packed_value(l1), packed_value(l2))))


def sign_variants(v: int, length: int, plus: str, minus: str) -> str:
    digits = str(abs(v)).zfill(2 * length - 1)
    return digits + (minus if v < 0 else plus)


@given(operands(), st.sampled_from("ACEF"), st.sampled_from("BD"), st.booleans())
def test_property_ap_sp_match_python(ops, plus, minus, subtract):
    l1, l2, v1, v2 = ops
    m = run(ss2(SP if subtract else AP, l1 - 1, A, l2 - 1, B),
            mem={A: sign_variants(v1, l1, plus, minus), B: sign_variants(v2, l2, plus, minus)})
    r = v1 - v2 if subtract else v1 + v2
    lim = 10 ** (2 * l1 - 1)
    if abs(r) < lim:
        assert mem(m, A, l1) == packed(r, l1)
        completed(m, 6, cc=0 if r == 0 else (1 if r < 0 else 2))
    else:
        assert mem(m, A, l1) == str(abs(r) % lim).zfill(2 * l1 - 1) + ("D" if r < 0 else "C")
        completed(m, 6, cc=3)


@given(operands())
def test_property_cp_matches_python(ops):
    l1, l2, v1, v2 = ops
    m = run(ss2(CP, l1 - 1, A, l2 - 1, B), mem={A: packed(v1, l1), B: packed(v2, l2)})
    completed(m, 6, cc=0 if v1 == v2 else (1 if v1 < v2 else 2))


@given(st.integers(2, 16).flatmap(lambda l1: st.integers(1, min(8, l1 - 1)).flatmap(
    lambda l2: st.tuples(st.just(l1), st.just(l2), packed_value(l1 - l2), packed_value(l2)))))
def test_property_mp_matches_python(ops):
    l1, l2, v1, v2 = ops                     # v1 fits with L2 leading zero bytes
    m = run(ss2(MP, l1 - 1, A, l2 - 1, B), mem={A: packed(v1, l1), B: packed(v2, l2)})
    neg = (v1 < 0) != (v2 < 0)
    assert mem(m, A, l1) == str(abs(v1 * v2)).zfill(2 * l1 - 1) + ("D" if neg else "C")
    completed(m, 6)


@given(st.integers(2, 16).flatmap(lambda l1: st.integers(1, min(8, l1 - 1)).flatmap(
    lambda l2: st.tuples(st.just(l1), st.just(l2), packed_value(l1), packed_value(l2)))))
def test_property_dp_matches_python(ops):
    l1, l2, v1, v2 = ops
    m = run(ss2(DP, l1 - 1, A, l2 - 1, B), mem={A: packed(v1, l1), B: packed(v2, l2)})
    if v2 == 0 or abs(v1) // abs(v2) >= 10 ** (2 * (l1 - l2) - 1):
        assert mem(m, A, l1) == packed(v1, l1)
        interrupted(m, 0x0B, 3, CODE + 6)
        return
    q, r = divmod(abs(v1), abs(v2))
    qs = str(q).zfill(2 * (l1 - l2) - 1) + ("D" if (v1 < 0) != (v2 < 0) else "C")
    rs = str(r).zfill(2 * l2 - 1) + ("D" if v1 < 0 else "C")
    assert mem(m, A, l1) == qs + rs
    completed(m, 6)


@given(st.integers(1, 16).flatmap(lambda l1: st.tuples(st.just(l1), packed_value(l1))),
       st.integers(-32, 31), st.integers(0, 9))
def test_property_srp_matches_python(op, shift, rnd):
    l1, v = op
    m = run(srp(l1 - 1, A, shift, rnd), mem={A: packed(v, l1)})
    lim = 10 ** (2 * l1 - 1)
    if shift >= 0:
        r = abs(v) * 10 ** shift
    else:
        r = (abs(v) + rnd * 10 ** (-shift - 1)) // 10 ** -shift
    if r >= lim:
        assert mem(m, A, l1) == str(r % lim).zfill(2 * l1 - 1) + ("D" if v < 0 else "C")
        completed(m, 6, cc=3)
    else:
        sv = -r if v < 0 else r
        assert mem(m, A, l1) == packed(sv, l1)
        completed(m, 6, cc=0 if r == 0 else (1 if v < 0 else 2))


@given(st.integers(-0x80000000, 0x7FFFFFFF))
def test_property_cvd_cvb_round_trip(v):
    m = run(rx(CVD, 2, A) + rx(CVB, 3, A), regs={2: v})
    assert mem(m, A, 8) == packed(v, 8)
    assert m.cpu.gpr[3] == v & 0xFFFFFFFF
    completed(m, 8)


@given(st.integers(0, 10 ** 15 - 1), st.integers(1, 16))
def test_property_unpk_pack_round_trip(v, l1):
    m = run(ss2(UNPK, 15, A, 7, B) + ss2(PACK, l1 - 1, 0x600, 15, A),
            mem={B: packed(v, 8)})
    assert mem(m, 0x600, l1) == packed(v % 10 ** (2 * l1 - 1), l1)


def test_ap_under_execute_takes_lengths_from_register_and_ex_ilc():
    # EX 1,8(12) runs AP 0(0,0),X'500'(0) at X'1008' with lengths X'32' from GR1
    code = "4410C008" + END + END + ss2(AP, 0, A, 0, B)
    m = run(code, mem={A: "0012345F", B: "54321A"}, regs={1: 0x32, 12: CODE})
    assert mem(m, A, 4) == "0066666C"
    completed(m, 4, cc=2)
    m = run(code, mem={A: "0012345F", B: "5A321A"}, regs={1: 0x32, 12: CODE})
    assert mem(m, A, 4) == "0012345F"
    interrupted(m, 0x07, 2, CODE + 4)          # ILC and address of the EXECUTE
