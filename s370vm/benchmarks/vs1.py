"""``s370vm bench vs1``: OS/VS1 Release 6.0 end to end, on the bare machine and
in a virtual machine under CP with each assist set (docs/os-vs1.md).

The starter system of ``/work/shared/real`` (or ``$S370VM_REAL``) is restored
onto a fresh 3330 (IBCDASDI, then IBCDMPRS from the starter tape), IPLed once to
format its job queue and spool (``vs1first.ops``), then IPLed again to run
``job1.jcl`` and halt (``vs1job.ops``): on the bare machine, and in a VM of a
one-user CP for each assist set of ``assists.registry.BENCH_SETS``, each from a
copy of the formatted volume. Figures per phase: wall seconds, instructions,
MIPS; under CP also the intercepts and the machine cycles (assists/costs.py).

The runs use the configurations and operator scripts of ``guests/real`` in a
scratch folder (``--vs1-dir`` to keep it); nothing is written elsewhere.

Under CP the virtual machine is user VS1 of ``guests/real/vs1.direct``: 8 MB,
the 3330 and the unit-record devices dedicated, the user's terminal as the VS1
master console at 01F (and no console at 009: VS1 would count it as a second
console and ask for a hard-copy log, IEA150A).
"""
from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from s370.errors import MachineError

if TYPE_CHECKING:                       # ``s370vm --help`` loads this module: keep it light
    from s370.machine import RunResult

describe = "OS/VS1 R6.0 starter system: restore, first IPL, a job; bare and under CP"

REAL = Path(os.environ.get("S370VM_REAL", "/work/shared/real"))


def missing_media() -> str:
    """What to say when the starter media are not there (and where they go)."""
    return (f"the OS/VS1 starter media are not in {REAL} (set S370VM_REAL to the folder "
            "that holds them: guests/real/README.md)")


GUESTS = Path(__file__).resolve().parents[2] / "guests" / "real"
ZIP = "vs1r60_starter_3330.zip"
TAPE = "vs1r60_starter_3330.aws"
DECKS = ("indliba1.sajob", "rsdliba1.sajob", "job1.jcl")
VOLUME = "dliba1.3330"
#: VS1's storage in the virtual machine (the bare configuration's MAINSIZE 8).
VM_STORAGE = 8 << 20
#: Guest instructions per dispatch between operator checks under CP.
CP_BURST = 20_000


def available() -> bool:
    return all((REAL / f).exists() for f in (ZIP,) + DECKS)


def prepare(folder: Path) -> Path:
    """A run folder: the VS1 configurations and scripts of guests/real, links to
    the control decks and the job, the starter tape unzipped (12 MB) and an empty
    3330 labelled DLIBA1 (as ``s370vm dasdinit``)."""
    from s370.devices.ckd import create_image, geometry
    if not available():
        raise MachineError(missing_media())
    folder.mkdir(parents=True, exist_ok=True)
    for f in GUESTS.glob("vs1*"):
        shutil.copy(f, folder / f.name)
    for f in DECKS:
        link = folder / f
        if not link.exists():
            link.symlink_to(REAL / f)
    with zipfile.ZipFile(REAL / ZIP) as z:
        z.extract(TAPE, folder)
    geom = geometry("3330")             # with alternate cylinders, as dasdinit's default
    create_image(folder / VOLUME, geom, "DLIBA1", geom.cylinders + geom.alt_cylinders,
                 replace=True)
    return folder


def run_bare(folder: Path, device: int, cnf: str, ops: str) -> tuple[RunResult, str]:
    """IPL ``device`` of the configured bare machine with an operator script; the
    run's result and console transcript."""
    from s370.devices.console import ConsoleLog
    from s370.machine import machine_from_config_file
    from s370.operator import ScriptOperator, load_script
    folder = Path(folder).resolve()         # devinit files are relative to the script
    machine = machine_from_config_file(folder / cnf, ConsoleLog(None))
    try:
        machine.ipl(device)
        operator = ScriptOperator(load_script(folder / ops), folder)
        result = machine.run(None, operator)
    finally:
        machine.close()
    return result, machine.console_log.text


