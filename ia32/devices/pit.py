"""8254 programmable interval timer at 40-43, and port 61's timer bits.

Behaviour from the Intel 8254 datasheet (order 231164): the control word format,
the counter latch and read-back commands, LSB/MSB/LSB-then-MSB access, and the
modes' OUT waveforms ("Mode Definitions"). The counters run at the PC's
1.193182 MHz from the virtual clock, so their state is computed from the time
since the count was loaded rather than ticked: after a count N is written, the
counting element loads it on the next CLK pulse and decrements once per pulse.

Counter 0's OUT drives IRQ 0 (the system timer); counter 1 (the old DRAM refresh)
has no effect; counter 2's GATE is port 61 bit 0 and its OUT reads in port 61 bit 5
(the PC/AT's speaker and delay-loop wiring).
"""
from __future__ import annotations

from typing import Callable

from .clock import Clock

PIT_HZ = 1_193_182


def clocks_at(ns: int) -> int:
    """PIT clock pulses since power-on at virtual time ``ns``."""
    return ns * PIT_HZ // 1_000_000_000


def ns_of_clock(clock: int) -> int:
    """The first virtual nanosecond at which ``clock`` pulses have happened."""
    return -(-clock * 1_000_000_000 // PIT_HZ)


def _from_bcd(value: int) -> int:
    return sum(((value >> (4 * i)) & 0xF) * 10 ** i for i in range(4))


def _to_bcd(value: int) -> int:
    return sum((value // 10 ** i % 10) << (4 * i) for i in range(4))


class Counter:
    """One counter: its programming, its count, and the pulse it was loaded at."""

    def __init__(self, gate: int = 1):
        self.mode = 0
        self.rw = 3              # 1: LSB only, 2: MSB only, 3: LSB then MSB
        self.bcd = False
        self.count = 0           # the count register as written (0 = the maximum)
        self.start: int | None = None   # pulse at which counting (d = 0) began
        self.frozen: int | None = None  # d at which a low GATE stopped counting
        self.armed = False       # a count has been written since the control word
        self.edges_before = 0    # OUT rising edges before ``start`` (a running total)
        self.next_count: int | None = None   # modes 2, 3: count waiting for the period's end
        self.next_start = 0
        self.gate = gate
        self.out_idle = 1        # OUT before a count is loaded
        self.write_lsb: int | None = None
        self.read_msb_next = False
        self.latch: list[int] = []       # latched bytes (status first), read in order

    @property
    def period(self) -> int:
        n = _from_bcd(self.count) if self.bcd else self.count
        if n == 0:
            n = 10000 if self.bcd else 0x10000
        if self.mode in (2, 3) and n == 1:
            n = 2                 # a count of 1 is illegal in modes 2 and 3
        return n

    def elapsed(self, t: int) -> int | None:
        """Decrements since the count was loaded, or None if not counting yet."""
        if self.next_count is not None and t >= self.next_start:
            start, count, self.next_count = self.next_start, self.next_count, None
            self._restart(start, start)      # the new count's period begins
            self.count = count
        if self.frozen is not None:
            return self.frozen
        if self.start is None or t < self.start:
            return None
        if not self.gate and self.mode in (2, 3):
            return 0              # GATE low holds the count (and OUT high)
        return t - self.start

    def _restart(self, start: int | None, t: int) -> None:
        """Counting begins again at ``start``; keep the rising edges up to ``t``."""
        self.edges_before = self.rising_edges(t)
        self.start = start

    def value(self, t: int) -> int:
        """The counting element's value at pulse ``t`` (binary, before BCD)."""
        d = self.elapsed(t)
        n = self.period
        if d is None:
            return n & 0xFFFF
        modulus = 10000 if self.bcd else 0x10000
        if self.mode in (2, 3):
            d %= n
            if self.mode == 3:    # counts by two, once per half period
                half = (n + 1) // 2
                return (n & ~1) - 2 * (d if d < half else d - half)
            return n - d
        return (n - d) % modulus

    def out(self, t: int) -> int:
        d = self.elapsed(t)
        if d is None or (self.mode in (2, 3) and not self.gate):
            return self.out_idle
        n = self.period
        if self.mode == 0:
            return 1 if d >= n else 0
        if self.mode == 1:
            return 1 if d >= n else 0
        if self.mode == 2:
            return 0 if d % n == n - 1 else 1
        if self.mode == 3:
            return 1 if d % n < (n + 1) // 2 else 0
        return 0 if d == n else 1           # modes 4 and 5: a one-pulse strobe at the end

    def rising_edges(self, t: int) -> int:
        """OUT's rising edges since power-on, up to pulse ``t`` (a running total)."""
        d = self.elapsed(t)
        if d is None or self.frozen is not None:
            return self.edges_before
        n = self.period
        if self.mode in (2, 3):
            since = d // n
        elif self.mode in (0, 1):
            since = 1 if d >= n else 0
        else:
            since = 1 if d >= n + 1 else 0
        return self.edges_before + since

    def next_change(self, t: int) -> int | None:
        """The first pulse after ``t`` at which OUT changes, or None."""
        d = self.elapsed(t)
        if d is None:
            return self.start if self.start is not None and self.frozen is None else None
        if self.frozen is not None or (not self.gate and self.mode in (2, 3)):
            return None
        n = self.period
        if self.mode == 2:
            base = d - d % n
            nxt = base + n - 1 if d % n < n - 1 else base + n
        elif self.mode == 3:
            base = d - d % n
            half = (n + 1) // 2
            nxt = base + half if d % n < half else base + n
        elif self.mode in (0, 1):
            nxt = n if d < n else None
        else:
            nxt = n if d < n else (n + 1 if d == n else None)
        return None if nxt is None else self.start + nxt

    # --- the guest's accesses ---------------------------------------------------------
    def control(self, value: int, t: int) -> None:
        self.rw = (value >> 4) & 3
        self.mode = (value >> 1) & 7
        if self.mode > 5:
            self.mode &= 3        # 110 and 111 are modes 2 and 3
        self.bcd = bool(value & 1)
        self._restart(None, t)
        self.next_count = None
        self.frozen = None
        self.armed = False
        self.latch = []
        self.write_lsb = None
        self.read_msb_next = False
        self.out_idle = 0 if self.mode == 0 else 1   # the known initial OUT state

    def write(self, value: int, t: int) -> None:
        if self.rw == 3 and self.write_lsb is None:
            self.write_lsb = value
            if self.mode == 0:    # mode 0: writing the first byte stops the count, OUT low
                self._restart(None, t)
                self.frozen = None
                self.out_idle = 0
            return
        if self.rw == 3:
            count = self.write_lsb | (value << 8)
            self.write_lsb = None
        elif self.rw == 1:
            count = value
        else:
            count = value << 8
        self._load(count, t)

    def _load(self, count: int, t: int) -> None:
        d = self.elapsed(t)
        if d is not None and self.gate and self.mode in (2, 3):
            # Modes 2, 3: the new count is loaded at the end of the current period.
            self.next_count = count
            self.next_start = self.start + (d // self.period + 1) * self.period
            return
        self.count = count
        self.armed = True
        self.frozen = None
        if self.mode in (1, 5):
            self._restart(None, t)    # waits for a GATE trigger
        elif self.mode in (0, 4) and not self.gate:
            self._restart(None, t)
            self.frozen = 0
        else:
            self._restart(t + 1, t)   # loaded into the counting element on the next pulse
        if self.mode == 0:
            self.out_idle = 0

    def latch_count(self, t: int) -> None:
        if self.latch:
            return                # a second latch before the first is read is ignored
        v = self.value(t)
        if self.bcd:
            v = _to_bcd(v)
        if self.rw == 1:
            self.latch = [v & 0xFF]
        elif self.rw == 2:
            self.latch = [v >> 8]
        else:
            self.latch = [v & 0xFF, v >> 8]

    def status(self, t: int) -> int:
        null_count = not self.armed or (self.start is not None and t < self.start)
        return (self.out(t) << 7) | (0x40 if null_count else 0) | (self.rw << 4) | \
            (self.mode << 1) | int(self.bcd)

    def read(self, t: int) -> int:
        if self.latch:
            return self.latch.pop(0)
        v = self.value(t)
        if self.bcd:
            v = _to_bcd(v)
        if self.rw == 1:
            return v & 0xFF
        if self.rw == 2:
            return v >> 8
        byte = (v >> 8) if self.read_msb_next else (v & 0xFF)
        self.read_msb_next = not self.read_msb_next
        return byte

    def set_gate(self, level: int, t: int) -> None:
        if level == self.gate:
            return
        if not self.armed:
            self.gate = level
            return
        if level:
            self.gate = level
            if self.mode in (0, 4) and self.frozen is not None:
                frozen, self.frozen = self.frozen, None
                self.start = t + 1 - frozen          # resume where it stopped
            elif self.mode in (1, 2, 3, 5):
                self._restart(t + 1, t)              # trigger: reload and restart
        else:
            if self.mode in (0, 4):
                self.frozen = self.elapsed(t) or 0
            else:
                self._restart(self.start, t)         # keep the edges so far
            self.gate = level


class PIT8254:
    """The three counters, their ports, and IRQ 0."""

    def __init__(self, clock: Clock, irq0: Callable[[int], None]):
        self.clock = clock
        self.irq0 = irq0
        self.counters = [Counter(), Counter(), Counter(gate=0)]
        self.port61 = 0
        self._edges_seen = 0
        self._line = 1

    def attach(self, bus) -> None:
        bus.register(0x40, 4, self.read, self.write)
        bus.register(0x61, 1, self.read61, self.write61)

    def now(self) -> int:
        return clocks_at(self.clock.now())

    def read(self, port: int, size: int) -> int:
        if port == 0x43:
            return 0xFF           # the control register cannot be read
        return self.counters[port - 0x40].read(self.now())

    def write(self, port: int, size: int, value: int) -> None:
        value &= 0xFF
        t = self.now()
        if port != 0x43:
            self.counters[port - 0x40].write(value, t)
            if port == 0x40:
                self.update()
            return
        select = value >> 6
        if select == 3:           # read-back: D5 = !COUNT, D4 = !STATUS, D3-D1 = counters
            for i in range(3):
                if value & (2 << i):
                    c = self.counters[i]
                    if not value & 0x10 and not c.latch:
                        c.latch = [c.status(t)]
                        if not value & 0x20:
                            c.latch += self._count_bytes(c, t)
                    elif not value & 0x20:
                        c.latch_count(t)
            return
        counter = self.counters[select]
        if value & 0x30 == 0:
            counter.latch_count(t)
            return
        counter.control(value, t)
        if select == 0:
            self.update()

    @staticmethod
    def _count_bytes(counter: Counter, t: int) -> list[int]:
        saved, counter.latch = counter.latch, []
        counter.latch_count(t)
        count, counter.latch = counter.latch, saved
        return count

    def read61(self, port: int, size: int) -> int:
        t = self.now()
        refresh = (self.clock.now() // 15085) & 1    # DRAM refresh request toggles every 15.085 us
        return (self.port61 & 0x0F) | (refresh << 4) | (self.counters[2].out(t) << 5)

    def write61(self, port: int, size: int, value: int) -> None:
        self.port61 = value & 0x0F
        self.counters[2].set_gate(value & 1, self.now())

    # --- IRQ 0 ------------------------------------------------------------------------
    def next_event(self) -> int | None:
        nxt = self.counters[0].next_change(self.now())
        return None if nxt is None else ns_of_clock(nxt)

    def update(self) -> None:
        """Bring IRQ 0 up to date: a rising edge of OUT since the last update raises a
        request (edges the PIC would merge are merged), then the line follows OUT."""
        t = self.now()
        c = self.counters[0]
        edges = c.rising_edges(t)
        if edges > self._edges_seen:
            self._edges_seen = edges
            self.irq0(0)
            self.irq0(1)
            self._line = 1
        level = c.out(t)
        if level != self._line:
            self._line = level
            self.irq0(level)
