"""Keyboard bytes from an untrusted peer turned into input lines.

A telnet (or TN3270 NVT) client may send anything: any byte value, invalid
UTF-8, escape sequences from cursor keys or a hostile script, a megabyte without
an Enter. ``LineAssembler`` is the one place that turns such a stream into what
CP reads: printable lines of at most ``max_line`` characters, plus the few
keyboard events CP cares about. It never raises and holds at most ``max_line``
characters per connection, whatever arrives.

Rules (why each one):
* Bytes are UTF-8 where they are valid and Latin-1 where they are not (a stray
  X'E9' from a Latin-1 terminal is an e-acute, not an error).
* Enter is CR LF, CR NUL, a bare CR or a bare LF, each one Enter (RFC 854, "The
  NVT printer and keyboard": CR LF is a newline, CR NUL a carriage return).
* Escape sequences (ESC [ ... final, ESC O x, ESC x) are swallowed whole; a CR
  or LF inside a broken sequence still ends the line, so no Enter is lost.
* BS and DEL erase a character, Ctrl-U (NAK) erases the line, Ctrl-C is the
  attention key; every other control character is dropped (Ctrl-D too: a
  terminal hangs up by closing its connection, not by a key a user may hit).
* A line longer than ``max_line`` is not cut silently: the Enter that ends it
  gives a ``TOO_LONG`` event and the line is discarded.
"""
from __future__ import annotations

import codecs

MAX_LINE = 255

LINE = "line"           # (LINE, text): Enter with this line
TOO_LONG = "too-long"   # (TOO_LONG, length): Enter after an over-long line, discarded
ATTENTION = "attention"  # Ctrl-C
ECHO = "echo"           # (ECHO, text): characters added to the line (for a server that echoes)
ERASE = "erase"         # (ERASE, n): n characters taken off the end of the line

_ESC, _CSI_MAX = "\x1b", 32


def _latin1_fallback(exc: UnicodeDecodeError):
    """Codec error handler: a byte that is not UTF-8 is taken as Latin-1."""
    bad = exc.object[exc.start:exc.end]
    return "".join(chr(b) for b in bad), exc.end


codecs.register_error("s370vm-latin1", _latin1_fallback)


def decode_lenient(data: bytes) -> str:
    """UTF-8 where valid, Latin-1 for every other byte; never raises."""
    return data.decode("utf-8", errors="s370vm-latin1")


def too_long_message(length: int, limit: int = MAX_LINE) -> str:
    """What a terminal shows for a line it discarded for its length."""
    return f"INPUT LINE OF {length} CHARACTERS IGNORED; THE LIMIT IS {limit}"


class LineAssembler:
    """Bytes in, events out (see the module docstring). One per connection."""

    def __init__(self, max_line: int = MAX_LINE):
        self.max_line = max_line
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="s370vm-latin1")
        self._buf: list[str] = []
        self._overflow = 0          # characters beyond max_line in this line
        self._after_cr = False      # the last character was CR: LF or NUL after it is part of it
        self._esc = ""              # an escape sequence being swallowed

    @property
    def pending(self) -> str:
        """The characters typed so far on the current line."""
        return "".join(self._buf)

    def feed(self, data: bytes) -> list[tuple]:
        """Events for ``data`` (may be any bytes, any split)."""
        events: list[tuple] = []
        echo: list[str] = []
        for ch in self._decoder.decode(data):
            if self._after_cr:
                self._after_cr = False
                if ch in "\n\x00":
                    continue
            if self._esc:
                if self._escape_goes_on(ch):
                    continue
                if ch == _ESC:          # a new sequence right after a broken one
                    self._esc = ch
                    continue
            self._char(ch, events, echo)
        self._flush_echo(events, echo)
        return events

    def _escape_goes_on(self, ch: str) -> bool:
        """Swallow ``ch`` as part of the escape sequence being read, if it is.
        False when the sequence has ended before ``ch`` (``ch`` is then ordinary)."""
        seq = self._esc
        if len(seq) == 1:                               # ESC x
            if ch in "[O":
                self._esc = seq + ch
            else:
                self._esc = ""
                return ch.isprintable() and ch.isascii()   # ESC + letter: one sequence
            return True
        code = ord(ch)
        if seq[1] == "O":                               # SS3: one final character
            self._esc = ""
            return 0x20 <= code <= 0x7E
        if 0x20 <= code <= 0x3F and len(seq) < _CSI_MAX:   # CSI parameters, intermediates
            self._esc = seq + ch
            return True
        self._esc = ""
        return 0x40 <= code <= 0x7E                     # the final byte ends it

    def _char(self, ch: str, events: list, echo: list) -> None:
        if ch == "\r" or ch == "\n":
            self._after_cr = ch == "\r"
            self._flush_echo(events, echo)
            self._enter(events)
        elif ch == _ESC:
            self._esc = ch
        elif ch in "\b\x7f":
            if self._overflow:
                self._overflow -= 1
            elif self._buf:
                self._buf.pop()
                if echo:
                    echo.pop()
                else:
                    events.append((ERASE, 1))
        elif ch == "\x15":                              # Ctrl-U: erase the line
            self._flush_echo(events, echo)
            if self._buf:
                events.append((ERASE, len(self._buf)))
            self._buf, self._overflow = [], 0
        elif ch == "\x03":
            self._flush_echo(events, echo)
            events.append((ATTENTION,))
        elif ch.isprintable():
            if len(self._buf) < self.max_line:
                self._buf.append(ch)
                echo.append(ch)
            else:
                self._overflow += 1

    def _enter(self, events: list) -> None:
        if self._overflow:
            events.append((TOO_LONG, len(self._buf) + self._overflow))
        else:
            events.append((LINE, "".join(self._buf)))
        self._buf, self._overflow = [], 0

    @staticmethod
    def _flush_echo(events: list, echo: list) -> None:
        if echo:
            events.append((ECHO, "".join(echo)))
            echo.clear()
