"""Real IBM stand-alone programs (/work/shared/real, see its README), run end to end
with the configurations and operator scripts of guests/real:

- IBCDASDI initializes a labelled 3330 as SPOOL0, IPLed from the card deck and
  from the MVS starter tape;
- IBCDMPRS, IPLed from the same tape after it, restores SPOOL0 from tape file 2
  (67.5 MB; about 18 s);
- DMKDDR prints cylinder 0 of the restored volume on a 1403.

These are the emulator's test against software nobody here wrote: they pass when
the programs reach their normal ends exactly as on a real machine (or Hercules).
"""
import contextlib
import io
import json
import os
import shutil
from pathlib import Path

import pytest

from s370.devices.ckd import CKDImage
from s370.ebcdic import to_ascii
from s370vm.main import main

REAL = Path(os.environ.get("S370VM_REAL", "/work/shared/real"))
GUESTS = Path(__file__).resolve().parents[2] / "guests" / "real"
MEDIA = ("vs2spool.het", "dmkddr.aws", "dmkddr.ebc", "ibcdasdi.ebc", "inspool0.sajob",
         "rsspool0.sajob")

pytestmark = pytest.mark.skipif(not all((REAL / f).exists() for f in MEDIA),
                                reason="real IBM media not available")


def folder(path: Path) -> Path:
    """A run folder: the shipped configurations and scripts, links to the media."""
    path.mkdir(parents=True, exist_ok=True)
    for f in GUESTS.iterdir():
        shutil.copy(f, path / f.name)
    for f in MEDIA:
        (path / f).symlink_to(REAL / f)
    return path


def ipl(capsys, where: Path, device: str, cnf: str, ops: str) -> tuple[int, dict]:
    capsys.readouterr()
    rc = main(["ipl", device, "--config", str(where / cnf), "--script", str(where / ops), "--json"])
    return rc, json.loads(capsys.readouterr().out)


def dasdinit(capsys, where: Path) -> None:
    assert main(["dasdinit", "-a", str(where / "spool0.3330"), "3330", "BBBBBB"]) == 0
    capsys.readouterr()


def vol1(image: Path) -> str:
    img = CKDImage(image, readonly=True)
    try:
        rec = img.read_track(0, 0).records[3]
        return to_ascii(rec.data)
    finally:
        img.close()


def test_ibcdasdi_from_the_card_deck_labels_spool0(tmp_path, capsys):
    where = folder(tmp_path)
    (where / "deck.cnf").write_text("009 1052-C\n00C 2540R ibcdasdi.ebc ebcdic\n"
                                    "00E 1442 inspool0.sajob ascii\n151 3330 spool0.3330\n")
    dasdinit(capsys, where)
    rc, out = ipl(capsys, where, "00C", "deck.cnf", "dasdi.ops")
    assert rc == 0, out.get("error")
    console = out["console"]
    assert "IBC105A  DEFINE INPUT DEVICE. DASDI  7.80" in console
    assert "VLD NEWVOLID=SPOOL0,OWNERID=HERCULES" in console
    assert "IBC163A  END OF JOB." in console
    # then it finds reader 00E empty: intervention required, and waits at X'1111'
    assert "IBC154A  READY READER 00E." in console
    assert out["stop"] == "wait" and out["psw"].endswith("00001111")
    label = vol1(where / "spool0.3330")
    assert label.startswith("VOL1SPOOL0") and "HERCULES" in label


@pytest.fixture(scope="module")
def restored(tmp_path_factory):
    """IBCDASDI then IBCDMPRS from vs2spool.het, in one run: the restored folder
    and the run's JSON report."""
    where = folder(tmp_path_factory.mktemp("spool0"))
    assert main(["dasdinit", "-a", str(where / "spool0.3330"), "3330", "BBBBBB"]) == 0
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = main(["ipl", "281", "--config", str(where / "spool0.cnf"),
                   "--script", str(where / "spool0.ops"), "--json"])
    return where, rc, json.loads(buf.getvalue().splitlines()[-1])


def test_ibcdasdi_then_ibcdmprs_restore_spool0_from_tape(restored):
    where, rc, out = restored
    assert rc == 0, out.get("error")
    console = out["console"]
    first, _, second = console.partition("IBC105A DEFINE INPUT DEVICE. DUMP/RESTORE 7.83")
    assert "DASDI  7.80" in first and first.count("IBC163A  END OF JOB.") == 1
    assert "RESTORE FROMDEV=3400,FROMADDR=281,TODEV=3330,TOADDR=151," in second
    assert second.rstrip().endswith("IBC163A  END OF JOB.")
    assert out["stop"] == "wait" and out["psw"].endswith("0000EEEE")
    label = vol1(where / "spool0.3330")
    assert label.startswith("VOL1SPOOL0") and "OS/VS2" in label
    img = CKDImage(where / "spool0.3330", readonly=True)
    try:                                       # the VTOC starts at cylinder 0 head 1
        fmt4 = img.read_track(0, 1).records[1]
        assert fmt4.key == b"\x04" * 44 and fmt4.data[0] == 0xF4
    finally:
        img.close()


def test_dmkddr_prints_cylinder_0_of_the_restored_volume(restored, capsys):
    where, rc, _ = restored
    rc, out = ipl(capsys, where, "181", "dmkddr.cnf", "dmkddr.ops")
    assert rc == 0, out.get("error")
    console = out["console"]
    assert "VM/370 DASD DUMP/RESTORE PROGRAM RELEASE 6" in console
    assert "PRINTING  SPOOL0" in console and "END OF PRINT" in console
    assert "END OF JOB" in console
    text = (where / "print00e.txt").read_bytes().decode("latin-1")
    # no form feed first: DMKDDR's immediate skip to channel 1 finds the carriage
    # there (1403; Hercules' print, ../shared/real/dmkddr-restore-print00e.txt,
    # starts with the first line too)
    assert text.startswith("CYL 000 HD 00 HOME ADDRESS 0000000000 RECORD ZERO 0000000000 00 0008")
    assert "*VOL1SPOOL0" in text
    assert "CYL 000 HD 18" in text and "CYL 001" not in text   # cylinder 0 only


def test_dmkddr_from_the_card_deck_prints_the_same(restored, capsys):
    where, _, _ = restored
    if not (where / "print00e.txt").exists():
        rc, _ = ipl(capsys, where, "181", "dmkddr.cnf", "dmkddr.ops")
        assert rc == 0
    (where / "deck.cnf").write_text("009 3215-C\n00C 2540R dmkddr.ebc ebcdic\n"
                                    "00E 1403 printdeck.txt\n151 3330 spool0.3330\n")
    rc, out = ipl(capsys, where, "00C", "deck.cnf", "dmkddr.ops")
    assert rc == 0, out.get("error")
    assert (where / "printdeck.txt").read_bytes() == (where / "print00e.txt").read_bytes()
