"""General instructions (GA22-7000 chapter 7, "General Instructions").

Fixed-point and logical arithmetic, compares, loads and stores, branches, EXECUTE,
the storage-to-storage moves, compares and logical operations, MVCL/CLCL,
TRANSLATE, the shifts, LM/STM, CS/CDS/TS, SPM and SVC. Decimal instructions
(PACK, UNPK, CVB, CVD, ED, EDMK, AP, ...) live in ``decimal.py``.

Registers hold unsigned 32-bit ints. Signed results come from sign-bit tricks
inline (``x ^ 0x80000000`` orders signed values as unsigned ones; overflow of
``a + b = v`` is ``~(a ^ b) & (a ^ v)`` in the sign bit), because the hot fragments
must not call helpers (a Python call costs about as much as a simple
instruction). Fragments that run often inline the one storage fast path
(``access``: a lookup in the CPU's access TLB, in every mode) and fall back to
the CPU's fully checked accessors otherwise; rare or long-running instructions
call the helpers at the end of this module.

Several fragments are written once as templates and instantiated for their RR,
RX and halfword forms (``_inst``), so each rule (overflow, condition code,
pair-register check) exists in one place.
"""
from __future__ import annotations

import struct
import textwrap

from ..errors import PGM_EXECUTE, PGM_SPECIFICATION, ProgramInterrupt, StateChange
from . import access
from .table import instr

M24 = 0xFFFFFF
M32 = 0xFFFFFFFF

# --------------------------------------------------------------- operand forms
#: The word operand at ``addr`` in ``b``.
FETCH_W = access.fetch("b", 4)

#: The halfword operand at ``addr`` in ``b``, unsigned.
FETCH_H = access.fetch("b", 2)

#: The sign-extended halfword operand (unsigned 32-bit) of AH, SH, CH, LH in ``b``.
OP_H = FETCH_H + "b = ((b ^ 0x8000) - 0x8000) & 0xFFFFFFFF\n"

#: Condition code of a signed result held unsigned in ``v``: 0 zero, 1 <0, 2 >0.
CC_SIGNED = "cpu.cc = (1 if v & 0x80000000 else 2) if v else 0"

#: Fixed-point overflow: CC 3, interruption only when the program mask allows it
#: (PSW program-mask bit 36, ``pm & 8``). The result has already been stored.
OVERFLOW = """
    cpu.cc = 3
    if cpu.pm & 8:
        raise ProgramInterrupt(PGM_FIXED_OVERFLOW)
"""

#: Specification exception for an odd register where an even-odd pair is needed.
EVEN_R1 = """
    if r1 & 1:
        raise ProgramInterrupt(PGM_SPECIFICATION)
"""


def _indent(text: str, n: int) -> str:
    pad = " " * n
    text = textwrap.dedent(text.strip("\n"))
    return "\n".join(pad + ln if ln.strip() else ln for ln in text.splitlines())


def _body(template: str, **parts: str) -> str:
    """Fill a fragment template. ``{NAME}`` on a line of its own is replaced by a
    multi-line snippet at that line's indentation; elsewhere by an expression."""
    out = []
    for ln in template.strip("\n").splitlines():
        stripped = ln.strip()
        if stripped.startswith("{") and stripped.endswith("}") and stripped[1:-1] in parts:
            out.append(_indent(parts[stripped[1:-1]], len(ln) - len(ln.lstrip())))
        else:
            for key, val in parts.items():
                ln = ln.replace("{" + key + "}", val)
            out.append(ln)
    return "\n".join(out)


def _inst(mnemonic: str, opcode: int, fmt: str, template: str, cls: str = "general",
          layout: str | None = None, **parts: str):
    """Declare an instruction whose body is ``template`` with ``parts`` filled in."""
    parts.setdefault("OVERFLOW", OVERFLOW)
    parts.setdefault("CC_SIGNED", CC_SIGNED)
    parts.setdefault("EVEN_R1", EVEN_R1)
    return instr(mnemonic, opcode, fmt, _body(template, **parts), cls=cls, layout=layout)


def _three(names: tuple[str, str, str | None], opcodes: tuple[int, int, int | None],
           template: str):
    """RR, RX (word) and RX (halfword) forms of one operation: ``b`` is the operand."""
    out = [_inst(names[0], opcodes[0], "RR", template, GET="b = R[r2]"),
           _inst(names[1], opcodes[1], "RX", template, GET=FETCH_W)]
    if names[2]:
        out.append(_inst(names[2], opcodes[2], "RX", template, GET=OP_H))
    return out


# ------------------------------------------------------------------ templates
ADD = """
    {GET}
    a = R[r1]
    v = (a + b) & 0xFFFFFFFF
    R[r1] = v
    if ~(a ^ b) & (a ^ v) & 0x80000000:
        {OVERFLOW}
    else:
        {CC_SIGNED}
"""

SUB = """
    {GET}
    a = R[r1]
    v = (a - b) & 0xFFFFFFFF
    R[r1] = v
    if (a ^ b) & (a ^ v) & 0x80000000:
        {OVERFLOW}
    else:
        {CC_SIGNED}
"""

