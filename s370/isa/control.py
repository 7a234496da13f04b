"""Control instructions (GA22-7000 chapter 10, "Control Instructions").

All are privileged except STORE CLOCK (and MONITOR CALL, which is a problem-state
instruction). Storage-key instructions (SSK, ISK, RRB) address 2K blocks by real
address. Timer instructions go through ``cpu.timers`` (s370.timers).

Instructions that read or set the time (STCK, SCK, SPT, STPT, SCKC) need the exact
instruction count, which the CPU keeps only between bursts of instructions: they
ask ``cpu.resync`` to run them again as a burst of their own (``cpu.exact``), so
the clock they see is exact to the instruction.

An invalid PSW (LPSW of an invalid PSW, SSM/STOSM putting ones into EC-mode bits
0 and 2-4) is an early exception: the instruction completes, then a specification
exception with ILC 0 reports the invalid PSW as the old PSW (CPU.service).

DIAGNOSE is model-dependent. The bare machine has no diagnose functions and gives
a specification exception; under VM the guest runs in problem state, so the
privileged-operation trap reaches CP first and CP provides the DIAGNOSE interface.
"""
from __future__ import annotations
from .. import dat
from ..errors import (PGM_ADDRESSING, PGM_MONITOR, PGM_SPECIFICATION, MachineError,
                      ProgramInterrupt)
from ..timers import Timers
from .table import instr

#: SIGNAL PROCESSOR status bits (in R1) and order codes (GA22-7000 "Signal Processor").
SIGP_EXT_CALL_PENDING = 0x00000080
SIGP_INVALID_ORDER = 0x00000002
SIGP_SENSE, SIGP_EXTERNAL_CALL, SIGP_EMERGENCY, SIGP_START, SIGP_STOP = 1, 2, 3, 4, 5
SIGP_RESTART, SIGP_STOP_STORE, SIGP_INITIAL_RESET, SIGP_RESET = 6, 9, 11, 12


def clocks(cpu) -> Timers:
    """The CPU's timing facilities; a machine built without them (the bare machine
    of instruction tests) gets the deterministic ones at their first use."""
    if cpu.timers is None:
        Timers().attach(cpu)
    return cpu.timers


def set_system_mask(cpu, mask: int) -> None:
    """Install a new system mask (SSM, STNSM, STOSM). In the EC mode, ones in PSW
    bits 0 and 2-4 make the PSW invalid: an early specification exception follows
    the instruction (GA22-7000 "Exceptions Associated with the PSW")."""
    cpu.sysmask = mask
    cpu.psw_changed()
    if cpu.ec and mask & 0xB8:
        cpu.psw_invalid = True
        cpu.bad_psw = None


def monitor_call(cpu, i2: int, addr: int) -> None:
    """MONITOR CALL: class in I2 bits 4-7 (bits 0-3 must be zero); an event when
    CR8 bit 16+class is one: class number to X'95', code to X'9D'-X'9F'."""
    if i2 & 0xF0:
        raise ProgramInterrupt(PGM_SPECIFICATION)
    cls = i2 & 0x0F
    if cpu.cr[8] & (0x8000 >> cls):
        mem = cpu.mem
        mem[0x94:0x96] = bytes((0, cls))
        mem[0x9C:0xA0] = addr.to_bytes(4, "big")
        raise ProgramInterrupt(PGM_MONITOR)


def key_block(cpu, r2value: int) -> int:
    """The 2K block that SSK/ISK address with R2 bits 8-20; bits 28-31 must be
    zero (specification); outside storage is an addressing exception."""
    if r2value & 0x0F:
        raise ProgramInterrupt(PGM_SPECIFICATION)
    a = r2value & 0xFFF800
    if a >= cpu.size:
        raise ProgramInterrupt(PGM_ADDRESSING)
    return a >> 11


def set_prefix(cpu, value: int) -> None:
    """SET PREFIX (GA22-7000 "Set Prefix"): bits 8-19 of the operand are the new
    prefix, bits 0-7 and 20-31 are ignored; a prefix designating a location outside
    storage is an addressing exception (nothing changed). This model implements
    only prefix 0 (the one-CPU configuration needs no other; relocating low
    storage would touch every assigned-location access and the channel's absolute
    addressing): any other valid prefix stops the run with a clear error."""
    prefix = value & 0x00FFF000
    if prefix + 0x1000 > cpu.size:
        raise ProgramInterrupt(PGM_ADDRESSING)
    if prefix:
        raise MachineError(f"SET PREFIX to X'{prefix:06X}': this machine implements "
                           "prefix 0 only")
    cpu.prefix = prefix


