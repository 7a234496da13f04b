"""The instruction decoder, generated from the instruction table (``ia32.isa.table``).

``decode(code, eip, bits)`` reads one instruction: prefixes (66 operand size, 67
address size, segment overrides 26 2E 36 3E 64 65, LOCK F0, REPNE F2, REP F3),
the opcode (one byte or 0F and a second byte), ModRM and SIB in 16- or 32-bit
addressing (80386 PRM section 17.2.1, Tables 17-2 and 17-3), displacement and
immediates. The result is an :class:`Instruction`, which the CPU executes (the
decode cache keeps it) and the disassembler prints.

Faults, as the processor raises them: an opcode not in the table, a register-only
operand given a memory form or the reverse, or LOCK on a form that does not allow
it: #UD; more than 15 bytes: #GP(0) (PRM 17.2 "Instruction Format": the limit).
"""
from __future__ import annotations

from typing import Callable, Union

from .errors import CPUFault, GP, UD
from .isa.table import TABLE, Form

#: segment-override prefix -> segment register number (ES CS SS DS FS GS)
SEG_PREFIX = {0x26: 0, 0x2E: 1, 0x36: 2, 0x3E: 3, 0x64: 4, 0x65: 5}
MAX_LENGTH = 15

#: 16-bit addressing, ModRM.rm -> (base, index) (PRM Table 17-2); 6 with mod 0 is disp16
_RM16 = ((3, 6), (3, 7), (5, 6), (5, 7), (6, None), (7, None), (5, None), (3, None))

Fetch = Callable[[int], int]
Code = Union[bytes, bytearray, memoryview, Fetch]


class Operand:
    """One operand as the disassembler shows it.

    kind: ``reg`` (value = register number, size in bits 8/16/32), ``sreg``,
    ``cr``, ``dr`` (value = number), ``mem`` (size in bits, 0 when it does not
    matter; ``base``/``index`` register numbers or None, ``scale``, ``disp``, ``seg``
    the segment register used and ``override`` whether a prefix chose it, ``asize``),
    ``imm`` (value, size), ``rel`` (value = the target offset), ``ptr`` (value =
    offset, ``selector``), ``const`` (the 1 of shifts, the 3 of INT 3).
    """

    __slots__ = ("kind", "size", "value", "base", "index", "scale", "disp", "seg", "override",
                 "asize", "selector")

    def __init__(self, kind: str, size: int = 0, value: int = 0):
        self.kind = kind
        self.size = size
        self.value = value
        self.base = self.index = self.seg = self.selector = None
        self.scale = 1
        self.disp = 0
        self.override = False
        self.asize = 32

    def __repr__(self) -> str:
        if self.kind == "mem":
            return (f"Operand(mem{self.size} seg={self.seg} base={self.base} "
                    f"index={self.index}*{self.scale} disp={self.disp:#x})")
        return f"Operand({self.kind}{self.size or ''} {self.value:#x})"


class Instruction:
    """One decoded instruction.

    ``form`` the table entry; ``mnemonic``; ``length`` in bytes, prefixes included;
    ``eip`` where it was decoded; ``osize``/``asize`` (16/32) after prefixes;
    ``rep`` None, "rep" (F3) or "repne" (F2); ``lock``; ``override`` the segment
    prefix's register or None.
    ModRM: ``mod`` (None without ModRM), ``reg`` (the reg field, or the +r
    register), ``rm`` (the register when mod == 3). Memory operand: ``seg`` (the
    effective segment register), ``base``, ``index``, ``scale``, ``disp`` and ``ea``,
    a function of the register list giving the offset.
    ``imm`` the first immediate (sign-extended when the form says ``sx``), ``imm2``
    the second (ENTER's level; a direct far pointer's selector, with the offset in
    ``imm``); ``target`` the branch target offset for rel forms.
    ``operands``: :class:`Operand` tuple in table order, for the disassembler.
    ``flat``: the block translator's note of which segment registers (bit n for
    register n) were flat when it translated the instruction.
    """

    __slots__ = ("form", "mnemonic", "length", "eip", "osize", "asize", "rep", "lock",
                 "override", "mod", "reg", "rm", "seg", "base", "index", "scale", "disp",
                 "ea", "imm", "imm2", "target", "_operands", "flat")

    def __init__(self):
        self.rep = None
        self.lock = False
        self.override = None
        self.mod = self.reg = self.rm = self.base = self.index = None
        self.seg = 3
        self.scale = 1
        self.disp = 0
        self.ea = None
        self.imm = self.imm2 = self.target = None
        self.flat = 0
        self._operands = None

    @property
    def operands(self) -> tuple:
        """The :class:`Operand` tuple (made when first asked: only the disassembler
        and a few handlers look)."""
        if self._operands is None:
            self._operands = tuple(_operand(self, tok) for tok in self.form.operands)
        return self._operands

    @property
    def is_memory(self) -> bool:
        return self.mod is not None and self.mod != 3

    def __repr__(self) -> str:
        return f"Instruction({self.mnemonic} {self.operands!r} len={self.length})"


