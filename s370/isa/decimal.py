"""Decimal instructions (GA22-7000 chapter 8, "Decimal Instructions") and the
decimal conversions of chapter 7 (PACK, UNPK, CVB, CVD).

Packed operands are handled as Python ints: ``bytes.hex()`` turns a packed field
into its digit string, so validity checking is ``str.isdigit`` on all nibbles but
the last (the hex digits a-f are exactly the invalid digit codes) and the value is
one ``int()``. Results are packed back the same way. That keeps every instruction
to a few lines of arithmetic, with the architected checks in a fixed order:

1. specification (MP, DP operand lengths),
2. access exceptions for whole operands, before anything is stored
   (``cpu.check_access`` / ``cpu.fetch``),
3. data exception (invalid digit or sign, MP's leading-zero rule, SRP's
   rounding digit),
4. decimal divide (suppressing), or the completed result followed by decimal
   overflow when the program mask allows it (the decimal-overflow mask, ``cpu.pm & 4``).

Preferred signs are stored on results: X'C' plus, X'D' minus. A, C, E, F are
accepted as plus and B, D as minus. Operands may overlap as the POP allows for
AP/SP/ZAP (rightmost bytes coinciding), because both operands are fetched before
the result is stored. PACK and UNPK are executed one byte at a time, right to
left, so that overlapping fields give the architected result.
"""
from __future__ import annotations

from ..errors import (PGM_DATA, PGM_DECIMAL_DIVIDE, PGM_DECIMAL_OVERFLOW,
                      PGM_FIXED_DIVIDE, PGM_SPECIFICATION, ProgramInterrupt)
from .table import instr

#: Sign nibbles (as ``bytes.hex`` spells them) that mean minus.
MINUS = frozenset("bd")


def unpack_packed(data: bytes) -> tuple[int, bool]:
    """(magnitude, negative) of a packed-decimal field; data exception if a digit
    nibble is not 0-9 or the sign nibble is not A-F."""
    h = data.hex()
    digits = h[:-1]
    sign = h[-1]
    if not digits.isdigit() or sign.isdigit():
        raise ProgramInterrupt(PGM_DATA)
    return int(digits), sign in MINUS


def pack_packed(magnitude: int, negative: bool, length: int) -> bytes:
    """``length`` bytes of packed decimal with the preferred sign; digits that do
    not fit are dropped on the left (the caller decides about overflow)."""
    ndig = 2 * length - 1
    s = str(magnitude % 10 ** ndig).zfill(ndig)
    return bytes.fromhex(s + ("d" if negative else "c"))


def _operand(cpu, addr: int, length: int) -> tuple[int, bool]:
    return unpack_packed(cpu.fetch(addr, length))


def _store_result(cpu, addr1: int, l1: int, value: int) -> None:
    """Store a signed sum/difference into the first operand (L1+1 bytes) and set
    the condition code; decimal overflow (CC 3) keeps the sign of the true
    result, otherwise a zero result is positive (GA22-7000, ADD DECIMAL)."""
    n = l1 + 1
    mag = -value if value < 0 else value
    cpu.store(addr1, pack_packed(mag, value < 0, n))
    if mag >= 10 ** (2 * n - 1):
        cpu.cc = 3
        if cpu.pm & 4:
            raise ProgramInterrupt(PGM_DECIMAL_OVERFLOW)
    else:
        cpu.cc = 0 if value == 0 else (1 if value < 0 else 2)


def dec_add(cpu, addr1: int, l1: int, addr2: int, l2: int, subtract: bool) -> None:
    """AP / SP: both operands are checked; the result replaces operand 1."""
    cpu.check_access(addr1, l1 + 1, True)
    m1, n1 = _operand(cpu, addr1, l1 + 1)
    m2, n2 = _operand(cpu, addr2, l2 + 1)
    v2 = -m2 if n2 else m2
    v = (-m1 if n1 else m1) + (-v2 if subtract else v2)
    _store_result(cpu, addr1, l1, v)


