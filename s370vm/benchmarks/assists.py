"""``s370vm bench assists``: what each hardware assist buys, per workload.

The five workloads of ``guests/s370/bench`` (CPU-bound problem state, SVC-heavy,
privileged-heavy, paging-heavy, I/O-heavy) run on the bare machine and under CP
with each assist set (none, VMA, ECPS, STB, VMA+ECPS, all). For each run:
guest instructions, intercepts by reason, machine cycles (deterministic, from
assists/costs.py) and the median wall-clock seconds over ``--repeat`` runs,
with ratios to no assist and to the bare machine (and the process CPU time's
ratio to bare, the same figure less disturbed by other jobs on a shared host:
wall time includes waiting for a core). Repetitions are interleaved
(every configuration once, then again) so that a noisy host slows all of them
alike. Every run's guest-visible result (general, floating-point and control
registers, PSW, instruction count, storage, storage keys with reference and
change bits) is compared with the bare machine's.

Targets (checked here, reported as met or not): on the privileged-heavy workload
VMA gives at least 35% fewer machine cycles and 25% less wall time than no
assist; with all assists the CPU-bound guest under CP is within 1.10x of bare.
"""
from __future__ import annotations

import argparse
import gc
import hashlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

from s370.errors import MachineError

from ._plot import plotting

describe = "VMA, ECPS and shadow-table bypass: cycles and wall time per workload"

BENCH = Path(__file__).resolve().parents[2] / "guests" / "s370" / "bench"
#: workload -> (file, ITER value that sizes the run)
WORKLOADS = {
    "cpubound": ("cpubound.asm", 60000),
    "svcheavy": ("svcheavy.asm", 5000),
    "privheavy": ("privheavy.asm", 5000),
    "paging": ("paging.asm", 300),
    "ioheavy": ("ioheavy.asm", 2000),
}
STORAGE = 1 << 20
LIMIT = 20_000_000
DEFAULT_REPEAT = 3


def add_arguments(p: argparse.ArgumentParser) -> None:
    for args, kw in ((("--chart",), dict(metavar="FILE", default=None,
                                         help="assists: write a PNG chart of relative time")),
                     (("--repeat",), dict(type=int, default=None, metavar="N",
                                          help="assists: timed repetitions (median)"))):
        try:
            p.add_argument(*args, **kw)
        except argparse.ArgumentError:
            pass                        # another benchmark defined the same option


def workload_image(name: str) -> bytes:
    """The assembled workload with ITER patched to its benchmark size."""
    from s370.asm import assemble_file
    fname, iterations = WORKLOADS[name]
    asm = assemble_file(BENCH / fname)
    if asm.rc > 4:
        raise MachineError(f"cannot assemble {fname}: {asm.errors[0].message}")
    image = bytearray(asm.core)
    sym = asm.symbols.get("ITER")
    addr = sym.value if hasattr(sym, "value") else sym
    image[addr:addr + 4] = iterations.to_bytes(4, "big")
    return bytes(image)


