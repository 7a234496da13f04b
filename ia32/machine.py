"""The PC: memory, the CPU, the port bus and the devices wired as on an AT, and the
run loop that interleaves CPU bursts with virtual time.

Wiring: the 8259 pair's INT (through the local APIC's LINT0 rule) and the APIC's
own requests make the CPU's INTR line; the UART is COM1 (3F8, IRQ 4), the PIT's
counter 0 is IRQ 0, the network card IRQ 10, the CMOS/RTC at 70/71 (IRQ 8), the keyboard
controller at 60/64 and 92, POST codes at 80 and 190, the debug console at E9 and
the exit port at F4, QEMU's fw_cfg at 510 and its pc-testdev (E0-E7, 2000-2017,
FF000000), which kvm-unit-tests use. Console text is what the guest writes to the UART and to E9.

Time is the instruction count (:mod:`ia32.devices.clock`). The run loop gives the
CPU bursts that end at the next device event (or after :data:`MAX_BURST`
instructions, so input from the host is looked at often), then lets the devices
catch up; a device the guest touches inside a burst reads the exact time
(``cpu.now()``). A CPU halted with interrupts enabled
skips to the next event without executing anything.

Stop reasons: ``hlt`` (HLT with IF=0, or halted with nothing left that could wake
it), ``shutdown`` (a triple fault, or the guest pulsed the reset line: the run ends
as with QEMU's -no-reboot), ``exit`` (a write to port F4; ``exit_code`` holds
(v << 1) | 1), ``limit`` (the instruction limit, counted in virtual time: a halted
CPU uses it up at 10 ns per instruction, as it would executing).
"""
from __future__ import annotations

import time
from typing import Callable, NamedTuple

from .cpu import CPU
from .state import REG_NAMES, SREG_NAMES
from .devices.apic import LocalAPIC
from .devices.clock import NS_PER_INSTRUCTION, Clock, instructions_until
from .devices.cmos import CMOS
from .devices.debugports import DebugConsole, ExitPort, PostPort
from .devices.fwcfg import FwCfg
from .devices.kbc import KeyboardController
from .devices.netcard import IRQ as NIC_IRQ
from .devices.netcard import Backend, NetCard
from .devices.pic import PICPair
from .devices.pit import PIT8254
from .devices.testdev import PCTestdev
from .devices.uart import UART16550
from .flags import IF
from .iobus import IOBus
from .memory import DEFAULT_SIZE, Memory

#: The longest burst between device updates (100 us of virtual time).
MAX_BURST = 10_000
STOPS = ("hlt", "shutdown", "exit", "limit")


class RunResult(NamedTuple):
    stop: str
    exit_code: int | None
    instructions: int
    seconds: float


