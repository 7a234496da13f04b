"""Two IA-32 virtual machines under CP, each with DEFINE NIC's card coupled to
LAN1 (cp/backends/ia32_net.py): guests/ia32/net/ping.asm's frame reaches
echo.asm's VM, which turns it around; a third VM on the LAN gets only the first,
flooded frame."""
from __future__ import annotations

from pathlib import Path

from cp import System, SystemConfig, network
from ia32.asm import assemble_file

NET = Path(__file__).resolve().parents[2] / "guests" / "ia32" / "net"


def vm_with_nic(system, userid: str, guest: str | None):
    vm = system.logon(userid, 2 << 20, reader=None, punch=None, printer=None, machine="IA32")
    network.define(vm, 0x600, "NIC")
    network.couple_switch(vm, 0x600, "LAN1")
    if guest is not None:
        a = assemble_file(str(NET / f"{guest}.asm"))
        assert a.ok, [str(e) for e in a.errors]
        vm.backend.boot_options("multiboot", "")
        vm.ipl(image=a.binary)
    return vm


def test_two_ia32_vms_exchange_frames_over_lan1():
    system = System(SystemConfig(slice=2000, nat=()))
    ping = vm_with_nic(system, "PING", "ping")         # MAC 02-00-01-00-00-01
    echo = vm_with_nic(system, "ECHO", "echo")         # MAC 02-00-01-00-00-02
    idle = vm_with_nic(system, "IDLE", None)           # never IPLed: its card just listens
    assert [vm.adapters[0x600].mac[-1] for vm in (ping, echo, idle)] == [1, 2, 3]
    system.run(400_000)
    assert ping.backend.exit_code == echo.backend.exit_code == 1      # (0 << 1) | 1: done
    got = ping.storage.read(0x180000, 39)
    assert got[0:6] == bytes((2, 0, 1, 0, 0, 1)) and got[6:12] == bytes((2, 0, 1, 0, 0, 2))
    assert got[14:39] == b"EING FROM AN IA-32 GUEST\0"
    assert len(idle.backend.netcard.rx) == 1 and idle.backend.netcard.rx[0][14:18] == b"PING"
    p, e = ping.adapters[0x600].port.counters, echo.adapters[0x600].port.counters
    assert (p["sent"], p["received"], e["sent"], e["received"]) == (1, 1, 1, 1)