def _result(cpu) -> str:
    """Digest of the guest-visible result: GPRs, FPRs, control registers, PSW,
    instruction count, storage, and the storage keys with their reference and
    change bits (the guest's own blocks: a V=R user's window above is CP's)."""
    h = hashlib.sha256()
    h.update(b"".join(r.to_bytes(4, "big") for r in list(cpu.gpr) + list(cpu.cr)))
    h.update(b"".join(f.to_bytes(8, "big") for f in cpu.fpr))
    h.update(cpu.psw.to_bytes(8, "big") + cpu.count.to_bytes(8, "big"))
    h.update(bytes(cpu.mem[:STORAGE]))
    h.update(bytes(cpu.skeys[:STORAGE // 2048]))
    return h.hexdigest()[:16]


def run_bare(image: bytes) -> dict:
    from s370.devices.printer import Printer
    from s370.machine import Machine
    from assists import costs
    with tempfile.TemporaryDirectory() as tmp:
        m = Machine(STORAGE)
        m.attach(Printer(0x00E, ["print.txt"], Path(tmp)))
        m.load_image(image)
        m.ipl_psw()
        t0, c0 = time.perf_counter(), time.process_time()
        r = m.run(LIMIT)
        seconds, cpu_seconds = time.perf_counter() - t0, time.process_time() - c0
        out = {"instructions": r.instructions, "intercepts": {},
               "cycles": r.instructions * costs.GUEST_AVERAGE, "seconds": seconds,
               "cpu_seconds": cpu_seconds,
               "result": _result(m.cpu), "stop": r.stop}
        m.close()
    return out


def make_vm(assists: frozenset, image: bytes):
    """A CP with the machine assists ``assists`` and one user running ``image``
    (a trusted V=R user when the bypass is in the set)."""
    from cp import System, SystemConfig
    system = System(SystemConfig(assists=tuple(assists)))
    vm = system.logon("BENCH", storage=STORAGE)
    if "STBYPASS" in assists:
        vm.configure_assists(options={"VIRT=REAL": True}, stbypass="VR")
    vm.ipl(image=image)
    return system, vm


def run_cp(assists: frozenset, image: bytes) -> dict:
    system, vm = make_vm(assists, image)
    t0, c0 = time.perf_counter(), time.process_time()
    r = vm.run(LIMIT)
    seconds, cpu_seconds = time.perf_counter() - t0, time.process_time() - c0
    rep = vm.report()
    out = {"instructions": r.instructions, "intercepts": rep["intercepts"],
           "assisted": rep["assisted"], "ecps": rep["ecps"],
           "cycles": rep["cycles"]["total"], "seconds": seconds, "cpu_seconds": cpu_seconds,
           "result": _result(vm.cpu), "stop": r.stop}
    system.logoff("BENCH")
    return out


class Progress:
    """A progress bar on stderr (only when stderr is a terminal or forced)."""

    def __init__(self, total: int, stream=sys.stderr):
        self.total, self.done, self.stream = total, 0, stream

    def step(self, what: str) -> None:
        self.done += 1
        width = 30
        full = width * self.done // self.total
        self.stream.write(f"\r[{'#' * full}{'.' * (width - full)}] {self.done}/{self.total} "
                          f"{what:<24}")
        if self.done == self.total:
            self.stream.write("\n")
        self.stream.flush()


def measure(workloads=None, repeat: int = DEFAULT_REPEAT, progress: Progress | None = None) -> list:
    """Run everything; one row per (workload, configuration)."""
    from assists.registry import BENCH_SETS
    names = list(workloads or WORKLOADS)
    configs = [("bare", None)] + list(BENCH_SETS)
    images = {n: workload_image(n) for n in names}
    samples: dict = {}
    cpu_samples: dict = {}
    first: dict = {}
    for _ in range(repeat):
        for n in names:
            for label, st in configs:
                gc.collect()            # no run pays for the garbage of the ones before
                r = run_bare(images[n]) if st is None else run_cp(st, images[n])
                samples.setdefault((n, label), []).append(r["seconds"])
                cpu_samples.setdefault((n, label), []).append(r["cpu_seconds"])
                first.setdefault((n, label), r)
                if progress is not None:
                    progress.step(f"{n} {label}")
    rows = []
    for n in names:
        bare = first[(n, "bare")]
        bare_s = statistics.median(samples[(n, "bare")])
        none = first[(n, "none")]
        none_s = statistics.median(samples[(n, "none")])
        bare_c = statistics.median(cpu_samples[(n, "bare")])
        for label, _ in configs:
            r = first[(n, label)]
            s = statistics.median(samples[(n, label)])
            cs = statistics.median(cpu_samples[(n, label)])
            rows.append({
                "workload": n, "assists": label, "instructions": r["instructions"],
                "intercepts": r["intercepts"], "intercept_total": sum(r["intercepts"].values()),
                "assisted": r.get("assisted", {}), "cycles": r["cycles"], "seconds": s,
                "cycles_vs_none": r["cycles"] / none["cycles"],
                "seconds_vs_none": s / none_s,
                "seconds_vs_bare": s / bare_s,
                "cpu_seconds": cs, "cpu_seconds_vs_bare": cs / bare_c,
                "cycles_vs_bare": r["cycles"] / bare["cycles"],
                "same_result_as_bare": r["result"] == bare["result"] and r["stop"] == bare["stop"],
            })
    return rows


def targets(rows: list) -> dict:
    """The issue's targets, measured."""
    def row(w, a):
        return next((r for r in rows if r["workload"] == w and r["assists"] == a), None)
    out = {}
    p = row("privheavy", "VMA")
    if p is not None:
        out["privheavy_vma_cycles_saved"] = round(1 - p["cycles_vs_none"], 3)
        out["privheavy_vma_wall_saved"] = round(1 - p["seconds_vs_none"], 3)
        out["privheavy_vma_met"] = p["cycles_vs_none"] <= 0.65 and p["seconds_vs_none"] <= 0.75
    c = row("cpubound", "all")
    if c is not None:
        out["cpubound_all_vs_bare"] = round(c["seconds_vs_bare"], 3)
        out["cpubound_all_met"] = c["seconds_vs_bare"] <= 1.10
        out["cpubound_all_cpu_time_vs_bare"] = round(c["cpu_seconds_vs_bare"], 3)
    return out


def table(rows: list) -> list[str]:
    """The result table as text (markdown-compatible)."""
    head = ("| workload | assists | instr | intercepts | cycles | wall s | cycles/none | "
            "wall/none | wall/bare | cpu/bare | same |")
    lines = [head, "|" + "---|" * 11]
    for r in rows:
        lines.append(
            f"| {r['workload']} | {r['assists']} | {r['instructions']} | {r['intercept_total']} | "
            f"{r['cycles']} | {r['seconds']:.3f} | {r['cycles_vs_none']:.3f} | "
            f"{r['seconds_vs_none']:.3f} | {r['seconds_vs_bare']:.2f} | "
            f"{r['cpu_seconds_vs_bare']:.2f} | "
            f"{'yes' if r['same_result_as_bare'] else 'NO'} |")
    return lines


def chart(rows: list, path: str) -> None:
    """Grouped bars: wall time relative to bare, per workload, per assist set."""
    matplotlib = plotting()
    import matplotlib.pyplot as plt
    workloads = list(dict.fromkeys(r["workload"] for r in rows))
    sets = [a for a in dict.fromkeys(r["assists"] for r in rows) if a != "bare"]
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.8))
    width = 0.8 / len(sets)
    for ax, key, title in ((axes[0], "seconds_vs_bare", "wall time / bare machine"),
                           (axes[1], "cycles_vs_bare", "machine cycles / bare machine")):
        for i, a in enumerate(sets):
            vals = [next(r[key] for r in rows if r["workload"] == w and r["assists"] == a)
                    for w in workloads]
            ax.bar([k + i * width for k in range(len(workloads))], vals, width, label=a)
        ax.axhline(1.0, color="black", linewidth=0.8)
        ax.set_xticks([k + width * (len(sets) - 1) / 2 for k in range(len(workloads))])
        ax.set_xticklabels(workloads)
        ax.set_yscale("log")
        ax.set_title(title)
    axes[0].legend(title="assists under CP", fontsize=8)
    fig.suptitle("s370vm: what each hardware assist buys (lower is better)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run(args) -> dict:
    repeat = getattr(args, "repeat", None) or getattr(args, "runs", None) or DEFAULT_REPEAT
    if repeat <= 0:
        raise MachineError("--repeat must be positive")
    total = repeat * len(WORKLOADS) * 7
    rows = measure(repeat=repeat, progress=Progress(total))
    chart_path = getattr(args, "chart", None)
    if chart_path:
        chart(rows, chart_path)
    figures = {"repeat": repeat, "rows": rows, "targets": targets(rows)}
    if chart_path:
        figures["chart"] = chart_path
    if not getattr(args, "json", False):
        print("\n".join(table(rows)))
        for k, v in figures["targets"].items():
            print(f"{k}: {v}")
        figures = {"targets": figures["targets"], "chart": chart_path or "-"}
    return figures
