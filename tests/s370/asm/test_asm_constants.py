"""DC and DS: every type with exact bytes, duplication, explicit lengths, several
nominal values, alignment (HLASM Language Reference, "DC instruction")."""
from __future__ import annotations

import pytest

from tests.s370.asm.asmhelp import asm, code, messages

CASES = [
    # character: blanks pad on the right, truncation on the right
    ("C'AB'", "C1C2"), ("CL4'AB'", "C1C24040"), ("CL1'AB'", "C1"), ("2C'AB'", "C1C2C1C2"),
    ("C'A''B'", "C17DC2"), ("C'&&'", "50"), ("C'a b'", "8140 82".replace(" ", "")),
    # hexadecimal: zeros pad on the left, truncation on the left; each value its own length
    ("X'1'", "01"), ("XL2'1'", "0001"), ("XL1'123'", "23"), ("X'1,234'", "010234"),
    ("3X'A'", "0A0A0A"),
    # binary
    ("B'1'", "01"), ("B'100000001'", "0101"), ("BL1'100000001'", "01"), ("B'1,11'", "0103"),
    # fixed point
    ("F'1'", "00000001"), ("F'-1'", "FFFFFFFF"), ("F'2147483647'", "7FFFFFFF"),
    ("F'-2147483648'", "80000000"), ("H'-2'", "FFFE"), ("H'32767'", "7FFF"),
    ("FL3'1'", "000001"), ("FL1'-1'", "FF"), ("F'1,2'", "0000000100000002"), ("2H'3'", "00030003"),
    ("F'+5'", "00000005"),
    # packed: sign C plus, D minus; zeros pad on the left
    ("P'123'", "123C"), ("P'-123'", "123D"), ("P'12'", "012C"), ("PL3'1'", "00001C"),
    ("P'+0'", "0C"), ("P'1.25'", "125C"), ("PL1'-123'", "3D"), ("P'1,-2'", "1C2D"),
    # zoned: the last byte's zone holds the sign (C plus, D minus)
    ("Z'123'", "F1F2C3"), ("Z'-12'", "F1D2"), ("ZL4'12'", "F0F0F1C2"), ("ZL1'123'", "C3"),
    # hexadecimal floating point, rounded
    ("E'1'", "41100000"), ("E'-1'", "C1100000"), ("E'0.5'", "40800000"), ("E'100'", "42640000"),
    ("E'0.1'", "4019999A"), ("D'1'", "4110000000000000"), ("D'0.1'", "401999999999999A"),
    ("D'0'", "0000000000000000"), ("E'-2.5E2'", "C2FA0000"),
    ("L'1'", "41100000000000003300000000000000"),
    ("L'0.1'", "4019999999999999" "329999999999999A"),
    # address constants (absolute values)
    ("A(1)", "00000001"), ("A(-1)", "FFFFFFFF"), ("AL3(X'123456')", "123456"), ("AL1(255)", "FF"),
    ("Y(5)", "0005"), ("A(1,2)", "0000000100000002"), ("2A(7)", "0000000700000007"),
    ("A(C'A')", "000000C1"), ("A(B'101'*2)", "0000000A"), ("A(7/2)", "00000003"),
]


@pytest.mark.parametrize("operand,hexcode", CASES, ids=[c for c, _ in CASES])
def test_dc(operand, hexcode):
    assert code(f"         DC    {operand}") == hexcode


def test_extended_float_low_part():
    # 0.1 to 28 hex digits: 1999999999999 | 999999999999A... the low half has
    # characteristic X'40' - 14 = X'32'
    h = code("         DC    L'0.1'")
    assert h[:16] == "4019999999999999" and h[16:18] == "32"


def test_alignment_with_and_without_explicit_length():
    assert code("|DC|C'A'", "|DC|F'1'") == "C1000000" "00000001"
    assert code("|DC|C'A'", "|DC|FL4'1'") == "C1" "00000001"
    assert code("|DC|C'A'", "|DC|H'1'") == "C100" "0001"
    assert code("|DC|C'A'", "|DC|D'0'") == "C1" + "00" * 7 + "00" * 8
    assert code("|DC|C'A'", "|DC|Y(1)") == "C1000001"
    assert code("|DC|C'A'", "|DC|C'B',F'2'") == "C1C20000" "00000002"


def test_ds_reserves_and_aligns_without_data():
    a = asm("A|DC|C'A'", "B|DS|3F", "C|DS|0D", "D|DS|CL5", "E|DC|X'FF'")
    assert a.errors == []
    s = a.symbols
    assert (s["B"].value, s["B"].length) == (4, 4)
    assert (s["C"].value, s["C"].length) == (16, 8)
    assert (s["D"].value, s["D"].length) == (16, 5)
    assert s["E"].value == 21
    assert a.core[21] == 0xFF and len(a.core) == 22


