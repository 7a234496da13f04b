"""DAT addressing checks under every assist set (issue 17's open mismatch).

GA22-7000 "Dynamic Address Translation": the real address a page-table entry
gives is checked for availability after translation, and so are the addresses
of the table entries themselves ("Translation Exceptions"; "Addressing
Exception": a segment-table or page-table entry outside storage, or the operand
or instruction's translated real address outside storage). Each is an
addressing exception (code 5); for an operand the instruction is suppressed, so
the old PSW points past it with its ILC. The guests are 64K and run on the bare
machine and in a 64K virtual machine under every assist set: the shadow tables
(CP's and the VMA's validation) and the shadow-table bypass must check exactly
what the hardware checks. The frame right above a V=R guest is its window into
CP's storage (the documented trade-off of the trusted bypass), so the V=R
bypass sets are held to this only for frames past it.

Issue 17 reported a generated guest (4K pages, the entry for virtual page 8
X'0100' = real X'10000', ``MVC 0(5,3)`` with R3 = X'8000') that stored under CP
where the bare machine gave code 5; these cases pin that result, with the
operand, the tables and the instruction fetch outside storage."""
from __future__ import annotations

import pytest

from s370.asm import assemble
from s370.machine import Machine

from tests.campaign.runner import ASSIST_SETS
from cp import System, SystemConfig

SIZE = 64 * 1024
PGM_WAIT = 0x0002000000DEAD00

#: IPL PSW to BEGIN; program new PSW a disabled wait at X'DEAD00'. The body
#: loads CR0 (4K pages, 64K segments) and CR1 and goes on in EC mode with DAT
#: on at DATGO, R3 = virtual ``addr`` (X'8000': page 8, whose entry is
#: ``pte``; X'18000': segment 1, whose entry is ``ste``); the statement ``OP``
#: is then tried and ``LPSW ECDONE`` ends the run.
SOURCE = """\
TEST     START 0
         DC    X'0000000000',AL3(BEGIN)
         ORG   TEST+X'68'
         DC    X'0002000000DEAD00'
         ORG   TEST+X'400'
BEGIN    BALR  12,0
         USING *,12
         LCTL  0,1,CRS
         LPSW  DATPSW
DATGO    L     3,=A({addr})
OP       {op}
NEXT     LPSW  ECDONE
SRC      DC    C'HELLO'
         LTORG
         DS    0D
DATPSW   DC    X'0408000000',AL3(DATGO)
ECDONE   DC    X'000A000000000000'
CRS      DC    X'00800000',A({cr1})
         ORG   TEST+X'1000'
SEG      DC    X'F0',AL3(PT),{ste},14X'00000001'
PT       DC    X'0000',X'0010',X'0020',X'0030'
         DC    X'0040',X'0050',X'0060',X'0070'
         DC    {pte},7X'0008'
{tail}
         END   BEGIN
"""
PT = 0x1004


def _image(op: str, pte: str = "X'0080'", ste: str = "X'00000001'", addr: str = "X'8000'",
           cr1: str = "SEG", tail: str = ""):
    asm = assemble(SOURCE.format(op=op, pte=pte, ste=ste, addr=addr, cr1=cr1, tail=tail))
    assert asm.rc == 0, [m.message for m in asm.errors]
    return bytes(asm.core), asm.symbols


