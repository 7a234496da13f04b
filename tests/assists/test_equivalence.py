"""Every assist combination gives the guest exactly what no assist and the bare
machine give (hypothesis over random supervisor programs made of the assisted
operations, with an interruption pending from the start so that the enabling
fallbacks are exercised too). Only time and counts may differ."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from assists.registry import BENCH_SETS
from tests.assists.support import bare, image, under_cp, visible

MASKS = st.sampled_from([0x00, 0x01, 0x7E, 0x80, 0xFE, 0xFF])


@st.composite
def snippet(draw) -> str:
    kind = draw(st.sampled_from(["ssm", "stnsm", "stosm", "lpsw", "ssk", "isk", "stctl",
                                 "lctl", "svc", "lra", "work"]))
    n = "#"                                 # numbered by position in the program
    if kind == "ssm":
        return f"         SSM   =X'{draw(MASKS):02X}'\n"
    if kind in ("stnsm", "stosm"):
        return f"         {kind.upper()} SAVE,X'{draw(MASKS):02X}'\n"
    if kind == "lpsw":
        mask, key, cc = draw(MASKS), draw(st.integers(0, 15)), draw(st.integers(0, 3))
        return (f"         LPSW  P{n}\n"
                f"         DS    0D\n"
                f"P{n}      DC    X'{mask:02X}{key << 4:02X}0000{cc << 4:02X}',AL3(G{n})\n"
                f"G{n}      DS    0H\n")
    if kind in ("ssk", "isk"):
        block = draw(st.integers(0, 15)) * 0x800
        return (f"         L     2,=A(X'{block:06X}')\n"
                f"         LA    3,X'{draw(st.integers(0, 255)) & 0xFE:02X}'\n"
                f"         {kind.upper()} 3,2\n")
    if kind == "stctl":
        r1 = draw(st.integers(0, 15))
        return f"         STCTL {r1},{draw(st.integers(r1, 15))},AREA\n"
    if kind == "lctl":
        r1 = draw(st.integers(2, 15))
        return f"         LCTL  {r1},{draw(st.integers(r1, 15))},CRVALS\n"
    if kind == "svc":
        return f"         SVC   {draw(st.sampled_from([0, 3, 76, 200]))}\n"
    if kind == "lra":
        return "         LRA   5,X'123'\n"
    return "         AR    8,8\n         LA    8,1(8)\n"


DATA = """\
         ORG   TEST+X'58'
         DC    X'0000000000',AL3(EXTNEW)
         ORG
EXTNEW   LA    10,1(10)
         LPSW  X'18'
SAVE     DC    X'00'
         DS    0F
AREA     DS    16F
CRVALS   DC    16F'0'
         LTORG
"""


@settings(max_examples=60)
@given(st.lists(snippet(), min_size=1, max_size=15), st.booleans())
def test_all_assist_sets_equal_bare(snippets, interrupt):
    body = "".join(s.replace("#", str(i)) for i, s in enumerate(snippets))
    img = image(body + "         LPSW  DONEPSW\n", DATA)
    from s370.machine import Machine
    m = Machine(1 << 20)
    m.load_image(img)
    m.ipl_psw()
    if interrupt:
        m.cpu.raise_external(0x0040)
    m.run(100_000)
    want = visible(m.cpu)
    for label, assists in BENCH_SETS:
        from cp import System, SystemConfig
        system = System(SystemConfig(assists=tuple(assists)))
        vm = system.logon("EQ", storage=1 << 20)
        vm.ipl(image=img)
        if interrupt:
            vm.external(0x0040)
        vm.run(100_000)
        assert visible(vm.cpu) == want, label


def test_a_workload_with_everything_assisted_equals_bare():
    body = "         SSM   =X'FE'\n         STNSM SAVE,X'00'\n         SSM   SAVE\n"
    img = image(body + "         LPSW  DONEPSW\n", DATA)
    assert all(visible(under_cp(img, a).cpu) == visible(bare(img)) for _, a in BENCH_SETS)
