"""cp/backends/ia32_net.py: the IA-32 VM's network card under CP (its DMA held to
the guest's RAM, add/detach/re-add, its cable a switch port), on a stand-in for
the backend's device bus, 8259 pair and physical memory."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from cp.backends import MachineError
from cp.backends.ia32_net import add_nic, couple_switch, remove_nic
from cp.vswitch import VSwitch
from ia32.devices.pic import PICPair
from ia32.iobus import IOBus
from ia32.memory import Memory

GUEST = 1 << 20
MAC = bytes.fromhex("020001000007")


def backend():
    levels = []
    vdev = SimpleNamespace(bus=IOBus(), pics=PICPair(levels.append))
    return SimpleNamespace(vdev=vdev, memory=Memory(GUEST + (1 << 20)), guest_size=GUEST)


def transmit(b, at: int, frame: bytes) -> int:
    bus = b.vdev.bus
    if at + len(frame) <= GUEST:                # what the guest itself can put there
        b.memory.load(at, frame)
    bus.write(0x308, 4, at)
    bus.write(0x30C, 2, len(frame))
    bus.write(0x30E, 1, 1)
    return bus.read(0x306, 1)


def test_the_card_sends_into_the_switch_and_receives_from_it():
    b = backend()
    add_nic(b, 0x600)
    sw = VSwitch("LAN1")
    got = []
    other = sw.connect("OTHER", got.append)
    port = couple_switch(b, 0x600, sw, "VM.600", MAC, None)
    assert bytes(b.vdev.bus.read(0x300 + i, 1) for i in range(6)) == MAC
    frame = b"\xff" * 6 + MAC + b"\x88\xb5" + bytes(46)
    assert transmit(b, 0x1000, frame) & 4                       # transmit completed
    assert got == [frame] and port.counters["sent"] == 1
    other.send(MAC + bytes.fromhex("020000000009") + b"\x88\xb5" + b"x" * 46)
    assert b.vdev.bus.read(0x30C, 2) == 60 and b.netcard.received == 1


def test_dma_cannot_reach_cps_area_above_the_guest():
    b = backend()
    add_nic(b, 0x600)
    b.memory.load(GUEST, b"CP SECRET" + bytes(51))                # CP's area, just above
    assert transmit(b, GUEST, bytes(60)) & 8                     # error bit: refused
    assert b.netcard.sent == 0
    b.netcard.deliver(bytes(60))
    bus = b.vdev.bus
    bus.write(0x308, 4, GUEST - 30)                               # would run into CP's area
    bus.write(0x30E, 1, 2)
    assert bus.read(0x306, 1) & 8 and b.memory.read_bytes(GUEST, 9) == b"CP SECRET"


def test_one_card_per_pc_detach_and_define_again():
    b = backend()
    add_nic(b, 0x600)
    with pytest.raises(MachineError):
        add_nic(b, 0x601)
    sw = VSwitch("LAN1")
    got = []
    sw.connect("OTHER", got.append)
    couple_switch(b, 0x600, sw, "VM.600", MAC, None)
    remove_nic(b, 0x600)
    transmit(b, 0x1000, b"\xff" * 6 + MAC + bytes(48))
    assert got == []                                              # unplugged
    card = b.netcard
    add_nic(b, 0x601)
    assert b.netcard is card                                      # the same card, back
    with pytest.raises(MachineError):
        couple_switch(b, 0x600, sw, "VM.600", MAC, None)          # not its address now
