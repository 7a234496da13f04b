"""Architecture backends of CP: everything the CP core needs that depends on the
guest architecture, behind one interface (base.py). ``create(machine, vm)``
makes the backend of one virtual machine: "S370" (s370.py, the default) or
"IA32" (ia32.py).

The types CP shares with the machines (shared.py: MachineError, RunResult)
reach the core from here too.
"""
from __future__ import annotations

from .ia32 import IA32Backend
from .s370 import S370Backend
from .shared import MachineError, RunResult

#: MACHINE names (directory, QUERY VIRTUAL) -> backend class
MACHINES = {"S370": S370Backend, "IA32": IA32Backend}
DEFAULT_MACHINE = "S370"

__all__ = ["MACHINES", "DEFAULT_MACHINE", "MachineError", "RunResult", "create"]


def create(machine: str, vm):
    """The backend of virtual machine ``vm`` for ``machine`` (a MACHINES name)."""
    cls = MACHINES.get(machine.upper())
    if cls is None:
        raise MachineError(f"unknown machine {machine!r} (known: {', '.join(MACHINES)})")
    return cls(vm)
