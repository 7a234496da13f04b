"""TRACE and ADSTOP (VM/370 DMKTRA, DMKCFD).

``TRace {SVC|I/O|PROgram|PRIV|BRanch|INSTruct|ALL|END}... [PRinter|TErminal|BOTH|OFF] [RUN|NORUN]``

Each traced event prints a line in the layout of the R6 CP Command Reference
(TRACE responses): the virtual address, the mnemonic, the instruction in hex and,
where control moves, ``==>`` and the new address; ``***`` marks interruptions of
the virtual machine (SVC, PROG) and I/O instructions start ``I/O`` and end with
the device and the condition code.
Tracing to the terminal stops the virtual machine after each event (CP READ;
BEGIN continues) unless RUN is given, as in VM/370. ``ADSTOP hexloc`` stops the
machine before the instruction at hexloc executes (``ADSTOP AT xxxxxx``).

While tracing or an address stop is set the guest is single-stepped by the
``Tracer`` below (VM/370 likewise turned the assist off for traced users).
"""
from __future__ import annotations

from s370 import psw as pswmod
from s370.isa import lookup

from .guest import STOP_ADSTOP, STOP_TRACE
from .messages import parse_hex
from .registry import Context, abbrev, command

#: (keyword, minimum length, event names it selects)
EVENTS = (
    ("SVC", 3, {"SVC"}),
    ("I/O", 3, {"IO"}),
    ("IO", 2, {"IO"}),
    ("SIO", 3, {"IO"}),
    ("PROGRAM", 3, {"PROG"}),
    ("PRIV", 4, {"PRIV"}),
    ("BRANCH", 2, {"BRANCH"}),
    ("INSTRUCT", 4, {"INSTRUCT"}),
    ("ALL", 3, {"SVC", "IO", "PROG", "PRIV", "BRANCH", "INSTRUCT"}),
)
BRANCHES = frozenset({"BC", "BCR", "BAL", "BALR", "BAS", "BASR", "BCT", "BCTR", "BXH", "BXLE"})
IO_NAMES = {0x9C: "SIO", 0x9D: "TIO", 0x9E: "HIO", 0x9F: "TCH"}
PGM_OLD = 0x28


class Tracer:
    """Called by the guest around each instruction while tracing or ADSTOP is on."""

    def __init__(self, session):
        self.session = session
        self.before: tuple | None = None

    def __call__(self, guest) -> str | None:
        s = self.session
        cpu = guest.cpu
        ia = cpu.ia
        if s.adstop is not None and ia == s.adstop:
            s.adstop = None
            update(s)
            return STOP_ADSTOP
        if not s.trace.events or ia + 2 > guest.size:
            self.before = None
            return None
        mem = cpu.mem
        ins = lookup(mem, ia)
        length = ((2, 4, 4, 6)[mem[ia] >> 6])
        text = bytes(mem[ia:ia + length]).hex().upper()
        dev = None
        if mem[ia] in IO_NAMES and ia + 4 <= guest.size:      # S format: the device address
            b2 = mem[ia + 2] >> 4
            dev = ((cpu.gpr[b2] if b2 else 0) + (((mem[ia + 2] & 15) << 8) | mem[ia + 3])) & 0xFFF
        self.before = (ia, ins, length, text, guest.program_interrupts, dev)
        return None

    def after(self, guest) -> str | None:
        if self.before is None:
            return None
        s = self.session
        ev = s.trace.events
        cpu = guest.cpu
        ia, ins, length, text, pgm_old, dev = self.before
        name = ins.mnemonic if ins is not None else "????"
        lines = []
        new_ia = cpu.ia
        pgm = guest.program_interrupts != pgm_old
        if dev is not None and "IO" in ev and not pgm:
            vdev = s.devices.get(dev)
            kind = vdev.kind if vdev is not None else "DEV"
            lines.append(f"I/O {ia:06X} {IO_NAMES[cpu.mem[ia]]:<5} {text} {kind} {dev:03X} CC {cpu.cc}")
        plain = len(lines)
        if name == "SVC" and "SVC" in ev:
            lines.append(f"*** {ia:06X} SVC   {text}  ==> {new_ia:06X}")
        elif ins is not None and ins.priv and "PRIV" in ev and not pgm:
            extra = f" {pswmod.format_psw(guest.get_psw())}" if name == "LPSW" else ""
            lines.append(f"{ia:06X} {name:<5} {text}{extra}")
        elif name in BRANCHES and "BRANCH" in ev and not pgm and new_ia != ((ia + length) & 0xFFFFFF):
            lines.append(f"{ia:06X} {name:<5} {text}  ==> {new_ia:06X}")
        if "INSTRUCT" in ev and len(lines) == plain:
            lines.append(f"{ia:06X} {name:<5} {text}")     # one line per instruction
        if pgm and "PROG" in ev:
            code = int.from_bytes(guest.read(0x8E, 2), "big") if cpu.ec else \
                int.from_bytes(guest.read(PGM_OLD + 2, 2), "big")
            lines.append(f"*** {ia:06X} PROG  {code:04X}  ==> {new_ia:06X}")
        for ln in lines:
            s.out(ln)
        if lines and not s.trace.run:
            return STOP_TRACE
        return None


def update(session) -> None:
    """Install or remove the tracer on the guest."""
    active = bool(session.trace.events) or session.adstop is not None
    if hasattr(session.guest, "tracer"):
        session.guest.tracer = Tracer(session) if active else None
    set_tracing = getattr(session.guest, "set_tracing", None)
    if set_tracing is not None:
        set_tracing(active)             # VM/370 turned VMA off for traced users


@command("TRACE")
def cmd_trace(ctx: Context, args: list[str]) -> list[str]:
    s = ctx.session
    if not args:
        raise ctx.error(26)
    events: set[str] = set()
    end = False
    run = None
    for i, a in enumerate(args):
        u = a.upper()
        if u == "END":
            if len(args) > 1:               # END stands alone: blame what is with it
                raise ctx.error(2, args[1].upper() if i == 0 else u)
            end = True
            continue
        for kw, n, evs in EVENTS:
            if abbrev(u, kw, n):
                events |= evs
                break
        else:
            if abbrev(u, "RUN", 3):
                run = True
            elif abbrev(u, "NORUN", 3):
                run = False
            elif abbrev(u, "TERMINAL", 2) or abbrev(u, "PRINTER", 2) or abbrev(u, "BOTH", 2):
                s.trace.printer = not abbrev(u, "TERMINAL", 2)
            elif abbrev(u, "OFF", 3):
                events = set()
                end = True
            else:
                raise ctx.error(2, u)
    was = bool(s.trace.events)
    if end:
        s.trace.events.clear()
        s.trace.run = False
        update(s)
        return ["TRACE ENDED"] if was else []
    if not events:
        raise ctx.error(26)
    s.trace.events |= events
    if run is not None:
        s.trace.run = run
    update(s)
    return [] if was else ["TRACE STARTED"]


@command("ADSTOP")
def cmd_adstop(ctx: Context, args: list[str]) -> list[str]:
    """``ADSTOP hexloc | OFF``."""
    s = ctx.session
    if len(args) != 1:
        raise ctx.error(26)
    a = args[0].upper()
    if a == "OFF":
        s.adstop = None
    else:
        try:
            loc = parse_hex(a)
        except ValueError:
            raise ctx.error(5, a) from None
        if loc >= s.guest.size or loc & 1:
            raise ctx.error(5, a)
        s.adstop = loc
    update(s)
    return []
