"""What CP shares with the machines: the error a user can cause
(``MachineError``, one line fit to print; the S/370 machine's storage and
devices raise it, and the IA-32 backend raises it for its own refusals), the
outcome of a run (``RunResult``, the same for a bare and a virtual run so their
reports compare), and the code of CP's spool files (EBCDIC, as VM/370's spool
held them, whatever machine a file comes from). The CP core takes them from
here, never from a machine."""
from __future__ import annotations

from s370.ebcdic import to_ascii, to_ebcdic
from s370.errors import MachineError
from s370.machine import RunResult

__all__ = ["MachineError", "RunResult", "to_ascii", "to_ebcdic"]
