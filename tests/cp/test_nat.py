"""cp/nat.py and cp/netpacket.py: ARP for the gateway, translation entries made on
the first packet and expired after their timeout, replies routed back, checksums
right after the rewrite (RFC 1624 against a full RFC 1071 recomputation), forged
sources stopped at the switch, hostile packets counted, never a traceback."""
from __future__ import annotations

import socket
import struct

from hypothesis import given, strategies as st

from cp import netpacket
from cp.nat import GATEWAY_MAC, TIMEOUTS, HostModel, LoopbackHost, NatGateway
from cp.vswitch import VSwitch

from .net_support import arp_request, eth, icmp_echo, inet_sum, ip, mac, tcp, udp, verifies

VM1_IP, VM2_IP = ip("10.0.2.11"), ip("10.0.2.12")
HOST, LO = ip("10.0.2.2"), ip("127.0.0.1")


class Clock:
    now = 0

    def __call__(self):
        return self.now


def setup(outside=None, **kw):
    clock = Clock()
    sw = VSwitch("LAN1", clock)
    host = outside or HostModel()
    nat = NatGateway(sw, host, **kw)
    got = {1: [], 2: []}
    p1 = sw.connect("VM1", got[1].append, mac=mac(1), ip=VM1_IP)
    p2 = sw.connect("VM2", got[2].append, mac=mac(2), ip=VM2_IP)
    return sw, nat, host, p1, p2, got, clock


def to_gw(src_mac, packet):
    return eth(GATEWAY_MAC, src_mac, 0x0800, packet)


# ---------------------------------------------------------- netpacket facts
def test_internet_checksum_rfc1071_example():
    # RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (one's complement)
    assert netpacket.checksum(bytes.fromhex("0001f203f4f5f6f7")) == 0xFFFF - 0xDDF2


def test_ipv4_header_checksum_known_header():
    # a well-known sample header (192.168.0.1 -> 192.168.0.199, UDP) has checksum b861
    h = bytes.fromhex("450000730000400040110000c0a80001c0a800c7")
    assert netpacket.checksum(h) == 0xB861


def test_incremental_update_rfc1624_matches_recomputation():
    h = bytearray.fromhex("450000730000400040110000c0a80001c0a800c7")
    h[10:12] = (0xB861).to_bytes(2, "big")
    new = netpacket.adjust(0xB861, bytes(h[12:16]), bytes((10, 0, 2, 99)))
    h[12:16] = bytes((10, 0, 2, 99))
    h[10:12] = b"\0\0"
    assert new == inet_sum(bytes(h))


# ----------------------------------------------------------------- ARP
def test_arp_for_the_gateway_and_the_host_alias_is_answered():
    sw, nat, host, p1, p2, got, _ = setup()
    p1.send(arp_request(mac(1), VM1_IP, ip("10.0.2.1")))
    reply = got[1][-1]
    assert reply[0:6] == mac(1) and reply[6:12] == GATEWAY_MAC and reply[12:14] == b"\x08\x06"
    op, sha, spa, tha, tpa = struct.unpack("!6xH6s4s6s4s", reply[14:42])
    assert (op, sha, spa, tha, tpa) == (2, GATEWAY_MAC, ip("10.0.2.1"), mac(1), VM1_IP)
    p1.send(arp_request(mac(1), VM1_IP, HOST))
    assert got[1][-1][28:32] == HOST
    p1.send(arp_request(mac(1), VM1_IP, ip("10.0.2.77")))       # nobody's: no answer
    assert nat.counters["arp_replies"] == 2
    assert got[2] == [arp_request(mac(1), VM1_IP, ip("10.0.2.1")),
                      arp_request(mac(1), VM1_IP, HOST),
                      arp_request(mac(1), VM1_IP, ip("10.0.2.77"))]   # broadcasts, flooded


# --------------------------------------------------------- translation
def test_udp_entry_created_on_first_packet_and_reused():
    sw, nat, host, p1, p2, got, _ = setup()
    p1.send(to_gw(mac(1), udp(VM1_IP, HOST, 5000, 7, b"hello")))
    p1.send(to_gw(mac(1), udp(VM1_IP, HOST, 5000, 7, b"again")))
    assert nat.counters["created"] == 1 and nat.counters["translated"] == 2
    out = host.received[0]
    assert out[12:16] == LO and out[16:20] == LO                 # src: outside; dst: 127.0.0.1
    assert struct.unpack("!HH", out[20:24]) == (49152, 7)        # first dynamic port
    assert verifies(out) and out[28:] == b"hello"


