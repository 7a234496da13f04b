"""Every instruction format with exact bytes (HLASM encodings; GA22-7000 chapter 5,
"Instruction Formats"), explicit and implicit addresses, extended mnemonics."""
from __future__ import annotations

import pytest

from tests.s370.asm.asmhelp import asm, code, messages

EXPLICIT = [
    ("LR    1,2", "1812"),                       # RR
    ("SVC   13", "0A0D"),                        # RR, I
    ("SPM   3", "0430"),                         # RR, R1 only
    ("BCR   8,14", "078E"),                      # RR, M1
    ("L     3,4(5,6)", "58356004"),              # RX
    ("L     3,4(,6)", "58306004"),
    ("LA    1,4095", "41100FFF"),                # RX absolute address, base 0
    ("LA    1,X'FF'(2)", "411200FF"),            # D(X) with implicit base 0
    ("STM   14,12,12(13)", "90ECD00C"),          # RS
    ("SLL   1,3", "89100003"),                   # RS without R3
    ("SRDA  4,32(7)", "8E407020"),
    ("ICM   1,B'1010',0(2)", "BF1A2000"),        # RS with mask M3
    ("STCTL 0,15,0(1)", "B60F1000"),
    ("MVI   0(1),C'A'", "92C11000"),             # SI
    ("CLI   8(12),255", "95FFC008"),
    ("TM    0(1),X'80'", "91801000"),
    ("SSM   0(3)", "80003000"),                  # SI without I2
    ("LPSW  0(1)", "82001000"),
    ("SIO   X'00C'", "9C00000C"),                # S, two-byte opcode
    ("TIO   X'191'(5)", "9D005191"),
    ("SCK   0(1)", "B2041000"),
    ("PTLB  ", "B20D0000"),                      # S without operands
    ("IPTE  1,2", "B2210012"),                   # RRE
    ("MVC   0(8,1),16(2)", "D20710002010"),      # SS, one length
    ("MVC   0(256,1),0(2)", "D2FF10002000"),
    ("TR    4(1,1),5(2)", "DC0010042005"),
    ("PACK  0(8,1),0(4,2)", "F27310002000"),     # SS, two lengths
    ("AP    0(16,1),0(1,2)", "FAF010002000"),
    ("SRP   0(4,1),2,5", "F03510000002"),        # SRP
    ("SRP   8(3,1),64-3,0", "F0201008003D"),
]


@pytest.mark.parametrize("stmt,hexcode", EXPLICIT, ids=[s for s, _ in EXPLICIT])
def test_explicit_operands(stmt, hexcode):
    assert code(f"         {stmt}") == hexcode


EXTENDED = [
    ("B     8(,1)", "47F01008"), ("B     8(1)", "47F10008"), ("BR    14", "07FE"), ("NOP   0", "47000000"),
    ("NOPR  0", "0700"), ("BH    0(,1)", "47201000"), ("BL    0(,1)", "47401000"),
    ("BE    0(,1)", "47801000"), ("BNH   0(,1)", "47D01000"), ("BNL   0(,1)", "47B01000"),
    ("BNE   0(,1)", "47701000"), ("BO    0(,1)", "47101000"), ("BP    0(,1)", "47201000"),
    ("BM    0(,1)", "47401000"), ("BZ    0(,1)", "47801000"), ("BNP   0(,1)", "47D01000"),
    ("BNM   0(,1)", "47B01000"), ("BNZ   0(,1)", "47701000"), ("BNO   0(,1)", "47E01000"),
    ("BER   3", "0783"), ("BNER  3", "0773"), ("BHR   3", "0723"), ("BNZR  3", "0773"),
    ("BOR   3", "0713"), ("BNOR  3", "07E3"),
]


@pytest.mark.parametrize("stmt,hexcode", EXTENDED, ids=[s for s, _ in EXTENDED])
def test_extended_branch_mnemonics(stmt, hexcode):
    assert code(f"         {stmt}") == hexcode


def test_implicit_addresses_through_using():
    # BALR sets the base at 2; W is aligned to a fullword at X'0C': displacement X'0A'
    h = code("T|CSECT|", "|BALR|12,0", "|USING|*,12", "|L|1,W", "|B|W+4",
             "W|DC|F'5'")
    assert h == "05C0" "5810C00A" "47F0C00E" "0000" "00000005"


