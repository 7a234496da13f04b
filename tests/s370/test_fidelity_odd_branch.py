"""A branch to an odd address (GA22-7000 "Instruction-Length Code" and
"Specification Exception"): the branch completes (link and count registers are
updated), then the specification exception is recognised when the instruction
at the odd address would be fetched. The ILC is that of the branching
instruction (EXECUTE's, 2, when the branch is EXECUTE's target) and the old PSW's
instruction address is the odd branch address advanced by that many halfwords:
a BCR to X'2EF' stores ILC 1 and X'2F1'. An odd address in a PSW loaded by
LPSW or an interruption is an early exception with ILC 0 (tests/s370/
test_interrupts.py). The interpreter and the translated blocks give the same."""
from __future__ import annotations

import pytest

from tests.s370.control_support import (bc_code, ec, ec_pgm, identity_dat, new_machine,
                                        pgm_old, start, trapped, word)

ENGINES = pytest.mark.parametrize("blocks", [True, False], ids=["blocks", "interpreter"])


def go(code: str, blocks: bool, psw: int | None = None, regs: dict | None = None, setup=None):
    m = new_machine()
    m.cpu.use_blocks = blocks
    for r, v in (regs or {}).items():
        m.cpu.gpr[r] = v
    if setup:
        setup(m)
    r = start(m, code, psw)
    assert trapped(m)
    return m, r.instructions


@ENGINES
def test_ilc_bcr_to_x2ef_stores_ilc_1_and_x2f1(blocks):
    m, n = go("41F002EF" "07FF", blocks)          # LA 15,X'2EF'; BCR 15,15
    assert bc_code(pgm_old(m)) == (6, 1, 0x2F1)
    assert m.cpu.gpr[15] == 0x2EF


@ENGINES
@pytest.mark.parametrize("code, regs, ilc, target, check", [
    ("47F002EF", {}, 2, 0x2EF, {}),                                   # BC 15,X'2EF'
    ("45E00301", {}, 2, 0x301, {14: 0x80001004}),                     # BAL 14,X'301'
    ("05E1", {1: 0x301}, 1, 0x301, {14: 0x40001002}),                 # BALR 14,1
    ("46300301", {3: 2}, 2, 0x301, {3: 1}),                           # BCT 3,X'301'
    ("0631", {1: 0x301, 3: 5}, 1, 0x301, {3: 4}),                     # BCTR 3,1
    ("87240301", {2: 0, 4: 1, 5: 9}, 2, 0x301, {2: 1}),               # BXLE 2,4,X'301'
    ("86240301", {2: 9, 4: 1, 5: 0}, 2, 0x301, {2: 10}),              # BXH 2,4,X'301'
])
def test_ilc_branching_instruction_length_and_advanced_address(blocks, code, regs, ilc,
                                                               target, check):
    m, _ = go(code, blocks, regs=regs)
    assert bc_code(pgm_old(m)) == (6, ilc, target + 2 * ilc)
    for r, v in check.items():                      # the branch itself completed
        assert m.cpu.gpr[r] == v


@ENGINES
def test_ilc_branch_as_execute_target_carries_executes_ilc(blocks):
    # EX 0,X'300' with BCR 15,2 at X'300' and R2 = X'2EF': ILC 2, X'2F3'
    def setup(m):
        m.storage.mem[0x300:0x302] = bytes.fromhex("07F2")
    m, _ = go("44000300", blocks, regs={2: 0x2EF}, setup=setup)
    assert bc_code(pgm_old(m)) == (6, 2, 0x2F3)


@ENGINES
def test_ilc_branch_not_taken_to_odd_address_is_no_exception(blocks):
    m = new_machine()
    m.cpu.use_blocks = blocks
    start(m, "470002EF" "82000F00")                 # BC 0,X'2EF'; LPSW X'F00'
    assert not trapped(m) and m.cpu.ia == 0xFFF


@ENGINES
def test_ilc_ec_mode_stores_ilc_at_x8d_and_old_psw_address(blocks):
    m, _ = go("41F002EF" "07FF", blocks, psw=ec(0x1000))
    assert ec_pgm(m) == (6, 1)
    assert word(m, 0x28, 8) & 0xFFFFFF == 0x2F1


def test_ilc_with_dat_on_same_rule():
    # EC mode, DAT on over an identity mapping: the slow (translating) run loop
    m = new_machine()
    identity_dat(m, 1 << 20)
    start(m, "41F002EF" "07FF", ec(0x1000, sysmask=0x04))
    assert trapped(m) and ec_pgm(m) == (6, 1)
    assert word(m, 0x28, 8) & 0xFFFFFF == 0x2F1


def test_ilc_same_instruction_count_in_both_engines():
    counts = {b: go("41F002EF" "07FF", b)[1] for b in (True, False)}
    assert counts[True] == counts[False]
