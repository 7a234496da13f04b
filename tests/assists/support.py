"""Helpers for the assist tests: assemble a small guest, run it on the bare machine
or under CP with a chosen assist set, and compare guest-visible results."""
from __future__ import annotations

from s370.asm import assemble
from s370.machine import Machine

from cp import System, SystemConfig

STORAGE = 1 << 20
#: Prologue of every test guest: IPL PSW (BC, disabled) to BEGIN at X'400',
#: program new PSW a disabled wait with X'DEAD00', SVC new PSW to SVCNEW.
PROLOGUE = """\
TEST     START 0
         DC    X'0000000000',AL3(BEGIN)
         ORG   TEST+X'60'
         DC    X'0000000000',AL3(SVCNEW)
         DC    X'0002000000',AL3(X'DEAD00')
         ORG   TEST+X'400'
BEGIN    BALR  12,0
         USING *,12
"""
EPILOGUE = """\
SVCNEW   LPSW  X'20'
         DS    0D
DONEPSW  DC    X'0002000000000000'
"""


def image(body: str, data: str = "") -> bytes:
    """A guest: PROLOGUE, ``body`` (must end by loading DONEPSW or another wait),
    EPILOGUE, ``data``."""
    src = PROLOGUE + body + EPILOGUE + data + "         END   BEGIN\n"
    asm = assemble(src)
    assert asm.rc <= 4, [m.message for m in asm.errors]
    return bytes(asm.core)


def bare(img: bytes, limit: int = 200_000):
    m = Machine(STORAGE)
    m.load_image(img)
    m.ipl_psw()
    m.run(limit)
    return m.cpu


def under_cp(img: bytes, assists=(), limit: int = 200_000, options=None, stbypass=None,
             storage: int = STORAGE, **switches):
    """Run ``img`` in one VM of a CP whose machine has ``assists``; returns the VM."""
    system = System(SystemConfig(assists=tuple(assists)))
    vm = system.logon("TEST", storage=storage)
    if options is not None or stbypass is not None or switches:
        vm.configure_assists(options=options, stbypass=stbypass, **switches)
    vm.ipl(image=img)
    vm.run(limit)
    return vm


def visible(cpu, storage: int = STORAGE) -> tuple:
    """Guest-visible state: GPRs, PSW, control registers, storage and keys."""
    return (tuple(cpu.gpr), cpu.psw, tuple(cpu.cr), bytes(cpu.mem[:storage]),
            bytes(cpu.skeys[:storage // 2048]))
