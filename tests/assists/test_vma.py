"""VMA (GA22-7074): each assisted operation completes without an intercept and
with the bare machine's result; each fallback condition exits to CP."""
from __future__ import annotations

import pytest

from assists.micblok import (CR6_ISKINHIB, CR6_S360, CR6_STVINHIB, CR6_SVCINHIB, CR6_VMA,
                             CR6_VPROB)

from tests.assists.support import (DAT_DATA, EXT_DATA, bare, image, under_cp, visible,
                                   with_external)

LOOP = """\
         STNSM SAVE,X'00'
         LA    5,1(5)
         SSM   SAVE
         STOSM SAVE,X'00'
         LPSW  NEXT
GO       L     4,=F'7'
         LPSW  DONEPSW
"""
LOOP_DATA = """\
NEXT     DC    X'FE00000000',AL3(GO)
SAVE     DC    X'00'
         LTORG
"""


def test_supervisor_ops_are_assisted_without_intercepts():
    img = image("         SSM   =X'FE'\n" + LOOP, LOOP_DATA)
    vm = under_cp(img, ["VMA"])
    c = vm.counters
    assert c.assisted == {"SSM": 2, "STNSM": 1, "STOSM": 1, "LPSW": 1}
    assert c.intercepts == {"instruction": 1}           # the final wait-state LPSW
    assert c.simulated == {"LPSW": 1}
    assert vm.backend.assist.fallbacks == {"wait-state PSW": 1}
    assert visible(vm.cpu) == visible(bare(img))


def test_without_vma_every_privileged_op_intercepts():
    img = image("         SSM   =X'FE'\n" + LOOP, LOOP_DATA)
    vm = under_cp(img, [])
    assert vm.counters.assisted == {}
    assert vm.counters.simulated == {"SSM": 2, "STNSM": 1, "STOSM": 1, "LPSW": 2}
    assert visible(vm.cpu) == visible(bare(img))


def test_key_stctl_lra_assisted():
    body = """\
         LA    2,X'800'
         LA    3,X'30'
         SSK   3,2
         ISK   4,2
         STCTL 0,2,CRS
         LPSW  DONEPSW
"""
    img = image(body, "CRS      DS    3F\n")
    vm = under_cp(img, ["VMA"])
    assert vm.counters.assisted == {"SSK": 1, "ISK": 1, "STCTL": 1}
    assert visible(vm.cpu) == visible(bare(img))


def test_lra_assisted_walks_the_guests_tables():
    """LRA 6,X'123' through a segment table whose page 0 is frame 5: R6 = X'5123'."""
    body = """\
         LCTL  0,1,CRS
         LRA   6,X'123'
         LPSW  DONEPSW
"""
    data = """\
         DS    0F
CRS      DC    X'00800000',A(SEG)
         ORG   TEST+X'2000'
SEG      DC    X'F0',AL3(PT),15X'00000001'
PT       DC    X'0050',15X'0008'
"""
    img = image(body, data)
    vm = under_cp(img, ["VMA"])
    assert vm.counters.assisted == {"LRA": 1}
    assert vm.gpr(6) == 0x5123 and vm.cpu.cc == 0
    assert visible(vm.cpu) == visible(bare(img))


def test_svc_reflected_by_assist_old_psw_at_x20():
    body = """\
         LA    7,0
         SVC   9
         LA    7,1(7)
         LPSW  DONEPSW
"""
    img = image(body)
    vm = under_cp(img, ["VMA"])
    assert vm.counters.assisted["SVC"] == 1
    assert "svc" not in vm.counters.reflected
    assert vm.read_storage(0x20, 8) == bare(img).mem[0x20:0x28]
    # BC old PSW: interruption code 9 in bytes 2-3, ILC 1 (bits 32-33)
    assert vm.read_storage(0x22, 2) == b"\x00\x09"
    assert visible(vm.cpu) == visible(bare(img))


@pytest.mark.parametrize("number", [76])
def test_svc_76_always_goes_to_cp(number):
    img = image(f"         SVC   {number}\n         LPSW  DONEPSW\n")
    vm = under_cp(img, ["VMA"])
    assert "SVC" not in vm.counters.assisted
    assert vm.counters.reflected["svc"] == 1
    assert vm.backend.assist.fallbacks["SVC 76"] == 1
    assert visible(vm.cpu) == visible(bare(img))


def test_nosvc_sets_cr6_bit4_and_svc_goes_to_cp():
    img = image("         SVC   3\n         LPSW  DONEPSW\n")
    vm = under_cp(img, ["VMA"], svc=False)
    assert vm.cpu.sdesc.cr6 & CR6_SVCINHIB
    assert vm.counters.reflected["svc"] == 1 and "SVC" not in vm.counters.assisted


