"""SET VMMODE PARAVIRT's machine: a paravirtual guest on a real (emulated) ia32
CPU, the host side of the hypercalls in ia32_hypercalls.py.

What differs from trap-and-emulate (the guest knows, so CP hides nothing):

* **Direct paging, as Xen's.** The real CR3 is CP's copy of the guest's page
  directory (CP's region in the last slot, ``CP_BASE``), and the guest's own
  page tables are the real ones: every entry was validated by ``mmu_update`` or
  ``new_baseptr`` (own frames only, page tables never writable), so no shadow
  tables and no page-table write traps. Before the guest's first
  ``new_baseptr`` CP's identity map of the guest's memory stands in for paging
  off. Real CR0.WP is on, so ring 1 honours read-only pages.
* **CP's descriptor tables only.** The guest loads no GDT: it uses CP's flat
  selectors (``KERNEL_CS``.. in ia32_hypercalls, Xen's FLAT_RING1_CS), whose
  limit ends below CP's region (segment truncation keeps ring 1 out of it). The
  real IDT holds the guest's registered trap table; CP's intercept takes every
  vector except a registered system-call vector (the fast path: the real CPU
  enters the guest's handler through a ring-1 trap gate, no exit) and reflects
  exceptions through the same gates with the CPU's own delivery.
* **Events, not interrupts.** No PIC and no PIT: the one-shot timer, console
  input and disk completion are event channels, delivered as an upcall (an
  interrupt frame on the guest's ring-1 stack, entry at the registered
  callback) when the VM runs with events unmasked; while it does not, they queue
  and coalesce (Denali).
* **Idle is free.** ``sched_op`` block takes the VM off the CPU until an event or
  its deadline: the run loop skips the VM's clock instead of executing.
"""
from __future__ import annotations

import struct
from collections import deque
from typing import Callable

from ia32 import interrupts
from ia32.cpu import CPU
from ia32.devices.clock import Clock, instructions_until
from ia32.errors import CPUFault, MachineError, PF
from ia32.loaders.multiboot import kernel_segments
from ia32.loaders import read_image
from ia32.memory import Memory
from ia32.state import CR0_ET, CR0_PE, CR0_PG, CR0_WP, CS, DS, EAX, EBX, ES, FS, GS, SS

from . import ia32_hypercalls as hc
from .ia32_vstate import CP_BASE, CP_GDT, CP_IDT, CP_TSS

PAGE = 4096
#: a burst ends at the next deadline or after this many instructions (100 us)
MAX_BURST = 10_000
#: CP's region in real memory, after the guest's: its page table, its page
#: directory, the GDT, IDT and TSS pages, then the identity map's tables
CP_PT, CP_PD, CP_GDT_PAGE, CP_IDT_PAGE, CP_TSS_PAGE, CP_IDENTITY = range(6)
#: the real IDT slot CP enters an upcall through (written, used, restored)
UPCALL_VECTOR = 0xFF
TSS_SELECTOR = 0x28
_FLAT_LIMIT = (CP_BASE - 1) & 0xFFFFFFFF
#: CP's GDT: null, ring-1 code and data, ring-3 code and data (base 0, limit
#: below CP_BASE, 4K granular, 32-bit), then the TSS (filled in at reset)
GDT = (0, 0x00CFBA000000FBFF, 0x00CFB2000000FBFF, 0x00CFFA000000FBFF, 0x00CFF2000000FBFF)
#: the cached rights of those segments (descriptor bits 8-23, accessed)
KERNEL_CODE_RIGHTS, KERNEL_DATA_RIGHTS = 0xCFBB00, 0xCFB300
_PAGE_BITS = 0x3                        # present, writable, supervisor (CP's own)


