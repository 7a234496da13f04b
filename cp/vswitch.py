"""CP's virtual Ethernet switch: the LAN that virtual machines' network cards,
channel-to-channel adapters coupled to it and the NAT gateway (cp/nat.py) share.

A learning bridge (IEEE 802.1D's forwarding process, reduced to one LAN):

* every frame a port sends teaches the switch that its source MAC address is on
  that port; an entry not refreshed within ``aging`` ages out;
* a frame to a learned unicast address goes to that port only (to nobody when it
  is the port it came from); a frame to the broadcast or a multicast address,
  or to a unicast address not (or no longer) learned, is flooded: every other
  port gets a copy, in the order the ports were connected;
* CP's own ports (the NAT gateway) have static entries (802.1D's static
  filtering entries): never aged, never flooded for, never relearned;
* a port may be assigned a MAC address and an IPv4 address (a VM's NIC is;
  the NAT port is trusted and is not): a frame whose source MAC, IPv4 source
  or ARP sender address is not the one assigned is dropped and counted as
  forged, so no VM can send as another (a VM cannot forge its way past the NAT);
* frames shorter than an Ethernet header, longer than 1514 bytes (a giant) or
  with a group address as source are dropped and counted as malformed.

Time is the VMs' time: ``clock()`` is the number of guest instructions CP has
dispatched (System.instructions), so aging is deterministic and a test can run
it exactly; delivery is synchronous (the receiving port's ``deliver`` is called
inside ``send``), so there are no threads and no queues other than the
receiving device's own.
"""
from __future__ import annotations

from typing import Callable

from .netpacket import ETH_HEADER, ETHERTYPE_ARP, ETHERTYPE_IPV4, mac_text

MAX_FRAME = 1514                 # a full Ethernet frame without its FCS
#: default aging: 300 seconds (802.1D's default) at one million instructions a second
AGING = 300_000_000
#: per-port counter names, as QUERY NIC shows them
COUNTERS = ("sent", "received", "forged", "malformed", "filtered")


class Port:
    """One switch port: ``deliver(frame)`` is what the switch calls with a frame
    for it; ``send(frame)`` is the port's way in (a NIC backend's ``send``)."""

    def __init__(self, switch: "VSwitch", name: str, deliver: Callable[[bytes], None],
                 mac: bytes | None, ip: bytes | None):
        self.switch = switch
        self.name = name
        self.deliver = deliver
        self.mac = mac
        self.ip = ip
        self.counters = dict.fromkeys(COUNTERS, 0)

    def send(self, frame: bytes) -> None:
        switch = self.switch
        if switch is not None:          # a disconnected port's frames go nowhere
            switch.forward(self, frame)

    def disconnect(self) -> None:
        if self.switch is not None:
            self.switch.disconnect(self)


