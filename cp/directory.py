"""The CP user directory, in VM/370's own statement format (the DIRECT input).

A directory is a text file of statements. ``USER`` starts a user's entry; the
statements after it (indented by convention, not by rule) belong to that user until
the next ``USER``. ``*`` lines and blank lines are comments. The statement shapes
follow IBM's Release 6 starter directory:

    DIRECTORY 131 3330 VMREL6
    USER MAINT CPCMS 720K 16M BCEG
     ACCOUNT ACT3 MAINT
     OPTION ECMODE REALTIMER
     IPL CMS PARM AUTOCR
     MACHINE S370
     CONSOLE 009 3215
     SPOOL 00C 2540 READER A
     SPOOL 00D 2540 PUNCH A
     SPOOL 00E 1403 A
     MDISK 191 3330 008 005 CPR6L0 WR READ WRITE
     LINK MAINT 190 190 RR
     DEDICATE 0B1 078
     SPECIAL 01F 3270
     SPECIAL 500 CTCA
     NICDEF 600 TYPE CTCA LAN SYSTEM LAN1 MACID 000042 IP 10.0.2.20

``MACHINE S370|IA32`` (as VM/XA's MACHINE statement chose 370 or XA) says which
architecture the user's virtual machine has; S370, a virtual System/370, is
the default. ``NICDEF vaddr [TYPE type] [LAN SYSTEM switchname] [MACID hhhhhh]
[IP a.b.c.d]`` is z/VM's statement for a network adapter, cut to what CP's
virtual switches use (cp/network.py): TYPE is the machine's card (S370: CTCA,
IA32: NETCARD; default the machine's first), LAN SYSTEM couples it at logon,
MACID the last three bytes of its MAC address; IP (an s370vm addition) the
address the switch lets it send from. Every error names the file and line. Passwords are kept out of ``repr`` and
compared with ``hmac.compare_digest`` so that neither logs nor timing reveal them.
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from pathlib import Path

from .backends import DEFAULT_MACHINE, MACHINES, MachineError
from .netpacket import ip_bytes

#: Privilege classes VM/370 defines (A-H); a user with no class field gets G.
CLASSES = "ABCDEFGH"
DEFAULT_CLASSES = "G"
DEFAULT_STORAGE = 256 * 1024
MAX_STORAGE = 16 * 1024 * 1024
LINK_MODES = ("R", "RR", "W", "WR", "M", "MR", "MW")
DASD_TYPES = ("2305", "2311", "2314", "2319", "3330", "3333", "3340", "3344", "3350", "3375", "3380")
CONSOLE_TYPES = ("3215", "3210", "1052")
#: SPOOL statement device types -> the spool queue they feed.
SPOOL_TYPES = {"2540": None, "2501": "RDR", "3505": "RDR", "3525": "PUN", "1442": None,
               "1403": "PRT", "1443": "PRT", "3203": "PRT", "3211": "PRT"}
OPTIONS = ("ECMODE", "REALTIMER", "ISAM", "VIRT=REAL", "ACCT", "SVCOFF", "BMX", "CPUID",
           "STBYPASS", "VMSAVE", "AFFINITY")


class DirectoryError(MachineError):
    """A statement the directory cannot accept; the message names file and line."""


@dataclass
class Minidisk:
    vaddr: int
    devtype: str
    start: int
    count: int
    volser: str
    mode: str = "W"
    readpw: str | None = field(default=None, repr=False)
    writepw: str | None = field(default=None, repr=False)
    multpw: str | None = field(default=None, repr=False)

    def password_for(self, access: str) -> str | None:
        """The directory password guarding a link of kind R, W or M."""
        return {"R": self.readpw, "W": self.writepw, "M": self.multpw}[access]


@dataclass
class SpoolDevice:
    vaddr: int
    devtype: str
    queue: str          # RDR, PUN or PRT
    cls: str = "A"


@dataclass
class ConsoleDevice:
    vaddr: int
    devtype: str = "3215"
    cls: str = "T"


@dataclass
class Dedicate:
    vaddr: int
    raddr: int
    extra: str | None = None


@dataclass
class DirLink:
    userid: str
    vaddr1: int
    vaddr2: int
    mode: str


@dataclass
class Special:
    vaddr: int
    kind: str


@dataclass
class NicDef:
    """A NICDEF statement (see the module docstring)."""
    vaddr: int
    type: str | None = None
    lan: str | None = None
    macid: int | None = None
    ip: bytes | None = None


@dataclass
class User:
    """One directory entry. ``password`` never appears in ``repr``."""
    userid: str
    password: str = field(repr=False)
    storage: int = DEFAULT_STORAGE
    maxstorage: int = DEFAULT_STORAGE
    classes: str = DEFAULT_CLASSES
    priority: int = 64
    account: str | None = None
    distcode: str | None = None
    options: dict[str, str | bool] = field(default_factory=dict)
    ipl: str | None = None
    ipl_parm: str | None = None
    machine: str = DEFAULT_MACHINE
    console: ConsoleDevice | None = None
    spool: list[SpoolDevice] = field(default_factory=list)
    mdisks: dict[int, Minidisk] = field(default_factory=dict)
    dedicates: list[Dedicate] = field(default_factory=list)
    links: list[DirLink] = field(default_factory=list)
    specials: list[Special] = field(default_factory=list)
    nics: list[NicDef] = field(default_factory=list)
    line: int = 0

    @property
    def nolog(self) -> bool:
        """NOLOG users own disk space or receive spool; they cannot log on."""
        return self.password.upper() == "NOLOG"

    def check_password(self, given: str) -> bool:
        """Constant-time comparison (VM/370 passwords are case-insensitive: the
        terminal folds input to upper case)."""
        if self.nolog:
            return False
        return hmac.compare_digest(self.password.upper().encode(), given.upper().encode())

    def has_class(self, classes: str) -> bool:
        """Whether the user holds any of ``classes`` ("" = class "any")."""
        return not classes or any(c in self.classes for c in classes)


def check_mdisk_password(stored: str | None, given: str | None) -> bool:
    """A LINK password check: ``ALL`` lets anyone in; a missing directory
    password forbids that kind of link; comparison in constant time."""
    if stored is None:
        return False
    if stored.upper() == "ALL":
        return True
    return given is not None and hmac.compare_digest(stored.upper().encode(), given.upper().encode())


@dataclass
class Directory:
    users: dict[str, User] = field(default_factory=dict)
    location: tuple[str, ...] = ()
    source: str = "<directory>"

    def get(self, userid: str) -> User | None:
        return self.users.get(userid.upper())

    def __contains__(self, userid: str) -> bool:
        return userid.upper() in self.users

    def __iter__(self):
        return iter(self.users.values())


# ---------------------------------------------------------------- parsing
def parse_vaddr(text: str) -> int:
    """A virtual device address: 1-3 hex digits, up to X'FFF'. ValueError if not."""
    if not 1 <= len(text) <= 4 or any(c not in "0123456789ABCDEFabcdef" for c in text):
        raise ValueError(text)
    v = int(text, 16)
    if v > 0xFFF:
        raise ValueError(text)
    return v


def parse_storage(text: str) -> int:
    """``nnnK`` or ``nnM`` (VM/370 rounds to 4K pages; we require a multiple of 4K)."""
    t = text.upper()
    if len(t) < 2 or t[-1] not in "KM" or not t[:-1].isdigit():
        raise ValueError(text)
    v = int(t[:-1]) * (1024 if t[-1] == "K" else 1024 * 1024)
    if v <= 0 or v > MAX_STORAGE or v % 4096:
        raise ValueError(text)
    return v


def _valid_userid(u: str) -> bool:
    return 1 <= len(u) <= 8 and all(c.isalnum() or c in "$#@" for c in u)


class _Parser:
    def __init__(self, source: str):
        self.source = source
        self.lineno = 0
        self.directory = Directory(source=source)
        self.user: User | None = None

    def fail(self, msg: str) -> DirectoryError:
        return DirectoryError(f"{self.source}:{self.lineno}: {msg}")

    def need_user(self, stmt: str) -> User:
        if self.user is None:
            raise self.fail(f"{stmt} statement before any USER statement")
        return self.user

    def vaddr(self, text: str, what: str = "device address") -> int:
        try:
            return parse_vaddr(text)
        except ValueError:
            raise self.fail(f"invalid {what} {text!r}") from None

    def number(self, text: str, what: str) -> int:
        if not text.isdigit():
            raise self.fail(f"invalid {what} {text!r}")
        return int(text)

    def parse(self, text: str) -> Directory:
        for self.lineno, raw in enumerate(text.splitlines(), 1):
            line = raw.rstrip()
            words = line.split()
            if not words or words[0].startswith("*"):
                continue
            stmt = words[0].upper()
            handler = getattr(self, "st_" + stmt, None)
            if handler is None:
                raise self.fail(f"unknown statement {words[0]!r}")
            # IPL PARM text keeps its case; everything else is folded.
            args = words[1:] if stmt == "IPL" else [x.upper() for x in words[1:]]
            handler([stmt] + args)
        if not self.directory.users:
            raise DirectoryError(f"{self.source}: no USER statements")
        return self.directory

    # --- statements -----------------------------------------------------
    def st_DIRECTORY(self, w: list[str]) -> None:
        if len(w) < 4:
            raise self.fail("DIRECTORY needs cuu devtype volser")
        self.directory.location = tuple(w[1:4])

    def st_USER(self, w: list[str]) -> None:
        if len(w) < 3:
            raise self.fail("USER needs userid and password")
        userid, password = w[1], w[2]
        if not _valid_userid(userid):
            raise self.fail(f"invalid userid {userid!r}")
        if userid in self.directory.users:
            raise self.fail(f"duplicate USER {userid}")
        u = User(userid, password, line=self.lineno)
        try:
            if len(w) > 3:
                u.storage = u.maxstorage = parse_storage(w[3])
            if len(w) > 4:
                u.maxstorage = parse_storage(w[4])
        except ValueError as exc:
            raise self.fail(f"invalid storage size {exc.args[0]!r}") from None
        if u.maxstorage < u.storage:
            raise self.fail("maximum storage is below the storage size")
        if len(w) > 5:
            if any(c not in CLASSES for c in w[5]):
                raise self.fail(f"invalid privilege classes {w[5]!r} (A-H)")
            u.classes = "".join(sorted(set(w[5])))
        if len(w) > 6:
            u.priority = self.number(w[6], "priority")
        if len(w) > 7:
            raise self.fail("too many operands on USER")
        self.directory.users[userid] = u
        self.user = u

    def st_ACCOUNT(self, w: list[str]) -> None:
        u = self.need_user("ACCOUNT")
        if len(w) < 2:
            raise self.fail("ACCOUNT needs an account number")
        u.account = w[1]
        u.distcode = w[2] if len(w) > 2 else None

    def st_OPTION(self, w: list[str]) -> None:
        u = self.need_user("OPTION")
        i = 1
        while i < len(w):
            opt = w[i]
            if opt not in OPTIONS:
                raise self.fail(f"unknown OPTION {opt!r}")
            if opt == "CPUID":
                if i + 1 >= len(w) or len(w[i + 1]) > 6 or any(c not in "0123456789ABCDEF" for c in w[i + 1]):
                    raise self.fail("OPTION CPUID needs up to 6 hex digits")
                u.options[opt] = w[i + 1]
                i += 2
                continue
            u.options[opt] = True
            i += 1

    def st_IPL(self, w: list[str]) -> None:
        u = self.need_user("IPL")
        if len(w) < 2:
            raise self.fail("IPL needs a device address or system name")
        u.ipl = w[1].upper()
        if len(w) > 2:
            if w[2].upper() != "PARM":
                raise self.fail(f"unexpected {w[2]!r} on IPL (only PARM text may follow)")
            u.ipl_parm = " ".join(w[3:])[:64]

    def st_MACHINE(self, w: list[str]) -> None:
        u = self.need_user("MACHINE")
        if len(w) != 2 or w[1] not in MACHINES:
            raise self.fail(f"MACHINE needs one of {', '.join(MACHINES)}")
        u.machine = w[1]

    def st_CONSOLE(self, w: list[str]) -> None:
        u = self.need_user("CONSOLE")
        if len(w) < 3:
            raise self.fail("CONSOLE needs vaddr and device type")
        if w[2] not in CONSOLE_TYPES:
            raise self.fail(f"invalid console type {w[2]!r}")
        u.console = ConsoleDevice(self.vaddr(w[1]), w[2], w[3] if len(w) > 3 else "T")

    def st_SPOOL(self, w: list[str]) -> None:
        u = self.need_user("SPOOL")
        if len(w) < 3:
            raise self.fail("SPOOL needs vaddr and device type")
        vaddr = self.vaddr(w[1])
        devtype = w[2]
        if devtype not in SPOOL_TYPES:
            raise self.fail(f"invalid spool device type {devtype!r}")
        rest = w[3:]
        queue = SPOOL_TYPES[devtype]
        if rest and rest[0] in ("READER", "READ", "PUNCH", "PUNC"):
            queue = "RDR" if rest[0].startswith("READ") else "PUN"
            rest = rest[1:]
        if queue is None:
            raise self.fail(f"{devtype} needs READER or PUNCH")
        cls = rest[0] if rest else ("*" if queue == "RDR" else "A")
        if len(cls) != 1 or not (cls.isalnum() or (cls == "*" and queue == "RDR")):
            raise self.fail(f"invalid spool class {cls!r}")
        if any(d.vaddr == vaddr for d in u.spool):
            raise self.fail(f"device {vaddr:03X} defined twice")
        u.spool.append(SpoolDevice(vaddr, devtype, queue, cls))

    def st_MDISK(self, w: list[str]) -> None:
        u = self.need_user("MDISK")
        if len(w) < 6:
            raise self.fail("MDISK needs vaddr devtype start count volser")
        vaddr = self.vaddr(w[1])
        if w[2] not in DASD_TYPES:
            raise self.fail(f"invalid DASD type {w[2]!r}")
        mode = w[6] if len(w) > 6 else "W"
        if mode not in LINK_MODES:
            raise self.fail(f"invalid MDISK mode {mode!r}")
        if vaddr in u.mdisks:
            raise self.fail(f"minidisk {vaddr:03X} defined twice")
        if len(w) > 10:
            raise self.fail("too many operands on MDISK")
        pw = w[7:10] + [None] * (3 - len(w[7:10]))
        u.mdisks[vaddr] = Minidisk(vaddr, w[2], self.number(w[3], "start cylinder"),
                                   self.number(w[4], "cylinder count"), w[5], mode, *pw)

    def st_LINK(self, w: list[str]) -> None:
        u = self.need_user("LINK")
        if len(w) < 5:
            raise self.fail("LINK needs userid vaddr1 vaddr2 mode")
        if w[4] not in LINK_MODES:
            raise self.fail(f"invalid LINK mode {w[4]!r}")
        u.links.append(DirLink(w[1], self.vaddr(w[2]), self.vaddr(w[3]), w[4]))

    def st_DEDICATE(self, w: list[str]) -> None:
        u = self.need_user("DEDICATE")
        if len(w) < 3:
            raise self.fail("DEDICATE needs vaddr and raddr")
        u.dedicates.append(Dedicate(self.vaddr(w[1]), self.vaddr(w[2], "real address"),
                                    w[3] if len(w) > 3 else None))

    def st_SPECIAL(self, w: list[str]) -> None:
        u = self.need_user("SPECIAL")
        if len(w) < 3:
            raise self.fail("SPECIAL needs vaddr and device kind")
        u.specials.append(Special(self.vaddr(w[1]), w[2]))

    def st_NICDEF(self, w: list[str]) -> None:
        u = self.need_user("NICDEF")
        if len(w) < 2:
            raise self.fail("NICDEF needs a vaddr")
        nic = NicDef(self.vaddr(w[1]))
        rest = w[2:]
        while rest:
            key = rest.pop(0)
            if key == "LAN":
                if len(rest) < 2 or rest[0] not in ("SYSTEM", "*"):
                    raise self.fail("NICDEF LAN needs SYSTEM and a switch name")
                nic.lan = rest[1]
                del rest[:2]
                continue
            if not rest or key not in ("TYPE", "MACID", "IP"):
                raise self.fail(f"invalid NICDEF operand {key!r}")
            value = rest.pop(0)
            if key == "TYPE":
                nic.type = value
            elif key == "MACID":
                if len(value) > 6 or not all(c in "0123456789ABCDEF" for c in value):
                    raise self.fail(f"invalid MACID {value!r} (up to 6 hex digits)")
                nic.macid = int(value, 16)
            else:
                try:
                    nic.ip = ip_bytes(value)
                except ValueError as exc:
                    raise self.fail(str(exc)) from None
        u.nics.append(nic)


def parse_directory(text: str, source: str = "<directory>") -> Directory:
    """Parse directory text. Raises DirectoryError naming the line."""
    return _Parser(source).parse(text)


def load_directory(path: str | Path) -> Directory:
    """Read and parse a directory file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise DirectoryError(f"cannot read directory {p}: {exc.strerror}") from None
    return parse_directory(text, str(p))
