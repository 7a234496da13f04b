"""A real telnet client and a CP telnet server in a thread, for the telnet
tests (test_telnet*.py) and the load and fuzz tests (test_service*.py). Every
wait is bounded."""
from __future__ import annotations

import asyncio
import atexit
import contextlib
import re
import socket
import threading
import time

from cp.telnet import TelnetCP

IAC, SB, SE, TTYPE, IS = 255, 250, 240, 24, 0
ANSI = re.compile(rb"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>78]")
TIMEOUT = 10.0


def strip(data: bytes) -> str:
    out = bytearray()
    i = 0
    while i < len(data):
        b = data[i]
        if b == IAC and i + 1 < len(data):
            if data[i + 1] == SB:
                end = data.find(bytes((IAC, SE)), i)
                i = end + 2 if end >= 0 else len(data)
            else:
                i += 3
            continue
        out.append(b)
        i += 1
    text = ANSI.sub(b"", bytes(out))
    return text.decode("utf-8", "replace").replace("\r", "")


class Client:
    """A minimal telnet client: answers the terminal-type question, sends lines."""

    def __init__(self, port: int, ttype: bytes | None = b"VT100"):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        if ttype is not None:
            self.sock.sendall(bytes((IAC, SB, TTYPE, IS)) + ttype + bytes((IAC, SE)))
        self.raw = b""

    def send(self, line: str, enter: bytes = b"\r") -> None:
        self.sock.sendall(line.encode() + enter)

    def send_bytes(self, data: bytes) -> None:
        self.sock.sendall(data)

    def logon(self, user: str, reply: str = "LOGON AT") -> "Client":
        """LOGON ``user`` with the password on the line; wait for ``reply``."""
        self.send(f"LOGON {user} GUEST")
        self.expect(reply)
        return self

    def text(self) -> str:
        return strip(self.raw)

    def expect(self, needle: str, timeout: float = TIMEOUT, count: int = 1) -> str:
        """Read until ``needle`` has been seen ``count`` times in all the output."""
        deadline = time.monotonic() + timeout
        while self.text().count(needle) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{needle!r} not seen; got:\n{self.text()[-2000:]}")
            self.sock.settimeout(min(left, 0.5))
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                raise AssertionError(f"connection closed before {needle!r}")
            self.raw += chunk
        return self.text()

    def close(self) -> None:
        self.sock.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(host, port: int = 0):
    """``host``'s telnet server on 127.0.0.1 (a free port by default) in a thread
    while the ``with`` lasts; yields the port."""
    ready = threading.Event()
    box = {}

    def main():
        async def go():
            stop = asyncio.Event()
            box["stop"] = stop
            box["loop"] = asyncio.get_running_loop()
            started = asyncio.Event()
            telnet = TelnetCP(host, port)
            box["telnet"] = telnet
            t = asyncio.ensure_future(telnet.serve(ready=started, stop=stop))
            await started.wait()
            ready.set()
            await t
        asyncio.run(go())

    th = threading.Thread(target=main, daemon=True)
    th.start()
    assert ready.wait(TIMEOUT)
    try:
        yield box["telnet"].port
    finally:
        if not th.is_alive():
            return
        box["loop"].call_soon_threadsafe(box["stop"].set)
        th.join(TIMEOUT)
        assert not th.is_alive(), "the telnet server did not stop"


#: Child CPs still running: killed when the test process ends, so a failed
#: test leaves none behind.
_CHILDREN: list = []


@atexit.register
def _kill_children() -> None:
    for proc in _CHILDREN:
        if proc.poll() is None:
            proc.kill()


class CPProcess:
    """``s370vm cp`` in a child process (``stdin`` at end of file, as under a
    service manager), its output collected by a thread."""

    READY = "CP RUNNING WITHOUT A CONSOLE"

    def __init__(self, data, port: int, *extra: str, wait: bool = True):
        import subprocess
        import sys
        self.port = port
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "s370vm.main", "cp", "--port", str(port), "--data", str(data),
             *extra], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, errors="replace")
        _CHILDREN.append(self.proc)
        self.lines: list[str] = []
        self.errors: list[str] = []
        self._readers = [threading.Thread(target=self._collect, args=(s, l), daemon=True)
                         for s, l in ((self.proc.stdout, self.lines), (self.proc.stderr, self.errors))]
        for t in self._readers:
            t.start()
        if wait:
            self.wait_for(self.READY)

    @staticmethod
    def _collect(stream, into: list) -> None:
        for line in stream:
            into.append(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in ln for ln in self.lines):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                for t in self._readers:
                    t.join(1)
                if any(text in ln for ln in self.lines):
                    return
                raise AssertionError(f"{text!r} not seen; stdout {self.lines}, stderr {self.errors}")
            time.sleep(0.02)

    def end(self, timeout: float = 30.0) -> int:
        """Wait for the process to end (killing it after ``timeout``); its status."""
        import subprocess
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait(timeout)
        for t in self._readers:
            t.join(5)
        return rc
