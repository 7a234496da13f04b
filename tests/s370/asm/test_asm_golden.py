"""Golden listings and object decks of representative programs (the guests), and
the command line: ``s370vm asm``, ``s370vm disasm`` and ``s370vm run`` of a source.

The golden files were reviewed by hand against HLASM's layout; regenerate them only
for a deliberate change of the output (and review the diff)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from s370.asm import assemble
from s370vm.main import main

HERE = Path(__file__).resolve().parent
GUESTS = HERE.parents[2] / "guests" / "s370"


@pytest.mark.parametrize("name", ["hello", "selftest"])
def test_golden_listing_and_object_deck(name):
    a = assemble((GUESTS / f"{name}.asm").read_text(), f"{name}.asm")
    assert a.listing == (HERE / "golden" / f"{name}.lst").read_text()
    assert a.object_deck == (HERE / "golden" / f"{name}.obj").read_bytes()


def test_cli_asm_writes_outputs_and_returns_rc(tmp_path, capsys):
    obj, lst, img, ipl = (tmp_path / n for n in ("h.obj", "h.lst", "h.img", "h.ipl"))
    rc = main(["asm", str(GUESTS / "hello.asm"), "-o", str(obj), "--listing", str(lst),
               "--core", str(img), "--ipl-deck", str(ipl)])
    assert rc == 0
    a = assemble((GUESTS / "hello.asm").read_text(), str(GUESTS / "hello.asm"))
    assert obj.read_bytes() == a.object_deck and img.read_bytes() == a.core
    assert lst.read_text() == a.listing and ipl.read_bytes() == a.ipl_deck()
    bad = tmp_path / "bad.asm"
    bad.write_text("         L     1,NOWHERE\n         END\n")
    capsys.readouterr()
    assert main(["asm", str(bad), "--json"]) == 8
    report = json.loads(capsys.readouterr().out)
    assert report["rc"] == 8 and report["errors"][0]["line"] == 1
    assert report["errors"][0]["column"] == 16
    assert main(["asm", str(tmp_path / "missing.asm")]) == 16


def test_cli_disasm(tmp_path, capsys):
    img = tmp_path / "x.img"
    img.write_bytes(bytes.fromhex("05C047F0C00A07FE"))
    assert main(["disasm", str(img), "--start", "2", "--length", "4"]) == 0
    assert capsys.readouterr().out == "000002  47F0 C00A       B     10(,12)\n"


def test_cli_run_source_object_deck_and_errors(tmp_path, capsys):
    src = tmp_path / "t.asm"
    src.write_text("T        START X'200'\n         LA    5,7\n         LPSW  PSW\n"
                   "         DS    0D\nPSW      DC    X'0002000000000000'\n         END   T\n"
                   .replace("LPSW  PSW", "LPSW  X'208'"))
    assert main(["run", str(src), "--json", "--max-instructions", "100"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["stop"] == "wait" and out["gpr"][5] == "00000007"
    deck = tmp_path / "t.obj"
    assert main(["asm", str(src), "-o", str(deck)]) == 0
    capsys.readouterr()
    assert main(["run", str(deck), "--json", "--max-instructions", "100"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["stop"] == "wait" and out["gpr"][5] == "00000007"
    bad = tmp_path / "bad.asm"
    bad.write_text("         LR    1,\n         END\n")
    with pytest.raises(SystemExit) as exc:
        main(["run", str(bad)])
    assert exc.value.code == 8
    assert "bad.asm:1:" in capsys.readouterr().err
