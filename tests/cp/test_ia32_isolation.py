"""Isolation of IA-32 virtual machines: two IA-32 VMs and a virtual 370 under one
CP. The hostile IA-32 guest (below) writes over all of its RAM above 2M, then maps
the top of its linear space onto three of its own pages and writes at linear
FFC00000 (where CP's GDT is), FFC10000 (CP's IDT) and FFFFFFF0, reading the first
back, then maps a page onto the physical frame just past its RAM (where CP's area
starts in the real memory) and writes there. Its ring-1 segments end below
CP_BASE (segment truncation), so the three writes fault on the real CPU and CP
performs them through the guest's own tables (ia32_window.py): they land in its
own pages, as on the bare machine, and CP's tables stay as they were; the mapping
beyond its storage stops the VM with a check-stop and a one-line reason. The other IA-32 VM (test_ia32_naive's guest) and the 370 see
nothing of it: their storage, registers and results are what they are alone."""
from __future__ import annotations

import hashlib
import struct

from cp import System

from tests.cp.ia32_support import assemble, ia32_vm
from tests.cp.test_ia32_naive import PRIV_GUEST, results

HOSTILE = """\
bits 32
org 0x100000
MEM     equ 0x400000                ; the VM's 4M
mb:     dd 0x1BADB002, 0x00010003, -(0x1BADB002 + 0x00010003)
        dd mb, mb, image_end, image_end, start
start:
        mov esp, stack_top
        lidt [idt_ptr]
        mov edi, 0x200000           ; all of its RAM above 2M
        mov ecx, (MEM - 0x200000) / 4
        mov eax, 0xAAAAAAAA
        cld
        rep stosd
        mov dword [PT + 0x300 * 4], MEM + 3    ; linear 300000 -> the frame after its RAM
        mov dword [PT + 0x100 * 4], 0x100003
        mov dword [PD], PT + 3
        mov dword [PT2], 0x104003              ; FFC00000 -> 104000
        mov dword [PT2 + 0x10 * 4], 0x105003   ; FFC10000 -> 105000
        mov dword [PT2 + 0x3FF * 4], 0x106003  ; FFFFF000 -> 106000
        mov dword [PD + 0x3FF * 4], PT2 + 3
        mov ebx, PD
        mov cr3, ebx
        mov ebx, cr0
        or ebx, 0x80000000
        mov cr0, ebx
        mov dword [0xFFC00000], eax ; where CP's GDT, IDT and TSS are, the top of the 4G
        mov dword [0xFFC10000], eax
        mov dword [0xFFFFFFF0], eax
        mov ebx, [0xFFC00000]
        mov [r_read], ebx
        mov dword [0x300000], 0x55555555
        mov al, 0x7F
        out 0xF4, al
        hlt
gp_handler:                         ; skip the 5-byte MOV [abs32], EAX
        add esp, 4
        add dword [esp], 5
        inc dword [r_gp]
        iretd
align 8
idt_ptr: dw 14 * 8 - 1
        dd idt
idt:    times 13 dq 0
        dw gp_handler - $$ + 0x100000 - (((gp_handler - $$ + 0x100000) >> 16) << 16)
        dw 0x08
        db 0, 0x8E
        dw (gp_handler - $$ + 0x100000) >> 16
        times 0x800 - ($ - $$) db 0
r_gp:   dd 0
r_read: dd 0
        times 256 db 0
stack_top:
        times 0x1000 - ($ - $$) db 0
PD      equ 0x101000
PT      equ 0x102000
PT2     equ 0x103000
        times 0x7000 - ($ - $$) db 0
image_end:
"""
MEM = 4 << 20
PATTERN = bytes(range(256)) * 256           # 64K for the 370


def _digest(vm) -> str:
    return hashlib.sha256(bytes(vm.storage.mem[:vm.storage.size])).hexdigest()


def _s370(system: System):
    vm = system.logon("S370", 64 * 1024, reader=None, punch=None, printer=None)
    vm.write_storage(0, PATTERN)
    vm.ipl(image=bytes.fromhex("47F00400"), address=0x400, psw=0x400)   # BC 15,X'400'
    return vm


def test_hostile_ia32_guest_touches_nothing_but_itself():
    alone = ia32_vm(assemble(PRIV_GUEST), userid="ALONE")
    alone.run(100_000)
    system = System()
    hostile = ia32_vm(assemble(HOSTILE), memory=MEM, system=system, userid="HOSTILE")
    victim = ia32_vm(assemble(PRIV_GUEST), system=system, userid="VICTIM")
    s370 = _s370(system)
    cp_tss = bytes(hostile.backend.memory.ram[MEM + 0xFFF8:MEM + 0x10000])
    cp_idt = bytes(hostile.backend.memory.ram[MEM + 0x10000:MEM + 0x10800])
    result = system.run(400_000)
    assert result.stop == "limit"               # the 370 loops on
    assert hostile.cpu.checkstop and hostile.backend.stop_reason == (
        "the guest addressed physical 00400000, beyond its 4096K of storage")
    mem = hostile.storage.mem
    assert struct.unpack_from("<II", bytes(mem[0x100800:0x100808])) == (0, 0xAAAAAAAA)
    assert not hostile.counters.reflected
    assert hostile.counters.intercepts["cp-region"] == 4
    for at in (0x104000, 0x105000, 0x106FF0):
        assert bytes(mem[at:at + 4]) == b"\xAA" * 4
    assert bytes(mem[0x200000:MEM]) == b"\xAA" * (MEM - 0x200000)
    assert bytes(hostile.backend.memory.ram[MEM + 0xFFF8:MEM + 0x10000]) == cp_tss
    assert bytes(hostile.backend.memory.ram[MEM + 0x10000:MEM + 0x10800]) == cp_idt
    assert victim.backend.exit_code == 1
    assert results(victim.storage.mem) == results(alone.storage.mem)
    assert _digest(victim) == _digest(alone)
    assert bytes(s370.storage.mem[0x1000:0x10000]) == PATTERN[0x1000:0x10000]
