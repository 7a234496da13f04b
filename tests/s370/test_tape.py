"""3420 tape on AWS and HET files (s370/devices/tape.py): the real IBM tapes in
../shared/real (block counts and contents), and every command on scratch AWS files."""
import bz2
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from s370.devices.base import (CE_DE, SENSE_COMMAND_REJECT, SENSE_DATA_CHECK,
                               SENSE_INTERVENTION_REQUIRED, UNIT_CHECK, UNIT_EXCEPTION)
from s370.devices.tape import DEVICE_TYPES, Tape3420, TapeImage
from s370.errors import MachineError

from tests.s370.io_support import ccw, channel_start, channel_with

REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "real"
needs_real = pytest.mark.skipif(not (REAL / "vs2spool.het").exists(),
                                reason=f"real IBM media not found in {REAL} (CI keeps it beside the clone)")
UX = CE_DE | UNIT_EXCEPTION
UC = CE_DE | UNIT_CHECK
READ, RDBACK, WRITE, WTM, REW, RUN, ERG, DSE = 0x02, 0x0C, 0x01, 0x1F, 0x07, 0x0F, 0x17, 0x97
FSB, BSB, FSF, BSF, SENSE, NOOP = 0x37, 0x27, 0x3F, 0x2F, 0x04, 0x03


def cmd(dev, code, data=None, count=65535):
    return dev.execute(code, len(data) if data else count, data)


def read_file(dev):
    """Read blocks up to the next tape mark (or end of tape): list of block lengths and data."""
    out = []
    while True:
        r = cmd(dev, READ)
        if r.status != CE_DE:
            return out, r.status
        out.append(r.data)


def header(clen, plen, f1, f2=0):
    return bytes((clen & 0xFF, clen >> 8, plen & 0xFF, plen >> 8, f1, f2))


# --- the real tapes ---------------------------------------------------------------------

@needs_real
def test_vs2spool_het_files_and_blocks():
    dev = Tape3420(0x281, [str(REAL / "vs2spool.het"), "ro"])
    assert dev.image.het and dev.image.readonly
    file1, st = read_file(dev)
    assert st == UX and len(file1) == 735 and {len(b) for b in file1} == {80}
    # Blocks 0-401 are IBCDASDI, 402-734 IBCDMPRS: the same cards as the .ebc decks.
    assert b"".join(file1[:402]) == (REAL / "ibcdasdi.ebc").read_bytes()
    assert b"".join(file1[402:]) == (REAL / "ibcdmprs.ebc").read_bytes()
    # The first block is the IPL bootstrap: a PSW, then Read 80 bytes and a TIC.
    boot = file1[0]
    assert boot[8] == 0x02 and boot[14:16] == b"\x00\x50" and boot[16] == 0x08
    file2, st = read_file(dev)
    assert st == UX and len(file2) == 10_680
    assert sum(map(len, file2)) == 67_539_556      # the SPOOL0 dump, about 67.5 MB
    dev.close()


@needs_real
def test_vs2spool_positioning_by_files():
    dev = Tape3420(0x281, [str(REAL / "vs2spool.het"), "ro"])
    assert cmd(dev, FSF).status == CE_DE and dev.pos == 736
    first_of_file2 = cmd(dev, READ).data
    assert cmd(dev, BSB).status == CE_DE
    assert cmd(dev, BSB).status == UX              # backspaced over the tape mark
    assert cmd(dev, BSF).status == UC and dev.pos == 0   # no tape mark before: load point
    assert cmd(dev, FSF).status == CE_DE
    assert cmd(dev, READ).data == first_of_file2
    dev.close()


@needs_real
def test_vs2spool_is_file_protected():
    dev = Tape3420(0x281, [str(REAL / "vs2spool.het")])    # HET is always read-only
    assert cmd(dev, WRITE, b"x" * 80).status == UC
    s = cmd(dev, SENSE).data
    assert s[0] == SENSE_COMMAND_REJECT and s[1] & 0x02
    dev.close()


@needs_real
def test_dmkddr_aws():
    dev = Tape3420(0x181, [str(REAL / "dmkddr.aws"), "ro"])
    assert not dev.image.het
    blocks, st = read_file(dev)
    assert st == UX and len(blocks) == 371
    assert b"".join(blocks) == (REAL / "dmkddr.ebc").read_bytes()
    assert cmd(dev, READ).status == UX              # end of the file: tape indicate
    assert cmd(dev, SENSE).data[4] == 0x20
    dev.close()


# --- scratch AWS tapes ----------------------------------------------------------------

