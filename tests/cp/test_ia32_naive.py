"""Naive trap-and-emulate of an IA-32 guest kernel's privileged instructions
(cp/backends/ia32_emulate.py), and what it does not hide (Popek and Goldberg).

The guest (below) loads its own GDT and IDT, programs the 8259 and the 8254,
reads CR0, the segment registers and EFLAGS, halts with interrupts enabled until
the timer's IRQ 0, and leaves through the exit port. LGDT, LIDT, MOV SS with an
RPL 0 selector, MOV from CR0, CLI, STI, IN, OUT and HLT trap at real ring 1 and
are emulated against the virtual CPU and the virtual devices, so the guest sees
its own CR0 and its own 8259 mask. SGDT, SIDT, SMSW, STR, MOV from CS, PUSHF and
the interrupt frame do not trap: they show CP's tables and the real ring-1
state, where the bare machine shows the guest's. The expected values are the
80386 PRM's for each (17 SGDT/SIDT: limit then base; 17 SMSW with a 32-bit
register: all of CR0; 9.6.1 the frame: EIP, CS, EFLAGS) applied to CP's frame
(ia32_vstate.py: CP_GDT FFC00000 with 8192 entries, CP_IDT FFC10000 with 256,
CP's TSS in slot 8191; real CR0 = PG WP ET PE) and to the guest's.
"""
from __future__ import annotations

import struct

import pytest

from tests.cp.ia32_support import assemble, bare_run, ia32_vm

PRIV_GUEST = """\
bits 32
org 0x100000
mb:     dd 0x1BADB002, 0x00010003, -(0x1BADB002 + 0x00010003)
        dd mb, mb, image_end, image_end, start
start:
        mov esp, stack_top
        lgdt [gdt_ptr]
        jmp 0x08:.cs
.cs:    mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov ss, ax
        lidt [idt_ptr]
        sgdt [r_sgdt]
        sidt [r_sidt]
        smsw eax
        mov [r_smsw], eax
        str word [r_str]
        mov eax, cr0
        mov [r_cr0], eax
        mov eax, cs
        mov [r_cs], eax
        cli
        xor eax, eax
        pushfd
        pop dword [r_pushf]
        mov al, 0x11            ; the 8259: ICW1..4, vectors 20h, only IRQ 0
        out 0x20, al
        mov al, 0x20
        out 0x21, al
        mov al, 0x04
        out 0x21, al
        mov al, 0x01
        out 0x21, al
        mov al, 0xFE
        out 0x21, al
        in al, 0x21
        mov [r_imr], al
        mov al, 0x42
        out 0x80, al
        mov al, 0x30            ; PIT counter 0, mode 0, count 100
        out 0x43, al
        mov al, 100
        out 0x40, al
        xor al, al
        out 0x40, al
        sti
        hlt
        pushfd
        pop dword [r_pushf2]
        mov al, 0
        out 0xF4, al
        hlt
irq0:
        mov eax, [esp + 4]
        mov [r_frame_cs], eax
        mov eax, [esp + 8]
        mov [r_frame_fl], eax
        inc dword [r_ticks]
        mov al, 0x20
        out 0x20, al
        iretd
align 8
gdt:    dq 0, 0x00CF9A000000FFFF, 0x00CF92000000FFFF
gdt_ptr: dw 23
        dd gdt
idt_ptr: dw 0x20 * 8 + 7
        dd idt
align 8
idt:    times 0x20 dq 0
        dw irq0 - $$ + 0x100000 - (((irq0 - $$ + 0x100000) >> 16) << 16)
        dw 0x08
        db 0, 0x8E
        dw (irq0 - $$ + 0x100000) >> 16
        times 0x400 - ($ - $$) db 0
results:
r_sgdt: dw 0
        dd 0
        dw 0
r_sidt: dw 0
        dd 0
        dw 0
r_smsw: dd 0
r_str:  dd 0
r_cr0:  dd 0
r_cs:   dd 0
r_pushf: dd 0
r_imr:  dd 0
r_frame_cs: dd 0
r_frame_fl: dd 0
r_ticks: dd 0
r_pushf2: dd 0
        times 256 db 0
stack_top:
image_end:
"""
RESULTS = 0x100400
FIELDS = ("smsw", "str", "cr0", "cs", "pushf_after_cli", "imr", "frame_cs", "frame_eflags",
          "ticks", "pushf_after_iret")


