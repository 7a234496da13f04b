"""Decoded blocks survive TLB flushes and stay right when the mapping changes: a
block checks at entry that its linear pages still map to the frames it was decoded
from (INVLPG and CR3 loads no longer throw the decode cache away, which made a
paging kernel recompile its code after every flush). PRM 5.2 (page translation),
SDM 4.10.4 (INVLPG, MOV to CR3 invalidate translations)."""
from __future__ import annotations

import struct

from .helpers import flat32_cpu

PD, PT, PD2, PT2 = 0x10000, 0x11000, 0x12000, 0x13000
RETURNS_1 = bytes.fromhex("B801000000C3")     # at frame 3000: mov eax,1 / ret
RETURNS_2 = bytes.fromhex("B802000000C3")     # at frame 4000: mov eax,2 / ret


def paged_cpu(code: str):
    cpu = flat32_cpu(bytes.fromhex(code))
    mem = cpu.memory
    mem.load(0x3000, RETURNS_1)
    mem.load(0x4000, RETURNS_2)
    for pd, pt, frame in ((PD, PT, 0x3000), (PD2, PT2, 0x4000)):
        mem.load(pd, struct.pack("<I", pt | 3))
        mem.load(pt, b"".join(struct.pack("<I", (i << 12) | 3) for i in range(256)))
        mem.load(pt + 2 * 4, struct.pack("<I", frame | 3))     # linear 2000 -> frame
    cpu.write_cr(3, PD)
    cpu.write_cr(0, cpu.cr[0] | 0x80000000)
    return cpu


def test_invlpg_after_remapping_runs_the_new_frame():
    cpu = paged_cpu("E8FB0F0000"            # call 2000h        (frame 3000: EAX=1)
                    "89C3"                  # mov ebx,eax
                    "C70508100100"          # mov dword [11008h],4003h: 2000h -> frame 4000
                    "03400000"
                    "0F013D00200000"        # invlpg [2000h]
                    "E8E30F0000"            # call 2000h        (frame 4000: EAX=2)
                    "F4")
    assert cpu.run(1000) == "hlt"
    assert (cpu.regs[3], cpu.regs[0]) == (1, 2)


def test_cr3_load_switches_the_code_seen_at_one_linear_address():
    cpu = paged_cpu("E8FB0F0000"            # call 2000h (frame 3000)
                    "89C3"                  # mov ebx,eax
                    "B800200100"            # mov eax,12000h
                    "0F22D8"                # mov cr3,eax: the other page tables
                    "E8EC0F0000"            # call 2000h (frame 4000)
                    "F4")
    assert cpu.run(1000) == "hlt"
    assert (cpu.regs[3], cpu.regs[0]) == (1, 2)


def test_unchanged_mapping_keeps_the_block_across_a_cr3_load():
    """Reloading CR3 with the same tables flushes the TLB, not the decoded code."""
    cpu = paged_cpu("E8FB0F0000"            # call 2000h
                    "0F20D8"                # mov eax,cr3
                    "0F22D8"                # mov cr3,eax
                    "E8F00F0000"            # call 2000h
                    "F4")
    assert cpu.run(1000) == "hlt"
    cache = cpu.dcaches[32]
    block = cache[0x2000]
    assert cpu.regs[0] == 1 and block.pages == ((2, 0x3000),)
