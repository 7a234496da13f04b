"""``s370vm cp``: the ready VM/370-style system.

    s370vm cp [--directory FILE] [--config FILE] [--port N] [--script FILE] [--data DIR]
              [--address ADDR] [--no-console] [--reader USER=FILE]...
              [--max-instructions N]

Without options it starts the built-in system (cp/defaults): the operator console
on this terminal and a telnet server on 127.0.0.1:3270 where every connection is
a terminal that can LOGON. ``--port 0`` turns the telnet server off.
``--no-console`` (and any start whose standard input is not a terminal: a
service manager, ``nohup ... </dev/null``, a container) serves the telnet
terminals only, until SHUTDOWN or SIGTERM/SIGINT (cp/service.py). The data
folder is locked: a second CP on it refuses to start (cp/datalock.py).

``--script FILE`` runs commands from a file instead and prints the responses
(what the tests use). Script format, one line each:

    * comment                     (a line starting with '*' and a blank)
    LOGON GUEST1 GUEST            a line for the current terminal
    T2: LOGON GUEST2 GUEST        "name:" first selects (or opens) terminal "name"
    T2:                           an empty line for T2 (e.g. a VM READ answer)

The first terminal is called T1. Every input line is echoed as ``name> line``
(a password answer as ``name> ********``) and every output line is printed as
``name: line``. After each line the guests run until they all wait (bounded by
``--max-instructions``).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from s370.errors import MachineError

from .argtypes import add_translate, positive_int


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("cp", help="start the VM/370-style control program (console, telnet, scripts)")
    p.add_argument("--directory", help="user directory file (VM/370 USER/MDISK/... statements)")
    p.add_argument("--config", help="system configuration file (Hercules-style device statements)")
    p.add_argument("--port", type=int, default=3270,
                   help="telnet port, line mode and TN3270 (docs/3270.md); 0 = none; default 3270")
    p.add_argument("--address", default="127.0.0.1",
                   help="where the telnet port listens (default 127.0.0.1, this machine only; "
                        "0.0.0.0 for every interface: see docs/service.md)")
    p.add_argument("--script", help="run CP commands from FILE and print the responses")
    p.add_argument("--data", help="directory for persistent data (spool files); default for the "
                                  "interactive system: $S370VM_DATA/cp or ~/.s370vm/cp; scripts keep "
                                  "their spool in memory unless --data is given")
    p.add_argument("--reader", action="append", default=[], metavar="USER=FILE",
                   help="put FILE into USER's reader at startup (an .asm source is assembled: "
                        "at X'2000' or above for the monitor's RUN, else as an IPL deck)")
    p.add_argument("--no-console", action="store_true",
                   help="no operator console: serve telnet terminals until SHUTDOWN or SIGTERM "
                        "(the default when standard input is not a terminal; see docs/service.md)")
    p.add_argument("--max-instructions", type=positive_int, default=5_000_000, metavar="N",
                   help="guest instructions run after each script line (default 5000000)")
    add_translate(p)
    return p


def build_host(directory: str | None = None, data: str | None = None, config: str | None = None):
    """The CP host: directory, spool (persistent under ``data``), named systems;
    the guests run on the CP core (cp/commands/host.py)."""
    from cp import defaults
    from cp.commands.host import Host
    from cp.directory import load_directory
    from cp.spool import Spool
    d = load_directory(directory) if directory else defaults.default_directory()
    host = Host(d, Spool(data), named_systems=defaults.named_systems())
    if config:
        _read_config(host, config)
    # the sample users (GUEST1-GUEST4) find MONITOR and HELLO in their reader in
    # any directory (a copy of the built-in one too); others get files with --reader
    host.logon_hook = lambda userid: defaults.seed_reader(host, userid)
    return host


#: Hercules device type -> the device class QUERY and ATTACH name.
KINDS = {"3420": "TAPE", "3330": "DASD", "3350": "DASD", "1403": "PRT", "2540R": "RDR",
         "3505": "RDR", "1442": "RDR", "3525": "PUN", "2540P": "PUN", "1442P": "PUN",
         "3215": "CONS", "3215-C": "CONS", "1052": "CONS", "1052-C": "CONS"}


def _read_config(host, path: str) -> None:
    """The machine configuration in Hercules' style (s370/config.py): its device
    statements are the real devices the operator may ATTACH, and DASD images are the
    volumes minidisks live on (found by their VOL1 label); ``ASSIST VMA ECPS
    STBYPASS`` or ``ECPSVM YES`` installs the hardware assists."""
    from s370 import config as machine_config
    cfg = machine_config.load(path)
    host.installed_assists = sorted(cfg.assists | ({"VMA", "ECPS"} if cfg.ecpsvm else set()))
    for spec in cfg.devices:
        kind = KINDS.get(spec.devtype.upper(), "DEV")
        device = None
        if kind == "DASD" and spec.args:
            device = machine_config.make_device(spec, cfg.base_dir)
            volser = _volser(device)
            if volser:
                host.volumes[volser] = device
        host.real_devices[spec.address] = (kind, spec.devtype, device)


def _volser(device) -> str | None:
    """The volume serial in the VOL1 label (cylinder 0, head 0, record 3)."""
    from s370.ebcdic import to_ascii
    try:
        track = device.image.read_track(0, 0)
    except Exception:           # an unformatted or odd image: no label
        return None
    for rec in track.records:
        if to_ascii(rec.key) == "VOL1" and len(rec.data) >= 10:
            return to_ascii(rec.data[4:10]).strip() or None
    return None


class ScriptRunner:
    """Feeds script lines to named terminals and collects ``(terminal, line)``."""

    def __init__(self, host, budget: int = 5_000_000):
        from cp.terminal import Terminal
        self.host = host
        self.budget = budget
        self.output: list[tuple[str, str]] = []
        self.terminals: dict[str, Terminal] = {}
        self.current = "T1"
        self._Terminal = Terminal

    def terminal(self, name: str):
        t = self.terminals.get(name)
        if t is None:
            t = self._Terminal(self.host, self.host.next_terminal_name(),
                               lambda line, n=name: self.output.append((n, line)))
            self.terminals[name] = t
        return t

    def feed(self, raw: str) -> None:
        line = raw.strip()
        head, sep, rest = line.partition(":")
        if sep and head and " " not in head and head.upper() == head and len(head) <= 8 \
                and not head.startswith("*"):
            self.current = head
            line = rest[1:] if rest.startswith(" ") else rest
        elif line.startswith("* ") or line == "*":
            return
        term = self.terminal(self.current)
        from cp.terminal import masked
        shown = "********" if term.wants_password else masked(line)
        self.output.append((self.current, f"> {shown}"))
        term.handle_line(line)
        self.host.settle(self.budget)

    def run(self, lines) -> list[tuple[str, str]]:
        for ln in lines:
            if self.host.shutdown:
                break
            self.feed(ln)
        return self.output


def format_output(pairs: list[tuple[str, str]]) -> list[str]:
    return [f"{t}{line}" if line.startswith("> ") else f"{t}: {line}" for t, line in pairs]


def run_script(host, text: str, budget: int = 5_000_000) -> list[str]:
    """Run a whole script; returns the printed lines."""
    return format_output(ScriptRunner(host, budget).run(text.splitlines()))


def load_readers(host, specs: list[str]) -> None:
    """``--reader USER=FILE``: a spool file in USER's reader, from SYSTEM."""
    from cp.defaults import reader_cards
    for spec in specs:
        user, sep, path = spec.partition("=")
        if not sep or host.directory.get(user) is None:
            raise MachineError(f"--reader {spec}: expected USER=FILE with a user of the directory")
        cards, name, type_ = reader_cards(path)
        host.spool.create(user.upper(), "RDR", "SYSTEM", "PUN", cards, name=name, type=type_)


def run(args) -> int:
    data = args.data
    if data is None and not args.script:
        from s370.config import data_dir
        data = str(data_dir() / "cp")
    lock = None
    if data is not None:
        from cp.datalock import DataLock
        lock = DataLock(data).acquire()     # held until this process ends
    try:
        return _run(args, data)
    finally:
        if lock is not None:
            lock.release()


def _run(args, data: str | None) -> int:
    host = build_host(args.directory, data, args.config)
    load_readers(host, args.reader)
    if args.script:
        try:
            text = Path(args.script).read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise MachineError(f"cannot read script {args.script}: {exc.strerror}") from None
        for line in run_script(host, text, args.max_instructions):
            print(line)
        return 0
    from cp import defaults
    if any(u in host.directory for u in defaults.SAMPLE_USERS):
        defaults.monitor_deck()         # assemble the sample guests now, not at the first logon
        defaults.hello_cards()
    if args.no_console or not sys.stdin.isatty():
        if not args.no_console:
            print("s370vm cp: standard input is not a terminal: serving telnet terminals only "
                  "(--no-console)", flush=True)
        from cp.service import run_service
        return run_service(host, args.port, args.address)
    from cp.console import run_console
    return run_console(host, port=args.port, address=args.address)

