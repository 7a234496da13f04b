"""System instructions (80386 PRM 1986 chapter 17: LGDT/LIDT, SGDT/SIDT, LLDT/SLDT,
LTR/STR, LMSW/SMSW, MOV CRn/DRn, CLTS, LAR, LSL, VERR/VERW, ARPL; 10.3 "Switching to
Protected Mode"; SDM Vol. 2 for INVLPG, RDMSR/WRMSR and CR4) and page faults taken
by programs (PRM 9.8.14)."""
from __future__ import annotations

import pytest

from ia32 import descriptors as D
from ia32.cpu import CPU
from ia32.errors import GP, UD
from ia32.flags import ZF
from ia32.isa import system
from ia32.memory import Memory
from ia32.state import CR0_PE, CR0_TS, CS, DS

from .pm_support import (CODE0_SEL, CODE3_SEL, DATA0_SEL, DATA3_SEL, GDT, LDT, LDT_SEL,
                         TSS_SEL, machine, nasm)

pm = pytest.fixture(name="pm")(machine)

HANDLER = 0x3000


def run(pm, source, budget=200, org=0x1000):
    assert pm.run(nasm(source, org=org), at=org, budget=budget) == "hlt"
    return pm.cpu.regs


def gp_handler(pm, vector=13):
    """A handler that pops the error code into EAX, the faulting EIP into EBX, halts."""
    pm.idt(vector, D.gate(D.INT_GATE386, CODE0_SEL, HANDLER, 0))
    pm.load(HANDLER, nasm("pop eax\npop ebx\nhlt", org=HANDLER))


def test_prm_17_lgdt_sgdt_32bit(pm):
    pm.load(0x2000, bytes.fromhex("FF00") + (0x12345678).to_bytes(4, "little"))
    run(pm, "lgdt [0x2000]\nsgdt [0x2100]\nlgdt [0x2200]\nhlt")
    assert pm.r16(0x2100) == 0xFF and pm.r32(0x2102) == 0x12345678
    assert pm.cpu.gdtr_base == 0 and pm.cpu.gdtr_limit == 0


def test_prm_17_lidt_sidt_16bit_operand_keeps_24_bits(pm):
    pm.load(0x2000, bytes.fromhex("7F00") + (0xAB345678).to_bytes(4, "little"))
    pm.load(0x2100, b"\xEE" * 6)
    run(pm, "o16 lidt [0x2000]\no16 sidt [0x2100]\nhlt")
    assert pm.cpu.idtr_base == 0x345678 and pm.cpu.idtr_limit == 0x7F
    assert pm.cpu.memory.read_bytes(0x2100, 6) == bytes.fromhex("7F0078563400")


def test_prm_17_lldt_sldt(pm):
    R = run(pm, f"mov ax, {LDT_SEL}\nlldt ax\nsldt ebx\nhlt")
    assert pm.cpu.ldtr.base == LDT and pm.cpu.ldtr.limit == 0xFF and R[3] == LDT_SEL


def test_prm_17_lldt_of_a_data_segment_is_gp_and_not_present_is_np(pm):
    gp_handler(pm)
    R = run(pm, f"mov ax, {DATA0_SEL}\nlldt ax\nhlt")
    assert R[0] == DATA0_SEL
    sel = pm.gdt(9, D.segment(LDT, 0xFF, D.LDT, 0, s=0, db=0, present=0))
    gp_handler(pm, 11)
    R = run(pm, f"mov ax, {sel}\nlldt ax\nhlt")
    assert R[0] == sel


def test_prm_17_ltr_marks_busy_and_str_reads_it(pm):
    sel = pm.gdt(9, D.segment(0x14000, 0x67, D.TSS386_AVAILABLE, 0, s=0, db=0))
    R = run(pm, f"mov ax, {sel}\nltr ax\nstr ecx\nhlt")
    assert R[1] == sel and pm.cpu.tr.base == 0x14000
    assert pm.descriptor_hi(sel) & D.HI_BUSY


@pytest.mark.parametrize("sel,expect", [(0, 0), (TSS_SEL, TSS_SEL), (DATA0_SEL, DATA0_SEL)])
def test_prm_17_ltr_checks(pm, sel, expect):
    gp_handler(pm)
    assert run(pm, f"mov ax, {sel}\nltr ax\nhlt")[0] == expect   # busy TSS, data: #GP


