"""Segment descriptors, system descriptors, gates and selectors: decode and encode.

The layouts are those of the 80386 Programmer's Reference Manual (1986), chapter 5
("Memory Management", Figures 5-3/5-4 "General Segment-Descriptor Format" and
"Format of a Segment Selector"), chapter 6 (Figure 6-3 "Format of 80386 Call Gate")
and chapter 9 (Figure 9-3 "80306 IDT Gate Descriptors"). A descriptor is two
little-endian doublewords; ``lo`` is the one at the lower address:

    lo: base 15..0 (31..16) | limit 15..0 (15..0)
    hi: base 31..24 (31..24) | G (23) | D/B (22) | 0 (21) | AVL (20) | limit 19..16
        (19..16) | P (15) | DPL (14..13) | S (12) | type (11..8) | base 23..16 (7..0)

    gate lo: selector (31..16) | offset 15..0 (15..0)
    gate hi: offset 31..16 (31..16) | P | DPL | 0 | type | 000 | dword count (4..0)

Nothing here reads memory: ``ia32.segments`` fetches the two doublewords and calls
:func:`decode`; tests and loaders build tables with the encoders.
"""
from __future__ import annotations

# -- system-descriptor and gate types (S = 0), PRM Table 6-1 "System Segment and
# Gate Types" ------------------------------------------------------------------
TSS286_AVAILABLE = 0x1
LDT = 0x2
TSS286_BUSY = 0x3
CALL_GATE286 = 0x4
TASK_GATE = 0x5
INT_GATE286 = 0x6
TRAP_GATE286 = 0x7
TSS386_AVAILABLE = 0x9
TSS386_BUSY = 0xB
CALL_GATE386 = 0xC
INT_GATE386 = 0xE
TRAP_GATE386 = 0xF

#: types that are gates (their lo/hi hold a selector and an offset)
GATE_TYPES = frozenset({CALL_GATE286, TASK_GATE, INT_GATE286, TRAP_GATE286,
                        CALL_GATE386, INT_GATE386, TRAP_GATE386})
#: available and busy TSS types, 286 and 386
TSS_TYPES = frozenset({TSS286_AVAILABLE, TSS286_BUSY, TSS386_AVAILABLE, TSS386_BUSY})
#: the TSS busy bit is type bit 1 (PRM 7.2.2 "TSS Descriptor")
TSS_BUSY_BIT = 0x2

# -- code/data type bits (S = 1), PRM Table 5-1 "Application Segment Types" -------
TYPE_ACCESSED = 0x1
TYPE_WRITABLE = 0x2     #: data segments
TYPE_READABLE = 0x2     #: code segments
TYPE_EXPAND_DOWN = 0x4  #: data segments
TYPE_CONFORMING = 0x4   #: code segments
TYPE_CODE = 0x8

#: the accessed bit's position in the high doubleword (type bit 0 is hi bit 8)
HI_ACCESSED = 0x100
#: the TSS busy bit's position in the high doubleword
HI_BUSY = TSS_BUSY_BIT << 8


class Descriptor:
    """One decoded descriptor. ``limit`` is the byte-granular limit (G applied).

    For gates, ``selector``, ``offset`` and ``count`` are meaningful instead of
    ``base`` and ``limit``. The raw doublewords stay in ``lo`` and ``hi``: LAR returns
    part of ``hi``, and setting the accessed or busy bit writes ``hi`` back.
    """

    __slots__ = ("lo", "hi", "base", "limit", "type", "s", "dpl", "present", "db", "g",
                 "avl", "selector", "offset", "count")

    def __init__(self, lo: int, hi: int):
        self.lo = lo
        self.hi = hi
        self.type = (hi >> 8) & 0xF
        self.s = (hi >> 12) & 1
        self.dpl = (hi >> 13) & 3
        self.present = (hi >> 15) & 1
        self.avl = (hi >> 20) & 1
        self.db = (hi >> 22) & 1
        self.g = (hi >> 23) & 1
        self.base = (lo >> 16) | ((hi & 0xFF) << 16) | (hi & 0xFF000000)
        limit = (lo & 0xFFFF) | (hi & 0xF0000)
        self.limit = ((limit << 12) | 0xFFF) if self.g else limit
        self.selector = lo >> 16
        self.offset = (lo & 0xFFFF) | (hi & 0xFFFF0000)
        self.count = hi & 0x1F

    # -- classification ---------------------------------------------------------
    @property
    def is_code(self) -> bool:
        return bool(self.s and self.type & TYPE_CODE)

    @property
    def is_data(self) -> bool:
        return bool(self.s and not self.type & TYPE_CODE)

    @property
    def is_system(self) -> bool:
        return not self.s

    @property
    def is_gate(self) -> bool:
        return not self.s and self.type in GATE_TYPES

    @property
    def conforming(self) -> bool:
        """A conforming code segment (runs at the caller's CPL)."""
        return bool(self.s and self.type & TYPE_CODE and self.type & TYPE_CONFORMING)

    @property
    def readable(self) -> bool:
        """Data segments are always readable; code segments when R is set."""
        return bool(self.s and (not self.type & TYPE_CODE or self.type & TYPE_READABLE))

    @property
    def writable(self) -> bool:
        """Only data segments with W set; code segments are never writable."""
        return bool(self.s and not self.type & TYPE_CODE and self.type & TYPE_WRITABLE)

    @property
    def expand_down(self) -> bool:
        return bool(self.s and not self.type & TYPE_CODE and self.type & TYPE_EXPAND_DOWN)

    @property
    def accessed(self) -> bool:
        return bool(self.s and self.type & TYPE_ACCESSED)

    @property
    def is_tss(self) -> bool:
        return not self.s and self.type in TSS_TYPES

    @property
    def busy(self) -> bool:
        return bool(self.is_tss and self.type & TSS_BUSY_BIT)

    @property
    def is_32bit_system(self) -> bool:
        """386 TSS and 386 gates (type bit 3); 286 forms push and load 16-bit values."""
        return bool(self.type & 0x8)

    def __repr__(self) -> str:
        if self.is_gate:
            return (f"Descriptor(gate type={self.type:X} sel={self.selector:04X} "
                    f"off={self.offset:08X} dpl={self.dpl} p={self.present} "
                    f"count={self.count})")
        return (f"Descriptor(base={self.base:08X} limit={self.limit:08X} "
                f"type={self.type:X} s={self.s} dpl={self.dpl} p={self.present} "
                f"db={self.db} g={self.g})")


