"""SET VMMODE PARAVIRT: the hypercalls an IA-32 guest kernel makes instead of
privileged instructions, CP's side (the ABI a guest author follows is
docs/hypercalls.md; the designs are Xen's and Denali's, ../shared/reference/
ia32-virtualization.md section 4).

A paravirtual guest kernel runs at real ring 1 and knows it is virtualized. It
asks CP with ``INT 82h`` (Xen's 32-bit ABI): EAX the call number, EBX ECX EDX
ESI EDI the arguments, EAX the result (>= 0) or a negative error code (Linux
errno values, as Xen's). Everything a call touches is validated against the
VM's own memory first: a pointer outside it is ``-EFAULT`` and a page-table
entry that would map a frame the VM does not own, or reach CP's region at the
top 4M (``CP_BASE``), is ``-EPERM``; nothing outside the guest is ever read or
written.

What lives here is the machine-independent half, per VM (``Paravirt``): the
hypercalls, the validated page tables (Xen's frame types: a frame that is a page
table of the current directory is never mapped writable, so the guest's tables
are read-only to it and every change is a validated ``mmu_update``), the trap
table, the event channels with Denali's queued, coalesced delivery, the one-shot
timer, the idle call, the console and the block ring. The other half is the
real CPU the guest runs on, reached only through the ``host`` each call gets
(``PVHost`` below): cp/backends/ia32_paravirt.py is one, running the guest with
direct paging on a real ia32 CPU.
"""
from __future__ import annotations

import struct
from typing import Protocol

from .ia32_vstate import CP_BASE, VirtualState

# ------------------------------------------------------------------ the ABI
#: the software-interrupt vector of a hypercall (Xen's TRAP_INSTR "int $0x82");
#: taken by CP from ring 1 only
HYPERCALL_VECTOR = 0x82

#: hypercall numbers (Xen's xen.h numbers where Xen has the call; 48 up are
#: s370vm's own, where Xen's architecture-specific calls start)
SET_TRAP_TABLE, MMU_UPDATE, STACK_SWITCH, SET_CALLBACKS = 0, 1, 3, 4
SCHED_OP, SET_TIMER_OP, CONSOLE_IO, MMUEXT_OP = 6, 15, 18, 26
BLOCK_OP = 48
NAMES = {SET_TRAP_TABLE: "set_trap_table", MMU_UPDATE: "mmu_update",
         STACK_SWITCH: "stack_switch", SET_CALLBACKS: "set_callbacks", SCHED_OP: "sched_op",
         SET_TIMER_OP: "set_timer_op", CONSOLE_IO: "console_io", MMUEXT_OP: "mmuext_op",
         BLOCK_OP: "block_op"}

#: errors, returned negated in EAX (Linux errno numbers, as Xen's)
EPERM, EFAULT, EINVAL, ENOSYS, EIO, ENODEV, E2BIG = 1, 14, 22, 38, 5, 19, 7

#: sched_op commands (Xen's SCHEDOP_yield, _block, _shutdown)
SCHEDOP_YIELD, SCHEDOP_BLOCK, SCHEDOP_SHUTDOWN = 0, 1, 2
#: sched_op block's timeout meaning "no deadline"
NO_TIMEOUT = 0xFFFFFFFF
#: console_io commands (Xen's CONSOLEIO_write, _read)
CONSOLEIO_WRITE, CONSOLEIO_READ = 0, 1
#: mmuext_op commands (Xen's MMUEXT_NEW_BASEPTR, TLB_FLUSH_LOCAL, INVLPG_LOCAL)
MMUEXT_NEW_BASEPTR, MMUEXT_TLB_FLUSH, MMUEXT_INVLPG = 5, 6, 7
#: block_op commands: register the ring page, process the queued requests
BLKOP_SETUP, BLKOP_NOTIFY = 0, 1

#: the most a batch (mmu_update) or a console transfer may carry per call
MAX_BATCH = 1024
MAX_CONSOLE = 4096