class GuestOperated:
    """What an operator script (s370.operator.ScriptOperator) drives, for a VM
    under CP: the VM's CPU, the dedicated console and its transcript, IPL and
    devinit of the VM's devices."""

    def __init__(self, vm, console, log):
        self.vm = vm
        self.cpu = vm.cpu
        self.console = console
        self.console_log = log

    def type_line(self, line: str) -> None:
        self.console.type_line(line)

    def ipl(self, address: int) -> None:
        self.vm.ipl(device=address)

    def devinit(self, address: int, args: list[str]) -> None:
        dev = self.vm.channel.device(address)
        if dev is None:
            raise MachineError(f"device {address:03X} is not in the virtual machine")
        dev.devinit(args)

    def restart(self) -> None:
        self.vm.restart()

    def run(self, operator) -> RunResult:
        """The VM alone, with the operator consulted as ``Machine.run`` does: between
        bursts, and when the VM waits for something only the operator can give
        (before CP lets the VM's time pass to its next timer event)."""
        vm = self.vm
        cpu = vm.cpu
        start = cpu.count
        t0 = time.perf_counter()
        while True:
            verdict = operator.poll(self)
            if verdict:
                break
            state = vm.run_slice(CP_BURST)
            if state in ("checkstop", "stopped"):
                verdict = state
                break
            if state == "wait":
                operator.poll(self)
                if cpu.wait and not vm.try_wake() and not vm.idle():
                    verdict = operator.idle(self)
                    if verdict:
                        break
        from s370.machine import RunResult
        return RunResult(verdict, cpu.count - start, time.perf_counter() - t0,
                         message=operator.failure)


def run_under_cp(folder: Path, cnf: str, ops: str, assists: frozenset = frozenset(),
                 directory: str = "vs1.direct", userid: str = "VS1") -> tuple[RunResult, str, dict]:
    """Log ``userid`` of ``directory`` on to a one-user CP with ``assists``
    installed and IPL its virtual machine as the entry's IPL statement says. The
    VM gets the entry's storage, its DEDICATE devices (real addresses name the
    devices of the machine configuration ``cnf``), its MDISKs (on the disks of
    ``cnf``, found by volume serial) and, at the CONSOLE address,
    the user's terminal, which the operator script ``ops`` types at. Returns the
    result, the terminal transcript and the VM's counters.

    The terminal is a 3215 that presents attention when a line is typed with no
    read waiting, as VM/370 does for a virtual console: VS1 reads a command only
    after the request key."""
    from cp import System, SystemConfig
    from cp.directory import load_directory
    from s370 import config as cfgmod
    from s370.devices.console import Console, ConsoleLog
    from s370.operator import ScriptOperator, load_script
    folder = Path(folder).resolve()         # devinit files are relative to the script
    user = load_directory(folder / directory).get(userid)
    if user is None or user.console is None or user.ipl is None:
        raise MachineError(f"{directory}: user {userid} needs an entry with CONSOLE and IPL")
    cfg = cfgmod.load(folder / cnf)
    real = {spec.address: spec for spec in cfg.devices}
    system = System(SystemConfig(cpuid=cfg.cpuid(), assists=tuple(sorted(assists))))
    vm = system.logon(user.userid, user.storage, reader=None, punch=None, printer=None)
    vm.detach(vm.console_address)
    log = ConsoleLog(None)
    terminal = Console(user.console.vaddr, devtype=int(user.console.devtype, 16), log=log)
    vm.attach(terminal)
    if "STBYPASS" in assists:               # the one user is trusted: V=R with the bypass
        vm.configure_assists(options={"VIRT=REAL": True}, stbypass="VR")
    for ded in user.dedicates:
        spec = real.get(ded.raddr)
        if spec is None:
            raise MachineError(f"{directory}: DEDICATE {ded.vaddr:03X} {ded.raddr:03X}: "
                               f"no device {ded.raddr:03X} in {cnf}")
        dev = cfgmod.make_device(spec, cfg.base_dir, log)
        dev.address = ded.vaddr
        vm.attach(dev)
    if user.mdisks:
        volumes = _volumes(cfg, log)
        for md in user.mdisks.values():
            if md.volser not in volumes:
                raise MachineError(f"{directory}: MDISK {md.vaddr:03X}: volume {md.volser} "
                                   f"is not on a disk of {cnf}")
            vm.add_minidisk(md.vaddr, volumes[md.volser], md.start, md.count,
                            readonly=md.mode.startswith("R"))
    guest = GuestOperated(vm, terminal, log)
    try:
        vm.ipl(device=int(user.ipl, 16))
        result = guest.run(ScriptOperator(load_script(folder / ops), folder))
    finally:
        vm.channel.close()
        system.logoff(user.userid)
    return result, log.text, vm.report()


