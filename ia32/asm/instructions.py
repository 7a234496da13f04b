"""Instruction encoding driven by the instruction table (``ia32.isa.table``).

For one source instruction every table form of the mnemonic whose operand list
matches is encoded, and the shortest encoding wins (ties: the sign-extended
``ib`` form, then table order). That is what NASM's default optimisation
(``-Ox``) produces, because NASM lists the short forms first in its own table:
``add eax,5`` is 83 /0 ib, ``add eax,1000`` is 05 id, ``mov eax,[label]`` is A1,
``jmp`` is EB cb when the target is in reach.

NASM behaviour that is not a table fact lives here, each item checked against
``nasm -f bin``:

- a form whose operand size differs from ``bits`` (so it needs 66h) is chosen only
  when an operand states that size (a 16/32-bit register, ``word``/``dword``), or
  when the mnemonic alone names it (MOVSW, CWDE); ``jmp label`` in 32-bit code is
  never E9 cw
- an immediate or displacement that depends on a label is never a sign-extended
  byte; a size keyword on an immediate is the operand size, ``strict`` the field
  width (``push word 5`` is 66 6A 05, ``push strict word 5`` is 66 68 05 00)
- a memory operand with no size where the forms disagree is an error ("operation
  size not specified"), except near and far JMP/CALL, which take ``bits``
- PUSHA/POPA/PUSHF/POPF/IRET use the operand size of ``bits``; the W suffix forms
  (PUSHAW, IRETW, ...) and D forms name the size; AAM/AAD default to 10;
  ``imul r, imm`` is ``imul r, r, imm``; XCHG and TEST accept their operands in
  either order (XCHG reg,reg puts the first operand in ModRM.reg, as NASM does)
- MOV r32,Sreg, SMSW/SLDT/STR r32 and BSWAP take the register's size (66h for a 16-bit
  register in 32-bit code, none for memory); MOV Sreg,r32 needs no prefix
- prefixes come out as LOCK/REP, segment override, 66h, 67h, whatever the source
  order
"""
from __future__ import annotations

from typing import NamedTuple

from .addressing import EA, effective_address
from .errors import AsmError
from .expressions import Value, check_relocatable, evaluate
from .mnemonics import ALIASES, DEFAULT_SIZE, FORMS, W_SUFFIX
from .parser import Far, Imm, Mem, Reg
from .registers import REGISTERS

_PREFIX_BYTES = {"lock": 0xF0, "rep": 0xF3, "repe": 0xF3, "repz": 0xF3, "repne": 0xF2,
                 "repnz": 0xF2}
SEG_PREFIX = {"es": 0x26, "cs": 0x2E, "ss": 0x36, "ds": 0x3E, "fs": 0x64, "gs": 0x65}
_WIDE_DEST = {"mov_from_sreg", "smsw", "sldt", "str", "bswap"}
_FIXED = {"AL", "AX", "EAX", "CL", "DX", "ES", "CS", "SS", "DS", "FS", "GS"}
_MEM_SIZE = {"r/m8": 8, "r/m16": 16, "r/m32": 32, "m8": 8, "m16": 16, "m32": 32,
             "moffs8": 8, "moffs16": 16, "moffs32": 32, "m16:16": 16, "m16:32": 32}


class Context(NamedTuple):
    """What an instruction's encoding depends on besides its operands."""
    bits: int
    address: int          # absolute address of the instruction's first byte
    env: object           # symbol environment (expressions.evaluate)
    final: bool           # the last pass: report range errors
    near: bool            # this statement needed a near jump in an earlier pass
    section: str          # the section being assembled (a jump out of it is never short)


class _Op(NamedTuple):
    """An operand prepared once per instruction: its kind and evaluated parts."""
    kind: str             # 'reg' 'mem' 'imm' 'far'
    src: object
    reg: object = None    # RegInfo
    value: Value | None = None
    seg: Value | None = None
    ea: EA | None = None


def _prepare(ops, bits, asize_prefix, env) -> list:
    out = []
    for op in ops:
        if isinstance(op, Reg):
            out.append(_Op("reg", op, REGISTERS[op.name]))
        elif isinstance(op, Mem):
            out.append(_Op("mem", op, ea=effective_address(op, bits, asize_prefix, env)))
        elif isinstance(op, Far):
            out.append(_Op("far", op, value=evaluate(op.off, env), seg=evaluate(op.seg, env)))
        else:
            out.append(_Op("imm", op, value=evaluate(op.expr, env)))
    return out


def _fits_signed(v: int, bits: int) -> bool:
    v &= (1 << bits) - 1
    if v >> (bits - 1):
        v -= 1 << bits
    return -128 <= v <= 127


def _pins(op: _Op) -> bool:
    """Whether the operand states an operand size (so a 66h form may be chosen)."""
    if op.kind == "reg":
        return op.reg.cls in ("r16", "r32")
    return op.src.size is not None


