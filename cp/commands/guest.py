"""The guest machine as the command layer sees it.

CP commands need a small set of things from a virtual machine: its storage (read,
write, keys), registers and PSW, reset, a storage size change, IPL, running for a
budget of instructions, and the hand-off of console and unit-record I/O. This
module states that interface (``GuestMachine``); ``CoreGuest`` (coreguest.py)
implements it on the CP core, the one VM engine (cp.VirtualMachine: the
backend's CPU, intercepts, shadow tables, virtual devices).
"""
from __future__ import annotations

from typing import Protocol

#: Stop reasons returned by ``run``.
STOP_LIMIT, STOP_WAIT, STOP_READ, STOP_ADSTOP, STOP_TRACE, STOP_DISABLED, STOP_CHECK, STOP_CP = (
    "limit", "wait", "read", "adstop", "trace", "disabled-wait", "checkstop", "cp")


class GuestMachine(Protocol):
    """What the CP command layer needs from a virtual machine. Its registers and
    architecture operations are ``machine``'s (the VM's backend with its
    descriptor tables, cp/backends/base.py), on ``vm``."""
    size: int
    virt_seconds: float
    machine: object
    vm: object

    def read(self, addr: int, n: int) -> bytes: ...
    def write(self, addr: int, data: bytes) -> None: ...
    def reset(self, clear: bool = False) -> None: ...
    def set_storage(self, size: int) -> None: ...
    def ipl(self, vaddr: int) -> str | None: ...
    def run(self, budget: int) -> str: ...
    def console_input(self, line: str) -> bool: ...
