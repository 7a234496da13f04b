"""The listing, in NASM's layout (``nasm -l``): line number, section offset, the
bytes, ``<n>`` for lines a macro generated or an %include read (their depth added,
as NASM counts), then the source line as written; lines an %if skips are listed too.

The bytes column is NASM's: each byte in hex, a label-dependent field as one
bracketed cell (``05[00000000]``), ``<rep Nh>`` after the first copy of a
``times``, ``??`` per reserved byte (``<res Nh>`` beyond eight); rows hold at
most 18 characters of cells, a ``-`` marking a row that continues."""
from __future__ import annotations

_ROW = 18


def _cells(it) -> list:
    if it.reserved:
        return ["??" * it.reserved] if it.reserved <= 8 else [f"<res {it.reserved:X}h>"]
    cells = list(it.cells)
    if it.rep > 1:
        cells.append(f"<rep {it.rep:X}h>")
    return cells


def _rows(it) -> list:
    """(text, offset) of each row of the bytes column."""
    rows = []
    cur, cur_off, done = "", it.offset, 0
    for c in _cells(it):
        if cur and len(cur) + len(c) > _ROW:
            rows.append((cur, cur_off))
            cur = ""
            cur_off = it.offset if c.startswith("<") else it.offset + done
        cur += c
        if not c.startswith("<"):
            done += (len(c) - (2 if c.startswith("[") else 0)) // 2
    rows.append((cur, cur_off))
    return rows


def render(asm) -> str:
    out = []
    for it in asm.listing_items:
        ln = it.line
        depth = f"<{ln.depth}> " if ln.depth else "    "
        source = ln.source or ln.text
        if it.offset is None:
            out.append(f"{ln.line:6} {'':8} {'':20}{depth}{source}")
            _messages(out, it)
            continue
        rows = _rows(it)
        first = rows[0][0] + ("-" if len(rows) > 1 else "")
        out.append(f"{ln.line:6} {it.offset:08X} {first:<20}{depth}{source}")
        for n, (row, off) in enumerate(rows[1:], 2):
            cell = row + ("-" if n < len(rows) else "")
            more = f"{cell:<20}<{ln.depth}>" if ln.depth else f"{cell:<19}"
            out.append(f"{ln.line:6} {off:08X} {more}")
        _messages(out, it)
    return "\n".join(out) + "\n"


def _messages(out: list, it) -> None:
    for severity, e in it.messages:
        out.append(f"{it.line.line:6}          {'*' * 18}       {severity}: {e.message}")
