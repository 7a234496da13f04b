"""Instruction semantics, one module per family, bound to the table's forms.

Every family module exports ``SEMANTICS``: semantics name (the table's fourth
column) -> handler ``fn(cpu, ins)``, run with ``cpu.eip`` already past the
instruction; it raises ``CPUFault`` for exceptions. A module may also export
``SPECIALIZE``: name -> ``factory(ins)`` returning a handler made for that one
decoded instruction (operand registers, addressing and immediate baked in), or
None to use the generic handler; the decode cache keeps what the factory made.

``ia32.isa.system`` holds the system instructions (ia32sys's). The table's
``priv`` and ``pm_only`` flags are enforced here, around the handler, so no
semantics repeats them: #GP(0) at CPL > 0 or in V86 mode, #UD outside protected mode.
"""
from __future__ import annotations

from typing import Callable

from ..errors import CPUFault, GP, UD
from ..flags import VM
from . import alu, bcd, bits, control, misc, move, shift, stack, string
from .table import TABLE

try:
    from . import system
except ImportError:     # ia32sys's module not there yet: its forms give #UD
    system = None

Handler = Callable[..., None]

SEMANTICS: dict[str, Handler] = {}
SPECIALIZE: dict[str, Callable] = {}
for _family in (alu, bcd, bits, control, misc, move, shift, stack, string, system):
    SEMANTICS.update(getattr(_family, "SEMANTICS", {}))
    SPECIALIZE.update(getattr(_family, "SPECIALIZE", {}))


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


def handler_for(ins) -> Handler:
    """The handler that executes decoded instruction ``ins``."""
    form = ins.form
    h = None
    factory = SPECIALIZE.get(form.semantics)
    if factory is not None:
        h = factory(ins)
    if h is None:
        h = _generic.get(form)
        if h is not None:
            return h
        h = SEMANTICS.get(form.semantics, _undefined)
        if form.priv:
            h = _privileged(h)
        if form.pm_only:
            h = _protected_only(h)
        _generic[form] = h
        return h
    if form.priv:
        h = _privileged(h)
    if form.pm_only:
        h = _protected_only(h)
    return h


def missing() -> list[str]:
    """Semantics names in the table that no module implements (for tests and docs)."""
    return sorted({f.semantics for f in TABLE} - set(SEMANTICS) - set(SPECIALIZE))
