"""The command scanner (VM/370's DMKCFC): one CP command line -> its handler.

It sits above every command family: importing it registers them all (each
family's ``@command`` fills registry.HANDLERS), so the families and the table
below them never import the scanner. The ``CP`` prefix (the rest of the line is
a CP command) is the scanner's own command.
"""
from __future__ import annotations

import time

from . import (devices, dial, display, ipl, logon, msg, network, query, setcmd,  # noqa: F401
               spoolcmd, system, trace)
from .messages import CPError, unknown
from .registry import BEFORE_LOGON_ONLY, HANDLERS, Context, command, find


def execute(host, terminal, session, line: str, from_guest: bool = False) -> tuple[list[str], int]:
    """Run one CP command line. Returns (response lines, error number or 0).
    Error lines are already formatted for the user's SET EMSG."""
    t0 = time.perf_counter()
    words = line.split()
    if not words or words[0].startswith("*"):
        return [], 0                # empty, or a comment (`*` first, blank or not)
    word = words[0]
    classes = session.user.classes if session is not None else None
    entry = find(word, classes)
    try:
        if entry is None:
            raise unknown(word)
        if entry.classes == "" and session is None and entry.name not in BEFORE_LOGON_ONLY + ("CP",):
            raise unknown(word)
        ctx = Context(host, terminal, session, entry, word.upper(), from_guest)
        out = HANDLERS[entry.name](ctx, words[1:]) or []
        return out, 0
    except CPError as err:
        emsg = session.settings["EMSG"] if session is not None else "ON"
        text = err.line(emsg)
        return ([text] if text else []), err.number
    except Exception:   # a defect in CP must not take the terminal down
        import traceback
        host.errors.append(traceback.format_exc())
        return [f"DMKCFC001E ?CP: {word.upper()} (INTERNAL ERROR LOGGED)"], 1
    finally:
        if session is not None:
            session.cp_seconds += time.perf_counter() - t0


def execute_for_guest(session, text: str) -> tuple[list[str], int]:
    """A command a guest gave through DIAGNOSE X'08'."""
    return execute(session.host, session.terminal, session, text, from_guest=True)


@command("CP")
def cmd_cp(ctx: Context, args: list[str]) -> list[str]:
    """``CP command``: the rest of the line is a CP command."""
    if not args:
        return []
    out, _ = execute(ctx.host, ctx.terminal, ctx.session, " ".join(args), ctx.from_guest)
    return out
