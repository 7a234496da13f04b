"""Literal pools (HLASM: LTORG and END, doubleword-aligned pools, literals ordered
by length multiples of 8, 4, 2, then the rest; duplicates once per pool)."""
from __future__ import annotations

from tests.s370.asm.asmhelp import asm, messages


def test_pool_order_by_alignment_and_duplicates():
    a = asm("T|CSECT|", "|USING|T,15",
            "|LA|3,=C'ABC'",        # 3 bytes  -> last group
            "|LH|2,=H'2'",          # 2        -> third group
            "|L|1,=F'1'",           # 4        -> second group
            "|LD|0,=D'1'",          # 8        -> first group
            "|LM|4,5,=2F'3'",       # 8        -> first group, after =D'1'
            "|L|6,=F'1'",           # duplicate: same address
            "|LTORG|")
    assert a.errors == []
    c = a.core
    # instructions: 6 x 4 bytes = X'18' -> pool at X'18' (already a doubleword)
    pool = c[0x18:]
    assert pool.hex().upper() == ("4110000000000000" "0000000300000003" "00000001" "0002" "C1C2C3")
    assert c[0:4].hex().upper() == "4130F02E"          # =C'ABC' at X'2E'
    assert c[4:8].hex().upper() == "4820F02C"          # =H'2' at X'2C'
    assert c[8:12].hex().upper() == "5810F028"         # =F'1' at X'28'
    assert c[12:16].hex().upper() == "6800F018"        # =D'1' at X'18'
    assert c[16:20].hex().upper() == "9845F020"
    assert c[20:24].hex().upper() == "5860F028"


def test_literals_in_two_pools():
    a = asm("T|CSECT|", "|USING|T,15", "|L|1,=F'7'", "|LTORG|", "|L|2,=F'7'", "|L|3,=A(T)")
    assert a.errors == []
    c = a.core
    # first pool at 8 (after L and alignment), second after END at the end of the section
    assert c[0:4].hex().upper() == "5810F008"
    assert c[8:12].hex().upper() == "00000007"
    assert c[12:16].hex().upper() == "5820F018"
    assert c[16:20].hex().upper() == "5830F01C"
    assert c[0x18:0x20].hex().upper() == "00000007" "00000000"


def test_ltorg_aligns_to_doubleword():
    a = asm("T|CSECT|", "|USING|T,15", "|LR|1,1", "|LTORG|", "X|DC|C'A'")
    assert a.symbols["X"].value == 8


def test_literal_forms():
    a = asm("T|CSECT|", "|USING|T,15", "|MVC|0(3,1),=C'A''B'", "|CLC|0(2,1),=X'0102'",
            "|L|1,=A(T+4)", "|L|2,=V(EXT)", "|LH|3,=Y(5)", "|ZAP|0(4,1),=P'-5'", "|LE|0,=E'1'")
    assert a.errors == [], messages(a)
    c = a.core
    # 7 instructions: 6+6+4+4+4+6+4 = 34 bytes; the END pool starts at X'28'.
    # Groups: 4-byte (=A(T+4), =V(EXT), =E'1'), 2-byte (=X'0102', =Y(5)), then
    # the odd lengths (=C'A''B', =P'-5'), each group in order of first use
    pool = c[0x28:]
    assert pool[0:12].hex().upper() == "00000004" "00000000" "41100000"
    assert pool[12:16].hex().upper() == "01020005"
    assert pool[16:19].hex().upper() == "C17DC2"
    assert pool[19:20].hex().upper() == "5D"


def test_literal_where_not_allowed():
    a = asm("|EQU|=F'1'")
    assert a.rc == 8
