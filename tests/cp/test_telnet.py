"""The telnet server with real TCP clients on 127.0.0.1: several users at once,
password not echoed, garbage bytes, a dropped connection, disconnect and
reconnect. Every wait is bounded."""
import socket
import time

import pytest

from s370vm.cmd_cp import build_host

from .telnet_support import TIMEOUT, Client, serving



@pytest.fixture
def server(tmp_path):
    host = build_host(data=str(tmp_path))
    with serving(host) as port:
        yield host, port


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
    c.expect("VM/370 ONLINE", count=2)          # the logo again, after the DISCONNECT line
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