def decode(lo: int, hi: int) -> Descriptor:
    """The descriptor whose doublewords are ``lo`` (lower address) and ``hi``."""
    return Descriptor(lo, hi)


def decode_bytes(data: bytes, offset: int = 0) -> Descriptor:
    """The descriptor held in ``data[offset:offset + 8]`` (little-endian)."""
    return Descriptor(int.from_bytes(data[offset:offset + 4], "little"),
                      int.from_bytes(data[offset + 4:offset + 8], "little"))


# -- encoders -----------------------------------------------------------------

def segment(base: int, limit: int, type_: int, dpl: int = 0, *, s: int = 1,
            present: int = 1, db: int = 1, g: int | None = None,
            avl: int = 0) -> tuple[int, int]:
    """The (lo, hi) doublewords of a code, data or system segment descriptor.

    ``limit`` is in bytes; ``g`` None chooses page granularity when the limit does
    not fit in 20 bits (the limit must then end in FFF).
    """
    if g is None:
        g = 1 if limit > 0xFFFFF else 0
    if g:
        if limit & 0xFFF != 0xFFF:
            raise ValueError(f"limit {limit:#x} is not page-granular")
        limit >>= 12
    if limit > 0xFFFFF:
        raise ValueError(f"limit {limit:#x} does not fit in 20 bits")
    lo = ((base & 0xFFFF) << 16) | (limit & 0xFFFF)
    hi = ((base & 0xFF000000) | (g << 23) | (db << 22) | (avl << 20) | (limit & 0xF0000)
          | (present << 15) | (dpl << 13) | (s << 12) | (type_ << 8) | ((base >> 16) & 0xFF))
    return lo, hi


def gate(type_: int, selector: int, offset: int = 0, dpl: int = 0, *,
         count: int = 0, present: int = 1) -> tuple[int, int]:
    """The (lo, hi) doublewords of a call, interrupt, trap or task gate."""
    lo = ((selector & 0xFFFF) << 16) | (offset & 0xFFFF)
    hi = (offset & 0xFFFF0000) | (present << 15) | (dpl << 13) | (type_ << 8) | (count & 0x1F)
    return lo, hi


def to_bytes(pair: tuple[int, int]) -> bytes:
    """The eight bytes of an encoded descriptor, as they lie in memory."""
    lo, hi = pair
    return lo.to_bytes(4, "little") + hi.to_bytes(4, "little")


# -- selectors (PRM 5.1.3 "Selectors") ----------------------------------------

def selector(index: int, ti: int = 0, rpl: int = 0) -> int:
    """The selector for table entry ``index`` (TI 1 = the LDT) with ``rpl``."""
    return (index << 3) | (ti << 2) | rpl


def sel_index(sel: int) -> int:
    return (sel >> 3) & 0x1FFF


def sel_ti(sel: int) -> int:
    return (sel >> 2) & 1


def sel_rpl(sel: int) -> int:
    return sel & 3


def is_null(sel: int) -> bool:
    """Selectors 0-3 are the null selector: index 0 of the GDT, any RPL."""
    return sel & 0xFFFC == 0


def error_code(sel: int, *, ext: int = 0, idt: int = 0) -> int:
    """The selector error code of PRM 9.9 "Error Code": the selector's index and TI
    with the RPL field replaced by IDT (bit 1) and EXT (bit 0)."""
    return (sel & 0xFFFC) | (idt << 1) | ext


def limit_ok(offset: int, size: int, limit: int, expand_down: bool, big: bool) -> bool:
    """Whether bytes ``offset .. offset+size-1`` lie inside a segment.

    Expand-up: every byte at or below ``limit``. Expand-down (PRM 5.1.4 "Segment
    Descriptors", E bit): every byte above ``limit`` and at or below FFFFFFFF (B=1)
    or FFFF (B=0)."""
    last = offset + size - 1
    if expand_down:
        return offset > limit and last <= (0xFFFFFFFF if big else 0xFFFF)
    return last <= limit
