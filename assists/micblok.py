"""Control register 6 and the MICBLOK: the assists' view of a virtual machine.

The hardware side of VM/370's assists (GA22-7074) reads two things CP keeps up
to date: control register 6 (which assists are on, the virtual problem state,
the MICBLOK's real address) and the MICBLOK in CP's real storage (the virtual
PSW and its pending-interruption bit, the ECBLOK with the virtual control
registers, the work area, the virtual timer). Their layout is here, below both
``registry`` (which builds them) and the assists that read them (vma, ecps,
stbypass), so neither imports the other for it.
"""
from __future__ import annotations

import weakref

from s370.cpu import CPU
from s370.errors import MachineError

# Control register 6 (GA22-7074; bit names as in Hercules' ecpsvm.h).
CR6_VMA = 0x80000000        # bit 0: virtual machine assist on
CR6_VPROB = 0x40000000      # bit 1: virtual machine in problem state
CR6_ISKINHIB = 0x20000000   # bit 2: ISK/SSK not to be assisted
CR6_S360 = 0x10000000       # bit 3: System/360 operations only
CR6_SVCINHIB = 0x08000000   # bit 4: no virtual SVC handling
CR6_STVINHIB = 0x04000000   # bit 5: no shadow-table validation (Hercules' STVINHIB)
CR6_ECPS = 0x02000000       # bit 6: CP assist (ECPS) enabled
CR6_VTIMER = 0x01000000     # bit 7: virtual interval timer assist
CR6_MICBLOK = 0x00FFFFF8    # bits 8-28: real address of the MICBLOK

# MICBLOK layout (VM/370 DMKVMA's MICBLOK DSECT), offsets in the slot.
MICRSEG, MICCREG, MICVPSW, MICWORK, MICVTMR, MICACF = 0, 4, 8, 12, 16, 20
MICVIP = 0x80               # MICVPSW bit 0: a virtual interruption is pending
#: MICACF: bits 0-7 expanded-VMA functions, bit 8 shadow-table bypass, bits
#: 9-15 the individual bypass functions.
MICACF_EVMA, MICACF_STB, MICACF_STBFN = 0xFF000000, 0x00800000, 0x007F0000
# The rest of the slot: ECBLOK (16 virtual CRs), the virtual PSW image, the work
# area, the virtual timer, and a shadow segment-table anchor.
ECBLOK, VPSW, WORK, VTIMER, RSEG = 0x20, 0x60, 0x68, 0x78, 0x7C
SLOT = 0x80


#: (ext_pending bit, CR0 subclass-mask bit) of every external interruption.
_EXT_MASKS = tuple((CPU.EXT_BIT[c], CPU.EXT_SUBMASK[c]) for c in CPU.EXT_BIT)


def external_pending(cpu) -> bool:
    """An external interruption pending that the VM's CR0 subclass masks let
    through (conditions the VM keeps masked off in CR0 do not count)."""
    ext = cpu.ext_pending
    if ext:
        cr0 = cpu.cr[0]
        for bit, sub in _EXT_MASKS:
            if ext & bit and cr0 & sub:
                return True
    return False


def io_pending(cpu) -> bool:
    """Channel status pending for the VM (an I/O interruption to reflect)."""
    ch = cpu.channel
    return ch is not None and bool(ch.pending)


def interruption_pending(cpu) -> bool:
    """Whether CP has an interruption pending for the VM (the MICVPSW bit)."""
    return external_pending(cpu) or io_pending(cpu)


class CPArea:
    """A piece of CP's real storage that holds MICBLOKs, one slot per VM. ``mem``
    holds real storage from real address ``origin``; the slots start at real
    address ``first`` (what CR6 bits 8-28 point to)."""

    def __init__(self, mem, origin: int, first: int, slots: int):
        self.mem = mem
        self.origin = origin
        self.first = first
        self.free = [first + k * SLOT for k in range(slots)]

    def allocate(self) -> int:
        if not self.free:
            raise MachineError("HCPVMA001E no MICBLOK space left in CP storage")
        return self.free.pop(0)

    def release(self, address: int) -> None:
        self.free.append(address)

    def offset(self, address: int) -> int:
        """Index into ``mem`` of real ``address``."""
        return address - self.origin


#: Where the system CP area ends (real address): it lies below the top of
#: 24-bit real storage, where only CP's own storage is (CR6 bits 8-28 address it).
CP_AREA_END = 0x1000000
#: Its least size (512 MICBLOK slots); a CP for more users gets one slot per user.
CP_AREA_MIN = 0x10000
_SYSTEM_AREAS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def system_area(system) -> CPArea:
    """The CP area of a ``cp.System``: a MICBLOK slot for each user it may log
    on (``config.max_users``), at least 64K, in whole 4K pages ending at 16M."""
    area = _SYSTEM_AREAS.get(system)
    if area is None:
        users = getattr(getattr(system, "config", None), "max_users", 0)
        size = max(CP_AREA_MIN, -(-users * SLOT // 0x1000) * 0x1000)
        base = CP_AREA_END - size
        area = _SYSTEM_AREAS[system] = CPArea(bytearray(size), base, base, size // SLOT)
        # the first 512 users keep the slots of the 64K area at X'FF0000' (what
        # QUERY ASSIST showed before the area grew); the others come below it
        area.free.sort(key=lambda a: a < CP_AREA_END - CP_AREA_MIN)
    return area
