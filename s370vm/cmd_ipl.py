"""``s370vm ipl CUU``: build the configured machine, IPL it from a device and run it
(with an operator script, or with standard input as the console) to its end.

Also the shared driver for ``s370vm run --config/--script``: ``configured_machine``
and ``run_operated``.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from s370.errors import MachineError

from . import report
from .argtypes import add_translate, count_or_zero


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("ipl", help="IPL a configured machine from a device and run it")
    p.add_argument("device", metavar="CUU", help="device address to IPL from (hex, e.g. 00C or 281)")
    add_machine_options(p)
    p.add_argument("--max-instructions", type=count_or_zero, default=0, metavar="N",
                   help="stop after this many instructions (0, the default: no limit)")
    p.add_argument("--dump", action="append", default=[], metavar="ADDR.LEN",
                   help="storage to print after the run (hex address.length)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    add_translate(p)
    return p


def add_machine_options(p: argparse.ArgumentParser) -> None:
    """``--config`` and ``--script``, shared with ``s370vm run``."""
    p.add_argument("--config", metavar="FILE",
                   help="Hercules-style configuration (default: the built-in one, "
                        "see docs/configuration.md)")
    p.add_argument("--script", metavar="OPS",
                   help="operator script (wait/send/ipl/devinit/restart/stop/quit); "
                        "without one, standard input is the console")


def configured_machine(args, storage_size: int | None = None):
    """The machine of ``--config`` with a console log that echoes to the terminal
    unless the report is JSON."""
    from s370.devices.console import ConsoleLog, stdout_echo
    from s370.machine import machine_from_config_file
    log = ConsoleLog(None if args.json else stdout_echo, echo_input=bool(args.script))
    return machine_from_config_file(args.config, log, storage_size)


def make_operator(args, use_stdin: bool = True):
    from s370.operator import ScriptOperator, StdinOperator, load_script
    if args.script:
        return ScriptOperator(load_script(args.script), Path(args.script).resolve().parent)
    return StdinOperator(sys.stdin) if use_stdin else None


def run_operated(machine, operator, args, max_instructions: int | None) -> int:
    """Run, print the report (console transcript included in JSON), exit code:
    0, or 1 when the operator script failed."""
    dumps = [report.parse_dump(d) for d in args.dump]
    try:
        result = machine.run(max_instructions, operator)
    finally:
        machine.close()
    extra = {"console": machine.console_log.text} if args.json else None
    if result.message:
        extra = dict(extra or {}, error=result.message)
    rep = report.build(result, machine.cpu, machine.storage, dumps, extra)
    if not args.json and machine.console_log.text and not machine.console_log.text.endswith("\n"):
        print()
    report.emit(rep, result.seconds, args.json)
    if result.stop == "failed":
        if not args.json:
            print(f"s370vm: {result.message}", file=sys.stderr)
        return 1
    return 0


def run(args) -> int:
    from s370.config import parse_address
    address = parse_address(args.device)
    machine = configured_machine(args)
    operator = make_operator(args)
    try:
        machine.ipl(address)
    except MachineError:
        machine.close()
        raise
    return run_operated(machine, operator, args, args.max_instructions or None)
