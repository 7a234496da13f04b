"""Expression evaluation with NASM's operators (manual section 3.5).

Values are 64-bit two's complement integers, as in NASM. A value also counts, per
section, the labels it is relative to (``reloc``: +1 per label or ``$``/``$$``
added, -1 per one subtracted, as sorted (section, count) pairs), because NASM
treats an expression that still depends on a label's position differently from a
plain number: it never shrinks it to a sign-extended byte immediate or an 8-bit
displacement, and the only operators allowed on it are ``+`` and ``-``. A
difference within one section such as ``$-$$`` is a plain number again; one
between two sections is not.
``unknown`` marks a value that used a symbol not yet defined in this pass.
"""
from __future__ import annotations

from typing import NamedTuple

from .errors import AsmError

MASK64 = (1 << 64) - 1


def signed64(v: int) -> int:
    v &= MASK64
    return v - (1 << 64) if v >> 63 else v


class Value(NamedTuple):
    """``base``: the section starts the value is relative to (summed like
    ``reloc``), so ``value - base`` is the section-relative number NASM's listing
    shows in brackets."""
    value: int
    reloc: tuple = ()
    unknown: bool = False
    base: int = 0


def relative(value: int, section: str, base: int) -> Value:
    """The value of a label (or ``$``, ``$$``) in ``section``, which starts at ``base``."""
    return Value(value, ((section, 1),), False, base)


def add_reloc(a: tuple, b: tuple, sign: int = 1) -> tuple:
    """``a + sign * b`` of two per-section label counts."""
    if not b:
        return a
    counts = dict(a)
    for sec, n in b:
        counts[sec] = counts.get(sec, 0) + sign * n
    return tuple(sorted((k, n) for k, n in counts.items() if n))


class Scalar:
    """An environment with no symbols (preprocessor expressions)."""

    def symbol(self, name: str, col: int) -> Value:
        raise AsmError(f"symbol '{name}' is not a constant here", column=col)

    def here(self) -> Value:
        raise AsmError("'$' is not allowed here")

    def section_start(self) -> Value:
        raise AsmError("'$$' is not allowed here")


def _div(op, a, b):
    if b == 0:
        raise AsmError("division by zero")
    if op == "/":
        return (a & MASK64) // (b & MASK64)
    if op == "%":
        return (a & MASK64) % (b & MASK64)
    q = abs(a) // abs(b)                 # // and %% truncate toward zero, as C does
    q = q if (a < 0) == (b < 0) else -q
    return q if op == "//" else a - q * b


_CMP = {"=": lambda a, b: a == b, "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
        "<>": lambda a, b: a != b, "<": lambda a, b: a < b, ">": lambda a, b: a > b,
        "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b}


def evaluate(e: tuple, env) -> Value:
    """Evaluate an expression tuple (see ``parser``) in ``env`` (``symbol(name, col)``,
    ``here()``, ``section_start()``)."""
    k = e[0]
    if k == "num":
        return Value(e[1])
    if k == "sym":
        return env.symbol(e[1], e[2])
    if k == "here":
        return env.here()
    if k == "sbase":
        return env.section_start()
    if k == "str":
        if len(e[1]) > 8:
            raise AsmError("character constant longer than 8 bytes")
        return Value(int.from_bytes(e[1], "little"))
    if k == "reg":
        raise AsmError(f"register '{e[1]}' not allowed in this expression", column=e[2])
    if k == "float":
        raise AsmError("floating-point constant not allowed here")
    if k == "un":
        a = evaluate(e[2], env)
        op = e[1]
        if op == "+":
            return a
        if op == "-":
            return Value(signed64(-a.value), add_reloc((), a.reloc, -1), a.unknown, -a.base)
        _scalar(a, op)
        if op == "~":
            return Value(signed64(~a.value), (), a.unknown)
        return Value(int(a.value == 0), (), a.unknown)
    op = e[1]
    a = evaluate(e[2], env)
    b = evaluate(e[3], env)
    unknown = a.unknown or b.unknown
    if op == "+":
        return Value(signed64(a.value + b.value), add_reloc(a.reloc, b.reloc), unknown, a.base + b.base)
    if op == "-":
        return Value(signed64(a.value - b.value), add_reloc(a.reloc, b.reloc, -1), unknown,
                     a.base - b.base)
    _scalar(a, op)
    _scalar(b, op)
    x, y = a.value, b.value
    if op == "*":
        v = x * y
    elif op in ("/", "//", "%", "%%"):
        if y == 0 and unknown:
            return Value(0, (), True)
        v = _div(op, x, y)
    elif op == "<<":
        v = x << (y & 63)
    elif op == ">>":
        v = (x & MASK64) >> (y & 63)
    elif op == "<<<":
        v = x << (y & 63)
    elif op == ">>>":
        v = x >> (y & 63)
    elif op == "&":
        v = x & y
    elif op == "|":
        v = x | y
    elif op == "^":
        v = x ^ y
    elif op == "&&":
        v = int(bool(x) and bool(y))
    elif op == "||":
        v = int(bool(x) or bool(y))
    elif op == "^^":
        v = int(bool(x) != bool(y))
    elif op == "<=>":
        v = (x > y) - (x < y)
    else:
        v = int(_CMP[op](x, y))
    return Value(signed64(v), (), unknown)


def check_relocatable(v: Value, section: str) -> None:
    """NASM's rule for a value stored in the output: a plain number, or one label
    added, less at most one label of the section being assembled (a self-relative
    value); anything else "is not simple or relocatable"."""
    if v.unknown or not v.reloc:
        return
    rest = [(s, n) for s, n in v.reloc if not (s == section and n == -1)]
    if len(rest) > 1 or (rest and rest[0][1] != 1) or len(v.reloc) - len(rest) > 1:
        raise AsmError("expression is not simple or relocatable")


def _scalar(v: Value, op: str) -> None:
    if v.reloc and not v.unknown:
        raise AsmError(f"'{op}' operator may only be applied to scalar values")
