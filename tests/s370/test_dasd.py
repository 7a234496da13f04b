"""3330/3350 CKD devices (s370/devices/dasd.py): every command through Device.execute,
TIC search loops, orientation, index passage, multitrack, file mask, write-through to
the image and read-back by a fresh device (the next run)."""
import json
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from s370.devices.base import (CE_DE, SENSE_COMMAND_REJECT, SENSE_EQUIPMENT_CHECK,
                               STATUS_MODIFIER, UNIT_CHECK, UNIT_EXCEPTION)
from s370.devices.ckd import DEVHDR_SIZE, create_image, geometry
from s370.devices.dasd import DASD3330, DASD3350, DEVICE_TYPES
from s370.ebcdic import to_ebcdic
from s370.errors import MachineError

from tests.s370.io_support import ccw, channel_start, channel_with

SM = STATUS_MODIFIER
UC = CE_DE | UNIT_CHECK
TIC = 0x08
FP, NRF, EOC, ITF = 0x04, 0x08, 0x20, 0x40


@pytest.fixture
def vol(tmp_path):
    path = tmp_path / "test.3330"
    create_image(path, geometry("3330"), "BBBBBB", cylinders=3)
    return path


@pytest.fixture
def dev(vol):
    d = DASD3330(0x151, [str(vol)])
    yield d
    d.close()


def cchhr(c, h, r):
    return bytes((c >> 8, c & 0xFF, h >> 8, h & 0xFF, r))


def bbcchh(c, h):
    return bytes((0, 0, c >> 8, c & 0xFF, h >> 8, h & 0xFF))


def count_field(c, h, r, kl, dl):
    return cchhr(c, h, r) + bytes((kl, dl >> 8, dl & 0xFF))


def run(dev, *ccws):
    """A minimal channel for these tests: CCWs (cmd, data-or-count) chained in order;
    TIC (cmd 8, target index); status modifier skips one CCW; a unit check or a status
    without CE|DE ends the program. Returns the list of (cmd, Result) executed."""
    dev.begin()
    out = []
    i = 0
    while i < len(ccws):
        cmd, arg = ccws[i]
        if cmd == TIC:
            i = arg
            continue
        data = arg if isinstance(arg, (bytes, bytearray)) else None
        count = len(arg) if data is not None else arg
        r = dev.execute(cmd, count, data)
        out.append((cmd, r))
        if r.status & UNIT_CHECK or len(out) > 500:
            break
        i += 2 if r.status & SM else 1
    return out


def last(results):
    return results[-1][1]


def sense(dev):
    r = dev.execute(0x04, 24, None)
    assert r.status == CE_DE and len(r.data) == 24
    return r.data


def find(dev, c, h, r, *then):
    """Seek, Search ID Equal + TIC loop, then the given CCWs."""
    return run(dev, (0x07, bbcchh(c, h)), (0x31, cchhr(c, h, r)), (TIC, 1), *then)


# --- seek, recalibrate, file mask -------------------------------------------------

def test_seek_positions_and_read_ha(dev):
    res = run(dev, (0x07, bbcchh(2, 17)), (0x1A, 5))
    assert [r.status for _, r in res] == [CE_DE, CE_DE]
    assert res[0][1].length == 6
    assert res[1][1].data == bytes((0, 0, 2, 0, 17))


@pytest.mark.parametrize("arg, msg", [
    (bytes((0, 1, 0, 0, 0, 0)), 4),          # bin not zero
    (bbcchh(3, 0), 4),                        # cylinder beyond the volume
    (bbcchh(0, 19), 4),                       # head beyond the cylinder
    (bytes(5), 3),                            # too short
])
def test_bad_seek_is_command_reject(dev, arg, msg):
    r = last(run(dev, (0x07, arg)))
    assert r.status == UC
    s = sense(dev)
    assert s[0] == SENSE_COMMAND_REJECT and s[7] == msg


def test_seek_cylinder_and_seek_head(dev):
    res = run(dev, (0x0B, bbcchh(1, 4)), (0x1B, bbcchh(0, 9)), (0x1A, 5))
    assert res[-1][1].data == bytes((0, 0, 1, 0, 9))      # seek head keeps the cylinder


def test_recalibrate_goes_to_cylinder_0_head_0(dev):
    res = run(dev, (0x07, bbcchh(2, 5)), (0x13, 0), (0x1A, 5))
    assert res[-1][1].data == bytes(5)


@pytest.mark.parametrize("mask, cmd, ok", [
    (0x00, 0x07, True), (0x08, 0x07, False), (0x08, 0x0B, True), (0x08, 0x1B, True),
    (0x10, 0x0B, False), (0x10, 0x1B, True), (0x18, 0x1B, False), (0x08, 0x13, False),
])
def test_file_mask_seek_control(dev, mask, cmd, ok):
    r = last(run(dev, (0x1F, bytes((mask,))), (cmd, bbcchh(0, 1))))
    if ok:
        assert r.status == CE_DE
    else:
        assert r.status == UC and sense(dev)[1] == FP


