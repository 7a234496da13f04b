"""An IA-32 virtual machine under CP in naive trap-and-emulate (issue 23): the
guest kernel (guests/ia32/kernel.asm) IPLed as a Multiboot kernel runs
deprivileged at real ring 1 with CP's tables underneath; its privileged
instructions trap and CP emulates them; the console is COM1."""
from __future__ import annotations

import pytest

from tests.cp.ia32_support import console, ia32_vm, kernel_image

#: what the bare machine prints (tests/ia32/test_guest_kernel.py; docs/ia32.md)
BARE_LINES = ["s370vm ia32 kernel", "memory above 1M: 15360K", "paging on", "entering ring 3",
              "hello from ring 3", "CPL=3", "timer ticks: 6", "exit, timer ticks in ring 3: 3"]


@pytest.fixture(scope="module")
def naive_kernel():
    vm = ia32_vm(kernel_image())
    result = vm.run(1_500_000)
    return vm, result


def test_kernel_under_naive_runs_until_popek_and_goldberg_bite(naive_kernel):
    """The kernel's first six lines are the bare machine's. Then its IRETD to ring
    3 runs natively at real CPL 1, where IRET may not change IF (PRM 17 IRET: IF
    only if CPL <= IOPL, and the real IOPL is 0): the guest's IF stays as the
    interrupt gate of its last system call left it, 0, so no timer interrupt ever
    reaches the ring-3 busy loop that waits for tick 6, and the run ends at the
    instruction limit instead of at the exit port."""
    vm, result = naive_kernel
    assert console(vm).splitlines() == BARE_LINES[:6]
    assert result.stop == "limit" and vm.backend.exit_code is None
    assert vm.backend.vstate.iflag is False and vm.backend.cpu.cpl == 3


def test_privileged_instructions_trap_and_are_emulated(naive_kernel):
    """setup_gdt/idt/paging: one LGDT, LIDT, LTR, one MOV SS with the RPL 0
    selector 10h (a real SS load needs RPL = CPL 1), three MOV CRn (CR3, CR0 read,
    CR0 write); SYS_WAIT's STI, HLT and CLI three times (ticks 1-3)."""
    vm, _ = naive_kernel
    emulated = vm.counters.simulated
    for name, n in {"LGDT": 1, "LIDT": 1, "LTR": 1, "MOV Sreg": 1, "MOV CRn": 3, "STI": 3,
                    "CLI": 3}.items():
        assert emulated[name] == n, name
    assert vm.counters.intercepts["wait"] == 3
    assert vm.counters.reflected["external"] == 3
    # the kernel's own tables as it loaded them
    vs = vm.backend.vstate
    assert vs.cr[0] & 0x80010001 == 0x80010001 and vs.tr == 0x28
    assert vs.idtr[1] == 256 * 8 - 1


def test_the_guest_sees_its_own_registers_through_the_tables(naive_kernel):
    """DISPLAY's view: CR0 and CR3 are the guest's (its page directory), not CP's."""
    vm, _ = naive_kernel
    real = vm.backend.cpu
    assert vm.register("X", 3) == vm.backend.vstate.cr[3] != real.cr[3]
    assert vm.register("X", 0) & 0x80000001 == 0x80000001


@pytest.mark.parametrize("mode", ["SCAN", "TRANSLATE"])
def test_kernel_under_scan_and_translate_prints_what_the_bare_machine_prints(mode):
    """With the sensitive kernel instructions rewritten (ia32_scan.py,
    ia32_translate.py) the kernel's IRETD restores its own IF, and it runs to its
    exit port with the bare machine's console and exit status."""
    vm = ia32_vm(kernel_image(), mode=mode)
    result = vm.run(3_000_000)
    assert console(vm).splitlines() == BARE_LINES
    assert (result.stop, vm.backend.exit_code) == ("stopped", 1)
    report = vm.backend.vm_report()
    assert report["mode"] == mode and report["hidden_page_faults"] == 12