def dec_zap(cpu, addr1: int, l1: int, addr2: int, l2: int) -> None:
    """ZAP: only the second operand is checked for validity."""
    cpu.check_access(addr1, l1 + 1, True)
    m2, n2 = _operand(cpu, addr2, l2 + 1)
    _store_result(cpu, addr1, l1, -m2 if n2 else m2)


def dec_compare(cpu, addr1: int, l1: int, addr2: int, l2: int) -> None:
    """CP: algebraic comparison; plus and minus zero compare equal."""
    m1, n1 = _operand(cpu, addr1, l1 + 1)
    m2, n2 = _operand(cpu, addr2, l2 + 1)
    v1 = -m1 if n1 else m1
    v2 = -m2 if n2 else m2
    cpu.cc = 0 if v1 == v2 else (1 if v1 < v2 else 2)


def _check_mul_div_lengths(l1: int, l2: int) -> None:
    """MP/DP: the second operand is at most 8 bytes and shorter than the first."""
    if l2 > 7 or l2 >= l1:
        raise ProgramInterrupt(PGM_SPECIFICATION)


def dec_multiply(cpu, addr1: int, l1: int, addr2: int, l2: int) -> None:
    """MP: the multiplicand must have at least as many leading zero bytes as the
    multiplier has bytes (data exception otherwise), so the product always fits.
    The sign follows the rules of algebra even for a zero product."""
    _check_mul_div_lengths(l1, l2)
    cpu.check_access(addr1, l1 + 1, True)
    m1, n1 = _operand(cpu, addr1, l1 + 1)
    m2, n2 = _operand(cpu, addr2, l2 + 1)
    digits1 = len(str(m1)) if m1 else 0
    if l1 - digits1 // 2 < l2 + 1:        # leading zero bytes of operand 1 < L2+1
        raise ProgramInterrupt(PGM_DATA)
    cpu.store(addr1, pack_packed(m1 * m2, n1 != n2, l1 + 1))


def dec_divide(cpu, addr1: int, l1: int, addr2: int, l2: int) -> None:
    """DP: quotient (sign by algebra) in the leftmost L1-L2 bytes, remainder (sign
    of the dividend) in the rightmost L2+1 bytes. A zero divisor or a quotient
    that does not fit is a decimal-divide exception; the operation is suppressed."""
    _check_mul_div_lengths(l1, l2)
    cpu.check_access(addr1, l1 + 1, True)
    m1, n1 = _operand(cpu, addr1, l1 + 1)
    m2, n2 = _operand(cpu, addr2, l2 + 1)
    if m2 == 0:
        raise ProgramInterrupt(PGM_DECIMAL_DIVIDE)
    q, r = divmod(m1, m2)
    qlen = l1 - l2
    if q >= 10 ** (2 * qlen - 1):
        raise ProgramInterrupt(PGM_DECIMAL_DIVIDE)
    cpu.store(addr1, pack_packed(q, n1 != n2, qlen) + pack_packed(r, n1, l2 + 1))


def dec_shift_round(cpu, addr1: int, l1: int, shift: int, i3: int) -> None:
    """SRP: shift value is the low six bits of the second-operand address, as a
    signed number (positive left). A right shift adds the rounding digit to the
    leftmost digit shifted out. Left-shift overflow keeps the original sign."""
    n = l1 + 1
    cpu.check_access(addr1, n, True)
    mag, neg = _operand(cpu, addr1, n)
    if i3 > 9:
        raise ProgramInterrupt(PGM_DATA)
    shift &= 0x3F
    if shift < 32:
        mag *= 10 ** shift
        if mag >= 10 ** (2 * n - 1):        # overflow: the original sign is kept
            cpu.store(addr1, pack_packed(mag, neg, n))
            cpu.cc = 3
            if cpu.pm & 4:
                raise ProgramInterrupt(PGM_DECIMAL_OVERFLOW)
            return
    else:
        k = 64 - shift
        mag = (mag + i3 * 10 ** (k - 1)) // 10 ** k
    neg = neg and mag != 0
    cpu.store(addr1, pack_packed(mag, neg, n))
    cpu.cc = 0 if mag == 0 else (1 if neg else 2)