def test_set_file_mask_twice_or_reserved_bit_rejected(dev):
    res = run(dev, (0x1F, b"\xc0"), (0x1F, b"\xc0"))
    assert res[1][1].status == UC and sense(dev)[0] == SENSE_COMMAND_REJECT
    assert last(run(dev, (0x1F, b"\x20"))).status == UC
    # A new channel program may set it again.
    assert last(run(dev, (0x1F, b"\xc0"))).status == CE_DE


# --- searches and the index point ---------------------------------------------------

def test_search_id_equal_loop_then_read_key_and_data(dev):
    res = find(dev, 0, 0, 3, (0x0E, 84))
    # R0, R1, R2 miss (TIC back), R3 hits: the Read KD after the TIC runs.
    assert [c for c, _ in res] == [0x07, 0x31, 0x31, 0x31, 0x31, 0x0E]
    assert [r.status for _, r in res[1:5]] == [CE_DE, CE_DE, CE_DE, CE_DE | SM]
    assert res[4][1].length == 5
    data = res[-1][1].data
    assert data[:4] == to_ebcdic("VOL1") and data[4:8] == to_ebcdic("VOL1")
    assert data[8:14] == to_ebcdic("BBBBBB")


def test_search_id_not_found_ends_after_second_index_passage(dev):
    res = find(dev, 0, 0, 9)
    # R0..R3, index (1st passage), R0..R3 again, index again: no record found.
    assert len([c for c, _ in res if c == 0x31]) == 9
    assert last(res).status == UC
    s = sense(dev)
    assert s[0] == 0 and s[1] == NRF
    assert sense(dev) == bytes(24)          # sense is reset once read


def test_search_id_high_and_equal_or_high(dev):
    res = run(dev, (0x07, bbcchh(0, 0)), (0x51, cchhr(0, 0, 1)), (TIC, 1), (0x12, 8))
    assert last(res).data == count_field(0, 0, 3, 4, 80)   # first id > 1 is R2; read count -> R3
    res = run(dev, (0x07, bbcchh(0, 0)), (0x71, cchhr(0, 0, 2)), (TIC, 1), (0x06, 144))
    assert last(res).data == bytes(144)                    # R2 (IPL2) data


def test_search_id_matches_record_zero(dev):
    res = find(dev, 1, 1, 0, (0x06, 8))
    assert last(res).status == CE_DE and last(res).data == bytes(8)


def test_multitrack_search_id_goes_to_next_head(dev):
    res = run(dev, (0x07, bbcchh(1, 0)), (0xB1, cchhr(1, 4, 0)), (TIC, 1), (0x1A, 5))
    assert last(res).data == bytes((0, 0, 1, 0, 4))
    assert res[-2][1].status == CE_DE | SM


def test_multitrack_stops_at_end_of_cylinder(dev):
    res = run(dev, (0x07, bbcchh(1, 17)), (0xB1, cchhr(2, 0, 0)), (TIC, 1))
    assert last(res).status == UC
    s = sense(dev)
    assert s[1] == EOC and s[5] == 1 and s[6] & 0x1F == 18


def test_multitrack_inhibited_by_file_mask(dev):
    res = run(dev, (0x07, bbcchh(1, 17)), (0x1F, b"\x18"), (0xB1, cchhr(2, 0, 0)), (TIC, 2))
    assert last(res).status == UC and sense(dev)[1] == FP


@pytest.mark.parametrize("cmd, key, hit_at", [
    (0x29, "IPL2", 2), (0x49, "IPL1", 2), (0x69, "IPL2", 2), (0x69, "IPL3", 3),
])
def test_search_key(dev, cmd, key, hit_at):
    res = run(dev, (0x07, bbcchh(0, 0)), (cmd, to_ebcdic(key)), (TIC, 1), (0x06, 200))
    searches = [r for c, r in res if c == cmd]
    assert searches[-1].status == CE_DE | SM and searches[-1].length == 4
    assert len(searches) == hit_at                # R1, R2, R3 in turn (R0 is passed)
    assert len(last(res).data) == (144 if hit_at == 2 else 80)


def test_multitrack_search_key(dev):
    res = run(dev, (0x07, bbcchh(0, 18)), (0xA9, to_ebcdic("VOL1")), (TIC, 1))
    assert last(res).status == UC and sense(dev)[1] == EOC   # no keys on the last head


