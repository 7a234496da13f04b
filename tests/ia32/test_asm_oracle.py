"""The assembler against NASM (``nasm -f bin``, the oracle): the same source must
give the same bytes. Random instructions from the table in both code sizes, the
choices NASM makes that are not table facts, directives and the preprocessor, and
the guest kernels in guests/ia32/."""
from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from ia32.asm import assemble, assemble_file

from .asm_oracle import nasm, needs_nasm, random_instruction, random_program, wrap

pytestmark = needs_nasm
BATCH = 40


def _first_difference(lines, bits) -> str:
    for ln in lines:
        src = wrap([ln], bits)
        ours = assemble(src)
        ref = nasm(src)
        if not ours.ok or ours.binary != ref:
            got = ours.binary.hex() if ours.ok else ours.errors[0].format()
            return f"bits {bits}: {ln!r}: nasm {ref.hex()} ours {got}"
    return "the batch differs but no single line does"


@given(seed=st.integers(0, 2**32 - 1), bits=st.sampled_from([16, 32]))
def test_random_table_instructions_assemble_as_nasm_does(seed, bits):
    """A batch of random table forms (registers, every addressing shape, immediates
    of every width, short and near jumps) per nasm run."""
    rng = random.Random(seed)
    lines = [random_instruction(rng, bits) for _ in range(BATCH)]
    src = wrap(lines, bits)
    ours = assemble(src)
    assert ours.ok, [e.format() for e in ours.errors]
    if ours.binary != nasm(src):
        pytest.fail(_first_difference(lines, bits))


@given(seed=st.integers(0, 2**32 - 1))
def test_random_programs_over_sections_assemble_as_nasm_does(seed):
    """Layout, passes and references across sections: labels, jumps in and out
    of a section, data, times, align, reservations, section attributes. A program
    nasm refuses (a value across sections NASM calls not relocatable) must be
    refused by us too."""
    src = random_program(random.Random(seed))
    ours = assemble(src)
    try:
        ref = nasm(src)
    except AssertionError:
        assert not ours.ok, src
        return
    assert ours.ok, (src, [e.format() for e in ours.errors])
    assert ours.binary == ref, src


#: NASM's own choices, each checked by the oracle (what the instruction module's
#: docstring lists).
CHOICES = """
bits 32
org 0x1000
lab:
add eax, lab
add eax, fwd
add ebx, fwd
add eax, 5
add eax, 1000
add ax, 5
add eax, dword 5
add eax, strict dword 5
add ebx, strict dword 5
add eax, byte 5
add eax, 0xffffffff
add eax, CONST
push fwd
push 5
push 1000
push word 5
push strict word 5
push byte -1
push dword [ebx]
push es
pop ds
imul eax, 5
imul eax, ebx, 1000
shl eax, 1
shl eax, cl
shl dword [ebx], 4
xchg eax, ebx
xchg ebx, eax
xchg ebx, ecx
xchg [ebx], eax
xchg eax, [ebx]
test eax, [ebx]
mov eax, [fwd]
mov [fwd], al
mov ax, [0x10]
mov eax, [es:0x10]
mov eax, [word 4]
mov ax, es
mov eax, es
mov es, ax
mov es, eax
mov [ebx], es
str ax
str eax
smsw eax
int 3
int3
aam
aad
pusha
pushaw
popad
pushf
iret
iretw
jcxz $
jecxz $+2
loop lab2
lab2:
rep movsw
movsd
es lodsb
a16 lodsb
o16 lodsb
es rep movsd
lock add [es:bx], ax
jmp [ebx]
call [ebx]
call far [ebx]
jmp far [bx]
jmp 0x08:0x1234
jmp word 0x08:0x1234
call 0x10:lab
mov eax, cr0
mov cr3, eax
mov dr7, eax
movzx eax, byte [ebx]
movsx ecx, word [esi]
lea eax, [eax*2]
lea eax, [eax*4]
lea eax, [eax*5+8]
lea eax, [nosplit eax*2]
lea eax, [ebx+eax*1]
lea eax, [eax*1+ebx]
lea eax, [ebp+eax]
lea eax, [eax+esp]
lea eax, [esp]
lea eax, [ebp]
lea eax, [ebp*1]
lea eax, [ebx+0]
lea eax, [ebx+lab]
lea eax, [ebx+lab-lab]
lea eax, [edx+edi+lab+8]
lea eax, [byte ebx+4]
lea eax, [dword ebx+4]
lea ax, [bx+si+4]
lea ax, [bp]
lea eax, [bp+di-0x80]
lgdt [gdtr]
lidt [es:ebx]
bswap ecx
bits 16
bswap ecx
mov eax, cr0
push word 5
push 5
push dword 5
jmp fwd
jz fwd
jz near lab
jmp lab
call lab
retf
ret 4
enter 16, 0
leave
in al, dx
out 0x80, al
mov [bx+si], al
mov ax, [bp+2]
mov eax, [ebx]
CONST equ 5
gdtr: dw 0
fwd:
"""


