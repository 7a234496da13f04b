"""Integer instructions with exact registers and flags (80386 PRM chapter 17;
486 additions from the SDM Vol. 2). Encodings are written out in hex with the
assembly beside them; expected values come from the manual's Operation sections."""
from __future__ import annotations

import pytest

from ia32.flags import AF, CF, DF, OF, PF, SF, ZF

from .helpers import run32

ARITH = CF | PF | AF | ZF | SF | OF


def flags(cpu) -> int:
    return cpu.get_eflags() & ARITH


# -- shifts and rotates ---------------------------------------------------------
def test_prm_17_shl_by_4_cf_is_last_bit_out():
    cpu = run32("C1E004F4", eax=0x18000001)               # shl eax,4
    assert cpu.regs[0] == 0x80000010
    assert flags(cpu) & (CF | ZF | SF | PF) == CF | SF


def test_prm_17_shr_by_1_of_is_old_msb():
    cpu = run32("D1E8F4", eax=0x80000001)                 # shr eax,1
    assert cpu.regs[0] == 0x40000000 and flags(cpu) & (CF | OF) == CF | OF


def test_prm_17_sar_keeps_sign():
    cpu = run32("D3F8F4", eax=0x80000010, ecx=4)          # sar eax,cl
    assert cpu.regs[0] == 0xF8000001 and flags(cpu) & (CF | OF | SF) == SF


def test_prm_17_shift_count_masked_to_5_bits_and_zero_changes_nothing():
    cpu = run32("F9D3F8F4", eax=0x1234, ecx=0x20)         # stc; sar eax,cl (count 0)
    assert cpu.regs[0] == 0x1234 and flags(cpu) & CF


def test_prm_17_rotates_change_only_cf_of():
    cpu = run32("31C9D0C0F4", eax=0x81)                   # xor ecx,ecx (ZF=1); rol al,1
    assert cpu.regs[0] & 0xFF == 0x03
    assert flags(cpu) & (CF | OF | ZF) == CF | OF | ZF    # OF = MSB(result) ^ CF = 0 ^ 1


def test_prm_17_ror_8():
    cpu = run32("C1C808F4", eax=0x12345678)               # ror eax,8
    assert cpu.regs[0] == 0x78123456 and not flags(cpu) & CF


def test_prm_17_rcl_and_rcr_through_carry():
    cpu = run32("F9D0D3F4", ebx=0x80)                     # stc; rcl bl,1
    assert cpu.regs[3] & 0xFF == 0x01 and flags(cpu) & (CF | OF) == CF | OF
    cpu = run32("F966D1DBF4", ebx=0x0001)                 # stc; rcr bx,1
    assert cpu.regs[3] & 0xFFFF == 0x8000 and flags(cpu) & (CF | OF) == CF | OF


def test_prm_17_shld_shrd():
    cpu = run32("0FA4D808F4", eax=0x12345678, ebx=0x9ABCDEF0)   # shld eax,ebx,8
    assert cpu.regs[0] == 0x3456789A and not flags(cpu) & CF
    cpu = run32("0FADD8F4", eax=0x12345678, ebx=0x9ABCDEF0, ecx=4)  # shrd eax,ebx,cl
    assert cpu.regs[0] == 0x01234567 and flags(cpu) & CF


# -- multiply and divide ----------------------------------------------------------
def test_prm_17_mul_32_high_half_sets_cf_of():
    cpu = run32("F7E3F4", eax=0x80000000, ebx=4)          # mul ebx
    assert (cpu.regs[0], cpu.regs[2]) == (0, 2) and flags(cpu) & (CF | OF) == CF | OF
    cpu = run32("F7E3F4", eax=3, ebx=4)
    assert (cpu.regs[0], cpu.regs[2]) == (12, 0) and not flags(cpu) & (CF | OF)


def test_prm_17_imul_one_and_three_operand():
    cpu = run32("F7EBF4", eax=0xFFFFFFFF, ebx=2)          # imul ebx: -1*2
    assert (cpu.regs[0], cpu.regs[2]) == (0xFFFFFFFE, 0xFFFFFFFF)
    assert not flags(cpu) & (CF | OF)
    cpu = run32("6BC3FDF4", ebx=5)                        # imul eax,ebx,-3
    assert cpu.regs[0] == (-15) & 0xFFFFFFFF and not flags(cpu) & CF
    cpu = run32("0FAFCBF4", ecx=0x10000, ebx=0x10000)     # imul ecx,ebx overflows
    assert cpu.regs[1] == 0 and flags(cpu) & (CF | OF) == CF | OF


