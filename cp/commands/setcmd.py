"""SET (VM/370 DMKCFC's SETLIST): the user's and the system's switches.

The assist switches (ASSIST, SASSIST, CPASSIST, STBYPASS) are stored here per
user (``session.settings``) and system-wide (``host.system_flags``); the guest is
told through ``configure_assists`` when it offers it, so the assists layer can act
on them. ``SET VMMODE NAIVE|SCAN|TRANSLATE|PARAVIRT`` (ours) chooses how a
machine with modes (IA-32) is virtualized; a virtual 370 has none (trap-and-
emulate suffices there), so it answers DMKCFC003E. An operand the user's class does not allow is answered like an
unknown command, as VM/370 did.
"""
from __future__ import annotations

from ..backends import MachineError

from .messages import CPError
from .registry import Context, abbrev, command

ONOFF = ("ON", "OFF")
#: operand, minimum, classes, allowed values (None = special handling)
OPERANDS = (
    ("RUN", 3, "G", ONOFF),
    ("TIMER", 5, "G", ("ON", "OFF", "REAL")),
    ("ASSIST", 2, "G", None),
    ("SASSIST", 3, "C", ONOFF),
    ("CPASSIST", 3, "C", ONOFF),
    ("STBYPASS", 3, "G", None),
    ("EMSG", 4, "G", ("ON", "OFF", "CODE", "TEXT")),
    ("IMSG", 4, "G", ONOFF),
    ("MSG", 3, "G", ONOFF),
    ("WNG", 3, "G", ONOFF),
    ("SMSG", 2, "G", ONOFF),
    ("LINEDIT", 5, "G", ONOFF),
    ("ECMODE", 2, "G", ONOFF),
    ("ISAM", 4, "G", ONOFF),
    ("NOTRANS", 4, "G", ONOFF),
    ("PAGEX", 5, "G", ONOFF),
    ("AUTOPOLL", 5, "G", ONOFF),
    ("ACNT", 4, "G", ONOFF),
    ("LOGMSG", 3, "B", None),
    ("VMMODE", 3, "G", None),
)


def configure_assists(session) -> None:
    """Hand the current assist switches to the guest machine, if it takes them.
    The assists layer may refuse (MachineError: e.g. STBYPASS for a user whose
    directory entry lacks OPTION STBYPASS); that becomes DMKCFC003E."""
    fn = getattr(session.guest, "configure_assists", None)
    if fn is not None:
        s = session.settings
        try:
            fn(assist=s["ASSIST"] == "ON", svc=s["ASSIST_SVC"] == "SVC", tmr=s["ASSIST_TMR"] == "TMR",
               stbypass=s["STBYPASS"], sassist=session.host.system_flags["SASSIST"] == "ON",
               cpassist=session.host.system_flags["CPASSIST"] == "ON")
        except MachineError:
            raise CPError("CFC", 3, f"STBYPASS {s['STBYPASS']}") from None


@command("SET")
def cmd_set(ctx: Context, args: list[str]) -> list[str]:
    if not args:
        raise ctx.error(26)
    s = ctx.session
    word = args[0].upper()
    for name, n, classes, values in OPERANDS:
        if abbrev(word, name, n):
            break
    else:
        raise CPError("CFC", 1, word)
    if not s.user.has_class(classes):
        raise CPError("CFC", 1, word)
    vals = [a.upper() for a in args[1:]]
    if name == "LOGMSG":
        ctx.host.logmsg = [" ".join(args[1:])] if args[1:] else []
        return []
    if not vals:
        raise ctx.error(26)
    if name == "VMMODE":
        machine = s.guest.machine
        if not machine.modes:
            raise ctx.error(3, "VMMODE")
        mode = " ".join(vals)           # TRANSLATE ALL is two words
        if mode not in machine.modes:
            raise ctx.error(2, vals[-1])
        machine.set_mode(mode)
        s.settings["VMMODE"] = mode
        return []
    if name == "ASSIST":
        if vals[0] not in ONOFF:
            raise ctx.error(26)
        for v in vals[1:]:
            if v in ("SVC", "NOSVC"):
                s.settings["ASSIST_SVC"] = v
            elif v in ("TMR", "NOTMR"):
                s.settings["ASSIST_TMR"] = v
            else:
                raise ctx.error(2, v)
        s.settings["ASSIST"] = vals[0]
    elif name == "STBYPASS":
        if len(vals) != 1:
            raise ctx.error(26)
        v = vals[0]
        if v not in ("VR", "OFF"):
            if not (v.endswith("K") and v[:-1].isdigit() and int(v[:-1]) % 4 == 0):
                raise ctx.error(26)
        opts = s.user.options
        if v != "OFF" and not (opts.get("STBYPASS") or opts.get("VIRT=REAL")):
            raise CPError("CFC", 3, f"STBYPASS {v}")       # the directory must allow it
        if v == "VR" and not opts.get("VIRT=REAL"):
            raise CPError("CFC", 3, f"STBYPASS {v}")
        old = s.settings["STBYPASS"]
        s.settings["STBYPASS"] = v
        try:
            configure_assists(s)
        except CPError:
            s.settings["STBYPASS"] = old
            raise
        return []
    else:
        if len(vals) != 1 or vals[0] not in values:
            raise ctx.error(26)
        if name in ("SASSIST", "CPASSIST"):
            ctx.host.system_flags[name] = vals[0]
            for other in ctx.host.sessions.values():
                configure_assists(other)
            return []
        s.settings[name] = vals[0]
        return []
    configure_assists(s)
    return []