def test_search_home_address(dev):
    res = run(dev, (0x07, bbcchh(1, 2)), (0x39, bytes((0, 1, 0, 2))), (TIC, 1), (0x16, 16))
    assert res[1][1].status == CE_DE | SM
    assert last(res).data == count_field(1, 2, 0, 0, 8) + bytes(8)
    res = run(dev, (0x07, bbcchh(1, 2)), (0x39, bytes((0, 1, 0, 3))))
    assert last(res).status == CE_DE
    res = run(dev, (0x07, bbcchh(1, 2)), (0xB9, bytes((0, 1, 0, 3))))
    assert last(res).status == CE_DE | SM      # multitrack: next head's address


# --- reads ----------------------------------------------------------------------------

def test_read_count_walks_the_track_and_ends_at_second_index(dev):
    res = run(dev, (0x07, bbcchh(0, 0)), *[(0x12, 8)] * 8)
    counts = [r.data for c, r in res if c == 0x12 and r.status == CE_DE]
    assert counts == [count_field(0, 0, 1, 4, 24), count_field(0, 0, 2, 4, 144),
                      count_field(0, 0, 3, 4, 80)] * 2
    assert last(res).status == UC and sense(dev)[1] == NRF


def test_read_r0_and_read_ha(dev):
    res = run(dev, (0x07, bbcchh(2, 3)), (0x16, 16), (0x1A, 5), (0x9A, 5), (0x96, 16))
    assert res[1][1].data == count_field(2, 3, 0, 0, 8) + bytes(8)
    assert res[2][1].data == bytes((0, 0, 2, 0, 3))
    assert res[3][1].data == bytes((0, 0, 2, 0, 4))
    assert res[4][1].data == count_field(2, 5, 0, 0, 8) + bytes(8)


def test_read_data_key_data_ckd(dev):
    res = run(dev, (0x07, bbcchh(0, 0)), (0x06, 24), (0x0E, 148), (0x1E, 92))
    ipl1 = res[1][1].data
    assert ipl1 == bytes.fromhex("000600000000000F" "0300000000000001") + bytes(8)
    assert res[2][1].data == to_ebcdic("IPL2") + bytes(144)
    assert res[3][1].data[:8] == count_field(0, 0, 3, 4, 80)
    assert res[3][1].data[8:16] == to_ebcdic("VOL1VOL1")


def test_read_ipl(dev):
    res = run(dev, (0x07, bbcchh(2, 2)), (0x02, 24))
    assert last(res).status == CE_DE and last(res).data[:8] == bytes.fromhex("000600000000000F")
    # Read IPL counts as the file mask: a Set File Mask after it is rejected.
    res = run(dev, (0x02, 24), (0x1F, b"\xc0"))
    assert last(res).status == UC


def test_read_multiple_ckd(dev):
    res = run(dev, (0x07, bbcchh(0, 0)), (0x5E, 4000))
    data = last(res).data
    assert last(res).status == CE_DE
    assert len(data) == 3 * 8 + 3 * 4 + 24 + 144 + 80   # R1-R3, R0 passed over
    assert data[:8] == count_field(0, 0, 1, 4, 24)


def test_read_sector_set_sector(dev):
    res = run(dev, (0x07, bbcchh(0, 0)), (0x22, 1), (0x23, b"\x05"), (0x23, b"\xff"))
    assert [r.status for _, r in res] == [CE_DE] * 4
    assert res[1][1].data == b"\x00"
    assert last(run(dev, (0x23, bytes((200,))))).status == UC


def test_read_data_of_end_of_file_record_is_unit_exception(dev):
    run(dev, (0x07, bbcchh(1, 0)), (0x31, cchhr(1, 0, 0)), (TIC, 1), (0x1F, b"\xc0"))
    res = find(dev, 1, 0, 0, (0x1D, count_field(1, 0, 1, 0, 0)))
    assert last(res).status == CE_DE
    res = find(dev, 1, 0, 1, (0x06, 10))
    assert last(res).status == CE_DE | UNIT_EXCEPTION and last(res).data == b""


# --- writes ---------------------------------------------------------------------------

def test_write_ckd_after_search_persists_for_next_run(dev, vol):
    rec = count_field(1, 5, 1, 3, 10) + b"KEY" + b"0123456789"
    res = find(dev, 1, 5, 0, (0x1D, rec), (0x1D, count_field(1, 5, 2, 0, 4) + b"abcd"))
    assert [r.status for _, r in res[-2:]] == [CE_DE, CE_DE]
    assert res[-2][1].length == 21
    dev.close()
    fresh = DASD3330(0x151, [str(vol)])
    res = find(fresh, 1, 5, 1, (0x0E, 13), (0x1E, 12))
    assert res[-2][1].data == b"KEY0123456789"
    assert res[-1][1].data == count_field(1, 5, 2, 0, 4) + b"abcd"
    fresh.close()


