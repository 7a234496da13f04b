"""The IA-32 backend: a virtual IA-32 PC under the same CP core (issue 23).

A logged-on IA-32 VM runs on a real (emulated) 80386 of its own, always in
protected mode with paging through CP's shadow tables and CP's descriptor
tables loaded (ia32_cpu.py); the guest kernel runs deprivileged at real ring 1,
its user code at ring 3 (ia32_vstate.py states the conventions). What traps
comes back to CP as a neutral exit (base.py):

=====================  ===========================================================
real event             exit
=====================  ===========================================================
#GP of an emulated     INSTRUCTION: ``simulate`` runs ia32_emulate.EMULATORS against
instruction            the virtual state and the virtual devices (ia32_vdev.py)
HLT at guest CPL 0     WAIT: the VM waits; the virtual IF decides if it can wake
#PF                    none when the shadow tables just lacked the entry (a hidden
                       fault, filled in ``run``, counted); PROGRAM "page-fault"
                       when the guest's own tables fault (ia32_shadow.py)
INT n, INT3, INTO      SYSCALL, reflected through the guest's IDT (ia32_reflect.py)
any other exception    PROGRAM, reflected
a virtual interrupt    EXTERNAL when the 8259 requests and the guest's IF is set
=====================  ===========================================================

How a virtualization mode plugs in (SET VMMODE; the mode object is
``backend.mode``, made by ``MODE_CLASSES[name](backend)`` at each IPL, after CP's
frame is on the real CPU):

* ``mode.view``: None for NAIVE, which reflects with what the real hardware
  state shows (frames with CS RPL 1, the real IF 1 and IOPL 0; INT n's gate
  checked against the real CPL) and lets IRET and POPF run natively, so they
  keep the real IF: the Popek and Goldberg failures the tests assert. SCAN and
  TRANSLATE give their ia32_sensitive.GuestView: reflection then goes through
  it (the guest's CPL, IF, IOPL, GDT and TSS: what the bare machine pushes).
* ``mode.attach()`` installs the mode's ``CPU.rewrite`` hook (None for NAIVE);
  ``mode.sync()`` runs before each burst (the decode-cache set of the ring the
  guest is in); ``mode.stats()`` goes into the report (``translated_blocks``).
* A rewritten instruction that traps to CP (SCAN) stops the CPU with
  ia32_scan.STOP; the backend makes it an INSTRUCTION exit (counted under its
  mnemonic) and ``simulate`` calls ``mode.impl.simulate()``. A translated
  privileged instruction calls ``backend.privileged_callout(cpu, ins)``: the
  emulation of ia32_emulate.py (``emulate(backend, ins)``: ``backend.cpu`` the
  real CPU with ``cpu.eip`` past the instruction, ``backend.vstate`` the
  virtual CPU) inside the translated block, no exit; what must leave the block
  (HLT) raises #GP(0) and takes CP's trap path. ``backend.on_sti()`` (the
  guest's IF went from 0 to 1) ends the burst so a pending interrupt is seen.

PARAVIRT (ia32_pvmode.ParavirtMode) takes the run over: after IPL it starts
ia32_paravirt.py's machine on this backend's real CPU and memory (direct paging
of validated tables, CP's flat selectors, events instead of the 8259 and 8254,
docs/hypercalls.md), and ``self.paravirt`` answers run, simulate (a HYPERCALL
exit) and the waiting VM's questions (one line at the top of each).
"""
from __future__ import annotations

import struct

from ia32.decode import decode
from ia32.errors import CPUFault, GP, PF
from ia32.errors import SS as SS_FAULT
from ia32.loaders.flat import BOOT_SECTOR
from ia32.state import CS, EDX

from . import ia32_costs, ia32_ipl, ia32_net, ia32_tables
from .base import EXTERNAL, INSTRUCTION, PROGRAM, SLICE, SYSCALL, WAIT, Exit
from .ia32_cpu import (CP_TABLE_OFFSET, POOL_OFFSET, POOL_PAGES, GuestStorage, GuestView,
                       install_frame, make_real_cpu, real_memory)
