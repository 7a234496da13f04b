"""The 8042's auxiliary port, its interrupts and the keyboard's answers, as Linux's
i8042 and atkbd drivers probe them (include/linux/i8042.h: status AUXDATA 0x20,
TIMEOUT 0x40; command byte KBDINT 0x01, AUXINT 0x02, KBDDIS 0x10, AUXDIS 0x20;
commands A7/A8 AUX disable/enable, A9 AUX test, AD/AE KBD disable/enable, D2/D3
write the output buffer as keyboard/AUX data, D4 send to the AUX device)."""
from __future__ import annotations

from ia32.devices.kbc import KeyboardController

from .devices_support import bus_with


def make():
    lines = {1: [], 12: []}
    kbc = KeyboardController(lambda: None, lines[1].append, lines[12].append)
    return kbc, bus_with(kbc), lines


def command_byte(bus):
    bus.write(0x64, 1, 0x20)
    return bus.read(0x60, 1)


def test_aux_disable_and_enable_toggle_the_command_byte_bit():
    """i8042_toggle_aux(): A7 must set CTR bit 5 and A8 clear it, read back by 20."""
    _, bus, _ = make()
    bus.write(0x64, 1, 0xA7)
    assert command_byte(bus) & 0x20
    bus.write(0x64, 1, 0xA8)
    assert not command_byte(bus) & 0x20
    bus.write(0x64, 1, 0xAD)
    assert command_byte(bus) & 0x10
    bus.write(0x64, 1, 0xAE)
    assert not command_byte(bus) & 0x10


def test_aux_loopback_is_aux_data_with_irq12_when_enabled():
    """D3 5A: the byte comes back flagged AUXDATA; with AUXINT it raises IRQ 12 and
    reading port 60 drops the line (i8042_check_aux's IRQ delivery test)."""
    _, bus, lines = make()
    bus.write(0x64, 1, 0xD3)
    bus.write(0x60, 1, 0x5A)
    assert bus.read(0x64, 1) & 0x21 == 0x21 and lines[12] == []     # AUXINT off at power-on
    assert bus.read(0x60, 1) == 0x5A and not bus.read(0x64, 1) & 0x21
    bus.write(0x64, 1, 0x60)
    bus.write(0x60, 1, 0x47)                                        # KBDINT|AUXINT|SYS|XLATE
    bus.write(0x64, 1, 0xD3)
    bus.write(0x60, 1, 0xA5)
    assert lines[12] == [1]
    assert bus.read(0x60, 1) == 0xA5 and lines[12] == [1, 0] and lines[1] == []


def test_keyboard_bytes_raise_irq1_one_edge_per_byte():
    """Reset (FF) answers FA AA: two bytes, two rising edges of IRQ 1."""
    _, bus, lines = make()
    bus.write(0x60, 1, 0xFF)
    assert lines[1] == [1]
    assert bus.read(0x60, 1) == 0xFA and lines[1] == [1, 0, 1]
    assert bus.read(0x60, 1) == 0xAA and lines[1] == [1, 0, 1, 0]
    assert not bus.read(0x64, 1) & 0x01


def test_keyboard_identify_and_command_data():
    """F2 answers FA AB 83 (an MF2 keyboard); ED takes a data byte, both acknowledged."""
    _, bus, _ = make()
    bus.write(0x60, 1, 0xF2)
    assert [bus.read(0x60, 1) for _ in range(3)] == [0xFA, 0xAB, 0x83]
    bus.write(0x60, 1, 0xED)
    bus.write(0x60, 1, 0x07)
    assert [bus.read(0x60, 1), bus.read(0x60, 1)] == [0xFA, 0xFA]


def test_aux_interface_test_and_absent_mouse():
    """A9 answers 00; a byte for the (absent) AUX device times out with FE."""
    _, bus, _ = make()
    bus.write(0x64, 1, 0xA9)
    assert bus.read(0x60, 1) == 0x00
    bus.write(0x64, 1, 0xD4)
    bus.write(0x60, 1, 0xF2)
    status = bus.read(0x64, 1)
    assert status & 0x61 == 0x61 and bus.read(0x60, 1) == 0xFE


def test_enabling_the_interrupt_with_a_byte_waiting_raises_it():
    _, bus, lines = make()
    bus.write(0x64, 1, 0x60)
    bus.write(0x60, 1, 0x44)                                        # interrupts off
    bus.write(0x64, 1, 0xD2)
    bus.write(0x60, 1, 0x1C)
    assert lines[1] == []
    bus.write(0x64, 1, 0x60)
    bus.write(0x60, 1, 0x45)
    assert lines[1] == [1] and bus.read(0x60, 1) == 0x1C