def test_prm_17_div_and_idiv():
    cpu = run32("F7F3F4", eax=7, edx=1, ebx=2)            # div ebx: 0x1_00000007 / 2
    assert (cpu.regs[0], cpu.regs[2]) == (0x80000003, 1)
    cpu = run32("F6FBF4", eax=(-7) & 0xFFFF, ebx=2)       # idiv bl: -7/2 = -3 rem -1
    assert cpu.regs[0] & 0xFFFF == 0xFFFD


# -- decimal adjusts ----------------------------------------------------------------
def test_prm_17_daa_after_bcd_add_79_plus_35():
    cpu = run32("B079043527F4")                           # mov al,79h; add al,35h; daa
    assert cpu.regs[0] & 0xFF == 0x14 and flags(cpu) & (CF | AF) == CF | AF


def test_prm_17_das_after_bcd_sub_35_minus_47():
    cpu = run32("B0352C472FF4")                           # mov al,35h; sub al,47h; das
    assert cpu.regs[0] & 0xFF == 0x88 and flags(cpu) & CF


def test_prm_17_aaa_aas_adjust_ah():
    cpu = run32("66B80F0037F4")                           # mov ax,000Fh; aaa
    assert cpu.regs[0] & 0xFFFF == 0x0105 and flags(cpu) & (CF | AF) == CF | AF
    cpu = run32("66B80F013FF4")                           # mov ax,010Fh; aas
    assert cpu.regs[0] & 0xFFFF == 0x0009 and flags(cpu) & CF


def test_prm_17_aam_aad():
    cpu = run32("B03FD40AF4")                             # mov al,63; aam
    assert cpu.regs[0] & 0xFFFF == 0x0603
    cpu = run32("66B80306D50AF4")                         # mov ax,0603h; aad
    assert cpu.regs[0] & 0xFFFF == 0x003F


# -- bits -----------------------------------------------------------------------------
def test_prm_17_bt_bts_bsf_bsr():
    cpu = run32("0FBAE005F4", eax=0x20)                   # bt eax,5
    assert flags(cpu) & CF
    cpu = run32("0FAB0BF4", ebx=0x3000, ecx=35)           # bts [ebx],ecx -> dword at 3004 bit 3
    assert cpu.read_linear(0x3004, 4) == 8 and not flags(cpu) & CF
    cpu = run32("0FBCC3F4", ebx=0x00F0)                   # bsf eax,ebx
    assert cpu.regs[0] == 4 and not flags(cpu) & ZF
    cpu = run32("0FBDC3F4", ebx=0x00F0)                   # bsr eax,ebx
    assert cpu.regs[0] == 7
    cpu = run32("0FBCC3F4", eax=0x1234, ebx=0)            # source 0: ZF, dest kept
    assert cpu.regs[0] == 0x1234 and flags(cpu) & ZF


def test_prm_17_bt_negative_register_offset_reaches_below():
    # bts [ebx],ecx with ecx = -1: bit 31 of the dword at ebx-4
    cpu = run32("0FAB0BF4", ebx=0x3004, ecx=0xFFFFFFFF)
    assert cpu.read_linear(0x3000, 4) == 0x80000000


# -- data movement --------------------------------------------------------------------
def test_movsx_movzx_cbw_family():
    assert run32("0FBEC3F4", ebx=0x80).regs[0] == 0xFFFFFF80     # movsx eax,bl
    assert run32("0FB7C3F4", ebx=0xFFFF8001).regs[0] == 0x8001   # movzx eax,bx
    assert run32("6698F4", eax=0x1234FF80).regs[0] == 0x1234FF80  # cbw: AX=FF80
    assert run32("98F4", eax=0x8000).regs[0] == 0xFFFF8000        # cwde
    assert run32("6699F4", eax=0x8000).regs[2] & 0xFFFF == 0xFFFF  # cwd
    assert run32("99F4", eax=0x7FFFFFFF, edx=5).regs[2] == 0      # cdq


def test_xchg_bswap_xlat_lea():
    cpu = run32("93F4", eax=1, ebx=2)
    assert (cpu.regs[0], cpu.regs[3]) == (2, 1)
    assert run32("0FC8F4", eax=0x12345678).regs[0] == 0x78563412
    cpu = run32("8D44CBFCF4", ebx=0x100, ecx=2)           # lea eax,[ebx+ecx*8-4]
    assert cpu.regs[0] == 0x10C


