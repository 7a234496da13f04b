"""16550A UART register behaviour, per the National Semiconductor PC16550D datasheet
(June 1995): Table II (register summary, reset values), Table IV (interrupt
identification and priorities), and the FCR, LSR, MCR (loopback) and MSR
descriptions."""
from __future__ import annotations

from ia32.devices.uart import UART16550

from .devices_support import Line, ManualClock, bus_with

COM1 = 0x3F8
RBR = THR = DLL = COM1
IER = DLM = COM1 + 1
IIR = FCR = COM1 + 2
LCR, MCR, LSR, MSR, SCR = COM1 + 3, COM1 + 4, COM1 + 5, COM1 + 6, COM1 + 7


def make():
    clock = ManualClock()
    sent: list[int] = []
    irq = Line()
    uart = UART16550(clock, sent.append, irq)
    return uart, bus_with(uart), sent, irq, clock


def test_table_ii_reset_values():
    _, bus, _, _, _ = make()
    assert bus.read(IER, 1) == 0x00
    assert bus.read(IIR, 1) == 0x01          # no interrupt pending
    assert bus.read(LCR, 1) == 0x00
    assert bus.read(MCR, 1) == 0x00
    assert bus.read(LSR, 1) == 0x60          # THRE and TEMT: the transmitter is empty


def test_dlab_selects_the_divisor_latches():
    uart, bus, sent, _, _ = make()
    bus.write(LCR, 1, 0x83)
    bus.write(DLL, 1, 0x01)
    bus.write(DLM, 1, 0x00)
    assert (bus.read(DLL, 1), bus.read(DLM, 1)) == (0x01, 0x00)
    assert uart.divisor == 1 and sent == []   # DLL write is not transmitted
    bus.write(LCR, 1, 0x03)
    assert bus.read(IER, 1) == 0x00           # IER is not the divisor's high byte
    bus.write(THR, 1, ord("A"))
    assert sent == [0x41]


def test_polled_output_sees_thre_at_once():
    _, bus, sent, _, _ = make()
    for ch in b"ok\n":
        assert bus.read(LSR, 1) & 0x20
        bus.write(THR, 1, ch)
    assert bytes(sent) == b"ok\n"
    assert bus.read(LSR, 1) & 0x60 == 0x60


def test_ier_keeps_four_bits():
    _, bus, _, _, _ = make()
    bus.write(IER, 1, 0xFF)
    assert bus.read(IER, 1) == 0x0F


def test_thre_interrupt_cleared_by_reading_iir_and_set_by_thr_write():
    _, bus, _, irq, _ = make()
    bus.write(MCR, 1, 0x08)                   # OUT2: the PC's IRQ gate open
    bus.write(IER, 1, 0x02)                   # ETBEI with THR empty: pending at once
    assert irq.level == 1
    assert bus.read(IIR, 1) == 0x02
    assert irq.level == 0
    assert bus.read(IIR, 1) == 0x01           # the read cleared it
    bus.write(THR, 1, 0x20)
    assert bus.read(IIR, 1) == 0x02           # THR empty again after the byte left


def test_out2_gates_the_irq_line():
    _, bus, _, irq, _ = make()
    bus.write(IER, 1, 0x02)                   # THRE pending inside the UART...
    assert irq.level == 0                     # ...but OUT2 is off
    bus.write(MCR, 1, 0x08)
    assert irq.level == 1
    assert bus.read(IIR, 1) == 0x02


def test_received_data_interrupt_and_rbr_read():
    uart, bus, _, irq, _ = make()
    bus.write(MCR, 1, 0x08)
    bus.write(IER, 1, 0x01)
    uart.receive(b"x")
    assert bus.read(LSR, 1) == 0x61           # DR, THRE, TEMT
    assert bus.read(IIR, 1) == 0x04
    assert irq.level == 1
    assert bus.read(RBR, 1) == ord("x")
    assert bus.read(LSR, 1) == 0x60
    assert bus.read(IIR, 1) == 0x01 and irq.level == 0