from .ia32_emulate import CR0_GUEST_BITS, CR0_REAL, EMULATORS, Unsupported, emulate
from .ia32_gdt import ShadowTable
from .ia32_reflect import reflect
from .ia32_scan import STOP as SCAN_STOP
from .ia32_scan import Scanner
from .ia32_translate import Translator
from .ia32_shadow import BEYOND, HIDDEN, ShadowPaging
from .ia32_pvmode import ParavirtMode
from .ia32_vdev import VirtualPC
from .ia32_window import GuestWindow, WindowCPU, execute as window_execute
from .ia32_vstate import (CP_BASE, CP_GDT, CP_GDT_ENTRIES, CP_LDT, CP_LDT_ENTRIES,
                          CP_LDT_SELECTOR, CP_LDT_SLOT, CP_SLOTS, CP_TSS, KERNEL_RING,
                          VirtualState)
from .shared import MachineError

#: Physical memory of a virtual PC: 4K pages below CP's region
MAX_STORAGE = CP_BASE
PAGE = 4096
#: SET VMMODE's choices; TRANSLATE (binary translation) is the default.
MODES = ("NAIVE", "SCAN", "TRANSLATE", "TRANSLATE ALL", "PARAVIRT")
DEFAULT_MODE = "TRANSLATE"
#: the emulations that only ring compression makes trap (guest CPL 0 only)
COMPRESSION = frozenset({"mov_to_sreg", "pop_sreg", "lss", "iret", "retf"})
#: how emulated instructions are counted (CP's counters), where the mnemonic says too little
COUNT_AS = {"mov_to_cr": "MOV CRn", "mov_from_cr": "MOV CRn", "mov_to_dr": "MOV DRn",
            "mov_from_dr": "MOV DRn", "mov_to_sreg": "MOV Sreg", "pop_sreg": "POP Sreg"}
_PAIR = struct.Struct("<II")
_SLICE = Exit(SLICE, "slice", None)
#: the exit of a guest instruction the truncation stopped: CP performs it through
#: the guest's own tables (ia32_window.py), or finds the guest's own fault
REGION = "cp-region"


class NaiveMode:
    """Trap-and-emulate alone: nothing rewritten, the real view shown."""
    name = "NAIVE"
    view = None

    def __init__(self, backend):
        self.backend = backend

    def attach(self) -> None:
        self.backend.cpu.rewrite = None

    def sync(self) -> None:
        pass

    @staticmethod
    def stats() -> dict:
        return {"translated_blocks": 0}


class RewritingMode:
    """SCAN or TRANSLATE (ia32_scan.Scanner, ia32_translate.Translator) on this
    backend: ``impl`` rewrites, its GuestView is the view reflection uses (it
    reaches CP's region through the backend's window)."""

    def __init__(self, impl, backend):
        self.impl = impl
        self.name = impl.name
        self.view = impl.view
        self.view.attach_window(backend.window)

    def attach(self) -> None:
        self.impl.attach()

    def sync(self) -> None:
        self.impl.sync()

    def stats(self) -> dict:
        counters = self.impl.counters()
        return {"translated_blocks": counters.get("translated_blocks", 0), **counters}


def _scan(backend) -> RewritingMode:
    return RewritingMode(Scanner(backend.cpu, backend.vstate, backend.on_sti), backend)


def _translate(backend) -> RewritingMode:
    return RewritingMode(Translator(backend.cpu, backend.vstate, backend.on_sti,
                                    privileged=backend.privileged_callout,
                                    on_callout=backend.charge_callout), backend)


def _translate_all(backend) -> RewritingMode:
    """SET VMMODE TRANSLATE ALL: user code translated too (the Red Pill hidden)."""
    return RewritingMode(Translator(backend.cpu, backend.vstate, backend.on_sti,
                                    privileged=backend.privileged_callout, all_rings=True,
                                    on_callout=backend.charge_callout), backend)


