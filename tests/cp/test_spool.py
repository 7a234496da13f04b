"""Spool files: queues, operations, atomic persistence, restarts (cp/spool.py)."""
import os

import pytest

from cp.spool import Spool, VirtualUnitRecord, _decode, _encode, atomic_write

CARDS = [bytes([i]) * 80 for i in range(5)]


def test_create_queue_order_and_ids():
    s = Spool()
    a = s.create("guest1", "RDR", "maint", "PUN", CARDS, name="A", type="DECK")
    b = s.create("GUEST1", "RDR", "MAINT", "PUN", CARDS[:1], cls="B")
    assert (a.spoolid, b.spoolid) == (1, 2)
    assert [f.spoolid for f in s.queue("GUEST1", "RDR")] == [1, 2]
    assert a.owner == "GUEST1" and a.origin == "MAINT" and a.nrecs == 5 and a.dist == "MAINT"
    s.order([b])
    assert [f.spoolid for f in s.queue("GUEST1", "RDR")] == [2, 1]
    s.transfer(a, "GUEST2")
    assert s.queue("GUEST2", "RDR") == [a] and s.queue("GUEST1", "RDR") == [b]
    s.change(b, cls="C", hold="USER")
    assert b.cls == "C" and b.held
    s.purge(b)
    assert s.get(2) is None


def test_survives_restart(tmp_path):
    s = Spool(tmp_path)
    f = s.create("GUEST1", "RDR", "GUEST2", "PUN", CARDS, name="DATA", type="FILE")
    g = s.create("GUEST1", "PRT", "GUEST1", "PRT", [b"line"])
    s.change(g, copies=3)
    s.order([g])
    s2 = Spool(tmp_path)
    f2 = s2.get(f.spoolid)
    assert f2.records == CARDS and (f2.name, f2.type, f2.origin) == ("DATA", "FILE", "GUEST2")
    assert s2.get(g.spoolid).copies == 3
    h = s2.create("GUEST1", "RDR", "X", "PUN", [])
    assert h.spoolid == 3                   # ids continue after a restart
    s2.purge(f2)
    assert Spool(tmp_path).get(f.spoolid) is None


def test_ids_not_reused_after_purge_and_restart(tmp_path):
    s = Spool(tmp_path)
    f = s.create("A", "RDR", "A", "PUN", [])
    s.purge(f)
    assert Spool(tmp_path).create("A", "RDR", "A", "PUN", []).spoolid == 2


def test_half_written_file_is_ignored(tmp_path):
    s = Spool(tmp_path)
    s.create("A", "RDR", "A", "PUN", CARDS)
    # A crash between writing the temporary file and the rename leaves a .tmp.
    (tmp_path / "spool" / "0002.spl.tmp").write_bytes(b'{"spoolid": 2, "trunc')
    # A damaged final file (not produced by atomic_write, but possible on bad disks).
    (tmp_path / "spool" / "0003.spl").write_bytes(b"garbage")
    s2 = Spool(tmp_path)
    assert list(s2.files) == [1]
    assert s2.damaged == ["0003.spl"]
    assert not (tmp_path / "spool" / "0002.spl.tmp").exists()


def test_atomic_write_replaces(tmp_path):
    p = tmp_path / "x"
    atomic_write(p, b"one")
    atomic_write(p, b"two")
    assert p.read_bytes() == b"two" and os.listdir(tmp_path) == ["x"]


def test_encode_decode_roundtrip_and_truncation():
    s = Spool()
    f = s.create("A", "PUN", "A", "PUN", [b"", b"\x00\xff" * 40, b"x"])
    g = _decode(_encode(f))
    assert g.records == f.records and g.header() == f.header()
    with pytest.raises(ValueError):
        _decode(_encode(f)[:-1])


def test_punch_to_another_users_reader_and_read_back():
    s = Spool()
    pun = VirtualUnitRecord(0x00D, "PUN", "2540", "GUEST1", to_user="GUEST2")
    for c in CARDS:
        pun.write_record(c)
    f = pun.close(s)
    assert (f.owner, f.queue, f.origin, f.devtype) == ("GUEST2", "RDR", "GUEST1", "PUN")
    assert pun.close(s) is None            # nothing written: no file
    rdr = VirtualUnitRecord(0x00C, "RDR", "2540", "GUEST2", cls="*")
    got = []
    while (r := rdr.read_record(s)) is not None:
        got.append(r)
    assert got == CARDS
    assert s.get(f.spoolid) is None         # read to the end: purged


def test_reader_class_hold_and_keep():
    s = Spool()
    a = s.create("U", "RDR", "X", "PUN", [b"A"], cls="A")
    b = s.create("U", "RDR", "X", "PUN", [b"B"], cls="B")
    rdr = VirtualUnitRecord(0x00C, "RDR", "2540", "U", cls="B")
    assert rdr.next_file(s) is b
    s.change(b, hold="USER")
    assert rdr.next_file(s) is None
    rdr.cls = "*"
    rdr.keep = True
    assert rdr.read_record(s) == b"A" and rdr.read_record(s) is None
    assert s.get(a.spoolid) is a            # KEEP: still there


def test_printer_close_goes_to_own_queue_with_options():
    s = Spool()
    prt = VirtualUnitRecord(0x00E, "PRT", "1403", "U", cls="C", copies=2)
    prt.write_record(b"HELLO")
    f = prt.close(s, hold=True, name="LIST", type="OUT", dist="ROOM1")
    assert (f.owner, f.queue, f.cls, f.copies, f.held, f.name, f.dist) == \
        ("U", "PRT", "C", 2, True, "LIST", "ROOM1")


from hypothesis import given, strategies as st  # noqa: E402


@given(st.lists(st.binary(max_size=200), max_size=20), st.text(alphabet="ABCXYZ019", max_size=8))
def test_encode_decode_property(records, name):
    s = Spool()
    f = s.create("U", "RDR", "V", "PUN", records, name=name)
    g = _decode(_encode(f))
    assert g.records == records and g.header() == f.header()