def test_length_attribute_of_first_operand():
    a = asm("A|DC|F'1,2'", "B|DC|3CL2'X'", "C|DC|X'123,45'", "D|DC|P'12345'")
    s = a.symbols
    assert (s["A"].length, s["B"].length, s["C"].length, s["D"].length) == (4, 2, 2, 3)


def test_relocatable_address_constants():
    a = asm("T|START|X'100'", "X|DC|A(X)", "|DC|Y(X+2)", "|DC|AL3(X)", "|DC|A(X-T)")
    assert a.errors == []
    assert a.core[0x100:].hex().upper() == "00000100" "0102" "000100" "000000" "00000000"


def test_v_constant_and_extrn():
    a = asm("T|CSECT|", "|DC|V(EXT)", "|EXTRN|OTHER", "|DC|A(OTHER+4)")
    assert a.errors == []
    assert a.core.hex().upper() == "00000000" "00000004"


def test_errors_in_constants():
    a = asm("|DC|F'2147483648'", "|DC|X'0G'", "|DC|H'1.5.2'", "|DC|P'A'", "|DC|FL9'1'")
    assert len(a.errors) == 5 and a.rc == 8
    assert "ASMA072E" in messages(a)[0]


def test_duplication_factor_from_expression():
    assert code("N|EQU|3", "|DC|(N)X'AB'", "|DC|(N-1)C'Z'") == "ABABAB" "E9E9"


def test_equ_length_and_forward_reference():
    a = asm("A|EQU|B+2", "L|EQU|X'10',4", "B|DC|CL6' '", "C|EQU|B", "D|EQU|*")
    assert a.errors == []
    s = a.symbols
    assert (s["A"].value, s["A"].length) == (2, 6)
    assert (s["L"].value, s["L"].length, s["L"].relocatable) == (16, 4, False)
    assert (s["C"].value, s["C"].length) == (0, 6)
    assert (s["D"].value, s["D"].length) == (6, 1)


def test_org_and_cnop():
    assert code("|DC|C'ABCD'", "|ORG|*-2", "|DC|C'X'", "|ORG|", "|DC|C'E'") == "C1C2E7C4C5"
    # CNOP fills with NOPR 0 (X'0700') up to the boundary
    assert code("|DC|C'A'", "|CNOP|0,8", "|LR|1,1") == "C1" "00" "07000700" "0700" "1811"
    assert code("|LR|1,1", "|CNOP|6,8", "|LR|2,2") == "1811" "07000700" "1822"


def test_expressions_absolute_and_relocatable():
    a = asm("T|CSECT|", "A|DC|F'0'", "B|DC|F'0'", "|DC|A((B-A)*3)", "|DC|A(A*2)")
    assert messages(a) == ["ASMA032E Relocatable value found when absolute value required"
                           " (multiplication and division take absolute terms only)"]
    assert a.core[8:12].hex() == "0000000c"



def test_location_counter_in_address_constants():
    # outside literals '*' is each constant's own first byte, also per duplication
    assert code("|DC|A(*,*)", "|DC|2A(*)", "|DC|Y(*-2)") == \
        "00000000" "00000004" "00000008" "0000000C" "000E"


def test_location_counter_in_literals_is_the_instruction():
    a = asm("T|CSECT|", "|USING|T,15", "|L|1,=A(*)", "|L|2,=A(*)", "|L|3,=A(*+2)")
    assert a.errors == []
    # three separate literals (each use of a literal with * is its own), pool at X'10'
    assert a.core.hex().upper() == ("5810F010" "5820F014" "5830F018" "00000000"
                                    "00000000" "00000004" "0000000A")
    assert a.listing.count("=A(*)") >= 2


def test_relocatable_address_constant_lengths():
    assert asm("T|CSECT|", "|DC|AL2(T)").errors == []
    assert asm("T|CSECT|", "|DC|AL1(T)").rc == 8
    assert asm("|L|1,=0F'1'").rc >= 8


def test_s_type_constants():
    a = asm("T|CSECT|", "|USING|T,12", "X|DC|S(X,X+6)", "|DC|S(100(11))", "|DC|S(8)")
    assert a.errors == []
    assert a.core.hex().upper() == "C000" "C006" "B064" "0008"
    assert asm("|DC|A(1(2))").rc == 8


def test_unary_minus_of_relocatable_terms_pairs_up():
    a = asm("T|CSECT|", "A|DC|F'0'", "B|DC|A(-A+B)", "|L|1,-A")
    assert a.core[4:8].hex() == "00000004"
    assert any("ASMA034E" in m or "ASMA307E" in m for m in messages(a))