class _Match(NamedTuple):
    form: object
    ops: list
    osize: int | None     # operand size that decides 66h, None: no prefix


def _match_operand(tok: str, op: _Op, form, bits: int, osize: int | None):
    """None if ``op`` cannot be operand ``tok`` of ``form``, else True."""
    k = op.kind
    src = op.src
    if tok in _FIXED:
        return k == "reg" and src.name == tok.lower()
    if tok in ("r8", "r16", "r32"):
        return k == "reg" and op.reg.cls == tok
    if tok == "Sreg":
        return k == "reg" and op.reg.cls == "sreg"
    if tok == "CRn":
        return k == "reg" and op.reg.cls == "cr"
    if tok == "DRn":
        return k == "reg" and op.reg.cls == "dr"
    if tok.startswith("r/m"):
        if k == "reg":
            return op.reg.cls == "r" + tok[3:]
        return k == "mem" and src.size in (None, _MEM_SIZE[tok]) and src.distance is None
    if tok.startswith("moffs"):
        return k == "mem" and op.ea.direct and src.disp_size != 8 and src.size in (None, _MEM_SIZE[tok])
    if tok in ("m16:16", "m16:32"):
        if k != "mem":
            return False
        if form.mnemonic in ("JMP", "CALL") and src.distance != "far":
            return False
        return src.size in (None, _MEM_SIZE[tok])
    if tok[0] == "m":
        if k != "mem" or src.distance is not None:
            return False
        want = _MEM_SIZE.get(tok)
        return want is None or src.size in (None, want)
    if tok.startswith("rel"):
        if k != "imm" or src.distance == "far":
            return False
        if tok == "rel8":
            return src.distance != "near" and src.size in (None, 8, bits)
        return src.distance != "short" and src.size in (None, form.o)
    if tok.startswith("ptr"):
        return k == "far" and src.size in (None, form.o)
    if tok == "1":
        return k == "imm" and src.size is None and not op.value.unknown and not op.value.reloc \
            and op.value.value == 1
    if tok.startswith("imm"):
        if k != "imm" or src.distance is not None:
            return False
        width = int(tok[3:])
        size, v = src.size, op.value
        if src.strict:
            return size in (None, width)
        if width == 8 and form.sx:
            if size == 8:
                return True
            if size not in (None, osize):
                return False
            return not v.reloc and not v.unknown and _fits_signed(v.value, osize)
        if width == 8:
            return size in (None, 8)
        return size in (None, width)
    return False


def _osize(form, ops, bits: int) -> int | None:
    """The operand size the form runs with here (decides 66h); None: no prefix."""
    if form.o:
        return form.o
    if form.semantics in _WIDE_DEST and ops and ops[0].kind == "reg":
        return ops[0].reg.bits
    if form.sx and form.operands == ("imm8",) and ops[0].kind == "imm":   # PUSH imm8
        size = ops[0].src.size
        return size if size in (16, 32) else bits
    return None


def _ok_operand_size(form, ops, bits) -> bool:
    if form.semantics == "mov_to_sreg" and ops[1].kind == "reg":
        return ops[1].reg.cls in ("r16", "r32")
    return True


def _shape(op: _Op) -> tuple:
    """Everything about an operand that form matching looks at (the cache key)."""
    src = op.src
    if op.kind == "reg":
        return ("reg", src.name)
    if op.kind == "mem":
        return ("mem", src.size, src.distance, op.ea.direct, src.disp_size)
    if op.kind == "far":
        return ("far", src.size)
    v = op.value
    clean = not v.reloc and not v.unknown
    return ("imm", src.size, src.strict, src.distance, clean and v.value == 1,
            clean and _fits_signed(v.value, 16), clean and _fits_signed(v.value, 32))


_MATCHES: dict = {}


def _candidates(forms, ops, bits) -> list:
    """The forms that match the operands, with their operand size (memoised by
    operand shape: programs repeat the same shapes, and every pass asks again)."""
    key = (id(forms), bits, tuple(_shape(op) for op in ops))
    hit = _MATCHES.get(key)
    if hit is None:
        hit = []
        for f in forms:
            if len(f.operands) != len(ops):
                continue
            osize = _osize(f, ops, bits)
            ok = True
            for tok, op in zip(f.operands, ops):
                if tok == "r/m16" and op.kind == "reg" and op.reg.cls == "r32" and (
                        f.semantics in _WIDE_DEST or f.semantics == "mov_to_sreg"):
                    continue
                if not _match_operand(tok, op, f, bits, osize or bits):
                    ok = False
                    break
            if ok and _ok_operand_size(f, ops, bits):
                hit.append((f, osize))
        _MATCHES[key] = hit
    return [_Match(f, ops, osize) for f, osize in hit]


