"""8259A behaviour, per the Intel 8259A datasheet (order 231468): the initialization
sequence (ICW1-ICW4), OCW1 masks, OCW2 EOI commands and rotation, OCW3 register
reads, poll and special mask mode, edge-triggered requests, the spurious IR7, and the
AT's cascade of a slave on master IR2."""
from __future__ import annotations

from ia32.devices.pic import PICPair

from .devices_support import Line, bus_with


def make(init=True):
    intr = Line()
    pics = PICPair(intr)
    bus = bus_with(pics)
    if init:                                  # the PC BIOS's programming
        for port, values in ((0x20, (0x11, 0x08, 0x04, 0x01)), (0xA0, (0x11, 0x70, 0x02, 0x01))):
            bus.write(port, 1, values[0])
            for v in values[1:]:
                bus.write(port + 1, 1, v)
    return pics, bus, intr


def test_icw1_clears_the_mask_register():
    _, bus, _ = make()
    assert bus.read(0x21, 1) == 0x00
    bus.write(0x21, 1, 0xFB)                  # OCW1
    assert bus.read(0x21, 1) == 0xFB
    bus.write(0x20, 1, 0x11)
    assert bus.read(0x21, 1) == 0x00


def test_icw2_sets_the_vector_base():
    pics, bus, intr = make()
    pics.set_irq(1, 1)
    assert intr.level == 1
    assert pics.acknowledge() == 0x09
    bus.write(0x20, 1, 0x20)
    pics.set_irq(9, 1)
    assert pics.acknowledge() == 0x71         # slave's base 70 + 1, via master IR2


def test_edge_triggered_needs_a_new_rising_edge():
    pics, bus, intr = make()
    pics.set_irq(0, 1)
    assert pics.acknowledge() == 0x08
    bus.write(0x20, 1, 0x20)                  # non-specific EOI
    pics.set_irq(0, 1)                        # still high: no new edge
    assert bus.read(0x20, 1) == 0x00          # IRR (the default read)
    assert intr.level == 0
    pics.set_irq(0, 0)
    pics.set_irq(0, 1)
    assert bus.read(0x20, 1) == 0x01


def test_irr_and_isr_reads_via_ocw3():
    pics, bus, _ = make()
    pics.set_irq(3, 1)
    pics.set_irq(5, 1)
    assert bus.read(0x20, 1) == 0x28          # IRR
    assert pics.acknowledge() == 0x0B         # IR3 has priority over IR5
    bus.write(0x20, 1, 0x0B)                  # OCW3: read ISR
    assert bus.read(0x20, 1) == 0x08
    bus.write(0x20, 1, 0x0A)                  # OCW3: read IRR
    assert bus.read(0x20, 1) == 0x20


def test_fully_nested_blocks_lower_priority_until_eoi():
    pics, bus, intr = make()
    pics.set_irq(3, 1)
    assert pics.acknowledge() == 0x0B
    pics.set_irq(5, 1)
    assert intr.level == 0                    # IR5 waits behind IR3 in service
    pics.set_irq(1, 1)
    assert intr.level == 1                    # a higher priority gets through
    assert pics.acknowledge() == 0x09
    bus.write(0x20, 1, 0x20)                  # EOI retires IR1 (the highest in service)
    bus.write(0x20, 1, 0x0B)
    assert bus.read(0x20, 1) == 0x08
    bus.write(0x20, 1, 0x20)
    assert intr.level == 1 and pics.acknowledge() == 0x0D


def test_specific_eoi():
    pics, bus, _ = make()
    pics.set_irq(4, 1)
    pics.acknowledge()
    bus.write(0x20, 1, 0x0B)
    bus.write(0x20, 1, 0x63)                  # specific EOI for IR3: not in service
    assert bus.read(0x20, 1) == 0x10
    bus.write(0x20, 1, 0x64)                  # specific EOI for IR4
    assert bus.read(0x20, 1) == 0x00


