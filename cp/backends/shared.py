"""The two types CP shares with the machines: the error a user can cause
(``MachineError``, one line fit to print; the S/370 machine's storage and
devices raise it, and the IA-32 backend raises it for its own refusals) and the
outcome of a run (``RunResult``, the same for a bare and a virtual run so their
reports compare). The CP core takes them from here, never from a machine."""
from __future__ import annotations

from s370.errors import MachineError
from s370.machine import RunResult

__all__ = ["MachineError", "RunResult"]