def make_ea(base: int | None, index: int | None, scale: int, disp: int,
            asize: int) -> Callable[[list], int]:
    """The offset computation of a memory operand, as a small function of the
    register list (specialised by shape: the decode cache keeps it)."""
    mask = 0xFFFF if asize == 16 else 0xFFFFFFFF
    disp &= mask
    if base is None and index is None:
        return lambda R: disp
    if index is None:
        if disp == 0:
            return (lambda R: R[base] & 0xFFFF) if asize == 16 else (lambda R: R[base])
        return lambda R: (R[base] + disp) & mask
    if scale == 1:
        if base is None:
            return lambda R: (R[index] + disp) & mask
        return lambda R: (R[base] + R[index] + disp) & mask
    if base is None:
        return lambda R: (R[index] * scale + disp) & mask
    return lambda R: (R[base] + R[index] * scale + disp) & mask


# -- the opcode maps, built from the table -----------------------------------------
def _build_maps() -> tuple[dict, dict]:
    one: dict[int, list[Form]] = {}
    two: dict[int, list[Form]] = {}
    for f in TABLE:
        op = f.opcode
        m = two if op[0] == 0x0F and len(op) > 1 else one
        last = op[-1]
        targets = range(last, last + 8) if f.plus_reg else (last,)
        for b in targets:
            m.setdefault(b, []).append(f)
    return one, two


_ONE, _TWO = _build_maps()
#: opcode byte (0x100 + second byte after 0F) -> (candidate forms, whether they have ModRM)
_MAP = {b: (c, c[0].modrm) for b, c in _ONE.items()}
_MAP.update({0x100 | b: (c, c[0].modrm) for b, c in _TWO.items()})
#: (opcode key, ModRM.reg or None, operand size, address size) -> the form (``_pick``)
_PICKED: dict = {}

#: operand tokens read from ModRM.rm
_RM_TOKENS = {"r/m8": 8, "r/m16": 16, "r/m32": 32, "m": 0, "m8": 8, "m16": 16, "m32": 32,
              "m16&16": 32, "m32&32": 64, "m16&32": 48, "m16:16": 32, "m16:32": 48}
_REG_TOKENS = {"r8": 8, "r16": 16, "r32": 32}
_IMM_BYTES = {"ib": 1, "iw": 2, "id": 4, "cb": 1, "cw": 2, "cd": 4, "cp": 6}


def _shape(form: Form) -> tuple:
    """What decoding needs of a form beyond its opcode: (+r form, its immediate and
    offset tokens with their sizes, whether it has a moffs operand, the size of its
    relative target in bits, whether its pointer is ptr16:16)."""
    ops = form.operands
    rel = 8 if "rel8" in ops else 16 if "rel16" in ops else 32
    return (form.plus_reg, tuple((t, _IMM_BYTES[t]) for t in form.encoding if t in _IMM_BYTES),
            any(op.startswith("moffs") for op in ops), rel, "ptr16:16" in ops)


#: id(form) -> its :func:`_shape`
_SHAPES = {id(f): _shape(f) for f in TABLE}


def _pick(cands: list[Form], has_modrm_reg: int | None, osize: int, asize: int) -> Form | None:
    """The form among ``cands`` for this reg field, operand and address size."""
    best = None
    for f in cands:
        d = f.digit
        if d is not None and d != has_modrm_reg:
            continue
        if f.o and f.o != osize:
            continue
        if f.a and f.a != asize:
            continue
        if best is None or (best.plus_reg and not f.plus_reg):
            best = f
    return best


