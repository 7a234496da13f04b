"""The paravirtual build of guests/ia32/kernel.asm (``-DPARAVIRT``) under SET
VMMODE PARAVIRT's machine (cp/backends/ia32_paravirt.py): the same user program
prints the same lines as the bare kernel on the bare PC, with hypercalls and
events instead of privileged instructions and interrupts; its system calls
never leave the guest (the fast trap gate), its idle time is skipped, and a
guest page fault reaches the guest's own handler with the address in the shared
info page."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from cp.backends.ia32_paravirt import ParavirtMachine
from ia32.asm import assemble, assemble_file
from ia32.loaders.multiboot import boot_multiboot
from ia32.machine import Machine

KERNEL = Path(__file__).resolve().parents[2] / "guests" / "ia32" / "kernel.asm"


def build(tmp_path_factory, name: str, **defines) -> Path:
    assembly = assemble_file(KERNEL, defines=defines)
    assert assembly.ok, assembly.errors
    out = tmp_path_factory.mktemp(name) / f"{name}.bin"
    out.write_bytes(assembly.binary)
    return out


@pytest.fixture(scope="module")
def pv_kernel(tmp_path_factory):
    return build(tmp_path_factory, "pv", PARAVIRT="")


@pytest.fixture(scope="module")
def pv_run(pv_kernel):
    m = ParavirtMachine(16 << 20, "PVUSER")
    m.ipl(str(pv_kernel))
    return m, m.run(5_000_000)


@pytest.mark.skipif(shutil.which("nasm") is None, reason="needs nasm")
def test_nasm_builds_the_same_paravirtual_bytes(pv_kernel, tmp_path):
    out = tmp_path / "nasm.bin"
    subprocess.run(["nasm", "-f", "bin", "-DPARAVIRT", str(KERNEL), "-o", str(out)], check=True)
    assert out.read_bytes() == pv_kernel.read_bytes()


def test_paravirtual_kernel_prints_what_the_bare_kernel_prints(pv_run, tmp_path_factory):
    m, stop = pv_run
    assert (stop, m.exit_code, m.crashed) == ("exit", 1, None), m.console_text()
    bare = Machine(16 << 20)
    boot_multiboot(bare, str(build(tmp_path_factory, "bare")))
    assert bare.run(5_000_000).stop == "exit"
    pv_lines, bare_lines = m.console_text().split("\r\n"), bare.console_text().split("\r\n")
    assert pv_lines[:7] == bare_lines[:7] == [
        "s370vm ia32 kernel", "memory above 1M: 15360K", "paging on", "entering ring 3",
        "hello from ring 3", "CPL=3", "timer ticks: 6"]
    ring3 = int(pv_lines[7].rpartition(": ")[2])
    assert 1 <= ring3 <= 3                  # ticks 4-6 came while it spun in ring 3


def test_system_calls_do_not_exit_and_idle_time_is_skipped(pv_run):
    """Every exit is a hypercall or an event upcall: the user program's INT 80h
    calls (over 40 of them) went through the real trap gate; the three ticks it
    slept through cost no instructions."""
    m, _ = pv_run
    assert set(m.exits) == {"hypercall", "upcall"}
    assert m.fast_calls > 40
    assert m.exits["upcall"] == 6 == m.pv.calls["set_timer_op"] - 1
    assert m.pv.calls["sched_op"] >= 3 + 1                 # SYS_WAIT x3 (at least), shutdown
    assert m.pv.calls["mmu_update"] == 1 and m.pv.calls["mmuext_op"] == 1
    assert m.idle_ns > 2_000_000


PF_GUEST = """
bits 32
org 0x101000
        mov esp, 0x108000
        mov eax, 0                      ; set_trap_table
        mov ebx, table
        int 0x82
        mov eax, 26                     ; new_baseptr
        mov ebx, 5
        mov ecx, pd
        int 0x82
        mov dword [0x800000], 1         ; not mapped: #PF, error code 2 (a write)
        jmp $
pf:     pop ebx                         ; the error code
        mov eax, 6                      ; shutdown with CR2 >> 20 + the error code
        mov ecx, [0x28]
        shr ecx, 20
        add ecx, ebx
        mov ebx, 2
        int 0x82
table:  db 14, 0
        dw 0x09
        dd pf
        dd 0, 0
align 4096
pd:     dd pt + 3
        times 1023 dd 0
pt:
%assign i 0
%rep 1024
%if i >= 0x102 && i < 0x104
        dd (i << 12) | 1                ; the directory and the table: read-only
%else
        dd (i << 12) | 3
%endif
%assign i i + 1
%endrep
"""


def test_a_page_fault_reaches_the_guest_handler_with_the_virtual_cr2(tmp_path):
    assembly = assemble(PF_GUEST)
    assert assembly.ok, assembly.errors
    m = ParavirtMachine(4 << 20)
    m.mem[0x101000:0x101000 + len(assembly.binary)] = assembly.binary
    m.start(0x101000)
    assert m.run(100_000) == "exit"
    assert m.exit_code == ((8 + 2) << 1) | 1            # CR2 = 800000, error code 2
    assert m.exits == {"hypercall": 3, "reflect": 1}


def test_asm_command_takes_nasm_style_defines(tmp_path, pv_kernel):
    from s370vm.main import main
    out = tmp_path / "k.bin"
    assert main(["ia32", "asm", "-DPARAVIRT", str(KERNEL), "-o", str(out)]) == 0
    assert out.read_bytes() == pv_kernel.read_bytes()
    src = tmp_path / "d.asm"
    src.write_text("db VALUE\n")
    assert main(["ia32", "asm", "-DVALUE=7", str(src), "-o", str(out)]) == 0
    assert out.read_bytes() == b"\x07"
