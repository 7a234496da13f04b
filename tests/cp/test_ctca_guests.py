"""Two S/370 guests under CP talk over a coupled virtual CTCA (guests/s370/
ctcping.asm and ctcpong.asm): write, attention, SENSE COMMAND BYTE, read, the
answer back, WRITE EOF ending the other side's read with unit exception."""
from __future__ import annotations

import pytest

from cp import System, SystemConfig
from s370.devices.ctca import CTCA, couple
from s370.ebcdic import to_ebcdic

from .net_support import guest_image as image


@pytest.mark.parametrize("first", ["PING", "PONG"])
def test_ctcping_and_ctcpong_exchange_messages(first):
    system = System(SystemConfig(slice=2000))      # short slices: the sides take turns often
    users = {u: system.logon(u) for u in ((first, "PONG") if first == "PING" else ("PONG", "PING"))}
    ping, pong = users["PING"], users["PONG"]
    a, b = CTCA(0x500), CTCA(0x600)
    ping.attach(a)
    pong.attach(b)
    couple(a, b)
    ping.ipl(image=image("ctcping"))
    pong.ipl(image=image("ctcpong"))
    result = system.run(2_000_000)
    assert result.stop == "wait"
    for vm in (ping, pong):
        assert vm.cpu.wait and vm.psw == 0x0002000000000000, hex(vm.psw)   # address 0: success
    message = to_ebcdic("PING FROM CTCPING").ljust(20, b"\x40")
    assert pong.read_storage(0x1004, 16) == message[4:]               # (PONG wrote over PING)
    assert pong.read_storage(0x1100, 1) == b"\x01"                      # the command byte
    assert pong.read_storage(0x1102, 2) == (60).to_bytes(2, "big")      # 80 asked, 20 came
    assert ping.read_storage(0x1000, 20) == to_ebcdic("PONG").ljust(4) + message[4:]
    assert ping.read_storage(0x1100, 2) == (60).to_bytes(2, "big")
    assert ping.read_storage(0x1102, 1) == b"\x0d"                      # CE DE UE: end of file
