"""DIAL (VM/370's DMKDIA): before logon, connect this terminal to a logged-on
virtual machine's display. Only 3270 terminals can be dialled (cp/tn3270/dialled.py)."""
from __future__ import annotations

from .devices import _vaddr
from .registry import Context, command


@command("DIAL")
def cmd_dial(ctx: Context, args: list[str]) -> list[str]:
    """``Dial userid [vaddr]``."""
    if not args or len(args[0]) > 8:
        raise ctx.error(20)
    vaddr = _vaddr(ctx, args[1]) if len(args) > 1 else None
    if len(args) > 2:
        raise ctx.error(3, args[2].upper())
    dial = getattr(ctx.terminal, "dial", None)
    if dial is None:                    # a line-mode terminal has no 3270 to give
        raise ctx.error(46, getattr(ctx.terminal, "name", "TERMINAL"))
    return dial(args[0].upper(), vaddr)