def test_echo_reply_goes_back_to_the_vm_only():
    sw, nat, host, p1, p2, got, _ = setup()
    p1.send(arp_request(mac(1), VM1_IP, ip("10.0.2.1")))        # VM2 sees this broadcast
    got[1].clear(); got[2].clear()
    p1.send(to_gw(mac(1), udp(VM1_IP, HOST, 5000, 7, b"echo me")))
    sw.poll()
    assert got[2] == [] and len(got[1]) == 1
    f = got[1][0]
    assert f[0:6] == mac(1) and f[6:12] == GATEWAY_MAC
    pkt = f[14:]
    assert pkt[12:16] == HOST and pkt[16:20] == VM1_IP            # from the host alias
    assert struct.unpack("!HH", pkt[20:24]) == (7, 5000) and pkt[28:] == b"echo me"
    assert verifies(pkt) and nat.counters["returned"] == 1


def test_two_vms_same_inside_port_get_different_outside_ports():
    sw, nat, host, p1, p2, got, _ = setup()
    p1.send(to_gw(mac(1), udp(VM1_IP, HOST, 5000, 9, b"a")))
    p2.send(to_gw(mac(2), udp(VM2_IP, HOST, 5000, 9, b"b")))
    ports = [struct.unpack("!H", p[20:22])[0] for p in host.received]
    assert ports == [49152, 49153]


def test_tcp_and_icmp_are_translated_with_valid_checksums():
    sw, nat, host, p1, p2, got, _ = setup()
    p1.send(to_gw(mac(1), tcp(VM1_IP, ip("192.0.2.5"), 40000, 80, b"GET")))
    p1.send(to_gw(mac(1), icmp_echo(VM1_IP, HOST, 0x1234, 1)))
    t, i = host.received
    assert t[16:20] == ip("192.0.2.5") and struct.unpack("!H", t[20:22])[0] == 49152
    assert struct.unpack("!H", i[24:26])[0] == 49153 and verifies(t) and verifies(i)
    sw.poll()                                      # the model answers the ping
    echo = got[1][-1][14:]
    assert echo[20] == 0 and struct.unpack("!H", echo[24:26])[0] == 0x1234 and verifies(echo)


def test_entries_expire_after_their_timeout():
    sw, nat, host, p1, p2, got, clock = setup()
    p1.send(to_gw(mac(1), udp(VM1_IP, HOST, 5000, 9, b"a")))
    p1.send(to_gw(mac(1), tcp(VM1_IP, HOST, 6000, 9)))
    clock.now = TIMEOUTS[17]                       # exactly the UDP timeout: still there
    nat.expire(clock.now)
    assert len(nat.entries) == 2
    clock.now = TIMEOUTS[17] + 1
    nat.expire(clock.now)
    assert [k[0] for k in nat.entries] == [6] and host.released == [(17, 49152)]
    assert nat.counters["expired"] == 1
    # a late reply to the expired port finds nothing
    nat.inbound(netpacket.ipv4_packet(LO, LO, 17, netpacket.udp_datagram(LO, LO, 9, 49152, b"x")))
    assert nat.counters["no_entry"] == 1 and got[1] == []
    p1.send(to_gw(mac(1), udp(VM1_IP, HOST, 5000, 9, b"b")))   # a new entry, a new port
    assert nat.counters["created"] == 3
    assert struct.unpack("!H", host.received[-1][20:22])[0] == 49154


def test_forged_source_never_reaches_the_nat():
    sw, nat, host, p1, p2, got, _ = setup()
    p2.send(to_gw(mac(2), udp(VM1_IP, HOST, 5000, 7, b"spoof")))    # VM2 as VM1's IP
    p2.send(to_gw(mac(1), udp(VM2_IP, HOST, 5000, 7, b"spoof")))    # VM2 as VM1's MAC
    assert host.received == [] and nat.entries == {} and p2.counters["forged"] == 2


def test_bad_checksums_and_hostile_packets_are_counted():
    sw, nat, host, p1, p2, got, _ = setup()
    good = udp(VM1_IP, HOST, 5000, 7, b"data")
    bad_ip = bytearray(good); bad_ip[10] ^= 1
    bad_udp = bytearray(good); bad_udp[-1] ^= 1
    p1.send(to_gw(mac(1), bytes(bad_ip)))
    p1.send(to_gw(mac(1), bytes(bad_udp)))
    assert nat.counters["bad_checksum"] == 2
    p1.send(to_gw(mac(1), good[:30]))                      # truncated: total length lies
    p1.send(eth(GATEWAY_MAC, mac(1), 0x0806, b"\0\1"))    # truncated ARP: the switch's
    assert nat.counters["malformed"] == 1 and p1.counters["malformed"] == 1
    frag = bytearray(good); frag[6:8] = b"\x00\x10"        # a later fragment
    frag[10:12] = b"\0\0"; frag[10:12] = inet_sum(bytes(frag[:20])).to_bytes(2, "big")
    p1.send(to_gw(mac(1), bytes(frag)))
    p1.send(to_gw(mac(1), udp(VM1_IP, VM2_IP, 1, 2, b"")))  # inside address: not routed
    assert nat.counters["unsupported"] == 2 and host.received == []
    nat.inbound(b"\x45")
    assert nat.counters["malformed"] == 2


