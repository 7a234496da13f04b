"""CMOS RAM and real-time clock (Motorola MC146818A) at ports 70/71.

Port 70 selects a register (bit 7 is the PC's NMI mask: 1 disables NMI, kept in
:attr:`CMOS.nmi_masked`), port 71 reads or writes it. Registers from the MC146818A
datasheet's "Address Map" and "Register A-D" sections: 0-9 the time (BCD unless
register B's DM bit selects binary; 12- or 24-hour per its 24/12 bit), A with the
update-in-progress flag (set during the last 244 us before each second's update),
B with SET (stops updates so the time can be written), C (flags, cleared when
read), D (VRT: the battery is good). The PC/AT's memory-size bytes (15-18, 30-31,
34-35) and century (32) are filled from the machine.

Register C's flags follow the datasheet's "Interrupts" section: PF at the periodic
rate register A selects (rates 3-15: 32768 >> (rate - 1) Hz; 1 and 2 as 8 and 9),
UF at each update, AF at an update whose time matches the alarm (alarm bytes C0-FF
match anything), IRQF when a flag is set whose enable bit (PIE, AIE, UIE) in
register B is on; IRQF drives IRQ 8 until register C is read. The flags are set
whether or not interrupts are enabled, so a guest can poll them. Updates happen
once a second from the time the clock was last set, and not while SET is on;
nothing counts while register A's divider is not the normal 010.

The time starts at :data:`EPOCH` (or the time given) and runs with the virtual clock,
so guests see the same dates in every run.
"""
from __future__ import annotations

import datetime as _dt

from typing import Callable

from .clock import Clock

EPOCH = _dt.datetime(2000, 1, 1, 0, 0, 0)
_UIP_NS = 244_000
_SECOND = 1_000_000_000
REG_A, REG_B, REG_C, REG_D = 0x0A, 0x0B, 0x0C, 0x0D
B_SET, B_PIE, B_AIE, B_UIE, B_DM, B_24H = 0x80, 0x40, 0x20, 0x10, 0x04, 0x02
C_IRQF, C_PF, C_AF, C_UF = 0x80, 0x40, 0x20, 0x10
_DIVIDER_NORMAL = 0x20
_ALARM_CHECKS = 86400              # at most a day of missed updates is checked for alarms


