"""16550A UART (the console at 3F8, IRQ 4).

Register behaviour from the National Semiconductor PC16550D datasheet (June 1995),
"Registers" section and Table II (register summary) and Table IV (interrupt
control functions). Transmission is instantaneous: a byte written to THR goes to
the console at once, so THRE and TEMT in LSR are honestly set whenever the guest
looks, and a polled driver never waits. Received bytes (``receive``) enter the
receiver FIFO (16 bytes, or a 1-byte holding register with FIFOs disabled).

The PC board gates the UART's interrupt output with MCR OUT2 before it reaches
IRQ 4 (the IBM PC/AT Technical Reference's serial adapter); that gate is here too.
"""
from __future__ import annotations

from typing import Callable

from .clock import Clock

# Line status register bits (PC16550D, "Line Status Register").
LSR_DR, LSR_OE, LSR_PE, LSR_FE, LSR_BI, LSR_THRE, LSR_TEMT, LSR_RXERR = (1 << i for i in range(8))
# Interrupt identification values (Table IV): bit 0 = 0 when an interrupt is pending.
IIR_NONE, IIR_MODEM, IIR_THRE, IIR_RDA, IIR_RLS, IIR_TIMEOUT = 0x01, 0x00, 0x02, 0x04, 0x06, 0x0C
IIR_FIFO = 0xC0
# Interrupt enable bits.
IER_RDA, IER_THRE, IER_RLS, IER_MODEM = 1, 2, 4, 8
MCR_DTR, MCR_RTS, MCR_OUT1, MCR_OUT2, MCR_LOOP = 1, 2, 4, 8, 16
#: MSR lines when a terminal is attached and not in loopback: CTS, DSR and DCD on.
MSR_CONNECTED = 0xB0
_TRIGGER = (1, 4, 8, 14)       # FCR bits 7-6: receiver FIFO trigger level
_INPUT_CLOCK = 1_843_200        # the PC's 1.8432 MHz crystal: baud = clock / (16 * divisor)


