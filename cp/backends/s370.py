"""The S/370 backend: a virtual System/370 on the machine's interpretive execution.

What the CP core asks of a virtual 370 (cp/backends/base.py): the interpretive
CPU over the VM's own storage (16M at most, in 4K multiples), its channel
subsystem with the virtual devices (s370_vio.py), DIAGNOSE (s370_diagnose.py),
the hardware assists (assists/: VMA, ECPS, shadow-table bypass, handed to
interpretive execution in the state description), the guest's DAT tables for
CP's shadow tables (GA22-7000 "Dynamic Address Translation": CR0 page and
segment size, CR1 segment-table designation, 4-byte segment-table entries,
2-byte page-table entries), reflection through the guest's old/new PSWs with
the bare machine's own code, IPL, and the descriptor tables (s370_tables.py).
"""
from __future__ import annotations

import time

from assists import costs
from s370.asm import assemble_file
from assists.registry import AssistControl
from s370 import dat
from s370.cpu import CPU
from s370.devices.ctca import CTCA, couple
from s370.devices.d3270 import Display3270
from s370.ebcdic import to_ascii, to_ebcdic
from s370.errors import MachineError, ProgramInterrupt, StateChange
from s370.interp import (IC_EXTERNAL, IC_INSTRUCTION, IC_IO, IC_NAMES, IC_PROGRAM, IC_SLICE,
                         IC_VALIDITY, IC_WAIT, InterpretiveCPU)
from s370.isa import lookup
from s370.machine import TimerWait
from s370.storage import Storage
from s370.timers import NEVER, Timers

from . import s370_diagnose, s370_tables, s370_vio
from .base import (EXTERNAL, HYPERCALL, INSTRUCTION, IO, PROGRAM, SLICE, SYSCALL, VALIDITY,
                   WAIT, Exit)
from .descriptors import InstructionInfo

#: VM/370 reports CPU version code X'FF' to every virtual machine (STIDP).
VM_VERSION = 0xFF
MAX_STORAGE = 16 * 1024 * 1024
MASK24 = 0xFFFFFF
#: Store-status save area (GA22-7000, "Store Status"): PSW, FPRs, GPRs, CRs.
STATUS_PSW, STATUS_FPR, STATUS_GPR, STATUS_CR = 0x100, 0x160, 0x180, 0x1C0

#: interpretive execution's intercept code -> the neutral exit kind
_KIND = {IC_SLICE: SLICE, IC_PROGRAM: PROGRAM, IC_EXTERNAL: EXTERNAL, IC_IO: IO,
         IC_WAIT: WAIT, IC_VALIDITY: VALIDITY}
#: Exit(...) without the Python-level __new__ of a NamedTuple (one exit per intercept)
_exit = tuple.__new__
BRANCHES = frozenset({"BC", "BCR", "BAL", "BALR", "BAS", "BASR", "BCT", "BCTR", "BXH", "BXLE"})
IO_NAMES = {0x9C: "SIO", 0x9D: "TIO", 0x9E: "HIO", 0x9F: "TCH"}


def assemble_guest(path):
    """An S/370 guest program from HLASM source (the built-in system's sample
    guests, cp/defaults): the assembly, or MachineError naming the first error."""
    asm = assemble_file(str(path))
    if asm.rc > 4:
        first = asm.errors[0].message if asm.errors else "errors"
        raise MachineError(f"{path.name}: assembly failed: {first}")
    return asm


class S370PageFormat:
    """The guest's DAT tables as CP's shadow tables see them: one shadow entry
    per 2K block (so 2K and 4K guest pages look the same), 24-bit addresses; a
    change of CR0 (page and segment size) or CR1 (segment table) invalidates."""
    page_shift = 11
    address_mask = MASK24

    @staticmethod
    def walk(cpu, va: int) -> tuple[int, tuple[int, int]]:
        """Translate guest virtual ``va`` through the guest's own tables in its own
        storage, with the bare machine's DAT (s370.dat: same exceptions, same
        translation-exception address, same reference bits): returns (real
        address, (segment-table-entry address, page-table-entry address))."""
        ra = dat.translate(cpu, va)
        page_shift, seg_shift = dat.geometry(cpu.cr[0])
        va &= MASK24
        sto = (cpu.cr[1] & 0xFFFFC0) + ((va >> seg_shift) << 2)
        ste = int.from_bytes(cpu.mem[sto:sto + 4], "big")
        within = va & ((1 << seg_shift) - 1)
        pto = (ste & 0xFFFFF8) + ((within >> page_shift) << 1)
        return ra, (sto, pto)

    @staticmethod
    def invalidated_by(register: str, index: int) -> bool:
        return register == "CR" and index in (0, 1)

    @staticmethod
    def hardware_fill(cpu, va: int, write: bool) -> int | None:
        """The assists' shadow-table validation (VMA, the bypass): the machine
        fills the entry from the guest's tables itself. The entry, or None."""
        for a in cpu.sdesc.assists:
            if a.try_shadow(cpu, va, write):
                e = cpu.shadow.get(va >> 11)
                if e is not None:
                    return e
        return None


