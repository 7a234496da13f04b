"""3420 magnetic tape drive (on a 3803 control unit), backed by AWS or HET tape files.

Configuration: ``0281 3420 tapes/vs2spool.het`` (relative to the configuration's
directory; ``ro`` attaches it file-protected; ``*`` is a drive with no tape mounted).

Both file formats are Hercules': a tape is a sequence of chunks, each with a 6-byte
header (current chunk length and previous chunk length, both little-endian 16-bit, then
flag bytes 1 and 2). Flag byte 1: X'80' beginning of a block, X'40' tape mark, X'20' end
of a block; a block longer than one chunk is spread over several. HET adds compression
in flag byte 1 bits X'03' (1 zlib, 2 bzip2; flag byte 2 X'80' is Bus-Tech zlib), applied
to the whole block before it is cut into chunks (Hercules ``het.h``/``hetlib.c``).

The file is indexed once when the drive is attached (one entry per block or tape mark),
so spacing and backspacing are list moves; blocks are read and decompressed on demand.
Writing is supported for AWS files only (a HET file is mounted file-protected): a write
or tape mark truncates the file at the current position and appends, and goes to the
file before channel end, as on a real tape where a write ends the recorded data.
"""
from __future__ import annotations

import bz2
import os
import zlib
from pathlib import Path

from s370.errors import MachineError

from .base import (immediate, CE_DE, SENSE_COMMAND_REJECT, SENSE_DATA_CHECK, SENSE_INTERVENTION_REQUIRED,
                   UNIT_CHECK, UNIT_EXCEPTION, Device, Result)
from .ckd import writable

HDR_SIZE = 6
BOR, TAPEMARK, EOR = 0x80, 0x40, 0x20
COMPRESS_MASK, ZLIB, BZLIB = 0x03, 0x01, 0x02
BUSTECH_ZLIB = 0x80
MAX_CHUNK = 0xFFFF
#: The longest block a 3420 reads or writes (the CCW count's limit).
MAX_BLOCK = 0xFFFF

# Sense bytes (3803/3420).
SENSE1_TU_READY = 0x40        # TU status A
SENSE1_TU_NOT_READY = 0x20    # TU status B
SENSE1_LOAD_POINT = 0x08
SENSE1_FILE_PROTECT = 0x02
SENSE4_TAPE_INDICATE = 0x20   # end-of-tape marker (here: the end of the file)
#: Sense bits a 3420 on a 3803 always reports, ORed into every sense: byte 5
#: X'C0', byte 6 X'03' (model), 13 X'80', 14 X'01', 16 X'01', 19-20 X'FF'
#: (Hercules' 3420 sense, tapeccws.c build_sense_3420).
FIXED_SENSE = {5: 0xC0, 6: 0x03, 13: 0x80, 14: 0x01, 16: 0x01, 19: 0xFF, 20: 0xFF}