#: event channels: fixed ports bound by CP at IPL (a 32-bit pending word)
EVT_TIMER, EVT_CONSOLE, EVT_DISK, EVT_NET = 0, 1, 2, 3
PORTS = 8

#: the shared info page (Denali's virtual registers, Xen's shared_info) at
#: guest-physical 0: system information CP writes, the event words both write
SHARED_INFO = 0x0000
SI_MAGIC, SI_VERSION, SI_MEMORY, SI_FRAMES, SI_SPEED = 0x00, 0x04, 0x08, 0x0C, 0x10
SI_TIME, SI_TIMER, SI_CR2 = 0x18, 0x20, 0x28
SI_UPCALL_MASK, SI_UPCALL_PENDING = 0x2C, 0x2D
SI_PENDING, SI_MASK, SI_ORDER = 0x30, 0x34, 0x38
SI_RAISED, SI_COALESCED = 0x40, 0x60
SI_USERID = 0x80
SI_NET = 0x90           # 0x90-0xBF: the network card's configuration (MAC, addresses)
MAGIC = 0x31495650      # "PVI1"
VERSION = 1
#: the guest's entry state: EAX = ENTRY_MAGIC, EBX = the shared info page
ENTRY_MAGIC = 0x2BAD5056

#: the block ring (one page the guest registers): header, then RING_SLOTS requests
RING_REQ_PROD, RING_RSP_PROD = 0x00, 0x04
RING_FIRST, RING_SLOT, RING_SLOTS = 0x40, 16, 32
BLK_READ, BLK_WRITE = 0, 1
SECTOR = 512

#: page-table entry bits (80386 PRM 5.2.4)
PTE_P, PTE_W, PTE_PS = 0x1, 0x2, 0x80
PAGE = 4096
#: the page-directory slots of CP's region (never the guest's to set)
CP_PDE_FIRST = CP_BASE >> 22
#: trap_info flags: bits 0-1 the gate's DPL; bit 2 set the event mask on entry
TI_DPL, TI_MASK_EVENTS = 0x3, 0x4
#: CP's flat selectors for a paravirtual guest (Xen's FLAT_RING1_CS and so on,
#: at the bare kernel's own slots): ring-1 code and data, ring-3 code and data
KERNEL_CS, KERNEL_DS, USER_CS, USER_DS = 0x09, 0x11, 0x1B, 0x23
CODE_SELECTORS = (KERNEL_CS, USER_CS)

_U32 = struct.Struct("<I")
_PAIR = struct.Struct("<II")
_TRAP = struct.Struct("<BBHI")
_REQ = struct.Struct("<BBHIII")


class PVHost(Protocol):
    """What the hypercalls need of the machine the guest runs on."""
    #: the real CPU (``regs``, ``cpl``); the guest's physical memory (its frames)
    cpu: object
    mem: bytearray

    def now_ns(self) -> int: ...
    def load_baseptr(self, pd: int) -> None:
        """Translate through the (validated) directory at guest-physical ``pd``."""
    def flush_tlb(self) -> None: ...
    def set_gate(self, vector: int, selector: int, offset: int, dpl: int) -> None:
        """A real trap gate for ``vector`` to the guest's handler (fast path)."""
    def clear_gates(self) -> None: ...
    def set_kernel_stack(self, ss: int, esp: int) -> None:
        """The ring-1 stack of a ring 3 -> 1 transition (the real TSS's SS1:ESP1)."""
    def console_write(self, data: bytes) -> None: ...
    def console_read(self, n: int) -> bytes: ...
    def shutdown(self, code: int) -> None: ...


class HypercallError(Exception):
    """A refused hypercall: ``errno`` goes back negated in EAX."""

    def __init__(self, errno: int):
        super().__init__(errno)
        self.errno = errno


def _check(ok: bool, errno: int) -> None:
    if not ok:
        raise HypercallError(errno)


