"""SPOOL, CLOSE, TRANSFER, PURGE, ORDER and CHANGE (VM/370 DMKCSP, DMKCSQ,
DMKCSV, DMKCSU): the user's view of the spool (cp/spool.py)."""
from __future__ import annotations

from ..backends.shared import to_ebcdic
from ..directory import parse_vaddr
from .registry import Context, abbrev, command

DEVICE_WORDS = {"RDR": "RDR", "READER": "RDR", "PRT": "PRT", "PRINTER": "PRT", "PUN": "PUN",
                "PUNCH": "PUN", "PCH": "PUN"}


def _device(ctx: Context, word: str):
    """The virtual device a SPOOL/CLOSE operand names: vaddr, RDR/PRT/PUN or
    CONSOLE (returns "CONS" for the console)."""
    u = word.upper()
    if abbrev(u, "CONSOLE", 3):
        return "CONS"
    s = ctx.session
    if u in DEVICE_WORDS:
        dev = s.unit(DEVICE_WORDS[u])
        if dev is None:
            raise ctx.error(40, u)
        return dev
    try:
        vaddr = parse_vaddr(u)
    except ValueError:
        raise ctx.error(22) from None
    dev = s.devices.get(vaddr)
    if dev is None:
        raise ctx.error(40, f"{vaddr:03X}")
    if dev.kind == "CONS":
        return "CONS"
    if dev.unit is None:
        raise ctx.error(22)
    return dev


def _class(ctx: Context, word: str | None, reader: bool) -> str:
    if word is None or len(word) != 1 or not (word.isalnum() or (word == "*" and reader)):
        raise ctx.error(28)
    return word.upper()


def _userid(ctx: Context, word: str | None) -> str:
    if word is None:
        raise ctx.error(20)
    u = word.upper()
    if u == "*":
        return ctx.session.userid
    if ctx.host.directory.get(u) is None:
        raise ctx.error(20)
    return u


@command("SPOOL")
def cmd_spool(ctx: Context, args: list[str]) -> list[str]:
    """``SPool {vaddr|RDR|PRT|PUN|CONsole} [CLass c] [CONT|NOCont] [HOld|NOHold]
    [COpy nnn] [EOF|NOEOF] [TO userid|TO *|OFF] [FOR userid] [KEEP|NOKEEP] [START|STOP]``."""
    if not args:
        raise ctx.error(22)
    dev = _device(ctx, args[0])
    s = ctx.session
    it = iter(args[1:])
    if dev == "CONS":
        out: list[str] = []
        for a in it:
            if abbrev(a, "START", 5):
                if s.console_spool is None:
                    s.console_spool = []
            elif abbrev(a, "STOP", 4):
                out += _close_console(ctx)
            else:
                raise ctx.error(3, a.upper())
        return out
    u = dev.unit
    reader = u.queue == "RDR"
    for a in it:
        w = a.upper()
        if abbrev(w, "CLASS", 2):
            u.cls = _class(ctx, next(it, None), reader)
        elif abbrev(w, "CONT", 2):
            u.cont = True
        elif abbrev(w, "NOCONT", 3):
            u.cont = False
        elif abbrev(w, "HOLD", 2):
            u.hold = True
        elif abbrev(w, "NOHOLD", 3):
            u.hold = False
        elif abbrev(w, "COPY", 2):
            n = next(it, None)
            if n is None or not n.isdigit() or not 1 <= int(n) <= 255:
                raise ctx.error(29)
            u.copies = int(n)
        elif w == "EOF":
            u.eof = True
        elif abbrev(w, "NOEOF", 3):
            u.eof = False
        elif w == "KEEP" and reader:
            u.keep = True
        elif abbrev(w, "NOKEEP", 3) and reader:
            u.keep = False
        elif w == "TO" and not reader:
            u.to_user = _userid(ctx, next(it, None))
            if u.to_user == s.userid:
                u.to_user = s.userid
        elif w == "OFF" and not reader:
            u.to_user = None
        elif w == "FOR" and not reader:
            u.for_user = _userid(ctx, next(it, None))
        else:
            raise ctx.error(3, w)
    return []


