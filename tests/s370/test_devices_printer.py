"""The 1403 printer: the Hercules print file for every carriage-control command."""
import pytest

from s370.devices.base import CE_DE, UNIT_CHECK
from s370.devices.printer import Printer
from s370.ebcdic import to_ebcdic
from tests.s370.io_support import ccw, machine, run_io

PRT = 0x00E


@pytest.fixture
def prt(tmp_path):
    return machine(Printer(PRT, ["print.txt"], tmp_path)), tmp_path / "print.txt"


def write(m, cmd, text):
    data = to_ebcdic(text)
    m.storage.mem[0x600:0x600 + len(data)] = data
    return run_io(m, PRT, ccw(cmd, 0x600, 0, len(data)))[1]


def control(m, cmd):
    return run_io(m, PRT, ccw(cmd, 0, 0, 1))[1]


def test_write_and_space(prt):
    m, out = prt
    assert write(m, 0x09, "LINE 1   ")[2:] == (CE_DE, 0, 0)
    write(m, 0x11, "LINE 2")
    write(m, 0x19, "LINE 3")
    write(m, 0x01, "OVER")
    write(m, 0x09, "PRINT")
    assert out.read_bytes().decode() == "LINE 1\nLINE 2\n\nLINE 3\n\n\nOVER\rPRINT\n"


def test_write_is_in_the_file_before_channel_end(prt):
    m, out = prt
    write(m, 0x09, "NOW")
    assert out.read_bytes().decode() == "NOW\n"


def test_skip_to_channel_1_is_form_feed(prt):
    # write and skip to channel 1 from line 1: to line 1 of the next page; an
    # immediate skip to channel 1 there moves no paper (1403: the carriage is
    # already at the channel and the previous command spaced)
    m, out = prt
    write(m, 0x89, "TITLE")
    control(m, 0x8B)
    assert out.read_bytes().decode() == "TITLE\f"


def test_immediate_space_and_skip_to_other_channels(prt):
    m, out = prt
    control(m, 0x0B)
    control(m, 0x13)
    control(m, 0x1B)
    assert out.read_bytes().decode() == "\n" * 6
    control(m, 0x93)                        # skip to channel 2 (line 7) from line 7:
    control(m, 0xE3)                        # no motion; channel 12 (line 63)
    text = out.read_bytes().decode()
    assert text == "\n" * 6 + "\n" * 56
    write(m, 0x91, "X")                     # write, skip to channel 2: next page
    assert out.read_bytes().decode().endswith("X\f" + "\n" * 6)


def test_long_line_is_cut_at_132_with_incorrect_length(prt):
    m, out = prt
    c = write(m, 0x09, "A" * 140)
    assert c[3] == 0x40
    assert out.read_bytes().decode() == "A" * 132 + "\n"


def test_rejected_commands_and_accepted_controls(prt):
    m, out = prt
    # a reject is unit check alone, no CE/DE (GA22-7000 "Unit Check"; issue 21)
    assert control(m, 0x37)[2] == UNIT_CHECK                # as DMKDDR sends it
    run_io(m, PRT, ccw(0x04, 0x700, 0, 1))
    assert m.storage.read(0x700, 1) == b"\x80"
    assert control(m, 0x63)[2] == UNIT_CHECK                 # 3211 load FCB
    for cmd in (0x03, 0x23, 0x43, 0x73, 0x7B, 0xEB):
        assert control(m, cmd)[2] == CE_DE
    assert run_io(m, PRT, ccw(0x02, 0x600, 0, 1))[1][2] == UNIT_CHECK


def test_crlf_option(tmp_path):
    m = machine(Printer(PRT, ["p.txt", "crlf"], tmp_path))
    write(m, 0x11, "A")
    assert (tmp_path / "p.txt").read_bytes() == b"A\r\n\r\n"


def test_unwritable_file_is_intervention_required(tmp_path):
    (tmp_path / "dir").mkdir()
    m = machine(Printer(PRT, ["dir"], tmp_path))
    assert write(m, 0x09, "X")[2] == CE_DE | UNIT_CHECK
    run_io(m, PRT, ccw(0x04, 0x700, 0, 1))
    assert m.storage.read(0x700, 1) == b"\x40"
