"""Source format (columns, comments, continuation, sequence field) and diagnostics
(file:line:column, all errors in one run, HLASM return codes)."""
from __future__ import annotations

from s370.asm import assemble, assemble_file
from tests.s370.asm.asmhelp import asm, messages


def test_comments_blank_lines_and_sequence_field():
    text = ("* a comment line\n"
            ".* a macro comment line\n"
            "\n"
            "         LR    1,2                 remarks here".ljust(72) + "SEQ00010\n"
            + "         END\n")
    a = assemble(text)
    assert a.errors == [] and a.core.hex().upper() == "1812"


def test_continuation_column_72_and_column_16():
    line1 = "         DC    C'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGHIJKLMNOPQR"
    assert len(line1) == 71
    text = line1 + "X\n" + " " * 15 + "STUVWXYZ'\n         END\n"
    a = assemble(text)
    assert a.errors == []
    assert a.core.decode("cp037") == "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def test_continuation_after_comma_operand():
    text = ("         DC    F'1',                remarks on the first line".ljust(71) + "X\n"
            + "               F'2'\n         END\n")
    a = assemble(text)
    assert a.errors == [] and a.core.hex() == "0000000100000002"


def test_lower_case_symbols_and_operations():
    a = assemble("start    csect\n         using start,15\n         l     1,word\n"
                 "word     dc    f'1'\n         end\n")
    assert a.errors == [] and a.core.hex().upper() == "5810F004" "00000001"


def test_every_error_reported_with_file_line_column():
    a = asm("|LR|1,2", "|L|1,UNDEF", "|FOO|1", "X|DC|F'1'", "X|DC|F'2'", "|L|1,(2", "|LR|1,99")
    assert a.rc == 8
    ms = a.errors
    assert [(m.line, m.message[:8]) for m in ms] == [
        (2, "ASMA044E"), (3, "ASMA057E"), (5, "ASMA043E"), (6, "ASMA008E"), (7, "ASMA029E")]
    undef = ms[0]
    assert (undef.file, undef.column, undef.severity) == ("test.asm", 16, 8)
    assert undef.format().startswith("test.asm:2:16: error: ASMA044E Undefined symbol - UNDEF")
    assert "ASMA043E" in a.listing and "UNDEF" in a.listing


def test_return_codes():
    assert asm("|LR|1,2").rc == 0
    assert asm("|LR|1,2", end=False).rc == 4          # END missing: a warning
    assert asm("|LR|1,2", "|DROP|5").rc == 4           # DROP of an unused register
    assert asm("|LR|1,X").rc == 8
    assert assemble_file("/nonexistent/x.asm").rc == 16


def test_copy_member(tmp_path):
    (tmp_path / "DEFS.asm").write_text("R1       EQU   1\nR2       EQU   2\n")
    main = tmp_path / "main.asm"
    main.write_text("         COPY  DEFS\n         LR    R1,R2\n         END\n")
    a = assemble_file(main)
    assert a.errors == [] and a.core.hex() == "1812"
    main.write_text("         COPY  NOPE\n         END\n")
    assert assemble_file(main).rc >= 8


def test_no_traceback_on_garbage():
    a = assemble("\x00\x01garbage ((( '''\n  )))\n" * 5)
    assert a.rc >= 8 and a.errors


def test_start_and_multiple_csects_placed_on_doublewords():
    a = asm("A|START|X'100'", "|DC|C'ABC'", "B|CSECT|", "|DC|C'D'", "C|CSECT|", "|DC|C'E'",
            "A|CSECT|", "|DC|C'F'")
    assert a.errors == []
    assert a.sections == {"A": (0x100, 4), "B": (0x108, 1), "C": (0x110, 1)}
    assert a.core[0x100:0x104].decode("cp037") == "ABCF"
    assert a.core[0x108] == 0xC4 and a.core[0x110] == 0xC5


def test_dsect_generates_no_code_and_addresses_through_using():
    a = asm("T|CSECT|", "|USING|D,5", "|L|1,FLD2", "|MVC|FLD1,FLD2", "D|DSECT|", "FLD1|DS|F",
            "FLD2|DS|F")
    assert a.errors == []
    assert a.core.hex().upper() == "58105004" "D20350005004"


def test_json_report():
    a = asm("T|CSECT|", "X|DC|F'1'")
    j = a.as_json()
    assert j["rc"] == 0 and j["symbols"]["X"] == {"value": 0, "length": 4, "type": "F",
                                                   "relocatable": True, "section": "T"}
    assert j["sizes"]["core"] == 4


def test_opsyn_push_pop_and_unsupported_loctr():
    a = asm("LOAD|OPSYN|L", "T|CSECT|", "|PUSH|USING", "|USING|T,12", "|LOAD|1,X", "|POP|USING",
            "|USING|T,11", "|LOAD|2,X", "X|DC|F'1'")
    assert a.errors == [], messages(a)
    assert a.core.hex().upper() == "5810C008" "5820B008" "00000001"
    assert asm("L|OPSYN|", "|L|1,0").rc == 8
    assert any("ASMA057E" in m for m in messages(asm("A|LOCTR|")))
