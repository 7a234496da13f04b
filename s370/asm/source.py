"""Source reading: HLASM fixed format into logical statements.

Columns (HLASM Language Reference, "Source statement format"): name field from
column 1, operation and operands separated by blanks, remarks after the operands;
``*`` or ``.*`` in column 1 makes a comment line; a non-blank in column 72 continues
the statement on the next line, whose text starts in column 16; columns 73-80
(sequence field) are ignored. A continuation line with anything in columns 1-15
is still taken as a continuation (its start is lost), with HLASM's FLAG(CONT)
warning ASMA430W, because it is most often a statement swallowed by a stray
character in column 72 of the line before. When a continued operand field ends in a comma
followed by a blank, the rest of that line is remarks (the "alternate format"
macro instructions use).
"""
from __future__ import annotations

from dataclasses import dataclass, field

_SYMCH = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789@#$_&")
_ATTR = set("LKNTDIOSlkntdios")


@dataclass
class Stmt:
    """One logical statement. ``col`` is the 1-based column of the operand field in
    the first physical line (for error messages); ``gen`` marks statements a macro
    generated (listed with ``+``); ``kind`` is ``instr``, ``comment`` or ``blank``."""
    file: str
    line: int
    text: str
    name: str = ""
    op: str = ""
    operands: str = ""
    remarks: str = ""
    col: int = 1
    kind: str = "instr"
    gen: bool = False
    lines: list = field(default_factory=list)
    #: diagnostics found while reading: (line, column, severity, message, text)
    notes: list = field(default_factory=list)


#: Conditional-assembly operations: blanks inside parentheses belong to the operand
#: ("(&A EQ 1)"), as HLASM allows in logical expressions.
CA_OPS = {"AIF", "SETA", "SETB", "SETC", "AGO"}


def is_attribute_quote(text: str, i: int, start: int = 0) -> bool:
    """Whether the quote at ``text[i]`` is an attribute reference such as L'FIELD
    (a one-letter attribute not preceded by a symbol character, followed by a
    symbol) rather than the opening quote of a string."""
    prev = text[i - 1] if i > start else ""
    prev2 = text[i - 2] if i - 2 >= start else ""
    nxt = text[i + 1] if i + 1 < len(text) else ""
    return prev in _ATTR and prev2 not in _SYMCH and (nxt.isalpha() or nxt in "@#$_&*")


def string_end(text: str, i: int) -> int:
    """Index of the quote that closes the string opened at ``text[i]`` (two quotes
    in a row stand for one), or ``len(text)`` if it is not closed."""
    n = len(text)
    j = i + 1
    while j < n:
        if text[j] == "'":
            if j + 1 < n and text[j + 1] == "'":
                j += 2
                continue
            break
        j += 1
    return j


def operand_end(text: str, start: int, blanks_in_parens: bool = False) -> int:
    """Index of the first blank at or after ``start`` that is outside quotes (and,
    with ``blanks_in_parens``, outside parentheses).

    A quote after one of the attribute letters L K N T D I O S (itself not preceded
    by a symbol character) and before a symbol is an attribute reference (L'FIELD),
    not the start of a string.
    """
    i, n = start, len(text)
    depth = 0
    while i < n:
        c = text[i]
        if c == " " and not depth:
            return i
        if blanks_in_parens and c in "()":
            depth = max(0, depth + (1 if c == "(" else -1))
        if c == "'":
            i = i + 1 if is_attribute_quote(text, i, start) else string_end(text, i) + 1
            continue
        i += 1
    return n


def split_fields(st: Stmt) -> Stmt:
    """Fill name/op/operands/remarks of ``st`` from its text."""
    t = st.text
    if not t.strip():
        st.kind = "blank"
        return st
    if t[0] == "*" or t.startswith(".*"):
        st.kind = "comment"
        return st
    n = len(t)
    i = 0
    while i < n and t[i] != " ":
        i += 1
    st.name = t[:i]
    while i < n and t[i] == " ":
        i += 1
    j = i
    while j < n and t[j] != " ":
        j += 1
    st.op = t[i:j].upper()
    while j < n and t[j] == " ":
        j += 1
    if j >= n:
        return st
    st.col = j + 1
    k = operand_end(t, j, st.op in CA_OPS)
    st.operands = t[j:k]
    st.remarks = t[k:].strip()
    return st


def read_lines(text: str, filename: str) -> list[Stmt]:
    """Join continuations; one Stmt per logical statement (fields split)."""
    out: list[Stmt] = []
    lines = text.splitlines()
    i, n = 0, len(lines)
    while i < n:
        raw = lines[i].rstrip("\r\n").expandtabs(8)
        first = i
        i += 1
        phys = [raw]
        acc = raw[:71].rstrip() if len(raw) < 72 or raw[71] == " " else raw[:71]
        cont = len(raw) >= 72 and raw[71] != " "
        is_comment = raw[:1] == "*" or raw[:2] == ".*"
        notes = []
        while cont and i < n:
            nxt = lines[i].rstrip("\r\n").expandtabs(8)
            phys.append(nxt)
            i += 1
            if nxt[:15].strip():
                col = len(nxt) - len(nxt.lstrip()) + 1
                notes.append((i, col, 4, "ASMA430W Continuation statement does not start in "
                              "continue column (column 72 of the line before is not blank)", nxt))
            cont = len(nxt) >= 72 and nxt[71] != " "
            piece = nxt[15:71]
            if is_comment:
                continue
            probe = split_fields(Stmt(filename, first + 1, acc))
            if probe.kind == "instr" and probe.operands.endswith(",") and probe.remarks:
                acc = acc[:probe.col - 1 + len(probe.operands)]
            elif probe.kind == "instr" and probe.operands.endswith(",") and not probe.remarks:
                acc = acc.rstrip()
            acc = acc + (piece if cont else piece.rstrip())
        out.append(split_fields(Stmt(filename, first + 1, acc.rstrip() if not is_comment else raw.rstrip(),
                                     lines=phys, notes=notes)))
    return out
