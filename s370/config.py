"""Machine configuration in Hercules' style (see docs/configuration.md).

A configuration file holds one statement per line; ``#`` or ``*`` starts a comment.
System statements: ``MAINSIZE`` (megabytes), ``CPUSERIAL``, ``CPUMODEL``,
``CPUVERID``, ``ARCHLVL``/``ARCHMODE`` (S/370 only), ``NUMCPU`` (1 only),
``ECPSVM YES|NO``, ``ASSIST name...`` (VMA ECPS STBYPASS). Device statements:
``cuu devtype args...`` with Hercules device types; file names in the arguments are
relative to the configuration file's folder. A few Hercules statements that mean
nothing here (``CNSLPORT``, ``PANRATE``, ...) are accepted and ignored; anything else
is an error that names the line.
"""
from __future__ import annotations

import inspect
import os
import shlex
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path

from .errors import MachineError

#: Hercules device type -> (module under s370.devices, class name or None to find
#: the class whose ``devtype`` matches, device type number).
DEVICE_TYPES: dict[str, tuple[str, str | None, int]] = {
    "3215-C": ("console", "Console", 0x3215),
    "3215": ("console", "Console", 0x3215),
    "1052-C": ("console", "Console", 0x1052),
    "1052": ("console", "Console", 0x1052),
    "3505": ("reader", "CardReader", 0x3505),
    "2540R": ("reader", "CardReader", 0x2540),
    "1442": ("reader", "CardReader", 0x1442),
    "3525": ("punch", "CardPunch", 0x3525),
    "2540P": ("punch", "CardPunch", 0x2540),
    "1442P": ("punch", "CardPunch", 0x1442),
    "1403": ("printer", "Printer", 0x1403),
    "3330": ("dasd", None, 0x3330),
    "3350": ("dasd", None, 0x3350),
    "3420": ("tape", None, 0x3420),
    "3270": ("d3270", "Display3270", 0x3278),
    "3278": ("d3270", "Display3270", 0x3278),
    "3277": ("d3270", "Display3270", 0x3277),
}

#: Hercules statements accepted for compatibility; they have no effect here.
IGNORED = frozenset(("CNSLPORT", "PANRATE", "TZOFFSET", "OSTAILOR", "HTTPPORT", "LPARNAME",
                     "XPNDSIZE", "SYSEPOCH", "TODDRAG", "DEVTMAX", "PGMPRDOS", "CODEPAGE",
                     "LOADPARM", "MAXCPU", "DIAG8CMD", "SHCMDOPT", "LEGACYSENSEID",
                     "MOUNTED_TAPE_REINIT", "AUTO_SCSI_MOUNT", "TIMERINT", "HERCPRIO",
                     "CPUPRIO", "DEVPRIO", "TODPRIO", "NUMVEC", "ENGINES", "MODPATH",
                     "LDMOD", "IODELAY", "CCKD", "PANTITLE", "ECPSVM_LEVEL"))

ASSISTS = ("VMA", "ECPS", "STBYPASS")


@dataclass
class DeviceSpec:
    """One device statement."""
    address: int
    devtype: str
    args: list[str]
    line: int = 0
    source: str = "<config>"


@dataclass
class Config:
    """A parsed configuration: system settings and device statements."""
    mainsize: int = 1 << 20                 # bytes
    cpuserial: int = 0x000001
    cpumodel: int = 0x3158
    cpuverid: int = 0xFD
    archmode: str = "S/370"
    numcpu: int = 1
    ecpsvm: bool = False
    assists: set[str] = field(default_factory=set)
    devices: list[DeviceSpec] = field(default_factory=list)
    base_dir: Path = field(default_factory=Path)
    source: str = "<default>"

    def cpuid(self) -> int:
        """The STIDP doubleword: version code, CPU serial (6 digits), model, 0."""
        return (self.cpuverid << 56) | (self.cpuserial << 32) | (self.cpumodel << 16)

    def device_spec(self, address: int) -> DeviceSpec | None:
        return next((d for d in self.devices if d.address == address), None)


def parse_address(text: str) -> int:
    try:
        value = int(text, 16)
    except ValueError:
        raise MachineError(f"bad device address {text!r}") from None
    if not 0 <= value <= 0xFFFF:
        raise MachineError(f"device address {text!r} out of range")
    return value


def _hex(text: str, digits: int, what: str) -> int:
    try:
        value = int(text, 16)
    except ValueError:
        raise MachineError(f"{what} must be hexadecimal, not {text!r}") from None
    if value >> (4 * digits):
        raise MachineError(f"{what} {text!r} has more than {digits} hex digits")
    return value


def parse(text: str, base_dir: Path | None = None, source: str = "<config>") -> Config:
    """Parse configuration text; errors name ``source`` and the line."""
    cfg = Config(base_dir=base_dir or Path("."), source=source)
    seen: set[int] = set()
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line[0] in "#*":
            continue
        try:
            words = shlex.split(line, comments=True)
        except ValueError as exc:
            raise MachineError(f"{source} line {lineno}: {exc}") from None
        if not words:
            continue
        try:
            _statement(cfg, words, lineno, seen)
        except MachineError as exc:
            raise MachineError(f"{source} line {lineno}: {exc}") from None
    return cfg


