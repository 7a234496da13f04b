"""CP spooling: reader, punch and printer files, persistent across restarts.

VM/370 gives each user virtual unit-record devices. Output to a virtual punch or
printer collects in an *open* spool file; CLOSE turns it into a closed file in a
queue: the printer queue, the punch queue, or (``SPOOL PUN TO user``) another
user's reader. A virtual reader reads the first file of its class in its owner's
reader queue.

Persistence: every closed file is one file ``<data>/spool/NNNN.spl`` (a JSON
header line, then length-prefixed records), written atomically: a temporary file
in the same directory, fsync, ``os.replace``, fsync of the directory. A CP killed
at any instant leaves either the old or the new version, never a torn one, so
closed spool files survive restarts. Open files (records not yet CLOSEd) live in
storage, as they did in VM/370 between checkpoints.

The hand-off to virtual I/O (cp/vio.py): a ``VirtualUnitRecord`` per virtual
reader/punch/printer; the channel program simulation calls ``write_record`` /
``read_record`` and CP commands call ``close``.
"""
from __future__ import annotations

import json
import os
import struct
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

QUEUES = ("RDR", "PRT", "PUN")
MAX_SPOOLID = 9999
HOLD_STATES = ("NONE", "USER", "SYS")
_LEN = struct.Struct(">I")


class SpoolError(Exception):
    """A spool operation that cannot be done; ``args[0]`` is the message."""


@dataclass
class SpoolFile:
    """One closed spool file. ``owner``/``queue`` say where it is now; ``origin``
    and ``devtype`` where it came from (PUN, PRT, CON or RDR)."""
    spoolid: int
    owner: str
    queue: str
    origin: str
    devtype: str
    cls: str = "A"
    copies: int = 1
    hold: str = "NONE"
    name: str = ""
    type: str = ""
    dist: str = ""
    created: float = 0.0
    seq: int = 0
    records: list[bytes] = field(default_factory=list, repr=False)

    @property
    def nrecs(self) -> int:
        return len(self.records)

    @property
    def held(self) -> bool:
        return self.hold != "NONE"

    def header(self) -> dict:
        d = asdict(self)
        del d["records"]
        return d


def atomic_write(path: Path, data: bytes, durable: bool = True) -> None:
    """Write ``data`` to ``path`` so that a crash leaves old or new, never half.
    ``durable`` also fsyncs, so that the new version survives a power loss (a
    killed process needs only the rename)."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        if durable:
            os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    if durable:
        _fsync_dir(path.parent)


def _fsync_dir(d: Path) -> None:
    try:
        fd = os.open(d, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _encode(f: SpoolFile) -> bytes:
    parts = [json.dumps(f.header(), sort_keys=True).encode() + b"\n"]
    for r in f.records:
        parts.append(_LEN.pack(len(r)))
        parts.append(bytes(r))
    return b"".join(parts)


def _decode(data: bytes) -> SpoolFile:
    nl = data.index(b"\n")
    head = json.loads(data[:nl])
    recs = []
    p = nl + 1
    while p < len(data):
        (n,) = _LEN.unpack_from(data, p)
        p += 4
        if p + n > len(data):
            raise ValueError("truncated record")
        recs.append(data[p:p + n])
        p += n
    return SpoolFile(records=recs, **head)


class Spool:
    """All spool files of the system. ``data_dir`` None keeps them in memory only
    (tests, throw-away sessions)."""

    def __init__(self, data_dir: str | Path | None = None, clock=time.time):
        self.clock = clock
        self.dir = Path(data_dir) / "spool" if data_dir is not None else None
        self.files: dict[int, SpoolFile] = {}
        self.next_id = 1
        self.next_seq = 1
        self.damaged: list[str] = []
        if self.dir is not None:
            self.dir.mkdir(parents=True, exist_ok=True)
            self._load()

    # ------------------------------------------------------------ storage
    def _load(self) -> None:
        for p in sorted(self.dir.iterdir()):
            if p.name.endswith(".tmp"):
                p.unlink(missing_ok=True)           # a write that never completed
                continue
            if p.suffix != ".spl":
                continue
            try:
                f = _decode(p.read_bytes())
            except (ValueError, KeyError, TypeError, struct.error, OSError):
                self.damaged.append(p.name)
                p.rename(p.with_suffix(".bad"))
                continue
            self.files[f.spoolid] = f
        counter = self.dir / "SPOOLID"
        stored = 1
        try:
            stored = int(counter.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            pass
        top = max(self.files, default=0)
        self.next_id = max(stored, top + 1)
        if self.next_id > MAX_SPOOLID:
            self.next_id = 1
        self.next_seq = max((f.seq for f in self.files.values()), default=0) + 1

    def _path(self, spoolid: int) -> Path:
        return self.dir / f"{spoolid:04d}.spl"

    def save(self, f: SpoolFile) -> None:
        if self.dir is not None:
            atomic_write(self._path(f.spoolid), _encode(f))

    def _allocate_id(self) -> int:
        for _ in range(MAX_SPOOLID):
            sid = self.next_id
            self.next_id = sid + 1 if sid < MAX_SPOOLID else 1
            if sid not in self.files:
                if self.dir is not None:    # not fsynced: an id is never given to two
                    # files anyway (ids in use are skipped); the counter only keeps a
                    # purged id from coming back at once, and the fsyncs of every
                    # file written would halve the spool's speed
                    atomic_write(self.dir / "SPOOLID", f"{self.next_id}\n".encode(), durable=False)
                return sid
        raise SpoolError("SPOOL SPACE FULL")

    # --------------------------------------------------------- operations
    def create(self, owner: str, queue: str, origin: str, devtype: str, records: list[bytes],
               cls: str = "A", copies: int = 1, hold: bool = False, name: str = "",
               type: str = "", dist: str = "") -> SpoolFile:
        """Close a new file into ``owner``'s ``queue``."""
        f = SpoolFile(self._allocate_id(), owner.upper(), queue, origin.upper(), devtype, cls,
                      copies, "USER" if hold else "NONE", name, type, dist or origin.upper(),
                      self.clock(), self._bump_seq(), [bytes(r) for r in records])
        self.files[f.spoolid] = f
        self.save(f)
        return f

    def _bump_seq(self) -> int:
        s = self.next_seq
        self.next_seq += 1
        return s

    def get(self, spoolid: int) -> SpoolFile | None:
        return self.files.get(spoolid)

    def queue(self, owner: str, queue: str) -> list[SpoolFile]:
        """Files in a user's queue, in the order they will be processed."""
        o = owner.upper()
        return sorted((f for f in self.files.values() if f.owner == o and f.queue == queue),
                      key=lambda f: f.seq)

    def all_files(self, queue: str | None = None) -> list[SpoolFile]:
        return sorted((f for f in self.files.values() if queue is None or f.queue == queue),
                      key=lambda f: f.seq)

    def purge(self, f: SpoolFile) -> None:
        self.files.pop(f.spoolid, None)
        if self.dir is not None:
            self._path(f.spoolid).unlink(missing_ok=True)
            _fsync_dir(self.dir)

    def transfer(self, f: SpoolFile, to_user: str, queue: str = "RDR") -> None:
        """Move a file into another user's queue (TRANSFER, or PUN TO user)."""
        f.owner = to_user.upper()
        f.queue = queue
        f.seq = self._bump_seq()
        self.save(f)

    def change(self, f: SpoolFile, **attrs) -> None:
        for k, v in attrs.items():
            if not hasattr(f, k) or k in ("spoolid", "records"):
                raise SpoolError(f"cannot change {k}")
            setattr(f, k, v)
        self.save(f)

    def order(self, files: list[SpoolFile]) -> None:
        """Put ``files`` first in their queue, in the given order (ORDER)."""
        if not files:
            return
        same = [g for g in self.queue(files[0].owner, files[0].queue) if g not in files]
        for g in files + same:
            g.seq = self._bump_seq()
            self.save(g)


