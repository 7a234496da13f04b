"""A NAT gateway on a virtual switch (VMware's NAT device; QEMU's user-mode
network uses the same addressing): the VMs on the switch have private
addresses, the gateway has one of its own on the switch and one on the
outside, and it rewrites the VMs' UDP, TCP and ICMP-echo traffic so that it
leaves from the gateway's outside address.

* The inside network is ``NETWORK`` (10.0.2.0/24); the gateway answers ARP for
  its own address (``GATEWAY``, 10.0.2.1; RFC 826) and for ``HOST_ALIAS``
  (10.0.2.2), the name under which VMs reach the outside host itself: packets
  to it leave addressed to the host's own address (127.0.0.1, the loopback of
  this machine, so tests never reach beyond it), replies come back from it.
* The gateway answers ICMP echo (ping) to its own address itself.
* A packet from a VM to an address outside the inside network creates, on its
  first packet, an entry (protocol, inside address, inside port) <-> outside
  port; later packets reuse it; replies to the outside port go back to the VM's
  address, port and MAC. An entry not used for ``timeouts[protocol]`` guest
  instructions expires. ICMP echo's identifier plays the port (RFC 792). At
  most ``MAX_ENTRIES`` entries exist (a hostile VM cannot exhaust CP's storage).
* Addresses and ports are rewritten in place and the IPv4, UDP, TCP and ICMP
  checksums updated incrementally (RFC 1624; cp/netpacket.py). A packet whose
  IPv4 header or transport checksum does not verify is dropped and counted,
  as are fragments after the first, other protocols and truncated packets.
* Forged sources never reach the table: the switch (cp/vswitch.py) drops a
  frame whose source MAC or IPv4 address is not its port's.

The outside is an object with ``transmit(packet)``, ``poll() -> [packet]`` and
``release(proto, port)`` (IPv4 packets): ``LoopbackHost`` (UDP to real sockets
on 127.0.0.1) or ``HostModel`` (a deterministic host in the process, for tests).
"""
from __future__ import annotations

import socket
from typing import Protocol

from .netpacket import (BROADCAST, ETHERTYPE_ARP, ETHERTYPE_IPV4, PROTO_ICMP, PROTO_TCP,
                        PROTO_UDP, Arp, ARP_REPLY, ARP_REQUEST, IPv4, Malformed, ethernet,
                        ethertype, icmp_echo_reply, ip_bytes, ipv4_packet, udp_datagram,
                        udp_payload)
from .vswitch import VSwitch

NETWORK, NETMASK = ip_bytes("10.0.2.0"), ip_bytes("255.255.255.0")
GATEWAY = ip_bytes("10.0.2.1")
HOST_ALIAS = ip_bytes("10.0.2.2")
LOOPBACK = ip_bytes("127.0.0.1")
GATEWAY_MAC = bytes.fromhex("020000000201")
#: entry lifetimes in guest instructions (one million a second): UDP and ICMP
#: 30 s, TCP 300 s (VMware's NAT keeps TCP longer than UDP too)
TIMEOUTS = {PROTO_UDP: 30_000_000, PROTO_ICMP: 30_000_000, PROTO_TCP: 300_000_000}
FIRST_PORT, LAST_PORT = 49152, 65535      # the dynamic port range (RFC 6335)
MAX_ENTRIES = 4096
COUNTERS = ("translated", "returned", "created", "expired", "bad_checksum", "malformed",
            "unsupported", "no_entry", "table_full", "arp_replies", "pings")


class Outside(Protocol):
    def transmit(self, packet: bytes) -> None: ...
    def poll(self) -> list[bytes]: ...
    def release(self, proto: int, port: int) -> None: ...


class Entry:
    """One translation: (proto, inside address, inside port) <-> outside port."""
    __slots__ = ("proto", "ip", "port", "mac", "outside", "last")

    def __init__(self, proto: int, ip: bytes, port: int, mac: bytes, outside: int, last: int):
        self.proto, self.ip, self.port, self.mac, self.outside, self.last = \
            proto, ip, port, mac, outside, last


def inside(addr: bytes) -> bool:
    return bytes(a & m for a, m in zip(addr, NETMASK)) == NETWORK