class TapeImage:
    """An AWS or HET file indexed by block: ``blocks[i]`` is ``(offset, end, mark,
    last_chunk_len)`` with ``mark`` True for a tape mark."""

    def __init__(self, path: str | os.PathLike, readonly: bool = False):
        self.path = Path(path)
        name = str(self.path)
        try:
            self.readonly = readonly or not writable(self.path)
            self.f = open(self.path, "rb" if self.readonly else "r+b")
        except OSError as exc:
            raise MachineError(f"cannot open tape image {name}: {exc.strerror}") from None
        self.het = self.path.suffix.lower() == ".het"
        try:
            self.blocks = self._index(name)
        except MachineError:
            self.f.close()
            raise
        if self.het:
            self.readonly = True

    def _index(self, name: str) -> list[tuple[int, int, bool, int]]:
        f = self.f
        size = os.fstat(f.fileno()).st_size
        blocks = []
        pos = 0
        while pos < size:
            start = pos
            first = True
            while True:
                f.seek(pos)
                hdr = f.read(HDR_SIZE)
                if len(hdr) < HDR_SIZE:
                    raise MachineError(f"tape image {name} is truncated: partial block header "
                                       f"at offset {pos}")
                clen = hdr[0] | hdr[1] << 8
                f1, f2 = hdr[4], hdr[5]
                if f1 & COMPRESS_MASK or f2 & BUSTECH_ZLIB:
                    self.het = True
                if f1 & TAPEMARK:
                    if not first:
                        raise MachineError(f"tape image {name} is corrupt: tape mark inside a "
                                           f"block at offset {pos}")
                    pos += HDR_SIZE
                    blocks.append((start, pos, True, 0))
                    break
                if first and not f1 & BOR:
                    raise MachineError(f"tape image {name} is corrupt: block at offset {pos} "
                                       f"does not start with a beginning-of-block header")
                pos += HDR_SIZE + clen
                if pos > size:
                    raise MachineError(f"tape image {name} is truncated: the block at offset "
                                       f"{start} runs past the end of the file")
                first = False
                if f1 & EOR:
                    blocks.append((start, pos, False, clen))
                    break
        return blocks

    def read(self, i: int) -> bytes:
        """Block ``i``'s data, decompressed; ``ValueError`` if it will not decompress."""
        start, end, _, _ = self.blocks[i]
        self.f.seek(start)
        raw = self.f.read(end - start)
        parts = []
        p = 0
        f1 = raw[4]
        f2 = raw[5]
        while p < len(raw):
            clen = raw[p] | raw[p + 1] << 8
            parts.append(raw[p + HDR_SIZE:p + HDR_SIZE + clen])
            p += HDR_SIZE + clen
        data = b"".join(parts)
        method = f1 & COMPRESS_MASK
        try:
            if method == ZLIB or f2 & BUSTECH_ZLIB:
                out = zlib.decompressobj().decompress(data, MAX_BLOCK + 1)
            elif method == BZLIB:
                out = bz2.BZ2Decompressor().decompress(data, max_length=MAX_BLOCK + 1)
            else:
                out = None
        except (zlib.error, OSError, ValueError, EOFError) as exc:
            raise ValueError(str(exc)) from None
        if out is not None:
            if len(out) > MAX_BLOCK:        # never inflate a block past what a tape holds
                raise ValueError(f"block {i} inflates past {MAX_BLOCK} bytes")
            return out
        if method:
            raise ValueError(f"unknown compression method {method}")
        return data

    def _truncate_at(self, i: int) -> tuple[int, int]:
        """Drop block ``i`` and everything after it; return (file offset, previous
        chunk length) where the next header goes."""
        offset = self.blocks[i][0] if i < len(self.blocks) else (
            self.blocks[-1][1] if self.blocks else 0)
        prev = self.blocks[i - 1][3] if i > 0 else 0
        del self.blocks[i:]
        self.f.truncate(offset)
        return offset, prev

    def write(self, i: int, data: bytes | None) -> None:
        """Write a block (or, with ``data`` None, a tape mark) at position ``i``: the
        rest of the tape is gone, as after a write on real tape."""
        offset, prev = self._truncate_at(i)
        if data is None:
            hdr = bytes((0, 0, prev & 0xFF, prev >> 8, TAPEMARK, 0))
            body, last = b"", 0
        else:
            hdr = bytes((len(data) & 0xFF, len(data) >> 8, prev & 0xFF, prev >> 8, BOR | EOR, 0))
            body, last = bytes(data), len(data)
        self.f.seek(offset)
        self.f.write(hdr + body)
        self.f.flush()
        self.blocks.append((offset, offset + len(hdr) + len(body), data is None, last))

    def erase_from(self, i: int) -> None:
        self._truncate_at(i)
        self.f.flush()

    def close(self) -> None:
        if not self.f.closed:
            if not self.readonly:
                self.f.flush()
                os.fsync(self.f.fileno())
            self.f.close()