def results(mem) -> dict:
    b = bytes(mem[RESULTS:RESULTS + 56])
    out = dict(zip(FIELDS, struct.unpack_from("<10I", b, 16)))
    out["sgdt"] = struct.unpack_from("<HI", b, 0)
    out["sidt"] = struct.unpack_from("<HI", b, 8)
    out["str"] &= 0xFFFF
    out["imr"] &= 0xFF
    return out


@pytest.fixture(scope="module")
def image():
    return assemble(PRIV_GUEST)


@pytest.fixture(scope="module")
def bare(image):
    m, r = bare_run(image)
    assert (r.stop, r.exit_code) == ("exit", 1)
    return results(m.memory.ram)


@pytest.fixture(scope="module")
def naive(image):
    vm = ia32_vm(image)
    r = vm.run(100_000)
    assert (r.stop, vm.backend.exit_code) == ("stopped", 1)
    return vm, results(vm.storage.mem)


def test_bare_machine_reference(bare):
    assert bare == {"sgdt": (23, bare["sgdt"][1]), "sidt": (0x107, bare["sidt"][1]),
                    "smsw": 0x11, "str": 0, "cr0": 0x11, "cs": 0x08, "pushf_after_cli": 0x46,
                    "imr": 0xFE, "frame_cs": 0x08, "frame_eflags": 0x246, "ticks": 1,
                    "pushf_after_iret": 0x246}


def test_privileged_instructions_are_emulated_against_the_virtual_cpu(naive, bare):
    """MOV from CR0 gives the guest's CR0 (PE ET), IN from 21h the mask the guest
    wrote, the IRQ 0 the guest's HLT waited for arrives once; the POST code and
    the exit status reach the virtual devices."""
    vm, got = naive
    for name in ("cr0", "imr", "ticks"):
        assert got[name] == bare[name], name
    assert vm.counters.simulated == {"LGDT": 1, "LIDT": 1, "MOV Sreg": 1, "MOV CRn": 1, "CLI": 1,
                                     "STI": 1, "OUT": 11, "IN": 1}
    assert vm.counters.intercepts["wait"] == 1 and vm.counters.reflected == {"external": 1}
    assert vm.backend.vdev.post.codes == [0x42]
    vs = vm.backend.vstate                  # what the bare SGDT/SIDT store
    assert (vs.gdtr[1], vs.gdtr[0]) == bare["sgdt"] and (vs.idtr[1], vs.idtr[0]) == bare["sidt"]


def test_what_naive_does_not_hide(naive):
    """SGDT/SIDT: CP's GDT (limit FFFF, base FFC00000) and IDT (7FF, FFC10000);
    SMSW EAX: the real CR0 80010011 (PG and WP: CP's shadow paging); STR: CP's
    TSS, FFF8; MOV EAX,CS and the frame's CS: RPL 1, 09; PUSHF after CLI: IF still
    1 (246: the guest's CLI changed only the virtual IF)."""
    _, got = naive
    assert got["sgdt"] == (0xFFFF, 0xFFC00000)
    assert got["sidt"] == (0x7FF, 0xFFC10000)
    assert got["smsw"] == 0x80010011
    assert got["str"] == 0xFFF8
    assert got["cs"] == got["frame_cs"] == 0x09
    assert got["pushf_after_cli"] == 0x246


def test_iret_silently_keeps_if_in_naive(naive):
    """The handler's IRETD pops EFLAGS with IF=1, but at real CPL 1 with IOPL 0
    IRET may not change IF (PRM 17 IRET), so the guest's IF stays 0 as the
    interrupt gate left it, while PUSHF still shows the real IF=1."""
    vm, got = naive
    assert vm.backend.vstate.iflag is False
    assert got["pushf_after_iret"] == 0x246