class S370Backend:
    """One virtual 370 (see the module docstring and base.Backend)."""

    machine = "S370"
    registers = s370_tables.REGISTERS
    devices = s370_tables.DEVICES
    page_format = S370PageFormat()
    address_digits = 6
    to_text = staticmethod(to_ascii)
    from_text = staticmethod(to_ebcdic)
    costs = costs
    #: why the VM check-stopped, when the machine can say more than the state
    stop_reason: str | None = None
    #: SET VMMODE: none. A virtual 370 is virtualized by trap-and-emulate alone
    #: (every sensitive instruction is privileged: Popek and Goldberg's condition).
    modes: tuple[str, ...] = ()

    def __init__(self, vm):
        self.vm = vm
        self.cpu: InterpretiveCPU | None = None
        self.channel = None
        self.assist: AssistControl | None = None
        self.timer_wait = TimerWait()       # as the bare machine's waits
        #: DIAGNOSE X'100': idling (the VM's clock in microseconds it ends at,
        #: or None: no deadline); ``idling`` False when not in one
        self.idling = False
        self.idle_deadline: int | None = None

    # ------------------------------------------------------ CPU and storage
    @staticmethod
    def make_storage(size: int) -> Storage:
        """Sparse (an mmap): an idle 1 MB guest costs host memory only for the
        pages it touched."""
        if size <= 0 or size > MAX_STORAGE or size % 4096:
            raise MachineError(f"storage size {size} must be a multiple of 4K up to 16M")
        return Storage(size, sparse=True)

    def make_cpu(self) -> InterpretiveCPU:
        """The interpretive CPU: STIDP gives the real CPU's serial and model with
        version code X'FF', as under VM/370; CP's shadow tables are its pager; its
        own channel subsystem and timers (the machine's timer code on the VM's
        own instruction clock)."""
        vm = self.vm
        cpuid = (VM_VERSION << 56) | (vm.system.config.cpuid & 0x00FFFFFFFFFFFFFF)
        cpu = self.cpu = InterpretiveCPU(vm.storage, cpuid)
        cpu.sdesc.pager = vm.shadow
        cpu.channel = self.channel = s370_vio.make_channel(vm.storage)
        Timers().attach(cpu)
        return cpu

    def start(self) -> None:
        """The VM's hardware assists: CR6, MICBLOK, switches, the state
        description's list (assists/registry.py)."""
        self.assist = AssistControl(self.vm, self.vm.system.config.assists)

    @staticmethod
    def make_console(address: int, write, inq) -> s370_vio.VirtualConsole:
        return s370_vio.VirtualConsole(address, write, inq)

    def console_waiting(self, address: int) -> bool:
        """Whether the guest waits for a line on its console (a read held)."""
        sc = self.channel.subchannels.get(address)
        return sc is not None and sc.held is not None

    def add_minidisk(self, address: int, volume, start: int, cylinders: int,
                     readonly: bool = False) -> s370_vio.Minidisk:
        md = s370_vio.Minidisk(address, volume, start, cylinders, readonly)
        self.channel.attach(md)
        return md

    def add_display(self, address: int) -> None:
        """A local 3270 a terminal can DIAL (cp/tn3270/dialled.py)."""
        self.channel.attach(Display3270(address))

    #: DEFINE NIC's TYPE choices: a CTCA whose far side is a virtual switch
    nic_types = ("CTCA",)

    def add_ctca(self, address: int) -> None:
        """A virtual channel-to-channel adapter, not yet coupled (DEFINE CTCA)."""
        self.channel.attach(CTCA(address))

    add_nic = add_ctca      # DEFINE NIC TYPE CTCA: the adapter COUPLE puts on a switch

    def _ctca(self, address: int) -> CTCA:
        dev = self.channel.device(address)
        if not isinstance(dev, CTCA):
            raise MachineError(f"DEV {address:03X} NOT A CTCA")
        return dev

    def couple(self, address: int, other, other_address: int) -> None:
        """COUPLE: this VM's adapter at ``address`` to ``other`` backend's."""
        couple(self._ctca(address), other._ctca(other_address))

    def couple_switch(self, address: int, switch, name: str, mac: bytes | None,
                      ip: bytes | None):
        """COUPLE ... TO SYSTEM: the adapter's far side is a port of ``switch``
        (s370_vio.SwitchLink); returns the port."""
        return s370_vio.SwitchLink(self._ctca(address), switch, name, mac, ip).port

    def add_unit_record(self, kind: str, address: int) -> None:
        """``kind`` is READER, PUNCH or PRINTER: a spooled virtual device."""
        cls = {"READER": s370_vio.SpoolReader, "PUNCH": s370_vio.SpoolPunch,
               "PRINTER": s370_vio.SpoolPrinter}.get(kind.upper())
        if cls is None:
            raise MachineError(f"HCPDEF003E Invalid option - {kind.upper()}")
        vm = self.vm
        self.channel.attach(cls(address, vm.userid, vm.system.spool))

    # -------------------------------------------------------------- running
    def run(self, limit: int) -> Exit:
        """Interpretive execution for up to ``limit`` instructions. SVC is the
        system call, DIAGNOSE the hypercall; both are counted as the instruction
        intercepts they are."""
        self.assist.enter()
        ic = self.cpu.interpret(limit)
        code = ic.code
        if code == IC_INSTRUCTION:
            m = ic.ins.mnemonic
            return _exit(Exit, (SYSCALL if m == "SVC" else HYPERCALL if m == "DIAG" else INSTRUCTION,
                                "instruction", ic))
        kind = _KIND[code]
        if kind == VALIDITY:
            cpu = self.cpu
            return Exit(kind, "validity",
                        f"CP built a state description the machine cannot run ({cpu.sdesc.mode}, "
                        f"origin {cpu.sdesc.origin:X}, extent {cpu.sdesc.extent:X}, "
                        f"storage {cpu.size:X})")
        return _exit(Exit, (kind, IC_NAMES[code], ic))

    @staticmethod
    def instruction_name(ex: Exit) -> str:
        return ex.detail.ins.mnemonic

    def simulate(self, ex: Exit) -> str | None:
        """Run the bare machine's own handler with the privileged check off (so
        the semantics are identical by construction), or DIAGNOSE; then CP's side
        effects: shadow-table invalidation for LCTL of CR0/CR1, PTLB, IPTE. The
        ILC interruptions report is EXECUTE's for a target of EXECUTE."""
        ic = ex.detail
        cpu = self.cpu
        mnemonic = ic.ins.mnemonic
        ibytes = ic.ibytes
        ilc = ic.ilc or len(ibytes) >> 1
        ia = (cpu.ia - 2 * ilc) & MASK24
        before = (cpu.cr[0], cpu.cr[1])
        try:
            if mnemonic == "DIAG":
                s370_diagnose.execute(self.vm, ibytes)
            else:
                cpu.simulate(ibytes)
        except StateChange:
            pass
        except ProgramInterrupt as e:
            if e.nullify:
                cpu.ia = ia
            cpu.count += 1                  # counted before the interruption, as the CPU does
            self.vm.counters.reflect("program", "program_reflect")
            CPU.program_interrupt(cpu, e.code, ilc if e.ilc is None else e.ilc)
            return None
        cpu.count += 1
        if mnemonic in ("PTLB", "IPTE"):
            return mnemonic.lower()
        if mnemonic == "LCTL" and (cpu.cr[0], cpu.cr[1]) != before:
            return "lctl"
        return None

    def reflect(self, ex: Exit) -> None:
        """SVC: the guest's SVC interruption (old PSW X'20', new X'60'); a program
        interruption: its old PSW at X'28', new PSW from X'68' (EC mode: code and
        ILC at X'8C'), as the bare machine presents them. An early PSW exception
        takes the machine's own path."""
        ic = ex.detail
        cpu = self.cpu
        c = self.vm.counters
        if ex.kind == SYSCALL:
            c.reflect("svc", "svc_reflect")
            try:
                CPU.svc_interrupt(cpu, ic.ibytes[1], ic.ilc or 1)
            except StateChange:
                pass
            cpu.count += 1
        elif cpu.psw_invalid:
            self.vm.deliver("program")
        else:
            c.reflect("program", "program_reflect")
            CPU.program_interrupt(cpu, ic.pgm, ic.ilc)

    def deliver_pending(self) -> bool:
        """Present whatever external or I/O interruption (or early PSW exception)
        is pending and enabled, with the bare machine's priorities. An idle
        DIAGNOSE ends here: the old PSW is the running one after the DIAGNOSE."""
        cpu = self.cpu
        if self.idling:
            self._end_idle()
        before = cpu.psw
        CPU.service(cpu)
        return cpu.psw != before

    def pending_kind(self) -> str | None:
        """The class of the interruption CP would present now (the bare machine's
        priorities: early PSW exception, external, I/O, restart), or None."""
        cpu = self.cpu
        if cpu.psw_invalid:
            return "program"
        if cpu.ext_pending and cpu.sysmask & 1 and cpu.external_deliverable():
            return "external"
        if self.channel.pending and cpu.io_deliverable():
            return "io"
        if cpu.restart_pending:
            return "restart"
        return None

    def poll(self) -> None:
        self.channel.poll(self.cpu)

    def can_wake(self) -> bool:
        return self.idle_deadline is not None and self.idling or self.cpu.can_wake()

    def idle_call(self, timeout_us: int | None) -> None:
        """DIAGNOSE X'100': off the CPU until an interruption or ``timeout_us``
        microseconds of the VM's clock (None: no deadline)."""
        cpu = self.cpu
        self.idling = True
        self.idle_deadline = None if timeout_us is None else cpu.timers.now(cpu) + timeout_us
        cpu.wait = True

    def _end_idle(self) -> None:
        self.idling = False
        self.idle_deadline = None
        self.cpu.wait = False

    def _idle_deadline_first(self) -> bool:
        """An idle DIAGNOSE whose deadline comes before any timer event: let the
        VM's time pass to it, and resume the guest after the DIAGNOSE, CC 1."""
        cpu = self.cpu
        deadline = self.idle_deadline
        if not self.idling or deadline is None:
            return False
        timers = cpu.timers
        now = timers.now(cpu)
        if timers.real_time:                # the host's clock: sleep towards it
            if now < deadline:
                time.sleep(min(deadline - now, 10_000) / 1e6)
                return True
        elif cpu.sysmask & 1:
            wake = timers.next_wake(cpu, now)
            if wake is not None and wake <= deadline:
                return False                # a timer interruption ends it first
        timers.idle_us += max(0, deadline - now)
        self._end_idle()
        cpu.cc = 1
        timers.tick(cpu)
        return True

    def idle(self) -> bool:
        """Let the VM's own time pass to its next event (a wait nothing else will
        end). False when nothing can ever end the wait."""
        cpu = self.cpu
        if self._idle_deadline_first():
            return True
        if not cpu.can_wake():
            return False
        if self.channel.busy():
            self.channel.advance(cpu)
            return True
        return self.timer_wait.advance(cpu, self.channel)

    def timer_event(self) -> int | None:
        """Instructions of the VM's own time to its next timer event (None: none)."""
        cpu = self.cpu
        due = None if cpu.timers is None or cpu.next_event >= NEVER else cpu.next_event - cpu.count
        if self.idling and self.idle_deadline is not None:     # DIAGNOSE X'100'
            left = max(0, self.idle_deadline - cpu.timers.now(cpu))
            due = left if due is None else min(due, left)
        return due

    # ---------------------------------------------------------- operations
    def ipl(self, device: int | None, image: bytes | None, address: int,
            entry: int | None) -> None:
        """IPL from a virtual device (the channel's IPL sequence, then the PSW at
        0, with the device address stored as the machine stores it: X'BA' in EC
        mode, bits 16-31 of the old PSW at X'02' in BC mode) or from a core image
        loaded at ``address`` (``entry``: the PSW, else the one at 0)."""
        cpu = self.cpu
        cpu.reset()
        self.idling, self.idle_deadline = False, None
        self.channel.reset()
        if device is not None:
            self.channel.ipl(device)
            mem = cpu.mem
            if mem[1] & 0x08:
                mem[0xB8:0xBC] = device.to_bytes(4, "big")
            else:
                mem[2:4] = device.to_bytes(2, "big")
        elif image is not None:
            self.vm.storage.load(image, address)
        cpu.load_psw(entry if entry is not None else int.from_bytes(cpu.mem[0:8], "big"))

    def reset(self, clear: bool = False) -> None:
        """SYSTEM RESET (CLEAR: storage, keys and registers zeroed, in place: the
        CPU keeps its reference to the sparse storage)."""
        cpu = self.cpu
        cpu.reset(clear=False)
        self.idling, self.idle_deadline = False, None
        if clear:
            st = self.vm.storage
            st.mem[0:st.size] = bytes(st.size)
            st.keys[:] = bytes(len(st.keys))
            cpu.gpr[:] = [0] * 16
            cpu.fpr[:] = [0] * 8
        self.channel.reset()

    #: why IPL cannot be done on this machine (None: it can); the device
    #: classes IPL can read from
    ipl_refusal = None
    iplable = ("RDR", "DASD", "TAPE")

    def pc(self) -> int:
        return self.cpu.ia

    def set_pc(self, address: int) -> None:
        """BEGIN hexloc: the PSW's instruction address."""
        self.cpu.ia = address & MASK24

    def resume(self, address: int | None) -> None:
        """BEGIN: continue (at ``address``)."""
        cpu = self.cpu
        if address is not None:
            cpu.ia = address & MASK24
        cpu.stopped = False
        cpu.attn = True

    def external(self, code: int) -> None:
        """EXTERNAL: an external interruption (interrupt key X'0040')."""
        self.cpu.raise_external(code)

    def restart(self) -> None:
        """SYSTEM RESTART: a restart interruption (old PSW X'08', new X'00') before
        the next instruction; it also ends a wait."""
        cpu = self.cpu
        cpu.stopped = False
        cpu.restart_pending = True
        cpu.attn = True

    def system_restart(self) -> None:
        """SYSTEM RESTART command: the restart interruption at once (old PSW at
        X'08', new PSW from X'00'), as the operator's RESTART key."""
        self.cpu.restart()

    def machine_check(self, code: int) -> None:
        """A machine-check interruption (when the guest's PSW bit 13 allows it)."""
        self.cpu.machine_check(code)

    def storage_key(self, address: int) -> int:
        """DISPLAY K: the storage key of the 2K block, as VM/370's DISPLAY showed
        it (the low bit dropped)."""
        return self.vm.storage.keys[address >> 11] & 0xFE

    key_block = 0x800

    def store_status(self) -> None:
        """STORE STATUS: PSW, FPRs, GPRs and CRs into the save area in low storage."""
        cpu = self.cpu
        vm = self.vm
        vm.write_storage(STATUS_PSW, cpu.psw.to_bytes(8, "big"))
        vm.write_storage(STATUS_FPR, b"".join(cpu.fpr[f].to_bytes(8, "big") for f in (0, 2, 4, 6)))
        vm.write_storage(STATUS_GPR, b"".join(r.to_bytes(4, "big") for r in cpu.gpr))
        vm.write_storage(STATUS_CR, b"".join(r.to_bytes(4, "big") for r in cpu.cr))

    def ipl_parm(self, text: str) -> None:
        """IPL ... PARM text: up to 64 bytes of EBCDIC into R0 upward."""
        data = to_ebcdic(text)[:64]
        data += b"\x40" * (-len(data) % 4)
        for r in range(len(data) // 4):
            self.cpu.gpr[r] = int.from_bytes(data[4 * r:4 * r + 4], "big")

    def instruction_at(self, address: int) -> InstructionInfo | None:
        """TRACE: the instruction at guest real ``address`` (None past the end)."""
        cpu = self.cpu
        size = cpu.size
        if address + 2 > size:
            return None
        mem = cpu.mem
        op = mem[address]
        ins = lookup(mem, address)
        length = (2, 4, 4, 6)[op >> 6]
        text = bytes(mem[address:address + length]).hex().upper()
        name = ins.mnemonic if ins is not None else "????"
        events = set()
        device = None
        if name == "SVC":
            events.add("SVC")
        elif ins is not None and ins.priv:
            events.add("PRIV")
        if name in BRANCHES:
            events.add("BRANCH")
        if op in IO_NAMES and address + 4 <= size:      # S format: the device address
            b2 = mem[address + 2] >> 4
            device = ((cpu.gpr[b2] if b2 else 0)
                      + (((mem[address + 2] & 15) << 8) | mem[address + 3])) & 0xFFF
            events.add("IO")
        return InstructionInfo(name, length, text, frozenset(events), name == "LPSW",
                               IO_NAMES.get(op, ""), device)

    def program_code(self) -> int:
        """The interruption code of the program interruption just presented."""
        cpu = self.cpu
        at = 0x8E if cpu.ec else 0x2A
        return int.from_bytes(cpu.mem[at:at + 2], "big")

    def condition(self) -> str:
        """How an I/O instruction ended, as TRACE shows it."""
        return f"CC {self.cpu.cc}"

    # ------------------------------------------------------ assists and modes
    def configure_assists(self, **switches) -> None:
        """SET ASSIST/SASSIST/CPASSIST/STBYPASS (assists.registry.AssistControl)."""
        self.assist.configure(**switches)

    def set_tracing(self, on: bool) -> None:
        """TRACE or ADSTOP active: VMA is off for this user, as in VM/370."""
        self.assist.set_tracing(on)

    def query_assist(self) -> list[str]:
        return self.assist.query()
