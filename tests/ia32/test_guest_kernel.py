"""guests/ia32/kernel.asm end to end: assembled by our assembler (and by nasm, the
oracle, to the same bytes), booted with ``--kernel`` through the Multiboot loader,
it sets up its GDT, IDT and paging, takes PIT interrupts through the 8259 in ring 0
and ring 3, makes system calls through its DPL-3 gate and leaves through the exit
port. The lines are the ones it prints on QEMU (docs/ia32.md)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from ia32.asm import assemble_file
from ia32.loaders.multiboot import boot_multiboot
from ia32.machine import Machine

KERNEL = Path(__file__).resolve().parents[2] / "guests" / "ia32" / "kernel.asm"


@pytest.fixture(scope="module")
def kernel_bin(tmp_path_factory):
    assembly = assemble_file(KERNEL)
    assert assembly.ok, assembly.errors
    out = tmp_path_factory.mktemp("kernel") / "kernel.bin"
    out.write_bytes(assembly.binary)
    return out


@pytest.mark.skipif(shutil.which("nasm") is None, reason="needs nasm")
def test_nasm_builds_the_same_bytes(kernel_bin, tmp_path):
    out = tmp_path / "nasm.bin"
    subprocess.run(["nasm", "-f", "bin", str(KERNEL), "-o", str(out)], check=True)
    assert out.read_bytes() == kernel_bin.read_bytes()


def test_kernel_runs_to_its_exit(kernel_bin):
    m = Machine(16 << 20)
    boot_multiboot(m, str(kernel_bin))
    result = m.run(5_000_000)
    assert (result.stop, result.exit_code) == ("exit", 1), m.console_text()
    lines = m.console_text().split("\r\n")
    assert lines[:6] == ["s370vm ia32 kernel", "memory above 1M: 15360K", "paging on",
                         "entering ring 3", "hello from ring 3", "CPL=3"]
    assert lines[6] == "timer ticks: 6"
    ring3 = int(lines[7].rpartition(": ")[2])
    assert 1 <= ring3 <= 3                  # ticks 4-6 came while it spun in ring 3
    assert m.clock.skipped_ns > 2_000_000   # the first three ticks were slept through
