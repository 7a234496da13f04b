"""Operand-field parsing with the Lark grammar in ``grammar.lark``.

Trees are turned once into small tuples (cheap to evaluate in both passes and cached
by text, since real programs repeat operand fields a lot):

    ('num', v)  ('sym', NAME)  ('attr', 'L', NAME)  ('loc',)  ('lit', DcOp)
    ('add'|'sub'|'mul'|'div', a, b)  ('neg', a)
    ('addr', disp, first, second, n)   D(first) when n == 1, D(first,second) when n == 2

DC/DS operands become ``DcOp`` records. Conditional-assembly expressions stay Lark
trees (``macro.py`` walks them).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedInput

from ..ebcdic import to_ebcdic

_GRAMMAR = (Path(__file__).with_name("grammar.lark")).read_text()
_lark = Lark(_GRAMMAR, start=["operands", "dcops", "caexpr"], parser="lalr",
             lexer="contextual", maybe_placeholders=True, propagate_positions=True)


class ParseError(Exception):
    """A syntax error in an operand field; ``column`` is 1-based within the field."""

    def __init__(self, message: str, column: int = 1):
        super().__init__(message)
        self.column = column


@dataclass(frozen=True)
class DcOp:
    """One DC/DS operand: ``[dup] type [L length] [nominal]``.

    ``nominal`` is the text between the quotes (quotes undoubled later, per type),
    or a tuple of expressions for A/V/Y/S, or None (DS 0F, DS CL8).
    """
    dup: tuple | None
    type: str
    length: tuple | None
    nominal: str | tuple | None
    text: str


def sdt_value(tok: str) -> int:
    """Value of a self-defining term C'..', X'..', B'..' (GA22-7000 is silent;
    HLASM Language Reference, "Self-defining terms")."""
    kind, body = tok[0].upper(), tok[2:-1]
    if kind == "C":
        body = body.replace("''", "'").replace("&&", "&")
        if len(body) > 4:
            raise ParseError(f"character self-defining term longer than 4 bytes: {tok}")
        return int.from_bytes(to_ebcdic(body), "big") if body else 0
    if kind == "X":
        if not body or any(c not in "0123456789abcdefABCDEF" for c in body) or len(body) > 8:
            raise ParseError(f"invalid hexadecimal self-defining term {tok}")
        return int(body, 16)
    if not body or any(c not in "01" for c in body) or len(body) > 32:
        raise ParseError(f"invalid binary self-defining term {tok}")
    return int(body, 2)


def _expr(t, text=""):
    if isinstance(t, Token):
        raise ParseError(f"unexpected {t}")
    d = t.data
    c = t.children
    if d == "num":
        return ("num", int(c[0]))
    if d == "sdt":
        return ("num", sdt_value(str(c[0])))
    if d == "sym":
        return ("sym", str(c[0]).upper())
    if d == "attr":
        s = str(c[0])
        return ("attr", s[0].upper(), s[2:].upper())
    if d == "loc":
        return ("loc",)
    if d == "literal":
        op = _dcop(c[0])
        return ("lit", DcOp(op.dup, op.type, op.length, op.nominal,
                            text[t.meta.start_pos:t.meta.end_pos]))
    if d in ("add", "sub", "mul", "div"):
        return (d, _expr(c[0], text), _expr(c[1], text))
    if d == "neg":
        return ("neg", _expr(c[0], text))
    if d == "addr1":
        return ("addr", _expr(c[0], text), _opt(c[1], text), None, 1)
    if d == "addr2":
        return ("addr", _expr(c[0], text), _opt(c[1], text), _expr(c[2], text), 2)
    if d == "factor":  # unary plus
        return _expr(c[0], text)
    raise ParseError(f"unexpected {d}")


def _opt(t, text=""):
    return None if t is None else _expr(t, text)


def _dcop(t) -> DcOp:
    dup, typ, lenmod, nom = t.children
    d = None
    if dup is not None:
        d = ("num", int(dup.children[0])) if isinstance(dup.children[0], Token) else _expr(dup.children[0])
    ln = None
    if lenmod is not None:
        v = lenmod.children[1]
        ln = ("num", int(v)) if isinstance(v, Token) else _expr(v)
    n = None
    if nom is not None:
        if nom.data == "nom_string":
            n = str(nom.children[0])[1:-1]
        else:
            n = tuple(_expr(x) for x in nom.children)   # D(B) forms only make sense for S
    return DcOp(d, str(typ).upper(), ln, n, "")


def _parse(text: str, start: str):
    try:
        return _lark.parse(text, start=start)
    except UnexpectedInput as exc:
        col = getattr(exc, "column", 1)
        col = col if isinstance(col, int) and col > 0 else 1
        raise ParseError(f"invalid operand syntax near {text[col - 1:col + 9]!r}"
                         if col <= len(text) else "operand field ends too early", col) from None


_op_cache: dict[str, list] = {}
_dc_cache: dict[str, list] = {}


def parse_operands(text: str) -> list:
    """Operand list of a machine or assembler instruction; empty operands are None."""
    r = _op_cache.get(text)
    if r is None:
        if not text:
            r = []
        else:
            tree = _parse(text, "operands")
            r = [_opt(x, text) for x in tree.children]
            if r == [None]:
                r = []
        _op_cache[text] = r
    return r


def parse_dcops(text: str) -> list[DcOp]:
    """Operands of DC/DS (each a DcOp)."""
    r = _dc_cache.get(text)
    if r is None:
        tree = _parse(text, "dcops")
        r = [_dcop(x) for x in tree.children]
        _dc_cache[text] = r
    return r


def parse_caexpr(text: str) -> Tree:
    """A conditional-assembly expression (variable symbols already substituted)."""
    return _parse(text, "caexpr")
