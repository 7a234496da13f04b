"""The PC as a whole: devices wired to the CPU (console text from the UART and E9,
POST codes, the exit port, IRQ 0 through the 8259 into real-mode interrupts, the
local APIC and the 8259 sharing INTR), virtual time that skips while the CPU halts
with interrupts enabled, and the stop reasons hlt, exit, limit and shutdown.
Programs are 16-bit code assembled with nasm (the source is beside each)."""
from __future__ import annotations

from ia32.devices.apic import APIC_BASE
from ia32.devices.pit import clocks_at
from ia32.loaders.flat import BOOT_SECTOR
from ia32.machine import Machine
from ia32.state import CS


def boot(code_hex: str, memory: int = 1 << 21) -> Machine:
    m = Machine(memory)
    m.memory.load(BOOT_SECTOR, bytes.fromhex(code_hex))
    cpu = m.cpu
    cpu.sregs[CS].selector, cpu.sregs[CS].base, cpu.eip = 0, 0, BOOT_SECTOR
    return m


# mov al,'h' / out 0e9h,al / mov dx,3f8h / mov al,'i' / out dx,al / mov al,42h /
# out 80h,al / mov al,7 / out 190h... (via dx) / hlt
CONSOLE = "b068e6e9baf803b069eeb042e680ba9001b007eef4"


def test_console_text_from_debugcon_and_uart_and_post_codes():
    m = boot(CONSOLE)
    result = m.run(1000)
    assert result.stop == "hlt" and result.exit_code is None
    assert m.console_text() == "hi"
    assert m.post.codes == [0x42, 0x07]
    assert result.instructions == 11


# mov al,5 / out 0f4h,al / mov al,'X' / out 0e9h,al / hlt
EXIT = "b005e6f4b058e6e9f4"


def test_exit_port_ends_the_run_at_once_with_v_shl_1_or_1():
    m = boot(EXIT)
    result = m.run(1000)
    assert (result.stop, result.exit_code) == ("exit", 11)
    assert m.console_text() == ""                 # nothing ran after the OUT
    assert m.cpu.eip == BOOT_SECTOR + 4


def test_instruction_limit():
    m = boot("ebfe")                              # jmp $
    result = m.run(12345)
    assert (result.stop, result.instructions) == ("limit", 12345)


def test_keyboard_controller_reset_pulse_is_a_shutdown():
    m = boot("b0fee664ebfe")                      # mov al,0feh / out 64h,al / jmp $
    assert m.run(1000).stop == "shutdown"


def test_halt_with_interrupts_enabled_and_nothing_to_wake_it():
    m = boot("fbf4")                              # sti / hlt
    result = m.run(1000)
    assert result.stop == "hlt" and m.cpu.get_eflags() & 0x200


# The PIT at 1 kHz on IRQ 0 through the 8259 (vector 08h), HLT until three ticks:
#   xor ax,ax / mov ds,ax / mov word [20h],handler / mov word [22h],0
#   ICW1-4 11h 08h 04h 01h to 20h/21h, OCW1 FEh; PIT 34h, A9h 04h (1193); sti
#   idle: hlt / cmp byte [count],3 / jb idle / cli / hlt
#   handler: inc byte [count] / mov al,'T' / out 0e9h,al / mov al,20h / out 20h,al / iret
TIMER = ("31c08ed8c70620003b7cc70622000000b011e620b008e621b004e621b001e621b0fee621b034e643"
         "b0a9e640b004e640fbf4803e487c0372f8faf4fe06487cb054e6e9b020e620cf00")


def test_timer_interrupts_wake_a_halted_cpu_and_time_skips_ahead():
    m = boot(TIMER)
    result = m.run(1_000_000)
    assert result.stop == "hlt" and m.console_text() == "TTT"
    assert result.instructions < 60               # three ms of guest time, no idle loop
    # The count was written in pulse 0 and loaded in pulse 1; the third rising edge
    # of OUT is 3 x 1193 pulses later, and the handler's few instructions follow it.
    assert clocks_at(m.clock.now()) in (1 + 3 * 1193, 2 + 3 * 1193)
    assert m.clock.skipped_ns > 2_900_000


def test_runs_are_deterministic():
    runs = []
    for _ in range(2):
        m = boot(TIMER)
        result = m.run(1_000_000)
        runs.append((result.instructions, m.clock.now(), m.cpu.eip))
    assert runs[0] == runs[1]


def test_apic_vector_goes_before_the_8259_and_intr_stays_up_while_more_wait():
    m = boot("f4")
    apic = m.apic
    apic.write(APIC_BASE + 0xF0, 4, 0x1FF)        # software enable
    apic.write(APIC_BASE + 0x350, 4, 0x700)       # LINT0 ExtINT: the 8259 passes
    m.pics.master.write(0, 0x11)
    for v in (0x20, 0x04, 0x01):
        m.pics.master.write(1, v)
    m.pics.set_irq(0, 1)
    apic.request(0x41)
    assert m.cpu.intr
    assert m.cpu.int_ack() == 0x41
    assert m.cpu.intr                             # IRQ 0 still waits
    assert m.cpu.int_ack() == 0x20


def test_enabled_apic_without_extint_blocks_the_8259():
    m = boot("f4")
    m.apic.write(APIC_BASE + 0xF0, 4, 0x1FF)
    m.pics.master.write(0, 0x13)                  # single 8259, ICW4
    m.pics.master.write(1, 0x20)
    m.pics.master.write(1, 0x01)
    m.pics.set_irq(1, 1)
    assert not m.cpu.intr


def test_uart_is_irq4():
    m = boot("f4")
    m.bus.write(0x3FC, 1, 0x08)                   # OUT2
    m.bus.write(0x3F9, 1, 0x01)                   # received-data interrupt
    m.uart.receive(b"k")
    assert m.pics.master.irr & 0x10


def test_report_has_the_json_fields():
    m = boot(EXIT)
    rep = m.report(m.run(100))
    assert list(rep) == ["stop", "exit_code", "eip", "regs", "post", "console", "instructions"]
    assert rep["stop"] == "exit" and rep["exit_code"] == 11 and rep["eip"] == "00007C04"
    assert rep["regs"]["EAX"] == "00000005" and rep["regs"]["CS"] == "0000"
    assert rep["instructions"] == 2


# mov al,34h / out 43h,al / mov al,0a9h / out 40h,al / mov al,4 / out 40h,al / sti / hlt
# (the PIT runs but IRQ 0 is masked in the uninitialized 8259: nothing wakes the CPU)
MASKED_TIMER = "b034e643b0a9e640b004e640fbf4"


def test_a_halt_nothing_wakes_ends_at_the_limit_in_virtual_time():
    m = boot(MASKED_TIMER)
    result = m.run(1_000_000)
    assert result.stop == "limit" and result.instructions == 8
    assert m.clock.now() == 1_000_000 * 10
