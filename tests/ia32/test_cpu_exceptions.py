"""Exceptions and interrupts in real mode, through the IVT (80386 PRM 14.1.4 and
chapter 9 for which exceptions are faults, the EIP they report), the decode
cache against self-modifying code, and the double-fault and shutdown rules."""
from __future__ import annotations

from ia32.errors import BP, BR, DE, OF as OF_VECTOR, UD
from ia32.flags import IF, TF

from .helpers import STACK, real_cpu

HANDLER = 0x2000


def with_handler(code: str, vector: int):
    """A real-mode CPU running ``code`` at 0:1000 with vector's IVT entry at 0:2000
    (where a HLT waits)."""
    cpu = real_cpu(bytes.fromhex(code))
    cpu.memory.load(vector * 4, HANDLER.to_bytes(2, "little") + b"\x00\x00")
    cpu.memory.load(HANDLER, b"\xF4")
    return cpu


def frame(cpu) -> tuple[int, int, int]:
    """(IP, CS, FLAGS) the delivery pushed."""
    sp = cpu.regs[4] & 0xFFFF
    return tuple(cpu.memory.read(sp + 2 * i, 2) for i in range(3))


def test_prm_9_8_1_divide_error_is_a_fault_on_the_div():
    cpu = with_handler("31DBF7F3F4", DE)                  # xor bx,bx; div bx
    assert cpu.run(10) == "hlt"
    assert cpu.eip == HANDLER + 1
    assert frame(cpu)[:2] == (0x1002, 0)                  # IP of the DIV itself
    assert cpu.regs[4] == STACK - 6


def test_prm_17_div_quotient_overflow_is_de():
    cpu = with_handler("BA0100BB0100F7F3F4", DE)          # mov dx,1; mov bx,1; div bx
    cpu.run(10)
    assert frame(cpu)[0] == 0x1006


def test_prm_17_int_n_pushes_the_next_ip_and_clears_if_tf():
    cpu = with_handler("CD41F4", 0x41)                    # int 41h (single-stepped)
    cpu.set_eflags(IF | TF, IF | TF)
    cpu.run(10)
    ip, cs, fl = frame(cpu)
    assert (ip, cs) == (0x1002, 0) and fl & (IF | TF) == IF | TF
    assert not cpu.eflags & (IF | TF)


def test_prm_17_int3_and_into_are_traps():
    cpu = with_handler("CCF4", BP)
    cpu.run(10)
    assert frame(cpu)[0] == 0x1001
    cpu = with_handler("B07F0401CEF4", OF_VECTOR)         # mov al,7Fh; add al,1; into
    cpu.run(10)
    assert frame(cpu)[0] == 0x1005 and cpu.eip == HANDLER + 1


def test_into_without_overflow_does_nothing():
    cpu = with_handler("CEF4", OF_VECTOR)
    cpu.run(10)
    assert cpu.eip == 0x1002


def test_prm_17_bound_out_of_range_is_br_fault():
    # bound ax,[0x3000] with bounds 0..10 and ax = 11
    cpu = with_handler("B80B0062060030F4", BR)
    cpu.memory.load(0x3000, bytes.fromhex("00000A00"))
    cpu.run(10)
    assert frame(cpu)[0] == 0x1003


def test_undefined_opcode_is_ud_fault_at_its_first_prefix():
    cpu = with_handler("90660F0BF4", UD)                  # nop; ud2 with a 66 prefix
    cpu.run(10)
    assert frame(cpu)[0] == 0x1001


def test_iret_returns_to_the_interrupted_code():
    cpu = with_handler("CD41B80100F4", 0x41)              # int 41h; mov ax,1; hlt
    cpu.memory.load(HANDLER, b"\xCF")                      # handler: iret
    assert cpu.run(10) == "hlt"
    assert cpu.regs[0] & 0xFFFF == 1 and cpu.regs[4] == STACK


def test_fault_in_the_middle_of_a_block_reports_that_instruction():
    # mov ax,1; mov bx,2; xor cx,cx; div cx (#DE); hlt -- one translated block
    cpu = with_handler("B80100BB020031C9F7F1F4", DE)
    cpu.run(10)
    assert frame(cpu)[0] == 0x1008
    assert cpu.regs[0] & 0xFFFF == 1 and cpu.regs[3] & 0xFFFF == 2


def test_self_modifying_code_is_retranslated():
    # the loop's second pass runs the instruction the first pass stored (the first
    # pass, like a 386 with the bytes in its prefetch queue, still runs the old one):
    # 1000: C6 06 06 10 40    mov byte [1006],40h   ("nop" becomes "inc ax")
    # 1005: 41                inc cx
    # 1006: 90                nop -> inc ax
    # 1007: 83 F9 02          cmp cx,2
    # 100A: 75 F4             jnz 1000
    # 100C: F4                hlt
    cpu = real_cpu(bytes.fromhex("C60606104041" "90" "83F902" "75F4" "F4"))
    assert cpu.run(100) == "hlt"
    assert cpu.regs[1] & 0xFFFF == 2 and cpu.regs[0] & 0xFFFF == 1


def test_triple_fault_shuts_down():
    # an IVT limit of 0 makes every delivery #GP, then #DF, then shutdown
    cpu = real_cpu(bytes.fromhex("0F0B"))                 # ud2
    cpu.idtr_limit = 0
    assert cpu.run(10) == "shutdown"
    assert cpu.shutdown


def test_hlt_with_interrupts_enabled_wakes_on_intr():
    cpu = with_handler("FBF4B80200F4", 0x20)              # sti; hlt; mov ax,2; hlt
    cpu.memory.load(HANDLER, b"\xCF")
    cpu.int_ack = lambda: 0x20
    assert cpu.run(10) == "hlt" and cpu.eip == 0x1002
    cpu.intr = True
    assert cpu.run(10) == "hlt"
    assert cpu.regs[0] & 0xFFFF == 2 and cpu.eip == 0x1006


def test_sti_shadow_delays_the_interrupt_by_one_instruction():
    # sti; mov ax,5; hlt -- INTR pending: the MOV still runs before the interrupt
    cpu = with_handler("FBB80500F4", 0x20)
    cpu.int_ack = lambda: 0x20
    cpu.intr = True
    cpu.run(10)
    assert cpu.regs[0] & 0xFFFF == 5 and frame(cpu)[0] == 0x1004


def test_flags_before_a_faulting_access_are_exact_in_the_pushed_image():
    # add ax,bx (CF=1); mov cx,[0FFFFh] (#GP: the word crosses the real-mode limit);
    # sub dx,1 -- the translator may not drop the ADD's flags as "overwritten by SUB"
    cpu = with_handler("01D88B0EFFFF83EA01F4", 13)
    cpu.regs[0], cpu.regs[3] = 0xFFFF, 1
    cpu.run(10)
    ip, _, fl = frame(cpu)
    assert ip == 0x1002 and fl & 1
