"""``s370vm ia32 run IMAGE``: boot an image on the IA-32 PC and run it to its end.

``--bios`` maps IMAGE as the BIOS ROM and starts at the reset vector; ``--kernel``
boots it as a Multiboot kernel; ``--linux`` as a Linux bzImage by the 32-bit boot
protocol (``--append`` the command line, ``--initrd`` a ramdisk); ``--load ADDR`` (the default, at 7C00) copies a
flat binary to ADDR and enters it in real mode. The run ends at HLT with IF=0, a
triple fault, a write to the exit port F4 or the instruction limit; the report
gives the stop reason, registers, EFLAGS, segment registers with their cached
bases, instruction count, MIPS, the console text and the POST codes (``--json``:
one object). Bad images are a one-line error and exit status 2.

``--under-cp`` runs the same image in an IA-32 virtual machine under a one-user CP
(user GUEST, ``MACHINE IA32``, virtualized as ``--mode`` says): the guest's
console is the run's console, and the report is the bare run's plus CP's counters
(``"vm"``: exits by cause, hidden and true page faults, translated blocks,
cycles), so bare and virtual runs compare directly.
"""
from __future__ import annotations

import argparse
import json
import sys

from ia32 import flags as F
from ia32.loaders.flat import BOOT_SECTOR
from ia32.state import REG_NAMES, SREG_NAMES

from .argtypes import positive_int

FLAG_NAMES = ((F.CF, "CF"), (F.PF, "PF"), (F.AF, "AF"), (F.ZF, "ZF"), (F.SF, "SF"),
              (F.TF, "TF"), (F.IF, "IF"), (F.DF, "DF"), (F.OF, "OF"), (F.NT, "NT"),
              (F.RF, "RF"), (F.VM, "VM"), (F.AC, "AC"), (F.ID, "ID"))


def _hex(text: str) -> int:
    try:
        return int(text, 16)
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad address {text!r} (hex, e.g. 7C00)") from None


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("run", help="boot an image on the IA-32 PC and run it")
    p.add_argument("image")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--bios", action="store_true",
                     help="IMAGE is a BIOS ROM (ends at 1M and 4G); start at the reset vector")
    how.add_argument("--kernel", action="store_true",
                     help="IMAGE is a Multiboot kernel (ELF32 or a.out kludge)")
    how.add_argument("--linux", action="store_true",
                     help="IMAGE is a Linux bzImage, entered by the 32-bit boot protocol")
    how.add_argument("--load", type=_hex, nargs="?", const=BOOT_SECTOR, default=None,
                     metavar="ADDR", help="IMAGE is a flat binary entered in real mode at ADDR "
                                          "(hex; the default, at 7C00)")
    p.add_argument("--cmdline", "--append", default="", dest="cmdline",
                   help="with --kernel or --linux: the kernel's command line")
    p.add_argument("--initrd", metavar="FILE", help="with --linux: an initial ramdisk")
    p.add_argument("--memory", type=positive_int, default=16, metavar="MB",
                   help="RAM in megabytes (default 16)")
    p.add_argument("--max-instructions", type=positive_int, default=100_000_000, metavar="N")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--under-cp", action="store_true",
                   help="run the image in an IA-32 virtual machine under CP")
    p.add_argument("--mode", choices=("naive", "scan", "translate", "translate-all",
                                      "paravirt"),
                   default="translate", help="with --under-cp: how CP virtualizes it "
                                             "(SET VMMODE; default translate; translate-all "
                                             "is SET VMMODE TRANSLATE ALL)")
    return p


def run(args) -> int:
    from ia32.errors import MachineError
    if args.under_cp:
        return run_under_cp(args)
    try:
        machine = boot(args)
    except MachineError as exc:
        print(f"s370vm: {exc}", file=sys.stderr)
        return 2
    result = machine.run(args.max_instructions)
    report = machine.report(result)
    if args.json:
        print(json.dumps(report))
    else:
        print_report(report, result.seconds, machine.cpu.cpl, machine.cpu.sregs)
    return 0


