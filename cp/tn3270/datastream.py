"""The 3270 data stream (IBM GA23-0059, *3270 Data Stream Programmer's
Reference*): command codes, the write control character, orders, field
attributes, attention identifiers, buffer addresses, and the parse of an
inbound (terminal to host) record.

Everything here is bytes in, bytes out, with no state: ``buffer.py`` models a
display's character buffer on top of it, ``vmscreen.py`` builds CP's screens
with it. Section numbers in comments refer to GA23-0059.
"""
from __future__ import annotations

from typing import NamedTuple


class DataStreamError(ValueError):
    """A malformed data stream (the 3270 would report an operation check)."""


# ---------------------------------------------------------------- commands (3.1)
#: Commands as a TN3270 host sends them (the "remote" / SNA codes, 3.1.1).
W, EW, EWA, RB, RM, RMA, WSF, EAU = 0xF1, 0xF5, 0x7E, 0xF2, 0xF6, 0x6E, 0xF3, 0x6F
WRITES = (W, EW, EWA)

# ------------------------------------------------------ write control character (3.4)
WCC_RESET = 0x40          # bit 1: reset (partition / inbound reply mode)
WCC_START_PRINTER = 0x08  # bit 4
WCC_ALARM = 0x04          # bit 5: sound the audible alarm
WCC_RESTORE = 0x02        # bit 6: keyboard restore (unlock, reset the AID)
WCC_RESET_MDT = 0x01      # bit 7: reset every modified data tag

# ----------------------------------------------------------------- orders (4.3)
SF, SFE, SBA, SA, MF, IC, PT, RA, EUA, GE = 0x1D, 0x29, 0x11, 0x28, 0x2C, 0x13, 0x05, 0x3C, 0x12, 0x08
ORDERS = frozenset((SF, SFE, SBA, SA, MF, IC, PT, RA, EUA, GE))
#: extended attribute type of the basic 3270 field attribute (SFE / MF, 4.4.5)
XA_FIELD = 0xC0

# -------------------------------------------------------- field attribute (4.4.6.3)
FA_PROTECTED = 0x20       # bit 2
FA_NUMERIC = 0x10         # bit 3
FA_DISPLAY_MASK = 0x0C    # bits 4-5: 00 normal, 01 normal detectable,
FA_INTENSIFIED = 0x08     # 10 intensified detectable,
FA_NONDISPLAY = 0x0C      # 11 non-display (passwords)
FA_MDT = 0x01             # bit 7: modified data tag

# ------------------------------------------------- attention identifiers (3.5.6)
AID_NONE, AID_ENTER, AID_CLEAR = 0x60, 0x7D, 0x6D
AID_PA1, AID_PA2, AID_PA3 = 0x6C, 0x6E, 0x6B
AID_SYSREQ, AID_STRUCTURED_FIELD = 0xF0, 0x88
AID_PF = (0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8, 0xF9, 0x7A, 0x7B, 0x7C,
          0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7, 0xC8, 0xC9, 0x4A, 0x4B, 0x4C)
#: AID byte -> key name (ENTER, CLEAR, PA1..PA3, PF1..PF24, SYSREQ)
AID_NAMES = {AID_ENTER: "ENTER", AID_CLEAR: "CLEAR", AID_PA1: "PA1", AID_PA2: "PA2",
             AID_PA3: "PA3", AID_SYSREQ: "SYSREQ", AID_NONE: "NONE"}
AID_NAMES.update({aid: f"PF{n}" for n, aid in enumerate(AID_PF, 1)})
#: keys whose Read Modified is a "short read": the AID alone (3.6.2.1)
SHORT_READ = frozenset((AID_CLEAR, AID_PA1, AID_PA2, AID_PA3))

# ----------------------------------------------------- buffer addresses (3.3.1)
#: The code table that turns a 6-bit value into a graphic byte (Figure C-1):
#: 12-bit addresses, WCCs and field attributes travel in this form.
CODE_TABLE = bytes.fromhex(
    "40C1C2C3C4C5C6C7C8C94A4B4C4D4E4F"
    "50D1D2D3D4D5D6D7D8D95A5B5C5D5E5F"
    "6061E2E3E4E5E6E7E8E96A6B6C6D6E6F"
    "F0F1F2F3F4F5F6F7F8F97A7B7C7D7E7F")


