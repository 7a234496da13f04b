"""``s370vm bench idle``: what idle VMs cost, by how they idle (issue 13).

One busy user (the ``bench mips`` guest) shares CP with ``--vms N`` idle users
(default 20) that each want to sleep 10 ms at a time, forever, in one of three
ways:

* ``diag100``: DIAGNOSE X'100' with a 10,000 us timeout (Denali's idle with a
  timeout; cp/backends/s370_diagnose.py): one intercept per sleep, nothing
  executed meanwhile;
* ``enabled_wait``: VM/370's way: SET CPU TIMER, an enabled wait PSW, the
  external interruption, its handler resets the timer and resumes (four
  intercepts per sleep: SPT, LPSW, SPT, LPSW);
* ``busy_wait``: a guest that polls instead (a loop reading the TOD clock until
  the deadline), as a guest with no idle call does.

For each, the same number of guest instructions runs (``--instructions``, all
users together) and the figures are: the busy user's share of them, the idle
users' intercepts, the host CPU time (process time, median of ``--runs``), the
share of it the idle users took (against the busy user alone, ``idle_cpu_percent``)
and the busy user's MIPS by that time. The survey's claim in shape: idle VMs
cost almost nothing with the idle call, and busy-waiting ones take the machine
(the busy user gets about 1/(N+1) of it, the round robin's fair share).
"""
from __future__ import annotations

import argparse
import statistics
import time

from s370.errors import MachineError

describe = "N idle users idling by DIAGNOSE X'100', enabled wait, busy wait: the busy user's share"

DEFAULT_VMS = 20
#: five rounds of every user's 20,000-instruction slice, at the default N
DEFAULT_INSTRUCTIONS = 2_100_000
STORAGE = 64 * 1024
SLEEP_US = 10_000

# 400: L 2,600 ; DIAG 2,0,X'100' ; B 404                       (600: the timeout)
DIAG100 = ("5820 0600 8320 0100 47F0 0404", {0x600: SLEEP_US.to_bytes(4, "big")})
# 400: LCTL 0,0,608 ; SPT 610 ; LPSW 620 (enabled wait)      external new PSW -> 500:
# 500: SPT 618 (far) ; LPSW 628 (IA 404: the next sleep)
ENABLED_WAIT = ("B700 0608 B208 0610 8200 0620", {
    0x608: (0x400).to_bytes(4, "big"), 0x610: (SLEEP_US << 12).to_bytes(8, "big"),
    0x618: (1 << 62).to_bytes(8, "big"), 0x620: (0x0102000000000000).to_bytes(8, "big"),
    0x628: (0x404).to_bytes(8, "big"), 0x58: (0x500).to_bytes(8, "big"),
    0x500: bytes.fromhex("B2080618 82000628")})
# 400: STCK 640 ; 404: STCK 648 ; L 3,64C ; SL 3,644 ; CL 3,600 ; BL 404 ; B 400: a poll
# of the TOD clock (low words: bit 51 of the clock is 1 us) until 10 ms have passed
BUSY_WAIT = ("B205 0640 B205 0648 5830 064C 5F30 0644 5530 0600 4740 0404 47F0 0400",
             {0x600: (SLEEP_US << 12).to_bytes(4, "big")})
VARIANTS = {"diag100": DIAG100, "enabled_wait": ENABLED_WAIT, "busy_wait": BUSY_WAIT}


def add_arguments(p: argparse.ArgumentParser) -> None:
    try:
        p.add_argument("--vms", type=int, default=None, metavar="N",
                       help="idle, scale: idle users to log on")
    except argparse.ArgumentError:
        pass                            # another benchmark defined the same option


def _idle_users(system, n: int, variant: tuple) -> list:
    code, data = variant
    vms = []
    for i in range(n):
        vm = system.logon(f"IDLE{i:04d}", storage=STORAGE)
        for addr, b in data.items():
            vm.write_storage(addr, b)
        vm.ipl(image=bytes.fromhex(code.replace(" ", "")), address=0x400, psw=0x400)
        vms.append(vm)
    return vms


def measure(variant: tuple, n: int, instructions: int, image: bytes) -> dict:
    """One run: N idle users of ``variant`` and the busy user, ``instructions``
    in all."""
    from cp import System, SystemConfig
    system = System(SystemConfig(max_users=n + 1))
    idle = _idle_users(system, n, variant)
    busy = system.logon("BUSY", storage=STORAGE)
    busy.ipl(image=image)
    c0 = time.process_time()
    result = system.run(instructions)
    cpu = time.process_time() - c0
    if result.stop != "limit":
        raise MachineError(f"bench idle: the users stopped ({result.stop})")
    return {"busy_share": busy.instructions / result.instructions,
            "idle_intercepts": sum(sum(vm.counters.intercepts.values()) for vm in idle),
            "cpu_s": cpu, "busy_cpu_mips": busy.instructions / cpu / 1e6}


def run(args) -> dict:
    from .mips import guest_image
    n = getattr(args, "vms", None) or DEFAULT_VMS
    if n <= 0:
        raise MachineError("--vms must be positive")
    instructions = getattr(args, "instructions", None) or DEFAULT_INSTRUCTIONS
    runs = getattr(args, "runs", 3) or 3
    image = guest_image()
    figures: dict = {"vms": n, "sleep_us": SLEEP_US}
    alone = statistics.median(measure(DIAG100, 0, instructions, image)["cpu_s"]
                              for _ in range(runs))
    figures["alone_cpu_s"] = alone
    for name, variant in VARIANTS.items():
        samples = [measure(variant, n, instructions, image) for _ in range(runs)]
        row = dict(samples[0])
        row["cpu_s"] = cpu = statistics.median(s["cpu_s"] for s in samples)
        row["busy_cpu_mips"] = statistics.median(s["busy_cpu_mips"] for s in samples)
        row["idle_cpu_percent"] = max(0.0, 100.0 * (cpu - alone) / cpu)
        figures[name] = row
    figures.update({"instructions": instructions, "runs": runs})
    return figures