class NatGateway:
    """The gateway's port on ``switch`` and its translation table (module docstring)."""

    def __init__(self, switch: VSwitch, outside: Outside, outside_ip: bytes = LOOPBACK,
                 timeouts: dict | None = None):
        self.switch = switch
        self.outside = outside
        self.outside_ip = outside_ip
        self.timeouts = dict(TIMEOUTS if timeouts is None else timeouts)
        self.mac = GATEWAY_MAC
        self.port = switch.connect("NAT", self._from_inside, static=self.mac)
        self.entries: dict[tuple[int, bytes, int], Entry] = {}
        self.by_outside: dict[tuple[int, int], Entry] = {}
        self.counters = dict.fromkeys(COUNTERS, 0)
        self._next = FIRST_PORT
        switch.nat = self

    # ----------------------------------------------------------- inside
    def _from_inside(self, frame: bytes) -> None:
        try:
            etype = ethertype(frame)
            if etype == ETHERTYPE_ARP:
                self._arp(frame)
            elif etype == ETHERTYPE_IPV4 and frame[0:6] == self.mac:
                self._outbound(frame)
        except Malformed:
            self.counters["malformed"] += 1

    def _arp(self, frame: bytes) -> None:
        arp = Arp.parse(frame)
        if arp.op != ARP_REQUEST or arp.tpa not in (GATEWAY, HOST_ALIAS):
            return
        reply = Arp(ARP_REPLY, self.mac, arp.tpa, arp.sha, arp.spa)
        self.counters["arp_replies"] += 1
        self.port.send(ethernet(arp.sha, self.mac, ETHERTYPE_ARP, reply.build()))

    def _outbound(self, frame: bytes) -> None:
        ip = IPv4(frame)
        c = self.counters
        if not ip.header_ok():
            c["bad_checksum"] += 1
            return
        dst = ip.dst
        if dst == GATEWAY:
            self._ping(frame, ip)
            return
        if dst == HOST_ALIAS:
            dst = self.outside_ip
        elif inside(dst) or dst == BROADCAST[:4]:
            c["unsupported"] += 1            # the gateway routes nothing back inside
            return
        if not ip.has_ports():
            c["unsupported"] += 1
            return
        if not ip.transport_ok():
            c["bad_checksum"] += 1
            return
        sport = ip.ports()[0]
        now = self.switch.clock()
        self.expire(now)
        entry = self.entries.get((ip.proto, ip.src, sport))
        if entry is None:
            entry = self._create(ip.proto, ip.src, sport, bytes(frame[6:12]), now)
            if entry is None:
                return
        entry.last = now
        ip.rewrite(src=self.outside_ip, sport=entry.outside, dst=dst if dst != ip.dst else None)
        c["translated"] += 1
        self.outside.transmit(ip.packet())

    def _ping(self, frame: bytes, ip: IPv4) -> None:
        """An echo request to the gateway itself is answered by it (RFC 1122
        3.2.2.6: every host answers echo); anything else for it is not served."""
        if ip.proto != PROTO_ICMP or not ip.has_ports() or ip.buf[ip.transport] != 8:
            self.counters["unsupported"] += 1
            return
        if not ip.transport_ok():
            self.counters["bad_checksum"] += 1
            return
        self.counters["pings"] += 1
        self.port.send(ethernet(bytes(frame[6:12]), self.mac, ETHERTYPE_IPV4,
                                icmp_echo_reply(ip, GATEWAY)))

    def _create(self, proto: int, addr: bytes, port: int, mac: bytes, now: int) -> Entry | None:
        if len(self.entries) >= MAX_ENTRIES:
            self.counters["table_full"] += 1
            return None
        span = LAST_PORT - FIRST_PORT + 1
        for _ in range(span):
            out = self._next
            self._next = FIRST_PORT + (out - FIRST_PORT + 1) % span
            if (proto, out) not in self.by_outside:
                break
        e = Entry(proto, addr, port, mac, out, now)
        self.entries[(proto, addr, port)] = e
        self.by_outside[(proto, out)] = e
        self.counters["created"] += 1
        return e

    # ---------------------------------------------------------- outside
    def poll(self) -> None:
        """Packets the outside has for the gateway go back to their VMs."""
        for packet in self.outside.poll():
            self.inbound(packet)

    def inbound(self, packet: bytes) -> None:
        c = self.counters
        try:
            ip = IPv4(packet, 0)
        except Malformed:
            c["malformed"] += 1
            return
        if ip.dst != self.outside_ip or not ip.has_ports():
            c["unsupported"] += 1
            return
        if not ip.header_ok() or not ip.transport_ok():
            c["bad_checksum"] += 1
            return
        now = self.switch.clock()
        self.expire(now)
        entry = self.by_outside.get((ip.proto, ip.ports()[1]))
        if entry is None:
            c["no_entry"] += 1
            return
        entry.last = now
        src = HOST_ALIAS if ip.src == self.outside_ip else None
        ip.rewrite(src=src, dst=entry.ip, dport=entry.port)
        c["returned"] += 1
        self.port.send(ethernet(entry.mac, self.mac, ETHERTYPE_IPV4, ip.packet()))

    def expire(self, now: int) -> None:
        """Drop the entries whose protocol's timeout passed since their last use."""
        old = [e for e in self.entries.values() if now - e.last > self.timeouts[e.proto]]
        for e in old:
            del self.entries[(e.proto, e.ip, e.port)]
            del self.by_outside[(e.proto, e.outside)]
            self.outside.release(e.proto, e.outside)
            self.counters["expired"] += 1


