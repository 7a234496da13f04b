"""The passes: statements to section contents, labels to values, for NASM's flat
binary output format (``-f bin``, NASM manual chapter 8.1).

Passes repeat until no symbol changes value; then one more, the final pass, emits
the result and reports errors (an earlier pass only estimates: a symbol used
before its definition is "unknown" there, and a jump to it is assumed short, as
NASM's optimiser assumes). A jump found out of short range stays near in later
passes (from the fourth pass on), so the passes always converge.

Sections (``-f bin``): ``.text`` first at ``org`` (or above it, aligned; the
file still starts at ``org``), then the other progbits
sections in the order they were first named, then the nobits ones (``.bss``, or
``nobits``), each aligned to the largest of its ``align=`` (default 4, 1 for
``.text``) and the ``align`` directives used inside it (NASM's ``sectalign``). Offsets in the listing are
section-relative, as in NASM's listing. ``align N[, fill]`` pads relative to the
section start with NOPs (or ``fill`` repeated); ``alignb`` reserves.
``absolute``, ``struc``/``endstruc`` and ``istruc``/``at``/``iend`` behave like
NASM's standard macros of those names.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

from .errors import AsmError
from .expressions import Scalar, Value, check_relocatable, evaluate, relative
from .instructions import Context, encode
from .parser import Stmt, parse_line

MAX_PASSES = 40
#: From this pass on, a jump once found out of short range stays near (NASM never
#: fixes a choice; this only guarantees convergence for code whose jump sizes
#: would otherwise oscillate, after the estimates of the first passes settled).
STICKY_PASS = 4


@dataclass
class Section:
    name: str
    progbits: bool
    default_align: int = 4
    align_attr: int = 0       # the largest align= given (0: none)
    sectalign: int = 1        # the largest align directive used inside

    @property
    def align(self) -> int:
        """NASM's section alignment: align= (else the default), raised by sectalign."""
        return max(self.align_attr or self.default_align, self.sectalign)
    start: int = 0
    data: bytearray = field(default_factory=bytearray)
    size: int = 0            # nobits: reserved bytes

    def length(self) -> int:
        return len(self.data) if self.progbits else self.size


@dataclass
class ListItem:
    """One listed line of the final pass: where it went and what it produced, as
    NASM lists it: ``cells`` are the hex of each byte, or of a whole label-dependent
    field in brackets; ``rep`` the count of a ``times`` (only the first copy is
    listed); ``reserved`` the bytes a ``res`` reserved."""
    line: object
    section: str | None
    offset: int | None
    cells: list = field(default_factory=list)
    reserved: int = 0
    rep: int = 0
    messages: list = field(default_factory=list)   # (severity, AsmError)


class _Absolute:
    """The state of an ``absolute`` (or ``struc``) region: a counter, no bytes."""

    def __init__(self, addr: int):
        self.addr = addr
        self.start = addr


