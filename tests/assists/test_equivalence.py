"""Every assist set gives the guest exactly what the bare machine gives.

Two properties: whole generated guest programs (tests/campaign: fixed point,
decimal, HFP, branches, storage keys, DAT with random tables, SVCs and program
checks with handlers, timers, unit-record I/O) compared in everything the guest
can see under none, VMA, ECPS, VMA+ECPS and the shadow-table bypass *truly on*
(a trusted user with SET STBYPASS, V=V and V=R; ``AssistControl.active`` is
checked on every run); and short supervisor programs made only of the assisted
operations, with an interruption pending from the start so that the enabling
fallbacks run too. Only time and counts may differ, and one documented case: a
V=R user with the bypass that reaches CP's storage above its extent.
"""
from __future__ import annotations

from hypothesis import given, strategies as st

from s370.machine import Machine

from tests.assists.support import bare, image, under_cp, visible
from tests.assists.test_stbypass import PAGING, PAGING_DATA
from tests.campaign.guests import SIZE, programs
from tests.campaign.runner import ASSIST_SETS, check, make_vm

def _under(label: str, img: bytes):
    """``img`` run in a 1M VM under the assist set ``label`` (checked in effect)."""
    installed, option, stb = ASSIST_SETS[label]
    kw = {"options": {option: True}, "stbypass": stb} if option else {}
    vm = under_cp(img, installed, **kw)
    assert vm.backend.assist.active == frozenset(installed), label
    return vm


class _Program:
    """The campaign runner's view of a hand-made image (no reader deck)."""
    deck: list = []


MASKS = st.sampled_from([0x00, 0x01, 0x7E, 0x80, 0xFE, 0xFF])


@given(programs())
def test_generated_guests_equal_bare_under_every_assist_set(program):
    result = check(program)
    if not program.reaches_window:
        assert set(result.values()) == {"same"}


def test_every_assist_set_is_really_in_effect():
    """The bypass sets really run on the guest's own tables (no shadow entry built
    or invalidated for a DAT guest that touches 8 pages 4 times with a PTLB after
    each pass; the table walks done by the assist), while without the bypass CP
    builds and purges shadow entries; each run ends as on the bare machine."""
    img = image(PAGING, PAGING_DATA)
    want = visible(bare(img))
    for label, (installed, _, _) in ASSIST_SETS.items():
        vm = _under(label, img)
        c = vm.counters
        if "STBYPASS" in installed:
            assert c.shadow_builds == 0 and "STV" not in c.assisted, label
            assert c.shadow_invalidations == {} and c.assisted["DAT"] > 0, label
        else:           # CP builds shadow entries (VMA validates them: STV)
            assert c.shadow_builds + c.assisted.get("STV", 0) > 0, label
            assert c.shadow_invalidations["ptlb"] == 4 and "DAT" not in c.assisted, label
        assert visible(vm.cpu) == want, label


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


@given(st.lists(snippet(), min_size=1, max_size=15), st.booleans())
def test_assisted_operations_equal_bare_under_every_assist_set(snippets, interrupt):
    body = "".join(s.replace("#", str(i)) for i, s in enumerate(snippets))
    img = image(body + "         LPSW  DONEPSW\n", DATA)
    m = Machine(SIZE)
    m.load_image(img)
    m.ipl_psw()
    if interrupt:
        m.cpu.raise_external(0x0040)
    m.run(100_000)
    want = visible(m.cpu, SIZE)
    for label in ASSIST_SETS:
        system, vm = make_vm(_Program(), img, label)
        if interrupt:
            vm.external(0x0040)
        vm.run(100_000)
        assert visible(vm.cpu, SIZE) == want, label


def test_a_workload_with_everything_assisted_equals_bare():
    body = "         SSM   =X'FE'\n         STNSM SAVE,X'00'\n         SSM   SAVE\n"
    img = image(body + "         LPSW  DONEPSW\n", DATA)
    want = visible(bare(img))
    assert all(visible(_under(label, img).cpu) == want for label in ASSIST_SETS)
