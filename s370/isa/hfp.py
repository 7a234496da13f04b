"""Hexadecimal floating-point instructions (GA22-7000 chapter 9, "Floating-Point
Instructions").

Formats, by the number of hexadecimal fraction digits ``nd``:

- short (6): one word: sign bit, 7-bit characteristic (excess 64), 24-bit fraction;
- long (14): one doubleword, 56-bit fraction;
- extended (28): two long registers R and R+2 (pairs 0-2 and 4-6); the fraction is
  the 14 digits of the high part followed by the 14 of the low part; the low
  part's sign and characteristic are ignored on input and set on results to the
  high sign and a characteristic 14 smaller (modulo 128).

Values are passed around packed, as Python ints of 32, 64 or 128 bits
(extended = high << 64 | low). ``unpack`` splits one into (sign, characteristic,
fraction) and ``pack`` builds it back; the arithmetic works on those ints with
unbounded characteristics, and ``finish`` and ``_significance`` apply the rules:
exponent overflow (characteristic 128 too big, interruption code X'0C', always),
exponent underflow (X'0D' when the exponent-underflow mask ``cpu.pm & 2`` is one,
otherwise a true zero), significance (X'0E' when ``cpu.pm & 1``, otherwise a true
zero). Those exceptions complete the operation: the result and condition code
are set first, then ``ProgramInterrupt`` is raised. Floating-point divide (X'0F')
suppresses.

Arithmetic is truncating (no rounding except LOAD ROUNDED). Addition aligns the
operand with the smaller characteristic and keeps one hexadecimal guard digit of
it; multiplication and division prenormalize the operands and truncate the exact
product or quotient.

FPRs live in ``cpu.fpr[0, 2, 4, 6]`` as 64-bit images; short operands use the
left half and leave the right half of the register unchanged.
"""
from __future__ import annotations

from fractions import Fraction

from ..errors import (PGM_EXPONENT_OVERFLOW, PGM_EXPONENT_UNDERFLOW, PGM_FP_DIVIDE,
                      PGM_SIGNIFICANCE, ProgramInterrupt)
from .table import Instr, instr

SHORT, LONG, EXT = 6, 14, 28

#: The sign bit of a packed value of each format.
SIGN = {SHORT: 1 << 31, LONG: 1 << 63, EXT: 1 << 127}

_M56 = (1 << 56) - 1


# ----------------------------------------------------------------- encoding
def unpack(v: int, nd: int) -> tuple[int, int, int]:
    """(sign 0/1, characteristic 0-127, fraction of nd hex digits) of a packed value."""
    if nd == EXT:
        return v >> 127, (v >> 120) & 0x7F, (((v >> 64) & _M56) << 56) | (v & _M56)
    bits = 4 * nd
    return v >> (bits + 7), (v >> bits) & 0x7F, v & ((1 << bits) - 1)


def pack(sign: int, char: int, frac: int, nd: int) -> int:
    """Packed value from its parts (char already in 0-127). For extended results
    the low part gets the high sign and a characteristic 14 smaller (mod 128),
    except that an all-zero result stays all zero."""
    if nd == EXT:
        hi = (sign << 63) | (char << 56) | (frac >> 56)
        lo = frac & _M56
        if hi or lo:
            lo |= (sign << 63) | (((char - 14) & 0x7F) << 56)
        return (hi << 64) | lo
    bits = 4 * nd
    return (sign << (bits + 7)) | (char << bits) | frac


def normalize(frac: int, char: int, scale: int, nd: int) -> tuple[int, int]:
    """Normalize and truncate. ``frac`` (nonzero) stands for the value
    frac * 16**(char - 64 - scale); the result is (f, c) with f a normalized
    nd-digit fraction and the same value truncated toward zero, c unbounded."""
    digits = (frac.bit_length() + 3) >> 2
    shift = digits - nd
    if shift > 0:
        frac >>= 4 * shift
    else:
        frac <<= -4 * shift
    return frac, char - scale + digits


def finish(sign: int, char: int, frac: int, nd: int, pm: int) -> tuple[int, int]:
    """(packed result, interruption code or 0) of a normalized result whose
    characteristic may be out of range. A zero fraction gives a true zero."""
    if frac == 0:
        return 0, 0
    if char > 127:
        return pack(sign, char - 128, frac, nd), PGM_EXPONENT_OVERFLOW
    if char < 0:
        if pm & 2:
            return pack(sign, char + 128, frac, nd), PGM_EXPONENT_UNDERFLOW
        return 0, 0
    return pack(sign, char, frac, nd), 0


