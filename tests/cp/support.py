"""Run one guest two ways -- on the bare machine and in a VM under CP -- and
compare everything the guest can see (the Popek-Goldberg equivalence property)."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from s370.asm import assemble
from s370.machine import Machine

from cp import System
from cp.backends.s370_vio import VirtualConsole

SIZE = 256 * 1024


@contextmanager
def vmpk01(path: Path, cylinders: int):
    """A fresh 3330 volume VMPK01 of ``cylinders`` cylinders at ``path``, attached
    at X'150' while the ``with`` lasts (the minidisk tests' real volume)."""
    from s370.devices.ckd import create_image, geometry
    from s370.devices.dasd import DASD3330
    create_image(path, geometry("3330"), "VMPK01", cylinders=cylinders)
    vol = DASD3330(0x150, [str(path)])
    try:
        yield vol
    finally:
        vol.close()


def asm(src: str) -> bytes:
    """Assemble a test guest (``START 0``: the core image is loaded at 0)."""
    # columns 72+ would be continuation marks: cut over-long comment tails
    a = assemble("\n".join(line[:71] for line in src.splitlines()) + "\n")
    assert a.rc == 0, "\n".join(str(m) for m in a.errors)
    return a.core


def dat_table_blocks(cpu, storage) -> set:
    """The 2K blocks holding the DAT tables the guest's CR0/CR1 name now: the
    segment table (CR1: origin, length in 64-byte units) and the page table of
    each valid entry (length in sixteenths of a full table; 2-byte entries), as
    GA22-7000 "Dynamic Address Translation" lays them out."""
    cr0, cr1 = cpu.cr[0], cpu.cr[1]
    page = 4096 if (cr0 >> 22) & 3 == 2 else 2048
    segment = 1 << 20 if (cr0 >> 19) & 7 == 2 else 1 << 16
    sixteenth = 2 * (segment // page) // 16             # bytes of page table per PTL unit
    sto, stl = cr1 & 0x00FFFFC0, (cr1 >> 24) + 1
    mem, size = storage.mem, storage.size
    blocks: set = set()

    def mark(start: int, length: int) -> None:
        blocks.update(range(start >> 11, (min(start + length, size) + 2047) >> 11))
    mark(sto, 64 * stl)
    for a in range(sto, min(sto + 64 * stl, size - 3), 4):
        ste = int.from_bytes(mem[a:a + 4], "big")
        if not ste & 1:
            mark(ste & 0x00FFFFF8, sixteenth * ((ste >> 28) + 1))
    return blocks


def guest_state(cpu, storage, mask_ref: bool = False) -> dict:
    """Everything a guest can observe: PSW, registers, storage and keys, clock
    (instruction count). ``mask_ref`` ignores the reference bits of the blocks
    that hold the guest's DAT tables (``dat_table_blocks``), which a TLB or a
    shadow table may leave unset (GA22-7000 allows it); every other block's
    reference and change bits are compared."""
    keys = bytearray(storage.keys[:storage.size // 2048])
    if mask_ref:
        for b in dat_table_blocks(cpu, storage):
            keys[b] &= ~0x04
    return {"psw": f"{cpu.psw:016X}", "gpr": list(cpu.gpr), "fpr": list(cpu.fpr),
            "cr": list(cpu.cr), "count": cpu.count, "mem": bytes(storage.mem[:storage.size]),
            "keys": bytes(keys)}


def bare(image: bytes, psw: int | None = None, limit: int = 100_000, size: int = SIZE,
         regs: dict | None = None, console: bool = False, setup=None):
    m = Machine(size)
    out: list[str] = []
    if console:
        m.channel.attach(VirtualConsole(0x009, out.append, __import__("collections").deque()))
    m.storage.load(image, 0)
    for r, v in (regs or {}).items():
        m.cpu.gpr[r] = v
    if setup:
        setup(m)
    m.cpu.load_psw(psw if psw is not None else int.from_bytes(image[0:8], "big"))
    result = m.run(limit)
    return m, result, out


def under_cp(image: bytes, psw: int | None = None, limit: int = 100_000, size: int = SIZE,
             regs: dict | None = None, system: System | None = None, userid: str = "GUEST",
             setup=None):
    system = system or System()
    vm = system.logon(userid, size, reader=None, punch=None, printer=None)
    out = vm.console_log
    for r, v in (regs or {}).items():
        vm.set_gpr(r, v)
    vm.ipl(image=image, psw=psw)
    if setup:                           # after the IPL's CPU reset
        setup(vm)
        vm.psw = vm.psw                 # re-derive DAT state from the new CRs
    result = vm.run(limit)
    return vm, result, out


def assert_equivalent(image: bytes, psw: int | None = None, limit: int = 100_000,
                      regs: dict | None = None, mask_ref: bool = False, console: bool = False):
    """Run both ways; assert identical guest-visible results; return the VM."""
    m, r1, out1 = bare(image, psw, limit, regs=regs, console=console)
    vm, r2, out2 = under_cp(image, psw, limit, regs=regs)
    s1 = guest_state(m.cpu, m.storage, mask_ref)
    s2 = guest_state(vm.cpu, vm.storage, mask_ref)
    for k in s1:
        if k == "mem" and s1[k] != s2[k]:
            diff = [i for i in range(len(s1[k])) if s1[k][i] != s2[k][i]]
            raise AssertionError(f"storage differs at {[hex(d) for d in diff[:16]]}")
        assert s1[k] == s2[k], f"{k}: bare {s1[k]} != vm {s2[k]}"
    assert r1.stop == r2.stop, (r1.stop, r2.stop)
    assert r1.instructions == r2.instructions
    if console:
        assert out1 == out2
    return vm, m
