"""MSG / MESSAGE, MSGNOH and WARNING / WNG (VM/370 DMKMSG)."""
from __future__ import annotations

from .registry import Context, command


def _send(ctx: Context, args: list[str], header: str | None, setting: str) -> list[str]:
    if not args:
        raise ctx.error(20)
    s = ctx.session
    host = ctx.host
    target = args[0].upper()
    text = " ".join(args[1:])
    if target == "*":
        target = s.userid
    if target == "ALL":
        if not s.user.has_class("AB"):
            raise ctx.error(20)
        receivers = [u for u in host.sessions.values() if u.userid != s.userid]
    else:
        if len(target) > 8:
            raise ctx.error(20)
        r = host.sessions.get(target)       # not logged on (in the directory or not): 045E
        if r is None:
            raise ctx.error(45, target)
        receivers = [r]
    if not text:
        raise ctx.error(26)                 # no text: nothing is sent
    out = []
    for r in receivers:
        if r.disconnected:
            out.append(ctx.error(57, r.userid, "DISCONNECTED").line(s.settings["EMSG"]))
            continue
        if r.settings[setting] == "OFF":
            out.append(ctx.error(57, r.userid, f"{setting} OFF").line(s.settings["EMSG"]))
            continue
        r.out(text if header is None else f"{header} FROM {s.userid:<8}:  {text}")
    return [ln for ln in out if ln]


@command("MSG", "MESSAGE")
def cmd_msg(ctx: Context, args: list[str]) -> list[str]:
    """``Msg {userid|OPERATOR|*|ALL} text`` (ALL needs class A or B)."""
    return _send(ctx, args, "MSG", "MSG")


@command("MSGNOH")
def cmd_msgnoh(ctx: Context, args: list[str]) -> list[str]:
    """``MSGNOH userid text``: the text without the MSG FROM header."""
    return _send(ctx, args, None, "MSG")


@command("WARNING", "WNG")
def cmd_warning(ctx: Context, args: list[str]) -> list[str]:
    """``Warning {userid|ALL} text``: received as ``WNG FROM userid:  text``."""
    return _send(ctx, args, "WNG", "WNG")
