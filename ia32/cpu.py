"""The 80386 processor: registers, segment caches, memory access, the run loop.

What the other parts of ``ia32`` call (the contract):

State
    ``regs``        EAX ECX EDX EBX ESP EBP ESI EDI as a list of 8 ints (32 bits;
                    AL..BH and AX..DI are slices of these, see ``get_reg``)
    ``eip``         offset of the next instruction in CS. Inside a handler it already
                    points past the instruction; branches assign it.
    ``eflags``      EFLAGS except the six arithmetic flags, which are lazy (see
                    ``ia32.flags``): read them with ``get_eflags()``, write them
                    with ``set_eflags(value, mask)``.
    ``sregs``       six :class:`Segment` caches, index ES CS SS DS FS GS = 0..5
    ``gdtr_base/gdtr_limit``, ``idtr_base/idtr_limit``, ``ldtr``, ``tr``
                    (``ldtr``/``tr`` are :class:`Segment` caches too)
    ``cr``          CR0..CR7 (write through ``write_cr``), ``dr`` DR0..DR7
    ``cpl``         the current privilege level (a property: setting it switches
                    the TLB between the supervisor and user sets)
    ``halted``      after HLT until an interrupt; ``shutdown`` after a triple fault
    ``msrs``        model-specific registers (dict; ia32sys's RDMSR/WRMSR read it)

Wiring (set by the machine)
    ``memory``      an ``ia32.memory.Memory``
    ``io``          ``read(port, size) -> int``/``write(port, size, value)``, size
                    in bytes (ia32pc's ``ia32.iobus``); a null bus until set
    ``intr``        the INTR line (True while the PIC requests); set it freely
    ``int_ack``     a callable returning the vector of the interrupt being taken
    ``raise_nmi()`` latch an NMI; ``request_stop(reason)`` end ``run`` after the
                    current instruction with that stop reason (the exit port)

Where a virtual machine monitor plugs in (CP's IA-32 backend; None on a bare PC)
    ``intercept``   ``intercept(vector, error_code, soft) -> bool``, asked before
                    every delivery of an exception or interrupt: True means the
                    monitor takes it instead of the IDT (as a VMM's own ring-0
                    handlers would); ``run`` then ends with stop reason
                    ``"intercept"``, EIP at the faulting instruction (a fault) or
                    past it (INT n, INT3, INTO), nothing pushed.
    ``rewrite``     ``rewrite(cpu, ins) -> handler or None``, asked for each
                    instruction as a block is built (before it first runs, and again
                    after a write to its bytes): a handler ``handler(cpu, ins)``
                    replaces the instruction's own semantics and ends the block
                    (scanning and binary translation of guest kernel code).
    ``use_code_set(name)`` switch to a separate decode cache (e.g. one per guest
                    ring, so code rewritten for the kernel never runs in user mode)
    ``blocks_built``, ``code_invalidations``  counters: blocks decoded, and code
                    pages whose blocks a write dropped (a translator's statistics)

Memory access (sizes in bytes: 1, 2, 4)
    ``read_u8/u16/u32(sreg, offset)``, ``write_u8/u16/u32(sreg, offset, value)``:
    segmented, with the segment's limit and rights (#GP(0), or #SS(0) for SS) and
    paging (#PF). ``read_linear(lin, size, system=False)``,
    ``write_linear(lin, size, value, system=False)``: linear, paged;
    ``system=True`` is an implicit supervisor access (descriptor tables, TSS: PRM
    6.4.1.1). ``push(value, size)``/``pop(size)`` on SS:ESP or SS:SP per SS.B.

Where ia32sys plugs in (called here only in protected or V86 mode; real mode is
handled in this module)
    ``ia32.segments.load_sreg(cpu, sreg, selector)``: a protected-mode load with
        every check; it ends with ``cpu.set_segment(sreg, selector, base, limit,
        rights)``.
    ``ia32.segments.far_jump(cpu, selector, offset, osize)``,
    ``far_call(cpu, selector, offset, osize)``, ``far_return(cpu, osize, release)``
    and ``ia32.interrupts.iret(cpu, osize)``, ``ia32.interrupts.deliver(cpu,
        vector, error_code, soft)``: far transfers and interrupt delivery.
    ``ia32.paging.walk(...)``: the page walk behind the TLB (see ``translate``).
    ``ia32.tasks.io_permitted(cpu, port, size) -> bool``: the TSS I/O bitmap.
    The CPU calls them through ``cpu.load_sreg``, ``cpu.far_jump``, ``cpu.deliver``
    and so on, which is also what instruction handlers call.

The run loop (``run``) executes decoded instructions from a decode cache keyed by
linear address, checks INTR/NMI/TF/stop requests only when ``events`` is set, and
turns a :class:`CPUFault` into an exception delivered to the guest (double fault,
then shutdown, per PRM 9.8.8).
"""
from __future__ import annotations

import struct
from typing import Callable

from . import flags as F
from .blocks import MAX_INSTRUCTIONS, Block, cold_step, ends_block, successor, translate
from .decode import MAX_LENGTH, decode
from .errors import CPUFault, DB, DF, GP, NMI, PF, SS as SS_FAULT, CONTRIBUTORY
from .isa import fragment_for
from .memory import Memory
from .state import (CR0_ET, CR0_PE, CR0_PG, CR0_WP, CR4_PSE, CPU_SIGNATURE, CS, ESP, EDX,
                    RIGHTS_REAL, RIGHTS_V86, SS, Segment)

from . import interrupts, paging, segments, tasks

#: the 80386's code prefetch queue, in bytes (``CPU.leave_block``)
PREFETCH_QUEUE = 16

