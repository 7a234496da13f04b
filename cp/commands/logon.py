"""LOGON / LOGIN, LOGOFF / LOGOUT, DISCONN and FORCE: the session life cycle
(VM/370 modules DMKLOG and DMKUSO)."""
from __future__ import annotations

import time

from ..logon_guard import LOCAL
from .context import Session
from .devices import register_own, release
from .ipl import do_ipl
from .messages import CPError, account_line, stamp
from .registry import Context, abbrev, command


@command("LOGON", "LOGIN")
def cmd_logon(ctx: Context, args: list[str]) -> list[str]:
    """``Logon|Login userid [password] [Mask] [Noipl]``. Without a password the
    terminal prompts for it (and does not echo the answer)."""
    if not args:
        raise ctx.error(20)
    userid = args[0].upper()
    if len(userid) > 8:
        raise ctx.error(20)
    noipl = False
    password = None
    for a in args[1:]:
        if abbrev(a, "NOIPL", 1):
            noipl = True
        elif abbrev(a, "MASK", 1):
            continue                # typewriter masking: nothing to do on our terminals
        elif password is None:
            password = a
        else:
            raise ctx.error(2, a.upper())
    user = ctx.host.directory.get(userid)
    if user is None or user.nolog:
        raise ctx.error(53, userid)
    if password is None:
        ctx.terminal.pending_logon = (userid, noipl)
        return ["ENTER PASSWORD:"]
    return complete_logon(ctx.host, ctx.terminal, userid, password, noipl)


def check_password(host, terminal, user, password: str) -> bool:
    """The password check, slowed down after wrong ones (cp/logon_guard.py);
    each failure is logged for the operator, never the password itself."""
    guard = host.logon_guard
    address = getattr(terminal, "address", LOCAL)
    if guard.wait(user.userid, address, terminal) > 0:
        return False                # another terminal's delay runs: not even checked
    if user.check_password(password):
        guard.succeeded(user.userid, address)
        return True
    count, delay = guard.failed(user.userid, address, terminal)
    terminal.hold_until = time.monotonic() + delay
    host.operator(f"{terminal.name} LOGON FAILED AS {user.userid:<8} FROM {address}: "
                  f"{count:03d} IN A ROW, NEXT TRY IN {delay:.0f} SECONDS")
    return False


def take_over(host, session: Session, terminal) -> None:
    """LOGON with the right password of a user connected at another terminal:
    that terminal is told and disconnected, this one reconnects."""
    old = session.terminal
    old.write(f"DISCONNECT AT {stamp(host.clock())}")
    old.write(f"{session.userid} RECONNECTED AT {terminal.name}")
    host.operator(f"{old.name} DSCONNECT AS {session.userid:<8} USERS = {host.users_count():03d}")
    session.terminal = None
    old.session = None
    old.logged_off()


def complete_logon(host, terminal, userid: str, password: str, noipl: bool) -> list[str]:
    """Check the password and connect the terminal to a new or disconnected
    session, or take a connected one over from its terminal."""
    user = host.directory.get(userid)
    if user is None or not check_password(host, terminal, user, password):
        return [CPError("LOG", 50).line()]
    existing = host.sessions.get(user.userid)
    if existing is not None:
        if not existing.disconnected:
            take_over(host, existing, terminal)
        existing.terminal = terminal
        existing.disconnect_time = None
        existing.running = False
        terminal.session = existing
        host.operator(f"{terminal.name} RECONNECT AS {user.userid:<8} USERS = {host.users_count():03d}")
        return [f"RECONNECTED AT {stamp(host.clock())}"]
    if len(host.sessions) >= host.max_users:
        return [CPError("LOG", 67).line()]
    s = Session(host, user, terminal)
    host.sessions[user.userid] = s
    terminal.session = s
    host.operator(f"{terminal.name} LOGON  AS {user.userid:<8} USERS = {host.users_count():03d}")
    out = [f"LOGMSG - {ln}" for ln in host.logmsg]
    out += register_own(s)
    out.append(f"LOGON AT {stamp(host.clock())}")
    if host.logon_hook is not None:
        host.logon_hook(user.userid)
    files = files_line(host, user.userid)
    if files:
        out.append(files)
    if user.ipl and not noipl:
        try:
            out += do_ipl(s, user.ipl, [] if user.ipl_parm is None else ["PARM", user.ipl_parm], "CFG")
        except CPError as err:
            out.append(err.line(s.settings["EMSG"]))
    return out