@pytest.fixture
def tape(tmp_path):
    path = tmp_path / "scratch.aws"
    path.write_bytes(b"")
    dev = Tape3420(0x480, [str(path)])
    yield dev, path
    dev.close()


def test_write_and_read_back_aws_format(tape):
    dev, path = tape
    assert cmd(dev, WRITE, b"A" * 80).status == CE_DE
    assert cmd(dev, WRITE, b"B" * 100).status == CE_DE
    assert cmd(dev, WTM).status == CE_DE
    assert cmd(dev, WRITE, b"C" * 5).status == CE_DE
    # On disk at once, in Hercules' AWS layout.
    assert path.read_bytes() == (header(80, 0, 0xA0) + b"A" * 80 + header(100, 80, 0xA0) + b"B" * 100
                                 + header(0, 100, 0x40) + header(5, 0, 0xA0) + b"CCCCC")
    assert cmd(dev, REW).status == CE_DE
    assert cmd(dev, READ).data == b"A" * 80
    assert cmd(dev, READ).data == b"B" * 100
    assert cmd(dev, READ).status == UX               # tape mark
    assert cmd(dev, READ).data == b"C" * 5
    assert cmd(dev, READ).status == UX               # past the end of the file
    # A fresh drive (the next run) reads the same tape.
    other = Tape3420(0x481, [str(path)])
    blocks, st = read_file(other)
    assert [len(b) for b in blocks] == [80, 100] and st == UX
    other.close()


def test_write_in_the_middle_truncates(tape):
    dev, path = tape
    for c in b"ABCD":
        cmd(dev, WRITE, bytes([c]) * 10)
    cmd(dev, REW)
    cmd(dev, FSB)
    cmd(dev, WRITE, b"Z" * 3)
    cmd(dev, REW)
    blocks, st = read_file(dev)
    assert blocks == [b"A" * 10, b"Z" * 3] and st == UX
    assert path.stat().st_size == 2 * 6 + 13


def test_spacing_and_read_backward(tape):
    dev, _ = tape
    cmd(dev, WRITE, b"1" * 8)
    cmd(dev, WRITE, b"2" * 9)
    cmd(dev, WTM)
    cmd(dev, WRITE, b"3" * 10)
    cmd(dev, WTM)
    cmd(dev, REW)
    assert cmd(dev, FSB).status == CE_DE and dev.pos == 1
    assert cmd(dev, FSB).status == CE_DE
    assert cmd(dev, FSB).status == UX and dev.pos == 3     # spaced over the tape mark
    assert cmd(dev, RDBACK).status == UX and dev.pos == 2  # read backward over it
    r = cmd(dev, RDBACK)
    assert r.status == CE_DE and r.data == b"2" * 9 and dev.pos == 1
    assert cmd(dev, FSF).status == CE_DE and dev.pos == 3
    assert cmd(dev, FSF).status == CE_DE and dev.pos == 5
    assert cmd(dev, FSF).status == UX                      # end of tape
    assert cmd(dev, BSF).status == CE_DE and dev.pos == 4  # before the last tape mark
    assert cmd(dev, BSF).status == CE_DE and dev.pos == 2
    assert cmd(dev, BSB).status == CE_DE and dev.pos == 1
    assert cmd(dev, BSB).status == CE_DE and dev.pos == 0
    assert cmd(dev, BSB).status == UC                      # at load point
    s = cmd(dev, SENSE).data
    assert s[0] == SENSE_COMMAND_REJECT and s[1] & 0x08
    assert cmd(dev, RDBACK).status == UC


def test_sense_reports_load_point_ready_and_file_protect(tape, tmp_path):
    dev, path = tape
    s = cmd(dev, SENSE).data
    assert len(s) == 24 and s[0] == 0 and s[1] == 0x40 | 0x08
    cmd(dev, WRITE, b"x" * 10)
    assert cmd(dev, SENSE).data[1] == 0x40
    ro = Tape3420(0x482, [str(path), "ro"])
    assert cmd(ro, SENSE).data[1] == 0x40 | 0x08 | 0x02
    for code, data in ((WRITE, b"y"), (WTM, None), (ERG, None), (DSE, None)):
        assert cmd(ro, code, data).status == UC
    ro.close()


def test_sense_of_a_unit_check_lasts_until_the_next_command(tape):
    dev, _ = tape
    assert cmd(dev, BSB).status == UC                # at load point
    assert cmd(dev, NOOP).status == CE_DE
    assert cmd(dev, SENSE).data[0] == 0


