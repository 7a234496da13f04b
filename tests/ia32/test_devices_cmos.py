"""CMOS/RTC behaviour, per the Motorola MC146818A datasheet: BCD and binary time
registers, 12/24-hour mode, the update-in-progress bit in register A (high for the
244 us before each update), SET in register B holding the time, register C cleared
by reading, register D's VRT, the periodic/alarm/update flags and IRQF ("Interrupts"),
and the PC/AT's NMI mask in port 70 bit 7 and memory
size bytes (IBM PC/AT Technical Reference, "CMOS RAM Address Map")."""
from __future__ import annotations

import datetime as dt

from ia32.devices.cmos import CMOS

from .devices_support import Line, ManualClock, bus_with


def make(size=16 << 20, start=dt.datetime(2024, 2, 29, 23, 59, 58), irq=None):
    clock = ManualClock()
    cmos = CMOS(clock, size, start, **({"irq": irq} if irq else {}))
    return cmos, bus_with(cmos), clock


def reg(bus, index):
    bus.write(0x70, 1, index)
    return bus.read(0x71, 1)


def setreg(bus, index, value):
    bus.write(0x70, 1, index)
    bus.write(0x71, 1, value)


def test_time_in_bcd_and_it_runs_with_the_virtual_clock():
    _, bus, clock = make()
    assert [reg(bus, r) for r in (0, 2, 4, 7, 8, 9, 0x32)] == \
        [0x58, 0x59, 0x23, 0x29, 0x02, 0x24, 0x20]
    assert reg(bus, 6) == 0x05                # Thursday (Sunday = 1)
    clock.advance_ns(2_000_000_000)
    assert [reg(bus, r) for r in (0, 2, 4, 7, 8)] == [0x00, 0x00, 0x00, 0x01, 0x03]


def test_binary_and_12_hour_modes():
    _, bus, _ = make(start=dt.datetime(2024, 1, 1, 13, 5, 0))
    setreg(bus, 0x0B, 0x04)                   # DM binary, 12-hour
    assert reg(bus, 4) == 0x81                # 1 PM: bit 7 PM, hour 1
    assert reg(bus, 2) == 5
    setreg(bus, 0x0B, 0x02)                   # BCD, 24-hour
    assert reg(bus, 4) == 0x13


def test_update_in_progress_for_the_last_244_us_of_each_second():
    _, bus, clock = make()
    clock.advance_ns(1_000_000_000 - 244_001)
    assert reg(bus, 0x0A) & 0x80 == 0
    clock.advance_ns(1)
    assert reg(bus, 0x0A) == 0xA6             # UIP + the divider/rate the BIOS sets
    clock.advance_ns(244_000)
    assert reg(bus, 0x0A) & 0x80 == 0


def test_set_bit_stops_the_clock_and_allows_writing_it():
    _, bus, clock = make()
    setreg(bus, 0x0B, 0x82)                   # SET
    setreg(bus, 0x00, 0x30)
    setreg(bus, 0x02, 0x15)
    setreg(bus, 0x04, 0x10)
    clock.advance_ns(5_000_000_000)
    assert reg(bus, 0) == 0x30                # held while SET
    assert reg(bus, 0x0A) & 0x80 == 0         # no updates, so never UIP
    setreg(bus, 0x0B, 0x02)
    clock.advance_ns(3_000_000_000)
    assert (reg(bus, 4), reg(bus, 2), reg(bus, 0)) == (0x10, 0x15, 0x33)


def test_register_c_clears_on_read_and_d_reports_valid_ram():
    cmos, bus, _ = make()
    cmos.ram[0x0C] = 0xC0
    assert reg(bus, 0x0C) == 0xC0
    assert reg(bus, 0x0C) == 0x00
    assert reg(bus, 0x0D) == 0x80
    setreg(bus, 0x0D, 0x00)                   # read only
    assert reg(bus, 0x0D) == 0x80


