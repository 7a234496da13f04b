"""DEFINE, ATTACH, DETACH and LINK: changing a virtual machine's configuration
(VM/370 DMKDEF, DMKVDA, DMKVDD, DMKLNK).

Minidisk links follow VM/370's access modes: R (read, unless someone writes), RR
(read regardless), W (write, only when nobody else is linked), WR (write, else
read), M (write unless another writer), MR (M, else read), MW (write regardless).
"""
from __future__ import annotations

from ..directory import (LINK_MODES, Minidisk, check_mdisk_password, parse_storage,
                         parse_vaddr)
from ..spool import VirtualUnitRecord
from . import network, trace
from .context import VDev
from .messages import CPError
from .registry import Context, abbrev, command

#: DEFINE device keywords -> (kind, devtype, minimum abbreviation)
DEFINE_KINDS = (("PRINTER", "PRT", "1403", 2), ("PUNCH", "PUN", "2540", 2), ("READER", "RDR", "2540", 1),
                ("PRT", "PRT", "1403", 3), ("PUN", "PUN", "2540", 3), ("RDR", "RDR", "2540", 3),
                ("CONSOLE", "CONS", "3215", 3), ("GRAF", "GRAF", "3270", 2), ("CTCA", "CTCA", "CTCA", 4),
                ("TIMER", "TIMER", "TIMER", 3))


#: Temporary-disk types of VM/370 R6 DEFINE and their cylinders (a whole
#: 2305-2, 2314, 3330-1, 3340-70 and 3350: IBM's device figures).
TDISK_CYLINDERS = {"2305": 96, "2314": 200, "3330": 404, "3340": 696, "3350": 555}


def _vaddr(ctx: Context, text: str | None) -> int:
    if text is None:
        raise ctx.error(22)
    try:
        return parse_vaddr(text)
    except ValueError:
        raise ctx.error(22) from None


def register_own(session) -> list[str]:
    """At logon: count the user's own minidisks as linked, and make the
    directory's automatic LINKs (their failures are reported, logon goes on)."""
    host = session.host
    for d in session.devices.values():
        if d.mdisk is not None:
            host.links.setdefault((session.userid, d.vaddr), {})[session.userid] = d.access
    out = []
    for ln in session.user.links:
        try:
            out += link(session, ln.userid, ln.vaddr1, ln.vaddr2, ln.mode, None, directory=True)
        except CPError as err:
            out.append(err.line(session.settings["EMSG"]))
    return [o for o in out if o]


def release(session) -> None:
    """At logoff: drop the user's links and attached real devices."""
    host = session.host
    for who in host.links.values():
        who.pop(session.userid, None)
    for raddr, (uid, _) in list(host.attached.items()):
        if uid == session.userid:
            del host.attached[raddr]


def link(session, owner: str, vaddr1: int, vaddr2: int, mode: str, password: str | None,
         directory: bool = False) -> list[str]:
    host = session.host
    owner = session.userid if owner == "*" else owner.upper()
    entry = host.directory.get(owner)
    md = entry.mdisks.get(vaddr1) if entry is not None else None
    if md is None:
        raise CPError("LNK", 107, owner, f"{vaddr1:03X}")
    if vaddr2 in session.devices:
        raise CPError("LNK", 110, owner, f"{vaddr1:03X}", f"{vaddr2:03X}")
    mode = mode or (md.mode if owner == session.userid else "R")
    if mode not in LINK_MODES:
        raise CPError("LNK", 2, mode)
    if owner != session.userid and not directory:
        kind = {"R": "R", "RR": "R", "W": "W", "WR": "W"}.get(mode, "M")
        stored = md.password_for(kind)
        if stored is None:
            raise CPError("LNK", 113, owner, f"{vaddr1:03X}", {"R": "READ", "W": "WRITE", "M": "MULT"}[kind])
        if not check_mdisk_password(stored, password):
            raise CPError("LNK", 111, owner, f"{vaddr1:03X}")
    users = host.links.setdefault((owner, vaddr1), {})
    others = {u: a for u, a in users.items() if u != session.userid}
    writer = next((u for u, a in others.items() if a == "W"), None)
    readers = sum(1 for a in others.values() if a == "R")
    out: list[str] = []
    access = "W" if mode[0] in "WM" else "R"
    if mode == "R" and writer:
        raise CPError("LNK", 104, owner, f"{vaddr1:03X}", writer)
    if mode == "W" and others:
        if writer:
            raise CPError("LNK", 104, owner, f"{vaddr1:03X}", writer)
        raise CPError("LNK", 105, owner, f"{vaddr1:03X}", f"{readers:03d}")
    if mode == "M" and writer:
        raise CPError("LNK", 104, owner, f"{vaddr1:03X}", writer)
    if mode == "WR" and others:
        access = "R"
        out.append(f"DASD {vaddr2:03X} LINKED R/O; R/W BY {writer}" if writer
                   else CPError("LNK", 101, f"{vaddr2:03X}", f"{readers:03d}").line(session.settings["EMSG"]))
    if mode == "MR" and writer:
        access = "R"
        out.append(f"DASD {vaddr2:03X} LINKED R/O; R/W BY {writer}")
    if mode in ("RR", "R") and writer is None:
        access = "R"
    users[session.userid] = access
    dev = session.devices[vaddr2] = VDev(vaddr2, "DASD", md.devtype, mdisk=md, owner=owner, access=access)
    session.device_added(dev)
    return out