COMPARE = """
    {GET}
    a = R[r1] ^ 0x80000000
    b ^= 0x80000000
    cpu.cc = 0 if a == b else (1 if a < b else 2)
"""

# Add logical: CC 0 zero/no carry, 1 nonzero/no carry, 2 zero/carry, 3 nonzero/carry.
ADD_LOGICAL = """
    {GET}
    v = R[r1] + b
    w = v & 0xFFFFFFFF
    R[r1] = w
    cpu.cc = (2 if v > 0xFFFFFFFF else 0) | (1 if w else 0)
"""

# Subtract logical is a + ~b + 1: carry out exactly when a >= b (CC 0 impossible).
SUB_LOGICAL = """
    {GET}
    a = R[r1]
    w = (a - b) & 0xFFFFFFFF
    R[r1] = w
    cpu.cc = (2 if a >= b else 0) | (1 if w else 0)
"""

COMPARE_LOGICAL = """
    {GET}
    a = R[r1]
    cpu.cc = 0 if a == b else (1 if a < b else 2)
"""

LOGIC = """
    {GET}
    v = R[r1] {OP} b
    R[r1] = v
    cpu.cc = 1 if v else 0
"""

MULTIPLY = """
    {EVEN_R1}
    {GET}
    a = R[r1 + 1]
    v = ((a ^ 0x80000000) - 0x80000000) * ((b ^ 0x80000000) - 0x80000000)
    R[r1] = (v >> 32) & 0xFFFFFFFF
    R[r1 + 1] = v & 0xFFFFFFFF
"""

# Quotient truncated toward zero, remainder with the dividend's sign; a zero
# divisor or a quotient outside 32 bits suppresses the operation.
DIVIDE = """
    {EVEN_R1}
    {GET}
    d = (b ^ 0x80000000) - 0x80000000
    n = (R[r1] << 32) | R[r1 + 1]
    if n & 0x8000000000000000:
        n -= 0x10000000000000000
    if not d:
        raise ProgramInterrupt(PGM_FIXED_DIVIDE)
    q = abs(n) // abs(d)
    if (n < 0) != (d < 0):
        q = -q
    if not -0x80000000 <= q <= 0x7FFFFFFF:
        raise ProgramInterrupt(PGM_FIXED_DIVIDE)
    R[r1] = (n - q * d) & 0xFFFFFFFF
    R[r1 + 1] = q & 0xFFFFFFFF
"""


def _logic(rr, rx, op_rr, op_rx, op):
    return [_inst(rr, op_rr, "RR", LOGIC, GET="b = R[r2]", OP=op),
            _inst(rx, op_rx, "RX", LOGIC, GET=FETCH_W, OP=op)]


# ------------------------------------------------------- storage-to-storage
# The fast paths take operands that lie in one mapped 2K block each (access.py);
# overlap is then decided on real addresses, which is what byte-at-a-time
# processing sees.
MVC = """
    n = l + 1
    {PAIR}
        a1 = _f | (addr1 & 0x7FF)
        a2 = _g | (addr2 & 0x7FF)
        mem = cpu.mem
        if 0 < a1 - a2 < n:
            # destructive overlap: byte-at-a-time semantics repeat the first
            # (a1 - a2) source bytes (the MVC propagation idiom)
            pat = mem[a2:a1]
            mem[a1:a1 + n] = (pat * (n // len(pat) + 1))[:n]
        else:
            mem[a1:a1 + n] = mem[a2:a2 + n]
        {CODE}
    else:
        _ss_bytes(cpu, addr1, addr2, n, _MOVE)
"""

# NC/OC/XC: whole operands as big integers unless the first operand starts inside
# the second after its first byte (then byte-at-a-time results differ).
LOGIC_SS = """
    n = l + 1
    {PAIR}
        a1 = _f | (addr1 & 0x7FF)
        a2 = _g | (addr2 & 0x7FF)
        if 0 < a1 - a2 < n:
            cpu.cc = _ss_bytes(cpu, addr1, addr2, n, {FN})
        else:
            mem = cpu.mem
            v = int.from_bytes(mem[a1:a1 + n], "big") {OP} int.from_bytes(mem[a2:a2 + n], "big")
            mem[a1:a1 + n] = v.to_bytes(n, "big")
            {CODE}
            cpu.cc = 1 if v else 0
    else:
        cpu.cc = _ss_bytes(cpu, addr1, addr2, n, {FN})
"""

CLC = """
    n = l + 1
    {PAIR}
        mem = cpu.mem
        a1 = _f | (addr1 & 0x7FF)
        a2 = _g | (addr2 & 0x7FF)
        a = mem[a1:a1 + n]
        b = mem[a2:a2 + n]
    else:
        b = cpu.fetch(addr2, n)
        a = cpu.fetch(addr1, n)
    cpu.cc = 0 if a == b else (1 if a < b else 2)
"""

#: NI/OI/XI: read, change and store one byte (a store-TLB entry allows both).
SI_LOGIC = """
    {RANGE}
        ra = _f | (addr & 0x7FF)
        v = cpu.mem[ra] {OP} i2
        cpu.mem[ra] = v
        {CODE}
    else:
        v = cpu.fb(addr) {OP} i2
        cpu.sb(addr, v)
    cpu.cc = 1 if v else 0
"""

