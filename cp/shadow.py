"""Shadow translation tables: guest virtual -> real, built by CP on demand.

A V=V guest with DAT on runs on tables that CP builds from the guest's own ones
(VM/370's DMKVAT). Here a shadow table is the interpretive CPU's ``shadow`` dict
(guest virtual 2K block -> real block origin, so 2K and 4K guest pages look the
same), filled one entry at a time on a shadow fault by walking the guest's tables
with the backend's ``walk``. The guest never sees a fault that its own tables
would not give it: a valid guest entry just fills the shadow; an invalid one is
reflected as the guest's own segment/page-translation exception.

Invalidation (the whole table, as ZAPSEGS does): LCTL changing CR0 or CR1,
PTLB, IPTE, the guest turning DAT on, and a store into a real block that holds one
of the guest segment- or page-table entries the shadow was built from (``watch``).
The module is generic over the backend: it needs only ``walk(cpu, va) ->
(real address, table-entry addresses)``.
"""
from __future__ import annotations

from typing import Callable


class ShadowTables:
    """CP's shadow tables for one virtual machine (the interpretive CPU's pager)."""

    def __init__(self, walk: Callable, counters) -> None:
        self.walk = walk
        self.counters = counters
        self.cpu = None

    def bind(self, cpu) -> None:
        self.cpu = cpu

    def fill(self, cpu, va: int, write: bool) -> int:
        """A shadow fault: walk the guest tables; fill the entry or let the guest's
        own translation exception propagate."""
        c = self.counters
        for a in cpu.sdesc.assists:
            if a.try_shadow(cpu, va, write):
                e = cpu.shadow.get(va >> 11)
                if e is not None:
                    return e
        c.intercepts["shadow-fault"] = c.intercepts.get("shadow-fault", 0) + 1
        ra, tables = self.walk(cpu, va)
        base = ra & ~0x7FF
        cpu.shadow[(va & 0xFFFFFF) >> 11] = base
        for t in tables:
            cpu.watch.add(t >> 11)
        c.shadow_builds += 1
        c.charge("shadow_fill")
        return base

    def invalidate(self, reason: str) -> None:
        """Drop every shadow entry (the guest's view of its tables changed)."""
        cpu = self.cpu
        if cpu is None or not (cpu.shadow or cpu.watch):
            return
        cpu.shadow.clear()
        cpu.watch.clear()
        c = self.counters
        c.shadow_invalidations[reason] = c.shadow_invalidations.get(reason, 0) + 1
        c.charge("shadow_invalidate")

    def table_store(self, cpu, block: int) -> None:
        self.invalidate("table-store")

    def dat_on(self, cpu) -> None:
        self.invalidate("dat-on")