@command("LINK")
def cmd_link(ctx: Context, args: list[str]) -> list[str]:
    """``LINK [To] userid vaddr1 [As] vaddr2 [mode] [[PASS=] password]``."""
    a = list(args)
    if a and a[0].upper() in ("TO", "T"):
        a = a[1:]
    if not a:
        raise ctx.error(20)
    owner = a[0].upper()
    if len(a) < 2:
        raise ctx.error(22)
    vaddr1 = _vaddr(ctx, a[1])
    rest = a[2:]
    if rest and rest[0].upper() in ("AS", "A"):
        rest = rest[1:]
    vaddr2 = _vaddr(ctx, rest[0] if rest else None)
    rest = rest[1:]
    mode = ""
    if rest and rest[0].upper() in LINK_MODES:
        mode = rest[0].upper()
        rest = rest[1:]
    elif rest and not rest[0].upper().startswith("PASS="):
        raise ctx.error(2, rest[0].upper())     # the mode's place: not a mode (a password needs one or PASS=)
    password = None
    if rest:
        p = rest[0]
        used = 1
        if p.upper().startswith("PASS="):
            p = p[5:]
            if not p and len(rest) > 1:
                p, used = rest[1], 2
        password = p
        if len(rest) > used:
            raise ctx.error(2, rest[used].upper())
    if owner != "*" and ctx.host.directory.get(owner) is None:
        raise CPError("LNK", 107, owner, f"{vaddr1:03X}")
    kind = None if vaddr2 in ctx.session.devices else _password_kind(ctx.session, owner, vaddr1, mode)
    if password is None and kind is not None and ctx.terminal is not None and not ctx.from_guest:
        session = ctx.session

        def answer(pw: str) -> list[str]:
            try:
                return link(session, owner, vaddr1, vaddr2, mode, pw)
            except CPError as err:
                line = err.line(session.settings["EMSG"])
                return [line] if line else []
        ctx.terminal.pending_prompt = answer
        return [f"ENTER {kind} PASSWORD:"]
    return link(ctx.session, owner, vaddr1, vaddr2, mode, password)


def _password_kind(session, owner: str, vaddr1: int, mode: str) -> str | None:
    """READ, WRITE or MULT when this link needs a password typed, else None
    (own disks, password ALL, or a link that will fail for another reason)."""
    if owner in ("*", session.userid):
        return None
    entry = session.host.directory.get(owner)
    md = entry.mdisks.get(vaddr1) if entry is not None else None
    if md is None:
        return None
    kind = {"R": "R", "RR": "R", "W": "W", "WR": "W"}.get(mode or "R", "M")
    stored = md.password_for(kind)
    if stored is None or stored.upper() == "ALL":
        return None
    return {"R": "READ", "W": "WRITE", "M": "MULT"}[kind]