class VSwitch:
    """A virtual switch named ``name``; ``clock`` gives the current time in guest
    instructions (see the module docstring)."""

    def __init__(self, name: str, clock: Callable[[], int] = lambda: 0, aging: int = AGING):
        self.name = name
        self.clock = clock
        self.aging = aging
        self.ports: list[Port] = []
        self.macs: dict[bytes, tuple[Port, int]] = {}       # MAC -> (port, last seen)
        self.static: dict[bytes, Port] = {}                 # CP's own ports' MACs
        self.counters = {"frames": 0, "delivered": 0, "flooded": 0, "broadcast": 0, "aged": 0}
        self.nat = None                 # its NAT gateway (cp/nat.py), if it has one

    # ------------------------------------------------------------ ports
    def connect(self, name: str, deliver: Callable[[bytes], None], mac: bytes | None = None,
                ip: bytes | None = None, static: bytes | None = None) -> Port:
        """A new port; ``mac``/``ip`` are the addresses its frames must carry
        (None: not checked, for CP's own trusted ports); ``static``: a MAC the
        switch knows is on this port from the start (CP's own ports)."""
        port = Port(self, name, deliver, mac, ip)
        self.ports.append(port)
        if static is not None:
            self.static[static] = port
        return port

    def disconnect(self, port: Port) -> None:
        port.switch = None
        if port in self.ports:
            self.ports.remove(port)
        for mac in [m for m, (p, _) in self.macs.items() if p is port]:
            del self.macs[mac]
        for mac in [m for m, p in self.static.items() if p is port]:
            del self.static[mac]

    def poll(self) -> None:
        """Between slices: the NAT's outside brings its packets in."""
        if self.nat is not None:
            self.nat.poll()

    # -------------------------------------------------------- forwarding
    def forward(self, port: Port, frame: bytes) -> None:
        """A frame sent by ``port``: check, learn, then deliver or flood."""
        c = port.counters
        n = len(frame)
        if n < ETH_HEADER or n > MAX_FRAME or frame[6] & 1:
            c["malformed"] += 1
            return
        bad = self._source_check(port, frame)
        if bad is not None:
            c[bad] += 1
            return
        c["sent"] += 1
        self.counters["frames"] += 1
        now = self.clock()
        src = bytes(frame[6:12])
        if src not in self.static:
            self.macs[src] = (port, now)
        frame = bytes(frame)
        if frame[0] & 1:
            self.counters["broadcast"] += 1
            self._flood(port, frame)
            return
        target = self.static.get(frame[0:6])
        if target is not None:
            if target is not port:
                self._deliver(target, frame)
            else:
                c["filtered"] += 1
            return
        found = self.macs.get(frame[0:6])
        if found is not None and now - found[1] > self.aging:
            del self.macs[frame[0:6]]
            self.counters["aged"] += 1
            found = None
        if found is None:
            self.counters["flooded"] += 1
            self._flood(port, frame)
            return
        target = found[0]
        if target is port:
            c["filtered"] += 1          # the destination is on the port it came from
            return
        self._deliver(target, frame)

    def _flood(self, source: Port, frame: bytes) -> None:
        for p in list(self.ports):
            if p is not source:
                self._deliver(p, frame)

    def _deliver(self, port: Port, frame: bytes) -> None:
        port.counters["received"] += 1
        self.counters["delivered"] += 1
        port.deliver(frame)

    @staticmethod
    def _source_check(port: Port, frame: bytes) -> str | None:
        """None when the source MAC (and for IPv4 and ARP the sender's IPv4
        address, when the port has one assigned) is the port's; else the counter
        to charge: ``forged``, or ``malformed`` for an IPv4 or ARP frame too short
        to carry a sender address."""
        if port.mac is not None and frame[6:12] != port.mac:
            return "forged"
        if port.ip is None:
            return None
        etype = (frame[12] << 8) | frame[13]
        if etype == ETHERTYPE_IPV4:
            sender, need = frame[26:30], ETH_HEADER + 20
        elif etype == ETHERTYPE_ARP:
            sender, need = frame[28:32], ETH_HEADER + 28
        else:
            return None
        if len(frame) < need:
            return "malformed"
        # an ARP probe's sender address 0.0.0.0 (RFC 5227) is no claim to anything
        if sender == port.ip or (etype == ETHERTYPE_ARP and sender == b"\0\0\0\0"):
            return None
        return "forged"

    # ------------------------------------------------------------ display
    def table(self) -> list[tuple[str, str, int]]:
        """(MAC, port name, age in instructions) of the live entries, by MAC."""
        now = self.clock()
        return [(mac_text(m), p.name, now - t) for m, (p, t) in sorted(self.macs.items())
                if now - t <= self.aging]


def plug_card(card, switch, name: str, mac: bytes, ip: bytes | None):
    """The cable from a network card with the IA-32 card's interface (ia32/devices/
    netcard.py: ``mac``, ``backend.send``, ``deliver``) to a new port of
    ``switch``: the card takes the port's MAC and sends into the port, the port
    delivers into the card. The hook an IA-32 backend's ``couple_switch`` uses;
    returns the port."""
    card.mac = mac
    port = switch.connect(name, card.deliver, mac, ip)
    card.backend = port
    return port
