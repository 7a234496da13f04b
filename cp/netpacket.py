"""The few Ethernet, ARP, IPv4, UDP, TCP and ICMP header facts CP's virtual switch
and NAT gateway need (cp/vswitch.py, cp/nat.py), on bytes and ints.

Only what NAT touches is decoded: addresses, ports, protocol, lengths and the
checksums. Sources: Ethernet II framing (type at offset 12); ARP, RFC 826 (for
IPv4 over Ethernet: 28 bytes after the header); IPv4, RFC 791 (header length in
32-bit words, total length, protocol, header checksum over the header alone);
UDP, RFC 768 and TCP, RFC 793 (checksums over a pseudo header of source and
destination address, protocol and length; a UDP checksum of 0 means none);
ICMP echo, RFC 792 (the identifier takes the place of a port). Checksums are the
Internet checksum of RFC 1071, updated incrementally after a rewrite as RFC 1624
eqn. 3 gives it: HC' = ~(~HC + ~m + m').

A frame that is too short for the header it claims raises ``Malformed``; callers
count it and drop it (a hostile guest gets no traceback, only a counter).
"""
from __future__ import annotations

ETH_HEADER = 14
ETHERTYPE_IPV4 = 0x0800
ETHERTYPE_ARP = 0x0806
BROADCAST = b"\xff" * 6
PROTO_ICMP, PROTO_TCP, PROTO_UDP = 1, 6, 17
ARP_REQUEST, ARP_REPLY = 1, 2
#: offset of the checksum inside each transport header (RFC 792, 793, 768)
CHECKSUM_AT = {PROTO_ICMP: 2, PROTO_TCP: 16, PROTO_UDP: 6}
#: smallest transport header that still holds ports (ICMP: type, code, sum, id)
MIN_TRANSPORT = {PROTO_ICMP: 8, PROTO_TCP: 20, PROTO_UDP: 8}


class Malformed(ValueError):
    """A frame or packet shorter or stranger than its headers say."""


def ip_bytes(text: str) -> bytes:
    """'10.0.0.1' -> 4 bytes (ValueError on anything else)."""
    parts = text.split(".")
    if len(parts) != 4 or not all(p.isdigit() and int(p) < 256 for p in parts):
        raise ValueError(f"not an IPv4 address: {text}")
    return bytes(int(p) for p in parts)


def ip_text(addr: bytes) -> str:
    return ".".join(str(b) for b in addr)


def mac_text(mac: bytes) -> str:
    return "-".join(f"{b:02X}" for b in mac)


