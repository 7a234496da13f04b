"""Card punches (2540P, 3525, 1442): EBCDIC and ASCII output, through channel programs."""
from s370.channel import SLI
from s370.devices.base import CE_DE, UNIT_CHECK
from s370.devices.punch import CardPunch
from s370.ebcdic import to_ebcdic
from tests.s370.io_support import ccw, machine, run_io

PCH = 0x00D


def punch(m, text, cmd=0x01, flags=0, count=80):
    m.storage.mem[0x600:0x600 + 80] = to_ebcdic(text.ljust(80))
    return run_io(m, PCH, ccw(cmd, 0x600, flags, count))[1]


def test_ebcdic_punch_writes_80_byte_records(tmp_path):
    m = machine(CardPunch(PCH, ["out.pch"], tmp_path))
    assert punch(m, "CARD ONE")[2:] == (CE_DE, 0, 0)
    punch(m, "CARD TWO", cmd=0x41)
    assert (tmp_path / "out.pch").read_bytes() == to_ebcdic("CARD ONE".ljust(80) + "CARD TWO".ljust(80))


def test_ascii_punch_writes_lines_and_crlf(tmp_path):
    m = machine(CardPunch(PCH, ["out.txt", "ascii"], tmp_path))
    punch(m, "HELLO   ")
    punch(m, "WORLD", cmd=0x81)
    assert (tmp_path / "out.txt").read_text() == "HELLO\nWORLD\n"
    m = machine(CardPunch(PCH, ["crlf.txt", "ascii", "crlf"], tmp_path, devtype=0x2540))
    punch(m, "X")
    assert (tmp_path / "crlf.txt").read_bytes() == b"X\r\n"


def test_short_card_is_padded_and_incorrect_length(tmp_path):
    m = machine(CardPunch(PCH, ["out.pch"], tmp_path))
    c = punch(m, "AB", count=2)
    assert c[3] == 0x40
    assert punch(m, "CD", count=2, flags=SLI)[3] == 0
    data = (tmp_path / "out.pch").read_bytes()
    assert data[80:160] == to_ebcdic("CD".ljust(80))


def test_control_sense_and_unwritable_file(tmp_path):
    m = machine(CardPunch(PCH, ["out.pch"], tmp_path, devtype=0x1442))
    assert run_io(m, PCH, ccw(0x03, 0, 0, 1))[1][2] == CE_DE
    assert run_io(m, PCH, ccw(0x02, 0x600, 0, 80))[1][2] == CE_DE | UNIT_CHECK
    m = machine(CardPunch(PCH, [], tmp_path))                   # no file
    assert punch(m, "X")[2] == CE_DE | UNIT_CHECK
    run_io(m, PCH, ccw(0x04, 0x700, 0, 1))
    assert m.storage.read(0x700, 1) == b"\x40"