def _state(cpu, mem, keys) -> tuple:
    return (cpu.psw, tuple(cpu.gpr), cpu.count, bytes(mem[:SIZE]), bytes(keys[:SIZE // 2048]))


def _bare(img: bytes):
    m = Machine(SIZE)
    m.load_image(img)
    m.ipl_psw()
    m.run(1000)
    return m.cpu, _state(m.cpu, m.storage.mem, m.storage.keys)


def _every_assist_set(img: bytes, window_differs: bool) -> None:
    """The same run in a 64K VM under each assist set as on the bare machine."""
    _, want = _bare(img)
    for label, (installed, option, stb) in ASSIST_SETS.items():
        if window_differs and label.endswith("V=R"):
            continue
        vm = System(SystemConfig(assists=installed)).logon("T", SIZE)
        if option:
            vm.configure_assists(options={option: True}, stbypass=stb)
        assert vm.backend.assist.active == frozenset(installed), label
        vm.ipl(image=img)
        vm.run(1000)
        assert _state(vm.cpu, vm.storage.mem, vm.storage.keys) == want, label


def _addressing(cpu, symbols, at: str, length: int) -> None:
    """The program interruption the bare machine gave: code 5 with the ILC of
    the ``length``-byte instruction at ``at`` (EC mode: X'8C'-X'8F'), the old
    PSW (EC, DAT on, key 0) pointing past it, then the program new PSW."""
    mem = cpu.mem
    ia = symbols[at].value
    assert mem[0x8C:0x90] == bytes((0, length // 2 << 1, 0, 5))
    assert mem[0x28:0x30] == (0x0408000000000000 | ia + length).to_bytes(8, "big")
    assert cpu.psw == PGM_WAIT


@pytest.mark.parametrize("op,length", [
    ("MVC   0(5,3),SRC", 6), ("ST    3,0(3)", 4), ("STM   4,5,0(3)", 4), ("L     4,0(3)", 4),
    ("CLC   0(5,3),SRC", 6), ("MVI   0(3),X'11'", 4), ("TR    SRC(5),0(3)", 6),
    ("MVCL  4,6", 2)])
@pytest.mark.parametrize("pte,window", [("X'0100'", True), ("X'0110'", False), ("X'FFF0'", False)])
def test_operand_frame_beyond_storage_is_an_addressing_exception(op, length, pte, window):
    """Virtual page 8 maps to real X'10000' (just past the 64K), X'11000' (past
    the V=R window too) or X'FFF000': the operand at virtual X'8000' is an
    addressing exception, nothing is stored, the key of real block X'8000' is
    untouched (issue 17 had it gain R and C under CP)."""
    if op.startswith("MVCL"):
        op = "LA    4,0(,3)\n         LA    5,5\n         LA    6,SRC\n         LA    7,5\n" \
             "MVCLOP   MVCL  4,6"
    img, sym = _image(op, pte=pte)
    cpu, state = _bare(img)
    _addressing(cpu, sym, "MVCLOP" if "MVCL" in op else "OP", length)
    assert cpu.skeys[0x8000 >> 11] == 0 and bytes(cpu.mem[0x8000:0x8010]) == bytes(16)
    _every_assist_set(img, window)


def test_instruction_fetch_from_a_frame_beyond_storage():
    """BR 3 to virtual X'8000' (real X'11000'): the fetch of the target is an
    addressing exception; the old PSW has the target advanced by 2 and ILC 1
    (GA22-7000 "Instruction-Length Code": an access exception on instruction
    fetch gives ILC 1, 2 or 3; this machine gives 1 when the first halfword
    cannot be fetched)."""
    img, sym = _image("BR    3", pte="X'0110'")
    cpu, _ = _bare(img)
    assert cpu.mem[0x8C:0x90] == bytes((0, 2, 0, 5))
    assert cpu.mem[0x28:0x30] == (0x0408000000000000 | 0x8002).to_bytes(8, "big")
    _every_assist_set(img, False)


@pytest.mark.parametrize("ste,window", [("X'F0',AL3(X'10000')", True),
                                        ("X'F0',AL3(X'FFFF0')", False)])
def test_page_table_beyond_storage_is_an_addressing_exception(ste, window):
    """The page-table entry for the operand's address (virtual X'18000',
    segment 1) lies outside storage, just past it (in a V=R guest's window) or
    far past: addressing exception, the MVC suppressed."""
    img, sym = _image("MVC   0(5,3),SRC", ste=ste, addr="X'18000'")
    cpu, _ = _bare(img)
    _addressing(cpu, sym, "OP", 6)
    _every_assist_set(img, window)


def test_segment_table_entry_beyond_storage_is_an_addressing_exception():
    """The segment table at X'FFC0' with 32 entries (CR1 length 1): segment 0's
    entry is the last word but 15 of storage, segment 16's (virtual X'100000')
    is at real X'10000', past it: addressing exception for the operand."""
    tail = "         ORG   TEST+X'FFC0'\n         DC    X'F0',AL3(PT),15X'00000001'"
    img, sym = _image("MVC   0(5,3),SRC", addr="X'100000'", cr1="X'0100FFC0'", tail=tail)
    cpu, _ = _bare(img)
    _addressing(cpu, sym, "OP", 6)
    _every_assist_set(img, True)           # X'10000': a V=R guest's window


def test_segment_table_past_storage_stops_the_first_fetch():
    """CR1 names a segment table past storage: the first instruction fetched with
    DAT on (DATGO) is an addressing exception (ILC 1, the old PSW at DATGO + 2)."""
    img, sym = _image("MVC   0(5,3),SRC", cr1="X'10000'")
    cpu, _ = _bare(img)
    assert cpu.mem[0x8C:0x90] == bytes((0, 2, 0, 5))
    dat = sym["DATGO"].value
    assert cpu.mem[0x28:0x30] == (0x0408000000000000 | dat + 2).to_bytes(8, "big")
    _every_assist_set(img, True)           # X'10000': a V=R guest's window