class Paravirt:
    """One paravirtual VM's CP-side state (see the module docstring)."""

    def __init__(self, memory_size: int, userid: str = "", disk=None,
                 vstate: VirtualState | None = None):
        self.size = memory_size
        self.frames = memory_size // PAGE
        self.userid = userid
        self.vstate = vstate if vstate is not None else VirtualState()
        #: the disk: a binary file object (``seek``/``read``/``write``) or None
        self.disk = disk
        self.reset()

    def reset(self) -> None:
        """The state at IPL: the guest's kernel at its CPL 0 (real ring 1), in
        protected mode, paging not yet on."""
        self.vstate.reset()
        self.vstate.cr[0] |= 1
        self.baseptr: int | None = None
        #: frame -> True for the directory and every table it points at (Xen's
        #: page-table type); frame -> count of writable mappings of it
        self.pt_frames: dict[int, bool] = {}
        self.writable: dict[int, int] = {}
        #: vector -> (selector, offset, flags): the registered trap table
        self.traps: dict[int, tuple[int, int, int]] = {}
        self.kernel_stack: tuple[int, int] | None = None
        self.callback: tuple[int, int] | None = None
        self.failsafe: tuple[int, int] | None = None
        self.timer_deadline = 0                 # ns of the VM's clock; 0: none
        self.blocked = False                    # in sched_op block
        self.block_deadline: int | None = None
        self.timed_out = False
        self.ring: int | None = None            # guest-physical block ring page
        self.calls: dict[str, int] = {}
        self.events_raised = 0
        #: ports in the order they became pending (Denali's queue, no repeats)
        self.order: list[int] = []

    # ------------------------------------------------------ guest memory
    def _range(self, addr: int, n: int) -> None:
        _check(0 <= addr and n >= 0 and addr + n <= self.size, EFAULT)

    def _u32(self, mem, addr: int) -> int:
        return _U32.unpack_from(mem, addr)[0]

    # --------------------------------------------------------- dispatch
    def hypercall(self, host: PVHost) -> None:
        """Perform the call in the real CPU's registers; the result in EAX."""
        regs = host.cpu.regs
        number = regs[0]
        fn = _CALLS.get(number)
        name = NAMES.get(number, "unknown")
        self.calls[name] = self.calls.get(name, 0) + 1
        try:
            if fn is None:
                raise HypercallError(ENOSYS)
            result = fn(self, host, regs[3], regs[1], regs[2], regs[6], regs[7])
        except HypercallError as e:
            result = -e.errno
        regs[0] = result & 0xFFFFFFFF
        self.refresh(host)

    # ------------------------------------------------------ shared info
    def refresh(self, host: PVHost) -> None:
        """Bring the shared info page's system information up to date (CP writes
        these before every entry to the guest; the guest's own writes to them
        are undone, hurting only itself, as in Denali)."""
        mem = host.mem
        struct.pack_into("<IIIII", mem, SHARED_INFO, MAGIC, VERSION, self.size, self.frames,
                         100_000)           # 100 MIPS: ia32.devices.clock's 10 ns
        struct.pack_into("<QQ", mem, SHARED_INFO + SI_TIME, host.now_ns(), self.timer_deadline)
        uid = self.userid.encode("ascii", "replace")[:8].ljust(8)
        mem[SHARED_INFO + SI_USERID:SHARED_INFO + SI_USERID + 8] = uid
        pending = self._u32(mem, SHARED_INFO + SI_PENDING)
        self.order = [p for p in self.order if pending >> p & 1]
        order = bytes(self.order) + b"\xFF" * (PORTS - len(self.order))
        mem[SHARED_INFO + SI_ORDER:SHARED_INFO + SI_ORDER + PORTS] = order

    def set_cr2(self, host: PVHost, address: int) -> None:
        """A page fault's address, where the guest's handler can read it (Xen 3's
        virtual CR2: ring 1 cannot MOV from CR2)."""
        _U32.pack_into(host.mem, SHARED_INFO + SI_CR2, address & 0xFFFFFFFF)
        self.vstate.cr[2] = address & 0xFFFFFFFF

    # ----------------------------------------------------------- events
    def raise_event(self, host: PVHost, port: int) -> None:
        """An event for the guest (timer, console input, disk completion, network
        frame). If the channel is already pending it is coalesced: one pending
        bit says "something happened recently", the count says how much
        (Denali's queued virtual interrupts). Delivered as one upcall when the VM
        next runs with events unmasked."""
        mem = host.mem
        base = SHARED_INFO
        self.events_raised += 1
        raised = base + SI_RAISED + 4 * port
        _U32.pack_into(mem, raised, (self._u32(mem, raised) + 1) & 0xFFFFFFFF)
        pending = self._u32(mem, base + SI_PENDING)
        if pending >> port & 1:
            co = base + SI_COALESCED + 4 * port
            _U32.pack_into(mem, co, (self._u32(mem, co) + 1) & 0xFFFFFFFF)
            return
        _U32.pack_into(mem, base + SI_PENDING, pending | 1 << port)
        self.order = [p for p in self.order if pending >> p & 1] + [port]
        if not self._u32(mem, base + SI_MASK) >> port & 1:
            mem[base + SI_UPCALL_PENDING] = 1
            self.blocked = False                # an idle call ends (a masked one: not)

    def upcall_due(self, host: PVHost) -> bool:
        """Whether an unmasked event waits and the guest's events are enabled."""
        mem = host.mem
        return bool(mem[SHARED_INFO + SI_UPCALL_PENDING] and not mem[SHARED_INFO + SI_UPCALL_MASK]
                    and self.callback is not None)

    def take_upcall(self, host: PVHost) -> tuple[int, int]:
        """CP enters the event callback: the mask set (the guest's handler clears
        it when done, Xen's evtchn_upcall_mask) and the upcall-pending flag off.
        Returns (selector, offset) of the callback."""
        mem = host.mem
        mem[SHARED_INFO + SI_UPCALL_MASK] = 1
        mem[SHARED_INFO + SI_UPCALL_PENDING] = 0
        self.refresh(host)
        return self.callback

    def tick(self, host: PVHost) -> None:
        """Called by the host as the VM's clock passes: the one-shot timer fires
        once at its deadline; an idle call's deadline ends the idle."""
        now = host.now_ns()
        if self.timer_deadline and now >= self.timer_deadline:
            self.timer_deadline = 0
            self.raise_event(host, EVT_TIMER)
        if self.blocked and self.block_deadline is not None and now >= self.block_deadline:
            self.blocked = False
            self.timed_out = True
            host.cpu.regs[0] = 1

    def next_deadline(self) -> int | None:
        """The next time (ns) something happens for this VM by itself."""
        times = [t for t in (self.timer_deadline or None, self.block_deadline if self.blocked
                             else None) if t is not None]
        return min(times) if times else None

    # ------------------------------------------------------ page tables
    def _pte_ok(self, entry: int) -> None:
        if entry & PTE_P:
            frame = entry >> 12
            _check(frame < self.frames, EPERM)              # not the VM's: CP's, another's
            _check(not (entry & PTE_W and frame in self.pt_frames), EPERM)

    def _pde_ok(self, index: int, entry: int) -> None:
        if not entry & PTE_P:
            return
        _check(index < CP_PDE_FIRST, EPERM)
        _check(not entry & PTE_PS, EINVAL)
        frame = entry >> 12
        _check(frame < self.frames, EPERM)
        _check(frame != self.baseptr >> 12, EPERM)           # the directory as a table
        _check(not self.writable.get(frame), EPERM)         # already writable somewhere

    def _scan(self, mem, pd: int) -> tuple[dict, dict]:
        """The page-table frames and writable mappings of the directory at ``pd``,
        validated as a whole (a new base pointer); HypercallError if any entry
        is refused."""
        tables = {pd >> 12: True}
        pdes = struct.unpack_from("<1024I", mem, pd)
        for i, e in enumerate(pdes):
            if e & PTE_P:
                _check(i < CP_PDE_FIRST, EPERM)
                _check(not e & PTE_PS, EINVAL)
                _check(e >> 12 < self.frames and e >> 12 != pd >> 12, EPERM)
                tables[e >> 12] = True
        writable: dict[int, int] = {}
        for t in tables:
            if t == pd >> 12:
                continue
            for e in struct.unpack_from("<1024I", mem, t << 12):
                if e & PTE_P:
                    frame = e >> 12
                    _check(frame < self.frames, EPERM)
                    if e & PTE_W:
                        _check(frame not in tables, EPERM)
                        writable[frame] = writable.get(frame, 0) + 1
        return tables, writable

    def new_baseptr(self, host: PVHost, pd: int) -> int:
        """Switch to the directory at guest-physical ``pd`` (page aligned), after
        validating all of it; nothing changes when an entry is refused."""
        _check(pd & 0xFFF == 0, EINVAL)
        self._range(pd, PAGE)
        self.pt_frames, self.writable = self._scan(host.mem, pd)
        self.baseptr = pd
        vs = self.vstate
        vs.cr[3] = pd
        vs.cr[0] |= 0x80010001              # PG, WP, PE: the guest now translates
        host.load_baseptr(pd)
        return 0

    def mmu_update(self, host: PVHost, reqs: int, count: int, done: int) -> int:
        """Apply ``count`` (ptr, val) requests at ``reqs``: write entry ``val`` at
        guest-physical ``ptr`` of a page table of the current directory, each
        validated. On a refused entry the ones before it stay applied, the
        number applied goes to ``done`` (if not 0) and the error is returned."""
        mem = host.mem
        _check(self.baseptr is not None, EINVAL)
        _check(0 <= count <= MAX_BATCH, E2BIG)
        self._range(reqs, 8 * count)
        if done:
            self._range(done, 4)
        applied = 0
        try:
            for i in range(count):
                ptr, val = _PAIR.unpack_from(mem, reqs + 8 * i)
                self._update_one(mem, ptr, val)
                applied += 1
        finally:
            if done:
                _U32.pack_into(mem, done, applied)
            if applied:
                host.flush_tlb()
        return 0

    def _update_one(self, mem, ptr: int, val: int) -> None:
        _check(ptr & 3 == 0, EINVAL)
        self._range(ptr, 4)
        table = ptr >> 12
        _check(table in self.pt_frames, EINVAL)             # not a page table
        old = self._u32(mem, ptr)
        if table == self.baseptr >> 12:
            self._pde_ok((ptr & 0xFFF) >> 2, val)
            if val & PTE_P:
                new = val >> 12
                if new not in self.pt_frames:               # a new table: all of it valid
                    self.pt_frames[new] = True
                    try:
                        for e in struct.unpack_from("<1024I", mem, new << 12):
                            self._pte_ok(e)
                    except HypercallError:
                        del self.pt_frames[new]
                        raise
                    for e in struct.unpack_from("<1024I", mem, new << 12):
                        if e & PTE_P and e & PTE_W:
                            self._count(e >> 12, 1)
            _U32.pack_into(mem, ptr, val)
            if old & PTE_P and (not val & PTE_P or old >> 12 != val >> 12):
                self._rescan(mem)
            return
        self._pte_ok(val)
        if old & PTE_P and old & PTE_W:
            self._count(old >> 12, -1)
        if val & PTE_P and val & PTE_W:
            self._count(val >> 12, 1)
        _U32.pack_into(mem, ptr, val)

    def _count(self, frame: int, delta: int) -> None:
        n = self.writable.get(frame, 0) + delta
        if n:
            self.writable[frame] = n
        else:
            self.writable.pop(frame, None)

    def _rescan(self, mem) -> None:
        """A table left the directory: recount which frames are tables."""
        self.pt_frames, self.writable = self._scan(mem, self.baseptr)