def test_prm_17_lmsw_cannot_clear_pe_smsw_reads(pm):
    R = run(pm, "mov ax, 0xE\nlmsw ax\nsmsw bx\nmov ax, 0\nlmsw ax\nsmsw cx\nhlt")
    assert R[3] & 0xF == 0xF and R[1] & 0xF == 0x1
    assert pm.cpu.cr[0] & CR0_PE


def test_prm_17_clts(pm):
    pm.cpu.write_cr(0, pm.cpu.cr[0] | CR0_TS)
    run(pm, "clts\nhlt")
    assert not pm.cpu.cr[0] & CR0_TS


def test_prm_17_mov_cr_round_trip_and_cr2(pm):
    R = run(pm, "mov eax, 0x12345000\nmov cr3, eax\nmov ebx, cr3\nmov cr2, eax\n"
                "mov ecx, cr2\nmov edx, cr0\nhlt")
    assert R[3] == 0x12345000 and R[1] == 0x12345000 and R[2] == pm.cpu.cr[0]


@pytest.mark.parametrize("source,vector", [
    ("mov eax, 0x80000000\nmov cr0, eax", GP),        # PG without PE
    ("mov eax, 0x20\nmov cr4, eax", GP),              # CR4.PAE: not implemented
    ("mov cr1, eax", UD),
    ("mov eax, cr5", UD),
])
def test_sdm_mov_cr_faults(pm, source, vector):
    gp_handler(pm)
    pm.idt(6, D.gate(D.INT_GATE386, CODE0_SEL, HANDLER + 0x10, 0))
    pm.load(HANDLER + 0x10, nasm("mov eax, 0x666\nhlt", org=HANDLER + 0x10))
    R = run(pm, source + "\nhlt")
    assert R[0] == (0 if vector == GP else 0x666)


def test_prm_4_privileged_instructions_at_cpl3_are_gp0(pm):
    gp_handler(pm)
    for source in ("mov cr3, eax", "lgdt [0]", "lidt [0]", "clts", "hlt", "mov dr7, eax",
                   "wrmsr", "invlpg [0]", "lmsw ax"):
        pm.enter(3, 0x5000)
        pm.cpu.regs[0] = 0xFFFF
        pm.load(0x5000, nasm(source, org=0x5000))
        pm.cpu.halted = False
        assert pm.cpu.run(10) == "hlt", source
        assert pm.cpu.regs[0] == 0 and pm.cpu.regs[3] == 0x5000, source


def test_sensitive_store_instructions_do_not_trap_at_cpl3(pm):
    """Robin and Irvine's point: SGDT, SIDT, SMSW, STR run at CPL 3 and see the real
    values."""
    pm.enter(3, 0x5000)
    pm.load(0x5000, nasm("sgdt [0x2000]\nsidt [0x2010]\nsmsw eax\nstr ebx\njmp $",
                         org=0x5000))
    pm.cpu.run(10)
    assert pm.r32(0x2002) == GDT and pm.r16(0x2000) == 32 * 8 - 1
    assert pm.cpu.regs[0] == pm.cpu.cr[0] and pm.cpu.regs[3] == TSS_SEL


def test_prm_17_mov_dr_and_dr4_dr5_alias(pm):
    R = run(pm, "mov eax, 0x400\nmov dr7, eax\nmov ebx, dr5\nmov eax, 0x1234\nmov dr0, eax\n"
                "mov ecx, dr0\nhlt")
    assert R[3] == 0x400 and R[1] == 0x1234


def zf(pm):
    return bool(pm.cpu.get_eflags() & ZF)


def test_prm_17_lar_returns_rights_or_clears_zf(pm):
    R = run(pm, f"mov ax, {CODE0_SEL}\nlar ebx, ax\nhlt")
    assert R[3] == 0x00C09A00          # hi & 00F0FF00 (limit 19..16 read as 0, as QEMU)
    assert zf(pm)
    R = run(pm, f"mov ax, {TSS_SEL}\nlar bx, ax\nhlt")
    assert R[3] & 0xFFFF == 0x8B00 and zf(pm)            # busy 386 TSS, word form
    pm.idt(0x60, D.gate(D.INT_GATE386, CODE0_SEL, 0, 0))
    gate = pm.gdt(9, D.gate(D.INT_GATE386, CODE0_SEL, 0, 0))   # not for LAR
    R = run(pm, f"mov ebx, 0x77\nmov ax, {gate}\nlar ebx, ax\nhlt")
    assert R[3] == 0x77 and not zf(pm)