def _volumes(cfg, log) -> dict:
    """The configuration's CKD disks as real volumes for minidisks, by the volume
    serial in their VOL1 label (cylinder 0, head 0, record 3)."""
    from s370 import config as cfgmod
    from s370.ebcdic import to_ascii
    out = {}
    for spec in cfg.devices:
        if cfgmod.DEVICE_TYPES.get(spec.devtype.upper(), ("",))[0] != "dasd":
            continue
        dev = cfgmod.make_device(spec, cfg.base_dir, log)
        records = dev.image.read_track(0, 0).records
        label = to_ascii(records[3].data[:10]) if len(records) > 3 else ""
        if label.startswith("VOL1"):
            out[label[4:10].strip()] = dev
        else:
            dev.close()
    return out


def _phase(result: RunResult) -> dict:
    mips = result.instructions / result.seconds / 1e6 if result.seconds else 0.0
    return {"stop": result.stop, "seconds": round(result.seconds, 2),
            "instructions": result.instructions, "mips": round(mips, 3)}


def _check(result: RunResult, what: str) -> None:
    if result.stop == "failed":
        raise MachineError(f"vs1 {what}: {result.message}")


def add_arguments(p: argparse.ArgumentParser) -> None:
    for args, kw in ((("--vs1-dir",), dict(metavar="DIR", default=None,
                                           help="vs1: run folder to use and keep")),
                     (("--vs1-assists",), dict(metavar="SETS", default=None,
                                               help="vs1: assist sets under CP, e.g. "
                                                    "'none;vma;all' (default: the "
                                                    "assists benchmark's sets)"))):
        try:
            p.add_argument(*args, **kw)
        except argparse.ArgumentError:
            pass


def run(args) -> dict:
    """The figures; without the media (``s370vm bench all`` elsewhere) a note."""
    from assists.registry import BENCH_SETS, label, parse
    if not available():
        return {"skipped": missing_media()}
    keep = getattr(args, "vs1_dir", None)
    tmp = None if keep else tempfile.TemporaryDirectory(prefix="vs1-")
    folder = prepare(Path(keep or tmp.name))
    sets = BENCH_SETS if getattr(args, "vs1_assists", None) is None else tuple(
        (label(parse(s)), parse(s)) for s in args.vs1_assists.split(";"))
    figures: dict = {}
    try:
        for name, device, cnf, ops in (("restore", 0x480, "vs1restore.cnf", "vs1restore.ops"),
                                       ("first_ipl", 0x150, "vs1.cnf", "vs1first.ops")):
            result, _ = run_bare(folder, device, cnf, ops)
            _check(result, name)
            figures[name] = _phase(result)
        formatted = folder / "dliba1.formatted"
        shutil.copy(folder / VOLUME, formatted)
        result, _ = run_bare(folder, 0x150, "vs1.cnf", "vs1job.ops")
        _check(result, "job")
        figures["job_bare"] = _phase(result)
        for name, assists in sets:
            shutil.copy(formatted, folder / VOLUME)
            result, _, report = run_under_cp(folder, "vs1.cnf", "vs1job.ops", assists)
            _check(result, f"job under CP ({name})")
            bare = figures["job_bare"]["seconds"]
            figures[f"job_cp_{name}"] = dict(
                _phase(result), wall_ratio_to_bare=round(result.seconds / bare, 2) if bare else 0.0,
                intercepts=report["intercepts"], cycles=report["cycles"])
    finally:
        if tmp is not None:
            tmp.cleanup()
    return figures