class Assembler:
    """Assemble preprocessed lines (``preprocess.Line``). After ``run()``:
    ``image`` (bytes from ``org``), ``symbols`` (name -> int), ``errors``,
    ``listing_items``, ``sections``."""

    def __init__(self, lines: list, find_file=None):
        self.lines = lines
        self.find_file = find_file or (lambda name, including: None)
        self.errors: list = []
        self.warnings: list = []
        self.symbols: dict = {}
        self.image = b""
        self.listing_items: list = []
        self.sections: dict = {}
        self.org = 0
        self._stmts: list = []
        self._near: dict = {}
        self._prev: dict = {}
        self._prev_defs: dict = {}
        self._layout: dict = {}
        self.passes = 0

    # ----- driver ---------------------------------------------------------------
    def run(self) -> None:
        for ln in self.lines:
            if ln.listed_only:
                self._stmts.append(None)
                continue
            try:
                self._stmts.append(parse_line(ln.text))
            except AsmError as exc:
                self._error(exc, ln)
                self._stmts.append(None)
        self._first_org()
        stable = False
        for self.passes in range(1, MAX_PASSES + 1):
            changed = self._pass(final=False)
            if not changed:
                stable = True
                break
        if not stable:
            self.errors.append(AsmError("could not settle the code size in "
                                        f"{MAX_PASSES} passes", self.lines[0].file if self.lines else "<src>", 1, 1))
        self._pass(final=True)
        self.passes += 1

    def _first_org(self) -> None:
        """The origin before pass 1 (it moves every address, so estimating it as 0
        would make the first pass's jumps look far)."""
        for st in self._stmts:
            if st is not None and st.kind == "org":
                try:
                    self.org = evaluate(st.args[0], Scalar()).value
                except AsmError:
                    pass
                return

    def _pass(self, final: bool) -> bool:
        self.final = final
        self.bits = 16
        self.cur: Section | None = None
        self.sections = {}
        self.order: list = []
        self.absolute: _Absolute | None = None
        self.saved_section = None
        self.struc: list = []
        self.istruc: list = []
        self.base_label = ""
        self.defined: dict = {}
        self.saw_unknown = False
        self.items = [] if final else None
        self._recording = True
        self._section(".text", (), None)
        for idx, (ln, st) in enumerate(zip(self.lines, self._stmts)):
            if st is None:
                if final:
                    self.items.append(ListItem(ln, None, None))
                continue
            self.line = ln
            self.idx = idx
            self._item = ListItem(ln, None, None) if final else None
            try:
                self._statement(st)
            except AsmError as exc:
                if final:
                    exc.column = exc.column or st.col
                    self._error(exc, ln)
                    self._item.messages.append(("error", exc))
            if final:
                self.items.append(self._item)
        if final and self.struc:
            self._error(AsmError("struc without endstruc"), self.lines[-1])
        self._lay_out()
        values = {k: v.value for k, v in self.defined.items()}
        changed = values != self._prev or (self.saw_unknown and self.passes == 1) or \
            {n: s.start for n, s in self.sections.items()} != self._layout
        self._prev = values
        self._prev_defs = dict(self.defined)
        self._layout = {n: s.start for n, s in self.sections.items()}
        if final:
            self.symbols = values
            self.listing_items = self.items
            self.image = self._image()
        return changed

    def _error(self, exc: AsmError, ln) -> None:
        if exc.file == "<src>" or not exc.line:
            exc.file, exc.line, exc.where = ln.file, ln.line, ln.where
        self.errors.append(exc)

    # ----- layout ------------------------------------------------------------------
    def _lay_out(self) -> None:
        text = self.sections[".text"]
        ordered = [text] + [s for s in self.order if s is not text and s.progbits] + \
            [s for s in self.order if s is not text and not s.progbits]
        pos = self.org
        for s in ordered:       # .text too: the file starts at org, padded up to it
            pos = (pos + s.align - 1) // s.align * s.align
            s.start = pos
            pos += s.length()
        self.ordered = ordered

    def _image(self) -> bytes:
        prog = [s for s in self.ordered if s.progbits]
        end = max((s.start + len(s.data) for s in prog if s.data), default=self.org)
        out = bytearray(max(0, end - self.org))
        for s in prog:
            at = s.start - self.org
            out[at:at + len(s.data)] = s.data
        return bytes(out)

    # ----- the expression environment -------------------------------------------
    def full_name(self, name: str) -> str:
        if name.startswith(".") and not name.startswith(".."):
            return self.base_label + name
        return name

    def symbol(self, name: str, col: int) -> Value:
        name = self.full_name(name)
        v = self.defined.get(name)
        if v is not None:
            return v
        v = self._prev_defs.get(name)
        if v is not None:
            self.saw_unknown = self.saw_unknown or v.unknown
            return v
        if self.final:
            raise AsmError(f"symbol '{name}' not defined", column=col)
        self.saw_unknown = True
        return Value(0, (("?", 1),), True)

    def here(self) -> Value:
        if self.absolute is not None:
            return Value(self.absolute.addr)
        return relative(self.cur.start + self.cur.length(), self.cur.name, self.cur.start)

    def section_start(self) -> Value:
        if self.absolute is not None:
            return Value(self.absolute.start)
        return relative(self.cur.start, self.cur.name, self.cur.start)

    def eval(self, e) -> Value:
        return evaluate(e, self)

    def _const(self, e, what: str) -> int:
        v = self.eval(e)
        if v.unknown:
            if self.final:
                raise AsmError(f"{what} is not a constant")
            return 0
        return v.value

    # ----- output ---------------------------------------------------------------
    def emit(self, data: bytes, relocs=()) -> None:
        """Append bytes to the current section (and, while a line is being listed,
        its cells; ``relocs`` are (start, length, value shown, brackets) of the
        fields NASM's listing shows specially: see instructions.encode)."""
        if self.absolute is not None:
            if data:
                raise AsmError("instructions and data are not allowed in an absolute or struc region")
            return
        if not self.cur.progbits:
            if data:
                if self._item is not None:
                    self._warn(f"data in nobits section {self.cur.name}: ignored")
                self.cur.size += len(data)
            return
        item = self._item
        if item is not None and self._recording and data:
            if item.section is None:
                item.section, item.offset = self.cur.name, len(self.cur.data)
            i = 0
            for start, n, shown, brackets in relocs:
                item.cells.extend(f"{b:02X}" for b in data[i:start])
                text = (shown % (1 << (8 * n))).to_bytes(n, "little").hex().upper()
                item.cells.append(brackets[0] + text + brackets[1])
                i = start + n
            item.cells.extend(f"{b:02X}" for b in data[i:])
        self.cur.data += data

    def reserve(self, n: int) -> None:
        if n < 0:
            raise AsmError(f"negative reservation of {n} bytes")
        item = self._item
        if item is not None and self._recording:
            if item.section is None:
                item.section = self.cur.name if self.absolute is None else None
                item.offset = self.cur.length() if self.absolute is None else self.absolute.addr
            item.reserved += n
        if self.absolute is not None:
            self.absolute.addr += n
        elif self.cur.progbits:
            self.cur.data += bytes(n)
            if item is not None and n:
                self._warn(f"uninitialized space declared in {self.cur.name} section: zeroing [-w+zeroing]")
        else:
            self.cur.size += n

    def _repeat(self, n: int, once) -> None:
        """Run ``once`` n times, listing the first run and the count (``times``)."""
        for i in range(n):
            if i == 1:
                self._recording = False
            once()
        self._recording = True
        if self._item is not None and n > 1:
            self._item.rep = n

    def _warn(self, message: str) -> None:
        """A warning of the final pass (listed under its line, as NASM does)."""
        w = AsmError(message, self.line.file, self.line.line, 1, self.line.where)
        self.warnings.append(w)
        self._item.messages.append(("warning", w))

    # ----- statements ---------------------------------------------------------------
    def _define(self, name: str, value: Value, col: int) -> None:
        full = self.full_name(name)
        if full in self.defined:
            raise AsmError(f"symbol '{full}' redefined", column=col)
        self.defined[full] = value
        if not name.startswith(".") and not full.startswith("..@"):
            self.base_label = full

    def _statement(self, st: Stmt) -> None:
        if st.label is not None and st.kind != "equ":
            self._define(st.label, self.here(), st.label_col)
        k = st.kind
        if k is None:
            return
        getattr(self, "_do_" + k)(st)

    def _do_equ(self, st: Stmt) -> None:
        if st.label is None:
            raise AsmError("equ without a label", column=st.col)
        v = self.eval(st.args[0])
        full = self.full_name(st.label)
        if full in self.defined:
            raise AsmError(f"symbol '{full}' redefined", column=st.label_col)
        self.defined[full] = v

    def _do_insn(self, st: Stmt) -> None:
        if self.absolute is not None:
            raise AsmError("instructions are not allowed in an absolute or struc region", column=st.col)
        ctx = Context(self.bits, self.here().value, self, self.final, self._near.get(self.idx, False),
                      self.cur.name)
        data, near, relocs = encode(st, ctx)
        if near and self.passes >= STICKY_PASS:
            self._near[self.idx] = True
        self.emit(data, relocs)

    def _do_data(self, st: Stmt) -> None:
        unit = st.unit
        out = bytearray()
        relocs = []
        for item in st.items:
            if item[0] == "str":
                b = item[1]
                out += b + bytes(-len(b) % unit)
            elif item[0] == "float":
                fmt = {2: "<e", 4: "<f", 8: "<d"}.get(unit)
                if fmt is None:
                    raise AsmError("floating-point constant in db", column=st.col)
                out += struct.pack(fmt, item[1])
            else:
                v = self.eval(item)
                check_relocatable(v, self.cur.name)
                if v.reloc:
                    relocs.append((len(out), unit, v.value - v.base, "[]"))
                out += (v.value & ((1 << (8 * unit)) - 1)).to_bytes(unit, "little")
        self.emit(bytes(out), relocs)

    def _do_res(self, st: Stmt) -> None:
        self.reserve(self._const(st.args[0], "reservation count") * st.unit)

    def _do_times(self, st: Stmt) -> None:
        n = self._const(st.args[0], "times count")
        if n < 0:
            if self.final:
                raise AsmError(f"times value {n} is negative", column=st.col)
            return
        inner = st.inner
        if inner.kind == "data" and not _uses_here(inner.items) and n > 1 \
                and self.absolute is None and self.cur.progbits:
            start = len(self.cur.data)          # the same bytes n times: build them once
            self._do_data(inner)
            self.cur.data += self.cur.data[start:] * (n - 1)
            if self._item is not None:
                self._item.rep = n
            return
        self._repeat(n, lambda: getattr(self, "_do_" + inner.kind)(inner))

    def _do_incbin(self, st: Stmt) -> None:
        name, skip, length = st.args
        path = self.find_file(name, self.line.file)
        if path is None:
            raise AsmError(f"unable to open incbin file '{name}'", column=st.col)
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as exc:
            raise AsmError(f"cannot read {name}: {exc.strerror}", column=st.col) from None
        s = self._const(skip, "incbin offset") if skip is not None else 0
        data = data[s:]
        if length is not None:
            data = data[:self._const(length, "incbin length")]
        self.emit(data)

    def _do_bits(self, st: Stmt) -> None:
        b = self._const(st.args[0], "bits value")
        if b not in (16, 32):
            raise AsmError(f"bits {b}: only 16 and 32 are supported", column=st.col)
        self.bits = b

    def _do_org(self, st: Stmt) -> None:
        self.org = self._const(st.args[0], "org address")

    def _do_section(self, st: Stmt) -> None:
        name, attrs = st.args
        self._section(name, attrs, st)

    def _section(self, name: str, attrs, st) -> None:
        self.absolute = None
        s = self.sections.get(name)
        if s is None:
            s = Section(name, name not in (".bss",), 1 if name == ".text" else 4)
            self.sections[name] = s
            self.order.append(s)
            s.start = self._layout.get(name, self.org)
        for key, e, col in attrs:
            if key == "align":
                a = self._const(e, "section alignment")
                if a <= 0 or a & (a - 1):
                    raise AsmError(f"section alignment {a} is not a power of 2", column=col)
                s.align_attr = max(s.align_attr, a)
            elif key in ("progbits", "nobits"):
                s.progbits = key == "progbits"
            else:
                raise AsmError(f"section attribute '{key}' is not supported", column=col)
        self.cur = s

    def _do_align(self, st: Stmt) -> None:
        n = self._const(st.args[0], "alignment")
        if n <= 0 or n & (n - 1):
            raise AsmError(f"alignment {n} is not a power of 2", column=st.col)
        if self.absolute is not None:
            here = self.absolute.addr - self.absolute.start
        else:
            self.cur.sectalign = max(self.cur.sectalign, n)
            here = self.cur.length()
        pad = -here % n
        fill = st.inner
        reserve = st.args[1] or (self.absolute is not None) or not self.cur.progbits
        if fill is None and reserve:
            self.reserve(pad)
            return
        if fill is None and pad:
            self.emit(b"\x90")                  # listed once, with <rep Nh>
            self.cur.data += b"\x90" * (pad - 1)
            if self._item is not None and pad > 1:
                self._item.rep = pad
            return
        if fill is None:
            return
        self._repeat(pad, lambda: getattr(self, "_do_" + fill.kind)(fill))

    def _do_ignored(self, st: Stmt) -> None:
        return

    def _do_extern(self, st: Stmt) -> None:
        raise AsmError("binary output does not support external references", column=st.col)

    def _do_absolute(self, st: Stmt) -> None:
        self.absolute = _Absolute(self._const(st.args[0], "absolute address"))

    def _do_struc(self, st: Stmt) -> None:
        self.struc.append((st.args[0], self.absolute, self.cur))
        self.absolute = _Absolute(0)
        self._define(st.args[0], Value(0), st.col)

    def _do_endstruc(self, st: Stmt) -> None:
        if not self.struc:
            raise AsmError("endstruc without struc", column=st.col)
        name, absolute, cur = self.struc.pop()
        size = self.absolute.addr
        full = name + "_size"
        if full in self.defined:
            raise AsmError(f"symbol '{full}' redefined", column=st.col)
        self.defined[full] = Value(size)
        self.absolute, self.cur = absolute, cur

    def _do_istruc(self, st: Stmt) -> None:
        self.istruc.append((st.args[0], self.cur.length()))

    def _do_at(self, st: Stmt) -> None:
        if not self.istruc:
            raise AsmError("at outside istruc", column=st.col)
        _, start = self.istruc[-1]
        want = self._const(st.args[0], "at offset")
        pad = want - (self.cur.length() - start)
        if pad < 0:
            if self.final:
                raise AsmError("at field overlaps the previous one", column=st.col)
            pad = 0
        self.emit(bytes(pad))
        getattr(self, "_do_" + st.inner.kind)(st.inner)

    def _do_iend(self, st: Stmt) -> None:
        if not self.istruc:
            raise AsmError("iend without istruc", column=st.col)
        name, start = self.istruc.pop()
        size = self.symbol(name + "_size", st.col)
        pad = size.value - (self.cur.length() - start)
        if pad > 0:
            self.emit(bytes(pad))


def _uses_here(items) -> bool:
    def walk(e):
        if not isinstance(e, tuple):
            return False
        if e[0] in ("here", "sbase"):
            return True
        return any(walk(x) for x in e[1:])
    return any(walk(i) for i in items)