class Tape3420(Device):
    """IBM 3420 tape drive: read, read backward, write, tape mark, spacing, rewind."""

    devtype = 0x3420
    description = "3420 tape"

    def __init__(self, address: int, args: list[str] | None = None, base_dir: Path | None = None):
        super().__init__(address, args, base_dir)
        self.image: TapeImage | None = None
        self.pos = 0
        self.mount(self.args)

    def mount(self, args: list[str]) -> None:
        """Mount the tape named by ``args`` (``*`` or nothing: no tape)."""
        if self.image is not None:
            self.image.close()
            self.image = None
        self.pos = 0
        if not args or args[0] == "*":
            return
        path = Path(args[0])
        if not path.is_absolute():
            path = self.base_dir / path
        readonly = any(a.lower() in ("ro", "readonly", "rdonly") for a in args[1:])
        self.image = TapeImage(path, readonly)

    def devinit(self, args: list[str]) -> None:
        self.mount(args)
        self.args = list(args)

    def sense_length(self) -> int:
        return 24

    def close(self) -> None:
        if self.image is not None:
            self.image.close()

    # --- status -----------------------------------------------------------------
    def status_sense(self) -> bytearray:
        """The sense bytes with the drive's current state (ready, load point, file
        protect) merged into byte 1, as the 3803 reports them on every Sense."""
        s = bytearray(self.sense)
        for i, v in FIXED_SENSE.items():
            s[i] |= v
        if self.image is None:
            s[1] |= SENSE1_TU_NOT_READY
        else:
            s[1] |= SENSE1_TU_READY
            if self.pos == 0:
                s[1] |= SENSE1_LOAD_POINT
            if self.image.readonly:
                s[1] |= SENSE1_FILE_PROTECT
        return s

    def _check(self, b0: int, b4: int = 0) -> Result:
        self.sense = bytearray(24)
        self.sense[0] = b0
        self.sense[4] = b4
        self.sense = self.status_sense()
        return Result(CE_DE | UNIT_CHECK)

    def _end_of_tape(self) -> Result:
        """Past the last block of the file: unit exception with tape indicate."""
        self.sense = bytearray(24)
        self.sense[4] = SENSE4_TAPE_INDICATE
        return Result(CE_DE | UNIT_EXCEPTION)

    def reject(self) -> Result:
        return self._check(SENSE_COMMAND_REJECT)

    # --- commands -----------------------------------------------------------------
    def execute(self, cmd: int, count: int, data: bytes | None) -> Result:
        if cmd == 0x04:
            out = bytes(self.status_sense())
            self.sense = bytearray(24)
            return Result(CE_DE, out)
        self.sense = bytearray(24)      # an earlier unit check's sense lasts until now
        if self.image is None:
            return self._check(SENSE_INTERVENTION_REQUIRED)
        handler = self.HANDLERS.get(cmd)
        if handler is not None:
            return handler(self, data)
        if cmd & 0x07 == 0x03:          # mode set 1/2 (density, parity, translate): accept
            return immediate()
        return self.reject()

    def _noop(self, data):
        return immediate()

    def _read(self, data):
        img = self.image
        if self.pos >= len(img.blocks):
            return self._end_of_tape()
        i = self.pos
        self.pos += 1
        if img.blocks[i][2]:
            return Result(CE_DE | UNIT_EXCEPTION)
        try:
            return Result(CE_DE, img.read(i))
        except ValueError:
            return self._check(SENSE_DATA_CHECK)

    def _read_backward(self, data):
        if self.pos == 0:
            return self._check(SENSE_COMMAND_REJECT)
        self.pos -= 1
        if self.image.blocks[self.pos][2]:
            return Result(CE_DE | UNIT_EXCEPTION)
        try:
            return Result(CE_DE, self.image.read(self.pos))
        except ValueError:
            return self._check(SENSE_DATA_CHECK)

    def _writable(self) -> Result | None:
        if self.image.readonly:
            return self._check(SENSE_COMMAND_REJECT)
        return None

    def _write(self, data):
        bad = self._writable()
        if bad:
            return bad
        if not data:
            return self.reject()
        self.image.write(self.pos, data)
        self.pos += 1
        return Result(CE_DE)

    def _write_tape_mark(self, data):
        bad = self._writable()
        if bad:
            return bad
        self.image.write(self.pos, None)
        self.pos += 1
        return immediate()

    def _erase_gap(self, data):
        return self._writable() or immediate()

    def _data_security_erase(self, data):
        bad = self._writable()
        if bad:
            return bad
        self.image.erase_from(self.pos)
        return immediate()

    def _rewind(self, data):
        self.pos = 0
        return immediate()

    def _rewind_unload(self, data):
        self.image.close()
        self.image = None
        self.pos = 0
        return immediate()

    def _forward_space_block(self, data):
        if self.pos >= len(self.image.blocks):
            return self._end_of_tape()
        self.pos += 1
        return immediate(CE_DE | UNIT_EXCEPTION if self.image.blocks[self.pos - 1][2] else CE_DE)

    def _backspace_block(self, data):
        if self.pos == 0:
            return self._check(SENSE_COMMAND_REJECT)
        self.pos -= 1
        return immediate(CE_DE | UNIT_EXCEPTION if self.image.blocks[self.pos][2] else CE_DE)

    def _forward_space_file(self, data):
        blocks = self.image.blocks
        while self.pos < len(blocks):
            self.pos += 1
            if blocks[self.pos - 1][2]:
                return immediate()
        return self._end_of_tape()

    def _backspace_file(self, data):
        if self.pos == 0:
            return self._check(SENSE_COMMAND_REJECT)
        blocks = self.image.blocks
        while self.pos > 0:
            self.pos -= 1
            if blocks[self.pos][2]:
                return immediate()
        return self._check(SENSE_COMMAND_REJECT)

    HANDLERS = {
        0x01: _write, 0x02: _read, 0x03: _noop, 0x0C: _read_backward,
        0x07: _rewind, 0x0F: _rewind_unload, 0x17: _erase_gap, 0x1F: _write_tape_mark,
        0x27: _backspace_block, 0x2F: _backspace_file, 0x37: _forward_space_block,
        0x3F: _forward_space_file, 0x97: _data_security_erase,
    }


#: Device types a configuration may name, for the configuration reader.
DEVICE_TYPES = {"3420": Tape3420}
