"""The sensitive unprivileged IA-32 instructions, executed as the bare machine would
at the guest's own CPL: what SCAN traps to and TRANSLATE calls out to.

Robin and Irvine (USENIX Security 2000) list the instructions of the Pentium that
read or change privileged state without trapping at CPL > 0. The figure quoted is
"17", but the list as printed has **18 mnemonics** (../shared/reference/
ia32-virtualization.md section 0), and this project counts those 18:

  sensitive register instructions   SGDT SIDT SLDT SMSW PUSHF POPF
  protection-system references      LAR LSL VERR VERW POP PUSH CALL JMP INT RET STR MOV

POP, PUSH and MOV are their segment-register forms; CALL, JMP and RET their far
forms; INT is INT n. Two members of those families are emulated with them because
they go wrong in the same way (section 1.2 of the reference): IRET with POPF (the
silent IF and IOPL rules) and the far-pointer loads LDS LES LFS LGS LSS with MOV
Sreg (a segment load checked against the CPL). ``SENSITIVE`` holds their table
semantics names; ``ROBIN_IRVINE`` the 18 mnemonics.

How: the bare machine's own instruction handlers (``ia32.isa``) are run against a
:class:`GuestView` of the real CPU, an object that answers like the CPU except
that its privileged state is the guest's (``VirtualState``, ia32_vstate.py): the
CPL, IF and IOPL, CR0, GDTR, IDTR, LDTR and TR are the guest's, selectors are
shown decompressed (RPL 1 as 0), and descriptors are read from the guest's own
tables in guest memory. So every check of the manual (80386 PRM chapter 17's
pseudo-code for each instruction; 6.3 for the privilege rules; 9.6 for INT n;
the POPF and IRET flag rules of 17 POPF and 17 IRET) is made by the code that
makes it on the bare machine, at the guest's CPL, and nothing is written twice.
What the view changes is where the results go:

* a segment register the machine loads (``set_segment``) is filled from CP's
  shadow GDT or LDT slot of the same number with the selector compressed (the
  real register must hold what runs at real ring 1: DPL 1, limit truncated below
  CP's region), after the machine has checked the guest's descriptor;
* EFLAGS.IF and IOPL written by POPF, IRET or an interrupt entry go to the
  guest's ``iflag`` and ``iopl``; the other flags to the real EFLAGS;
* a CPL change (far CALL through a gate, RETF or IRET to an outer level, INT n
  from ring 3) sets the guest's CPL and the real ring (``real_ring``) and tells
  the mode (``on_cpl``: a separate decode cache per guest ring).

Not modelled here (``MachineError``): task switches (a far JMP/CALL to a TSS or
task gate, IRET with NT, a task gate in the IDT) and virtual-8086 mode in the
guest; CP's guests do not use them.
"""
from __future__ import annotations

from typing import Callable

from ia32 import descriptors as D
from ia32 import interrupts, segments
from ia32.flags import IF, IOPL, NT, VM
from ia32.isa import handler_for
from ia32.isa.table import TABLE
from ia32.state import Segment

from .ia32_vstate import VirtualState, compress, decompress
from .ia32_window import WindowAccess
from .shared import MachineError

#: the Robin and Irvine list as printed: 18 mnemonics (see the module docstring)
ROBIN_IRVINE = ("SGDT", "SIDT", "SLDT", "SMSW", "PUSHF", "POPF",
                "LAR", "LSL", "VERR", "VERW", "POP", "PUSH", "CALL", "JMP", "INT", "RET",
                "STR", "MOV")
#: the far-pointer loads, members of the MOV Sreg family here
FAR_LOADS = frozenset({"lds", "les", "lfs", "lgs", "lss"})
#: the table semantics this module executes: every form the table marks
#: ``sensitive`` (ia32/isa/table.py), and the far-pointer loads
SENSITIVE = frozenset({f.semantics for f in TABLE if f.sensitive}) | FAR_LOADS
#: the rights of a null segment register (every access #GP(0))
_NULL = 0
#: what an LDTR or TR of the guest looks like in the view's cache (PRM Figure 6-4)
_LDT_RIGHTS = 0x8200
_TSS386_RIGHTS = 0x8B00