def _significance(char: int, nd: int, pm: int) -> tuple[int, int]:
    """A zero result fraction: with the significance mask on, a plus zero that
    keeps the intermediate characteristic, and the interruption; else true zero."""
    if pm & 1:
        return pack(0, char, 0, nd), PGM_SIGNIFICANCE
    return 0, 0


# --------------------------------------------------------------- arithmetic
def _aligned_sum(a: int, b: int, nd: int) -> tuple[int, int]:
    """The intermediate sum of ADD: (signed fraction with one guard digit, char).
    The fraction of the operand with the smaller characteristic is shifted right
    by the difference; digits shifted beyond the guard digit are lost."""
    s1, c1, f1 = unpack(a, nd)
    s2, c2, f2 = unpack(b, nd)
    f1 <<= 4
    f2 <<= 4
    if c1 < c2:
        c1, c2, f1, f2, s1, s2 = c2, c1, f2, f1, s2, s1
    d = c1 - c2
    f2 = f2 >> (4 * d) if d <= nd + 1 else 0
    return (-f1 if s1 else f1) + (-f2 if s2 else f2), c1


def add(a: int, b: int, nd: int, normalized: bool, pm: int) -> tuple[int, int]:
    """ADD NORMALIZED / ADD UNNORMALIZED (subtract: flip b's sign first)."""
    v, c = _aligned_sum(a, b, nd)
    sign = 0
    if v < 0:
        sign, v = 1, -v
    if v == 0:
        return _significance(c, nd, pm)
    if normalized:
        f, c = normalize(v, c, nd + 1, nd)
        return finish(sign, c, f, nd, pm)
    if v >> (4 * (nd + 1)):                 # carry: shift right one digit
        v >>= 4
        c += 1
    f = v >> 4                              # drop the guard digit
    if f == 0:
        return _significance(c, nd, pm)
    if c > 127:
        return pack(sign, c - 128, f, nd), PGM_EXPONENT_OVERFLOW
    return pack(sign, c, f, nd), 0


def compare(a: int, b: int, nd: int) -> int:
    """COMPARE: the condition code of a - b computed as normalized subtraction
    (with its guard digit) would compute it; zero fractions compare equal."""
    v, _ = _aligned_sum(a, b ^ SIGN[nd], nd)
    return 0 if v == 0 else (1 if v < 0 else 2)


def _prenormalized(v: int, nd: int) -> tuple[int, int, int]:
    s, c, f = unpack(v, nd)
    if f:
        f, c = normalize(f, c, nd, nd)
    return s, c, f


def multiply(a: int, b: int, nd: int, nd_out: int, pm: int) -> tuple[int, int]:
    """MULTIPLY: nd-digit operands, nd_out-digit result (ME/MXD: longer than the
    operands). Zero fraction operand: true zero result, no exception."""
    s1, c1, f1 = _prenormalized(a, nd)
    s2, c2, f2 = _prenormalized(b, nd)
    if not f1 or not f2:
        return 0, 0
    f, c = normalize(f1 * f2, c1 + c2 - 64, 2 * nd, nd_out)
    return finish(s1 ^ s2, c, f, nd_out, pm)


