"""TOD clock, clock comparator, CPU timer and interval timer (GA22-7000 chapter 4,
"Timing", and chapter 6, "External Interruption").

Time base. By default time is *derived from the instruction count*: one
instruction is one microsecond (a 1-MIPS machine, about a 370/158), plus the time
the CPU spent in enabled waits, which ``skip_to_event`` lets pass at once. Runs are
therefore reproducible to the instruction: the same program sees the same clock
values and takes its timer interruptions at the same instructions every time.
``Timers(real_time=True)`` uses the host's clock instead (for interactive use).

The CPU asks for no per-instruction work: it calls ``tick`` when ``cpu.count``
reaches ``cpu.next_event``, which this module keeps at the instruction count of
the next timer event (the next interval-timer step, the clock comparator or CPU
timer crossing).

- TOD clock: 64 bits, bit 51 is one microsecond. It starts in the set state at
  ``epoch`` (default 1980-01-01 00:00 UTC in deterministic mode, the host's time
  of day in real-time mode). STORE CLOCK values are unique and increasing.
- Clock comparator: interruption condition (code X'1004', CR0 bit 20) whenever
  the TOD clock is higher than the comparator. It is a *condition*, not an event:
  it stays pending after an interruption until SCKC or SCK removes it.
- CPU timer: 64-bit signed, decremented at the TOD rate while the CPU runs or
  waits; condition X'1005' (CR0 bit 21) while it is negative.
- Interval timer: the word at real location X'50'; bit 23 is decremented 300 times
  a second (as on the 370 models; bit 31 would be 1/76800 s). When a decrement
  takes it from zero or positive to negative, an interruption request X'0080'
  (CR0 bit 24) is made and stays pending until taken. The update sets the
  reference and change bits of block 0 but is not subject to key protection.
"""
from __future__ import annotations

import datetime
import time

EXT_CLOCK_COMPARATOR = 0x1004
EXT_CPU_TIMER = 0x1005
EXT_INTERVAL_TIMER = 0x0080

_EPOCH_1900 = datetime.datetime(1900, 1, 1, tzinfo=datetime.timezone.utc)
#: Default TOD clock at power-on in deterministic mode: 1980-01-01 00:00 UTC, in µs.
DEFAULT_EPOCH_US = int((datetime.datetime(1980, 1, 1, tzinfo=datetime.timezone.utc)
                        - _EPOCH_1900).total_seconds()) * 1_000_000

INTERVAL_ADDR = 0x50
#: The interval timer steps 300 times a second; step k happens at k*10000/3 µs.
_STEPS_NUM, _STEPS_DEN = 3, 10_000
#: In real-time mode the CPU looks at the host clock every this many instructions.
REAL_TIME_POLL = 2_000
NEVER = 1 << 62
_M64 = (1 << 64) - 1


def _step_at(t_us: int) -> int:
    """Number of interval-timer steps that have happened by time ``t_us``."""
    return t_us * _STEPS_NUM // _STEPS_DEN


