"""CP messages in VM/370 Release 6 form: ``DMK`` + module + number + severity.

The number carries the meaning and is the same in every module; the three-letter
module names the CP module that handles the command (DMKCFC the command scanner,
DMKLOG logon, DMKCSP spool, ...). ``SET EMSG`` chooses how an error shows: ON
(id and text), TEXT (text only), CODE (id only), OFF (nothing). Also the
time stamps CP prints at LOGON, LOGOFF and QUERY TIME.
"""
from __future__ import annotations

import time

#: number -> (severity, text template). Templates take positional arguments.
CATALOGUE: dict[int, tuple[str, str]] = {
    1: ("E", "?CP: {}"),
    2: ("E", "INVALID OPERAND - {}"),
    3: ("E", "INVALID OPTION - {}"),
    4: ("E", "INVALID HEXDATA - {}"),
    5: ("E", "INVALID HEXLOC - {}"),
    6: ("E", "INVALID REGISTER - {}"),
    20: ("E", "USERID MISSING OR INVALID"),
    21: ("E", "RADDR MISSING OR INVALID"),
    22: ("E", "VADDR MISSING OR INVALID"),
    23: ("E", "VOLID MISSING OR INVALID"),
    24: ("E", "CYLINDERS MISSING OR INVALID"),
    25: ("E", "STORAGE MISSING OR INVALID"),
    26: ("E", "OPERAND MISSING OR INVALID"),
    28: ("E", "CLASS MISSING OR INVALID"),
    29: ("E", "COPIES MISSING OR INVALID"),
    31: ("E", "SPOOLID MISSING OR INVALID"),
    32: ("E", "DISTCODE MISSING OR INVALID"),
    40: ("E", "DEV {} DOES NOT EXIST"),
    41: ("E", "DEV {} IS CONSOLE, NOT DETACHED"),
    42: ("E", "SPOOLID {} DOES NOT EXIST"),
    43: ("E", "DEV {} ALREADY DEFINED"),
    44: ("E", "DEV {} ATTACHED TO {}"),
    45: ("E", "{} NOT LOGGED ON"),
    46: ("E", "DEV {} NOT AVAILABLE"),
    50: ("E", "PASSWORD INCORRECT - REINITIATE LOGON PROCEDURE"),
    52: ("E", "ERROR IN CP DIRECTORY"),
    53: ("E", "{} NOT IN CP DIRECTORY"),
    54: ("E", "ALREADY LOGGED ON {}"),
    57: ("W", "{} NOT RECEIVING; {}"),
    67: ("E", "MAXIMUM NUMBER OF USERS REACHED"),   # wording [U]: no R6 source at hand
    101: ("W", "DASD {} FORCED R/O; R/O BY {} USERS"),
    104: ("E", "{} {} NOT LINKED; R/W BY {}"),
    105: ("E", "{} {} NOT LINKED; R/O BY {} USERS"),
    107: ("E", "{} {} NOT LINKED; NOT IN CP DIRECTORY"),
    110: ("E", "{} {} NOT LINKED; DASD {} ALREADY DEFINED"),
    111: ("E", "{} {} NOT LINKED; PASSWORD INCORRECT"),
    113: ("E", "{} {} NOT LINKED; NO {} PASSWORD"),
    160: ("E", "HEXLOC {} EXCEEDS STORAGE"),
    450: ("W", "CP ENTERED; {}"),
    2850: ("E", "LAN SYSTEM {} DOES NOT EXIST"),    # z/VM's HCP2850E (VM/370 had no switches)
}


class CPError(Exception):
    """A CP error response. ``module`` is the three letters after DMK."""

    def __init__(self, module: str, number: int, *args: object):
        sev, text = CATALOGUE[number]
        self.module = module
        self.number = number
        self.severity = sev
        self.text = text.format(*args)
        super().__init__(self.line())

    @property
    def code(self) -> str:
        return f"DMK{self.module}{self.number:03d}{self.severity}"

    def line(self, emsg: str = "ON") -> str | None:
        """The line to show under ``SET EMSG emsg``; None for EMSG OFF."""
        if emsg == "OFF":
            return None
        if emsg == "TEXT":
            return self.text
        if emsg == "CODE":
            return self.code
        return f"{self.code} {self.text}"


def unknown(word: str) -> CPError:
    """The answer to an unknown command, or one the user's class may not use."""
    return CPError("CFC", 1, word.upper())


def stamp(t: float | None = None) -> str:
    """``hh:mm:ss ZONE WEEKDAY mm/dd/yy``, as in ``LOGOFF AT 18:27:40 GMT MONDAY 08/17/26``."""
    tm = time.localtime(time.time() if t is None else t)
    zone = (tm.tm_zone or "GMT")[:3].upper()
    return time.strftime(f"%H:%M:%S {zone} %A %m/%d/%y", tm).upper()


def hms(seconds: float) -> str:
    """``hh:mm:ss`` (CONNECT=)."""
    s = int(seconds)
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"


def cputime(seconds: float) -> str:
    """``mmm:ss.hh`` (VIRTCPU= and TOTCPU=)."""
    hund = int(round(seconds * 100))
    return f"{hund // 6000:03d}:{hund // 100 % 60:02d}.{hund % 100:02d}"


def account_line(connect: float, virt: float, total: float) -> str:
    return f"CONNECT= {hms(connect)} VIRTCPU= {cputime(virt)} TOTCPU= {cputime(total)}"


_HEXDIGITS = frozenset("0123456789ABCDEFabcdef")


def parse_hex(text: str) -> int:
    """A hexadecimal operand as VM/370 reads one: digits 0-9 and A-F only.

    Python's ``int(text, 16)`` also takes ``-1``, ``+1``, ``0x10`` and ``1_0``,
    which CP must reject (``B -1`` once reached the PSW encoder as a negative
    address). Raises ``ValueError`` like ``int``.
    """
    if not text or not _HEXDIGITS.issuperset(text):
        raise ValueError(text)
    return int(text, 16)