# ------------------------------------------------------------- outsides
class HostModel:
    """A deterministic outside host at 127.0.0.1 inside the process: a UDP echo
    server on port 7 (RFC 862) and an ICMP echo responder; every packet it got
    is kept in ``received`` (for tests)."""

    def __init__(self, address: bytes = LOOPBACK):
        self.address = address
        self.received: list[bytes] = []
        self.released: list[tuple[int, int]] = []
        self._replies: list[bytes] = []

    def transmit(self, packet: bytes) -> None:
        self.received.append(packet)
        ip = IPv4(packet, 0)
        if ip.dst != self.address or not ip.has_ports():
            return
        sport, dport = ip.ports()
        if ip.proto == PROTO_UDP and dport == 7:
            data = udp_payload(ip)
            self._replies.append(ipv4_packet(self.address, ip.src, PROTO_UDP,
                                             udp_datagram(self.address, ip.src, 7, sport, data)))
        elif ip.proto == PROTO_ICMP and ip.buf[ip.transport] == 8 and ip.transport_ok():
            self._replies.append(icmp_echo_reply(ip, self.address))

    def poll(self) -> list[bytes]:
        out, self._replies = self._replies, []
        return out

    def release(self, proto: int, port: int) -> None:
        self.released.append((proto, port))


class LoopbackHost:
    """The outside is this machine's loopback: each NAT entry's UDP traffic to
    127.0.0.1 leaves through a real UDP socket of its own (bound to 127.0.0.1,
    non-blocking), and what arrives on it comes back as IPv4 packets to the
    entry's outside port. No threads: ``poll`` reads the sockets between slices.
    TCP and ICMP are not carried (counted in ``refused``), nor are flows beyond
    ``MAX_SOCKETS`` open at once (a guest cannot use up CP's file descriptors)."""

    MAX_SOCKETS = 256

    def __init__(self, address: bytes = LOOPBACK):
        self.address = address
        self.sockets: dict[int, socket.socket] = {}     # outside port -> socket
        self.refused = 0

    def transmit(self, packet: bytes) -> None:
        ip = IPv4(packet, 0)
        if ip.proto != PROTO_UDP or ip.dst != LOOPBACK or not ip.has_ports():
            self.refused += 1
            return
        sport, dport = ip.ports()
        sock = self.sockets.get(sport)
        if sock is None:
            if len(self.sockets) >= self.MAX_SOCKETS:
                self.refused += 1
                return
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.bind(("127.0.0.1", 0))
            sock.setblocking(False)
            self.sockets[sport] = sock
        try:
            sock.sendto(udp_payload(ip), ("127.0.0.1", dport))
        except OSError:
            self.refused += 1

    def poll(self) -> list[bytes]:
        out = []
        for port, sock in self.sockets.items():
            while True:
                try:
                    data, (_, from_port) = sock.recvfrom(65535)
                except (BlockingIOError, ConnectionRefusedError, InterruptedError):
                    break
                except OSError:
                    break
                data = data[:1472]                       # what one Ethernet frame carries
                out.append(ipv4_packet(LOOPBACK, self.address, PROTO_UDP,
                                       udp_datagram(LOOPBACK, self.address, from_port, port, data)))
        return out

    def release(self, proto: int, port: int) -> None:
        sock = self.sockets.pop(port, None) if proto == PROTO_UDP else None
        if sock is not None:
            sock.close()

    def close(self) -> None:
        for sock in self.sockets.values():
            sock.close()
        self.sockets.clear()
