"""8254 behaviour, per the Intel 8254 datasheet (order 231164): control word format,
counter latch and read-back commands, read/write of LSB/MSB, and the OUT waveforms of
modes 0 ("interrupt on terminal count"), 2 ("rate generator") and 3 ("square wave"),
with the count loaded on the first CLK pulse after it is written. Port 61 gates
counter 2 and shows its OUT in bit 5 (IBM PC/AT Technical Reference)."""
from __future__ import annotations

from ia32.devices.pit import PIT8254, clocks_at, ns_of_clock

from .devices_support import Line, ManualClock, bus_with


def make():
    clock = ManualClock()
    irq = Line()
    pit = PIT8254(clock, irq)
    return pit, bus_with(pit), irq, clock


def to_pulse(clock, pulse):
    clock.skip_to(ns_of_clock(pulse))
    assert clocks_at(clock.now()) == pulse


def status(bus, counter):
    bus.write(0x43, 1, 0xE0 | (2 << counter))    # read-back: status only
    return bus.read(0x40 + counter, 1)


def read_count(bus, counter):
    bus.write(0x43, 1, counter << 6)             # counter latch command
    return bus.read(0x40 + counter, 1) | bus.read(0x40 + counter, 1) << 8


def test_clock_rate_is_the_pcs_1193182_hz():
    assert clocks_at(1_000_000_000) == 1_193_182
    assert ns_of_clock(1) == 839                 # 838.1 ns, rounded up to whole ns


def test_mode0_out_high_n_plus_1_pulses_after_the_count():
    pit, bus, irq, clock = make()
    bus.write(0x43, 1, 0x30)                     # counter 0, LSB then MSB, mode 0, binary
    assert status(bus, 0) == 0x70                # OUT low, null count, RW=3, mode 0
    bus.write(0x40, 1, 100)
    bus.write(0x40, 1, 0)
    assert status(bus, 0) & 0xC0 == 0x40         # not loaded yet
    to_pulse(clock, 1)
    assert status(bus, 0) & 0xC0 == 0x00         # loaded: null count clears
    assert read_count(bus, 0) == 100
    to_pulse(clock, 100)
    assert read_count(bus, 0) == 1 and status(bus, 0) & 0x80 == 0
    assert pit.next_event() == ns_of_clock(101)
    to_pulse(clock, 101)
    pit.update()
    assert status(bus, 0) & 0x80 == 0x80 and irq.level == 1
    to_pulse(clock, 102)
    assert read_count(bus, 0) == 0xFFFF          # the counter wraps and keeps counting
    assert status(bus, 0) & 0x80 == 0x80         # OUT stays high


def test_mode0_first_byte_of_a_new_count_stops_counting():
    _, bus, _, clock = make()
    bus.write(0x43, 1, 0x30)
    bus.write(0x40, 1, 10)
    bus.write(0x40, 1, 0)
    to_pulse(clock, 20)
    assert status(bus, 0) & 0x80
    bus.write(0x40, 1, 50)                       # LSB only: OUT low, counting stops
    assert status(bus, 0) & 0x80 == 0
    to_pulse(clock, 200)
    assert status(bus, 0) & 0x80 == 0
    bus.write(0x40, 1, 0)                        # MSB: count 50 from the next pulse
    to_pulse(clock, 251)
    assert status(bus, 0) & 0x80 == 0x80


def test_latched_count_holds_until_read():
    _, bus, _, clock = make()
    bus.write(0x43, 1, 0x34)                     # mode 2
    bus.write(0x40, 1, 0x00)
    bus.write(0x40, 1, 0x10)                     # 0x1000
    to_pulse(clock, 0x11)
    bus.write(0x43, 1, 0x00)                     # latch counter 0
    to_pulse(clock, 0x500)
    bus.write(0x43, 1, 0x00)                     # a second latch is ignored until read
    assert bus.read(0x40, 1) == 0xF0
    assert bus.read(0x40, 1) == 0x0F             # 0x1000 - 0x10
    assert read_count(bus, 0) == 0x1000 - 0x4FF


def test_mode2_rate_generator_out_low_one_pulse_at_count_1():
    pit, bus, irq, clock = make()
    bus.write(0x43, 1, 0x14)                     # counter 0, LSB only, mode 2
    bus.write(0x40, 1, 4)
    assert status(bus, 0) == 0xD4                # OUT high, null count, RW=1, mode 2
    waves = []
    for pulse in range(1, 14):
        to_pulse(clock, pulse)
        waves.append((bus.read(0x40, 1), status(bus, 0) >> 7))
    assert waves == [(4, 1), (3, 1), (2, 1), (1, 0), (4, 1), (3, 1), (2, 1), (1, 0),
                     (4, 1), (3, 1), (2, 1), (1, 0), (4, 1)]
    pit.update()
    assert irq.levels[-2:] == [0, 1]             # a rising edge reached IRQ 0


