"""Shared harness for the general-instruction tests: encode instructions by
mnemonic (opcodes come from the one instruction table), run a short program that
ends with SVC 255, and read back registers, storage, CC and any program
interruption (code, ILC and instruction address from the BC-mode old PSW)."""
from __future__ import annotations

from dataclasses import dataclass

from s370.isa import BY_MNEMONIC
from tests.s370.helpers import CODE, run_code

#: Every test program ends with SVC 255; its new PSW is a disabled wait at X'BEEF00'.
END = bytes.fromhex("0AFF")
SVC_OLD, PGM_OLD = 0x20, 0x28


#: Tests address their code through base register 12, which ``run`` sets to X'1000'
#: unless the test gives it another value: X'1008' is written ``C(8)``.
CB = 12


def C(offset: int) -> dict:
    """Keyword arguments addressing code offset ``offset`` through R12."""
    return {"d2": offset, "b2": CB}


def _bd(b: int, d: int) -> bytes:
    if not 0 <= d <= 0xFFF or not 0 <= b <= 15:
        raise ValueError(f"displacement {d:X} or base {b} out of range")
    return bytes(((b << 4) | (d >> 8), d & 0xFF))


def _op(mnemonic: str) -> bytes:
    code = BY_MNEMONIC[mnemonic].opcode
    return code.to_bytes(2 if code > 0xFF else 1, "big")


def RR(mn: str, r1: int, r2: int = 0) -> bytes:
    return _op(mn) + bytes(((r1 << 4) | r2,))


def RX(mn: str, r1: int, d2: int, x2: int = 0, b2: int = 0) -> bytes:
    return _op(mn) + bytes(((r1 << 4) | x2,)) + _bd(b2, d2)


def RS(mn: str, r1: int, r3: int, d2: int, b2: int = 0) -> bytes:
    return _op(mn) + bytes(((r1 << 4) | r3,)) + _bd(b2, d2)


def SH(mn: str, r1: int, d2: int, b2: int = 0) -> bytes:
    """Shift instructions: RS format without R3."""
    return RS(mn, r1, 0, d2, b2)


def SI(mn: str, d1: int, i2: int, b1: int = 0) -> bytes:
    return _op(mn) + bytes((i2,)) + _bd(b1, d1)


def S(mn: str, d2: int, b2: int = 0) -> bytes:
    op = _op(mn)
    if len(op) == 1:
        op += b"\x00"
    return op + _bd(b2, d2)


def SS(mn: str, d1: int, length: int, d2: int, b1: int = 0, b2: int = 0) -> bytes:
    """SS with one length: ``length`` is the number of bytes (1..256)."""
    return _op(mn) + bytes((length - 1,)) + _bd(b1, d1) + _bd(b2, d2)


def SS2(mn: str, d1: int, len1: int, d2: int, len2: int, b1: int = 0, b2: int = 0) -> bytes:
    return _op(mn) + bytes((((len1 - 1) << 4) | (len2 - 1),)) + _bd(b1, d1) + _bd(b2, d2)


@dataclass
class Outcome:
    """What a test program left behind."""
    machine: object

    @property
    def regs(self) -> list[int]:
        return self.machine.cpu.gpr

    def mem(self, addr: int, n: int) -> bytes:
        return bytes(self.machine.storage.mem[addr:addr + n])

    def _old(self, at: int) -> int:
        return int.from_bytes(self.machine.storage.mem[at:at + 8], "big")

    @property
    def ended(self) -> bool:
        """The program reached its closing SVC 255."""
        return self.machine.cpu.ia == 0xBEEF00

    @property
    def pgm(self) -> tuple[int, int, int] | None:
        """(interruption code, ILC, instruction address) of a program interruption."""
        if self.machine.cpu.ia != 0xDEAD00:
            return None
        old = self._old(PGM_OLD)
        return (old >> 32) & 0xFFFF, (old >> 30) & 3, old & 0xFFFFFF

    @property
    def cc(self) -> int:
        """CC at the end of the program (or at the program interruption)."""
        old = self._old(SVC_OLD if self.ended else PGM_OLD)
        return (old >> 28) & 3

    @property
    def svc_old(self) -> int:
        return self._old(SVC_OLD)


#: Storage modes the storage-operand tests run in: key 0 (inline fast paths), PSW
#: and storage key 3 (checked paths), and mmap-backed storage.
MODES = {"fast": {}, "checked": {"key": 3}, "sparse": {"sparse": True}}


def run(code: bytes, *, regs: dict | None = None, mem: dict | None = None, cc: int = 0,
        pm: int = 0, key: int = 0, setup=None, limit: int = 10_000,
        size: int = 1 << 20, sparse: bool = False) -> Outcome:
    """Run ``code`` at X'1000' (BC mode, supervisor, given CC, program mask and PSW
    key) followed by SVC 255. ``mem`` maps addresses to bytes placed first. With a
    nonzero ``key`` every storage key is set to it, so results must equal those of
    key 0 while the instructions take their fully checked storage paths. ``sparse``
    backs storage by an mmap, as CP's virtual machines are (slices are bytes)."""
    def prepare(m):
        if sparse:
            import mmap
            mm = mmap.mmap(-1, m.storage.size)
            mm[:] = bytes(m.storage.mem)
            m.storage.mem = m.cpu.mem = mm
            m.storage.sparse = True
        for addr, data in (mem or {}).items():
            m.storage.mem[addr:addr + len(data)] = data
        if key:
            m.storage.keys[:] = bytes((key << 4,)) * len(m.storage.keys)
        if setup:
            setup(m)
    psw = (key << 52) | (((cc << 4) | pm) << 24) | CODE
    regs = {CB: CODE, **(regs or {})}
    m = run_code(code + END, regs=regs, setup=prepare, psw=psw, limit=limit, size=size)
    out = Outcome(m)
    assert out.ended or out.pgm is not None, "program neither ended nor took a program check"
    return out


def w(v: int) -> bytes:
    """A big-endian word."""
    return (v & 0xFFFFFFFF).to_bytes(4, "big")


def s32(v: int) -> int:
    return v - (1 << 32) if v & 0x80000000 else v
