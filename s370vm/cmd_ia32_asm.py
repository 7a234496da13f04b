"""``s370vm ia32 asm SRC -o BIN``: assemble a NASM-syntax source into a flat binary
(``ia32.asm``); errors as ``file:line:column: error: message``, exit status 2."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .cmd_asm import write_file


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("asm", help="assemble a NASM-syntax source into a flat binary")
    p.add_argument("source", help="assembler source (.asm)")
    p.add_argument("-o", "--output", metavar="BIN", help="flat binary (default: SRC with .bin)")
    p.add_argument("--listing", metavar="LST", help="NASM-style listing")
    p.add_argument("-I", "--include", action="append", default=[], metavar="DIR",
                   help="directory searched by %%include and incbin")
    p.add_argument("-D", "--define", action="append", default=[], metavar="NAME[=VALUE]",
                   help="define a single-line macro, as nasm's -D (e.g. -DPARAVIRT)")
    p.add_argument("--json", action="store_true",
                   help="print one object: ok, size, org, errors, warnings, symbols")
    return p


def run(args) -> int:
    from ia32.asm import assemble_file
    defines = dict((d.split("=", 1) + [""])[:2] for d in args.define)
    a = assemble_file(args.source, args.include, defines)
    if not args.json:
        for w in a.warnings:
            print(w.format("warning"), file=sys.stderr)
        for e in a.errors:
            print(e.format(), file=sys.stderr)
    if args.listing and a.listing:
        write_file(args.listing, a.listing)
    out = args.output or str(Path(args.source).with_suffix(".bin"))
    if a.ok:
        write_file(out, a.binary)
    if args.json:
        print(json.dumps({"file": args.source, "ok": a.ok, "output": out if a.ok else None,
                          "size": len(a.binary), "org": a.org,
                          "errors": [e.format() for e in a.errors],
                          "warnings": [w.format("warning") for w in a.warnings],
                          "symbols": dict(sorted(a.symbols.items()))}, indent=1))
    elif a.ok:
        print(f"{args.source}: {len(a.binary)} bytes at org 0x{a.org:x} -> {out}", file=sys.stderr)
    return 0 if a.ok else 2
