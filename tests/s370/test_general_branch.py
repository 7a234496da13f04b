"""Branching, EXECUTE, SET PROGRAM MASK and SUPERVISOR CALL (GA22-7000 ch. 7):
branch conditions, link information, BCT/BXH/BXLE counting, EX's modified target,
its exceptions and ILC."""
import pytest

from tests.s370.general_support import MODES, RR, RS, RX, SI, SS, C, run

PGM_EXECUTE, PGM_SPEC = 3, 6
# A branch that skips the next instruction lands here; the skipped one is LA 9,1.
SKIP = RX("LA", 9, 1)


@pytest.mark.parametrize("cc", range(4))
@pytest.mark.parametrize("mask", range(16))
def test_bc_branches_on_mask_bit_of_cc(cc, mask):
    # BC mask,X'1008' jumps over LA 9,1 at X'1004'
    o = run(RX("BC", mask, **C(0x08)) + SKIP, cc=cc)
    taken = bool(mask & (8 >> cc))
    assert o.regs[9] == (0 if taken else 1)
    assert o.cc == cc and o.ended


@pytest.mark.parametrize("cc", range(4))
def test_bcr_branches_on_mask_and_r2_zero_never_branches(cc):
    o = run(RR("BCR", 15, 2) + SKIP, regs={2: 0xFF001006}, cc=cc)
    assert o.regs[9] == 0                      # high byte of R2 ignored
    o = run(RR("BCR", 15, 0) + SKIP, cc=cc)   # BCR 15,0: serialization, no branch
    assert o.regs[9] == 1 and o.cc == cc


def test_bal_link_information_bc_format():
    # ILC 2 (bits 0-1 = 10), CC, program mask, return address
    o = run(RX("BAL", 14, **C(0x08)) + SKIP, cc=2, pm=0xA)
    assert o.regs[14] == 0x80000000 | (2 << 28) | (0xA << 24) | 0x1004
    assert o.regs[9] == 0 and o.ended


def test_balr_link_and_r2_zero_links_without_branching():
    o = run(RR("BALR", 14, 15) + SKIP, regs={15: 0x1006}, cc=1, pm=3)
    assert o.regs[14] == 0x40000000 | (1 << 28) | (3 << 24) | 0x1002 and o.regs[9] == 0 and o.ended
    o = run(RR("BALR", 14, 0) + SKIP, cc=3)
    assert o.regs[14] == 0x40000000 | (3 << 28) | 0x1002 and o.regs[9] == 1


def test_balr_same_register_branches_to_old_value():
    o = run(RR("BALR", 15, 15) + SKIP, regs={15: 0x1006})
    assert o.regs[9] == 0 and o.regs[15] & 0xFFFFFF == 0x1002


def test_bct_loop_counts_down():
    # LA 2,5 ; loop: LA 3,1(3) ; BCT 2,loop
    o = run(RX("LA", 2, 5) + RX("LA", 3, 1, b2=3) + RX("BCT", 2, **C(0x04)))
    assert o.regs[2] == 0 and o.regs[3] == 5


def test_bct_from_zero_wraps_and_branches():
    o = run(RX("BCT", 2, **C(0x08)) + SKIP, regs={2: 0})
    assert o.regs[2] == 0xFFFFFFFF and o.regs[9] == 0 and o.ended


def test_bctr_r2_zero_counts_without_branching():
    o = run(RR("BCTR", 2, 0) + SKIP, regs={2: 5})
    assert o.regs[2] == 4 and o.regs[9] == 1
    o = run(RR("BCTR", 2, 3) + SKIP, regs={2: 5, 3: 0x1006})
    assert o.regs[2] == 4 and o.regs[9] == 0 and o.ended
    o = run(RR("BCTR", 2, 3) + SKIP, regs={2: 1, 3: 0x1006})
    assert o.regs[2] == 0 and o.regs[9] == 1


def test_bxle_loop_with_odd_r3_as_increment_and_limit():
    # R4 = index, R5 = increment and limit (odd R3 serves as both): 0,3,6,9 -> exits at 12
    o = run(RX("LA", 6, 1, b2=6) + RS("BXLE", 4, 5, **C(0x00)), regs={4: 0, 5: 9})
    # first pass: 0 + 9 = 9 <= 9 branches; second: 18 > 9 falls through
    assert o.regs[6] == 2 and o.regs[4] == 18


def test_bxh_even_r3_pair_and_signed_compare():
    # increment R6 = -1, compare R7 = 0: R4 = 3 -> 2,1,0 (0 is not high) -> three passes
    o = run(RX("LA", 8, 1, b2=8) + RS("BXH", 4, 6, **C(0x00)), regs={4: 3, 6: 0xFFFFFFFF, 7: 0})
    assert o.regs[8] == 3 and o.regs[4] == 0


def test_bxh_compare_value_read_before_r1_update():
    # R1 is the compare register itself (R3 odd = R1): compare with the old value
    o = run(RS("BXH", 5, 5, **C(0x08)) + SKIP, regs={5: 4})
    assert o.regs[5] == 8 and o.regs[9] == 0        # 8 > 4: branch


# ------------------------------------------------------------------- EXECUTE
@pytest.mark.parametrize("mode", MODES.values(), ids=MODES.keys())
def test_ex_ors_r1_bits_into_target_length(mode):
    # EX 1,target with target MVC 0(1,0),X'800' -> length from R1 = 3 (4 bytes)
    target = SS("MVC", 0x900, 1, 0x800)
    o = run(RX("EX", 1, **C(0x100)), regs={1: 0xFFFFFF03}, **mode,
            mem={0x1100: target, 0x800: b"ABCDEFGH"})
    assert o.mem(0x900, 5) == b"ABCD\x00"
    assert o.mem(0x1100, 6) == target                    # storage not modified