def _close_console(ctx: Context) -> list[str]:
    s = ctx.session
    lines, s.console_spool = s.console_spool, None
    if not lines:
        return []
    f = ctx.host.spool.create(s.userid, "PRT", s.userid, "CON", [to_ebcdic(ln) for ln in lines],
                              cls="T")
    return [f"CON FILE {f.spoolid:04d} TO {s.userid:<8} COPY 001 NOHOLD"]


def announce(host, f) -> None:
    """Tell a logged-on receiver that a file arrived in their reader."""
    target = host.sessions.get(f.owner)
    if target is not None and f.queue == "RDR":
        target.out(f"RDR FILE {f.spoolid:04d} FROM {f.origin:<8} {f.devtype} WAS {f.spoolid:04d} "
                   f"RECS {f.nrecs:06d} CPY {f.copies:03d} {f.cls} {'HOLD' if f.held else 'NOHOLD'}")


@command("CLOSE")
def cmd_close(ctx: Context, args: list[str]) -> list[str]:
    """``Close {vaddr|RDR|PRT|PUN|CONsole} [HOld|NOHold] [PURge] [NAme fn ft] [DIST code]``."""
    if not args:
        raise ctx.error(22)
    dev = _device(ctx, args[0])
    hold = None
    purge = False
    name = type_ = dist = None
    it = iter(args[1:])
    for a in it:
        w = a.upper()
        if abbrev(w, "HOLD", 2):
            hold = True
        elif abbrev(w, "NOHOLD", 3):
            hold = False
        elif abbrev(w, "PURGE", 3):
            purge = True
        elif abbrev(w, "NAME", 2):
            name, type_ = next(it, "").upper()[:8], next(it, "").upper()[:8]
            if not name:
                raise ctx.error(26)
        elif abbrev(w, "DIST", 4):
            dist = next(it, None)
            if dist is None or len(dist) > 8:
                raise ctx.error(32)
            dist = dist.upper()
        else:
            raise ctx.error(3, w)
    if dev == "CONS":
        return _close_console(ctx)
    host = ctx.host
    u = dev.unit
    if purge:
        if u.queue == "RDR":
            if u.reading is not None:
                host.spool.purge(u.reading)
            u.reading, u.read_pos = None, 0
        else:
            u.open_records = []
        return []
    f = u.close(host.spool, hold=hold, name=name, type=type_, dist=dist)
    if f is None:
        return []
    announce(host, f)
    return [f"{u.queue} FILE {f.spoolid:04d} TO {f.owner:<8} COPY {f.copies:03d} "
            f"{'HOLD' if f.held else 'NOHOLD'}"]


def _select(ctx: Context, args: list[str], default_queues: tuple[str, ...], allow_all: bool = True):
    """Parse ``[RDR|PRT|PUN] {spoolid...|CLass c|ALL}``; returns (files, rest)."""
    s = ctx.session
    spool = ctx.host.spool
    queues = default_queues
    if args and args[0].upper() in DEVICE_WORDS:
        queues = (DEVICE_WORDS[args[0].upper()],)
        args = args[1:]
    if not args:
        raise ctx.error(26)
    mine = [f for q in queues for f in spool.queue(s.userid, q)]
    w = args[0].upper()
    if w == "ALL" and allow_all:
        return mine, args[1:]
    if abbrev(w, "CLASS", 2):
        c = _class(ctx, args[1] if len(args) > 1 else None, False)
        return [f for f in mine if f.cls == c], args[2:]
    files = []
    i = 0
    while i < len(args) and args[i].isdigit():
        sid = int(args[i])
        f = next((g for g in mine if g.spoolid == sid), None)
        if f is None:
            raise ctx.error(42, f"{sid:04d}")
        files.append(f)
        i += 1
    if not files:
        raise ctx.error(31)
    return files, args[i:]


