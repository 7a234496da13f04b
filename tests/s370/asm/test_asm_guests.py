"""Guest programs in guests/s370, assembled by the test suite and run on the
machine: they check their own results. Also the IPL deck through a card reader."""
from __future__ import annotations

from pathlib import Path

import pytest

from s370 import config
from s370.asm import assemble_file
from s370.machine import Machine

GUESTS = Path(__file__).resolve().parents[3] / "guests" / "s370"


def assembled(name: str):
    a = assemble_file(GUESTS / name)
    assert a.rc == 0, [m.format() for m in a.errors]
    return a


def console_machine(tmp_path: Path, extra: str = "") -> Machine:
    cfg = config.parse("MAINSIZE 1\n009 3215-C\n" + extra, tmp_path, "<test>")
    return Machine.from_config(cfg)


@pytest.mark.parametrize("name", sorted(p.name for p in GUESTS.glob("*.asm")))
def test_every_guest_assembles_cleanly(name):
    assembled(name)


def test_hello_writes_on_the_console(tmp_path):
    a = assembled("hello.asm")
    m = console_machine(tmp_path)
    m.load_image(a.core)
    m.ipl_psw()
    r = m.run(10_000)
    assert r.stop == "wait" and m.cpu.psw == 0x0002000000000000
    assert "HELLO, WORLD FROM S370VM" in m.console_log.text


def test_selftest_passes_on_a_bare_machine():
    a = assembled("selftest.asm")
    m = Machine(1 << 20)
    m.load_image(a.core)
    m.ipl_psw()
    r = m.run(10_000)
    # no console: the SIO gets CC 3 and the program still ends in its success wait
    assert r.stop == "wait" and m.cpu.psw == 0x0002000000000000


def test_selftest_reports_failure_code():
    a = assembled("selftest.asm")
    m = Machine(1 << 20)
    m.load_image(a.core)
    table = a.symbols["TABLE"].value
    m.storage.mem[table + 8:table + 12] = (31).to_bytes(4, "big")   # break check 6
    m.ipl_psw()
    m.run(10_000)
    assert m.cpu.psw == 0x000200000000FF06


def test_ipl_deck_loads_and_starts_the_program(tmp_path):
    a = assembled("selftest.asm")
    deck = tmp_path / "selftest.ipl"
    deck.write_bytes(a.ipl_deck())
    assert len(deck.read_bytes()) % 80 == 0
    m = console_machine(tmp_path, f"00C 3505 {deck} ebcdic\n")
    m.ipl(0x00C)
    r = m.run(20_000)
    assert r.stop == "wait" and m.cpu.psw & 0xFFFFFF == 0, hex(m.cpu.psw)
    assert "SELFTEST OK" in m.console_log.text
    data = a.symbols["DATA"].value          # the program changes its data area
    assert bytes(m.storage.mem[0x400:data]) == a.core[0x400:data]


def test_ipl_deck_with_entry_psw(tmp_path):
    from s370.asm import assemble
    a = assemble("T        START X'200'\n         LPSW  X'208'\n         DS    0D\n"
                 "         DC    X'000200000000ABCD'\n         END   T\n")
    deck = tmp_path / "t.ipl"
    deck.write_bytes(a.ipl_deck())
    m = console_machine(tmp_path, f"00C 3505 {deck} ebcdic\n")
    m.ipl(0x00C)
    m.run(1000)
    assert m.cpu.psw == 0x000200000000ABCD


def test_ipl_deck_layout():
    from s370.asm.ipl import ipl_deck
    image = bytes.fromhex("000000000000ABCD") + bytes(200)         # 208 bytes: 3 program cards
    deck = ipl_deck(image)
    cards = [deck[k:k + 80] for k in range(0, len(deck), 80)]
    assert len(cards) == 1 + 1 + 3
    # card 1: PSW, READ 80 bytes of the next card into the CCW area (X'D0') chained
    # with SILI, then TIC to it
    assert cards[0][:24].hex().upper() == "000000000000ABCD" "020000D060000050" "080000D000000000"
    ccws = cards[1]
    assert ccws[0:8].hex().upper() == "0200000060000050"              # card at 0
    assert ccws[8:16].hex().upper() == "0200005060000050"             # card at X'50'
    assert ccws[16:24].hex().upper() == "020000A020000030"            # last: 48 bytes, no chain
    assert ccws[72:80].hex().upper() == "080000D000000000"            # TIC in slot 9
    assert cards[2] == image[0:80] and cards[4][:48] == image[160:208]
