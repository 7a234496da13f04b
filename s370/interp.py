"""Interpretive execution: the machine runs a guest for a control program.

CP hands the machine a *state description* and an ``InterpretiveCPU`` whose
registers, control registers and PSW fields ARE the guest's virtual state. The
machine runs guest instructions with the same compiled handlers and the same run
loop as the bare CPU (so the guest's hot path costs exactly what it costs on the
bare machine) until something needs CP. Then it stores an intercept code in the
state description and returns to CP. The events that end interpretive execution:

* a privileged instruction (the guest always runs in *real* problem state, so
  ``privtrap`` is always on) that none of the enabled assists completes:
  ``IC_INSTRUCTION`` with the instruction's bytes. SVC and DIAGNOSE intercept the
  same way. In *virtual* problem state the machine itself recognises the
  privileged-operation exception (it knows the virtual PSW's P bit);
* a program interruption: ``IC_PROGRAM`` with the code and ILC. CP reflects it
  through the guest's own old/new PSWs, exactly as the bare machine presents it;
* an interruption that became deliverable to the guest (the guest's own timers,
  its virtual channel, or an early PSW exception): ``IC_EXTERNAL`` / ``IC_IO``;
* a wait-state PSW: ``IC_WAIT``; the end of the time slice: ``IC_SLICE``.

The codes follow 370-XA SIE (SA22-7095) where SIE has one; ``IC_SLICE`` and
``IC_SHADOW`` are ours.

Guest DAT: CP's shadow tables. ``translate`` looks the guest virtual address up
in ``shadow`` (a dict: virtual 2K block -> real block origin, kept by CP's
``cp.shadow``); a miss is a shadow-table fault, which interpretive execution hands
to ``sd.pager.fill`` -- CP's shadow-table code -- *synchronously*: it walks the
guest's tables and either fills the entry (the guest sees nothing) or raises the
guest's own segment/page-translation exception. Modelled (and counted, and
charged in cycles) as an intercept and re-entry, implemented as a call so that no
instruction is ever interrupted half-way for a fault the guest cannot see. A store
through DAT into a block that holds one of the guest's page or segment tables
(``watch``) tells the pager, which invalidates the shadow entries.

Hooks for hardware assists (issue 7): ``sd.assists`` is consulted in the
hardware's order before any intercept; each assist implements ``Assist``'s
``try_*`` methods and returns True when it completed the operation itself. The
state description carries VM/370's CR6 value and MICBLOK address for them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .cpu import CPU
from .errors import PGM_PRIVILEGED, PGM_SPECIFICATION, ProgramInterrupt
from .isa import BY_OPCODE, HANDLERS, Instr
from .storage import Storage

# Intercept codes (SIE's numbering, SA22-7095; see module docstring).
IC_SLICE = 0
IC_INSTRUCTION = 4
IC_PROGRAM = 8
IC_EXTERNAL = 16
IC_IO = 24
IC_WAIT = 28
IC_VALIDITY = 32
IC_SHADOW = 64

IC_NAMES = {IC_SLICE: "slice", IC_INSTRUCTION: "instruction", IC_PROGRAM: "program",
            IC_EXTERNAL: "external", IC_IO: "io", IC_WAIT: "wait",
            IC_VALIDITY: "validity", IC_SHADOW: "shadow-fault"}

#: DIAGNOSE has no architected meaning on the bare machine; under VM it is CP's
#: interface, so interpretive execution always intercepts it.
DIAGNOSE = Instr("DIAG", 0x83, "RS", "", priv=True, layout="R1,R3,D2(B2)", cls="control")


class Intercept(Exception):
    """Interpretive execution ends: ``code`` (IC_*), the instruction (``ins`` and
    its bytes ``ibytes``, with ``ilc`` its length code -- EXECUTE's for a target of
    EXECUTE) for instruction intercepts, ``pgm``/``ilc`` for program
    interruptions. Raised inside the run loop; ``InterpretiveCPU.interpret``
    catches it and stores it in the state description."""

    def __init__(self, code: int, ins: Instr | None = None, ibytes: bytes = b"",
                 pgm: int = 0, ilc: int = 0):
        super().__init__(code)
        self.code = code
        self.ins = ins
        self.ibytes = ibytes
        self.pgm = pgm
        self.ilc = ilc

    @property
    def name(self) -> str:
        return IC_NAMES.get(self.code, str(self.code))


class Assist:
    """Protocol of a hardware assist (implemented by ``assists/``). Each method
    returns True when the assist completed the operation, so that the machine does
    not intercept. Defaults: never."""

    name = "assist"

    def try_instruction(self, cpu: "InterpretiveCPU", ins: Instr, m, p: int) -> bool:
        return False

    def try_svc(self, cpu: "InterpretiveCPU", number: int, ilc: int) -> bool:
        return False

    def try_shadow(self, cpu: "InterpretiveCPU", va: int, write: bool) -> bool:
        return False


class Pager:
    """Protocol of CP's shadow-table code as interpretive execution sees it."""

    def fill(self, cpu: "InterpretiveCPU", va: int, write: bool) -> int:
        """Real block origin for guest virtual ``va`` (filling ``cpu.shadow``), or
        raise the guest's ProgramInterrupt (segment/page translation, ...)."""
        raise NotImplementedError

    def table_store(self, cpu: "InterpretiveCPU", block: int) -> None:
        """The guest stored into real 2K ``block``, which holds one of its tables."""
        raise NotImplementedError

    def dat_on(self, cpu: "InterpretiveCPU") -> None:
        """The guest switched DAT on (tables may have changed while it was off)."""
        raise NotImplementedError

    def walk(self, cpu: "InterpretiveCPU", va: int) -> tuple[int, tuple[int, ...]]:
        """The guest's own translation of ``va``: (real address, addresses of the
        table entries used -- to be added to ``cpu.watch`` by whoever fills
        ``cpu.shadow`` from it, as the shadow-validation assist does)."""
        raise NotImplementedError


