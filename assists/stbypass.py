"""Shadow-table bypass (GA22-7074): a trusted guest runs on its own DAT tables.

Normally CP translates a V=V guest with DAT on through shadow tables that it
builds from the guest's tables (cp/shadow.py) and throws away whenever the guest
might have changed them. With the bypass the machine uses the guest's segment
and page tables directly: a TLB miss walks the guest's tables (``try_shadow``
fills ``cpu.shadow``, which then is just the TLB), PTLB, IPTE and LCTL of CR0/CR1
only purge that TLB (the MICACF bypass functions), and CP neither builds, watches
nor invalidates anything. The guest-visible results are the architecture's
(stale TLB entries after a table change without PTLB/IPTE are allowed by
GA22-7000 "Translation-Lookaside Buffer").

What it costs is isolation. CP's shadow tables are where CP checks that every
frame a guest names is the guest's own; with the bypass nothing checks. That is
why CP allows it only to a user whose directory entry says so (``OPTION
STBYPASS``, or a V=R user: ``OPTION VIRT=REAL``) and refuses ``SET STBYPASS``
to others.

Our model of the V=R window: a V=R user's storage is a window of real storage
with CP's storage right above it (as VM/370 placed its nucleus above the V=R
area); that CP storage holds the user's MICBLOK and ECBLOK. Without the bypass
the window ends at the user's extent: a frame (or a real address) beyond it gets
the addressing exception CP gives. With the bypass the machine no longer holds
the guest to its extent, and a page-table entry naming a frame above it reaches
CP's MICBLOK area -- in both directions. tests/assists/test_stbypass.py shows
exactly that, and that an untrusted guest doing the same gets the exception.
"""
from __future__ import annotations

from s370 import dat
from s370.errors import StateChange
from s370.storage import Storage

from .micblok import SLOT, CPArea
from .vma import CountingAssist, run_handler

MASK24 = 0xFFFFFF
#: CP storage right above a V=R user's window (MICBLOK, ECBLOK, work areas).
WINDOW = 0x1000


class ShadowTableBypass(CountingAssist):
    """The bypass for one VM (first in the trial order)."""

    name = "STBYPASS"

    def try_shadow(self, cpu, va: int, write: bool) -> bool:
        """A TLB miss: the hardware walks the guest's own tables (the guest's
        translation exceptions are its own, raised as on the bare machine)."""
        ra = dat.translate(cpu, va, write)
        cpu.shadow[(va & MASK24) >> 11] = ra & ~0x7FF
        self.count("DAT")
        return True

    def try_instruction(self, cpu, ins, m, p: int) -> bool:
        op = m[p]
        if op == 0xB2 and m[p + 1] == 0x0D:             # PTLB
            cpu.purge_tlb()
            cpu.shadow.clear()
            self.count("PTLB")
            return True
        if op == 0xB2 and m[p + 1] == 0x21 or op == 0xB7 and m[p + 1] >> 4 < 2:
            # IPTE, LCTL from CR0 or CR1: run inline, then purge the TLB as the
            # hardware's own does (an exception goes to CP before any change)
            try:
                run_handler(cpu, m, p)
            except StateChange:
                cpu.shadow.clear()
                self.count(ins.mnemonic)
                raise
            cpu.shadow.clear()
            self.count(ins.mnemonic)
            return True
        return False


def window(control, on: bool) -> None:
    """A V=R user's window: created the first time (its storage grows by the CP
    storage above it, which then holds its MICBLOK), and its addressable extent set:
    the user's own storage, or with the bypass on, up to the end of that CP storage."""
    if not control.vr:
        return
    vm, cpu = control.vm, control.cpu
    area = getattr(control, "vr_area", None)
    if area is None:
        old = vm.storage
        extent = old.size
        new = Storage(extent + WINDOW, sparse=True)
        new.mem[:extent] = old.mem[:extent]
        new.keys[:len(old.keys)] = old.keys
        new.size = extent               # DISPLAY, IPL and the channel see the extent
        vm.storage = vm.channel.storage = new
        cpu.attach(new)
        area = control.vr_area = CPArea(new.mem, 0, extent, WINDOW // SLOT)
        control.area = area
        control.micblok = area.allocate()
        control.assists.clear()
    size = area.first + (WINDOW if on else 0)
    sd = control.sd
    sd.mode, sd.origin, sd.extent = "V=R", 0, size
    if cpu.size != size:
        cpu.size, cpu.lim2, cpu.lim4 = size, size - 2, size - 4
        cpu.purge_tlb()
        cpu.shadow.clear()
        cpu.watch.clear()
