"""Shadow page tables for an IA-32 virtual machine: the real CR3 never holds the
guest's page directory.

The real CPU translates through CP's shadow tables, kept in CP's physical area
above the guest's RAM; the guest's own tables (found through its virtual CR3)
are only their input (reference/ia32-virtualization.md section 3.4):

* **Demand fill.** Every shadow entry starts not present. A real #PF makes CP
  walk the guest's tables with the bare machine's own walk (``ia32.paging.walk``
  on guest memory, so the guest's A and D bits are set exactly as the hardware
  sets them): a walk that succeeds fills the shadow entry and the guest never
  sees the fault (a *hidden* page fault); a walk that fails is the guest's own
  *true* page fault, reflected with the guest's error code and its CR2.
* **A and D bits.** A shadow entry is writable only once the guest's entry is
  dirty, so the guest's first write to a clean page faults again, and the walk
  for that write sets D in the guest's entry, as the hardware would.
* **Tracing.** The guest-physical pages holding the page-directory and page-table
  entries a shadow entry was built from are watched (``ia32.memory``): a guest
  store to such an entry drops the shadow entries built from it.
* **Address spaces.** A virtual CR3 load switches shadow sets; the last
  ``CACHE`` sets stay built (they are kept coherent by tracing), so a context
  switch back costs no refill. Guest paging off is one more set, the identity
  map of the guest's RAM. INVLPG drops one entry; a change of CR0.PG, CR0.WP or
  CR4.PSE drops every set.

The top page-directory entry of every set maps CP's own region (CP_BASE, CP's
GDT, IDT, TSS and shadow LDT), supervisor only, never anything of the guest's:
what the guest maps there CP reaches for it through its own walk (ia32_window.py),
and a fault there is the guest's true one. No shadow entry ever maps a frame
outside the guest's RAM (such a guest entry stops the VM: ``BEYOND``).
"""
from __future__ import annotations

import struct
from collections import OrderedDict

from ia32 import paging
from ia32.errors import CPUFault, PF
from ia32.state import CR0_PG, CR0_WP, CR4_PSE

from .ia32_vstate import CP_BASE, CP_TABLES_SIZE

HIDDEN, TRUE, BEYOND = "hidden", "true", "beyond"
FRAME = 0xFFFFF000
_U32 = struct.Struct("<I")
_P, _RW, _US = paging.P, paging.RW, paging.US
_CP_PDE = CP_BASE >> 22


class ShadowSet:
    """One address space's shadow tables: the page directory and the page tables
    (directory index -> physical address), all in CP's pool."""
    __slots__ = ("key", "pd", "tables", "alive")

    def __init__(self, key, pd: int):
        self.key = key
        self.pd = pd
        self.tables: dict[int, int] = {}
        self.alive = True