@dataclass
class StateDescription:
    """What CP hands the machine for one guest (the 370's counterpart of SIE's
    state description). The guest PSW, GPRs, CRs and timers are the fields of the
    ``InterpretiveCPU`` itself; this holds the rest.

    mode/origin/extent: ``V=V`` guests have their own storage (origin 0, extent its
    size, translated through shadow tables when the guest's DAT is on); ``V=R`` and
    ``V=F`` describe a window of real storage. cr6/micblok: VM/370's assist controls
    (reference/vm370-facts.md); assists: the enabled assists in trial order
    (shadow-table bypass, VMA, expanded VMA). Intercept controls: ``intercept_svc``
    (all SVCs go to CP, as without VMA). After a return: ``code`` and ``last``
    (the Intercept).
    """
    mode: str = "V=V"
    origin: int = 0
    extent: int = 0
    assists: list = field(default_factory=list)
    cr6: int = 0
    micblok: int = 0
    intercept_svc: bool = True
    pager: Pager | None = None
    code: int = IC_SLICE
    last: Intercept | None = None


class InterpretiveCPU(CPU):
    """A CPU whose state is a guest's virtual state; see the module docstring."""

    def __init__(self, storage: Storage, cpuid: int = 0xFF00000000000000,
                 sd: StateDescription | None = None):
        self.shadow: dict[int, int] = {}    # guest virtual 2K block -> real block origin
        self.watch: set[int] = set()        # real 2K blocks holding guest DAT tables
        self.sdesc = sd or StateDescription(extent=storage.size)
        super().__init__(storage, cpuid)
        self.xlat = self.shadow             # guest translations are CP's shadow tables
        self.handlers = list(HANDLERS)
        self.handlers[0x83] = _diagnose

    # ---------------------------------------------------------------- state
    def psw_changed(self) -> None:
        was = self.dat
        CPU.psw_changed(self)
        self.privtrap = True            # the guest always runs in real problem state
        if self.dat and not was and self.sdesc.pager is not None:
            self.sdesc.pager.dat_on(self)

    def priv_trap(self, ins, m, p):
        """A privileged instruction: in virtual problem state the guest gets its
        privileged-operation exception; otherwise the assists may complete it;
        otherwise it intercepts."""
        if self.problem:
            raise ProgramInterrupt(PGM_PRIVILEGED)
        for a in self.sdesc.assists:
            if a.try_instruction(self, ins, m, p):
                return None
        raise Intercept(IC_INSTRUCTION, ins, bytes(m[p:p + ins.length]),
                        ilc=_ilc(self, ins.length, m))

    # ------------------------------------------------------------- DAT
    def translate(self, va: int, write: bool = False) -> int:
        e = self.shadow.get(va >> 11)
        if e is None:
            e = self.sdesc.pager.fill(self, va, write)
            self.purge_access()         # the fill may have added watched blocks
        if write and (e >> 11) in self.watch:
            self.sdesc.pager.table_store(self, e >> 11)
        return e | (va & 0x7FF)

    def store_cacheable(self, origin: int) -> bool:
        """Stores into a block holding guest DAT tables must reach ``translate``."""
        return (origin >> 11) not in self.watch

    # --------------------------------------------------- interruptions
    def program_interrupt(self, code: int, ilc: int) -> None:
        raise Intercept(IC_PROGRAM, pgm=code, ilc=ilc)

    def svc_interrupt(self, number: int, ilc: int = 1) -> None:
        for a in self.sdesc.assists:
            if a.try_svc(self, number, ilc):
                return None
        raise Intercept(IC_INSTRUCTION, BY_OPCODE[0x0A], bytes((0x0A, number & 0xFF)),
                        ilc=ilc)

    def service(self) -> None:
        """Between instructions: an interruption deliverable to the guest is an
        interruption request for CP (which reflects it with the bare machine's
        own ``CPU.service``); nothing pending: carry on."""
        if self.psw_invalid:
            raise Intercept(IC_PROGRAM, pgm=PGM_SPECIFICATION, ilc=0)
        if self.ext_pending and self.sysmask & 0x01 and self.external_deliverable():
            raise Intercept(IC_EXTERNAL)
        ch = self.channel
        if ch is not None and ch.pending and self.io_deliverable():
            raise Intercept(IC_IO)
        if self.restart_pending:
            raise Intercept(IC_EXTERNAL)
        self.attn = False

    def external_deliverable(self) -> bool:
        """Some pending external condition is enabled by its CR0 subclass mask
        (so CP would present it: no request intercept for masked ones)."""
        cr0, pending = self.cr[0], self.ext_pending
        return any(pending & bit and cr0 & self.EXT_SUBMASK[code]
                   for code, bit in self.EXT_BIT.items())

    def io_deliverable(self) -> bool:
        """Some pending I/O interruption's channel is enabled."""
        return any(self.io_enabled(sc.address >> 8) for sc in self.channel.pending)

    # ----------------------------------------------------------- entry
    def interpret(self, limit: int) -> Intercept:
        """Run the guest for at most ``limit`` instructions; return why it stopped
        (also stored in ``sd.code`` / ``sd.last``). A state description the
        machine cannot run (a mode other than V=V with the guest's own storage or
        a V=R window at origin 0 -- assists/stbypass.py builds those; V=F windows
        are not built yet -- or DAT on without a pager) gives a validity intercept
        without running anything."""
        sd = self.sdesc
        if sd.mode not in ("V=V", "V=R") or sd.origin or sd.extent != self.size or \
                (self.dat and sd.pager is None):
            ic = Intercept(IC_VALIDITY)
            sd.code, sd.last = ic.code, ic
            return ic
        try:
            self.run(limit)
            ic = Intercept(IC_WAIT if self.wait else IC_SLICE)
        except Intercept as exc:
            ic = exc            # (the intercepted instruction is not counted)
        self.sdesc.code = ic.code
        self.sdesc.last = ic
        return ic

    def simulate(self, ibytes: bytes) -> None:
        """Execute one intercepted instruction as the bare machine would, against
        this (virtual) state: the same handler, with the privileged check off.
        CP simulates at the exact instruction count (the intercepted instruction
        is not counted yet), so timer instructions need no ``resync``.
        Exceptions propagate to the caller (CP) unchanged."""
        self.privtrap = False
        self.exact = True
        try:
            HANDLERS[ibytes[0]](self, ibytes, 0)
        finally:
            self.privtrap = True
            self.exact = False


def _diagnose(cpu, m, p):
    """DIAGNOSE under interpretive execution: CP's interface (see DIAGNOSE)."""
    if cpu.problem:
        raise ProgramInterrupt(PGM_PRIVILEGED)
    raise Intercept(IC_INSTRUCTION, DIAGNOSE, bytes(m[p:p + 4]), ilc=_ilc(cpu, 4, m))


def _ilc(cpu, length: int, m) -> int:
    """The ILC an interruption of this instruction reports: EXECUTE's (2) when the
    instruction is EXECUTE's target -- EXECUTE (s370/isa/general.py) hands its
    handler a bytearray copy, the run loops hand storage itself or, for an
    instruction crossing a page, a bytes copy -- else its own length."""
    return 2 if m is not cpu.mem and type(m) is bytearray else length >> 1