def test_16450_mode_overrun_sets_oe_cleared_by_lsr_read():
    uart, bus, _, _, _ = make()
    uart.receive(b"ab")                       # no FIFO: one holding register
    assert bus.read(LSR, 1) == 0x63           # DR | OE | THRE | TEMT
    assert bus.read(LSR, 1) == 0x61           # reading LSR cleared OE
    assert bus.read(RBR, 1) == ord("b")       # the holding register was overwritten


def test_fifo_enable_shows_in_iir_bits_6_and_7():
    _, bus, _, _, _ = make()
    bus.write(FCR, 1, 0x01)
    assert bus.read(IIR, 1) == 0xC1
    bus.write(FCR, 1, 0x00)
    assert bus.read(IIR, 1) == 0x01


def test_fifo_trigger_level_then_character_timeout():
    uart, bus, _, _, clock = make()
    bus.write(FCR, 1, 0x41)                   # FIFO on, trigger level 4
    bus.write(IER, 1, 0x01)
    uart.receive(b"abc")
    assert bus.read(IIR, 1) == 0xC1           # below the trigger level, no timeout yet
    clock.advance_ns(4 * uart.char_time_ns())
    assert bus.read(IIR, 1) == 0xCC           # character timeout indication
    uart.receive(b"d")
    assert bus.read(IIR, 1) == 0xC4           # trigger level reached
    assert bytes(bus.read(RBR, 1) for _ in range(4)) == b"abcd"
    assert bus.read(LSR, 1) & 1 == 0


def test_fifo_holds_sixteen_then_overruns():
    uart, bus, _, _, _ = make()
    bus.write(FCR, 1, 0x01)
    uart.receive(bytes(range(17)))
    assert bus.read(LSR, 1) & 0x02            # OE: the 17th byte was lost
    assert [bus.read(RBR, 1) for _ in range(16)] == list(range(16))
    assert bus.read(LSR, 1) & 0x01 == 0


def test_fcr_bit1_clears_the_receiver_fifo():
    uart, bus, _, _, _ = make()
    bus.write(FCR, 1, 0x01)
    uart.receive(b"zz")
    bus.write(FCR, 1, 0x03)
    assert bus.read(LSR, 1) & 0x01 == 0


def test_line_status_interrupt_has_priority_over_data():
    uart, bus, _, _, _ = make()
    bus.write(IER, 1, 0x05)                   # ERBFI | ELSI
    uart.receive(b"12")                       # overrun in 16450 mode
    assert bus.read(IIR, 1) == 0x06
    bus.read(LSR, 1)
    assert bus.read(IIR, 1) == 0x04


def test_loopback_connects_transmitter_and_modem_lines():
    _, bus, sent, _, _ = make()
    bus.write(MCR, 1, 0x10)                   # loop, all outputs off
    assert bus.read(MSR, 1) & 0xF0 == 0x00
    bus.write(MCR, 1, 0x1F)                   # DTR RTS OUT1 OUT2 in loopback
    assert bus.read(MSR, 1) == 0xFB           # CTS DSR RI DCD + their deltas (no TERI)
    bus.write(THR, 1, 0x55)
    assert sent == []                         # nothing leaves the chip
    assert bus.read(RBR, 1) == 0x55
    bus.write(MCR, 1, 0x1B)                   # OUT1 off: RI trailing edge
    assert bus.read(MSR, 1) == 0xB4
    assert bus.read(MSR, 1) == 0xB0           # deltas clear when read


def test_loopback_keeps_the_pc_irq_line_low():
    _, bus, _, irq, _ = make()
    bus.write(MCR, 1, 0x18)
    bus.write(IER, 1, 0x02)
    assert bus.read(IIR, 1) == 0x02           # the interrupt exists inside the UART
    assert irq.levels == []


def test_modem_status_interrupt():
    _, bus, _, _, _ = make()
    bus.write(IER, 1, 0x08)
    bus.write(MCR, 1, 0x12)                   # loop + RTS: CTS changes
    assert bus.read(IIR, 1) == 0x00
    bus.read(MSR, 1)
    assert bus.read(IIR, 1) == 0x01


def test_scratch_register():
    _, bus, _, _, _ = make()
    bus.write(SCR, 1, 0xA5)
    assert bus.read(SCR, 1) == 0xA5