def test_write_ckd_erases_rest_of_track(dev):
    res = find(dev, 0, 0, 1, (0x1D, count_field(0, 0, 2, 0, 3) + b"xyz"))
    assert last(res).status == CE_DE
    res = run(dev, (0x07, bbcchh(0, 0)), *[(0x12, 8)] * 3)
    assert [r.data for _, r in res[1:3]] == [count_field(0, 0, 1, 4, 24), count_field(0, 0, 2, 0, 3)]
    assert last(res).data == count_field(0, 0, 1, 4, 24)     # round again: R3 is gone


def test_write_data_and_write_key_data(dev, vol):
    res = find(dev, 0, 0, 3, (0x05, b"NEWDATA"))
    assert last(res).status == CE_DE and last(res).length == 80
    res = find(dev, 0, 0, 3, (0x06, 80))
    assert last(res).data == b"NEWDATA" + bytes(73)          # short data padded with zeros
    res = find(dev, 0, 0, 2, (0x0D, b"KKKK" + b"D" * 144))
    assert last(res).length == 148
    dev.close()
    fresh = DASD3330(0x151, [str(vol)])
    assert last(find(fresh, 0, 0, 2, (0x0E, 148))).data == b"KKKK" + b"D" * 144
    fresh.close()


def test_write_data_after_search_key_equal(dev):
    res = run(dev, (0x07, bbcchh(0, 0)), (0x29, to_ebcdic("IPL1")), (TIC, 1), (0x05, bytes(24)))
    assert last(res).status == CE_DE
    assert last(find(dev, 0, 0, 1, (0x06, 24))).data == bytes(24)


def test_write_ha_and_r0_format_a_track(dev, vol):
    ha = bytes((0, 0, 2, 0, 7))
    res = run(dev, (0x1F, b"\xc0"), (0x07, bbcchh(2, 7)), (0x19, ha),
              (0x15, count_field(2, 7, 0, 0, 8) + bytes(8)),
              (0x1D, count_field(2, 7, 1, 0, 100) + b"z" * 100), (0x11, count_field(2, 7, 2, 0, 1)))
    assert [r.status for _, r in res] == [CE_DE] * 6
    dev.close()
    raw = vol.read_bytes()
    off = DEVHDR_SIZE + (2 * 19 + 7) * 13312
    assert raw[off:off + 5] == ha
    assert raw[off + 5:off + 21] == count_field(2, 7, 0, 0, 8) + bytes(8)
    assert raw[off + 21:off + 29] == count_field(2, 7, 1, 0, 100)
    assert raw[off + 129:off + 137] == b"\xff" * 8


def test_write_r0_after_search_ha(dev):
    res = run(dev, (0x1F, b"\xc0"), (0x07, bbcchh(0, 0)), (0x39, bytes(4)), (TIC, 2),
              (0x15, count_field(0, 0, 0, 0, 8) + b"R0R0R0R0"))
    assert last(res).status == CE_DE
    res = run(dev, (0x07, bbcchh(0, 0)), (0x16, 16), (0x12, 8))
    assert res[1][1].data.endswith(b"R0R0R0R0")
    # Write R0 erased the rest of the track: Read Count (which passes R0 over) goes
    # round the index twice without a record and ends with "no record found".
    assert last(res).status == UC and sense(dev)[1] == NRF


def test_erase_after_search(dev):
    res = find(dev, 0, 0, 1, (0x11, count_field(0, 0, 2, 0, 0)))
    assert last(res).status == CE_DE
    res = run(dev, (0x07, bbcchh(0, 0)), (0x5E, 1000))
    assert last(res).data == count_field(0, 0, 1, 4, 24) + to_ebcdic("IPL1") + \
        bytes.fromhex("000600000000000F0300000000000001") + bytes(8)


@pytest.mark.parametrize("prefix, cmd, data", [
    ((), 0x05, b"x"),                                   # Write Data without a search
    ((), 0x0D, b"x"),                                   # Write KD without a search
    ((), 0x1D, count_field(0, 0, 1, 0, 1) + b"x"),      # Write CKD without a search
    ((), 0x15, count_field(0, 0, 0, 0, 8) + bytes(8)),  # Write R0 without Search HA
    ((), 0x11, bytes(8)),                               # Erase without a search
])
def test_write_out_of_sequence_is_command_reject(dev, prefix, cmd, data):
    res = run(dev, (0x07, bbcchh(1, 1)), (0x1F, b"\xc0"), (cmd, data))
    assert last(res).status == UC and sense(dev)[0] == SENSE_COMMAND_REJECT


