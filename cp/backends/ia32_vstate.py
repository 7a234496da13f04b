"""The virtual IA-32 CPU's privileged state, kept apart from the real CPU it runs on.

CP runs an IA-32 guest on a real (emulated) ``ia32.cpu.CPU`` of its own, always
in protected mode with paging on, with CP's descriptor tables and CP's shadow
page tables loaded; what the guest believes it loaded lives here (VMware's
"virtual CPU state", Adams and Agesen 2006; ../shared/reference/
ia32-virtualization.md section 3.6). The conventions every part of the IA-32
backend keeps (cp/backends/ia32*.py):

* **Ring compression.** Guest CPL 0 runs at real CPL 1 (``KERNEL_RING``); guest
  CPL 1-3 run at their own ring. A selector the guest holds with RPL 0 is held
  in the real segment register with RPL 1 (``compress``); what the guest is
  shown is ``decompress``-ed back, unless the mode is naive trap-and-emulate,
  which shows the real values (that is Popek and Goldberg's point).
* **Shadow descriptor tables.** The real GDT (CP's, at ``CP_GDT``) holds, at the
  guest's own slot numbers, a copy of each guest descriptor with DPL 0 made
  DPL 1 and the limit cut below ``CP_BASE`` (segment truncation: guest code at
  real ring 1 can never reach CP's region at the top of the linear space), and
  CP's own entries above the guest's (``CP_SLOTS``: CP's TSS); the same for an
  LDT. The guest's own tables, in guest memory, are the input.
* **CP's region.** The top ``CP_SIZE`` bytes of the linear space (``CP_BASE``
  up) map CP's GDT, IDT and TSS through the shadow page tables, supervisor only;
  the real GDTR, IDTR and TR point there, which is what a guest's SGDT, SIDT and
  STR reveal when they are not virtualized (the "Red Pill").
* **The guest may use CP's region too** (Linux 6.1 keeps its IDT and GDT
  aliases, its TSS, its entry stack and the fixmap there), so CP *emulates* it
  rather than moving out of the way: a guest access there faults on the
  truncation (#GP(0), or #SS(0) through SS) and CP runs the instruction with the
  machine's own code through the guest's own page tables, and reads the guest's
  IDT, GDT and TSS there the same way (ia32_window.py), as VMware's monitor did.
  Relocating the region when the guest maps the top was the other choice, and
  it does not work here: truncation can only keep a guest out of the *top* of
  its segments (a flat segment covers any other place), paging cannot keep real
  ring 1 out of a supervisor page, and Linux maps its top 4M early (the fixmap,
  early_ioremap) and keeps using it (every interrupt reads the IDT alias there),
  so no free place would stay free. The cost is an exit per such access
  ("cp-region" in CP's counters: about 7,000 in the Linux boot, mostly the
  entry stack on each entry from user mode).
* **Real flags.** The real EFLAGS.IOPL is 0 and the real IF 1 while the guest
  runs (CP must be able to take control); the guest's IF and IOPL are ``iflag``
  and ``iopl`` here, so CLI, STI, IN and OUT at real ring 1 trap (#GP), and
  POPF there silently keeps the real IF and IOPL.
* **Every exception and interrupt goes to CP** (``CPU.intercept``); CP
  emulates, fills a shadow entry, or reflects it through the guest's IDT (at
  ``idtr`` in guest memory) with the guest's own rules.
"""
from __future__ import annotations

#: the real ring the guest's ring 0 runs at
KERNEL_RING = 1
#: CP's region at the top of every guest's linear address space (4M, one page
#: directory entry, as VMware's monitor)
CP_BASE = 0xFFC00000
CP_SIZE = 0x00400000
#: CP's tables inside its region (linear addresses)
CP_GDT = CP_BASE
CP_GDT_ENTRIES = 8192               # the whole selector space: guest slots + CP's
CP_IDT = CP_BASE + 0x10000
CP_TSS = CP_BASE + 0x11000
#: the shadow of the guest's LDT (the real LDTR's table), 64K like the GDT
CP_LDT = CP_BASE + 0x12000
CP_LDT_ENTRIES = 8192
#: the bytes of CP's region that hold its tables (from CP_BASE); each maps to
#: the same offset in CP's physical area, which lies just above the guest's RAM
CP_TABLES_SIZE = 0x22000
#: CP's own GDT slots, above any guest's (the last ones of the table)
CP_TSS_SLOT = CP_GDT_ENTRIES - 1
CP_LDT_SLOT = CP_GDT_ENTRIES - 2
CP_SLOTS = (CP_TSS_SLOT, CP_LDT_SLOT)
CP_TSS_SELECTOR = CP_TSS_SLOT << 3
CP_LDT_SELECTOR = CP_LDT_SLOT << 3


def compress(selector: int) -> int:
    """The selector as the real segment register holds it: RPL 0 becomes 1."""
    return selector | KERNEL_RING if selector & 3 == 0 and selector & ~3 else selector


def decompress(selector: int) -> int:
    """The selector as the guest sees it: RPL 1 is shown as 0 when the guest
    runs its kernel (a guest never uses ring 1 of its own in this VMM)."""
    if selector & 3 == KERNEL_RING:
        return selector & ~3
    return selector


class VirtualState:
    """What the guest believes the CPU's privileged state is (see the module doc).

    ``cpl``     the guest's CPL (0-3); the real CPU runs at ``real_ring(cpl)``
    ``iflag``   the guest's EFLAGS.IF (bool); ``iopl`` its EFLAGS.IOPL (0-3)
    ``cr``      the guest's CR0-CR4 (CR2: the last fault address shown to it;
                CR3: its page directory, never loaded in the real CR3)
    ``gdtr``, ``idtr``  (base, limit) as the guest loaded them (LGDT, LIDT)
    ``ldtr``, ``tr``    the guest's LDTR and TR selectors, and ``ldt``/``tss``
                        their (base, limit) from the guest's descriptors
    """

    __slots__ = ("cpl", "iflag", "iopl", "cr", "gdtr", "idtr", "ldtr", "ldt", "tr", "tss")

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """The guest's state at power-on, before its loader runs (80386 PRM 10.1)."""
        self.cpl = 0
        self.iflag = False
        self.iopl = 0
        self.cr = [0x00000010, 0, 0, 0, 0]      # CR0.ET, as the bare CPU's reset
        self.gdtr = (0, 0xFFFF)
        self.idtr = (0, 0xFFFF)
        self.ldtr, self.ldt = 0, (0, 0xFFFF)
        self.tr, self.tss = 0, (0, 0xFFFF)

    @staticmethod
    def real_ring(cpl: int) -> int:
        """The real CPL the guest's ``cpl`` runs at (ring compression)."""
        return KERNEL_RING if cpl == 0 else cpl

    def eflags(self, real: int) -> int:
        """The EFLAGS the guest sees: the real value with its own IF and IOPL."""
        return (real & ~0x3200) | (0x200 if self.iflag else 0) | (self.iopl << 12)
