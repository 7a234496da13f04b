"""Frames for the network tests, built by hand from the RFCs' layouts (not with
the code under test): Ethernet II, ARP (RFC 826), IPv4 (RFC 791), UDP (RFC 768),
TCP (RFC 793), ICMP echo (RFC 792)."""
from __future__ import annotations

import struct
from pathlib import Path

from s370.asm import assemble_file

GUESTS = Path(__file__).resolve().parents[2] / "guests" / "s370"


def guest_image(name: str) -> bytes:
    """guests/s370/<name>.asm assembled without errors: its core image."""
    a = assemble_file(str(GUESTS / f"{name}.asm"))
    assert a.rc == 0, [str(e) for e in a.errors]
    return a.core


def mac(n: int) -> bytes:
    return bytes((0x02, 0, 0, 0, 0, n))


def ip(text: str) -> bytes:
    return bytes(int(p) for p in text.split("."))


def inet_sum(data: bytes) -> int:
    """RFC 1071 checksum, written out independently of cp/netpacket.py."""
    if len(data) % 2:
        data += b"\0"
    s = 0
    for (w,) in struct.iter_unpack("!H", data):
        s += w
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4(src: bytes, dst: bytes, proto: int, payload: bytes) -> bytes:
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0x1234, 0, 64, proto, 0, src, dst)
    return h[:10] + struct.pack("!H", inet_sum(h)) + h[12:] + payload


def udp(src: bytes, dst: bytes, sport: int, dport: int, data: bytes) -> bytes:
    seg = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    s = inet_sum(src + dst + struct.pack("!BBH", 0, 17, len(seg)) + seg) or 0xFFFF
    return ipv4(src, dst, 17, seg[:6] + struct.pack("!H", s) + seg[8:])


def tcp(src: bytes, dst: bytes, sport: int, dport: int, data: bytes = b"",
        flags: int = 0x02) -> bytes:
    seg = struct.pack("!HHIIBBHHH", sport, dport, 1000, 0, 5 << 4, flags, 8192, 0, 0) + data
    s = inet_sum(src + dst + struct.pack("!BBH", 0, 6, len(seg)) + seg)
    return ipv4(src, dst, 6, seg[:16] + struct.pack("!H", s) + seg[18:])


def icmp_echo(src: bytes, dst: bytes, ident: int, seq: int, data: bytes = b"ping") -> bytes:
    m = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data
    return ipv4(src, dst, 1, m[:2] + struct.pack("!H", inet_sum(m)) + m[4:])


def eth(dst: bytes, src: bytes, etype: int, payload: bytes) -> bytes:
    return dst + src + struct.pack("!H", etype) + payload


def arp_request(sha: bytes, spa: bytes, tpa: bytes) -> bytes:
    body = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, sha, spa, b"\0" * 6, tpa)
    return eth(b"\xff" * 6, sha, 0x0806, body)


def verifies(packet: bytes) -> bool:
    """IPv4 header and transport checksums of a packet (no Ethernet header) hold."""
    ihl = (packet[0] & 15) * 4
    if inet_sum(packet[:ihl]):
        return False
    proto, src, dst, seg = packet[9], packet[12:16], packet[16:20], packet[ihl:]
    if proto == 1:
        return inet_sum(seg) == 0
    return inet_sum(src + dst + struct.pack("!BBH", 0, proto, len(seg)) + seg) == 0