def signal_processor(cpu, r1: int, r3: int, order: int) -> int:
    """SIGNAL PROCESSOR on a one-CPU system: only this CPU's address is
    operational (others give CC 3). Returns the condition code."""
    R = cpu.gpr
    if (R[r3] & 0xFFFF) != cpu.cpu_address:
        return 3
    ext_call = cpu.ext_bit(0x1202)
    if order == SIGP_SENSE:
        status = SIGP_EXT_CALL_PENDING if cpu.ext_pending & ext_call else 0
    elif order == SIGP_EXTERNAL_CALL:
        if cpu.ext_pending & ext_call:     # only one can be pending
            status = SIGP_EXT_CALL_PENDING
        else:
            cpu.raise_external(0x1202)
            status = 0
    elif order == SIGP_EMERGENCY:
        cpu.raise_external(0x1201)
        status = 0
    elif order == SIGP_START:
        status = 0                          # this CPU is operating
    elif order in (SIGP_STOP, SIGP_STOP_STORE):
        if order == SIGP_STOP_STORE:
            cpu.store_status()
        cpu.stopped = True
        status = 0
    elif order == SIGP_RESTART:
        cpu.restart_pending = True
        cpu.attn = True
        status = 0
    elif order in (SIGP_INITIAL_RESET, SIGP_RESET):
        cpu.reset(initial=order == SIGP_INITIAL_RESET)
        cpu.stopped = True
        status = 0
    else:
        status = SIGP_INVALID_ORDER
    if status:
        R[r1] = status
        return 1
    return 0


HELPERS = {
    "dat": dat,
    "clocks": clocks,
    "set_system_mask": set_system_mask,
    "monitor_call": monitor_call,
    "key_block": key_block,
    "signal_processor": signal_processor,
    "set_prefix": set_prefix,
}

