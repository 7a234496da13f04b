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

#: Data of a guest that turns DAT on: its body starts ``LCTL 0,1,CRS`` and ``LPSW
#: DATPSW``, goes on at DATGO in EC mode with DAT on (segment table SEG, which
#: the test places) and ends with ``LPSW ECDONE``.
DAT_DATA = """\
         DS    0D
DATPSW   DC    X'0408000000',AL3(DATGO)
ECDONE   DC    X'000A000000000000'
CRS      DC    X'00800000',A(SEG)
"""
#: Data that makes the external new PSW go to EXTNEW, which ends the test.
EXT_DATA = """\
         ORG   TEST+X'58'
         DC    X'0000000000',AL3(EXTNEW)
         ORG
EXTNEW   LPSW  DONEPSW
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


def with_external(img: bytes, assists, code: int = 0x0040):
    """Run ``img`` in a VM of a CP with ``assists`` with an external interruption
    (``code``: the interrupt key) pending from the start; returns the VM."""
    system = System(SystemConfig(assists=tuple(assists)))
    vm = system.logon("T", storage=STORAGE)
    vm.ipl(image=img)
    vm.external(code)
    vm.run(10_000)
    return vm


def visible(cpu, storage: int = STORAGE) -> tuple:
    """Guest-visible state: GPRs, FPRs, PSW, control registers, instruction count,
    storage and keys (with reference and change bits)."""
    return (tuple(cpu.gpr), tuple(cpu.fpr), cpu.psw, tuple(cpu.cr), cpu.count,
            bytes(cpu.mem[:storage]), bytes(cpu.skeys[:storage // 2048]))
