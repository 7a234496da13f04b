"""s370/devices/ctca.py: the channel-to-channel adapter's command table (SA22-7091
"Command Operation"; GA22-6983): a command against an available side waits and
raises attention there; SENSE COMMAND BYTE names it; the complementary command
moves the data and ends both; non-complementary commands get busy + attention;
WRITE EOF in extended mode ends the other side's read with unit exception;
an uncoupled adapter is not ready (intervention required)."""
from __future__ import annotations

from hypothesis import given, strategies as st

from s370.devices.base import ATTENTION, BUSY, CE_DE, UNIT_CHECK, UNIT_EXCEPTION
from s370.devices.ctca import CTCA, couple


def pair():
    a, b = CTCA(0x500), CTCA(0x600)
    couple(a, b)
    return a, b


def test_write_waits_raises_attention_and_the_read_completes_both():
    a, b = pair()
    r = a.execute(0x01, 5, b"HELLO")
    assert r.pending and b.attention and not a.ready()
    scb = b.execute(0x14, 1, None)
    assert (scb.status, scb.data) == (CE_DE, b"\x01")
    got = b.execute(0x02, 80, None)
    assert (got.status, got.data) == (CE_DE, b"HELLO")          # shorter write decides
    assert a.ready()
    done = a.execute(0x01, 5, b"HELLO")                           # the channel resumes it
    assert (done.status, done.length) == (CE_DE, 5) and not a.ready()


def test_read_waits_and_a_longer_write_is_cut_to_the_read_count():
    a, b = pair()
    assert a.execute(0x02, 3, None).pending and b.attention
    w = b.execute(0x01, 6, b"ABCDEF")
    assert (w.status, w.length) == (CE_DE, 3)                     # the writer sees 3 of 6
    done = a.execute(0x02, 3, None)
    assert done.data == b"ABC"


def test_control_is_ended_by_the_other_sides_sense_command_byte():
    a, b = pair()
    assert a.execute(0x07, 1, b"\0").pending and b.attention
    scb = b.execute(0x14, 1, None)
    assert scb.data == b"\x07" and a.ready()
    assert a.execute(0x07, 1, b"\0").status == CE_DE


def test_non_complementary_commands_get_busy_and_attention():
    a, b = pair()
    a.execute(0x01, 1, b"x")
    assert b.execute(0x01, 1, b"y").status == BUSY | ATTENTION      # write against write
    c, d = pair()
    c.execute(0x07, 1, b"\0")
    assert d.execute(0x02, 1, None).status == BUSY | ATTENTION      # read against control


def test_no_operation_follows_the_table():
    a, b = pair()
    assert b.execute(0x03, 1, b"\0").status == CE_DE                 # other side available
    a.execute(0x02, 1, None)
    assert b.execute(0x03, 1, b"\0").status == BUSY | ATTENTION      # other side waits
    assert CTCA(0x700).execute(0x03, 1, b"\0").status == CE_DE | UNIT_CHECK   # uncoupled


def test_sense_command_byte_with_the_other_side_available_is_zero():
    a, b = pair()
    assert b.execute(0x14, 1, None).data == b"\0"


def test_write_eof_in_extended_mode_gives_the_next_read_unit_exception():
    a, b = pair()
    assert a.execute(0xC3, 1, b"\0").status == CE_DE and a.extended
    assert a.execute(0x81, 1, b"\0").status == CE_DE               # ends at once
    r = b.execute(0x02, 80, None)
    assert r.status == CE_DE | UNIT_EXCEPTION and r.data is None
    assert b.execute(0x02, 80, None).pending                       # only once


def test_write_eof_ends_a_waiting_read_with_unit_exception():
    a, b = pair()
    a.execute(0xC3, 1, b"\0")
    b.execute(0x02, 80, None)
    assert a.execute(0xC3, 1, b"\0").status == BUSY | ATTENTION   # mode change: not now
    a.execute(0x81, 1, b"\0")
    assert b.ready() and b.execute(0x02, 80, None).status == CE_DE | UNIT_EXCEPTION


def test_in_basic_mode_x81_is_a_write():
    a, b = pair()
    assert a.execute(0x81, 2, b"hi").pending
    assert b.execute(0x02, 2, None).data == b"hi"


def test_set_basic_mode_returns_from_extended():
    a, b = pair()
    a.execute(0xC3, 1, b"\0")
    a.execute(0x83, 1, b"\0")
    assert not a.extended


def test_uncoupled_adapter_is_not_ready():
    a = CTCA(0x500)
    r = a.execute(0x01, 1, b"x")
    assert r.status == CE_DE | UNIT_CHECK and a.execute(0x04, 1, None).data == b"\x40"


def test_unknown_command_is_rejected():
    a, b = pair()
    assert a.execute(0x24, 1, None).status == CE_DE | UNIT_CHECK
    assert a.execute(0x04, 1, None).data == b"\x80"


def test_reset_drops_the_waiting_command():
    a, b = pair()
    a.execute(0x01, 1, b"x")
    a.reset()
    assert b.execute(0x14, 1, None).data == b"\0"


def test_recoupling_uncouples_the_old_partner():
    a, b = pair()
    c = CTCA(0x700)
    couple(a, c)
    assert b.peer is None and a.peer is c and c.peer is a


COMMANDS = [0x01, 0x02, 0x0C, 0x07, 0x14, 0xC3, 0x83, 0x81, 0x03, 0x04, 0x24, 0x17]
OUTCOMES = {CE_DE, CE_DE | UNIT_EXCEPTION, BUSY | ATTENTION, CE_DE | UNIT_CHECK}   # the table's


@given(st.lists(st.tuples(st.sampled_from("ab"), st.sampled_from(COMMANDS),
                          st.binary(min_size=1, max_size=8)), max_size=40))
def test_property_any_interleaving_of_both_sides_commands(steps):
    """Whatever the two programs issue, in any order: no exception, every ending
    is one of the table's, and every byte a side reads was written by the other
    (a read gets a prefix of a write the other side issued)."""
    a, b = pair()
    side = {"a": a, "b": b}
    held = {"a": None, "b": None}
    written = {"a": [], "b": []}
    for who, cmd, data in steps:
        dev, other = side[who], "b" if who == "a" else "a"
        if held[who] is not None:
            if not dev.ready():
                continue
            cmd, data = held[who]
            held[who] = None
        elif cmd & 3 == 1:
            written[who].append(data)
        r = dev.execute(cmd, len(data), data if cmd & 3 in (1, 3) else None)
        if r.pending:
            held[who] = (cmd, data)
            continue
        assert r.status in OUTCOMES
        if r.data and (cmd & 3 == 2 or cmd & 0x0F == 0x0C):        # Read, Read Backward
            assert any(w.startswith(r.data) for w in written[other])