#: SET VMMODE name -> what makes the mode object (see the module docstring)
MODE_CLASSES: dict = {"NAIVE": NaiveMode, "SCAN": _scan, "TRANSLATE": _translate,
                      "TRANSLATE ALL": _translate_all, "PARAVIRT": ParavirtMode}


class IA32PageFormat:
    """Two-level 4K page tables (80386 PRM section 5.2): a write of CR0 (PG, WP),
    CR3 (the page directory) or CR4 (PSE) changes the translation. The shadow
    tables themselves are ia32_shadow.py's; ``walk`` answers for DISPLAY-style
    callers with the guest's own translation."""
    page_shift = 12
    address_mask = 0xFFFFFFFF

    @staticmethod
    def walk(cpu, va: int):
        pa = cpu.backend.shadow.guest_physical(va)
        if pa is None:
            raise MachineError(f"guest address {va:08X} is not mapped")
        return pa, ()

    @staticmethod
    def invalidated_by(register: str, index: int) -> bool:
        return register == "CR" and index in (0, 3, 4)

    @staticmethod
    def hardware_fill(cpu, va: int, write: bool):
        return None


class Reader:
    """The virtual reader: IPL reads the spooled file's cards as the image."""
    description = "RDR"
    devtype = 0x2540

    def __init__(self, address: int, userid: str, spool):
        self.address = address
        self.userid = userid
        self.spool = spool

    def read_all(self) -> bytes:
        cards = []
        while True:
            card = self.spool.next_card(self.userid, self.address)
            if card is None:
                return b"".join(cards)
            cards.append(bytes(card))


class Devices:
    """The VM's addressable devices as CP's commands see them (the reader; the
    PC's own devices are at their ports, ia32_vdev.py)."""

    pending = False

    def __init__(self):
        self.units: dict[int, object] = {}

    def attach(self, device) -> None:
        if device is not None:
            self.units[device.address] = device

    def detach(self, address: int) -> None:
        self.units.pop(address, None)

    def device(self, address: int):
        return self.units.get(address)

    def devices(self) -> list:
        return [self.units[a] for a in sorted(self.units)]

    def reset(self) -> None:
        pass

    def close(self) -> None:
        pass