@pytest.mark.parametrize("mask, cmd, data", [
    (0x40, 0x05, b"x"),                                     # inhibit all writes
    (0x80, 0x1D, count_field(0, 0, 4, 0, 1) + b"x"),        # update writes only
    (0x00, 0x19, bytes(5)),                                 # Write HA needs all writes
    (0x40, 0x11, bytes(8)),
])
def test_write_file_mask_violation_is_file_protected(dev, mask, cmd, data):
    res = run(dev, (0x1F, bytes((mask,))), (0x07, bbcchh(0, 0)), (0x31, cchhr(0, 0, 3)), (TIC, 2),
              (cmd, data))
    assert last(res).status == UC
    s = sense(dev)
    assert s[0] == 0 and s[1] == FP


def test_write_r0_file_mask(dev):
    res = run(dev, (0x1F, b"\x00"), (0x07, bbcchh(0, 1)), (0x39, bytes((0, 0, 0, 1))), (TIC, 2),
              (0x15, count_field(0, 1, 0, 0, 8) + bytes(8)))
    assert last(res).status == UC and sense(dev)[1] == FP


def test_track_overflow_write_special_ckd_and_read_across_tracks(dev, vol):
    """Write Special CKD (X'01') leaves a segment flagged X'80' in the image; reads and
    writes of the record continue in the first record after R0 of the next track."""
    seg1 = count_field(1, 3, 1, 2, 4) + b"KK" + b"1111"
    res = find(dev, 1, 3, 0, (0x01, seg1))
    assert last(res).status == CE_DE
    res = find(dev, 1, 4, 0, (0x1D, count_field(1, 4, 1, 0, 3) + b"222"))
    assert last(res).status == CE_DE
    raw = vol.read_bytes()
    off = DEVHDR_SIZE + (19 + 3) * 13312 + 21
    assert raw[off:off + 8] == bytes((0x80, 1, 0, 3, 1, 2, 0, 4))   # flag kept on disk
    res = find(dev, 1, 3, 1, (0x06, 7))
    assert last(res).status == CE_DE and last(res).data == b"1111222"
    res = find(dev, 1, 3, 1, (0x0E, 9))
    assert last(res).data == b"KK1111222"
    res = run(dev, (0x07, bbcchh(1, 3)), (0x12, 8), (0x07, bbcchh(1, 3)), (0x1E, 17))
    assert res[1][1].data == count_field(1, 3, 1, 2, 4)            # flag not shown
    assert last(res).data == count_field(1, 3, 1, 2, 4) + b"KK1111222"
    # Write Data updates both segments.
    res = find(dev, 1, 3, 1, (0x05, b"abcdefg"))
    assert last(res).status == CE_DE and last(res).length == 7
    assert last(find(dev, 1, 4, 1, (0x06, 3))).data == b"efg"
    # The overflow segment on the last head of the cylinder cannot continue.
    find(dev, 1, 18, 0, (0x01, count_field(1, 18, 1, 0, 1) + b"x"))
    res = find(dev, 1, 18, 1, (0x06, 1))
    assert last(res).status == UC and sense(dev)[1] == EOC


def test_overflow_continuation_refused_still_transfers_first_segment(dev):
    """With multitrack inhibited by the file mask, the head switch of an overflow
    record fails: the segment already read is transferred, then unit check, file
    protected (how DMKDDR finds overflow segments and dumps them one by one)."""
    find(dev, 1, 3, 0, (0x01, count_field(1, 3, 1, 0, 4) + b"1111"))
    find(dev, 1, 4, 0, (0x1D, count_field(1, 4, 1, 0, 3) + b"222"))
    res = run(dev, (0x07, bbcchh(1, 3)), (0x1F, b"\x18"), (0x31, cchhr(1, 3, 1)), (TIC, 2),
              (0x06, 4))
    assert last(res).status == UC and last(res).data == b"1111"
    assert sense(dev)[1] == FP


def test_track_full_is_invalid_track_format(dev):
    big = count_field(1, 1, 1, 0, 13030) + bytes(13030)
    assert last(find(dev, 1, 1, 0, (0x1D, big))).status == CE_DE
    res = find(dev, 1, 1, 1, (0x1D, count_field(1, 1, 2, 0, 300) + bytes(300)))
    assert last(res).status == UC and sense(dev)[1] == ITF


def test_readonly_image_write_inhibited(vol):
    d = DASD3330(0x151, [str(vol), "ro"])
    res = find(d, 0, 0, 3, (0x05, b"x"))
    assert last(res).status == UC
    s = sense(d)
    assert s[0] == SENSE_COMMAND_REJECT and s[1] == 0x02
    d.close()


def test_read_only_file_mode_is_write_inhibited(vol):
    vol.chmod(0o444)
    d = DASD3330(0x151, [str(vol)])
    assert last(find(d, 0, 0, 3, (0x05, b"x"))).status == UC
    assert sense(d)[1] == 0x02
    d.close()