@dataclass
class VirtualUnitRecord:
    """A virtual reader, punch or printer of one VM, with its SPOOL settings.

    ``queue`` is RDR, PUN or PRT. For output devices ``to_user`` is where CLOSE
    sends the file: None = the owner's own PUN/PRT queue, a userid = that user's
    reader (VM/370 ``SPOOL PUN TO user``)."""
    vaddr: int
    queue: str
    devtype: str
    owner: str
    cls: str = "A"
    cont: bool = False
    hold: bool = False
    copies: int = 1
    eof: bool = False
    keep: bool = False
    to_user: str | None = None
    for_user: str | None = None
    name: str = ""
    type: str = ""
    dist: str = ""
    open_records: list[bytes] = field(default_factory=list, repr=False)
    reading: SpoolFile | None = None
    read_pos: int = 0

    @property
    def kind(self) -> str:
        return {"RDR": "RDR", "PUN": "PUN", "PRT": "PRT"}[self.queue]

    # --- output side ----------------------------------------------------
    def write_record(self, data: bytes) -> None:
        """A punch/print CCW wrote a record into the open file."""
        self.open_records.append(bytes(data))

    def close(self, spool: Spool, hold: bool | None = None, name: str | None = None,
              type: str | None = None, dist: str | None = None) -> SpoolFile | None:
        """CLOSE: make the open file a closed spool file. Returns it, or None
        when nothing was written (VM/370 then creates no file). For a reader,
        CLOSE ends reading the current file (purging it unless KEEP or HOLD)."""
        if self.queue == "RDR":
            f = self.reading
            self.reading, self.read_pos = None, 0
            if f is not None and not (self.keep or hold):
                spool.purge(f)
            return None
        if not self.open_records:
            return None
        recs, self.open_records = self.open_records, []
        target = (self.to_user or self.owner).upper()
        queue = "RDR" if self.to_user else self.queue
        return spool.create(target, queue, self.for_user or self.owner, self.queue, recs,
                            cls=self.cls, copies=self.copies,
                            hold=self.hold if hold is None else hold,
                            name=self.name if name is None else name,
                            type=self.type if type is None else type,
                            dist=(dist or self.dist or self.owner))

    # --- input side -----------------------------------------------------
    def next_file(self, spool: Spool) -> SpoolFile | None:
        """The first unheld file of the reader's class in its owner's reader."""
        for f in spool.queue(self.owner, "RDR"):
            if not f.held and (self.cls == "*" or f.cls == self.cls):
                return f
        return None

    def read_record(self, spool: Spool) -> bytes | None:
        """The next card of the current reader file (opening one if needed);
        None at end of file: the file is purged unless KEEP/HOLD and the next read
        starts the next file."""
        if self.reading is None:
            self.reading = self.next_file(spool)
            self.read_pos = 0
            if self.reading is None:
                return None
        f = self.reading
        if self.read_pos < len(f.records):
            r = f.records[self.read_pos]
            self.read_pos += 1
            return r
        self.close(spool)
        return None
