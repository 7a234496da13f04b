"""Hercules' uncompressed CKD DASD image format ("CKD_P370"): geometry, read, write, create.

Why this format: it is what Hercules' ``dasdinit`` writes and what its users exchange, so
a volume initialised or restored here can be attached to Hercules and back.

Layout (Hercules ``hercules/dasdblks.h`` / ``ckddasd.c`` / ``dasdutil.c``):

* a 512-byte device header: ``devid`` 8 bytes ``CKD_P370`` (ASCII), ``heads`` 4 bytes
  little-endian, ``trksize`` 4 bytes little-endian, ``devtype`` 1 byte (low byte of the
  device type: X'30' for a 3330), ``fileseq`` 1 byte (0 = the only file of the volume),
  ``highcyl`` 2 bytes little-endian (0 for the last or only file), then zeros;
* then every track of the volume, cylinder by cylinder, each exactly ``trksize`` bytes:
  the 5-byte home address (flag byte, CC, HH big-endian), the records each as an
  8-byte count (CC HH R KL DL, big-endian) followed by key and data, and the end-of-track
  marker of eight X'FF' bytes; the rest of the slot is padding.

``trksize`` is HA + R0 (count and 8 data bytes) + count + the device's largest R1 data
length + end marker, rounded up to a multiple of 512, as Hercules computes it.

Only single-file, uncompressed images are handled (no ``_1``/``_2`` multi-file volumes
and no CCKD); both are refused with a message saying so.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from s370.ebcdic import to_ebcdic
from s370.errors import MachineError

DEVHDR_SIZE = 512
HA_SIZE = 5
COUNT_SIZE = 8
END_OF_TRACK = b"\xff" * 8
EYE_CATCHER = b"CKD_P370"
COMPRESSED_EYE_CATCHER = b"CKD_C370"


@dataclass(frozen=True)
class Geometry:
    """One CKD device model (Hercules ``dasdtab.c`` values, from the IBM manuals).

    ``cylinders`` are the primary cylinders; ``alt_cylinders`` more follow them on the
    pack for alternate tracks (a 3330 has 404 + 7): IBCDASDI seeks to them, so a volume
    it is to initialise needs them (Hercules: ``dasdinit -a``). ``max_r1`` is the
    largest data length of a single record on a track (the "track capacity" a program
    sees); ``track_len`` the raw track length used for capacity arithmetic;
    ``sectors`` the rotational-position-sensing sectors per track.
    """
    name: str
    devtype: int
    model: int
    heads: int
    cylinders: int
    alt_cylinders: int
    max_r1: int
    track_len: int
    sectors: int

    @property
    def track_size(self) -> int:
        """Bytes per track slot in the image file (Hercules' rounding)."""
        raw = HA_SIZE + COUNT_SIZE + 8 + COUNT_SIZE + self.max_r1 + len(END_OF_TRACK)
        return (raw + 511) // 512 * 512


#: Device types the image code and ``dasdinit`` know. 3330 model 1 has 404 cylinders,
#: model 11 (and Hercules' "3330-2") 808; a 3350 has 555.
GEOMETRIES: dict[str, Geometry] = {
    "3330": Geometry("3330", 0x3330, 0x01, 19, 404, 7, 13030, 13165, 128),
    "3330-1": Geometry("3330-1", 0x3330, 0x01, 19, 404, 7, 13030, 13165, 128),
    "3330-11": Geometry("3330-11", 0x3330, 0x11, 19, 808, 7, 13030, 13165, 128),
    "3330-2": Geometry("3330-2", 0x3330, 0x11, 19, 808, 7, 13030, 13165, 128),
    "3350": Geometry("3350", 0x3350, 0x00, 30, 555, 5, 19069, 19254, 128),
}


def geometry(name: str) -> Geometry:
    """The geometry for a device type name (``3330``, ``3330-11``, ``3350``)."""
    try:
        return GEOMETRIES[name.upper()]
    except KeyError:
        known = ", ".join(sorted(GEOMETRIES))
        raise MachineError(f"unknown CKD device type {name!r} (known: {known})") from None


class Record:
    """One record on a track: its 8-byte count (as recorded), key and data.

    ``count`` is kept as bytes because searches compare it byte for byte; ``rec`` is the
    record number (count byte 4) that R0-skipping looks at.
    """
    __slots__ = ("count", "key", "data")

    def __init__(self, count: bytes, key: bytes = b"", data: bytes = b""):
        self.count = bytes(count)
        self.key = bytes(key)
        self.data = bytes(data)

    @classmethod
    def build(cls, cyl: int, head: int, rec: int, key: bytes, data: bytes) -> "Record":
        count = bytes((cyl >> 8 & 0xFF, cyl & 0xFF, head >> 8 & 0xFF, head & 0xFF, rec & 0xFF,
                       len(key))) + len(data).to_bytes(2, "big")
        return cls(count, key, data)

    @property
    def rec(self) -> int:
        return self.count[4]

    def image(self) -> bytes:
        return self.count + self.key + self.data

    def __len__(self) -> int:
        return COUNT_SIZE + len(self.key) + len(self.data)

    def __eq__(self, other) -> bool:
        return isinstance(other, Record) and self.image() == other.image()

    def __repr__(self) -> str:
        return f"Record({self.count.hex()}, kl={len(self.key)}, dl={len(self.data)})"


class Track:
    """A parsed track: home address and the records in order. Devices work on this
    list and write the whole track back through ``CKDImage.write_track``."""
    __slots__ = ("ha", "records")

    def __init__(self, ha: bytes, records: list[Record] | None = None):
        self.ha = bytes(ha)
        self.records = list(records or [])

    @classmethod
    def empty(cls, cyl: int, head: int) -> "Track":
        """A freshly formatted track: home address and R0 (8 zero data bytes)."""
        return cls(home_address(cyl, head), [Record.build(cyl, head, 0, b"", bytes(8))])

    def used(self) -> int:
        """Bytes this track occupies in an image slot, end marker included."""
        return HA_SIZE + sum(len(r) for r in self.records) + len(END_OF_TRACK)

    def image(self, track_size: int) -> bytes:
        body = self.ha + b"".join(r.image() for r in self.records) + END_OF_TRACK
        return body + bytes(track_size - len(body))


def writable(path: Path) -> bool:
    """A medium file may be written only if its mode has a write bit and we may write
    it: a file made read-only (chmod a-w) stays protected even for root, like a tape
    without its write ring."""
    return os.access(path, os.W_OK) and bool(os.stat(path).st_mode & 0o222)


def home_address(cyl: int, head: int) -> bytes:
    """Flag byte 0 (normal track) and CCHH."""
    return bytes((0, cyl >> 8 & 0xFF, cyl & 0xFF, head >> 8 & 0xFF, head & 0xFF))


def parse_track(buf: bytes) -> Track:
    """Split a track slot into home address and records; ``ValueError`` if the slot
    does not hold a well-formed track (no end marker, a record running past the slot)."""
    limit = len(buf)
    if limit < HA_SIZE + len(END_OF_TRACK):
        raise ValueError("track slot too short")
    pos = HA_SIZE
    records = []
    while True:
        if pos + COUNT_SIZE > limit:
            raise ValueError("no end-of-track marker")
        count = buf[pos:pos + COUNT_SIZE]
        if count == END_OF_TRACK:
            break
        kl = count[5]
        dl = count[6] << 8 | count[7]
        end = pos + COUNT_SIZE + kl + dl
        if end + len(END_OF_TRACK) > limit:
            raise ValueError(f"record {count.hex()} runs past the end of the track")
        records.append(Record(count, buf[pos + COUNT_SIZE:pos + COUNT_SIZE + kl],
                              buf[pos + COUNT_SIZE + kl:end]))
        pos = end
    return Track(buf[:HA_SIZE], records)


def device_header(geom: Geometry, track_size: int) -> bytes:
    hdr = bytearray(DEVHDR_SIZE)
    hdr[0:8] = EYE_CATCHER
    hdr[8:12] = geom.heads.to_bytes(4, "little")
    hdr[12:16] = track_size.to_bytes(4, "little")
    hdr[16] = geom.devtype & 0xFF
    hdr[17] = 0                                   # fileseq: the only file of the volume
    hdr[18:20] = (0).to_bytes(2, "little")        # highcyl: 0 for the last (only) file
    return bytes(hdr)


class CKDImage:
    """An open CKD image file. Tracks are parsed on first use and the most recent
    ``CACHE_TRACKS`` kept parsed; writes go through to the file at once
    (``os.pwrite``), so the image on disk is always what the device shows; ``close``
    fsyncs."""

    #: Parsed tracks kept in memory (a few cylinders: a whole volume would cost
    #: hundreds of megabytes of Python objects, and re-reading a track is cheap).
    CACHE_TRACKS = 256

    def __init__(self, path: str | os.PathLike, devtype: int | None = None, readonly: bool = False):
        self.path = Path(path)
        name = str(self.path)
        try:
            self.readonly = readonly or not writable(self.path)
            self.fd = os.open(self.path, os.O_RDONLY if self.readonly else os.O_RDWR)
        except OSError as exc:
            raise MachineError(f"cannot open DASD image {name}: {exc.strerror}") from None
        try:
            self._check_header(name, devtype)
        except MachineError:
            os.close(self.fd)
            raise
        self._cache: dict[int, Track] = {}

    def _check_header(self, name: str, devtype: int | None) -> None:
        size = os.fstat(self.fd).st_size
        hdr = os.pread(self.fd, DEVHDR_SIZE, 0)
        if len(hdr) < DEVHDR_SIZE:
            raise MachineError(f"DASD image {name} is truncated: no 512-byte CKD device header")
        if hdr[:8] == COMPRESSED_EYE_CATCHER:
            raise MachineError(f"DASD image {name} is a compressed (CCKD) image, which is not "
                               f"supported; convert it with Hercules' dasdcopy")
        if hdr[:8] != EYE_CATCHER:
            raise MachineError(f"{name} is not a CKD DASD image (no CKD_P370 header)")
        self.heads = int.from_bytes(hdr[8:12], "little")
        self.track_size = int.from_bytes(hdr[12:16], "little")
        self.devtype_byte = hdr[16]
        fileseq, highcyl = hdr[17], int.from_bytes(hdr[18:20], "little")
        if not 1 <= self.heads <= 255 or not HA_SIZE + 8 <= self.track_size <= 0x10000:
            raise MachineError(f"DASD image {name} has a corrupt device header "
                               f"(heads {self.heads}, track size {self.track_size})")
        if devtype is not None and self.devtype_byte != devtype & 0xFF:
            raise MachineError(f"DASD image {name} is for a device of type X'{self.devtype_byte:02X}', "
                               f"not a {devtype:04X}")
        body = size - DEVHDR_SIZE
        cyl_bytes = self.heads * self.track_size
        if body <= 0 or body % cyl_bytes:
            raise MachineError(f"DASD image {name} is truncated or corrupt: {size} bytes is not "
                               f"the header plus whole cylinders of {self.heads} x {self.track_size} bytes")
        self.cylinders = body // cyl_bytes
        # A lone file has fileseq 0 and highcyl 0; Hercules' dasdcopy may leave
        # fileseq 1 (or X'FF') with highcyl naming this file's last cylinder.
        single = (fileseq == 0 and highcyl == 0) or (
            fileseq in (1, 0xFF) and highcyl in (self.cylinders - 1, self.cylinders))
        if not single:
            raise MachineError(f"DASD image {name} is one file of a multi-file volume, "
                               f"which is not supported")
        try:
            parse_track(self._slot(0))
        except ValueError as exc:
            raise MachineError(f"DASD image {name} is corrupt: cylinder 0 head 0: {exc}") from None

    def _slot(self, trk: int) -> bytes:
        return os.pread(self.fd, self.track_size, DEVHDR_SIZE + trk * self.track_size)

    def read_track(self, cyl: int, head: int) -> Track:
        """The parsed track; ``ValueError`` if its slot is corrupt."""
        trk = cyl * self.heads + head
        track = self._cache.get(trk)
        if track is None:
            track = parse_track(self._slot(trk))
            self._remember(trk, track)
        return track

    def _remember(self, trk: int, track: Track) -> None:
        cache = self._cache
        cache.pop(trk, None)
        cache[trk] = track
        if len(cache) > self.CACHE_TRACKS:
            del cache[next(iter(cache))]

    def fits(self, track: Track) -> bool:
        return track.used() <= self.track_size

    def write_track(self, cyl: int, head: int, track: Track) -> None:
        """Write the track through to the file (the caller has checked ``fits``)."""
        trk = cyl * self.heads + head
        self._remember(trk, track)
        os.pwrite(self.fd, track.image(self.track_size), DEVHDR_SIZE + trk * self.track_size)

    def close(self) -> None:
        if self.fd >= 0:
            if not self.readonly:
                os.fsync(self.fd)
            os.close(self.fd)
            self.fd = -1


def ipl_records(cyl: int, head: int, volser: str) -> list[Record]:
    """Records 1-3 of cylinder 0 head 0 as Hercules' dasdinit writes them.

    R1 "IPL1" (24 bytes: a disabled-wait PSW X'000600000000000F', CCW X'0300000000000001'
    and a zero CCW; that is Hercules 3.x's PSW, and SDL Hyperion's with ``-b -m``), R2 "IPL2" (144 zero bytes), R3 "VOL1" (the standard volume label:
    'VOL1', serial, security X'40', VTOC pointer CCHHR 0000 0001 01, 21 blanks, owner
    '    HERCULES' padded to 14, 29 blanks).
    """
    psw = bytes.fromhex("000600000000000F")
    ccw1 = bytes.fromhex("0300000000000001")
    ipl1 = psw + ccw1 + bytes(8)
    label = bytearray(80)
    label[0:4] = to_ebcdic("VOL1")
    label[4:10] = to_ebcdic(volser.ljust(6))
    label[10] = 0x40
    label[11:16] = bytes((0, 0, 0, 1, 1))
    label[16:37] = b"\x40" * 21
    label[37:51] = to_ebcdic("    HERCULES".ljust(14))
    label[51:80] = b"\x40" * 29
    return [
        Record.build(cyl, head, 1, to_ebcdic("IPL1"), ipl1),
        Record.build(cyl, head, 2, to_ebcdic("IPL2"), bytes(144)),
        Record.build(cyl, head, 3, to_ebcdic("VOL1"), bytes(label)),
    ]


VOLSER_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@#$")


def check_volser(volser: str) -> str:
    """1-6 characters A-Z 0-9 @ # $ (upper-cased): what IBM utilities accept."""
    v = volser.upper()
    if not 1 <= len(v) <= 6 or not set(v) <= VOLSER_CHARS:
        raise MachineError(f"bad volume serial {volser!r}: 1-6 characters A-Z, 0-9, @, #, $")
    return v


def create_image(path: str | os.PathLike, geom: Geometry, volser: str,
                 cylinders: int | None = None, replace: bool = False) -> int:
    """Write a new formatted volume of ``cylinders`` (default: the primary ones):
    every track with HA and R0; cylinder 0 head 0 also R1 IPL1, R2 IPL2 and R3 VOL1
    (as Hercules' dasdinit does). Returns its size in bytes."""
    volser = check_volser(volser)
    cyls = geom.cylinders if cylinders is None else cylinders
    if not 1 <= cyls <= 65535:
        raise MachineError(f"cylinder count {cyls} is outside 1-65535")
    tsize = geom.track_size
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if replace else os.O_EXCL)
    try:
        fd = os.open(path, flags, 0o644)
    except FileExistsError:
        raise MachineError(f"{path} already exists (use --replace to overwrite it)") from None
    except OSError as exc:
        raise MachineError(f"cannot create {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb", buffering=1 << 20) as f:
            f.write(device_header(geom, tsize))
            for cyl in range(cyls):
                for head in range(geom.heads):
                    track = Track.empty(cyl, head)
                    if cyl == 0 and head == 0:
                        track.records += ipl_records(0, 0, volser)
                    f.write(track.image(tsize))
    except OSError as exc:
        raise MachineError(f"cannot write {path}: {exc.strerror}") from None
    return DEVHDR_SIZE + cyls * geom.heads * tsize