def test_xlat_reads_ds_ebx_plus_al():
    from .helpers import flat32_cpu
    cpu = flat32_cpu(bytes.fromhex("D7F4"))
    cpu.memory.load(0x3005, b"\x99")
    cpu.regs[3], cpu.regs[0] = 0x3000, 5
    assert cpu.run(10) == "hlt" and cpu.regs[0] == 0x99


def test_486_xadd_and_cmpxchg():
    from .helpers import flat32_cpu
    cpu = flat32_cpu(bytes.fromhex("0FC103F4"))           # xadd [ebx],eax
    cpu.memory.load(0x3000, (10).to_bytes(4, "little"))
    cpu.regs[3], cpu.regs[0] = 0x3000, 5
    cpu.run(10)
    assert cpu.read_linear(0x3000, 4) == 15 and cpu.regs[0] == 10
    cpu = flat32_cpu(bytes.fromhex("0FB10BF4"))           # cmpxchg [ebx],ecx
    cpu.memory.load(0x3000, (7).to_bytes(4, "little"))
    cpu.regs[3], cpu.regs[0], cpu.regs[1] = 0x3000, 7, 99
    cpu.run(10)
    assert cpu.read_linear(0x3000, 4) == 99 and flags(cpu) & ZF
    cpu.memory.load(0x1000, bytes.fromhex("0FB10BF4"))
    cpu.flush_code()
    cpu.eip, cpu.halted, cpu.regs[0] = 0x1000, False, 1
    cpu.run(10)
    assert cpu.regs[0] == 99 and not flags(cpu) & ZF


# -- strings ---------------------------------------------------------------------------
def test_prm_17_rep_movsb_and_rep_stosd():
    from .helpers import flat32_cpu
    cpu = flat32_cpu(bytes.fromhex("F3A4F4"))             # rep movsb
    cpu.memory.load(0x3000, b"hello")
    cpu.regs[6], cpu.regs[7], cpu.regs[1] = 0x3000, 0x4000, 5
    cpu.run(10)
    assert cpu.memory.read_bytes(0x4000, 5) == b"hello"
    assert (cpu.regs[1], cpu.regs[6], cpu.regs[7]) == (0, 0x3005, 0x4005)
    cpu = run32("F3ABF4", eax=0xAABBCCDD, edi=0x4000, ecx=3)  # rep stosd
    assert cpu.memory.read_bytes(0x4000, 12) == bytes.fromhex("DDCCBBAA") * 3
    assert cpu.regs[7] == 0x400C


def test_prm_17_std_makes_strings_go_down():
    cpu = run32("FDF3ABF4", eax=0x11223344, edi=0x4008, ecx=2)  # std; rep stosd
    assert cpu.regs[7] == 0x4000 and cpu.read_linear(0x4004, 4) == 0x11223344
    assert cpu.get_eflags() & DF


def test_prm_17_repne_scasb_stops_on_match_repe_cmpsb_on_difference():
    from .helpers import flat32_cpu
    cpu = flat32_cpu(bytes.fromhex("F2AEF4"))             # repne scasb
    cpu.memory.load(0x4000, b"abcdef")
    cpu.regs[0], cpu.regs[7], cpu.regs[1] = ord("d"), 0x4000, 6
    cpu.run(10)
    assert cpu.regs[7] == 0x4004 and cpu.regs[1] == 2 and flags(cpu) & ZF
    cpu = flat32_cpu(bytes.fromhex("F3A6F4"))             # repe cmpsb
    cpu.memory.load(0x3000, b"abcX")
    cpu.memory.load(0x4000, b"abcY")
    cpu.regs[6], cpu.regs[7], cpu.regs[1] = 0x3000, 0x4000, 10
    cpu.run(10)
    assert cpu.regs[6] == 0x3004 and cpu.regs[1] == 6 and not flags(cpu) & ZF


# -- stack -------------------------------------------------------------------------------
def test_prm_17_pushad_pushes_original_esp_popad_skips_it():
    cpu = run32("60F4", eax=1, ecx=2, edx=3, ebx=4, ebp=6, esi=7, edi=8)
    sp = cpu.regs[4]
    assert sp == 0x8000 - 32
    assert [cpu.read_linear(sp + 4 * i, 4) for i in range(8)] == [8, 7, 6, 0x8000, 4, 3, 2, 1]


