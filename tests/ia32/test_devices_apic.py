"""Local APIC behaviour, per the Intel SDM Vol. 3A chapter 11: Table 11-1's register
map and reset values (11.4.7.1: LVT entries masked, SVR FFh, DFR all ones), the
timer (11.5.4: divide configuration, one-shot and periodic, current count), task and
processor priority (11.8.3), EOI (11.8.5), spurious vector (11.9) and self IPIs."""
from __future__ import annotations

from ia32.devices.apic import APIC_BASE, LocalAPIC

from .devices_support import ManualClock


def make():
    clock = ManualClock()
    apic = LocalAPIC(clock)
    return apic, clock


def rd(apic, reg):
    return apic.read(APIC_BASE + reg, 4)


def wr(apic, reg, value):
    apic.write(APIC_BASE + reg, 4, value)


def test_reset_values():
    apic, _ = make()
    assert rd(apic, 0x30) == 0x00050014
    assert rd(apic, 0xF0) == 0xFF
    assert rd(apic, 0xE0) == 0xFFFFFFFF
    assert all(rd(apic, r) == 0x10000 for r in range(0x320, 0x380, 0x10))
    assert not apic.enabled


def test_lvt_stays_masked_while_software_disabled():
    apic, _ = make()
    wr(apic, 0x320, 0x20)
    assert rd(apic, 0x320) == 0x10020
    wr(apic, 0xF0, 0x1FF)
    wr(apic, 0x320, 0x20)
    assert rd(apic, 0x320) == 0x20


def test_one_shot_timer_counts_down_and_fires_once():
    apic, clock = make()
    wr(apic, 0xF0, 0x1FF)
    wr(apic, 0x3E0, 0x3)                      # divide by 16
    wr(apic, 0x320, 0x40)                     # one-shot, vector 40
    wr(apic, 0x380, 1000)
    clock.advance_ns(16 * 250)
    assert rd(apic, 0x390) == 750
    assert apic.next_event() == 16 * 1000
    clock.advance_ns(16 * 750)
    apic.update()
    assert rd(apic, 0x390) == 0
    assert apic.pending_vector() == 0x40
    assert apic.acknowledge() == 0x40
    assert rd(apic, 0x100 + 0x20) == 1        # ISR bit 40h (bank 2, bit 0)
    assert apic.next_event() is None
    wr(apic, 0xB0, 0)
    assert rd(apic, 0x120) == 0


def test_periodic_timer_reloads():
    apic, clock = make()
    wr(apic, 0xF0, 0x1FF)
    wr(apic, 0x3E0, 0xB)                      # divide by 1
    wr(apic, 0x320, 0x20000 | 0x30)
    wr(apic, 0x380, 100)
    clock.advance_ns(250)
    assert rd(apic, 0x390) == 50
    apic.update()
    assert apic.acknowledge() == 0x30
    wr(apic, 0xB0, 0)
    assert apic.next_event() == 300


def test_divide_configuration_encodings():
    apic, clock = make()
    wr(apic, 0xF0, 0x1FF)
    for code, divisor in ((0x0, 2), (0x1, 4), (0x2, 8), (0x8, 32), (0xA, 128), (0xB, 1)):
        wr(apic, 0x3E0, code)
        wr(apic, 0x380, 10000)
        clock.advance_ns(divisor * 10)
        assert rd(apic, 0x390) == 9990, hex(code)


def test_task_priority_blocks_lower_classes():
    apic, _ = make()
    wr(apic, 0xF0, 0x1FF)
    wr(apic, 0x80, 0x50)
    apic.request(0x45)
    assert apic.pending_vector() is None
    apic.request(0x61)
    assert apic.pending_vector() == 0x61
    assert rd(apic, 0xA0) == 0x50             # PPR = TPR
    apic.acknowledge()
    assert rd(apic, 0xA0) == 0x60             # PPR = the in-service class
    wr(apic, 0x80, 0)
    assert apic.pending_vector() is None      # 45h waits behind 61h in service
    wr(apic, 0xB0, 0)
    assert apic.pending_vector() == 0x45


def test_acknowledge_with_nothing_pending_gives_the_spurious_vector():
    apic, _ = make()
    wr(apic, 0xF0, 0x1EF)
    assert apic.acknowledge() == 0xEF


def test_self_ipi_through_the_icr():
    apic, _ = make()
    wr(apic, 0xF0, 0x1FF)
    wr(apic, 0x300, 0x40000 | 0x55)           # shorthand self, fixed, vector 55
    assert rd(apic, 0x200 + 0x20) == 1 << 0x15
    assert rd(apic, 0x300) & 0x1000 == 0      # delivery status idle


def test_extint_passes_while_disabled_or_through_lint0():
    apic, _ = make()
    assert apic.passes_extint()
    wr(apic, 0xF0, 0x1FF)
    assert not apic.passes_extint()
    wr(apic, 0x350, 0x700)                    # LINT0 ExtINT, unmasked
    assert apic.passes_extint()


def test_byte_reads_see_the_register_bytes():
    apic, _ = make()
    assert apic.read(APIC_BASE + 0x30, 1) == 0x14
    assert apic.read(APIC_BASE + 0x32, 1) == 0x05


def test_nmi_ipi_to_itself_raises_the_processors_nmi():
    clock = ManualClock()
    nmis = []
    apic = LocalAPIC(clock, nmi=lambda: nmis.append(1))
    wr(apic, 0xF0, 0x1FF)
    wr(apic, 0x310, 0)                        # destination: APIC ID 0, this one
    wr(apic, 0x300, 0x4400)                   # assert, NMI delivery mode, no shorthand
    wr(apic, 0x300, 0x44400)                  # the same with shorthand self
    assert nmis == [1, 1]
    assert rd(apic, 0x200 + 0x00) == 0        # no vector requested
