"""Stack operations: PUSH/POP (registers, memory, immediates, segment registers),
PUSHA/POPA, PUSHF/POPF with the IOPL and VM rules, ENTER/LEAVE, and BOUND
(80386 PRM chapter 17). Pushes and pops use the operand size for the value and
SS.B for SP versus ESP (``cpu.push``/``cpu.pop``).
"""
from __future__ import annotations

from ..state import ESP, EBP, SS
from ..errors import BR, CPUFault, GP
from ..flags import IF, IMPLEMENTED, IOPL, RF, VM
from .gen import MASKS, pop_lines, push_lines, rm_read, rm_write


def push(cpu, ins) -> None:
    """PUSH r/m, r, imm. PUSH ESP pushes the value before the push (PRM 17 PUSH)."""
    size = ins.osize >> 3
    tok = ins.form.operands[0]
    if tok.startswith("imm"):
        value = ins.imm
    elif tok.startswith("r/m"):
        value = rm_read(cpu, ins, ins.osize)
    else:
        value = cpu.regs[ins.reg]
    cpu.push(value, size)


def _push(ins) -> list[str] | None:
    """PUSH r and PUSH imm as fragments (PUSH r/m runs through the handler)."""
    tok = ins.form.operands[0]
    if tok.startswith("imm"):
        return push_lines(ins, f"{ins.imm:#x}", ins.osize >> 3)
    if tok not in ("r16", "r32"):
        return None
    return push_lines(ins, f"R[{ins.reg}]", ins.osize >> 3)


def pop(cpu, ins) -> None:
    """POP r/m, r. A memory destination addressed through ESP is computed after the
    increment (PRM 17 POP); a fault on the store leaves ESP as it was."""
    size = ins.osize >> 3
    if ins.form.operands[0].startswith("r/m") and ins.mod != 3:
        old = cpu.regs[ESP]
        value = cpu.pop(size)
        try:
            rm_write(cpu, ins, ins.osize, value)
        except CPUFault:
            cpu.regs[ESP] = old
            raise
        return
    value = cpu.pop(size)
    cpu.set_reg(ins.rm if ins.mod == 3 else ins.reg, ins.osize, value)


def _pop_reg(ins) -> list[str] | None:
    if ins.form.operands[0] != "r32":
        return None
    return pop_lines(ins, "v", 4) + [f"R[{ins.reg}] = v"]


def push_sreg(cpu, ins) -> None:
    """PUSH Sreg: a 32-bit push moves ESP by 4 but writes only the selector's 16
    bits, leaving the upper word of the slot as it was (the 386 and 486 do, which
    test386.asm checks; the SDM allows this or zero extension)."""
    selector = cpu.sregs[ins.operands[0].value].selector
    if ins.osize == 16:
        cpu.push(selector, 2)
        return
    esp = _esp_after(cpu, -4)
    cpu.check_write(SS, esp if cpu.sregs[SS].big else esp & 0xFFFF, 4)
    cpu.write_u16(SS, esp if cpu.sregs[SS].big else esp & 0xFFFF, selector)
    cpu.regs[ESP] = esp


def pop_sreg(cpu, ins) -> None:
    """POP Sreg: the load happens before ESP moves (a fault leaves ESP), and ESP moves
    by the stack size in force before the load (POP SS may change it); POP SS
    inhibits interrupts for one instruction."""
    sreg = ins.operands[0].value
    size = ins.osize >> 3
    value = cpu.read_stack(0, size) & 0xFFFF
    esp = _esp_after(cpu, size)
    cpu.load_sreg(sreg, value)
    cpu.regs[ESP] = esp
    if sreg == SS:
        cpu.shadow = True
        cpu.events = True


def pusha(cpu, ins) -> None:
    """PUSHA/PUSHAD: AX CX DX BX, the original SP, BP SI DI."""
    bits = ins.osize
    size = bits >> 3
    sp = _esp_after(cpu, -8 * size)
    cpu.check_write(SS, sp if cpu.sregs[SS].big else sp & 0xFFFF, 8 * size)
    sp = cpu.get_reg(ESP, bits)
    for n in range(8):
        cpu.push(sp if n == ESP else cpu.get_reg(n, bits), size)


def _esp_after(cpu, delta: int) -> int:
    """ESP after moving the stack pointer by ``delta`` (SP only with a 16-bit stack)."""
    esp = cpu.regs[ESP]
    if cpu.sregs[SS].big:
        return (esp + delta) & 0xFFFFFFFF
    return (esp & 0xFFFF0000) | ((esp + delta) & 0xFFFF)