def run_under_cp(args) -> int:
    """``run --under-cp``: the image in user GUEST's IA-32 virtual machine."""
    from cp import System
    from cp.backends import MachineError
    from ia32.errors import MachineError as IA32Error
    from ia32.loaders import read_image
    if args.bios:
        print("s370vm: --bios cannot run under CP (an IA-32 virtual machine starts in "
              "protected mode)", file=sys.stderr)
        return 2
    kind = "multiboot" if args.kernel else "linux" if args.linux else "flat"
    system = System()
    try:
        if args.memory < 2 or args.memory > 3072:
            raise MachineError(f"--memory {args.memory}: between 2 and 3072 megabytes")
        image = read_image(args.image)
        initrd = read_image(args.initrd) if args.initrd else None
        vm = system.logon("GUEST", args.memory << 20, output=lambda line: None, reader=None,
                          punch=None, printer=None, machine="IA32")
        backend = vm.backend
        backend.set_mode(args.mode.upper().replace("-", " "))
        backend.boot_options(kind, args.cmdline, initrd,
                             BOOT_SECTOR if args.load is None else args.load, name=args.image)
        vm.ipl(image=image)
    except (MachineError, IA32Error) as exc:
        print(f"s370vm: {exc}", file=sys.stderr)
        return 2
    result = vm.run(args.max_instructions)
    report = cp_report(vm, result)
    if args.json:
        print(json.dumps(report))
    else:
        real = backend.cpu
        print_report(report, result.seconds, vm.backend.vstate.cpl, real.sregs)
        print("vm: " + json.dumps(report["vm"]))
    return 0


def cp_report(vm, result) -> dict:
    """The bare run's report for a virtual machine (registers as the guest sees
    them), with CP's counters under ``"vm"``."""
    backend = vm.backend
    cpu = vm.cpu
    stop = {"stopped": "exit" if backend.exit_code is not None else "stopped",
            "checkstop": "shutdown", "wait": "hlt"}.get(result.stop, result.stop)
    regs = {name: f"{cpu.regs[i]:08X}" for i, name in enumerate(REG_NAMES)}
    regs["EFLAGS"] = f"{cpu.get_eflags():08X}"
    for i, seg in enumerate(cpu.sregs):
        regs[SREG_NAMES[i]] = f"{seg.selector:04X}"
    for n in (0, 2, 3, 4):
        regs[f"CR{n}"] = f"{cpu.cr[n]:08X}"
    return {
        "stop": stop,
        "exit_code": backend.exit_code if stop == "exit" else None,
        "eip": f"{cpu.eip:08X}",
        "regs": regs,
        "post": [f"0x{code:02X}" for code in backend.vdev.post.codes],
        "console": backend.console.decode("utf-8", "replace"),
        "instructions": cpu.count,
        "vm": backend.vm_report(),
    }

def boot(args):
    """A machine with the image loaded as the options say."""
    from ia32.errors import MachineError
    from ia32.loaders.bios import boot_bios
    from ia32.loaders.flat import boot_flat
    from ia32.loaders.linux import boot_linux
    from ia32.loaders.multiboot import boot_multiboot
    from ia32.machine import Machine
    if args.memory < 2 or args.memory > 3072:
        raise MachineError(f"--memory {args.memory}: between 2 and 3072 megabytes")
    machine = Machine(args.memory << 20)
    if args.bios:
        boot_bios(machine, args.image)
    elif args.kernel:
        boot_multiboot(machine, args.image, args.cmdline)
    elif args.linux:
        boot_linux(machine, args.image, args.cmdline, args.initrd)
    else:
        boot_flat(machine, args.image, BOOT_SECTOR if args.load is None else args.load)
    return machine


def print_report(report: dict, seconds: float, cpl: int, segments) -> None:
    """The report as text; ``segments`` the six segment caches to show."""
    regs = report["regs"]
    stop = report["stop"]
    if report["exit_code"] is not None:
        stop += f" (exit code {report['exit_code']})"
    print(f"stop: {stop}   EIP={report['eip']}")
    for row in (REG_NAMES[:4], REG_NAMES[4:]):
        print("  ".join(f"{n}={regs[n]}" for n in row))
    eflags = int(regs["EFLAGS"], 16)
    flags = " ".join(name for bit, name in FLAG_NAMES if eflags & bit)
    print(f"EFLAGS={regs['EFLAGS']} [{flags}] IOPL={(eflags >> 12) & 3}   CPL={cpl}")
    for i, name in enumerate(SREG_NAMES):
        seg = segments[i]
        print(f"{name}={regs[name]} base={seg.base:08X} limit={seg.limit:08X} "
              f"rights={seg.rights:06X}")
    print("  ".join(f"CR{n}={regs[f'CR{n}']}" for n in (0, 2, 3, 4)))
    n = report["instructions"]
    mips = n / seconds / 1e6 if seconds > 0 else 0.0
    print(f"instructions: {n}   seconds: {seconds:.3f}   MIPS: {mips:.2f}")
    print("post: " + (" ".join(code[2:] for code in report["post"]) or "(none)"))
    print("console:")
    text = report["console"].replace("\r\n", "\n")
    sys.stdout.write(text if not text or text.endswith("\n") else text + "\n")
