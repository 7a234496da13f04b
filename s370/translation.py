"""Whether S/370 CPUs run translated blocks (s370/blocks.py) or the plain
interpreter loop: ``s370vm ... --translate on|off|auto``.

The two give the same results (tests/s370's differential tests); they differ in
speed, and which is faster depends on the runtime. CPython gains from
translation (one generated function per block instead of a dispatch per
instruction); PyPy's tracing JIT compiles the interpreter loop itself and may do
better on that one loop than on many generated functions (issue 20). ``auto``
(the default) chooses per runtime: ``AUTO_ON`` says for which implementations
translation is on, as measured with ``s370vm bench mips --translate on|off``.

A CPU reads the choice when it is made (``CPU.use_blocks``); a test or a tool
may still set ``use_blocks`` on one CPU.
"""
from __future__ import annotations

import platform

MODES = ("on", "off", "auto")
#: Python implementations for which ``auto`` means on. Measured (bench mips,
#: process-time MIPS, 2-core host): CPython 3.11 1.1 on / 0.8 off; PyPy 7.3.11
#: 5.1 on / 10.0 off for 3M instructions, 6.8 on / 7.5 off for 30M (JIT warm).
AUTO_ON = frozenset({"CPython"})

_mode = "auto"


def set_mode(mode: str) -> None:
    """``on``, ``off`` or ``auto`` for the CPUs made from now on."""
    global _mode
    if mode not in MODES:
        raise ValueError(f"translate mode {mode!r}: expected on, off or auto")
    _mode = mode


def mode() -> str:
    return _mode


def enabled() -> bool:
    """Whether a CPU made now runs translated blocks."""
    if _mode == "auto":
        return platform.python_implementation() in AUTO_ON
    return _mode == "on"
