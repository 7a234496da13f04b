"""DC/DS constants: lengths, alignment and the bytes of each type
(HLASM Language Reference, "DC instruction", one subsection per type).

Address constants (A, Y, V, S) need the assembler's expression evaluation and are
encoded in ``assembler.py``; everything else is here.
"""
from __future__ import annotations

from fractions import Fraction

from ..ebcdic import to_ebcdic

#: Boundary of each type when no explicit length is given (otherwise 1).
ALIGN = {"F": 4, "A": 4, "V": 4, "E": 4, "H": 2, "Y": 2, "S": 2, "D": 8, "L": 8}
#: Implicit length of the fixed-length types.
FIXED_LEN = {"F": 4, "A": 4, "V": 4, "E": 4, "H": 2, "Y": 2, "S": 2, "D": 8, "L": 16}
#: Largest explicit length per type.
MAX_LEN = {"C": 256, "X": 256, "B": 256, "P": 16, "Z": 16, "F": 8, "H": 8, "A": 4,
           "Y": 2, "V": 4, "S": 2, "E": 8, "D": 8, "L": 16}
ADDRESS_TYPES = "AYVS"


class ConstantError(Exception):
    """A nominal value that does not fit its type (message fit for the listing)."""


def char_value(nominal: str) -> str:
    """The characters of C'...' (doubled quotes and ampersands undoubled)."""
    return nominal.replace("''", "'").replace("&&", "&")


def split_values(typ: str, nominal: str) -> list[str]:
    """Nominal values of one operand: C is one value, the others are comma lists."""
    if typ == "C":
        return [char_value(nominal)]
    return [v.strip() for v in nominal.split(",")]


def implicit_length(typ: str, value: str) -> int:
    """Length of one nominal value when no Ln is given."""
    if typ in FIXED_LEN:
        return FIXED_LEN[typ]
    if typ == "C":
        return len(value)
    if typ == "X":
        return (len(value) + 1) // 2
    if typ == "B":
        return (len(value) + 7) // 8
    digits = sum(ch.isdigit() for ch in value)
    if typ == "P":
        return digits // 2 + 1
    if typ == "Z":
        return digits
    raise ConstantError(f"unknown constant type {typ}")


def _decimal(value: str) -> tuple[bool, str]:
    v = value.strip()
    neg = v.startswith("-")
    v = v.lstrip("+-")
    if not v or any(ch not in "0123456789." for ch in v) or v.count(".") > 1:
        raise ConstantError(f"invalid decimal value '{value}'")
    return neg, v.replace(".", "")


def _fixed(value: str, length: int) -> bytes:
    v = value.strip().upper()
    try:
        x = Fraction(v) if any(ch in v for ch in ".E") else Fraction(int(v, 10))
    except (ValueError, ZeroDivisionError):
        raise ConstantError(f"invalid fixed-point value '{value}'") from None
    n = int(x) if x.denominator == 1 else (int(x + Fraction(1, 2)) if x >= 0 else -int(-x + Fraction(1, 2)))
    bits = 8 * length
    if not -(1 << (bits - 1)) <= n < (1 << (bits - 1)):
        raise ConstantError(f"ASMA072E Data item too large: {value}")
    return (n & ((1 << bits) - 1)).to_bytes(length, "big")


def hex_float(value: str, length: int) -> bytes:
    """Hexadecimal floating point (GA22-7000 chapter 9): sign, excess-64 base-16
    characteristic, fraction; rounded to nearest on the first lost bit, as HLASM's
    default rounding does. L (extended) has a low-order half whose characteristic is
    14 less than the high-order one."""
    v = value.strip().upper()
    try:
        x = Fraction(v)
    except (ValueError, ZeroDivisionError):
        raise ConstantError(f"invalid floating-point value '{value}'") from None
    digits = {4: 6, 8: 14, 16: 28}.get(length, 14 if length > 4 else 6)
    if x == 0:
        return bytes(length)
    neg = x < 0
    x = abs(x)
    e = 0
    while x >= Fraction(16) ** e:
        e += 1
    while x < Fraction(16) ** (e - 1):
        e -= 1
    frac = x / (Fraction(16) ** e)
    bits = digits * 4
    scaled = frac * (1 << bits)
    mant = int(scaled + Fraction(1, 2))
    if mant >> bits:
        mant >>= 4
        e += 1
    char = e + 64
    if not 0 <= char <= 127:
        raise ConstantError(f"ASMA072E floating-point value out of range: {value}")
    sign = 0x80 if neg else 0
    if digits == 28:
        hi, lo = mant >> 56, mant & ((1 << 56) - 1)
        out = bytes([sign | char]) + hi.to_bytes(7, "big") + bytes([sign | ((char - 14) & 0x7F)]) + lo.to_bytes(7, "big")
    else:
        out = bytes([sign | char]) + mant.to_bytes(digits // 2, "big")
    if length < len(out):
        return out[:length]
    return out + bytes(length - len(out))


def encode_value(typ: str, value: str, length: int) -> bytes:
    """Bytes of one nominal value of a non-address type at ``length``."""
    if typ == "C":
        data = to_ebcdic(value)
        return data[:length] + b"\x40" * (length - len(data))
    if typ == "X":
        if any(ch not in "0123456789ABCDEFabcdef" for ch in value) or not value:
            raise ConstantError(f"invalid hexadecimal constant '{value}'")
        if len(value) % 2:
            value = "0" + value
        data = bytes.fromhex(value)
        return data[-length:] if len(data) >= length else bytes(length - len(data)) + data
    if typ == "B":
        if any(ch not in "01" for ch in value) or not value:
            raise ConstantError(f"invalid binary constant '{value}'")
        n = int(value, 2)
        nbytes = (len(value) + 7) // 8
        data = n.to_bytes(nbytes, "big")
        return data[-length:] if len(data) >= length else bytes(length - len(data)) + data
    if typ in ("F", "H"):
        return _fixed(value, length)
    if typ == "P":
        neg, digits = _decimal(value)
        if len(digits) % 2 == 0:
            digits = "0" + digits
        nib = digits + ("D" if neg else "C")
        data = bytes.fromhex(nib)
        return data[-length:] if len(data) >= length else bytes(length - len(data)) + data
    if typ == "Z":
        neg, digits = _decimal(value)
        data = bytearray(0xF0 | int(d) for d in digits)
        data[-1] = (0xD0 if neg else 0xC0) | (data[-1] & 0x0F)
        data = bytes(data)
        return data[-length:] if len(data) >= length else b"\xF0" * (length - len(data)) + data
    if typ in ("E", "D", "L"):
        return hex_float(value, length)
    raise ConstantError(f"unsupported constant type {typ}")