# ---------------------------------------------------------------- the calls
def _set_trap_table(pv: Paravirt, host: PVHost, table: int, *_) -> int:
    """Register the guest's handlers: entries {u8 vector, u8 flags, u16 cs,
    u32 address}, ended by an address of 0. All are checked before any is used:
    the handler's CS must be one of CP's guest code selectors (never ring 0),
    its address below CP's region, and the hypercall vector stays CP's. A
    software-interrupt vector (32 and up) with DPL 3 gets a real trap gate: the
    system call reaches the guest's handler without an exit (Xen's fast trap).
    Table 0 clears the trap table."""
    mem = host.mem
    traps: dict[int, tuple[int, int, int]] = {}
    if table:
        for i in range(257):
            pv._range(table + 8 * i, 8)
            vector, flags, cs, address = _TRAP.unpack_from(mem, table + 8 * i)
            if address == 0:
                break
            _check(i < 256, E2BIG)
            _check(vector != HYPERCALL_VECTOR, EPERM)
            _check(cs in CODE_SELECTORS and address < CP_BASE, EPERM)
            _check(flags & ~(TI_DPL | TI_MASK_EVENTS) == 0, EINVAL)
            traps[vector] = (cs, address, flags)
    pv.traps = traps
    host.clear_gates()
    for vector, (cs, address, flags) in traps.items():
        if vector >= 32 and flags & TI_DPL == 3:
            host.set_gate(vector, cs, address, 3)
    return 0