def test_vma_off_for_tracing_user():
    img = image("         SSM   =X'00'\n         LPSW  DONEPSW\n         LTORG\n")
    from cp import System, SystemConfig
    system = System(SystemConfig(assists=("VMA",)))
    vm = system.logon("T", storage=1 << 20)
    assert vm.cpu.sdesc.cr6 & CR6_VMA
    vm.backend.assist.set_tracing(True)                 # TRACE or ADSTOP
    assert not vm.cpu.sdesc.cr6 & CR6_VMA
    vm.ipl(image=img)
    vm.run(10_000)
    assert vm.counters.simulated == {"SSM": 1, "LPSW": 1} and not vm.counters.assisted


def test_set_assist_off_for_user_and_sassist_off_for_system():
    img = image("         SSM   =X'00'\n         LPSW  DONEPSW\n         LTORG\n")
    for sw in ({"assist": False}, {"sassist": False}):
        vm = under_cp(img, ["VMA"], **sw)
        assert not vm.counters.assisted and vm.counters.simulated["SSM"] == 1


def test_problem_state_privileged_op_is_the_guests_exception_not_an_assist():
    body = """\
         LPSW  PROB
PGO      SSM   =X'00'
"""
    data = """\
PROB     DC    X'0001000000',AL3(PGO)
         LTORG
"""
    img = image(body, data)
    vm = under_cp(img, ["VMA"])
    assert vm.counters.assisted == {"LPSW": 1}   # into problem state: assisted
    assert not vm.backend.assist.cr6() & CR6_VPROB       # back in supervisor state (program new)
    assert vm.counters.reflected["program"] == 1
    assert visible(vm.cpu) == visible(bare(img))


# ------------------------------------------------------------------ fallbacks
FALLBACKS = [
    # (reason, body, data)
    ("wait-state PSW", "         LPSW  DONEPSW\n", ""),
    ("LPSW specification", "         LPSW  ODD\n", "ODD      EQU   DONEPSW+4\n"),
    ("EC bit change", "         LPSW  ECPSW\nECGO     LPSW  DONEPSW\n",
     "ECPSW    DC    X'0008000000',AL3(ECGO)\n"),
    ("invalid PSW", "         LPSW  BADPSW\n",
     "BADPSW   DC    X'0000000000',AL3(X'000401')\n"),
    ("SSM suppressed", "         LCTL  0,0,=X'40000000'\n         SSM   =X'00'\n"
     "         LPSW  DONEPSW\n         LTORG\n", ""),
    ("SSM operand access", "         L     9,=A(X'FFFF00')\n         SSM   0(9)\n"
     "         LPSW  DONEPSW\n         LTORG\n", ""),
    ("STxSM operand access", "         L     9,=A(X'FFFF00')\n         STOSM 0(9),X'00'\n"
     "         LPSW  DONEPSW\n         LTORG\n", ""),
    ("ISK exception", "         LA    2,1\n         ISK   3,2\n         LPSW  DONEPSW\n", ""),
]


@pytest.mark.parametrize("reason,body,data", FALLBACKS, ids=[f[0] for f in FALLBACKS])
def test_fallback_exits_to_cp(reason, body, data):
    img = image(body, data)
    vm = under_cp(img, ["VMA"])
    assert vm.backend.assist.fallbacks.get(reason, 0) >= 1
    assert vm.counters.intercepts.get("instruction", 0) >= 1
    assert visible(vm.cpu) == visible(bare(img))


EC_PROLOGUE = """\
         LPSW  ECPSW
ECGO     DS    0H
"""
EC_DATA = """\
ECPSW    DC    X'0008000000',AL3(ECGO)
ECDONE   DC    X'000A000000000000'
"""


@pytest.mark.parametrize("reason,op", [
    ("DAT or PER change", "SSM   =X'04'"),
    ("DAT or PER change", "STOSM SAVE,X'40'"),
    ("invalid EC mask", "SSM   =X'08'"),
    ("invalid EC mask", "STOSM SAVE,X'80'"),
])
def test_ec_mode_mask_fallbacks(reason, op):
    body = EC_PROLOGUE + f"         {op}\n         LPSW  ECDONE\n         LTORG\n"
    img = image(body, EC_DATA + "SAVE     DC    X'00'\n")
    vm = under_cp(img, ["VMA"])
    assert vm.backend.assist.fallbacks.get(reason, 0) == 1
    assert visible(vm.cpu) == visible(bare(img))


