"""Small hand-assembled guests for CP tests: a program at X'400' that ends in a
disabled wait with IA X'D0E0' (program checks end in a wait at X'DEAD')."""
from __future__ import annotations

from cp import System

DONE = 0x000200000000D0E0
PGM_WAIT = 0x000200000000DEAD


def logon(system: System, userid: str = "A", size: int = 128 * 1024, **kw):
    vm = system.logon(userid, size, **kw)
    return vm


def run_code(vm, code: str, regs: dict | None = None, limit: int = 10_000,
             data: dict | None = None, psw: int = 0x400, ipl: bool = True):
    """Load ``code`` (hex) at X'400' followed by LPSW of a done PSW; program new PSW
    is a disabled wait at X'DEAD'; ``data`` maps addresses to bytes. ``ipl`` False
    starts it with BEGIN instead (devices keep their state, e.g. sense bytes)."""
    body = bytes.fromhex(code.replace(" ", ""))
    lpsw_at = 0x400 + len(body)
    prog = body + bytes.fromhex("82000300")          # LPSW X'300'
    vm.write_storage(0x300, DONE.to_bytes(8, "big"))
    vm.write_storage(0x68, PGM_WAIT.to_bytes(8, "big"))
    for addr, b in (data or {}).items():
        vm.write_storage(addr, b)
    for r, v in (regs or {}).items():
        vm.set_gpr(r, v)
    if ipl:
        vm.ipl(image=prog, address=0x400, psw=psw)
    else:
        vm.load(prog, 0x400)
        vm.psw = psw
        vm.begin()
    return vm.run(limit), lpsw_at


def pgm_code(vm) -> int:
    """Program interruption code of the last program check (BC mode old PSW)."""
    return int.from_bytes(vm.read_storage(0x2A, 2), "big")


def channel_program(vm, dev: int, ccws: list[bytes], data: dict | None = None):
    """SIO ``dev`` with the CCWs at X'800' (CAW at X'48'), then TIO to collect the
    status: returns (SIO CC, CSW bytes)."""
    prog = bytearray()
    for i, c in enumerate(ccws):
        prog += c
    d = {0x800: bytes(prog), 0x48: (0x800).to_bytes(4, "big")}
    d.update(data or {})
    # SIO dev; BALR 2,0 (CC); TIO dev
    code = f"9C00 0{dev:03X} 0520 9D00 0{dev:03X}"
    run_code(vm, code, data=d, ipl=False)
    cc = (vm.cpu.gpr[2] >> 28) & 3
    return cc, vm.read_storage(0x40, 8)


def ccw(cmd: int, addr: int, flags: int, count: int) -> bytes:
    return bytes((cmd,)) + addr.to_bytes(3, "big") + bytes((flags, 0)) + count.to_bytes(2, "big")
