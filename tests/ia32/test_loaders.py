"""The three ways to start the PC: ``--bios`` (ROM ending at 1M and at 4G, CPU at the
reset vector: 80386 PRM 10.1), ``--load`` (flat binary in real mode, as a BIOS enters
a boot sector), ``--kernel`` (Multiboot 0.6.96: the header search of 3.1.1, the ELF
and a.out-kludge loading of 3.1.3, the machine state of 3.2 and the information
structure and memory map of 3.3), and their one-line errors."""
from __future__ import annotations

import struct

import pytest

from ia32.errors import MachineError
from ia32.loaders.bios import boot_bios
from ia32.loaders.flat import boot_flat
from ia32.loaders.multiboot import boot_multiboot
from ia32.machine import Machine
from ia32.state import CR0_PE, CS, DS, EAX, EBX, EDX, ESP, SS

MB_MAGIC = 0x1BADB002


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


# --- read errors ---------------------------------------------------------------------
def test_missing_image(tmp_path):
    with pytest.raises(MachineError, match=r"nope\.bin: no such file"):
        boot_flat(Machine(), str(tmp_path / "nope.bin"))


def test_empty_image(tmp_path):
    with pytest.raises(MachineError, match="empty image"):
        boot_flat(Machine(), write(tmp_path, "e.bin", b""))


def test_directory_is_not_an_image(tmp_path):
    with pytest.raises(MachineError, match="is a directory"):
        boot_bios(Machine(), str(tmp_path))


# --- --bios ----------------------------------------------------------------------------
def test_bios_64k_at_f0000_and_below_4g_cpu_at_the_reset_vector(tmp_path):
    rom = bytes([0x11]) + bytes(0xFFF0 - 1) + bytes([0xEA]) + bytes(15)
    m = Machine()
    boot_bios(m, write(tmp_path, "bios.bin", rom))
    assert m.memory.read(0xF0000, 1) == 0x11
    assert m.memory.read(0xFFFF0, 1) == 0xEA
    assert m.memory.read(0xFFFFFFF0, 1) == 0xEA
    assert m.memory.read(0xFFFF0000, 1) == 0x11
    cs = m.cpu.sregs[CS]
    assert (cs.selector, cs.base, m.cpu.eip) == (0xF000, 0xFFFF0000, 0xFFF0)
    m.memory.write(0xF0000, 1, 0x99)          # ROM: writes are ignored
    assert m.memory.read(0xF0000, 1) == 0x11


def test_small_bios_is_padded_so_it_ends_at_1m(tmp_path):
    m = Machine()
    boot_bios(m, write(tmp_path, "small.bin", bytes(range(16)) * 64))   # 1K
    assert m.memory.read(0xFFFFF, 1) == 15
    assert m.memory.read(0xFFC00, 1) == 0
    assert m.memory.read(0xFF000, 1) == 0xFF


def test_bios_larger_than_128k_is_refused(tmp_path):
    with pytest.raises(MachineError, match=r"big\.bin: 135168 bytes is too large"):
        boot_bios(Machine(), write(tmp_path, "big.bin", bytes(132 << 10)))


# --- --load ----------------------------------------------------------------------------
def test_flat_binary_at_7c00_in_real_mode(tmp_path):
    m = Machine()
    boot_flat(m, write(tmp_path, "boot.bin", b"\xf4" * 512))
    cpu = m.cpu
    assert m.memory.read(0x7C00, 1) == 0xF4 and m.memory.read(0x7E00, 1) == 0
    assert (cpu.sregs[CS].selector, cpu.sregs[CS].base, cpu.eip) == (0, 0, 0x7C00)
    assert not cpu.cr[0] & CR0_PE
    assert cpu.regs[EDX] & 0xFF == 0x80 and cpu.regs[ESP] == 0x7C00
    assert cpu.sregs[SS].base == 0 and cpu.sregs[DS].base == 0


def test_flat_binary_above_64k_gets_a_segment(tmp_path):
    m = Machine()
    boot_flat(m, write(tmp_path, "x.bin", b"\xf4"), 0x12345)
    assert (m.cpu.sregs[CS].selector, m.cpu.sregs[CS].base, m.cpu.eip) == (0x1234, 0x12340, 5)


