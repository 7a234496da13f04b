"""``s370vm bench ia32-linux``: the bare IA-32 PC booting issue 22's Linux kernel.

The kernel is the one ``guests/ia32/linux/build.sh`` builds into the cache folder
(never part of the repository); it is booted by the 32-bit boot protocol with the
guest README's command line and runs to its init's exit-port write (status 33).
Each run uses a fresh machine; loading is not timed. The figures are the median
wall-clock and process time, the instructions executed (the same on every run:
time comes from the instruction count), MIPS, whether the run ended as it must
(``result_ok``: exit status 33 after "init: done"), and the decode cache's tiers
(``blocks``: blocks built, ``hot_blocks``: those compiled into one function,
see ``ia32.blocks``). The issue's targets: at most 10 s on CPython, 3 s on PyPy.
Without a built kernel the benchmark reports ``skipped`` and why.
"""
from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

from . import runtime
from .mips import host_loop_ns

describe = "boot of issue 22's Linux kernel to the end of its init (bare IA-32 PC)"

#: where guests/ia32/linux/build.sh leaves the kernel
KERNEL = Path(os.environ.get("S370VM_CACHE", Path.home() / ".cache" / "s370vm")) / "linux" / "bzImage"
CMDLINE = "console=ttyS0 no387 printk.time=0 lpj=100000"
MEMORY = 32 << 20
#: far more than the boot needs (about 24 million)
LIMIT = 150_000_000


def timed_boot(kernel: Path) -> dict:
    """Boot once; the run's figures."""
    from ia32.loaders.linux import boot_linux
    from ia32.machine import Machine
    m = Machine(MEMORY)
    boot_linux(m, str(kernel), CMDLINE)
    cpu = m.cpu
    built = _counting_builds(cpu)
    c0 = time.process_time()
    t0 = time.perf_counter()
    result = m.run(LIMIT)
    wall = time.perf_counter() - t0
    cpu_s = time.process_time() - c0
    console = m.report(result)["console"]
    return {"instructions": result.instructions, "wall_s": wall, "cpu_s": cpu_s,
            "result_ok": (result.stop, result.exit_code) == ("exit", 33)
            and "init: done" in console,
            "blocks": len(built), "hot_blocks": sum(1 for b in built if b.hot)}


def _counting_builds(cpu) -> list:
    """Keep every block ``cpu`` builds (wrapping its builder) for the tier figures."""
    built: list = []
    build = cpu._build

    def counted(eip: int, single: bool):
        block = build(eip, single)
        built.append(block)
        return block
    cpu._build = counted
    return built


def run(args) -> dict:
    if not KERNEL.exists():
        return {"skipped": f"no kernel at {KERNEL}: run guests/ia32/linux/build.sh",
                "runtime": runtime()}
    boots = [timed_boot(KERNEL) for _ in range(getattr(args, "runs", 1) or 1)]
    wall = statistics.median(b["wall_s"] for b in boots)
    cpu_s = statistics.median(b["cpu_s"] for b in boots)
    n = boots[0]["instructions"]
    return {"instructions": n, "wall_s": wall, "cpu_s": cpu_s,
            "mips": n / wall / 1e6 if wall > 0 else 0.0,
            "cpu_mips": n / cpu_s / 1e6 if cpu_s > 0 else 0.0,
            "result_ok": all(b["result_ok"] for b in boots),
            "blocks": boots[0]["blocks"], "hot_blocks": boots[0]["hot_blocks"],
            "runs": len(boots), "host_loop_ns": host_loop_ns(), "runtime": runtime()}