class UART16550:
    """One 16550A at ``base`` (8 ports). ``output`` receives each transmitted byte;
    ``irq(level)`` drives the interrupt line (already gated by OUT2)."""

    def __init__(self, clock: Clock, output: Callable[[int], None],
                 irq: Callable[[int], None], base: int = 0x3F8):
        self.clock = clock
        self.output = output
        self.irq = irq
        self.base = base
        self.rx: list[int] = []
        self.ier = 0
        self.lcr = 0
        self.mcr = 0
        self.scr = 0
        self.divisor = 12            # 9600 baud until the guest sets it
        self.fifo = False
        self.trigger = 1
        self.line_errors = 0         # OE/PE/FE/BI bits pending in LSR
        self.thre_pending = False    # the THRE interrupt (cleared by IIR read or THR write)
        self.msr_lines = MSR_CONNECTED
        self.msr_delta = 0
        self.last_rx_ns = 0          # last receive or RBR read, for the FIFO timeout
        self._level = 0

    def attach(self, bus) -> None:
        bus.register(self.base, 8, self.read, self.write)

    # --- host side -------------------------------------------------------------------
    def receive(self, data: bytes) -> None:
        """Bytes arriving on the serial line (from the host)."""
        for byte in data:
            self._rx_byte(byte)
        self._update_irq()

    def _rx_byte(self, byte: int) -> None:
        if len(self.rx) >= (16 if self.fifo else 1):
            self.line_errors |= LSR_OE       # overrun: the new character is lost
            if not self.fifo:
                self.rx[-1] = byte           # 16450 mode: the holding register is overwritten
        else:
            self.rx.append(byte)
        self.last_rx_ns = self.clock.now()

    def char_time_ns(self) -> int:
        """One character (10 bits) at the programmed baud rate."""
        return 10 * 16 * max(1, self.divisor) * 1_000_000_000 // _INPUT_CLOCK

    # --- guest side ------------------------------------------------------------------
    def read(self, port: int, size: int) -> int:
        reg = port - self.base
        dlab = self.lcr & 0x80
        if reg == 0:
            if dlab:
                return self.divisor & 0xFF
            return self._read_rbr()
        if reg == 1:
            return (self.divisor >> 8) if dlab else self.ier
        if reg == 2:
            iir = self._iir()
            if iir == IIR_THRE:
                self.thre_pending = False    # reading IIR clears a THRE interrupt
                self._update_irq()
            return iir | (IIR_FIFO if self.fifo else 0)
        if reg == 3:
            return self.lcr
        if reg == 4:
            return self.mcr
        if reg == 5:
            lsr = self._lsr()
            self.line_errors = 0             # reading LSR clears OE, PE, FE, BI
            self._update_irq()
            return lsr
        if reg == 6:
            msr = self._msr_lines() | self.msr_delta
            self.msr_delta = 0
            self._update_irq()
            return msr
        return self.scr

    def write(self, port: int, size: int, value: int) -> None:
        reg = port - self.base
        value &= 0xFF
        dlab = self.lcr & 0x80
        if reg == 0:
            if dlab:
                self.divisor = (self.divisor & 0xFF00) | value
            else:
                self._transmit(value)
        elif reg == 1:
            if dlab:
                self.divisor = (self.divisor & 0xFF) | (value << 8)
            else:
                enabling_thre = value & IER_THRE and not self.ier & IER_THRE
                self.ier = value & 0x0F
                if enabling_thre:
                    self.thre_pending = True  # THR is always empty: interrupt at once
        elif reg == 2:
            self._write_fcr(value)
        elif reg == 3:
            self.lcr = value
        elif reg == 4:
            old_lines = self._msr_lines()
            self.mcr = value & 0x1F
            self._note_msr_change(old_lines)
        elif reg == 7:
            self.scr = value
        self._update_irq()

    def _read_rbr(self) -> int:
        self.last_rx_ns = self.clock.now()
        if not self.rx:
            return 0
        byte = self.rx.pop(0)
        self._update_irq()
        return byte

    def _transmit(self, byte: int) -> None:
        if self.mcr & MCR_LOOP:
            self._rx_byte(byte)              # loopback: the transmitter feeds the receiver
        else:
            self.output(byte)
        self.thre_pending = True             # THR (and the shift register) empty again

    def _write_fcr(self, value: int) -> None:
        enable = bool(value & 1)
        if enable != self.fifo:
            self.rx.clear()                  # changing FIFO mode resets both FIFOs
        self.fifo = enable
        if value & 2:
            self.rx.clear()
        self.trigger = _TRIGGER[value >> 6] if enable else 1

    def _lsr(self) -> int:
        lsr = LSR_THRE | LSR_TEMT | self.line_errors
        if self.rx:
            lsr |= LSR_DR
        if self.fifo and self.line_errors & (LSR_PE | LSR_FE | LSR_BI):
            lsr |= LSR_RXERR
        return lsr

    def _msr_lines(self) -> int:
        if self.mcr & MCR_LOOP:              # loopback: CTS=RTS, DSR=DTR, RI=OUT1, DCD=OUT2
            m = self.mcr
            return ((m & MCR_RTS) << 3) | ((m & MCR_DTR) << 5) | ((m & MCR_OUT1) << 4) \
                | ((m & MCR_OUT2) << 4)
        return self.msr_lines

    def _note_msr_change(self, old: int) -> None:
        new = self._msr_lines()
        changed = old ^ new
        # Delta CTS, DSR, DCD on any change; trailing-edge RI only when RI goes off.
        self.msr_delta |= ((changed >> 4) & 0b1011) | ((old & ~new & 0x40) >> 4)

    def _iir(self) -> int:
        """The highest-priority pending interrupt (Table IV), or IIR_NONE."""
        ier = self.ier
        if ier & IER_RLS and self.line_errors:
            return IIR_RLS
        if ier & IER_RDA and self.rx:
            if len(self.rx) >= self.trigger:
                return IIR_RDA
            if self.clock.now() - self.last_rx_ns >= 4 * self.char_time_ns():
                return IIR_TIMEOUT
        if ier & IER_THRE and self.thre_pending:
            return IIR_THRE
        if ier & IER_MODEM and self.msr_delta:
            return IIR_MODEM
        return IIR_NONE

    def next_event(self) -> int | None:
        """The FIFO character timeout, when data sits below the trigger level."""
        if self.ier & IER_RDA and 0 < len(self.rx) < self.trigger:
            timeout = self.last_rx_ns + 4 * self.char_time_ns()
            if timeout > self.clock.now():
                return timeout
        return None

    def update(self) -> None:
        self._update_irq()

    def _update_irq(self) -> None:
        # OUT2 gates the line; in loopback the OUT2 pin is forced inactive (datasheet).
        gate = self.mcr & (MCR_OUT2 | MCR_LOOP) == MCR_OUT2
        level = 1 if gate and self._iir() != IIR_NONE else 0
        if level != self._level:
            self._level = level
            self.irq(level)