def popa(cpu, ins) -> None:
    """POPA/POPAD: DI SI BP, skip SP, BX DX CX AX. POPAD on a 16-bit stack leaves
    the upper word of ESP from the skipped ESP slot: the 386 does (test386.asm
    checks it as a 386 erratum)."""
    bits = ins.osize
    size = bits >> 3
    values = [cpu.read_stack(i * size, size) for i in range(8)]
    cpu.adjust_sp(8 * size)
    for i, n in enumerate((7, 6, 5, 4, 3, 2, 1, 0)):
        if n != ESP:
            cpu.set_reg(n, bits, values[i])
    if bits == 32 and not cpu.sregs[SS].big:
        cpu.regs[ESP] = (values[3] & 0xFFFF0000) | (cpu.regs[ESP] & 0xFFFF)


def pushf(cpu, ins) -> None:
    """PUSHF/PUSHFD: #GP(0) in V86 mode with IOPL < 3; the image has VM and RF
    clear (PRM 17 PUSHF)."""
    fl = cpu.get_eflags()
    if fl & VM and (fl & IOPL) != IOPL:
        raise CPUFault(GP, 0)
    cpu.push(fl & ~(VM | RF) & MASKS[ins.osize], ins.osize >> 3)


def popf_mask(cpu, osize: int) -> int:
    """The EFLAGS bits POPF/POPFD may change here (PRM 17 POPF): IOPL only at CPL 0,
    IF only when CPL <= IOPL; never VM or RF. V86 with IOPL < 3 raises #GP(0)."""
    fl = cpu.eflags
    mask = IMPLEMENTED & ~(VM | RF)
    if fl & VM:
        if (fl & IOPL) != IOPL:
            raise CPUFault(GP, 0)
        mask &= ~IOPL
    elif cpu.cr[0] & 1:
        if cpu.cpl:
            mask &= ~IOPL
        if cpu.cpl > (fl & IOPL) >> 12:
            mask &= ~IF
    return mask & MASKS[osize]


def popf(cpu, ins) -> None:
    size = ins.osize >> 3
    mask = popf_mask(cpu, ins.osize)
    value = cpu.pop(size)
    cpu.set_eflags(value, mask)


def enter(cpu, ins) -> None:
    """ENTER imm16, imm8 (PRM 17 ENTER): push (E)BP, copy level-1 frame pointers
    from [(E)BP], push the frame pointer when level > 0, then (E)BP = frame and
    (E)SP -= imm16. The frame pointer is the whole ESP with a 32-bit operand size
    and (E)BP takes it by the operand size; the copies are addressed and the
    final subtraction done by the stack size (as test386.asm checks and Bochs does)."""
    size = ins.osize >> 3
    level = ins.imm2 & 31
    smask = 0xFFFFFFFF if cpu.sregs[SS].big else 0xFFFF
    esp = cpu.regs[ESP]
    try:
        cpu.push(cpu.get_reg(EBP, ins.osize), size)
        frame = cpu.get_reg(ESP, ins.osize)
        if level:
            bp = cpu.regs[EBP]
            for _ in range(level - 1):
                bp = (bp - size) & smask
                cpu.push(cpu.read(SS, bp, size), size)
            cpu.push(frame, size)
        cpu.adjust_sp(-ins.imm)
        # the final stack pointer must be writable (SDM ENTER: #SS/#PF "if the
        # value in ESP ... after the instruction is outside the stack segment")
        cpu.check_write(SS, cpu.regs[ESP] & smask, 1)
    except CPUFault:
        cpu.regs[ESP] = esp
        raise
    cpu.set_reg(EBP, ins.osize, frame)


def leave(cpu, ins) -> None:
    """LEAVE: ESP = EBP (SP = BP with a 16-bit stack), then pop EBP."""
    if cpu.sregs[SS].big:
        cpu.regs[ESP] = cpu.regs[EBP]
    else:
        cpu.set_reg(ESP, 16, cpu.regs[EBP])
    cpu.set_reg(EBP, ins.osize, cpu.pop(ins.osize >> 3))


def bound(cpu, ins) -> None:
    """BOUND r, m: #BR unless lower <= r <= upper, all signed (PRM 17 BOUND)."""
    bits = ins.osize
    size = bits >> 3
    off = ins.ea(cpu.regs)

    def signed(v: int) -> int:
        return v - (1 << bits) if v >> (bits - 1) else v

    lower = signed(cpu.read(ins.seg, off, size))
    upper = signed(cpu.read(ins.seg, (off + size) & MASKS[ins.asize], size))
    if not lower <= signed(cpu.get_reg(ins.reg, bits)) <= upper:
        raise CPUFault(BR)


SEMANTICS = {"push": push, "pop": pop, "push_sreg": push_sreg, "pop_sreg": pop_sreg,
             "pusha": pusha, "popa": popa, "pushf": pushf, "popf": popf, "enter": enter,
             "leave": leave, "bound": bound}
FRAGMENTS = {"push": _push, "pop": _pop_reg}
