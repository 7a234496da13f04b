"""Arithmetic flags against an independent reference (hypothesis), and the
documented cases of the 80386 PRM chapter 17 "Flags Affected" sections.

The reference computes each flag from its definition (PRM 2.3.4.1 "Status
Flags"): CF the unsigned carry or borrow out of the top bit, OF the signed
result out of range, AF the carry or borrow out of bit 3, ZF, SF, PF (even parity
of the low byte), never from the CPU's carry vector.
"""
from __future__ import annotations

from hypothesis import given, strategies as st

from ia32.flags import AF, CF, OF, PF, SF, ZF

from .helpers import run32

ARITH = CF | PF | AF | ZF | SF | OF


def signed(v: int, bits: int) -> int:
    return v - (1 << bits) if v >> (bits - 1) else v


def reference(op: str, a: int, b: int, bits: int, cf_in: int) -> tuple[int, int]:
    """(result, arithmetic flags) of ``op`` by definition."""
    m = (1 << bits) - 1
    sa, sb = signed(a, bits), signed(b, bits)
    c = cf_in if op in ("adc", "sbb") else 0
    if op in ("add", "adc"):
        full = a + b + c
        r = full & m
        cf = full > m
        of = not -(1 << (bits - 1)) <= sa + sb + c < (1 << (bits - 1))
        af = (a & 0xF) + (b & 0xF) + c > 0xF
    elif op in ("sub", "sbb", "cmp"):
        full = a - b - c
        r = full & m
        cf = a < b + c
        of = not -(1 << (bits - 1)) <= sa - sb - c < (1 << (bits - 1))
        af = (a & 0xF) < (b & 0xF) + c
    else:
        r = {"and": a & b, "or": a | b, "xor": a ^ b}[op]
        cf = of = af = False
    flags = (CF if cf else 0) | (OF if of else 0) | (AF if af else 0)
    flags |= ZF if r == 0 else 0
    flags |= SF if r >> (bits - 1) else 0
    flags |= PF if bin(r & 0xFF).count("1") % 2 == 0 else 0
    return (a if op == "cmp" else r), flags


#: op -> the ModRM-register opcode of "op r/m, r" for byte and word/dword sizes
OPCODES = {"add": 0x00, "adc": 0x10, "sub": 0x28, "sbb": 0x18, "cmp": 0x38, "and": 0x20,
           "or": 0x08, "xor": 0x30}


def execute(op: str, a: int, b: int, bits: int, cf_in: int) -> tuple[int, int]:
    """Run "op al/ax/eax, bl/bx/ebx" with CF preset; (result, arithmetic flags)."""
    code = bytes([0xF9 if cf_in else 0xF8])              # stc / clc
    if bits == 16:
        code += b"\x66"
    code += bytes([OPCODES[op] + (0 if bits == 8 else 1), 0xD8]) + b"\xF4"  # op eax,ebx; hlt
    cpu = run32(code, eax=a, ebx=b)
    return cpu.regs[0] & ((1 << bits) - 1), cpu.get_eflags() & ARITH


sizes = st.sampled_from([8, 16, 32])


@given(op=st.sampled_from(sorted(OPCODES)), bits=sizes, data=st.data(),
       cf_in=st.integers(0, 1))
def test_alu_flags_match_the_reference(op, bits, data, cf_in):
    values = st.one_of(st.integers(0, (1 << bits) - 1),
                       st.sampled_from([0, 1, (1 << bits) - 1, 1 << (bits - 1),
                                        (1 << (bits - 1)) - 1, 0xF, 0x10]))
    a, b = data.draw(values), data.draw(values)
    assert execute(op, a, b, bits, cf_in) == reference(op, a, b, bits, cf_in)


@given(bits=sizes, a=st.integers(0, 0xFFFFFFFF), cf_in=st.integers(0, 1),
       dec=st.booleans())
def test_inc_dec_keep_cf_prm_17_inc_dec(bits, a, cf_in, dec):
    a &= (1 << bits) - 1
    r, flags = reference("sub" if dec else "add", a, 1, bits, 0)
    flags = (flags & ~CF) | (CF if cf_in else 0)
    # inc/dec al (FE C0 / FE C8), ax, eax (40/48 with 66)
    op = (b"\xFE" + (b"\xC8" if dec else b"\xC0")) if bits == 8 else \
        (b"\x66" if bits == 16 else b"") + (b"\x48" if dec else b"\x40")
    cpu = run32(bytes([0xF9 if cf_in else 0xF8]) + op + b"\xF4", eax=a)
    assert (cpu.regs[0] & ((1 << bits) - 1), cpu.get_eflags() & ARITH) == (r, flags)


@given(bits=sizes, a=st.integers(0, 0xFFFFFFFF))
def test_neg_is_zero_minus_with_cf_unless_zero_prm_17_neg(bits, a):
    a &= (1 << bits) - 1
    r, flags = reference("sub", 0, a, bits, 0)
    op = b"\xF6\xD8" if bits == 8 else (b"\x66" if bits == 16 else b"") + b"\xF7\xD8"
    cpu = run32(op + b"\xF4", eax=a)
    assert (cpu.regs[0] & ((1 << bits) - 1), cpu.get_eflags() & ARITH) == (r, flags)
    assert bool(flags & CF) == (a != 0)


def test_prm_17_add_7fffffff_plus_1_sets_of_sf_af():
    cpu = run32("01D8F4", eax=0x7FFFFFFF, ebx=1)          # add eax,ebx
    assert cpu.regs[0] == 0x80000000
    assert cpu.get_eflags() & ARITH == OF | SF | AF | PF


def test_prm_17_sub_0_minus_1_borrows():
    cpu = run32("29D8F4", eax=0, ebx=1)                   # sub eax,ebx
    assert cpu.regs[0] == 0xFFFFFFFF
    assert cpu.get_eflags() & ARITH == CF | SF | AF | PF


def test_prm_17_logic_ops_clear_cf_of():
    cpu = run32("F921D8F4", eax=0xF0, ebx=0x0F)            # stc; and eax,ebx
    assert cpu.regs[0] == 0 and cpu.get_eflags() & ARITH == ZF | PF


def test_lahf_sahf_round_trip_prm_17_lahf():
    # stc; mov ah,0xD5 (SF ZF AF PF CF); sahf; lahf -> AH keeps the five flags, bit 1 set
    cpu = run32("F9B4D59E9FF4")
    assert (cpu.regs[0] >> 8) & 0xFF == 0xD7
    assert cpu.get_eflags() & ARITH == SF | ZF | AF | PF | CF


def test_the_last_flag_writer_of_a_block_wins():
    # add eax,ebx; add ecx,edx in one block: the flags are the second ADD's
    cpu = run32("01D801D1F4", eax=0xFFFFFFFF, ebx=1, ecx=1, edx=1)
    assert cpu.get_eflags() & ARITH == 0 and cpu.regs[0] == 0 and cpu.regs[1] == 2
