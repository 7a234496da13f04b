"""STORE CPU ADDRESS, STORE PREFIX and SET PREFIX (GA22-7000 chapter 10,
"Multiprocessing": "Store CPU Address", "Store Prefix", "Set Prefix").

All three are privileged S-format instructions (B212, B211, B210). STAP stores
the 16-bit CPU address at a halfword-aligned operand; STPX stores the prefix
register (bits 8-19 the prefix, other bits zero) at a word-aligned operand; SPX
takes bits 8-19 of its word operand as the new prefix and is an addressing
exception when the new prefix area lies outside storage. This machine has one
CPU, address 0, and prefix 0."""
from __future__ import annotations

import pytest

from s370.asm import assemble
from s370.disasm import decode
from s370.errors import MachineError
from tests.s370.control_support import (END, bc, bc_code, ended, pgm_old, put, run,
                                        trapped, word)

STAP, STPX, SPX = "B2120200", "B2110200", "B2100200"   # operand D2(B2) = X'200'


@pytest.mark.parametrize("src, code", [("STAP 512(0)", "B2120200"),
                                       ("STPX 4(5)", "B2115004"),
                                       ("SPX 0(15)", "B210F000")])
def test_multiprocessing_mnemonics_assemble_and_disassemble(src, code):
    a = assemble(f"         {src}\n         END\n")
    assert a.errors == [] and a.core == bytes.fromhex(code)
    assert decode(bytes.fromhex(code)).source.split()[0] == src.split()[0]


def test_store_cpu_address_stores_the_halfword_cpu_address():
    m = run(STAP + END, setup=lambda m: put(m, 0x200, "FFFFFFFF"))
    assert ended(m) and word(m, 0x200) == 0x0000FFFF


def test_store_cpu_address_stores_this_cpus_address():
    def setup(m):
        m.cpu.cpu_address = 0x0123
    m = run("B2120202" + END, setup=setup)
    assert ended(m) and word(m, 0x202, 2) == 0x0123


def test_store_prefix_stores_prefix_zero():
    m = run(STPX + END, setup=lambda m: put(m, 0x200, "FFFFFFFF"))
    assert ended(m) and word(m, 0x200) == 0


def test_set_prefix_zero_ignores_bits_0_7_and_20_31():
    m = run(SPX + STPX[:4] + "0204" + END,
            setup=lambda m: (put(m, 0x200, "FF000FFF"), put(m, 0x204, "FFFFFFFF")))
    assert ended(m) and m.cpu.prefix == 0 and word(m, 0x204) == 0


@pytest.mark.parametrize("code", ["B2120201", "B2110202", "B2100201", "B2100202"])
def test_misaligned_operand_is_a_specification_exception(code):
    m = run(code + END)
    assert trapped(m) and bc_code(pgm_old(m)) == (6, 2, 0x1004)


@pytest.mark.parametrize("code", [STAP, STPX, SPX])
def test_problem_state_is_a_privileged_operation_exception(code):
    m = run(code + END, psw=bc(0x1000, problem=True))
    assert trapped(m) and bc_code(pgm_old(m)) == (2, 2, 0x1004)


def test_set_prefix_outside_storage_is_an_addressing_exception():
    # 1M of storage: prefix X'100000' designates a 4K area beyond it
    m = run(SPX + END, setup=lambda m: put(m, 0x200, "00100000"))
    assert trapped(m) and bc_code(pgm_old(m)) == (5, 2, 0x1004) and m.cpu.prefix == 0


def test_set_prefix_nonzero_is_refused_with_a_clear_error():
    with pytest.raises(MachineError, match="prefix 0 only"):
        run(SPX + END, setup=lambda m: put(m, 0x200, "00002000"))