# --- sense, no-op, rejects ---------------------------------------------------------------

def test_sense_bytes_layout_3330(dev):
    run(dev, (0x07, bbcchh(2, 6)), (0x31, cchhr(2, 6, 9)), (TIC, 1))
    s = sense(dev)
    assert s[1] == NRF
    assert s[4] == (0x151 & 7) | ((~0x151 & 7) << 3)    # drive B: 110001
    assert s[5] == 2 and s[6] == 6                      # cylinder low byte, head
    assert s[7] == 0


def test_sense_of_a_unit_check_lasts_until_the_next_command(dev):
    assert last(run(dev, (0x07, bytes(5)))).status == UC
    assert last(run(dev, (0x03, 0))).status == CE_DE
    assert sense(dev) == bytes(24)
    assert last(run(dev, (0x07, bytes(5)))).status == UC
    assert sense(dev)[0] == SENSE_COMMAND_REJECT


def test_noop_space_count_restore(dev):
    res = run(dev, (0x03, 0), (0x17, 0), (0x07, bbcchh(0, 0)), (0x0F, bytes(3)), (0x12, 8))
    assert [r.status for _, r in res] == [CE_DE] * 5
    assert last(res).data == count_field(0, 0, 2, 4, 144)   # space count passed R1


@pytest.mark.parametrize("cmd", [0xA4, 0xE4, 0x24, 0x5A, 0xFF, 0x81])
def test_unsupported_commands_rejected(dev, cmd):
    r = dev.execute(cmd, 8, bytes(8))
    assert r.status == UC and sense(dev)[0] == SENSE_COMMAND_REJECT


def test_corrupt_track_is_equipment_check(vol):
    raw = bytearray(vol.read_bytes())
    off = DEVHDR_SIZE + 20 * 13312
    raw[off + 5:off + 13] = bytes((0, 1, 0, 1, 0, 0, 0xFF, 0xFF))
    vol.write_bytes(bytes(raw))
    d = DASD3330(0x151, [str(vol)])
    r = last(run(d, (0x07, bbcchh(1, 1))))
    assert r.status == UC and sense(d)[0] == SENSE_EQUIPMENT_CHECK
    d.close()


def test_3350_device(tmp_path):
    path = tmp_path / "v.3350"
    create_image(path, geometry("3350"), "SYS350", cylinders=1)
    d = DASD3350(0x153, [str(path)])
    assert d.cylinders == 1 and d.heads == 30 and d.devtype == 0x3350
    res = find(d, 0, 0, 3, (0x06, 80))
    assert last(res).data[4:10] == to_ebcdic("SYS350")
    run(d, (0x07, bbcchh(0, 29)), (0x9A, 5))
    s = sense(d)
    assert s[1] == EOC and s[4] == 0x80 >> 3 and s[6] == 29
    d.close()


def test_device_refuses_bad_configuration(tmp_path, vol):
    with pytest.raises(MachineError, match="no CKD image"):
        DASD3330(0x151, [])
    path = tmp_path / "v.3350"
    create_image(path, geometry("3350"), "X", cylinders=1)
    with pytest.raises(MachineError, match="not a 3330"):
        DASD3330(0x151, [str(path)])
    # Relative names are taken from the configuration's directory.
    d = DEVICE_TYPES["3330"](0x151, [vol.name], base_dir=vol.parent)
    assert d.cylinders == 3
    d.close()


# --- through the channel subsystem (real channel programs) ------------------------------

CC_FLAG, SLI = 0x40, 0x20


def search_program(c, h, r, then: bytes) -> bytes:
    """Seek (arguments at X'200'), Search ID Equal, TIC *-8, then ``then``."""
    return (ccw(0x07, 0x200, CC_FLAG, 6) + ccw(0x31, 0x208, CC_FLAG, 5) + ccw(0x08, 0x108, 0, 0)
            + then)


def test_channel_search_loop_reads_the_volume_label(dev):
    ch, mem = channel_with(dev)
    mem[0x200:0x206] = bbcchh(0, 0)
    mem[0x208:0x20D] = cchhr(0, 0, 3)
    cc, csw = channel_start(ch, mem, 0x151, search_program(0, 0, 3, ccw(0x06, 0x300, 0, 80)))
    assert cc == 0
    assert csw[4] == CE_DE and csw[5] == 0 and csw[6:8] == b"\0\0"
    assert int.from_bytes(csw[1:4], "big") == 0x120      # after the Read Data CCW
    assert mem[0x300:0x30A] == to_ebcdic("VOL1BBBBBB")