def test_mask_holds_a_request_in_irr():
    pics, bus, intr = make()
    bus.write(0x21, 1, 0x01)
    pics.set_irq(0, 1)
    assert intr.level == 0
    assert bus.read(0x20, 1) == 0x01          # requested but masked
    bus.write(0x21, 1, 0x00)
    assert intr.level == 1


def test_request_withdrawn_before_inta_gives_spurious_ir7():
    pics, bus, intr = make()
    pics.set_irq(6, 1)
    pics.set_irq(6, 0)
    assert pics.acknowledge() == 0x0F         # the default IR7 vector
    bus.write(0x20, 1, 0x0B)
    assert bus.read(0x20, 1) == 0x00          # a spurious IR7 sets no ISR bit


def test_automatic_eoi_leaves_isr_clear():
    pics, bus, _ = make(init=False)
    for port, v in ((0x20, 0x13), (0x21, 0x20), (0x21, 0x03)):   # single, ICW4: AEOI, 8086
        bus.write(port, 1, v)
    pics.set_irq(2, 1)
    assert pics.acknowledge() == 0x22
    bus.write(0x20, 1, 0x0B)
    assert bus.read(0x20, 1) == 0x00


def test_rotate_on_nonspecific_eoi_makes_the_served_level_lowest():
    pics, bus, _ = make()
    pics.set_irq(0, 1)
    pics.acknowledge()
    bus.write(0x20, 1, 0xA0)                  # rotate on non-specific EOI
    pics.set_irq(0, 0)
    pics.set_irq(0, 1)
    pics.set_irq(7, 1)
    assert pics.acknowledge() == 0x0F         # IR7 now beats IR0


def test_set_priority_command():
    pics, bus, _ = make()
    bus.write(0x20, 1, 0xC4)                  # IR4 lowest, so IR5 highest
    pics.set_irq(3, 1)
    pics.set_irq(6, 1)
    assert pics.acknowledge() == 0x0E


def test_poll_command_acknowledges():
    pics, bus, _ = make()
    pics.set_irq(5, 1)
    bus.write(0x20, 1, 0x0C)                  # OCW3 poll
    assert bus.read(0x20, 1) == 0x85          # I bit + level 5
    bus.write(0x20, 1, 0x0B)
    assert bus.read(0x20, 1) == 0x20          # the poll set ISR
    bus.write(0x20, 1, 0x0C)
    assert bus.read(0x20, 1) == 0x00          # nothing requesting


def test_special_mask_mode_lets_lower_levels_in():
    pics, bus, intr = make()
    pics.set_irq(2 + 1, 1)
    pics.acknowledge()                        # IR3 in service
    bus.write(0x20, 1, 0x68)                  # OCW3: set special mask mode
    bus.write(0x21, 1, 0x08)                  # mask IR3 itself
    pics.set_irq(5, 1)
    assert intr.level == 1
    assert pics.acknowledge() == 0x0D


def test_cascade_slave_in_service_until_both_eoi():
    pics, bus, intr = make()
    pics.set_irq(12, 1)
    assert pics.acknowledge() == 0x74
    bus.write(0x20, 1, 0x0B)
    bus.write(0xA0, 1, 0x0B)
    assert (bus.read(0x20, 1), bus.read(0xA0, 1)) == (0x04, 0x10)
    pics.set_irq(3, 1)
    assert intr.level == 0                    # IR3 below IR2 (the slave) in service
    bus.write(0xA0, 1, 0x20)
    bus.write(0x20, 1, 0x20)
    assert intr.level == 1 and pics.acknowledge() == 0x0B


def test_slave_spurious_sets_master_isr2():
    pics, bus, _ = make()
    pics.set_irq(13, 1)
    pics.set_irq(13, 0)
    pics.set_irq(1, 0)
    # the master still sees IR2 only if the slave's INT is up; drive the race by hand
    pics.slave.irr = 0
    pics.master.irr |= 0x04
    assert pics.acknowledge() == 0x77         # the slave's IR7
    bus.write(0x20, 1, 0x0B)
    assert bus.read(0x20, 1) == 0x04
