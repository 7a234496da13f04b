"""Hercules CKD image format (s370/devices/ckd.py): header, track layout, geometry,
round trips, corrupt and truncated images refused with the file named."""
import os

import pytest
from hypothesis import given, strategies as st

from s370.devices.ckd import (CKDImage, DEVHDR_SIZE, END_OF_TRACK, GEOMETRIES, Record, Track,
                              check_volser, create_image, geometry, parse_track)
from s370.errors import MachineError


def small_volume(tmp_path, name="3330", cyls=2, volser="TEST01"):
    path = tmp_path / f"vol.{name}"
    create_image(path, geometry(name), volser, cylinders=cyls)
    return path


def test_track_sizes_are_hercules_rounding():
    # HA 5 + R0 count 8 + 8 + R1 count 8 + max R1 + end marker 8, rounded up to 512.
    assert GEOMETRIES["3330"].track_size == 13312      # 13067 -> 13312
    assert GEOMETRIES["3330-11"].track_size == 13312
    assert GEOMETRIES["3350"].track_size == 19456      # 19106 -> 19456


def test_geometry_table():
    g = geometry("3330")
    assert (g.devtype, g.heads, g.cylinders, g.max_r1) == (0x3330, 19, 404, 13030)
    assert geometry("3330-11").cylinders == 808
    g = geometry("3350")
    assert (g.devtype, g.heads, g.cylinders, g.max_r1) == (0x3350, 30, 555, 19069)
    with pytest.raises(MachineError, match="unknown CKD device type"):
        geometry("2311")


def test_device_header_layout(tmp_path):
    path = small_volume(tmp_path, cyls=3)
    raw = path.read_bytes()
    assert raw[0:8] == b"CKD_P370"
    assert int.from_bytes(raw[8:12], "little") == 19
    assert int.from_bytes(raw[12:16], "little") == 13312
    assert raw[16] == 0x30                      # low byte of the device type
    assert raw[17] == 0 and raw[18:20] == b"\0\0"  # only file, highcyl 0
    assert raw[20:512] == bytes(492)
    assert len(raw) == DEVHDR_SIZE + 3 * 19 * 13312


def test_full_size_3330_and_3350_files(tmp_path):
    assert create_image(tmp_path / "a", geometry("3330"), "A") == 512 + 404 * 19 * 13312
    assert os.path.getsize(tmp_path / "a") == 102_183_424      # header + 7676 tracks
    assert create_image(tmp_path / "b", geometry("3350"), "B", cylinders=1) == 512 + 30 * 19456
    (tmp_path / "a").unlink()                       # 100 MB: do not leave it in the temp dir


def test_every_track_has_home_address_and_r0(tmp_path):
    path = small_volume(tmp_path, cyls=2)
    raw = path.read_bytes()
    for cyl in range(2):
        for head in range(19):
            off = DEVHDR_SIZE + (cyl * 19 + head) * 13312
            slot = raw[off:off + 13312]
            assert slot[:5] == bytes((0, 0, cyl, 0, head))
            assert slot[5:13] == bytes((0, cyl, 0, head, 0, 0, 0, 8))   # R0 count
            assert slot[13:21] == bytes(8)                               # R0 data
            if (cyl, head) != (0, 0):
                assert slot[21:29] == END_OF_TRACK
                assert slot[29:] == bytes(13312 - 29)


def test_parse_and_image_round_trip():
    t = Track.empty(5, 7)
    t.records.append(Record.build(5, 7, 1, b"KEY", b"data" * 10))
    img = t.image(13312)
    assert len(img) == 13312
    back = parse_track(img)
    assert back.ha == t.ha and back.records == t.records
    assert back.records[1].count == bytes((0, 5, 0, 7, 1, 3, 0, 40))


@given(st.lists(st.tuples(st.binary(max_size=20), st.binary(max_size=300)), max_size=12))
def test_parse_track_inverts_image(recs):
    t = Track.empty(1, 2)
    for i, (k, d) in enumerate(recs, 1):
        t.records.append(Record.build(1, 2, i, k, d))
    back = parse_track(t.image(8192))
    assert back.records == t.records