def test_port70_bit7_is_the_nmi_mask():
    cmos, bus, _ = make()
    bus.write(0x70, 1, 0x8F)
    assert cmos.nmi_masked and cmos.index == 0x0F
    bus.write(0x70, 1, 0x0F)
    assert not cmos.nmi_masked


def test_memory_size_bytes():
    _, bus, _ = make(size=32 << 20)
    assert (reg(bus, 0x15), reg(bus, 0x16)) == (0x80, 0x02)           # 640K base
    ext = (32 << 10) - 1024
    assert (reg(bus, 0x17), reg(bus, 0x18)) == (ext & 0xFF, ext >> 8)
    assert (reg(bus, 0x30), reg(bus, 0x31)) == (ext & 0xFF, ext >> 8)
    assert (reg(bus, 0x34), reg(bus, 0x35)) == (0x00, 0x01)           # 16M above 16M in 64K


def test_general_cmos_ram_keeps_its_bytes():
    _, bus, _ = make()
    setreg(bus, 0x40, 0x5A)
    assert reg(bus, 0x40) == 0x5A


def test_periodic_flag_at_1024_hz_and_irqf_with_pie():
    irq = Line()
    cmos, bus, clock = make(irq=irq)
    setreg(bus, 0x0B, 0x42)                   # PIE, 24-hour
    assert cmos.next_event() == 976563        # 1/1024 s, rounded up to whole ns
    clock.advance_ns(976562)
    cmos.update()
    assert irq.level == 0
    clock.advance_ns(1)
    cmos.update()
    assert irq.level == 1
    assert reg(bus, 0x0C) == 0xC0             # IRQF | PF
    assert irq.level == 0                     # reading C drops IRQ 8
    assert reg(bus, 0x0C) == 0x00


def test_rate_selection_in_register_a():
    cmos, bus, _ = make()
    setreg(bus, 0x0A, 0x2F)                   # rate 15: 2 Hz
    setreg(bus, 0x0B, 0x42)
    assert cmos.next_event() == 500_000_000
    setreg(bus, 0x0A, 0x20)                   # rate 0: no periodic interrupt
    assert cmos.next_event() is None


def test_flags_are_set_without_interrupts_for_polling():
    irq = Line()
    _, bus, clock = make(irq=irq)
    clock.advance_ns(1_000_000_000)
    assert reg(bus, 0x0C) == 0x50             # PF and UF, no IRQF
    assert irq.levels == []


def test_update_ended_and_alarm_interrupts():
    irq = Line()
    cmos, bus, clock = make(start=dt.datetime(2024, 1, 1, 10, 0, 0), irq=irq)
    setreg(bus, 0x01, 0x03)                   # alarm at any hour and minute, second 3
    setreg(bus, 0x03, 0xC0)
    setreg(bus, 0x05, 0xFF)
    setreg(bus, 0x0B, 0x32)                   # AIE | UIE: the clock restarts its second
    assert cmos.next_event() == 1_000_000_000
    clock.advance_ns(1_000_000_000)
    cmos.update()
    assert reg(bus, 0x0C) == 0xD0             # IRQF, PF (polled), UF
    clock.advance_ns(2_000_000_000)
    cmos.update()
    assert reg(bus, 0x0C) & 0xB0 == 0xB0      # 10:00:03: IRQF, AF, UF


def test_enabling_an_interrupt_with_its_flag_set_raises_irq8_at_once():
    irq = Line()
    _, bus, clock = make(irq=irq)
    clock.advance_ns(1_000_000)               # PF happened
    setreg(bus, 0x0B, 0x42)
    assert irq.level == 1


def test_no_updates_while_set():
    cmos, bus, clock = make()
    setreg(bus, 0x0B, 0x92)                   # SET | UIE
    clock.advance_ns(3_000_000_000)
    assert reg(bus, 0x0C) & 0x10 == 0
    assert cmos.next_event() is None
