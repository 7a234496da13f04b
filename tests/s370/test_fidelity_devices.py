"""Device and channel fidelity (issue 21): the 1403's immediate skip to the channel
the carriage is at, the 3505's sense bytes when not ready, the 3420's fixed sense
bytes, the residual count of immediate commands, and HALT I/O on an idle device.

References: GA22-7000 "Immediate Commands" (no data is transferred and the count
is not used: the CSW count is the CCW's) and "Halt I/O" (condition-code table:
an available device gives CC 1 with the status portion of the CSW stored as
zeros); the IBM 1403 component description (a skip to the channel the carriage
is already at moves no paper unless the previous command was a write without
spacing); the 3505 and 3420 sense layouts as Hercules presents them (cardrdr.c:
4 sense bytes, intervention required X'40' with retry X'10' in byte 1;
tapeccws.c build_sense_3420: byte 5 X'C0', 6 X'03', 13 X'80', 14 X'01',
16 X'01', 19 and 20 X'FF')."""
from __future__ import annotations

import pytest

from s370.channel import CC, SLI
from s370.devices.base import CE_DE, UNIT_CHECK
from s370.devices.ckd import create_image, geometry
from s370.devices.dasd import DASD3330
from s370.devices.printer import Printer
from s370.devices.reader import CardReader
from s370.devices.tape import Tape3420
from s370.ebcdic import to_ebcdic
from tests.s370.io_support import (PROGRAM, ccw, channel_start, channel_with, csw,
                                   echo_device, execute, machine, run_io)

PRT, RDR, TAPE = 0x00E, 0x00C, 0x480
CH_IL = 0x40


# ------------------------------------------------------------------ 1403 printer
@pytest.fixture
def prt(tmp_path):
    return machine(Printer(PRT, ["print.txt"], tmp_path)), tmp_path / "print.txt"


def printed(out) -> str:
    return out.read_bytes().decode() if out.exists() else ""


def do(m, cmd, text="", count=None):
    data = to_ebcdic(text)
    m.storage.mem[0x600:0x600 + len(data)] = data
    return run_io(m, PRT, ccw(cmd, 0x600, 0, count if count is not None else max(len(data), 1)))[1]


def test_1403_immediate_skip_to_the_channel_at_hand_moves_no_paper(prt):
    m, out = prt
    c = do(m, 0x8B, count=5)                 # at line 1: skip to channel 1
    assert c[2:] == (CE_DE, 0, 5) and printed(out) == ""


def test_1403_immediate_skip_after_write_without_spacing_ejects(prt):
    m, out = prt
    do(m, 0x01, "OVER")                      # write, no spacing: still at line 1
    do(m, 0x8B)
    assert printed(out) == "OVER\r\f"


def test_1403_immediate_skip_after_write_and_space_to_channel_at_hand(prt):
    # six lines spaced reach line 7 (channel 2); an immediate skip to channel 2
    # there moves nothing; the next write lands on line 7
    m, out = prt
    for _ in range(2):
        do(m, 0x1B)                          # space 3 immediately
    do(m, 0x93)
    do(m, 0x09, "SEVEN")
    assert printed(out) == "\n" * 6 + "SEVEN\n"


def test_1403_write_and_skip_to_the_channel_at_hand_goes_to_the_next_page(prt):
    m, out = prt
    do(m, 0x89, "TITLE")
    assert printed(out) == "TITLE\f"


def test_1403_immediate_space_keeps_the_count_as_residual(prt):
    m, out = prt
    assert do(m, 0x0B, count=7)[2:] == (CE_DE, 0, 7) and printed(out) == "\n"


def test_1403_write_residual_is_what_was_not_printed(prt):
    m, _ = prt
    assert do(m, 0x09, "X" * 10)[2:] == (CE_DE, 0, 0)


# --------------------------------------------------------------- 3505 reader
def reader(tmp_path, text: bytes = b"ONE\n"):
    (tmp_path / "deck").write_bytes(text)
    return machine(CardReader(RDR, ["deck", "ascii"], tmp_path))


def sense4(m):
    c = run_io(m, RDR, ccw(0x04, 0x700, 0, 4))[1]
    return c, bytes(m.storage.mem[0x700:0x704])


def read(m):
    return run_io(m, RDR, ccw(0x02, 0x600, 0, 80))[1]


def test_3505_sense_is_4_bytes_intervention_required_with_retry(tmp_path):
    m = reader(tmp_path)
    assert read(m)[2] == CE_DE
    assert read(m)[2] == CE_DE | UNIT_CHECK             # deck exhausted
    c, s = sense4(m)
    assert c[2:] == (CE_DE, 0, 0) and s == bytes.fromhex("40100000")


def test_3505_sense_with_a_shorter_count_is_incorrect_length(tmp_path):
    m = reader(tmp_path)
    c = run_io(m, RDR, ccw(0x04, 0x700, 0, 1))[1]
    assert c[2:] == (CE_DE, CH_IL, 0)