def decode(code: Code, eip: int = 0, bits: int = 32) -> Instruction:
    """Decode the instruction at ``code`` (bytes from the instruction's first byte, or
    a function ``fetch(i)`` giving byte i) for a ``bits``-bit code segment. ``eip``
    is the instruction's offset (for branch targets). Raises CPUFault(#UD) or
    CPUFault(#GP) as the processor would (and IndexError when ``code`` is bytes that
    end too early)."""
    fetch = code if callable(code) else code.__getitem__
    ins = Instruction()
    ins.eip = eip
    osize = asize = bits
    p = 0
    while True:
        if p >= MAX_LENGTH:
            raise CPUFault(GP, 0)
        b = fetch(p)
        p += 1
        if b == 0x66:
            osize = 48 - bits
        elif b == 0x67:
            asize = 48 - bits
        elif b in SEG_PREFIX:
            ins.override = SEG_PREFIX[b]
        elif b == 0xF0:
            ins.lock = True
        elif b == 0xF2:
            ins.rep = "repne"
        elif b == 0xF3:
            ins.rep = "rep"
        else:
            break
    if b == 0x0F:
        b = fetch(p)
        p += 1
        entry = _MAP.get(0x100 | b)
    else:
        entry = _MAP.get(b)
    if entry is None:
        raise CPUFault(UD)
    opbyte = b
    cands, need_modrm = entry
    modrm = field = None
    if need_modrm:
        modrm = fetch(p)
        p += 1
        field = (modrm >> 3) & 7
    key = (id(cands), field, osize, asize)
    form = _PICKED.get(key, cands)
    if form is cands:
        form = _PICKED[key] = _pick(cands, field, osize, asize)
    if form is None:
        raise CPUFault(UD)
    ins.form = form
    ins.mnemonic = form.mnemonic
    ins.osize = osize
    ins.asize = asize
    plus_reg, immediates, moffs, rel_bits, ptr16 = _SHAPES[id(form)]
    if plus_reg:
        ins.reg = opbyte & 7
    if modrm is not None:
        p = _modrm(ins, fetch, p, modrm, form)
    elif ins.override is not None:
        ins.seg = ins.override
    # immediates and offsets, in encoding order
    for tok, n in immediates:
        v = 0
        for i in range(n):
            v |= fetch(p + i) << (8 * i)
        p += n
        if tok[0] == "c":
            if n == 6 or (n == 4 and ptr16):
                half = 2 if n == 4 else 4
                ins.imm = v & ((1 << (8 * half)) - 1)
                ins.imm2 = v >> (8 * half)
            else:
                ins.target = v
        elif ins.imm is None:
            ins.imm = v
        else:
            ins.imm2 = v
    if moffs:
        n = asize // 8
        v = 0
        for i in range(n):
            v |= fetch(p + i) << (8 * i)
        p += n
        ins.disp = v
        ins.mod = 0
        ins.ea = make_ea(None, None, 1, v, asize)
    if p > MAX_LENGTH:
        raise CPUFault(GP, 0)
    ins.length = p
    if form.sx and ins.imm is not None and ins.imm & 0x80:
        ins.imm = (ins.imm - 0x100) & ((1 << osize) - 1)
    if ins.target is not None:
        rel = ins.target
        if rel >> (rel_bits - 1):
            rel -= 1 << rel_bits
        ins.target = (eip + p + rel) & (0xFFFF if osize == 16 else 0xFFFFFFFF)
    if ins.lock and (not form.lock or ins.mod == 3):
        raise CPUFault(UD)
    return ins