# ------------------------------------------------------------------- shifts
SHIFT_DOUBLE_GET = EVEN_R1 + """
    s = addr & 63
    v = (R[r1] << 32) | R[r1 + 1]
"""
SHIFT_DOUBLE_PUT = """
    R[r1] = v >> 32
    R[r1 + 1] = v & 0xFFFFFFFF
"""

# ----------------------------------------------------------- the declarations
INSTRUCTIONS = [
    # ---- loads and stores
    instr("LR", 0x18, "RR", "R[r1] = R[r2]"),
    _inst("LTR", 0x12, "RR", """
        v = R[r2]
        R[r1] = v
        {CC_SIGNED}
    """),
    _inst("LCR", 0x13, "RR", """
        v = (-R[r2]) & 0xFFFFFFFF
        R[r1] = v
        if v == 0x80000000:
            {OVERFLOW}
        else:
            {CC_SIGNED}
    """),
    _inst("LPR", 0x10, "RR", """
        v = R[r2]
        if v & 0x80000000:
            v = (-v) & 0xFFFFFFFF
        R[r1] = v
        if v == 0x80000000:
            {OVERFLOW}
        else:
            cpu.cc = 2 if v else 0
    """),
    _inst("LNR", 0x11, "RR", """
        v = R[r2]
        if v and not v & 0x80000000:
            v = 0x100000000 - v
        R[r1] = v
        cpu.cc = 1 if v else 0
    """),
    _inst("L", 0x58, "RX", """
        {FETCH}
        R[r1] = b
    """, FETCH=FETCH_W),
    instr("LA", 0x41, "RX", "R[r1] = addr"),
    _inst("LH", 0x48, "RX", """
        {GET}
        R[r1] = b
    """, GET=OP_H),
    instr("ST", 0x50, "RX", access.store("R[r1]", 4)),
    instr("STH", 0x40, "RX", access.store("R[r1] & 0xFFFF", 2)),
    instr("STC", 0x42, "RX", access.store("R[r1] & 0xFF", 1)),
    _inst("IC", 0x43, "RX", """
        {GET}
        R[r1] = (R[r1] & 0xFFFFFF00) | b
    """, GET=access.fetch("b", 1)),
    instr("ICM", 0xBF, "RS", "_icm(cpu, r1, r3, addr)", layout="R1,M3,D2(B2)"),
    instr("STCM", 0xBE, "RS", "_stcm(cpu, r1, r3, addr)", layout="R1,M3,D2(B2)"),
    instr("CLM", 0xBD, "RS", "_clm(cpu, r1, r3, addr)", layout="R1,M3,D2(B2)"),
    # LM/STM: registers R1 up to R3, wrapping from 15 to 0.
    _inst("LM", 0x98, "RS", """
        n = ((r3 - r1) & 15) + 1
        {RANGE}
            words = _WORDS[n].unpack_from(cpu.mem, _f | (addr & 0x7FF))
        else:
            words = _WORDS[n].unpack(cpu.fetch(addr, 4 * n))
        if r1 <= r3:
            R[r1:r3 + 1] = words
        else:
            R[r1:] = words[:16 - r1]
            R[:r3 + 1] = words[16 - r1:]
    """, RANGE=access.real_range("4 * n", False)),
    _inst("STM", 0x90, "RS", """
        n = ((r3 - r1) & 15) + 1
        words = R[r1:r3 + 1] if r1 <= r3 else R[r1:] + R[:r3 + 1]
        {RANGE}
            _WORDS[n].pack_into(cpu.mem, _f | (addr & 0x7FF), *words)
            {CODE}
        else:
            cpu.store(addr, _WORDS[n].pack(*words))
    """, RANGE=access.real_range("4 * n", True),
          CODE=access.code_check("_f | (addr & 0x7FF)", "4 * n")),

    # ---- fixed-point arithmetic and compares
    *_three(("AR", "A", "AH"), (0x1A, 0x5A, 0x4A), ADD),
    *_three(("SR", "S", "SH"), (0x1B, 0x5B, 0x4B), SUB),
    *_three(("CR", "C", "CH"), (0x19, 0x59, 0x49), COMPARE),
    *_three(("MR", "M", None), (0x1C, 0x5C, None), MULTIPLY),
    *_three(("DR", "D", None), (0x1D, 0x5D, None), DIVIDE),
    _inst("MH", 0x4C, "RX", """
        {GET}
        v = ((R[r1] ^ 0x80000000) - 0x80000000) * ((b ^ 0x8000) - 0x8000)
        R[r1] = v & 0xFFFFFFFF
    """, GET=FETCH_H),

    # ---- logical
    *_three(("ALR", "AL", None), (0x1E, 0x5E, None), ADD_LOGICAL),
    *_three(("SLR", "SL", None), (0x1F, 0x5F, None), SUB_LOGICAL),
    *_three(("CLR", "CL", None), (0x15, 0x55, None), COMPARE_LOGICAL),
    *_logic("NR", "N", 0x14, 0x54, "&"),
    *_logic("OR", "O", 0x16, 0x56, "|"),
    *_logic("XR", "X", 0x17, 0x57, "^"),

    # ---- branches. Link information (BC-mode format, also in EC mode on S/370):
    # ILC in bits 0-1, CC 2-3, program mask 4-7, return address 8-31.
    # A branch to an odd address completes; the specification exception then
    # recognised at the fetch reports the branch's ILC (``cpu.branch_ilc``, see
    # CPU.run).
    instr("BC", 0x47, "RX", """
        if r1 & (8 >> cpu.cc):
            cpu.ia = addr
            if addr & 1:
                cpu.branch_ilc = 2     # odd address: specification at fetch
                raise StateChange
    """, layout="M1,D2(X2,B2)", cls="branch"),
    instr("BCR", 0x07, "RR", """
        if r1 & (8 >> cpu.cc) and r2:
            cpu.ia = R[r2] & 0xFFFFFF
            if cpu.ia & 1:
                cpu.branch_ilc = 1     # odd address: specification at fetch
                raise StateChange
    """, layout="M1,R2", cls="branch"),
    instr("BAL", 0x45, "RX", """
        R[r1] = 0x80000000 | (cpu.cc << 28) | (cpu.pm << 24) | cpu.ia
        cpu.ia = addr
        if addr & 1:
            cpu.branch_ilc = 2     # odd address: specification at fetch
            raise StateChange
    """, cls="branch"),
    instr("BALR", 0x05, "RR", """
        t = R[r2] & 0xFFFFFF
        R[r1] = 0x40000000 | (cpu.cc << 28) | (cpu.pm << 24) | cpu.ia
        if r2:
            cpu.ia = t
            if t & 1:
                cpu.branch_ilc = 1     # odd address: specification at fetch
                raise StateChange
    """, cls="branch"),
    instr("BCT", 0x46, "RX", """
        v = (R[r1] - 1) & 0xFFFFFFFF
        R[r1] = v
        if v:
            cpu.ia = addr
            if addr & 1:
                cpu.branch_ilc = 2     # odd address: specification at fetch
                raise StateChange
    """, cls="branch"),
    instr("BCTR", 0x06, "RR", """
        t = R[r2] & 0xFFFFFF
        v = (R[r1] - 1) & 0xFFFFFFFF
        R[r1] = v
        if v and r2:
            cpu.ia = t
            if t & 1:
                cpu.branch_ilc = 1     # odd address: specification at fetch
                raise StateChange
    """, cls="branch"),
    # BXH/BXLE: the increment is R3, the compare value R3 (odd R3) or R3+1 (even R3),
    # read before R1 is updated (R1 may be that register).
    instr("BXH", 0x86, "RS", """
        c = R[r3 | 1] ^ 0x80000000
        v = (R[r1] + R[r3]) & 0xFFFFFFFF
        R[r1] = v
        if (v ^ 0x80000000) > c:
            cpu.ia = addr
            if addr & 1:
                cpu.branch_ilc = 2     # odd address: specification at fetch
                raise StateChange
    """, cls="branch"),
    instr("BXLE", 0x87, "RS", """
        c = R[r3 | 1] ^ 0x80000000
        v = (R[r1] + R[r3]) & 0xFFFFFFFF
        R[r1] = v
        if (v ^ 0x80000000) <= c:
            cpu.ia = addr
            if addr & 1:
                cpu.branch_ilc = 2     # odd address: specification at fetch
                raise StateChange
    """, cls="branch"),
    instr("EX", 0x44, "RX", "_execute(cpu, r1, addr)", cls="branch"),

    # ---- storage-to-storage and immediate
    _inst("MVC", 0xD2, "SS", MVC, PAIR=access.real_pair("n", True),
          CODE=access.code_check("a1", "n")),
    instr("MVN", 0xD1, "SS", "_ss_bytes(cpu, addr1, addr2, l + 1, _NUMERICS)"),
    instr("MVZ", 0xD3, "SS", "_ss_bytes(cpu, addr1, addr2, l + 1, _ZONES)"),
    instr("MVO", 0xF1, "SS2", "_mvo(cpu, addr1, l1 + 1, addr2, l2 + 1)"),
    _inst("NC", 0xD4, "SS", LOGIC_SS, PAIR=access.real_pair("n", True),
          CODE=access.code_check("a1", "n"), OP="&", FN="_AND"),
    _inst("OC", 0xD6, "SS", LOGIC_SS, PAIR=access.real_pair("n", True),
          CODE=access.code_check("a1", "n"), OP="|", FN="_OR"),
    _inst("XC", 0xD7, "SS", LOGIC_SS, PAIR=access.real_pair("n", True),
          CODE=access.code_check("a1", "n"), OP="^", FN="_XOR"),
    _inst("CLC", 0xD5, "SS", CLC, PAIR=access.real_pair("n", False)),
    instr("TR", 0xDC, "SS", "_tr(cpu, addr1, l + 1, addr2)"),
    instr("TRT", 0xDD, "SS", "_trt(cpu, addr1, l + 1, addr2)"),
    instr("MVI", 0x92, "SI", access.store("i2", 1)),
    _inst("CLI", 0x95, "SI", """
        {GET}
        cpu.cc = 0 if v == i2 else (1 if v < i2 else 2)
    """, GET=access.fetch("v", 1)),
    _inst("TM", 0x91, "SI", """
        {GET}
        v &= i2
        cpu.cc = 0 if not v else (3 if v == i2 else 1)
    """, GET=access.fetch("v", 1)),
    *(_inst(name, opcode, "SI", SI_LOGIC, OP=op, RANGE=access.real_range(1, True),
            CODE=access.code_check("ra", "1"))
      for name, opcode, op in (("NI", 0x94, "&"), ("OI", 0x96, "|"), ("XI", 0x97, "^"))),
    instr("MVCL", 0x0E, "RR", "_mvcl(cpu, r1, r2)"),
    instr("CLCL", 0x0F, "RR", "_clcl(cpu, r1, r2)"),

    # ---- serialization and interlocked update
    instr("CS", 0xBA, "RS", "_cs(cpu, r1, r3, addr)"),
    instr("CDS", 0xBB, "RS", "_cds(cpu, r1, r3, addr)"),
    instr("TS", 0x93, "S", """
        cpu.check_access(addr, 1, True)
        v = cpu.fb(addr)
        cpu.sb(addr, 0xFF)
        cpu.cc = v >> 7
    """, layout="D2(B2)"),

    # ---- shifts: the amount is the low six bits of the second-operand address
    instr("SLL", 0x89, "RS", "R[r1] = (R[r1] << (addr & 63)) & 0xFFFFFFFF",
          layout="R1,D2(B2)"),
    instr("SRL", 0x88, "RS", "R[r1] = R[r1] >> (addr & 63)", layout="R1,D2(B2)"),
    # SLA: the 31 numeric bits shift, the sign stays; a lost bit unlike the sign
    # is an overflow (the result keeps the shifted numeric bits).
    _inst("SLA", 0x8B, "RS", """
        a = R[r1]
        s = addr & 63
        v = (a & 0x80000000) | ((a << s) & 0x7FFFFFFF)
        R[r1] = v
        w = ((a ^ 0x80000000) - 0x80000000) << s
        if not -0x80000000 <= w <= 0x7FFFFFFF:
            {OVERFLOW}
        else:
            {CC_SIGNED}
    """, layout="R1,D2(B2)"),
    _inst("SRA", 0x8A, "RS", """
        v = (((R[r1] ^ 0x80000000) - 0x80000000) >> (addr & 63)) & 0xFFFFFFFF
        R[r1] = v
        {CC_SIGNED}
    """, layout="R1,D2(B2)"),
    _inst("SLDL", 0x8D, "RS", """
        {GET}
        v = (v << s) & 0xFFFFFFFFFFFFFFFF
        {PUT}
    """, layout="R1,D2(B2)", GET=SHIFT_DOUBLE_GET, PUT=SHIFT_DOUBLE_PUT),
    _inst("SRDL", 0x8C, "RS", """
        {GET}
        v >>= s
        {PUT}
    """, layout="R1,D2(B2)", GET=SHIFT_DOUBLE_GET, PUT=SHIFT_DOUBLE_PUT),
    _inst("SLDA", 0x8F, "RS", """
        {GET}
        a = v
        v = (a & 0x8000000000000000) | ((a << s) & 0x7FFFFFFFFFFFFFFF)
        {PUT}
        w = ((a ^ 0x8000000000000000) - 0x8000000000000000) << s
        if not -0x8000000000000000 <= w <= 0x7FFFFFFFFFFFFFFF:
            {OVERFLOW}
        else:
            cpu.cc = (1 if v >> 63 else 2) if v else 0
    """, layout="R1,D2(B2)", GET=SHIFT_DOUBLE_GET, PUT=SHIFT_DOUBLE_PUT),
    _inst("SRDA", 0x8E, "RS", """
        {GET}
        v = (((v ^ 0x8000000000000000) - 0x8000000000000000) >> s) & 0xFFFFFFFFFFFFFFFF
        {PUT}
        cpu.cc = (1 if v >> 63 else 2) if v else 0
    """, layout="R1,D2(B2)", GET=SHIFT_DOUBLE_GET, PUT=SHIFT_DOUBLE_PUT),

    # ---- PSW
    instr("SPM", 0x04, "RR", """
        v = R[r1]
        cpu.cc = (v >> 28) & 3
        cpu.pm = (v >> 24) & 15
    """, layout="R1"),
    instr("SVC", 0x0A, "RR", "cpu.svc_interrupt(i)", layout="I", cls="svc"),
]