INSTRUCTIONS = [
    instr("LPSW", 0x82, "SI", """
        if addr & 7:
            raise ProgramInterrupt(PGM_SPECIFICATION)
        cpu.load_psw(cpu.fd(addr))
        raise StateChange
    """, priv=True, layout="D1(B1)", cls="control"),
    instr("SSM", 0x80, "SI", """
        if cpu.cr[0] & 0x40000000:
            raise ProgramInterrupt(PGM_SPECIAL_OPERATION)
        set_system_mask(cpu, cpu.fb(addr))
        raise StateChange
    """, priv=True, layout="D1(B1)", cls="control"),
    instr("STNSM", 0xAC, "SI", """
        cpu.sb(addr, cpu.sysmask)
        set_system_mask(cpu, cpu.sysmask & i2)
        raise StateChange
    """, priv=True, cls="control"),
    instr("STOSM", 0xAD, "SI", """
        cpu.sb(addr, cpu.sysmask)
        set_system_mask(cpu, cpu.sysmask | i2)
        raise StateChange
    """, priv=True, cls="control"),
    instr("SSK", 0x08, "RR", """
        blk = key_block(cpu, R[r2])
        cpu.skeys[blk] = R[r1] & 0xFE
        cpu.keys_changed()
        cpu.psw_changed()
        raise StateChange
    """, priv=True, cls="control"),
    instr("ISK", 0x09, "RR", """
        k = cpu.skeys[key_block(cpu, R[r2])] & (0xFE if cpu.ec else 0xF8)
        R[r1] = (R[r1] & 0xFFFFFF00) | k
    """, priv=True, cls="control"),
    instr("RRB", 0xB213, "S", """
        if addr >= cpu.size:
            raise ProgramInterrupt(PGM_ADDRESSING)
        k = cpu.skeys[addr >> 11]
        cpu.cc = (k >> 1) & 3
        cpu.skeys[addr >> 11] = k & 0xFB
        cpu.keys_changed()
        raise StateChange           # instruction fetch sets reference bits again
    """, priv=True, cls="control"),
    instr("LCTL", 0xB7, "RS", """
        if addr & 3:
            raise ProgramInterrupt(PGM_SPECIFICATION)
        n = ((r3 - r1) & 15) + 1
        # the whole operand is fetched under the translation in effect before the
        # instruction: a new CR0/CR1 applies from the next instruction on
        data = cpu.fetch(addr, 4 * n)
        for k in range(n):
            r = (r1 + k) & 15
            cpu.cr[r] = int.from_bytes(data[4 * k:4 * k + 4], "big")
            if r < 2:
                cpu.purge_tlb()
        cpu.psw_changed()
        raise StateChange
    """, priv=True, cls="control"),
    instr("STCTL", 0xB6, "RS", """
        if addr & 3:
            raise ProgramInterrupt(PGM_SPECIFICATION)
        n = ((r3 - r1) & 15) + 1
        cpu.check_access(addr, 4 * n, True)
        for k in range(n):
            cpu.sw((addr + 4 * k) & 0xFFFFFF, cpu.cr[(r1 + k) & 15])
    """, priv=True, cls="control"),
    instr("STIDP", 0xB202, "S", """
        if addr & 7:
            raise ProgramInterrupt(PGM_SPECIFICATION)
        cpu.sd(addr, cpu.cpuid)
    """, priv=True, cls="control"),
    # Multiprocessing (GA22-7000 "Multiprocessing"): STORE CPU ADDRESS, STORE
    # PREFIX and SET PREFIX. This model has prefix 0 only (see set_prefix).
    instr("SPX", 0xB210, "S", """
        if addr & 3:
            raise ProgramInterrupt(PGM_SPECIFICATION)
        set_prefix(cpu, cpu.fw(addr))
    """, priv=True, cls="control"),
    instr("STPX", 0xB211, "S", """
        if addr & 3:
            raise ProgramInterrupt(PGM_SPECIFICATION)
        cpu.sw(addr, cpu.prefix)
    """, priv=True, cls="control"),
    instr("STAP", 0xB212, "S", """
        if addr & 1:
            raise ProgramInterrupt(PGM_SPECIFICATION)
        cpu.sh(addr, cpu.cpu_address)
    """, priv=True, cls="control"),
    instr("SCK", 0xB204, "S", """
        if addr & 7:
            raise ProgramInterrupt(PGM_SPECIFICATION)
        if not cpu.exact:
            return cpu.resync(4)
        clocks(cpu).set_clock(cpu, cpu.fd(addr))
        cpu.cc = 0
    """, priv=True, cls="control"),
    instr("STCK", 0xB205, "S", """
        if not cpu.exact:
            return cpu.resync(4)
        cpu.sd(addr, clocks(cpu).store_clock(cpu))
        cpu.cc = 0
    """, cls="control"),
    instr("SCKC", 0xB206, "S", """
        if addr & 7:
            raise ProgramInterrupt(PGM_SPECIFICATION)
        if not cpu.exact:
            return cpu.resync(4)
        clocks(cpu).set_clock_comparator(cpu, cpu.fd(addr))
    """, priv=True, cls="control"),
    instr("STCKC", 0xB207, "S", """
        if addr & 7:
            raise ProgramInterrupt(PGM_SPECIFICATION)
        cpu.sd(addr, clocks(cpu).ckc)
    """, priv=True, cls="control"),
    instr("SPT", 0xB208, "S", """
        if addr & 7:
            raise ProgramInterrupt(PGM_SPECIFICATION)
        if not cpu.exact:
            return cpu.resync(4)
        clocks(cpu).set_cpu_timer(cpu, cpu.fd(addr))
    """, priv=True, cls="control"),
    instr("STPT", 0xB209, "S", """
        if addr & 7:
            raise ProgramInterrupt(PGM_SPECIFICATION)
        if not cpu.exact:
            return cpu.resync(4)
        cpu.sd(addr, clocks(cpu).cpu_timer(cpu))
    """, priv=True, cls="control"),
    instr("PTLB", 0xB20D, "S", """
        cpu.purge_tlb()
        raise StateChange           # the run loop drops its own translations too
    """, priv=True, layout="", cls="control"),
    instr("LRA", 0xB1, "RX", """
        cpu.cc, R[r1] = dat.load_real_address(cpu, addr)
    """, priv=True, cls="control"),
    instr("IPTE", 0xB221, "RRE", """
        dat.invalidate_page_table_entry(cpu, R[r1], R[r2])
        raise StateChange
    """, priv=True, cls="control"),
    instr("SIGP", 0xAE, "RS", """
        cpu.cc = signal_processor(cpu, r1, r3, addr & 0xFF)
        raise StateChange
    """, priv=True, cls="control"),
    instr("DIAG", 0x83, "RS", """
        raise ProgramInterrupt(PGM_SPECIFICATION)
    """, priv=True, cls="control"),
    instr("MC", 0xAF, "SI", "monitor_call(cpu, i2, addr)", cls="control"),
]
