"""``s370vm disasm FILE``: disassemble a core image (or an object deck, or a
source, loaded as ``s370vm run`` loads them) with HLASM mnemonics."""
from __future__ import annotations

import argparse
import json

from s370.errors import MachineError


def _address(text: str) -> int:
    """``--start``: an address, hexadecimal (``2000``, ``X'2000'``, ``0x2000``)."""
    t = text.strip()
    try:
        if t.upper().startswith("X'") and t.endswith("'"):
            return int(t[2:-1], 16)
        return int(t, 0) if t.lower().startswith("0x") else int(t, 16)
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad address {text!r} (hex)") from None


def _length(text: str) -> int:
    """``--length``: a number of bytes, decimal (``0x100`` or ``X'100'`` for hex), above 0."""
    t = text.strip()
    try:
        if t.upper().startswith("X'") and t.endswith("'"):
            n = int(t[2:-1], 16)
        else:
            n = int(t, 0) if t.lower().startswith("0x") else int(t, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad length {text!r} (a number of bytes)") from None
    if n <= 0:
        raise argparse.ArgumentTypeError(f"length {text} must be greater than 0")
    return n


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("disasm", help="disassemble a core image, object deck or source")
    p.add_argument("file")
    p.add_argument("--start", type=_address, default=None, metavar="ADDR",
                   help="first address (hex; default: where the program starts, e.g. its START)")
    p.add_argument("--length", type=_length, default=None, metavar="N",
                   help="bytes to show (decimal; 0x.. for hex; default: to the end)")
    p.add_argument("--json", action="store_true")
    return p


def run(args) -> int:
    from s370.asm.program import load_program
    from s370.disasm import disassemble
    image, origin = load_program(args.file)
    start = origin if args.start is None else args.start
    if start >= len(image):
        raise MachineError(f"start X'{start:X}' is beyond the image (X'{len(image):X}' bytes)")
    lines = disassemble(image, start, args.length)
    if args.json:
        print(json.dumps([{"address": x.address, "hex": x.data.hex(), "mnemonic": x.mnemonic,
                           "operands": x.operands} for x in lines], indent=1))
    else:
        for x in lines:
            print(x.format())
    return 0
