"""Popek and Goldberg, shown (issue 23; docs/popek-goldberg.md).

IA-32: for each of Robin and Irvine's 18 problem mnemonics a guest program
(guests/ia32/popek/*.asm) observes, at CPL 0 and at CPL 3, the value the bare
machine gives, and prints one line per CPL on the debug console. ``REFERENCE``
holds those lines as the 80386 PRM says they must read (each program's header
comment gives the PRM section and the reasoning), never computed by running the
code under test.

System/370: the same kind of program executes the sensitive instructions there
(all of them privileged) in supervisor and in problem state and keeps what it saw;
CP's plain trap-and-emulate gives exactly the bare machine's values.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from ia32.asm import assemble_file
from ia32.loaders.multiboot import boot_multiboot
from ia32.machine import Machine

POPEK = Path(__file__).resolve().parents[1] / "guests" / "ia32" / "popek"

#: program -> (the line at CPL 0, the line at CPL 3), as the PRM says
REFERENCE = {
    "sgdt": ("0 SGDT 00030000/003F", "3 SGDT 00030000/003F"),
    "sidt": ("0 SIDT 00031000/07FF", "3 SIDT 00031000/07FF"),
    "sldt": ("0 SLDT 0030", "3 SLDT 0030"),
    "smsw": ("0 SMSW 0000001B", "3 SMSW 0000001B"),
    "pushf": ("0 PUSHF 0000", "3 PUSHF 0200"),
    "popf": ("0 POPF 3000", "3 POPF 0200"),
    "lar": ("0 LAR 00C09300", "3 LAR ZF=0"),
    "lsl": ("0 LSL FFFFFFFF", "3 LSL ZF=0"),
    "verr": ("0 VERR ZF=1", "3 VERR ZF=0"),
    "verw": ("0 VERW ZF=1", "3 VERW ZF=0"),
    "pop": ("0 POP ok", "3 POP #GP(0010)"),
    "push": ("0 PUSH 0008", "3 PUSH 001B"),
    "call": ("0 CALL 0008", "3 CALL #GP(0008)"),
    "jmp": ("0 JMP 0008", "3 JMP #GP(0008)"),
    "int": ("0 INT 0008", "3 INT #GP(0202)"),
    "ret": ("0 RET ok", "3 RET #GP(0008)"),
    "str": ("0 STR 0028", "3 STR 0028"),
    "mov": ("0 MOV 0010", "3 MOV 0023"),
}
PROGRAMS = sorted(REFERENCE)


@pytest.fixture(scope="module")
def binaries(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("popek")
    paths = {}
    for name in PROGRAMS:
        assembly = assemble_file(POPEK / f"{name}.asm")
        assert assembly.ok, assembly.errors
        paths[name] = out / f"{name}.bin"
        paths[name].write_bytes(assembly.binary)
    return paths


def lines(console: str) -> tuple[str, ...]:
    return tuple(line for line in console.replace("\r", "").split("\n") if line)


def test_there_is_a_program_for_each_of_the_18_mnemonics():
    from cp.backends.ia32_sensitive import ROBIN_IRVINE
    assert sorted(p.stem for p in POPEK.glob("*.asm")) == PROGRAMS
    assert sorted(REFERENCE[n][0].split()[1] for n in PROGRAMS) == sorted(ROBIN_IRVINE)


@pytest.mark.skipif(shutil.which("nasm") is None, reason="needs nasm")
def test_nasm_builds_the_same_bytes(binaries, tmp_path):
    for name in PROGRAMS:
        out = tmp_path / f"{name}.bin"
        subprocess.run(["nasm", "-f", "bin", "-i", f"{POPEK}/", str(POPEK / f"{name}.asm"),
                        "-o", str(out)], check=True)
        assert out.read_bytes() == binaries[name].read_bytes(), name


def run_bare(path: Path) -> tuple[str, tuple[str, ...]]:
    m = Machine(16 << 20)
    boot_multiboot(m, str(path))
    result = m.run(200_000)
    return result.stop, lines(m.console_text())


@pytest.mark.parametrize("name", PROGRAMS)
def test_the_bare_machine_gives_the_reference_lines(binaries, name):
    assert run_bare(binaries[name]) == ("exit", REFERENCE[name])


# -- the same programs in an IA-32 virtual machine under CP --------------------------

#: under NAIVE trap-and-emulate, the lines that come out wrong, as CP's frame makes
#: them (cp/backends/ia32_vstate.py and ia32_cpu.py): the real GDTR and IDTR on
#: CP_GDT FFC00000 (8192 entries) and CP_IDT FFC10000, the real LDTR and TR CP's
#: selectors FFF0 and FFF8, the real CR0 PG WP (+ the guest's MP TS) ET PE, the real
#: IF 1 and IOPL 0 (POPF at ring 1 changes neither), the shadow descriptor with DPL 1
#: and the limit cut below CP_BASE, CS and SS with RPL 1, and INT n's gate checked
#: against the real CPL 1. Every other line is the bare machine's: VERR and VERW
#: (the shadow's DPL 1 passes at ring 1 as DPL 0 does at ring 0), POP SS and RET
#: (ring compression makes them fault, and CP's trap path emulates them), and at CPL
#: 3, where the guest's CPL is the real one, all but the five that store CP's state.
NAIVE_WRONG = {
    "0 SGDT": "FFC00000/FFFF", "3 SGDT": "FFC00000/FFFF",
    "0 SIDT": "FFC10000/07FF", "3 SIDT": "FFC10000/07FF",
    "0 SLDT": "FFF0", "3 SLDT": "FFF0",
    "0 STR": "FFF8", "3 STR": "FFF8",
    "0 SMSW": "8001001B", "3 SMSW": "8001001B",
    "0 PUSHF": "0200", "0 POPF": "0200",
    "0 LAR": "00C0B300", "0 LSL": "FFBFFFFF",
    "0 PUSH": "0009", "0 MOV": "0011", "0 CALL": "0009", "0 JMP": "0009",
    "0 INT": "#GP(0202)",
}
#: what guest user code run directly (SCAN, TRANSLATE) still sees: the Red Pill
RED_PILL = {key: value for key, value in NAIVE_WRONG.items() if key.startswith("3 ")}


def expected(name: str, wrong: dict) -> tuple[str, ...]:
    out = []
    for line in REFERENCE[name]:
        key = " ".join(line.split()[:2])
        out.append(f"{key} {wrong[key]}" if key in wrong else line)
    return tuple(out)


def run_under_cp(path: Path, mode: str) -> tuple[int | None, tuple[str, ...], dict]:
    """(the exit port's status, the console lines, CP's counters)."""
    from tests.cp.ia32_support import console, ia32_vm
    vm = ia32_vm(path.read_bytes(), mode=mode)
    vm.run(200_000)
    return vm.backend.exit_code, lines(console(vm)), vm.backend.vm_report()


@pytest.mark.parametrize("name", PROGRAMS)
def test_naive_trap_and_emulate_shows_the_wrong_values(binaries, name):
    """The failure is the demonstration: 14 of the 18 go wrong at CPL 0."""
    status, got, _ = run_under_cp(binaries[name], "NAIVE")
    assert (status, got) == (1, expected(name, NAIVE_WRONG))


@pytest.mark.parametrize("mode", ["SCAN", "TRANSLATE"])
@pytest.mark.parametrize("name", PROGRAMS)
def test_scan_and_translate_give_the_kernel_the_bare_values(binaries, name, mode):
    """At CPL 0 every line is the bare machine's; at CPL 3, user code runs directly
    and the five store-state instructions still show CP's (the Red Pill)."""
    status, got, report = run_under_cp(binaries[name], mode)
    assert (status, got) == (1, expected(name, RED_PILL))
    if mode == "TRANSLATE":
        assert report["translated_blocks"] > 0 and "sensitive" not in report["exits"]
    else:
        assert report["exits"]["sensitive"] >= 1