# =================================================================== helpers
# Used by the fragments above for instructions that are rare, long-running or
# need many cases. Each takes logical addresses and goes through the CPU's
# checked storage accessors.

_unpack_w = struct.Struct(">I").unpack_from
_pack_w = struct.Struct(">I").pack_into
_unpack_h = struct.Struct(">H").unpack_from
_pack_h = struct.Struct(">H").pack_into
#: Struct for n big-endian words (LM/STM move 1..16 registers).
_WORDS = [struct.Struct(f">{n}I") for n in range(17)]


def _wrap(a: int, n: int) -> range:
    """The logical addresses of an n-byte operand at a (24-bit wraparound)."""
    return range(a, a + n) if a + n <= 0x1000000 else [(a + k) & M24 for k in range(n)]


def _MOVE(d: int, s: int) -> int:
    return s


def _NUMERICS(d: int, s: int) -> int:
    return (d & 0xF0) | (s & 0x0F)


def _ZONES(d: int, s: int) -> int:
    return (d & 0x0F) | (s & 0xF0)


def _AND(d: int, s: int) -> int:
    return d & s


def _OR(d: int, s: int) -> int:
    return d | s


def _XOR(d: int, s: int) -> int:
    return d ^ s


#: Whole-operand forms of the byte functions (big-endian ints of n bytes).
_BULK = {_AND: int.__and__, _OR: int.__or__, _XOR: int.__xor__}


