"""QUERY (VM/370 DMKCFC's QRYLIST; device queries in DMKCQG).

Operands in VM/370's search order with their minimum abbreviations and classes.
``Q userid`` and ``Q vaddr`` work as in VM/370. ``Q ASSIST`` is an s370vm addition
that shows every assist switch at once.
"""
from __future__ import annotations

import time

from ..backends import DEFAULT_MACHINE
from ..directory import parse_vaddr
from .logon import files_line
from .messages import CPError, account_line, stamp
from . import network
from .registry import Context, abbrev, command

#: operand, minimum, classes (in VM/370's QRYLIST order)
OPERANDS = (
    ("VIRTUAL", 1, "G"), ("STORAGE", 4, "BG"), ("DASD", 2, "BG"), ("UR", 2, "BG"),
    ("CONSOLE", 3, "BG"), ("SET", 1, "G"), ("TIME", 1, "G"), ("USERS", 1, "ABCDEFG"),
    ("NAMES", 1, "ABCDEFG"), ("USERID", 5, "G"), ("LOGMSG", 3, "ABCDEFG"), ("FILES", 1, "DG"),
    ("READER", 1, "DG"), ("RDR", 3, "DG"), ("PRINTER", 1, "DG"), ("PRT", 3, "DG"),
    ("PUNCH", 2, "DG"), ("PCH", 3, "DG"), ("CPUID", 3, "G"), ("SASSIST", 3, "AE"),
    ("CPASSIST", 3, "AE"), ("ASSIST", 2, "G"), ("NIC", 3, "G"), ("VSWITCH", 2, "BG"),
)
QUEUE_OF = {"READER": "RDR", "RDR": "RDR", "PRINTER": "PRT", "PRT": "PRT", "PUNCH": "PUN", "PCH": "PUN"}


def _terminal_name(session) -> str:
    return "DSC" if session.disconnected else session.terminal.name


def device_lines(session, dev) -> list[str]:
    """One device as QUERY VIRTUAL shows it."""
    v = f"{dev.vaddr:03X}"
    if dev.kind == "CONS":
        where = "DSC" if session.disconnected else session.terminal.name
        return [f"CONS {v} ON {where:<9} CL T NOCONT NOHOLD COPY 001    READY"]
    if dev.unit is not None:
        u = dev.unit
        cont = "CONT" if u.cont else "NOCONT"
        hold = "HOLD" if u.hold else "NOHOLD"
        if dev.kind == "RDR":
            return [f"RDR  {v} CL {u.cls} {cont} {hold} {'EOF' if u.eof else 'NOEOF'}  READY"]
        to = u.to_user or session.userid
        return [f"{dev.kind:<4} {v} CL {u.cls} {cont} {hold} COPY {u.copies:03d}    READY",
                f"     {v} FOR {u.for_user or session.userid:<8} DIST {u.dist or session.userid}"
                + (f" TO {to}" if u.to_user else "")]
    if dev.kind == "DASD" and dev.mdisk is not None:
        md = dev.mdisk
        mode = "R/O" if dev.access == "R" else "R/W"
        return [f"DASD {v} {md.devtype} {md.volser:<6} {mode} {md.count:>6} CYL"]
    if dev.kind in ("CTCA", "NIC"):
        line = network.adapter_line(session, dev.vaddr)
        if line is not None:
            return [line]
    if dev.raddr is not None:
        return [f"{dev.kind:<4} {v} ON DEV {dev.raddr:03X}" + (" R/O" if dev.access == "R" else "")]
    return [f"{dev.kind:<4} {v} {dev.devtype}"]


def file_lines(files, owner_label: str, full: bool) -> list[str]:
    head = f"{owner_label:<8} FILE CLASS RECDS    CPY HOLD"
    if full:
        head += " DATE  TIME     NAME     TYPE     DIST"
    out = [head]
    for f in files:
        line = (f"{f.origin:<8} {f.spoolid:04d} {f.cls} {f.devtype:<3} {f.nrecs:08d} {f.copies:03d} "
                f"{f.hold:<4}")
        if full:
            tm = time.localtime(f.created)
            line += (f" {time.strftime('%m/%d %H:%M:%S', tm)} {f.name:<8} {f.type:<8} {f.dist}")
        out.append(line)
    return out


def query_set(session) -> list[str]:
    """VM/370's four lines; a machine with virtualization modes adds VMMODE."""
    s = session.settings
    h = session.host.system_flags
    extra = [f"VMMODE {s['VMMODE']}"] if session.guest.machine.modes else []
    return [
        f"MSG {s['MSG']:<3}, WNG {s['WNG']:<3}, EMSG {s['EMSG']:<4}, ACNT {s['ACNT']:<3}, RUN {s['RUN']:<3}",
        f"LINEDIT {s['LINEDIT']:<3}, TIMER {s['TIMER']:<4}, ISAM {s['ISAM']:<3}, ECMODE {s['ECMODE']}",
        f"ASSIST {s['ASSIST']:<3} {s['ASSIST_SVC']} {s['ASSIST_TMR']}, PAGEX {s['PAGEX']:<3}, "
        f"AUTOPOLL {s['AUTOPOLL']}",
        f"IMSG {s['IMSG']:<3}, SMSG {s['SMSG']:<3}, STBYPASS {s['STBYPASS']}, SASSIST {h['SASSIST']}, "
        f"CPASSIST {h['CPASSIST']}",
    ] + extra