def test_prm_17_lar_at_cpl3_hides_dpl0_and_beyond_limit(pm):
    pm.enter(3, 0x5000)
    pm.load(0x5000, nasm(f"mov ax, {DATA0_SEL}\nlar ebx, ax\npushf\npop ecx\n"
                         "mov ax, 0xFFF8\nlar edx, ax\npushf\npop esi\njmp $", org=0x5000))
    pm.cpu.run(20)
    assert not pm.cpu.regs[1] & ZF and not pm.cpu.regs[6] & ZF


def test_prm_17_lsl_byte_limit(pm):
    sel = pm.gdt(9, D.segment(0, 0x3FFF, 0x2, 0, g=1))
    R = run(pm, f"mov ax, {sel}\nlsl ebx, ax\nmov ax, {TSS_SEL}\nlsl ecx, ax\nhlt")
    assert R[3] == 0x3FFF and R[1] == 0x68 + 0x2000 // 8 and zf(pm)


def test_prm_17_verr_verw(pm):
    ro = pm.gdt(9, D.segment(0, 0xFFF, 0x0, 3))
    xo = pm.gdt(10, D.segment(0, 0xFFF, 0x8, 3))
    results = []
    for sel in (DATA3_SEL, ro, xo, DATA0_SEL):
        for op in ("verr", "verw"):
            pm.enter(3, 0x5000)
            pm.load(0x5000, nasm(f"mov ax, {sel}\n{op} ax\njmp $", org=0x5000))
            pm.cpu.run(5)
            results.append(zf(pm))
    assert results == [True, True, True, False, False, False, False, False]


def test_prm_17_arpl(pm):
    R = run(pm, "mov ax, 0x10\nmov bx, 0x1B\narpl ax, bx\npushf\npop ecx\n"
                "arpl ax, bx\npushf\npop edx\nhlt")
    assert R[0] & 0xFFFF == 0x13 and R[1] & ZF and not R[2] & ZF


def test_prm_17_arpl_is_ud_in_real_mode():
    cpu = CPU(Memory(1 << 20))
    cpu.memory.load(0x7C00, bytes.fromhex("63C8"))
    cpu.sregs[CS].set(0, 0, 0xFFFF, 0x9300)
    cpu.eip = 0x7C00
    cpu.run(1)
    assert cpu.eip == 0                           # IVT vector 6 entry is 0000:0000


def test_sdm_rdmsr_wrmsr(pm):
    R = run(pm, "mov ecx, 0x1b\nrdmsr\nmov ebx, eax\nmov eax, 0xFEE00800\nxor edx, edx\n"
                "wrmsr\nrdmsr\nmov esi, eax\nhlt")
    assert R[3] == system.APIC_BASE_RESET and R[6] == 0xFEE00800
    gp_handler(pm)
    assert run(pm, "mov ecx, 0x12345\nrdmsr\nhlt")[0] == 0


@pytest.mark.parametrize("index,write", [
    (0xC0000100, True), (0xC0000101, False),          # FS/GS base: long mode only
    (0x179, True),                                     # MCG_CAP is read-only
    (0x1A0, True),                                     # MISC_ENABLE bit 1 is reserved
])
def test_sdm_vol4_msr_faults(pm, index, write):
    gp_handler(pm)
    op = "mov eax, 2\nxor edx, edx\nwrmsr" if write else "rdmsr"
    pm.cpu.regs[0] = 0xFFFF
    R = run(pm, f"mov ecx, {index:#x}\n{op}\nhlt")
    assert R[0] == 0 and R[3] == 0x1000 + 5 + (7 if write else 0)


def test_sdm_vol4_msr_storage_and_read_only_bits(pm):
    R = run(pm, "mov ecx, 0x174\nmov eax, 0x1234\nxor edx, edx\nwrmsr\nrdmsr\n"
                "mov ebx, eax\nmov ecx, 0x1a0\nmov eax, 0x809\nmov edx, 4\nwrmsr\n"
                "rdmsr\nmov esi, eax\nmov edi, edx\nmov ecx, 0x277\nrdmsr\nhlt")
    assert R[3] == 0x1234
    assert (R[6], R[7]) == (0x1809, 4)                 # bits 11 and 12 stay 1 (read-only)
    assert (R[0], R[2]) == (0x00070406, 0x00070406)    # IA32_PAT after reset


# -- paging from programs ---------------------------------------------------------------

PD, PT = 0x20000, 0x21000


def identity_paging(pm, user=True):
    """Identity-map the first 4M (a PDE and a PTE per page), user and writable."""
    flags = 0x7 if user else 0x3
    pm.w32(PD, PT | flags)
    for i in range(1024):
        pm.w32(PT + 4 * i, (i << 12) | flags)