def _modrm(ins: Instruction, fetch: Fetch, p: int, modrm: int, form: Form) -> int:
    """Decode ModRM (and SIB, displacement) into ``ins``; the new offset."""
    mod = modrm >> 6
    rm = modrm & 7
    if "CRn" in form.operands or "DRn" in form.operands:
        mod = 3        # MOV to/from CRn, DRn: always register to register (PRM 17 MOV)
    ins.mod = mod
    if ins.reg is None:
        ins.reg = (modrm >> 3) & 7
    wants_mem = any(t in _RM_TOKENS and t[0] == "m" for t in form.operands)
    if mod == 3:
        if wants_mem and form.semantics != "esc":
            raise CPUFault(UD)
        ins.rm = rm
        return p
    base: int | None
    index: int | None = None
    scale = 1
    disp = 0
    if ins.asize == 16:
        if mod == 0 and rm == 6:
            base = None
            disp = fetch(p) | fetch(p + 1) << 8
            p += 2
        else:
            base, index = _RM16[rm]
        default_ss = base == 5
    else:
        if rm == 4:
            sib = fetch(p)
            p += 1
            scale = 1 << (sib >> 6)
            index = (sib >> 3) & 7
            base = sib & 7
            if base == 5 and mod == 0:
                base = None
                disp = fetch(p) | fetch(p + 1) << 8 | fetch(p + 2) << 16 | fetch(p + 3) << 24
                p += 4
            default_ss = base in (4, 5)
            if index == 4:
                # no index; a scale there applies to the base on the 386 (an
                # erratum test386.asm checks), and is ignored without a base
                index = None
                if scale != 1 and base is not None:
                    index, base = base, None
        elif rm == 5 and mod == 0:
            base = None
            default_ss = False
            disp = fetch(p) | fetch(p + 1) << 8 | fetch(p + 2) << 16 | fetch(p + 3) << 24
            p += 4
        else:
            base = rm
            default_ss = base in (4, 5)
    if mod == 1:
        d = fetch(p)
        p += 1
        disp = d - 0x100 if d & 0x80 else d
    elif mod == 2:
        if ins.asize == 16:
            disp = fetch(p) | fetch(p + 1) << 8
            p += 2
        else:
            disp = fetch(p) | fetch(p + 1) << 8 | fetch(p + 2) << 16 | fetch(p + 3) << 24
            p += 4
    mask = 0xFFFF if ins.asize == 16 else 0xFFFFFFFF
    ins.base, ins.index, ins.scale, ins.disp = base, index, scale, disp & mask
    ins.seg = ins.override if ins.override is not None else (2 if default_ss else 3)
    ins.ea = make_ea(base, index, scale, disp, ins.asize)
    return p


def _operand(ins: Instruction, tok: str) -> Operand:
    """The disassembler's view of operand ``tok`` of ``ins``."""
    if tok in _REG_TOKENS:
        if "CRn" in ins.form.operands or "DRn" in ins.form.operands:
            return Operand("reg", 32, ins.rm)   # MOV r32,CRn: the GPR is ModRM.rm
        return Operand("reg", _REG_TOKENS[tok], ins.reg)
    if tok in _RM_TOKENS:
        size = _RM_TOKENS[tok]
        if ins.mod == 3:
            return Operand("reg", size or ins.osize, ins.rm)
        return _mem(ins, size)
    if tok.startswith("moffs"):
        return _mem(ins, int(tok[5:]))
    if tok.startswith("imm"):
        size = int(tok[3:])
        if ins.form.sx:
            size = ins.osize
        value = ins.imm2 if (tok == "imm8" and ins.form.mnemonic == "ENTER") else ins.imm
        return Operand("imm", size, value)
    if tok.startswith("rel"):
        return Operand("rel", int(tok[3:]), ins.target)
    if tok.startswith("ptr"):
        op = Operand("ptr", 32 if tok == "ptr16:16" else 48, ins.imm)
        op.selector = ins.imm2
        return op
    if tok == "Sreg":
        return Operand("sreg", 16, ins.reg)
    if tok == "CRn":
        return Operand("cr", 32, ins.reg)
    if tok == "DRn":
        return Operand("dr", 32, ins.reg)
    if tok in ("AL", "CL"):
        return Operand("reg", 8, 0 if tok == "AL" else 1)
    if tok in ("AX", "DX"):
        return Operand("reg", 16, 0 if tok == "AX" else 2)
    if tok == "EAX":
        return Operand("reg", 32, 0)
    if tok in ("ES", "CS", "SS", "DS", "FS", "GS"):
        return Operand("sreg", 16, ("ES", "CS", "SS", "DS", "FS", "GS").index(tok))
    return Operand("const", 0, int(tok))


def _mem(ins: Instruction, size: int) -> Operand:
    op = Operand("mem", size)
    op.base, op.index, op.scale, op.disp = ins.base, ins.index, ins.scale, ins.disp
    op.seg = ins.seg
    op.override = ins.override is not None
    op.asize = ins.asize
    return op
