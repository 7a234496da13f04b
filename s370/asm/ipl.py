"""A self-loading (IPL) card deck for a core image.

An IPL from a card reader reads 24 bytes of the first card into location 0 with a
read CCW that is command-chained, so the channel then executes the CCWs at 8 and 16
(GA22-7000, "Initial Program Loading"). The bootstrap here:

  card 1:  bytes 0-7 IPL PSW, 8-15 READ the next card (80 bytes) into the CCW area A,
           16-23 TIC to A.
  CCW card (at A): slots 0-7 READ one 80-byte program card each to its address,
           slot 8 READs the next CCW card into A, slot 9 is TIC A. The channel
           fetches slot 9 after slot 8 has replaced the card, so every CCW card
           carries the TIC in slot 9; the last card ends with its last program
           READ unchained.
  program cards: the image, 80 bytes a card (the last one short: SILI is set).

Every READ is command-chained with SILI (X'60'). The CCW area A is the first doubleword
boundary above the image, so it never overwrites the program. When the chain ends the
IPL PSW at location 0 takes effect: the image's own bytes 0-7 when the image holds
a PSW there, otherwise the PSW given to ``ipl_deck``.
"""
from __future__ import annotations

from ..errors import MachineError

READ = 0x02
TIC = 0x08
CC_SILI = 0x60
SILI = 0x20


def _ccw(cmd: int, addr: int, flags: int, count: int) -> bytes:
    return bytes([cmd]) + addr.to_bytes(3, "big") + bytes([flags, 0]) + count.to_bytes(2, "big")


def ipl_deck(image: bytes, psw: int | None = None) -> bytes:
    """Cards (80 bytes each) that load ``image`` at 0 and start it through its PSW.

    ``psw`` (64-bit) replaces bytes 0-7 of the image; without it the image must
    already begin with a PSW (an all-zero doubleword is rejected)."""
    img = bytearray(image)
    if len(img) < 8:
        img.extend(bytes(8 - len(img)))
    if psw is not None:
        img[0:8] = psw.to_bytes(8, "big")
    elif not any(img[0:8]):
        raise MachineError("IPL deck: the image has no PSW at location 0 (give an entry point)")
    area = (len(img) + 7) // 8 * 8
    if area + 80 > 0xFFFFFF:
        raise MachineError("IPL deck: image too large for 24-bit CCW addresses")
    pieces = [(a, bytes(img[a:a + 80])) for a in range(0, len(img), 80)]
    cards = []
    first = bytes(img[0:8]) + _ccw(READ, area, CC_SILI, 80) + _ccw(TIC, area, 0, 0)
    cards.append(first.ljust(80, b"\x00"))
    k = 0
    while k < len(pieces):
        group = pieces[k:k + 8]
        k += len(group)
        last = k >= len(pieces)
        ccws = bytearray()
        for j, (addr, data) in enumerate(group):
            final = last and j == len(group) - 1
            ccws += _ccw(READ, addr, SILI if final else CC_SILI, len(data))
        ccws = ccws.ljust(64, b"\x00")
        ccws += (_ccw(READ, area, CC_SILI, 80) if not last else bytes(8)) + _ccw(TIC, area, 0, 0)
        cards.append(bytes(ccws))
        for _, data in group:
            cards.append(data.ljust(80, b"\x00"))
    return b"".join(cards)