def test_rewind_unload_leaves_drive_not_ready(tape):
    dev, _ = tape
    cmd(dev, WRITE, b"x")
    assert cmd(dev, RUN).status == CE_DE
    assert cmd(dev, READ).status == UC
    s = cmd(dev, SENSE).data
    assert s[0] == SENSE_INTERVENTION_REQUIRED and s[1] & 0x20
    assert cmd(dev, NOOP).status == UC


def test_no_tape_mounted_then_devinit(tmp_path):
    dev = Tape3420(0x480, ["*"])
    assert cmd(dev, REW).status == UC
    path = tmp_path / "t.aws"
    path.write_bytes(header(3, 0, 0xA0) + b"abc")
    dev.devinit([str(path)])
    assert cmd(dev, READ).data == b"abc"
    dev.close()


def test_mode_set_erase_gap_noop_and_reject(tape):
    dev, _ = tape
    for code in (0xC3, 0xCB, 0xD3, 0xDB, 0x13, 0x2B, NOOP, ERG):
        assert cmd(dev, code).status == CE_DE
    for code in (0xE4, 0x24, 0x05, 0x0A):
        assert cmd(dev, code).status == UC
        assert cmd(dev, SENSE).data[0] == SENSE_COMMAND_REJECT


def test_data_security_erase(tape):
    dev, path = tape
    cmd(dev, WRITE, b"a")
    cmd(dev, WRITE, b"b")
    cmd(dev, REW)
    cmd(dev, FSB)
    assert cmd(dev, DSE).status == CE_DE
    assert path.stat().st_size == 7
    cmd(dev, REW)
    assert read_file(dev) == ([b"a"], UX)


# --- HET decompression, multi-chunk blocks, damaged files --------------------------------

def test_het_zlib_bzip2_and_chunked_blocks(tmp_path):
    z = zlib.compress(b"zlib block " * 50)
    b = bz2.compress(b"bzip2 block " * 50)
    plain = b"P" * 300
    raw = (header(len(z), 0, 0xA1) + z
           + header(len(b), len(z), 0xA2) + b
           + header(100, len(b), 0x80) + plain[:100]      # one block in three chunks
           + header(100, 100, 0x00) + plain[100:200]
           + header(100, 100, 0x20) + plain[200:]
           + header(0, 100, 0x40))
    path = tmp_path / "t.het"
    path.write_bytes(raw)
    dev = Tape3420(0x280, [str(path)])
    assert dev.image.het and dev.image.readonly
    blocks, st = read_file(dev)
    assert blocks == [b"zlib block " * 50, b"bzip2 block " * 50, plain] and st == UX
    dev.close()


def test_het_compressed_block_spread_over_chunks(tmp_path):
    block = bytes(range(256)) * 40
    z = zlib.compress(block)
    half = len(z) // 2
    raw = header(half, 0, 0x81) + z[:half] + header(len(z) - half, half, 0x21) + z[half:]
    path = tmp_path / "c.het"
    path.write_bytes(raw)
    dev = Tape3420(0x280, [str(path)])
    assert cmd(dev, READ).data == block
    assert cmd(dev, RDBACK).data == block
    dev.close()


def test_het_bad_compressed_data_is_data_check(tmp_path):
    path = tmp_path / "bad.het"
    path.write_bytes(header(5, 0, 0xA1) + b"junk!")
    dev = Tape3420(0x280, [str(path)])
    assert cmd(dev, READ).status == UC
    assert cmd(dev, SENSE).data[0] == SENSE_DATA_CHECK
    dev.close()


@pytest.mark.parametrize("raw, message", [
    (header(80, 0, 0xA0) + b"x" * 40, "truncated"),
    (header(3, 0, 0xA0) + b"abc" + b"\x01\x00", "truncated"),
    (header(3, 0, 0x20) + b"abc", "corrupt"),
    (header(3, 0, 0x80) + b"abc" + header(0, 3, 0x40), "corrupt"),
])
def test_damaged_tape_refused_naming_file(tmp_path, raw, message):
    path = tmp_path / "bad.aws"
    path.write_bytes(raw)
    with pytest.raises(MachineError, match=message) as exc:
        TapeImage(path)
    assert str(path) in str(exc.value)


def test_missing_tape_file_refused(tmp_path):
    with pytest.raises(MachineError, match="cannot open tape image"):
        DEVICE_TYPES["3420"](0x480, ["nothere.aws"], base_dir=tmp_path)


# --- through the channel subsystem (real channel programs) ------------------------------

