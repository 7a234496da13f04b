"""The built-in system: a user directory and sample guests, so that
``s370vm cp`` with no options is ready to use.

* ``directory.txt``: OPERATOR (classes ABCDEG), MAINT, GUEST1-GUEST4 (class G,
  password GUEST) and a NOLOG spool owner.
* The MONITOR guest (guests/s370/monitor.asm) is a named system (``IPL MONITOR``)
  and, as an IPL deck, is put into a GUEST user's reader at logon whenever that
  reader is empty, followed by the HELLO program for the monitor's RUN command.
  So ``LOGON GUEST1`` then ``IPL 00C`` starts the monitor at once.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from s370.errors import MachineError

from ..directory import Directory, load_directory

HERE = Path(__file__).resolve().parent
MONITOR_SOURCE = HERE.parents[1] / "guests" / "s370" / "monitor.asm"
HELLO_SOURCE = HERE / "hello.asm"
HELLO_ORIGIN = 0x2000
#: Users whose empty reader gets the sample decks at logon.
SAMPLE_USERS = ("GUEST1", "GUEST2", "GUEST3", "GUEST4")


def default_directory() -> Directory:
    return load_directory(HERE / "directory.txt")


def _assemble(path: Path):
    from s370.asm import assemble_file
    asm = assemble_file(str(path))
    if asm.rc > 4:
        first = asm.errors[0].message if asm.errors else "errors"
        raise MachineError(f"{path.name}: assembly failed: {first}")
    return asm


@lru_cache(maxsize=None)
def monitor_system() -> tuple[bytes, int, int]:
    """(image, load address, PSW) of the MONITOR named system."""
    asm = _assemble(MONITOR_SOURCE)
    psw = int.from_bytes(asm.core[0:8], "big")
    return asm.core, 0, psw


@lru_cache(maxsize=None)
def monitor_deck() -> list[bytes]:
    asm = _assemble(MONITOR_SOURCE)
    deck = asm.ipl_deck()
    return [deck[i:i + 80] for i in range(0, len(deck), 80)]


@lru_cache(maxsize=None)
def hello_cards() -> list[bytes]:
    """The HELLO program as raw 80-byte image cards for RUN (loaded at X'2000')."""
    image = _assemble(HELLO_SOURCE).core[HELLO_ORIGIN:]
    image += bytes(-len(image) % 80)
    return [image[i:i + 80] for i in range(0, len(image), 80)]


def named_systems() -> dict:
    """Systems ``IPL name`` can load (built lazily: assembling takes a moment)."""
    return {"MONITOR": monitor_system} if MONITOR_SOURCE.exists() else {}


def seed_reader(host, userid: str) -> None:
    """Put the sample decks into an empty reader of a sample user."""
    if userid not in SAMPLE_USERS or host.spool.queue(userid, "RDR") or not MONITOR_SOURCE.exists():
        return
    host.spool.create(userid, "RDR", "SYSTEM", "PUN", monitor_deck(), name="MONITOR", type="DECK")
    host.spool.create(userid, "RDR", "SYSTEM", "PUN", hello_cards(), name="HELLO", type="PROGRAM")
