"""``s370vm dasdinit``: the volume it writes has Hercules dasdinit's structure (header,
HA + R0 on every track, IPL1/IPL2/VOL1 on cylinder 0 head 0) and mounts on a 3330/3350."""
import hashlib
import json
from pathlib import Path

import pytest

from s370.devices.base import CE_DE
from s370.devices.ckd import CKDImage, DEVHDR_SIZE
from s370.devices.dasd import DASD3330
from s370.devices.tape import TapeImage
from s370.ebcdic import to_ascii, to_ebcdic
from s370vm.main import main


def test_dasdinit_3330_structure(tmp_path, capsys):
    path = tmp_path / "spool0.3330"
    assert main(["dasdinit", str(path), "3330", "BBBBBB", "5"]) == 0
    assert "BBBBBB" in capsys.readouterr().out
    raw = path.read_bytes()
    assert len(raw) == DEVHDR_SIZE + 5 * 19 * 13312
    img = CKDImage(path, 0x3330)
    for cyl in range(5):
        for head in range(19):
            t = img.read_track(cyl, head)
            assert t.ha == bytes((0, 0, cyl, 0, head))
            r0 = t.records[0]
            assert r0.count == bytes((0, cyl, 0, head, 0, 0, 0, 8)) and r0.data == bytes(8)
            assert len(t.records) == (4 if (cyl, head) == (0, 0) else 1)
    r1, r2, r3 = img.read_track(0, 0).records[1:]
    assert r1.count == bytes((0, 0, 0, 0, 1, 4, 0, 24)) and r1.key == to_ebcdic("IPL1")
    assert r1.data == bytes.fromhex("000600000000000F" "0300000000000001" "0000000000000000")
    assert r2.count == bytes((0, 0, 0, 0, 2, 4, 0, 144)) and r2.key == to_ebcdic("IPL2")
    assert r2.data == bytes(144)
    assert r3.count == bytes((0, 0, 0, 0, 3, 4, 0, 80)) and r3.key == to_ebcdic("VOL1")
    label = r3.data
    assert to_ascii(label[0:10]) == "VOL1BBBBBB"
    assert label[10] == 0x40                               # security byte
    assert label[11:16] == bytes((0, 0, 0, 1, 1))          # VTOC at CCHHR 0000 0001 01
    assert label[16:37] == b"\x40" * 21
    assert to_ascii(label[37:51]) == "    HERCULES  "       # owner
    assert label[51:80] == b"\x40" * 29
    img.close()


def test_dasdinit_volume_mounts_and_ipl_record_reads(tmp_path):
    path = tmp_path / "v.3330"
    assert main(["dasdinit", str(path), "3330-11", "vol001", "2"]) == 0
    dev = DASD3330(0x150, [str(path)])
    dev.begin()
    r = dev.execute(0x02, 24, None)
    assert r.status == CE_DE and r.data[:8] == bytes.fromhex("000600000000000F")
    dev.close()


