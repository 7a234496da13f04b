"""The two passes: pass 1 assigns locations and defines symbols, pass 2 builds the
object code, resolves implicit addresses through USING and records relocation.

Values are ``(offset, rel)`` pairs. ``rel`` says what the value is relative to: ``()``
for absolute values, otherwise a sorted tuple of ``(relocation id, coefficient)``
(a simple relocatable term has one entry with coefficient 1). Every control section,
DSECT and external symbol has a relocation id. Offsets are section-relative while
the passes run; section origins are fixed after pass 1 (HLASM's THREAD placement:
each executable section starts at the next doubleword after the previous one), and
an address is ``offset + sum(coefficient * origin)``. Differences within one section
are therefore absolute, exactly as HLASM's rules for absolute and relocatable
expressions require.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from . import constants as K
from .constants import ConstantError
from ..ebcdic import to_ascii
from .instructions import (field_max, is_length, opcode_word, operand_layout, place,
                           resolve_mnemonic, templates)
from .macro import Preprocessor
from .parser import DcOp, ParseError, parse_dcops, parse_operands
from .source import Stmt, read_lines

#: Assembler instructions the passes handle (besides machine instructions and DC/DS).
DIRECTIVES = {
    "START", "CSECT", "DSECT", "USING", "DROP", "EQU", "DC", "DS", "ORG", "LTORG", "CNOP",
    "ENTRY", "EXTRN", "WXTRN", "COPY", "END", "TITLE", "EJECT", "SPACE", "PRINT", "CCW",
    "CCW0", "CCW1", "AMODE", "RMODE", "PUSH", "POP", "PUNCH", "REPRO", "ICTL", "ISEQ",
    "OPSYN", "MACRO", "MEND", "MEXIT", "AIF", "AGO", "ANOP", "SETA", "SETB",
    "SETC", "GBLA", "GBLB", "GBLC", "LCLA", "LCLB", "LCLC", "MNOTE", "ACTR",
}
#: Statements whose operands are evaluated in pass 1 only (their symbol references
#: are recorded for the cross reference there).
PASS1_ONLY = {"ORG", "EQU", "DS", "CNOP", "START"}


class AsmError(Exception):
    """An error in one statement: HLASM message text and severity (4/8/12)."""

    def __init__(self, message: str, sev: int = 8, column: int | None = None):
        super().__init__(message)
        self.sev = sev
        self.column = column


class Undefined(AsmError):
    def __init__(self, name: str):
        super().__init__(f"ASMA044E Undefined symbol - {name}", 8)
        self.name = name


@dataclass
class Message:
    """One diagnostic: where (file:line:column), how bad, what."""
    file: str
    line: int
    column: int
    severity: int
    message: str
    text: str

    @property
    def kind(self) -> str:
        return "error" if self.severity >= 8 else ("warning" if self.severity >= 4 else "note")

    def format(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.kind}: {self.message}\n    {self.text}"

    def as_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "column": self.column,
                "severity": self.severity, "kind": self.kind, "message": self.message,
                "text": self.text}


@dataclass
class Section:
    """A control section (``SD``/``PC``), a DSECT, or an external symbol (``ER``/``WX``)."""
    name: str
    kind: str
    rid: int
    esdid: int | None = None
    loc: int = 0
    high: int = 0
    origin: int = 0
    text: list = field(default_factory=list)   # (offset, bytes) chunks in order


@dataclass
class Symbol:
    name: str
    off: int | None
    rel: tuple
    length: int
    type: str
    defn: int
    refs: list = field(default_factory=list)


@dataclass
class RLD:
    """One relocation: ``length`` bytes at ``address`` (assembled address in section
    ``pos``) hold an address relative to ``target`` (negative when subtracted)."""
    target: int
    pos: int
    address: int
    length: int
    negative: bool
    vcon: bool


def _radd(a: tuple, b: tuple, sign: int) -> tuple:
    if not b:
        return a
    if not a and sign == 1:
        return b
    d = dict(a)
    for rid, c in b:
        d[rid] = d.get(rid, 0) + sign * c
    return tuple(sorted((k, v) for k, v in d.items() if v))


#: The 24-bit address space: a location counter (and a section's length, a 3-byte
#: ESD field) stays below it.
ADDRESS_SPACE = 1 << 24


def _align(v: int, n: int) -> int:
    return (v + n - 1) // n * n


class Assembler:
    """One assembly of one source module (use ``s370.asm.assemble``)."""

    def __init__(self, filename: str = "<src>", include_dirs=()):
        self.filename = filename
        self.include_dirs = list(include_dirs)
        self.messages: list[Message] = []
        self.symbols: dict[str, Symbol] = {}
        self.sections: list[Section] = []
        self.by_rid: dict[int, Section] = {}
        self.externals: dict[str, Section] = {}
        self.entries: list[tuple[str, Stmt]] = []
        self.cur: Section | None = None
        self.first: Section | None = None
        self.start_origin = 0
        self.pool_no = 0
        self.pending: dict = {}          # literal key -> (DcOp, first stmt)
        self.lit_addr: dict = {}         # (pool, key) -> (off, rel, length)
        self.stmts: list[Stmt] = []
        self.deferred: list[Stmt] = []
        self.usings: dict[int, tuple[int, tuple]] = {}
        self.dependent: list[tuple[int, int, tuple]] = []   # (register, base, rel)
        self.using_stack: list[dict] = []
        self.rlds: list[RLD] = []
        self.entry: tuple | None = None
        self.pass_no = 1
        self.st: Stmt | None = None
        self.loc_off = 0
        self.loc_rel: tuple = ()
        self.ins_len = 1
        self.next_esdid = 1
        self.next_dsect = -1
        self.title = ""
        self.ended = False
        self.stmt_count = 0
        self.entry_points: list = []

    # ---- diagnostics --------------------------------------------------------
    def report(self, st: Stmt, sev: int, message: str, column: int | None = None,
               line: int | None = None, text: str | None = None) -> None:
        """A diagnostic on ``st`` (at its first line, or at ``line`` with ``text``)."""
        col = column if column is not None else st.col
        if text is None:
            text = st.lines[0] if st.lines else st.text
        m = Message(st.file, st.line if line is None else line, col, sev, message, text)
        self.messages.append(m)
        st.__dict__.setdefault("msgs", []).append(m)

    def _err(self, st: Stmt, exc: Exception) -> None:
        if isinstance(exc, AsmError):
            self.report(st, exc.sev, str(exc), None if exc.column is None else st.col + exc.column - 1)
        elif isinstance(exc, ParseError):
            self.report(st, 8, f"ASMA008E {exc}", st.col + exc.column - 1)
        elif isinstance(exc, ConstantError):
            msg = str(exc)
            self.report(st, 8, msg if msg.startswith("ASMA") else f"ASMA063E {msg}")
        else:
            raise exc

    # ---- sections ---------------------------------------------------------------
    def new_section(self, name: str, kind: str) -> Section:
        if kind == "DSECT":
            rid = self.next_dsect
            self.next_dsect -= 1
            s = Section(name, kind, rid)
        else:
            rid = self.next_esdid
            self.next_esdid += 1
            s = Section(name, kind, rid, esdid=rid)
        self.sections.append(s)
        self.by_rid[s.rid] = s
        if kind in ("SD", "PC") and self.first is None:
            self.first = s
        return s

    def section(self) -> Section:
        """The current section; the first statement needing one starts private code."""
        if self.cur is None:
            self.cur = self.new_section("", "PC")
        return self.cur

    def set_loc(self, v: int) -> None:
        """Move the location counter; past the 24-bit address space (an object deck
        and a core image address 16M at most) the statement is an error at once,
        before pass 2 would build its bytes (HLASM ASMA039S)."""
        s = self.cur
        base = self.start_origin if s.kind in ("SD", "PC") else 0
        if base + v >= ADDRESS_SPACE:
            raise AsmError(f"ASMA039S Location counter error: X'{base + v:X}' beyond the 16M "
                           "address space", 12)
        s.loc = v
        if v > s.high:
            s.high = v

    def origin_of(self, rid: int) -> int:
        s = self.by_rid.get(rid)
        return s.origin if s is not None and s.kind in ("SD", "PC") else 0

    def address(self, off: int, rel: tuple) -> int:
        return off + sum(c * self.origin_of(r) for r, c in rel)

    # ---- symbols ------------------------------------------------------------
    def define(self, name: str, off: int, rel: tuple, length: int, typ: str, st: Stmt) -> None:
        name = name.upper()
        if not name:
            return
        if not _valid_symbol(name):
            raise AsmError(f"ASMA147E Invalid symbol {name}", 8, 1)
        s = self.symbols.get(name)
        if s is not None and s.off is not None:
            raise AsmError(f"ASMA043E Previously defined symbol - {name}", 8, 1)
        self.symbols[name] = Symbol(name, off, rel, length, typ, st.stmt_no)

    # ---- expressions -----------------------------------------------------------
    def ev(self, node) -> tuple[int, tuple]:
        k = node[0]
        if k == "num":
            return node[1], ()
        if k == "sym":
            s = self.symbols.get(node[1])
            if s is None or s.off is None:
                raise Undefined(node[1])
            if self.pass_no == 2 or self.st.op in PASS1_ONLY:
                s.refs.append(self.st.stmt_no)
            return s.off, s.rel
        if k == "loc":
            return self.loc_off, self.loc_rel
        if k == "add" or k == "sub":
            a0, a1 = self.ev(node[1])
            b0, b1 = self.ev(node[2])
            if k == "add":
                return a0 + b0, _radd(a1, b1, 1)
            return a0 - b0, _radd(a1, b1, -1)
        if k == "neg":
            a0, a1 = self.ev(node[1])
            return -a0, _radd((), a1, -1)
        if k == "mul" or k == "div":
            a0, a1 = self.ev(node[1])
            b0, b1 = self.ev(node[2])
            if a1 or b1:
                raise AsmError("ASMA032E Relocatable value found when absolute value required"
                               " (multiplication and division take absolute terms only)")
            if k == "mul":
                return a0 * b0, ()
            if b0 == 0:
                return 0, ()   # HLASM: division by zero gives zero
            q = abs(a0) // abs(b0)
            return (q if (a0 < 0) == (b0 < 0) else -q), ()
        if k == "attr":
            return self.attribute(node[1], node[2]), ()
        if k == "lit":
            return self.literal_value(node[1])
        if k == "addr":
            raise AsmError("ASMA008E Storage operand not allowed here")
        raise AsmError(f"ASMA008E unexpected {k}")

    def attribute(self, kind: str, name: str) -> int:
        if kind != "L":
            raise AsmError(f"ASMA008E attribute {kind}' not supported in ordinary expressions")
        if name == "*":
            return self.ins_len
        s = self.symbols.get(name)
        if s is None or s.off is None and not s.length:
            raise Undefined(name)
        if self.pass_no == 2 or self.st.op in PASS1_ONLY:
            s.refs.append(self.st.stmt_no)
        return s.length

    def absval(self, node, what: str = "value") -> int:
        v, rel = self.ev(node)
        if rel:
            raise AsmError(f"ASMA032E Relocatable value found when absolute {what} required")
        return v

    def length_of(self, node) -> int:
        """Length attribute of an expression: that of its leftmost term."""
        while node[0] in ("add", "sub", "mul", "div"):
            node = node[1]
        if node[0] == "sym":
            s = self.symbols.get(node[1])
            return s.length if s is not None and s.off is not None else 1
        if node[0] == "loc":
            return self.ins_len
        if node[0] == "lit":
            return self.literal_length(node[1])
        return 1

    # ---- literals --------------------------------------------------------------
    @staticmethod
    def lit_key(op: DcOp, st: Stmt):
        return (op.text.upper(), id(st)) if "*" in op.text else op.text.upper()

    def note_literals(self, ops, st: Stmt) -> None:
        for op in ops:
            if op is None:
                continue
            for lit in _literals_in(op):
                if lit.type == "V" and isinstance(lit.nominal, tuple):
                    for e in lit.nominal:
                        if e[0] == "sym":
                            self.external(e[1], "ER")
                key = self.lit_key(lit, st)
                if key not in self.pending:
                    self.pending[key] = (lit, st)

    def literal_value(self, op: DcOp):
        key = self.lit_key(op, self.st)
        a = self.lit_addr.get((getattr(self.st, "pool", self.pool_no), key))
        if a is None:
            if self.pass_no == 1:
                raise Undefined(op.text)
            raise AsmError(f"ASMA030E Invalid literal usage - {op.text}")
        return a[0], a[1]

    def literal_length(self, op: DcOp) -> int:
        key = self.lit_key(op, self.st)
        a = self.lit_addr.get((getattr(self.st, "pool", self.pool_no), key))
        return a[2] if a else 1

    def place_pool(self, st: Stmt, at_end: bool) -> None:
        """Assign the pending literals: groups by length divisible by 8, 4, 2, other."""
        if at_end:
            if not self.pending:
                return
            sect = self.first or self.section()
            saved = self.cur
            self.cur = sect
            self.set_loc(_align(sect.high, 8))
        else:
            sect = self.section()
            saved = sect
            self.set_loc(_align(sect.loc, 8))
        groups: list[list] = [[], [], [], []]
        for key, (lit, first) in self.pending.items():
            self.st = first
            try:
                if lit.dup is not None and self.absval(lit.dup) == 0:
                    raise AsmError("ASMA067S Illegal duplication factor in literal " + lit.text, 12)
                size, length = self.dc_size([lit], first)
            except AsmError as exc:
                self._err(first, exc)
                continue
            g = 0 if size % 8 == 0 else 1 if size % 4 == 0 else 2 if size % 2 == 0 else 3
            groups[g].append((key, lit, first, size, length))
        for grp in groups:
            for key, lit, first, size, length in grp:
                off = sect.loc
                ls = Stmt(st.file, st.line, f"{'':15}{lit.text}", kind="literal", gen=False,
                          lines=[f"{'':15}{lit.text}"])
                ls.op = "DC"
                ls.lit = lit
                ls.loc = off
                ls.sect = sect
                ls.pool = self.pool_no
                ls.stmt_no = 0
                # '*' in a literal is the address of the instruction that uses it
                fs = getattr(first, "sect", None) or sect
                ls.star = (getattr(first, "loc", off), ((fs.rid, 1),))
                self.lit_addr[(self.pool_no, key)] = (off, ((sect.rid, 1),), length)
                self.stmts.append(ls)
                self.set_loc(off + size)
        self.pending = {}
        self.pool_no += 1
        self.cur = saved

    # ---- pass 1 -----------------------------------------------------------------
    def pass1(self, stmts: list[Stmt]) -> None:
        for st in stmts:
            if self.ended:
                if st.kind == "instr":
                    self.report(st, 4, "ASMA140W END record missing or statement after END ignored")
                continue
            self.stmt_count += 1
            st.stmt_no = self.stmt_count
            self.stmts.append(st)
            st.pool = self.pool_no
            if st.kind != "instr":
                continue
            self.st = st
            try:
                self.stmt1(st)
            except (AsmError, ParseError, ConstantError) as exc:
                # a statement pass 1 could not place is not assembled again in pass 2;
                # a duplicate name (found last, after placing) does not stop its code
                if "ASMA043E" not in str(exc):
                    st.skip = True
                self._err(st, exc)
        if not self.ended:
            dummy = Stmt(self.filename, (stmts[-1].line if stmts else 0) + 1, "", kind="blank")
            dummy.stmt_no = self.stmt_count + 1
            dummy.pool = self.pool_no
            self.report(dummy, 4, "ASMA140W END record missing")
            self.place_pool(dummy, at_end=True)

    def here(self, st: Stmt, align: int = 1) -> int:
        s = self.section()
        off = _align(s.loc, align)
        st.loc = off
        st.sect = s
        st.pad = off - s.loc
        self.loc_off, self.loc_rel = off, ((s.rid, 1),)
        return off

    def stmt1(self, st: Stmt) -> None:
        op = st.op
        r = resolve_mnemonic(op)
        if r is not None:
            ins, mask = r
            self.ins_len = ins.length
            ops = parse_operands(st.operands)
            off = self.here(st, 2)
            st.ins = r
            st.ops = ops
            self.note_literals(ops, st)
            self.set_loc(off + ins.length)
            self.define(st.name, off, self.loc_rel, ins.length, "I", st)
            return
        h = getattr(self, "p1_" + op, None)
        if h is None:
            if op in DIRECTIVES:
                return
            raise AsmError(f"ASMA057E Undefined operation code - {op}", 8)
        h(st)

    def dc_size(self, ops: list[DcOp], st: Stmt) -> tuple[int, int]:
        """Bytes an operand list occupies from the first operand's boundary, and the
        length attribute of the first operand."""
        total = 0
        first_len = None
        ds = st.op == "DS"
        for op in ops:
            length, align, values = self.dc_shape(op, ds)
            if first_len is None:
                first_len = length if length else 1
            total = _align(total, align)
            dup = 1 if op.dup is None else self.absval(op.dup, "duplication factor")
            if dup < 0:
                raise AsmError("ASMA068E Negative duplication factor")
            total += dup * sum(values)
        return total, first_len or 1

    def dc_shape(self, op: DcOp, ds: bool = False):
        """(length attribute, alignment, lengths of the values) of one operand;
        DS allows the longer C/X/B lengths (up to 65535)."""
        t = op.type
        if op.length is not None:
            ln = self.absval(op.length, "length")
            mx = 65535 if ds and t in "CXB" else K.MAX_LEN.get(t, 256)
            if not 1 <= ln <= mx and not (ln == 0 and t in "CXB"):
                raise AsmError(f"ASMA067E Invalid length modifier L{ln} for type {t}")
            align = 1
        else:
            ln = None
            align = K.ALIGN.get(t, 1)
        if op.nominal is None:
            if ln is None:
                ln = K.FIXED_LEN.get(t, 1)
            return ln, align, [ln]
        if isinstance(op.nominal, tuple):
            if t not in K.ADDRESS_TYPES:
                raise AsmError(f"ASMA065E Unknown type - {t}(...) constants take a quoted value")
            ln = ln if ln is not None else K.FIXED_LEN[t]
            return ln, align, [ln] * len(op.nominal)
        if t in K.ADDRESS_TYPES:
            raise AsmError(f"ASMA065E {t}-type constants take (expressions)")
        values = K.split_values(t, op.nominal)
        if ln is not None:
            return ln, align, [ln] * len(values)
        lens = [K.implicit_length(t, v) for v in values]
        if t == "C" and lens[0] == 0:
            raise AsmError("ASMA068E Length error: null character constant")
        return lens[0], align, lens

    def p1_DC(self, st: Stmt) -> None:
        ops = parse_dcops(st.operands)
        st.dcops = ops
        if not ops:
            raise AsmError("ASMA071E DC/DS needs an operand")
        length, align, _ = self.dc_shape(ops[0], st.op == "DS")
        off = self.here(st, align)
        self.ins_len = length
        size, ln = self.dc_size(ops, st)
        typ = ops[0].type
        for op in ops:
            if op.type == "V" and isinstance(op.nominal, tuple):
                for e in op.nominal:
                    if e[0] == "sym":
                        self.external(e[1], "ER")
        self.set_loc(off + size)
        self.define(st.name, off, self.loc_rel, ln, typ, st)

    p1_DS = p1_DC

    def external(self, name: str, kind: str) -> Section:
        s = self.externals.get(name)
        if s is None:
            s = self.new_section(name, kind)
            self.externals[name] = s
        return s

    def p1_CCW(self, st: Stmt) -> None:
        st.ops = parse_operands(st.operands)
        off = self.here(st, 8)
        self.set_loc(off + 8)
        self.define(st.name, off, self.loc_rel, 8, "W", st)

    p1_CCW0 = p1_CCW1 = p1_CCW

    def p1_EQU(self, st: Stmt) -> None:
        st.ops = parse_operands(st.operands)
        st.sect = self.section()
        st.loc = self.cur.loc
        self.ins_len = 1    # L'* in EQU is 1
        self.loc_off, self.loc_rel = st.loc, ((self.cur.rid, 1),)
        if not st.name:
            raise AsmError("ASMA077E EQU needs a name")
        try:
            self.equ(st)
        except Undefined:
            self.symbols.setdefault(st.name.upper(), Symbol(st.name.upper(), None, (), 0, "U", 0))
            self.deferred.append(st)

    def equ(self, st: Stmt) -> None:
        ops = st.ops
        if not ops or ops[0] is None:
            raise AsmError("ASMA074E EQU needs a value")
        off, rel = self.ev(ops[0])
        length = self.absval(ops[1], "length") if len(ops) > 1 and ops[1] is not None else self.length_of(ops[0])
        typ = "U"
        if len(ops) > 2 and ops[2] is not None:
            # the type attribute is given as a self-defining term such as C'F'
            typ = to_ascii(bytes([self.absval(ops[2], "type attribute") & 0xFF]))
        name = st.name.upper()
        s = self.symbols.get(name)
        if s is not None and s.off is not None:
            raise AsmError(f"ASMA043E Previously defined symbol - {name}", 8, 1)
        self.symbols[name] = Symbol(name, off, rel, length, typ, st.stmt_no)

    def p1_ORG(self, st: Stmt) -> None:
        s = self.section()
        ops = parse_operands(st.operands)
        self.loc_off, self.loc_rel = s.loc, ((s.rid, 1),)
        if not ops or ops[0] is None:
            v = s.high
        else:
            v, rel = self.ev(ops[0])
            if rel != ((s.rid, 1),):
                raise AsmError("ASMA115E ORG operand must be relocatable in the current section")
            if v < 0:
                raise AsmError("ASMA116E ORG value below the start of the section")
        st.loc = v
        st.sect = s
        self.define(st.name, s.loc, ((s.rid, 1),), 1, "U", st)
        self.set_loc(v)

    def p1_CNOP(self, st: Stmt) -> None:
        ops = parse_operands(st.operands)
        if len(ops) != 2 or None in ops:
            raise AsmError("ASMA070E CNOP needs byte,boundary")
        b, w = self.absval(ops[0]), self.absval(ops[1])
        if w not in (4, 8) or b not in range(0, w, 2):
            raise AsmError("ASMA070E Invalid CNOP operands")
        s = self.section()
        start = s.loc
        off = _align(start, 2)
        while off % w != b:
            off += 2
        st.loc = start
        st.sect = s
        st.cnop = (start, off)
        self.define(st.name, off, ((s.rid, 1),), 1, "I", st)
        self.set_loc(off)

    def p1_LTORG(self, st: Stmt) -> None:
        s = self.section()
        self.set_loc(_align(s.loc, 8))
        st.loc = s.loc
        st.sect = s
        self.define(st.name, s.loc, ((s.rid, 1),), 1, "U", st)
        self.place_pool(st, at_end=False)

    def p1_START(self, st: Stmt) -> None:
        if self.sections and any(s.kind in ("SD", "PC") for s in self.sections):
            raise AsmError("ASMA073E START must come before any executable section")
        ops = parse_operands(st.operands)
        if ops and ops[0] is not None:
            v = self.absval(ops[0], "START value")
            if not 0 <= _align(v, 8) < ADDRESS_SPACE:
                raise AsmError(f"ASMA039S Location counter error: START value X'{v & 0xFFFFFFFFFF:X}'"
                               " outside the 16M address space", 12)
            self.start_origin = _align(v, 8)
            if v % 8:
                self.report(st, 4, "ASMA024W START value rounded up to a doubleword")
        self.p1_CSECT(st)

    def p1_CSECT(self, st: Stmt) -> None:
        name = st.name.upper()
        kind = "DSECT" if st.op == "DSECT" else ("SD" if name else "PC")
        for s in self.sections:
            if s.name == name and (s.kind == kind or (kind in ("SD", "PC") and s.kind in ("SD", "PC"))):
                if (s.kind == "DSECT") != (kind == "DSECT"):
                    break
                self.cur = s
                st.loc, st.sect = s.loc, s
                return
        else:
            if name and name in self.symbols and self.symbols[name].off is not None:
                raise AsmError(f"ASMA043E Previously defined symbol - {name}", 8, 1)
            s = self.new_section(name, kind)
            self.cur = s
            st.loc, st.sect = 0, s
            if name:
                self.symbols[name] = Symbol(name, 0, ((s.rid, 1),), 1, "J", st.stmt_no)
            return
        raise AsmError(f"ASMA043E Previously defined symbol - {name}", 8, 1)

    p1_DSECT = p1_CSECT

    def p1_USING(self, st: Stmt) -> None:
        st.ops = parse_operands(st.operands)
        s = self.section()
        st.loc, st.sect = s.loc, s
        self.loc_off, self.loc_rel = s.loc, ((s.rid, 1),)
        self.note_literals(st.ops, st)

    def p1_DROP(self, st: Stmt) -> None:
        st.ops = parse_operands(st.operands)

    def p1_ENTRY(self, st: Stmt) -> None:
        for name in st.operands.split(","):
            if name.strip():
                self.entries.append((name.strip().upper(), st))

    def p1_EXTRN(self, st: Stmt) -> None:
        for name in st.operands.split(","):
            name = name.strip().upper()
            if not name:
                continue
            if not _valid_symbol(name):
                raise AsmError(f"ASMA147E Invalid symbol {name}")
            e = self.external(name, "WX" if st.op == "WXTRN" else "ER")
            if name not in self.symbols:
                self.symbols[name] = Symbol(name, 0, ((e.rid, 1),), 1, "T", st.stmt_no)

    p1_WXTRN = p1_EXTRN

    def p1_END(self, st: Stmt) -> None:
        st.ops = parse_operands(st.operands)
        self.ended = True
        if self.cur is not None:
            st.loc, st.sect = self.cur.loc, self.cur
        self.place_pool(st, at_end=True)

    def p1_TITLE(self, st: Stmt) -> None:
        t = st.operands.strip()
        if t.startswith("'"):
            t = t[1:-1] if t.endswith("'") and len(t) > 1 else t[1:]
        if not self.title:
            self.title = t.replace("''", "'").replace("&&", "&")

    # ---- between the passes ---------------------------------------------------
    def resolve_deferred(self) -> None:
        pending = self.deferred
        while pending:
            left = []
            for st in pending:
                self.st = st
                self.loc_off, self.loc_rel = st.loc, ((st.sect.rid, 1),)
                try:
                    self.symbols.pop(st.name.upper(), None)
                    self.equ(st)
                except Undefined:
                    self.symbols[st.name.upper()] = Symbol(st.name.upper(), None, (), 0, "U", 0)
                    left.append(st)
                except AsmError as exc:
                    self._err(st, exc)
            if len(left) == len(pending):
                for st in left:
                    try:
                        self.equ(st)
                    except AsmError as exc:
                        self._err(st, exc)
                break
            pending = left

    def place_sections(self) -> None:
        """Lay the control sections out one after another from the START value;
        the sections together must fit the 16M address space (ASMA039S on the
        last statement otherwise; nothing is generated)."""
        nxt = self.start_origin
        for s in self.sections:
            if s.kind in ("SD", "PC"):
                s.origin = _align(nxt, 8)
                nxt = s.origin + s.high
        if nxt >= ADDRESS_SPACE and self.stmts:
            self.report(self.stmts[-1], 12, f"ASMA039S Location counter error: the control "
                        f"sections end at X'{nxt:X}', beyond the 16M address space")
            for st in self.stmts:
                st.skip = True

    # ---- pass 2 -------------------------------------------------------------------
    def pass2(self) -> None:
        self.pass_no = 2
        for st in self.stmts:
            self.st = st
            st.obj = b""
            if st.kind == "literal":
                self.cur = st.sect
                self.loc_off, self.loc_rel = st.star
                try:
                    self.emit_dc(st, [st.lit], st.loc)
                except (AsmError, ParseError, ConstantError) as exc:
                    self._err(st, exc)
                continue
            if st.kind != "instr" or getattr(st, "skip", False):
                continue
            sect = getattr(st, "sect", None)
            if sect is not None:
                self.cur = sect
                self.loc_off, self.loc_rel = st.loc, ((sect.rid, 1),)
            try:
                self.stmt2(st)
            except (AsmError, ParseError, ConstantError) as exc:
                self._err(st, exc)

    def emit(self, st: Stmt, off: int, data: bytes) -> None:
        st.obj = data if not st.obj else st.obj + data
        if self.cur.kind != "DSECT" and data:
            self.cur.text.append((off, data))

    def stmt2(self, st: Stmt) -> None:
        r = getattr(st, "ins", None)
        if r is not None:
            self.ins_len = r[0].length
            if st.pad:
                self.cur.text.append((st.loc - st.pad, bytes(st.pad)))
            self.emit(st, st.loc, self.encode(st, r[0], r[1], st.ops))
            return
        h = getattr(self, "p2_" + st.op, None)
        if h is not None:
            h(st)

    def encode(self, st: Stmt, ins, mask, ops) -> bytes:
        L, fmt = ins.length, ins.fmt
        word = opcode_word(ins)
        tpls = operand_layout(ins, mask)
        if mask is not None:
            word = place(word, L, fmt, templates(ins.operands)[0].name, mask)
        if len(ops) > len(tpls):
            self.report(st, 8, f"ASMA017E Too many operands for {st.op}: {len(tpls)} expected")
        elif len(ops) < len(tpls):
            self.report(st, 8, f"ASMA029E Missing operand for {st.op}: {ins.operands}")
        addrs = []
        for t, op in zip(tpls, ops):
            if op is None:
                self.report(st, 8, f"ASMA074E Missing operand for {st.op}")
                continue
            try:
                if t.kind == "field":
                    if op[0] == "addr":
                        raise AsmError(f"ASMA029E {t.name} must be a single value, not a storage address")
                    v = self.absval(op, "register or immediate value")
                    mx = field_max(t.name, fmt)
                    if t.name[0] == "I" and -128 <= v < 0 and mx == 255:
                        v &= 0xFF
                    if not 0 <= v <= mx:
                        raise AsmError(f"ASMA029E Incorrect register or value {v} for {t.name} "
                                       f"(0-{mx})")
                    word = place(word, L, fmt, t.name, v)
                else:
                    d, b, inner, ea = self.storage(op, t, fmt)
                    word = place(word, L, fmt, t.disp, d)
                    word = place(word, L, fmt, t.base, b)
                    if t.inner is not None:
                        word = place(word, L, fmt, t.inner, inner)
                    addrs.append(ea)
            except AsmError as exc:
                self._err(st, exc)
        st.addrs = addrs
        return word.to_bytes(L, "big")

    def storage(self, op, t, fmt):
        """(displacement, base, inner field, address for the listing) of one operand."""
        inner_node = None
        explicit_len = False
        if op[0] == "addr":
            dnode, first, second, n = op[1], op[2], op[3], op[4]
            if n == 2 or (n == 1 and t.inner is None):
                bnode = second if n == 2 else first
                if n == 2 and t.inner is None:
                    raise AsmError(f"ASMA029E Operand takes D({t.base[0]}): no index or length here")
                d = self.absval(dnode, "displacement")
                b = self.absval(bnode, "base register") if bnode is not None else 0
                if not 0 <= b <= 15:
                    raise AsmError(f"ASMA029E Incorrect register specification - {b}")
                if not 0 <= d <= 4095:
                    raise AsmError(f"ASMA028E Invalid displacement - {d}")
                inner_node = first if n == 2 else None
                inner = self.inner(t, inner_node, dnode, fmt)
                return d, b, inner, d
            inner_node = first
            addr_node = dnode
            explicit_len = inner_node is not None
        else:
            addr_node = op
        off, rel = self.ev(addr_node)
        b, d = self.resolve(off, rel)
        inner = self.inner(t, inner_node if explicit_len else None, addr_node, fmt)
        return d, b, inner, self.address(off, rel)

    def inner(self, t, node, addr_node, fmt) -> int:
        if t.inner is None:
            return 0
        if is_length(t.inner):
            mx = field_max(t.inner, fmt)
            v = self.absval(node, "length") if node is not None else self.length_of(addr_node)
            if not 0 <= v <= mx:
                raise AsmError(f"ASMA039E Length {v} out of range (1-{mx})")
            return v - 1 if v else 0
        if node is None:
            return 0
        v = self.absval(node, "register")
        if not 0 <= v <= 15:
            raise AsmError(f"ASMA029E Incorrect register specification - {v}")
        return v

    def resolve(self, off: int, rel: tuple) -> tuple[int, int]:
        """Base register and displacement of an implicit address (HLASM: the USING
        giving the smallest displacement, the higher register on a tie)."""
        if not rel and 0 <= off <= 4095:
            return 0, off
        best = None
        near = None
        for reg, boff, brel in [(r, b, rl) for r, (b, rl) in self.usings.items()] + self.dependent:
            if brel != rel:
                continue
            d = off - boff
            if 0 <= d <= 4095:
                if best is None or d < best[1] or (d == best[1] and reg > best[0]):
                    best = (reg, d)
            else:
                dist = -d if d < 0 else d - 4095
                near = dist if near is None else min(near, dist)
        if best is not None:
            return best
        if len(rel) > 1 or (rel and rel[0][1] != 1):
            raise AsmError("ASMA034E Complex relocatable address cannot be resolved into base and displacement")
        if near is not None:
            raise AsmError(f"ASMA034E Operand beyond active USING range by {near} bytes")
        if not rel and off < 0:
            raise AsmError(f"ASMA028E Invalid displacement - {off}")
        raise AsmError("ASMA307E No active USING for operand")

    # ---- DC / DS -----------------------------------------------------------
    def p2_DC(self, st: Stmt) -> None:
        self.emit_dc(st, st.dcops, st.loc)

    def p2_DS(self, st: Stmt) -> None:
        pass

    def emit_dc(self, st: Stmt, ops: list[DcOp], off: int) -> None:
        if getattr(st, "pad", 0):
            self.cur.text.append((off - st.pad, bytes(st.pad)))
        pos = off
        out = bytearray()
        for op in ops:
            length, align, lens = self.dc_shape(op)
            a = _align(pos, align)
            if a != pos:
                out += bytes(a - pos)
                pos = a
            dup = 1 if op.dup is None else self.absval(op.dup)
            one = bytearray()
            explicit = op.length is not None
            if op.nominal is None:
                one = bytes(length)  # DS-like DC without nominal: HLASM requires one
                self.report(st, 8, "ASMA071E DC needs a nominal value")
            elif isinstance(op.nominal, tuple):
                for e in op.nominal:
                    one += self.address_constant(op.type, e, length, pos + len(one), st)
            else:
                for v, ln in zip(K.split_values(op.type, op.nominal), lens):
                    one += K.encode_value(op.type, v, length if explicit else ln)
            if dup > 1 and isinstance(op.nominal, tuple):
                # each copy relocates separately: re-encode for the right positions
                for k in range(dup):
                    if k == 0:
                        out += one
                    else:
                        rep = bytearray()
                        for e in op.nominal:
                            rep += self.address_constant(op.type, e, length, pos + len(rep), st)
                        out += rep
                    pos += len(one)
            else:
                out += bytes(one) * dup
                pos += len(one) * dup
        self.emit(st, off, bytes(out))

    def address_constant(self, typ: str, node, length: int, pos: int, st: Stmt) -> bytes:
        """One A/Y/V/S constant at section offset ``pos``. Outside literals, '*'
        is the constant's own first byte (HLASM: updated for each duplication)."""
        if st.kind != "literal":
            self.loc_off = pos
        if typ == "V":
            if node[0] != "sym":
                raise AsmError("ASMA143E V-type constant needs an external symbol name")
            ext = self.externals.get(node[1]) or self.external(node[1], "ER")
            self.rlds.append(RLD(ext.rid, self.cur.rid, self.cur.origin + pos, length, False, True))
            return bytes(length)
        if typ == "S":
            if node[0] == "addr":
                if node[4] != 1:
                    raise AsmError("ASMA029E S-type constant takes D(B)")
                d, b = self.absval(node[1], "displacement"), self.absval(node[2], "base register")
                if not (0 <= d <= 4095 and 0 <= b <= 15):
                    raise AsmError(f"ASMA028E Invalid displacement or base in S({d}({b}))")
            else:
                off, rel = self.ev(node)
                b, d = self.resolve(off, rel)
            return ((b << 12) | d).to_bytes(2, "big")
        if node[0] == "addr":
            raise AsmError(f"ASMA029E {typ}-type constant takes an expression, not D(B)")
        off, rel = self.ev(node)
        v = off
        for rid, c in rel:
            sect = self.by_rid.get(rid)
            if sect is None or sect.kind == "DSECT":
                continue
            if c not in (1, -1):
                raise AsmError("ASMA061E Complex relocatable expression in address constant")
            if length < 2:
                raise AsmError(f"ASMA066W Relocatable {typ}-type constant with length {length}", 8)
            v += c * self.origin_of(rid)
            if self.cur.kind != "DSECT":
                self.rlds.append(RLD(rid, self.cur.rid, self.cur.origin + pos, length, c < 0, False))
        bits = 8 * length
        if not -(1 << (bits - 1)) <= v < (1 << bits):
            raise AsmError(f"ASMA072E Data item too large for {typ}L{length}")
        return (v & ((1 << bits) - 1)).to_bytes(length, "big")

    # ---- other assembler instructions -------------------------------------------------
    def p2_CCW(self, st: Stmt) -> None:
        ops = st.ops
        if len(ops) != 4 or None in ops:
            raise AsmError("ASMA074E CCW needs command,address,flags,count")
        if st.pad:
            self.cur.text.append((st.loc - st.pad, bytes(st.pad)))
        cmd = self.absval(ops[0]) & 0xFF
        flags = self.absval(ops[2]) & 0xFF
        count = self.absval(ops[3])
        if not 0 <= count <= 0xFFFF:
            raise AsmError(f"ASMA072E CCW count {count} out of range")
        if st.op == "CCW1":
            addr = self.address_constant("A", ops[1], 4, st.loc + 4, st)
            data = bytes([cmd, flags]) + count.to_bytes(2, "big") + addr
        else:
            addr = self.address_constant("A", ops[1], 3, st.loc + 1, st)
            data = bytes([cmd]) + addr + bytes([flags, 0]) + count.to_bytes(2, "big")
        self.emit(st, st.loc, data)

    p2_CCW0 = p2_CCW1 = p2_CCW

    def p2_CNOP(self, st: Stmt) -> None:
        start, off = st.cnop
        data = bytearray()
        pos = start
        if pos % 2:
            data.append(0)
            pos += 1
        while pos < off:
            data += b"\x07\x00"
            pos += 2
        if data:
            self.emit(st, start, bytes(data))

    def p2_USING(self, st: Stmt) -> None:
        ops = st.ops
        if len(ops) < 2 or ops[0] is None:
            raise AsmError("ASMA074E USING needs base,register")
        off, rel = self.ev(ops[0])
        if len(rel) > 1 or (rel and rel[0][1] != 1):
            raise AsmError("ASMA305E USING base must be absolute or simply relocatable")
        if len(ops) == 2 and ops[1] is not None:
            toff, trel = self.ev(ops[1])
            if trel:
                # dependent USING: the base is addressed through an active USING; its
                # register then also covers ``base`` (HLASM "dependent USING")
                reg, d = self.resolve(toff, trel)
                self.dependent = [x for x in self.dependent if x[1:] != (off - d, rel)]
                self.dependent.append((reg, off - d, rel))
                st.addrs = [None, self.address(off, rel)]
                return
        regs = []
        for o in ops[1:]:
            if o is None:
                raise AsmError("ASMA074E Missing USING register")
            r, rr = self.ev(o)
            if rr:
                raise AsmError("ASMA029E Incorrect register specification: a register, or one "
                               "relocatable operand for a dependent USING")
            if not 0 <= r <= 15:
                raise AsmError(f"ASMA029E Incorrect register specification - {r}")
            regs.append(r)
        for k, r in enumerate(regs):
            self.usings[r] = (off + 4096 * k, rel)
        st.addrs = [None, self.address(off, rel)]

    def p2_PUSH(self, st: Stmt) -> None:
        if "USING" in st.operands.upper().split(","):
            self.using_stack.append((dict(self.usings), list(self.dependent)))

    def p2_POP(self, st: Stmt) -> None:
        if "USING" in st.operands.upper().split(","):
            if not self.using_stack:
                raise AsmError("ASMA214W POP USING without a matching PUSH", 4)
            self.usings, self.dependent = self.using_stack.pop()

    def p2_DROP(self, st: Stmt) -> None:
        if not st.ops:
            self.usings.clear()
            self.dependent.clear()
            return
        for o in st.ops:
            if o is None:
                continue
            r = self.absval(o)
            if r not in self.usings and all(x[0] != r for x in self.dependent):
                self.report(st, 4, f"ASMA045W Register or label not previously used - {r}")
            self.usings.pop(r, None)
            self.dependent = [x for x in self.dependent if x[0] != r]

    def p2_EQU(self, st: Stmt) -> None:
        s = self.symbols.get(st.name.upper())
        if s is not None and s.off is not None:
            st.addrs = [None, self.address(s.off, s.rel) if s.rel else s.off]

    def p2_END(self, st: Stmt) -> None:
        if st.ops and st.ops[0] is not None:
            off, rel = self.ev(st.ops[0])
            if not rel or len(rel) != 1 or self.by_rid[rel[0][0]].kind not in ("SD", "PC"):
                raise AsmError("ASMA032E END operand must be an address in a control section")
            self.entry = (off, rel)

    # ---- results --------------------------------------------------------------
    def finish_entries(self) -> list[tuple[str, int, Section]]:
        out = []
        for name, st in self.entries:
            s = self.symbols.get(name)
            if s is None or s.off is None or len(s.rel) != 1 or s.rel[0][1] != 1 \
                    or self.by_rid[s.rel[0][0]].kind not in ("SD", "PC"):
                self.report(st, 8, f"ASMA044E Undefined or invalid ENTRY symbol - {name}")
                continue
            sect = self.by_rid[s.rel[0][0]]
            out.append((name, self.address(s.off, s.rel), sect))
        return out

    def run(self, text: str) -> None:
        raw = read_lines(text, self.filename)
        for st in raw:
            for line, col, sev, message, txt in st.notes:
                self.report(st, sev, message, col, line, txt)
        pre = Preprocessor(self.report, self.include_dirs,
                           is_operation=lambda op: op in DIRECTIVES or resolve_mnemonic(op) is not None)
        stmts = pre.run(raw)
        self.pass1(stmts)
        self.resolve_deferred()
        self.place_sections()
        self.pass2()
        self.entry_points = self.finish_entries()


def _valid_symbol(name: str) -> bool:
    return 1 <= len(name) <= 63 and (name[0].isalpha() or name[0] in "@#$_") and \
        all(c.isalnum() or c in "@#$_" for c in name)


def _literals_in(node):
    if node is None or not isinstance(node, tuple):
        return
    if node[0] == "lit":
        yield node[1]
        return
    for x in node[1:]:
        if isinstance(x, tuple):
            yield from _literals_in(x)
