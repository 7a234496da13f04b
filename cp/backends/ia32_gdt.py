"""Shadow descriptor tables: CP's real GDT (and LDT) built from the guest's own.

The real GDTR and LDTR of an IA-32 virtual machine point at CP's tables in CP's
region (ia32_vstate.py: ``CP_GDT``, ``CP_LDT``). At the guest's own slot numbers
they hold a copy of each guest descriptor made safe to run deprivileged
(``shadow_pair``): DPL 0 becomes DPL 1 (ring compression) and the limit is cut
so that base + limit stays below ``CP_BASE`` (segment truncation, as VMware's
monitor did: Adams and Agesen 2006; reference/ia32-virtualization.md section
3.2). System descriptors (TSS, LDT, call/task gates) are not copied: the guest's
LTR and LLDT are emulated against the virtual state, and a far transfer through
a gate at real ring 1 or 3 would use CP's TSS, so it finds a null slot instead.

The guest changes its tables by plain stores (Linux rewrites its TLS descriptors
on every context switch), so the physical pages holding them are *traced*: a
write there (``ia32.memory``'s watchers) re-shadows the descriptors it touched.
The segment registers keep the descriptors they were loaded with, as the
processor's descriptor caches do (80386 PRM 5.1.4). The guest's tables may lie
anywhere in its linear space, CP's region included: CP reads them through the
guest's own page tables.

**Accessed bits.** The processor sets a descriptor's accessed bit in memory when
it loads a segment register from it (80386 PRM 5.1.4, "Accessed bit"; SDM Vol. 3
3.4.5): the guest must see that in its own table. A shadow descriptor carries
the guest's accessed bit, so the real CPU sets it in the shadow exactly when the
bare CPU would set it in the guest's; the shadow's pages are watched, and such a
store sets the bit in the guest's descriptor too (``set_accessed``, a system
store through the guest's tables, which marks its page table entry accessed and
dirty as the bare store does). A load CP emulates (ia32_sensitive.py) runs the
machine's own code against the guest's table and marks it there itself.
"""
from __future__ import annotations

import struct

from ia32 import descriptors as D

from .ia32_vstate import CP_BASE, KERNEL_RING

_ACCESSED_BYTE = D.HI_ACCESSED >> 8    # bit 0 of descriptor byte 5

_PAIR = struct.Struct("<II")
_S = 0x1000                 # descriptor bit 12 (in the high word): code or data
_P = 0x8000
_DPL = 0x6000
_EXPAND_DOWN_DATA = 0x0C00  # type bits 3 (code) and 2: 01 = expand-down data


def shadow_pair(lo: int, hi: int) -> tuple[int, int]:
    """The real descriptor CP puts in the guest's slot for guest descriptor
    (lo, hi): code and data with DPL 0 made 1 and the limit cut below CP_BASE
    (a segment starting at or above it, or an expand-down one crossing it, is
    made not present); anything else a null descriptor."""
    if not hi & _S:
        return 0, 0
    if not hi & _DPL:
        hi |= KERNEL_RING << 13
    d = D.Descriptor(lo, hi)
    expand_down = (hi & _EXPAND_DOWN_DATA) == 0x0400
    if d.base + d.limit < CP_BASE and not expand_down:
        return lo, hi
    room = CP_BASE - d.base
    if room <= 0 or expand_down:
        return lo, hi & ~_P
    field = (room >> 12) - 1 if d.g else room - 1
    if field < 0:
        return lo, hi & ~_P
    return (lo & 0xFFFF0000) | (field & 0xFFFF), (hi & ~0xF0000) | (field & 0xF0000)


def shadow_cache(base: int, limit: int, rights: int) -> tuple[int, int, int]:
    """A segment cache (base, byte limit, rights as ia32.state.Segment holds them)
    made the way ``shadow_pair`` makes a descriptor (the loader's entry state)."""
    field = limit >> 12 if rights & 0x800000 else limit
    lo = ((base & 0xFFFF) << 16) | (field & 0xFFFF)
    hi = (base & 0xFF000000) | ((base >> 16) & 0xFF) | (field & 0xF0000) | (rights & 0x00F0FF00)
    lo, hi = shadow_pair(lo, hi)
    d = D.Descriptor(lo, hi)
    return d.base, d.limit, hi & 0x00F0FF00


