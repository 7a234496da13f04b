"""``s370vm bench ia32``: one IA-32 workload on the bare PC and under CP in each
SET VMMODE (issue 13's table: trap-and-emulate, scanning, binary translation,
paravirtualization side by side).

Two workloads, each a Multiboot kernel assembled from the repository's source:

* ``kernel``: guests/ia32/kernel.asm (GDT, IDT, paging, the timer, a ring-3
  program with 163 system calls and three idle waits);
* ``pvheavy``: guests/ia32/bench/pvheavy.asm (2,000 system calls, each
  changing a page-table entry: the work paravirtualization is for).

The bare build runs on the bare PC (``bare``) and under NAIVE, SCAN and
TRANSLATE; the ``-DPARAVIRT`` build of the same source under PARAVIRT
(docs/hypercalls.md). Each row: whether the run ended as the bare one did (exit
status 1 and the same last console line), guest instructions, CP's exits in all
and by kind, CP's cycles in the backend's cost model (ia32_costs), and the
median host process time of ``--runs``. NAIVE cannot run ``kernel`` (a native
IRET keeps the real IF: the guest's timer never comes back, Popek and
Goldberg's point): its row says so by ``ok`` false at the instruction limit.
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from s370.errors import MachineError

describe = "an IA-32 kernel bare and under CP: NAIVE, SCAN, TRANSLATE, PARAVIRT (exits, cycles, time)"

GUESTS = Path(__file__).resolve().parents[2] / "guests" / "ia32"
WORKLOADS = {"kernel": GUESTS / "kernel.asm", "pvheavy": GUESTS / "bench" / "pvheavy.asm"}
MODES = ("NAIVE", "SCAN", "TRANSLATE", "PARAVIRT")
#: a run that has not ended by then did not work
LIMIT = 5_000_000
MEMORY = 16 << 20


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--workload", choices=sorted(WORKLOADS), default=None,
                   help="ia32: only this workload (default: both)")
    try:
        p.add_argument("--chart", metavar="FILE", default=None,
                       help="assists, ia32: write a PNG chart")
    except argparse.ArgumentError:
        pass                            # another benchmark defined the same option


def chart(figures: dict, path: str) -> None:
    """Grouped bars per workload: CP's exits and CP's cycles for each mode."""
    from ._plot import plotting
    plotting()
    import matplotlib.pyplot as plt
    workloads = [w for w in WORKLOADS if w in figures]
    modes = [m.lower() for m in MODES]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    width = 0.8 / len(modes)
    for ax, key, title in ((axes[0], "exits", "exits to CP"),
                           (axes[1], "cp_cycles", "CP cycles (ia32_costs)")):
        for i, mode in enumerate(modes):
            ax.bar([k + i * width for k in range(len(workloads))],
                   [max(1, figures[w][mode][key]) for w in workloads], width,
                   label=mode + ("" if all(figures[w][mode]["ok"] for w in workloads)
                                 else " (kernel: does not finish)"))
        ax.set_xticks([k + width * (len(modes) - 1) / 2 for k in range(len(workloads))])
        ax.set_xticklabels(workloads)
        ax.set_yscale("log")
        ax.set_title(title)
    axes[0].legend(title="SET VMMODE", fontsize=8)
    fig.suptitle("s370vm IA-32 under CP: the roads on one workload (lower is better)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def build(path: Path, paravirt: bool) -> bytes:
    from ia32.asm import assemble_file
    a = assemble_file(path, defines={"PARAVIRT": ""} if paravirt else None)
    if not a.ok:
        raise MachineError(f"cannot assemble {path}: {a.errors[0].format()}")
    return a.binary


def bare_run(image: bytes) -> dict:
    """The bare PC: the reference (no CP, no exits)."""
    import tempfile
    from ia32.loaders.multiboot import boot_multiboot
    from ia32.machine import Machine
    m = Machine(MEMORY)
    with tempfile.NamedTemporaryFile(suffix=".bin") as f:
        f.write(image)
        f.flush()
        boot_multiboot(m, f.name)
    t0 = time.process_time()
    r = m.run(LIMIT)
    return {"cpu_s": time.process_time() - t0, "exit_code": r.exit_code,
            "console": m.console_text(), "instructions": r.instructions, "exits": {},
            "cp_cycles": 0}


def cp_run(image: bytes, mode: str) -> dict:
    """User GUEST's IA-32 VM under a one-user CP in ``mode``."""
    from cp import System
    vm = System().logon("GUEST", MEMORY, output=lambda line: None, machine="IA32")
    backend = vm.backend
    backend.set_mode(mode)
    backend.boot_options("multiboot", name="bench")
    vm.ipl(image=image)
    t0 = time.process_time()
    vm.run(LIMIT)
    report = backend.vm_report()
    return {"cpu_s": time.process_time() - t0, "exit_code": backend.exit_code,
            "console": backend.console.decode("latin-1"), "instructions": vm.instructions,
            "exits": report["exits"], "cp_cycles": report["cycles"]["cp"]}


def _last_line(text: str) -> str:
    lines = [line for line in text.split("\r\n") if line]
    return lines[-1].rpartition(":")[0] if lines else ""


def run(args) -> dict:
    runs = getattr(args, "runs", 3) or 3
    figures: dict = {}
    only = getattr(args, "workload", None)
    for name, path in WORKLOADS.items():
        if only is not None and name != only:
            continue
        bare, paravirt = build(path, False), build(path, True)
        rows = {"bare": lambda: bare_run(bare)}
        for mode in MODES:
            rows[mode.lower()] = (lambda mode=mode: cp_run(paravirt if mode == "PARAVIRT"
                                                           else bare, mode))
        table = {}
        for row, fn in rows.items():
            samples = [fn() for _ in range(runs)]
            first = samples[0]
            table[row] = {"instructions": first["instructions"],
                          "exits": sum(first["exits"].values()), "by_kind": first["exits"],
                          "cp_cycles": first["cp_cycles"],
                          "cpu_s": statistics.median(s["cpu_s"] for s in samples),
                          "exit_code": first["exit_code"], "console": first["console"]}
        reference = _last_line(table["bare"]["console"])
        for row in table.values():
            row["ok"] = row["exit_code"] == 1 and _last_line(row.pop("console")) == reference
        figures[name] = table
    path = getattr(args, "chart", None)
    if path:
        chart(figures, path)
        figures["chart"] = path
    figures["runs"] = runs
    return figures