def is_sensitive(ins) -> bool:
    """Whether ``ins`` (a decoded instruction) is one this module emulates."""
    return ins.form.semantics in SENSITIVE


class _SegmentView:
    """A real segment register as the guest sees it: the selector decompressed
    (ia32_vstate.decompress), the descriptor cache the real one."""

    __slots__ = ("_seg",)

    def __init__(self, seg: Segment) -> None:
        self._seg = seg

    @property
    def selector(self) -> int:
        return decompress(self._seg.selector)

    def __getattr__(self, name: str):
        return getattr(self._seg, name)


class GuestView(WindowAccess):
    """The real CPU with the guest's privileged state (see the module docstring).

    ``on_cpl(cpl)`` is called after the guest's CPL changed, ``on_sti()`` after
    the guest's IF went from 0 to 1 (CP then presents a pending interrupt). Its
    memory accesses reach CP's region through the guest's own tables once the
    backend gave it its window (``attach_window``, ia32_window.py)."""

    #: attributes an instruction handler may assign; they go to the real CPU
    _PASS = frozenset({"eip", "events", "shadow", "halted"})

    def __init__(self, cpu, vs: VirtualState, on_cpl: Callable[[int], None] | None = None,
                 on_sti: Callable[[], None] | None = None) -> None:
        d = self.__dict__
        d["cpu"] = cpu
        d["vs"] = vs
        d["on_cpl"] = on_cpl
        d["on_sti"] = on_sti
        d["_seen"] = None
        d["_sregs"] = []
        d["_window"] = None

    def attach_window(self, window) -> None:
        """Reach CP's region through ``window`` (an ia32_window.GuestWindow)."""
        self.__dict__["_window"] = window

    def __getattr__(self, name: str):
        return getattr(self.cpu, name)

    def __setattr__(self, name: str, value) -> None:
        if name in self._PASS:
            setattr(self.cpu, name, value)
        elif name == "cpl":
            self._set_cpl(value)
        else:
            raise AttributeError(f"{name} is not virtualized by GuestView")

    @property
    def sregs(self) -> list:
        """The six segment registers as the guest sees them (made again when the
        real CPU's were replaced, as a reset does)."""
        real = self.cpu.sregs
        d = self.__dict__
        if d["_seen"] is not real:
            d["_seen"], d["_sregs"] = real, [_SegmentView(s) for s in real]
        return d["_sregs"]

    # -- the guest's privileged state ---------------------------------------
    @property
    def cpl(self) -> int:
        return self.vs.cpl

    def _set_cpl(self, cpl: int) -> None:
        vs = self.vs
        if cpl == vs.cpl:
            return
        vs.cpl = cpl
        self.cpu.cpl = vs.real_ring(cpl)
        if self.on_cpl is not None:
            self.on_cpl(cpl)

    @property
    def eflags(self) -> int:
        return self.vs.eflags(self.cpu.eflags)

    def get_eflags(self) -> int:
        return self.vs.eflags(self.cpu.get_eflags())

    def set_eflags(self, value: int, mask: int) -> None:
        """IF and IOPL to the guest's state, the rest to the real EFLAGS."""
        vs = self.vs
        if mask & IOPL:
            vs.iopl = (value & IOPL) >> 12
        if mask & IF:
            was = vs.iflag
            vs.iflag = bool(value & IF)
            if vs.iflag and not was and self.on_sti is not None:
                self.on_sti()
        self.cpu.set_eflags(value, mask & ~(IF | IOPL))

    @property
    def cr(self) -> list:
        return self.vs.cr

    @property
    def gdtr_base(self) -> int:
        return self.vs.gdtr[0]

    @property
    def gdtr_limit(self) -> int:
        return self.vs.gdtr[1]

    @property
    def idtr_base(self) -> int:
        return self.vs.idtr[0]

    @property
    def idtr_limit(self) -> int:
        return self.vs.idtr[1]

    @property
    def ldtr(self) -> Segment:
        base, limit = self.vs.ldt
        return Segment(self.vs.ldtr, base, limit, _LDT_RIGHTS)

    @property
    def tr(self) -> Segment:
        """The guest's TR; a 286 TSS when the guest's descriptor says so."""
        vs = self.vs
        base, limit = vs.tss
        rights = _TSS386_RIGHTS
        if not D.is_null(vs.tr):
            desc = self.descriptor(vs.tr)
            if desc is not None:
                rights = desc.hi & segments.RIGHTS_MASK
        return Segment(vs.tr, base, limit, rights)

    def descriptor(self, sel: int) -> D.Descriptor | None:
        """The guest's own descriptor of ``sel`` (None beyond its table)."""
        off = sel & 0xFFF8
        base, limit = self.vs.ldt if sel & 4 else self.vs.gdtr
        if off + 7 > limit:
            return None
        addr = (base + off) & 0xFFFFFFFF
        return D.Descriptor(self.read_linear(addr, 4, system=True),
                            self.read_linear(addr + 4, 4, system=True))

    # -- where the machine's results go ------------------------------------
    def set_segment(self, sreg: int, selector: int, base: int, limit: int,
                    rights: int) -> None:
        """The machine checked the guest's descriptor; the real register gets CP's
        shadow of it (same slot, in CP's GDT or LDT), selector compressed."""
        cpu = self.cpu
        if D.is_null(selector):
            cpu.set_segment(sreg, selector, 0, 0, _NULL)
            return
        real = compress(selector)
        desc, _ = segments.fetch(cpu, real)
        cpu.set_segment(sreg, real, desc.base, desc.limit,
                        (desc.hi | D.HI_ACCESSED) & segments.RIGHTS_MASK)

    def load_sreg(self, sreg: int, selector: int) -> None:
        segments.load_sreg(self, sreg, selector & 0xFFFF)

    def far_jump(self, selector: int, offset: int, osize: int) -> None:
        self._no_task(selector)
        segments.far_jump(self, selector, offset, osize)

    def far_call(self, selector: int, offset: int, osize: int) -> None:
        self._no_task(selector)
        segments.far_call(self, selector, offset, osize)

    def far_return(self, osize: int, release: int) -> None:
        segments.far_return(self, osize, release)

    def iret(self, osize: int) -> None:
        if self.cpu.eflags & (NT | VM):
            raise MachineError("IRET to another task or from V86 mode is not modelled under CP")
        size = osize // 8
        if size == 4 and self.read_stack(8, 4) & VM and self.vs.cpl == 0:
            raise MachineError("IRET to virtual-8086 mode is not modelled under CP")
        interrupts.iret(self, osize)

    def deliver(self, vector: int, error_code: int | None, soft: bool) -> None:
        """An interrupt or exception through the guest's IDT at the guest's CPL
        (PRM 9.6); a task gate there is not modelled."""
        self.cpu.halted = False
        vs = self.vs
        if vector * 8 + 7 <= vs.idtr[1]:
            addr = (vs.idtr[0] + vector * 8) & 0xFFFFFFFF
            hi = self.read_linear(addr + 4, 4, system=True)
            if not hi & 0x1000 and (hi >> 8) & 0xF == D.TASK_GATE:
                raise MachineError(f"a task gate for vector {vector:02X} is not modelled under CP")
        interrupts.deliver(self, vector, error_code, soft)

    def _no_task(self, selector: int) -> None:
        """Refuse a far transfer to a TSS or task gate (it is a task switch)."""
        if D.is_null(selector):
            return
        desc = self.descriptor(selector)
        if desc is not None and not desc.s and desc.type in (
                D.TASK_GATE, D.TSS286_AVAILABLE, D.TSS386_AVAILABLE):
            raise MachineError("a far JMP or CALL to a task is not modelled under CP")


def emulate(view: GuestView, ins) -> None:
    """Execute ``ins`` (with ``cpu.eip`` past it, as a handler runs) as the bare
    machine would at the guest's CPL; a fault it finds is raised as ``CPUFault``
    for CP to reflect, with the real CPU as it was before the instruction."""
    handler_for(ins)(view, ins)
