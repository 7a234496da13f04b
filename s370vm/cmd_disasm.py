"""``s370vm disasm FILE``: disassemble a core image (or an object deck, or a
source, loaded as ``s370vm run`` loads them) with HLASM mnemonics."""
from __future__ import annotations

import argparse
import json

from s370.errors import MachineError


def _int(text: str) -> int:
    t = text.strip()
    try:
        if t.upper().startswith("X'") and t.endswith("'"):
            return int(t[2:-1], 16)
        return int(t, 0) if t.lower().startswith("0x") else int(t, 16)
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad address {text!r} (hex)") from None


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("disasm", help="disassemble a core image, object deck or source")
    p.add_argument("file")
    p.add_argument("--start", type=_int, default=0, metavar="ADDR", help="first address (hex)")
    p.add_argument("--length", type=_int, default=None, metavar="N", help="bytes to show (hex)")
    p.add_argument("--json", action="store_true")
    return p


def run(args) -> int:
    from s370.asm.program import load_program_file
    from s370.disasm import disassemble
    image = load_program_file(args.file)
    if args.start >= len(image):
        raise MachineError(f"start X'{args.start:X}' is beyond the image (X'{len(image):X}' bytes)")
    lines = disassemble(image, args.start, args.length)
    if args.json:
        print(json.dumps([{"address": x.address, "hex": x.data.hex(), "mnemonic": x.mnemonic,
                           "operands": x.operands} for x in lines], indent=1))
    else:
        for x in lines:
            print(x.format())
    return 0