class ParavirtMachine:
    """One paravirtual VM on its own real CPU (see the module docstring); the
    ``host`` of ia32_hypercalls.Paravirt."""

    def __init__(self, memory_size: int, userid: str = "", disk=None,
                 output: Callable[[bytes], None] | None = None, cpu: CPU | None = None,
                 vstate=None):
        """``cpu``: the real CPU to run on (CP's IA-32 backend's, whose memory
        has room for CP's region after the guest's), else a new one; ``vstate``:
        the backend's VirtualState, where the guest's CR0 and CR3 are kept."""
        if memory_size < 2 * PAGE or memory_size % PAGE or memory_size > CP_BASE:
            raise MachineError(f"memory size {memory_size} is not a multiple of 4K below "
                               f"CP's region")
        self.size = memory_size
        identity = -(-memory_size // (4 << 20))
        self.cp_base = memory_size
        need = memory_size + (CP_IDENTITY + identity) * PAGE
        if cpu is None:
            cpu = CPU(Memory(need))
        elif cpu.memory.size < need:
            raise MachineError(f"no room for CP's paravirtual region after {memory_size} bytes")
        self.memory = cpu.memory
        self.cpu = cpu
        cpu.intercept = self._intercept
        self.mem = memoryview(self.memory.ram)[:memory_size]
        self.clock = Clock(cpu.now)
        self.pv = hc.Paravirt(memory_size, userid, disk, vstate)
        self.console = bytearray()
        self._output = output
        self.input: deque[int] = deque()
        self.exit_code: int | None = None
        self.crashed: str | None = None
        self.exits: dict[str, int] = {}
        self.idle_ns = 0
        self.fast = set()                   # vectors the real CPU delivers itself
        self.fast_calls = 0                 # system calls it delivered (no exit)
        self._build_cp_region(identity)

    # --------------------------------------------------------- CP's region
    def _phys(self, page: int) -> int:
        return self.cp_base + page * PAGE

    def _build_cp_region(self, identity: int) -> None:
        """CP's page table (its GDT, IDT, TSS at their linear addresses), the GDT,
        the TSS, and the identity map of the guest's memory (paging off)."""
        ram = self.memory.ram
        ram[self.cp_base:self.cp_base + CP_IDENTITY * PAGE] = bytes(CP_IDENTITY * PAGE)
        pt = self._phys(CP_PT)
        for linear, page in ((CP_GDT, CP_GDT_PAGE), (CP_IDT, CP_IDT_PAGE), (CP_TSS, CP_TSS_PAGE)):
            index = (linear - CP_BASE) >> 12
            struct.pack_into("<I", ram, pt + 4 * index, self._phys(page) | _PAGE_BITS)
        gdt = self._phys(CP_GDT_PAGE)
        tss = (0x0000890000000067 | (CP_TSS & 0xFFFFFF) << 16 | (CP_TSS >> 24) << 56)
        struct.pack_into("<6Q", ram, gdt, *GDT, tss)
        self.identity = []
        for t in range(identity):
            table = self._phys(CP_IDENTITY + t)
            for i in range(1024):
                frame = (t << 10) + i
                if frame < self.size >> 12:
                    struct.pack_into("<I", ram, table + 4 * i, frame << 12 | _PAGE_BITS)
            self.identity.append(table | _PAGE_BITS)

    def _set_directory(self, entries) -> None:
        """Fill CP's page directory: ``entries`` for slots 0-1022, CP's table in
        the last; load it."""
        pd = self._phys(CP_PD)
        ram = self.memory.ram
        struct.pack_into("<1023I", ram, pd, *entries)
        struct.pack_into("<I", ram, pd + 4092, self._phys(CP_PT) | _PAGE_BITS)
        self.cpu.write_cr(3, pd)
        self.cpu.flush_tlb()

    # ------------------------------------------------------------------ IPL
    def ipl(self, path: str) -> None:
        """Load a paravirtual Multiboot kernel (the same header as the bare
        kernel's) and enter it at ring 1: EAX = ENTRY_MAGIC, EBX = the shared
        info page, CP's flat ring-1 selectors, CP's identity map."""
        data = read_image(path, self.size)
        entry, segments = kernel_segments(path, data)
        for seg in segments:
            if seg.addr < PAGE or seg.addr + seg.memsz > self.size:
                raise MachineError(f"{path}: a segment at {seg.addr:#x} does not fit in "
                                   f"the virtual machine's memory")
            self.mem[seg.addr:seg.addr + seg.memsz] = seg.data + bytes(seg.memsz - len(seg.data))
        self.start(entry)

    def start(self, entry: int) -> None:
        """The paravirtual entry state at ``entry`` (see ``ipl``)."""
        cpu = self.cpu
        cpu.reset()
        cpu.gdtr_base, cpu.gdtr_limit = CP_GDT, 6 * 8 - 1
        cpu.idtr_base, cpu.idtr_limit = CP_IDT, 256 * 8 - 1
        cpu.tr.set(TSS_SELECTOR, CP_TSS, 103, 0x8B00)
        identity = self.identity + [0] * (1023 - len(self.identity))
        self._set_directory(identity)
        cpu.write_cr(0, CR0_PE | CR0_ET | CR0_PG | CR0_WP)
        cpu.set_segment(CS, hc.KERNEL_CS, 0, _FLAT_LIMIT, KERNEL_CODE_RIGHTS)
        for sreg in (ES, SS, DS, FS, GS):
            cpu.set_segment(sreg, hc.KERNEL_DS, 0, _FLAT_LIMIT, KERNEL_DATA_RIGHTS)
        cpu.cpl = 1
        cpu.eip = entry
        cpu.regs[EAX] = hc.ENTRY_MAGIC
        cpu.regs[EBX] = hc.SHARED_INFO
        self.pv.reset()
        self.pv.refresh(self)

    # ------------------------------------------------- the PVHost interface
    def now_ns(self) -> int:
        return self.clock.now()

    def load_baseptr(self, pd: int) -> None:
        self._set_directory(struct.unpack_from("<1023I", self.mem, pd))

    def flush_tlb(self) -> None:
        """The guest changed its tables: CP's copy of the directory follows."""
        pd = self.pv.baseptr
        if pd is not None:
            self.load_baseptr(pd)
        else:
            self.cpu.flush_tlb()

    def _gate_at(self, vector: int) -> int:
        return self._phys(CP_IDT_PAGE) + 8 * vector

    def _write_gate(self, vector: int, selector: int, offset: int, dpl: int) -> None:
        """A 32-bit trap gate (keeps EFLAGS.IF: the guest's interrupt flag is the
        event mask, never the real one)."""
        struct.pack_into("<HHBBH", self.memory.ram, self._gate_at(vector), offset & 0xFFFF,
                         selector, 0, 0x8F | dpl << 5, offset >> 16)

    def set_gate(self, vector: int, selector: int, offset: int, dpl: int) -> None:
        self._write_gate(vector, selector, offset, dpl)
        self.fast.add(vector)

    def clear_gates(self) -> None:
        """Only the registered handlers: every real gate the trap table defines,
        none else; fast vectors are set again by the caller."""
        ram = self.memory.ram
        base = self._gate_at(0)
        ram[base:base + 256 * 8] = bytes(256 * 8)
        self.fast.clear()
        for vector, (cs, address, flags) in self.pv.traps.items():
            self._write_gate(vector, cs, address, flags & hc.TI_DPL)

    def set_kernel_stack(self, ss: int, esp: int) -> None:
        struct.pack_into("<II", self.memory.ram, self._phys(CP_TSS_PAGE) + 12, esp, ss)

    def console_write(self, data: bytes) -> None:
        self.console += data
        if self._output is not None:
            self._output(data)

    def console_read(self, n: int) -> bytes:
        got = bytes(self.input.popleft() for _ in range(min(n, len(self.input))))
        return got

    def type_input(self, data: bytes) -> None:
        """Bytes typed at the VM's console: the console event."""
        self.input.extend(data)
        self.pv.raise_event(self, hc.EVT_CONSOLE)

    def shutdown(self, code: int) -> None:
        self.exit_code = (code << 1) | 1            # as the bare PC's exit port
        self.cpu.request_stop("exit")

    # ------------------------------------------------------------- running
    def _intercept(self, vector: int, error_code, soft: bool) -> bool:
        """Every vector to CP but the fast system-call path (counted: the CPU
        asks before every delivery, so the count costs no exit)."""
        if soft and vector in self.fast:
            self.fast_calls += 1
            return False
        return True

    def _count(self, name: str) -> None:
        self.exits[name] = self.exits.get(name, 0) + 1

    def run(self, limit: int, under_cp: bool = False) -> str:
        """Run up to ``limit`` instructions of virtual time (idle time counts as
        the instructions it stands for, as the bare PC's halt); the stop:
        "exit", "limit", "wait" (idle with nothing to end it) or "crash".
        ``under_cp``: CP's dispatcher decides about idle time and
        performs the hypercalls (``hypercall``): the run stops at an idle call
        ("blocked") and before each hypercall ("hypercall")."""
        cpu = self.cpu
        pv = self.pv
        end = self.clock.now() + limit * 10
        while True:
            if self.exit_code is not None:
                return "exit"
            if self.crashed is not None:
                return "crash"
            pv.tick(self)
            if pv.blocked:
                if under_cp:
                    return "blocked"
                deadline = pv.next_deadline()
                if deadline is None:
                    return "wait"
                self._skip_to(min(deadline, end))
                if deadline >= end:
                    return "limit"
                continue
            if self.clock.now() >= end:
                return "limit"
            if pv.upcall_due(self):
                self._upcall()
                continue
            n = min(instructions_until(self.clock, pv.next_deadline()) or MAX_BURST, MAX_BURST,
                    instructions_until(self.clock, end))
            stop = cpu.run(n)
            if stop == "intercept":
                if under_cp and self._is_hypercall(*cpu.intercepted):
                    return "hypercall"
                self._handle(*cpu.intercepted)
            elif stop == "shutdown":
                self.crashed = "triple fault"
            elif stop == "hlt":         # cannot happen at ring 1 (HLT is privileged)
                self.crashed = "halted"

    def _is_hypercall(self, vector: int, error_code, soft: bool) -> bool:
        return soft and vector == hc.HYPERCALL_VECTOR and self.cpu.cpl == 1

    def hypercall(self) -> None:
        """Perform the hypercall in the registers (after an INT 82h from ring 1)."""
        self._count("hypercall")
        self.pv.hypercall(self)

    def _handle(self, vector: int, error_code, soft: bool) -> None:
        cpu = self.cpu
        if self._is_hypercall(vector, error_code, soft):
            self.hypercall()
            return
        self._count("reflect")
        if vector == PF and not soft:
            self.pv.set_cr2(self, cpu.cr[2])
        self._reflect(vector, error_code, soft)

    def _reflect(self, vector: int, error_code, soft: bool) -> None:
        """Through the guest's own gate, with the CPU's own delivery rules; a
        fault on the way is reflected in turn (its handler missing: the failsafe
        callback, else the VM has crashed)."""
        cpu = self.cpu
        for _ in range(3):
            try:
                interrupts.deliver(cpu, vector, error_code, soft)
                flags = self.pv.traps.get(vector, (0, 0, 0))[2]
                if flags & hc.TI_MASK_EVENTS:
                    self.mem[hc.SHARED_INFO + hc.SI_UPCALL_MASK] = 1
                return
            except CPUFault as f:
                vector, error_code, soft = f.vector, f.error_code, False
        failsafe = self.pv.failsafe
        if failsafe is not None and self._enter(failsafe):
            return
        self.crashed = f"exception {vector} with no handler"

    def _upcall(self) -> None:
        """The event callback, entered as an interrupt at ring 1."""
        self._count("upcall")
        if not self._enter(self.pv.take_upcall(self)):
            self.crashed = "event callback cannot be entered"

    def _enter(self, target: tuple[int, int]) -> bool:
        """Enter ``target`` (selector, offset) as the CPU enters an interrupt
        handler, through CP's scratch gate."""
        ram = self.memory.ram
        at = self._gate_at(UPCALL_VECTOR)
        saved = bytes(ram[at:at + 8])
        self._write_gate(UPCALL_VECTOR, target[0], target[1], 1)
        try:
            interrupts.deliver(self.cpu, UPCALL_VECTOR, None, False)
            return True
        except CPUFault:
            return False
        finally:
            ram[at:at + 8] = saved

    def idle(self) -> bool:
        """Off the CPU in an idle call, nothing else running: let the VM's time
        pass to its next deadline. False when none can end the idle."""
        deadline = self.pv.next_deadline()
        if deadline is None:
            return False
        self._skip_to(deadline)
        self.pv.tick(self)
        return True

    def _skip_to(self, ns: int) -> None:
        """Idle time: the VM's clock moves on without executing."""
        self.idle_ns += max(0, ns - self.clock.now())
        self.clock.skip_to(ns)

    def instructions_to_deadline(self) -> int | None:
        """Instructions of the VM's time until its next deadline (None: none)."""
        deadline = self.pv.next_deadline()
        if deadline is None:
            return None
        return max(0, -(-(deadline - self.clock.now()) // 10))

    def console_text(self) -> str:
        return self.console.decode("latin-1")
