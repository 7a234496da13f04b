"""``s370vm bench NAME [--json]``: run a benchmark (or ``all``) and report its figures.

The benchmarks are the modules of ``s370vm.benchmarks`` (see that package). Text
output is one line per figure; ``--json`` prints one object: the benchmark's
figures, or for ``all`` an object keyed by benchmark name.
"""
from __future__ import annotations

import argparse
import json

from s370.errors import MachineError

from . import benchmarks
from .argtypes import add_translate


def add_parser(sub) -> argparse.ArgumentParser:
    names = benchmarks.names()
    p = sub.add_parser("bench", help="run a benchmark and report its figures",
                       description="Benchmarks: " + ", ".join(
                           f"{n} ({benchmarks.load(n).describe})" for n in names))
    p.add_argument("name", metavar="NAME", help="benchmark name, or 'all': " + ", ".join(names))
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--instructions", type=int, default=None, metavar="N",
                   help="guest instructions per run (benchmarks that count instructions)")
    p.add_argument("--runs", type=int, default=3, metavar="K",
                   help="timed runs; the median is reported (default 3)")
    add_translate(p)
    for name in names:
        extra = getattr(benchmarks.load(name), "add_arguments", None)
        if extra is not None:
            extra(p)
    return p


def run_one(name: str, args) -> dict:
    """Run the benchmark ``name`` with the parsed options; its figures."""
    mod = benchmarks.load(name)
    if mod is None:
        raise MachineError(f"no benchmark {name!r}; known: {', '.join(benchmarks.names())}, all")
    from s370 import translation
    figures = mod.run(args)
    figures["runtime"] = benchmarks.runtime()
    figures["translate"] = f"{translation.mode()} ({'on' if translation.enabled() else 'off'})"
    return figures


def format_figures(name: str, figures: dict) -> list[str]:
    """Text lines of one benchmark's figures."""
    lines = [f"{name}:"]
    for key, value in figures.items():
        if isinstance(value, float):
            value = f"{value:.3f}"
        elif not isinstance(value, (int, str)):
            value = json.dumps(value)
        lines.append(f"  {key}: {value}")
    return lines


def run(args) -> int:
    if args.instructions is not None and args.instructions <= 0:
        raise MachineError("--instructions must be positive")
    if args.runs <= 0:
        raise MachineError("--runs must be positive")
    names = benchmarks.names() if args.name == "all" else [args.name]
    results = {name: run_one(name, args) for name in names}
    if args.json:
        print(json.dumps(results if args.name == "all" else results[args.name]))
    else:
        for name, figures in results.items():
            print("\n".join(format_figures(name, figures)))
    return 0
