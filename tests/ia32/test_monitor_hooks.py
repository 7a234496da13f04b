"""The two places a virtual machine monitor plugs into the CPU (ia32/cpu.py's
module docstring): ``intercept`` takes an exception or interrupt before the IDT
would (a VMM's own ring-0 handlers), ``rewrite`` replaces an instruction's
semantics as its block is built (scanning, binary translation), and code sets
keep rewritten blocks apart from the others."""
from __future__ import annotations

from .helpers import CODE, STACK, flat32_cpu

EAX, EBX, ESP = 0, 3, 4


def taking(*vectors):
    seen = []

    def intercept(vector, error_code, soft):
        seen.append((vector, error_code, soft))
        return vector in vectors
    return intercept, seen


def test_int_n_intercepted_stops_after_the_instruction_with_nothing_pushed():
    cpu = flat32_cpu(bytes.fromhex("B801000000"   # mov eax,1
                                   "CD80"         # int 80h
                                   "BB02000000"   # mov ebx,2
                                   "F4"))
    cpu.intercept, seen = taking(0x80)
    assert cpu.run(100) == "intercept"
    assert cpu.intercepted == (0x80, None, True)
    assert cpu.eip == CODE + 7                # past INT 80h (a trap)
    assert (cpu.regs[EAX], cpu.regs[EBX], cpu.regs[ESP]) == (1, 0, STACK)
    assert cpu.instructions == 2
    assert cpu.run(100) == "hlt"              # the monitor resumes it
    assert cpu.regs[EBX] == 2


def test_fault_intercepted_leaves_eip_at_the_faulting_instruction():
    cpu = flat32_cpu(bytes.fromhex("31C9"         # xor ecx,ecx
                                   "F7F1"         # div ecx: #DE (vector 0, a fault)
                                   "F4"))
    cpu.intercept, seen = taking(0)
    assert cpu.run(100) == "intercept"
    assert cpu.intercepted == (0, None, False)
    assert cpu.eip == CODE + 2
    assert cpu.regs[ESP] == STACK


def test_vectors_the_monitor_declines_go_through_the_idt_as_usual():
    """Declined: the IDT (base 0, limit FFFF, all zero) is used, and its null
    gate makes a #GP(0x80*8+2) that the monitor sees next (PRM 9.8.13)."""
    cpu = flat32_cpu(bytes.fromhex("CD80F4"))
    cpu.intercept, seen = taking(13)
    assert cpu.run(100) == "intercept"
    assert seen == [(0x80, None, True), (13, 0x80 * 8 + 2, False)]


def test_rewrite_replaces_the_instruction_and_ends_the_block():
    cpu = flat32_cpu(bytes.fromhex("40"           # inc eax  (rewritten)
                                   "40"           # inc eax
                                   "F4"))
    calls = []

    def sgdt_like(cpu, ins):
        calls.append(ins.eip)
        cpu.regs[EBX] = 0x1234

    cpu.rewrite = lambda cpu, ins: sgdt_like if ins.eip == CODE else None
    assert cpu.run(100) == "hlt"
    assert calls == [CODE]
    assert (cpu.regs[EAX], cpu.regs[EBX]) == (1, 0x1234)


def test_code_sets_keep_rewritten_blocks_apart():
    cpu = flat32_cpu(bytes.fromhex("40F4"))       # inc eax / hlt
    cpu.use_code_set("kernel")
    cpu.rewrite = lambda cpu, ins: (lambda c, i: None) if ins.mnemonic == "INC" else None
    assert cpu.run(10) == "hlt" and cpu.regs[EAX] == 0
    cpu.rewrite = None
    cpu.use_code_set(None)                        # the machine's own set: not rewritten
    cpu.eip, cpu.halted = CODE, False
    assert cpu.run(10) == "hlt" and cpu.regs[EAX] == 1
    cpu.use_code_set("kernel")                    # the rewritten block is still cached
    cpu.eip, cpu.halted = CODE, False
    assert cpu.run(10) == "hlt" and cpu.regs[EAX] == 1


def test_blocks_built_and_code_invalidations_are_counted():
    """A store into a decoded block's bytes drops it (self-modifying code) and counts
    one invalidation; running it again builds it again."""
    cpu = flat32_cpu(bytes.fromhex("C605" "07100000" "90"   # mov byte [CODE+7], 90h
                                   "F4F4"))                 # hlt (becomes nop); hlt
    assert cpu.run(10) == "hlt"
    assert (cpu.blocks_built, cpu.code_invalidations) == (1, 1)
    cpu.eip, cpu.halted = CODE, False
    assert cpu.run(10) == "hlt" and cpu.eip == CODE + 9   # mov, nop, hlt
    assert (cpu.blocks_built, cpu.code_invalidations) == (2, 2)
