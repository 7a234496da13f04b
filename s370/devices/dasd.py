"""3330 and 3350 count-key-data disk drives (on a 3830 storage control), backed by
Hercules CKD image files (``s370.devices.ckd``).

Configuration: ``0151 3330 dasd/spool0.3330`` (file relative to the configuration's
directory; ``ro`` after the name attaches it read-only).

The device keeps the current track parsed as a list of records and an *orientation*
(where the head is relative to the track: after the index/home address, after a count,
key or data area, or at the end of the track). Every command works from that
orientation as the IBM 3330 and 3350 component descriptions and the 3830 storage
control reference describe; Hercules' ckddasd.c was the cross-check:

* a read of an area (Read Data, Read Key and Data, Read Count) that is not oriented to
  the record already works on the next record that passes under the head;

* searches (ID, key, home address) compare the argument the channel sends (``data``)
  and present status modifier on a hit, so the channel skips the TIC that loops back;
* a second pass of the index point in one channel program without a record found ends
  with unit check, "no record found" (sense byte 1 X'08'), which ends such TIC loops;
* multitrack commands (bit X'80') advance to the next head at the end of a track, and
  stop with "end of cylinder" (sense byte 1 X'20') at the last one;
* writes are allowed only in the orientations and after the commands the hardware
  requires (Write Data after a Search ID/Key Equal, Write R0 after Search HA Equal or
  Write HA, ...) and only as far as the file mask (Set File Mask) permits; a file-mask
  violation ends with unit check, "file protected" (sense byte 1 X'04');
* every write goes through to the image file before the device presents channel end.

Track overflow is supported as Hercules stores it (Write Special CKD sets X'80' in the
first count byte; reads and writes of such a record go on into the first record of the
next track). Not emulated: real track capacity arithmetic (a track is full when its
image slot is) and rotational delays.
"""
from __future__ import annotations

from pathlib import Path

from s370.errors import MachineError

from .base import (immediate, CE_DE, SENSE_COMMAND_REJECT, SENSE_EQUIPMENT_CHECK, STATUS_MODIFIER,
                   UNIT_CHECK, UNIT_EXCEPTION, Device, Result, is_control, is_read, is_write)
from .ckd import CKDImage, Geometry, Record, Track, GEOMETRIES

# Sense byte 1 (3830 / 3330 / 3350).
SENSE1_PERMANENT_ERROR = 0x80
SENSE1_INVALID_TRACK_FORMAT = 0x40
SENSE1_END_OF_CYLINDER = 0x20
SENSE1_NO_RECORD_FOUND = 0x08
SENSE1_FILE_PROTECTED = 0x04
SENSE1_WRITE_INHIBITED = 0x02

# File mask (Set File Mask, X'1F').
MASK_WRITE = 0xC0            # write control field
MASK_INHIBIT_HA_R0 = 0x00    # .. all writes except Write HA and Write R0
MASK_INHIBIT_WRITES = 0x40   # .. no writes at all
MASK_UPDATE_ONLY = 0x80      # .. Write Data / Write Key and Data only
MASK_ALLOW_ALL = 0xC0        # .. every write
MASK_RESERVED = 0x20
MASK_SEEK = 0x18             # seek control field
MASK_SEEK_ALL = 0x00         # .. every seek and recalibrate
MASK_SEEK_CYL_HEAD = 0x08    # .. Seek Cylinder and Seek Head
MASK_SEEK_HEAD = 0x10        # .. Seek Head only
MASK_NO_SEEK_MT = 0x18       # .. no seeks and no multitrack operation

MULTITRACK = 0x80
OVERFLOW = 0x80              # count byte 0: a track-overflow segment (Write Special CKD)

# Orientation of the head on the track.
INDEX, COUNT, KEY, DATA, EOT = range(5)

#: Base codes (multitrack bit off) of the commands that may look at record zero.
R0_CODES = frozenset({0x16, 0x31, 0x51, 0x71})
#: Search ID and Search Key base codes: they do not reset the index-passed flag.
SEARCH_CODES = frozenset({0x31, 0x51, 0x71, 0x29, 0x49, 0x69})
#: Multitrack Search Key codes that may pass the index any number of times.
MT_KEY_SEARCHES = frozenset({0xA9, 0xC9, 0xE9})


def visible_count(rec: Record) -> bytes:
    """The count as the program reads and searches it: without the overflow flag."""
    return bytes((rec.count[0] & 0x7F,)) + rec.count[1:]