def _ss_bytes(cpu, a1: int, a2: int, n: int, fn) -> int:
    """Storage-to-storage byte operation processed left to right: operand 1 byte =
    fn(operand 1 byte, operand 2 byte). Returns 1 if any result byte is nonzero
    (the NC/OC/XC condition code) else 0.

    The result is as if one byte were processed at a time (GA22-7000, MVC, NC,
    ...): that only differs from whole-operand processing when operand 1 starts
    inside operand 2 after its first byte, so only that case runs bytewise.
    Access exceptions for both operands are recognised before anything is stored.
    """
    if 0 < ((a1 - a2) & M24) < n:
        cpu.check_access(a2, n, False)
        cpu.check_access(a1, n, True)
        nz = 0
        for x, y in zip(_wrap(a1, n), _wrap(a2, n)):
            v = fn(cpu.fb(x), cpu.fb(y))
            cpu.sb(x, v)
            nz |= v
        return 1 if nz else 0
    src = cpu.fetch(a2, n)
    if fn is _MOVE:
        cpu.store(a1, src)
        return 0
    dst = cpu.fetch(a1, n)
    bulk = _BULK.get(fn)
    if bulk is not None:
        v = bulk(int.from_bytes(dst, "big"), int.from_bytes(src, "big"))
        cpu.store(a1, v.to_bytes(n, "big"))
        return 1 if v else 0
    out = bytes(map(fn, dst, src))
    cpu.store(a1, out)
    return 1 if any(out) else 0