def test_ipl_from_the_reader_with_cp_commands(tmp_path):
    """A user whose directory entry says MACHINE IA32 IPLs the kernel from its
    reader (the spool file's cards are the image); COM1 is the terminal; QUERY
    VIRTUAL and DISPLAY work on the running VM (#CP while it runs)."""
    from s370vm.cmd_cp import build_host
    from tests.cp.cpscript import run
    from tests.cp.test_commands_machine import DIRECTORY
    d = tmp_path / "pc.direct"
    d.write_text(DIRECTORY.replace("USER PC PW 1M 2M G", "USER PC PW 16M 16M G"))
    host = build_host(directory=str(d))
    image = kernel_image()
    host.spool.create("PC", "RDR", "PC", "2540", [image[i:i + 80] for i in range(0, len(image), 80)])
    _, out = run("LOGON PC PW\nSET VMMODE SCAN\nIPL 00C\n#CP Q V\n#CP D X3", host=host)
    lines = out["T1"][2:]
    assert lines[:8] == BARE_LINES
    assert lines[8:10] == ["STORAGE = 16384K", "MACHINE IA32, VMMODE SCAN"]
    assert lines[-1] == "CR  3 = 00101000"          # the kernel's page_dir (CR3 at 101000)
    assert not host.errors


def test_ia32_run_under_cp_reports_cp_counters(tmp_path, capsys):
    """``s370vm ia32 run IMAGE --kernel --under-cp --mode naive --json``: the bare
    run's report (registers as the guest sees them: CR0 its own, CS 001B in ring 3)
    plus CP's counters; a real-mode image is refused with status 2."""
    import json

    from s370vm.main import main
    image = tmp_path / "kernel.bin"
    image.write_bytes(kernel_image())
    assert main(["ia32", "run", str(image), "--kernel", "--under-cp", "--mode", "naive",
                 "--max-instructions", "400000", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["stop"] == "limit" and report["instructions"] == 400_000
    assert report["console"].replace("\r\n", "\n").splitlines() == BARE_LINES[:6]
    assert report["regs"]["CR0"] == "80010011" and report["regs"]["CS"] == "001B"
    vm = report["vm"]
    assert vm["mode"] == "NAIVE" and vm["hidden_page_faults"] == 12 and vm["true_page_faults"] == 0
    assert vm["exits"]["wait"] == 3 and vm["exits"]["instruction"] > 200
    assert vm["cycles"]["total"] == vm["cycles"]["guest"] + vm["cycles"]["cp"] > 0
    flat = tmp_path / "flat.bin"
    flat.write_bytes(b"\xEB\xFE")
    assert main(["ia32", "run", str(flat), "--under-cp"]) == 2
    assert "a real-mode image" in capsys.readouterr().err


def test_a_triple_fault_is_a_check_stop_with_its_reason(tmp_path):
    """INT 55h with the loader's IDT (base 0, limit FFFF, all zero): #GP for the
    null gate, again for the #GP gate, then a double fault whose delivery fails
    too (PRM 9.8.8): CP says why the machine stopped."""
    from s370vm.cmd_cp import build_host
    from tests.cp.cpscript import run
    from tests.cp.test_commands_machine import DIRECTORY
    from tests.cp.test_ia32_hostile import HEADER
    d = tmp_path / "pc.direct"
    d.write_text(DIRECTORY.replace("USER PC PW 1M 2M G", "USER PC PW 4M 4M G"))
    host = build_host(directory=str(d))
    image = (HEADER + bytes.fromhex("CD55")).ljust(0x1000, b"\xF4")
    host.spool.create("PC", "RDR", "PC", "2540", [image[i:i + 80] for i in range(0, len(image), 80)])
    _, out = run("LOGON PC PW\nSET VMMODE NAIVE\nIPL 00C\nD EIP", host=host)
    assert out["T1"][2:] == ["DMKDSP450W CP ENTERED; CHECK-STOP STATE (TRIPLE FAULT)",
                             "EIP = 00100022"]           # past the INT 55h at 100020
