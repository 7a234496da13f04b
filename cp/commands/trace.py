"""TRACE and ADSTOP (VM/370 DMKTRA, DMKCFD).

``TRace {SVC|I/O|PROgram|PRIV|BRanch|INSTruct|ALL|END}... [PRinter|TErminal|BOTH|OFF] [RUN|NORUN]
[FIelds|NOFields]``

Each traced event prints a line in the layout of the R6 CP Command Reference
(TRACE responses): the virtual address, the mnemonic, the instruction in hex and,
where control moves, ``==>`` and the new address; ``***`` marks interruptions of
the virtual machine (SVC, PROG) and I/O instructions start ``I/O`` and end with
the device and the condition code.
Tracing to the terminal stops the virtual machine after each event (CP READ;
BEGIN continues) unless RUN is given, as in VM/370. ``ADSTOP hexloc`` stops the
machine before the instruction at hexloc executes (``ADSTOP AT xxxxxx``).
``FIELDS`` (ours) follows each interruption and status load with the new status
register's bit fields, named and decoded, and each I/O instruction with the I/O
status (a virtual 370: the PSW and the CSW, from the descriptor tables).
What an instruction is comes from the machine's backend; nothing here is
specific to one architecture.

While tracing or an address stop is set the guest is single-stepped by the
``Tracer`` below (VM/370 likewise turned the assist off for traced users).
"""
from __future__ import annotations

from .guest import STOP_ADSTOP, STOP_TRACE
from .ipl import status_register
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


class Tracer:
    """Called by the guest around each instruction while tracing or ADSTOP is on.
    What an instruction is (mnemonic, length, events, device) comes from the
    machine's ``instruction_at``; the line layouts are CP's."""

    def __init__(self, session):
        self.session = session
        self.before: tuple | None = None

    def __call__(self, guest) -> str | None:
        s = self.session
        machine = guest.machine
        ia = machine.pc()
        if s.adstop is not None and ia == s.adstop:
            s.adstop = None
            update(s)
            return STOP_ADSTOP
        info = machine.instruction_at(ia) if s.trace.events else None
        if info is None:
            self.before = None
            return None
        self.before = (ia, info, guest.program_interrupts)
        return None

    def after(self, guest) -> str | None:
        if self.before is None:
            return None
        s = self.session
        ev = s.trace.events
        machine = guest.machine
        digits = machine.address_digits
        ia, info, pgm_old = self.before
        name, text, dev = info.name, info.text, info.device
        at = f"{ia:0{digits}X}"
        lines = []
        new_ia = machine.pc()
        to = f"{new_ia:0{digits}X}"
        pgm = guest.program_interrupts != pgm_old
        if dev is not None and "IO" in ev and not pgm:
            vdev = s.devices.get(dev)
            kind = vdev.kind if vdev is not None else "DEV"
            lines.append(f"I/O {at} {info.io_name:<5} {text} {kind} {dev:03X} {machine.condition()}")
            lines += _fields(guest, "io")
        plain = len(lines)
        if "SVC" in info.events and "SVC" in ev:
            lines.append(f"*** {at} {name:<5} {text}  ==> {to}")
            lines += _fields(guest, "status")
        elif "PRIV" in info.events and "PRIV" in ev and not pgm:
            reg = status_register(guest) if info.shows_status else None
            extra = f" {reg.text(reg.read(guest.vm, 0))}" if reg is not None else ""
            lines.append(f"{at} {name:<5} {text}{extra}")
            lines += _fields(guest, "status") if extra else []
        elif "BRANCH" in info.events and "BRANCH" in ev and not pgm \
                and new_ia != ((ia + info.length) & ((1 << 4 * digits) - 1)):
            lines.append(f"{at} {name:<5} {text}  ==> {to}")
        if "INSTRUCT" in ev and len(lines) == plain:
            lines.append(f"{at} {name:<5} {text}")     # one line per instruction
        if pgm and "PROG" in ev:
            lines.append(f"*** {at} PROG  {machine.program_code():04X}  ==> {to}")
            lines += _fields(guest, "status")
        for ln in lines:
            s.out(ln)
        if lines and not s.trace.run:
            return STOP_TRACE
        return None


def _fields(guest, role: str) -> list[str]:
    """TRACE FIELDS: the registers of ``role`` (the status register after an
    interruption or a status load, the I/O status after an I/O instruction),
    their bit fields named and decoded."""
    session = guest.session
    if not session.trace.fields:
        return []
    out = []
    for reg in guest.machine.registers:
        if reg.role == role:
            line = reg.decoded(guest.vm, 0, reg.read(guest.vm, 0))
            if line is not None:
                out.append(f"    {line}")
    return out


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
            elif abbrev(u, "FIELDS", 2):
                s.trace.fields = True
            elif abbrev(u, "NOFIELDS", 3):
                s.trace.fields = False
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
        s.trace.fields = False
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
