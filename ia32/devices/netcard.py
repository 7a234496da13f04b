"""A simple Ethernet card of this project's own design (the model is in docs/ia32.md).

Sixteen ports at 300-30F and IRQ 10; frames move by DMA between the card and guest
physical memory, one frame per command, so a driver is a few dozen instructions:

==========  =====  ========================================================
port        width  meaning
==========  =====  ========================================================
300-305     byte   the MAC address (read only)
306         byte   status (read): bit 0 a received frame waits, bit 1 link up,
                   bit 2 a transmit completed, bit 3 the last command failed
307         byte   control (read/write): bit 0 interrupt on receive,
                   bit 1 interrupt on transmit completion
308         dword  DMA address (read/write)
30C         word   length: written, the frame length to transmit;
                   read, the length of the waiting received frame (0: none)
30E         byte   command (write): 1 transmit LENGTH bytes from the DMA address;
                   2 copy the waiting frame to the DMA address and drop it;
                   3 acknowledge (clears the transmit-completed and failed bits)
==========  =====  ========================================================

Transmitted frames go to a pluggable backend (``send(frame)``); the backend hands
received frames to :meth:`NetCard.deliver`. Up to :data:`RX_QUEUE` frames wait;
more are dropped (counted in ``dropped``). The IRQ line is high while an enabled
condition holds (receive waiting, transmit completed).
"""
from __future__ import annotations

from typing import Callable, Protocol

BASE = 0x300
IRQ = 10
MIN_FRAME, MAX_FRAME = 14, 1514           # an Ethernet header .. a full frame, no FCS
RX_QUEUE = 32
DEFAULT_MAC = bytes.fromhex("525400123456")
ST_RX, ST_LINK, ST_TX_DONE, ST_ERROR = 1, 2, 4, 8
CMD_TRANSMIT, CMD_RECEIVE, CMD_ACK = 1, 2, 3


class Backend(Protocol):
    def send(self, frame: bytes) -> None: ...


class NullBackend:
    """A cable to nowhere: transmitted frames vanish."""

    def send(self, frame: bytes) -> None:
        return None


class LoopbackBackend:
    """Every transmitted frame comes straight back (for tests and self checks)."""

    def __init__(self) -> None:
        self.card: NetCard | None = None

    def send(self, frame: bytes) -> None:
        if self.card is not None:
            self.card.deliver(frame)


class NetCard:
    """The card; ``memory`` is what DMA reads and writes (``read_bytes``/``load``)."""

    def __init__(self, memory, irq: Callable[[int], None], backend: Backend | None = None,
                 mac: bytes = DEFAULT_MAC):
        self.memory = memory
        self.irq = irq
        self.backend = backend if backend is not None else NullBackend()
        self.mac = mac
        self.rx: list[bytes] = []
        self.status = ST_LINK
        self.control = 0
        self.dma = 0
        self.length = 0
        self.sent = 0
        self.received = 0
        self.dropped = 0
        self._level = 0

    def attach(self, bus) -> None:
        bus.register(BASE, 16, self.read, self.write, widths=1 | 2 | 4)

    def deliver(self, frame: bytes) -> None:
        """A frame from the wire."""
        if len(self.rx) >= RX_QUEUE:
            self.dropped += 1
            return
        self.rx.append(bytes(frame))
        self.received += 1
        self._update_irq()

    def read(self, port: int, size: int) -> int:
        reg = port - BASE
        if reg < 6:
            return int.from_bytes(self.mac[reg:reg + size].ljust(size, b"\0"), "little")
        if reg == 6:
            return self.status | (ST_RX if self.rx else 0)
        if reg == 7:
            return self.control
        if reg == 8:
            return self.dma
        if reg == 0xC:
            return len(self.rx[0]) if self.rx else 0
        return 0

    def write(self, port: int, size: int, value: int) -> None:
        reg = port - BASE
        if reg == 7:
            self.control = value & 3
        elif reg == 8:
            self.dma = value & 0xFFFFFFFF
        elif reg == 0xC:
            self.length = value & 0xFFFF
        elif reg == 0xE:
            self._command(value & 0xFF)
        self._update_irq()

    def _command(self, cmd: int) -> None:
        if cmd == CMD_TRANSMIT:
            if not MIN_FRAME <= self.length <= MAX_FRAME or \
                    self.dma + self.length > self.memory.size:
                self.status |= ST_ERROR
                return
            frame = self.memory.read_bytes(self.dma, self.length)
            self.sent += 1
            self.status |= ST_TX_DONE
            self.backend.send(frame)
        elif cmd == CMD_RECEIVE:
            if not self.rx or self.dma + len(self.rx[0]) > self.memory.size:
                self.status |= ST_ERROR
                return
            self.memory.load(self.dma, self.rx.pop(0))
        elif cmd == CMD_ACK:
            self.status &= ~(ST_TX_DONE | ST_ERROR)

    def _update_irq(self) -> None:
        level = 1 if (self.control & 1 and self.rx) or \
            (self.control & 2 and self.status & ST_TX_DONE) else 0
        if level != self._level:
            self._level = level
            self.irq(level)