@command("PURGE")
def cmd_purge(ctx: Context, args: list[str]) -> list[str]:
    """``PURge [RDR|PRT|PUN] {spoolid...|CLass c|ALL}``."""
    files, rest = _select(ctx, args, ("RDR", "PRT", "PUN"))
    if rest:
        raise ctx.error(2, rest[0].upper())
    for f in files:
        ctx.host.spool.purge(f)
    return [f"{len(files):04d} FILE{'S' if len(files) != 1 else ''} PURGED"]


@command("TRANSFER")
def cmd_transfer(ctx: Context, args: list[str]) -> list[str]:
    """``TRANsfer [RDR|PRT|PUN] {spoolid|CLass c|ALL} [TO] userid``: into the
    target's reader."""
    files, rest = _select(ctx, args, ("RDR",))
    if rest and rest[0].upper() == "TO":
        rest = rest[1:]
    if len(rest) != 1:
        raise ctx.error(20)
    target = _userid(ctx, rest[0])
    out = []
    for f in files:
        q = f.queue
        ctx.host.spool.transfer(f, target, "RDR")
        announce(ctx.host, f)
        out.append(f"{q} FILE {f.spoolid:04d} TRANSFERRED TO {target}")
    return out


@command("ORDER")
def cmd_order(ctx: Context, args: list[str]) -> list[str]:
    """``ORDer [RDR|PRT|PUN] spoolid|CLass c ...``: these first, in this order."""
    s = ctx.session
    queue = "RDR"
    if args and args[0].upper() in DEVICE_WORDS:
        queue = DEVICE_WORDS[args[0].upper()]
        args = args[1:]
    if not args:
        raise ctx.error(26)
    mine = ctx.host.spool.queue(s.userid, queue)
    chosen = []
    it = iter(args)
    for a in it:
        w = a.upper()
        if abbrev(w, "CLASS", 2):
            c = _class(ctx, next(it, None), False)
            chosen += [f for f in mine if f.cls == c and f not in chosen]
        elif w.isdigit():
            f = next((g for g in mine if g.spoolid == int(w)), None)
            if f is None:
                raise ctx.error(42, f"{int(w):04d}")
            if f not in chosen:
                chosen.append(f)
        else:
            raise ctx.error(2, w)
    ctx.host.spool.order(chosen)
    return []


@command("CHANGE")
def cmd_change(ctx: Context, args: list[str]) -> list[str]:
    """``CHange [RDR|PRT|PUN] {spoolid|CLass c|ALL} [CLass c] [COpy nnn]
    [HOld|NOHold] [NAme fn ft] [DIST code]``."""
    files, rest = _select(ctx, args, ("RDR", "PRT", "PUN"))
    attrs: dict = {}
    it = iter(rest)
    for a in it:
        w = a.upper()
        if abbrev(w, "CLASS", 2):
            attrs["cls"] = _class(ctx, next(it, None), False)
        elif abbrev(w, "COPY", 2):
            n = next(it, None)
            if n is None or not n.isdigit() or not 1 <= int(n) <= 255:
                raise ctx.error(29)
            attrs["copies"] = int(n)
        elif abbrev(w, "HOLD", 2):
            attrs["hold"] = "USER"
        elif abbrev(w, "NOHOLD", 3):
            attrs["hold"] = "NONE"
        elif abbrev(w, "NAME", 2):
            attrs["name"] = next(it, "").upper()[:8]
            attrs["type"] = next(it, "").upper()[:8]
        elif abbrev(w, "DIST", 4):
            d = next(it, None)
            if d is None or len(d) > 8:
                raise ctx.error(32)
            attrs["dist"] = d.upper()
        else:
            raise ctx.error(3, w)
    if not attrs:
        raise ctx.error(26)
    for f in files:
        ctx.host.spool.change(f, **attrs)
    return [f"{len(files):04d} FILE{'S' if len(files) != 1 else ''} CHANGED"]
