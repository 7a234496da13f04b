"""A guest may use every linear address, CP's region (the top 4M, CP_BASE up) too:
it sees there what its own page tables map, bare and under CP in every mode, and
never CP's tables (ia32_window.py, ia32_vstate.py). And a segment load sets the
accessed bit in the guest's own descriptor, as the bare processor does (80386 PRM
5.1.4 "Accessed bit"; SDM Vol. 3 3.4.5), not only in CP's shadow (ia32_gdt.py).

The guest maps its low 4M one to one and three of its own pages at FFC00000 (where
CP's GDT is), FFC01000 (where the guest's GDT alias would be in Linux) and
FFFFF000, then stores and loads there: a dword, the last dword of the 4G, a PUSH
and a POP with ESP in the region, a REP MOVSD into it and a sum read back from
it. It loads DS and SS from descriptors whose accessed bit is clear and leaves a
third clear one alone. Expected values are the bare machine's, and the literal
ones the program stores."""
from __future__ import annotations

import struct

import pytest

from tests.cp.ia32_support import assemble, bare_run, ia32_vm

GUEST = """\
bits 32
org 0x100000
mb:     dd 0x1BADB002, 0x00010003, -(0x1BADB002 + 0x00010003)
        dd mb, mb, image_end, image_end, start
PD      equ 0x200000
PT0     equ 0x201000
PTT     equ 0x202000
RES     equ 0x206000
start:
        lgdt [gdt_ptr]
        mov ax, 0x18                ; DS from a descriptor not yet accessed
        mov ds, ax
        mov ax, 0x28                ; SS too
        mov ss, ax
        mov esp, 0x1FF000
        mov edi, PT0                ; the low 4M one to one
        mov eax, 3
        mov ecx, 1024
fill:   mov [edi], eax
        add eax, 0x1000
        add edi, 4
        loop fill
        mov dword [PTT], 0x203003           ; FFC00000 -> 203000
        mov dword [PTT + 4], 0x204003       ; FFC01000 -> 204000
        mov dword [PTT + 0x3FF * 4], 0x205003   ; FFFFF000 -> 205000
        mov dword [PD], PT0 + 3
        mov dword [PD + 0x3FF * 4], PTT + 3
        mov eax, PD
        mov cr3, eax
        mov eax, cr0
        or eax, 0x80000000
        mov cr0, eax
        mov dword [0xFFC00000], 0x11223344
        mov dword [0xFFFFFFFC], 0x55667788
        mov esp, 0xFFC01800
        push dword 0xCAFEBABE
        push dword [0xFFC00000]
        pop ebx
        pop ecx
        mov esp, 0x1FF000
        mov [RES + 4], ebx
        mov [RES + 8], ecx
        mov esi, words
        mov edi, 0xFFC00100
        mov ecx, 4
        cld
        rep movsd
        mov eax, [0xFFC00100]
        add eax, [0xFFC0010C]
        add eax, [0xFFFFFFFC]
        mov [RES], eax
        mov eax, [0xFFC017FC]
        mov [RES + 12], eax
        mov al, 0x11
        out 0xF4, al
        hlt
align 4
words:  dd 1, 2, 3, 0x10000000
align 8
gdt:    dq 0
        dq 0x00CF9B000000FFFF       ; 08 code, accessed
        dq 0x00CF93000000FFFF       ; 10 data, accessed
        dq 0x00CF92000000FFFF       ; 18 data, not accessed: loaded into DS
        dq 0x00CF92000000FFFF       ; 20 data, not accessed, never loaded
        dq 0x00CF92000000FFFF       ; 28 data, not accessed: loaded into SS
gdt_end:
gdt_ptr: dw gdt_end - gdt - 1
        dd gdt
image_end:
"""
IMAGE = assemble(GUEST)
GDT = 0x100000 + IMAGE.index(struct.pack("<Q", 0x00CF9B000000FFFF)) - 8
MEM = 4 << 20


def _seen(mem) -> dict:
    """What the guest left: its results, the three pages it maps at the top, its GDT."""
    mem = bytes(mem)
    return {"results": struct.unpack_from("<IIII", mem, 0x206000),
            "top": [mem[a:a + 0x1000] for a in (0x203000, 0x204000, 0x205000)],
            "gdt": mem[GDT:GDT + 48]}


@pytest.fixture(scope="module")
def bare() -> dict:
    m, result = bare_run(IMAGE, memory=MEM)
    assert (result.stop, result.exit_code) == ("exit", 0x23)           # the exit port: (11h << 1) | 1
    return _seen(m.memory.ram[:MEM])


def test_the_bare_machine_stores_what_the_program_says(bare):
    assert bare["results"] == (1 + 0x10000000 + 0x55667788, 0x11223344, 0xCAFEBABE,
                               0xCAFEBABE)
    top = bare["top"]
    assert struct.unpack_from("<I", top[0], 0)[0] == 0x11223344
    assert struct.unpack_from("<IIII", top[0], 0x100) == (1, 2, 3, 0x10000000)
    assert struct.unpack_from("<I", top[2], 0xFFC)[0] == 0x55667788
    # accessed bit (descriptor bit 40) set for 18 and 28, still clear for 20
    assert [bare["gdt"][8 * n + 5] for n in range(1, 6)] == [0x9B, 0x93, 0x93, 0x92, 0x93]


@pytest.mark.parametrize("mode", ["NAIVE", "SCAN", "TRANSLATE"])
def test_cp_region_is_the_guests_own_under_cp(bare, mode):
    vm = ia32_vm(IMAGE, mode=mode, memory=MEM)
    ram = vm.backend.memory.ram
    cp_tables = bytes(ram[MEM:MEM + 0x22000])      # CP's GDT, IDT, TSS, shadow LDT
    vm.run(200_000)
    assert vm.backend.exit_code == 0x23, vm.backend.stop_reason
    assert _seen(vm.storage.mem) == bare
    assert vm.counters.intercepts["cp-region"] >= 10
    after = bytes(ram[MEM:MEM + 0x22000])
    # CP's own tables: only the shadows of the guest's six descriptors changed
    shadow = slice(0, 48)
    assert after[48:] == cp_tables[48:]
    assert after[shadow] != bytes(48)
