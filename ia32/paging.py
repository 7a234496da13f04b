"""Paging: the two-level walk from CR3, page protection, A/D bits, and #PF.

80386 Programmer's Reference Manual (1986) section 5.2 ("Page Translation") and
section 6.4 ("Page-Level Protection"), with the later additions the SDM Vol. 3
chapter 4 describes that small kernels use: CR0.WP (486) and CR4.PSE 4M pages
(Pentium).

- CR3 bits 31..12 are the page directory's physical address. Linear bits 31..22
  index the directory, 21..12 the page table, 11..0 are the byte in the page.
- An entry with P=0 stops the walk: #PF with error-code P=0.
- The effective U/S and R/W are the more restrictive of the directory and table
  entries (PRM 6.4.1.3 "Combining Protection of Both Levels of Page Tables").
  A user access (CPL 3, not an implicit supervisor access to a descriptor table
  or TSS) needs U/S=1, a user write also R/W=1. A supervisor write to a read-only
  page faults only with CR0.WP=1 (SDM 4.6); on the 386 itself it always succeeds.
- With CR4.PSE=1 a directory entry with PS (bit 7) set maps a 4M page: bits
  31..22 are the frame, and A and D live in that entry (SDM 4.3). Without PSE,
  bit 7 is ignored. Reserved-bit faults (error-code bit 3) do not exist on the 386
  and are not modelled.
- A and D (PRM 5.2.4.4 "Accessed and Dirty Bits"): the processor sets A in both
  entries before the access, and D in the entry that maps the page before a write.
  A fault leaves the entries as they were (the access never happens; Bochs does
  the same). The D bit of a directory entry that points to a table is untouched.
- #PF error code (PRM 9.8.14 "Interrupt 14 -- Page Fault"): bit 0 P (0 = page
  not present, 1 = protection violation), bit 1 W/R (1 = write), bit 2 U/S
  (1 = the access was made in user mode). CR2 receives the linear address.

The TLB (ia32core's, one entry per linear 4K page) caches the results of walks.
:func:`walk` returns what it may cache, and ``ia32.cpu`` applies the fill rules
documented at :func:`tlb_allows`: an entry filled by a read of a clean page does
not permit writes, so the first write walks again and sets D.
"""
from __future__ import annotations

from .errors import PF, CPUFault

# Page-table and page-directory entry bits (PRM Figure 5-10 "Format of a Page
# Table Entry"; SDM Table 4-5 for PS).
P = 0x001
RW = 0x002
US = 0x004
A = 0x020
D = 0x040
PS = 0x080

FRAME = 0xFFFFF000
FRAME_4M = 0xFFC00000

#: #PF error-code bits
ERR_P = 0x1
ERR_W = 0x2
ERR_U = 0x4

#: bits of a walk result beside the frame (the entry's own bit positions)
RESULT_FLAGS = RW | US | D


def walk(read32, write32, cr3: int, linear: int, write: bool, user: bool,
         wp: bool, pse: bool) -> int:
    """Translate ``linear`` through the tables at ``cr3``; raise #PF if not allowed.

    ``read32(pa)``/``write32(pa, value)`` access physical memory (the tables are
    always in physical memory, not translated). Returns the physical address of
    the 4K frame for ``linear`` ORed with the effective R/W and U/S bits and D (set
    when the page is now dirty): what a TLB entry for this page may hold. The
    caller stores ``linear`` in CR2 when this raises (:func:`translate` does).
    """
    pde_addr = (cr3 & FRAME) | ((linear >> 20) & 0xFFC)
    pde = read32(pde_addr)
    if not pde & P:
        raise CPUFault(PF, fault_code(False, write, user))
    if pse and pde & PS:
        rw, us = pde & RW, pde & US
        check(rw, us, write, user, wp)
        new = pde | A | (D if write else 0)
        if new != pde:
            write32(pde_addr, new)
        return ((pde & FRAME_4M) | (linear & 0x3FF000)) | rw | us | (new & D)
    pte_addr = (pde & FRAME) | ((linear >> 10) & 0xFFC)
    pte = read32(pte_addr)
    if not pte & P:
        raise CPUFault(PF, fault_code(False, write, user))
    rw, us = pde & pte & RW, pde & pte & US
    check(rw, us, write, user, wp)
    if not pde & A:
        write32(pde_addr, pde | A)
    new = pte | A | (D if write else 0)
    if new != pte:
        write32(pte_addr, new)
    return (pte & FRAME) | rw | us | (new & D)


def check(rw: int, us: int, write: bool, user: bool, wp: bool) -> None:
    """#PF with P=1 when the effective R/W and U/S bits forbid the access."""
    if user:
        if not us or (write and not rw):
            raise CPUFault(PF, fault_code(True, write, user))
    elif write and wp and not rw:
        raise CPUFault(PF, fault_code(True, write, user))


def fault_code(present: bool, write: bool, user: bool) -> int:
    """The #PF error code: P, W/R and U/S bits."""
    return (ERR_P if present else 0) | (ERR_W if write else 0) | (ERR_U if user else 0)


def tlb_allows(entry: int, write: bool, user: bool, wp: bool) -> bool:
    """Whether a cached walk result lets this access through without a new walk.

    Reads: user reads need U/S; supervisor reads always pass. Writes also need D
    already set (so the walk that sets it is not skipped) and the write permission
    of :func:`check`. Anything else walks again, which either faults or refills.
    """
    if user and not entry & US:
        return False
    if not write:
        return True
    if not entry & D:
        return False
    return bool(entry & RW) or not (user or wp)
