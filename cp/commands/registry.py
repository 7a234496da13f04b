"""The CP command table (VM/370's DMKCFC COMND table) and what a handler gets.

The table is in VM/370 Release 6's search order: a typed word matches an entry
when it is at least the minimum abbreviation and a leading part of the full name;
the first match wins. A command the user's privilege classes do not allow is
answered exactly like an unknown one (``DMKCFC001E ?CP: word``), as VM/370 did.
Class "" is VM/370's "any": usable before logon.

Handlers live in the family modules (logon, ipl, query, display, trace, set,
spoolcmd, msg, devices, network, system); each registers itself with ``@command``. The
scanner that runs a command line is processor.py, above all of them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .messages import CPError


@dataclass(frozen=True)
class Entry:
    name: str
    min: int
    classes: str       # "" = any
    module: str        # DMKxxx module letters, for messages


def _e(name: str, minimum: str, classes: str, module: str) -> Entry:
    return Entry(name, len(minimum), classes, module)


#: VM/370 R6 COMND table order (the commands this CP implements).
TABLE: tuple[Entry, ...] = (
    _e("LOGON", "L", "", "LOG"),
    _e("LOGIN", "LOGI", "", "LOG"),
    _e("ATTACH", "ATT", "B", "VDA"),
    _e("ADSTOP", "ADSTOP", "G", "CFD"),
    _e("BEGIN", "B", "G", "CFC"),
    _e("CHANGE", "CH", "DG", "CSU"),
    _e("CLOSE", "C", "G", "CSQ"),
    _e("COUPLE", "COUPLE", "G", "DIB"),
    _e("DIAL", "D", "", "DIA"),
    _e("DISPLAY", "D", "G", "CDB"),
    _e("DEFINE", "DEF", "G", "DEF"),
    _e("DETACH", "DET", "BG", "VDD"),
    _e("DISCONN", "DISC", "", "USO"),
    _e("FORCE", "FORCE", "A", "USO"),
    _e("IPL", "I", "G", "CFG"),
    _e("LINK", "LINK", "G", "LNK"),
    _e("LOGOFF", "LOG", "", "USO"),
    _e("LOGOUT", "LOGOUT", "", "USO"),
    _e("MSG", "M", "BG", "MSG"),
    _e("MSGNOH", "MSGNOH", "AB", "MSG"),
    _e("MESSAGE", "ME", "BG", "MSG"),
    _e("ORDER", "ORD", "DG", "CSV"),
    _e("PURGE", "PUR", "DG", "CSV"),
    _e("QUERY", "Q", "ABCDEFGH", "CFC"),
    _e("SYSTEM", "SYS", "G", "CPB"),
    _e("TRANSFER", "TRAN", "DG", "CSV"),
    _e("SET", "SET", "ABFGH", "CFC"),
    _e("SHUTDOWN", "SHUTDOWN", "A", "CPR"),
    _e("SPOOL", "SP", "G", "CSP"),
    _e("STORE", "ST", "G", "CDS"),
    _e("TRACE", "TR", "G", "TRA"),
    _e("WARNING", "W", "AB", "MSG"),
    _e("WNG", "WNG", "AB", "MSG"),
    _e("CP", "CP", "", "CFC"),
)

#: Commands that exist only before logon (VM/370 takes them "in place of LOGON").
BEFORE_LOGON_ONLY = ("LOGON", "LOGIN", "DIAL")

#: Handlers by full command name (filled by the family modules).
HANDLERS: dict[str, Callable] = {}


def command(*names: str):
    """Register a handler ``fn(ctx, args) -> list[str] | None`` for commands."""
    def deco(fn):
        for n in names:
            HANDLERS[n] = fn
        return fn
    return deco


def find(word: str, classes: str | None) -> Entry | None:
    """The table entry ``word`` selects for a user with ``classes`` (None = not
    logged on: only class-any entries)."""
    w = word.upper()
    for e in TABLE:
        if classes is not None and e.name in BEFORE_LOGON_ONLY:
            continue             # then LOG is LOGOFF and D is DISPLAY
        if len(w) >= e.min and e.name.startswith(w):
            if e.classes == "":
                return e
            if classes is not None and any(c in classes for c in e.classes):
                return e
            return None          # the first match decides, even when not allowed
    return None


def abbrev(word: str, full: str, minimum: int) -> bool:
    """Does ``word`` abbreviate ``full`` (at least ``minimum`` characters)?"""
    w = word.upper()
    return len(w) >= minimum and full.startswith(w)


@dataclass
class Context:
    """One command's surroundings. ``session`` is None before logon."""
    host: object
    terminal: object | None
    session: object | None
    entry: Entry
    word: str
    from_guest: bool = False

    @property
    def module(self) -> str:
        return self.entry.module

    def error(self, number: int, *args) -> CPError:
        return CPError(self.entry.module, number, *args)