def test_prm_17_enter_with_level_2_and_leave():
    # enter 8,2 at esp=8000, ebp=9000 (old frame pointer at 8FFC = 0x1111)
    from .helpers import flat32_cpu
    cpu = flat32_cpu(bytes.fromhex("C8080002C9F4"))
    cpu.memory.load(0x8FFC, (0x1111).to_bytes(4, "little"))
    cpu.regs[5] = 0x9000
    cpu.run(1)                                            # enter only
    assert cpu.regs[5] == 0x7FFC                          # frame = esp after push ebp
    assert cpu.read_linear(0x7FFC, 4) == 0x9000           # old ebp
    assert cpu.read_linear(0x7FF8, 4) == 0x1111           # copied display entry
    assert cpu.read_linear(0x7FF4, 4) == 0x7FFC           # new frame pointer
    assert cpu.regs[4] == 0x7FF4 - 8
    cpu.run(10)                                           # leave; hlt
    assert (cpu.regs[4], cpu.regs[5]) == (0x8000, 0x9000)


def test_push_imm8_sign_extends_and_call_ret_imm():
    assert run32("6AFF58F4").regs[0] == 0xFFFFFFFF        # push -1; pop eax
    cpu = run32("E801000000F4C20400")                     # call f; hlt; f: ret 4
    assert cpu.eip == 0x1006 and cpu.regs[4] == 0x8004


def test_pushfd_image_and_popfd():
    cpu = run32("F99C58F4")                               # stc; pushfd; pop eax
    assert cpu.regs[0] == CF | 2                          # bit 1 always set
    cpu = run32("68D50800009DF4")                         # push 8D5h; popfd
    assert flags(cpu) == OF | SF | ZF | AF | PF | CF


# -- control --------------------------------------------------------------------------------
def test_loop_and_jecxz():
    cpu = run32("E2FEF4", ecx=5)                          # loop $
    assert cpu.regs[1] == 0 and cpu.eip == 0x1003
    cpu = run32("E301F4F4", ecx=0)                        # jecxz $+3 (over one hlt)
    assert cpu.eip == 0x1004


@pytest.mark.parametrize("code,ebx_flags,expected", [
    ("0F92C0F4", CF, 1),                                  # setc al
    ("0F92C0F4", 0, 0),
])
def test_setcc_register(code, ebx_flags, expected):
    from .helpers import flat32_cpu
    cpu = flat32_cpu(bytes.fromhex(code))
    cpu.set_eflags(ebx_flags, CF)
    cpu.regs[0] = 0xFF
    cpu.run(10)
    assert cpu.regs[0] == expected


def test_cpuid_reports_a_486_without_fpu():
    cpu = run32("0FA2F4", eax=0)
    assert cpu.regs[0] == 1
    assert (cpu.regs[3].to_bytes(4, "little") + cpu.regs[2].to_bytes(4, "little")
            + cpu.regs[1].to_bytes(4, "little")) == b"GenuineIntel"
    cpu = run32("0FA2F4", eax=1)
    assert (cpu.regs[0] >> 8) & 0xF == 4 and not cpu.regs[2] & 1


# -- stack-size corner cases that test386.asm checks ----------------------------------
def _sixteen_bit_stack(code: str):
    """Flat 32-bit code with a 16-bit SS (base 0, limit FFFFF, B=0) in GDT entry 3."""
    from ia32 import descriptors as D
    from ia32.state import SS
    from .helpers import flat32_cpu
    cpu = flat32_cpu(bytes.fromhex(code))
    gdt = 0x20000
    for n, (lo, hi) in enumerate([(0, 0), D.segment(0, 0xFFFFFFFF, 0xB),
                                  D.segment(0, 0xFFFFFFFF, 0x3),
                                  D.segment(0, 0xFFFFF, 0x3, db=0)]):
        cpu.memory.load(gdt + 8 * n, lo.to_bytes(4, "little") + hi.to_bytes(4, "little"))
    cpu.gdtr_base, cpu.gdtr_limit = gdt, 4 * 8 - 1
    cpu.load_sreg(SS, 0x18)
    return cpu


def test_prm_17_enter_o32_on_a_16_bit_stack_frame_pointer_is_the_whole_esp():
    cpu = _sixteen_bit_stack("C8080001F4")                # enter 8,1
    cpu.regs[4], cpu.regs[5] = 0x10000, 0x1FFF0
    assert cpu.run(10) == "hlt"
    assert cpu.regs[5] == 0x1FFFC                         # EBP = ESP after push ebp
    assert cpu.regs[4] == 0x1FFF0                         # SP: FFFC - 4 - 8
    assert cpu.read_linear(0xFFFC, 4) == 0x1FFF0          # old EBP at SS:SP
    assert cpu.read_linear(0xFFF8, 4) == 0x1FFFC          # the frame pointer