def _mmu_update(pv: Paravirt, host: PVHost, reqs: int, count: int, done: int, *_) -> int:
    return pv.mmu_update(host, reqs, count, done)


def _stack_switch(pv: Paravirt, host: PVHost, ss: int, esp: int, *_) -> int:
    """The ring-1 stack for the next ring 3 -> 1 entry (a process switch): SS must
    be CP's ring-1 data selector and ESP below CP's region."""
    _check(ss == KERNEL_DS and esp <= CP_BASE, EPERM)
    pv.kernel_stack = (ss, esp)
    host.set_kernel_stack(ss, esp)
    return 0


def _set_callbacks(pv: Paravirt, host: PVHost, event_cs: int, event_eip: int,
                   failsafe_cs: int, failsafe_eip: int, *_) -> int:
    """The event upcall's entry and the failsafe one (Xen's set_callbacks): CS
    the ring-1 code selector, addresses below CP's region."""
    for cs, eip in ((event_cs, event_eip), (failsafe_cs, failsafe_eip)):
        _check(cs == KERNEL_CS and eip < CP_BASE, EPERM)
    pv.callback = (event_cs, event_eip)
    pv.failsafe = (failsafe_cs, failsafe_eip)
    return 0


def _sched_op(pv: Paravirt, host: PVHost, cmd: int, arg: int, *_) -> int:
    """Yield; block (Denali's idle with timeout: ``arg`` microseconds, NO_TIMEOUT
    for none) with events unmasked atomically (Xen's SCHEDOP_block: no lost
    wake-up): returns 0 when an event ended it (the upcall follows), 1 when the
    deadline did; shutdown with exit code ``arg``."""
    if cmd == SCHEDOP_YIELD:
        return 0
    if cmd == SCHEDOP_BLOCK:
        mem = host.mem
        mem[SHARED_INFO + SI_UPCALL_MASK] = 0
        pv.timed_out = False
        if mem[SHARED_INFO + SI_UPCALL_PENDING]:
            return 0
        pv.blocked = True
        pv.block_deadline = None if arg == NO_TIMEOUT else host.now_ns() + arg * 1000
        return 0
    if cmd == SCHEDOP_SHUTDOWN:
        host.shutdown(arg & 0xFF)
        return 0
    raise HypercallError(EINVAL)


