"""cp/vswitch.py: learning, flooding of broadcast and unknown unicast, delivery by
destination MAC only, aging on the instruction clock, forged and malformed
frames dropped and counted (IEEE 802.1D forwarding, reduced to one LAN)."""
from __future__ import annotations

from hypothesis import given, strategies as st

from cp.vswitch import AGING, MAX_FRAME, VSwitch

from .net_support import arp_request, eth, ip, mac, udp

BCAST = b"\xff" * 6


class Clock:
    def __init__(self):
        self.now = 0

    def __call__(self):
        return self.now


def lan(n=3, **kw):
    clock = Clock()
    sw = VSwitch("LAN1", clock, **kw)
    got = {i: [] for i in range(1, n + 1)}
    ports = {i: sw.connect(f"VM{i}", got[i].append, mac=mac(i), ip=ip(f"10.0.2.{10 + i}"))
             for i in range(1, n + 1)}
    return sw, ports, got, clock


def frame(dst, src, n=1, payload=b"x" * 46):
    return eth(dst, mac(src) if isinstance(src, int) else src, 0x88B5, bytes([n]) + payload)


def test_unknown_unicast_is_flooded_then_learned_delivers_only_to_the_owner():
    sw, p, got, _ = lan()
    f1 = frame(mac(2), 1)
    p[1].send(f1)                               # VM2 unknown: flooded to 2 and 3
    assert got == {1: [], 2: [f1], 3: [f1]} and sw.counters["flooded"] == 1
    f2 = frame(mac(1), 2)
    p[2].send(f2)                               # VM1 learned from f1: only VM1
    assert got[1] == [f2] and got[3] == [f1] and sw.counters["flooded"] == 1
    f3 = frame(mac(2), 1, 3)
    p[1].send(f3)                               # VM2 learned from f2: VM3 gets nothing
    assert got[2] == [f1, f3] and got[3] == [f1]
    assert p[3].counters["received"] == 1 and p[2].counters["received"] == 2


def test_broadcast_reaches_every_other_port_in_connect_order():
    sw, p, _, _ = lan(4)
    order = []
    for i in (1, 2, 3, 4):
        p[i].deliver = lambda f, i=i: order.append(i)
    p[3].send(frame(BCAST, 3))
    assert order == [1, 2, 4] and sw.counters["broadcast"] == 1


def test_multicast_destination_is_flooded():
    sw, p, got, _ = lan()
    f = frame(bytes.fromhex("01005e000001"), 1)
    p[1].send(f)
    assert got[2] == [f] and got[3] == [f]


def test_learned_entry_ages_out_on_the_instruction_clock():
    sw, p, got, clock = lan(aging=1000)
    p[2].send(frame(BCAST, 2))                  # learn VM2 at t=0
    got[3].clear()
    clock.now = 1000                             # exactly the aging: still known
    p[1].send(frame(mac(2), 1))
    assert got[3] == []
    clock.now = 2001                             # VM2 last seen 0: gone -> flood
    p[1].send(frame(mac(2), 1, 2))
    assert len(got[3]) == 1 and sw.counters["aged"] == 1
    assert [m for m, _, _ in sw.table()] == ["02-00-00-00-00-01"]


def test_default_aging_is_300_seconds_at_one_mips():
    assert AGING == 300 * 1_000_000


def test_frame_back_to_its_own_port_is_filtered():
    sw, p, got, _ = lan()
    p[1].send(frame(BCAST, 1))
    p[1].send(frame(mac(1), 1))
    assert p[1].counters["filtered"] == 1 and got[1] == []


def test_forged_source_mac_is_dropped_and_counted():
    sw, p, got, _ = lan()
    p[3].send(frame(BCAST, 1))                  # VM3 claims VM1's MAC
    assert got == {1: [], 2: [], 3: []} and p[3].counters["forged"] == 1
    assert sw.macs == {}                        # and the switch learned nothing


def test_forged_ipv4_source_is_dropped():
    sw, p, got, _ = lan()
    pkt = udp(ip("10.0.2.11"), ip("10.0.2.12"), 1000, 7, b"hi")   # VM1's address, sent by VM3
    p[3].send(eth(BCAST, mac(3), 0x0800, pkt))
    assert p[3].counters["forged"] == 1 and got[2] == []
    good = udp(ip("10.0.2.13"), ip("10.0.2.12"), 1000, 7, b"hi")
    p[3].send(eth(BCAST, mac(3), 0x0800, good))
    assert p[3].counters["sent"] == 1 and len(got[2]) == 1


def test_forged_arp_sender_is_dropped_but_a_probe_passes():
    sw, p, got, _ = lan()
    p[3].send(arp_request(mac(3), ip("10.0.2.11"), ip("10.0.2.12")))
    assert p[3].counters["forged"] == 1
    p[3].send(arp_request(mac(3), ip("0.0.0.0"), ip("10.0.2.12")))     # RFC 5227 probe
    assert p[3].counters["sent"] == 1


def test_truncated_giant_and_group_source_frames_are_malformed():
    sw, p, got, _ = lan()
    p[1].send(b"\xff" * 13)
    p[1].send(frame(BCAST, 1, payload=b"\0" * (MAX_FRAME - 14)))        # 1515 bytes
    p[1].send(frame(BCAST, bytes.fromhex("030000000001")))              # group source
    assert p[1].counters["malformed"] == 3 and got[2] == []
    p[1].send(frame(BCAST, 1, payload=b"\0" * (MAX_FRAME - 15)))        # exactly 1514
    assert len(got[2]) == 1


def test_disconnected_port_is_forgotten():
    sw, p, got, _ = lan()
    p[2].send(frame(BCAST, 2))
    p[2].disconnect()
    got[3].clear()
    p[1].send(frame(mac(2), 1))
    assert got[3] != [] and got[2] == []
    got[3].clear()
    p[2].send(frame(BCAST, 2))                  # a card still holding the cable: nowhere
    assert got[3] == [] and p[2].counters["sent"] == 1


@given(st.lists(st.tuples(st.integers(1, 4), st.sampled_from([1, 2, 3, 4, 0xFF]),
                          st.integers(0, 3000)), max_size=30))
def test_property_delivery_matches_a_reference_learning_bridge(sends):
    """Each frame reaches exactly the ports a reference bridge (a dict of last
    seen times, written here) says: the owner when learned and fresh, else all
    others; never the sender (its own address is learned first: filtered)."""
    sw, p, got, clock = lan(4, aging=1000)
    seen = {}
    t = 0
    for src, dst, dt in sends:
        t += dt
        clock.now = t
        for g in got.values():
            g.clear()
        d = BCAST if dst == 0xFF else mac(dst)
        p[src].send(frame(d, src))
        seen[src] = t                           # learning comes before the lookup
        if dst != 0xFF and dst in seen and t - seen[dst] <= 1000:
            expect = set() if dst == src else {dst}
        else:
            expect = {1, 2, 3, 4} - {src}
        assert {i for i, g in got.items() if g} == expect


@given(st.binary(max_size=1600))
def test_property_hostile_bytes_never_raise(data):
    sw, p, got, _ = lan()
    p[1].send(data)
    assert sum(p[1].counters.values()) == 1
