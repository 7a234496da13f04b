"""Virtual-8086 mode (80386 PRM 1986 chapter 15: 15.1 "Executing 8086 Code" (addresses
are selector * 16 + offset), 15.2.2 "Entering and Leaving V86 Mode", Figure 15-2
"Stack after interrupt from V86 mode", 15.3.3 interrupts, 15.5 "Sensitive
Instructions" (CLI, STI, PUSHF, POPF, INT n, IRET are IOPL-sensitive); 8.3.1 and
8.3.2 for I/O)."""
from __future__ import annotations

import pytest

from ia32 import descriptors as D
from ia32 import interrupts
from ia32.errors import GP, CPUFault
from ia32.flags import IF, IOPL, VM
from ia32.state import CS, DS, ES, FS, GS, SS

from .pm_support import (CODE0_SEL, DATA0_SEL, IOMAP, STACK0, TSS, machine, nasm)

pm = pytest.fixture(name="pm")(machine)

HANDLER = 0x3000
V86_CS, V86_IP = 0x0200, 0x0000          # V86 code at linear 2000
V86_SS, V86_SP = 0x0700, 0x1000          # V86 stack top at linear 8000


def enter_v86(pm, code: bytes, iopl: int = 3, eflags: int = 0):
    """IRETD from ring 0 into V86 mode at V86_CS:V86_IP with DS=ES=FS=GS selectors
    0x300..0x600 (Figure 15-2's frame pushed by hand)."""
    pm.load((V86_CS << 4) + V86_IP, code)
    frame = [V86_IP, V86_CS, 0x2 | VM | (iopl << 12) | eflags, V86_SP, V86_SS,
             0x300, 0x400, 0x500, 0x600]
    esp = STACK0 - 4 * len(frame)
    for i, v in enumerate(frame):
        pm.w32(esp + 4 * i, v)
    pm.cpu.regs[4] = esp
    interrupts.iret(pm.cpu, 32)


def test_prm_15_2_2_iretd_with_vm_enters_v86(pm):
    enter_v86(pm, b"\xF4", iopl=0)
    cpu = pm.cpu
    assert cpu.v86 and cpu.cpl == 3 and cpu.eip == V86_IP and cpu.regs[4] == V86_SP
    bases = [cpu.sregs[s].base for s in (CS, SS, ES, DS, FS, GS)]
    assert bases == [0x2000, 0x7000, 0x3000, 0x4000, 0x5000, 0x6000]
    assert cpu.sregs[DS].limit == 0xFFFF and cpu.sregs[DS].dpl == 3
    assert cpu.code_bits == 16 and (cpu.eflags & IOPL) == 0


def test_prm_15_1_segment_loads_are_real_mode_style(pm):
    # mov ax,1234h; mov ds,ax; mov word [10h],55AAh; jmp $
    enter_v86(pm, nasm("mov ax, 0x1234\nmov ds, ax\nmov word [0x10], 0x55AA\njmp $",
                       bits=16, org=0))
    pm.cpu.run(10)
    assert pm.cpu.sregs[DS].base == 0x12340 and pm.r16(0x12350) == 0x55AA


def v86_gate(pm, vector, dpl=3, sel=CODE0_SEL, type_=D.INT_GATE386):
    pm.idt(vector, D.gate(type_, sel, HANDLER, dpl))


def test_prm_figure_15_2_int_n_with_iopl3_goes_to_ring0_with_segments_pushed(pm):
    v86_gate(pm, 0x21)
    pm.load(HANDLER, nasm("hlt", org=HANDLER))
    enter_v86(pm, nasm("int 0x21", bits=16, org=0), iopl=3)
    assert pm.cpu.run(10) == "hlt"
    cpu = pm.cpu
    assert not cpu.v86 and cpu.cpl == 0 and cpu.sregs[SS].selector == DATA0_SEL
    assert cpu.regs[4] == STACK0 - 36
    # EIP CS EFLAGS ESP SS ES DS FS GS, from the top
    assert pm.stack(9) == [2, V86_CS, 0x2 | VM | IOPL, V86_SP, V86_SS, 0x300, 0x400, 0x500,
                           0x600]
    assert [cpu.sregs[s].selector for s in (DS, ES, FS, GS)] == [0, 0, 0, 0]
    with pytest.raises(CPUFault):
        cpu.read_u8(DS, 0)


def test_prm_15_5_int_n_with_iopl_below_3_is_gp0(pm):
    v86_gate(pm, 0x21)
    v86_gate(pm, 13, dpl=0)
    pm.load(HANDLER, nasm("pop eax\nhlt", org=HANDLER))
    pm.cpu.regs[0] = 0xFFFF
    enter_v86(pm, nasm("int 0x21", bits=16, org=0), iopl=0)
    assert pm.cpu.run(10) == "hlt"
    assert pm.cpu.regs[0] == 0
    assert pm.stack(2) == [0, V86_CS]                       # the INT itself faulted


def test_prm_15_5_int3_is_not_iopl_sensitive(pm):
    v86_gate(pm, 3)
    pm.load(HANDLER, nasm("hlt", org=HANDLER))
    enter_v86(pm, nasm("int3", bits=16, org=0), iopl=0)
    assert pm.cpu.run(10) == "hlt"
    assert pm.stack(1) == [1]                               # a trap: the next IP


def test_prm_15_5_int_3_written_as_cd_03_is_iopl_sensitive(pm):
    v86_gate(pm, 3)
    v86_gate(pm, 13, dpl=0)
    pm.load(HANDLER, nasm("pop eax\nhlt", org=HANDLER))
    pm.cpu.regs[0] = 0xFFFF
    enter_v86(pm, bytes.fromhex("CD03"), iopl=0)
    assert pm.cpu.run(10) == "hlt"
    assert pm.cpu.regs[0] == 0 and pm.stack(1) == [0]        # #GP(0) at the INT