@needs_real
def test_ipl_from_vs2spool_reads_the_bootstrap():
    dev = Tape3420(0x281, [str(REAL / "vs2spool.het"), "ro"])
    ch, mem = channel_with(dev)
    ch.ipl(0x281)
    # Block 0: the IPL PSW and two CCWs (read 80 bytes at X'7C00', TIC to it).
    assert mem[0:24] == bytes.fromhex("00040FF000007C20" "02007C0040000050" "08007C0000000000")
    # Block 1 was read at X'7C00' and its CCWs read the rest of the 6-card bootstrap.
    assert mem[0x7C00:0x7C08] == bytes.fromhex("02007C4840000050")
    assert dev.pos == 6
    dev.close()


def test_channel_write_read_and_read_backward(tmp_path):
    path = tmp_path / "c.aws"
    path.write_bytes(b"")
    dev = Tape3420(0x480, [str(path)])
    ch, mem = channel_with(dev)
    mem[0x1000:0x1010] = b"0123456789ABCDEF"
    cc, csw = channel_start(ch, mem, 0x480, ccw(0x01, 0x1000, 0x40, 16) + ccw(0x1F, 0, 0x20, 1))
    assert cc == 0 and csw[4] == CE_DE and csw[5] == 0
    assert path.read_bytes() == header(16, 0, 0xA0) + b"0123456789ABCDEF" + header(0, 16, 0x40)
    # Back over the tape mark (unit exception), then read the block backward: it is
    # stored downward from the CCW address, so it lands in its recorded order.
    cc, csw = channel_start(ch, mem, 0x480, ccw(0x27, 0, 0x20, 1))
    assert csw[4] == UX
    cc, csw = channel_start(ch, mem, 0x480, ccw(0x0C, 0x200F, 0, 16))
    assert csw[4] == CE_DE and csw[5] == 0 and mem[0x2000:0x2010] == b"0123456789ABCDEF"
    # Rewind; read forward into a short area: incorrect length, residual 0.
    cc, csw = channel_start(ch, mem, 0x480, ccw(0x07, 0, 0x60, 1) + ccw(0x02, 0x3000, 0, 8))
    assert csw[4] == CE_DE and csw[5] == 0x40 and mem[0x3000:0x3008] == b"01234567"
    dev.close()


# --- property: any sequence of blocks and tape marks reads back as written ----------------

TAPE = st.lists(st.one_of(st.none(), st.binary(min_size=1, max_size=300)), max_size=25)


@settings(deadline=None)
@given(TAPE)
def test_written_tape_reads_back_forward_and_backward(tmp_path_factory, items):
    path = tmp_path_factory.mktemp("t") / "t.aws"
    path.write_bytes(b"")
    dev = Tape3420(0x480, [str(path)])
    for item in items:
        assert (cmd(dev, WTM) if item is None else cmd(dev, WRITE, item)).status == CE_DE
    dev.close()
    dev = Tape3420(0x480, [str(path)])        # the next run
    for item in items:                          # forward: blocks, and UX for each mark
        r = cmd(dev, READ)
        assert (r.status, r.data) == ((UX, None) if item is None else (CE_DE, item))
    assert cmd(dev, READ).status == UX and dev.pos == len(items)
    for item in reversed(items):                # backward, block by block
        r = cmd(dev, RDBACK)
        assert (r.status, r.data) == ((UX, None) if item is None else (CE_DE, item))
    assert dev.pos == 0 and cmd(dev, SENSE).data[1] & 0x08
    # Forward space file stops after each tape mark, in order.
    marks = [i + 1 for i, item in enumerate(items) if item is None]
    for m in marks:
        assert cmd(dev, FSF).status == CE_DE and dev.pos == m
    assert cmd(dev, FSF).status == UX
    dev.close()


def test_read_only_file_mode_is_file_protect_even_for_root(tmp_path):
    path = tmp_path / "ring.aws"
    path.write_bytes(header(1, 0, 0xA0) + b"x")
    path.chmod(0o444)
    dev = Tape3420(0x480, [str(path)])
    assert dev.image.readonly and cmd(dev, SENSE).data[1] & 0x02
    assert cmd(dev, WRITE, b"y").status == UC
    assert path.read_bytes() == header(1, 0, 0xA0) + b"x"
    dev.close()


@needs_real
def test_real_media_never_written_without_ro():
    if (REAL / "dmkddr.aws").stat().st_mode & 0o222:
        pytest.skip("the real media files are writable here")
    dev = Tape3420(0x181, [str(REAL / "dmkddr.aws")])     # the file is r--r--r--
    assert dev.image.readonly
    assert cmd(dev, WTM).status == UC
    dev.close()
