"""The Linux/x86 32-bit boot protocol (Documentation/x86/boot.rst, "32-bit Boot
Protocol"; zero-page.rst): header checks, the zero page, placement and the entry
state. Images are built here byte by byte from the protocol's table."""
from __future__ import annotations

import struct

import pytest

from ia32.loaders import linux as linuxboot
from ia32.errors import MachineError

from .helpers import LINUX_KERNEL as KERNEL

M = 1 << 20


def bzimage(setup_sects=4, version=0x020F, loadflags=0x01, kernel=b"\x90" * 3000,
            init_size=0x20000, cmdline_size=2047, initrd_max=0x37FFFFFF, code32=0x100000):
    """A minimal bzImage: setup header fields at their boot.rst offsets."""
    img = bytearray((setup_sects + 1) * 512)
    img[0x1F1] = setup_sects
    img[0x1FE:0x200] = b"\x55\xAA"
    img[0x200:0x202] = b"\xEB\x6A"                    # jump: header ends at 0x202 + 0x6A
    img[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", img, 0x206, version)
    img[0x211] = loadflags
    struct.pack_into("<I", img, 0x214, code32)
    struct.pack_into("<I", img, 0x22C, initrd_max)
    struct.pack_into("<I", img, 0x238, cmdline_size)
    struct.pack_into("<I", img, 0x260, init_size)
    img[0x26C] = 0x5A                                 # past the header's end: not copied
    return bytes(img) + kernel


def written(plan, addr, n):
    for a, data in plan.writes:
        if a <= addr and addr + n <= a + len(data):
            return data[addr - a:addr - a + n]
    raise AssertionError(f"nothing written at {addr:#x}")


def test_boot_rst_32bit_entry_state_and_placement():
    p = linuxboot.plan(bzimage(), 16 * M, "console=ttyS0")
    assert (p.eip, p.esi, p.cs, p.ds) == (0x100000, 0x7000, 0x10, 0x18)
    assert written(p, 0x100000, 3000) == b"\x90" * 3000          # the part after 5 sectors
    gdt = written(p, p.gdt_base, 32)
    # __BOOT_CS: base 0, limit 4G (G=1), 32-bit, present, DPL 0, execute/read.
    assert struct.unpack("<4Q", gdt) == (0, 0, 0x00CF9A000000FFFF, 0x00CF92000000FFFF)
    assert p.gdt_limit == 31
    assert written(p, 0x20000, 14) == b"console=ttyS0\0"


def test_zero_page_fields_boot_rst_table():
    p = linuxboot.plan(bzimage(), 32 * M, "x")
    zp = written(p, 0x7000, 4096)
    assert zp[0x1F1] == 4 and zp[0x202:0x206] == b"HdrS"          # the header copied in
    assert zp[0x26C] == 0                                           # ...up to 0x202 + jump
    assert zp[0x210] == 0xFF                                        # type_of_loader: undefined
    assert struct.unpack_from("<I", zp, 0x228)[0] == 0x20000        # cmd_line_ptr
    assert struct.unpack_from("<H", zp, 0x1FA)[0] == 0xFFFF         # vid_mode normal
    assert struct.unpack_from("<I", zp, 0x1E0)[0] == 31 * 1024      # alt_mem_k: KB above 1M
    assert zp[0x1E8] == 4                                           # e820_entries
    e820 = [struct.unpack_from("<QQI", zp, 0x2D0 + 20 * i) for i in range(4)]
    assert e820 == [(0, 0x9FC00, 1), (0x9FC00, 0x400, 2), (0xF0000, 0x10000, 2),
                    (0x100000, 31 * M, 1)]


def test_initrd_at_top_of_memory_page_aligned():
    rd = b"\x07" * 5000
    p = linuxboot.plan(bzimage(), 16 * M, "", initrd=rd)
    zp = written(p, 0x7000, 4096)
    addr, size = struct.unpack_from("<II", zp, 0x218)
    assert size == 5000 and addr == (16 * M - 5000) & ~0xFFF and addr % 4096 == 0
    assert written(p, addr, 5000) == rd


def test_setup_sects_zero_means_four():
    img = bytearray(bzimage(setup_sects=4))
    img[0x1F1] = 0
    p = linuxboot.plan(bytes(img), 16 * M)
    assert written(p, 0x100000, 3000) == b"\x90" * 3000


@pytest.mark.parametrize("image, message", [
    (b"MZ" + b"\0" * 2000, "no 'HdrS' setup header"),
    (bzimage()[:0x1FE] + b"\0\0" + bzimage()[0x200:], "boot flag"),
    (bzimage(version=0x0204), "boot protocol 2.04 is too old"),
    (bzimage(loadflags=0), "zImage"),
    (bzimage(kernel=b""), "ends inside its setup code"),
])
def test_not_a_loadable_bzimage(image, message):
    with pytest.raises(MachineError, match=message):
        linuxboot.plan(image, 16 * M, name="k")


def test_does_not_fit_memory():
    with pytest.raises(MachineError, match=r"k: kernel needs 4\.0M .* the machine has 2\.0M"):
        linuxboot.plan(bzimage(init_size=3 * M), 2 * M, name="k")
    with pytest.raises(MachineError, match="command line is 9 bytes; the kernel takes 4"):
        linuxboot.plan(bzimage(cmdline_size=4), 16 * M, "123456789", name="k")
    with pytest.raises(MachineError, match="initrd"):
        linuxboot.plan(bzimage(init_size=15 * M), 17 * M, "", initrd=b"x" * (2 * M), name="k")


@pytest.mark.skipif(not KERNEL.exists(), reason="no Linux kernel built (guests/ia32/linux/build.sh)")
def test_debian_kernel_header():
    """The 6.1 kernel built by guests/ia32/linux/build.sh speaks protocol 2.15."""
    p = linuxboot.plan(KERNEL.read_bytes(), 32 * M, "console=ttyS0")
    assert p.version == 0x020F and p.eip == 0x100000


def test_cli_linux_bad_image_is_one_line_and_status_2(tmp_path, capsys):
    from s370vm.main import main
    path = tmp_path / "notlinux"
    path.write_bytes(b"\x90" * 4096)
    assert main(["ia32", "run", str(path), "--linux"]) == 2
    err = capsys.readouterr().err
    assert err == f"s370vm: {path}: not a Linux bzImage (no 'HdrS' setup header at 0x202)\n"


def test_cli_linux_enters_the_32bit_entry_with_esi_at_the_zero_page(tmp_path, capsys):
    """A kernel part of HLT with IF=0 stops at once: the report shows the entry state."""
    import json
    from s370vm.main import main
    path = tmp_path / "bz"
    path.write_bytes(bzimage(kernel=b"\xF4"))
    assert main(["ia32", "run", str(path), "--linux", "--append", "quiet", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["stop"] == "hlt" and report["eip"] == "00100001"
    assert report["regs"]["ESI"] == "00007000" and report["regs"]["CR0"] == "00000011"
