"""An S/370 guest on CP's virtual switch (guests/s370/ctcnet.asm over a CTCA NIC):
its UDP datagram goes through the NAT gateway to the outside host's echo
service and the answer comes back to it only; a forged one never leaves."""
from __future__ import annotations

import struct

from cp import System, SystemConfig, network
from cp.vswitch import plug_card
from cp.nat import GATEWAY_MAC, HostModel, NatGateway

from .net_support import GUESTS, eth, guest_image, ip, udp, verifies

VM_MAC = bytes.fromhex("020001000001")


def guest(frame: bytes):
    system = System(SystemConfig(slice=2000, nat=()))     # the test's own gateway
    host = HostModel()
    nat = NatGateway(system.switch("LAN1"), host)
    vm = system.logon("NET")
    network.define(vm, 0x700, "NIC")
    a = network.couple_switch(vm, 0x700, "LAN1")
    assert (a.mac, a.ip) == (VM_MAC, ip("10.0.2.15"))
    vm.ipl(image=guest_image("ctcnet"))
    vm.write_storage(0x1102, len(frame).to_bytes(2, "big"))
    vm.write_storage(0x2000, frame)
    return system, vm, nat, host, a


def test_udp_echo_through_the_nat_from_an_s370_guest():
    pkt = udp(ip("10.0.2.15"), ip("10.0.2.2"), 1234, 7, b"S/370 SAYS HELLO")
    system, vm, nat, host, a = guest(eth(GATEWAY_MAC, VM_MAC, 0x0800, pkt))
    assert system.run(500_000).stop == "wait"
    assert vm.psw == 0x0002000000000000
    assert nat.counters["created"] == 1 and nat.counters["returned"] == 1
    out = host.received[0]
    assert out[12:16] == ip("127.0.0.1") and struct.unpack("!HH", out[20:24]) == (49152, 7)
    reply = vm.read_storage(0x3000, 14 + len(pkt))
    assert reply[0:6] == VM_MAC and reply[6:12] == GATEWAY_MAC
    back = reply[14:]
    assert back[12:16] == ip("10.0.2.2") and back[16:20] == ip("10.0.2.15")
    assert struct.unpack("!HH", back[20:24]) == (7, 1234) and back[28:] == b"S/370 SAYS HELLO"
    assert verifies(back)
    assert vm.read_storage(0x1100, 2) == (1514 - 14 - len(pkt)).to_bytes(2, "big")
    assert a.port.counters["sent"] == 1 and a.port.counters["received"] == 1


def test_a_forged_source_from_the_guest_is_dropped_and_counted():
    pkt = udp(ip("10.0.2.99"), ip("10.0.2.2"), 1234, 7, b"NOT ME")
    system, vm, nat, host, a = guest(eth(GATEWAY_MAC, VM_MAC, 0x0800, pkt))
    system.run(100_000)
    assert host.received == [] and nat.entries == {}
    assert a.port.counters["forged"] == 1 and a.port.counters["sent"] == 0
    assert vm.state == "running"                 # still waiting for an answer that never comes


def _vm_on_lan(system, userid: str, frame_to: bytes):
    vm = system.logon(userid)
    network.define(vm, 0x700, "NIC")
    a = network.couple_switch(vm, 0x700, "LAN1")
    frame = eth(frame_to, a.mac, 0x88B5, f"FROM {userid}".encode().ljust(46, b"\0"))
    vm.ipl(image=guest_image("ctcnet"))
    vm.write_storage(0x1102, len(frame).to_bytes(2, "big"))
    vm.write_storage(0x2000, frame)
    return vm, a, frame


def test_two_s370_guests_exchange_frames_over_the_switch():
    """The same switch carries a CTCA link: each ctcnet guest writes a frame to
    the other's MAC and reads the other's frame."""
    system = System(SystemConfig(slice=2000))
    mac1, mac2 = bytes.fromhex("020001000001"), bytes.fromhex("020001000002")
    one, a1, f1 = _vm_on_lan(system, "ONE", mac2)
    two, a2, f2 = _vm_on_lan(system, "TWO", mac1)
    assert (a1.mac, a2.mac) == (mac1, mac2)
    assert system.run(500_000).stop == "wait"
    assert one.psw == two.psw == 0x0002000000000000
    assert one.read_storage(0x3000, len(f2)) == f2 and two.read_storage(0x3000, len(f1)) == f1
    assert a1.port.counters["received"] == a2.port.counters["received"] == 1


def test_an_s370_guest_and_an_ia32_machine_share_the_lan():
    """guests/s370/ctcnet.asm's frame to an IA-32 machine running guests/ia32/
    net/echo.asm comes back turned around."""
    from ia32.asm import assemble_file
    from ia32.loaders.multiboot import load_multiboot
    from ia32.machine import Machine

    system = System(SystemConfig(slice=2000))
    pc_mac = bytes.fromhex("0200010000ee")
    vm, a, frame = _vm_on_lan(system, "S370", pc_mac)
    pc = Machine(2 << 20)
    echo = assemble_file(str(GUESTS.parent / "ia32" / "net" / "echo.asm"))
    load_multiboot(pc, "echo", echo.binary)
    plug_card(pc.nic, system.switch("LAN1"), "PC", pc_mac, None)
    for _ in range(20):
        system.run(20_000)
        pc.run(5_000)
    assert vm.psw == 0x0002000000000000
    back = vm.read_storage(0x3000, len(frame))
    assert back[0:6] == a.mac and back[6:12] == pc_mac and back[14:20] == b"EROM S"


def test_s370_guest_reaches_a_udp_echo_server_on_the_hosts_loopback():
    """CP's default NAT on LAN1 (LoopbackHost): the guest's datagram to the host
    alias 10.0.2.2 reaches a real socket the test opened on 127.0.0.1, and the
    server's answer comes back to the guest."""
    import socket
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.0.0.1", 0))
    server.settimeout(5)
    port = server.getsockname()[1]
    system = System(SystemConfig(slice=2000))
    try:
        vm = system.logon("NET")
        network.define(vm, 0x700, "NIC")
        network.couple_switch(vm, 0x700, "LAN1")
        pkt = udp(ip("10.0.2.15"), ip("10.0.2.2"), 4000, port, b"TO THE LOOPBACK")
        frame = eth(GATEWAY_MAC, VM_MAC, 0x0800, pkt)
        vm.ipl(image=guest_image("ctcnet"))
        vm.write_storage(0x1102, len(frame).to_bytes(2, "big"))
        vm.write_storage(0x2000, frame)
        system.run(20_000)                          # sent; the guest waits for the answer
        data, peer = server.recvfrom(2048)
        assert data == b"TO THE LOOPBACK"
        server.sendto(b"ECHO " + data, peer)
        for _ in range(100):
            system.run(20_000)
            if vm.psw == 0x0002000000000000:
                break
        back = vm.read_storage(0x3000, 14 + 28 + 20)[14:]
        assert back[12:16] == ip("10.0.2.2") and struct.unpack("!HH", back[20:24]) == (port, 4000)
        assert back[28:48] == b"ECHO TO THE LOOPBACK" and verifies(back[:48])
    finally:
        server.close()
        system.switch("LAN1").nat.outside.close()
