"""String instructions: MOVS CMPS STOS LODS SCAS INS OUTS, with REP/REPE/REPNE
(80386 PRM chapter 17, and 17.2.2.2 for the prefixes).

The source is seg:(E)SI with DS unless a prefix overrides it, the destination
always ES:(E)DI; the address size picks SI/DI/CX or ESI/EDI/ECX, DF the
direction. A repeated instruction runs to the end of the count in one step;
the registers advance element by element, so a fault in the middle leaves them
at the faulting element and the instruction (EIP still at it) resumes from there.
REPE/REPNE stop CMPS and SCAS when ZF no longer matches.
"""
from __future__ import annotations

from ..flags import DF
from ..state import ES
from .gen import MASKS
from .misc import check_io


def _elem(ins) -> int:
    return 1 if ins.mnemonic.endswith("B") else ins.osize >> 3


def _advance(R, n: int, delta: int, amask: int) -> None:
    R[n] = (R[n] & ~amask & 0xFFFFFFFF) | ((R[n] + delta) & amask)


def _span(cpu, sreg: int, off: int, nbytes: int, tlb: dict, write: bool) -> int | None:
    """The physical address of ``nbytes`` at sreg:off if they are within the
    segment's limits, in one page and in the TLB (plain RAM, no decoded code for a
    write: ``ia32.cpu``), else None."""
    seg = cpu.sregs[sreg]
    lo, hi = (seg.wlo, seg.whi) if write else (seg.rlo, seg.rhi)
    if off < lo or off + nbytes - 1 > hi:
        return None
    lin = (seg.base + off) & 0xFFFFFFFF
    if (lin & 0xFFF) + nbytes > 0x1000:
        return None
    frame = tlb.get(lin >> 12)
    return None if frame is None else frame | (lin & 0xFFF)


def _forward_in_page(cpu, kind: str, src: int, size: int, amask: int, count: int) -> int:
    """REP MOVS/STOS with DF=0: do at once the elements that stay in the current
    source and destination pages, when those are plain RAM in the TLB and within the
    segments' limits; the number done (0: the next element goes the slow way).
    The result is the element-by-element one: a MOVS whose destination starts less
    than a chunk after its source copies at most that distance at a time."""
    R = cpu.regs
    di = R[7] & amask
    n = min(count, (0x1000 - ((cpu.sregs[ES].base + di) & 0xFFF)) // size,
            (amask + 1 - di) // size)
    if kind == "movs":
        si = R[6] & amask
        n = min(n, (0x1000 - ((cpu.sregs[src].base + si) & 0xFFF)) // size,
                (amask + 1 - si) // size)
    if n < 2:
        return 0
    nbytes = n * size
    d = _span(cpu, ES, di, nbytes, cpu.wtlb, True)
    if d is None:
        return 0
    ram = cpu.ram
    if kind == "stos":
        ram[d:d + nbytes] = (R[0] & MASKS[size * 8]).to_bytes(size, "little") * n
    else:
        s = _span(cpu, src, si, nbytes, cpu.rtlb, False)
        if s is None:
            return 0
        if 0 < d - s < nbytes:
            n = (d - s) // size
            if n < 2:
                return 0
            nbytes = n * size
        ram[d:d + nbytes] = ram[s:s + nbytes]
        _advance(R, 6, nbytes, amask)
    _advance(R, 7, nbytes, amask)
    return n


def _string(kind: str):
    def handler(cpu, ins) -> None:
        R = cpu.regs
        size = _elem(ins)
        bits = size * 8
        amask = MASKS[ins.asize]
        step = -size if cpu.eflags & DF else size
        src = ins.seg
        rep = ins.rep
        compare = kind in ("cmps", "scas")
        if kind in ("ins", "outs"):
            check_io(cpu, R[2] & 0xFFFF, size)
        count = R[1] & amask if rep else 1
        bulk = rep and step > 0 and kind in ("movs", "stos")
        while count:
            if bulk:
                n = _forward_in_page(cpu, kind, src, size, amask, count)
                if n:
                    count -= n
                    _advance(R, 1, -n, amask)
                    continue
            if kind == "movs":
                cpu.write(ES, R[7] & amask, size, cpu.read(src, R[6] & amask, size))
                _advance(R, 6, step, amask)
                _advance(R, 7, step, amask)
            elif kind == "stos":
                cpu.write(ES, R[7] & amask, size, R[0])
                _advance(R, 7, step, amask)
            elif kind == "lods":
                cpu.set_reg(0, bits, cpu.read(src, R[6] & amask, size))
                _advance(R, 6, step, amask)
            elif kind == "ins":
                cpu.check_write(ES, R[7] & amask, size)
                cpu.write(ES, R[7] & amask, size, cpu.io.read(R[2] & 0xFFFF, size))
                _advance(R, 7, step, amask)
            elif kind == "outs":
                cpu.io.write(R[2] & 0xFFFF, size, cpu.read(src, R[6] & amask, size))
                _advance(R, 6, step, amask)
            else:
                if kind == "cmps":
                    a = cpu.read(src, R[6] & amask, size)
                    b = cpu.read(ES, R[7] & amask, size)
                    _advance(R, 6, step, amask)
                else:
                    a = cpu.get_reg(0, bits)
                    b = cpu.read(ES, R[7] & amask, size)
                _advance(R, 7, step, amask)
                r = a - b
                cpu.lcv = a ^ b ^ r
                cpu.lres = r & MASKS[bits]
                cpu.lbits = bits
            if not rep:
                return
            count -= 1
            _advance(R, 1, -1, amask)
            if compare and (cpu.lres == 0) != (rep == "rep"):
                return
    return handler


SEMANTICS = {k: _string(k) for k in ("movs", "cmps", "stos", "lods", "scas", "ins", "outs")}
