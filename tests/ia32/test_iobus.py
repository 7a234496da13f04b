"""The port bus: unmapped ports float high, wide accesses split into byte cycles
at successive ports (low byte first) unless the device decodes the width."""
from __future__ import annotations

from ia32.iobus import IOBus


def test_unmapped_reads_are_all_ones():
    bus = IOBus()
    assert bus.read(0x1234, 1) == 0xFF
    assert bus.read(0x1234, 2) == 0xFFFF
    assert bus.read(0x1234, 4) == 0xFFFFFFFF
    bus.write(0x1234, 4, 0)            # vanishes


def test_word_access_to_byte_device_splits_low_byte_first():
    bus = IOBus()
    regs = {0x60: 0x12, 0x61: 0x34}
    writes = []
    bus.register(0x60, 2, lambda p, s: regs[p], lambda p, s, v: writes.append((p, s, v)))
    assert bus.read(0x60, 2) == 0x3412
    assert bus.read(0x60, 4) == 0xFFFF3412     # 62 and 63 float
    bus.write(0x60, 2, 0xBEEF)
    assert writes == [(0x60, 1, 0xEF), (0x61, 1, 0xBE)]


def test_device_decoding_dwords_gets_them_whole():
    bus = IOBus()
    seen = []
    bus.register(0xF4, 1, None, lambda p, s, v: seen.append((p, s, v)), widths=1 | 2 | 4)
    bus.write(0xF4, 4, 0x11223344)
    assert seen == [(0xF4, 4, 0x11223344)]
    assert bus.read(0xF4, 1) == 0xFF            # write-only: reads float


def test_port_wraps_at_ffff():
    bus = IOBus()
    bus.register(0x0000, 1, lambda p, s: 0x5A, None)
    assert bus.read(0xFFFF, 2) == 0x5AFF


def test_double_registration_is_refused():
    bus = IOBus()
    bus.register(0x3F8, 8, lambda p, s: 0, None)
    try:
        bus.register(0x3FF, 1, lambda p, s: 0, None)
    except ValueError as exc:
        assert "03FF" in str(exc)
    else:
        raise AssertionError("expected ValueError")
