"""The configured machine: storage, CPU, channel subsystem and devices, IPL, and the
run loop that carries the CPU through wait states and decides when a run is over.

A run ends when the CPU is in a wait state that nothing can end: no enabled I/O
interruption can come (no channel program can progress, no console input is
expected), no enabled timer runs, and the operator (script or standard input) has
nothing more to do. A wait state is therefore never a hang.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from .channel import ChannelSubsystem
from .cpu import CPU
from .devices.console import Console, ConsoleLog
from .errors import MachineError
from .storage import Storage

#: Instructions per burst between device polls and operator checks.
SLICE = 20000
#: A wait that only a timer can end, with no I/O for this much machine time
#: (microseconds) of waiting, ends the run: the program waits for nothing.
IDLE_LIMIT_US = 600 * 1_000_000


@dataclass
class RunResult:
    """How a run ended: ``stop`` is ``wait`` (a wait nothing can end), ``limit``,
    ``checkstop``, ``stopped`` (the operator stopped the CPU), ``quit`` (the
    operator ended the run) or ``failed`` (an operator script's wait timed out or
    could never be satisfied; ``message`` says which)."""
    stop: str
    instructions: int
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)
    message: str = ""


class TimerWait:
    """Time passing in a wait that only timers can end. A CPU waiting enabled for
    its timers skips to the next timer event; after IDLE_LIMIT_US of such waiting
    with no I/O status posted by the channel meanwhile, nothing is expected any
    more and the wait counts as one nothing can end (so runs always finish).
    Shared by the bare machine and CP's virtual machines."""

    def __init__(self):
        self.mark = 0       # channel.posted when timer-only waiting began
        self.us = 0         # microseconds of timer-only waiting since then

    def advance(self, cpu, channel) -> bool:
        """Skip to the next timer event; False when no timer can end the wait or
        the limit is reached."""
        timers = cpu.timers
        if timers is None:
            return False
        if channel.posted != self.mark:
            self.mark = channel.posted
            self.us = 0
        before = timers.now(cpu)
        if timers.skip_to_event(cpu):
            self.us += timers.now(cpu) - before
            return self.us <= IDLE_LIMIT_US
        return False


