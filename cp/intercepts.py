"""Intercept reason -> handler: the one place where guest exits are routed.

Interpretive execution returns an ``Intercept``; ``handle`` counts it, charges
its cost (assists/costs.py) and does what VM/370's CP did for it:

* instruction: SVC -> reflect the SVC interruption; DIAGNOSE -> cp.diagnose;
  every other privileged instruction -> simulate it against the virtual state by
  running the bare machine's own handler with the privileged check off (so the
  semantics are identical by construction), then CP's side effects (shadow-table
  invalidation for LCTL of CR0/CR1, PTLB, IPTE). I/O instructions reach the VM's
  virtual channel subsystem the same way (``cpu.channel``, see cp/vio.py).
* program: reflect the program interruption through the guest's PSWs.
* external / io: reflect the pending interruption (bare machine's priorities).
* wait: the VM enters the wait state; the dispatcher decides when it runs again.
"""
from __future__ import annotations

from assists import costs
from s370.errors import MachineError, ProgramInterrupt, StateChange
from s370.interp import (IC_EXTERNAL, IC_INSTRUCTION, IC_IO, IC_NAMES, IC_PROGRAM, IC_SLICE,
                         IC_VALIDITY, IC_WAIT, Intercept)

from .backends import s370_diagnose as diagnose
from .backends import s370 as backend

MASK24 = 0xFFFFFF


def handle(vm, ic: Intercept) -> None:
    """Route one intercept of ``vm``."""
    code = ic.code
    c = vm.counters
    if code == IC_SLICE:
        return
    name = IC_NAMES[code]
    c.intercepts[name] = c.intercepts.get(name, 0) + 1
    cpu = vm.cpu
    if code == IC_INSTRUCTION:
        # the intercepted instruction is not counted yet: it is simulated at the
        # exact instruction count (the clock), then counted (``instruction``)
        if ic.ins.mnemonic == "SVC":
            c.reflect("svc", "svc_reflect")
            backend.reflect_svc(cpu, ic.ibytes[1], ic.ilc or 1)
            cpu.count += 1
        else:
            instruction(vm, ic.ibytes, ic.ins.mnemonic, ic.ilc)
    elif code == IC_PROGRAM:
        if cpu.psw_invalid:             # early PSW exception: the machine's own path
            vm.deliver("program")
        else:
            c.reflect("program", "program_reflect")
            backend.reflect_program(cpu, ic.pgm, ic.ilc)
    elif code in (IC_EXTERNAL, IC_IO):
        vm.deliver(vm.pending_kind() or ("external" if code == IC_EXTERNAL else "io"))
    elif code == IC_WAIT:
        c.charge("wait")
    elif code == IC_VALIDITY:
        raise MachineError(f"validity intercept for {vm.userid}: CP built a state "
                           f"description the machine cannot run ({cpu.sdesc.mode}, origin "
                           f"{cpu.sdesc.origin:X}, extent {cpu.sdesc.extent:X}, storage {cpu.size:X})")


def instruction(vm, ibytes: bytes, mnemonic: str, ilc: int = 0) -> None:
    """Simulate one intercepted privileged instruction (or DIAGNOSE). ``ilc`` is
    the length code interruptions report (EXECUTE's for a target of EXECUTE)."""
    cpu = vm.cpu
    c = vm.counters
    c.simulated[mnemonic] = c.simulated.get(mnemonic, 0) + 1
    c.charge(costs.instruction_path(mnemonic))
    ilc = ilc or len(ibytes) >> 1
    ia = (cpu.ia - 2 * ilc) & MASK24
    before = (cpu.cr[0], cpu.cr[1])
    try:
        if mnemonic == "DIAG":
            diagnose.execute(vm, ibytes)
        else:
            cpu.simulate(ibytes)
    except StateChange:
        pass
    except ProgramInterrupt as e:
        if e.nullify:
            cpu.ia = ia
        cpu.count += 1                  # counted before the interruption, as the CPU does
        c.reflect("program", "program_reflect")
        backend.reflect_program(cpu, e.code, ilc if e.ilc is None else e.ilc)
        return
    cpu.count += 1
    if mnemonic in ("PTLB", "IPTE"):
        vm.shadow.invalidate(mnemonic.lower())
    elif mnemonic == "LCTL" and (cpu.cr[0], cpu.cr[1]) != before:
        vm.shadow.invalidate("lctl")
