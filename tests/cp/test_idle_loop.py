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


class FakeSession:
    def __init__(self, busy: bool):
        self.busy, self.running, self.turns = busy, True, 0

    @property
    def status(self) -> str:
        return "RUNNING" if self.busy else "VM READ"


class FakeHost:
    """What run_guests uses of a Host: sessions, slice, run_guest, shutdown, waker."""

    def __init__(self, idle: int, turns: int):
        self.sessions = {f"U{i}": FakeSession(False) for i in range(idle)}
        self.busy = self.sessions["BUSY"] = FakeSession(True)
        self.slice, self.shutdown, self.waker, self.left = 20_000, False, None, turns

    def wake(self) -> None:
        if self.waker is not None:
            self.waker()

    def run_guest(self, s, budget=None) -> bool:
        s.turns += 1
        if s is self.busy:
            self.left -= 1
            self.shutdown = self.left <= 0
        return s.busy


def test_many_waiting_guests_are_visited_once_per_sweep_beside_a_busy_one():
    from cp.dispatcher import SWEEP_RATIO
    host = FakeHost(idle=320, turns=200)
    asyncio.run(asyncio.wait_for(telnet.run_guests(host), 30))
    assert host.busy.turns == 200
    # 321 sessions: everybody is visited every 321 / SWEEP_RATIO = 20 turns
    idle_turns = [s.turns for s in host.sessions.values() if s is not host.busy]
    assert max(idle_turns) <= 200 * SWEEP_RATIO // len(host.sessions) + 1
    assert min(idle_turns) >= 200 * SWEEP_RATIO // len(host.sessions) - 1


def test_few_waiting_guests_are_visited_every_turn():
    host = FakeHost(idle=3, turns=50)
    asyncio.run(asyncio.wait_for(telnet.run_guests(host), 30))
    assert [s.turns for s in host.sessions.values()] == [50, 50, 50, 50]


def test_a_wake_visits_everybody_at_the_next_turn():
    host = FakeHost(idle=320, turns=20)      # the regular sweeps: turns 1 and 21
    target = host.sessions["U7"]
    original = host.run_guest

    def run_guest(s, budget=None):
        if s is host.busy and host.left == 15:
            host.wake()                 # a line typed for U7's guest, say
        return original(s, budget)
    host.run_guest = run_guest
    asyncio.run(asyncio.wait_for(telnet.run_guests(host), 30))
    assert target.turns == 2            # the first turn, and the one after the wake
