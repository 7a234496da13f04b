"""``s370vm ia32 disasm FILE``: disassemble a flat binary in NASM syntax
(``ia32.disasm``, from the same instruction table as the decoder and assembler)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .argtypes import number


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("disasm", help="disassemble a flat binary in NASM syntax")
    p.add_argument("file")
    p.add_argument("--bits", type=int, choices=(16, 32), default=32, help="code size (default 32)")
    p.add_argument("--org", type=number, default=0, metavar="ADDR",
                   help="address of the file's first byte (default 0)")
    p.add_argument("--start", type=number, default=None, metavar="N",
                   help="first address to disassemble (default: --org)")
    p.add_argument("--length", type=number, default=None, metavar="N", help="bytes to disassemble")
    p.add_argument("--json", action="store_true", help="a list of {address, hex, text}")
    return p


def run(args) -> int:
    from ia32.disasm import disassemble
    try:
        code = Path(args.file).read_bytes()
    except OSError as exc:
        print(f"s370vm: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    start = args.org if args.start is None else args.start
    if not args.org <= start < args.org + max(len(code), 1) or (not code and args.start is not None):
        print(f"s370vm: start 0x{start:x} is outside the image "
              f"(0x{args.org:x}-0x{args.org + len(code):x})", file=sys.stderr)
        return 2
    lines = disassemble(code, args.org, args.bits, start, args.length)
    if args.json:
        print(json.dumps([{"address": ln.address, "hex": ln.data.hex(), "text": ln.text} for ln in lines],
                         indent=1))
        return 0
    for line in lines:
        print(line.format())
    return 0
