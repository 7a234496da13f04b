"""Equivalence of SCAN and TRANSLATE (issue 23): hypothesis-generated guest
programs mixing ordinary and sensitive instructions give the same guest-visible
result -- registers, EFLAGS as the guest reads it, selectors, CPL, its data,
stack and descriptor tables, and the fault that ended it -- on the bare machine
at the guest's CPL and on the CPU CP runs it on (real ring 1 under CP's shadow
GDT, tests/cp/ia32_guest_support.py). At CPL 3 the kernel modes leave user code
alone, so only TRANSLATE ALL is equivalent there (the Red Pill, shown in
test_ia32_scan_translate.py)."""
from __future__ import annotations

from hypothesis import given, strategies as st

from ia32.errors import CPUFault

from cp.backends.ia32_scan import STOP, Scanner
from cp.backends.ia32_translate import Translator
from tests.cp.ia32_guest_support import CODE, DATA, GDT, STACK0, STACK3, Guest, bare_machine

SELECTORS = (0x00, 0x08, 0x10, 0x1B, 0x23, 0x28, 0x30, 0x38, 0x40, 0x13, 0x4B)
FLAG_IMAGES = (0x00003202, 0x00000002, 0x00000202, 0x00003002, 0x00000ED7, 0x00001246)


def imm32(v: int) -> str:
    return (v & 0xFFFFFFFF).to_bytes(4, "little").hex()


def disp(off: int) -> str:
    return imm32(DATA + off)


ordinary = st.sampled_from(["89C3", "01D8", "F7D0", "40", "29C8", "D1E0", "85C0", "4B"]) | \
    st.integers(0, 0xFFFFFFFF).map(lambda v: "B8" + imm32(v))
sensitive = st.one_of(
    st.just("9C"),                                                   # pushfd
    st.sampled_from(FLAG_IMAGES).map(lambda v: "68" + imm32(v) + "9D"),   # push; popfd
    st.integers(0, 15).map(lambda k: "0F0105" + disp(8 * k)),        # sgdt
    st.integers(0, 15).map(lambda k: "0F010D" + disp(8 * k)),        # sidt
    st.sampled_from(["0F00C0", "0F00C8", "0F01E0", "0E", "16", "1E", "06",
                     "8CD0", "8CC8", "8CD8"]),                       # sldt str smsw push mov
    st.tuples(st.sampled_from(SELECTORS), st.sampled_from(["0F02C1", "0F03C1", "0F00E1",
                                                           "0F00E9"]))
    .map(lambda t: "B9" + imm32(t[0]) + t[1]),                       # lar lsl verr verw
    st.tuples(st.sampled_from(SELECTORS), st.sampled_from(["1F", "07", "0FA1", "0FA9"]))
    .map(lambda t: "68" + imm32(t[0]) + t[1]),                       # push; pop ds/es/fs/gs
    st.sampled_from(SELECTORS).map(lambda s: "B8" + imm32(s) + "8ED8"),   # mov ds, ax
)
programs = st.lists(st.one_of(ordinary, sensitive), min_size=1, max_size=12).map(
    lambda parts: bytes.fromhex("".join(parts) + "CC"))              # int3: the end


def intercept_all(cpu) -> None:
    cpu.intercept = lambda vector, error_code, soft: True


def visible(cpu, cpl: int, eflags: int, selectors: list, fault) -> dict:
    esp = STACK0 if cpl == 0 else STACK3
    mem = cpu.memory
    return {"regs": list(cpu.regs), "eip": cpu.eip, "eflags": eflags, "selectors": selectors,
            "cpl": cpl, "fault": fault,
            "data": bytes(mem.read(DATA + i, 1) for i in range(128)),
            "stack": bytes(mem.read(esp - 64 + i, 1) for i in range(64)),
            "gdt": bytes(mem.read(GDT + i, 1) for i in range(72))}


def run_bare(code: bytes, cpl: int) -> dict:
    cpu = bare_machine(cpl)
    intercept_all(cpu)
    cpu.memory.load(CODE, code)
    cpu.eip = CODE
    assert cpu.run(1000) == "intercept"
    return visible(cpu, cpu.cpl, cpu.get_eflags(), [s.selector for s in cpu.sregs],
                   cpu.intercepted[:2])


def run_mode(code: bytes, cpl: int, make) -> dict:
    g = Guest(cpl)
    intercept_all(g.cpu)
    g.cpu.memory.load(CODE, code)
    g.cpu.eip = CODE
    mode = make(g)
    mode.attach()
    fault = None
    while True:
        mode.sync()
        reason = g.cpu.run(1000)
        if reason != STOP:
            assert reason == "intercept"
            fault = g.cpu.intercepted[:2]
            break
        try:
            mode.simulate()
        except CPUFault as f:
            fault = (f.vector, f.error_code)
            break
    return visible(g.cpu, g.vs.cpl, g.vs.eflags(g.cpu.get_eflags()),
                   [s.selector for s in g.view.sregs], fault)


@given(programs)
def test_scan_is_equivalent_to_the_bare_machine_at_cpl_0(code):
    assert run_mode(code, 0, lambda g: Scanner(g.cpu, g.vs)) == run_bare(code, 0)


@given(programs)
def test_translate_is_equivalent_to_the_bare_machine_at_cpl_0(code):
    assert run_mode(code, 0, lambda g: Translator(g.cpu, g.vs)) == run_bare(code, 0)


@given(programs)
def test_translate_all_is_equivalent_to_the_bare_machine_at_cpl_3(code):
    assert run_mode(code, 3, lambda g: Translator(g.cpu, g.vs, all_rings=True)) == \
        run_bare(code, 3)