# ----------------------------------------------------------------- checksums
def checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071): one's complement of the one's-complement
    sum of 16-bit big-endian words, an odd last byte padded with zero. The sum is
    taken as the whole buffer read as one big number modulo 0xFFFF (2**16 is 1
    modulo 0xFFFF, so that is the folded word sum; RFC 1071 section 2's end-around
    carry), with a nonzero sum that folds to 0 written 0xFFFF."""
    if len(data) & 1:
        data = bytes(data) + b"\0"
    n = int.from_bytes(data, "big")
    folded = n % 0xFFFF
    if folded == 0 and n:
        folded = 0xFFFF
    return ~folded & 0xFFFF


def adjust(check: int, old: bytes, new: bytes) -> int:
    """RFC 1624 eqn. 3: the checksum after the 16-bit-aligned field ``old`` (even
    length) became ``new``."""
    total = ~check & 0xFFFF
    for i in range(0, len(old), 2):
        total += (~int.from_bytes(old[i:i + 2], "big") & 0xFFFF) \
            + int.from_bytes(new[i:i + 2], "big")
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def pseudo_header(src: bytes, dst: bytes, proto: int, length: int) -> bytes:
    """The IPv4 pseudo header of the UDP and TCP checksums (RFC 768, 793)."""
    return src + dst + bytes((0, proto)) + length.to_bytes(2, "big")


# ------------------------------------------------------------------ Ethernet
def ethertype(frame: bytes) -> int:
    if len(frame) < ETH_HEADER:
        raise Malformed("frame shorter than an Ethernet header")
    return (frame[12] << 8) | frame[13]


def ethernet(dst: bytes, src: bytes, etype: int, payload: bytes) -> bytes:
    return dst + src + etype.to_bytes(2, "big") + payload


# ----------------------------------------------------------------------- ARP
class Arp:
    """An IPv4-over-Ethernet ARP packet (RFC 826), as the frame after the header."""
    __slots__ = ("op", "sha", "spa", "tha", "tpa")

    def __init__(self, op: int, sha: bytes, spa: bytes, tha: bytes, tpa: bytes):
        self.op, self.sha, self.spa, self.tha, self.tpa = op, sha, spa, tha, tpa

    @classmethod
    def parse(cls, frame: bytes) -> "Arp":
        p = frame[ETH_HEADER:ETH_HEADER + 28]
        if len(p) < 28 or p[0:2] != b"\0\1" or p[2:4] != b"\x08\x00" or p[4] != 6 or p[5] != 4:
            raise Malformed("not an IPv4-over-Ethernet ARP packet")
        return cls((p[6] << 8) | p[7], bytes(p[8:14]), bytes(p[14:18]), bytes(p[18:24]),
                   bytes(p[24:28]))

    def build(self) -> bytes:
        return (b"\0\1\x08\x00\x06\x04" + self.op.to_bytes(2, "big") + self.sha + self.spa
                + self.tha + self.tpa)


# ---------------------------------------------------------------------- IPv4
class IPv4:
    """A view of the IPv4 packet in ``frame`` at ``at`` (normally after the
    Ethernet header), checked against RFC 791's lengths; the transport header's
    ports (ICMP echo: the identifier as both) when the packet is the first
    fragment of UDP, TCP or ICMP."""
    __slots__ = ("buf", "at", "ihl", "total", "proto", "src", "dst", "transport", "fragment")

    def __init__(self, frame: bytes, at: int = ETH_HEADER):
        if len(frame) < at + 20:
            raise Malformed("packet shorter than an IPv4 header")
        vihl = frame[at]
        ihl = (vihl & 0x0F) * 4
        total = (frame[at + 2] << 8) | frame[at + 3]
        if vihl >> 4 != 4 or ihl < 20 or total < ihl or len(frame) < at + total:
            raise Malformed("IPv4 header lengths do not fit the frame")
        self.buf = bytearray(frame[:at + total])       # Ethernet padding dropped
        self.at, self.ihl, self.total = at, ihl, total
        self.proto = frame[at + 9]
        self.src = bytes(frame[at + 12:at + 16])
        self.dst = bytes(frame[at + 16:at + 20])
        self.transport = at + ihl
        self.fragment = ((frame[at + 6] & 0x1F) << 8) | frame[at + 7]

    def header_ok(self) -> bool:
        return checksum(self.buf[self.at:self.at + self.ihl]) == 0

    def has_ports(self) -> bool:
        """UDP/TCP/ICMP-echo with its header in this (first) fragment."""
        need = MIN_TRANSPORT.get(self.proto)
        if need is None or self.fragment or self.total - self.ihl < need:
            return False
        return self.proto != PROTO_ICMP or self.buf[self.transport] in (0, 8)

    def ports(self) -> tuple[int, int]:
        t, b = self.transport, self.buf
        if self.proto == PROTO_ICMP:
            ident = (b[t + 4] << 8) | b[t + 5]
            return ident, ident
        return (b[t] << 8) | b[t + 1], (b[t + 2] << 8) | b[t + 3]

    def transport_ok(self) -> bool:
        """The UDP, TCP or ICMP checksum verifies (a UDP checksum of 0: none sent)."""
        t, b = self.transport, self.buf
        seg = bytes(b[t:self.at + self.total])
        if self.proto == PROTO_ICMP:
            return checksum(seg) == 0
        if self.proto == PROTO_UDP and b[t + 6] == 0 and b[t + 7] == 0:
            return True
        return checksum(pseudo_header(self.src, self.dst, self.proto, len(seg)) + seg) == 0

    def rewrite(self, src: bytes | None = None, sport: int | None = None,
                dst: bytes | None = None, dport: int | None = None) -> None:
        """Replace addresses and ports, fixing the IPv4 and transport checksums
        incrementally (RFC 1624). For ICMP echo the identifier is the port."""
        b, at, t = self.buf, self.at, self.transport
        tcheck = CHECKSUM_AT[self.proto] + t
        tsum = (b[tcheck] << 8) | b[tcheck + 1]
        udp_none = self.proto == PROTO_UDP and tsum == 0
        pseudo = self.proto != PROTO_ICMP
        hsum = (b[at + 10] << 8) | b[at + 11]
        for field, new in ((at + 12, src), (at + 16, dst)):
            if new is None:
                continue
            old = bytes(b[field:field + 4])
            hsum = adjust(hsum, old, new)
            if pseudo:
                tsum = adjust(tsum, old, new)
            b[field:field + 4] = new
            if field == at + 12:
                self.src = new
            else:
                self.dst = new
        if self.proto == PROTO_ICMP:
            spots = ((t + 4, sport if sport is not None else dport),)
        else:
            spots = ((t, sport), (t + 2, dport))
        for field, port in spots:
            if port is None:
                continue
            new = port.to_bytes(2, "big")
            tsum = adjust(tsum, bytes(b[field:field + 2]), new)
            b[field:field + 2] = new
        b[at + 10:at + 12] = hsum.to_bytes(2, "big")
        if not udp_none:
            if self.proto == PROTO_UDP and tsum == 0:
                tsum = 0xFFFF               # RFC 768: a computed 0 is sent as all ones
            b[tcheck:tcheck + 2] = tsum.to_bytes(2, "big")

    def packet(self) -> bytes:
        return bytes(self.buf[self.at:])


def ipv4_packet(src: bytes, dst: bytes, proto: int, payload: bytes, ident: int = 0,
                ttl: int = 64) -> bytes:
    """An IPv4 packet (no options, don't-fragment clear) with its header checksum."""
    header = bytearray(bytes((0x45, 0)) + (20 + len(payload)).to_bytes(2, "big")
                       + ident.to_bytes(2, "big") + b"\0\0" + bytes((ttl, proto)) + b"\0\0"
                       + src + dst)
    header[10:12] = checksum(header).to_bytes(2, "big")
    return bytes(header) + payload


def udp_datagram(src: bytes, dst: bytes, sport: int, dport: int, data: bytes) -> bytes:
    """A UDP datagram (RFC 768) with its checksum."""
    length = 8 + len(data)
    seg = sport.to_bytes(2, "big") + dport.to_bytes(2, "big") + length.to_bytes(2, "big") \
        + b"\0\0" + data
    s = checksum(pseudo_header(src, dst, PROTO_UDP, length) + seg) or 0xFFFF
    return seg[:6] + s.to_bytes(2, "big") + seg[8:]


def udp_payload(ip: IPv4) -> bytes:
    return bytes(ip.buf[ip.transport + 8:ip.at + ip.total])


def icmp_echo_reply(ip: IPv4, src: bytes) -> bytes:
    """The ICMP echo reply (RFC 792: type 0, same identifier, sequence and data)
    from ``src`` to the sender of the echo request ``ip``: an IPv4 packet."""
    echo = bytearray(ip.buf[ip.transport:ip.at + ip.total])
    echo[0] = 0
    echo[2:4] = b"\0\0"
    echo[2:4] = checksum(echo).to_bytes(2, "big")
    return ipv4_packet(src, ip.src, PROTO_ICMP, bytes(echo))
