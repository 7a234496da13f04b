"""Virtual network adapters of virtual machines and what they are coupled to:
the CP side of DEFINE CTCA, DEFINE NIC, COUPLE and QUERY NIC (cp/commands/
network.py), and of the directory's NICDEF and SPECIAL ... CTCA statements.

An adapter is a VM's channel-to-channel adapter (``kind`` CTCA, VM/370's
DEFINE CTCA) or network card (``kind`` NIC, z/VM's DEFINE NIC; its ``type`` is
the device the VM's machine has for it: on S/370 a CTCA whose far side is a
switch, on IA-32 the project's network card). COUPLE links two CTCAs (VM/370)
or puts an adapter on a port of one of CP's virtual switches (z/VM's COUPLE
... TO SYSTEM switchname; cp/vswitch.py). The devices themselves are the
backend's (``add_ctca``, ``add_nic``, ``couple``, ``couple_switch``); this
module keeps the records QUERY shows and hands out addresses:

* MAC addresses 02-00-01-nn-nn-nn (locally administered, IEEE 802 bit 1 of
  the first byte; z/VM's MACPREFIX works the same way), ``nn-nn-nn`` the next
  free number or the directory's MACID;
* IPv4 addresses on the switch's NAT network from 10.0.2.15 upwards (the
  first address QEMU's user network gives a guest), unless one is given. The
  switch holds a port to exactly these addresses (no forging).
"""
from __future__ import annotations

from dataclasses import dataclass

from .backends import MachineError
from .netpacket import ip_text, mac_text

MAC_PREFIX = bytes((0x02, 0x00, 0x01))
FIRST_HOST, LAST_HOST = 15, 254


@dataclass
class Adapter:
    """One adapter of a VM: VM/370's VDEV extension for a CTCA, z/VM's NICBK."""
    vaddr: int
    kind: str                       # CTCA or NIC
    type: str                       # the device: CTCA, NETCARD
    mac: bytes
    ip: bytes | None = None
    switch: object = None           # cp.vswitch.VSwitch when coupled to one
    port: object = None             # its cp.vswitch.Port
    partner: tuple[str, int] | None = None      # a coupled CTCA: (userid, vaddr)


def _all(system):
    for vm in system.users.values():
        yield from vm.adapters.values()


def _mac(system, macid: int | None) -> bytes:
    used = {a.mac for a in _all(system)}
    if macid is not None:
        mac = MAC_PREFIX + macid.to_bytes(3, "big")
        if mac in used:
            raise MachineError(f"MACID {macid:06X} IN USE")
        return mac
    n = 1
    while MAC_PREFIX + n.to_bytes(3, "big") in used:
        n += 1
    return MAC_PREFIX + n.to_bytes(3, "big")


def define(vm, vaddr: int, kind: str, type_: str | None = None,
           macid: int | None = None) -> Adapter:
    """A new adapter at ``vaddr``: DEFINE CTCA (kind CTCA) or DEFINE NIC (kind
    NIC; ``type_`` one of the machine's ``nic_types``, default its first)."""
    backend = vm.backend
    if kind == "CTCA":
        if not hasattr(backend, "add_ctca"):
            raise MachineError(f"NO CTCA ON A {vm.machine} MACHINE")
        type_ = "CTCA"
        backend.add_ctca(vaddr)
    else:
        types = getattr(backend, "nic_types", ())
        type_ = (type_ or (types[0] if types else "")).upper()
        if type_ not in types:
            raise MachineError(f"NIC TYPE {type_ or '?'} NOT AVAILABLE ON A {vm.machine} MACHINE")
        backend.add_nic(vaddr)
    adapter = vm.adapters[vaddr] = Adapter(vaddr, kind, type_, _mac(vm.system, macid))
    return adapter


def adapter(vm, vaddr: int) -> Adapter:
    a = vm.adapters.get(vaddr)
    if a is None:
        raise MachineError(f"DEV {vaddr:03X} DOES NOT EXIST")
    return a


def _free_ip(switch) -> bytes:
    used = {p.ip for p in switch.ports}
    for host in range(FIRST_HOST, LAST_HOST + 1):
        candidate = bytes((10, 0, 2, host))
        if candidate not in used:
            return candidate
    raise MachineError(f"NO ADDRESS LEFT ON {switch.name}")


def couple_switch(vm, vaddr: int, name: str, ip: bytes | None = None) -> Adapter:
    """COUPLE vaddr TO SYSTEM name: the adapter on a new port of the switch."""
    a = adapter(vm, vaddr)
    switch = vm.system.switch(name)
    if ip is not None and any(p.ip == ip for p in switch.ports):
        raise MachineError(f"IP {ip_text(ip)} IN USE ON {switch.name}")
    uncouple(vm, vaddr)
    a.ip = ip or _free_ip(switch)
    a.port = vm.backend.couple_switch(vaddr, switch, f"{vm.userid}.{vaddr:03X}", a.mac, a.ip)
    a.switch = switch
    return a


def couple_ctca(vm, vaddr: int, other, other_vaddr: int) -> None:
    """COUPLE vaddr TO userid vaddr2: two CTCAs wired to each other."""
    a, b = adapter(vm, vaddr), adapter(other, other_vaddr)
    if a.type != "CTCA" or b.type != "CTCA" or a.kind != "CTCA" or b.kind != "CTCA":
        raise MachineError(f"DEV {(vaddr if a.kind != 'CTCA' else other_vaddr):03X} NOT A CTCA")
    uncouple(vm, vaddr)
    uncouple(other, other_vaddr)
    vm.backend.couple(vaddr, other.backend, other_vaddr)
    a.partner, b.partner = (other.userid, other_vaddr), (vm.userid, vaddr)


def uncouple(vm, vaddr: int) -> None:
    """Drop whatever the adapter was coupled to (the device side is the backend's:
    a new COUPLE or the device's removal tells the far side)."""
    a = vm.adapters.get(vaddr)
    if a is None:
        return
    if a.port is not None:
        a.port.disconnect()
    a.port = a.switch = a.ip = None
    if a.partner is not None:
        other = vm.system.users.get(a.partner[0])
        far = other.adapters.get(a.partner[1]) if other is not None else None
        if far is not None and far.partner == (vm.userid, vaddr):
            far.partner = None
        a.partner = None


def remove(vm, vaddr: int) -> None:
    """DETACH or LOGOFF: the adapter's records go (a channel device is detached
    by CP; a card the backend keeps elsewhere is unplugged by its ``remove_nic``)."""
    uncouple(vm, vaddr)
    a = vm.adapters.pop(vaddr, None)
    unplug = getattr(vm.backend, "remove_nic", None)
    if a is not None and a.kind == "NIC" and unplug is not None:
        unplug(vaddr)


def describe(vm, a: Adapter) -> str:
    """QUERY NIC's (and QUERY VIRTUAL's) line for one adapter."""
    head = f"{a.kind:<4} {a.vaddr:03X}"
    if a.kind == "NIC":
        head += f" TYPE {a.type} MAC {mac_text(a.mac)}"
    elif a.switch is not None:
        head += f" MAC {mac_text(a.mac)}"
    if a.switch is not None:
        c = a.port.counters
        return (f"{head} ON SYSTEM {a.switch.name} IP {ip_text(a.ip)} SENT {c['sent']} "
                f"RCVD {c['received']} FORGED {c['forged']} MALFORMED {c['malformed']}")
    if a.partner is not None and a.partner[0] in vm.system.users:
        return f"{head} COUPLED TO {a.partner[0]} {a.partner[1]:03X}"
    return f"{head} NOT COUPLED"
