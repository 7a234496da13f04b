"""Dynamic address translation (GA22-7000 chapter 3, "Dynamic Address Translation").

Translation parameters:
- CR0 bits 8-9 page size (01 = 2K, 10 = 4K), bits 10-12 segment size (000 = 64K,
  010 = 1M); any other combination is a translation-specification exception.
- CR1 bits 0-7 segment-table length (in units of 16 entries), bits 8-25 segment-
  table origin (64-byte aligned real address).
- Segment-table entry (4 bytes): bits 0-3 page-table length (in units of 1/16 of
  the largest table), bits 4-7 must be zero (translation specification), bits
  8-28 page-table origin (8-byte aligned), bit 31 segment invalid. Bits 29-30 are
  the common-segment and segment-protection bits of later models; ignored here.
- Page-table entry (2 bytes). 4K pages: bits 0-11 page-frame real address, bit 12
  invalid, bits 13-14 extended real-address bits (they make the address fall
  beyond 16M, an addressing exception). 2K pages: bits 0-12 frame address, bit 13
  invalid, bit 14 must be zero (translation specification).

The segment index is virtual-address bits 8-15 (64K segments) or 8-11 (1M); the
page index follows it up to the page size. A length violation compares the leftmost
four bits of the page index with the page-table length (and, for 64K segments, the
leftmost four bits of the segment index with the segment-table length).

Table entries are fetched from real storage (reference bits set; no key check); an
entry outside storage is an addressing exception. Segment- and page-translation
exceptions nullify the instruction and store the virtual address at real X'90'.

The TLB is ``cpu.tlb``: virtual 2K block number -> real block address. It is
filled on every successful walk and purged by PTLB, IPTE and LCTL of CR0/CR1.
"""
from __future__ import annotations

from .errors import (PGM_ADDRESSING, PGM_PAGE_TRANSLATION, PGM_SEGMENT_TRANSLATION,
                     PGM_TRANSLATION_SPECIFICATION, ProgramInterrupt)

#: Outcomes of a table walk (they are also LRA's condition codes, except that both
#: length violations give CC 3).
OK, SEGMENT_INVALID, PAGE_INVALID, SEGMENT_LENGTH, PAGE_LENGTH = 0, 1, 2, 3, 4

TRANS_EXC_ADDR = 0x90


def geometry(cr0: int) -> tuple[int, int]:
    """(page shift, segment shift) from CR0 bits 8-12; translation-specification
    exception for an invalid combination."""
    fmt = (cr0 >> 19) & 0x1F
    page = {0b01000: 11, 0b10000: 12}.get(fmt & 0b11000)
    seg = {0b000: 16, 0b010: 20}.get(fmt & 0b111)
    if page is None or seg is None:
        raise ProgramInterrupt(PGM_TRANSLATION_SPECIFICATION)
    return page, seg


def walk(cpu, va: int) -> tuple[int, int]:
    """Translate ``va`` through the tables that CR0 and CR1 designate.

    Returns ``(OK, real address)`` or ``(outcome, address of the table entry
    involved)`` for the invalid and length cases (the entry address is what LRA
    returns). Raises translation-specification and addressing exceptions."""
    page_shift, seg_shift = geometry(cpu.cr[0])
    cr1 = cpu.cr[1]
    mem, keys, size = cpu.mem, cpu.skeys, cpu.size
    va &= 0xFFFFFF
    sx = va >> seg_shift
    ste_addr = (cr1 & 0xFFFFC0) + (sx << 2)
    if seg_shift == 16 and (sx >> 4) > (cr1 >> 24):
        return SEGMENT_LENGTH, ste_addr
    if ste_addr + 4 > size:
        raise ProgramInterrupt(PGM_ADDRESSING)
    ste = int.from_bytes(mem[ste_addr:ste_addr + 4], "big")
    keys[ste_addr >> 11] |= 0x04
    if ste & 1:
        return SEGMENT_INVALID, ste_addr
    if ste & 0x0F000000:
        raise ProgramInterrupt(PGM_TRANSLATION_SPECIFICATION)
    within = va & ((1 << seg_shift) - 1)
    pte_addr = (ste & 0xFFFFF8) + ((within >> page_shift) << 1)
    if (within >> (seg_shift - 4)) > (ste >> 28):
        return PAGE_LENGTH, pte_addr
    if pte_addr + 2 > size:
        raise ProgramInterrupt(PGM_ADDRESSING)
    pte = (mem[pte_addr] << 8) | mem[pte_addr + 1]
    keys[pte_addr >> 11] |= 0x04
    if page_shift == 12:
        if pte & 0x0008:
            return PAGE_INVALID, pte_addr
        frame = ((pte & 0xFFF0) << 8) | ((pte & 0x0006) << 23)
        return OK, frame | (va & 0xFFF)
    if pte & 0x0004:
        return PAGE_INVALID, pte_addr
    if pte & 0x0002:
        raise ProgramInterrupt(PGM_TRANSLATION_SPECIFICATION)
    return OK, ((pte & 0xFFF8) << 8) | (va & 0x7FF)


def translate(cpu, va: int, write: bool = False) -> int:
    """Virtual -> real for a storage access under DAT, filling the TLB.
    (``write`` is part of the hook's signature; S/370 pages have no write
    protection.)"""
    outcome, value = walk(cpu, va)
    if outcome:
        cpu.storage.write(TRANS_EXC_ADDR, (va & 0xFFFFFF).to_bytes(4, "big"))
        code = PGM_SEGMENT_TRANSLATION if outcome in (SEGMENT_INVALID, SEGMENT_LENGTH) \
            else PGM_PAGE_TRANSLATION
        raise ProgramInterrupt(code)
    cpu.tlb[(va & 0xFFFFFF) >> 11] = value & ~0x7FF
    return value


def load_real_address(cpu, va: int) -> tuple[int, int]:
    """LOAD REAL ADDRESS: ``(condition code, value for R1)``. The walk uses the
    tables whether or not DAT is on in the PSW and does not use the TLB."""
    outcome, value = walk(cpu, va)
    return (3 if outcome >= SEGMENT_LENGTH else outcome), value


def invalidate_page_table_entry(cpu, pto: int, va: int) -> None:
    """IPTE: set the invalid bit of the entry for ``va``'s page in the page table
    at real ``pto`` and clear the TLB (clearing more entries than the one page is
    permitted and keeps the TLB simple)."""
    page_shift, seg_shift = geometry(cpu.cr[0])
    within = (va & 0xFFFFFF) & ((1 << seg_shift) - 1)
    pte_addr = (pto & 0xFFFFF8) + ((within >> page_shift) << 1)
    if pte_addr + 2 > cpu.size:
        raise ProgramInterrupt(PGM_ADDRESSING)
    cpu.mem[pte_addr + 1] |= 0x08 if page_shift == 12 else 0x04
    cpu.skeys[pte_addr >> 11] |= 0x06
    cpu.storage.written(pte_addr + 1, 1)
    cpu.purge_tlb()