def test_prm_17_pop_ss_moves_esp_by_the_stack_size_before_the_load():
    # pop ss (to the 32-bit data selector 10h) from a 16-bit stack at SP=FFFC
    cpu = _sixteen_bit_stack("17F4")
    cpu.regs[4] = 0x2FFFC
    cpu.memory.load(0xFFFC, (0x10).to_bytes(4, "little"))
    assert cpu.run(10) == "hlt"
    assert cpu.sregs[2].selector == 0x10 and cpu.regs[4] == 0x20000


def test_sdm_aaa_aas_carry_reaches_ah_as_test386_reference_output_shows():
    # test386.asm's EE reference (real hardware): AAA of AX=05FA with AF -> 0700,
    # AAS of AX=0205 with AF -> 000F.  mov ax,1000h; sahf (AF=1); mov ax,..; aaa/aas
    cpu = run32("66B800109E66B8FA0537F4")
    assert cpu.regs[0] & 0xFFFF == 0x0700 and flags(cpu) & (CF | AF) == CF | AF
    cpu = run32("66B800109E66B805023FF4")
    assert cpu.regs[0] & 0xFFFF == 0x000F and flags(cpu) & (CF | AF) == CF | AF


def test_sdm_cmovcc_moves_only_when_the_condition_holds():
    # cmp eax,ebx; cmovb eax,ecx
    assert run32("39D80F42C1F4", eax=1, ebx=2, ecx=7).regs[0] == 7
    assert run32("39D80F42C1F4", eax=3, ebx=2, ecx=7).regs[0] == 3


def test_sdm_cmpxchg8b_equal_stores_ecx_ebx_else_loads_edx_eax():
    from .helpers import flat32_cpu
    for old, equal in ((0x1111111122222222, True), (0x3333333344444444, False)):
        cpu = flat32_cpu(bytes.fromhex("0FC70EF4"))       # cmpxchg8b [esi]
        cpu.memory.load(0x3000, old.to_bytes(8, "little"))
        cpu.regs[:] = [0x22222222, 0xAAAAAAAA, 0x11111111, 0xBBBBBBBB, 0x8000, 0, 0x3000, 0]
        cpu.run(10)
        stored = int.from_bytes(cpu.memory.read_bytes(0x3000, 8), "little")
        if equal:
            assert stored == 0xAAAAAAAABBBBBBBB and flags(cpu) & ZF
        else:
            assert stored == old and not flags(cpu) & ZF
            assert (cpu.regs[2], cpu.regs[0]) == (0x33333333, 0x44444444)


# -- a 386SX's undefined flags and errata, as test386.asm's POST E0 measured them ------
@pytest.mark.parametrize("code,expected", [
    ("B080B110D2E8F4", CF | PF | AF | ZF),      # shr al,16 of 80h: CF = MSB, AF = 1
    ("B001B108D2E0F4", CF | PF | AF | ZF | OF),  # shl al,8 of 01h: CF = LSB, OF = CF
    ("B082C0E802F4", CF | AF),                  # shr al,2 of 82h: OF from the result
    ("B040B109D2D8F4", OF),                     # rcr al,9: the count mod 9 is 0, OF still set
    ("66B80100660FBAE001F4", OF),               # bt ax,1 of 1: OF as RCR by 1 with CF = 0
    ("B01AF927F4", CF | AF | SF | OF),          # stc; daa of 1Ah: OF of 1Ah + 66h
    ("66B87A0037F4", CF | AF | SF | OF),        # aaa of 7Ah: SF OF of 7Ah + 6
])
def test_test386_e0_undefined_flags_of_a_386sx(code, expected):
    assert flags(run32(code)) == expected


def test_test386_386_erratum_sib_scale_without_index_scales_the_base():
    assert run32("8D0463F4", ebx=0x100).regs[0] == 0x200   # lea eax,[ebx] with SS=2


def test_test386_386_erratum_popad_on_a_16_bit_stack_keeps_the_esp_slot_msw():
    cpu = _sixteen_bit_stack("61F4")                      # popad
    cpu.regs[4] = 0x10000 - 32
    cpu.memory.load(0x10000 - 32 + 12, (0xDEAD0000).to_bytes(4, "little"))  # the ESP slot
    assert cpu.run(10) == "hlt"
    assert cpu.regs[4] == 0xDEAD0000
