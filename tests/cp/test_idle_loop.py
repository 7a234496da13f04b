"""The guest loop of the interactive CP (cp/telnet.py run_guests) while every
guest waits (issue 20: an idle system uses almost no CPU): its pause doubles
up to IDLE_SLEEP_MAX, and terminal input ends a pause at once (Host.wake)."""
from __future__ import annotations

import asyncio
import time

from cp import telnet
from cp.terminal import Terminal
from s370vm.cmd_cp import build_host


def idle_host():
    host = build_host()
    out: list[str] = []
    t = Terminal(host, "GRAF 0C1", out.append)
    t.handle_line("LOGON GUEST1 GUEST")
    t.handle_line("IPL 00C")                 # the monitor guest: waits at its console read
    host.settle()
    assert t.state == "VM READ"
    turns: list[float] = []
    run_guest = host.run_guest

    def counted(s, budget=None):
        turns.append(time.monotonic())
        return run_guest(s, budget)
    host.run_guest = counted
    return host, t, out, turns


def test_idle_turns_get_further_apart(monkeypatch):
    monkeypatch.setattr(telnet, "IDLE_SLEEP", 0.01)
    monkeypatch.setattr(telnet, "IDLE_SLEEP_MAX", 30.0)
    host, t, out, turns = idle_host()

    async def main():
        stop = asyncio.Event()
        loop = asyncio.ensure_future(telnet.run_guests(host, stop))
        await asyncio.sleep(1.0)
        host.shutdown = True
        host.wake()
        await asyncio.wait_for(loop, 5)
    asyncio.run(main())
    # pauses of 0.01, 0.02, 0.04 ... 0.64 s: 8 turns in the first second
    # (the former fixed 20 ms pause made 50)
    assert 2 <= len(turns) <= 10


def test_a_line_typed_ends_the_pause_at_once(monkeypatch):
    monkeypatch.setattr(telnet, "IDLE_SLEEP", 0.01)
    monkeypatch.setattr(telnet, "IDLE_SLEEP_MAX", 30.0)
    host, t, out, turns = idle_host()

    async def main():
        stop = asyncio.Event()
        loop = asyncio.ensure_future(telnet.run_guests(host, stop))
        await asyncio.sleep(2.0)             # the pause is past 1 s now
        before = len(turns)
        t.handle_line("ECHO HELLO THERE")
        t0 = time.monotonic()
        while len(turns) == before and time.monotonic() - t0 < 10:
            await asyncio.sleep(0.01)
        woke = time.monotonic() - t0
        host.shutdown = True
        host.wake()
        await asyncio.wait_for(loop, 5)
        return woke
    assert asyncio.run(main()) < 5       # not the 30 s pause
    assert any("HELLO THERE" in line for line in out), out[-5:]
