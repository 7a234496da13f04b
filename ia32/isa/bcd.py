"""Decimal adjusts: DAA DAS AAA AAS AAM AAD (80386 PRM chapter 17, SDM Vol. 2).

Undefined flags: DAA/DAS leave OF = 0; AAA/AAS set SF ZF PF from the final AL and
OF = 0; AAM sets CF OF AF = 0; AAD sets CF OF AF as the 8-bit addition
AL + AH * imm8 it performs (what the processor's adder leaves; Bochs agrees).
"""
from __future__ import annotations

from ..errors import CPUFault, DE
from ..flags import cv


def _al_ah(cpu) -> tuple[int, int]:
    return cpu.regs[0] & 0xFF, (cpu.regs[0] >> 8) & 0xFF


def _set_al_flags(cpu, al: int, cf: int, af: int) -> None:
    cpu.lres = al
    cpu.lcv = cv(8, cf, 0, af)
    cpu.lbits = 8


def _af(cpu) -> int:
    return (cpu.get_eflags() >> 4) & 1


def daa(cpu, ins) -> None:
    al, _ = _al_ah(cpu)
    old_al, old_cf, af = al, cpu.cf(), _af(cpu)
    cf = 0
    if (al & 0xF) > 9 or af:
        cf = old_cf or (al + 6 > 0xFF)
        al = (al + 6) & 0xFF
        af = 1
    else:
        af = 0
    if old_al > 0x99 or old_cf:
        al = (al + 0x60) & 0xFF
        cf = 1
    cpu.set_reg(0, 8, al)
    _set_al_flags(cpu, al, 1 if cf else 0, af)


def das(cpu, ins) -> None:
    al, _ = _al_ah(cpu)
    old_al, old_cf, af = al, cpu.cf(), _af(cpu)
    cf = 0
    if (al & 0xF) > 9 or af:
        cf = old_cf or (al < 6)
        al = (al - 6) & 0xFF
        af = 1
    else:
        af = 0
    if old_al > 0x99 or old_cf:
        al = (al - 0x60) & 0xFF
        cf = 1
    cpu.set_reg(0, 8, al)
    _set_al_flags(cpu, al, 1 if cf else 0, af)


def _ascii_adjust(delta: int):
    """AAA (delta 1): AX += 106h; AAS (delta -1): AX -= 6, AH -= 1 -- the carry or
    borrow of the AL step reaches AH, as the SDM writes it and test386.asm's
    reference output from real hardware shows (the 1986 PRM's "AL <- AL + 6;
    AH <- AH + 1" drops it)."""
    def handler(cpu, ins) -> None:
        ax = cpu.regs[0] & 0xFFFF
        if (ax & 0xF) > 9 or _af(cpu):
            ax = (ax + 0x106) if delta == 1 else (ax - 6 - 0x100)
            c = 1
        else:
            c = 0
        ax &= 0xFF0F
        cpu.set_reg(0, 16, ax)
        _set_al_flags(cpu, ax & 0xFF, c, c)
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


SEMANTICS = {"daa": daa, "das": das, "aaa": _ascii_adjust(1), "aas": _ascii_adjust(-1),
             "aam": aam, "aad": aad}
