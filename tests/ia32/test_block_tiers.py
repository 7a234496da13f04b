"""The decode cache's two tiers (ia32/blocks.py): a block runs first as steps made
from templates compiled once per source shape, and is compiled into one function
on its HOT_AFTER-th run. Both must do exactly what single-stepping does:
registers, all of EFLAGS, memory, the stop and the fault taken (seen through the
monitor's ``intercept``, which stops the run at the faulting instruction)."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from hypothesis import given, strategies as st

from ia32 import blocks
from ia32.errors import DE

from .helpers import CODE, STACK, flat32_cpu

DATA = 0x20000            # EBX points here; memory operands are [ebx+disp8]
EBX = 3
DESTS = (0, 1, 2, 5, 6, 7)  # registers a random instruction may write (not ESP, EBX)
BYTE_DESTS = (0, 1, 2, 4, 5, 6)   # AL CL DL AH CH DH (not BL, BH)


def modrm(mod: int, reg: int, rm: int) -> int:
    return (mod << 6) | (reg << 3) | rm


reg = st.sampled_from(range(8))
dest = st.sampled_from(DESTS)
bdest = st.sampled_from(BYTE_DESTS)
d8 = st.integers(0, 0x7C)
imm8 = st.integers(0, 0xFF)
imm32 = st.integers(0, 0xFFFFFFFF)
alu = st.sampled_from(range(8))          # ADD OR ADC SBB AND SUB XOR CMP


def _i32(v: int) -> bytes:
    return v.to_bytes(4, "little")


#: one random instruction (bytes) of the forms the kernel's hot code uses, with
#: faulting ones (DIV) among them; SDM Vol. 2 encodings
INSTRUCTION = st.one_of(
    st.builds(lambda op, s, d: bytes([op << 3 | 1, modrm(3, s, d)]), alu, reg, dest),
    st.builds(lambda op, d, k: bytes([op << 3 | 3, modrm(1, d, EBX), k]), alu, dest, d8),
    st.builds(lambda op, s, k: bytes([op << 3 | 1, modrm(1, s, EBX), k]), alu, reg, d8),
    st.builds(lambda op, s, d: bytes([op << 3, modrm(3, s, d)]), alu, reg, bdest),
    st.builds(lambda op, d, i: bytes([0x83, modrm(3, op, d), i]), alu, dest, imm8),
    st.builds(lambda op, d, i: bytes([0x81, modrm(3, op, d)]) + _i32(i), alu, dest, imm32),
    st.builds(lambda d, i: bytes([0xB8 + d]) + _i32(i), dest, imm32),
    st.builds(lambda d, k: bytes([0x8B, modrm(1, d, EBX), k]), dest, d8),
    st.builds(lambda s, k: bytes([0x89, modrm(1, s, EBX), k]), reg, d8),
    st.builds(lambda s, k: bytes([0x88, modrm(1, s, EBX), k]), reg, d8),
    st.builds(lambda d: bytes([0x40 + d]), dest),
    st.builds(lambda d: bytes([0x48 + d]), dest),
    st.builds(lambda k, d, i: bytes([0xC1, modrm(3, k, d), i]),
              st.sampled_from((0, 1, 4, 5, 7)), dest, imm8),          # ROL ROR SHL SHR SAR
    st.builds(lambda k, d: bytes([0xD1, modrm(3, k, d)]), st.sampled_from((0, 1, 4, 5, 7)), dest),
    st.builds(lambda k, d: bytes([0xD3, modrm(3, k, d)]), st.sampled_from((0, 1, 4, 5, 7)), dest),
    st.builds(lambda k, o, i: bytes([0xC1, modrm(1, k, EBX), o, i]),
              st.sampled_from((0, 1, 4, 5)), d8, imm8),
    st.builds(lambda d, k: bytes([0x8D, modrm(1, d, 4), 0xB3, k]), dest, d8),   # lea [ebx+esi*4+k]
    st.builds(lambda op, d, s: bytes([0x0F, op, modrm(3, d, s)]),
              st.sampled_from((0xB6, 0xBE)), dest, reg),                      # MOVZX/MOVSX r32,r8
    st.builds(lambda cc, d: bytes([0x0F, 0x90 + cc, modrm(3, 0, d)]), st.integers(0, 15), bdest),
    st.builds(lambda cc, d, s: bytes([0x0F, 0x40 + cc, modrm(3, d, s)]),
              st.integers(0, 15), dest, reg),                                 # CMOVcc
    st.builds(lambda d, s, i: bytes([0x6B, modrm(3, d, s), i]), dest, reg, imm8),
    st.builds(lambda a, b: bytes([0x87, modrm(3, a, b)]), dest, dest),
    st.builds(lambda k, d: bytes([0xF7, modrm(3, k, d)]), st.sampled_from((2, 3)), dest),
    st.builds(lambda s: bytes([0x50 + s]), reg),
    st.builds(lambda d: bytes([0x58 + d]), dest),
    st.builds(lambda cc, d: bytes([0x70 + cc, 0x01, 0x40 + d]), st.integers(0, 15), dest),
    st.builds(lambda s: bytes([0xF7, modrm(3, 6, s)]), st.sampled_from((1, 5, 6))),  # DIV
)


@contextmanager
def hot_after(n: int):
    """Blocks compile on their ``n``-th run meanwhile (1: hot from the start)."""
    saved = blocks.HOT_AFTER
    blocks.HOT_AFTER = n
    try:
        yield
    finally:
        blocks.HOT_AFTER = saved


def run_program(code: bytes, regs: list[int], data: bytes, mode: str):
    """Run ``code`` + HLT in one tier; everything it can change."""
    cpu = flat32_cpu(code + b"\xF4")
    cpu.memory.load(DATA, data)
    cpu.regs = list(regs)
    cpu.regs[4], cpu.regs[EBX] = STACK, DATA
    cpu.intercept = lambda vector, error_code, soft: True
    with hot_after(1 if mode == "hot" else 1 << 30):
        if mode == "step":
            for _ in range(1000):
                stop = cpu.run(1)
                if stop != "limit":
                    break
        else:
            stop = cpu.run(1000)
    mem = cpu.memory
    return (stop, cpu.intercepted, cpu.eip, list(cpu.regs), cpu.get_eflags(), cpu.instructions,
            bytes(mem.ram[DATA:DATA + 0x100]), bytes(mem.ram[STACK - 0x100:STACK]))


@given(code=st.lists(INSTRUCTION, min_size=1, max_size=40).map(b"".join),
       regs=st.lists(st.integers(0, 0xFFFFFFFF), min_size=8, max_size=8),
       data=st.binary(min_size=0x100, max_size=0x100))
def test_cold_hot_and_single_step_agree(code, regs, data):
    step = run_program(code, regs, data, "step")
    assert run_program(code, regs, data, "cold") == step
    assert run_program(code, regs, data, "hot") == step


LOOP = bytes.fromhex("B964000000"    # mov ecx,100
                     "31C0"          # xor eax,eax
                     "01C8"          # l: add eax,ecx
                     "C1C003"        # rol eax,3
                     "E2F9"          # loop l
                     "F4")


def test_a_block_is_compiled_on_its_hot_after_run(monkeypatch):
    monkeypatch.setattr(blocks, "HOT_AFTER", 10)
    cpu = flat32_cpu(LOOP)
    assert cpu.run(1000) == "hlt"
    expected = 0
    for c in range(100, 0, -1):
        expected = (expected + c) & 0xFFFFFFFF
        expected = ((expected << 3) | (expected >> 29)) & 0xFFFFFFFF
    assert cpu.regs[0] == expected and cpu.instructions == 2 + 3 * 100 + 1
    loop_block = cpu.dcaches[32][CODE + 7]
    assert loop_block.hot and loop_block.runs == 10      # cold 9 times, then compiled


@pytest.mark.parametrize("hot_after", [1, 1 << 30], ids=["hot", "cold"])
def test_a_fault_in_the_middle_of_a_block_stops_at_that_instruction(hot_after, monkeypatch):
    """DIV by zero (#DE, a fault: SDM Vol. 3 6.15) after two instructions of its
    block: they are done and counted, EIP is at the DIV."""
    monkeypatch.setattr(blocks, "HOT_AFTER", hot_after)
    cpu = flat32_cpu(bytes.fromhex("B807000000"    # mov eax,7
                                   "31C9"          # xor ecx,ecx
                                   "F7F1"          # div ecx
                                   "F4"))
    cpu.intercept = lambda vector, error_code, soft: True
    assert cpu.run(100) == "intercept"
    assert cpu.intercepted == (DE, None, False)
    assert (cpu.eip, cpu.instructions, cpu.regs[0]) == (CODE + 7, 3, 7)


@pytest.mark.parametrize("hot_after", [1, 1 << 30], ids=["hot", "cold"])
def test_a_rewritten_instruction_ends_its_block_in_both_tiers(hot_after, monkeypatch):
    monkeypatch.setattr(blocks, "HOT_AFTER", hot_after)
    cpu = flat32_cpu(bytes.fromhex("40" "40" "40" "F4"))       # inc eax x3
    cpu.rewrite = lambda cpu, ins: (lambda c, i: None) if ins.eip == CODE + 1 else None
    assert cpu.run(100) == "hlt" and cpu.regs[0] == 2
    assert cpu.dcaches[32][CODE].count == 2               # inc, then the rewritten one


SELF_MODIFYING = (bytes.fromhex("C6052D10000041")   # mov byte [102Dh],41h: "nop" -> "inc ecx"
                  + b"\x90" * 38                    # 38 nops (all in the block)
                  + b"\x90"                         # 102D: nop, later inc ecx
                  + b"\xF4")


@pytest.mark.parametrize("hot_after", [1, 1 << 30], ids=["hot", "cold"])
def test_a_store_beyond_the_prefetch_queue_changes_the_running_block(hot_after, monkeypatch):
    """SDM Vol. 3 8.1.3: a store into code ahead is seen; the block translated
    before it (with the old byte, 38 bytes past the store, beyond the 386's
    16-byte prefetch queue) stops after the store and the new bytes run."""
    monkeypatch.setattr(blocks, "HOT_AFTER", hot_after)
    cpu = flat32_cpu(SELF_MODIFYING)
    assert cpu.run(100) == "hlt"
    assert cpu.regs[1] == 1 and cpu.instructions == 1 + 39 + 1
