"""Three IA-32 machines' network cards on one virtual switch through
cp.vswitch.plug_card (the cable an IA-32 VM's NIC uses): guests/ia32/net/
ping.asm sends a frame to echo.asm's MAC, echo.asm turns it around; the third
machine gets only the first, flooded frame (the destination was not learned
yet), never the answer."""
from __future__ import annotations

from pathlib import Path

from cp.vswitch import VSwitch, plug_card
from ia32.asm import assemble_file
from ia32.loaders.multiboot import load_multiboot
from ia32.machine import Machine

NET = Path(__file__).resolve().parents[2] / "guests" / "ia32" / "net"


def machine(name: str | None, switch: VSwitch, n: int):
    m = Machine(2 << 20)
    if name is not None:
        a = assemble_file(str(NET / f"{name}.asm"))
        assert a.ok, [str(e) for e in a.errors]
        load_multiboot(m, name, a.binary)
    port = plug_card(m.nic, switch, f"PC{n}", bytes((2, 0, 1, 0, 0, n)), None)
    return m, port


def test_two_ia32_guests_exchange_frames_through_the_switch():
    sw = VSwitch("LAN1")
    ping, p1 = machine("ping", sw, 1)
    echo, p2 = machine("echo", sw, 2)
    third, p3 = machine(None, sw, 3)           # never runs: its card just receives
    stops = {}
    for _ in range(50):
        for name, m in (("echo", echo), ("ping", ping)):
            if name not in stops:
                r = m.run(2000)
                if r.stop != "limit":
                    stops[name] = r.stop
        if len(stops) == 2:
            break
    assert stops == {"echo": "exit", "ping": "exit"}
    got = ping.memory.read_bytes(0x180000, 60)
    assert got[0:6] == bytes((2, 0, 1, 0, 0, 1)) and got[6:12] == bytes((2, 0, 1, 0, 0, 2))
    assert got[12:14] == b"\x88\xb5" and got[14:39] == b"EING FROM AN IA-32 GUEST\0"
    assert len(third.nic.rx) == 1 and third.nic.rx[0][14:18] == b"PING"
    assert (p1.counters["sent"], p1.counters["received"]) == (1, 1)
    assert (p2.counters["sent"], p2.counters["received"]) == (1, 1)
    assert p3.counters["received"] == 1 and sw.counters["flooded"] == 1
    assert ping.nic.sent == 1 and echo.nic.received == 1