def test_flat_binary_must_start_below_1m(tmp_path):
    with pytest.raises(MachineError, match="below 1M"):
        boot_flat(Machine(), write(tmp_path, "x.bin", b"\xf4"), 0x100000)


def test_flat_binary_that_does_not_fit(tmp_path):
    with pytest.raises(MachineError, match="too large"):
        boot_flat(Machine(2 << 20), write(tmp_path, "x.bin", bytes(3 << 20)))
    with pytest.raises(MachineError, match=r"x2\.bin: .* do not fit"):
        boot_flat(Machine(2 << 20), write(tmp_path, "x2.bin", bytes((2 << 20) - 0x7000)))


# --- --kernel --------------------------------------------------------------------------
def mb_header(flags, extra=b""):
    return struct.pack("<III", MB_MAGIC, flags, (-(MB_MAGIC + flags)) & 0xFFFFFFFF) + extra


def elf(segments, entry, machine=3, eclass=1):
    """An ELF32 executable; segments: (paddr, data, memsz)."""
    phoff = 52
    data_off = phoff + 32 * len(segments)
    ph, body = b"", b""
    for paddr, data, memsz in segments:
        ph += struct.pack("<IIIIIIII", 1, data_off + len(body), paddr, paddr, len(data),
                          memsz, 5, 4)
        body += data
    ident = b"\x7fELF" + bytes([eclass, 1, 1]) + bytes(9)
    hdr = struct.pack("<16sHHIIIIIHHHHHH", ident, 2, machine, 1, entry, phoff, 0, 0, 52,
                      32, len(segments), 40, 0, 0)
    return hdr + ph + body


def test_multiboot_elf_loaded_and_entered_as_section_3_2_says(tmp_path):
    code = mb_header(0x3) + b"\xf4" * 4
    image = elf([(0x100000, code, 0x3000), (0x200000, b"DATA", 4)], 0x10000C)
    m = Machine()
    boot_multiboot(m, write(tmp_path, "k.elf", image), "console=ttyS0")
    mem, cpu = m.memory, m.cpu
    assert mem.read_bytes(0x100000, len(code)) == code
    assert mem.read_bytes(0x200000, 4) == b"DATA"
    assert cpu.regs[EAX] == 0x2BADB002
    assert cpu.eip == 0x10000C
    assert cpu.cr[0] & 0x80000001 == CR0_PE             # protected, paging off
    assert cpu.get_eflags() & 0x20200 == 0              # IF and VM clear
    cs = cpu.sregs[CS]
    assert (cs.selector, cs.base, cs.limit, cs.big) == (0x08, 0, 0xFFFFFFFF, 1)
    for sreg in range(6):
        if sreg != CS:
            s = cpu.sregs[sreg]
            assert (s.selector, s.base, s.limit) == (0x10, 0, 0xFFFFFFFF)
    info = cpu.regs[EBX]
    assert info == 0x201000                             # the page after the highest byte
    flags, lower, upper = struct.unpack_from("<III", mem.read_bytes(info, 12))
    assert flags & 0x245 == 0x245                       # mem, cmdline, mmap, loader name
    assert (lower, upper) == (640, (16 << 10) - 1024)
    cmdline = struct.unpack_from("<I", mem.read_bytes(info + 16, 4))[0]
    text = mem.read_bytes(cmdline, 512).split(b"\0")[0]
    assert text.endswith(b"k.elf console=ttyS0")
    length, addr = struct.unpack_from("<II", mem.read_bytes(info + 44, 8))
    entries = [struct.unpack_from("<IQQI", mem.read_bytes(addr + off, 24))
               for off in range(0, length, 24)]
    assert entries == [(20, 0, 0x9FC00, 1), (20, 0x9FC00, 0x400, 2),
                       (20, 0xF0000, 0x10000, 2), (20, 0x100000, (16 << 20) - 0x100000, 1)]
    gdt = mem.read_bytes(cpu.gdtr_base, cpu.gdtr_limit + 1)
    assert struct.unpack("<QQQ", gdt) == (0, 0x00CF9B000000FFFF, 0x00CF93000000FFFF)


