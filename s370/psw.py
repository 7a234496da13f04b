"""BC-mode and EC-mode PSW encode/decode (GA22-7000, "Program-Status Word").

The CPU keeps the PSW as separate fields for speed; these functions are the one
place that knows the 64-bit layouts.

BC mode: 0-7 system mask, 8-11 key, 12 EC=0, 13 M, 14 W, 15 P, 16-31 interruption
code, 32-33 ILC, 34-35 CC, 36-39 program mask, 40-63 instruction address.
EC mode: 1 PER, 5 DAT, 6 I/O, 7 external, 8-11 key, 12 EC=1, 13 M, 14 W, 15 P,
18-19 CC, 20-23 program mask, 40-63 instruction address; bits 0, 2-4, 16-17 and
24-39 must be zero (specification exception otherwise).
"""
from __future__ import annotations
from typing import NamedTuple

EC_INVALID_BITS = (1 << 63) | (7 << 59) | (3 << 46) | (0xFFFF << 24)


class PSW(NamedTuple):
    sysmask: int
    key: int
    ec: bool
    mcheck: bool
    wait: bool
    problem: bool
    cc: int
    pm: int
    ia: int
    intcode: int = 0   # BC mode only
    ilc: int = 0       # BC mode only
    valid: bool = True


def decode(value: int) -> PSW:
    """Split a 64-bit PSW into its fields."""
    sysmask = (value >> 56) & 0xFF
    key = (value >> 52) & 0xF
    ec = bool((value >> 51) & 1)
    m = bool((value >> 50) & 1)
    w = bool((value >> 49) & 1)
    p = bool((value >> 48) & 1)
    ia = value & 0xFFFFFF
    if ec:
        cc = (value >> 44) & 3
        pm = (value >> 40) & 0xF
        return PSW(sysmask, key, True, m, w, p, cc, pm, ia, 0, 0,
                   not (value & EC_INVALID_BITS))
    intcode = (value >> 32) & 0xFFFF
    ilc = (value >> 30) & 3
    cc = (value >> 28) & 3
    pm = (value >> 24) & 0xF
    return PSW(sysmask, key, False, m, w, p, cc, pm, ia, intcode, ilc, True)


def encode(sysmask: int, key: int, ec: bool, mcheck: bool, wait: bool, problem: bool,
           cc: int, pm: int, ia: int, intcode: int = 0, ilc: int = 0) -> int:
    """Build a 64-bit PSW; ``intcode`` and ``ilc`` are placed only in BC mode."""
    hi = (sysmask << 24) | (key << 20) | (ec << 19) | (mcheck << 18) | (wait << 17) | (problem << 16)
    if ec:
        hi |= (cc << 12) | (pm << 8)
        return (hi << 32) | (ia & 0xFFFFFF)
    hi |= intcode & 0xFFFF
    lo = (ilc << 30) | (cc << 28) | (pm << 24) | (ia & 0xFFFFFF)
    return (hi << 32) | lo


def format_psw(value: int) -> str:
    """The PSW as VM/370 and Hercules print it: two words of hex."""
    return f"{value >> 32:08X} {value & 0xFFFFFFFF:08X}"