class IA32Backend:
    """One virtual IA-32 PC (see the module docstring and base.Backend)."""

    machine = "IA32"
    registers = ia32_tables.REGISTERS
    devices = ia32_tables.DEVICES
    page_format = IA32PageFormat()
    address_digits = 8
    modes = MODES
    costs = ia32_costs
    key_block = 0
    ipl_refusal = None
    iplable = ("DISK", "RDR")

    def __init__(self, vm):
        self.vm = vm
        self.cpu = None
        self.vcpu: GuestView | None = None
        self.vstate = VirtualState()
        self.channel = Devices()
        self.mode_name = DEFAULT_MODE
        self.mode = NaiveMode(self)
        self.paravirt: ParavirtMode | None = None
        self.booted = False
        self.irq_shadow = False
        self.exit_code: int | None = None
        self.stop_reason: str | None = None
        self.console = bytearray()
        self._line = bytearray()
        self.boot_kind = "auto"
        self.cmdline = ""
        self.initrd: bytes | None = None
        self.load_address = BOOT_SECTOR
        self.image_name: str | None = None
        self._image: tuple[bytes, str] | None = None

    @staticmethod
    def to_text(data: bytes) -> str:
        return data.decode("latin-1")

    @staticmethod
    def from_text(text: str) -> bytes:
        return text.encode("latin-1", "replace")

    # ------------------------------------------------------ CPU and storage
    def make_storage(self, size: int) -> GuestStorage:
        self.memory = real_memory(size)
        self.guest_size = size
        self.storage = GuestStorage(self.memory, size)
        return self.storage

    def make_cpu(self) -> GuestView:
        size = self.guest_size
        cpu = self.cpu = make_real_cpu(self.memory)
        self.vcpu = GuestView(self)
        self.vdev = VirtualPC(cpu.now, size, self._console_byte, self._exit, self._reset_line)
        cpu.io = self.vdev.bus
        self.cp_phys = size
        self.shadow = ShadowPaging(cpu, self.vstate, size, size + POOL_OFFSET, POOL_PAGES,
                                   size + CP_TABLE_OFFSET, self._hidden_fault)
        vs = self.vstate
        translate = self.shadow.guest_physical
        self.window = window = GuestWindow(self)
        self.gdt = ShadowTable(self.memory, size + (CP_GDT - CP_BASE), CP_GDT_ENTRIES, translate,
                               lambda: (vs.gdtr[0], vs.gdtr[1]), size, CP_SLOTS,
                               window.set_accessed)
        self.ldt = ShadowTable(self.memory, size + (CP_LDT - CP_BASE), CP_LDT_ENTRIES, translate,
                               lambda: vs.ldt if vs.ldtr else None, size, (),
                               window.set_accessed)
        self.window_cpu = WindowCPU(cpu, window)
        self.tss_cpu = WindowCPU(cpu, window, guest_tables=True)
        cpu.flush_tlb()
        return self.vcpu

    def start(self) -> None:
        pass

    @staticmethod
    def make_console(address: int, write, inq):
        return None     # the console is COM1 (ia32_vdev.py)

    @staticmethod
    def console_waiting(address: int) -> bool:
        """COM1 is polled or interrupt-driven: a guest never waits on CP for it."""
        return False

    # the network card hook (ia32_net.py): DEFINE NIC, DETACH, COUPLE ... TO SYSTEM
    nic_types = ia32_net.NIC_TYPES
    add_nic = ia32_net.add_nic
    remove_nic = ia32_net.remove_nic
    couple_switch = ia32_net.couple_switch

    def add_unit_record(self, kind: str, address: int) -> None:
        if kind.upper() != "READER":
            raise MachineError(f"HCPDEF003E Invalid option - {kind.upper()}")
        vm = self.vm
        self.channel.attach(Reader(address, vm.userid, vm.system.spool))

    def _refuse(self, *args, **kw):
        raise MachineError("not available on an IA-32 virtual machine")

    add_minidisk = add_display = external = restart = machine_check = _refuse
    configure_assists = store_status = system_restart = _refuse

    def set_mode(self, mode: str) -> None:
        """SET VMMODE: remembered for the IPL that will use it."""
        if mode not in MODES:
            raise MachineError(f"unknown VMMODE {mode}")
        self.mode_name = mode

    # ----------------------------------------------------- guest memory for CP
    def read_guest_linear(self, linear: int) -> int | None:
        """A 32-bit word at guest linear ``linear`` (None if unmapped), through the
        guest's own tables, CP's region included."""
        value = 0
        for i in range(4):
            pa = self.shadow.guest_physical(linear + i)
            if pa is None:
                return None
            value |= self.memory.ram[pa] << (8 * i)
        return value

    def write_guest_linear(self, linear: int, size: int, value: int) -> None:
        for i in range(size):
            pa = self.shadow.guest_physical(linear + i)
            if pa is not None:
                self.memory.write(pa, 1, value >> (8 * i))

    def set_ring1_stack(self, ss: int, esp: int) -> None:
        """CP's TSS's SS1:ESP1 (the guest's ring 0 stack, ia32_reflect.py)."""
        at = self.cp_phys + (CP_TSS - CP_BASE)
        struct.pack_into("<IH", self.memory.ram, at + 12, esp & 0xFFFFFFFF, 0)
        struct.pack_into("<H", self.memory.ram, at + 16, ss)

    def real_ring(self) -> int:
        return VirtualState.real_ring(self.vstate.cpl)

    # ------------------------------------------------------ CP's frame, tables
    def install(self) -> None:
        """CP's frame on the real CPU (ia32_cpu.install_frame), the shadow tables
        and descriptor tables for the virtual state as it is now."""
        cpu = self.cpu
        install_frame(cpu, self.cp_phys)
        cpu.write_cr(0, CR0_REAL | (self.vstate.cr[0] & CR0_GUEST_BITS))
        self.shadow.flush_all()
        self.gdt.sync()
        self.load_ldt()
        cpu.cpl = KERNEL_RING

    def rebuild(self) -> None:
        """Guest memory or control registers changed behind the guest's back
        (STORE, IPL): shadow tables, descriptor tables and decoded code again."""
        if self.booted:
            self.shadow.flush_all()
            self.gdt.sync()
            self.load_ldt()
            self.cpu.flush_code()

    def load_ldt(self) -> None:
        """The real LDTR on the shadow of the guest's LDT (or null)."""
        vs = self.vstate
        self.ldt.sync()
        gdt = self.cp_phys + (CP_GDT - CP_BASE) + 8 * CP_LDT_SLOT
        if not vs.ldtr:
            _PAIR.pack_into(self.memory.ram, gdt, 0, 0)
            self.cpu.ldtr.set(0, 0, 0, 0x8200)
            return
        limit = min(vs.ldt[1], CP_LDT_ENTRIES * 8 - 1)
        _PAIR.pack_into(self.memory.ram, gdt, ((CP_LDT & 0xFFFF) << 16) | limit,
                        (CP_LDT & 0xFF000000) | ((CP_LDT >> 16) & 0xFF) | 0x8200)
        self.cpu.ldtr.set(CP_LDT_SELECTOR, CP_LDT, limit, 0x8200)

    def translation_changed(self, flush: bool) -> None:
        """The guest's CR0.PG/WP, CR3 or CR4.PSE changed: shadow set, and the
        descriptor tables if they now live elsewhere."""
        if flush:
            self.shadow.flush_all()
        else:
            self.shadow.activate()
        self.gdt.moved()
        self.ldt.moved()

    # ---------------------------------------------------------------- devices
    def _console_byte(self, byte: int) -> None:
        self.console.append(byte)
        if byte == 10:
            self.vm.console_output(self._line.decode("latin-1"))
            self._line.clear()
        elif byte != 13:
            self._line.append(byte)

    def _exit(self, status: int) -> None:
        """The exit port: the VM stops after this instruction (a translated block
        too: the request ends it)."""
        self.exit_code = status
        self.vcpu.stopped = True
        self.cpu.request_stop("exit")

    def _reset_line(self) -> None:
        self.stop("the guest pulsed the reset line")

    def stop(self, reason: str) -> None:
        """The VM cannot go on: a check-stop, with the reason kept for the report."""
        self.stop_reason = reason
        self.vcpu.checkstop = True

    def triple_fault(self) -> None:
        self.stop("triple fault")

    def beyond_storage(self, frame: int) -> None:
        self.stop(f"the guest addressed physical {frame:08X}, beyond its "
                  f"{self.guest_size >> 10}K of storage")

    # -------------------------------------------------------------- running
    def _interrupt_due(self) -> bool:
        return (self.vstate.iflag and not self.irq_shadow and not self.cpu.shadow
                and self.vdev.pending())

    def run(self, limit: int) -> Exit:
        """Run the guest for up to ``limit`` instructions, in bursts that end at the
        next device event (as ia32/machine.py's run loop); hidden page faults are
        filled here and do not end the slice."""
        if self.paravirt is not None:       # SET VMMODE PARAVIRT: ia32_pvmode.py
            return self.paravirt.run(limit)
        if not self.booted:
            self.vm.stopped = True
            return _SLICE
        cpu = self.cpu
        vdev = self.vdev
        end = cpu.instructions + limit
        vcpu = self.vcpu
        while not (vcpu.checkstop or vcpu.stopped):
            if self._interrupt_due():
                return Exit(EXTERNAL, "interrupt", None)
            left = end - cpu.instructions
            if left <= 0:
                break
            until = vdev.until_event()
            budget = left if until is None else min(left, until)
            if self.irq_shadow or cpu.shadow:
                budget = 1
            self.mode.sync()
            reason = cpu.run(budget)
            self.irq_shadow = False
            vdev.update()
            if reason == "intercept":
                ex = self._exit_for(*cpu.intercepted)
                if ex is not None:
                    return ex
            elif reason == SCAN_STOP:
                self._uncount()
                return Exit(INSTRUCTION, "sensitive", self.mode.impl.trapped)
            elif reason == "shutdown":
                self.triple_fault()
        return _SLICE

    def _exit_for(self, vector: int, error_code, soft: bool) -> Exit | None:
        """The exit for an event the real CPU gave CP (None: handled, go on)."""
        cpu = self.cpu
        vs = self.vstate
        vs.cpl = 0 if cpu.cpl == KERNEL_RING else cpu.cpl
        if soft:
            return Exit(SYSCALL, "syscall", (vector, None, True))
        if vector == PF:
            kind, info = self.shadow.fill(cpu.cr[2], bool(error_code & 2), bool(error_code & 4))
            if kind == HIDDEN:
                self._uncount()
                return None
            if kind == BEYOND:
                self.beyond_storage(info)
                return _SLICE
            return Exit(PROGRAM, "page-fault", (PF, info, False))
        if vector == GP or vector == SS_FAULT:
            ins = self._decode()
            if ins is None and not error_code:
                ins = self.window.decode()          # code in CP's region
                if ins is not None:
                    self._uncount()
                    return Exit(INSTRUCTION, REGION, ins)
            if ins is not None:
                name = ins.form.semantics
                if vector == GP and name == "hlt" and vs.cpl == 0:
                    cpu.eip = (cpu.eip + ins.length) & 0xFFFFFFFF
                    self.vcpu.wait = True
                    return Exit(WAIT, "wait", ins)
                if vector == GP and name in EMULATORS and (vs.cpl == 0 or
                                                           name not in COMPRESSION):
                    self._uncount()
                    return Exit(INSTRUCTION, "instruction", ins)
                if not error_code:                  # maybe the truncation: CP's region
                    self._uncount()
                    return Exit(INSTRUCTION, REGION, ins)
        return Exit(PROGRAM, "program", (vector, error_code, False))

    def _uncount(self) -> None:
        """The faulting instruction was counted; CP counts it when it completes."""
        cpu = self.cpu
        cpu.instructions -= 1
        cpu.progress = cpu.instructions

    def _hidden_fault(self) -> None:
        """Each hidden page fault is an exit (counted and charged), wherever CP met it."""
        c = self.vm.counters
        c.intercepts["hidden-page-fault"] = c.intercepts.get("hidden-page-fault", 0) + 1
        c.shadow_builds += 1
        c.charge("shadow_fill")

    def _decode(self):
        """The instruction at the guest's CS:EIP (None if it cannot be fetched)."""
        cpu = self.cpu
        cs = cpu.sregs[CS]
        bits = cpu.code_bits
        eip = cpu.eip
        mask = 0xFFFFFFFF if bits == 32 else 0xFFFF

        def fetch(i: int) -> int:
            off = (eip + i) & mask
            if off > cs.limit:
                raise CPUFault(GP, 0)
            return cpu.read_linear(cs.base + off, 1)

        for _ in range(4):
            try:
                return decode(fetch, eip, bits)
            except CPUFault as f:
                if f.vector != PF or self.shadow.fill(cpu.cr[2], False, cpu.cpl == 3)[0] != HIDDEN:
                    return None
        return None

    def privileged_callout(self, cpu, ins) -> None:
        """TRANSLATE's callout for a privileged or IOPL-sensitive kernel instruction:
        emulated inside the translated block; HLT (and what CP does not emulate)
        raises #GP(0) and takes the trap path."""
        name = ins.form.semantics
        if name not in EMULATORS:
            raise CPUFault(GP, 0)
        was = self.vstate.iflag
        emulate(self, ins)
        if self.vstate.iflag and not was:   # STI: the interrupt after the next instruction
            self.on_sti()

    def charge_callout(self, ins) -> None:
        """TRANSLATE's inline callout costs its path without the exit, the entry and
        the decoding (ia32_costs.callout_cycles)."""
        path = ia32_costs.instruction_path(COUNT_AS.get(ins.form.semantics, ins.mnemonic))
        self.vm.counters.cp_cycles += ia32_costs.callout_cycles(path)

    def on_sti(self) -> None:
        """The guest's IF went from 0 to 1 inside a mode's emulation: end the burst
        so that run() presents a pending interrupt."""
        self.cpu.request_stop("virtual-if")

    def instruction_name(self, ex: Exit) -> str:
        if self.paravirt is not None:
            return self.paravirt.instruction_name(ex)
        if ex.name == REGION:
            return "CP region"
        ins = ex.detail
        return COUNT_AS.get(ins.form.semantics, ins.mnemonic)

    def simulate(self, ex: Exit) -> str | None:
        """Emulate the instruction of ``ex`` (ia32_emulate.py, or the mode's own for
        a scanned trap); a fault it raises is the guest's (reflected), or a hidden
        page fault (the instruction runs again)."""
        if self.paravirt is not None:       # SET VMMODE PARAVIRT: ia32_pvmode.py
            return self.paravirt.simulate(ex)
        ins = ex.detail
        cpu = self.cpu
        try:
            if ex.name == "sensitive":
                self.mode.impl.simulate()
            elif ex.name == REGION:         # SCAN and TRANSLATE emulate the sensitive
                window_execute(self.window_cpu, self.window, ins)     # ones before
            else:
                cpu.eip = (ins.eip + ins.length) & (0xFFFFFFFF if cpu.code_bits == 32 else 0xFFFF)
                emulate(self, ins)
        except CPUFault as f:
            cpu.eip = ins.eip
            if f.vector == PF:
                kind, info = self.shadow.fill(cpu.cr[2], bool(f.error_code & 2),
                                              bool(f.error_code & 4))
                if kind == HIDDEN:
                    return None
                if kind == BEYOND:
                    self.beyond_storage(info)
                    return None
                f = CPUFault(PF, info)
            self._count()
            self._reflect(f.vector, f.error_code, False)
            return None
        except (Unsupported, MachineError) as exc:
            cpu.eip = ins.eip
            self.stop(str(exc))
            return None
        self._count()
        return None

    def _count(self) -> None:
        cpu = self.cpu
        cpu.instructions += 1
        cpu.progress = cpu.instructions

    def _reflect(self, vector: int, error_code, soft: bool) -> None:
        c = self.vm.counters
        if soft:
            c.reflect("syscall", "svc_reflect")
        else:
            c.reflect("program", "program_reflect")
        reflect(self, vector, error_code, soft)

    def reflect(self, ex: Exit) -> None:
        """A program exception or system call: through the guest's IDT."""
        self._reflect(*ex.detail)

    def deliver_pending(self) -> bool:
        """The 8259's request, if the guest's IF allows: through the guest's IDT."""
        if self.paravirt is not None:       # SET VMMODE PARAVIRT: ia32_pvmode.py
            return self.paravirt.deliver_pending()
        if not self._interrupt_due():
            return False
        self.vcpu.wait = False
        reflect(self, self.vdev.acknowledge(), None, False)
        return True

    def pending_kind(self) -> str | None:
        if self.paravirt is not None:       # SET VMMODE PARAVIRT: ia32_pvmode.py
            return self.paravirt.pending_kind()
        return "external" if self._interrupt_due() else None

    def poll(self) -> None:
        if self.paravirt is not None:       # SET VMMODE PARAVIRT: ia32_pvmode.py
            return self.paravirt.poll()
        self.vdev.update()

    def can_wake(self) -> bool:
        if self.paravirt is not None:       # SET VMMODE PARAVIRT: ia32_pvmode.py
            return self.paravirt.can_wake()
        return self.booted and self.vstate.iflag

    def idle(self) -> bool:
        """A HLT with IF=1: virtual time skips to the next device event."""
        if self.paravirt is not None:       # SET VMMODE PARAVIRT: ia32_pvmode.py
            return self.paravirt.idle()
        return self.can_wake() and self.vdev.idle()

    def timer_event(self) -> int | None:
        """Instructions of the VM's own time to its next device event (None: none)."""
        if self.paravirt is not None:       # SET VMMODE PARAVIRT: ia32_pvmode.py
            return self.paravirt.timer_event()
        return self.vdev.until_event() if self.booted else None

    # ---------------------------------------------------------- operations
    def boot_options(self, kind: str = "auto", cmdline: str = "", initrd: bytes | None = None,
                     address: int = BOOT_SECTOR, name: str | None = None) -> None:
        """How the next IPL reads its image (s370vm ia32 run's --kernel, --linux...);
        ``name`` is the image's name in messages."""
        if kind not in ia32_ipl.KINDS:
            raise MachineError(f"unknown image kind {kind}")
        self.boot_kind, self.cmdline, self.initrd, self.load_address = kind, cmdline, initrd, address
        self.image_name = name

    def ipl(self, device: int | None, image: bytes | None, address: int,
            entry: int | None) -> None:
        """IPL from the reader (its spooled file is the image) or from ``image``."""
        if image is None:
            unit = self.channel.device(device) if device is not None else None
            if not isinstance(unit, Reader):
                raise MachineError("DEVICE NOT IPLABLE")
            image = unit.read_all()
            if not image:
                raise MachineError("IPL I/O ERROR")
        name = self.image_name or ("IPL" if device is None else f"device {device:03X}")
        self._image = (bytes(image), name)
        self._boot()

    def _boot(self) -> None:
        cls = MODE_CLASSES.get(self.mode_name)
        if cls is None:
            raise MachineError(f"VMMODE {self.mode_name} NOT AVAILABLE YET")
        data, name = self._image
        entry = ia32_ipl.load(self.storage, data, name, self.boot_kind, self.cmdline,
                              self.initrd, self.load_address)
        ia32_ipl.adopt(self, entry)
        self.mode = cls(self)
        self.paravirt = self.mode if isinstance(self.mode, ParavirtMode) else None
        self.vcpu.wait = self.vcpu.checkstop = self.vcpu.stopped = False
        self.exit_code = self.stop_reason = None
        self.booted = True
        self.mode.attach()

    def ipl_parm(self, text: str) -> None:
        """IPL ... PARM text: the kernel's command line (the image is loaded again
        with it)."""
        self.cmdline = text
        if self._image is not None:
            self._boot()

    def reset(self, clear: bool = False) -> None:
        """SYSTEM RESET (CLEAR also zeroes storage): the CPU's reset state."""
        cpu = self.cpu
        cpu.reset()
        cpu.regs[EDX] = 0       # as before any IPL
        self.vstate.reset()
        self.booted = False
        self.paravirt = None
        self.vcpu.wait = self.vcpu.checkstop = self.vcpu.stopped = False
        if clear:
            self.storage.mem[:] = bytes(self.guest_size)

    def pc(self) -> int:
        return self.cpu.eip

    def resume(self, address: int | None) -> None:
        if address is not None:
            self.set_pc(address)

    def set_pc(self, address: int) -> None:
        self.cpu.eip = address & 0xFFFFFFFF

    def instruction_at(self, address: int):
        return None

    def query_assist(self) -> list[str]:
        return []

    def set_tracing(self, on: bool) -> None:
        pass

    # -------------------------------------------------------------- report
    def vm_report(self) -> dict:
        """CP's counters for this VM as ``s370vm ia32 run --under-cp`` prints them."""
        c = self.vm.counters
        exits = {k: v for k, v in sorted(c.intercepts.items())}
        guest = self.cpu.instructions * ia32_costs.GUEST_AVERAGE
        return {
            "mode": self.mode.name,
            "exits": exits,
            "emulated": dict(sorted(c.simulated.items())),
            "reflected": dict(sorted(c.reflected.items())),
            "hidden_page_faults": self.shadow.hidden,
            "true_page_faults": self.shadow.true,
            "translated_blocks": self.mode.stats().get("translated_blocks", 0),
            "cycles": {"guest": guest, "cp": c.cp_cycles, "total": guest + c.cp_cycles},
            "stop_reason": self.stop_reason,
            **({"paravirt": self.paravirt.stats()} if self.paravirt is not None else {}),
        }
