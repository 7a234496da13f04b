"""ECPS:VM: the Extended Control-Program Support of the 370/138, 148 and 4300s.

Two parts, as on the hardware:

* **CP assists** (E600-E613). VM/370 replaced the hottest sequences of its own
  code with single microcoded instructions: DSP0/DSP1/DSP2 in the dispatcher,
  SCNVU/SCNRU to find virtual and real I/O control blocks, DECCW0/DECCW1/CCWGENRL
  to decode and translate CCWs, TRANBRNG/TRANLOCK/PTRLK/PTRUL for page status and
  locks, ZAPSEGS/ZAPPAGE to invalidate shadow tables, FREE/FRET for free storage,
  UNTRN/UNTFR to untranslate a CSW and free the CCW copy, STECPSVM to ask the
  level. Our CP is Python, so an ECPS function cannot literally replace CP code;
  instead each function marks the CP path it replaces (``costs.ECPS_PATH``: CP's
  ``Counters.charge(path)`` calls are the hooks, at the dispatcher, virtual I/O,
  CCW translation, shadow invalidation, free storage). With ECPS on, a path is
  charged at its shortened length plus the functions' microcode cycles, and each
  function is counted (``counters.ecps``). The guest-visible work is the same.
* **Expanded VMA**: more LPSW/SSM/STNSM/STOSM cases (VMA's own code widens its
  rules when CR6 bit 6 is on: assists/vma.py, so a mask instruction is tried
  once, not by VMA and again here) and more instructions done without CP: LCTL of control
  registers other than CR0/CR1 (no shadow-table consequence), PTLB (complete: the
  purge and the ZAPSEGS of the shadow tables), SIO/SIOF and TCH on the virtual
  channel, SPT/SCKC/STPT; and the virtual interval timer (CR6 bit 7), which the
  machine keeps at virtual X'50' (our VM's timers are the machine's, so CP's
  per-dispatch update of the timer is what the assist saves: counted as TIMER).

"Partial" functions fall back to CP where the hardware did: SIO/SIOF when the
device is not on the virtual channel or an interruption is already pending (CP
must untangle the CSW), SPT/SCKC when the new value could make an enabled
interruption pending at once. Expanded VMA works only with VMA (CR6 bit 0).
"""
from __future__ import annotations

from . import costs
from .micblok import CR6_ECPS, CR6_VMA, CR6_VPROB, CR6_VTIMER
from .vma import CountingAssist, operand_address

#: CR0 external subclass masks: clock comparator (bit 20), CPU timer (bit 21).
CR0_CKC, CR0_CPT = 0x00000800, 0x00000400


def cp_path_cost(control):
    """The ``Counters.cost`` function with ECPS on: a CP path's cycles with its
    ECPS functions, counting each function used. The virtual interval timer
    assist (CR6 bit 7) replaces CP's timer update at each dispatch."""
    counters = control.counters
    ecps = counters.ecps
    assisted = counters.assisted
    sd = control.sd
    table = {p: costs.ecps_intercept_cycles(p) for p in costs.CP_PATH}

    def cost(path: str) -> int:
        cycles, fns = table[path]
        for f in fns:
            ecps[f] = ecps.get(f, 0) + 1
        if path == "dispatch" and sd.cr6 & CR6_VTIMER:
            assisted["TIMER"] = assisted.get("TIMER", 0) + 1
        return cycles
    return cost


class ExpandedVMA(CountingAssist):
    """The expanded-VMA instructions of ECPS (trial order: after VMA)."""

    name = "EVMA"

    def __init__(self, control):
        super().__init__(control)
        self.ops = {0xB7: self.lctl, 0xB2: self.b2, 0x9C: self.sio, 0x9F: self.tch}
        self.b2ops = {0x0D: self.ptlb, 0x08: self.timer, 0x06: self.timer, 0x09: self.timer}

    def try_instruction(self, cpu, ins, m, p: int) -> bool:
        cr6 = self.sd.cr6
        if cr6 & (CR6_VMA | CR6_ECPS | CR6_VPROB) != CR6_VMA | CR6_ECPS:
            return False
        op = self.ops.get(m[p])
        if op is None:
            return False
        return op(cpu, m, p, ins.mnemonic)

    def lctl(self, cpu, m, p: int, op: str) -> bool:
        r1, r3 = m[p + 1] >> 4, m[p + 1] & 15
        n = ((r3 - r1) & 15) + 1
        if any((r1 + k) & 15 < 2 for k in range(n)):
            return self.fallback("LCTL of CR0/CR1")
        return self.inline(cpu, m, p, op)

    def b2(self, cpu, m, p: int, op: str) -> bool:
        f = self.b2ops.get(m[p + 1])
        return f(cpu, m, p, op) if f is not None else False

    def ptlb(self, cpu, m, p: int, op: str) -> bool:
        cpu.purge_tlb()
        pager = self.sd.pager
        if pager is not None and hasattr(pager, "invalidate"):
            pager.invalidate("ptlb")            # ZAPSEGS, charged on CP's path table
        self.count("PTLB")
        return True

    def timer(self, cpu, m, p: int, op: str) -> bool:
        if not cpu.exact:
            return cpu.resync(4)                # run again alone; counted then
        if op in ("SPT", "SCKC") and cpu.sysmask & 0x01 and \
                cpu.cr[0] & (CR0_CPT if op == "SPT" else CR0_CKC):
            return self.fallback(f"{op} may interrupt")
        return self.inline(cpu, m, p, op)

    def sio(self, cpu, m, p: int, op: str) -> bool:
        if m[p + 1] > 1:                        # TIO, CLRIO ... are not assisted
            return False
        ch = cpu.channel
        if ch is None or ch.pending:
            return self.fallback("SIO with interruption pending")
        if ch.device(operand_address(cpu, m, p) & 0xFFFF) is None:
            return self.fallback("SIO to a device not on the virtual channel")
        return self.inline(cpu, m, p, op)

    def tch(self, cpu, m, p: int, op: str) -> bool:
        return self.inline(cpu, m, p, op)

