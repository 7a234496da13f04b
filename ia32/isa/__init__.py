"""Instruction semantics, one module per family, bound to the table's forms.

A family module exports either or both of:

``FRAGMENTS``  semantics name (the table's fourth column) -> ``fragment(ins)``
               returning the Python lines that execute that decoded instruction
               (operands written in as literals; see ``ia32.isa.gen``), or None
               when this instance has no fragment. The block translator
               (``ia32.blocks``) splices consecutive fragments into one function.
``SEMANTICS``  semantics name -> handler ``fn(cpu, ins)`` for everything else,
               run with ``cpu.eip`` already past the instruction; it may change
               anything (segments, modes, EIP), so it ends a block.

Both raise ``CPUFault`` for exceptions. ``ia32.isa.system`` holds the system
instructions (ia32sys's). The table's ``priv`` and ``pm_only`` flags are
enforced here, around the handler, so no semantics repeats them: #GP(0) at
CPL > 0 or in V86 mode, #UD outside protected mode.
"""
from __future__ import annotations

from typing import Callable

from ..errors import CPUFault, GP, UD
from ..flags import VM
from . import alu, bcd, bits, control, misc, move, muldiv, shift, stack, string, system
from .table import TABLE

Handler = Callable[..., None]

SEMANTICS: dict[str, Handler] = {}
FRAGMENTS: dict[str, Callable] = {}
for _family in (alu, bcd, bits, control, misc, move, muldiv, shift, stack, string, system):
    SEMANTICS.update(getattr(_family, "SEMANTICS", {}))
    FRAGMENTS.update(getattr(_family, "FRAGMENTS", {}))
#: fragments that assign cpu.eip; those with one known target; the conditional
#: ones (semantics -> lines setting ``t``); those that end a block
BRANCHES = control.BRANCHES
DIRECT = control.DIRECT
CONDITIONAL = control.CONDITIONAL
ENDS_BLOCK = control.ENDS_BLOCK


def _undefined(cpu, ins) -> None:
    raise CPUFault(UD)


def _privileged(h: Handler) -> Handler:
    def privileged(cpu, ins):
        if cpu.cr[0] & 1 and (cpu.cpl or cpu.eflags & VM):
            raise CPUFault(GP, 0)
        h(cpu, ins)
    return privileged


def _protected_only(h: Handler) -> Handler:
    def protected_only(cpu, ins):
        if not cpu.cr[0] & 1 or cpu.eflags & VM:
            raise CPUFault(UD)
        h(cpu, ins)
    return protected_only


_generic: dict = {}


def fragment_for(ins) -> list[str] | None:
    """The source lines of ``ins`` for a block, or None if it runs as a handler."""
    form = ins.form
    factory = FRAGMENTS.get(form.semantics)
    if factory is None or form.priv or form.pm_only:
        return None
    return factory(ins)


def handler_for(ins) -> Handler:
    """The handler that executes ``ins`` when it has no fragment."""
    form = ins.form
    h = _generic.get(form)
    if h is None:
        h = SEMANTICS.get(form.semantics, _undefined)
        if form.priv:
            h = _privileged(h)
        if form.pm_only:
            h = _protected_only(h)
        _generic[form] = h
    return h


def missing() -> list[str]:
    """Semantics names in the table that no module implements (for tests and docs)."""
    return sorted({f.semantics for f in TABLE} - set(SEMANTICS) - set(FRAGMENTS))