def test_channel_no_record_found_and_sense(dev):
    ch, mem = channel_with(dev)
    mem[0x200:0x206] = bbcchh(1, 1)
    mem[0x208:0x20D] = cchhr(1, 1, 7)
    cc, csw = channel_start(ch, mem, 0x151, search_program(1, 1, 7, ccw(0x06, 0x300, 0, 80)))
    assert csw[4] == CE_DE | UNIT_CHECK
    assert int.from_bytes(csw[1:4], "big") == 0x110      # the search ended it
    cc, csw = channel_start(ch, mem, 0x151, ccw(0x04, 0x400, 0, 24))
    assert csw[4] == CE_DE and mem[0x401] == NRF and mem[0x405] == 1 and mem[0x406] == 1


def test_channel_write_ckd_then_fresh_device_reads_it(dev, vol):
    ch, mem = channel_with(dev)
    mem[0x200:0x206] = bbcchh(2, 4)
    mem[0x208:0x20D] = cchhr(2, 4, 0)
    mem[0x300:0x308] = count_field(2, 4, 1, 0, 6)
    mem[0x308:0x30E] = b"ABCDEF"
    cc, csw = channel_start(ch, mem, 0x151, search_program(2, 4, 0, ccw(0x1D, 0x300, 0, 14)))
    assert csw[4] == CE_DE and csw[5] == 0
    dev.close()
    fresh = DASD3330(0x151, [str(vol)])
    ch, mem = channel_with(fresh)
    mem[0x200:0x206] = bbcchh(2, 4)
    mem[0x208:0x20D] = cchhr(2, 4, 1)
    cc, csw = channel_start(ch, mem, 0x151, search_program(2, 4, 1, ccw(0x06, 0x500, SLI, 100)))
    assert csw[4] == CE_DE and csw[5] == 0 and mem[0x500:0x506] == b"ABCDEF"
    fresh.close()


def test_channel_ipl_from_dasd(dev):
    ch, mem = channel_with(dev)
    ch.ipl(0x151)
    # Read IPL put R1 (PSW + CCWs) at 0; the NOP CCW at 8 ended the IPL program.
    assert mem[0:16] == bytes.fromhex("000600000000000F0300000000000001")


def test_devinit_mounts_another_volume(dev, tmp_path):
    other = tmp_path / "other.3330"
    create_image(other, geometry("3330"), "OTHER", cylinders=1)
    dev.devinit([str(other)])
    assert dev.cylinders == 1
    assert last(find(dev, 0, 0, 3, (0x06, 80))).data[4:10] == to_ebcdic("OTHER ")
    with pytest.raises(MachineError):
        dev.devinit([str(tmp_path / "missing")])
    assert dev.cylinders == 1                     # the mounted volume stays


# --- property: a track written record by record reads back as the model says -------------

RECORDS = st.lists(st.tuples(st.binary(max_size=8), st.binary(min_size=1, max_size=600)),
                   min_size=1, max_size=15)


@settings(deadline=None)
@given(RECORDS)
def test_records_written_read_back_by_fresh_device(tmp_path_factory, recs):
    path = tmp_path_factory.mktemp("p") / "p.3330"
    create_image(path, geometry("3330"), "PROP", cylinders=1)
    d = DASD3330(0x151, [str(path)])
    # Format head 2: search R0, then Write CKD R1..Rn chained (each after the last).
    writes = [(0x1D, count_field(0, 2, i, len(k), len(v)) + k + v) for i, (k, v) in enumerate(recs, 1)]
    res = find(d, 0, 2, 0, *writes)
    assert [r.status for c, r in res if c == 0x1D] == [CE_DE] * len(recs)
    d.close()
    fresh = DASD3330(0x151, [str(path)])
    model = b"".join(count_field(0, 2, i, len(k), len(v)) + k + v for i, (k, v) in enumerate(recs, 1))
    assert last(run(fresh, (0x07, bbcchh(0, 2)), (0x5E, 65535))).data == model
    for i, (k, v) in enumerate(recs, 1):
        assert last(find(fresh, 0, 2, i, (0x0E, len(k) + len(v)))).data == k + v
    fresh.close()


# --- IBM's DMKDDR reads a volume through these commands (../shared/real) -----------------

REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "real"


@pytest.mark.skipif(not (REAL / "dmkddr.aws").exists(),
                    reason=f"real IBM media not found in {REAL} (CI keeps it beside the clone)")
