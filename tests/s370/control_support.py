"""Shared helpers for the control, interruption, key, DAT and timer tests: PSW
builders, a runner that starts from any PSW, and readers for the assigned
storage locations (GA22-7000 "Assigned Storage Locations")."""
from __future__ import annotations

from s370 import psw as pswmod
from s370.machine import Machine
from s370.timers import Timers
from tests.s370.helpers import machine

CODE = 0x1000
#: Where the program new PSW of ``machine()`` goes: a disabled wait at X'DEAD00'.
PGM_TRAP = 0xDEAD00
#: A disabled-wait PSW at X'F00' that test programs load to finish: LPSW X'F00'.
END = "82000F00"
END_IA = 0xFFF


def bc(ia: int, sysmask: int = 0, key: int = 0, wait: bool = False, problem: bool = False,
       mcheck: bool = False, cc: int = 0, pm: int = 0) -> int:
    return pswmod.encode(sysmask, key, False, mcheck, wait, problem, cc, pm, ia)


def ec(ia: int, sysmask: int = 0, key: int = 0, wait: bool = False, problem: bool = False,
       mcheck: bool = False, cc: int = 0, pm: int = 0) -> int:
    return pswmod.encode(sysmask, key, True, mcheck, wait, problem, cc, pm, ia)


def put(m: Machine, addr: int, data: bytes | str | int, n: int = 8) -> None:
    if isinstance(data, str):
        data = bytes.fromhex(data.replace(" ", ""))
    elif isinstance(data, int):
        data = data.to_bytes(n, "big")
    m.storage.mem[addr:addr + len(data)] = data


def word(m: Machine, addr: int, n: int = 4) -> int:
    return int.from_bytes(m.storage.mem[addr:addr + n], "big")


def new_machine(size: int = 1 << 20, pgm_new: int | None = None) -> Machine:
    """A bare machine (program new PSW = disabled wait at X'DEAD00', SVC new at
    X'BEEF00') with the ending PSW at X'F00' and the timing facilities."""
    m = machine(size)
    if m.cpu.timers is None:
        Timers().attach(m.cpu)
    put(m, 0xF00, bc(END_IA, wait=True))
    if pgm_new is not None:
        put(m, 0x68, pgm_new)
    return m


def start(m: Machine, code: str | bytes, psw: int | None = None, limit: int = 100_000,
          at: int = CODE):
    """Load ``code`` at ``at``, load ``psw`` (default BC supervisor key 0 at the
    code) and run; returns the RunResult."""
    put(m, at, code)
    m.cpu.load_psw(psw if psw is not None else bc(at))
    return m.run(limit)


def run(code: str, psw: int | None = None, setup=None, limit: int = 100_000,
        size: int = 1 << 20) -> Machine:
    m = new_machine(size)
    if setup:
        setup(m)
    start(m, code, psw, limit)
    return m


def pgm_old(m: Machine) -> int:
    return word(m, 0x28, 8)


def ended(m: Machine) -> bool:
    """The program reached its LPSW X'F00'."""
    return m.cpu.wait and m.cpu.ia == END_IA


def trapped(m: Machine) -> bool:
    """A program interruption happened (the CPU sits in the program new PSW)."""
    return m.cpu.wait and m.cpu.ia == PGM_TRAP


def bc_code(old: int) -> tuple[int, int, int]:
    """(interruption code, ILC, instruction address) of a BC-mode old PSW."""
    return (old >> 32) & 0xFFFF, (old >> 30) & 3, old & 0xFFFFFF


def ec_pgm(m: Machine) -> tuple[int, int]:
    """(program interruption code, ILC) stored at X'8C' in EC mode."""
    return word(m, 0x8E, 2), m.storage.mem[0x8D] >> 1


def identity_dat(m: Machine, size: int) -> None:
    """Segment and page tables (4K pages, 64K segments, at X'F000' up) mapping
    the first ``size`` bytes virtual = real, and CR0/CR1 designating them."""
    sto, pto = 0xF000, 0xF400
    m.cpu.cr[0] = (m.cpu.cr[0] & ~0x00F80000) | 0x00800000
    m.cpu.cr[1] = (15 << 24) | sto
    for s in range(256):
        put(m, sto + 4 * s, 1, 4)
    for s in range(size >> 16):
        put(m, sto + 4 * s, (15 << 28) | (pto + 32 * s), 4)
        for p in range(16):
            put(m, pto + 32 * s + 2 * p, ((s << 16) | (p << 12)) >> 8, 2)
    m.cpu.tlb.clear()