@pytest.mark.parametrize("name", ["sgdt", "sidt", "sldt", "str", "smsw"])
def test_translate_all_hides_cp_from_user_code_too(binaries, name):
    status, got, _ = run_under_cp(binaries[name], "TRANSLATE ALL")
    assert (status, got) == (1, REFERENCE[name])


# -- System/370: every sensitive instruction is privileged -----------------------------

S370_PROGRAM = POPEK.parents[1] / "s370" / "popek.asm"
#: the probes of guests/s370/popek.asm in order, and what each stores in supervisor
#: state (PoO GA22-7000: LPSW then BALR gives ILC 1, CC 2 in BC mode; SSM/STNSM/STOSM
#: store the system mask before ANDing/ORing; ISK of the key SSK set, fetch-protection
#: bit included; RRB's CC 3 for R=1 C=1; CR0 after reset 000000E0; SIO, TIO, HIO of a
#: device that is not there: CC 3). In problem state each is a privileged-operation
#: exception, interruption code 0002.
S370_PROBES = ("LPSW", "SSM", "STNSM", "STOSM", "SSK", "ISK", "RRB", "LCTL", "STCTL",
               "SIO", "TIO", "HIO")
S370_SUPERVISOR = (0x60, 0x06, 0x06, 0x02, 0x30, 0xF8, 3, 0x0000ABCD, 0x000000E0, 3, 3, 3)
S370_REFERENCE = tuple(f"S {n} {v:08X}" for n, v in zip(S370_PROBES, S370_SUPERVISOR)) + \
    tuple(f"P {n} 00000002" for n in S370_PROBES)


def s370_lines(storage) -> tuple[str, ...]:
    data = bytes(storage.mem[0xC00:0xC00 + 4 * len(S370_REFERENCE)])
    names = [f"S {n}" for n in S370_PROBES] + [f"P {n}" for n in S370_PROBES]
    return tuple(f"{name} {int.from_bytes(data[4 * i:4 * i + 4], 'big'):08X}"
                 for i, name in enumerate(names))


@pytest.fixture(scope="module")
def s370_image() -> bytes:
    from tests.cp.support import asm
    return asm(S370_PROGRAM.read_text())


def test_s370_bare_machine_gives_the_reference(s370_image):
    from tests.cp.support import bare
    m, result, _ = bare(s370_image)
    assert (result.stop, m.cpu.psw & 0xFFFFFF) == ("wait", 0xD0E0)
    assert s370_lines(m.storage) == S370_REFERENCE


def test_s370_plain_trap_and_emulate_gives_the_same_values(s370_image):
    """Under CP each supervisor-state probe trapped (the guest runs in real
    problem state) and CP simulated it; each problem-state one was reflected."""
    from tests.cp.support import under_cp
    vm, result, _ = under_cp(s370_image)
    assert (result.stop, vm.cpu.psw & 0xFFFFFF) == ("wait", 0xD0E0)
    assert s370_lines(vm.storage) == S370_REFERENCE
    simulated = vm.counters.simulated
    assert all(simulated[n] >= 1 for n in S370_PROBES)
    assert vm.counters.reflected["program"] == len(S370_PROBES)