def test_nasm_choices_beyond_the_table():
    ours = assemble(CHOICES)
    assert ours.ok, [e.format() for e in ours.errors]
    ref = nasm(CHOICES)
    if ours.binary != ref:
        pytest.fail(_first_difference_in(CHOICES))


def _first_difference_in(src: str) -> str:
    """Bisect a source for the first line whose bytes differ (keeping the lines
    before it, so labels and bits stay as they were)."""
    lines = src.splitlines()
    for n in range(1, len(lines) + 1):
        part = "\n".join(lines[:n]) + "\nfwd:\nCONST equ 5\ngdtr: dw 0\n"
        try:
            ref = nasm(part)
        except AssertionError:
            continue
        ours = assemble(part)
        if not ours.ok or ours.binary != ref:
            return f"line {n}: {lines[n - 1]!r}: nasm {ref.hex()} ours {ours.binary.hex() if ours.ok else ours.errors}"
    return "no single line differs"


DIRECTIVES = """
bits 32
org 0x100000
%define STACK 0x9000
%define ADD3(a,b,c) ((a)+(b)+(c))
%macro outb 2
    mov dx, %1
    mov al, %2
    out dx, al
%endmacro
%macro isr 1-2 0
isr%1:
%if %2 == 0
    push byte 0
%endif
    push byte %1
    jmp %%common
%%common:
    jmp isr_common
%endmacro
%macro print 1+
    db %1, 0
%endmacro
%macro multipush 1-*
%rep %0
  push %1
%rotate 1
%endrep
%endmacro
%macro multipop 1-*
%rep %0
%rotate -1
  pop %1
%endrep
%endmacro
struc point
  .x: resd 1
  .y: resw 1
  .flags resb 1
endstruc
section .data
pt: istruc point
  at point.x, dd 5
  at point.y, dw 6
iend
msg: db "hi", 0
     dw "abc"
     dd 'ab', 0x12345678
     dq 0x1122334455667788
     dd 1.5
     dq -2.25
len equ $ - msg
print "a,b", 10, 13
align 8, db 0xcc
tbl: times 3 dd tbl
section .bss
buf: resb 100
alignb 16
buf2: resd 2
section .text
start:
  mov esp, STACK
  mov eax, point_size
  mov ebx, [pt + point.y]
  mov ecx, len
  mov edx, ADD3(1, 2, 3)
  lea esi, [buf2]
  outb 0x3f8, 'A'
  times 3 nop
  align 16
.loop:
  dec ecx
  jnz .loop
  jmp start.loop
  multipush eax, ebx, ecx
  multipop eax, ebx, ecx
lab %+ 1: nop
  jmp lab1
%ifidn __OUTPUT_FORMAT__, bin
  db 1
%endif
%assign i 0
%rep 4
  isr i
%assign i i+1
%endrep
  isr 8, 1
%ifdef STACK
  db 1
%elifdef NOTHING
  db 2
%else
  db 3
%endif
%ifndef STACK
  db 4
%elif 1 + 1 == 2
  db 5
%endif
%xdefine X1 i
%undef i
%ifdef i
  db 6
%endif
  db X1
isr_common:
  db 1+2*3, 7/2, -7//2, 7 % 3, -7 %% 3, 1<<4, 0x80>>3, 5&3, 5|3, 5^3, ~0 & 0xff, !0, !5
  db (3 > 2) + (3 < 2) * 2, (1 == 1) << 2, 2 <= 2, 1 || 0, 1 && 0, 1 ^^ 1
  dw $-$$, $$
  times 510-($-$$) db 0
  dw 0xaa55
"""


def test_directives_and_preprocessor_assemble_as_nasm_does():
    ours = assemble(DIRECTIVES)
    assert ours.ok, [e.format() for e in ours.errors]
    assert ours.binary == nasm(DIRECTIVES)


SECTIONS = """
bits 32
org 0x7c01
section .text
t: jmp 0x7c40
jz 0x7c40
jmp short 0x7c40
jmp d
jmp t
mov eax, b - t
mov eax, d - $$
add eax, d - $
dd b - t, -t, r - $$
align 4
section .data align=16
d: db 1
section .rodata
r: db 2
section .data align=8
db 3
section .bss
b: resb 5
"""