def dec_pack(cpu, addr1: int, l1: int, addr2: int, l2: int) -> None:
    """PACK: the rightmost byte has its halves exchanged; then each result byte
    takes the numeric halves of the next two source bytes (zeros when the source
    is exhausted). No validity checking. Processed right to left a byte at a time,
    each result byte stored right after its source bytes are fetched."""
    cpu.check_access(addr2, l2 + 1, False)
    cpu.check_access(addr1, l1 + 1, True)
    fb, sb = cpu.fb, cpu.sb
    a1 = addr1 + l1
    a2 = addr2 + l2
    left2 = l2 + 1                          # source bytes not yet fetched
    b = fb(a2 & 0xFFFFFF)
    left2 -= 1
    sb(a1 & 0xFFFFFF, ((b << 4) | (b >> 4)) & 0xFF)
    for k in range(1, l1 + 1):
        lo = hi = 0
        if left2:
            lo = fb((a2 - 1) & 0xFFFFFF) & 15
            a2 -= 1
            left2 -= 1
        if left2:
            hi = fb((a2 - 1) & 0xFFFFFF) & 15
            a2 -= 1
            left2 -= 1
        sb((a1 - k) & 0xFFFFFF, (hi << 4) | lo)


def dec_unpack(cpu, addr1: int, l1: int, addr2: int, l2: int) -> None:
    """UNPK: the rightmost byte has its halves exchanged; every other source byte
    gives two zoned result bytes (zone F), the right digit first. Leftmost result
    bytes beyond the source are X'F0'. No validity checking; right to left, the
    two result bytes of a source byte stored right after fetching it."""
    cpu.check_access(addr2, l2 + 1, False)
    cpu.check_access(addr1, l1 + 1, True)
    fb, sb = cpu.fb, cpu.sb
    a2 = addr2 + l2
    b = fb(a2 & 0xFFFFFF)
    a1 = addr1 + l1
    sb(a1 & 0xFFFFFF, ((b << 4) | (b >> 4)) & 0xFF)
    left1 = l1                              # result bytes still to store
    left2 = l2
    while left1:
        b = 0
        if left2:
            a2 -= 1
            b = fb(a2 & 0xFFFFFF)
            left2 -= 1
        a1 -= 1
        sb(a1 & 0xFFFFFF, 0xF0 | (b & 15))
        left1 -= 1
        if left1:
            a1 -= 1
            sb(a1 & 0xFFFFFF, 0xF0 | (b >> 4))
            left1 -= 1


def dec_cvb(cpu, r1: int, addr: int) -> None:
    """CVB: doubleword packed operand to a 32-bit signed binary number. A value
    outside -2**31..2**31-1 is a fixed-point-divide exception after the low 32 bits
    of the result have been placed in R1."""
    mag, neg = _operand(cpu, addr, 8)
    v = -mag if neg else mag
    cpu.gpr[r1] = v & 0xFFFFFFFF
    if not -0x80000000 <= v <= 0x7FFFFFFF:
        raise ProgramInterrupt(PGM_FIXED_DIVIDE)


def dec_cvd(cpu, r1: int, addr: int) -> None:
    """CVD: R1 as a signed number to 15 packed digits with a preferred sign."""
    v = cpu.gpr[r1]
    if v & 0x80000000:
        cpu.store(addr, pack_packed(0x100000000 - v, True, 8))
    else:
        cpu.store(addr, pack_packed(v, False, 8))


