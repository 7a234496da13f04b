"""The small ports: the 8042's status and commands (60/64, IBM PC/AT Technical
Reference "Keyboard Controller"), port 92, POST codes at 80/190, the debug console
at E9 (Bochs' port E9 hack) and the exit port at F4 (QEMU isa-debug-exit)."""
from __future__ import annotations

from ia32.devices.debugports import DebugConsole, ExitPort, PostPort
from ia32.devices.kbc import KeyboardController

from .devices_support import bus_with


def make_kbc():
    resets = []
    kbc = KeyboardController(lambda: resets.append(1))
    return kbc, bus_with(kbc), resets


def test_kbc_status_after_power_on():
    _, bus, _ = make_kbc()
    assert bus.read(0x64, 1) == 0x14          # unlocked, system flag; buffers empty


def test_kbc_self_test_and_command_byte():
    _, bus, _ = make_kbc()
    bus.write(0x64, 1, 0xAA)
    assert bus.read(0x64, 1) & 0x09 == 0x09   # output buffer full, last write a command
    assert bus.read(0x60, 1) == 0x55
    assert bus.read(0x64, 1) & 0x01 == 0
    bus.write(0x64, 1, 0x60)
    bus.write(0x60, 1, 0x65)
    bus.write(0x64, 1, 0x20)
    assert bus.read(0x60, 1) == 0x65


def test_kbc_a20_through_the_output_port_and_port92():
    kbc, bus, resets = make_kbc()
    bus.write(0x64, 1, 0xD1)
    bus.write(0x60, 1, 0x01)                  # A20 off, reset line high
    assert not kbc.a20 and resets == []
    bus.write(0x64, 1, 0xD0)
    assert bus.read(0x60, 1) == 0x01
    bus.write(0x92, 1, 0x02)
    assert kbc.a20 and bus.read(0x92, 1) == 0x02


def test_kbc_reset_pulse_and_fast_reset():
    _, bus, resets = make_kbc()
    bus.write(0x64, 1, 0xFE)
    bus.write(0x92, 1, 0x03)
    assert resets == [1, 1]


def test_keyboard_acks_and_resets():
    _, bus, _ = make_kbc()
    bus.write(0x60, 1, 0xFF)
    assert [bus.read(0x60, 1), bus.read(0x60, 1)] == [0xFA, 0xAA]


def test_post_codes_recorded_in_order_from_both_ports():
    post = PostPort()
    bus = bus_with(post)
    bus.write(0x190, 1, 0x01)
    bus.write(0x80, 1, 0x02)
    bus.write(0x190, 2, 0xFF03)               # a word write: the byte at 190 only
    assert post.codes == [0x01, 0x02, 0x03]


def test_debug_console_text_and_detection_read():
    out = []
    bus = bus_with(DebugConsole(out.append))
    for ch in b"hi\n":
        bus.write(0xE9, 1, ch)
    assert bytes(out) == b"hi\n"
    assert bus.read(0xE9, 1) == 0xE9


def test_exit_port_status_is_value_shifted_left_or_1():
    codes = []
    bus = bus_with(ExitPort(codes.append))
    bus.write(0xF4, 1, 0x00)
    bus.write(0xF4, 4, 0x01)                  # kvm-unit-tests: outl(code, 0xf4)
    bus.write(0xF4, 2, 0x1234)
    assert codes == [1, 3, 0x2469]


def test_fw_cfg_items_kvm_unit_tests_reads():
    from ia32.devices.fwcfg import FwCfg
    bus = bus_with(FwCfg(64 << 20))

    def item(selector, n):
        bus.write(0x510, 2, selector)
        return bytes(bus.read(0x511, 1) for _ in range(n))

    assert item(0x00, 4) == b"QEMU"
    assert item(0x05, 2) == b"\x01\x00"               # one processor
    assert item(0x03, 8) == (64 << 20).to_bytes(8, "little")
    assert item(0x05, 4) == b"\x01\x00\x00\x00"       # past the end: zeros
    assert item(0x19, 4) == bytes(4)                  # an item not here


def test_pc_testdev_scratch_irq_lines_and_iomem():
    from ia32.devices.testdev import IOMEM_BASE, PCTestdev
    from ia32.memory import Memory
    lines = []
    mem = Memory(1 << 20)
    dev = PCTestdev(lambda line, level: lines.append((line, level)))
    bus = bus_with()
    dev.attach(bus, mem)
    bus.write(0xE0, 4, 0x12345678)
    assert bus.read(0xE0, 4) == 0x12345678 and bus.read(0xE0, 1) == 0x78
    bus.write(0xE4, 4, 0x1000)                # flush page: accepted
    bus.write(0x2004, 1, 1)
    bus.write(0x2004, 1, 0)
    assert lines == [(4, 1), (4, 0)]
    mem.write(IOMEM_BASE + 0xFFFC, 4, 0xCAFEBABE)
    assert mem.read(IOMEM_BASE + 0xFFFE, 2) == 0xCAFE
    assert mem.read(IOMEM_BASE, 4) == 0
