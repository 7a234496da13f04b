"""COUPLE, DEFINE NIC, QUERY NIC and QUERY VSWITCH: the user's network adapters
(cp/network.py) and CP's virtual switches (cp/vswitch.py, cp/nat.py).

``COUPLE vaddr1 [TO] userid vaddr2`` is VM/370's (DMKDIB): it wires two
virtual CTCAs, answering ``CTCA vaddr1 COUPLE TO userid vaddr2`` and telling
the other user ``CTCA vaddr2 COUPLE BY userid vaddr1`` (after ``CTCA vaddr1
DROP userid vaddr2`` when vaddr1 was coupled before). ``COUPLE vaddr [TO]
SYSTEM switchname`` is z/VM's form, for a NIC or a CTCA that is to carry
Ethernet frames; ``DEFINE NIC vaddr [TYPE type]`` is z/VM's too, with the
machine's own card types. Errors are VM/370 messages; "no such switch" takes
z/VM's message number (HCP2850E), VM/370 having had none.
"""
from __future__ import annotations

from .. import network
from ..backends import MachineError
from ..directory import parse_vaddr
from ..netpacket import ip_text, mac_text
from .context import VDev
from .messages import CPError
from .registry import Context, command


def _vaddr(ctx: Context, text: str | None) -> int:
    if text is None:
        raise ctx.error(22)
    try:
        return parse_vaddr(text)
    except ValueError:
        raise ctx.error(22) from None


def define_nic(ctx: Context, args: list[str]) -> list[str]:
    """``DEFINE NIC vaddr [TYPE type]`` (``args`` after NIC)."""
    s = ctx.session
    vaddr = _vaddr(ctx, args[0] if args else None)
    rest = [a.upper() for a in args[1:]]
    types = getattr(s.guest.machine, "nic_types", ())
    type_ = types[0] if types else None
    if rest and rest[0] == "TYPE":
        if len(rest) < 2:
            raise ctx.error(26)
        type_ = rest[1]
        rest = rest[2:]
    if rest:
        raise ctx.error(2, rest[0])
    if type_ not in types:
        raise ctx.error(2, type_ or "NIC")
    if vaddr in s.devices:
        raise ctx.error(43, f"{vaddr:03X}")
    try:
        network.define(s.guest.vm, vaddr, "NIC", type_)
    except MachineError:
        raise ctx.error(46, f"{vaddr:03X}") from None        # the PC's one card is in use
    dev = s.devices[vaddr] = VDev(vaddr, "NIC", type_)
    s.device_added(dev)
    return [f"NIC {vaddr:03X} DEFINED"]


def _adapter(ctx: Context, session, vaddr: int) -> network.Adapter:
    dev = session.devices.get(vaddr)
    if dev is None:
        raise ctx.error(40, f"{vaddr:03X}")
    a = session.guest.vm.adapters.get(vaddr)
    if a is None:
        raise ctx.error(46, f"{vaddr:03X}")         # not a CTCA or NIC (or no data path)
    return a


@command("COUPLE")
def cmd_couple(ctx: Context, args: list[str]) -> list[str]:
    """``COUPLE vaddr1 [To] userid vaddr2`` and ``COUPLE vaddr [To] SYSTEM name``."""
    s = ctx.session
    a = [x.upper() for x in args]
    v1 = _vaddr(ctx, a[0] if a else None)
    rest = a[1:]
    if rest and rest[0] in ("TO", "T"):
        rest = rest[1:]
    if not rest:
        raise ctx.error(20)
    mine = _adapter(ctx, s, v1)
    before = mine.partner
    if rest[0] == "SYSTEM":
        if len(rest) < 2:
            raise ctx.error(26)
        if len(rest) > 2:
            raise ctx.error(2, rest[2])
        if rest[1] not in s.guest.vm.system.switches:
            raise ctx.error(2850, rest[1])
        try:
            network.couple_switch(s.guest.vm, v1, rest[1])
        except MachineError:
            raise ctx.error(46, f"{v1:03X}") from None
        out = _dropped(ctx, mine.kind, v1, before)
        return out + [f"{mine.kind} {v1:03X} COUPLE TO SYSTEM {rest[1]}"]
    userid = s.userid if rest[0] == "*" else rest[0]
    if len(userid) > 8:
        raise ctx.error(20)
    other = ctx.host.sessions.get(userid)
    if other is None:
        raise ctx.error(45, userid)
    v2 = _vaddr(ctx, rest[1] if len(rest) > 1 else None)
    if len(rest) > 2:
        raise ctx.error(2, rest[2])
    theirs = _adapter(ctx, other, v2)
    if (other is s and v1 == v2) or mine.kind != "CTCA" or theirs.kind != "CTCA":
        raise ctx.error(46, f"{(v2 if mine.kind == 'CTCA' else v1):03X}")
    network.couple_ctca(s.guest.vm, v1, other.guest.vm, v2)
    out = _dropped(ctx, "CTCA", v1, before)
    if other is not s:
        other.out(f"CTCA {v2:03X} COUPLE BY {s.userid} {v1:03X}")
    return out + [f"CTCA {v1:03X} COUPLE TO {other.userid} {v2:03X}"]


def _dropped(ctx: Context, kind: str, vaddr: int, before) -> list[str]:
    """VM/370's notice that the old link of ``vaddr`` is gone."""
    if before is None or before[0] not in ctx.host.sessions:
        return []
    return [f"{kind} {vaddr:03X} DROP {before[0]} {before[1]:03X}"]


def query_nic(session) -> list[str]:
    """QUERY NIC / QUERY VIRTUAL NIC: the user's NICs and CTCAs, by address."""
    vm = session.guest.vm
    lines = [network.describe(vm, a) for _, a in sorted(vm.adapters.items())
             if a.kind == "NIC"]
    return lines or ["NO NIC DEVICES"]


def adapter_line(session, vaddr: int) -> str | None:
    """QUERY VIRTUAL's line for a CTCA or NIC (None: the device has no adapter)."""
    vm = session.guest.vm
    a = vm.adapters.get(vaddr)
    return None if a is None else network.describe(vm, a)


def query_vswitch(session, names: list[str]) -> list[str]:
    """QUERY VSWITCH [name]: each switch's ports, counters, MAC table and NAT."""
    system = session.guest.vm.system
    chosen = names or sorted(system.switches)
    out = []
    for name in chosen:
        sw = system.switches.get(name)
        if sw is None:
            raise CPError("CQG", 2850, name)
        c = sw.counters
        out.append(f"VSWITCH SYSTEM {sw.name} PORTS {len(sw.ports)} FRAMES {c['frames']} "
                   f"FLOODED {c['flooded']} BROADCAST {c['broadcast']} AGED {c['aged']}")
        for port in sw.ports:
            where = f" MAC {mac_text(port.mac)} IP {ip_text(port.ip)}" if port.ip else ""
            out.append(f"  PORT {port.name}{where}")
        for mac, port, age in sw.table():
            out.append(f"  MAC {mac} ON {port} AGE {age}")
        nat = sw.nat
        if nat is not None:
            out.append(f"  NAT {ip_text(nat.outside_ip)} ENTRIES {len(nat.entries)}"
                       + "".join(f" {k.upper()} {v}" for k, v in nat.counters.items() if v))
    return out
