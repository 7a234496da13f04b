"""The bare machine: storage, CPU, timers and (later) channels, plus the run loop
that carries the CPU through wait states and decides when a run is over."""
from __future__ import annotations

from dataclasses import dataclass, field

from .cpu import CPU
from .storage import Storage

#: Instructions per burst between device polls.
SLICE = 20000


@dataclass
class RunResult:
    """How a run ended: ``stop`` is ``wait`` (a wait nothing can end), ``limit`` or
    ``checkstop``."""
    stop: str
    instructions: int
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)


class Machine:
    """A configured S/370: main storage and one CPU (channels and devices attach
    through ``s370.channel``)."""

    def __init__(self, storage_size: int = 1 << 20, cpuid: int = 0xFF00000000000000,
                 sparse: bool = False):
        self.storage = Storage(storage_size, sparse=sparse)
        self.cpu = CPU(self.storage, cpuid)
        self.channel = None

    def load_image(self, data: bytes, address: int = 0) -> None:
        self.storage.load(data, address)

    def ipl_psw(self) -> None:
        """Start as an IPL does after its read: load the PSW from real 0."""
        self.cpu.load_psw(int.from_bytes(self.storage.mem[0:8], "big"))

    def idle(self) -> bool:
        """The CPU is waiting: let time pass until something could end the wait.
        Returns False when nothing ever can (the run is over)."""
        cpu = self.cpu
        if not cpu.can_wake():
            return False
        if self.channel is not None and self.channel.busy():
            self.channel.advance(cpu)
            return True
        if cpu.timers is not None and cpu.timers.skip_to_event(cpu):
            return True
        return False

    def run(self, max_instructions: int | None = None) -> RunResult:
        """Run until a wait state nothing can end, a check-stop or the limit."""
        import time
        cpu = self.cpu
        limit = max_instructions if max_instructions is not None else 1 << 62
        start = cpu.count
        t0 = time.perf_counter()
        stop = "limit"
        while True:
            if cpu.checkstop:
                stop = "checkstop"
                break
            if cpu.wait:
                if cpu.attn:
                    cpu.service()
                    if not cpu.wait:
                        continue
                if not self.idle():
                    stop = "wait"
                    break
                continue
            left = limit - (cpu.count - start)
            if left <= 0:
                break
            cpu.run(min(left, SLICE))
            if self.channel is not None:
                self.channel.poll(cpu)
        return RunResult(stop, cpu.count - start, time.perf_counter() - t0)