def files_line(host, userid: str) -> str | None:
    """``FILES: 002 RDR,  NO PRT,  NO PUN`` (None when there are none)."""
    counts = [len(host.spool.queue(userid, q)) for q in ("RDR", "PRT", "PUN")]
    if not any(counts):
        return None
    parts = [f"{n:03d} {q}" if n else f"NO {q}" for n, q in zip(counts, ("RDR", "PRT", "PUN"))]
    return "FILES: " + ",  ".join(parts)


def end_session(session: Session, forced: bool = False, by_system: bool | None = None) -> list[str]:
    """Log a user off: close open spool files, drop the session, tell the operator.
    Returns the lines for the user's terminal. ``forced`` (FORCE, SHUTDOWN of the
    others, the disconnect timeout) adds FORCED on the operator's line;
    ``by_system`` (default: ``forced``) adds BY SYSTEM on the user's, which the
    operator's own SHUTDOWN also gets."""
    host = session.host
    for d in session.devices.values():
        if d.unit is not None:
            d.unit.close(host.spool)
    release(session)
    session.running = False
    now = host.clock()
    connect = now - session.logon_time
    virt = session.guest.virt_seconds
    lines = [account_line(connect, virt, virt + session.cp_seconds),
             f"LOGOFF AT {stamp(now)}" + (" BY SYSTEM" if (forced if by_system is None else by_system)
                                          else "")]
    host.sessions.pop(session.userid, None)
    close = getattr(session.guest, "close", None)
    if close is not None:
        close()
    where = session.terminal.name if session.terminal is not None else "USER DSC"
    host.operator(f"{where} LOGOFF AS {session.userid:<8} USERS = {host.users_count():03d}"
                  + (" FORCED" if forced else ""))
    term = session.terminal
    session.terminal = None
    if term is not None:
        term.session = None
    return lines


def hang_up(term, lines: list[str]) -> None:
    """Write a logged-off user's last lines to the terminal (if it has one) and
    hand the terminal back to the logon screen."""
    if term is not None:
        for ln in lines:
            term.write(ln)
        term.logged_off()


def log_off(session: Session, forced: bool = False) -> None:
    """``end_session``, with its lines shown on the user's terminal before it is
    released (LOGOFF, FORCE, SHUTDOWN)."""
    term = session.terminal
    hang_up(term, end_session(session, forced))


@command("LOGOFF", "LOGOUT")
def cmd_logoff(ctx: Context, args: list[str]) -> list[str]:
    """``LOGoff|LOGout [HOld]``."""
    for a in args:
        if not abbrev(a, "HOLD", 2):
            raise ctx.error(3, a.upper())
    log_off(ctx.session)
    return []


@command("DISCONN")
def cmd_disconn(ctx: Context, args: list[str]) -> list[str]:
    """``DISConn [HOld]``: the virtual machine keeps running without a terminal;
    a later LOGON from any terminal reconnects it."""
    for a in args:
        if not abbrev(a, "HOLD", 2):
            raise ctx.error(3, a.upper())
    s = ctx.session
    host = ctx.host
    term = s.terminal
    if term is None:
        return []
    term.write(f"DISCONNECT AT {stamp(host.clock())}")
    host.operator(f"{term.name} DSCONNECT AS {s.userid:<8} USERS = {host.users_count():03d}")
    s.terminal = None
    s.disconnect_time = host.clock()
    s.running = s.ipled
    term.session = None
    term.logged_off()
    return []


@command("FORCE")
def cmd_force(ctx: Context, args: list[str]) -> list[str]:
    """``FORCE userid``: the operator logs a user off."""
    if not args:
        raise ctx.error(20)
    target = ctx.host.sessions.get(args[0].upper())
    if target is None:
        raise ctx.error(45, args[0].upper())
    log_off(target, forced=True)
    return []
