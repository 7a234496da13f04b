"""SET VMMODE PARAVIRT's mode object (cp/backends/ia32_pvmode.py) on a stand-in
for CP's IA-32 backend (what the mode reads of it: the real CPU and its memory,
the guest size, the virtual CPU's wait/stopped flags, the console, the user's
typed lines), driven as CP's dispatcher drives a VM: run a slice, perform a
HYPERCALL exit, wake a WAIT when its deadline or an event ends it."""
from __future__ import annotations

from collections import deque
from types import SimpleNamespace

import pytest

from cp.backends.base import HYPERCALL, SLICE, WAIT
from cp.backends.ia32_pvmode import ParavirtMode
from cp.backends.ia32_vstate import VirtualState
from ia32.asm import assemble_file
from ia32.cpu import CPU
from ia32.loaders.multiboot import kernel_segments
from ia32.memory import Memory

from .test_ia32_paravirt import KERNEL

SIZE = 16 << 20


class Backend:
    """The part of cp/backends/ia32.py's IA32Backend the mode uses."""

    def __init__(self, image: bytes):
        self.guest_size = SIZE
        self.cpu = CPU(Memory(SIZE + (1 << 20)))
        self.vstate = VirtualState()
        self.vcpu = SimpleNamespace(wait=False, stopped=False, checkstop=False)
        self.vm = SimpleNamespace(userid="PVUSER", console_input=deque())
        self.console = bytearray()
        self.exit_code = None
        self.stop_reason = None
        entry, segments = kernel_segments("kernel", image)
        for seg in segments:
            self.cpu.memory.ram[seg.addr:seg.addr + len(seg.data)] = seg.data
        self.cpu.eip = entry                # where IPL left it

    def _console_byte(self, byte: int) -> None:
        self.console.append(byte)

    def stop(self, reason: str) -> None:
        self.stop_reason = reason
        self.vcpu.checkstop = True


@pytest.fixture(scope="module")
def image():
    assembly = assemble_file(KERNEL, defines={"PARAVIRT": ""})
    assert assembly.ok, assembly.errors
    return assembly.binary


def drive(backend, mode, limit: int = 5_000_000) -> dict:
    """CP's loop for one VM: the exits it saw, by kind and name."""
    seen: dict = {}
    while not (backend.vcpu.stopped or backend.vcpu.checkstop) and backend.cpu.instructions < limit:
        ex = mode.run(20_000)
        key = mode.instruction_name(ex) if ex.kind == HYPERCALL else ex.kind
        seen[key] = seen.get(key, 0) + 1
        if ex.kind == HYPERCALL:
            mode.simulate(ex)
        elif ex.kind == WAIT:
            assert backend.vcpu.wait and mode.can_wake()
            assert mode.timer_event() is not None
            while mode.pending_kind() is None:
                assert mode.idle()
            assert mode.deliver_pending() and not backend.vcpu.wait
        else:
            assert ex.kind == SLICE
    return seen


def test_the_paravirtual_kernel_runs_under_the_mode(image):
    backend = Backend(image)
    mode = ParavirtMode(backend)
    mode.attach()
    assert backend.vstate.cr[0] & 0x80000000 == 0
    seen = drive(backend, mode)
    assert backend.vcpu.stopped and backend.exit_code == 1
    lines = backend.console.decode().split("\r\n")
    assert lines[:7] == ["s370vm ia32 kernel", "memory above 1M: 15360K", "paging on",
                         "entering ring 3", "hello from ring 3", "CPL=3", "timer ticks: 6"]
    assert seen["wait"] >= 3 and seen["console_io"] == 20 and seen["mmu_update"] == 1
    assert backend.vstate.cr[3] == mode.machine.pv.baseptr and backend.vstate.cr[0] >> 31
    stats = mode.stats()
    assert stats["fast_system_calls"] == 163 and stats["reflected"] == 0


def test_typed_lines_become_console_events(image):
    backend = Backend(image)
    mode = ParavirtMode(backend)
    mode.attach()
    backend.vm.console_input.append("hi")
    mode.poll()
    assert mode.machine.input == deque(b"hi\n") and mode.machine.pv.events_raised == 1


def test_under_cp_with_mode_paravirt(image, tmp_path, capsys):
    """``s370vm ia32 run --kernel --under-cp --mode paravirt``: CP's IA-32
    backend with the mode wired in; CP counts each hypercall under its name and
    the idle calls as waits; the user program's system calls never exit."""
    import json
    from s370vm.main import main
    path = tmp_path / "kernel-pv.bin"
    path.write_bytes(image)
    assert main(["ia32", "run", str(path), "--kernel", "--under-cp", "--mode", "paravirt",
                 "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["stop"], report["exit_code"]) == ("exit", 1)
    assert report["console"].split("\r\n")[6] == "timer ticks: 6"
    vm = report["vm"]
    assert vm["mode"] == "PARAVIRT" and set(vm["exits"]) == {"hypercall", "wait"}
    assert vm["exits"]["hypercall"] == 36 and vm["emulated"]["console_io"] == 20
    assert vm["paravirt"]["fast_system_calls"] == 163 and vm["hidden_page_faults"] == 0