def _statement(cfg: Config, words: list[str], lineno: int, seen: set[int]) -> None:
    verb = words[0].upper()
    args = words[1:]

    def one() -> str:
        if len(args) != 1:
            raise MachineError(f"{verb} takes one operand")
        return args[0]

    if verb == "MAINSIZE":
        try:
            mb = int(one())
        except ValueError:
            raise MachineError(f"MAINSIZE must be a number of megabytes, not {args[0]!r}") from None
        if not 1 <= mb <= 16:
            raise MachineError("MAINSIZE must be 1 to 16 (megabytes) for S/370")
        cfg.mainsize = mb << 20
    elif verb == "CPUSERIAL":
        cfg.cpuserial = _hex(one(), 6, "CPUSERIAL")
    elif verb == "CPUMODEL":
        cfg.cpumodel = _hex(one(), 4, "CPUMODEL")
    elif verb == "CPUVERID":
        cfg.cpuverid = _hex(one(), 2, "CPUVERID")
    elif verb in ("ARCHLVL", "ARCHMODE"):
        mode = one().upper()
        if mode not in ("S/370", "S370", "370"):
            raise MachineError(f"{verb} {args[0]}: only S/370 is supported")
        cfg.archmode = "S/370"
    elif verb == "NUMCPU":
        if one() != "1":
            raise MachineError("NUMCPU: only 1 CPU is supported")
    elif verb == "ECPSVM":
        if not args or args[0].upper() not in ("YES", "NO", "LEVEL"):
            raise MachineError("ECPSVM takes YES, NO or LEVEL n")
        cfg.ecpsvm = args[0].upper() != "NO"
    elif verb == "ASSIST":
        for a in args:
            if a.upper() not in ASSISTS:
                raise MachineError(f"ASSIST {a}: unknown assist (known: {' '.join(ASSISTS)})")
            cfg.assists.add(a.upper())
    elif verb in IGNORED:
        pass
    elif all(c in "0123456789abcdefABCDEF" for c in words[0]) and len(words[0]) <= 4:
        if not args:
            raise MachineError(f"device {words[0]}: no device type")
        devtype = args[0].upper()
        if devtype not in DEVICE_TYPES:
            raise MachineError(f"device {words[0]}: unknown device type {args[0]!r} "
                               f"(known: {' '.join(DEVICE_TYPES)})")
        address = parse_address(words[0])
        if address in seen:
            raise MachineError(f"device {address:03X} is defined twice")
        seen.add(address)
        cfg.devices.append(DeviceSpec(address, devtype, args[1:], lineno, cfg.source))
    else:
        raise MachineError(f"unknown statement {words[0]!r}")


def load(path: str | Path) -> Config:
    """Read and parse a configuration file."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise MachineError(f"cannot read configuration {path}: {exc.strerror}") from None
    return parse(decode_lines(data, str(path)), p.resolve().parent, str(path))


def decode_lines(data: bytes, source: str) -> str:
    """A configuration file's text. A byte that is not UTF-8 in a statement is an
    error naming the file, line and column; in a comment it is replaced (as the
    directory parser reads its files), so a Latin-1 remark does not stop a run."""
    for lineno, raw in enumerate(data.splitlines(), 1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            if raw.strip()[:1] not in (b"#", b"*"):
                raise MachineError(f"{source} line {lineno} column {exc.start + 1}: byte "
                                   f"X'{raw[exc.start]:02X}' is not UTF-8") from None
    return data.decode("utf-8", errors="replace")


def data_dir() -> Path:
    """Where the default configuration's printer and punch files go:
    ``$S370VM_DATA``, else ``~/.s370vm``."""
    env = os.environ.get("S370VM_DATA")
    return Path(env) if env else Path.home() / ".s370vm"


DEFAULT_TEXT = """\
MAINSIZE  1
CPUSERIAL 000001
CPUMODEL  3158
009 3215-C
00C 3505
00D 3525 punch00d.txt ascii
00E 1403 print00e.txt
"""


def default() -> Config:
    """The configuration used when none is given (see docs/configuration.md)."""
    return parse(DEFAULT_TEXT, data_dir(), "<default configuration>")


def device_class(devtype: str):
    """The device class for a Hercules device type."""
    module, name, number = DEVICE_TYPES[devtype]
    try:
        mod = import_module(f"s370.devices.{module}")
    except ModuleNotFoundError:
        raise MachineError(f"device type {devtype} is not available yet") from None
    if name is not None:
        return getattr(mod, name), number
    for obj in vars(mod).values():
        if isinstance(obj, type) and getattr(obj, "devtype", None) == number:
            return obj, number
    raise MachineError(f"device type {devtype} is not available yet")


def make_device(spec: DeviceSpec, base_dir: Path, console_log=None):
    """Build the device of one statement (device classes that serve several types
    take ``devtype``; consoles take the run's ``log``). A device that refuses its
    operands (a missing or bad image file) is an error at the statement's line."""
    try:
        cls, number = device_class(spec.devtype)
        params = inspect.signature(cls).parameters
        kwargs = {}
        if "devtype" in params:
            kwargs["devtype"] = number
        if "log" in params:
            kwargs["log"] = console_log
        return cls(spec.address, spec.args, base_dir, **kwargs)
    except MachineError as exc:
        if spec.line:
            raise MachineError(f"{spec.source} line {spec.line}: {exc}") from None
        raise
