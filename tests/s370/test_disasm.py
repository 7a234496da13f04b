"""Disassembler (s370/disasm.py): HLASM mnemonics from the instruction table, and
the round trip assemble(disassemble(bytes)) == bytes for every declared
instruction with random operand fields (hypothesis)."""
from __future__ import annotations

from hypothesis import given, strategies as st

from s370.asm import assemble
from s370.asm.instructions import SLOTS, opcode_word, place, templates
from s370.disasm import decode, disassemble
from s370.isa import TABLE


def fields_of(ins) -> list[str]:
    names = []
    for t in templates(ins.operands):
        names += [t.name] if t.kind == "field" else [t.disp, t.base] + ([t.inner] if t.inner else [])
    return names


@st.composite
def instruction_bytes(draw):
    ins = draw(st.sampled_from(TABLE))
    word = opcode_word(ins)
    for name in fields_of(ins):
        width = SLOTS[ins.fmt][name][1]
        word = place(word, ins.length, ins.fmt, name, draw(st.integers(0, (1 << width) - 1)))
    return word.to_bytes(ins.length, "big")


@given(st.lists(instruction_bytes(), min_size=1, max_size=8))
def test_round_trip_random_operands(codes):
    blob = b"".join(codes)
    lines = disassemble(blob)
    assert [ln.data for ln in lines] == codes
    a = assemble("\n".join(ln.source for ln in lines) + "\n         END\n")
    assert a.errors == [], [m.format() for m in a.errors]
    assert a.core == blob


def test_every_table_entry_round_trips_with_all_fields_set():
    src, blob = [], b""
    for ins in TABLE:
        word = opcode_word(ins)
        for name in fields_of(ins):
            width = SLOTS[ins.fmt][name][1]
            word = place(word, ins.length, ins.fmt, name, (1 << width) - 1)
        code = word.to_bytes(ins.length, "big")
        line = decode(code)
        assert line.data == code
        src.append(line.source)
        blob += code
    a = assemble("\n".join(src) + "\n         END\n")
    assert a.errors == [] and a.core == blob


def test_hlasm_style_operands_and_extended_mnemonics():
    code = bytes.fromhex("05C0" "47F0C00A" "4780C00A" "07FE" "0700" "58123004" "D2071000200A"
                         "F27310002000" "9C00000C" "0A0D" "FFFF")
    out = [(ln.mnemonic, ln.operands) for ln in disassemble(code)]
    assert out == [("BALR", "12,0"), ("B", "10(,12)"), ("BE", "10(,12)"), ("BR", "14"),
                   ("NOPR", "0"), ("L", "1,4(2,3)"), ("MVC", "0(8,1),10(2)"),
                   ("PACK", "0(8,1),0(4,2)"), ("SIO", "12"), ("SVC", "13"), ("DC", "X'FFFF'")]


def test_start_and_length_select_a_range():
    code = bytes.fromhex("1812" "1834" "1856")
    lines = disassemble(code, start=0x102, length=2, base=0x100)
    assert [(ln.address, ln.operands) for ln in lines] == [(0x102, "3,4")]
    assert disassemble(code, base=0x100)[2].format() == "000104  1856            LR    5,6"
