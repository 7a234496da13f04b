"""A 3270 display's character buffer, driven by outbound data streams and
read back as inbound ones (GA23-0059 chapters 3 and 4).

``Buffer`` applies Write, Erase/Write and Erase/Write Alternate records (WCC,
orders SF SFE SBA SA MF IC PT RA EUA GE, data) and answers Read Buffer, Read
Modified and Read Modified All. The guest's dialled or dedicated 3270
(s370/devices/d3270.py) keeps one so a Read Buffer or Read Modified CCW is
answered from it, and the tests use it to check what CP sent. A malformed
stream raises ``DataStreamError`` having changed nothing (the record is checked
on a copy first), as a 3270 rejects the write with an operation check.
"""
from __future__ import annotations

from . import datastream as ds


class Buffer:
    """``rows`` x ``cols`` positions; a position holds a character (EBCDIC,
    0 = null) or, when ``attr[pos]`` is not None, a field attribute."""

    def __init__(self, rows: int = 24, cols: int = 80, alt: tuple[int, int] | None = None):
        self.default = (rows, cols)
        self.alternate = alt or (rows, cols)
        self._size(rows, cols)
        self.keyboard_locked = False
        self.alarm = False

    def _size(self, rows: int, cols: int) -> None:
        self.rows, self.cols = rows, cols
        self.size = rows * cols
        self.chars = bytearray(self.size)
        self.attr: list[int | None] = [None] * self.size
        self.cursor = 0

    # ------------------------------------------------------------ fields
    def field_attr(self, pos: int) -> int | None:
        """The attribute governing ``pos`` (None: unformatted screen)."""
        for k in range(self.size):
            a = self.attr[(pos - k) % self.size]
            if a is not None:
                return a
        return None

    def formatted(self) -> bool:
        return any(a is not None for a in self.attr)

    def fields(self) -> list[tuple[int, int, int]]:
        """(attribute address, first data address, length) of every field."""
        starts = [i for i, a in enumerate(self.attr) if a is not None]
        out = []
        for k, s in enumerate(starts):
            nxt = starts[(k + 1) % len(starts)]
            length = (nxt - s - 1) % self.size if len(starts) > 1 else self.size - 1
            out.append((s, (s + 1) % self.size, length))
        return out

    def field_text(self, start: int, length: int) -> bytes:
        return bytes(self.chars[(start + i) % self.size] for i in range(length))

    # ----------------------------------------------------------- writing
    def write(self, record: bytes) -> None:
        """Apply one outbound record (command byte first)."""
        if not record:
            raise ds.DataStreamError("empty outbound record")
        cmd = record[0]
        if cmd not in ds.WRITES:
            raise ds.DataStreamError(f"X'{cmd:02X}' is not a write command")
        trial = self.copy()
        trial._apply(cmd, record[1:])
        self.__dict__.update(trial.__dict__)

    def copy(self) -> "Buffer":
        b = Buffer.__new__(Buffer)
        b.__dict__.update(self.__dict__)
        b.chars = bytearray(self.chars)
        b.attr = list(self.attr)
        return b

    def _apply(self, cmd: int, body: bytes) -> None:
        if cmd == ds.EW:
            self._size(*self.default)
        elif cmd == ds.EWA:
            self._size(*self.alternate)
        if not body:
            return
        wcc = body[0]
        if wcc & ds.WCC_RESET_MDT:
            self.attr = [a & ~ds.FA_MDT if a is not None else None for a in self.attr]
        addr = self.cursor if cmd == ds.W else 0
        i, n = 1, len(body)
        after_text = False
        while i < n:
            b = body[i]
            if b == ds.SBA:
                addr = self._address(body, i + 1)
                i += 3
            elif b == ds.SF:
                self._need(body, i, 2)
                self._set_attr(addr, body[i + 1] & 0x3F)
                addr = (addr + 1) % self.size
                i += 2
            elif b in (ds.SFE, ds.MF):
                self._need(body, i, 2)
                pairs = body[i + 2:i + 2 + 2 * body[i + 1]]
                if len(pairs) != 2 * body[i + 1]:
                    raise ds.DataStreamError("SFE/MF cut inside its attribute pairs")
                basic = next((pairs[k + 1] & 0x3F for k in range(0, len(pairs), 2)
                              if pairs[k] == ds.XA_FIELD), None)
                if b == ds.SFE:
                    self._set_attr(addr, basic or 0)
                elif self.attr[addr] is None:
                    raise ds.DataStreamError("MF where there is no field attribute")
                elif basic is not None:
                    self.attr[addr] = basic
                addr = (addr + 1) % self.size
                i += 2 + len(pairs)
            elif b == ds.SA:
                self._need(body, i, 3)          # character attributes: not kept
                i += 3
            elif b == ds.IC:
                self.cursor = addr
                i += 1
            elif b == ds.PT:
                if after_text:                  # nulls to the end of the field (4.3.7)
                    while self.attr[addr] is None:
                        self.chars[addr] = 0
                        addr = (addr + 1) % self.size
                        if addr == 0:
                            break
                addr = self._next_unprotected(addr)
                i += 1
            elif b == ds.RA:
                stop = self._address(body, i + 1)
                self._need(body, i, 4)
                ch = body[i + 3]
                i += 4
                if ch == ds.GE:
                    self._need(body, i - 4, 5)
                    ch = body[i]
                    i += 1
                addr = self._fill(addr, stop, lambda a, c=ch: self._put(a, c))
            elif b == ds.EUA:
                stop = self._address(body, i + 1)
                i += 3
                addr = self._fill(addr, stop, self._erase_if_unprotected)
            elif b == ds.GE:
                self._need(body, i, 2)
                self._put(addr, body[i + 1])
                addr = (addr + 1) % self.size
                i += 2
            elif b < 0x40 and b in ds.ORDERS:
                raise ds.DataStreamError(f"order X'{b:02X}' not handled")
            elif b < 0x40:
                raise ds.DataStreamError(f"X'{b:02X}' at offset {i + 1} is not an order or graphic")
            else:
                self._put(addr, b)
                addr = (addr + 1) % self.size
                i += 1
            after_text = b >= 0x40
        if wcc & ds.WCC_RESTORE:
            self.keyboard_locked = False
        self.alarm = bool(wcc & ds.WCC_ALARM)

    def _need(self, body: bytes, i: int, n: int) -> None:
        if i + n > len(body):
            raise ds.DataStreamError(f"order X'{body[i]:02X}' cut short")

    def _address(self, body: bytes, i: int) -> int:
        if i + 2 > len(body):
            raise ds.DataStreamError("buffer address cut short")
        addr = ds.decode_address(body[i], body[i + 1])
        if addr >= self.size:
            raise ds.DataStreamError(f"buffer address {addr} beyond the {self.size}-position buffer")
        return addr

    def _set_attr(self, addr: int, attr: int) -> None:
        self.attr[addr] = attr
        self.chars[addr] = 0

    def _put(self, addr: int, ch: int) -> None:
        self.attr[addr] = None
        self.chars[addr] = ch

    def _erase_if_unprotected(self, addr: int) -> None:
        if self.attr[addr] is None and not (self.field_attr(addr) or 0) & ds.FA_PROTECTED:
            self.chars[addr] = 0

    def _fill(self, addr: int, stop: int, action) -> int:
        """Apply ``action`` from ``addr`` up to ``stop`` (the whole buffer when
        they are equal, 4.3.8)."""
        first = True
        while first or addr != stop:
            first = False
            action(addr)
            addr = (addr + 1) % self.size
        return stop

    def _next_unprotected(self, addr: int) -> int:
        """Program Tab: the first position of the next unprotected field (0 if none)."""
        for k in range(self.size):
            a = (addr + k) % self.size
            at = self.attr[a]
            if at is not None and not at & ds.FA_PROTECTED:
                nxt = (a + 1) % self.size
                if self.attr[nxt] is None:
                    return nxt
            if k and a == 0:
                break
        return 0

    # ----------------------------------------------------------- keying
    def type_into(self, addr: int | None, data: bytes) -> None:
        """What a user typed (an inbound field, nulls left out): the field
        from ``addr`` gets ``data`` and nulls after it, and its MDT is set. An
        unformatted screen (``addr`` None) gets the data from position 0."""
        if addr is None:
            addr = 0
        fa = None
        for k in range(1, self.size + 1):
            a = (addr - k) % self.size
            if self.attr[a] is not None:
                fa = a
                break
        for k in range(self.size):
            p = (addr + k) % self.size
            if self.attr[p] is not None:
                break
            self.chars[p] = data[k] if k < len(data) else 0
        if fa is not None:
            self.attr[fa] |= ds.FA_MDT

    def clear(self) -> None:
        """The CLEAR key: default size, all nulls, unformatted, cursor at 0."""
        self._size(*self.default)

    # ----------------------------------------------------------- reading
    def read_buffer(self, aid: int = ds.AID_NONE) -> bytes:
        """Read Buffer (3.6.1): AID, cursor, then every position from 0, an
        attribute as SF + attribute."""
        out = bytearray((aid,)) + ds.encode_address(self.cursor, self.size)
        for p in range(self.size):
            a = self.attr[p]
            if a is None:
                out.append(self.chars[p])
            else:
                out += ds.sf(a)
        return bytes(out)

    def read_modified(self, aid: int = ds.AID_NONE, all_fields: bool = False) -> bytes:
        """Read Modified / Read Modified All (3.6.2): a short read for CLEAR and
        the PA keys (unless ``all_fields``), else AID, cursor and SBA + data
        (nulls suppressed) of each field whose MDT is on; an unformatted
        screen sends its whole text without SBA."""
        if aid in ds.SHORT_READ and not all_fields:
            return bytes((aid,))
        out = bytearray((aid,)) + ds.encode_address(self.cursor, self.size)
        if not self.formatted():
            out += bytes(c for c in self.chars if c)
            return bytes(out)
        for attr_at, start, length in self.fields():
            if self.attr[attr_at] & ds.FA_MDT:
                out += ds.sba(start, self.size)
                out += bytes(c for c in self.field_text(start, length) if c)
        return bytes(out)