def test_multiboot_elf_bss_is_zeroed(tmp_path):
    m = Machine()
    m.memory.load(0x100100, b"\xaa" * 16)
    boot_multiboot(m, write(tmp_path, "k.elf", elf([(0x100000, mb_header(0), 0x200)], 0x100000)))
    assert m.memory.read_bytes(0x100100, 16) == bytes(16)


def test_multiboot_aout_kludge(tmp_path):
    base = 0x100000
    pad = b"\x90" * 8
    # header 8 bytes into the file: header_addr = base + 8; bss to base + 0x4000
    fields = struct.pack("<IIIII", base + 8, base, 0, base + 0x4000, base + 0x30)
    image = pad + mb_header(0x10000, fields) + b"\xcc" * 32
    m = Machine()
    m.memory.load(base + 0x3000, b"\x55")
    boot_multiboot(m, write(tmp_path, "k.bin", image))
    assert m.memory.read_bytes(base, len(image)) == image
    assert m.memory.read(base + 0x3000, 1) == 0
    assert m.cpu.eip == base + 0x30
    assert m.cpu.regs[EBX] == base + 0x4000


def test_aout_kludge_with_inconsistent_addresses(tmp_path):
    fields = struct.pack("<IIIII", 0x100000, 0x100100, 0, 0, 0x100000)   # load after header
    with pytest.raises(MachineError, match="a.out addresses do not match"):
        boot_multiboot(Machine(), write(tmp_path, "k.bin", mb_header(0x10000, fields)))


def test_no_multiboot_header(tmp_path):
    with pytest.raises(MachineError, match=r"k\.bin: no Multiboot header in the first 8192 bytes"):
        boot_multiboot(Machine(), write(tmp_path, "k.bin", bytes(8192) + mb_header(0)))


def test_bad_checksum_is_no_header(tmp_path):
    bad = struct.pack("<III", MB_MAGIC, 0, 0)
    with pytest.raises(MachineError, match="no Multiboot header"):
        boot_multiboot(Machine(), write(tmp_path, "k.bin", bad))


def test_required_feature_we_do_not_know(tmp_path):
    with pytest.raises(MachineError, match="requires Multiboot features 0x8"):
        boot_multiboot(Machine(), write(tmp_path, "k.bin", mb_header(0x8)))


def test_header_without_kludge_needs_elf(tmp_path):
    with pytest.raises(MachineError, match="neither ELF nor"):
        boot_multiboot(Machine(), write(tmp_path, "k.bin", mb_header(0)))


@pytest.mark.parametrize("change, message", [
    ({"machine": 62}, "not an i386 ELF executable"),
    ({"eclass": 2}, "not a 32-bit little-endian ELF"),
])
def test_malformed_elf(tmp_path, change, message):
    image = elf([(0x100000, mb_header(0), 16)], 0x100000, **change)
    with pytest.raises(MachineError, match=message):
        boot_multiboot(Machine(), write(tmp_path, "k.elf", image))


def test_elf_segment_beyond_the_file(tmp_path):
    image = bytearray(elf([(0x100000, mb_header(0), 16)], 0x100000))
    struct.pack_into("<I", image, 52 + 16, 0x10000)          # p_filesz past the end
    with pytest.raises(MachineError, match="beyond the end of the file"):
        boot_multiboot(Machine(), write(tmp_path, "k.elf", bytes(image)))


def test_truncated_elf(tmp_path):
    image = elf([(0x100000, mb_header(0), 16)], 0x100000)[:40]
    with pytest.raises(MachineError, match="truncated ELF header|no Multiboot header"):
        boot_multiboot(Machine(), write(tmp_path, "k.elf", image))


def test_kernel_that_does_not_fit_memory(tmp_path):
    image = elf([(0x100000, mb_header(0), 4 << 20)], 0x100000)
    with pytest.raises(MachineError, match=r"does not fit in 2M of memory"):
        boot_multiboot(Machine(2 << 20), write(tmp_path, "k.elf", image))
