"""Reference recording on instruction fetch (GA22-7000 "Reference Recording"):
fetching an instruction refers to its storage, so it sets the reference bit of
its 2K block (and of the next block when the instruction crosses into it), as
an operand fetch does. RESET REFERENCE BIT (GA22-7000 "Reset Reference Bit")
sets the condition code from the bits before resetting: 0 R=0 C=0, 1 R=0 C=1,
2 R=1 C=0, 3 R=1 C=1. BALR R,0 keeps the condition code in bits 2-3 of R.
Every test runs with the interpreter and with translated blocks, and with DAT
on (the translating loop)."""
from __future__ import annotations

import pytest

from tests.s370.control_support import END, ec, ended, identity_dat, new_machine, put, start

MODES = pytest.mark.parametrize("mode", ["blocks", "interpreter", "dat"])
A, B = 0x3000, 0x4000


def go(mode: str, code: str, regs: dict, extra: dict):
    m = new_machine()
    m.cpu.use_blocks = mode == "blocks"
    psw = None
    if mode == "dat":
        identity_dat(m, 1 << 20)
        psw = ec(A, sysmask=0x04)
    for r, v in regs.items():
        m.cpu.gpr[r] = v
    for at, c in extra.items():
        put(m, at, c)
    m.storage.keys[:] = bytes(len(m.storage.keys))     # all blocks unreferenced
    start(m, code, psw, at=A)
    assert ended(m)
    return m


def cc_of(link: int) -> int:
    return (link >> 28) & 3


@MODES
def test_reference_recording_instruction_fetch_sets_its_blocks_bit(mode):
    # RRB on the block holding the RRB itself: its fetch referenced it (CC 2);
    # the BALR that follows is fetched from it again, so a second RRB: CC 2
    code = "B2132000" "0550" "B2132000" "0560" + END
    m = go(mode, code, {2: A}, {})
    assert cc_of(m.cpu.gpr[5]) == 2 and cc_of(m.cpu.gpr[6]) == 2


@MODES
def test_reference_recording_rrb_between_executions_is_observed(mode):
    # BAL to a subroutine (BR 14) in block B; RRB B: CC 2 (executed), RRB B again:
    # CC 0 (nothing fetched from B since); BAL to it again, RRB B: CC 2
    code = ("45E03000" "B2133000" "0550" "B2133000" "0560"
            "45E03000" "B2133000" "0570" + END)
    m = go(mode, code, {3: B}, {B: "07FE"})
    assert [cc_of(m.cpu.gpr[r]) for r in (5, 6, 7)] == [2, 0, 2]


@MODES
def test_reference_recording_instruction_crossing_into_the_next_block(mode):
    # BC 15 at X'47FE' (bytes X'47FE'-X'4801') branches back: block X'4800' was
    # referenced by fetching the instruction's second halfword only
    code = "47F047FE" + "00" * 12 + "B2136000" "0570" + END       # RRB at A+X'10'
    m = go(mode, code, {4: B, 5: A, 6: B + 0x800}, {B + 0x7FE: "47F05010"})
    assert cc_of(m.cpu.gpr[7]) == 2


@MODES
def test_reference_recording_unexecuted_block_stays_unreferenced(mode):
    # a block never fetched from (nor operand-accessed): RRB gives CC 0
    m = go(mode, "B2136000" "0570" + END, {6: B}, {})
    assert cc_of(m.cpu.gpr[7]) == 0


def test_reference_recording_isk_shows_the_bit_in_ec_mode():
    # ISK 1,2 on its own block in EC mode (ISK returns bits 0-6 in EC mode): X'04'
    for blocks in (True, False):
        m = new_machine()
        m.cpu.use_blocks = blocks
        m.storage.keys[:] = bytes(len(m.storage.keys))
        m.cpu.gpr[2] = A
        start(m, "0912" + END, ec(A), at=A)
        assert ended(m) and m.cpu.gpr[1] & 0xFF == 0x04, blocks
