"""Hostile files: Hercules configuration files, object decks, core images, CKD
disk images, AWS and HET tape images with damaged headers, tracks and block
lengths, fed to ``s370vm run`` and ``s370vm ipl``. The rule (tests/hostile/
support.py): exit status 0 or 2, a message that names the file (and the line,
track or block) for status 2, no traceback, no hang, the files untouched."""
from __future__ import annotations

import zlib
from pathlib import Path

from hypothesis import given, settings, strategies as st

from s370.asm import assemble
from s370.devices.ckd import create_image, geometry

from tests.hostile.support import cli, damaged

FEW = settings(max_examples=max(8, settings.default.max_examples // 4))
CONFIG = """\
MAINSIZE  1
CPUSERIAL 000001
CPUMODEL  3158
009 3215-C
00C 3505 deck.txt ascii eof
00E 1403 print.txt
0150 3330 vol.3330
0180 3420 tape.aws
0181 3420 tape.het
"""
WORDS = st.sampled_from(["MAINSIZE", "CPUSERIAL", "CPUMODEL", "ECPSVM", "ASSIST", "NUMCPU",
                         "3330", "3420", "1403", "3505", "3215-C", "0150", "FFFF", "10000",
                         "-1", "999999999999", "ascii", "eof", "ro", "*", "#", "YES", "", "=",
                         "\t", "nosuch.file", "../../etc", "0x10", "16M", "0"])
IPL = bytes.fromhex("0000000000000400" "0200040060000010" "0000000000000000")


def _aws(blocks, compress: bool = False) -> bytes:
    out, prev = bytearray(), 0
    for b in blocks:
        if b is None:
            out += bytes((0, 0)) + prev.to_bytes(2, "little") + bytes((0x40, 0))
            prev = 0
            continue
        data = zlib.compress(b) if compress else b
        flags = 0xA0 | (0x01 if compress else 0)
        out += len(data).to_bytes(2, "little") + prev.to_bytes(2, "little") + bytes((flags, 0))
        out += data
        prev = len(data)
    return bytes(out)


def _files(d: Path) -> dict:
    """Valid files of every kind in ``d``; returns kind -> path."""
    (d / "deck.txt").write_text("HELLO\n")
    create_image(d / "vol.3330", geometry("3330"), "VMPK01", cylinders=1)
    (d / "tape.aws").write_bytes(_aws([IPL, b"\x40" * 80, None, None]))
    (d / "tape.het").write_bytes(_aws([IPL, b"\x40" * 80, None], compress=True))
    (d / "c.cnf").write_text(CONFIG)
    (d / "empty.ops").write_text("")
    a = assemble("P        START 0\n         DC    X'000A000000000400'\n         ORG   P+X'400'\n"
                 "         LA    1,1\n         SVC   0\n         END\n")
    (d / "p.obj").write_bytes(a.object_deck)
    (d / "p.img").write_bytes(a.core)
    return {"config": d / "c.cnf", "deck": d / "p.obj", "core": d / "p.img",
            "ckd": d / "vol.3330", "aws": d / "tape.aws", "het": d / "tape.het"}


def _ipl(d: Path, device: str, inputs) -> tuple:
    return cli(["ipl", device, "--config", str(d / "c.cnf"), "--script", str(d / "empty.ops"),
                "--max-instructions", "2000"], inputs)


@FEW
@given(st.lists(st.tuples(st.integers(0, 12), st.lists(WORDS, max_size=5)), max_size=6))
def test_damaged_configuration_files(tmp_path_factory, edits):
    d = tmp_path_factory.mktemp("cfg")
    _files(d)
    lines = CONFIG.splitlines()
    for at, words in edits:
        text = " ".join(words)
        if at < len(lines):
            lines[at] = text
        else:
            lines.append(text)
    cfg = d / "c.cnf"
    cfg.write_text("\n".join(lines) + "\n")
    status, _, err = _ipl(d, "00C", [cfg])
    if status == 2 and "IPL from" not in err:
        assert str(cfg) in err or "c.cnf" in err, err


@FEW
@given(st.data())
def test_damaged_object_decks_and_core_images(tmp_path_factory, data):
    d = tmp_path_factory.mktemp("obj")
    files = _files(d)
    for kind in ("deck", "core"):
        p = files[kind]
        p.write_bytes(data.draw(damaged(p.read_bytes(), hot=160)))
        # a deck damaged so that it no longer reads as one is taken for a source:
        # then the assembler's located messages and its return code
        status, _, err = cli(["run", str(p), "--max-instructions", "2000"], [p],
                             statuses=(0, 2, 8, 12, 16))
        if status:
            assert p.name in err, err


@FEW
@given(st.data())
def test_damaged_ckd_images(tmp_path_factory, data):
    d = tmp_path_factory.mktemp("ckd")
    p = _files(d)["ckd"]
    p.write_bytes(data.draw(damaged(p.read_bytes(), hot=4096)))
    status, _, err = _ipl(d, "150", [p])
    if status == 2 and "IPL from" not in err:
        assert p.name in err, err


@FEW
@given(st.data(), st.sampled_from(["aws", "het"]))
def test_damaged_tape_images(tmp_path_factory, data, kind):
    d = tmp_path_factory.mktemp("tape")
    p = _files(d)[kind]
    p.write_bytes(data.draw(damaged(p.read_bytes(), hot=64)))
    status, _, err = _ipl(d, "180" if kind == "aws" else "181", [p])
    if status == 2 and "IPL from" not in err:
        assert p.name in err, err


def test_het_block_that_inflates_past_the_largest_tape_block(tmp_path):
    """A HET block whose zlib data inflates to 64M (a 'zip bomb'): a data check for
    the read, not 64M of memory (a 3420 block is at most 65,535 bytes)."""
    d = tmp_path
    _files(d)
    bomb = zlib.compress(bytes(64 << 20), 9)
    assert len(bomb) < 0xFFFF
    (d / "tape.het").write_bytes(len(bomb).to_bytes(2, "little") + bytes(2) + bytes((0xA1, 0))
                                 + bomb)
    status, _, err = _ipl(d, "181", [d / "tape.het"])
    assert status == 2 and "IPL from 181 failed" in err
