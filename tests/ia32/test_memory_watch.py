"""Several watchers on one physical page (ia32/memory.py): the CPU's decoded-code
pages and a monitor's traced table pages can be the same page, and each watcher
hears every write and unwatches only itself."""
from __future__ import annotations

from ia32.memory import Memory


def test_every_watcher_hears_a_write_and_unwatches_only_itself():
    mem = Memory(1 << 20)
    a, b = [], []

    def wa(addr, size):
        a.append((addr, size))

    def wb(addr, size):
        b.append((addr, size))
    mem.watch(5, wa)
    mem.watch(5, wb)
    mem.watch(5, wa)                       # once per callback
    assert not mem.plain_write(5)
    mem.write(0x5004, 4, 0x11223344)
    assert a == b == [(0x5004, 4)]
    mem.unwatch(5, wa)
    mem.write(0x5008, 2, 0x5566)
    assert a == [(0x5004, 4)] and b == [(0x5004, 4), (0x5008, 2)]
    mem.unwatch(5, wa)                     # not watching any more: nothing happens
    mem.unwatch(5, wb)
    assert mem.plain_write(5)
    mem.write(0x500C, 1, 7)
    assert len(b) == 2 and mem.ram[0x5004:0x500D] == bytes.fromhex("443322116655000007")


def test_a_watcher_may_unwatch_itself_while_called():
    mem = Memory(1 << 20)
    seen = []

    def once(addr, size):
        seen.append("once")
        mem.unwatch(2, once)

    def always(addr, size):
        seen.append("always")
    mem.watch(2, once)
    mem.watch(2, always)
    mem.write(0x2000, 1, 1)
    mem.load(0x2000, b"xy")
    assert seen == ["once", "always", "always"]
