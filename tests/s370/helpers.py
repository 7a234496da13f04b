"""Small harness for instruction tests: put code in storage, run, inspect."""
from __future__ import annotations

from s370.machine import Machine

CODE = 0x1000


def machine(size: int = 1 << 20) -> Machine:
    """A bare machine whose program-new PSW is a disabled wait with code X'DEAD'
    so a program check ends the run and can be inspected."""
    m = Machine(size)
    # program new PSW: BC mode, disabled wait, IA X'DEAD00'
    m.storage.mem[0x68:0x70] = bytes.fromhex("0002000000DEAD00")
    m.storage.mem[0x60:0x68] = bytes.fromhex("0002000000BEEF00")  # SVC new
    return m


def run_code(code: bytes | str, *, regs: dict | None = None, setup=None, size: int = 1 << 20,
             psw: int | None = None, limit: int = 10_000) -> Machine:
    """Run ``code`` (bytes or hex) at X'1000' in supervisor state, BC mode, key 0,
    until it falls into a disabled wait (append ``WAIT`` to the code) or the limit."""
    if isinstance(code, str):
        code = bytes.fromhex(code.replace(" ", ""))
    m = machine(size)
    m.storage.load(code, CODE)
    for r, v in (regs or {}).items():
        m.cpu.gpr[r] = v & 0xFFFFFFFF
    if setup:
        setup(m)
    m.cpu.load_psw(psw if psw is not None else CODE)
    m.run(limit)
    return m


#: LPSW of a disabled-wait PSW placed after the code: ends a test program.
def wait_psw_at(m: Machine, addr: int, ia: int = 0xFFF) -> None:
    m.storage.mem[addr:addr + 8] = (0x0002000000000000 | ia).to_bytes(8, "big")