def _set_timer_op(pv: Paravirt, host: PVHost, lo: int, hi: int, *_) -> int:
    """A one-shot timer event at absolute system time (ns since IPL, two
    halves); 0 cancels; a time already past fires at once."""
    pv.timer_deadline = hi << 32 | lo
    pv.tick(host)
    return 0


def _console_io(pv: Paravirt, host: PVHost, cmd: int, count: int, buf: int, *_) -> int:
    """Write ``count`` bytes at ``buf`` to the console, or read up to ``count``
    typed bytes into it; returns the number of bytes."""
    _check(0 <= count <= MAX_CONSOLE, E2BIG)
    pv._range(buf, count)
    mem = host.mem
    if cmd == CONSOLEIO_WRITE:
        host.console_write(bytes(mem[buf:buf + count]))
        return count
    if cmd == CONSOLEIO_READ:
        got = host.console_read(count)[:count]
        mem[buf:buf + len(got)] = got
        return len(got)
    raise HypercallError(EINVAL)


def _mmuext_op(pv: Paravirt, host: PVHost, cmd: int, arg: int, *_) -> int:
    """NEW_BASEPTR (arg: the directory), TLB_FLUSH, INVLPG (arg: the address)."""
    if cmd == MMUEXT_NEW_BASEPTR:
        return pv.new_baseptr(host, arg)
    if cmd in (MMUEXT_TLB_FLUSH, MMUEXT_INVLPG):
        host.flush_tlb()
        return 0
    raise HypercallError(EINVAL)


