"""Operator consoles: the 3215 console printer-keyboard and the 1052 printer-keyboard,
as Hercules' integrated consoles (``3215-C``, ``1052-C``) present them.

Output goes to a ``ConsoleLog`` (the run's console transcript, echoed to the host
terminal when the run is interactive or scripted without --json); input arrives as
typed lines (``type_line``) from the operator script or standard input.

A line typed while no read is waiting is kept for the program's next read and the
device raises attention (the request key); an empty line typed then is attention
alone. A read with no line available waits (the channel keeps the device busy)
until one is typed.

Commands (GA22-7000 and the 3215/1052 component descriptions): X'01' write without
carrier return, X'09' write with automatic carrier return, X'0A' read inquiry,
X'0B' audible alarm, X'03' no-operation, X'04' sense, X'E4' sense ID.
"""
from __future__ import annotations

import sys
from collections import deque
from pathlib import Path
from typing import Callable

from ..ebcdic import to_ascii, to_ebcdic
from .base import CE_DE, PENDING, Device, Result

#: Longest line a console read returns (Hercules' 1052/3215 buffer).
LINE_MAX = 150


class ConsoleLog:
    """Everything the consoles printed and everything typed at them, in order.

    ``text`` is the whole transcript; operator scripts search it from ``mark`` (the
    end of the previous match). ``echo`` receives each piece as it arrives (the host
    terminal), or nothing when it is None.
    """

    def __init__(self, echo: Callable[[str], None] | None = None, echo_input: bool = True):
        self.text = ""
        self.mark = 0
        self.echo = echo
        self.echo_input = echo_input

    def write(self, text: str) -> None:
        self.text += text
        if self.echo is not None:
            self.echo(text)

    def typed(self, line: str) -> None:
        """A line the operator typed (shown as a typewriter console would)."""
        self.text += line + "\n"
        if self.echo is not None and self.echo_input:
            self.echo(line + "\n")

    def find(self, needle: str) -> bool:
        """Whether ``needle`` appears after the mark; if so, move the mark past it."""
        at = self.text.find(needle, self.mark)
        if at < 0:
            return False
        self.mark = at + len(needle)
        return True

    def last_lines(self, n: int = 10) -> list[str]:
        return self.text.rstrip("\n").splitlines()[-n:]


def stdout_echo(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


class Console(Device):
    """A 3215 (or, with ``devtype`` 0x1052, a 1052) console."""

    devtype = 0x3215
    description = "console"
    asynchronous = True

    def __init__(self, address: int, args: list[str] | None = None, base_dir: Path | None = None,
                 devtype: int = 0x3215, log: ConsoleLog | None = None):
        super().__init__(address, args, base_dir)
        self.devtype = devtype
        self.log = log if log is not None else ConsoleLog(stdout_echo)
        self.lines: deque[str] = deque()
        self.reading = False            # a read command is waiting for a line
        self.alarms = 0

    # --- operator side ------------------------------------------------------
    def type_line(self, line: str) -> None:
        """The operator typed ``line`` (an empty line is the request key alone
        unless a read is waiting for it)."""
        if self.reading:
            self.lines.append(line)
            return
        if line:
            self.lines.append(line)
        self.attention = True

    def read_waiting(self) -> bool:
        return self.reading

    # --- channel side -------------------------------------------------------
    def ready(self) -> bool:
        return bool(self.lines)

    def reset(self) -> None:
        self.reading = False

    def command(self, cmd: int, count: int, data: bytes | None) -> Result:
        if cmd in (0x01, 0x09):
            text = "".join(c if c.isprintable() or c == "\n" else " "
                           for c in to_ascii(data or b""))
            self.log.write(text + ("\n" if cmd == 0x09 else ""))
            return Result(CE_DE)
        if cmd == 0x0A:
            if not self.lines:
                self.reading = True
                return PENDING
            self.reading = False
            line = self.lines.popleft()[:LINE_MAX]
            self.log.typed(line)
            return Result(CE_DE, to_ebcdic(line))
        if cmd == 0x0B:
            self.alarms += 1
            return Result(CE_DE)
        if cmd == 0xE4:
            t = self.devtype.to_bytes(2, "big")
            return Result(CE_DE, b"\xff" + t + b"\x00" + t + b"\x00")
        return self.reject()