def _mvo(cpu, a1: int, n1: int, a2: int, n2: int) -> None:
    """MOVE WITH OFFSET: operand 2 shifted left four bits into operand 1, whose
    rightmost four bits stay; processed right to left a byte at a time (so the
    result is defined for overlapping operands), zero-extended on the left."""
    cpu.check_access(a2, n2, False)
    cpu.check_access(a1, n1, True)
    d = list(_wrap(a1, n1))
    s = list(_wrap(a2, n2))
    prev = cpu.fb(d[-1]) & 0x0F          # the sign nibble of operand 1 stays
    prev_hi = None
    for k in range(n1):
        src = cpu.fb(s[-1 - k]) if k < n2 else 0
        if prev_hi is None:
            v = ((src & 0x0F) << 4) | prev
        else:
            v = ((src & 0x0F) << 4) | prev_hi
        prev_hi = src >> 4
        cpu.sb(d[-1 - k], v)


def _icm(cpu, r1: int, mask: int, addr: int) -> None:
    """INSERT CHARACTERS UNDER MASK. CC 0: inserted bits all zero (or mask zero),
    1: leftmost inserted bit one, 2: otherwise. With a zero mask one byte is still
    accessed for exceptions (as Hercules does for S/370)."""
    R = cpu.gpr
    if mask == 15:
        v = cpu.fw(addr)
        R[r1] = v
        cpu.cc = (1 if v & 0x80000000 else 2) if v else 0
        return
    if not mask:
        cpu.fb(addr)
        cpu.cc = 0
        return
    n = bin(mask).count("1")
    data = cpu.fetch(addr, n)
    reg = R[r1]
    k = 0
    for byte in range(4):
        if mask & (8 >> byte):
            shift = 24 - 8 * byte
            reg = (reg & ~(0xFF << shift)) | (data[k] << shift)
            k += 1
    R[r1] = reg & M32
    v = int.from_bytes(data, "big")
    cpu.cc = (1 if data[0] & 0x80 else 2) if v else 0


def _mask_bytes(reg: int, mask: int) -> bytes:
    """The register bytes selected by a 4-bit mask, left to right."""
    return bytes((reg >> (24 - 8 * b)) & 0xFF for b in range(4) if mask & (8 >> b))


def _stcm(cpu, r1: int, mask: int, addr: int) -> None:
    """STORE CHARACTERS UNDER MASK: selected register bytes to contiguous storage."""
    if mask:
        cpu.store(addr, _mask_bytes(cpu.gpr[r1], mask))


def _clm(cpu, r1: int, mask: int, addr: int) -> None:
    """COMPARE LOGICAL CHARACTERS UNDER MASK: CC 0 equal (or mask zero), 1 register
    bytes low, 2 high."""
    if not mask:
        cpu.fb(addr)
        cpu.cc = 0
        return
    a = _mask_bytes(cpu.gpr[r1], mask)
    b = cpu.fetch(addr, len(a))
    cpu.cc = 0 if a == b else (1 if a < b else 2)


