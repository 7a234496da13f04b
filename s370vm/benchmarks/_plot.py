"""matplotlib on demand: charts are optional (the ``plot`` extra), so nothing
imports matplotlib until a ``--chart`` is asked for, and a missing one is a
one-line error instead of a traceback (PyPy environments leave it out)."""
from __future__ import annotations

from types import ModuleType

from s370.errors import MachineError


def plotting() -> ModuleType:
    """matplotlib with the file-only Agg backend, or a MachineError saying how to get it."""
    try:
        import matplotlib
    except ImportError:
        raise MachineError("--chart needs matplotlib: pip install 's370vm[plot]'") from None
    matplotlib.use("Agg")
    return matplotlib