def divide(a: int, b: int, nd: int, pm: int) -> tuple[int, int]:
    """DIVIDE: a zero divisor fraction is a floating-point-divide exception
    (the operation is suppressed); a zero dividend fraction gives a true zero."""
    s2, c2, f2 = _prenormalized(b, nd)
    if not f2:
        raise ProgramInterrupt(PGM_FP_DIVIDE)
    s1, c1, f1 = _prenormalized(a, nd)
    if not f1:
        return 0, 0
    f, c = normalize((f1 << (4 * nd)) // f2, c1 - c2 + 64, nd, nd)
    return finish(s1 ^ s2, c, f, nd, pm)


def halve(a: int, nd: int, pm: int) -> tuple[int, int]:
    """HALVE: the operand divided by two, normalized (a zero fraction gives a
    true zero); exponent underflow as for the other normalized operations."""
    s, c, f = unpack(a, nd)
    if not f:
        return 0, 0
    f, c = normalize(f << 3, c, nd + 1, nd)
    return finish(s, c, f, nd, pm)


def round_to(a: int, nd: int, nd_out: int) -> tuple[int, int]:
    """LOAD ROUNDED: add one to the first fraction bit beyond nd_out digits and
    truncate; a carry out of the fraction shifts it right one digit. The result
    is not normalized; only exponent overflow can occur."""
    s, c, f = unpack(a, nd)
    drop = 4 * (nd - nd_out)
    f = (f + (1 << (drop - 1))) >> drop
    if f >> (4 * nd_out):
        f >>= 4
        c += 1
        if c > 127:
            return pack(s, c - 128, f, nd_out), PGM_EXPONENT_OVERFLOW
    return pack(s, c, f, nd_out), 0


def cc_of(v: int, nd: int) -> int:
    """Condition code of a result: 0 fraction zero, 1 minus, 2 plus."""
    s, _, f = unpack(v, nd)
    return 0 if f == 0 else (2 - s)


# ---------------------------------------------------------------- registers
def get(cpu, r: int, nd: int) -> int:
    """The packed operand of format nd in FPR r (or the pair r, r+2)."""
    if nd == SHORT:
        return cpu.fpr[r] >> 32
    if nd == LONG:
        return cpu.fpr[r]
    return (cpu.fpr[r] << 64) | cpu.fpr[r + 2]


def put(cpu, r: int, nd: int, v: int) -> None:
    """Store a packed result of format nd in FPR r (short: left half only)."""
    fpr = cpu.fpr
    if nd == SHORT:
        fpr[r] = (v << 32) | (fpr[r] & 0xFFFFFFFF)
    elif nd == LONG:
        fpr[r] = v
    else:
        fpr[r] = v >> 64
        fpr[r + 2] = v & 0xFFFFFFFFFFFFFFFF


def result(cpu, r1: int, nd: int, vc: tuple[int, int], setcc: bool) -> None:
    """Place (value, code) from an arithmetic helper in R1, set the CC if the
    instruction does, then take the completing exception if there is one."""
    v, code = vc
    put(cpu, r1, nd, v)
    if setcc:
        cpu.cc = cc_of(v, nd)
    if code:
        raise ProgramInterrupt(code)


# ------------------------------------------------- conversions for people
def to_fraction(v: int, nd: int) -> Fraction:
    """The exact value of a packed HFP number."""
    s, c, f = unpack(v, nd)
    x = Fraction(f) * Fraction(16) ** (c - 64 - nd)
    return -x if s else x


def to_float(v: int, nd: int = LONG) -> float:
    """A packed HFP number as a Python float, for displays and reports
    (extended and long values may lose precision; the range always fits)."""
    return float(to_fraction(v, nd))


def from_number(x, nd: int = LONG, rounded: bool = True) -> int:
    """A normalized packed HFP number for ``x`` (int, float, Fraction or decimal
    string), rounded half up in magnitude (``rounded=False``: truncated), as an
    assembler's E, D and L constants need. Out of range raises ValueError."""
    x = Fraction(x)
    if x == 0:
        return 0
    sign = 1 if x < 0 else 0
    x = abs(x)
    e = 0                                   # x = m * 16**e with 1/16 <= m < 1
    while x >= Fraction(16) ** e:
        e += 1
    while x < Fraction(16) ** (e - 1):
        e -= 1
    scaled = x * Fraction(16) ** (nd - e)
    frac = int(scaled + Fraction(1, 2)) if rounded else int(scaled)
    if frac >> (4 * nd):                    # rounding carried into a new digit
        frac >>= 4
        e += 1
    if not 0 <= e + 64 <= 127:
        raise ValueError(f"{x} is outside the hexadecimal floating-point range")
    return pack(sign, e + 64, frac, nd)


# ------------------------------------------------------------ instructions
HELPERS = {
    "hfp_get": get, "hfp_put": put, "hfp_result": result, "hfp_add": add,
    "hfp_compare": compare, "hfp_multiply": multiply, "hfp_divide": divide,
    "hfp_halve": halve, "hfp_round": round_to, "hfp_cc": cc_of,
}

_RR, _RX = "RR", "RX"


def _fp(mnemonic: str, opcode: int, fmt: str, body: str) -> Instr:
    return instr(mnemonic, opcode, fmt, body, cls="float")


def _family(names: tuple[str, str, str, str], opcodes: tuple[int, int, int, int],
            body: str) -> list[Instr]:
    """The four forms of one operation: short RR, long RR, short RX, long RX.
    The body uses ``{nd}`` for the digit count and ``{op2}`` for the second operand."""
    out = []
    for (name, op), fmt, nd in zip(zip(names, opcodes), (_RR, _RR, _RX, _RX),
                                   (SHORT, LONG, SHORT, LONG)):
        if fmt == _RR:
            src = f"hfp_get(cpu, r2, {nd})"
            check = "if (r1 | r2) & 9: spec()\n"
        else:
            src = "cpu.fw(addr)" if nd == SHORT else "cpu.fd(addr)"
            check = "if r1 & 9: spec()\n"
        out.append(_fp(name, op, fmt, check + body.format(op2=src, nd=nd)))
    return out


def _arith(names: tuple[str, str, str, str], opcodes: tuple[int, int, int, int],
           call: str, setcc: bool) -> list[Instr]:
    """The four forms of an arithmetic operation whose helper returns
    (value, code) for ``hfp_result``."""
    return _family(names, opcodes, "hfp_result(cpu, r1, {nd}, %s, %s)" % (call, setcc))


_ADD = "hfp_add(hfp_get(cpu, r1, {nd}), {op2}, {nd}, True, cpu.pm)"
_SUB = "hfp_add(hfp_get(cpu, r1, {nd}), {op2} ^ SIGN_{nd}, {nd}, True, cpu.pm)"
_ADDU = "hfp_add(hfp_get(cpu, r1, {nd}), {op2}, {nd}, False, cpu.pm)"
_SUBU = "hfp_add(hfp_get(cpu, r1, {nd}), {op2} ^ SIGN_{nd}, {nd}, False, cpu.pm)"
HELPERS.update({"SIGN_6": SIGN[SHORT], "SIGN_14": SIGN[LONG], "SIGN_28": SIGN[EXT]})

INSTRUCTIONS = [
    # loads and stores: no CC, no exceptions but specification and access
    _fp("LER", 0x38, _RR, "if (r1 | r2) & 9: spec()\nhfp_put(cpu, r1, 6, cpu.fpr[r2] >> 32)"),
    _fp("LDR", 0x28, _RR, "if (r1 | r2) & 9: spec()\ncpu.fpr[r1] = cpu.fpr[r2]"),
    _fp("LE", 0x78, _RX, "if r1 & 9: spec()\nhfp_put(cpu, r1, 6, cpu.fw(addr))"),
    _fp("LD", 0x68, _RX, "if r1 & 9: spec()\ncpu.fpr[r1] = cpu.fd(addr)"),
    _fp("STE", 0x70, _RX, "if r1 & 9: spec()\ncpu.sw(addr, cpu.fpr[r1] >> 32)"),
    _fp("STD", 0x60, _RX, "if r1 & 9: spec()\ncpu.sd(addr, cpu.fpr[r1])"),
    # sign manipulation: characteristic and fraction unchanged, CC from the result
    _fp("LTER", 0x32, _RR, "if (r1 | r2) & 9: spec()\nv = cpu.fpr[r2] >> 32\n"
        "hfp_put(cpu, r1, 6, v)\ncpu.cc = hfp_cc(v, 6)"),
    _fp("LTDR", 0x22, _RR, "if (r1 | r2) & 9: spec()\nv = cpu.fpr[r2]\n"
        "cpu.fpr[r1] = v\ncpu.cc = hfp_cc(v, 14)"),
    _fp("LCER", 0x33, _RR, "if (r1 | r2) & 9: spec()\nv = (cpu.fpr[r2] >> 32) ^ 0x80000000\n"
        "hfp_put(cpu, r1, 6, v)\ncpu.cc = hfp_cc(v, 6)"),
    _fp("LCDR", 0x23, _RR, "if (r1 | r2) & 9: spec()\nv = cpu.fpr[r2] ^ 0x8000000000000000\n"
        "cpu.fpr[r1] = v\ncpu.cc = hfp_cc(v, 14)"),
    _fp("LPER", 0x30, _RR, "if (r1 | r2) & 9: spec()\nv = (cpu.fpr[r2] >> 32) & 0x7FFFFFFF\n"
        "hfp_put(cpu, r1, 6, v)\ncpu.cc = hfp_cc(v, 6)"),
    _fp("LPDR", 0x20, _RR, "if (r1 | r2) & 9: spec()\nv = cpu.fpr[r2] & 0x7FFFFFFFFFFFFFFF\n"
        "cpu.fpr[r1] = v\ncpu.cc = hfp_cc(v, 14)"),
    _fp("LNER", 0x31, _RR, "if (r1 | r2) & 9: spec()\nv = (cpu.fpr[r2] >> 32) | 0x80000000\n"
        "hfp_put(cpu, r1, 6, v)\ncpu.cc = hfp_cc(v, 6)"),
    _fp("LNDR", 0x21, _RR, "if (r1 | r2) & 9: spec()\nv = cpu.fpr[r2] | 0x8000000000000000\n"
        "cpu.fpr[r1] = v\ncpu.cc = hfp_cc(v, 14)"),
    # halve and load rounded
    _fp("HER", 0x34, _RR, "if (r1 | r2) & 9: spec()\n"
        "hfp_result(cpu, r1, 6, hfp_halve(cpu.fpr[r2] >> 32, 6, cpu.pm), False)"),
    _fp("HDR", 0x24, _RR, "if (r1 | r2) & 9: spec()\n"
        "hfp_result(cpu, r1, 14, hfp_halve(cpu.fpr[r2], 14, cpu.pm), False)"),
    _fp("LRER", 0x35, _RR, "if (r1 | r2) & 9: spec()\n"
        "hfp_result(cpu, r1, 6, hfp_round(cpu.fpr[r2], 14, 6), False)"),
    _fp("LRDR", 0x25, _RR, "if r1 & 9 or r2 & 11: spec()\n"
        "hfp_result(cpu, r1, 14, hfp_round(hfp_get(cpu, r2, 28), 28, 14), False)"),
    # extended add, subtract, multiply
    _fp("AXR", 0x36, _RR, "if (r1 | r2) & 11: spec()\nhfp_result(cpu, r1, 28, "
        "hfp_add(hfp_get(cpu, r1, 28), hfp_get(cpu, r2, 28), 28, True, cpu.pm), True)"),
    _fp("SXR", 0x37, _RR, "if (r1 | r2) & 11: spec()\nhfp_result(cpu, r1, 28, hfp_add(hfp_get(cpu, r1, 28), "
        "hfp_get(cpu, r2, 28) ^ SIGN_28, 28, True, cpu.pm), True)"),
    _fp("MXR", 0x26, _RR, "if (r1 | r2) & 11: spec()\nhfp_result(cpu, r1, 28, hfp_multiply("
        "hfp_get(cpu, r1, 28), hfp_get(cpu, r2, 28), 28, 28, cpu.pm), False)"),
    _fp("MXDR", 0x27, _RR, "if r1 & 11 or r2 & 9: spec()\nhfp_result(cpu, r1, 28, hfp_multiply("
        "cpu.fpr[r1], cpu.fpr[r2], 14, 28, cpu.pm), False)"),
    _fp("MXD", 0x67, _RX, "if r1 & 11: spec()\nhfp_result(cpu, r1, 28, hfp_multiply("
        "cpu.fpr[r1], cpu.fd(addr), 14, 28, cpu.pm), False)"),
    # multiply short -> long result (ME, MER), long -> long
    _fp("MER", 0x3C, _RR, "if (r1 | r2) & 9: spec()\nhfp_result(cpu, r1, 14, hfp_multiply("
        "cpu.fpr[r1] >> 32, cpu.fpr[r2] >> 32, 6, 14, cpu.pm), False)"),
    _fp("ME", 0x7C, _RX, "if r1 & 9: spec()\nhfp_result(cpu, r1, 14, hfp_multiply("
        "cpu.fpr[r1] >> 32, cpu.fw(addr), 6, 14, cpu.pm), False)"),
    _fp("MDR", 0x2C, _RR, "if (r1 | r2) & 9: spec()\nhfp_result(cpu, r1, 14, hfp_multiply("
        "cpu.fpr[r1], cpu.fpr[r2], 14, 14, cpu.pm), False)"),
    _fp("MD", 0x6C, _RX, "if r1 & 9: spec()\nhfp_result(cpu, r1, 14, hfp_multiply("
        "cpu.fpr[r1], cpu.fd(addr), 14, 14, cpu.pm), False)"),
]

INSTRUCTIONS += _arith(("AER", "ADR", "AE", "AD"), (0x3A, 0x2A, 0x7A, 0x6A), _ADD, True)
INSTRUCTIONS += _arith(("SER", "SDR", "SE", "SD"), (0x3B, 0x2B, 0x7B, 0x6B), _SUB, True)
INSTRUCTIONS += _arith(("AUR", "AWR", "AU", "AW"), (0x3E, 0x2E, 0x7E, 0x6E), _ADDU, True)
INSTRUCTIONS += _arith(("SUR", "SWR", "SU", "SW"), (0x3F, 0x2F, 0x7F, 0x6F), _SUBU, True)
INSTRUCTIONS += _arith(("DER", "DDR", "DE", "DD"), (0x3D, 0x2D, 0x7D, 0x6D),
                       "hfp_divide(hfp_get(cpu, r1, {nd}), {op2}, {nd}, cpu.pm)", False)
INSTRUCTIONS += _family(("CER", "CDR", "CE", "CD"), (0x39, 0x29, 0x79, 0x69),
                        "cpu.cc = hfp_compare(hfp_get(cpu, r1, {nd}), {op2}, {nd})")