def test_dmkddr_prints_cylinder_0(tmp_path, capsys):
    """VM/370's stand-alone DMKDDR, IPLed from its tape, prints cylinder 0 of a
    labelled 3330 track by track: home address, R0, then count, key and data."""
    for module in ("s370.operator", "s370.devices.console", "s370.devices.printer", "s370vm.cmd_ipl"):
        pytest.importorskip(module)
    from s370vm.main import main
    create_image(tmp_path / "spool0.3330", geometry("3330"), "SPOOL0", cylinders=2)
    (tmp_path / "m.cnf").write_text(
        "MAINSIZE 1\nCPUMODEL 3158\n009 1052\n00E 1403 print00e.txt\n151 3330 spool0.3330\n"
        f"181 3420 {REAL / 'dmkddr.aws'} ro\n")
    (tmp_path / "ops").write_text("wait ENTER: 60\nsend SYSPRINT 00E\nwait ENTER: 60\n"
                                  "send INPUT 151 3330 SPOOL0\nwait ENTER: 60\n"
                                  "send PRINT 0 TO 0\nwait \"END OF PRINT\" 300\n")
    capsys.readouterr()
    rc = main(["ipl", "181", "--config", str(tmp_path / "m.cnf"), "--script", str(tmp_path / "ops"),
               "--json"])
    report = json.loads(capsys.readouterr().out)
    assert rc == 0, report.get("error")
    printed = (tmp_path / "print00e.txt").read_text()
    assert ("CYL 000 HD 00 HOME ADDRESS 0000000000 RECORD ZERO 0000000000 00 0008 "
            "00000000 00000000") in printed
    assert "CYL 000 HD 00 REC 003 COUNT 0000000003 04 0050" in printed
    assert "*VOL1SPOOL0" in printed
    for head in range(19):
        assert f"CYL 000 HD {head:02d} HOME ADDRESS 00000000{head:02X}" in printed
    assert "END OF PRINT" in printed


@pytest.mark.skipif(not (REAL / "dmkddr.aws").exists(),
                    reason=f"real IBM media not found in {REAL} (CI keeps it beside the clone)")
def test_dmkddr_dump_to_tape_and_restore_reproduces_volume(tmp_path, capsys):
    """DMKDDR dumps cylinders 0-2 (including a track-overflow record) to a scratch
    AWS tape, rewinds and unloads it; the operator remounts it and DMKDDR restores it
    onto a second volume, which then holds exactly the same tracks."""
    for module in ("s370.operator", "s370.devices.console", "s370.devices.printer", "s370vm.cmd_ipl"):
        pytest.importorskip(module)
    from s370vm.main import main
    from s370.devices.ckd import CKDImage
    src, dst, scratch = tmp_path / "src.3330", tmp_path / "dst.3330", tmp_path / "scratch.aws"
    create_image(src, geometry("3330"), "SPOOL0", cylinders=4)
    create_image(dst, geometry("3330"), "SPOOL0", cylinders=4)
    scratch.write_bytes(b"")
    d = DASD3330(0x151, [str(src)])
    find(d, 1, 0, 0, *[(0x1D, count_field(1, 0, r, 0, 4000) + bytes([r]) * 4000) for r in (1, 2, 3)],
         (0x01, count_field(1, 0, 4, 0, 500) + b"o" * 500))
    find(d, 1, 1, 0, (0x1D, count_field(1, 1, 1, 0, 300) + b"v" * 300),
         (0x1D, count_field(1, 1, 2, 8, 20) + b"KEY00002" + b"w" * 20))
    d.close()
    (tmp_path / "m.cnf").write_text(
        "MAINSIZE 1\nCPUMODEL 3158\n009 1052\n00E 1403 print00e.txt\n151 3330 src.3330\n"
        f"152 3330 dst.3330\n181 3420 {REAL / 'dmkddr.aws'} ro\n182 3420 scratch.aws\n")
    (tmp_path / "ops").write_text("\n".join([
        "wait ENTER: 60", "send SYSPRINT 00E", "wait ENTER: 60", "send INPUT 151 3330 SPOOL0",
        "wait ENTER: 60", "send OUTPUT 182 3420", "wait ENTER: 60", "send DUMP 0 TO 2",
        'wait "NULL LINE" 60', "send", 'wait "END OF DUMP" 300', "devinit 182 scratch.aws",
        "wait ENTER: 60", "send INPUT 182 3420", "wait ENTER: 60", "send OUTPUT 152 3330 SPOOL0",
        "wait ENTER: 60", "send RESTORE ALL", 'wait "END OF RESTORE" 300', ""]))
    capsys.readouterr()
    rc = main(["ipl", "181", "--config", str(tmp_path / "m.cnf"), "--script", str(tmp_path / "ops"),
               "--json"])
    report = json.loads(capsys.readouterr().out)
    assert rc == 0, report.get("error")
    assert scratch.stat().st_size > 3 * 19 * 8
    a, b = CKDImage(src), CKDImage(dst)
    for cyl in range(3):
        for head in range(19):
            ta, tb = a.read_track(cyl, head), b.read_track(cyl, head)
            assert (tb.ha, tb.records) == (ta.ha, ta.records), (cyl, head)
    assert b.read_track(1, 0).records[4].count[:2] == b"\x80\x01"   # the overflow flag survived
    a.close()
    b.close()
