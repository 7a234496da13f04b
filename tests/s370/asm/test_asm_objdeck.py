"""Object deck cards (ESD/TXT/RLD/END, 80-byte EBCDIC), the relocating loader and
the core image."""
from __future__ import annotations

import pytest

from s370.asm import assemble
from s370.asm.loader import load
from s370.asm.objdeck import is_object_deck, read_deck
from s370.ebcdic import to_ebcdic
from s370.errors import MachineError

MAIN = """\
MAIN     CSECT
         ENTRY ALT
         USING MAIN,15
         L     15,=V(SUB)
         BALR  14,15
ALT      DC    A(MAIN+8)
         EXTRN OTHER
         DC    A(OTHER)
         END   MAIN
"""


def card(kind: str, fields: dict[int, bytes], seq: int) -> bytes:
    c = bytearray(b"\x40" * 80)
    c[0] = 2
    c[1:4] = to_ebcdic(kind)
    for col, data in fields.items():
        c[col - 1:col - 1 + len(data)] = data
    c[72:80] = to_ebcdic(f"{seq:08d}")
    return bytes(c)


def name(n: str) -> bytes:
    return to_ebcdic(n.ljust(8))


def test_object_deck_cards_exact():
    a = assemble(MAIN)
    assert a.errors == []
    esd1 = (name("MAIN") + bytes.fromhex("00 000000 00 000014")
            + name("SUB") + bytes.fromhex("02 404040 40 404040")
            + name("OTHER") + bytes.fromhex("02 404040 40 404040"))
    esd2 = name("ALT") + bytes.fromhex("01 000008 40 000001")
    text = bytes.fromhex("58F0F010 05EF 0000 00000008 00000000 00000000")
    rld = bytes.fromhex("0001 0001 0C 000008" "0003 0001 0C 00000C" "0002 0001 1C 000010")
    expected = b"".join([
        card("ESD", {11: b"\x00\x30", 15: b"\x00\x01", 17: esd1}, 1),
        card("ESD", {11: b"\x00\x10", 17: esd2}, 2),
        card("TXT", {6: b"\x00\x00\x00", 11: b"\x00\x14", 15: b"\x00\x01", 17: text}, 3),
        card("RLD", {11: b"\x00\x18", 17: rld}, 4),
        card("END", {6: b"\x00\x00\x00", 15: b"\x00\x01"}, 5),
    ])
    assert a.object_deck == expected
    assert is_object_deck(a.object_deck)


def test_rld_items_with_same_pointers_are_chained():
    a = assemble("T        CSECT\n         DC    A(T,T+4,T+8)\n         END\n")
    mods = read_deck(a.object_deck)
    assert mods[0].rlds == [(1, 1, 0, 4, False, False), (1, 1, 4, 4, False, False),
                            (1, 1, 8, 4, False, False)]
    rld = [a.object_deck[k:k + 80] for k in range(0, len(a.object_deck), 80)][2]
    assert rld[1:4] == to_ebcdic("RLD")
    assert rld[16:32].hex().upper() == "000100010D000000" "0D0000040C000008"


def test_txt_cards_hold_56_bytes_and_skip_ds_gaps():
    a = assemble("T        CSECT\n         DC    60X'AA'\n         DS    CL100\n"
                 "         DC    X'BB'\n         END\n")
    mods = read_deck(a.object_deck)
    assert [(e, addr, len(d)) for e, addr, d in mods[0].text] == [(1, 0, 56), (1, 56, 4), (1, 160, 1)]


def test_relocating_loader_resolves_v_constants_across_modules():
    sub = assemble("SUB      CSECT\n         DC    A(SUB)\n         DC    V(ALT)\n         END\n")
    main = assemble(MAIN.replace("         EXTRN OTHER\n         DC    A(OTHER)\n", ""))
    assert main.errors == [] and sub.errors == []
    prog = load(main.object_deck + sub.object_deck, origin=0x2000)
    img = prog.image
    # MAIN: 12 bytes of code and data, its END literal pool at X'10': 20 bytes;
    # SUB follows on the next doubleword
    assert prog.sections == {"MAIN": (0x2000, 0x14), "SUB": (0x2018, 8)}
    assert prog.entry == 0x2000
    assert img[0x2008:0x200C].hex() == "00002008"          # A(MAIN+8) relocated
    assert img[0x2010:0x2014].hex() == "00002018"          # =V(SUB)
    assert img[0x2018:0x201C].hex() == "00002018"          # A(SUB) in SUB
    assert img[0x201C:0x2020].hex() == "00002008"          # V(ALT): the ENTRY in MAIN


def test_loader_keeps_assembled_addresses_by_default_and_reports_unresolved():
    a = assemble("T        START X'400'\n         DC    A(T)\n         END\n")
    prog = load(a.object_deck)
    assert prog.image[0x400:0x404].hex() == "00000400"
    b = assemble("T        CSECT\n         DC    V(NOWHERE)\n         END\n")
    with pytest.raises(MachineError, match="unresolved external reference NOWHERE"):
        load(b.object_deck)
    with pytest.raises(MachineError):
        load(b"\x02" + b"x" * 50)


def test_core_image_is_absolute_from_zero():
    a = assemble("T        START X'10'\n         DC    X'01'\n         DS    CL20\n         END\n")
    assert a.core == bytes(0x10) + b"\x01"