def test_dasdinit_json_and_primary_3350(tmp_path, capsys):
    path = tmp_path / "v.3350"
    assert main(["dasdinit", "--json", "--primary", str(path), "3350", "SYSRES"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info == {"file": str(path), "type": "3350", "volser": "SYSRES", "cylinders": 555,
                    "heads": 30, "track_size": 19456, "bytes": 512 + 555 * 30 * 19456}
    assert path.stat().st_size == info["bytes"]
    path.unlink()                                   # 324 MB: do not leave it in the temp dir


@pytest.mark.parametrize("argv, message", [
    (["3390", "X"], "unknown CKD device type"),
    (["3330", "TOOLONG"], "bad volume serial"),
    (["3330", "X", "0"], "cylinder count"),
])
def test_dasdinit_errors_exit_2(tmp_path, capsys, argv, message):
    assert main(["dasdinit", str(tmp_path / "x"), *argv]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_dasdinit_does_not_overwrite(tmp_path, capsys):
    path = tmp_path / "v.3330"
    path.write_bytes(b"precious")
    assert main(["dasdinit", str(path), "3330", "X", "1"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert path.read_bytes() == b"precious"
    assert main(["dasdinit", "--replace", str(path), "3330", "X", "1"]) == 0
    assert CKDImage(path).cylinders == 1


@pytest.mark.parametrize("options, dtype, cyls", [
    ([], "3330", 411), (["-a"], "3330", 411), ([], "3350", 560), (["--primary"], "3330", 404),
])
def test_dasdinit_default_size_includes_alternate_cylinders(tmp_path, capsys, options, dtype, cyls):
    path = tmp_path / "v"
    assert main(["dasdinit", *options, "--json", str(path), dtype, "ALT"]) == 0
    assert json.loads(capsys.readouterr().out)["cylinders"] == cyls
    img = CKDImage(path)
    assert img.cylinders == cyls
    assert img.read_track(cyls - 1, img.heads - 1).records[0].count[:4] == \
        bytes(((cyls - 1) >> 8, (cyls - 1) & 0xFF, 0, img.heads - 1))
    img.close()
    path.unlink()                                   # 100-300 MB: do not leave it behind


# --- byte-identical to Hercules ----------------------------------------------------------
# SHA-256 of the files Hercules 3.13 (Debian hercules 3.13-7) wrote: ``dasdinit
# FILE 3330 BBBBBB`` and ``dasdinit -a FILE 3330 BBBBBB``, then the same ``-a`` volume
# after IBCDASDI, and after IBCDASDI and IBCDMPRS, run under Hercules with the control
# decks of ../shared/real (the runs below reproduce them here).
HERCULES_3330_PRIMARY = "5ec43cd4d1e8e2577fd04753682b61fce0d5a83aa2308d450f9897d8fa924a1c"
HERCULES_3330_ALTERNATES = "643a1ea5e0121156fc7f08002de99d43132912494df87af2d55787177bcab9ca"
HERCULES_AFTER_IBCDASDI = "7d138057bb0736baafb8d8796f4d49a0b5997a313908c92115b64d5781382e1e"
HERCULES_AFTER_IBCDMPRS = "bc11fb06218bb9f1b298115ef38f63e2cc8a2ec40d4259de557aca9cf3877903"
#: DMKDDR ``DUMP 0 TO 2`` of the IBCDASDI volume to an AWS tape under Hercules: 64
#: blocks and a tape mark; digest of the blocks (length + data) with the TOD clock in
#: the header (VHR) and trailer (EOJ) blocks, bytes 16-23, zeroed.
HERCULES_DDR_DUMP = "305cf77218c46ff00c415cfdfde2a2d91c06aa8d52080e38dc362923c40a8446"


def sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@pytest.mark.parametrize("options, digest", [
    (["--primary"], HERCULES_3330_PRIMARY), ([], HERCULES_3330_ALTERNATES),
])
def test_dasdinit_output_is_byte_identical_to_hercules(tmp_path, options, digest):
    path = tmp_path / "v.3330"
    assert main(["dasdinit", *options, str(path), "3330", "BBBBBB"]) == 0
    assert sha256(path) == digest
    path.unlink()


# --- IBM's IBCDASDI and IBCDMPRS accept the volume (../shared/real) -----------------------

REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "real"

DASDI = """\
send
wait IBC105A 60
send input=1442,00e
wait "END OF JOB" 300
"""
RESTORE = """\
ipl 281
send
wait IBC105A 60
send input=1442,00f
wait "END OF JOB" 1200
"""
needs_real = pytest.mark.skipif(not (REAL / "vs2spool.het").exists(),
                                reason=f"real IBM media not found in {REAL} (CI keeps it beside the clone)")


def run_ibc(tmp_path, capsys, script: str) -> tuple[dict, Path]:
    """dasdinit a 3330 labelled BBBBBB, IPL IBCDASDI from vs2spool.het and run the
    operator script; returns the JSON report and the volume."""
    for module in ("s370.operator", "s370.devices.console", "s370.devices.reader", "s370vm.cmd_ipl"):
        pytest.importorskip(module)
    for name in ("inspool0.sajob", "rsspool0.sajob"):
        (tmp_path / name).write_bytes((REAL / name).read_bytes())
    vol = tmp_path / "spool0.3330"
    assert main(["dasdinit", str(vol), "3330", "BBBBBB"]) == 0
    (tmp_path / "m.cnf").write_text(
        "MAINSIZE 1\nCPUMODEL 3158\n009 1052\n00E 1442 inspool0.sajob ascii\n"
        "00F 1442 rsspool0.sajob ascii\n151 3330 spool0.3330\n"
        f"281 3420 {REAL / 'vs2spool.het'} ro\n")
    (tmp_path / "ops").write_text(script)
    capsys.readouterr()
    rc = main(["ipl", "281", "--config", str(tmp_path / "m.cnf"), "--script", str(tmp_path / "ops"),
               "--json"])
    report = json.loads(capsys.readouterr().out)
    assert rc == 0, report.get("error")
    return report, vol


@needs_real
def test_ibcdasdi_initialises_volume_exactly_as_on_hercules(tmp_path, capsys):
    report, vol = run_ibc(tmp_path, capsys, DASDI)
    assert "IBC163A  END OF JOB." in report["console"]
    assert report["stop"] == "wait" and report["psw"].endswith("1111")
    assert sha256(vol) == HERCULES_AFTER_IBCDASDI
    # DMKDDR dumps cylinders 0-2 of it to a scratch AWS tape: the same blocks as on Hercules.
    pytest.importorskip("s370.devices.printer")
    (tmp_path / "scratch.aws").write_bytes(b"")
    (tmp_path / "d.cnf").write_text(
        "MAINSIZE 1\nCPUMODEL 3158\n009 1052\n00E 1403 print00e.txt\n151 3330 spool0.3330\n"
        f"181 3420 {REAL / 'dmkddr.aws'} ro\n182 3420 scratch.aws\n")
    (tmp_path / "d.ops").write_text("\n".join([
        "wait ENTER: 60", "send SYSPRINT 00E", "wait ENTER: 60", "send INPUT 151 3330 SPOOL0",
        "wait ENTER: 60", "send OUTPUT 182 3420", "wait ENTER: 60", "send DUMP 0 TO 2",
        'wait "NULL LINE" 60', "send", 'wait "END OF DUMP" 300', ""]))
    assert main(["ipl", "181", "--config", str(tmp_path / "d.cnf"), "--script",
                 str(tmp_path / "d.ops"), "--json"]) == 0
    tape = TapeImage(tmp_path / "scratch.aws", readonly=True)
    assert [i for i, b in enumerate(tape.blocks) if b[2]] == [64] and len(tape.blocks) == 65
    h = hashlib.sha256()
    for i in range(64):
        block = tape.read(i)
        if block[:4] in (to_ebcdic("VHR "), to_ebcdic("EOJ ")):
            block = block[:16] + bytes(8) + block[24:]
        h.update(len(block).to_bytes(2, "big") + block)
    assert h.hexdigest() == HERCULES_DDR_DUMP
    tape.close()
    vol.unlink()                                    # 104 MB: do not leave it in the temp dir


@needs_real
def test_ibcdasdi_initialises_and_ibcdmprs_restores_spool0(tmp_path, capsys):
    """The README scenario: a dasdinit volume labelled BBBBBB; IBCDASDI (tape file 1)
    initialises it as SPOOL0, then IBCDMPRS restores tape file 2 onto it; the result is
    the very file Hercules produces."""
    report, vol = run_ibc(tmp_path, capsys, DASDI + RESTORE)
    assert report["console"].count("IBC163A  END OF JOB.") == 2
    assert report["stop"] == "wait" and report["psw"].endswith("EEEE")
    img = CKDImage(vol, 0x3330)
    label = img.read_track(0, 0).records[3].data
    assert to_ascii(label[0:10]) == "VOL1SPOOL0"
    assert to_ascii(label[37:51]).strip() == "OS/VS2"
    assert label[11:16] == bytes((0, 0, 0, 1, 1))          # VTOC at cylinder 0 head 1
    # The restored volume uses track overflow (Write Special CKD segments).
    flagged = sum(1 for c in range(img.cylinders) for h in range(19)
                  for r in img.read_track(c, h).records if r.count[0] & 0x80)
    assert flagged > 0
    img.close()
    assert sha256(vol) == HERCULES_AFTER_IBCDMPRS
    vol.unlink()                                    # 104 MB: do not leave it in the temp dir
