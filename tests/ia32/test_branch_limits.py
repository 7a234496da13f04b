"""A near branch whose target is past the CS limit is #GP(0) at the branch, with
nothing done: EIP at the branch, no return address pushed, nothing popped (SDM
Vol. 2 JMP, Jcc, CALL, RET, LOOP: "IF tempEIP is not within code segment limit
THEN #GP(0)"), in both tiers of the decode cache. Not taken, a conditional branch
does not fault. Before, the fault came at the target, after the branch."""
from __future__ import annotations

import pytest

from ia32 import blocks
from ia32.errors import GP
from ia32.state import CS

from .helpers import CODE, STACK, flat32_cpu, real_cpu

LIMIT = 0x1FFF
RIGHTS_CODE32 = 0x409B00      # present DPL 0 execute/read code, D=1, byte granular


def small_cs_cpu(code: str):
    """Flat 32-bit protected mode, but CS's limit is 1FFF."""
    cpu = flat32_cpu(bytes.fromhex(code))
    cpu.set_segment(CS, 0x08, 0, LIMIT, RIGHTS_CODE32)
    cpu.intercept = lambda vector, error_code, soft: True
    return cpu


@pytest.fixture(params=[1, 1 << 30], ids=["hot", "cold"])
def tier(request):
    saved = blocks.HOT_AFTER
    blocks.HOT_AFTER = request.param
    yield
    blocks.HOT_AFTER = saved


def faults_at(cpu, eip: int) -> None:
    assert cpu.run(100) == "intercept"
    assert cpu.intercepted == (GP, 0, False)
    assert cpu.eip == eip


@pytest.mark.parametrize("code, at", [
    ("40" "E9FB1F0000", CODE + 1),            # inc eax; jmp 3001h
    ("40" "0F85F81F0000", CODE + 1),          # inc eax; jnz 3001h (taken: EAX is 1)
], ids=["jmp", "jcc-taken"])
def test_direct_branch_past_the_limit_faults_at_the_branch(tier, code, at):
    cpu = small_cs_cpu("31C0" + code)         # xor eax,eax first
    faults_at(cpu, at + 2)
    assert cpu.regs[0] == 1                   # the INC before it ran


def test_untaken_jcc_past_the_limit_does_not_fault(tier):
    cpu = small_cs_cpu("40"                   # inc eax (ZF=0)
                       "0F84FA1F0000"         # jz 3007h: not taken
                       "F4")
    assert cpu.run(100) == "hlt" and cpu.regs[0] == 1


def test_call_past_the_limit_pushes_nothing(tier):
    cpu = small_cs_cpu("E8FC1F0000")          # call 3001h
    faults_at(cpu, CODE)
    assert cpu.regs[4] == STACK


def test_ret_past_the_limit_pops_nothing(tier):
    cpu = small_cs_cpu("6800300000"           # push 3000h
                       "C3")                  # ret
    faults_at(cpu, CODE + 5)
    assert cpu.regs[4] == STACK - 4


def test_loop_past_the_limit_leaves_ecx(tier):
    cpu = small_cs_cpu("B905000000"           # mov ecx,5
                       "E220")                # loop 1027h
    cpu.set_segment(CS, 0x08, 0, CODE + 0x10, RIGHTS_CODE32)   # 1027h is past the limit
    faults_at(cpu, CODE + 5)
    assert cpu.regs[1] == 5


def test_indirect_jmp_past_the_limit_faults_at_the_jmp():
    cpu = small_cs_cpu("B800300000"           # mov eax,3000h
                       "FFE0")                # jmp eax
    faults_at(cpu, CODE + 5)


def test_real_mode_jmp_past_ffff_faults_at_the_jmp():
    """Real mode: CS's limit is FFFF; a 32-bit operand-size JMP to 12345h is #GP(0)."""
    cpu = real_cpu(bytes.fromhex("66E93F130100"))   # jmp dword 12345h (o32 prefix)
    cpu.intercept = lambda vector, error_code, soft: True
    faults_at(cpu, CODE)
