"""EFLAGS bits and the lazy arithmetic flags.

EFLAGS layout: 80386 PRM section 2.3.4 "Flags Register", Figure 2-8; AC (bit 18)
and ID (bit 21) are the 486's and Pentium's.

The six arithmetic flags (CF PF AF ZF SF OF) are not computed by the instruction
that sets them but by whoever reads them, from three values the instruction
leaves in the CPU:

``lres``  the result, masked to the operand size
``lbits`` the operand size in bits (8, 16, 32); 0 means "not lazy": the flags are
          the bits of ``cpu.eflags`` itself
``lcv``   the carry vector: for an add or subtract of a and b with exact result r,
          ``a ^ b ^ r``. Its bit i is the carry (borrow) *into* bit i, so
          CF = bit n (carry out of the top bit), AF = bit 4 (carry out of bit 3),
          OF = bit n-1 XOR bit n (carry into the sign bit differs from carry out).

ZF, SF and PF come from ``lres`` (PF: even parity of its low byte). Instructions
whose CF/OF/AF are not those of an add (logic ops, shifts, INC/DEC keeping CF,
multiplies) build an ``lcv`` with the same three bit positions: :func:`cv`.
"""
from __future__ import annotations

CF = 0x0001
PF = 0x0004
AF = 0x0010
ZF = 0x0040
SF = 0x0080
TF = 0x0100
IF = 0x0200
DF = 0x0400
OF = 0x0800
IOPL = 0x3000
NT = 0x4000
RF = 0x10000
VM = 0x20000
AC = 0x40000
ID = 0x200000

#: the arithmetic flags that are lazy
ARITH = CF | PF | AF | ZF | SF | OF
#: bit 1 is always 1; bits 3, 5, 15 and 22-31 are always 0
FIXED_ONE = 0x0002
#: the bits software can ever hold on this CPU (a 486: AC yes; ID yes, for CPUID
#: detection, SDM 19.1 "Using the CPUID instruction")
IMPLEMENTED = ARITH | TF | IF | DF | OF | IOPL | NT | RF | VM | AC | ID

#: PARITY[b] is PF for a result whose low byte is b (set when the number of 1 bits
#: is even; PRM 2.3.4.1)
PARITY = bytes(PF if bin(b).count("1") % 2 == 0 else 0 for b in range(256))


def cv(bits: int, cf: int, of: int, af: int = 0) -> int:
    """A carry vector for operand size ``bits`` that reads back as these CF/OF/AF."""
    return (cf << bits) | ((of ^ cf) << (bits - 1)) | (af << 4)


def arith(lres: int, lcv: int, lbits: int) -> int:
    """The arithmetic EFLAGS bits that a lazy state (``lres``, ``lcv``, ``lbits``) means."""
    c = (lcv >> lbits) & 1
    o = ((lcv >> (lbits - 1)) ^ c) & 1
    return (c | PARITY[lres & 0xFF] | (lcv & AF) | (ZF if lres == 0 else 0)
            | (SF if (lres >> (lbits - 1)) & 1 else 0) | (OF if o else 0))