class ShadowTable:
    """One shadow descriptor table (the GDT's or the LDT's) in CP's physical area.

    ``translate(linear)`` gives the guest-physical address of a guest linear
    address (None when unmapped), ``source()`` the guest table's (base, limit)
    or None; ``reserved`` the slots CP keeps for itself (never shadowed);
    ``set_accessed(linear)`` sets the accessed bit of the guest's descriptor
    byte at ``linear`` (see the module doc; None: not propagated)."""

    def __init__(self, memory, real_base: int, entries: int, translate, source,
                 guest_size: int, reserved: tuple = (), set_accessed=None):
        self.memory = memory
        self.ram = memory.ram
        self.real_base = real_base
        self.entries = entries
        self.translate = translate
        self.source = source
        self.guest_size = guest_size
        self.reserved = frozenset(reserved)
        self.count = 0                  # slots currently shadowed from the guest
        self.base = 0
        #: guest physical page -> the linear page of the table it holds (traced)
        self.pages: dict[int, int] = {}
        self.resyncs = 0
        self.set_accessed = set_accessed
        #: slot -> the guest's descriptor (lo, hi) as last read: what a segment
        #: register loaded from the slot was made from (ia32_window.py's limits),
        #: kept when the guest's table goes unmapped
        self.guest: dict[int, tuple[int, int]] = {}
        if set_accessed is not None:
            for page in range(real_base >> 12, ((real_base + 8 * entries - 1) >> 12) + 1):
                memory.watch(page, self._shadow_written)

    def layout(self) -> dict[int, int]:
        """Physical page -> linear page for the guest table as mapped now."""
        src = self.source()
        if src is None:
            return {}
        base, limit = src
        pages = {}
        for lp in range(base >> 12, (min(base + limit, 0xFFFFFFFF) >> 12) + 1):
            pa = self.translate(lp << 12)
            if pa is not None:
                pages[pa >> 12] = lp
        return pages

    def sync(self) -> None:
        """Shadow the whole table again (LGDT, LLDT, IPL) and trace its pages."""
        self.resyncs += 1
        self._trace(self.layout())
        src = self.source()
        old = self.count
        if src is None:
            self.base, self.count = 0, 0
        else:
            self.base = src[0]
            self.count = min((src[1] + 1) >> 3, self.entries)
        for slot in range(self.count):
            self._shadow(slot)
        for slot in range(self.count, old):
            if slot not in self.reserved:
                _PAIR.pack_into(self.ram, self.real_base + 8 * slot, 0, 0)

    def moved(self) -> None:
        """The guest's translation changed (CR3, CR0.PG): resync if the table now
        lives in other physical pages."""
        if self.layout() != self.pages:
            self.sync()

    def _trace(self, pages: dict[int, int]) -> None:
        mem = self.memory
        for page in self.pages:
            if page not in pages:
                mem.unwatch(page, self.written)
        for page in pages:
            if page not in self.pages:
                mem.watch(page, self.written)
        self.pages = pages

    def untrace(self) -> None:
        self._trace({})

    def written(self, addr: int, size: int) -> None:
        """A store into a traced page: re-shadow the descriptors it touched."""
        lp = self.pages.get(addr >> 12)
        if lp is None:
            return
        lin = (lp << 12) | (addr & 0xFFF)
        first = (lin - self.base) >> 3
        last = (lin + size - 1 - self.base) >> 3
        for slot in range(max(first, 0), min(last, self.count - 1) + 1):
            self._shadow(slot)

    def read_guest(self, slot: int) -> tuple[int, int] | None:
        """The guest's own descriptor ``slot`` (lo, hi), or None if unreadable."""
        lin = self.base + 8 * slot
        if lin + 7 > 0xFFFFFFFF:
            return None
        words = []
        for at in (lin, lin + 4):
            pa = self.translate(at)
            if pa is None or pa + 4 > self.guest_size:
                return None
            words.append(int.from_bytes(self.ram[pa:pa + 4], "little"))
        return words[0], words[1]

    def _shadow_written(self, addr: int, size: int) -> None:
        """The real CPU stored into this shadow table (only a segment load's
        accessed bit does): the guest's descriptor gets the bit too."""
        slot = (addr - self.real_base) >> 3
        if slot in self.reserved or not 0 <= slot < self.count:
            return
        at = self.real_base + 8 * slot + 5
        if addr <= at < addr + size and self.ram[at] & _ACCESSED_BYTE:
            pair = self.read_guest(slot)
            if pair is not None and not pair[1] & D.HI_ACCESSED:
                self.set_accessed(self.base + 8 * slot + 5)

    def _shadow(self, slot: int) -> None:
        if slot in self.reserved:
            return
        pair = self.read_guest(slot)
        if pair is not None:
            self.guest[slot] = pair
            lo, hi = shadow_pair(*pair)
        else:           # a register loaded before keeps its descriptor (PRM 5.1.4)
            lo, hi = 0, 0
        _PAIR.pack_into(self.ram, self.real_base + 8 * slot, lo, hi)