def test_parse_track_rejects_garbage():
    with pytest.raises(ValueError):
        parse_track(b"\0" * 5 + bytes((0, 0, 0, 0, 1, 0, 0xFF, 0xFF)) + bytes(100))
    with pytest.raises(ValueError):
        parse_track(bytes(5) + bytes(8) * 3)     # records of length 0 but no end marker


def test_image_reads_and_writes_through(tmp_path):
    path = small_volume(tmp_path)
    img = CKDImage(path, 0x3330)
    assert (img.heads, img.cylinders, img.track_size) == (19, 2, 13312)
    t = img.read_track(1, 3)
    t2 = Track(t.ha, t.records + [Record.build(1, 3, 1, b"", b"hello")])
    img.write_track(1, 3, t2)
    # The file holds it at once, before close: another reader sees it.
    other = CKDImage(path, 0x3330)
    assert other.read_track(1, 3).records[1].data == b"hello"
    img.close()
    other.close()


def test_refuses_wrong_device_type(tmp_path):
    path = small_volume(tmp_path, "3350", cyls=1)
    with pytest.raises(MachineError, match="not a 3330"):
        CKDImage(path, 0x3330)


@pytest.mark.parametrize("damage, message", [
    (lambda raw: raw[:300], "truncated"),
    (lambda raw: raw[:-100], "truncated or corrupt"),
    (lambda raw: b"NOTACKD!" + raw[8:], "not a CKD DASD image"),
    (lambda raw: b"CKD_C370" + raw[8:], "compressed"),
    (lambda raw: raw[:8] + bytes(4) + raw[12:], "corrupt device header"),
    (lambda raw: raw[:17] + b"\x02\x05\x00" + raw[20:], "multi-file"),
    (lambda raw: raw[:512 + 13] + b"\x00\x00\x00\x00\x09\x00\xff\xff" + raw[521 + 13:], "corrupt"),
])
def test_corrupt_or_truncated_image_refused_naming_file(tmp_path, damage, message):
    path = small_volume(tmp_path)
    bad = tmp_path / "bad.3330"
    bad.write_bytes(damage(path.read_bytes()))
    with pytest.raises(MachineError, match=message) as exc:
        CKDImage(bad, 0x3330)
    assert str(bad) in str(exc.value)


def test_missing_file_refused(tmp_path):
    with pytest.raises(MachineError, match="cannot open DASD image .*nothere"):
        CKDImage(tmp_path / "nothere", 0x3330)


def test_create_refuses_to_overwrite(tmp_path):
    path = small_volume(tmp_path)
    with pytest.raises(MachineError, match="already exists"):
        create_image(path, geometry("3330"), "X", cylinders=1)
    create_image(path, geometry("3330"), "X", cylinders=1, replace=True)
    assert CKDImage(path).cylinders == 1


@pytest.mark.parametrize("bad", ["", "TOOLONG", "a b", "VOL-1"])
def test_bad_volser(bad):
    with pytest.raises(MachineError, match="bad volume serial"):
        check_volser(bad)


def test_volser_uppercased():
    assert check_volser("bbb#1") == "BBB#1"


def test_track_cache_is_bounded_and_rereads_the_file(tmp_path, monkeypatch):
    path = small_volume(tmp_path, cyls=3)
    img = CKDImage(path, 0x3330)
    monkeypatch.setattr(img, "CACHE_TRACKS", 4)
    for head in range(10):
        img.read_track(1, head)
    assert len(img._cache) == 4
    t = img.read_track(1, 0)                      # evicted: parsed again from the file
    assert t.ha == bytes((0, 0, 1, 0, 0))
    img.write_track(2, 2, Track(t.ha[:1] + bytes((0, 2, 0, 2)), []))
    for head in range(10):
        img.read_track(0, head)
    assert img.read_track(2, 2).records == []     # the write reached the file
    img.close()