def dec_edit(cpu, addr1: int, l: int, addr2: int, mark: bool) -> None:
    """ED / EDMK (GA22-7000, EDIT): the pattern (operand 1) is replaced by the
    edited source. Pattern bytes: X'20' digit selector, X'21' significance
    starter, X'22' field separator, anything else a message byte; the first
    pattern byte is the fill byte. A plus sign in the right half of a source byte
    turns the significance indicator off. CC: 0 last field zero, 1 nonzero with
    the indicator on (minus), 2 nonzero with it off (plus). EDMK puts the address
    of the last result byte that became significant through a nonzero digit in
    bits 8-31 of GR1. The result is built first and stored at the end, so an
    access or data exception leaves the pattern unchanged."""
    n = l + 1
    cpu.check_access(addr1, n, True)
    res = bytearray(cpu.fetch(addr1, n))
    fill = res[0]
    sig = False
    nonzero = False
    right = -1                              # pending right digit of a source byte
    src = addr2
    marked = -1
    fb = cpu.fb
    for i in range(n):
        pb = res[i]
        if pb == 0x20 or pb == 0x21:
            if right < 0:
                b = fb(src & 0xFFFFFF)
                src += 1
                d = b >> 4
                if d > 9:
                    raise ProgramInterrupt(PGM_DATA)
                right = b & 15
            else:
                d = right
                right = -1
            if sig or d:
                if not sig:
                    marked = i
                res[i] = 0xF0 | d
            else:
                res[i] = fill
            if d:
                nonzero = True
            if pb == 0x21 or d:
                sig = True
            if right > 9:                   # the right half is a sign
                if right not in (0xB, 0xD):
                    sig = False
                right = -1
        elif pb == 0x22:
            res[i] = fill
            sig = False
            nonzero = False
        elif not sig:
            res[i] = fill
    cpu.store(addr1, bytes(res))
    cpu.cc = (1 if sig else 2) if nonzero else 0
    if mark and marked >= 0:
        cpu.gpr[1] = (cpu.gpr[1] & 0xFF000000) | ((addr1 + marked) & 0xFFFFFF)


HELPERS = {
    "dec_add": dec_add, "dec_zap": dec_zap, "dec_compare": dec_compare,
    "dec_multiply": dec_multiply, "dec_divide": dec_divide,
    "dec_shift_round": dec_shift_round, "dec_pack": dec_pack, "dec_unpack": dec_unpack,
    "dec_cvb": dec_cvb, "dec_cvd": dec_cvd, "dec_edit": dec_edit,
}

INSTRUCTIONS = [
    instr("AP", 0xFA, "SS2", "dec_add(cpu, addr1, l1, addr2, l2, False)", cls="decimal"),
    instr("SP", 0xFB, "SS2", "dec_add(cpu, addr1, l1, addr2, l2, True)", cls="decimal"),
    instr("ZAP", 0xF8, "SS2", "dec_zap(cpu, addr1, l1, addr2, l2)", cls="decimal"),
    instr("CP", 0xF9, "SS2", "dec_compare(cpu, addr1, l1, addr2, l2)", cls="decimal"),
    instr("MP", 0xFC, "SS2", "dec_multiply(cpu, addr1, l1, addr2, l2)", cls="decimal"),
    instr("DP", 0xFD, "SS2", "dec_divide(cpu, addr1, l1, addr2, l2)", cls="decimal"),
    instr("SRP", 0xF0, "SRP", "dec_shift_round(cpu, addr1, l1, addr2, i3)",
          layout="D1(L1,B1),D2(B2),I3", cls="decimal"),
    instr("PACK", 0xF2, "SS2", "dec_pack(cpu, addr1, l1, addr2, l2)", cls="decimal"),
    instr("UNPK", 0xF3, "SS2", "dec_unpack(cpu, addr1, l1, addr2, l2)", cls="decimal"),
    instr("CVB", 0x4F, "RX", "dec_cvb(cpu, r1, addr)", cls="decimal"),
    instr("CVD", 0x4E, "RX", "dec_cvd(cpu, r1, addr)", cls="decimal"),
    instr("ED", 0xDE, "SS", "dec_edit(cpu, addr1, l, addr2, False)", cls="decimal"),
    instr("EDMK", 0xDF, "SS", "dec_edit(cpu, addr1, l, addr2, True)", cls="decimal"),
]