def _no_more(ctx: Context, extra: list[str]) -> None:
    """An operand after a complete QUERY is an error, not ignored."""
    if extra:
        raise ctx.error(2, extra[0])


def query_user(ctx: Context, userid: str) -> list[str]:
    if len(userid) > 8:
        raise CPError("CQG", 20)
    other = ctx.host.sessions.get(userid.upper())
    if other is None:
        raise CPError("CQG", 45, userid.upper())
    return [f"{other.userid:<8} - {_terminal_name(other)}"]


@command("QUERY")
def cmd_query(ctx: Context, args: list[str]) -> list[str]:
    if not args:
        raise ctx.error(26)
    host = ctx.host
    s = ctx.session
    word = args[0].upper()
    rest = [a.upper() for a in args[1:]]
    for name, n, classes in OPERANDS:
        if abbrev(word, name, n):
            break
    else:
        try:
            vaddr = parse_vaddr(word)
        except ValueError:
            vaddr = None
        if vaddr is not None and len(word) <= 3:
            dev = s.devices.get(vaddr)
            if dev is None:
                raise CPError("CQG", 40, f"{vaddr:03X}")
            _no_more(ctx, rest)
            return device_lines(s, dev)
        if len(word) > 8:
            raise ctx.error(2, word)            # no operand or userid is this long
        if all(c.isalnum() or c in "$#@" for c in word):
            _no_more(ctx, rest)
            return query_user(ctx, word)        # QUERY userid
        raise CPError("CFC", 1, word)
    if not s.user.has_class(classes):
        raise CPError("CFC", 1, word)
    if name == "VIRTUAL" and rest == ["NIC"]:
        name, rest = "NIC", []                  # QUERY VIRTUAL NIC (z/VM)
    if name == "VSWITCH":
        return network.query_vswitch(s, rest)
    if name not in QUEUE_OF:
        _no_more(ctx, rest[1:] if name == "USERS" else rest)     # Q USERS [userid]
    if name == "NIC":
        return network.query_nic(s)
    if name == "TIME":
        now = host.clock()
        virt = s.guest.virt_seconds
        return [f"TIME IS {stamp(now)}",
                account_line(now - s.logon_time, virt, virt + s.cp_seconds)]
    if name == "USERS":
        if rest:
            return query_user(ctx, rest[0])
        from ..tn3270.dialled import dialled_count      # 3270s given to guests with DIAL
        return [f"{host.users_count():03d} USERS, {dialled_count(host):03d} DIALED"]
    if name == "NAMES":
        entries = [f"{u.userid:<8} - {_terminal_name(u)}" for u in
                   sorted(host.sessions.values(), key=lambda x: x.userid)]
        return [" , ".join(entries[i:i + 4]) for i in range(0, len(entries), 4)]
    if name == "USERID":
        return [f"{s.userid} AT {host.SYSTEM_NAME}"]
    if name == "LOGMSG":
        return [f"LOGMSG - {ln}" for ln in host.logmsg] or ["NO LOGMSG"]
    if name == "FILES":
        return [files_line(host, s.userid) or "FILES: NO RDR,  NO PRT,  NO PUN"]
    if name in QUEUE_OF:
        q = QUEUE_OF[name]
        full = "ALL" in rest
        files = host.spool.queue(s.userid, q)
        for r in rest:
            if r == "ALL":
                continue
            if r.isdigit():
                files = [f for f in files if f.spoolid == int(r)]
                full = True
                if not files:
                    raise CPError("CQG", 42, f"{int(r):04d}")
            else:
                raise ctx.error(2, r)
        if not files:
            return [f"NO {q} FILES"]
        return file_lines(files, "ORIGINID", full)
    if name == "STORAGE":
        return [f"STORAGE = {s.guest.size // 1024:05d}K"]
    if name == "SET":
        return query_set(s)
    if name in ("SASSIST", "CPASSIST"):
        return [f"{name} {host.system_flags[name]}"]
    if name == "ASSIST":
        st = s.settings
        detail = getattr(s.guest, "query_assist", lambda: [])()
        return detail or [f"ASSIST {st['ASSIST']} {st['ASSIST_SVC']} {st['ASSIST_TMR']}, STBYPASS {st['STBYPASS']}, "
                f"SASSIST {host.system_flags['SASSIST']}, CPASSIST {host.system_flags['CPASSIST']}"]
    if name == "CPUID":
        return [f"CPUID = {getattr(s.guest.vm.cpu, 'cpuid', 0):016X}"]
    kinds = {"VIRTUAL": None, "DASD": ("DASD",), "UR": ("RDR", "PUN", "PRT"), "CONSOLE": ("CONS",)}[name]
    out = [f"STORAGE = {s.guest.size // 1024:05d}K"] if name == "VIRTUAL" else []
    machine = s.guest.machine
    if name == "VIRTUAL" and machine.machine != DEFAULT_MACHINE:
        out.append(f"MACHINE {machine.machine}" + (f", VMMODE {s.settings['VMMODE']}"
                                                    if machine.modes else ""))
    order = {"CONS": 0, "RDR": 1, "PUN": 2, "PRT": 3}
    for dev in sorted(s.devices.values(), key=lambda d: (order.get(d.kind, 9), d.vaddr)):
        if kinds is None or dev.kind in kinds:
            out += device_lines(s, dev)
    if not out:
        return [f"NO {name} DEVICES"] if name != "VIRTUAL" else []
    return out
