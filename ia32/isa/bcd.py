"""Decimal adjusts: DAA DAS AAA AAS AAM AAD, as the 80386 PRM (chapter 17) states
them. AAA/AAS adjust AL and add/subtract 1 to/from AH separately (the 386's
"AL <- AL + 6; AH <- AH + 1", not the later processors' AX + 106H).

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
    def handler(cpu, ins) -> None:
        al, ah = _al_ah(cpu)
        if (al & 0xF) > 9 or _af(cpu):
            al = (al + 6 * delta) & 0xFF
            ah = (ah + delta) & 0xFF
            c = 1
        else:
            c = 0
        al &= 0xF
        cpu.set_reg(0, 16, (ah << 8) | al)
        _set_al_flags(cpu, al, c, c)
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