def test_prm_10_3_paging_enable_and_pf_from_ring3_write_to_read_only(pm):
    identity_paging(pm)
    pm.w32(PT + 4 * 0x40, 0x40000 | 0x5)           # page 40000: user, read-only
    gp_handler(pm, 14)
    pm.load(0x5000, nasm(f"mov ax, {DATA3_SEL}\nmov ds, ax\nmov eax, [0x40010]\n"
                         "mov dword [0x40010], 1\njmp $", org=0x5000))
    code = nasm(f"mov eax, {PD}\nmov cr3, eax\nmov eax, cr0\nor eax, 0x80000000\n"
                "mov cr0, eax\n"
                f"push dword {DATA3_SEL}\npush dword 0xA000\npush dword 0x2\n"
                f"push dword {CODE3_SEL}\npush dword 0x5000\niretd")
    assert pm.run(code, budget=50) == "hlt"
    R = pm.cpu.regs
    assert R[0] == 0b111 and R[3] == 0x500B and pm.cpu.cr[2] == 0x40010
    assert pm.r32(PT + 4 * 0x40) & 0x60 == 0x20    # A from the read, no D


def test_sdm_invlpg_drops_a_stale_translation(pm):
    identity_paging(pm)
    pm.w32(0x50000, 0x1111)
    pm.w32(0x51000, 0x2222)
    code = nasm(f"mov eax, {PD}\nmov cr3, eax\nmov eax, cr0\nor eax, 0x80000000\n"
                "mov cr0, eax\nmov ebx, [0x50000]\n"
                f"mov dword [{PT + 4 * 0x50}], 0x51007\n"
                "mov ecx, [0x50000]\ninvlpg [0x50000]\nmov edx, [0x50000]\nhlt")
    assert pm.run(code) == "hlt"
    R = pm.cpu.regs
    assert (R[3], R[1], R[2]) == (0x1111, 0x1111, 0x2222)


def test_prm_10_3_real_mode_to_protected_mode_entry():
    """The boot sequence of PRM 10.3: LGDT, set CR0.PE, far JMP to a 32-bit code
    segment, load the data segments; then a write through DS."""
    cpu = CPU(Memory(1 << 20))
    gdt = (bytes(8) + D.to_bytes(D.segment(0, 0xFFFFFFFF, 0xA, 0))
           + D.to_bytes(D.segment(0, 0xFFFFFFFF, 0x2, 0)))
    src = """
        lgdt [gdtr]
        mov eax, cr0
        or al, 1
        mov cr0, eax
        jmp 0x08:pm32
    gdtr: dw 23
          dd 0x7E00
    bits 32
    pm32:
        mov ax, 0x10
        mov ds, ax
        mov ss, ax
        mov esp, 0x90000
        mov dword [0x100000 - 4], 0xC0FFEE
        push dword 0x1234
        hlt
    """
    cpu.memory.load(0x7C00, nasm(src, bits=16, org=0x7C00))
    cpu.memory.load(0x7E00, gdt)
    cpu.sregs[CS].set(0, 0, 0xFFFF, 0x9300)
    cpu.eip = 0x7C00
    assert cpu.run(100) == "hlt"
    assert cpu.protected and cpu.code_bits == 32 and cpu.sregs[CS].selector == 0x08
    assert cpu.memory.read(0xFFFFC, 4) == 0xC0FFEE and cpu.memory.read(0x8FFFC, 4) == 0x1234
    assert cpu.sregs[DS].rights & 0x100                   # accessed on load


def test_prm_8_3_1_cli_at_cpl3_with_iopl0_is_gp0(pm):
    gp_handler(pm)
    pm.enter(3, 0x5000)
    pm.load(0x5000, nasm("cli\njmp $", org=0x5000))
    pm.cpu.regs[0] = 0xFFFF
    assert pm.cpu.run(10) == "hlt"
    assert pm.cpu.regs[0] == 0 and pm.cpu.regs[3] == 0x5000


def test_robin_irvine_popf_at_cpl3_silently_keeps_if_and_pushf_shows_it(pm):
    from ia32.flags import IF
    pm.enter(3, 0x5000)
    pm.cpu.set_eflags(IF, IF)
    pm.load(0x5000, nasm("push dword 0x3002\npopf\npushf\npop eax\njmp $", org=0x5000))
    pm.cpu.run(10)
    assert pm.cpu.regs[0] == 0x2 | IF                      # IF kept, IOPL not loaded
