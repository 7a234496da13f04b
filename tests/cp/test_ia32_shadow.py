"""Shadow paging of an IA-32 guest (cp/backends/ia32_shadow.py): hidden and true
page faults counted apart, and the guest's A and D bits as the bare machine sets
them (80386 PRM 5.2.4.4: A in both levels before an access, D in the page-table
entry before a write).

The guest (below) builds an identity map of 0-4M (P, R/W, supervisor) with page D
(203000) not present, turns paging on with WP, reads page A (200000), writes page
B (201000), reads then writes page C (202000) and reads page D: its #PF handler
records the error code and CR2, sets P in D's entry and returns, and the read is
done again. Everything else it touches after paging is on is page P0 (100000:
code, GDT, IDT, data, stack) and, in the handler, the page table page (102000).

Hidden faults, counted from that program (every page starts with no shadow
entry, and a shadow entry stays read-only until the guest's entry is dirty):
  paging off (the identity shadow): P0 fetch, PT write, PD write        3
  paging on: P0 fetch; A read; B write; C read, C write                 5
  delivering the #PF: the first write into P0 (the frame on its stack)  1
  the handler's OR into the page table: the read, then the write        2
  the read of D again                                                   1
                                                                       12
and one true fault (D, not present: error code 0, CR2 203000).
"""
from __future__ import annotations

import struct

import pytest

from tests.cp.ia32_support import assemble, bare_run, ia32_vm

PT_GUEST = """\
bits 32
org 0x100000
PD      equ 0x101000
PT      equ 0x102000
mb:     dd 0x1BADB002, 0x00010003, -(0x1BADB002 + 0x00010003)
        dd mb, mb, image_end, image_end, start
start:
        mov esp, stack_top
        lgdt [gdt_ptr]
        lidt [idt_ptr]
        mov edi, PT
        xor ecx, ecx
.fill:  mov eax, ecx
        shl eax, 12
        or eax, 3
        mov [edi + ecx*4], eax
        inc ecx
        cmp ecx, 1024
        jb .fill
        mov dword [PT + 0x203 * 4], 0x203000     ; page D: not present
        mov dword [PD], PT + 3
        mov eax, PD
        mov cr3, eax
        mov eax, cr0
        or eax, 0x80010000                      ; PG, WP
        mov cr0, eax
        mov eax, [0x200000]                     ; A: read
        mov dword [0x201000], 1                 ; B: write
        mov eax, [0x202000]                     ; C: read, then write
        mov dword [0x202000], 2
        mov eax, [0x203000]                     ; D: #PF, the handler maps it
        mov [r_d], eax
        mov al, 0
        out 0xF4, al
        hlt
pf_handler:
        pop dword [r_err]
        push eax
        mov eax, cr2
        mov [r_cr2], eax
        or dword [PT + 0x203 * 4], 3
        inc dword [r_pf]
        pop eax
        iretd
align 8
gdt:    dq 0, 0x00CF9A000000FFFF, 0x00CF93000000FFFF
gdt_ptr: dw 23
        dd gdt
idt_ptr: dw 15 * 8 - 1
        dd idt
align 8
idt:    times 14 dq 0
        dw pf_handler - $$ + 0x100000 - (((pf_handler - $$ + 0x100000) >> 16) << 16)
        dw 0x08
        db 0, 0x8E
        dw (pf_handler - $$ + 0x100000) >> 16
        times 0x800 - ($ - $$) db 0
r_err:  dd 0
r_cr2:  dd 0
r_pf:   dd 0
r_d:    dd 0
        times 256 db 0
stack_top:
        times 0x3000 - ($ - $$) db 0
image_end:
"""
PT, PD = 0x102000, 0x101000
RECORDS = 0x100800          # r_err, r_cr2, r_pf


@pytest.fixture(scope="module")
def image():
    return assemble(PT_GUEST)


@pytest.fixture(scope="module")
def runs(image):
    m, bare = bare_run(image)
    vm = ia32_vm(image)
    virtual = vm.run(100_000)
    return m, bare, vm, virtual


def test_hidden_and_true_page_faults_counted_apart(runs):
    _, _, vm, virtual = runs
    assert (virtual.stop, vm.backend.exit_code) == ("stopped", 1)
    shadow = vm.backend.shadow
    assert (shadow.hidden, shadow.true) == (12, 1)
    assert vm.counters.intercepts["hidden-page-fault"] == 12
    assert vm.counters.intercepts["page-fault"] == 1
    assert vm.backend.vstate.cr[2] == 0x203000


def test_the_guest_sees_its_own_fault(runs):
    """The handler's records: error code 0 (read, not present, supervisor: PRM
    9.8.14), CR2 203000, one fault; the same on the bare machine."""
    m, _, vm, _ = runs
    for mem in (m.memory.ram, vm.storage.mem):
        err, cr2, n = struct.unpack_from("<III", bytes(mem[RECORDS:RECORDS + 12]))
        assert (err, cr2, n) == (0, 0x203000, 1)


def test_accessed_and_dirty_bits_are_the_bare_machines(runs):
    """Every entry of the guest's page table and its directory entry, bit for bit;
    the pages used: P0 100000 A D, PT 102000 A D, A 200000 A, B, C A D, D A."""
    m, bare, vm, _ = runs
    assert bare.stop == "exit" and bare.instructions == vm.cpu.count
    assert bytes(vm.storage.mem[PT:PT + 4096]) == bytes(m.memory.ram[PT:PT + 4096])
    assert bytes(vm.storage.mem[PD:PD + 4]) == bytes(m.memory.ram[PD:PD + 4])
    table = struct.unpack_from("<1024I", bytes(vm.storage.mem[PT:PT + 4096]))
    assert [table[p] & 0x60 for p in (0x100, 0x101, 0x102, 0x200, 0x201, 0x202, 0x203)] == \
        [0x60, 0, 0x60, 0x20, 0x60, 0x60, 0x20]
    assert not any(e & 0x60 for p, e in enumerate(table)
                   if p not in (0x100, 0x102, 0x200, 0x201, 0x202, 0x203))
