"""The macro language and conditional assembly: MACRO/MEND, positional and keyword
parameters, &SYSNDX, AIF/AGO/ANOP, SETA/SETB/SETC, GBLx/LCLx, MNOTE, MEXIT."""
from __future__ import annotations

from s370.asm import assemble

MAC = """\
         MACRO
&LABEL   LOADR &REG,&VAL=0,&COPY=
&LABEL   LA    &REG,&VAL
         AIF   ('&COPY' EQ '').NOCOPY
         LR    &COPY,&REG
.NOCOPY  ANOP
         MEND
"""


def run(body: str):
    return assemble(MAC + body + "         END\n", "m.asm")


def test_positional_and_keyword_parameters():
    a = run("HERE     LOADR 1,VAL=5\n         LOADR 2,COPY=3\n")
    assert a.errors == []
    assert a.core.hex().upper() == "41100005" "41200000" "1832"
    assert a.symbols["HERE"].value == 0


def test_expansion_is_listed_with_plus():
    a = run("         LOADR 2,COPY=3\n")
    assert "+         LA    2,0" in a.listing and "+         LR    3,2" in a.listing


def test_sysndx_labels_are_unique():
    a = assemble("""\
         MACRO
         LOOP  &N
         LA    1,&N
L&SYSNDX BCT   1,L&SYSNDX
         MEND
T        CSECT
         USING T,15
         LOOP  3
         LOOP  4
         END
""")
    assert a.errors == []
    assert "L0001" in a.symbols and "L0002" in a.symbols
    assert a.core.hex().upper() == "41100003" "4610F004" "41100004" "4610F00C"


def test_seta_loop_and_ago():
    a = assemble("""\
         MACRO
         TABLE &N
         LCLA  &I
&I       SETA  1
.LOOP    AIF   (&I GT &N).DONE
         DC    AL1(&I*&I)
&I       SETA  &I+1
         AGO   .LOOP
.DONE    MEND
         TABLE 4
         END
""")
    assert a.errors == [] and a.core.hex() == "01040910"


def test_setc_setb_substring_concatenation_and_counts():
    a = assemble("""\
         MACRO
         STR   &S,&L
         LCLC  &C
         LCLB  &B
&C       SETC  '&S'(2,3).'Z'
&B       SETB  (K'&S GT 3 AND N'&L EQ 3)
         DC    C'&C'
         AIF   (NOT &B).SKIP
&N       SETA  N'&L
&K       SETA  K'&S
         DC    AL1(&N,&K)
.SKIP    MEND
         STR   ABCDE,(X,Y,Z)
         STR   AB,(X)
         END
""")
    assert a.errors == []
    assert a.core.decode("cp037")[:4] == "BCDZ"
    assert a.core[4:6].hex() == "0305"
    assert a.core[6:].decode("cp037") == "BZ"


def test_global_variables_persist_between_calls():
    a = assemble("""\
         MACRO
         COUNT
         GBLA  &N
&N       SETA  &N+1
         DC    AL1(&N)
         MEND
         COUNT
         COUNT
         COUNT
         END
""")
    assert a.errors == [] and a.core.hex() == "010203"


def test_mnote_severity_sets_return_code_and_mexit():
    a = assemble("""\
         MACRO
         CHECK &X
         AIF   ('&X' NE '').OK
         MNOTE 8,'CHECK needs an operand'
         MEXIT
.OK      DC    C'&X'
         MEND
         CHECK
         CHECK A
         END
""", "m.asm")
    assert a.rc == 8
    assert [m.message for m in a.errors] == ["MNOTE 8: CHECK needs an operand"]
    assert a.errors[0].line == 8
    assert a.core.decode("cp037") == "A"
    b = assemble("         MNOTE 4,'just a warning'\n         MNOTE *,'a comment'\n         END\n")
    assert b.rc == 4


def test_open_code_conditional_assembly():
    a = assemble("""\
         LCLA  &V
&V       SETA  2
         AIF   (&V EQ 1).ONE
         DC    C'2'
         AGO   .END
.ONE     DC    C'1'
.END     ANOP
         END
""")
    assert a.errors == [] and a.core.decode("cp037") == "2"


def test_nested_macro_calls_and_sublists():
    a = assemble("""\
         MACRO
         INNER &R
         LR    &R,&R
         MEND
         MACRO
         OUTER &LIST
         INNER &LIST(1)
         INNER &LIST(2)
         MEND
         OUTER (3,4)
         END
""")
    assert a.errors == [] and a.core.hex() == "18331844"


def test_macro_errors_reported_not_raised():
    a = assemble("""\
         MACRO
         BAD
         AGO   .NOWHERE
         MEND
         BAD
&X       SETA  'ABC'
         END
""")
    assert a.rc >= 8 and len(a.errors) == 2


def test_open_code_substitution_and_loops():
    a = assemble("""\
         LCLA  &I
&I       SETA  0
.TOP     ANOP
&I       SETA  &I+1
         DC    AL1(&I)
         AIF   (&I LT 3).TOP
         END
""")
    assert a.errors == [] and a.core.hex() == "010203"
    assert a.listing.count("DC    AL1(") == 3


def test_runaway_loop_stops_at_actr():
    a = assemble(".X       ANOP\n         DS    (-1)C\n         AGO   .X\n         END\n")
    assert a.rc >= 8
    assert any("ACTR" in m.message for m in a.errors)


def test_macro_library_member(tmp_path):
    (tmp_path / "SAYHI.mac").write_text("         MACRO\n         SAYHI\n         DC    C'HI'\n"
                                        "         MEND\n")
    src = tmp_path / "p.asm"
    src.write_text("         SAYHI\n         END\n")
    from s370.asm import assemble_file
    a = assemble_file(src)
    assert a.errors == [] and a.core.decode("cp037") == "HI"


def test_sysect_names_the_current_section():
    a = assemble("""\
         MACRO
         WHERE
         DC    C'&SYSECT'
         MEND
ALPHA    CSECT
         WHERE
BETA     CSECT
         WHERE
         END
""")
    assert a.errors == []
    assert a.core[0:5].decode("cp037") == "ALPHA" and a.core[8:12].decode("cp037") == "BETA"


def test_type_and_length_attributes_of_ordinary_symbols():
    a = assemble("""\
         MACRO
         CLEAR &F
         AIF   (T'&F EQ 'C').CHAR
         XC    &F,&F
         MEXIT
.CHAR    MVI   &F,C' '
         AIF   (L'&F EQ 1).DONE
         MVC   &F+1(L'&F-1),&F
.DONE    MEND
T        CSECT
         USING T,15
         CLEAR NAME
         CLEAR NUM
NAME     DS    CL8
NUM      DS    F
         END
""")
    assert a.errors == []
    # NAME at X'14': MVI + MVC (blank propagation); NUM: XC
    assert a.core[:16].hex().upper() == "9240F010" "D206F011F010" "D703F018F018"


def test_length_attribute_as_first_macro_operand_is_not_a_string():
    # L'FLD at the very start of the operands: an attribute reference, so the
    # comma after it still separates the two operands
    a = assemble("""\
         MACRO
         TWO   &A,&B
         LA    1,&A
         LA    2,&B
         MEND
         TWO   L'FLD,7
FLD      DS    CL5
         END
""", "m.asm")
    assert a.errors == []
    assert a.core.hex().upper().startswith("41100005" "41200007")
