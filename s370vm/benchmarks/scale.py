"""``s370vm bench scale``: one CP with a thousand users (issue 20).

``--vms N`` users (default 1,000) log on with 64K each and IPL an idle guest (an
enabled wait for I/O, as a user at a console read); then:

* ``host_kb_per_vm``: host memory per VM beyond its guest storage, measured with
  ``tracemalloc`` (everything Python allocates for the logon and IPL: the VM,
  its CPU, devices, storage keys, assists, MICBLOK slot, divided by N; the
  guest storage itself is an anonymous mmap that tracemalloc does not see).
  ``rss_kb_per_vm`` is the growth of the process's resident set, which includes
  the guest pages the IPL touched; under PyPy, which has no tracemalloc, it
  is the figure (``memory_measured_with`` says which).
* ``idle_cpu_percent``: what the idle users cost the CP while it works: one busy
  VM runs the same instructions with and without the N idle users logged on,
  and the figure is the share of the host CPU (process time) the idle users
  took. The dispatcher does not look at every idle VM per slice (cp/dispatcher.py),
  so it is near zero. ``idle_sweep_ms`` is the price of one look at all N (what
  a system where every VM waits pays each time it is asked to run).
* ``aggregate``: 1, 2, 5 and 10 busy VMs (the ``bench mips`` guest, each its own
  user, after one untimed slice each) run together, with the idle users still
  logged on; their summed MIPS by
  wall time (``mips``) and by process time (``cpu_mips``, steadier on a shared
  host). ``ratio_10`` is ten VMs' rate over one VM's (target at least 0.9).

Every timed figure is the median of ``--runs`` runs.
"""
from __future__ import annotations

import argparse
import gc
import statistics
import time

from s370.errors import MachineError

describe = "one CP with 1,000 idle users: memory per VM, idle cost, 1-10 busy VMs' MIPS"

DEFAULT_VMS = 1000
IDLE_STORAGE = 64 * 1024
BUSY = (1, 2, 5, 10)
#: Guest instructions per timed run (all busy VMs together) unless --instructions.
DEFAULT_INSTRUCTIONS = 2_000_000
#: The idle guest: a BC-mode PSW at 0, channel masks on, external off, wait.
IDLE_PSW = 0xFE02000000000000


def add_arguments(p: argparse.ArgumentParser) -> None:
    try:
        p.add_argument("--vms", type=int, default=None, metavar="N",
                       help=f"scale: idle users to log on (default {DEFAULT_VMS})")
    except argparse.ArgumentError:
        pass                            # another benchmark defined the same option


def _rss_kb() -> int:
    """The process's resident set now (Linux /proc), in KB; 0 where unknown."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0
    import resource
    return pages * resource.getpagesize() // 1024


def log_on_idle(system, n: int, prefix: str = "IDLE") -> None:
    for i in range(n):
        vm = system.logon(f"{prefix}{i:04d}", storage=IDLE_STORAGE)
        vm.ipl(image=IDLE_PSW.to_bytes(8, "big"))


def measure_memory(system, n: int) -> dict:
    """Log on the N idle users, measuring what they take (PyPy has no
    tracemalloc: there the resident set's growth is the figure)."""
    try:
        import tracemalloc
    except ImportError:
        tracemalloc = None
    log_on_idle(system, 1, "WARM")          # modules, caches and the CP area exist first
    system.logoff("WARM0000")
    gc.collect()
    rss0 = _rss_kb()
    if tracemalloc is not None:
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
    log_on_idle(system, n)
    gc.collect()
    rss = (_rss_kb() - rss0) / n
    if tracemalloc is None:
        return {"host_kb_per_vm": rss, "rss_kb_per_vm": rss, "memory_measured_with": "rss"}
    traced = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return {"host_kb_per_vm": traced / n / 1024, "rss_kb_per_vm": rss,
            "memory_measured_with": "tracemalloc"}


def busy_run(system, image: bytes, busy: int, instructions: int) -> tuple[float, float]:
    """``busy`` users run the guest together for ``instructions``: (wall s, CPU s).
    Each has run one slice first, untimed (its blocks translated: the steady
    rate is the figure, as ``bench mips`` does not time building its machine)."""
    names = [f"BUSY{i:02d}" for i in range(busy)]
    for name in names:
        system.logon(name, storage=IDLE_STORAGE).ipl(image=image)
    try:
        system.run(busy * system.dispatcher.slice)
        gc.collect()
        t0, c0 = time.perf_counter(), time.process_time()
        result = system.run(instructions)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        if result.stop != "limit":
            raise MachineError(f"bench scale: the busy guests stopped ({result.stop}) after "
                               f"{result.instructions} instructions")
    finally:
        for name in names:
            system.logoff(name)
    return wall, cpu


def sweep_ms(system, repeat: int = 5) -> float:
    """Milliseconds one run of a system where every VM waits costs (a look at each)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = system.run(1)
        times.append(time.perf_counter() - t0)
        if result.stop != "wait":
            raise MachineError(f"bench scale: the idle users did not wait ({result.stop})")
    return statistics.median(times) * 1e3


def run(args) -> dict:
    from cp import System, SystemConfig

    from .mips import guest_image
    n = getattr(args, "vms", None) or DEFAULT_VMS
    if n <= 0:
        raise MachineError("--vms must be positive")
    instructions = getattr(args, "instructions", None) or DEFAULT_INSTRUCTIONS
    runs = getattr(args, "runs", 3) or 3
    image = guest_image()
    alone = System(SystemConfig(max_users=max(BUSY)))
    system = System(SystemConfig(max_users=n + max(BUSY) + 1))
    figures: dict = {"vms": n}
    figures.update(measure_memory(system, n))
    figures["idle_sweep_ms"] = sweep_ms(system)
    samples: dict = {}
    for sys_ in (alone, system):            # untimed: PyPy's JIT warms up on both alike
        busy_run(sys_, image, 1, instructions // 4)
    for _ in range(runs):                   # interleaved: a noisy host slows all alike
        samples.setdefault("alone", []).append(busy_run(alone, image, 1, instructions))
        for busy in BUSY:
            samples.setdefault(busy, []).append(busy_run(system, image, busy, instructions))

    def median(key, i: int) -> float:
        return statistics.median(s[i] for s in samples[key])
    with_idle, without = median(1, 1), median("alone", 1)
    figures["idle_cpu_percent"] = max(0.0, 100.0 * (with_idle - without) / with_idle)
    figures["aggregate"] = [{"busy": b, "mips": instructions / median(b, 0) / 1e6,
                             "cpu_mips": instructions / median(b, 1) / 1e6} for b in BUSY]
    one, ten = figures["aggregate"][0], figures["aggregate"][-1]
    figures["ratio_10"] = ten["mips"] / one["mips"]
    figures["cpu_ratio_10"] = ten["cpu_mips"] / one["cpu_mips"]
    figures.update({"instructions": instructions, "runs": runs})
    return figures
