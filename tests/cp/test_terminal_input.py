"""Keyboard bytes from an untrusted peer (cp/terminal_input.py) and the telnet
byte layer (cp/telnet_protocol.py): Enter forms (RFC 854), lenient decoding,
escape sequences, bounded lines and subnegotiations."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cp import telnet_protocol as tp
from cp.terminal_input import (ATTENTION, LINE, MAX_LINE, TOO_LONG, LineAssembler,
                               decode_lenient)


def lines(data: bytes, split: int | None = None) -> list[tuple]:
    """The LINE / TOO_LONG / ATTENTION events of ``data`` (fed in two parts at ``split``)."""
    la = LineAssembler()
    parts = [data] if split is None else [data[:split], data[split:]]
    events = [e for p in parts for e in la.feed(p)]
    return [e for e in events if e[0] in (LINE, TOO_LONG, ATTENTION)]


def test_every_enter_form_is_one_enter_rfc854():
    for enter in (b"\r\n", b"\r\x00", b"\r", b"\n"):
        assert lines(b"LOGON GUEST4" + enter + b"GUEST" + enter) == \
            [(LINE, "LOGON GUEST4"), (LINE, "GUEST")], enter
    assert lines(b"A\r\n", split=2) == [(LINE, "A")]        # CR and LF in different reads
    assert lines(b"\r\n\r\n") == [(LINE, ""), (LINE, "")]    # two Enters are two
    assert lines(b"A\n\rB\r") == [(LINE, "A"), (LINE, ""), (LINE, "B")]   # LF CR is not one


def test_bytes_that_are_not_utf8_are_latin1():
    assert decode_lenient(b"caf\xe9 \xc3\xa9") == "caf\u00e9 \u00e9"
    assert lines("Q \u00e9t\u00e9\r".encode("latin-1")) == [(LINE, "Q \u00e9t\u00e9")]
    assert lines("\u20ac".encode() + b"\r", split=1) == [(LINE, "\u20ac")]   # split UTF-8 waits


def test_escape_sequences_are_swallowed_and_keep_their_enter():
    assert lines(b"\x1b[5mQ USERS\r") == [(LINE, "Q USERS")]
    assert lines(b"Q \x1b[1;31mUSERS\x1b[0m\r") == [(LINE, "Q USERS")]
    assert lines(b"Q\x1bOA USERS\x1b[A\r") == [(LINE, "Q USERS")]      # cursor keys
    assert lines(b"Q USERS\x1b[12\r") == [(LINE, "Q USERS")]           # broken: Enter kept
    assert lines(b"Q USERS\x1b\r") == [(LINE, "Q USERS")]
    assert lines(b"\x1b[" + b"1" * 100 + b"Q\r") == [(LINE, "1" * 70 + "Q")]   # runaway CSI: 32 characters at most (ESC [ and 30)


def test_editing_and_control_keys():
    assert lines(b"Q USEX\x7fRS\r") == [(LINE, "Q USERS")]
    assert lines(b"Q USEX\bRS\r") == [(LINE, "Q USERS")]
    assert lines(b"GARBAGE\x15Q USERS\r") == [(LINE, "Q USERS")]
    assert lines(b"Q\x00\x01\x07\x1f U\x9bSERS\r") == [(LINE, "Q USERS")]
    assert lines(b"AB\x03\r") == [(ATTENTION,), (LINE, "AB")]
    assert lines(b"\x04A\x04\r") == [(LINE, "A")]        # Ctrl-D hangs nothing up


def test_overlong_line_is_refused_and_the_next_line_is_whole():
    data = b"X" * 65536 + b"\r\nQ USERS\r\n"
    assert lines(data) == [(TOO_LONG, 65536), (LINE, "Q USERS")]
    assert lines(b"X" * MAX_LINE + b"\r") == [(LINE, "X" * MAX_LINE)]
    la = LineAssembler()
    la.feed(b"X" * 100000)
    assert len(la.pending) == MAX_LINE                 # memory stays bounded


@given(st.binary(max_size=600), st.integers(0, 600))
def test_any_bytes_give_bounded_printable_lines(data, split):
    for ev in lines(data, split):
        if ev[0] == LINE:
            assert len(ev[1]) <= MAX_LINE and ev[1].isprintable()


def test_telnet_parser_separates_data_commands_and_options():
    p = tp.TelnetParser()
    evs = p.feed(b"AB\xff\xff\xff\xf4C\xff\xfb\x18\xff\xfa\x18\x00VT\xff\xff100\xff\xf0D")
    assert evs == [(tp.DATA, b"AB\xff"), (tp.COMMAND, tp.IP), (tp.DATA, b"C"),
                   (tp.OPTION, tp.WILL, tp.TTYPE), (tp.SUBNEG, tp.TTYPE, b"\x00VT\xff100"),
                   (tp.DATA, b"D")]
    # split anywhere: the same events, data runs aside
    whole = b"\xff\xfd\x01X\xff\xf6Y"
    for cut in range(len(whole) + 1):
        q = tp.TelnetParser()
        got = q.feed(whole[:cut]) + q.feed(whole[cut:])
        assert [e for e in got if e[0] != tp.DATA] == [(tp.OPTION, tp.DO, tp.ECHO), (tp.COMMAND, tp.AYT)]
        assert b"".join(e[1] for e in got if e[0] == tp.DATA) == b"XY"


def test_an_unclosed_subnegotiation_does_not_swallow_the_connection():
    p = tp.TelnetParser()
    evs = p.feed(b"\xff\xfa\x18" + b"x" * tp.MAX_SUBNEG + b"LOGON GUEST1\r")
    assert b"".join(e[1] for e in evs if e[0] == tp.DATA).endswith(b"LOGON GUEST1\r")