class Machine:
    """An AT-class PC with ``memory_size`` bytes of RAM. ``console`` (optional) gets
    each console byte as it is written; ``nic_backend`` is the network card's cable."""

    def __init__(self, memory_size: int = DEFAULT_SIZE,
                 console: Callable[[int], None] | None = None,
                 nic_backend: Backend | None = None):
        self.memory = Memory(memory_size)
        self.cpu = cpu = CPU(self.memory)
        self.bus = IOBus()
        self.clock = clock = Clock(cpu.now)
        self.console = bytearray()
        self._echo = console
        self.exit_code: int | None = None
        self.pics = PICPair(lambda level: self._update_intr())
        self.apic = LocalAPIC(clock, self._update_intr, nmi=cpu.raise_nmi)
        self.uart = UART16550(clock, self._console_byte, self.pics.irq_line(4))
        self.pit = PIT8254(clock, self.pics.irq_line(0))
        self.cmos = CMOS(clock, memory_size, irq=self.pics.irq_line(8))
        self.kbc = KeyboardController(self._reset_requested, self.pics.irq_line(1),
                                      self.pics.irq_line(12))
        self.post = PostPort()
        self.nic = NetCard(self.memory, self.pics.irq_line(NIC_IRQ), nic_backend)
        for device in (self.pics, self.uart, self.pit, self.cmos, self.kbc, self.post,
                       DebugConsole(self._console_byte), ExitPort(self._exit), self.nic,
                       FwCfg(memory_size)):
            device.attach(self.bus)
        self.apic.attach(self.memory)
        PCTestdev(self.pics.set_irq).attach(self.bus, self.memory)
        self.timed = (self.pit, self.uart, self.apic, self.cmos)
        cpu.io = self.bus
        cpu.int_ack = self._int_ack

    # --- wiring ------------------------------------------------------------------------
    def _console_byte(self, byte: int) -> None:
        self.console.append(byte)
        if self._echo is not None:
            self._echo(byte)

    def _exit(self, status: int) -> None:
        self.exit_code = status
        self.cpu.request_stop("exit")

    def _reset_requested(self) -> None:
        self.cpu.request_stop("shutdown")

    def _update_intr(self) -> None:
        self.cpu.intr = bool(self.pics.int_output and self.apic.passes_extint()) or \
            self.apic.pending_vector() is not None

    def _int_ack(self) -> int:
        """The INTA cycle: the APIC's vector if it has one to deliver, else the 8259's."""
        if self.apic.pending_vector() is not None:
            vector = self.apic.acknowledge()
        else:
            vector = self.pics.acknowledge()
        self._update_intr()            # the CPU dropped INTR; raise it again if more wait
        return vector

    # --- time --------------------------------------------------------------------------
    def next_event(self) -> int | None:
        events = [t for t in (d.next_event() for d in self.timed) if t is not None]
        return min(events) if events else None

    def update_devices(self) -> None:
        for device in self.timed:
            device.update()

    # --- running -----------------------------------------------------------------------
    def run(self, max_instructions: int) -> RunResult:
        """Run until a stop reason (see the module docstring). The limit is
        ``max_instructions`` instructions' worth of virtual time, spent executing or
        halted, so a guest halted with interrupts enabled that nothing ever wakes
        (a timer masked in the 8259, say) still ends."""
        cpu, clock = self.cpu, self.clock
        start, started = cpu.instructions, time.perf_counter()
        end_ns = clock.now() + max_instructions * NS_PER_INSTRUCTION
        stop = "limit"
        while True:
            left = (end_ns - clock.now()) // NS_PER_INSTRUCTION
            if left <= 0:
                break
            burst = min(left, MAX_BURST)
            until = instructions_until(clock, self.next_event())
            if until is not None:
                burst = min(burst, until)
            reason = cpu.run(burst)
            self.update_devices()
            if reason == "limit":
                continue
            if reason != "hlt":
                stop = reason
                break
            if not cpu.eflags & IF:
                stop = "hlt"
                break
            if cpu.intr:
                continue
            deadline = self.next_event()
            if deadline is None:
                stop = "hlt"               # nothing can ever wake it
                break
            clock.skip_to(min(max(deadline, clock.now() + NS_PER_INSTRUCTION), end_ns))
            self.update_devices()
        return RunResult(stop, self.exit_code if stop == "exit" else None,
                         cpu.instructions - start, time.perf_counter() - started)

    # --- the report --------------------------------------------------------------------
    def console_text(self) -> str:
        return self.console.decode("utf-8", "replace")

    def report(self, result: RunResult) -> dict:
        """The run as the JSON object ``s370vm ia32 run --json`` prints."""
        cpu = self.cpu
        regs = {name: f"{cpu.regs[i]:08X}" for i, name in enumerate(REG_NAMES)}
        regs["EFLAGS"] = f"{cpu.get_eflags():08X}"
        for i, name in enumerate(SREG_NAMES):
            regs[name] = f"{cpu.sregs[i].selector:04X}"
        for n in (0, 2, 3, 4):
            regs[f"CR{n}"] = f"{cpu.cr[n]:08X}"
        return {
            "stop": result.stop,
            "exit_code": result.exit_code,
            "eip": f"{cpu.eip:08X}",
            "regs": regs,
            "post": [f"0x{code:02X}" for code in self.post.codes],
            "console": self.console_text(),
            "instructions": result.instructions,
        }