class _Check(Exception):
    """Ends the current command early with this result (a unit check)."""

    def __init__(self, result: Result):
        super().__init__()
        self.result = result


class CKDDevice(Device):
    """A CKD drive; subclasses give the device type and the geometries it accepts."""

    description = "CKD DASD"
    geometries: tuple[Geometry, ...] = ()

    def __init__(self, address: int, args: list[str] | None = None, base_dir: Path | None = None):
        super().__init__(address, args, base_dir)
        self.image = self._open(self.args)
        self._mounted()

    def _open(self, args: list[str]) -> CKDImage:
        if not args:
            raise MachineError(f"device {self.address:03X} {self.devtype:04X}: no CKD image file named")
        path = Path(args[0])
        if not path.is_absolute():
            path = self.base_dir / path
        readonly = any(a.lower() in ("ro", "readonly", "rdonly") for a in args[1:])
        image = CKDImage(path, self.devtype, readonly)
        if image.heads != self.geometries[0].heads:
            image.close()
            raise MachineError(f"DASD image {path} has {image.heads} heads per cylinder; "
                               f"a {self.devtype:04X} has {self.geometries[0].heads}")
        return image

    def devinit(self, args: list[str]) -> None:
        """Mount another image (the operator's ``devinit``); the old one stays if the
        new one is refused."""
        image = self._open(args)
        self.image.close()
        self.image = image
        self.args = list(args)
        self._mounted()

    def _mounted(self) -> None:
        self.cylinders = self.image.cylinders
        self.heads = self.image.heads
        self.geometry = next((g for g in self.geometries
                              if self.cylinders <= g.cylinders + g.alt_cylinders),
                             self.geometries[-1])
        self.cyl = self.head = 0
        self.track: Track | None = None
        self.idx = -1
        self.orient = INDEX
        self.begin()

    # --- Device interface ----------------------------------------------------
    def sense_length(self) -> int:
        return 24

    def begin(self) -> None:
        """A channel program starts: the file mask and the per-chain memory of what
        the earlier commands did (searches that hit, index passed) are cleared."""
        self.fmask = 0
        self.setfm = False        # Set File Mask (or Read IPL) already in this chain
        self.xmark = False        # index point passed once without finding a record
        self.haeq = False         # Search HA Equal hit on all four bytes
        self.ideq = False         # Search ID Equal hit on all five bytes
        self.kyeq = False         # Search Key Equal hit on the whole key
        self.wckd = False         # Write R0 or Write CKD done
        self.wrha = False         # Write HA done

    def reset(self) -> None:
        self.begin()
        self.sense = bytearray(self.sense_length())

    def close(self) -> None:
        self.image.close()

    def execute(self, cmd: int, count: int, data: bytes | None) -> Result:
        try:
            return self.command(cmd, count, data)
        except _Check as chk:
            return chk.result

    def command(self, cmd: int, count: int, data: bytes | None) -> Result:
        code = cmd & 0x7F
        if cmd & 0x0F != 0x04:
            # The sense of an earlier unit check lasts only until the next command.
            self.sense = bytearray(24)
        if (cmd & 0x0F == 0x04 or is_control(cmd)
                or (is_write(cmd) and code not in SEARCH_CODES)
                or (is_read(cmd) and cmd != 0x12 and code != 0x22)):
            self.xmark = False
        handler = self.HANDLERS.get(cmd)
        if handler is None:
            return self.reject()
        return handler(self, cmd, data or b"")

    # --- sense ------------------------------------------------------------------
    def check(self, b0: int, b1: int = 0, fmt: int = 0, msg: int = 0) -> Result:
        """Unit check with 24 sense bytes in the 3830 layout: bytes 0-1 the error,
        byte 4 the physical drive, bytes 5-6 cylinder and head, byte 7 format and
        message code, bytes 8-12 the CCHHR for data-check formats."""
        s = bytearray(24)
        s[0], s[1] = b0, b1
        s[4] = self.drive_id()
        s[5] = self.cyl & 0xFF
        shift = 6 if (self.devtype == 0x3330 and self.geometry.model == 0x01) else 5
        s[6] = ((self.cyl >> 8) << shift | self.head & 0x1F) & 0xFF
        s[7] = (fmt & 0x0F) << 4 | msg & 0x0F
        if fmt in (4, 5):
            rec = self.track.records[self.idx].rec if self.track and self.idx >= 0 else 0
            s[8:13] = bytes((self.cyl >> 8, self.cyl & 0xFF, self.head >> 8, self.head & 0xFF, rec))
        self.sense = s
        return Result(CE_DE | UNIT_CHECK)

    def drive_id(self) -> int:
        return 0

    def reject(self) -> Result:
        return self.check(SENSE_COMMAND_REJECT)

    def _fail(self, b0: int, b1: int = 0, fmt: int = 0, msg: int = 0):
        raise _Check(self.check(b0, b1, fmt, msg))

    # --- positioning -------------------------------------------------------------
    def _seek(self, cyl: int, head: int) -> None:
        """Move to a track and orient after its home address."""
        self.cyl, self.head = cyl, head
        try:
            self.track = self.image.read_track(cyl, head)
        except ValueError:
            self.track = None
            self._fail(SENSE_EQUIPMENT_CHECK, 0, 1, 0)
        self.idx = -1
        self.orient = INDEX

    def _to_index(self) -> None:
        if self.track is None:
            self._seek(self.cyl, self.head)
        self.idx = -1
        self.orient = INDEX

    def _advance(self) -> None:
        """Multitrack: go on to the next head of the cylinder."""
        if self.fmask & MASK_SEEK == MASK_NO_SEEK_MT:
            self._fail(0, SENSE1_FILE_PROTECTED)
        if self.head + 1 >= self.heads:
            self._fail(0, SENSE1_END_OF_CYLINDER)
        self._seek(self.cyl, self.head + 1)

    def _next_count(self, cmd: int) -> Record | None:
        """Orient to the next count area, as the disk turns under the head.

        Record zero is passed over except by the commands that may address it. At the
        end of the track a single-track command goes round to the index again, a
        multitrack one on to the next head; the second index passage in a channel
        program without a record found ends in "no record found". Read Multiple CKD
        gets ``None`` at the end of the track instead.
        """
        code = cmd & 0x7F
        skip_r0 = code not in R0_CODES
        if self.track is None:
            self._to_index()
        if self.orient == EOT:
            self._advance()
        while True:
            i = self.idx + 1 if self.orient != INDEX else 0
            records = self.track.records
            if i < len(records):
                self.idx, self.orient = i, COUNT
                rec = records[i]
                if skip_r0 and rec.rec == 0:
                    continue
                return rec
            self.idx, self.orient = len(records), EOT
            if cmd == 0x5E:
                return None
            if self.xmark and not ((is_read(cmd) and cmd & MULTITRACK) or cmd in MT_KEY_SEARCHES):
                self._fail(0, SENSE1_NO_RECORD_FOUND)
            if not cmd & MULTITRACK:
                self._to_index()
                self.xmark = True
            else:
                self._advance()
                if code not in SEARCH_CODES:
                    self.xmark = True

    def _current(self) -> Record:
        return self.track.records[self.idx]

    def _store(self, track: Track) -> None:
        """Write the changed track through to the image file."""
        if self.image.readonly:
            self._fail(SENSE_COMMAND_REJECT, SENSE1_WRITE_INHIBITED)
        if not self.image.fits(track):
            self._fail(0, SENSE1_INVALID_TRACK_FORMAT)
        self.image.write_track(self.cyl, self.head, track)
        self.track = track

    @staticmethod
    def _read_status(rec: Record) -> int:
        """A data area of length zero (an end-of-file record) gives unit exception."""
        return CE_DE | UNIT_EXCEPTION if not rec.data else CE_DE

    # --- control commands -------------------------------------------------------
    def _noop(self, cmd, data):
        return immediate()

    def _sense(self, cmd, data):
        out = bytes(self.sense)
        self.sense = bytearray(24)
        return Result(CE_DE, out)

    def _seek_cmd(self, cmd, data):
        seek = self.fmask & MASK_SEEK
        if ((cmd == 0x07 and seek != MASK_SEEK_ALL)
                or (cmd == 0x0B and seek not in (MASK_SEEK_ALL, MASK_SEEK_CYL_HEAD))
                or (cmd == 0x1B and seek == MASK_NO_SEEK_MT)):
            return self.check(0, SENSE1_FILE_PROTECTED)
        if len(data) < 6:
            return self.check(SENSE_COMMAND_REJECT, 0, 0, 3)
        bb = data[0] << 8 | data[1]
        cyl = data[2] << 8 | data[3]
        head = data[4] << 8 | data[5]
        if cmd == 0x1B:
            cyl = self.cyl
        if bb or cyl >= self.cylinders or head >= self.heads:
            return self.check(SENSE_COMMAND_REJECT, 0, 0, 4)
        self._seek(cyl, head)
        return Result(CE_DE, length=6)

    def _recalibrate(self, cmd, data):
        if self.fmask & MASK_SEEK != MASK_SEEK_ALL:
            return self.check(0, SENSE1_FILE_PROTECTED)
        self._seek(0, 0)
        return immediate()

    def _set_file_mask(self, cmd, data):
        if self.setfm:
            return self.check(SENSE_COMMAND_REJECT, 0, 0, 2)
        if not data:
            return self.check(SENSE_COMMAND_REJECT, 0, 0, 3)
        if data[0] & MASK_RESERVED:
            return self.check(SENSE_COMMAND_REJECT, 0, 0, 4)
        self.fmask = data[0]
        self.setfm = True
        return Result(CE_DE, length=1)

    def _space_count(self, cmd, data):
        """Space Count: pass the next count area without transferring it."""
        if len(data) < 3:
            return self.check(SENSE_COMMAND_REJECT, 0, 0, 3)
        self._next_count(cmd)
        return Result(CE_DE, length=3)

    def _read_sector(self, cmd, data):
        return Result(CE_DE, b"\x00")

    def _set_sector(self, cmd, data):
        if not data:
            return self.check(SENSE_COMMAND_REJECT, 0, 0, 3)
        if data[0] >= self.geometry.sectors and data[0] != 0xFF:
            return self.check(SENSE_COMMAND_REJECT, 0, 0, 4)
        return Result(CE_DE, length=1)

    # --- searches -----------------------------------------------------------------
    def _search_id(self, cmd, data):
        rec = self._next_count(cmd)
        n = min(len(data), 5)
        ident = visible_count(rec)[:5]
        a, b = ident[:n], bytes(data[:n])
        hit = (cmd & 0x20 and a == b) or (cmd & 0x40 and a > b)
        self.ideq = a == b and n == 5 and cmd & 0x7F == 0x31
        return Result(CE_DE | STATUS_MODIFIER if hit else CE_DE, length=5)

    def _search_key(self, cmd, data):
        if self.orient != COUNT:
            self._next_count(cmd)
        rec = self._current()
        self.orient = KEY
        kl = len(rec.key)
        if not kl:
            self.kyeq = False
            return Result(CE_DE, length=0)
        n = min(len(data), kl)
        a, b = rec.key[:n], bytes(data[:n])
        hit = (cmd & 0x20 and a == b) or (cmd & 0x40 and a > b)
        self.kyeq = a == b and n == kl and cmd & 0x7F == 0x29
        return Result(CE_DE | STATUS_MODIFIER if hit else CE_DE, length=kl)

    def _search_ha(self, cmd, data):
        if cmd & MULTITRACK:
            self._advance()
        self._to_index()
        n = min(len(data), 4)
        hit = self.track.ha[1:1 + n] == bytes(data[:n])
        self.haeq = hit and n == 4
        return Result(CE_DE | STATUS_MODIFIER if hit else CE_DE, length=4)

    # --- reads ----------------------------------------------------------------------
    def _read_ipl(self, cmd, data):
        self.setfm = True
        self._seek(0, 0)
        rec = self._next_count(cmd)
        self.orient = DATA
        return Result(self._read_status(rec), rec.data)

    def _overflow_segments(self, cmd: int, rec: Record):
        """Track overflow: while a record segment carries the overflow flag (X'80' in
        its count's first byte, as Write Special CKD leaves it), the record goes on in
        the first record after R0 of the next track. Yields those further segments."""
        while rec.count[0] & OVERFLOW:
            self._advance()
            rec = self._next_count(cmd)
            self.orient = DATA
            yield rec

    def _read_through(self, cmd: int, rec: Record, first: bytes) -> Result:
        """``first`` and the data of the record's overflow segments. If going on to
        the next track fails (last head, or the file mask inhibits it), the bytes
        read so far are still transferred, with the unit check."""
        out = [first]
        try:
            for seg in self._overflow_segments(cmd, rec):
                out.append(seg.data)
        except _Check as chk:
            return Result(chk.result.status, b"".join(out))
        return Result(self._read_status(rec), b"".join(out))

    def _read_data(self, cmd, data):
        if self.orient not in (COUNT, KEY):
            self._next_count(cmd)
        rec = self._current()
        self.orient = DATA
        return self._read_through(cmd, rec, rec.data)

    def _read_kd(self, cmd, data):
        if self.orient != COUNT:
            self._next_count(cmd)
        rec = self._current()
        self.orient = DATA
        return self._read_through(cmd, rec, rec.key + rec.data)

    def _read_count(self, cmd, data):
        rec = self._next_count(cmd)
        return Result(CE_DE, visible_count(rec))

    def _read_ckd(self, cmd, data):
        rec = self._next_count(cmd)
        self.orient = DATA
        return self._read_through(cmd, rec, visible_count(rec) + rec.key + rec.data)

    def _read_r0(self, cmd, data):
        if cmd & MULTITRACK:
            self._advance()
        self._to_index()
        rec = self._next_count(cmd)
        self.orient = DATA
        return Result(self._read_status(rec), rec.image())

    def _read_ha(self, cmd, data):
        if cmd & MULTITRACK:
            self._advance()
        self._to_index()
        return Result(CE_DE, self.track.ha)

    def _read_multiple(self, cmd, data):
        out = []
        while True:
            rec = self._next_count(cmd)
            if rec is None:
                break
            self.orient = DATA
            out.append(visible_count(rec) + rec.key + rec.data)
        return Result(CE_DE, b"".join(out))

    # --- writes ----------------------------------------------------------------------
    def _write_mask(self, allowed: tuple[int, ...]) -> None:
        if self.fmask & MASK_WRITE not in allowed:
            self._fail(0, SENSE1_FILE_PROTECTED)

    def _write_ha(self, cmd, data):
        self._write_mask((MASK_ALLOW_ALL,))
        self._to_index()
        ha = bytes(data[:5]).ljust(5, b"\x00")
        self._store(Track(ha, []))
        self.wrha = True
        return Result(CE_DE, length=5)

    def _write_r0(self, cmd, data):
        if not (self.haeq or self.wrha):
            return self.check(SENSE_COMMAND_REJECT, 0, 0, 2)
        self._write_mask((MASK_ALLOW_ALL,))
        rec = self._record_from(data)
        self._store(Track(self.track.ha, [rec]))
        self.idx, self.orient = 0, DATA
        self.wckd = True
        return Result(CE_DE, length=len(rec))

    def _write_ckd(self, cmd, data):
        """Write CKD (X'1D') and Write Special CKD (X'01', a track-overflow segment:
        the record continues on the next track)."""
        if not (self.ideq or self.kyeq or self.wckd):
            return self.check(SENSE_COMMAND_REJECT, 0, 0, 2)
        self._write_mask((MASK_ALLOW_ALL, MASK_INHIBIT_HA_R0))
        rec = self._record_from(data)
        if cmd == 0x01:
            rec = Record(bytes((rec.count[0] | OVERFLOW,)) + rec.count[1:], rec.key, rec.data)
        keep = self.idx + 1 if self.orient in (COUNT, KEY, DATA) else 0
        self._store(Track(self.track.ha, self.track.records[:keep] + [rec]))
        self.idx, self.orient = keep, DATA
        self.wckd = True
        return Result(CE_DE, length=len(rec))

    def _erase(self, cmd, data):
        if not (self.ideq or self.kyeq or self.wckd):
            return self.check(SENSE_COMMAND_REJECT, 0, 0, 2)
        self._write_mask((MASK_ALLOW_ALL, MASK_INHIBIT_HA_R0))
        keep = self.idx + 1 if self.orient in (COUNT, KEY, DATA) else 0
        self._store(Track(self.track.ha, self.track.records[:keep]))
        self.idx, self.orient = keep - 1, DATA
        return Result(CE_DE, length=len(self._record_from(data)))

    def _write_data(self, cmd, data):
        if not (self.ideq or self.kyeq):
            return self.check(SENSE_COMMAND_REJECT, 0, 0, 2)
        self._write_mask((MASK_ALLOW_ALL, MASK_INHIBIT_HA_R0, MASK_UPDATE_ONLY))
        if self.orient not in (COUNT, KEY):
            return self.check(SENSE_COMMAND_REJECT, 0, 0, 2)
        rec = self._current()
        if not rec.data:
            return Result(CE_DE | UNIT_EXCEPTION)
        return Result(CE_DE, length=self._write_segments(cmd, rec, bytes(data)))

    def _write_kd(self, cmd, data):
        if not self.ideq:
            return self.check(SENSE_COMMAND_REJECT, 0, 0, 2)
        self._write_mask((MASK_ALLOW_ALL, MASK_INHIBIT_HA_R0, MASK_UPDATE_ONLY))
        if self.orient != COUNT:
            return self.check(SENSE_COMMAND_REJECT, 0, 0, 2)
        rec = self._current()
        if not rec.data:
            return Result(CE_DE | UNIT_EXCEPTION)
        kl = len(rec.key)
        key = bytes(data[:kl]).ljust(kl, b"\x00")
        return Result(CE_DE, length=kl + self._write_segments(cmd, rec, bytes(data[kl:]), key))

    def _write_segments(self, cmd: int, rec: Record, data: bytes, key: bytes | None = None) -> int:
        """Rewrite the data area of ``rec`` (and of its overflow segments on the next
        tracks) from ``data``, zero-padded; ``key`` replaces its key if given. Returns
        the data length the record needed."""
        dl = len(rec.data)
        self._replace(Record(rec.count, rec.key if key is None else key,
                             data[:dl].ljust(dl, b"\x00")))
        used = dl
        for seg in self._overflow_segments(cmd, rec):
            n = len(seg.data)
            self._replace(Record(seg.count, seg.key, data[used:used + n].ljust(n, b"\x00")))
            used += n
        return used

    def _replace(self, rec: Record) -> None:
        records = list(self.track.records)
        records[self.idx] = rec
        self._store(Track(self.track.ha, records))
        self.orient = DATA

    @staticmethod
    def _record_from(data: bytes) -> Record:
        """A count-key-data write: the count from the first 8 bytes, then key and data
        (short data is padded with zeros, as the channel sends zeros after the count)."""
        buf = bytes(data)
        count = buf[:8].ljust(8, b"\x00")
        kl, dl = count[5], count[6] << 8 | count[7]
        body = buf[8:8 + kl + dl].ljust(kl + dl, b"\x00")
        return Record(count, body[:kl], body[kl:])

    HANDLERS = {
        0x02: _read_ipl, 0x03: _noop, 0x04: _sense, 0x94: _sense, 0xB4: _sense,
        0x07: _seek_cmd, 0x0B: _seek_cmd, 0x1B: _seek_cmd, 0x13: _recalibrate, 0x17: _noop,
        0x1F: _set_file_mask, 0x0F: _space_count, 0x22: _read_sector, 0x23: _set_sector,
        0x05: _write_data, 0x0D: _write_kd, 0x1D: _write_ckd, 0x01: _write_ckd, 0x15: _write_r0,
        0x19: _write_ha, 0x11: _erase, 0x5E: _read_multiple,
    }
    for _base, _fn in ((0x06, _read_data), (0x0E, _read_kd), (0x12, _read_count),
                       (0x16, _read_r0), (0x1A, _read_ha), (0x1E, _read_ckd),
                       (0x29, _search_key), (0x49, _search_key), (0x69, _search_key),
                       (0x31, _search_id), (0x51, _search_id), (0x71, _search_id),
                       (0x39, _search_ha)):
        HANDLERS[_base] = HANDLERS[_base | MULTITRACK] = _fn
    del _base, _fn


class DASD3330(CKDDevice):
    """IBM 3330 Disk Storage, model 1 (404 cylinders) or 11 (808), 19 heads."""
    devtype = 0x3330
    description = "3330 DASD"
    geometries = (GEOMETRIES["3330"], GEOMETRIES["3330-11"])

    def drive_id(self) -> int:
        # Sense byte 4: drive A = 111000, B = 110001, ... H = 000111 (bits 2-7).
        return (self.address & 7) | ((~self.address & 7) << 3)


class DASD3350(CKDDevice):
    """IBM 3350 Direct Access Storage, 555 cylinders, 30 heads."""
    devtype = 0x3350
    description = "3350 DASD"
    geometries = (GEOMETRIES["3350"],)

    def drive_id(self) -> int:
        # Sense byte 4: drive 0 = X'80', ... drive 7 = X'01'.
        return 0x80 >> (self.address & 7)


#: Device types a configuration may name, for the configuration reader.
DEVICE_TYPES = {"3330": DASD3330, "3350": DASD3350}
