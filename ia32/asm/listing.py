"""The listing, in NASM's layout (``nasm -l``): line number, section offset, the
bytes (nine per row, a ``-`` marking a row that continues), ``<n>`` for lines a
macro generated, then the source line."""
from __future__ import annotations

_PER_ROW = 9


def render(asm) -> str:
    out = []
    for it in asm.listing_items:
        ln = it.line
        depth = f"<{ln.depth}> " if ln.depth else "    "
        off = f"{it.offset:08X}" if it.offset is not None else " " * 8
        if it.reserved:
            hexes = ["??" * it.reserved if it.reserved <= _PER_ROW else f"<res {it.reserved:X}h>"]
        else:
            h = it.data.hex().upper()
            hexes = [h[i:i + 2 * _PER_ROW] for i in range(0, len(h), 2 * _PER_ROW)] or [""]
        first = hexes[0] + ("-" if len(hexes) > 1 else "")
        out.append(f"{ln.line:6} {off} {first:<20}{depth}{ln.source or ln.text}".rstrip())
        for n, row in enumerate(hexes[1:], 1):
            mark = "-" if n < len(hexes) - 1 else ""
            out.append(f"{ln.line:6} {it.offset + n * _PER_ROW:08X} {row + mark:<19}")
    for e in asm.errors:
        out.append(e.format())
    return "\n".join(out) + "\n"