def test_enabling_with_interruption_pending_exits_to_cp():
    """External mask 0 -> 1 with the interrupt key pending (CR0 bit 25 on): CP."""
    body = """\
         SSM   =X'01'
         LPSW  DONEPSW
         LTORG
"""
    vm = with_external(image(body, EXT_DATA), ["VMA"])
    assert vm.backend.assist.fallbacks["enabling with interruption pending"] == 1
    assert vm.counters.simulated["SSM"] == 1
    assert vm.counters.reflected["external"] == 1
    assert vm.read_storage(0x1A, 2) == b"\x00\x40"    # BC old PSW: code X'0040'


def test_enabling_without_pending_stays_assisted():
    img = image("         SSM   =X'FF'\n         LPSW  DONEPSW\n         LTORG\n")
    vm = under_cp(img, ["VMA"])
    assert vm.counters.assisted == {"SSM": 1}


def _run_with_cr6(img, bits):
    """A VMA user whose CR6 CP set with extra ``bits`` (ISK/SSK inhibit, 360 only,
    no shadow validation), as VM/370 did for such users."""
    from cp import System, SystemConfig
    system = System(SystemConfig(assists=("VMA",)))
    vm = system.logon("T", storage=1 << 20)
    vm.cpu.sdesc.cr6 |= bits
    vm.ipl(image=img)
    vm.run(10_000)
    return vm


@pytest.mark.parametrize("bit,body,reason", [
    (CR6_ISKINHIB, "         LA    2,X'800'\n         ISK   3,2\n", "ISK/SSK inhibited"),
    (CR6_S360, "         STNSM SAVE,X'FF'\n", "360 only"),
    (CR6_S360, "         STCTL 0,0,SAVE4\n", "360 only"),
])
def test_cr6_bits_2_and_3_leave_the_operation_to_cp(bit, body, reason):
    data = "SAVE     DC    X'00'\n         DS    0F\nSAVE4    DS    F\n"
    img = image(body + "         LPSW  DONEPSW\n", data)
    vm = _run_with_cr6(img, bit)
    assert vm.backend.assist.fallbacks[reason] == 1 and len(vm.counters.simulated) == 2
    assert visible(vm.cpu) == visible(bare(img))


def test_cr6_bit5_leaves_shadow_misses_to_cp():
    body = """\
         LCTL  0,1,CRS
         LPSW  DATPSW
DATGO    L     6,X'10'
         LPSW  ECDONE
"""
    data = DAT_DATA + """\
         ORG   TEST+X'2000'
SEG      DC    X'F0',AL3(PT),15X'00000001'
PT       DC    X'0000',X'0010',X'0020',13X'0008'
"""
    img = image(body, data)
    vm = _run_with_cr6(img, CR6_STVINHIB)
    assert vm.backend.assist.fallbacks["shadow validation inhibited"] >= 1
    assert "STV" not in vm.counters.assisted and vm.counters.shadow_builds >= 1
    vm2 = _run_with_cr6(img, 0)
    assert vm2.counters.assisted["STV"] >= 1 and vm2.counters.shadow_builds == 0
    assert visible(vm.cpu) == visible(vm2.cpu) == visible(bare(img))


def test_svc_new_psw_wait_state_goes_to_cp():
    img = image("         SVC   5\n",
                "         ORG   TEST+X'60'\n         DC    X'0002000000',AL3(X'5EC')\n")
    vm = under_cp(img, ["VMA"])
    assert vm.backend.assist.fallbacks["SVC new PSW wait or invalid"] == 1
    assert vm.counters.reflected == {"svc": 1}
    assert visible(vm.cpu) == visible(bare(img))


@pytest.mark.parametrize("assists", [["VMA"], ["VMA", "ECPS"]])
@pytest.mark.parametrize("pending", [False, True])
def test_ssm_suppression_wins_over_every_assist(assists, pending):
    """GA22-7000 "SET SYSTEM MASK": with CR0 bit 1 on, SSM is a special-operation
    exception (code X'13', ILC 2, the old PSW past the SSM). VMA and expanded VMA
    (which otherwise completes an enabling SSM with an interruption pending) must
    check it as the instruction does: the same exception, in BC mode in the old
    PSW's interruption code, as on the bare machine."""
    body = """\
         LCTL  0,0,=X'40000040'
SSMOP    SSM   =X'01'
         LPSW  DONEPSW
         LTORG
"""
    img = image(body, EXT_DATA)
    vm = with_external(img, assists) if pending else under_cp(img, assists)
    old = int.from_bytes(vm.read_storage(0x28, 8), "big")
    assert (old >> 32) & 0xFFFF == 0x0013 and (old >> 30) & 3 == 2
    assert vm.cpu.psw & 0xFFFFFF == 0xDEAD00
    assert vm.backend.assist.fallbacks.get("SSM suppressed", 0) >= 1
    if not pending:
        assert visible(vm.cpu) == visible(bare(img))