def graphic(value: int) -> int:
    """A 6-bit control value (WCC bits 2-7, attribute bits 2-7) as sent."""
    return CODE_TABLE[value & 0x3F]


def encode_address(addr: int, size: int = 1920) -> bytes:
    """A buffer address: 12-bit coded form for buffers up to 4096 positions,
    14-bit binary form above (3.3.1)."""
    if not 0 <= addr < size:
        raise DataStreamError(f"buffer address {addr} outside a {size}-position buffer")
    if size <= 4096:
        return bytes((CODE_TABLE[addr >> 6], CODE_TABLE[addr & 0x3F]))
    return bytes((addr >> 8, addr & 0xFF))


def decode_address(b0: int, b1: int) -> int:
    """Bits 0-1 of the first byte choose the form: 00 is 14-bit binary, 01
    and 11 are 12-bit coded (the low six bits of each byte), 10 is reserved."""
    mode = b0 >> 6
    if mode == 0:
        return ((b0 & 0x3F) << 8) | b1
    if mode == 2:
        raise DataStreamError(f"reserved buffer address form X'{b0:02X}{b1:02X}'")
    return ((b0 & 0x3F) << 6) | (b1 & 0x3F)


# ------------------------------------------------------------ building orders
def sba(addr: int, size: int = 1920) -> bytes:
    """Set Buffer Address (4.3.1)."""
    return bytes((SBA,)) + encode_address(addr, size)


def sf(attr: int) -> bytes:
    """Start Field (4.3.2) with a field attribute (bits 2-7, code-table form)."""
    return bytes((SF, graphic(attr)))


def sfe(attr: int, *pairs: tuple[int, int]) -> bytes:
    """Start Field Extended (4.3.3): the field attribute and extended pairs."""
    body = bytes((XA_FIELD, graphic(attr))) + b"".join(bytes(p) for p in pairs)
    return bytes((SFE, 1 + len(pairs))) + body


def ic() -> bytes:
    """Insert Cursor (4.3.6) at the current buffer address."""
    return bytes((IC,))


def ra(stop: int, char: int, size: int = 1920) -> bytes:
    """Repeat to Address (4.3.8): ``char`` up to (not including) ``stop``."""
    return bytes((RA,)) + encode_address(stop, size) + bytes((char,))


def eua(stop: int, size: int = 1920) -> bytes:
    """Erase Unprotected to Address (4.3.9)."""
    return bytes((EUA,)) + encode_address(stop, size)


def write(command: int, wcc: int, body: bytes = b"") -> bytes:
    """A whole outbound write record: command, WCC (code-table form), orders and data."""
    return bytes((command, graphic(wcc))) + body


# --------------------------------------------------------------- inbound (3.6)
class Inbound(NamedTuple):
    """An inbound record: the AID, the cursor address, and the (buffer
    address, EBCDIC data) of each field sent (SBA-introduced). A short read
    has cursor None and no fields; an unformatted screen's data comes as one
    field with address None."""
    aid: int
    cursor: int | None
    fields: list


def parse_inbound(data: bytes) -> Inbound:
    """Parse a Read Modified reply (AID, cursor, SBA + data ...)."""
    if not data:
        raise DataStreamError("empty inbound record")
    aid = data[0]
    if len(data) == 1:
        return Inbound(aid, None, [])
    if len(data) < 3:
        raise DataStreamError("inbound record cut inside the cursor address")
    cursor = decode_address(data[1], data[2])
    fields: list = []
    i, n = 3, len(data)
    if i < n and data[i] != SBA:            # unformatted screen: data without SBA
        j = data.find(bytes((SBA,)), i)
        j = n if j < 0 else j
        fields.append((None, bytes(data[i:j])))
        i = j
    while i < n:
        if data[i] != SBA or i + 3 > n:
            raise DataStreamError(f"inbound field at offset {i} does not start with SBA")
        addr = decode_address(data[i + 1], data[i + 2])
        j = data.find(bytes((SBA,)), i + 3)
        j = n if j < 0 else j
        fields.append((addr, bytes(data[i + 3:j])))
        i = j
    return Inbound(aid, cursor, fields)
