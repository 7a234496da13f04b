"""SHUTDOWN and the ``CP`` prefix (VM/370 DMKCPR, DMKCFC). A ``*`` comment is
handled by the scanner itself (registry.execute)."""
from __future__ import annotations

from .registry import Context, command, execute


@command("SHUTDOWN")
def cmd_shutdown(ctx: Context, args: list[str]) -> list[str]:
    """``SHUTDOWN``: log everybody off (spool files are already safe on disk) and
    stop CP."""
    if args:
        raise ctx.error(2, args[0].upper())
    from .logon import end_session, hang_up, log_off
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


@command("CP")
def cmd_cp(ctx: Context, args: list[str]) -> list[str]:
    """``CP command``: the rest of the line is a CP command."""
    if not args:
        return []
    out, _ = execute(ctx.host, ctx.terminal, ctx.session, " ".join(args), ctx.from_guest)
    return out