def test_ex_r1_zero_uses_target_as_is():
    o = run(RX("EX", 0, **C(0x100)), regs={0: 0xFF, 4: 7}, mem={0x1100: RR("LR", 3, 4)})
    assert o.regs[3] == 7


def test_ex_target_branch_and_non_branch_continue():
    # target LA 7,5 -> continue after EX; target BC 15,X'100A' -> branch
    o = run(RX("EX", 0, **C(0x100)) + SKIP, mem={0x1100: RX("LA", 7, 5)})
    assert o.regs[7] == 5 and o.regs[9] == 1
    o = run(RX("EX", 0, **C(0x100)) + SKIP, mem={0x1100: RX("BC", 15, **C(0x08))})
    assert o.regs[9] == 0 and o.ended


@pytest.mark.parametrize("mode", MODES.values(), ids=MODES.keys())
def test_ex_of_ex_is_execute_exception(mode):
    o = run(RX("EX", 0, **C(0x100)), **mode, mem={0x1100: RX("EX", 0, **C(0x100))})
    assert o.pgm == (PGM_EXECUTE, 2, 0x1004)


def test_ex_target_fetch_protected_is_protection():
    def keys(m):
        m.storage.keys[0x2000 >> 11] = 0x58
    o = run(RX("EX", 0, 0, b2=2), regs={2: 0x2000}, key=3, setup=keys)
    assert o.pgm == (4, 2, 0x1004)


def test_ex_odd_target_is_specification():
    o = run(RX("EX", 0, **C(0x101)))
    assert o.pgm == (PGM_SPEC, 2, 0x1004)


def test_ex_target_exception_has_ex_ilc_and_address():
    # target AR overflows with the mask on: ILC 2 (EX's), old PSW after the EX
    o = run(RX("EX", 0, **C(0x100)), regs={1: 0x7FFFFFFF, 2: 1}, pm=8, mem={0x1100: RR("AR", 1, 2)})
    assert o.pgm == (8, 2, 0x1004) and o.regs[1] == 0x80000000
    # target with an odd pair register: specification, ILC 2
    o = run(RX("EX", 0, **C(0x100)), mem={0x1100: RR("DR", 1, 2)})
    assert o.pgm == (PGM_SPEC, 2, 0x1004)


def test_ex_balr_links_with_ex_ilc():
    o = run(RX("EX", 0, **C(0x100)) + SKIP, regs={15: 0x1008}, cc=1,
            mem={0x1100: RR("BALR", 14, 15)})
    assert o.regs[14] == 0x80000000 | (1 << 28) | 0x1004 and o.regs[9] == 0 and o.ended


def test_ex_svc_has_ilc_2_and_old_psw_after_ex():
    o = run(RX("EX", 1, **C(0x100)), regs={1: 0x12}, mem={0x1100: RR("SVC", 0, 0x00)})
    old = o.svc_old
    assert (old >> 32) & 0xFFFF == 0x12 and (old >> 30) & 3 == 2 and old & 0xFFFFFF == 0x1004


def test_ex_target_outside_storage_is_addressing():
    o = run(RX("EX", 0, 0, b2=2), regs={2: 0x100000})
    assert o.pgm == (5, 2, 0x1004)


def test_ex_modifies_si_immediate():
    o = run(RX("EX", 2, **C(0x100)), regs={2: 0x0F}, mem={0x1100: SI("MVI", 0x900, 0xA0)})
    assert o.mem(0x900, 1) == b"\xAF"


# ---------------------------------------------------------------- SPM, SVC
def test_spm_sets_cc_and_program_mask():
    o = run(RR("SPM", 1) + RR("AR", 2, 3), regs={1: 0x2F000000, 2: 0x7FFFFFFF, 3: 1})
    # program mask 15 now enables fixed-point overflow
    assert o.pgm == (8, 1, 0x1004)
    o = run(RR("SPM", 1), regs={1: 0xDAFFFFFF})
    assert o.cc == 1 and (o.svc_old >> 24) & 15 == 0xA


def test_svc_interruption_code_and_ilc():
    o = run(RR("SVC", 0x4, 0x2))
    old = o.svc_old
    assert (old >> 32) & 0xFFFF == 0x42 and (old >> 30) & 3 == 1 and old & 0xFFFFFF == 0x1002


def test_ex_svc_under_interpretive_execution_reflected_once_with_ilc_2():
    # an assist that completes SVCs itself: the SVC executed by EX reaches it once,
    # with EXECUTE's ILC, and the guest continues after the EX
    from s370.interp import Assist, InterpretiveCPU
    from s370.storage import Storage

    class Recorder(Assist):
        calls = []

        def try_svc(self, cpu, number, ilc):
            self.calls.append((number, ilc))
            return True

    cpu = InterpretiveCPU(Storage(1 << 16))
    cpu.sdesc.assists = [Recorder()]
    cpu.storage.load(RX("EX", 1, 0x100, b2=12) + RX("LA", 9, 7), 0x1000)
    cpu.storage.load(RR("SVC", 0, 0), 0x1100)
    cpu.gpr[1], cpu.gpr[12] = 0x21, 0x1000
    cpu.load_psw(0x1000)
    cpu.interpret(2)
    assert Recorder.calls == [(0x21, 2)] and cpu.gpr[9] == 7
