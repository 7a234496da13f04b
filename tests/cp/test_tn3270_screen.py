"""VM/370's 3270 screen (cp/tn3270/vmscreen.py), read back through the
display-buffer model, and the TN3270 telnet layer (RFC 1576, RFC 885)."""
from __future__ import annotations

from s370.ebcdic import to_ascii

from cp.tn3270 import datastream as ds
from cp.tn3270 import negotiation as tn
from cp.tn3270.buffer import Buffer
from cp.tn3270.vmscreen import VMScreen


def shown(buf: Buffer, row: int) -> str:
    line = bytes(buf.chars[row * buf.cols:(row + 1) * buf.cols]).replace(b"\x00", b"\x40")
    return to_ascii(line).rstrip()


def drawn(scr: VMScreen, buf: Buffer | None = None) -> Buffer:
    buf = buf or Buffer(scr.rows, scr.cols, alt=(scr.rows, scr.cols))
    buf.write(scr.full())
    return buf


def test_layout_output_input_and_status_areas_24x80():
    scr = VMScreen(24, 80)
    scr.add_line("LOGON AT 10:00:00", 0)
    buf = drawn(scr)
    assert shown(buf, 0) == "LOGON AT 10:00:00"
    assert buf.attr[1760] == 0                              # input area: row 23, unprotected
    assert buf.attr[1899] == ds.FA_PROTECTED                # status area: last 20 positions
    assert shown(buf, 23).strip() == "CP READ       S370VM"
    assert buf.cursor == 1761
    assert scr.input_length == 138


def test_password_makes_the_input_area_non_display():
    scr = VMScreen()
    buf = drawn(scr)
    scr.password = True
    buf.write(scr.update())
    assert buf.attr[1760] == ds.FA_NONDISPLAY and buf.cursor == 1761


def test_model_5_screen_is_27x132():
    scr = VMScreen(27, 132)
    buf = drawn(scr, Buffer(24, 80, alt=(27, 132)))
    assert (buf.rows, buf.cols) == (27, 132)
    assert buf.attr[25 * 132] == 0 and buf.attr[27 * 132 - 21] == ds.FA_PROTECTED


def test_full_output_area_shows_more_then_scrolls_after_the_wait():
    scr = VMScreen(24, 80, more_wait=60)
    for n in range(25):
        scr.add_line(f"LINE {n}", 100)
    buf = drawn(scr)
    assert shown(buf, 21) == "LINE 21" and "MORE..." in shown(buf, 23)
    scr.tick(159)
    assert scr.status.startswith("MORE...")
    scr.tick(160)
    buf.write(scr.update())
    assert shown(buf, 0) == "LINE 3" and shown(buf, 21) == "LINE 24"
    assert scr.status.startswith("CP READ")


def test_enter_during_more_holds_until_pa2_scroll():
    scr = VMScreen(24, 80, more_wait=1)
    for n in range(23):
        scr.add_line(f"L{n}", 0)
    assert scr.hold() and scr.status.startswith("HOLDING")
    scr.tick(1000)
    assert scr.status.startswith("HOLDING")                # no timeout while holding
    scr.scroll(1000)
    assert scr.status.startswith("CP READ") and scr.output[-1] == b"\xD3\xF2\xF2"


def test_clear_empties_the_output_area_and_shows_waiting_lines_first():
    scr = VMScreen(24, 80)
    for n in range(30):
        scr.add_line(f"L{n}", 0)
    scr.clear(5)
    buf = drawn(scr)
    assert shown(buf, 0) == "L22" and shown(buf, 7) == "L29" and shown(buf, 8) == ""
    assert scr.status.startswith("CP READ")


def test_long_lines_wrap_and_control_characters_show_as_blanks():
    scr = VMScreen(24, 80)
    scr.add_line("X" * 85 + "\x07Y", 0)
    buf = drawn(scr)
    assert shown(buf, 0) == "X" * 80 and shown(buf, 1) == "XXXXX Y"


def test_rfc885_record_doubles_iac_and_ends_with_eor():
    assert tn.record(b"\xf5\xff\xc3") == b"\xf5\xff\xff\xc3\xff\xef"


def test_rfc1576_parser_splits_records_commands_and_subnegotiation():
    p = tn.RecordParser()
    evs = p.feed(bytes((255, 251, 24, 255, 250, 24, 0)) + b"IBM-3278-2" + bytes((255, 240)))
    assert evs == [("cmd", tn.WILL, tn.TTYPE), ("sb", tn.TTYPE, b"\x00IBM-3278-2")]
    p.records = True
    assert p.feed(b"\x7d\x40\xff\xff") == []
    assert p.feed(b"\x40\xff\xef\x6c\xff\xef") == [("record", b"\x7d\x40\xff\x40"), ("record", b"\x6c")]


def test_overlong_record_is_dropped_not_kept():
    p = tn.RecordParser(limit=8)
    p.records = True
    assert p.feed(b"A" * 20 + b"\xff\xef" + b"\x6d\xff\xef") == [("overflow",), ("record", b"\x6d")]


def test_terminal_types_and_their_sizes():
    assert tn.terminal_type("IBM-3278-2").alternate == (24, 80)
    assert tn.terminal_type("ibm-3279-3-e") == tn.Terminal3270("IBM-3279-3-E", "3", True)
    assert tn.terminal_type("IBM-3278-4").alternate == (43, 80)
    assert tn.terminal_type("IBM-3278-5-E").alternate == (27, 132)
    assert tn.terminal_type("VT100") is None and tn.terminal_type("IBM-3287-1") is None
