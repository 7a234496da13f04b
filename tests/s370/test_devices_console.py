"""3215 and 1052 consoles (Hercules' integrated console behaviour): every command
through a channel program, input typed before and during a read, attention."""
import pytest

from s370.channel import SLI
from s370.devices.base import CE_DE, UNIT_CHECK
from s370.devices.console import Console, ConsoleLog
from s370.ebcdic import to_ascii, to_ebcdic
from tests.s370.io_support import PROGRAM, ccw, csw, machine, put, run_io, sio, tio


@pytest.fixture(params=[0x3215, 0x1052])
def con(request):
    log = ConsoleLog()
    dev = Console(0x01F, log=log, devtype=request.param)
    return machine(dev), dev, log


def test_write_with_and_without_carrier_return(con):
    m, dev, log = con
    m.storage.mem[0x600:0x605] = to_ebcdic("READY")
    m.storage.mem[0x610:0x613] = to_ebcdic("ABC")
    _, c = run_io(m, 0x01F, ccw(0x01, 0x600, 0, 5))
    assert c == (0, PROGRAM + 8, CE_DE, 0, 0)
    _, c = run_io(m, 0x01F, ccw(0x09, 0x610, 0, 3))
    assert log.text == "READYABC\n"


def test_write_translates_unprintable_bytes_to_blanks(con):
    m, dev, log = con
    m.storage.mem[0x600:0x603] = b"\xC1\x00\xC2"
    run_io(m, 0x01F, ccw(0x09, 0x600, 0, 3))
    assert log.text == "A B\n"


def test_read_with_line_typed_before_gets_it_and_attention_was_raised(con):
    m, dev, log = con
    dev.type_line("input=1442,00e")
    assert dev.attention
    _, c = run_io(m, 0x01F, ccw(0x0A, 0x600, SLI, 80))
    assert to_ascii(m.storage.read(0x600, 14)) == "input=1442,00e"
    assert c == (0, PROGRAM + 8, CE_DE, 0, 80 - 14)
    assert log.text == "input=1442,00e\n"              # the typed line shows in the log


def test_read_without_sli_shorter_line_is_incorrect_length(con):
    m, dev, log = con
    dev.type_line("HI")
    _, c = run_io(m, 0x01F, ccw(0x0A, 0x600, 0, 80))
    assert c[3] == 0x40 and c[4] == 78


def test_read_waits_for_the_line(con):
    m, dev, log = con
    put(m, ccw(0x0A, 0x600, SLI, 10))
    assert sio(m, 0x01F) == 0
    assert dev.read_waiting()
    assert tio(m, 0x01F) == 2
    dev.type_line("")                                       # empty line completes the read
    assert not dev.attention
    m.channel.poll(m.cpu)
    assert tio(m, 0x01F) == 1 and csw(m)[2:] == (CE_DE, 0, 10)


def test_empty_line_with_no_read_is_attention_alone(con):
    m, dev, log = con
    dev.type_line("")
    assert dev.attention and not dev.lines


def test_alarm_nop_sense_and_sense_id(con):
    m, dev, log = con
    _, c = run_io(m, 0x01F, ccw(0x0B, 0, 0, 1))
    assert c[2] == CE_DE and dev.alarms == 1
    _, c = run_io(m, 0x01F, ccw(0x03, 0, 0, 1))
    assert c[2:4] == (CE_DE, 0)
    _, c = run_io(m, 0x01F, ccw(0xE4, 0x600, 0, 7))
    t = dev.devtype.to_bytes(2, "big")
    assert m.storage.read(0x600, 7) == b"\xff" + t + b"\x00" + t + b"\x00"
    _, c = run_io(m, 0x01F, ccw(0x05, 0x600, 0, 1))       # not a console command
    assert c[2] == CE_DE | UNIT_CHECK
    _, c = run_io(m, 0x01F, ccw(0x04, 0x600, 0, 1))
    assert m.storage.read(0x600, 1) == b"\x80" and c[2:] == (CE_DE, 0, 0)


def test_console_log_find_moves_the_mark():
    log = ConsoleLog()
    log.write("IBC105A DEFINE\nIBC163A END\n")
    assert log.find("IBC105A")
    assert not log.find("IBC105A")
    assert log.find("END")
    assert log.last_lines(1) == ["IBC163A END"]