def _cs(cpu, r1: int, r3: int, addr: int) -> None:
    """COMPARE AND SWAP: word operand (specification exception unless on a word
    boundary). Equal: R3 stored, CC 0. Unequal: operand loaded into R1, CC 1.
    The operand is checked for store access in both cases (it is interlocked)."""
    if addr & 3:
        raise ProgramInterrupt(PGM_SPECIFICATION)
    cpu.check_access(addr, 4, True)
    R = cpu.gpr
    v = cpu.fw(addr)
    if v == R[r1]:
        cpu.sw(addr, R[r3])
        cpu.cc = 0
    else:
        R[r1] = v
        cpu.cc = 1


def _cds(cpu, r1: int, r3: int, addr: int) -> None:
    """COMPARE DOUBLE AND SWAP: even-odd pairs R1 and R3, doubleword operand on a
    doubleword boundary (specification exception otherwise)."""
    if r1 & 1 or r3 & 1 or addr & 7:
        raise ProgramInterrupt(PGM_SPECIFICATION)
    cpu.check_access(addr, 8, True)
    R = cpu.gpr
    v = cpu.fd(addr)
    if v == (R[r1] << 32) | R[r1 + 1]:
        cpu.sd(addr, (R[r3] << 32) | R[r3 + 1])
        cpu.cc = 0
    else:
        R[r1] = v >> 32
        R[r1 + 1] = v & M32
        cpu.cc = 1


def _execute(cpu, r1: int, addr: int) -> None:
    """EXECUTE (GA22-7000, "Execute"): run the instruction at ``addr`` with bits
    8-15 ORed with bits 24-31 of R1 (when R1 is not 0), leaving storage unchanged.

    The target's exceptions carry EXECUTE's ILC (2) and old PSW (the run loop
    derives both from the EX at the instruction address). A target that is EX
    is an execute exception. Link information of BALR and the SVC interruption
    carry EXECUTE's ILC too. A branching target sets the IA; otherwise execution
    continues after the EX (already in ``cpu.ia``)."""
    if addr & 1:
        raise ProgramInterrupt(PGM_SPECIFICATION)
    ra = _mapped(cpu.rtlb, addr, 6)
    if ra >= 0:
        mem = cpu.mem
        op = mem[ra]
        if op == 0x44:
            raise ProgramInterrupt(PGM_EXECUTE)
        length = (2, 4, 4, 6)[op >> 6]
        buf = bytearray(mem[ra:ra + length])
    else:
        head = cpu.fetch(addr, 2)
        op = head[0]
        if op == 0x44:
            raise ProgramInterrupt(PGM_EXECUTE)
        length = (2, 4, 4, 6)[op >> 6]
        buf = bytearray(head)
        if length > 2:
            buf += cpu.fetch((addr + 2) & M24, length - 2)
    if r1:
        buf[1] |= cpu.gpr[r1] & 0xFF
    if op == 0x0A:                      # SVC: interruption with ILC 2
        cpu.svc_interrupt(buf[1], 2)    # (returns when an assist reflected it)
        return
    try:
        cpu.handlers[op](cpu, buf, 0)
    except StateChange:
        if cpu.branch_ilc:              # an executed branch to an odd address:
            cpu.branch_ilc = 2          # the exception carries EXECUTE's ILC
        raise
    if op == 0x05:                      # BALR: link information with ILC 2
        t = buf[1] >> 4
        cpu.gpr[t] = (cpu.gpr[t] & 0x3FFFFFFF) | 0x80000000


def _pair_check(r1: int, r2: int) -> None:
    if r1 & 1 or r2 & 1:
        raise ProgramInterrupt(PGM_SPECIFICATION)


def _long_cc(n1: int, n2: int) -> int:
    return 0 if n1 == n2 else (1 if n1 < n2 else 2)


def _mvcl(cpu, r1: int, r2: int) -> None:
    """MOVE LONG (GA22-7000, "Move Long").

    Registers: R1 address, R1+1 length (bits 8-31), R2 address, R2+1 pad (bits
    0-7) and length. CC from the lengths: 0 equal, 1 first shorter, 2 first longer;
    3 on destructive overlap (the first operand's leftmost byte lies inside the
    participating second-operand bytes after its leftmost one), with no movement.
    The move proceeds in units no larger than a 2K block of either operand,
    updating the registers after each, so an access exception leaves them ready
    for resumption. Bits 0-7 of R1 and R2 are set to zero; those of R1+1 and R2+1
    are kept.
    """
    _pair_check(r1, r2)
    R = cpu.gpr
    a1, a2 = R[r1] & M24, R[r2] & M24
    n1, n2 = R[r1 + 1] & M24, R[r2 + 1] & M24
    pad = R[r2 + 1] >> 24
    cc = _long_cc(n1, n2)
    R[r1], R[r2] = a1, a2
    if 0 < ((a1 - a2) & M24) < min(n1, n2):
        cpu.cc = 3
        return
    hi1, hi2 = R[r1 + 1] & 0xFF000000, R[r2 + 1] & 0xFF000000
    while n1:
        k = min(n1, 0x800 - (a1 & 0x7FF))
        if n2:
            k = min(k, n2, 0x800 - (a2 & 0x7FF))
            cpu.store(a1, cpu.fetch(a2, k))
            a2 = (a2 + k) & M24
            n2 -= k
        else:
            cpu.store(a1, bytes((pad,)) * k)
        a1 = (a1 + k) & M24
        n1 -= k
        R[r1], R[r1 + 1] = a1, hi1 | n1
        R[r2], R[r2 + 1] = a2, hi2 | n2
    cpu.cc = cc


