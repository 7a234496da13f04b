"""Shadow translation tables: guest virtual -> real, built by CP on demand.

A guest with address translation on runs on tables that CP builds from the
guest's own ones (VM/370's DMKVAT, VMware's shadow page tables). Here a shadow
table is the virtual CPU's ``shadow`` dict (guest virtual page -> real page
origin, pages of the backend's ``page_shift``: S/370 uses 2K blocks, so 2K and
4K guest pages look the same), filled one entry at a time on a shadow fault by
walking the guest's tables with the backend's page-table format. The guest
never sees a fault that its own tables would not give it: a valid guest entry
just fills the shadow; an invalid one is reflected as the guest's own
translation exception.

Invalidation (the whole table, as ZAPSEGS does): what the backend reports from
simulation (S/370: LCTL changing CR0 or CR1, PTLB, IPTE), a store into a
control register the format names (``invalidated_by``), the guest turning
translation on, and a store into a real page that holds one of the guest
table entries the shadow was built from (``watch``). The module is generic over
the backend's ``PageTableFormat`` (cp/backends/base.py).
"""
from __future__ import annotations


class ShadowTables:
    """CP's shadow tables for one virtual machine (the interpretive CPU's pager)."""

    def __init__(self, page_format, counters) -> None:
        self.walk = page_format.walk
        self.hardware_fill = page_format.hardware_fill
        self.shift = page_format.page_shift
        self.mask = page_format.address_mask
        self.counters = counters
        self.cpu = None

    def bind(self, cpu) -> None:
        self.cpu = cpu

    def fill(self, cpu, va: int, write: bool) -> int:
        """A shadow fault: walk the guest tables; fill the entry or let the guest's
        own translation exception propagate."""
        c = self.counters
        e = self.hardware_fill(cpu, va, write)
        if e is not None:
            return e
        c.intercepts["shadow-fault"] = c.intercepts.get("shadow-fault", 0) + 1
        ra, tables = self.walk(cpu, va)
        shift = self.shift
        base = ra & ~((1 << shift) - 1)
        cpu.shadow[(va & self.mask) >> shift] = base
        for t in tables:
            cpu.watch.add(t >> shift)
        c.shadow_builds += 1
        c.charge("shadow_fill")
        return base

    def invalidate(self, reason: str) -> None:
        """Drop every shadow entry (the guest's view of its tables changed)."""
        cpu = self.cpu
        if cpu is None or not (cpu.shadow or cpu.watch):
            return
        cpu.shadow.clear()
        cpu.purge_tlb()
        cpu.watch.clear()
        c = self.counters
        c.shadow_invalidations[reason] = c.shadow_invalidations.get(reason, 0) + 1
        c.charge("shadow_invalidate")

    def table_store(self, cpu, block: int) -> None:
        self.invalidate("table-store")

    def dat_on(self, cpu) -> None:
        self.invalidate("dat-on")