def test_mode2_every_period_is_a_rising_edge_for_irq0():
    pit, bus, irq, clock = make()
    bus.write(0x43, 1, 0x34)
    bus.write(0x40, 1, 100)
    bus.write(0x40, 1, 0)
    while clocks_at(clock.now()) < 1 + 5 * 100:
        clock.skip_to(pit.next_event())      # the run loop's way: event to event
        pit.update()
    assert irq.levels.count(1) == 5
    assert irq.level == 1


def test_mode2_new_count_takes_effect_at_the_end_of_the_period():
    _, bus, _, clock = make()
    bus.write(0x43, 1, 0x14)
    bus.write(0x40, 1, 10)
    to_pulse(clock, 3)
    bus.write(0x40, 1, 5)                        # during counting
    to_pulse(clock, 10)
    assert bus.read(0x40, 1) == 1                # the old period runs out
    to_pulse(clock, 11)
    assert bus.read(0x40, 1) == 5                # then the new count


def test_mode3_square_wave_half_high_half_low():
    _, bus, _, clock = make()
    bus.write(0x43, 1, 0x16)                     # LSB only, mode 3
    bus.write(0x40, 1, 10)
    outs, counts = [], []
    for pulse in range(1, 21):
        to_pulse(clock, pulse)
        outs.append(status(bus, 0) >> 7)
        counts.append(bus.read(0x40, 1))
    assert outs == [1] * 5 + [0] * 5 + [1] * 5 + [0] * 5
    assert counts[:10] == [10, 8, 6, 4, 2, 10, 8, 6, 4, 2]   # decrements by two


def test_lsb_then_msb_reads_without_latch():
    _, bus, _, clock = make()
    bus.write(0x43, 1, 0x70)                     # counter 1, LSB/MSB, mode 0
    bus.write(0x41, 1, 0x34)
    bus.write(0x41, 1, 0x12)
    to_pulse(clock, 1)
    assert (bus.read(0x41, 1), bus.read(0x41, 1)) == (0x34, 0x12)


def test_msb_only_access():
    _, bus, _, clock = make()
    bus.write(0x43, 1, 0x60)                     # counter 1, MSB only, mode 0
    bus.write(0x41, 1, 0x02)                     # count 0x0200
    to_pulse(clock, 1 + 0x100)
    assert bus.read(0x41, 1) == 0x01


def test_bcd_counting():
    _, bus, _, clock = make()
    bus.write(0x43, 1, 0x31)                     # mode 0, BCD
    bus.write(0x40, 1, 0x00)
    bus.write(0x40, 1, 0x10)                     # 1000 decimal
    to_pulse(clock, 1 + 1)
    assert read_count(bus, 0) == 0x0999


def test_read_back_status_and_count_status_first():
    _, bus, _, clock = make()
    bus.write(0x43, 1, 0xB6)                     # counter 2, LSB/MSB, mode 3
    bus.write(0x42, 1, 0x00)
    bus.write(0x42, 1, 0x01)
    bus.write(0x43, 1, 0xC8)                     # read-back count and status of counter 2
    assert bus.read(0x42, 1) == 0xF6             # OUT high (GATE low), null count, RW 3, mode 3
    assert (bus.read(0x42, 1), bus.read(0x42, 1)) == (0x00, 0x01)


def test_port61_gates_counter2_and_shows_out2():
    _, bus, _, clock = make()
    bus.write(0x43, 1, 0xB0)                     # counter 2, mode 0
    bus.write(0x42, 1, 50)
    bus.write(0x42, 1, 0)
    to_pulse(clock, 100)
    assert bus.read(0x61, 1) & 0x20 == 0         # gate low: counter 2 has not counted
    bus.write(0x61, 1, 0x01)                     # gate high at pulse 100
    to_pulse(clock, 100 + 50)
    assert bus.read(0x61, 1) & 0x20 == 0
    to_pulse(clock, 100 + 51)
    assert bus.read(0x61, 1) & 0x21 == 0x21      # OUT2 high, gate bit reads back


def test_port61_refresh_toggle_flips_every_15_us():
    _, bus, _, clock = make()
    first = bus.read(0x61, 1) & 0x10
    clock.advance_ns(15085)
    assert bus.read(0x61, 1) & 0x10 != first