@command("DEFINE")
def cmd_define(ctx: Context, args: list[str]) -> list[str]:
    """``DEFine STORage nnnK|nnM``, ``DEFine vaddr1 [AS] vaddr2``,
    ``DEFine {PRinter|PUnch|Reader|CONsole|GRAF|CTCA|TIMER} vaddr``,
    ``DEFine T3330|T2314|... vaddr [CYL] nnn`` (temporary disk),
    ``DEFine NIC vaddr [TYPE type]`` (commands/network.py)."""
    s = ctx.session
    if not args:
        raise ctx.error(26)
    w = args[0].upper()
    if w == "NIC":
        return network.define_nic(ctx, args[1:])
    if abbrev(w, "STORAGE", 4):
        if len(args) != 2:
            raise CPError("DEF", 25)
        try:
            size = parse_storage(args[1])
        except ValueError:
            raise CPError("DEF", 25) from None
        if size > s.user.maxstorage:
            raise CPError("DEF", 25)
        s.guest.set_storage(size)
        s.running = False
        s.ipled = False
        trace.update(s)
        return [f"STORAGE = {size // 1024:05d}K"]
    for name, kind, devtype, n in DEFINE_KINDS:
        if abbrev(w, name, n):
            vaddr = _vaddr(ctx, args[1] if len(args) > 1 else None)
            if len(args) > 2:
                raise ctx.error(2, args[2].upper())
            if vaddr in s.devices:
                raise ctx.error(43, f"{vaddr:03X}")
            unit = spool = None
            if kind in ("PRT", "PUN", "RDR"):
                unit = VirtualUnitRecord(vaddr, kind, devtype, s.userid, cls="*" if kind == "RDR" else "A")
                spool = ctx.host.spool
            dev = s.devices[vaddr] = VDev(vaddr, kind, devtype, unit=unit, spool=spool)
            s.device_added(dev)
            return [f"{kind} {vaddr:03X} DEFINED"]
    if w.startswith("T") and len(w) == 5 and w[1:].isdigit():
        if w[1:] not in TDISK_CYLINDERS:
            raise ctx.error(2, w)               # the type is wrong, not the address
        vaddr = _vaddr(ctx, args[1] if len(args) > 1 else None)
        rest = [x.upper() for x in args[2:]]
        if rest and abbrev(rest[0], "CYL", 3):
            rest = rest[1:]
        if not rest or not rest[0].isdigit() or not 0 < int(rest[0]) <= TDISK_CYLINDERS[w[1:]]:
            raise ctx.error(24)
        if len(rest) > 1:
            raise ctx.error(2, rest[1])
        if vaddr in s.devices:
            raise ctx.error(43, f"{vaddr:03X}")
        md = Minidisk(vaddr, w[1:], 0, int(rest[0]), "(TEMP)", "W")
        dev = s.devices[vaddr] = VDev(vaddr, "DASD", w[1:], mdisk=md, owner=s.userid, access="W")
        s.device_added(dev)
        return [f"DASD {vaddr:03X} DEFINED"]
    # DEFINE vaddr1 [AS] vaddr2: renumber
    old = _vaddr(ctx, args[0])
    rest = args[1:]
    if rest and rest[0].upper() == "AS":
        rest = rest[1:]
    new = _vaddr(ctx, rest[0] if rest else None)
    if old not in s.devices:
        raise ctx.error(40, f"{old:03X}")
    if new in s.devices:
        raise ctx.error(43, f"{new:03X}")
    dev = s.devices.pop(old)
    s.device_removed(old)
    dev.vaddr = new
    if dev.unit is not None:
        dev.unit.vaddr = new
    s.devices[new] = dev
    s.device_added(dev)
    return [f"{dev.kind} {new:03X} DEFINED"]


@command("ATTACH")
def cmd_attach(ctx: Context, args: list[str]) -> list[str]:
    """``ATTach raddr [TO] userid [AS] vaddr [R/O]`` (class B): give a real device
    to a logged-on user."""
    host = ctx.host
    a = [x.upper() for x in args]
    if not a:
        raise ctx.error(21)
    try:
        raddr = parse_vaddr(a[0])
    except ValueError:
        raise ctx.error(21) from None
    rest = a[1:]
    if rest and rest[0] == "TO":
        rest = rest[1:]
    if not rest:
        raise ctx.error(20)
    userid = rest[0]
    rest = rest[1:]
    if rest and rest[0] == "AS":
        rest = rest[1:]
    if raddr not in host.real_devices:
        raise ctx.error(40, f"{raddr:03X}")
    if raddr in host.attached:
        raise ctx.error(44, f"{raddr:03X}", host.attached[raddr][0])
    target = host.sessions.get(userid)
    if target is None:
        raise ctx.error(45, userid)
    vaddr = _vaddr(ctx, rest[0]) if rest else raddr
    if vaddr in target.devices:
        raise ctx.error(43, f"{vaddr:03X}")
    kind, devtype = host.real_devices[raddr][:2]
    dev = target.devices[vaddr] = VDev(vaddr, kind, devtype, raddr=raddr,
                                       access="R" if "R/O" in rest else "W")
    target.device_added(dev)
    host.attached[raddr] = (target.userid, vaddr)
    if target is not ctx.session:
        target.out(f"{kind} {vaddr:03X} ATTACHED")
    return [f"{kind} {raddr:03X} ATTACHED TO {target.userid}"]


@command("DETACH")
def cmd_detach(ctx: Context, args: list[str]) -> list[str]:
    """``DETach vaddr [vaddr...] | vaddr-vaddr``."""
    s = ctx.session
    host = ctx.host
    if not args:
        raise ctx.error(22)
    targets: list[int] = []
    ranged = len(args) > 1
    for a in args:
        if "-" in a:
            lo, hi = a.split("-", 1)
            first, last = _vaddr(ctx, lo), _vaddr(ctx, hi)
            if last < first:
                raise ctx.error(22)
            targets += [v for v in range(first, last + 1) if v in s.devices]
            ranged = True
        else:
            v = _vaddr(ctx, a)
            if v not in s.devices:
                raise ctx.error(40, f"{v:03X}")
            targets.append(v)
    out = []
    for v in dict.fromkeys(targets):            # DETACH 00C 00C: once
        dev = s.devices[v]
        if dev.unit is not None:
            dev.unit.close(host.spool)
        del s.devices[v]
        s.device_removed(v)
        if dev.mdisk is not None and dev.owner is not None:
            host.links.get((dev.owner, dev.mdisk.vaddr), {}).pop(s.userid, None)
        if dev.raddr is not None:
            host.attached.pop(dev.raddr, None)
        if not ranged:
            out.append(f"{dev.kind} {v:03X} DETACHED")
    if ranged:
        out.append("DETACHED " + " ".join(f"{v:03X}" for v in targets))
    return out
