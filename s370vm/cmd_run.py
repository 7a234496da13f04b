"""``s370vm run FILE``: load a program into a machine and run it to its end."""
from __future__ import annotations

import argparse
import sys

from s370.errors import MachineError

from .argtypes import add_translate, positive_int


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("run", help="run a core image (or source, or object deck) on the bare machine")
    p.add_argument("file", help="core image loaded at 0 (.asm sources and object decks are assembled/loaded)")
    p.add_argument("--dump", action="append", default=[], metavar="ADDR.LEN",
                   help="storage to print after the run (hex address.length)")
    p.add_argument("--max-instructions", type=positive_int, default=50_000_000, metavar="N",
                   help="stop after this many instructions (default 50000000)")
    p.add_argument("--storage", default=None,
                   help="main storage size (e.g. 512K, 1M, 16M; default: the configuration's)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    add_translate(p)
    p.add_argument("--under-cp", action="store_true",
                   help="run the image in a virtual machine of a one-user CP instead of the "
                        "bare machine (same report, plus the VM's counters)")
    p.add_argument("--assist", default=None, metavar="SET",
                   help="with --under-cp: the machine's assists, e.g. vma,ecps,stbypass (any "
                        "subset), all or none (default: the configuration's ASSIST/ECPSVM). "
                        "With stbypass the one user is a trusted V=R machine with the "
                        "shadow-table bypass on: the results equal the bare machine's except "
                        "that a guest reaching past its storage size (its page tables or "
                        "real addresses naming the 4K above it) reads and writes CP's "
                        "storage there (its MICBLOK) instead of getting an addressing "
                        "exception (docs/assists.md)")
    from .cmd_ipl import add_machine_options
    add_machine_options(p)
    return p


def parse_size(text: str) -> int:
    """``512K``, ``1M``, ``16M`` or plain bytes."""
    t = text.strip().upper()
    try:
        if t.endswith("K"):
            return int(t[:-1]) * 1024
        if t.endswith("M"):
            return int(t[:-1]) * 1024 * 1024
        return int(t)
    except ValueError:
        raise MachineError(f"bad storage size {text!r}") from None


def load_program(path: str) -> bytes:
    """The core image for FILE: an assembler source is assembled first (errors are
    printed and the command exits with HLASM's return code), an object deck (cards
    with X'02' in column 1) goes through the relocating loader, anything else is a
    raw core image loaded at 0 (see ``s370.asm.program``)."""
    from s370.asm.program import AssemblyFailed, load_program_file
    try:
        return load_program_file(path)
    except AssemblyFailed as exc:
        print(f"s370vm: {exc}", file=sys.stderr)
        raise SystemExit(exc.rc) from None


def run(args) -> int:
    """Load the image into the configured machine (the built-in configuration
    unless --config) and run it. Standard input is the console only with
    --config; --script drives the console instead."""
    from .cmd_ipl import configured_machine, make_operator, run_operated
    image = load_program(args.file)
    if args.under_cp:
        return run_under_cp(args, image)
    if args.assist is not None:
        raise MachineError("--assist needs --under-cp (assists are for virtual machines)")
    machine = configured_machine(args, parse_size(args.storage) if args.storage else None)
    try:
        machine.load_image(image)
    except MachineError as exc:
        raise MachineError(f"{args.file}: {exc}") from None
    machine.ipl_psw()
    operator = make_operator(args, use_stdin=bool(args.config))
    return run_operated(machine, operator, args, args.max_instructions)


def run_under_cp(args, image: bytes) -> int:
    """``run --under-cp``: the same image in user GUEST's virtual machine under a
    one-user CP. The configuration's devices become dedicated devices of the VM,
    except at addresses the VM already has (its virtual console at 009)."""
    from cp import System, SystemConfig
    from s370 import config as cfgmod
    from s370.devices.console import ConsoleLog
    from . import report
    cfg = cfgmod.load(args.config) if args.config else cfgmod.default()
    size = parse_size(args.storage) if args.storage else cfg.mainsize
    from assists import registry
    installed = registry.parse(args.assist) if args.assist is not None \
        else registry.from_config(cfg)
    system = System(SystemConfig(cpuid=cfg.cpuid(), assists=tuple(installed)))
    lines: list[str] = []

    def output(text: str) -> None:
        lines.append(text)
        if not args.json:
            print(text)

    vm = system.logon("GUEST", size, output=output, reader=None, punch=None, printer=None)
    if "STBYPASS" in installed:         # the one user is trusted: a V=R machine with the bypass
        vm.configure_assists(options={"VIRT=REAL": True}, stbypass="VR")
    log = ConsoleLog(None)
    for spec in cfg.devices:
        if vm.channel.device(spec.address) is None:
            vm.attach(cfgmod.make_device(spec, cfg.base_dir, log))
    dumps = [report.parse_dump(d) for d in args.dump]
    try:
        vm.ipl(image=image)
        result = vm.run(args.max_instructions)
    finally:
        vm.channel.close()
    extra = {"vm": vm.report()}
    if args.json:
        extra["console"] = "".join(line + "\n" for line in lines)
    rep = report.build(result, vm.cpu, vm.storage, dumps, extra)
    report.emit(rep, result.seconds, args.json)
    return 0