def _clcl(cpu, r1: int, r2: int) -> None:
    """COMPARE LOGICAL LONG: the shorter operand is extended with the pad byte
    (bits 0-7 of R2+1). CC 0 equal, 1 first low, 2 first high. On inequality the
    registers address the first unequal bytes (lengths reduced by the bytes that
    compared equal); an exhausted operand's address stops at its end. Processed in
    units within one 2K block of each operand, registers updated after each."""
    _pair_check(r1, r2)
    R = cpu.gpr
    a1, a2 = R[r1] & M24, R[r2] & M24
    n1, n2 = R[r1 + 1] & M24, R[r2 + 1] & M24
    pad = R[r2 + 1] >> 24
    hi1, hi2 = R[r1 + 1] & 0xFF000000, R[r2 + 1] & 0xFF000000
    R[r1], R[r2] = a1, a2
    cc = 0
    while n1 or n2:
        k = max(n1, n2)
        if n1:
            k = min(k, n1, 0x800 - (a1 & 0x7FF))
        if n2:
            k = min(k, n2, 0x800 - (a2 & 0x7FF))
        b1 = cpu.fetch(a1, k) if n1 else bytes((pad,)) * k
        b2 = cpu.fetch(a2, k) if n2 else bytes((pad,)) * k
        if b1 != b2:
            k = next(i for i in range(k) if b1[i] != b2[i])
            cc = 1 if b1[k] < b2[k] else 2
        if n1:
            a1, n1 = (a1 + k) & M24, n1 - k
        if n2:
            a2, n2 = (a2 + k) & M24, n2 - k
        R[r1], R[r1 + 1] = a1, hi1 | n1
        R[r2], R[r2 + 1] = a2, hi2 | n2
        if cc:
            break
    cpu.cc = cc


def _mapped(tlb: dict, a: int, n: int) -> int:
    """Real address of the n bytes at logical ``a`` when they lie in one 2K block
    that ``tlb`` (an access TLB) maps, else -1 (the checked path applies)."""
    f = tlb.get(a >> 11)
    return -1 if f is None or (a & 0x7FF) + n > 0x800 else f | (a & 0x7FF)


def _tr(cpu, a1: int, n: int, a2: int) -> None:
    """TRANSLATE: each operand-1 byte is replaced by the table byte it indexes.
    Only the table bytes used are accessed. Left to right, one byte at a time when
    the table overlaps operand 1."""
    r1, r2 = _mapped(cpu.wtlb, a1, n), _mapped(cpu.rtlb, a2, 256)
    if r1 >= 0 and r2 >= 0 and a1 >= cpu.store_lo and (r1 + n <= r2 or r2 + 256 <= r1):
        mem = cpu.mem
        mem[r1:r1 + n] = mem[r1:r1 + n].translate(mem[r2:r2 + 256])
        cpu.storage.written(r1, n)
        return
    cpu.check_access(a1, n, True)
    for x in _wrap(a1, n):
        cpu.sb(x, cpu.fb((a2 + cpu.fb(x)) & M24))


def _trt(cpu, a1: int, n: int, a2: int) -> None:
    """TRANSLATE AND TEST: find the first operand-1 byte whose table byte is
    nonzero; then R1 bits 8-31 get its address, R2 bits 24-31 the function byte.
    CC 0 all zero, 1 found before the last byte, 2 found at the last byte.
    Operand bytes after the one found are not accessed."""
    r1, r2 = _mapped(cpu.rtlb, a1, n), _mapped(cpu.rtlb, a2, 256)
    if r1 >= 0 and r2 >= 0:
        mem = cpu.mem
        found = mem[r1:r1 + n].translate(mem[r2:r2 + 256])
        k = n - len(found.lstrip(b"\0"))          # index of the first nonzero byte
        fn = found[k] if k < n else 0
    else:
        fn = 0
        for k, byte in enumerate(cpu.fetch(a1, n)):
            fn = cpu.fb((a2 + byte) & M24)
            if fn:
                break
    if fn:
        R = cpu.gpr
        R[1] = (R[1] & 0xFF000000) | ((a1 + k) & M24)
        R[2] = (R[2] & 0xFFFFFF00) | fn
        cpu.cc = 2 if k == n - 1 else 1
    else:
        cpu.cc = 0


HELPERS = {
    "_unpack_w": _unpack_w, "_pack_w": _pack_w, "_unpack_h": _unpack_h, "_pack_h": _pack_h,
    "_WORDS": _WORDS,
    "_ss_bytes": _ss_bytes, "_MOVE": _MOVE, "_NUMERICS": _NUMERICS, "_ZONES": _ZONES,
    "_AND": _AND, "_OR": _OR, "_XOR": _XOR, "_mvo": _mvo,
    "_icm": _icm, "_stcm": _stcm, "_clm": _clm, "_cs": _cs, "_cds": _cds,
    "_execute": _execute, "_mvcl": _mvcl, "_clcl": _clcl, "_tr": _tr, "_trt": _trt,
}
