"""The telnet server with real TCP clients on 127.0.0.1: several users at once,
password not echoed, garbage bytes, a dropped connection, disconnect and
reconnect. Every wait is bounded."""
import asyncio
import re
import socket
import threading
import time

import pytest

from cp.telnet import TelnetCP
from s370vm.cmd_cp import build_host

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

    def __init__(self, port: int):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.sock.sendall(bytes((IAC, SB, TTYPE, IS)) + b"VT100" + bytes((IAC, SE)))
        self.raw = b""

    def send(self, line: str) -> None:
        self.sock.sendall(line.encode() + b"\r")

    def logon(self, user: str, reply: str = "LOGON AT") -> "Client":
        """LOGON ``user`` with the password on the line; wait for ``reply``."""
        self.send(f"LOGON {user} GUEST")
        self.expect(reply)
        return self

    def text(self) -> str:
        return strip(self.raw)

    def expect(self, needle: str, timeout: float = TIMEOUT) -> str:
        deadline = time.monotonic() + timeout
        while needle not in self.text():
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


@pytest.fixture
def server(tmp_path):
    host = build_host(data=str(tmp_path))
    port = free_port()
    ready = threading.Event()
    box = {}

    def main():
        async def go():
            stop = asyncio.Event()
            box["stop"] = stop
            box["loop"] = asyncio.get_running_loop()
            started = asyncio.Event()
            t = asyncio.ensure_future(TelnetCP(host, port).serve(ready=started, stop=stop))
            await started.wait()
            ready.set()
            await t
        asyncio.run(go())

    th = threading.Thread(target=main, daemon=True)
    th.start()
    assert ready.wait(TIMEOUT)
    yield host, port
    box["loop"].call_soon_threadsafe(box["stop"].set)
    th.join(TIMEOUT)


def test_logon_query_logoff(server):
    host, port = server
    c = Client(port)
    c.expect("VM/370 ONLINE")
    c.send("LOGON GUEST1")
    c.expect("ENTER PASSWORD:")
    c.send("GUEST")
    c.expect("LOGON AT")
    assert "GUEST\n" not in c.text().split("ENTER PASSWORD:")[1].split("LOGON AT")[0]
    c.send("Q USERS")
    c.expect("001 USERS, 000 DIALED")
    c.send("LOGOFF")
    c.expect("CONNECT=")
    c.expect("LOGOFF AT")
    c.close()


def test_several_users_and_messages(server):
    host, port = server
    a, b = Client(port), Client(port)
    a.logon("GUEST1")
    b.logon("GUEST2")
    b.send("MSG GUEST1 HELLO THERE")
    a.expect("MSG FROM GUEST2  :  HELLO THERE")
    a.send("Q N")
    a.expect("GUEST2   - GRAF")
    a.close()
    b.close()


def test_guest_console_over_telnet(server):
    host, port = server
    c = Client(port).logon("GUEST1")
    c.send("IPL 00C")
    c.expect("MONITOR:")
    c.send("ECHO over the wire")
    c.expect("over the wire")
    c.send("#CP Q USERS")
    c.expect("001 USERS")
    c.close()


def test_garbage_and_drop_do_not_hurt_others(server):
    host, port = server
    good = Client(port).logon("GUEST1")
    bad = Client(port)
    bad.sock.sendall(bytes(range(256)) * 4 + b"\xff\xff\xfe\x00garbage\r")
    bad.send("LOGON GUEST2")
    bad.sock.sendall(b"GUE")          # drop in the middle of the password
    bad.close()
    good.send("Q USERS")
    good.expect("001 USERS")
    assert "GUEST2" not in host.sessions


def test_disconnect_keeps_vm_running_and_reconnect(server):
    host, port = server
    c = Client(port).logon("GUEST1")
    c.send("IPL 00C")
    c.expect("MONITOR:")
    c.send("#CP DISC")
    c.expect("DISCONNECT AT")
    c.expect("VM/370 ONLINE")
    assert host.sessions["GUEST1"].disconnected
    assert host.sessions["GUEST1"].running
    c.close()
    d = Client(port).logon("GUEST1", "RECONNECTED AT")
    d.send("BEGIN")
    d.send("ECHO still here")
    d.expect("still here")
    d.close()


def test_dropped_line_disconnects_user(server):
    host, port = server
    c = Client(port).logon("GUEST3")
    c.close()
    deadline = time.monotonic() + TIMEOUT
    while not host.sessions["GUEST3"].disconnected and time.monotonic() < deadline:
        time.sleep(0.05)
    assert host.sessions["GUEST3"].disconnected
    d = Client(port).logon("GUEST3", "RECONNECTED AT")
    d.close()


def test_client_without_terminal_type_gets_a_terminal(server):
    """A raw client (netcat) that never answers the TTYPE question still gets
    the logo after a short wait and can log on."""
    host, port = server
    sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    c = Client.__new__(Client)
    c.sock, c.raw = sock, b""
    c.expect("VM/370 ONLINE")
    c.logon("GUEST4")
    c.close()
