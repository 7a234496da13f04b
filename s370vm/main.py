"""``s370vm``: the command-line entry point. Each subcommand lives in its own module
with ``add_parser(subparsers)`` and ``run(args) -> int``."""
from __future__ import annotations

import argparse
import sys

from .subcommands import add_commands

#: Subcommand modules, in help order. A module not written yet is skipped.
COMMANDS = ("run", "asm", "disasm", "ipl", "cp", "bench", "dasdinit", "ia32")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="s370vm", description="A System/370 virtual machine facility")
    sub = parser.add_subparsers(dest="command", required=True)
    add_commands(sub, "cmd_", COMMANDS)
    return parser


def main(argv: list[str] | None = None) -> int:
    from s370.errors import MachineError
    args = build_parser().parse_args(argv)
    from s370 import translation
    previous = translation.mode()       # restored after: main() may be called in-process
    if getattr(args, "translate", None) is not None:
        translation.set_mode(args.translate)
    try:
        rc = args.func(args) or 0
        sys.stdout.flush()          # a closed pipe shows here, not at interpreter exit
        return rc
    except MachineError as exc:
        print(f"s370vm: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return closed_stdout()
    finally:
        translation.set_mode(previous)


def closed_stdout() -> int:
    """The reader of our output went away (``| head``): stop quietly. Standard
    output is pointed at the null device so the final flush cannot complain;
    the status is the shell's for SIGPIPE (128 + 13)."""
    import os
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 141


if __name__ == "__main__":
    sys.exit(main())
