"""The object deck: 80-byte EBCDIC cards ESD, TXT, RLD and END (HLASM Programmer's
Guide, "Object deck output"; the OS/360 object module format the loaders read).

Every card has X'02' in column 1, its type in columns 2-4 and a sequence field in
73-80; unused columns are EBCDIC blanks (X'40').

ESD item (16 bytes): name(8) type(1) address(3) flags(1) length-or-LDID(3); types
SD X'00', LD X'01', ER X'02', PC X'04', WX X'0A'.
RLD item: R-pointer(2) P-pointer(2) flag(1) address(3); flag bits 0-3 type (0 A, 1 V),
4-5 length-1, 6 subtract, 7 "next item has the same pointers" (which it then omits).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..ebcdic import to_ascii, to_ebcdic

BLANK = 0x40
CARD = 80
TYPE_CODES = {"SD": 0x00, "LD": 0x01, "ER": 0x02, "PC": 0x04, "WX": 0x0A}
TYPE_NAMES = {v: k for k, v in TYPE_CODES.items()}
ESD, TXT, RLD_, END = (to_ebcdic(x) for x in ("ESD", "TXT", "RLD", "END"))


def _card(kind: bytes, seq: int, fields: dict[int, bytes]) -> bytes:
    c = bytearray([BLANK] * CARD)
    c[0] = 0x02
    c[1:4] = kind
    for col, data in fields.items():
        c[col - 1:col - 1 + len(data)] = data
    c[72:80] = to_ebcdic(f"{seq:08d}")
    return bytes(c)


def _name8(name: str) -> bytes:
    return to_ebcdic(name[:8].ljust(8))


@dataclass
class EsdItem:
    name: str
    type: str
    address: int = 0
    length: int = 0
    esdid: int | None = None   # None for LD
    ldid: int = 0              # LD: ESDID of its section


def write_deck(items: list[EsdItem], text: list[tuple[int, int, bytes]],
               rlds: list[tuple[int, int, int, int, bool, bool]],
               entry: tuple[int, int] | None) -> bytes:
    """Build the deck. ``text``: (esdid, address, bytes) runs; ``rlds``: (R, P,
    address, length, negative, vcon); ``entry``: (esdid, address) or None."""
    cards = []
    seq = 1
    # ESD: three items a card; columns 15-16 carry the ESDID of the first item that has one
    for k in range(0, len(items), 3):
        chunk = items[k:k + 3]
        body = bytearray()
        for it in chunk:
            b = bytearray(_name8(it.name))
            b.append(TYPE_CODES[it.type])
            if it.type in ("ER", "WX"):
                b += bytes([BLANK] * 7)
            elif it.type == "LD":
                b += it.address.to_bytes(3, "big") + bytes([BLANK]) + it.ldid.to_bytes(3, "big")
            else:
                b += it.address.to_bytes(3, "big") + b"\x00" + it.length.to_bytes(3, "big")
            body += b
        first = chunk[0].esdid
        f = {11: len(body).to_bytes(2, "big"), 17: bytes(body)}
        if first is not None:
            f[15] = first.to_bytes(2, "big")
        cards.append(_card(ESD, seq, f))
        seq += 1
    # TXT: up to 56 bytes a card, never across a gap
    for esdid, addr, data in text:
        for k in range(0, len(data), 56):
            piece = data[k:k + 56]
            cards.append(_card(TXT, seq, {6: (addr + k).to_bytes(3, "big"),
                                          11: len(piece).to_bytes(2, "big"),
                                          15: esdid.to_bytes(2, "big"), 17: piece}))
            seq += 1
    # RLD: 56 data bytes a card
    body = bytearray()
    prev = None
    open_flag = None

    def flush():
        nonlocal body, seq, prev, open_flag
        if body:
            cards.append(_card(RLD_, seq, {11: len(body).to_bytes(2, "big"), 17: bytes(body)}))
            seq += 1
        body = bytearray()
        prev = None
        open_flag = None

    for r, p, addr, length, neg, vcon in rlds:
        flag = (0x10 if vcon else 0) | ((length - 1) << 2) | (0x02 if neg else 0)
        same = prev == (r, p)
        need = 4 if same else 8
        if len(body) + need > 56:
            flush()
            same = False
            need = 8
        if same:
            body[open_flag] |= 0x01
            body += bytes([flag]) + addr.to_bytes(3, "big")
        else:
            body += r.to_bytes(2, "big") + p.to_bytes(2, "big") + bytes([flag]) + addr.to_bytes(3, "big")
        open_flag = len(body) - 4
        prev = (r, p)
    flush()
    f = {}
    if entry is not None:
        f[6] = entry[1].to_bytes(3, "big")
        f[15] = entry[0].to_bytes(2, "big")
    cards.append(_card(END, seq, f))
    return b"".join(cards)


@dataclass
class Module:
    """One object module read back from a deck (up to its END card)."""
    esd: dict = field(default_factory=dict)     # esdid -> EsdItem
    lds: list = field(default_factory=list)
    text: list = field(default_factory=list)    # (esdid, address, bytes)
    rlds: list = field(default_factory=list)    # (R, P, address, length, negative, vcon)
    entry: tuple | None = None


class DeckError(Exception):
    """A card that is not a valid object-deck card."""


def is_object_deck(data: bytes) -> bool:
    """True when ``data`` looks like 80-byte cards starting with an ESD/TXT/END card."""
    return len(data) >= CARD and len(data) % CARD == 0 and data[0] == 0x02 and \
        data[1:4] in (ESD, TXT, RLD_, END)


def read_deck(data: bytes) -> list[Module]:
    """Parse concatenated object decks into modules (other cards are ignored,
    as loaders ignore SYM and comment cards)."""
    if len(data) % CARD:
        raise DeckError(f"object deck length {len(data)} is not a multiple of 80")
    mods = []
    cur = Module()
    for k in range(0, len(data), CARD):
        c = data[k:k + CARD]
        if c[0] != 0x02:
            continue
        kind = c[1:4]
        if kind == ESD:
            n = int.from_bytes(c[10:12], "big")
            esdid = int.from_bytes(c[14:16], "big") if c[14:16] != b"\x40\x40" else None
            body = c[16:16 + n]
            for j in range(0, n, 16):
                it = body[j:j + 16]
                if len(it) < 16:
                    raise DeckError(f"card {k // CARD + 1}: short ESD item")
                tname = TYPE_NAMES.get(it[8])
                if tname is None:
                    raise DeckError(f"card {k // CARD + 1}: unknown ESD type X'{it[8]:02X}'")
                name = to_ascii(it[0:8]).rstrip()
                if tname == "LD":
                    cur.lds.append(EsdItem(name, "LD", int.from_bytes(it[9:12], "big"),
                                           ldid=int.from_bytes(it[13:16], "big")))
                    continue
                addr = 0 if tname in ("ER", "WX") else int.from_bytes(it[9:12], "big")
                ln = 0 if tname in ("ER", "WX") else int.from_bytes(it[13:16], "big")
                if esdid is None:
                    raise DeckError(f"card {k // CARD + 1}: ESD item without ESDID")
                cur.esd[esdid] = EsdItem(name, tname, addr, ln, esdid)
                esdid += 1
        elif kind == TXT:
            n = int.from_bytes(c[10:12], "big")
            cur.text.append((int.from_bytes(c[14:16], "big"), int.from_bytes(c[5:8], "big"),
                             bytes(c[16:16 + n])))
        elif kind == RLD_:
            n = int.from_bytes(c[10:12], "big")
            body = c[16:16 + n]
            j = 0
            r = p = 0
            same = False
            while j < n:
                if not same:
                    r = int.from_bytes(body[j:j + 2], "big")
                    p = int.from_bytes(body[j + 2:j + 4], "big")
                    j += 4
                flag = body[j]
                addr = int.from_bytes(body[j + 1:j + 4], "big")
                j += 4
                cur.rlds.append((r, p, addr, ((flag >> 2) & 3) + 1, bool(flag & 2), (flag >> 4) == 1))
                same = bool(flag & 1)
        elif kind == END:
            if c[14:16] != b"\x40\x40":
                cur.entry = (int.from_bytes(c[14:16], "big"), int.from_bytes(c[5:8], "big"))
            mods.append(cur)
            cur = Module()
    if cur.esd or cur.text:
        mods.append(cur)
    return mods
