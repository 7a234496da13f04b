"""Card readers (2540R, 3505, 1442): ASCII and EBCDIC decks, end of deck, missing
deck, options, through channel programs."""
from s370.channel import SLI
from s370.devices.base import CE_DE, UNIT_CHECK, UNIT_EXCEPTION
from s370.devices.reader import CardReader
from s370.ebcdic import to_ebcdic
from tests.s370.io_support import PROGRAM, ccw, machine, run_io

RDR = 0x00C


def read_card(m, cmd=0x02, flags=0, count=80):
    return run_io(m, RDR, ccw(cmd, 0x600, flags, count))[1]


def reader(tmp_path, text: bytes, *opts, devtype=0x3505):
    (tmp_path / "deck").write_bytes(text)
    return machine(CardReader(RDR, ["deck", *opts], tmp_path, devtype=devtype))


def test_ascii_deck_cards_translated_and_padded(tmp_path):
    m = reader(tmp_path, b"//JOB CARD\n\tX\n", "ascii")
    c = read_card(m)
    assert c == (0, PROGRAM + 8, CE_DE, 0, 0)
    assert m.storage.read(0x600, 80) == to_ebcdic("//JOB CARD".ljust(80))
    read_card(m)
    assert m.storage.read(0x600, 80) == to_ebcdic("        X".ljust(80))


def test_end_of_deck_is_intervention_required_or_unit_exception_with_eof(tmp_path):
    m = reader(tmp_path, b"ONE\n", "ascii")
    read_card(m)
    c = read_card(m)
    assert c[2] == CE_DE | UNIT_CHECK and c[4] == 80
    run_io(m, RDR, ccw(0x04, 0x700, 0, 1))
    assert m.storage.read(0x700, 1) == b"\x40"
    m = reader(tmp_path, b"ONE\n", "ascii", "eof")
    read_card(m)
    c = read_card(m)
    # no data with unit exception: incorrect length, residual = count (issue 21)
    assert c[2] == CE_DE | UNIT_EXCEPTION and c[3] == 0x40 and c[4] == 80


def test_missing_deck_is_intervention_required_not_a_crash(tmp_path):
    m = machine(CardReader(RDR, ["nothere.txt"], tmp_path))
    c = read_card(m)
    assert c[2] == CE_DE | UNIT_CHECK
    run_io(m, RDR, ccw(0x04, 0x700, 0, 1))
    assert m.storage.read(0x700, 1) == b"\x40"


def test_ebcdic_deck_records_and_autopad(tmp_path):
    deck = bytes(range(80)) + b"\xC1\xC2"
    m = reader(tmp_path, deck, "ebcdic")
    read_card(m)
    assert m.storage.read(0x600, 80) == bytes(range(80))
    c = read_card(m)
    assert c[2] == CE_DE | UNIT_CHECK                      # short last card: data check
    run_io(m, RDR, ccw(0x04, 0x700, 0, 1))
    assert m.storage.read(0x700, 1) == b"\x08"
    m = reader(tmp_path, deck, "ebcdic", "autopad")
    read_card(m)
    read_card(m)
    assert m.storage.read(0x600, 80) == b"\xC1\xC2" + bytes(78)


def test_long_ascii_line_is_data_check_unless_trunc(tmp_path):
    m = reader(tmp_path, b"X" * 90 + b"\n", "ascii")
    assert read_card(m)[2] == CE_DE | UNIT_CHECK
    m = reader(tmp_path, b"X" * 90 + b"\n", "ascii", "trunc")
    assert read_card(m)[2] == CE_DE
    assert m.storage.read(0x600, 80) == to_ebcdic("X" * 80)


def test_format_guessed_without_ascii_or_ebcdic(tmp_path):
    m = reader(tmp_path, b"HELLO\n")
    read_card(m)
    assert m.storage.read(0x600, 5) == to_ebcdic("HELLO")
    m = reader(tmp_path, bytes(range(160)))
    read_card(m)
    assert m.storage.read(0x600, 80) == bytes(range(80))


def test_stacker_select_reads_feed_controls_and_short_count(tmp_path):
    m = reader(tmp_path, b"A\nB\nC\n", "ascii", devtype=0x2540)
    assert read_card(m, cmd=0x42)[2] == CE_DE
    assert run_io(m, RDR, ccw(0x23, 0, 0, 1))[1][2] == CE_DE       # feed/select
    c = read_card(m, cmd=0x82, count=40)
    assert c[3] == 0x40 and c[4] == 0                                 # IL: card has 80
    c = read_card(m, flags=SLI, count=100)
    assert c[2:] == (CE_DE, 0, 20)
    assert m.storage.read(0x600, 1) == to_ebcdic("C")
    assert run_io(m, RDR, ccw(0x01, 0x600, 0, 80))[1][2] == CE_DE | UNIT_CHECK


def test_devinit_loads_a_new_deck(tmp_path):
    m = reader(tmp_path, b"A\n", "ascii", devtype=0x1442)
    read_card(m)
    (tmp_path / "deck2").write_text("NEW\n")
    m.devinit(RDR, ["deck2", "ascii"])
    read_card(m)
    assert m.storage.read(0x600, 3) == to_ebcdic("NEW")
