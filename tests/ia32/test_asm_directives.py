"""Directives, sections and the passes, with exact bytes (values derived from the
NASM manual's rules for -f bin, chapter 8.1, and by hand)."""
from __future__ import annotations

from ia32.asm import assemble


def _asm(src: str):
    a = assemble(src)
    assert a.ok, [e.format() for e in a.errors]
    return a


def test_default_is_16_bit_and_bits_switches():
    # mov ax, 1 / mov eax, 1 in 16-bit code (66h), then the same in 32-bit code
    a = _asm("mov ax, 1\nmov eax, 1\nbits 32\nmov ax, 1\nmov eax, 1\n[bits 16]\nnop\n")
    assert a.binary == bytes.fromhex("b80100" "66b801000000" "66b80100" "b801000000" "90")


def test_org_dollar_and_dollar_dollar():
    # $ is the start of the line, so $-$$ is 0 on the first line
    a = _asm("org 0x7c00\nstart: dw $, $$, $-$$\ndw start, $-$$\n")
    assert a.binary == bytes.fromhex("007c" "007c" "0000" "007c" "0600")
    assert a.symbols["start"] == 0x7C00


def test_boot_sector_padding_with_times():
    a = _asm("org 0x7c00\njmp $\ntimes 510-($-$$) db 0\ndw 0xaa55\n")
    assert len(a.binary) == 512
    assert a.binary[:2] == b"\xeb\xfe" and a.binary[-2:] == b"\x55\xaa"
    assert not any(a.binary[2:510])


def test_data_strings_pad_to_the_unit():
    a = _asm("db 'ab', \"c\", `\\n\\x41\\0`\ndw 'abc'\ndd 'x'\ndq 1\n")
    assert a.binary == b"abc\n\x41\x00" + b"abc\x00" + b"x\x00\x00\x00" + (1).to_bytes(8, "little")


def test_character_constants_are_little_endian_numbers():
    assert _asm("dd 'abcd' + 0\ndw 'a' << 8\n").binary == b"abcd" + b"\x00a"


def test_number_forms_3_4_1():
    src = "dw 0x1f, 1fh, $1f, 0h1f, 17q, 0o17, 101b, 0b101, 0d10, 010, 1_000\n"
    vals = [0x1F] * 4 + [0o17] * 2 + [5, 5, 10, 10, 1000]
    assert _asm(src).binary == b"".join(v.to_bytes(2, "little") for v in vals)


def test_operator_precedence_3_5():
    # | lowest, then ^, &, shifts, + -, * / // % %%, unary
    src = "db 1|2^3&4<<1+1*2, -7//2, -7%%3, 7/2, 7%3, ~5&0xff, !0, 1+2*3\n".replace("7%3", "7 % 3")
    expected = [1 | (2 ^ (3 & (4 << (1 + 1 * 2)))), -3 & 0xFF, -1 & 0xFF, 3, 1, ~5 & 0xFF, 1, 7]
    assert list(_asm(src).binary) == expected


def test_equ_forward_reference_picks_the_short_form_in_a_later_pass():
    # add eax, imm8 (83 /0 ib) once N is known to be 5; a label is never sign-extended
    a = _asm("bits 32\nadd eax, N\nadd eax, here\nhere:\nN equ 5\n")
    assert a.binary == bytes.fromhex("83c005" "05" + (8).to_bytes(4, "little").hex())


def test_jumps_are_short_when_in_reach_and_near_otherwise():
    a = _asm("bits 32\nback: jmp fwd\njz back\ntimes 130 nop\nfwd: jmp back\n")
    # jmp fwd: EB rel8 is out of reach (2+6+130 bytes), so E9 rel32; jz back: 74 rel8
    rel = 5 + 2 + 130
    assert a.binary[:5] == b"\xe9" + (rel - 5 + 0).to_bytes(4, "little")
    assert a.binary[5:7] == bytes([0x74, (-7) & 0xFF])
    end = len(a.binary)
    assert a.binary[end - 5:] == b"\xe9" + (-end & 0xFFFFFFFF).to_bytes(4, "little")


def test_sections_text_then_data_then_bss_8_1_3():
    src = ("org 0x1000\nsection .data\nd: db 1\nsection .bss\nb: resb 4\nsection .text\n"
           "nop\ndw d, b\n")
    a = _asm(src)
    # .text at 0x1000 (5 bytes), .data aligned to 4 at 0x1008, .bss after it at 0x100c
    assert a.binary == bytes.fromhex("90" "0810" "0c10" "000000" "01")
    assert a.symbols["d"] == 0x1008 and a.symbols["b"] == 0x100C


def test_section_align_attribute_and_align_raises_section_alignment():
    a = _asm("nop\nsection .data align=16\ndb 1\nsection .rodata\ndb 2\nalign 8\ndb 3\n")
    # .data at 16, .rodata aligned to 8 (its align 8) at 24, align pads with NOPs
    assert a.binary == b"\x90" + bytes(15) + b"\x01" + bytes(7) + b"\x02" + b"\x90" * 7 + b"\x03"


def test_align_with_fill_and_alignb():
    a = _asm("db 1\nalign 4, db 0xcc\ndb 2\nsection .bss\nresb 1\nalignb 8\nz: resb 1\n")
    assert a.binary == bytes([1, 0xCC, 0xCC, 0xCC, 2])
    assert a.symbols["z"] == 8 + 8


def test_local_labels_belong_to_the_previous_label():
    a = _asm("bits 32\nf:\n.x: nop\ng:\n.x: nop\njmp f.x\njmp .x\n")
    assert a.symbols["f.x"] == 0 and a.symbols["g.x"] == 1
    assert a.binary[2:] == bytes([0xEB, (0 - 4) & 0xFF, 0xEB, (1 - 6) & 0xFF])


def test_struc_istruc_at_iend():
    src = ("struc s\n.a: resw 1\n.b: resd 1\nendstruc\n"
           "v: istruc s\nat s.b, dd 0x11223344\niend\ndb s_size, s.b\n")
    assert _asm(src).binary == bytes.fromhex("0000" "44332211" "06" "02")


def test_absolute_labels_are_plain_numbers():
    a = _asm("absolute 0x500\nvar1: resw 1\nvar2: resd 1\nsection .text\nbits 32\nmov eax, [ebx+var2-var1]\ndw var2\n")
    assert a.binary == bytes.fromhex("8b4302" "0205")


def test_listing_shows_line_offset_bytes_and_source():
    a = _asm("bits 32\n%macro two 0\nnop\nnop\n%endmacro\nstart: mov eax, 1\ntwo\n")
    lines = a.listing.splitlines()
    assert lines[0].split() == ["1", "bits", "32"]
    assert "     6 00000000 B801000000              start: mov eax, 1" in lines
    assert lines.count("     3 00000005 90                  <1> nop") == 1
    assert "     4 00000006 90                  <1> nop" in lines
    assert "     2                                  %macro two 0" in lines