class CMOS:
    """128 bytes of CMOS RAM with the clock in the first 14."""

    def __init__(self, clock: Clock, memory_size: int, start: _dt.datetime = EPOCH,
                 irq: Callable[[int], None] = lambda level: None):
        self.clock = clock
        self.irq = irq
        self.synced_ns = 0                 # flags are up to date to this time
        self._level = 0
        self.ram = bytearray(128)
        self.index = 0
        self.nmi_masked = True             # NMI is masked until the guest clears bit 7
        self.ram[REG_A] = 0x26             # 32.768 kHz time base, 1024 Hz periodic rate
        self.ram[REG_B] = B_24H
        self.ram[REG_D] = 0x80             # VRT: valid RAM and time
        self.base_time = start
        self.base_ns = 0
        self._set_memory(memory_size)

    def _set_memory(self, size: int) -> None:
        """The AT's memory bytes: base memory 640K, extended memory above 1M in K
        (capped at 63.9M), and memory above 16M in 64K blocks."""
        ram = self.ram
        ram[0x15], ram[0x16] = 640 & 0xFF, 640 >> 8
        ext = min(max(size - (1 << 20), 0) >> 10, 0xFFFF)
        ram[0x17], ram[0x18] = ext & 0xFF, ext >> 8
        ram[0x30], ram[0x31] = ext & 0xFF, ext >> 8
        high = min(max(size - (16 << 20), 0) >> 16, 0xFFFF)
        ram[0x34], ram[0x35] = high & 0xFF, high >> 8

    def attach(self, bus) -> None:
        bus.register(0x70, 2, self.read, self.write)

    def now(self) -> _dt.datetime:
        if self.ram[REG_B] & B_SET:
            return self.base_time
        elapsed = (self.clock.now() - self.base_ns) // _SECOND
        return self.base_time + _dt.timedelta(seconds=elapsed)

    def read(self, port: int, size: int) -> int:
        if port == 0x70:
            return 0xFF                    # the index register is write-only
        reg = self.index
        if reg < REG_A or reg == 0x32:
            return self._time_register(reg)
        if reg == REG_A:
            uip = 0
            if not self.ram[REG_B] & B_SET:
                into_second = (self.clock.now() - self.base_ns) % _SECOND
                uip = 0x80 if into_second >= _SECOND - _UIP_NS else 0
            return (self.ram[REG_A] & 0x7F) | uip
        if reg == REG_C:
            self.update()
            value = self.ram[REG_C]
            self.ram[REG_C] = 0            # reading C clears its flags (and IRQF)
            self._drive_irq()
            return value
        return self.ram[reg]

    def write(self, port: int, size: int, value: int) -> None:
        value &= 0xFF
        if port == 0x70:
            self.index = value & 0x7F
            self.nmi_masked = bool(value & 0x80)
            return
        reg = self.index
        if reg < REG_A or reg == 0x32:
            self._set_time_register(reg, value)
        elif reg == REG_A:
            self.update()
            self.ram[REG_A] = value & 0x7F  # UIP is read-only
        elif reg == REG_B:
            self.update()
            now = self.now()
            self.ram[REG_B] = value
            self.base_time, self.base_ns = now, self.clock.now()
            self._raise_irqf()
        elif reg in (REG_C, REG_D):
            return                         # read-only
        else:
            self.ram[reg] = value

    # --- the flags and IRQ 8 ----------------------------------------------------------
    def _period_unit(self) -> int | None:
        """Periodic interrupts happen every ``unit / 32768`` ns, or None (rate 0)."""
        rate = self.ram[REG_A] & 0x0F
        if not rate:
            return None
        if rate < 3:
            rate += 7
        return 1_000_000_000 << (rate - 1)

    def _running(self) -> bool:
        return self.ram[REG_A] & 0x70 == _DIVIDER_NORMAL

    def _updates(self, t: int) -> int:
        return (t - self.base_ns) // _SECOND

    def update(self) -> None:
        """Set the flags for what happened since the last look, and IRQ 8."""
        now = self.clock.now()
        then, self.synced_ns = self.synced_ns, now
        if now <= then or not self._running():
            return
        flags = 0
        unit = self._period_unit()
        if unit is not None and now * 32768 // unit > then * 32768 // unit:
            flags |= C_PF
        if not self.ram[REG_B] & B_SET:
            first, last = self._updates(then) + 1, self._updates(now)
            if last >= first:
                flags |= C_UF
                for n in range(max(first, last - _ALARM_CHECKS + 1), last + 1):
                    if self._alarm_matches(self.base_time + _dt.timedelta(seconds=n)):
                        flags |= C_AF
                        break
        self.ram[REG_C] |= flags
        self._raise_irqf()

    def _alarm_matches(self, t: _dt.datetime) -> bool:
        ram = self.ram
        for alarm, value in ((ram[1], t.second), (ram[3], t.minute), (ram[5], t.hour)):
            if alarm < 0xC0 and alarm != self._encode(value):
                return False
        return True

    def _raise_irqf(self) -> None:
        c = self.ram[REG_C]
        if c & self.ram[REG_B] & (C_PF | C_AF | C_UF):   # PIE/AIE/UIE sit under PF/AF/UF
            self.ram[REG_C] = c | C_IRQF
        self._drive_irq()

    def _drive_irq(self) -> None:
        level = 1 if self.ram[REG_C] & C_IRQF else 0
        if level != self._level:
            self._level = level
            self.irq(level)

    def next_event(self) -> int | None:
        """The next periodic or update flag an enabled interrupt waits for."""
        b = self.ram[REG_B]
        if not b & (B_PIE | B_AIE | B_UIE) or not self._running():
            return None
        now = self.clock.now()
        events = []
        unit = self._period_unit()
        if b & B_PIE and unit is not None:
            events.append(-(-(now * 32768 // unit + 1) * unit // 32768))
        if b & (B_AIE | B_UIE) and not b & B_SET:
            events.append(self.base_ns + (self._updates(now) + 1) * _SECOND)
        return min(events) if events else None

    # --- the time registers -----------------------------------------------------------
    def _encode(self, value: int) -> int:
        return value if self.ram[REG_B] & B_DM else (value // 10) << 4 | value % 10

    def _decode(self, value: int) -> int:
        return value if self.ram[REG_B] & B_DM else (value >> 4) * 10 + (value & 0xF)

    def _time_register(self, reg: int) -> int:
        t = self.now()
        if reg in (1, 3, 5):
            return self.ram[reg]           # alarms
        if reg == 4:
            if self.ram[REG_B] & B_24H:
                return self._encode(t.hour)
            hour12 = t.hour % 12 or 12
            return self._encode(hour12) | (0x80 if t.hour >= 12 else 0)
        fields = {0: t.second, 2: t.minute, 6: t.isoweekday() % 7 + 1, 7: t.day,
                  8: t.month, 9: t.year % 100, 0x32: t.year // 100}
        return self._encode(fields[reg])

    def _set_time_register(self, reg: int, value: int) -> None:
        if reg in (1, 3, 5):
            self.ram[reg] = value
            return
        if reg == 6:
            return                         # the day of week follows from the date
        t = self.now()
        if reg == 4 and not self.ram[REG_B] & B_24H:
            v = self._decode(value & 0x7F) % 12 + (12 if value & 0x80 else 0)
        else:
            v = self._decode(value)
        if reg == 9:
            v += t.year // 100 * 100
        elif reg == 0x32:
            v = v * 100 + t.year % 100
        field = {0: "second", 2: "minute", 4: "hour", 7: "day", 8: "month",
                 9: "year", 0x32: "year"}[reg]
        try:
            t = t.replace(**{field: v})
        except ValueError:
            return                         # an impossible date: the clock keeps its time
        self.base_time, self.base_ns = t, self.clock.now()