class Machine:
    """A configured S/370: main storage, one CPU, the channel subsystem with its
    devices, and the console transcript of the run."""

    def __init__(self, storage_size: int = 1 << 20, cpuid: int = 0xFF00000000000000,
                 sparse: bool = False, console_log: ConsoleLog | None = None,
                 timers: bool = True):
        self.storage = Storage(storage_size, sparse=sparse)
        self.cpu = CPU(self.storage, cpuid)
        self.channel = ChannelSubsystem(self.storage)
        self.cpu.channel = self.channel
        self.console_log = console_log if console_log is not None else ConsoleLog()
        self.console: Console | None = None     # the console operator input goes to
        self.config = None
        self.timer_wait = TimerWait()
        if timers:
            self.attach_timers()

    def attach_timers(self) -> None:
        """Give the CPU its TOD clock, clock comparator, CPU timer and interval
        timer (deterministic time: one instruction is one microsecond)."""
        try:
            from .timers import Timers
        except ImportError:                     # timers not installed yet
            return
        Timers().attach(self.cpu)

    @classmethod
    def from_config(cls, config, console_log: ConsoleLog | None = None,
                    storage_size: int | None = None) -> "Machine":
        """Build the machine a configuration (s370.config.Config) describes."""
        from .config import make_device
        m = cls(storage_size or config.mainsize, config.cpuid(), console_log=console_log)
        m.config = config
        for spec in config.devices:
            m.attach(make_device(spec, config.base_dir, m.console_log))
        return m

    # ---------------------------------------------------------------- devices
    def attach(self, device) -> None:
        self.channel.attach(device)
        if isinstance(device, Console) and (self.console is None
                                            or device.address < self.console.address):
            self.console = device

    def device(self, address: int):
        dev = self.channel.device(address)
        if dev is None:
            raise MachineError(f"device {address:03X} is not in the configuration")
        return dev

    def devinit(self, address: int, args: list[str]) -> None:
        """The operator's devinit: a new file (and arguments) for a device."""
        self.device(address).devinit(args)

    def type_line(self, line: str) -> None:
        """A line typed at the console (empty: the request key alone)."""
        if self.console is None:
            raise MachineError("there is no console (3215 or 1052) in the configuration")
        self.console.type_line(line)

    def close(self) -> None:
        self.channel.close()

    # -------------------------------------------------------------- starting
    def load_image(self, data: bytes, address: int = 0) -> None:
        self.storage.load(data, address)

    def ipl_psw(self) -> None:
        """Start as an IPL does after its read: load the PSW from real 0."""
        self.cpu.load_psw(int.from_bytes(self.storage.mem[0:8], "big"))

    def ipl(self, address: int, clear: bool = False) -> None:
        """Initial program loading from a device (GA22-7000, "Initial Program
        Loading"): system reset, the IPL channel program, then the I/O address is
        stored (BC mode: bytes 2-3 of the new PSW; EC mode: X'B8'-X'BB') and the PSW
        at 0 is loaded. Devices keep their media and positions."""
        cpu = self.cpu
        cpu.reset(clear=clear)
        self.channel.reset()
        self.channel.ipl(address)
        mem = self.storage.mem
        if mem[1] & 0x08:
            mem[0xB8:0xBC] = address.to_bytes(4, "big")
        else:
            mem[2:4] = address.to_bytes(2, "big")
        self.ipl_psw()

    def restart(self) -> None:
        """The operator's RESTART key."""
        cpu = self.cpu
        cpu.stopped = False
        cpu.restart_pending = True
        cpu.attn = True

    # --------------------------------------------------------------- running
    def idle(self) -> bool:
        """The CPU is waiting: let time pass until something could end the wait.
        Returns False when nothing inside the machine ever can."""
        cpu = self.cpu
        if self.channel.poll(cpu):
            return True
        if not cpu.can_wake():
            return False
        return self.timer_wait.advance(cpu, self.channel)

    def run(self, max_instructions: int | None = None, operator=None) -> RunResult:
        """Run until a wait state nothing can end, a check-stop, the limit, or the
        operator ends the run. ``operator`` (s370.operator) is consulted between
        bursts (``poll``) and when the machine cannot go on by itself (``idle``)."""
        cpu = self.cpu
        channel = self.channel
        limit = max_instructions if max_instructions is not None else 1 << 62
        start = cpu.count
        t0 = time.perf_counter()
        stop = "limit"
        while True:
            if cpu.checkstop:
                stop = "checkstop"
                break
            if operator is not None:
                verdict = operator.poll(self)
                if verdict:
                    stop = verdict
                    break
            if cpu.wait or cpu.stopped:
                if cpu.attn and not cpu.stopped:
                    cpu.service()
                    if not cpu.wait:
                        continue
                if not cpu.stopped and self.idle():
                    continue
                if operator is not None:
                    verdict = operator.idle(self)
                    if verdict is None:
                        continue
                    stop = verdict
                    break
                stop = "stopped" if cpu.stopped else "wait"
                break
            left = limit - (cpu.count - start)
            if left <= 0:
                break
            cpu.run(min(left, SLICE))
            channel.poll(cpu)
        message = getattr(operator, "failure", "") or ""
        return RunResult(stop, cpu.count - start, time.perf_counter() - t0, message=message)


def machine_from_config_file(path: str | Path | None, console_log: ConsoleLog | None = None,
                             storage_size: int | None = None) -> Machine:
    """The machine of a configuration file, or of the default configuration."""
    from . import config
    cfg = config.load(path) if path else config.default()
    return Machine.from_config(cfg, console_log, storage_size)
