"""Helpers for the TN3270 end-to-end tests: CP with its telnet server (line
mode and TN3270 on one port) in a background thread, and an s3270 driver."""
from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import threading
import time

import pytest

from cp.telnet import TelnetCP
from s370vm.cmd_cp import build_host

TIMEOUT = 15.0
S3270_PATH = shutil.which("s3270")
needs_s3270 = pytest.mark.skipif(
    S3270_PATH is None, reason="s3270 is not installed (apt-get install s3270; .ci/run installs it)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CP:
    """One CP (built-in system) serving line-mode telnet and TN3270 on a free port."""

    def __init__(self, data: str, more_wait: float = 60.0):
        self.host = build_host(data=data)
        self.telnet = TelnetCP(self.host, free_port())
        self.tn3270 = self.telnet.tn3270
        self.tn3270.more_wait = more_wait
        self._ready = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)
        self._thread.start()
        assert self._ready.wait(TIMEOUT), "CP did not start"

    async def _main(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.stop = asyncio.Event()
        started = asyncio.Event()
        telnet = asyncio.ensure_future(self.telnet.serve(ready=started, stop=self.stop))
        await started.wait()
        self._ready.set()
        await telnet

    @property
    def port(self) -> int:
        return self.telnet.port

    def ended(self, timeout: float = TIMEOUT) -> bool:
        """Whether CP has ended by itself (SHUTDOWN) within ``timeout`` seconds."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.stop.set)
        self._thread.join(TIMEOUT)


class S3270:
    """An s3270 process: ``do(action)`` runs one action and returns its data
    lines; ``status`` is s3270's status line (keyboard, formatting, field,
    connection, mode, model, rows, columns, cursor row and column, ...)."""

    def __init__(self, model: str = "3278-2"):
        self.proc = subprocess.Popen([S3270_PATH, "-model", model], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True, bufsize=1)
        self.status: list[str] = []

    def do(self, action: str) -> list[str]:
        self.proc.stdin.write(action + "\n")
        self.proc.stdin.flush()
        data = []
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise AssertionError(f"s3270 ended during {action}")
            line = line.rstrip("\n")
            if line in ("ok", "error"):
                if line == "error":
                    raise AssertionError(f"s3270 {action}: {data}")
                return data
            if line.startswith("data: "):
                data.append(line[6:])
            elif line.startswith("data:"):
                data.append("")
            else:
                self.status = line.split()

    def connect(self, port: int) -> float:
        """Connect; the seconds until the keyboard is unlocked in a formatted screen."""
        t0 = time.monotonic()
        self.do(f"Connect(127.0.0.1:{port})")
        self.do(f"Wait({int(TIMEOUT)},InputField)")
        return time.monotonic() - t0

    def screen(self) -> list[str]:
        return self.do("Ascii()")

    def text(self) -> str:
        return "\n".join(self.screen())

    def status_area(self) -> str:
        """The last 20 positions of the last row."""
        return self.screen()[-1][-20:].strip()

    def wait_for(self, predicate, what: str, timeout: float = TIMEOUT) -> list[str]:
        deadline = time.monotonic() + timeout
        while True:
            rows = self.screen()
            if predicate(rows):
                return rows
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} not seen; screen:\n" + "\n".join(rows))
            time.sleep(0.05)

    def wait_text(self, needle: str, timeout: float = TIMEOUT) -> list[str]:
        return self.wait_for(lambda rows: any(needle in r for r in rows), repr(needle), timeout)

    def wait_status(self, word: str, timeout: float = TIMEOUT) -> list[str]:
        return self.wait_for(lambda rows: rows[-1][-20:].strip().startswith(word),
                             f"status {word}", timeout)

    def enter(self, text: str) -> None:
        if text:
            self.do(f'String("{text}")')
        self.do("Enter()")

    def close(self) -> None:
        try:
            self.proc.stdin.write("Quit()\n")
            self.proc.stdin.flush()
            self.proc.wait(5)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait(5)
