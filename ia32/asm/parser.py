"""Line parsing with the Lark grammar in ``grammar.lark``.

Each distinct line text is parsed once (cached: macros and ``%rep`` repeat lines a
lot) into a :class:`Stmt`. Expressions become small tuples, cheap to evaluate on
every pass:

    ('num', v)  ('str', bytes)  ('sym', NAME, col)  ('reg', name, col)
    ('here',)  ('sbase',)  ('bin', op, a, b)  ('un', op, a)

Operands are :class:`Imm`, :class:`Reg`, :class:`Mem` or :class:`Far`. Register
names are reserved words, as in NASM (``$eax`` is the label "eax").
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from .errors import AsmError
from .mnemonics import MNEMONICS
from .registers import REGISTERS

SIZE_BITS = {"byte": 8, "word": 16, "dword": 32, "qword": 64}
DATA_BYTES = {"b": 1, "w": 2, "d": 4, "q": 8}


@dataclass(frozen=True)
class Imm:
    """An immediate, a jump target or a moffs address written without brackets."""
    expr: tuple
    size: int | None = None
    strict: bool = False
    distance: str | None = None
    col: int = 1


@dataclass(frozen=True)
class Reg:
    name: str
    col: int = 1


@dataclass(frozen=True)
class Mem:
    """``[seg:address]``; ``size`` is the operand size keyword before the bracket,
    ``disp_size`` a size keyword inside it (forces the displacement width)."""
    expr: tuple
    seg: str | None = None
    size: int | None = None
    strict: bool = False
    distance: str | None = None
    disp_size: int | None = None
    nosplit: bool = False
    col: int = 1


@dataclass(frozen=True)
class Far:
    """``seg:offset``, the pointer operand of a direct far JMP or CALL."""
    seg: tuple
    off: tuple
    size: int | None = None
    col: int = 1


@dataclass
class Stmt:
    """One parsed line. ``kind`` is None (label only or empty), 'insn', 'data',
    'res', 'equ', 'times', 'incbin', 'bits', 'use', 'org', 'section', 'align',
    'ignored', 'extern', 'absolute', 'struc', 'endstruc', 'istruc', 'at', 'iend'."""
    label: str | None = None
    label_col: int = 1
    kind: str | None = None
    col: int = 1
    mnemonic: str = ""
    prefixes: tuple = ()
    operands: tuple = ()
    unit: int = 1
    items: tuple = ()
    args: tuple = ()
    inner: "Stmt | None" = None


def _unescape(body: str) -> bytes:
    """Backquoted strings (NASM manual 3.4.2): C-style escapes."""
    out = bytearray()
    i, n = 0, len(body)
    simple = {"n": 10, "t": 9, "r": 13, "0": 0, "a": 7, "b": 8, "f": 12, "v": 11, "e": 27,
              "\\": 92, "'": 39, '"': 34, "`": 96, "?": 63}
    while i < n:
        c = body[i]
        if c != "\\" or i + 1 >= n:
            out += c.encode("utf-8")
            i += 1
            continue
        e = body[i + 1]
        if e == "x" and re.match(r"[0-9a-fA-F]", body[i + 2:i + 3]):
            m = re.match(r"[0-9a-fA-F]{1,2}", body[i + 2:])
            out.append(int(m.group(), 16))
            i += 2 + len(m.group())
        elif e in "01234567":
            m = re.match(r"[0-7]{1,3}", body[i + 1:])
            out.append(int(m.group(), 8) & 0xFF)
            i += 1 + len(m.group())
        elif e in "uU":
            width = 4 if e == "u" else 8
            out += chr(int(body[i + 2:i + 2 + width], 16)).encode("utf-8")
            i += 2 + width
        else:
            out.append(simple.get(e, ord(e)))
            i += 2
    return bytes(out)


def string_bytes(tok: str) -> bytes:
    """The bytes of a quoted string token ('..', "..", or `..` with escapes)."""
    body = tok[1:-1]
    return _unescape(body) if tok[0] == "`" else body.encode("utf-8")


_NUM_FORMS = (
    (re.compile(r"0[xh]([0-9a-f]+)$"), 16), (re.compile(r"\$([0-9][0-9a-f]*)$"), 16),
    (re.compile(r"([0-9][0-9a-f]*)h$"), 16),
    (re.compile(r"0[by]([01]+)$"), 2), (re.compile(r"([01]+)[by]$"), 2),
    (re.compile(r"0[oq]([0-7]+)$"), 8), (re.compile(r"([0-7]+)[oq]$"), 8),
    (re.compile(r"0d([0-9]+)$"), 10), (re.compile(r"([0-9]+)d?$"), 10),
)


def number_value(tok: str) -> int:
    """A NASM numeric constant (manual 3.4.1): 0x1F, 1Fh, $1F, 0b101, 101b, 17q, 0o17,
    decimal (leading zeros stay decimal); underscores are separators."""
    t = tok.lower().replace("_", "")
    for rx, base in _NUM_FORMS:
        m = rx.match(t)
        if m:
            return int(m.group(1), base)
    raise ValueError(tok)


def _col(tok) -> int:
    return getattr(tok, "column", None) or 1


@v_args(inline=True)
class _Build(Transformer):
    """Parse tree -> Stmt / operand / expression tuples."""

    # expressions
    def num(self, tok):
        try:
            return ("num", number_value(str(tok)))
        except ValueError:
            raise AsmError(f"invalid number '{tok}'", column=_col(tok)) from None

    def string(self, tok):
        return ("str", string_bytes(str(tok)))

    def name(self, tok):
        s = str(tok)
        if s.lower() in REGISTERS:
            return ("reg", s.lower(), _col(tok))
        return ("sym", s[1:] if s.startswith("$") else s, _col(tok))

    def here(self):
        return ("here",)

    def section_start(self):
        return ("sbase",)

    def binop(self, a, op, b):
        return ("bin", str(op), a, b)

    def unop(self, op, a):
        return ("un", str(op), a)

    def float(self, *toks):
        return ("float", float("".join(str(t) for t in toks).replace("_", "")))

    # operands
    def modifier(self, tok):
        return tok

    def memmod(self, tok):
        return tok

    def imm(self, e):
        return ("imm", e)

    def farptr(self, s, o):
        return ("far", s, o)

    def memory(self, *parts):
        mods = [p for p in parts if isinstance(p, Token)]
        rest = [p for p in parts if not isinstance(p, Token)]
        seg, expr = (None, rest[0]) if rest[1] is None else (rest[0], rest[1])
        if seg is not None:
            if seg[0] != "reg" or seg[1] not in ("es", "cs", "ss", "ds", "fs", "gs"):
                raise AsmError("segment override must be a segment register", column=_col_of(seg))
            seg = seg[1]
        disp_size = None
        nosplit = False
        for m in mods:
            if m.type == "SIZE":
                disp_size = SIZE_BITS[str(m).lower()]
            else:
                nosplit = True
        return ("mem", expr, seg, disp_size, nosplit)

    @v_args(meta=True, inline=False)
    def operand(self, meta, parts):
        mods, value = parts[:-1], parts[-1]
        size = None
        strict = False
        distance = None
        col = getattr(meta, "column", 1)
        for m in mods:
            w = str(m).lower()
            if m.type == "SIZE":
                size = SIZE_BITS[w]
            elif m.type == "STRICT":
                strict = True
            else:
                distance = w
        if value[0] == "mem":
            _, expr, seg, disp_size, nosplit = value
            return Mem(expr, seg, size, strict, distance, disp_size, nosplit, col)
        if value[0] == "far":
            return Far(value[1], value[2], size, col)
        e = value[1]
        if e[0] == "reg" and not mods:
            return Reg(e[1], e[2])
        if e[0] == "reg":
            raise AsmError(f"size keyword before register '{e[1]}'", column=col)
        return Imm(e, size, strict, distance, col)

    def operands(self, *ops):
        return tuple(ops)

    # statements
    def label(self, tok):
        return tok

    def prefix(self, tok):
        return tok

    def instruction(self, *parts):
        *pre, mn, ops = parts
        return Stmt(kind="insn", col=_col(parts[0]), mnemonic=str(mn).lower(),
                    prefixes=tuple((str(p).lower(), _col(p)) for p in pre), operands=ops or ())

    def bare_prefix(self, *parts):
        return Stmt(kind="insn", col=_col(parts[0]), mnemonic="",
                    prefixes=tuple((str(p).lower(), _col(p)) for p in parts))

    def data(self, tok, *items):
        return Stmt(kind="data", col=_col(tok), unit=DATA_BYTES[str(tok)[1].lower()], items=items)

    def reserve(self, tok, e):
        return Stmt(kind="res", col=_col(tok), unit=DATA_BYTES[str(tok)[3].lower()], args=(e,))

    def equ(self, tok, e):
        return Stmt(kind="equ", col=_col(tok), args=(e,))

    def times(self, tok, e, inner):
        return Stmt(kind="times", col=_col(tok), args=(e,), inner=inner)

    def incbin(self, tok, name, skip, length):
        return Stmt(kind="incbin", col=_col(tok), args=(string_bytes(str(name)).decode("utf-8"), skip, length))

    def bits(self, tok, e):
        return Stmt(kind="bits", col=_col(tok), args=(e,))

    def use(self, tok):
        return Stmt(kind="bits", col=_col(tok), args=(("num", int(str(tok)[3:])),))

    def org(self, tok, e):
        return Stmt(kind="org", col=_col(tok), args=(e,))

    def secattr(self, name, e):
        return (str(name).lower(), e, _col(name))

    def section(self, tok, name, *attrs):
        return Stmt(kind="section", col=_col(tok), args=(str(name), attrs))

    def align(self, tok, e, fill):
        return Stmt(kind="align", col=_col(tok), args=(e, str(tok).lower() == "alignb"), inner=fill)

    def ignored(self, tok, *names):
        return Stmt(kind="ignored", col=_col(tok))

    def extern(self, tok, *names):
        return Stmt(kind="extern", col=_col(tok), args=tuple(str(n) for n in names))

    def absolute(self, tok, e):
        return Stmt(kind="absolute", col=_col(tok), args=(e,))

    def struc(self, tok, name):
        return Stmt(kind="struc", col=_col(tok), args=(str(name),))

    def endstruc(self, tok):
        return Stmt(kind="endstruc", col=_col(tok))

    def istruc(self, tok, name):
        return Stmt(kind="istruc", col=_col(tok), args=(str(name),))

    def at(self, tok, e, inner):
        return Stmt(kind="at", col=_col(tok), args=(e,), inner=inner)

    def iend(self, tok):
        return Stmt(kind="iend", col=_col(tok))

    def line(self, label, stmt):
        st = stmt if stmt is not None else Stmt()
        if label is not None:
            st.label = str(label)[1:] if str(label).startswith("$") else str(label)
            st.label_col = _col(label)
        return st


def _col_of(e) -> int:
    """Column of the first located node of an expression tuple."""
    if isinstance(e, tuple):
        if e[0] in ("sym", "reg"):
            return e[2]
        for x in e[1:]:
            c = _col_of(x)
            if c:
                return c
    return 0


_GRAMMAR = Path(__file__).with_name("grammar.lark").read_text()
_lark = None


def _parser() -> Lark:
    """The Lark parser, built on first use with MNEMONIC from the instruction table."""
    global _lark
    if _lark is None:
        words = "|".join(sorted((re.escape(m) for m in MNEMONICS), key=lambda w: (-len(w), w)))
        grammar = _GRAMMAR + f"\nMNEMONIC.3: /({words})(?![\\w.$#@~?])/i\n"
        _lark = Lark(grammar, start=["line", "expr"], parser="lalr", lexer="contextual",
                     propagate_positions=True)
    return _lark


def _syntax_error(exc: UnexpectedInput, text: str) -> AsmError:
    col = getattr(exc, "column", 1)
    col = col if isinstance(col, int) and col > 0 else len(text) + 1
    first = re.match(r"\s*([A-Za-z_.?@$][\w$#@~.?]*)(\s+)(?=[^\s:])", text)
    if first and col == first.end() + 1:
        # "frob eax": a word that is no instruction, followed by operands
        return AsmError(f"unknown instruction or directive '{first.group(1)}'", column=first.start(1) + 1)
    if isinstance(exc, UnexpectedToken) and exc.token.type == "$END":
        return AsmError("unexpected end of line", column=len(text.rstrip()) + 1)
    if isinstance(exc, UnexpectedCharacters):
        return AsmError(f"unexpected character {text[col - 1:col]!r}", column=col)
    word = re.match(r"\S+", text[col - 1:]) if col <= len(text) else None
    return AsmError(f"syntax error at '{word.group() if word else text[col - 1:]}'", column=col)


_cache: dict = {}


def parse_line(text: str) -> Stmt:
    """Parse one preprocessed line (no comment). Raises AsmError with the column."""
    st = _cache.get(text)
    if st is None:
        if not text.strip():
            st = Stmt()
        else:
            try:
                st = _Build().transform(_parser().parse(text, start="line"))
            except UnexpectedInput as exc:
                raise _syntax_error(exc, text) from None
            except Exception as exc:       # AsmError raised inside the transformer
                inner = getattr(exc, "orig_exc", exc)
                if isinstance(inner, AsmError):
                    raise inner from None
                raise
        _cache[text] = st
    return st


def parse_expr(text: str) -> tuple:
    """Parse an expression alone (for %if and %assign)."""
    try:
        return _Build().transform(_parser().parse(text, start="expr"))
    except UnexpectedInput as exc:
        raise _syntax_error(exc, text) from None
    except Exception as exc:
        inner = getattr(exc, "orig_exc", exc)
        if isinstance(inner, AsmError):
            raise inner from None
        raise
