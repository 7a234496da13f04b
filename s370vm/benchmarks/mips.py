"""``s370vm bench mips``: the CPU's instruction rate on a standard mixed guest.

The guest (``guests/s370/bench/mips.asm``) is a self-checking loop with the mix of
compiled application code; it runs on the bare machine for a fixed number of
instructions, several times, and the median wall-clock time gives MIPS (the median
process CPU time gives ``cpu_mips``, steadier on a shared host; ``host_loop_ns``
calibrates the host's Python speed at the time). Each run uses a fresh machine;
assembling and building it are not timed.

``--dat`` runs the same guest as application code under an operating system
does (issue 20's second figure): DAT on (4K pages, 64K segments, identity-mapped
tables above the guest), PSW key 8, its storage in key 8 with fetch protection,
low-address protection on.
"""
from __future__ import annotations

import argparse
import platform
import statistics
import time
from pathlib import Path

from s370.errors import MachineError

describe = "instruction rate of a mixed CPU-bound guest on the bare machine"

GUEST = Path(__file__).resolve().parents[2] / "guests" / "s370" / "bench" / "mips.asm"
#: Instructions per timed run unless --instructions says otherwise.
DEFAULT_INSTRUCTIONS = 3_000_000
STORAGE = 1 << 20
#: Real address of the --dat segment table (16 entries) and page tables after it.
TABLES = 0xF8000


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dat", action="store_true",
                   help="mips: run with DAT on, PSW key 8, fetch-protected key-8 storage "
                        "and low-address protection")


def enter_dat_key8(m) -> None:
    """Switch the IPLed guest to DAT on (identity-mapped 1M, 4K pages, 64K
    segments), PSW key 8 (EC mode) and key-8 fetch-protected storage with
    low-address protection on; the tables' block keeps key 0."""
    cpu, mem, keys = m.cpu, m.storage.mem, m.storage.keys
    for s in range(16):
        pto = TABLES + 64 + 32 * s
        mem[TABLES + 4 * s:TABLES + 4 * s + 4] = ((15 << 28) | pto).to_bytes(4, "big")
        for p in range(16):
            frame = (s << 16) | (p << 12)
            mem[pto + 2 * p:pto + 2 * p + 2] = (frame >> 8).to_bytes(2, "big")
    keys[:] = bytes([0x88]) * len(keys)
    keys[TABLES >> 11] = 0
    cpu.cr[0] = (cpu.cr[0] & ~0x00F80000) | 0x00800000 | 0x10000000
    cpu.cr[1] = TABLES                      # STL 0: 16 segments, the whole 1M
    cpu.load_psw((0x04 << 56) | (0x88 << 48) | cpu.ia)


def guest_image() -> bytes:
    """The assembled guest (a core image from address 0 whose PSW is at 0)."""
    from s370.asm import assemble_file
    asm = assemble_file(GUEST)
    if asm.rc > 4:
        first = asm.errors[0].format() if asm.errors else f"return code {asm.rc}"
        raise MachineError(f"cannot assemble {GUEST}: {first}")
    return asm.core


def host_loop_ns(iterations: int = 1_000_000) -> float:
    """Nanoseconds per iteration of a trivial Python loop (process time): a
    calibration that tells how fast this host ran Python during the benchmark,
    so figures taken on a busy or a quiet machine can be compared."""
    t0 = time.process_time()
    x = 0
    for i in range(iterations):
        x += i
    return (time.process_time() - t0) / iterations * 1e9


def timed_run(image: bytes, instructions: int, dat: bool = False) -> tuple[int, float, float]:
    """Run the guest for ``instructions`` (with ``dat``: see ``enter_dat_key8``);
    (instructions executed, wall seconds, process CPU seconds)."""
    from s370.machine import Machine
    m = Machine(STORAGE)
    m.load_image(image)
    m.ipl_psw()
    if dat:
        enter_dat_key8(m)
    c0 = time.process_time()
    t0 = time.perf_counter()
    result = m.run(instructions)
    seconds = time.perf_counter() - t0
    cpu_seconds = time.process_time() - c0
    if result.stop != "limit":
        raise MachineError(f"the mips guest stopped ({result.stop}) after {result.instructions} "
                           f"instructions with PSW {m.cpu.psw:016X}: a self-check failed")
    return result.instructions, seconds, cpu_seconds


def median_rate(timed_run, args, default: int) -> dict:
    """Call ``timed_run(instructions) -> (executed, wall s, CPU s)`` ``--runs`` times
    for ``--instructions`` (or ``default``) and report the medians as MIPS figures
    with the host calibration (shared by the S/370 and IA-32 MIPS benchmarks)."""
    n = getattr(args, "instructions", None) or default
    runs = getattr(args, "runs", 3) or 3
    times, cpu_times = [], []
    executed = 0
    for _ in range(runs):
        executed, seconds, cpu_seconds = timed_run(n)
        times.append(seconds)
        cpu_times.append(cpu_seconds)
    median = statistics.median(times)
    cpu_median = statistics.median(cpu_times)
    return {
        "instructions": executed,
        "seconds": median,
        "mips": executed / median / 1e6 if median > 0 else 0.0,
        "cpu_seconds": cpu_median,
        "cpu_mips": executed / cpu_median / 1e6 if cpu_median > 0 else 0.0,
        "runs": len(times),
        "host_loop_ns": host_loop_ns(),
    }


def run(args) -> dict:
    image = guest_image()
    dat = bool(getattr(args, "dat", False))
    figures = median_rate(lambda n: timed_run(image, n, dat), args, DEFAULT_INSTRUCTIONS)
    figures.update({"python": platform.python_version(), "guest": GUEST.name, "dat_key8": dat})
    return figures