def _time_of_step(k: int) -> int:
    """The first microsecond at which step ``k`` has happened."""
    return -(-k * _STEPS_DEN // _STEPS_NUM)


class Timers:
    """The timing facilities of one CPU. Attach with ``attach(cpu)``."""

    def __init__(self, real_time: bool = False, epoch_us: int | None = None,
                 interval_timer: bool = True):
        self.real_time = real_time
        self.interval_timer = interval_timer
        self.idle_us = 0                      # time let pass in waits (deterministic mode)
        self._t0 = time.monotonic_ns()
        if epoch_us is None:
            epoch_us = (int((datetime.datetime.now(datetime.timezone.utc) - _EPOCH_1900)
                            .total_seconds() * 1_000_000) if real_time else DEFAULT_EPOCH_US)
        self.tod_offset = epoch_us            # TOD clock in µs = now + tod_offset
        self.last_tod = 0                     # last value STORE CLOCK returned
        self.ckc = 0                          # clock comparator (64-bit)
        self.cpt_value = 0                    # CPU timer (signed, TOD units) ...
        self.cpt_set = 0                      # ... as of this time (µs)
        self.steps_done = 0                   # interval-timer steps applied to X'50'

    # ------------------------------------------------------------ the time
    def attach(self, cpu) -> None:
        cpu.timers = self
        self.steps_done = _step_at(self.now(cpu))
        self._schedule(cpu, self.now(cpu))

    def now(self, cpu) -> int:
        """Microseconds since power-on."""
        if self.real_time:
            return (time.monotonic_ns() - self._t0) // 1000
        return cpu.count + self.idle_us

    # ----------------------------------------------------------- TOD clock
    def store_clock(self, cpu) -> int:
        """The value STORE CLOCK stores: unique and increasing (bits past the
        microsecond make equal readings distinct)."""
        v = ((self.now(cpu) + self.tod_offset) << 12) & _M64
        if v <= self.last_tod:
            v = (self.last_tod + 1) & _M64
        self.last_tod = v
        return v

    def set_clock(self, cpu, value: int) -> None:
        """SET CLOCK: the TOD clock takes ``value`` now."""
        self.tod_offset = (value >> 12) - self.now(cpu)
        self.last_tod = (value - 1) & _M64 if value else 0
        self.changed(cpu)

    def set_clock_comparator(self, cpu, value: int) -> None:
        self.ckc = value & _M64
        self.changed(cpu)

    # ----------------------------------------------------------- CPU timer
    def cpu_timer(self, cpu) -> int:
        """The CPU timer now, as a signed 64-bit value."""
        v = self.cpt_value - ((self.now(cpu) - self.cpt_set) << 12)
        v &= _M64
        return v - (1 << 64) if v >> 63 else v

    def set_cpu_timer(self, cpu, value: int) -> None:
        value &= _M64
        self.cpt_value = value - (1 << 64) if value >> 63 else value
        self.cpt_set = self.now(cpu)
        self.changed(cpu)

    # -------------------------------------------------------------- events
    def changed(self, cpu) -> None:
        """Re-evaluate the conditions and the next event after a timer was set."""
        now = self.now(cpu)
        self._conditions(cpu, now)
        self._schedule(cpu, now)

    def tick(self, cpu) -> None:
        """Called by the CPU when ``cpu.count`` reaches ``cpu.next_event``."""
        now = self.now(cpu)
        if self.interval_timer:
            self._interval(cpu, now)
        self._conditions(cpu, now)
        self._schedule(cpu, now)

    def _interval(self, cpu, now: int) -> None:
        k = _step_at(now)
        d = k - self.steps_done
        if d <= 0:
            return
        self.steps_done = k
        mem = cpu.mem
        old = int.from_bytes(mem[INTERVAL_ADDR:INTERVAL_ADDR + 4], "big")
        new = (old - 256 * d) & 0xFFFFFFFF
        cpu.storage.write(INTERVAL_ADDR, new.to_bytes(4, "big"))
        cpu.skeys[0] |= 0x06
        # In unbounded arithmetic from the unsigned value ``old``, the signed value
        # goes from >= 0 to < 0 exactly when it passes below zero (from above 2**31
        # it first passes through the positive range). One request can be pending.
        if old - 256 * d < 0:
            cpu.raise_external(EXT_INTERVAL_TIMER)

    def _conditions(self, cpu, now: int) -> None:
        """Set or clear the clock-comparator and CPU-timer conditions (they are
        states, not events: GA22-7000 "Clock Comparator", "CPU Timer")."""
        bit_ckc, bit_cpt = cpu.ext_bit(EXT_CLOCK_COMPARATOR), cpu.ext_bit(EXT_CPU_TIMER)
        if ((now + self.tod_offset) << 12) & _M64 > self.ckc:
            if not cpu.ext_pending & bit_ckc:
                cpu.raise_external(EXT_CLOCK_COMPARATOR)
        else:
            cpu.ext_pending &= ~bit_ckc
        if self.cpt_value - ((now - self.cpt_set) << 12) < 0:
            if not cpu.ext_pending & bit_cpt:
                cpu.raise_external(EXT_CPU_TIMER)
        else:
            cpu.ext_pending &= ~bit_cpt

    def _ckc_time(self, now: int) -> int | None:
        """The first time (µs) at which TOD > comparator, if still to come."""
        t = (self.ckc >> 12) + 1 - self.tod_offset
        return t if t > now else None

    def _cpt_time(self, now: int) -> int | None:
        """The first time (µs) at which the CPU timer is negative, if still to come."""
        if self.cpt_value < 0:
            return None
        t = self.cpt_set + (self.cpt_value >> 12) + 1
        return t if t > now else None

    def _interval_crossing(self, cpu, now: int) -> int:
        """The time of the next interval-timer step that takes X'50' negative."""
        u = int.from_bytes(cpu.mem[INTERVAL_ADDR:INTERVAL_ADDR + 4], "big")
        steps = u // 256 + 1     # unsigned: see _interval for why this holds
        return _time_of_step(self.steps_done + steps)

    def _schedule(self, cpu, now: int) -> None:
        if self.real_time:
            cpu.next_event = cpu.count + REAL_TIME_POLL
            return
        events = [t for t in (self._ckc_time(now), self._cpt_time(now)) if t is not None]
        if self.interval_timer:
            events.append(_time_of_step(self.steps_done + 1))
        # an interval step already due (none is, after a tick) is taken at once
        cpu.next_event = max(min(events) - self.idle_us, cpu.count + 1) if events else NEVER

    def next_wake(self, cpu, now: int) -> int | None:
        """The time (us, at least ``now``) of the next timer event whose
        external-interruption subclass CR0 enables, or None."""
        cr0 = cpu.cr[0]
        events = []
        if cr0 & 0x800:
            t = self._ckc_time(now)
            if t is not None:
                events.append(t)
        if cr0 & 0x400:
            t = self._cpt_time(now)
            if t is not None:
                events.append(t)
        if cr0 & 0x80 and self.interval_timer:
            events.append(self._interval_crossing(cpu, now))
        return max(min(events), now) if events else None

    def skip_to_event(self, cpu) -> bool:
        """The CPU is in a wait state: let time pass to the next timer event that
        can end the wait. False if no enabled timer can ever interrupt."""
        if not cpu.sysmask & 0x01:
            return False
        if cpu.count >= cpu.next_event:     # an event is due: bring state up to date
            self.tick(cpu)
            return True
        now = self.now(cpu)
        t = self.next_wake(cpu, now)
        if t is None:
            return False
        if self.real_time:
            time.sleep(min(t - now, 1_000_000) / 1e6)
        else:
            self.idle_us += t - now
        self.tick(cpu)
        return True