def test_prm_15_5_into_is_not_iopl_sensitive(pm):
    v86_gate(pm, 4)
    pm.load(HANDLER, nasm("hlt", org=HANDLER))
    # mov al,7Fh; mov bl,1; add al,bl (OF=1); into
    enter_v86(pm, nasm("mov al, 0x7f\nmov bl, 1\nadd al, bl\ninto", bits=16, org=0),
              iopl=0)
    assert pm.cpu.run(10) == "hlt"
    assert pm.stack(1) == [7]


def test_prm_15_3_3_handler_not_ring0_is_gp_code_selector(pm):
    v86_gate(pm, 0x21, sel=pm.gdt(9, D.segment(0, 0xFFFFF, 0xA, 1)))
    with pytest.raises(CPUFault) as info:
        enter_v86(pm, b"", iopl=3)
        interrupts.deliver(pm.cpu, 0x21, None, True)
    assert (info.value.vector, info.value.error_code) == (GP, 0x48)


@pytest.mark.parametrize("mnemonic", ["cli", "sti", "pushf", "popf", "iret"])
def test_prm_15_5_sensitive_instructions_gp_with_iopl_below_3(pm, mnemonic):
    v86_gate(pm, 13, dpl=0)
    pm.load(HANDLER, nasm("pop eax\nhlt", org=HANDLER))
    pm.cpu.regs[0] = 0xFFFF
    enter_v86(pm, nasm(mnemonic, bits=16, org=0), iopl=1)
    assert pm.cpu.run(10) == "hlt"
    assert pm.cpu.regs[0] == 0 and pm.stack(1) == [0]


def test_prm_15_5_sensitive_instructions_run_with_iopl3_but_popf_keeps_iopl(pm):
    # pushf; pop ax; push 0 (flags all clear, IOPL 0); popf; cli; pushf; pop bx; sti; jmp $
    enter_v86(pm, nasm("pushf\npop ax\npush word 0\npopf\ncli\npushf\npop bx\nsti\njmp $",
                       bits=16, org=0), iopl=3, eflags=IF)
    pm.cpu.run(20)
    R = pm.cpu.regs
    assert R[0] & 0xFFFF == 0x2 | IOPL | IF                  # PUSHF image: no VM
    assert R[3] & 0xFFFF == 0x2 | IOPL                       # IOPL stayed 3, IF cleared
    assert pm.cpu.eflags & IF and pm.cpu.v86


def test_prm_15_5_iret_in_v86_with_iopl3_is_real_mode_style(pm):
    # push flags 0; push cs 0x300; push ip 0x10; iret  -> runs at 0300:0010
    code = nasm("push word 0\npush word 0x300\npush word 0x10\niret", bits=16, org=0)
    pm.load(0x3010, b"\xEB\xFE")
    enter_v86(pm, code, iopl=3)
    pm.cpu.run(6)
    cpu = pm.cpu
    assert cpu.sregs[CS].base == 0x3000 and cpu.eip == 0x10
    assert cpu.v86 and (cpu.eflags & IOPL) == IOPL


def test_prm_8_3_2_io_in_v86_checks_the_bitmap_even_with_iopl3(pm):
    v86_gate(pm, 13, dpl=0)
    pm.load(HANDLER, nasm("pop eax\nhlt", org=HANDLER))
    pm.cpu.memory.write(TSS + IOMAP + 0x80 // 8, 1, 0xFE)    # port 80h allowed
    pm.cpu.regs[0] = 0xFFFF
    enter_v86(pm, nasm("out 0x80, al\nout 0x81, al\njmp $", bits=16, org=0), iopl=3)
    assert pm.cpu.run(10) == "hlt"
    assert pm.cpu.regs[0] == 0 and pm.stack(1) == [2]        # the second OUT faulted


def test_prm_15_3_3_external_interrupt_leaves_v86(pm):
    v86_gate(pm, 0x20, dpl=0)
    pm.load(HANDLER, nasm("hlt", org=HANDLER))
    enter_v86(pm, b"\xEB\xFE", iopl=0, eflags=IF)
    pm.cpu.int_ack = lambda: 0x20
    pm.cpu.intr = True
    assert pm.cpu.run(10) == "hlt"
    assert pm.cpu.cpl == 0 and pm.stack(3) == [0, V86_CS, 0x2 | VM | IF]


def test_program_ring0_to_v86_and_back(pm):
    """Ring-0 code builds the V86 frame and IRETDs; the V86 code calls INT 21h; the
    ring-0 handler finds AX unchanged and the V86 CS in its frame, and halts."""
    v86_gate(pm, 0x21)
    pm.load(HANDLER, nasm("mov ebx, [esp+4]\nhlt", org=HANDLER))
    pm.load(0x2000, nasm("mov ax, 0x4C00\nint 0x21", bits=16, org=0))
    ring0 = nasm("push dword 0x600\npush dword 0x500\npush dword 0x400\npush dword 0x300\n"
                 "push dword 0x700\npush dword 0x1000\npush dword 0x23002\n"
                 "push dword 0x200\npush dword 0\niretd")
    assert pm.run(ring0, budget=50) == "hlt"
    R = pm.cpu.regs
    assert R[0] & 0xFFFF == 0x4C00 and R[3] == V86_CS and pm.cpu.cpl == 0
    assert pm.cpu.sregs[CS].selector == CODE0_SEL
