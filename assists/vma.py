"""Virtual Machine Assist (GA22-7074): privileged operations of a virtual
machine in virtual supervisor state done by the machine, without CP.

The guest always runs in real problem state, so each privileged instruction
traps; interpretive execution first offers it here (``try_instruction``). The
assist completes it *inline*, inside the trapping handler, against the virtual
state: it runs the instruction's own compiled handler with the privileged check
off (exactly what CP's simulation runs, so the result is the same by
construction) or, for LPSW/SSM/STNSM/STOSM, the few lines of the handler after
its checks. Nothing leaves interpretive execution, which is what makes it faster
in wall time too.

The assist gives the operation to CP (returns False; CP then simulates it, as
the hardware's privileged-operation interruption did) exactly where the 370
microcode did (GA22-7074; Hercules' ecpsvm.c agrees):

* CR6 bit 0 off (VMA off, TRACE or ADSTOP active) or bit 1 on (virtual problem
  state; the machine itself gives that guest the privileged-operation exception);
* ISK/SSK with CR6 bit 2; STNSM/STOSM/STCTL/LRA with CR6 bit 3 (360 only);
* any access exception or specification exception on the operand (CP reflects it);
* LPSW: a wait-state PSW, a change of the EC bit, an invalid EC-mode PSW, a change
  of the DAT or PER bit, or an enabling mask with an interruption pending (with
  ECPS, CR6 bit 6, expanded VMA completes the last two, DAT and PER staying off);
* SSM with CR0 bit 1 (SSM suppression) on; SSM/STNSM/STOSM in EC mode that would
  change DAT or PER or set PSW bits 0, 2-4; any enabling change of the I/O or
  external masks (BC: channel masks too) while an interruption is pending;
* SVC 76, CR6 bit 4 (SET ASSIST NOSVC, directory SVCOFF), or an SVC new PSW that is
  a wait state or enables a pending interruption;
* shadow-table validation with CR6 bit 5, or when the guest's own tables give a
  translation exception (CP reflects it).

"Interruption pending" is the MICVPSW bit CP sets, or one the VM's own channel or
timers raised since CP last looked (they are part of the machine here).
"""
from __future__ import annotations

from s370 import psw as pswmod
from s370.cpu import CPU
from s370.errors import ProgramInterrupt, StateChange
from s370.interp import Assist
from s370.isa import HANDLERS
from s370.isa.control import set_system_mask

from .micblok import (CR6_ECPS, CR6_ISKINHIB, CR6_S360, CR6_STVINHIB, CR6_SVCINHIB, CR6_VMA,
                       CR6_VPROB, ECBLOK, MICVIP, MICVPSW, external_pending, io_pending)

MASK24 = 0xFFFFFF
#: PSW bit 14, the wait state (BC and EC mode alike), in the doubleword as an int.
PSW_WAIT = 1 << (63 - 14)
#: EC-mode system-mask bits that must stay (PER 0x40, DAT 0x04) and must be zero.
EC_KEEP, EC_INVALID = 0x44, 0xB8
#: Mask bits that enable interruptions: EC I/O (0x02) and external (0x01); BC
#: the channel masks 0-6 and external.
EC_ENABLE, BC_ENABLE = 0x03, 0xFF


def operand_address(cpu, m, p: int) -> int:
    """B1/B2+D of an SI- or S-format instruction (bytes 2-3)."""
    b = m[p + 2]
    d = ((b & 15) << 8) | m[p + 3]
    b >>= 4
    return (d + cpu.gpr[b]) & MASK24 if b else d


def run_handler(cpu, m, p: int) -> None:
    """Execute the trapped instruction with its own handler, privileged check off
    (the body of CP's ``simulate``, without leaving interpretive execution).
    Program exceptions propagate to the caller before any change is made."""
    cpu.privtrap = False
    try:
        HANDLERS[m[p]](cpu, m, p)
    finally:
        cpu.privtrap = True