@given(st.binary(min_size=0, max_size=120), st.integers(0, 60))
def test_property_hostile_ipv4_to_the_gateway_never_raises(tail, cut):
    sw, nat, host, p1, p2, got, _ = setup()
    pkt = udp(VM1_IP, HOST, 5000, 7, tail)
    p1.send(to_gw(mac(1), pkt[:max(20, len(pkt) - cut)]))
    p1.send(to_gw(mac(1), VM1_IP.join([tail[:12], tail[12:]])))
    nat.inbound(tail)
    assert all(verifies(p) for p in host.received)


@given(st.binary(max_size=64), st.integers(1, 65535), st.integers(1, 65535),
       st.sampled_from(["udp", "tcp"]))
def test_property_translation_keeps_checksums_valid(data, sport, dport, proto):
    sw, nat, host, p1, p2, got, _ = setup()
    make = udp if proto == "udp" else tcp
    p1.send(to_gw(mac(1), make(VM1_IP, ip("198.51.100.7"), sport, dport, data)))
    (out,) = host.received
    assert verifies(out) and out[12:16] == LO and out[-len(data):] == data if data else True


def test_loopback_host_carries_udp_to_a_real_echo_server():
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.0.0.1", 0))
    server.settimeout(5)
    port = server.getsockname()[1]
    lo = LoopbackHost()
    try:
        sw, nat, host, p1, p2, got, _ = setup(outside=lo)
        p1.send(to_gw(mac(1), udp(VM1_IP, HOST, 5000, port, b"over the loopback")))
        data, peer = server.recvfrom(2048)
        assert data == b"over the loopback"
        server.sendto(b"echo: " + data, peer)
        for _ in range(200):                        # the datagram is local: it is there soon
            sw.poll()
            if got[1]:
                break
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM).close()
        pkt = got[1][0][14:]
        assert pkt[12:16] == HOST and struct.unpack("!HH", pkt[20:24]) == (port, 5000)
        assert pkt[28:] == b"echo: over the loopback" and verifies(pkt)
        p1.send(to_gw(mac(1), tcp(VM1_IP, HOST, 5001, port)))
        assert lo.refused == 1                      # TCP is not carried to the loopback
    finally:
        lo.close()
        server.close()


@given(st.binary(max_size=200))
def test_property_checksum_equals_the_word_by_word_sum(data):
    """The big-number form of the checksum is RFC 1071's word sum with end-around carry."""
    assert netpacket.checksum(data) == inet_sum(data)


def test_frames_to_the_gateway_are_never_flooded_to_other_vms():
    """The gateway's MAC is a static entry (802.1D): known before it sends anything."""
    sw, nat, host, p1, p2, got, clock = setup()
    p1.send(to_gw(mac(1), udp(VM1_IP, HOST, 5000, 9, b"a")))
    clock.now = 10 ** 12                       # far past any aging
    p1.send(to_gw(mac(1), udp(VM1_IP, HOST, 5000, 9, b"b")))
    assert got[2] == [] and sw.counters["flooded"] == 0 and len(host.received) == 2


@given(st.lists(st.tuples(st.integers(1000, 1003), st.integers(0, 150)), max_size=25))
def test_property_entries_follow_a_reference_table(sends):
    """Entries appear on a flow's first packet and go exactly when unused for
    longer than the timeout (a reference table of last-use times, written here)."""
    sw, nat, host, p1, p2, got, clock = setup(timeouts={17: 100, 6: 100, 1: 100})
    last: dict = {}
    created = expired = 0
    t = 0
    for port, dt in sends:
        t += dt
        clock.now = t
        for k in [k for k, v in last.items() if t - v > 100]:
            del last[k]
            expired += 1
        if port not in last:
            created += 1
        last[port] = t
        p1.send(to_gw(mac(1), udp(VM1_IP, HOST, port, 9, b"x")))
        assert {k[2] for k in nat.entries} == set(last)
    assert (nat.counters["created"], nat.counters["expired"]) == (created, expired)


def test_the_gateway_answers_ping_itself():
    sw, nat, host, p1, p2, got, _ = setup()
    p1.send(to_gw(mac(1), icmp_echo(VM1_IP, ip("10.0.2.1"), 0x4242, 7, b"are you there")))
    (reply,) = got[1]
    pkt = reply[14:]
    assert reply[0:6] == mac(1) and reply[6:12] == GATEWAY_MAC
    assert pkt[12:16] == ip("10.0.2.1") and pkt[16:20] == VM1_IP and pkt[9] == 1
    assert pkt[20] == 0 and struct.unpack("!HH", pkt[24:28]) == (0x4242, 7)
    assert pkt[28:] == b"are you there" and verifies(pkt)
    assert nat.counters["pings"] == 1 and host.received == [] and nat.entries == {}
    p1.send(to_gw(mac(1), udp(VM1_IP, ip("10.0.2.1"), 1, 2, b"")))     # no services on it
    assert nat.counters["unsupported"] == 1
