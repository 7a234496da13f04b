"""``s370vm ia32 ...``: the IA-32 machine's commands. Each is a module
``s370vm/cmd_ia32_<name>.py`` with ``add_parser(subparsers)`` and ``run(args)``, as
the top-level commands are: ``run`` here; ``asm`` and ``disasm`` with the
assembler (a module not written yet is skipped)."""
from __future__ import annotations

import argparse

from .subcommands import add_commands

#: The ``ia32`` subcommands, in help order.
SUBCOMMANDS = ("run", "asm", "disasm")


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("ia32", help="the IA-32 PC: run a guest, assemble, disassemble")
    add_commands(p.add_subparsers(dest="ia32_command", required=True), "cmd_ia32_", SUBCOMMANDS)
    return p


def run(args) -> int:
    return args.func(args)
