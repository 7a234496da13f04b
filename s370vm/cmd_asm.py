"""``s370vm asm SRC``: assemble an HLASM source; write the object deck, listing,
core image and IPL deck; exit with HLASM's return code (0, 4, 8, 12, 16)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from s370.errors import MachineError


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("asm", help="assemble an HLASM source file")
    p.add_argument("source", help="assembler source (.asm)")
    p.add_argument("-o", "--object", metavar="OBJ", help="object deck (80-byte EBCDIC cards)")
    p.add_argument("--listing", metavar="LST", help="assembler listing")
    p.add_argument("--core", metavar="IMG", help="absolute core image from address 0")
    p.add_argument("--ipl-deck", metavar="DECK", help="self-loading IPL card deck")
    p.add_argument("-I", "--include", action="append", default=[], metavar="DIR",
                   help="directory searched for COPY members and macros (NAME.mac)")
    p.add_argument("--json", action="store_true", help="print symbols, errors and sizes as JSON")
    return p


def write_file(path: str, data) -> None:
    """Write an output file (text or bytes); a failure is a MachineError (exit 2)."""
    try:
        if isinstance(data, str):
            Path(path).write_text(data)
        else:
            Path(path).write_bytes(data)
    except OSError as exc:
        raise MachineError(f"cannot write {path}: {exc.strerror}") from None


def run(args) -> int:
    from s370.asm import assemble_file
    a = assemble_file(args.source, args.include)
    if a.rc < 16:
        if args.object:
            write_file(args.object, a.object_deck)
        if args.listing:
            write_file(args.listing, a.listing)
        if args.core:
            write_file(args.core, a.core)
        if args.ipl_deck:
            try:
                write_file(args.ipl_deck, a.ipl_deck())
            except MachineError as exc:
                print(f"s370vm: {exc}", file=sys.stderr)
                return max(a.rc, 8)
    if args.json:
        print(json.dumps(a.as_json(), indent=2))
    else:
        for m in a.errors:
            print(m.format(), file=sys.stderr)
        print(f"{args.source}: {a.statements} statements, {len(a.core)} bytes, "
              f"{len(a.errors)} message(s), return code {a.rc}", file=sys.stderr)
    return a.rc