def test_implicit_lengths_ss():
    # L'A = 8, L'P = 3: MVC uses the first operand's length; ZAP each its own
    h = code("T|CSECT|", "|USING|T,15", "|MVC|A,B", "|ZAP|A,P", "|MVC|A(2),B",
             "A|DS|CL8", "B|DS|CL4", "P|DS|PL3")
    # A at X'12' (3 instructions of 6 bytes), B at X'1A', P at X'1E'
    assert h[:36] == "D207F012F01A" "F872F012F01E" "D201F012F01A"


def test_smallest_displacement_and_highest_register():
    h = code("T|CSECT|", "|USING|T,10", "|USING|T,11", "|USING|T+4,9", "|L|1,X",
             "|DS|F", "X|DC|F'1'")
    # X at 8: reg 9 (base 4) gives displacement 4, smaller than 8 from 10 and 11
    assert h[:8] == "58109004"
    h = code("T|CSECT|", "|USING|T,10", "|USING|T,11", "|L|1,X", "X|DC|F'1'")
    assert h[:8] == "5810B004"      # a tie: the higher register, 11


def test_using_with_several_registers():
    a = asm("T|CSECT|", "|USING|T,11,12", "|L|1,Y", "|L|2,Z", "|DS|CL4096", "Y|DC|F'1'",
            "|DS|CL4092", "Z|DC|F'2'")
    assert messages(a) == ["ASMA034E Operand beyond active USING range by 9 bytes"]
    # Y at 8+4096 = X'1008' -> R12 (base X'1000') + 8; Z at X'2008' is past R12's range
    assert a.core[0:4].hex().upper() == "5810C008"


def test_using_range_and_negative_displacement_rejected():
    a = asm("T|CSECT|", "X|DC|F'1'", "|USING|*,12", "|L|1,X")
    assert a.rc == 8
    assert any("ASMA034E" in m for m in messages(a))
    a = asm("|L|1,-4(2)")
    assert any("ASMA028E" in m for m in messages(a))
    a = asm("|L|1,4096(,2)")
    assert any("ASMA028E" in m for m in messages(a))
    a = asm("|L|1,4096(2)")          # D(X): an implicit address 4096 needs a USING
    assert any("ASMA307E" in m for m in messages(a))


def test_drop_and_no_using():
    a = asm("T|CSECT|", "|USING|T,12", "|DROP|12", "|L|1,X", "X|DC|F'1'")
    assert any("ASMA307E" in m for m in messages(a))


def test_register_out_of_range_and_operand_count():
    a = asm("|LR|16,1", "|LR|1", "|LR|1,2,3")
    ms = messages(a)
    assert len(ms) == 3 and a.rc == 8


def test_instructions_align_on_halfwords():
    assert code("|DC|C'A'", "|LR|1,2") == "C1001812"


def test_ccw():
    h = code("T|CSECT|", "|DC|C'A'", "C|CCW|X'09',M,X'20',L'M", "M|DC|C'HI'")
    assert h == "C1" + "00" * 7 + "09000010" "20000002" "C8C9"



def test_dependent_using_maps_a_dsect_onto_a_covered_area():
    # AREA is at X'10' from base 12; the DSECT overlays it: F2 = AREA+4 -> C014
    a = asm("T|CSECT|", "|USING|T,12", "|L|1,F2", "|DROP|", "|L|2,F2", "|DS|CL8",
            "AREA|DS|CL8", "D|DSECT|", "F1|DS|F", "F2|DS|F", "T|CSECT|", "|USING|T,12",
            "|USING|D,AREA", "|L|3,F2")
    ms = messages(a)
    assert ms[0].startswith("ASMA307E") and ms[1].startswith("ASMA307E") and len(ms) == 2
    a = asm("T|CSECT|", "|USING|T,12", "|USING|D,AREA", "|L|3,F2", "|DS|CL4",
            "AREA|DS|CL8", "D|DSECT|", "F1|DS|F", "F2|DS|F")
    assert a.errors == [], messages(a)
    assert a.core[:4].hex().upper() == "5830C00C"
