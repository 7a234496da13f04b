"""SCAN and TRANSLATE (cp/backends/ia32_scan.py, ia32_translate.py) on a bare CPU
set up as CP runs a guest (tests/cp/ia32_guest_support.py): which instructions
become traps or callouts, in which ring, the code sets, re-scanning after a write,
and the "Red Pill" of directly executed user code. Every vector is intercepted, so
a HLT (privileged at ring 1 and 3) ends a run with "intercept"."""
from __future__ import annotations

from cp.backends.ia32_scan import STOP, Scanner
from cp.backends.ia32_translate import Translator
from tests.cp.ia32_guest_support import CODE, DATA, SHADOW, Guest

EAX, EBX = 0, 3
#: pushfd; pop eax; sgdt [DATA]; smsw ebx; hlt
PROGRAM = bytes.fromhex("9C" "58" "0F010500500000" "0F01E3" "F4")


def guest(cpl: int, code: bytes = PROGRAM) -> Guest:
    g = Guest(cpl)
    g.cpu.intercept = lambda vector, error_code, soft: True
    g.cpu.memory.load(CODE, code)
    g.cpu.eip = CODE
    return g


def run(g: Guest, mode) -> list[str]:
    """Run to the intercept, simulating each scanned trap; the traps' mnemonics."""
    mode.attach()
    traps = []
    while True:
        mode.sync()
        reason = g.cpu.run(1000)
        if reason != STOP:
            assert reason == "intercept"
            return traps
        traps.append(mode.simulate())


def guest_values(g: Guest) -> tuple[int, int, int, int]:
    return g.cpu.regs[EAX], g.r16(DATA), g.r32(DATA + 2), g.cpu.regs[EBX]


#: what the bare machine shows the guest kernel: IF 0 IOPL 0, its GDT, its CR0
KERNEL_SEES = (0x00000002, 0x007F, 0x00010000, 0x00000011)
#: what ring-1 or ring-3 code run directly sees: CP's IF 1, CP's GDT, CP's CR0
DIRECT_SEES = (0x00000202, 0xFFFF, SHADOW, 0x0000001B)


def test_scan_traps_each_sensitive_kernel_instruction_and_emulates_it():
    g = guest(0)
    scanner = Scanner(g.cpu, g.vs)
    assert run(g, scanner) == ["PUSHFD", "SGDT", "SMSW"]
    assert guest_values(g) == KERNEL_SEES
    assert scanner.counters()["traps"] == {"PUSHFD": 1, "SGDT": 1, "SMSW": 1}
    assert scanner.counters()["scanned_blocks"] >= 3


def test_scan_leaves_user_code_alone():
    g = guest(3)
    g.cpu.regs[4] -= 64
    assert run(g, Scanner(g.cpu, g.vs)) == []
    assert guest_values(g)[1:] == DIRECT_SEES[1:]


def test_a_write_to_scanned_code_makes_it_scanned_again():
    g = guest(0, bytes.fromhex("90F4"))          # nop; hlt
    scanner = Scanner(g.cpu, g.vs)
    assert run(g, scanner) == []
    g.cpu.write_linear(CODE, 1, 0x9C)            # the nop becomes pushfd
    g.cpu.eip = CODE
    assert run(g, scanner) == ["PUSHFD"]
    assert scanner.counters()["code_invalidations"] == 1


def test_translate_calls_out_without_exits():
    g = guest(0)
    translator = Translator(g.cpu, g.vs)
    assert run(g, translator) == []
    assert guest_values(g) == KERNEL_SEES
    counters = translator.counters()
    assert counters["callouts"] == {"PUSHFD": 1, "SGDT": 1, "SMSW": 1}
    assert counters["translated_blocks"] >= 1


def test_translate_runs_user_code_directly_so_the_red_pill_sees_cp():
    g = guest(3)
    assert run(g, Translator(g.cpu, g.vs)) == []
    assert guest_values(g)[1:] == DIRECT_SEES[1:]


def test_translate_all_hides_cp_from_user_code_too():
    g = guest(3)
    g.vs.iflag = True
    translator = Translator(g.cpu, g.vs, all_rings=True)
    assert run(g, translator) == []
    assert guest_values(g) == (0x00000202, 0x007F, 0x00010000, 0x00000011)
    assert translator.counters()["translated_blocks"] >= 1


def test_the_same_code_is_translated_for_the_kernel_and_run_directly_for_user_mode():
    """The kernel IRETs to ring 3 at the address it ran from: the kernel's
    translated block is not used there (a code set per ring)."""
    g = guest(0, PROGRAM)
    translator = Translator(g.cpu, g.vs)
    assert run(g, translator) == []
    assert guest_values(g) == KERNEL_SEES
    g.cpu.regs[4] -= 20                          # an IRETD frame to ring 3 at 2100
    for i, v in enumerate((0x2100, 0x1B, 0x00000202, 0xA000, 0x23)):
        g.w32(g.cpu.regs[4] + 4 * i, v)
    g.cpu.memory.load(0x2000, bytes.fromhex("CF"))
    g.cpu.memory.load(0x2100, bytes.fromhex("6A23" "1F" "B800100000" "FFE0"))
    # push 23h; pop ds (the IRET nulled the kernel's); mov eax, CODE; jmp eax
    g.cpu.eip = 0x2000
    assert run(g, translator) == []
    assert (g.vs.cpl, g.cpu.cpl) == (3, 3)
    assert guest_values(g)[1:] == DIRECT_SEES[1:]
    assert translator.callouts["IRETD"] == 1


def test_translate_calls_the_backends_privileged_routine_for_kernel_code():
    g = guest(0, bytes.fromhex("FA" "F4"))       # cli; hlt
    seen = []

    def privileged(cpu, ins):
        seen.append((ins.form.mnemonic, cpu.eip))
        if ins.form.mnemonic == "HLT":
            cpu.request_stop("intercept")
    translator = Translator(g.cpu, g.vs, privileged=privileged)
    assert run(g, translator) == []
    assert seen == [("CLI", CODE + 1), ("HLT", CODE + 2)]


def test_each_callout_is_reported_for_its_cost():
    g = guest(0)
    seen = []
    translator = Translator(g.cpu, g.vs, on_callout=lambda ins: seen.append(ins.form.mnemonic))
    run(g, translator)
    assert seen == ["PUSHFD", "SGDT", "SMSW"]


def test_a_callout_costs_its_path_without_exit_entry_and_decoding():
    """docs/cost-model.md: 20 + 150 x 3 - 50 x 3 for the privileged path, against
    70 + 150 x 3 + 40 for SCAN's exit on the same path."""
    from cp.backends import ia32_costs
    assert ia32_costs.callout_cycles("privileged") == 320
    assert ia32_costs.intercept_cycles("privileged") == 560
    assert ia32_costs.callout_cycles("io") == 1070


def test_lsl_in_directly_run_user_code_sees_the_truncated_limit():
    """A second pill: segment truncation (ia32_vstate.py) shows through LSL of the
    user's own flat segment, FFBFFFFF where the bare machine gives FFFFFFFF;
    TRANSLATE ALL gives the guest's limit."""
    for mode, limit in ((Translator, 0xFFBFFFFF),
                        (lambda cpu, vs: Translator(cpu, vs, all_rings=True), 0xFFFFFFFF)):
        g = guest(3, bytes.fromhex("B923000000" "0F03C1" "F4"))   # mov ecx,23h; lsl eax,ecx
        assert run(g, mode(g.cpu, g.vs)) == []
        assert g.cpu.regs[EAX] == limit