def test_3505_not_ready_until_devinit(tmp_path):
    m = reader(tmp_path)
    read(m)
    for _ in range(3):                                   # stays not ready
        assert read(m)[2] == CE_DE | UNIT_CHECK
        assert sense4(m)[1] == bytes.fromhex("40100000")
    (tmp_path / "deck2").write_bytes(b"TWO\n")
    m.channel.device(RDR).devinit(["deck2", "ascii"])
    assert read(m)[2:] == (CE_DE, 0, 0)
    assert bytes(m.storage.mem[0x600:0x603]) == to_ebcdic("TWO")
    assert sense4(m)[1] == bytes(4)


def test_3505_missing_deck_sense_has_the_retry_bit(tmp_path):
    m = machine(CardReader(RDR, ["absent"], tmp_path))
    assert read(m)[2] == CE_DE | UNIT_CHECK
    assert sense4(m)[1] == bytes.fromhex("40100000")


def test_3505_feed_control_keeps_the_count_as_residual(tmp_path):
    m = reader(tmp_path)
    assert run_io(m, RDR, ccw(0x03, 0, 0, 9))[1][2:] == (CE_DE, 0, 9)


# ------------------------------------------------------------------ 3420 tape
FIXED = {5: 0xC0, 6: 0x03, 13: 0x80, 14: 0x01, 16: 0x01, 19: 0xFF, 20: 0xFF}


@pytest.fixture
def tape(tmp_path):
    path = tmp_path / "scratch.aws"
    path.write_bytes(b"")
    dev = Tape3420(TAPE, [str(path)])
    yield dev
    dev.close()


def expected_sense(b0: int, b1: int) -> bytes:
    s = bytearray(24)
    s[0], s[1] = b0, b1
    for i, v in FIXED.items():
        s[i] = v
    return bytes(s)


def test_3420_sense_carries_the_fixed_bytes(tape):
    r = tape.execute(0x04, 24, None)
    assert r.data == expected_sense(0, 0x40 | 0x08)      # ready, at load point


def test_3420_sense_of_a_unit_check_carries_them_too(tmp_path):
    dev = Tape3420(TAPE, ["*"])                          # no tape mounted
    assert dev.execute(0x01, 4, b"DATA").status == CE_DE | UNIT_CHECK
    assert dev.execute(0x04, 24, None).data == expected_sense(0x40, 0x20)


@pytest.mark.parametrize("code", [0x03, 0x07, 0x1F, 0x17])  # NOP, rewind, WTM, erase gap
def test_3420_immediate_commands_keep_the_count_as_residual(tape, code):
    ch, mem = channel_with(tape)
    _, c = channel_start(ch, mem, TAPE, ccw(code, 0, 0, 12))
    assert c[4:] == bytes((CE_DE, 0, 0, 12))


def test_3420_chained_immediates_csw_names_the_last_with_its_count(tape):
    ch, mem = channel_with(tape)
    _, c = channel_start(ch, mem, TAPE, ccw(0x07, 0, CC, 3) + ccw(0x03, 0, 0, 5))
    assert int.from_bytes(c[1:4], "big") == PROGRAM + 16 and c[4:] == bytes((CE_DE, 0, 0, 5))


# ------------------------------------------------------------------ 3330 DASD
def test_dasd_nop_keeps_the_count_as_residual(tmp_path):
    path = tmp_path / "v.3330"
    create_image(path, geometry("3330"), "VOL001", cylinders=2)
    dev = DASD3330(0x151, [str(path)])
    try:
        ch, mem = channel_with(dev)
        _, c = channel_start(ch, mem, 0x151, ccw(0x03, 0, 0, 6))
        assert c[4:] == bytes((CE_DE, 0, 0, 6))
    finally:
        dev.close()


# ----------------------------------------------------------- the channel, HIO
def test_nop_to_any_device_keeps_the_count_and_no_incorrect_length():
    m = machine(echo_device())
    assert run_io(m, 0x181, ccw(0x03, 0, 0, 40))[1][2:] == (CE_DE, 0, 40)


def test_hio_idle_device_cc1_status_portion_zero():
    m = machine(echo_device())
    m.storage.mem[0x40:0x48] = bytes.fromhex("1122334455667788")
    assert execute(m, "9E000181") == 1
    assert bytes(m.storage.mem[0x40:0x48]) == bytes.fromhex("1122334400000000")
    assert csw(m)[2:] == (0, 0, 0)


def test_hio_unknown_device_cc3():
    m = machine(echo_device())
    assert execute(m, "9E000182") == 3


def test_immediate_with_sli_is_unchanged():
    m = machine(echo_device())
    assert run_io(m, 0x181, ccw(0x03, 0, SLI, 2))[1][2:] == (CE_DE, 0, 2)
