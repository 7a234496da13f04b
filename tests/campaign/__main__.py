"""``python -m tests.campaign --guests 10000 --assist all [--jobs N] [--seed S] [--json]``

Generates ``--guests`` whole guest programs (tests/campaign/guests.py) and runs
each on the bare machine and under CP with every assist set of ``--assist``
(``all``: the eight of runner.ASSIST_SETS; or labels separated by commas, e.g.
``none,VMA,STB``), comparing everything the guest can see. ``--jobs`` worker
processes share the guests (default: the CPU count), each with its own seed.
A mismatch stops that worker; hypothesis shrinks it to a small program, which is
printed with the differences. Exit status 0 when every run matched, 1 otherwise.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import time
from collections import Counter

from hypothesis import HealthCheck, Phase, given, seed as hseed, settings

from .guests import programs
from .runner import ASSIST_SETS, check


def _worker(args) -> dict:
    n, labels, seed, shrink = args
    phases = tuple(Phase) if shrink else (Phase.generate,)
    figures: Counter = Counter()
    failure: list = []

    @hseed(seed)
    @settings(max_examples=n, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck), phases=phases)
    @given(programs())
    def campaign(program):
        result = check(program, labels)
        figures["guests"] += 1
        figures["dat"] += program.dat
        figures["reaches_window"] += program.reaches_window
        for label, how in result.items():
            figures[f"{label}:{how}"] += 1
        for kind in program.pieces:
            figures[f"piece:{kind}"] += 1

    try:
        campaign()
    except AssertionError as exc:       # the (shrunk) counterexample
        failure.append(str(exc) + "\n" + getattr(exc, "program", ""))
    except Exception as exc:            # a crash in the machine or CP is a finding too
        failure.append(f"{type(exc).__name__}: {exc}")
    return {"figures": dict(figures), "failures": failure}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.campaign", description=__doc__.split("\n")[2])
    p.add_argument("--guests", type=int, default=1000, help="generated guests (each runs "
                   "under every selected assist set)")
    p.add_argument("--assist", default="all", help="all, or assist-set labels: "
                   + ", ".join(ASSIST_SETS))
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--no-shrink", action="store_true",
                   help="report the first mismatch as found (shrinking can take long)")
    p.add_argument("--json", action="store_true")
    a = p.parse_args(argv)
    labels = tuple(ASSIST_SETS) if a.assist == "all" else tuple(
        x.strip() for x in a.assist.split(","))
    unknown = [x for x in labels if x not in ASSIST_SETS]
    if unknown:
        print(f"campaign: unknown assist set {unknown[0]!r} (known: {', '.join(ASSIST_SETS)})",
              file=sys.stderr)
        return 2
    base = a.seed if a.seed is not None else int(time.time())
    jobs = max(1, min(a.jobs, a.guests))
    shares = [a.guests // jobs + (k < a.guests % jobs) for k in range(jobs)]
    t0 = time.perf_counter()
    work = [(n, labels, base + k, not a.no_shrink) for k, n in enumerate(shares)]
    if jobs == 1:
        results = [_worker(work[0])]
    else:
        with multiprocessing.Pool(jobs) as pool:
            results = pool.map(_worker, work)
    total: Counter = Counter()
    failures = []
    for r in results:
        total.update(r["figures"])
        failures += r["failures"]
    report = {"seed": base, "jobs": jobs, "seconds": round(time.perf_counter() - t0, 1),
              "guests": total["guests"], "dat_guests": total["dat"],
              "reaching_the_vr_window": total["reaches_window"],
              "per_assist_set": {lb: {"runs": total[f"{lb}:same"] + total[f"{lb}:allowed"],
                                      "same": total[f"{lb}:same"],
                                      "documented_vr_difference": total[f"{lb}:allowed"]}
                                 for lb in labels},
              "pieces": {k[6:]: v for k, v in sorted(total.items()) if k.startswith("piece:")},
              "mismatches": len(failures), "failures": failures}
    if a.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"{report['guests']} guests ({report['dat_guests']} with DAT) in "
              f"{report['seconds']} s, seed {base}, {jobs} job(s)")
        for lb, f in report["per_assist_set"].items():
            print(f"  {lb:<9} {f['runs']:>7} runs  {f['same']:>7} same  "
                  f"{f['documented_vr_difference']:>5} V=R-window differences (allowed)")
        print(f"mismatches: {len(failures)}")
        for f in failures:
            print(f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
