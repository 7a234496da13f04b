"""Helpers for the assembler tests: source from short lines, bytes of an assembly."""
from __future__ import annotations

from s370.asm import Assembly, assemble


def src(*lines: str) -> str:
    """Source text; a line written as 'NAME|OP|OPERANDS' is put in columns 1, 10, 16."""
    out = []
    for ln in lines:
        if "|" in ln:
            name, op, operands = (ln.split("|") + ["", ""])[:3]
            out.append(f"{name:<8} {op:<5} {operands}".rstrip())
        else:
            out.append(ln)
    return "\n".join(out) + "\n"


def asm(*lines: str, end: bool = True) -> Assembly:
    text = src(*lines, *(["|END|"] if end else []))
    return assemble(text, "test.asm")


def code(*lines: str) -> str:
    """Hex of the core image (upper case); fails on any message."""
    a = asm(*lines)
    assert a.errors == [], [m.format() for m in a.errors]
    return a.core.hex().upper()


def messages(a: Assembly) -> list[str]:
    return [m.message for m in a.errors]