def _block_op(pv: Paravirt, host: PVHost, cmd: int, arg: int, *_) -> int:
    """SETUP: the ring is the page at guest-physical ``arg``. NOTIFY: CP takes
    the requests the guest produced since the last one (read or write of
    ``count`` 512-byte sectors between the disk file and a guest buffer), writes
    each one's status in its slot, advances the response index and raises the
    disk event; returns the number processed."""
    if cmd == BLKOP_SETUP:
        _check(arg & 0xFFF == 0, EINVAL)
        pv._range(arg, PAGE)
        _check(pv.disk is not None, ENODEV)
        pv.ring = arg
        return 0
    _check(cmd == BLKOP_NOTIFY, EINVAL)
    _check(pv.ring is not None, EINVAL)
    mem = host.mem
    ring = pv.ring
    prod = pv._u32(mem, ring + RING_REQ_PROD)
    cons = pv._u32(mem, ring + RING_RSP_PROD)
    _check((prod - cons) & 0xFFFFFFFF <= RING_SLOTS, EINVAL)
    done = 0
    while cons != prod:
        slot = ring + RING_FIRST + RING_SLOT * (cons % RING_SLOTS)
        op, _, count, sector, buf, ident = _REQ.unpack_from(mem, slot)
        mem[slot + 1] = _block_io(pv, mem, op, sector, count, buf)
        cons = (cons + 1) & 0xFFFFFFFF
        done += 1
    _U32.pack_into(mem, ring + RING_RSP_PROD, cons)
    if done:
        pv.raise_event(host, EVT_DISK)
    return done


def _block_io(pv: Paravirt, mem, op: int, sector: int, count: int, buf: int) -> int:
    """One request; its status byte (0 done, else the errno)."""
    n = count * SECTOR
    if op not in (BLK_READ, BLK_WRITE) or not 0 < count <= PAGE // SECTOR:
        return EINVAL
    if buf < 0 or buf + n > pv.size:
        return EFAULT
    disk = pv.disk
    disk.seek(0, 2)
    if (sector + count) * SECTOR > disk.tell():
        return EIO
    disk.seek(sector * SECTOR)
    if op == BLK_READ:
        mem[buf:buf + n] = disk.read(n)
    else:
        disk.write(bytes(mem[buf:buf + n]))
    return 0


_CALLS = {SET_TRAP_TABLE: _set_trap_table, MMU_UPDATE: _mmu_update,
          STACK_SWITCH: _stack_switch, SET_CALLBACKS: _set_callbacks, SCHED_OP: _sched_op,
          SET_TIMER_OP: _set_timer_op, CONSOLE_IO: _console_io, MMUEXT_OP: _mmuext_op,
          BLOCK_OP: _block_op}
