"""The project's network card (its model in docs/ia32.md): MAC, DMA transmit to the
backend, receive queue and DMA receive, status bits and the interrupt line."""
from __future__ import annotations

from ia32.devices.netcard import RX_QUEUE, LoopbackBackend, NetCard
from ia32.memory import Memory

from .devices_support import Line, bus_with


class Recorder:
    def __init__(self):
        self.frames = []

    def send(self, frame):
        self.frames.append(frame)


def make(backend=None):
    mem = Memory(1 << 20)
    irq = Line()
    card = NetCard(mem, irq, backend)
    return card, bus_with(card), mem, irq


FRAME = bytes(range(60))


def test_mac_address_and_link():
    _, bus, _, _ = make()
    assert bytes(bus.read(0x300 + i, 1) for i in range(6)) == bytes.fromhex("525400123456")
    assert bus.read(0x300, 4) == 0x12005452
    assert bus.read(0x306, 1) == 0x02


def test_transmit_by_dma():
    rec = Recorder()
    _, bus, mem, irq = make(rec)
    mem.load(0x1000, FRAME)
    bus.write(0x307, 1, 0x02)                 # interrupt on transmit completion
    bus.write(0x308, 4, 0x1000)
    bus.write(0x30C, 2, len(FRAME))
    bus.write(0x30E, 1, 1)
    assert rec.frames == [FRAME]
    assert bus.read(0x306, 1) == 0x06 and irq.level == 1
    bus.write(0x30E, 1, 3)                    # acknowledge
    assert bus.read(0x306, 1) == 0x02 and irq.level == 0


def test_bad_length_sets_the_error_bit_and_sends_nothing():
    rec = Recorder()
    _, bus, _, _ = make(rec)
    bus.write(0x30C, 2, 13)
    bus.write(0x30E, 1, 1)
    assert rec.frames == [] and bus.read(0x306, 1) == 0x0A


def test_receive_queue_and_dma_receive():
    card, bus, mem, irq = make()
    bus.write(0x307, 1, 0x01)
    card.deliver(FRAME)
    card.deliver(b"\xff" * 20)
    assert irq.level == 1 and bus.read(0x306, 1) == 0x03
    assert bus.read(0x30C, 2) == 60
    bus.write(0x308, 4, 0x2000)
    bus.write(0x30E, 1, 2)
    assert mem.read_bytes(0x2000, 60) == FRAME
    assert bus.read(0x30C, 2) == 20
    bus.write(0x30E, 1, 2)
    assert bus.read(0x306, 1) == 0x02 and irq.level == 0 and bus.read(0x30C, 2) == 0


def test_receive_queue_overflow_drops():
    card, _, _, _ = make()
    for _ in range(RX_QUEUE + 3):
        card.deliver(FRAME)
    assert card.dropped == 3 and len(card.rx) == RX_QUEUE


def test_loopback_backend_returns_the_frame():
    loop = LoopbackBackend()
    card, bus, mem, _ = make(loop)
    loop.card = card
    mem.load(0x1000, FRAME)
    bus.write(0x308, 4, 0x1000)
    bus.write(0x30C, 2, 60)
    bus.write(0x30E, 1, 1)
    assert card.rx == [FRAME]
