"""A relocating loader for object decks: places every control section of every
module at consecutive doubleword boundaries from a load point, applies TXT, and
relocates the RLD items (A-type constants by their section's relocation, V-type and
A-type references to external symbols by the address of the section or ENTRY of
that name in any module of the load)."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import MachineError
from .objdeck import DeckError, read_deck


@dataclass
class LoadedProgram:
    """``image``: storage contents from address 0 up to the highest loaded byte;
    ``entry``: the entry point; ``sections``: name -> (address, length)."""
    image: bytearray
    entry: int
    sections: dict = field(default_factory=dict)
    symbols: dict = field(default_factory=dict)


def load(deck: bytes, origin: int | None = None) -> LoadedProgram:
    """Load concatenated object decks. ``origin`` None keeps the first section at
    its assembled address (an absolute program runs where it was assembled)."""
    try:
        mods = read_deck(deck)
    except DeckError as exc:
        raise MachineError(f"bad object deck: {exc}") from None
    if not mods:
        raise MachineError("object deck holds no module")
    nxt = origin
    placed = []       # per module: esdid -> relocation factor
    symbols: dict[str, int] = {}
    sections = {}
    for m in mods:
        reloc = {}
        for esdid, it in sorted(m.esd.items()):
            if it.type in ("SD", "PC"):
                if nxt is None:
                    nxt = it.address
                at = (nxt + 7) // 8 * 8
                reloc[esdid] = at - it.address
                nxt = at + it.length
                if it.name:
                    if it.name in symbols:
                        raise MachineError(f"section {it.name} defined twice in the load")
                    symbols[it.name] = at
                sections[it.name or f"(private {esdid})"] = (at, it.length)
        for ld in m.lds:
            if ld.ldid in reloc:
                symbols[ld.name] = ld.address + reloc[ld.ldid]
        placed.append(reloc)
    top = max((a + n for a, n in sections.values()), default=0)
    image = bytearray(top)

    def put(addr, data):
        if addr + len(data) > len(image):
            image.extend(bytes(addr + len(data) - len(image)))
        image[addr:addr + len(data)] = data

    for m, reloc in zip(mods, placed):
        for esdid, addr, data in m.text:
            if esdid not in reloc:
                raise MachineError(f"TXT card for unknown ESDID {esdid}")
            put(addr + reloc[esdid], data)
    for m, reloc in zip(mods, placed):
        for r, p, addr, length, neg, vcon in m.rlds:
            if p not in reloc:
                raise MachineError(f"RLD item in unknown ESDID {p}")
            target = m.esd.get(r)
            if target is None:
                raise MachineError(f"RLD item refers to unknown ESDID {r}")
            if target.type in ("SD", "PC"):
                delta = reloc[r]
            else:
                if target.name not in symbols:
                    if target.type == "WX":
                        delta = 0
                    else:
                        raise MachineError(f"unresolved external reference {target.name}")
                else:
                    delta = symbols[target.name]
            at = addr + reloc[p]
            old = int.from_bytes(image[at:at + length], "big")
            new = (old - delta if neg else old + delta) & ((1 << (8 * length)) - 1)
            image[at:at + length] = new.to_bytes(length, "big")
    entry = None
    for m, reloc in zip(mods, placed):
        if m.entry is not None and m.entry[0] in reloc:
            entry = m.entry[1] + reloc[m.entry[0]]
            break
    if entry is None:
        entry = min((a for a, _ in sections.values()), default=0)
    return LoadedProgram(image, entry, sections, symbols)