class ShadowPaging:
    """CP's shadow page tables for one IA-32 virtual machine (see the module doc).

    ``cpu`` is the real CPU, ``vstate`` the guest's VirtualState; the pool is
    ``pool_pages`` pages from physical ``pool_base``; ``cp_table`` is the page
    table that maps CP's region (built by the caller); ``on_hidden()`` hears of
    each hidden fault."""

    CACHE = 8

    def __init__(self, cpu, vstate, guest_size: int, pool_base: int, pool_pages: int,
                 cp_table: int, on_hidden=None):
        self.cpu = cpu
        self.vs = vstate
        self.memory = cpu.memory
        self.ram = cpu.memory.ram
        self.guest_size = guest_size
        self.pool = [pool_base + (i << 12) for i in range(pool_pages)]
        self.free = list(reversed(self.pool))
        self.cp_table = cp_table
        self.sets: OrderedDict = OrderedDict()
        #: guest-physical address of a guest PDE/PTE -> [(set, linear page)] built from it
        self.rmap: dict[int, list] = {}
        self.watched: set[int] = set()
        self.current: ShadowSet | None = None
        self._own = False           # CP's own A/D updates are not guest stores
        self.hidden = 0
        self.true = 0
        self.flushes = 0
        #: called for each hidden fault (the VM's exit counters)
        self.on_hidden = on_hidden

    # -- guest memory, as the walk reads and writes it ---------------------------
    def gread(self, pa: int) -> int:
        if pa + 4 <= self.guest_size:
            return _U32.unpack_from(self.ram, pa)[0]
        return 0xFFFFFFFF               # no memory there: an open bus

    def gwrite(self, pa: int, value: int) -> None:
        if pa + 4 <= self.guest_size:
            self._own = True
            try:
                self.memory.write(pa, 4, value)
            finally:
                self._own = False

    @staticmethod
    def _no_write(pa: int, value: int) -> None:
        return None

    def guest_physical(self, linear: int) -> int | None:
        """The guest-physical address of guest ``linear`` as the guest's tables say
        now (no A/D change), or None when unmapped or outside its RAM."""
        vs = self.vs
        linear &= 0xFFFFFFFF
        if vs.cr[0] & CR0_PG:
            try:
                entry = paging.walk(self.gread, self._no_write, vs.cr[3], linear, False, False,
                                    False, bool(vs.cr[4] & CR4_PSE))
            except CPUFault:
                return None
            pa = (entry & FRAME) | (linear & 0xFFF)
        else:
            pa = linear
        return pa if pa < self.guest_size else None

    # -- sets -------------------------------------------------------------------
    def _alloc(self) -> int:
        if not self.free:
            self._reclaim()
        page = self.free.pop()
        self.ram[page:page + 4096] = bytes(4096)
        return page

    def _reclaim(self) -> None:
        """The pool is empty: drop the other sets, then the current one's tables."""
        for key in [k for k, s in self.sets.items() if s is not self.current]:
            self._release(self.sets.pop(key))
        if not self.free and self.current is not None:
            cur = self.current
            for table in cur.tables.values():
                self.free.append(table)
            cur.tables.clear()
            self.ram[cur.pd:cur.pd + 4 * _CP_PDE] = bytes(4 * _CP_PDE)
            self.cpu.flush_tlb()
        self.flushes += 1

    def _release(self, s: ShadowSet) -> None:
        s.alive = False
        self.free.append(s.pd)
        self.free.extend(s.tables.values())
        s.tables.clear()

    def activate(self) -> None:
        """Load the real CR3 with the set for the guest's CR0.PG and CR3 (building
        it, or reusing a cached one)."""
        vs = self.vs
        key = vs.cr[3] & FRAME if vs.cr[0] & CR0_PG else None
        s = self.sets.get(key)
        if s is None:
            s = ShadowSet(key, self._alloc())
            _U32.pack_into(self.ram, s.pd + 4 * _CP_PDE, self.cp_table | _P | _RW)
            self.sets[key] = s
            while len(self.sets) > self.CACHE:
                _, old = self.sets.popitem(last=False)
                self._release(old)
        else:
            self.sets.move_to_end(key)
        self.current = s
        self.cpu.write_cr(3, s.pd)

    def flush_all(self) -> None:
        """Forget every shadow set and trace (the guest's translation rules changed)."""
        for s in self.sets.values():
            self._release(s)
        self.sets.clear()
        self.rmap.clear()
        for page in self.watched:
            self.memory.unwatch(page, self.table_written)
        self.watched.clear()
        self.current = None
        self.flushes += 1
        self.activate()

    def __len__(self) -> int:
        return len(self.sets)

    # -- faults -----------------------------------------------------------------
    def fill(self, linear: int, write: bool, user: bool) -> tuple[str, int]:
        """A real #PF at ``linear``: (HIDDEN, 0) when the shadow entry was filled,
        (TRUE, guest error code) when the guest's own tables fault (its CR2 is
        set), (BEYOND, frame) when the guest maps memory it does not have."""
        vs = self.vs
        linear &= 0xFFFFFFFF
        cr0 = vs.cr[0]
        if linear >= CP_BASE:
            return self._region(linear, write, user)
        if cr0 & CR0_PG:
            cr3 = vs.cr[3]
            pse = bool(vs.cr[4] & CR4_PSE)
            try:
                entry = paging.walk(self.gread, self.gwrite, cr3, linear, write, user,
                                    bool(cr0 & CR0_WP), pse)
            except CPUFault as f:
                return self._true(linear, f.error_code)
            frame = entry & FRAME
            writable = entry & paging.D and (entry & _RW or not cr0 & CR0_WP)
            pte_bits = _P | (entry & _US) | (_RW if writable else 0)
            pde_addr = (cr3 & FRAME) | ((linear >> 20) & 0xFFC)
            sources = [pde_addr]
            pde = self.gread(pde_addr)
            if not (pse and pde & paging.PS):
                sources.append((pde & FRAME) | ((linear >> 10) & 0xFFC))
        else:
            frame = linear & FRAME
            pte_bits = _P | _RW | _US
            sources = ()
        if frame + 4096 > self.guest_size:
            return BEYOND, frame
        s = self.current
        index = linear >> 22
        table = s.tables.get(index)
        if table is None:
            table = self._alloc()
            s.tables[index] = table
            _U32.pack_into(self.ram, s.pd + 4 * index, table | _P | _RW | _US)
        _U32.pack_into(self.ram, table + ((linear >> 10) & 0xFFC), frame | pte_bits)
        lpage = linear >> 12
        for e in sources:
            self.rmap.setdefault(e, []).append((s, lpage))
            page = e >> 12
            if page not in self.watched:
                self.watched.add(page)
                self.memory.watch(page, self.table_written)
                self.cpu.flush_tlb()        # no write-through TLB entry may skip the trace
        self.cpu.invlpg(linear)
        self.hidden += 1
        if self.on_hidden is not None:
            self.on_hidden()
        return HIDDEN, 0

    def _region(self, linear: int, write: bool, user: bool) -> tuple[str, int]:
        """A fault at ``linear`` in CP's region: never shadowed, so only CP's own
        walk of the guest's tables (ia32_window.py) leads here, when it failed;
        the same walk gives the guest's true fault (a walk that succeeds, which no
        path of CP's leads to, gives a protection fault)."""
        vs = self.vs
        cr0 = vs.cr[0]
        try:
            if not cr0 & CR0_PG:
                raise CPUFault(PF, paging.fault_code(False, write, user))
            paging.walk(self.gread, self.gwrite, vs.cr[3], linear, write, user,
                        bool(cr0 & CR0_WP), bool(vs.cr[4] & CR4_PSE))
        except CPUFault as f:
            return self._true(linear, f.error_code)
        return self._true(linear, paging.fault_code(True, write, user))

    def _true(self, linear: int, code: int) -> tuple[str, int]:
        self.vs.cr[2] = linear
        self.true += 1
        return TRUE, code

    # -- tracing and invalidation ----------------------------------------------------
    def table_written(self, addr: int, size: int) -> None:
        """A guest store into a traced table page: drop what was built from the
        entries it touched."""
        if self._own:
            return
        rmap = self.rmap
        for e in range(addr & ~3, addr + size, 4):
            built = rmap.pop(e, None)
            if built:
                for s, lpage in built:
                    self._drop(s, lpage)

    def _drop(self, s: ShadowSet, lpage: int) -> None:
        if not s.alive:
            return
        table = s.tables.get(lpage >> 10)
        if table is not None:
            _U32.pack_into(self.ram, table + ((lpage & 0x3FF) << 2), 0)
            if s is self.current:
                self.cpu.invlpg(lpage << 12)

    def invlpg(self, linear: int) -> None:
        """The guest's INVLPG: the current set's entry for that page goes."""
        if self.current is not None:
            self._drop(self.current, (linear & 0xFFFFFFFF) >> 12)


def map_cp_region(ram, cp_table: int, cp_phys: int) -> None:
    """Fill CP's page table: CP_BASE + n maps CP's physical area + n for CP's
    tables, supervisor only (a guest at real ring 3 cannot touch them; at ring 1
    its segments end below CP_BASE)."""
    ram[cp_table:cp_table + 4096] = bytes(4096)
    for i in range(CP_TABLES_SIZE >> 12):
        _U32.pack_into(ram, cp_table + 4 * i, (cp_phys + (i << 12)) | _P | _RW)