def _eligible(m: _Match, bits: int) -> bool:
    """A form that needs 66h only when an operand or the mnemonic states its size."""
    f = m.form
    return not (f.o and f.o != bits and f.operands and not any(_pins(op) for op in m.ops))


def _mem_size_conflict(cands, mnemonic, bits) -> list:
    """NASM's "operation size not specified" for an unsized memory operand whose
    size the matching forms disagree on (near/far JMP and CALL take ``bits``)."""
    def size(c):
        for tok, op in zip(c.form.operands, c.ops):
            if op.kind == "mem" and op.src.size is None:
                return _MEM_SIZE.get(tok), op
        return None, None
    sizes = {size(c)[0] for c in cands} - {None}
    if len(sizes) <= 1:
        return cands
    if mnemonic in ("jmp", "call"):
        return [c for c in cands if size(c)[0] in (None, bits)]
    op = next(size(c)[1] for c in cands if size(c)[1] is not None)
    raise AsmError("operation size not specified", column=op.src.col)


def _imm_bytes(v: int, n: int) -> bytes:
    return (v & ((1 << (8 * n)) - 1)).to_bytes(n, "little")


def _encode(m: _Match, ctx: Context, head: bytes, seg: str | None, osize_prefix: int | None,
            asize_prefix: int | None) -> tuple:
    """(bytes, label-dependent fields) of one matched form with its prefixes:
    ``head`` (LOCK/REP), the segment override (``seg`` from a prefix, else the
    memory operand's), 66h, 67h."""
    form, ops = m.form, m.ops
    toks = form.operands
    rm_op = reg_op = plus_op = None
    has_ctl = "CRn" in toks or "DRn" in toks
    imms = []
    code_op = None
    moffs_op = None
    for tok, op in zip(toks, ops):
        if tok.startswith("r/m") or (tok[0] == "m" and not tok.startswith("moffs")):
            rm_op = op
        elif tok in ("r8", "r16", "r32"):
            if has_ctl:
                rm_op = op
            elif form.plus_reg:
                plus_op = op
            else:
                reg_op = op
        elif tok in ("Sreg", "CRn", "DRn"):
            reg_op = op
        elif tok.startswith("moffs"):
            moffs_op = op
        elif tok.startswith("imm"):
            imms.append(op)
        elif tok.startswith("rel") or tok.startswith("ptr"):
            code_op = op
    pre = bytearray(head)
    seg = seg or next((o.src.seg for o in ops if o.kind == "mem" and o.src.seg), None)
    if seg:
        pre.append(SEG_PREFIX[seg])
    if (m.osize and m.osize != ctx.bits) or (osize_prefix and osize_prefix != ctx.bits):
        pre.append(0x66)
    asize = asize_prefix
    for o in (rm_op, moffs_op):
        if o is not None and o.kind == "mem":
            asize = o.ea.asize
    if form.a:
        asize = form.a
    if asize and asize != ctx.bits:
        pre.append(0x67)
    out = pre
    relocs = []                     # listing cells of label-dependent fields (see encode)

    def field(value: Value, n: int) -> None:
        check_relocatable(value, ctx.section)
        if value.reloc:
            relocs.append((len(out), n, value.value - value.base, "[]"))
        out.extend(_imm_bytes(value.value, n))

    code_len = 0
    for t in form.encoding:
        if "+r" in t:
            out.append(int(t[:2], 16) + plus_op.reg.num)
        elif len(t) == 2 and t[0] in "0123456789ABCDEF" and t[1] in "0123456789ABCDEF":
            out.append(int(t, 16))
        elif t[0] == "/":
            reg = int(t[1]) if t[1].isdigit() else (reg_op.reg.num if reg_op is not None else 0)
            if rm_op.kind == "reg":
                out.append(0xC0 | (reg << 3) | rm_op.reg.num)
            else:
                ea = rm_op.ea
                out.append((ea.mod << 6) | (reg << 3) | ea.rm)
                if ea.sib is not None:
                    out.append(ea.sib)
                check_relocatable(ea.value, ctx.section)
                if ea.value.reloc and ea.disp:
                    relocs.append((len(out), len(ea.disp), ea.value.value - ea.value.base, "[]"))
                out += ea.disp
        elif t in ("ib", "iw", "id"):
            field(imms.pop(0).value, {"ib": 1, "iw": 2, "id": 4}[t])
        elif t in ("cb", "cw", "cd", "cp"):
            code_len = {"cb": 1, "cw": 2, "cd": 4, "cp": 6}[t]
    if moffs_op is not None:
        ea = moffs_op.ea
        field(ea.value._replace(value=ea.disp_value), ea.asize // 8)
    if code_op is not None and code_op.kind == "far":
        field(code_op.value, code_len - 2)
        out += _imm_bytes(code_op.seg.value, 2)
    elif code_op is not None:
        end = ctx.address + len(out) + code_len
        rel = code_op.value.value - end
        if code_len == 1 and not _fits_signed(rel, 32) and not code_op.value.unknown:
            raise _OutOfRange()
        target = code_op.value
        if target.reloc != ((ctx.section, 1),):     # NASM lists such a target, not the offset
            relocs.append((len(out), code_len, target.value - target.base, "()"))
        out += _imm_bytes(rel, code_len)
    return bytes(out), relocs


class _OutOfRange(Exception):
    """A rel8 form whose target is out of reach (the caller tries the next form)."""


def _nasm_operands(mn: str, ops: tuple) -> tuple:
    """NASM's operand shorthands (see the module docstring)."""
    if mn in ("aam", "aad") and not ops:
        return (Imm(("num", 10)),)
    if mn == "imul" and len(ops) == 2 and isinstance(ops[1], Imm):
        return (ops[0], ops[0], ops[1])
    return ops


def _forms_for(mn: str, bits: int, osize_prefix: int | None) -> list:
    mn = ALIASES.get(mn, mn)
    if mn in W_SUFFIX:
        return FORMS[W_SUFFIX[mn]]
    if mn in DEFAULT_SIZE:
        size = osize_prefix or bits
        return FORMS[DEFAULT_SIZE[mn][size == 32]]
    forms = FORMS.get(mn)
    if forms is None:
        raise AsmError(f"unknown instruction '{mn}'")
    return forms


def encode(stmt, ctx: Context) -> tuple:
    """(bytes, used_near, relocs) of an instruction statement (parser.Stmt, kind
    'insn'); ``relocs`` are the (start, length, value shown, brackets) of fields
    the listing shows as NASM's does: a label-dependent field as its
    section-relative value in [], the target of a jump out of the section in ()."""
    head = bytearray()
    seg_prefix = osize_prefix = asize_prefix = None
    for name, col in stmt.prefixes:
        if name in _PREFIX_BYTES:
            head.append(_PREFIX_BYTES[name])
        elif name in SEG_PREFIX:
            seg_prefix = name
        elif name[0] == "o":
            osize_prefix = int(name[1:])
        else:
            asize_prefix = int(name[1:])
    mn = stmt.mnemonic
    if not mn:
        tail = bytearray(head)
        if seg_prefix:
            tail.append(SEG_PREFIX[seg_prefix])
        return bytes(tail), False, []
    forms = _forms_for(mn, ctx.bits, osize_prefix)
    raw_ops = _nasm_operands(mn, stmt.operands)
    ops = _prepare(raw_ops, ctx.bits, asize_prefix, ctx.env)
    orders = [ops]
    if mn == "xchg" and len(ops) == 2:
        orders = [ops[::-1], ops]
    elif mn == "test" and len(ops) == 2:
        orders = [ops, ops[::-1]]
    cands = []
    for order in orders:
        cands += _candidates(forms, order, ctx.bits)
    if not cands:
        raise AsmError(_no_match_message(mn, ops), column=stmt.col)
    cands = [c for c in _mem_size_conflict(cands, mn, ctx.bits) if _eligible(c, ctx.bits)]
    if not cands:
        raise AsmError(_no_match_message(mn, ops), column=stmt.col)
    has_near = any(t in ("rel16", "rel32") for c in cands for t in c.form.operands)
    # NASM shortens a jump only to a label of this section (or one not yet known),
    # unless the source says short: "jmp 0x7c00" and "jmp other_section" are near.
    target = next((o for o in cands[0].ops if o.kind == "imm"), None)
    outside = target is not None and target.src.distance != "short" and not target.value.unknown \
        and target.value.reloc != ((ctx.section, 1),)
    best = best_key = None
    short_failed = False
    for idx, c in enumerate(cands):
        if (ctx.near or outside) and has_near and "rel8" in c.form.operands:
            continue
        try:
            enc = _encode(c, ctx, bytes(head), seg_prefix, osize_prefix, asize_prefix)
        except _OutOfRange:
            short_failed = True
            continue
        key = (len(enc[0]), not c.form.sx, idx)
        if best_key is None or key < best_key:
            best, best_key = enc, key
    if best is None:
        if ctx.final or not short_failed:
            raise AsmError("short jump is out of range", column=stmt.col)
        best = (b"\x00\x00", [])
    return best[0], ctx.near or (short_failed and has_near), best[1]


def _no_match_message(mn: str, ops) -> str:
    kinds = []
    for o in ops:
        if o.kind == "reg":
            kinds.append(o.src.name)
        elif o.kind == "mem":
            kinds.append("memory")
        elif o.kind == "far":
            kinds.append("far pointer")
        else:
            kinds.append("immediate")
    return f"invalid combination of opcode and operands: {mn} {', '.join(kinds)}".rstrip()
