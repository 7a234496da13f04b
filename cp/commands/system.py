"""SHUTDOWN (VM/370 DMKCPR). The ``CP`` prefix and a ``*`` comment are the
scanner's own (processor.py)."""
from __future__ import annotations

from .logon import end_session, hang_up, log_off
from .registry import Context, command

CHECKPOINT = ["DMKCKP960I SYSTEM WARM START DATA SAVED", "DMKCKP961W SYSTEM SHUTDOWN COMPLETE"]


def shut_down(host, by=None) -> None:
    """What SHUTDOWN does, also for a service manager's SIGTERM (``by`` None):
    every user is logged off BY SYSTEM (their open spool files closed, so
    nothing is lost), the checkpoint lines go to the operator, CP stops. The
    terminals show no logo afterwards: the system is down."""
    host.shutdown = True
    host.wake()                         # the guest loop ends now, not after its pause
    for s in list(host.sessions.values()):
        if s is not by:
            log_off(s, forced=True)
    if by is not None:
        term = by.terminal
        hang_up(term, end_session(by, by_system=True) + CHECKPOINT)
    for line in CHECKPOINT:
        host.operator(line)


@command("SHUTDOWN")
def cmd_shutdown(ctx: Context, args: list[str]) -> list[str]:
    """``SHUTDOWN``: log everybody off (spool files are already safe on disk) and
    stop CP."""
    if args:
        raise ctx.error(2, args[0].upper())
    shut_down(ctx.host, ctx.session)
    return []
