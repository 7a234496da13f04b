"""SHUTDOWN (VM/370 DMKCPR). The ``CP`` prefix and a ``*`` comment are the
scanner's own (processor.py)."""
from __future__ import annotations

from .logon import end_session, hang_up, log_off
from .registry import Context, command


@command("SHUTDOWN")
def cmd_shutdown(ctx: Context, args: list[str]) -> list[str]:
    """``SHUTDOWN``: log everybody off (spool files are already safe on disk) and
    stop CP."""
    if args:
        raise ctx.error(2, args[0].upper())
    host = ctx.host
    me = ctx.session
    for s in list(host.sessions.values()):
        if s is me:
            continue
        log_off(s, forced=True)
    term = me.terminal
    lines = end_session(me)
    lines += ["DMKCKP960I SYSTEM WARM START DATA SAVED", "DMKCKP961W SYSTEM SHUTDOWN COMPLETE"]
    host.oplog += lines[-2:]
    host.shutdown = True
    hang_up(term, lines)
    return []