def test_section_layout_and_jumps_out_of_the_section_as_nasm():
    """.text aligned above org (the file still starts at org), align= keeps the
    largest, jumps to numbers or other sections stay near, values relative to
    another section never shrink."""
    ours = assemble(SECTIONS)
    assert ours.ok, [e.format() for e in ours.errors]
    assert ours.binary == nasm(SECTIONS)


def test_include_paths_as_nasm(tmp_path):
    inc = tmp_path / "inc"
    inc.mkdir()
    (inc / "defs.inc").write_text("%define MAGIC 0x1BADB002\nFLAGS equ 3\n")
    (tmp_path / "blob.bin").write_bytes(bytes(range(16)))
    src = tmp_path / "main.asm"
    src.write_text('%include "defs.inc"\nbits 32\ndd MAGIC, FLAGS, -(MAGIC + FLAGS)\n'
                   'incbin "blob.bin", 4, 8\n')
    ours = assemble_file(src, [str(inc)])
    assert ours.ok, [e.format() for e in ours.errors]
    assert ours.binary == nasm(src.read_text().replace('"blob.bin"', f'"{tmp_path}/blob.bin"'),
                               [str(inc)])


GUESTS = sorted((Path(__file__).resolve().parents[2] / "guests" / "ia32").rglob("*.asm"))


@pytest.mark.skipif(not GUESTS, reason="no guests/ia32 sources yet")
@pytest.mark.parametrize("path", GUESTS, ids=[p.name for p in GUESTS])
def test_guest_kernels_assemble_and_list_as_nasm_does(path):
    ours = assemble_file(path, [str(path.parent)])
    assert ours.ok, [e.format() for e in ours.errors]
    binary, listing = nasm(path.read_text(), [str(path.parent)], listing=True)
    assert ours.binary == binary
    assert ours.listing.splitlines() == listing.splitlines()


LISTED = """%macro foo 1-3 7,8
db %1, %2, %3, %0   ; a comment stays in the listing
%endmacro
bits 32
foo 1
foo 1,2
%define X(a,b) a+b
start: db X(1,2)
%assign i 0
%rep 3
db i
%assign i i+1
%endrep
mov eax, 0x12345678
%macro spaced 0
	  mov   eax,		1   ; blanks and the comment go
%endmacro
spaced
db "Hello, world, and more"
mov dword [ebx+0x12345678], 0x12345678
mov dword [ebx+lab], lab
lock add dword [es:ebx+esi*4+0x12345678], 0x12345678
lab: dd lab, lab, 1, 2, lab
jmp 0x08:lab
times 4 db 1
times 20 db 2
times 2 mov eax, lab
resb 20
align 8

  nop ; trailing blanks and comments stay   
section .data
d: dw d, b, start
section .bss
resb 8
b: resb 9
struc s
  .x: resd 1
  .y: resw 1
endstruc
"""


def test_listing_has_nasms_layout():
    """The listing is ``nasm -l``'s, line for line: macro definitions and
    expansions, label-dependent fields in brackets (section-relative), ``<rep>``,
    ``??`` and ``<res>``, continuation rows, warnings under their line."""
    ours = assemble(LISTED)
    assert ours.ok, [e.format() for e in ours.errors]
    _, ref = nasm(LISTED, listing=True)
    assert ours.listing.splitlines() == ref.splitlines()


def test_listing_of_included_lines_and_skipped_lines_as_nasm(tmp_path):
    """Lines read from an %include are marked <1> (a macro expanded there <2>, a
    continued byte row too); lines an %if skips are listed without bytes, at the
    top level, in an include and inside a macro, as nasm lists them."""
    (tmp_path / "lib.inc").write_text(
        "nop ; kept\n%macro two 1\n%if %1 == 0\n  push dword 0\n%endif\n"
        "  push dword %1\n%endmacro\ntwo 0\ntwo 8\ndb 'a long string of bytes', 0\n"
        "%if 0\n%define UNUSED 1\n  hlt\n%else\n  cli\n%endif\n")
    src = tmp_path / "main.asm"
    src.write_text('bits 32\n%if 0\nnop\n%endif\n%include "lib.inc"\nhlt\n')
    ours = assemble_file(src, [str(tmp_path)])
    assert ours.ok, [e.format() for e in ours.errors]
    binary, listing = nasm(src.read_text(), [str(tmp_path)], listing=True)
    assert ours.binary == binary
    assert ours.listing.splitlines() == listing.splitlines()