class CountingAssist(Assist):
    """What every assist of one VM shares: its ``AssistControl``, the counts of
    the operations it completes (``counters.assisted``, shown by QUERY ASSIST)
    and the way it completes an instruction by running the instruction's own
    handler (``inline``)."""

    def __init__(self, control):
        self.control = control
        self.sd = control.sd
        self.counts = control.counters.assisted
        self.fallback = control.fallback

    def count(self, op: str) -> None:
        c = self.counts
        c[op] = c.get(op, 0) + 1

    def inline(self, cpu, m, p: int, op: str) -> bool:
        """Run the handler; an exception leaves the instruction to CP untouched
        (these handlers check everything before they change anything)."""
        try:
            run_handler(cpu, m, p)
        except ProgramInterrupt:
            return self.fallback(f"{op} exception")
        except StateChange:
            self.count(op)
            raise
        self.count(op)
        return True


class VirtualMachineAssist(CountingAssist):
    """The VMA of one VM (``AssistControl`` builds it when VMA is in effect)."""

    name = "VMA"

    def __init__(self, control):
        super().__init__(control)
        self.area = control.area.mem
        self.mb = control.area.offset(control.micblok)
        self.ops = {0x82: self.lpsw, 0x80: self.ssm, 0xAC: self.stxsm, 0xAD: self.stxsm,
                    0x08: self.key, 0x09: self.key, 0xB6: self.simple370, 0xB1: self.simple370}

    # ------------------------------------------------------------- helpers
    def enables_pending(self, cpu, newly: int) -> bool:
        """Would the mask bits ``newly`` turned on let a pending interruption in?
        The MICVPSW bit says whether CP has one at all; then the class decides:
        external (mask bit 7) against external requests, the I/O or channel masks
        against channel status (the VM's own channel and timers may have raised
        one since CP set the bit)."""
        if not (self.area[self.mb + MICVPSW] & MICVIP or cpu.ext_pending or io_pending(cpu)):
            return False
        if newly & 0x01 and external_pending(cpu):
            return True
        return bool(newly & 0xFE) and io_pending(cpu)

    def mask_ok(self, cpu, new: int, cr6: int) -> bool:
        """SSM/STNSM/STOSM/LPSW mask rules (module docstring); counts a fallback.
        Expanded VMA (ECPS, CR6 bit 6) also completes an enabling change with an
        interruption pending: the machine then presents it, one exit to CP
        instead of two."""
        old = cpu.sysmask
        if cpu.ec:
            if (new ^ old) & EC_KEEP:
                return self.fallback("DAT or PER change")
            if new & EC_INVALID:
                return self.fallback("invalid EC mask")
            enable = EC_ENABLE
        else:
            enable = BC_ENABLE
        if not cr6 & CR6_ECPS and self.enables_pending(cpu, new & ~old & enable):
            return self.fallback("enabling with interruption pending")
        return True

    # ------------------------------------------------------------ protocol
    def try_instruction(self, cpu, ins, m, p: int) -> bool:
        cr6 = self.sd.cr6
        if not cr6 & CR6_VMA or cr6 & CR6_VPROB:
            return False
        op = self.ops.get(m[p])
        if op is None:
            return False
        return op(cpu, m, p, cr6)

    def lpsw(self, cpu, m, p: int, cr6: int) -> bool:
        addr = operand_address(cpu, m, p)
        if addr & 7:
            return self.fallback("LPSW specification")
        try:
            new = cpu.fd(addr)
        except ProgramInterrupt:
            return self.fallback("LPSW operand access")
        if new & PSW_WAIT:                  # the common case (an OS's idle wait): no decode
            return self.fallback("wait-state PSW")
        f = pswmod.decode(new)
        if not f.valid or f.ia & 1:
            return self.fallback("invalid PSW")
        if f.ec != cpu.ec:                  # expanded VMA only, DAT and PER staying off
            if not cr6 & CR6_ECPS:
                return self.fallback("EC bit change")
            if ((f.sysmask if f.ec else 0) | (cpu.sysmask if cpu.ec else 0)) & EC_KEEP:
                return self.fallback("DAT or PER change")
        elif not self.mask_ok(cpu, f.sysmask, cr6):
            return False
        self.count("LPSW")
        cpu.load_psw(new)
        if f.problem:
            self.sd.cr6 = cr6 | CR6_VPROB
        raise StateChange

    def ssm(self, cpu, m, p: int, cr6: int) -> bool:
        if self.area[self.mb + ECBLOK] & 0x40:      # virtual CR0 bit 1: SSM suppression
            return self.fallback("SSM suppressed")
        try:
            new = cpu.fb(operand_address(cpu, m, p))
        except ProgramInterrupt:
            return self.fallback("SSM operand access")
        if not self.mask_ok(cpu, new, cr6):
            return False
        self.count("SSM")
        set_system_mask(cpu, new)
        raise StateChange

    def stxsm(self, cpu, m, p: int, cr6: int) -> bool:
        if cr6 & CR6_S360:
            return self.fallback("360 only")
        i2 = m[p + 1]
        old = cpu.sysmask
        new = old & i2 if m[p] == 0xAC else old | i2
        if not self.mask_ok(cpu, new, cr6):
            return False
        try:
            cpu.sb(operand_address(cpu, m, p), old)
        except ProgramInterrupt:
            return self.fallback("STxSM operand access")
        self.count("STNSM" if m[p] == 0xAC else "STOSM")
        set_system_mask(cpu, new)
        raise StateChange

    def key(self, cpu, m, p: int, cr6: int) -> bool:
        if cr6 & CR6_ISKINHIB:
            return self.fallback("ISK/SSK inhibited")
        return self.inline(cpu, m, p, "SSK" if m[p] == 0x08 else "ISK")

    def simple370(self, cpu, m, p: int, cr6: int) -> bool:
        if cr6 & CR6_S360:
            return self.fallback("360 only")
        return self.inline(cpu, m, p, "STCTL" if m[p] == 0xB6 else "LRA")

    def try_svc(self, cpu, number: int, ilc: int) -> bool:
        """SVC interruption reflection: old PSW at virtual X'20', code in the BC old
        PSW or at X'88' in EC mode (CPU.svc_interrupt, the bare machine's own)."""
        cr6 = self.sd.cr6
        if not cr6 & CR6_VMA:
            return False
        if cr6 & CR6_SVCINHIB:
            return self.fallback("SVC assist off")
        if number == 76:
            return self.fallback("SVC 76")
        new = int.from_bytes(cpu.mem[0x60:0x68], "big")
        f = pswmod.decode(new)
        if f.wait or not f.valid:
            return self.fallback("SVC new PSW wait or invalid")
        if self.enables_pending(cpu, f.sysmask & ~cpu.sysmask & (EC_ENABLE if f.ec else BC_ENABLE)):
            return self.fallback("enabling with interruption pending")
        self.count("SVC")
        self.sd.cr6 = (cr6 & ~CR6_VPROB) | (CR6_VPROB if f.problem else 0)
        CPU.svc_interrupt(cpu, number, ilc)     # raises StateChange
        return True

    def try_shadow(self, cpu, va: int, write: bool) -> bool:
        """Shadow-table entry validation: fill the missing shadow entry from the
        guest's tables (the walk CP's DMKVAT would do), or leave it to CP when
        the guest's own tables give an exception."""
        cr6 = self.sd.cr6
        if not cr6 & CR6_VMA:
            return False
        if cr6 & CR6_STVINHIB:
            return self.fallback("shadow validation inhibited")
        try:
            ra, tables = self.sd.pager.walk(cpu, va)
        except ProgramInterrupt:
            return self.fallback("guest translation exception")
        cpu.shadow[(va & MASK24) >> 11] = ra & ~0x7FF
        for t in tables:
            cpu.watch.add(t >> 11)
        self.count("STV")
        return True
