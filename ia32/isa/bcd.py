"""Decimal adjusts: DAA DAS AAA AAS AAM AAD (80386 PRM chapter 17, SDM Vol. 2).

Undefined flags follow what test386.asm measured on a 386SX (its POST E0 tests):
DAA/DAS set OF from AL +/- the whole correction; AAA/AAS set SF ZF PF OF from
AL +/- 6 (or AL unadjusted); AAM sets CF OF AF = 0; AAD sets CF OF AF as the
8-bit addition AL + AH * imm8 it performs.
"""
from __future__ import annotations

from ..errors import CPUFault, DE
from ..flags import cv


def _al_ah(cpu) -> tuple[int, int]:
    return cpu.regs[0] & 0xFF, (cpu.regs[0] >> 8) & 0xFF


def _set_al_flags(cpu, al: int, cf: int, af: int, of: int = 0) -> None:
    cpu.lres = al
    cpu.lcv = cv(8, cf, of, af)
    cpu.lbits = 8


def _af(cpu) -> int:
    return (cpu.get_eflags() >> 4) & 1


def _overflow(a: int, b: int, r: int, subtract: bool) -> int:
    """OF of the 8-bit a + b (or a - b) whose result is r."""
    if subtract:
        return ((a ^ b) & (a ^ r) & 0x80) >> 7
    return ((a ^ r) & (b ^ r) & 0x80) >> 7


def _decimal_adjust(subtract: bool):
    """DAA/DAS (SDM "Operation"); OF, undefined, is the overflow of AL plus or minus
    the whole correction (06h, 60h or 66h), as test386.asm found on a 386SX."""
    def handler(cpu, ins) -> None:
        old_al, old_cf, af = cpu.regs[0] & 0xFF, cpu.cf(), _af(cpu)
        correction = 0
        cf = 0
        if (old_al & 0xF) > 9 or af:
            correction = 6
            cf = old_cf or (old_al < 6 if subtract else old_al + 6 > 0xFF)
            af = 1
        else:
            af = 0
        if old_al > 0x99 or old_cf:
            correction += 0x60
            cf = 1
        elif not subtract:
            cf = 0
        al = (old_al - correction if subtract else old_al + correction) & 0xFF
        cpu.set_reg(0, 8, al)
        _set_al_flags(cpu, al, 1 if cf else 0, af, _overflow(old_al, correction, al, subtract))
    return handler


def _ascii_adjust(delta: int):
    """AAA (delta 1): AX += 106h; AAS (delta -1): AX -= 6, AH -= 1 -- the carry or
    borrow of the AL step reaches AH, as the SDM writes it and test386.asm's
    reference output from real hardware shows (the 1986 PRM's "AL <- AL + 6;
    AH <- AH + 1" drops it). The undefined SF ZF PF OF are those of the 8-bit
    AL + 6 (AL - 6), or of AL alone without an adjustment (a 386SX, per test386.asm)."""
    def handler(cpu, ins) -> None:
        ax = cpu.regs[0] & 0xFFFF
        al = ax & 0xFF
        c = 1 if (al & 0xF) > 9 or _af(cpu) else 0
        step = (al + 6 * c * delta) & 0xFF
        if c:
            ax = (ax + 0x106) if delta == 1 else (ax - 6 - 0x100)
        cpu.set_reg(0, 16, ax & 0xFF0F)
        _set_al_flags(cpu, step, c, c, _overflow(al, 6 * c, step, delta < 0))
    return handler


def aam(cpu, ins) -> None:
    """AAM imm8: AH = AL / imm8, AL = AL mod imm8; #DE when imm8 is 0."""
    al, _ = _al_ah(cpu)
    if ins.imm == 0:
        raise CPUFault(DE)
    ah, al = divmod(al, ins.imm)
    cpu.set_reg(0, 16, (ah << 8) | al)
    _set_al_flags(cpu, al, 0, 0)


def aad(cpu, ins) -> None:
    """AAD imm8: AL = AL + AH * imm8, AH = 0."""
    al, ah = _al_ah(cpu)
    b = (ah * ins.imm) & 0xFF
    r = al + b
    cpu.set_reg(0, 16, r & 0xFF)
    cpu.lcv = al ^ b ^ r
    cpu.lres = r & 0xFF
    cpu.lbits = 8


SEMANTICS = {"daa": _decimal_adjust(False), "das": _decimal_adjust(True),
             "aaa": _ascii_adjust(1), "aas": _ascii_adjust(-1),
             "aam": aam, "aad": aad}
