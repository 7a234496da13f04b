"""Translated code under interpretive execution (issue 20): a guest's random
programs run with the guest's DAT on (through CP's shadow tables) and off,
random PSW and storage keys and low-address protection, and end in the same
intercept with the same registers, PSW, storage, keys (reference and change
bits included) and instruction count with translated blocks as with the
checked interpreter. The programs are tests/s370/test_translation_modes.py's."""
from __future__ import annotations

from hypothesis import given, strategies as st

from assists import costs
from cp.backends.s370 import S370PageFormat
from cp.shadow import ShadowTables
from cp.vm import Counters
from s370.interp import InterpretiveCPU, StateDescription
from s370.storage import Storage
from tests.s370.test_translation_modes import KEYS, SIZE, instruction, layout, start, state


def interpret(program: bytes, data: bytes, regs: list[int], *, dat: bool, key: int, lap: bool,
              keys: list[int], seed: int, blocks: bool):
    storage = Storage(SIZE)
    pager = ShadowTables(S370PageFormat(), Counters(model=costs))
    cpu = InterpretiveCPU(storage, sd=StateDescription(extent=SIZE, pager=pager))
    pager.bind(cpu)
    cpu.use_blocks = blocks
    layout(storage, program, data, dat, lap, keys, seed, cpu.cr)
    start(cpu, regs, dat, key)
    ic = cpu.interpret(3000)
    return (ic.code, ic.pgm, ic.ilc, ic.ibytes) + state(cpu, storage)


@given(st.lists(instruction(), min_size=1, max_size=24),
       st.binary(min_size=0x600, max_size=0x600),
       st.lists(st.integers(0, 0xFFFFFFFF), min_size=16, max_size=16),
       st.booleans(), st.sampled_from((0, 8, 3)), st.booleans(), KEYS, st.integers(0, 1000))
def test_translated_guest_code_equals_the_interpreter_under_cp(program, data, regs, dat, key,
                                                               lap, keys, seed):
    kw = dict(dat=dat, key=key, lap=lap, keys=keys, seed=seed)
    prog = b"".join(program)
    assert interpret(prog, data, regs, blocks=True, **kw) == \
        interpret(prog, data, regs, blocks=False, **kw)


def test_guest_loop_with_dat_on_runs_translated_under_cp():
    # L/A/ST three times under the guest's DAT with key 8, then the LPSW intercept
    prog = bytes.fromhex("5830C000" "5A30C004" "5030C008")
    data = (5).to_bytes(4, "big") + (7).to_bytes(4, "big") + bytes(0x5F8)
    kw = dict(dat=True, key=8, lap=True, keys=[0x80] * 16, seed=7)
    out = interpret(prog, data, [0] * 16, blocks=True, **kw)
    assert out == interpret(prog, data, [0] * 16, blocks=False, **kw)
    code, pgm, ilc, ibytes, count, psw, gpr = out[:7]
    assert ibytes == bytes.fromhex("8200B7F8") and count == 12 and gpr[3] == 12
