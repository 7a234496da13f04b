"""The built-in system: a user directory and sample guests, so that
``s370vm cp`` with no options is ready to use.

* ``directory.txt``: OPERATOR (classes ABCDEG), MAINT, GUEST1-GUEST4 (class G,
  password GUEST) and a NOLOG spool owner.
* The MONITOR guest (guests/s370/monitor.asm) is a named system (``IPL MONITOR``)
  and, as an IPL deck, is put first into a GUEST user's reader at logon when no
  MONITOR file is there (HELLO, for the monitor's RUN command, likewise). So
  ``LOGON GUEST1`` then ``IPL 00C`` starts the monitor at once.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ..backends import MachineError
from ..backends.s370 import assemble_guest
from ..directory import Directory, load_directory

HERE = Path(__file__).resolve().parent
MONITOR_SOURCE = HERE.parents[1] / "guests" / "s370" / "monitor.asm"
HELLO_SOURCE = HERE / "hello.asm"
HELLO_ORIGIN = 0x2000
#: Users whose empty reader gets the sample decks at logon.
SAMPLE_USERS = ("GUEST1", "GUEST2", "GUEST3", "GUEST4")


def default_directory() -> Directory:
    return load_directory(HERE / "directory.txt")


@lru_cache(maxsize=None)
def monitor_system() -> tuple[bytes, int, int]:
    """(image, load address, PSW) of the MONITOR named system."""
    asm = assemble_guest(MONITOR_SOURCE)
    psw = int.from_bytes(asm.core[0:8], "big")
    return asm.core, 0, psw


@lru_cache(maxsize=None)
def monitor_deck() -> list[bytes]:
    asm = assemble_guest(MONITOR_SOURCE)
    deck = asm.ipl_deck()
    return [deck[i:i + 80] for i in range(0, len(deck), 80)]


@lru_cache(maxsize=None)
def hello_cards() -> list[bytes]:
    """The HELLO program as raw 80-byte image cards for RUN (loaded at X'2000')."""
    image = assemble_guest(HELLO_SOURCE).core[HELLO_ORIGIN:]
    image += bytes(-len(image) % 80)
    return [image[i:i + 80] for i in range(0, len(image), 80)]


def reader_cards(path: str | Path) -> tuple[list[bytes], str, str]:
    """The cards a host file becomes in a reader (``s370vm cp --reader``), with
    the spool file name and type: an assembler source that starts at or above
    X'2000' becomes the image the monitor's RUN loads there (type PROGRAM); any
    other source becomes an IPL deck (type DECK); other files are cut into
    80-byte cards as they are (type DATA)."""
    p = Path(path)
    name = p.stem.upper()[:8]
    if p.suffix.lower() in (".asm", ".s", ".assemble"):
        asm = assemble_guest(p)
        start = min((a for a, _ in asm.sections.values()), default=0)
        if start >= HELLO_ORIGIN:
            image = asm.core[HELLO_ORIGIN:]
            image += bytes(-len(image) % 80)
            return [image[i:i + 80] for i in range(0, len(image), 80)], name, "PROGRAM"
        deck = asm.ipl_deck()
        return [deck[i:i + 80] for i in range(0, len(deck), 80)], name, "DECK"
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise MachineError(f"cannot read {p}: {exc.strerror}") from None
    data += bytes(-len(data) % 80)
    return [data[i:i + 80] for i in range(0, len(data), 80)], name, "DATA"


def named_systems() -> dict:
    """Systems ``IPL name`` can load (built lazily: assembling takes a moment)."""
    return {"MONITOR": monitor_system} if MONITOR_SOURCE.exists() else {}


def seed_reader(host, userid: str) -> None:
    """At a sample user's logon: the MONITOR deck first in the reader and the
    HELLO program after it, each unless a file of that name is already there."""
    if userid not in SAMPLE_USERS or not MONITOR_SOURCE.exists():
        return
    names = {f.name for f in host.spool.queue(userid, "RDR")}
    if "MONITOR" not in names:
        mon = host.spool.create(userid, "RDR", "SYSTEM", "PUN", monitor_deck(), name="MONITOR", type="DECK")
        if names:
            host.spool.order([mon])         # before the files already there
    if "HELLO" not in names:
        host.spool.create(userid, "RDR", "SYSTEM", "PUN", hello_cards(), name="HELLO", type="PROGRAM")
