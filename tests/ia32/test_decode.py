"""The decoder (ia32/decode.py) against encodings from the Intel manuals' opcode
tables (80386 PRM chapter 17, Tables 17-2/17-3 for ModRM and SIB)."""
from __future__ import annotations

import pytest

from ia32.decode import decode
from ia32.errors import CPUFault, GP, UD
from ia32.isa.table import TABLE, by_mnemonic


def test_table_has_16_and_32_bit_forms_of_add_rm_r():
    forms = [f for f in by_mnemonic()["ADD"] if f.encoding == ("01", "/r")]
    assert sorted(f.o for f in forms) == [16, 32]


def test_table_aliases_je_jz_sal_shl():
    names = by_mnemonic()
    assert names["JE"] == names["JZ"]
    assert {f.opcode for f in names["SAL"]} == {f.opcode for f in names["SHL"]}


def test_every_form_has_semantics_name_and_known_tokens():
    for f in TABLE:
        assert f.semantics and f.mnemonic.isupper()
        for tok in f.encoding:
            assert tok in ("/r", "ib", "iw", "id", "cb", "cw", "cd", "cp") or \
                (tok[0] == "/" and tok[1].isdigit()) or int(tok.split("+")[0], 16) >= 0


def test_prm_17_3_sib_base_index_scale():
    # 8B 44 8B 10: mov eax, [ebx+ecx*4+0x10]
    ins = decode(bytes.fromhex("8B448B10"), 0, 32)
    assert (ins.mnemonic, ins.length, ins.reg, ins.base, ins.index, ins.scale, ins.disp) == \
        ("MOV", 4, 0, 3, 1, 4, 0x10)
    assert ins.seg == 3
    assert ins.ea([0, 2, 0, 0x100, 0, 0, 0, 0]) == 0x100 + 8 + 0x10


def test_prm_17_3_ebp_base_defaults_to_ss_and_disp32_without_base():
    ins = decode(bytes.fromhex("8B4508"), 0, 32)      # mov eax,[ebp+8]
    assert ins.seg == 2 and ins.base == 5 and ins.disp == 8
    ins = decode(bytes.fromhex("8B0578563412"), 0, 32)  # mov eax,[0x12345678]
    assert ins.base is None and ins.disp == 0x12345678 and ins.length == 6
    ins = decode(bytes.fromhex("8B04AD00100000"), 0, 32)  # mov eax,[ebp*4+0x1000]
    assert ins.base is None and ins.index == 5 and ins.scale == 4 and ins.disp == 0x1000


def test_prm_17_2_sixteen_bit_modrm():
    ins = decode(bytes.fromhex("8B4206"), 0, 16)        # mov ax,[bp+si+6]
    assert (ins.osize, ins.base, ins.index, ins.disp, ins.seg) == (16, 5, 6, 6, 2)
    ins = decode(bytes.fromhex("8B060010"), 0, 16)      # mov ax,[0x1000]
    assert ins.base is None and ins.disp == 0x1000 and ins.seg == 3
    assert ins.ea([0] * 8) == 0x1000


def test_prefixes_operand_address_segment():
    ins = decode(bytes.fromhex("6667268B07"), 0, 16)   # mov eax, es:[bx] with 67? -> [edi]
    assert ins.osize == 32 and ins.asize == 32 and ins.seg == 0 and ins.base == 7
    ins = decode(bytes.fromhex("F3A5"), 0, 32)
    assert ins.mnemonic == "MOVSD" and ins.rep == "rep"
    ins = decode(bytes.fromhex("66A5"), 0, 32)
    assert ins.mnemonic == "MOVSW"


def test_immediates_sign_extension_and_branch_targets():
    ins = decode(bytes.fromhex("83C0FF"), 0, 32)         # add eax,-1
    assert ins.mnemonic == "ADD" and ins.imm == 0xFFFFFFFF
    ins = decode(bytes.fromhex("74FE"), 0x100, 32)       # jz $
    assert ins.mnemonic == "JZ" and ins.target == 0x100
    ins = decode(bytes.fromhex("E9FBFFFFFF"), 0x10, 32)  # jmp $
    assert ins.target == 0x10
    ins = decode(bytes.fromhex("EA5BE000F0"), 0xFFF0, 16)  # jmp f000:e05b
    assert (ins.imm2, ins.imm, ins.length) == (0xF000, 0xE05B, 5)
    ins = decode(bytes.fromhex("C8100001"), 0, 32)       # enter 16,1
    assert (ins.imm, ins.imm2) == (16, 1)


def test_plus_register_forms_and_nop():
    assert decode(b"\x90", 0, 32).mnemonic == "NOP"
    ins = decode(b"\x93", 0, 32)
    assert ins.mnemonic == "XCHG" and ins.reg == 3
    ins = decode(bytes.fromhex("BF78563412"), 0, 32)
    assert ins.mnemonic == "MOV" and ins.reg == 7 and ins.imm == 0x12345678
    assert decode(bytes.fromhex("0F1F4000"), 0, 32).mnemonic == "NOP"


def test_jcxz_and_jecxz_by_address_size():
    assert decode(bytes.fromhex("E300"), 0, 16).mnemonic == "JCXZ"
    assert decode(bytes.fromhex("E300"), 0, 32).mnemonic == "JECXZ"
    assert decode(bytes.fromhex("67E300"), 0, 32).mnemonic == "JCXZ"


@pytest.mark.parametrize("code", ["0F0F", "0FFF", "8DC0", "0F01D0", "FE10"])
def test_undefined_encodings_raise_ud(code):
    # 0F 0F (3DNow!) and 0F FF undefined; LEA with a register operand; LGDT register;
    # FE /2 undefined
    with pytest.raises(CPUFault) as e:
        decode(bytes.fromhex(code) + bytes(8), 0, 32)
    assert e.value.vector == UD


def test_lock_rules_sdm_vol2_lock():
    assert decode(bytes.fromhex("F00118"), 0, 32).lock        # lock add [eax],ebx
    for code in ("F001D8", "F08B00"):                          # register dest; MOV
        with pytest.raises(CPUFault) as e:
            decode(bytes.fromhex(code), 0, 32)
        assert e.value.vector == UD


def test_more_than_15_bytes_is_gp():
    with pytest.raises(CPUFault) as e:
        decode(b"\x66" * 15 + b"\x90", 0, 32)
    assert e.value.vector == GP and e.value.error_code == 0


def test_mov_crn_ignores_mod_and_names_the_gpr_from_rm():
    """PRM 17 MOV (special registers): 0F 20/22 are register to register whatever the
    mod bits say, 3 bytes long; the control register is ModRM.reg, the GPR ModRM.rm."""
    from ia32.decode import decode
    code = bytes.fromhex("0F2040")                 # mod=01 reg=0 (CR0) rm=0 (EAX)
    ins = decode(lambda i: code[i] if i < len(code) else 0x90, 0, 32)
    assert ins.length == 3 and ins.mnemonic == "MOV"
    assert [(op.kind, op.value) for op in ins.operands] == [("reg", 0), ("cr", 0)]
    code = bytes.fromhex("0F22D9")                 # mov cr3, ecx: reg=3 rm=1
    ins = decode(lambda i: code[i], 0, 32)
    assert [(op.kind, op.value) for op in ins.operands] == [("cr", 3), ("reg", 1)]