_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")

def _note_piece(pages: list, lpages: list | None, lp: int, frame: int, pa: int, n: int) -> None:
    """Add ``n`` instruction bytes at physical ``pa`` (linear page ``lp`` on
    ``frame``) to a block's ``pages`` (physical runs) and ``lpages``."""
    if lpages is not None and (not lpages or lpages[-1][0] != lp):
        lpages.append((lp, frame))
    if pages and pages[-1][0] + pages[-1][1] == pa and (pa & 0xFFF):
        pages[-1] = (pages[-1][0], pages[-1][1] + n)
    else:
        pages.append((pa, n))


class NullIO:
    """The I/O bus before the machine attaches one: reads float high, writes vanish."""

    def read(self, port: int, size: int) -> int:
        return (1 << (8 * size)) - 1

    def write(self, port: int, size: int, value: int) -> None:
        return None


class CPU:
    """An 80386 (with the 486/Pentium additions the issue lists); see the module doc."""

    def __init__(self, memory: Memory | None = None):
        self.memory = memory if memory is not None else Memory()
        self.ram = self.memory.ram
        self.io = NullIO()
        self.int_ack: Callable[[], int] = lambda: 0
        self.msrs: dict[int, int] = {}
        # TLBs: linear page -> physical page base, plain pages only (ia32.memory)
        self._tlb_sup_r: dict[int, int] = {}
        self._tlb_sup_w: dict[int, int] = {}
        self._tlb_user_r: dict[int, int] = {}
        self._tlb_user_w: dict[int, int] = {}
        # decode caches per code size: linear address -> Block (ia32.blocks); the
        # single-instruction blocks for stepping are kept apart
        self.dcaches: dict[int, dict] = {16: {}, 32: {}}
        self._singles: dict[int, dict] = {16: {}, 32: {}}
        #: name -> (dcaches, singles): the decode-cache sets (``use_code_set``)
        self._code_sets: dict = {None: (self.dcaches, self._singles)}
        #: the monitor's hooks (see the module docstring); None on a bare machine
        self.intercept: Callable[[int, int | None, bool], bool] | None = None
        self.rewrite: Callable | None = None
        #: this CPU's own ``ia32.blocks.HOT_AFTER`` (None: the module's); CP's IA-32
        #: backend compiles every block at once (1): the cold tier diverges there
        #: (Linux under CP triple-faults after 7.48M instructions with it), found at
        #: the session's end and not yet run down
        self.hot_after: int | None = None
        #: the (vector, error_code, soft) the last ``"intercept"`` stop took
        self.intercepted: tuple | None = None
        #: physical page -> (marks, keys): which bytes hold decoded instructions and
        #: the cache keys decoded from the page
        self._code_pages: dict[int, tuple[bytearray, list]] = {}
        #: (linear, eip, bits, flat, limit) -> (instruction, fragment, cold step,
        #: frame) of the instructions decoded (``_instruction``)
        self._decoded: dict = {}
        self.instructions = 0
        #: blocks built (decoded and compiled) and code pages whose blocks a write
        #: dropped, in every code set: what a monitor's translation counters read
        self.blocks_built = 0
        self.code_invalidations = 0
        #: the instruction count as the running instruction sees it: ``instructions``
        #: plus those done in the current ``run`` before it (see :meth:`now`)
        self.progress = 0
        self.reset()

    # -- reset ----------------------------------------------------------------
    def reset(self) -> None:
        """The state after RESET: 80386 PRM section 10.1, Table 10-1, and SDM Vol. 3
        9.1.1 (CS F000 with base FFFF0000, EIP FFF0, EFLAGS 2, EDX the signature,
        CR0 with only ET set, IDTR base 0 limit FFFF, DR6 FFFF0FF0, DR7 400)."""
        self.regs = [0] * 8
        self.regs[EDX] = CPU_SIGNATURE
        self.eip = 0xFFF0
        self.eflags = F.FIXED_ONE
        self.lres = 0
        self.lcv = 0
        self.lbits = 0
        self.sregs = [Segment() for _ in range(6)]
        self.sregs[CS].set(0xF000, 0xFFFF0000, 0xFFFF, RIGHTS_REAL)
        self.gdtr_base, self.gdtr_limit = 0, 0xFFFF
        self.idtr_base, self.idtr_limit = 0, 0xFFFF
        self.ldtr = Segment(0, 0, 0xFFFF, 0x8200)
        self.tr = Segment(0, 0, 0xFFFF, 0x8B00)
        self.cr = [CR0_ET, 0, 0, 0, 0, 0, 0, 0]
        self.dr = [0, 0, 0, 0, 0, 0, 0xFFFF0FF0, 0x400]
        self._cpl = 0
        self.rtlb = self._tlb_sup_r
        self.wtlb = self._tlb_sup_w
        self.halted = False
        self.shutdown = False
        self._intr = False
        self.nmi_pending = False
        self.in_nmi = False
        self.shadow = False
        self.stop_reason: str | None = None
        self.events = False
        self.tsc = 0
        #: (physical address, size) of the writes over decoded code since the run loop
        #: last looked (``leave_block``)
        self._smc: list = []
        self.flush_tlb()
        self.flush_code()

    # -- mode -----------------------------------------------------------------
    @property
    def protected(self) -> bool:
        """CR0.PE set and not in virtual-8086 mode."""
        return bool(self.cr[0] & CR0_PE) and not self.eflags & F.VM

    @property
    def v86(self) -> bool:
        return bool(self.eflags & F.VM)

    @property
    def cpl(self) -> int:
        return self._cpl

    @cpl.setter
    def cpl(self, value: int) -> None:
        self._cpl = value
        if value == 3:
            self.rtlb, self.wtlb = self._tlb_user_r, self._tlb_user_w
        else:
            self.rtlb, self.wtlb = self._tlb_sup_r, self._tlb_sup_w

    @property
    def code_bits(self) -> int:
        """The default operand and address size of the code segment (16 or 32)."""
        return 32 if self.sregs[CS].big and self.protected else 16

    # -- interrupt lines --------------------------------------------------------
    @property
    def intr(self) -> bool:
        return self._intr

    @intr.setter
    def intr(self, level: bool) -> None:
        self._intr = level
        if level:
            self.events = True

    def raise_nmi(self) -> None:
        self.nmi_pending = True
        self.events = True

    def request_stop(self, reason: str) -> None:
        """End ``run`` after the current instruction, returning ``reason``."""
        self.stop_reason = reason
        self.events = True

    # -- registers --------------------------------------------------------------
    def get_reg(self, n: int, bits: int) -> int:
        """Register ``n`` of size ``bits``: 8 -> AL CL DL BL AH CH DH BH, 16 -> AX..DI."""
        if bits == 32:
            return self.regs[n]
        if bits == 16:
            return self.regs[n] & 0xFFFF
        if n < 4:
            return self.regs[n] & 0xFF
        return (self.regs[n - 4] >> 8) & 0xFF

    def set_reg(self, n: int, bits: int, value: int) -> None:
        R = self.regs
        if bits == 32:
            R[n] = value & 0xFFFFFFFF
        elif bits == 16:
            R[n] = (R[n] & 0xFFFF0000) | (value & 0xFFFF)
        elif n < 4:
            R[n] = (R[n] & 0xFFFFFF00) | (value & 0xFF)
        else:
            R[n - 4] = (R[n - 4] & 0xFFFF00FF) | ((value & 0xFF) << 8)

    def get_eflags(self) -> int:
        """EFLAGS with the arithmetic flags computed from the lazy state."""
        if self.lbits:
            return (self.eflags & ~F.ARITH) | F.arith(self.lres, self.lcv, self.lbits)
        return self.eflags

    def materialize(self) -> None:
        """Fold the lazy arithmetic flags into ``eflags`` (``lbits`` becomes 0)."""
        if self.lbits:
            self.eflags = (self.eflags & ~F.ARITH) | F.arith(self.lres, self.lcv, self.lbits)
            self.lbits = 0

    def set_eflags(self, value: int, mask: int) -> None:
        """Write the EFLAGS bits in ``mask`` (the caller applies the IOPL/CPL/VM rules
        of POPF, IRET and task switches by choosing the mask). Bit 1 stays 1, the
        reserved bits 0. Changing IF, TF or VM makes the run loop look again."""
        self.materialize()
        mask &= F.IMPLEMENTED
        old = self.eflags
        new = ((old & ~mask) | (value & mask)) | F.FIXED_ONE
        self.eflags = new
        if (old ^ new) & (F.IF | F.TF | F.VM):
            self.events = True
            if (old ^ new) & F.VM:
                self.mode_changed()

    def cf(self) -> int:
        """CF (0 or 1) from the lazy state."""
        return (self.lcv >> self.lbits) & 1 if self.lbits else self.eflags & 1

    def mode_changed(self) -> None:
        """CR0.PE or EFLAGS.VM changed: V86 runs at CPL 3, and the code size follows CS."""
        if self.eflags & F.VM:
            self.cpl = 3
        elif not self.cr[0] & CR0_PE:
            self.cpl = 0
        self.events = True

    # -- control registers ----------------------------------------------------
    def write_cr(self, n: int, value: int) -> None:
        """Load CRn (MOV CRn, LMSW, CLTS, task switches): the TLB is flushed when the
        translation can change (CR0.PG/PE/WP, CR3, CR4), the decode cache only when
        more than the mapping changes (CR0, CR4): a block checks at entry that its
        linear pages still map to the frames it was decoded from, so a CR3 load (every
        process switch of a paging kernel) keeps the translations."""
        value &= 0xFFFFFFFF
        old = self.cr[n]
        if n == 0:
            value |= CR0_ET
        self.cr[n] = value
        if n == 3 or n == 4 or (n == 0 and (old ^ value) & (CR0_PG | CR0_PE | CR0_WP)):
            self.flush_tlb()
            if n != 3:
                self.flush_code()
        if n == 0 and (old ^ value) & CR0_PE:
            self.mode_changed()

    # -- segments ---------------------------------------------------------------
    def set_segment(self, sreg: int, selector: int, base: int, limit: int,
                    rights: int) -> None:
        """Fill a segment register's cache (after the checks of a protected-mode load)."""
        seg = self.sregs[sreg]
        if sreg == CS:
            self.events = True      # the run loop reads the CS base and size again
        flat = seg.flat
        seg.set(selector, base, limit, rights)
        if seg.flat != flat:
            self.flush_code()       # blocks assumed the old flatness (ia32.blocks)

    def load_sreg(self, sreg: int, selector: int) -> None:
        """MOV/POP Sreg, LDS..LGS: real and V86 mode set the base to selector*16
        (keeping the cached limit in real mode, PRM 14.1); protected mode is
        ``ia32.segments.load_sreg``."""
        selector &= 0xFFFF
        if self.cr[0] & CR0_PE and not self.eflags & F.VM:
            segments.load_sreg(self, sreg, selector)
            return
        seg = self.sregs[sreg]
        if self.eflags & F.VM:
            self.set_segment(sreg, selector, selector << 4, 0xFFFF, RIGHTS_V86)
        elif seg.base != selector << 4 or seg.flat:
            self.set_segment(sreg, selector, selector << 4, seg.limit, seg.rights)
        else:
            seg.selector = selector

    def far_jump(self, selector: int, offset: int, osize: int) -> None:
        if self.cr[0] & CR0_PE and not self.eflags & F.VM:
            segments.far_jump(self, selector, offset, osize)
            return
        self.load_sreg(CS, selector)
        self.eip = offset & (0xFFFFFFFF if osize == 32 else 0xFFFF)
        self.events = True

    def far_call(self, selector: int, offset: int, osize: int) -> None:
        if self.cr[0] & CR0_PE and not self.eflags & F.VM:
            segments.far_call(self, selector, offset, osize)
            return
        size = osize // 8
        self.push(self.sregs[CS].selector, size)
        self.push(self.eip, size)
        self.load_sreg(CS, selector)
        self.eip = offset & (0xFFFFFFFF if osize == 32 else 0xFFFF)
        self.events = True

    def far_return(self, osize: int, release: int) -> None:
        if self.cr[0] & CR0_PE and not self.eflags & F.VM:
            segments.far_return(self, osize, release)
            return
        size = osize // 8
        eip = self.read_stack(0, size)
        cs = self.read_stack(size, size) & 0xFFFF
        self.adjust_sp(2 * size + release)
        self.load_sreg(CS, cs)
        self.eip = eip
        self.events = True

    def iret(self, osize: int) -> None:
        """IRET: real mode pops IP, CS, FLAGS (PRM 17 IRET "real-address mode");
        protected and V86 mode are ``ia32.interrupts.iret``. Ends NMI blocking."""
        self.in_nmi = False
        if self.cr[0] & CR0_PE:
            interrupts.iret(self, osize)
            return
        size = osize // 8
        eip = self.read_stack(0, size)
        cs = self.read_stack(size, size) & 0xFFFF
        fl = self.read_stack(2 * size, size)
        self.adjust_sp(3 * size)
        self.load_sreg(CS, cs)
        self.eip = eip
        mask = 0xFFFF if size == 2 else 0x257FD5 & ~(F.VM | F.RF)
        self.set_eflags(fl, mask & F.IMPLEMENTED & ~(F.VM))
        self.events = True

    # -- interrupts -------------------------------------------------------------
    def deliver(self, vector: int, error_code: int | None, soft: bool) -> None:
        """Enter the handler of ``vector``. Real mode: push FLAGS, CS, IP and load
        CS:IP from the IVT at IDTR.base (PRM 14.1.4 "Interrupts and Exceptions");
        protected and V86 mode: ``ia32.interrupts.deliver``. ``soft`` for INT n,
        INT3 and INTO (the gate DPL check and V86 IOPL rule apply)."""
        self.halted = False
        if self.intercept is not None and self.intercept(vector, error_code, soft):
            self.intercepted = (vector, error_code, soft)
            self.request_stop("intercept")
            return
        if self.cr[0] & CR0_PE:
            interrupts.deliver(self, vector, error_code, soft)
            return
        if vector * 4 + 3 > self.idtr_limit:
            raise CPUFault(GP, vector * 8 + 2)
        entry = self.read_linear(self.idtr_base + vector * 4, 4, system=True)
        self.push(self.get_eflags() & 0xFFFF, 2)
        self.push(self.sregs[CS].selector, 2)
        self.push(self.eip & 0xFFFF, 2)
        self.eflags &= ~(F.IF | F.TF | F.AC | F.RF)
        self.load_sreg(CS, entry >> 16)
        self.eip = entry & 0xFFFF
        self.events = True

    def exception(self, fault: CPUFault) -> None:
        """Deliver a fault raised by an instruction (EIP already at its start), with
        the double-fault and shutdown rules of PRM 9.8.8 (Table 9-3)."""
        first = fault.vector
        try:
            self.deliver(first, fault.error_code, False)
            return
        except CPUFault as second:
            if first == DF:
                self._shutdown()
                return
            benign = not ((first in CONTRIBUTORY and second.vector in CONTRIBUTORY) or
                          (first == PF and (second.vector in CONTRIBUTORY
                                            or second.vector == PF)))
            nxt = second if benign else CPUFault(DF, 0)
        try:
            self.deliver(nxt.vector, nxt.error_code, False)
        except CPUFault:
            self._shutdown()

    def _shutdown(self) -> None:
        self.shutdown = True
        self.events = True

    def io_permitted(self, port: int, size: int) -> bool:
        """Whether IN/OUT/INS/OUTS may touch ``port`` .. ``port+size-1``: always in
        real mode and at CPL <= IOPL; otherwise (and always in V86 mode) as the TSS
        I/O bitmap says (``ia32.tasks.io_permitted``; PRM 8.3.1, 8.3.2)."""
        if not self.cr[0] & CR0_PE:
            return True
        if not self.eflags & F.VM and self._cpl <= (self.eflags & F.IOPL) >> 12:
            return True
        return tasks.io_permitted(self, port, size)

    # -- linear memory and the TLB --------------------------------------------
    def flush_tlb(self) -> None:
        """Forget every translation (CR3 load, paging on/off, task switch)."""
        for t in (self._tlb_sup_r, self._tlb_sup_w, self._tlb_user_r, self._tlb_user_w):
            t.clear()

    def invlpg(self, linear: int) -> None:
        """Forget the translations of the page holding ``linear`` (INVLPG). Decoded
        blocks stay: each checks its pages' mapping at entry (``_remapped``)."""
        page = (linear & 0xFFFFFFFF) >> 12
        for t in (self._tlb_sup_r, self._tlb_sup_w, self._tlb_user_r, self._tlb_user_w):
            t.pop(page, None)

    def translate(self, linear: int, write: bool, user: bool) -> int:
        """The physical address of ``linear`` for this access; raises #PF (with CR2
        set) through ``ia32.paging.walk`` when paging is on. Fills the TLB."""
        linear &= 0xFFFFFFFF
        page = linear >> 12
        cr0 = self.cr[0]
        if cr0 & CR0_PG:
            try:
                entry = paging.walk(self.memory.read_u32, self.memory.write_u32, self.cr[3],
                                    linear, write, user, bool(cr0 & CR0_WP),
                                    bool(self.cr[4] & CR4_PSE))
            except CPUFault as f:
                if f.vector == PF:
                    self.cr[2] = linear
                raise
            frame = entry & 0xFFFFF000
            mem = self.memory
            if mem.plain_read(frame >> 12):
                (self._tlb_user_r if user else self._tlb_sup_r)[page] = frame
            if paging.tlb_allows(entry, True, user, bool(cr0 & CR0_WP)) and \
                    mem.plain_write(frame >> 12):
                (self._tlb_user_w if user else self._tlb_sup_w)[page] = frame
            return frame | (linear & 0xFFF)
        frame = linear & 0xFFFFF000
        mem = self.memory
        if mem.plain_read(page):
            self._tlb_sup_r[page] = frame
            self._tlb_user_r[page] = frame
        if mem.plain_write(page):
            self._tlb_sup_w[page] = frame
            self._tlb_user_w[page] = frame
        return linear

    def read_linear(self, linear: int, size: int, system: bool = False) -> int:
        """Read ``size`` bytes at a linear address (paged; ``system``: as supervisor)."""
        linear &= 0xFFFFFFFF
        user = self._cpl == 3 and not system
        if (linear & 0xFFF) + size > 0x1000:
            lo = 0x1000 - (linear & 0xFFF)
            a = self.read_linear(linear, lo, system) if lo != 3 else (
                self.read_linear(linear, 1, system)
                | self.read_linear(linear + 1, 2, system) << 8)
            rest = size - lo
            b = self.read_linear(linear + lo, rest, system) if rest != 3 else (
                self.read_linear(linear + lo, 1, system)
                | self.read_linear(linear + lo + 1, 2, system) << 8)
            return a | (b << (8 * lo))
        return self.memory.read(self.translate(linear, False, user), size)

    def write_linear(self, linear: int, size: int, value: int, system: bool = False) -> None:
        """Write ``size`` bytes at a linear address (paged; ``system``: as supervisor).
        A write that crosses a page is checked on both pages before either is stored."""
        linear &= 0xFFFFFFFF
        user = self._cpl == 3 and not system
        if (linear & 0xFFF) + size > 0x1000:
            pas = [self.translate(linear + i, True, user) for i in range(size)]
            for i, pa in enumerate(pas):
                self.memory.write(pa, 1, value >> (8 * i))
            return
        self.memory.write(self.translate(linear, True, user), size, value)

    # -- segmented memory ---------------------------------------------------------
    def _seg_fault(self, sreg: int) -> CPUFault:
        return CPUFault(SS_FAULT if sreg == SS else GP, 0)

    def read_u8(self, sreg: int, off: int) -> int:
        seg = self.sregs[sreg]
        if off < seg.rlo or off > seg.rhi:
            raise self._seg_fault(sreg)
        lin = (seg.base + off) & 0xFFFFFFFF
        pb = self.rtlb.get(lin >> 12)
        if pb is not None:
            return self.ram[pb | (lin & 0xFFF)]
        return self.read_linear(lin, 1)

    def read_u16(self, sreg: int, off: int) -> int:
        seg = self.sregs[sreg]
        if off < seg.rlo or off + 1 > seg.rhi:
            raise self._seg_fault(sreg)
        lin = (seg.base + off) & 0xFFFFFFFF
        if lin & 0xFFF != 0xFFF:
            pb = self.rtlb.get(lin >> 12)
            if pb is not None:
                return _U16.unpack_from(self.ram, pb | (lin & 0xFFF))[0]
        return self.read_linear(lin, 2)

    def read_u32(self, sreg: int, off: int) -> int:
        seg = self.sregs[sreg]
        if off < seg.rlo or off + 3 > seg.rhi:
            raise self._seg_fault(sreg)
        lin = (seg.base + off) & 0xFFFFFFFF
        if lin & 0xFFF < 0xFFD:
            pb = self.rtlb.get(lin >> 12)
            if pb is not None:
                return _U32.unpack_from(self.ram, pb | (lin & 0xFFF))[0]
        return self.read_linear(lin, 4)

    def write_u8(self, sreg: int, off: int, value: int) -> None:
        seg = self.sregs[sreg]
        if off < seg.wlo or off > seg.whi:
            raise self._seg_fault(sreg)
        lin = (seg.base + off) & 0xFFFFFFFF
        pb = self.wtlb.get(lin >> 12)
        if pb is not None:
            self.ram[pb | (lin & 0xFFF)] = value & 0xFF
            return
        self.write_linear(lin, 1, value)

    def write_u16(self, sreg: int, off: int, value: int) -> None:
        seg = self.sregs[sreg]
        if off < seg.wlo or off + 1 > seg.whi:
            raise self._seg_fault(sreg)
        lin = (seg.base + off) & 0xFFFFFFFF
        if lin & 0xFFF != 0xFFF:
            pb = self.wtlb.get(lin >> 12)
            if pb is not None:
                _U16.pack_into(self.ram, pb | (lin & 0xFFF), value & 0xFFFF)
                return
        self.write_linear(lin, 2, value)

    def write_u32(self, sreg: int, off: int, value: int) -> None:
        seg = self.sregs[sreg]
        if off < seg.wlo or off + 3 > seg.whi:
            raise self._seg_fault(sreg)
        lin = (seg.base + off) & 0xFFFFFFFF
        if lin & 0xFFF < 0xFFD:
            pb = self.wtlb.get(lin >> 12)
            if pb is not None:
                _U32.pack_into(self.ram, pb | (lin & 0xFFF), value & 0xFFFFFFFF)
                return
        self.write_linear(lin, 4, value)

    def read(self, sreg: int, off: int, size: int) -> int:
        """Segmented read of ``size`` bytes (1, 2, 4)."""
        if size == 4:
            return self.read_u32(sreg, off)
        if size == 2:
            return self.read_u16(sreg, off)
        return self.read_u8(sreg, off)

    def write(self, sreg: int, off: int, size: int, value: int) -> None:
        """Segmented write of ``size`` bytes (1, 2, 4)."""
        if size == 4:
            self.write_u32(sreg, off, value)
        elif size == 2:
            self.write_u16(sreg, off, value)
        else:
            self.write_u8(sreg, off, value)

    def check_write(self, sreg: int, off: int, size: int) -> None:
        """Fault now (#GP/#SS/#PF) if a later write of ``size`` bytes would fault,
        for instructions that must not change anything when they fault."""
        seg = self.sregs[sreg]
        if off < seg.wlo or off + size - 1 > seg.whi:
            raise self._seg_fault(sreg)
        lin = (seg.base + off) & 0xFFFFFFFF
        user = self._cpl == 3
        self.translate(lin, True, user)
        if (lin & 0xFFF) + size > 0x1000:
            self.translate(lin + size - 1, True, user)

    # -- stack --------------------------------------------------------------------
    def push(self, value: int, size: int) -> None:
        """Push ``size`` bytes on SS:ESP (SS.B=1) or SS:SP; ESP changes only if the
        store succeeds."""
        R = self.regs
        if self.sregs[SS].big:
            sp = (R[ESP] - size) & 0xFFFFFFFF
            self.write(SS, sp, size, value)
            R[ESP] = sp
        else:
            sp = (R[ESP] - size) & 0xFFFF
            self.write(SS, sp, size, value)
            R[ESP] = (R[ESP] & 0xFFFF0000) | sp

    def pop(self, size: int) -> int:
        """Pop ``size`` bytes from the stack."""
        R = self.regs
        if self.sregs[SS].big:
            value = self.read(SS, R[ESP], size)
            R[ESP] = (R[ESP] + size) & 0xFFFFFFFF
        else:
            sp = R[ESP] & 0xFFFF
            value = self.read(SS, sp, size)
            R[ESP] = (R[ESP] & 0xFFFF0000) | ((sp + size) & 0xFFFF)
        return value

    def read_stack(self, offset: int, size: int) -> int:
        """Read ``size`` bytes at stack top + ``offset`` without popping."""
        sp = self.regs[ESP]
        if self.sregs[SS].big:
            return self.read(SS, (sp + offset) & 0xFFFFFFFF, size)
        return self.read(SS, (sp + offset) & 0xFFFF, size)

    def adjust_sp(self, delta: int) -> None:
        """Add ``delta`` to ESP (SS.B=1) or SP."""
        R = self.regs
        if self.sregs[SS].big:
            R[ESP] = (R[ESP] + delta) & 0xFFFFFFFF
        else:
            R[ESP] = (R[ESP] & 0xFFFF0000) | ((R[ESP] + delta) & 0xFFFF)

    # -- decode cache -------------------------------------------------------------
    def flush_code(self) -> None:
        """Forget every decoded instruction (translation changed), in every code set."""
        for dcaches, singles in self._code_sets.values():
            for c in list(dcaches.values()) + list(singles.values()):
                c.clear()
        self._decoded.clear()
        for page in self._code_pages:
            self.memory.unwatch(page, self._code_written)
        self._code_pages.clear()

    def use_code_set(self, name) -> None:
        """Run from decode-cache set ``name`` (made empty on first use; None is the
        machine's own). Blocks are cached by linear address alone, so a monitor
        whose ``rewrite`` treats guest rings differently keeps one set per ring
        and switches at each ring change it makes."""
        sets = self._code_sets
        if name not in sets:
            sets[name] = ({16: {}, 32: {}}, {16: {}, 32: {}})
        self.dcaches, self._singles = sets[name]
        self.events = True

    def _code_written(self, addr: int, size: int) -> None:
        """A write hit a page holding decoded instructions: if it overlapped one,
        drop every instruction decoded from the page (self-modifying code)."""
        page = addr >> 12
        entry = self._code_pages.get(page)
        if entry is None:
            return
        marks, keys = entry
        off = addr & 0xFFF
        if not any(marks[off:off + size]):
            return
        for cache, key in keys:
            cache.pop(key, None)
        del self._code_pages[page]
        self.code_invalidations += 1
        self.memory.unwatch(page, self._code_written)
        self._smc.append((addr, size))
        self.events = True      # a running block asks leave_block after this instruction

    def leave_block(self, nxt: int) -> bool:
        """Asked by a block after an instruction that wrote memory while ``events`` is
        set: whether it must stop before CS:``nxt``. It goes on (running the bytes it
        decoded) only when every write over decoded code since the run loop last
        looked lies in the 16 bytes from CS:nxt, the 80386's prefetch queue (80386
        Hardware Reference Manual, "Instruction Prefetch Queue"; SDM Vol. 3 8.1.3:
        only a jump is sure to make such a store seen); any other event stops it."""
        if not self._smc:
            return True
        lin = (self.sregs[CS].base + nxt) & 0xFFFFFFFF
        frame = self.rtlb.get(lin >> 12)
        if frame is None:
            return True
        pa = frame | (lin & 0xFFF)
        return any(not (pa <= a and a + n <= pa + PREFETCH_QUEUE) for a, n in self._smc)

    def _note_code(self, pages: list, cache: dict, key: int) -> None:
        """Record that the instruction cached at ``key`` came from bytes ``pages``
        (physical address, length) so writes there invalidate it."""
        for pa, n in pages:
            page = pa >> 12
            entry = self._code_pages.get(page)
            if entry is None:
                entry = (bytearray(4096), [])
                self._code_pages[page] = entry
                self.memory.watch(page, self._code_written)
                base = page << 12
                for t in (self._tlb_sup_w, self._tlb_user_w):
                    for lp in [lp for lp, pb in t.items() if pb == base]:
                        del t[lp]
            marks, keys = entry
            off = pa & 0xFFF
            marks[off:off + n] = b"\x01" * n
            keys.append((cache, key))

    def _decode_at(self, eip: int, bits: int, pages: list, lpages: list | None = None):
        """Decode the instruction at CS:eip, noting the physical bytes it came from
        (and, in ``lpages``, each (linear page, frame) pair it touched)."""
        cs = self.sregs[CS]
        base = cs.base
        limit = cs.limit
        user = self._cpl == 3
        tlb = self._tlb_user_r if user else self._tlb_sup_r
        lin = (base + eip) & 0xFFFFFFFF
        frame = tlb.get(lin >> 12)
        end = eip + MAX_LENGTH - 1
        if frame is not None and (lin & 0xFFF) <= 0x1000 - MAX_LENGTH and end <= limit and \
                (bits == 32 or end <= 0xFFFF):
            # the longest instruction fits in this page and the segment: decode from RAM
            pa = frame | (lin & 0xFFF)
            ins = decode(self.ram[pa:pa + MAX_LENGTH], eip, bits)
            _note_piece(pages, lpages, lin >> 12, frame, pa, ins.length)
            return ins

        def fetch(i: int) -> int:
            off = eip + i
            if bits == 16:
                off &= 0xFFFF
            if off > limit:
                raise CPUFault(GP, 0)
            lin = (base + off) & 0xFFFFFFFF
            frame = tlb.get(lin >> 12)      # a TLB hit: the walk already set A
            pa = frame | (lin & 0xFFF) if frame is not None else \
                self.translate(lin, False, user)
            if lpages is not None and (not lpages or lpages[-1][0] != lin >> 12):
                lpages.append((lin >> 12, pa & 0xFFFFF000))
            if pages and pages[-1][0] + pages[-1][1] == pa and (pa & 0xFFF):
                pages[-1] = (pages[-1][0], pages[-1][1] + 1)
            else:
                pages.append((pa, 1))
            return self.memory.read(pa, 1)

        return decode(fetch, eip, bits)

    def _build(self, eip: int, single: bool) -> Block:
        """Translate the block at CS:eip (one instruction if ``single``) and cache it."""
        bits = self.code_bits
        cs = self.sregs[CS]
        base, limit = cs.base, cs.limit
        key = (base + eip) & 0xFFFFFFFF
        pages: list = []
        lpages: list = []
        flat = sum(1 << n for n, seg in enumerate(self.sregs) if seg.flat)
        rewrite = self.rewrite
        mask = 0xFFFFFFFF if bits == 32 else 0xFFFF
        items: list = []
        steps: list = []
        override = None
        nxt = eip
        while True:
            cr2 = self.cr[2]
            try:
                ins, frag, step = self._instruction(nxt, base, bits, flat, limit, pages, lpages)
            except CPUFault:
                if not items:
                    raise
                self.cr[2] = cr2    # it will fault when it runs, as the first of a block
                break
            if rewrite is not None:
                override = rewrite(self, ins)
                if override is not None:
                    items.append((ins, None))
                    steps.append(None)
                    break
            items.append((ins, frag))
            steps.append(step)
            if single or len(items) >= MAX_INSTRUCTIONS or ends_block(ins, frag):
                break
            nxt = successor(ins, mask)
            if ((base + nxt) ^ key) & ~0xFFF:
                break
        block = translate(items, base, bits, override, limit, steps)
        block.pages = tuple(dict.fromkeys(lpages))
        self.blocks_built += 1
        block.lp, block.frame = block.pages[0]
        block.split = len(block.pages) > 1
        cache = self._singles[bits] if single else self.dcaches[bits]
        cache[key] = block
        self._note_code(pages, cache, key)
        return block

    def _instruction(self, eip: int, base: int, bits: int, flat: int, limit: int,
                     pages: list, lpages: list) -> tuple:
        """(instruction, fragment, cold step) at CS:eip, noting its bytes in ``pages``
        and ``lpages`` as ``_decode_at`` does. Instructions within one page are kept
        (``_decoded``, dropped with the blocks when their bytes are written), so the
        blocks that share an instruction (each branch target starts one) decode it
        once while its linear page maps to the same frame."""
        lin = (base + eip) & 0xFFFFFFFF
        ck = (lin, eip, bits, flat, limit)
        tlb = self._tlb_user_r if self._cpl == 3 else self._tlb_sup_r
        hit = self._decoded.get(ck)
        if hit is not None and tlb.get(lin >> 12) == hit[3]:
            ins, frag, step, frame = hit
            _note_piece(pages, lpages, lin >> 12, frame, frame | (lin & 0xFFF), ins.length)
            return ins, frag, step
        ins = self._decode_at(eip, bits, pages, lpages)
        ins.flat = flat
        frag = fragment_for(ins)
        step = None if frag is None else cold_step(ins, frag, bits, limit)
        frame = tlb.get(lin >> 12)
        if frame is not None and (lin & 0xFFF) + ins.length <= 0x1000:
            self._decoded[ck] = (ins, frag, step, frame)
            self._note_code([(frame | (lin & 0xFFF), ins.length)], self._decoded, ck)
        return ins, frag, step

    def _remapped(self, block: Block) -> bool:
        """Whether a linear page of ``block`` no longer maps to the frame it was decoded
        from (or no longer maps at all), so the block must be decoded again. Paging
        on only; a fault here is left for the decode to raise at the right
        instruction."""
        tlb = self._tlb_user_r if self._cpl == 3 else self._tlb_sup_r
        for lp, frame in block.pages:
            if tlb.get(lp) != frame:
                cr2 = self.cr[2]
                try:
                    if self.translate(lp << 12, False, self._cpl == 3) != frame:
                        return True
                except CPUFault:
                    self.cr[2] = cr2
                    return True
        return False

    def now(self) -> int:
        """Instructions executed before the one running now (or all of them between
        runs): the time base of RDTSC and of the devices' clock, exact for the
        instructions that can observe it."""
        return self.progress

    # -- the run loop -------------------------------------------------------------
    def run(self, budget: int) -> str:
        """Execute up to ``budget`` instructions; the stop reason:

        ``"limit"``     the budget ran out
        ``"hlt"``       the processor is halted (HLT) and no interrupt woke it; the
                        machine advances its devices and calls ``run`` again, or stops
                        for good if IF=0
        ``"shutdown"``  a fault while delivering a double fault (PRM 9.8.8)
        reason          whatever ``request_stop(reason)`` asked for (``"exit"``)

        ``instructions`` counts the instructions executed (a faulting one too).
        """
        done = 0
        start = self.instructions
        while done < budget:
            if self.events:
                self.events = False
                self.progress = start + done
                reason = self._service()
                if reason is not None:
                    self.instructions += done
                    self.progress = self.instructions
                    return reason
                if self.shadow or self.eflags & F.TF:   # one instruction, then look again
                    self.shadow = False
                    self.progress = start + done
                    done += self._step()
                    self.events = True
                    continue
            done += self._burst(budget - done, start + done)
        self.instructions += done
        self.progress = self.instructions
        return "limit"

    def _burst(self, k: int, start: int) -> int:
        """The hot loop: up to ``k`` instructions, block by block, leaving early when
        ``events`` is set (every change of CS sets it, so the CS base is read once).
        ``start`` is the instruction count before the burst; ``progress`` is kept at
        the count of the block's last instruction, the only one that can read the
        time (I/O, RDTSC and MMIO handlers have no fragment, so they end blocks).
        Returns the number of instructions executed."""
        left = k
        cache = self.dcaches[self.code_bits]
        base = self.sregs[CS].base
        limit = self.sregs[CS].limit
        get = cache.get
        cr = self.cr
        while left > 0:
            b = get((base + self.eip) & 0xFFFFFFFF)
            try:
                if b is None or b.base != base or b.limit != limit or cr[0] & CR0_PG and (
                        self.rtlb.get(b.lp) != b.frame or b.split) and self._remapped(b):
                    b = self._build(self.eip, False)
                if b.count > left:
                    self.progress = start + k - left
                    return k - left + self._step()
                self.progress = start + k - left + b.count - 1
                left -= b.run(self)
            except CPUFault as f:
                if b is None or b.base != base:     # the decode faulted
                    left -= 1
                else:
                    i = b.index_at(f.__traceback__)
                    self.eip = b.starts[i]
                    left -= i + 1
                self.exception(f)
            if self.events:
                break
        return k - left

    def _step(self) -> int:
        """One instruction (the end of a budget, single-step trap, interrupt shadow)."""
        tf = self.eflags & F.TF
        eip = self.eip
        try:
            cs = self.sregs[CS]
            base = cs.base
            b = self._singles[self.code_bits].get((base + eip) & 0xFFFFFFFF)
            if b is None or b.base != base or b.limit != cs.limit or \
                    self.cr[0] & CR0_PG and self._remapped(b):
                b = self._build(eip, True)
            b.run(self)
        except CPUFault as f:
            self.eip = eip
            self.exception(f)
            return 1
        if tf and self.eflags & F.TF:   # INT n and the like clear TF: no trap after them
            self.dr[6] |= 0x4000
            self.exception(CPUFault(DB))
        return 1

    def _service(self) -> str | None:
        """Handle what set ``events``: a stop reason, or None to go on. Interrupts are
        taken here, at an instruction boundary, unless the previous instruction
        inhibits them (``shadow``: STI, MOV SS, POP SS; PRM 9.x)."""
        self._smc.clear()
        if self.shutdown:
            return "shutdown"
        if self.stop_reason is not None:
            reason, self.stop_reason = self.stop_reason, None
            return reason
        if not self.shadow:
            if self.nmi_pending and not self.in_nmi:
                self.nmi_pending = False
                self.in_nmi = True
                self.halted = False
                self.exception(CPUFault(NMI))
            elif self._intr and self.eflags & F.IF:
                self.halted = False
                self._intr = False   # the PIC raises the line again if more is pending
                vector = self.int_ack()
                try:
                    self.deliver(vector, None, False)
                except CPUFault as f:
                    self.exception(f)
        if self.shutdown:
            return "shutdown"
        if self.halted:
            self.events = True
            return "hlt"
        return None
