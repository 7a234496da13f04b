"""End to end with s3270 (the scripting x3270): CP's TN3270 server, VM/370's
screen, logon with a non-display password, CP and guest commands, PA1, MORE...,
several 3270 sessions beside a line-mode telnet user. One CP serves the module."""
import socket
import time

import pytest

from cp.tn3270 import negotiation as tn

from .tn3270_support import CP, S3270, TIMEOUT, needs_s3270

pytestmark = needs_s3270


@pytest.fixture(scope="module")
def cp(tmp_path_factory):
    c = CP(str(tmp_path_factory.mktemp("tn3270")), more_wait=1.5)
    yield c
    c.close()
    assert c.host.errors == []


@pytest.fixture
def term():
    made = []

    def make(model="3278-2"):
        t = S3270(model)
        made.append(t)
        return t
    yield make
    for t in made:
        t.close()


def logon(t: S3270, user: str) -> None:
    t.enter(f"LOGON {user}")
    t.wait_text("ENTER PASSWORD:")
    t.do('String("GUEST")')
    assert "GUEST" not in t.screen()[-2] + t.screen()[-1]     # non-display input field
    t.do("Enter()")
    t.wait_text("LOGON AT")


def test_logo_logon_query_ipl_guest_pa1_and_begin(cp, term):
    t = term()
    seconds = t.connect(cp.port)
    assert seconds < 5
    assert t.status[4] == "I" and t.status[6:8] == ["24", "80"]     # 3270 mode, 24x80
    rows = t.screen()
    assert any("VM/370 ONLINE" in r for r in rows)
    assert t.status_area() == "CP READ       S370VM"
    assert t.status[8:10] == ["22", "1"]                             # cursor: the input area
    logon(t, "GUEST1")
    assert t.status_area().startswith("CP READ")
    t.enter("CLEAR")                                                 # not a command: CP says so
    t.wait_text("?CP: CLEAR")
    t.do("Clear()")
    t.wait_for(lambda rows: not any(r.strip() for r in rows[:22]), "an empty output area")
    t.enter("QUERY TIME")
    t.wait_text("TIME IS")
    t.enter("IPL 00C")
    t.wait_text("S370VM MONITOR READY")
    t.wait_status("VM READ")
    t.enter("ECHO HELLO 3270")
    t.wait_for(lambda rows: any(r.strip() == "HELLO 3270" for r in rows), "the guest's echo")
    t.do("PA(1)")
    t.wait_status("CP READ")
    t.enter("QUERY TIME")
    t.wait_for(lambda rows: sum("TIME IS" in r for r in rows) == 2, "a second QUERY TIME")
    t.enter("BEGIN")
    t.wait_status("VM READ")
    t.enter("#CP QUERY USERS")
    t.wait_text("USERS,")
    assert t.status_area().startswith("VM READ")
    t.enter("#CP LOGOFF")
    t.wait_text("VM/370 ONLINE")


def test_output_beyond_the_screen_waits_under_more_until_clear_or_the_timer(cp, term):
    t = term()
    t.connect(cp.port)
    logon(t, "GUEST2")
    for _ in range(7):
        t.enter("QUERY TIME")
    rows = t.wait_status("MORE...")
    assert rows[21].strip()                                  # the output area is full
    t.do("Clear()")
    t.wait_status("CP READ")
    t.wait_text("TIME IS")
    for _ in range(8):
        t.enter("QUERY TIME")
    t.wait_status("MORE...")
    t.do("Enter()")                                          # ENTER with nothing typed: hold
    t.wait_status("HOLDING")
    time.sleep(2.0)                                          # the MORE... timer does not run
    assert t.status_area().startswith("HOLDING")
    t.do("PA(2)")
    t.wait_status("CP READ", timeout=5)
    for _ in range(8):
        t.enter("QUERY TIME")
    t.wait_status("MORE...")
    t.wait_status("CP READ", timeout=5)                      # more_wait (1.5 s here) ends it
    t.enter("LOGOFF")
    t.wait_text("VM/370 ONLINE")


def test_model_5_gets_27_by_132_and_two_sessions_beside_a_line_mode_user(cp, term):
    big, small = term("3278-5"), term()
    big.connect(cp.port)
    small.connect(cp.port)
    assert big.status[6:8] == ["27", "132"] and len(big.screen()[0]) == 132
    line = socket.create_connection(("127.0.0.1", cp.port), timeout=TIMEOUT)
    line.sendall(bytes((255, 250, 24, 0)) + b"VT100" + bytes((255, 240)))
    line.sendall(b"LOGON GUEST4 GUEST\r")
    logon(big, "GUEST2")
    logon(small, "GUEST3")
    seen = b""
    deadline = time.monotonic() + TIMEOUT
    while b"LOGON AT" not in seen and time.monotonic() < deadline:
        seen += line.recv(4096)
    assert b"LOGON AT" in seen
    small.enter("QUERY NAMES")
    rows = small.wait_text("GUEST4")
    assert "GUEST2" in "\n".join(rows) and "GUEST3" in "\n".join(rows)
    assert len(cp.tn3270.sessions) >= 2
    line.sendall(b"MSG GUEST3 FROM THE LINE\r")
    small.wait_text("FROM THE LINE")
    for t in (big, small):
        t.enter("LOGOFF")
        t.wait_text("VM/370 ONLINE")
    line.sendall(b"LOGOFF\r")
    line.close()


def negotiated(port: int, ttype: bytes, *offers: bytes) -> tuple[socket.socket, bytes]:
    """A hand-made TN3270 client: names ``ttype`` (and sends ``offers``) at
    once, agrees EOR and BINARY when the server asks: (socket, bytes received)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    s.sendall(tn.command(tn.WILL, tn.TTYPE) + bytes((255, 250, 24, 0)) + ttype + bytes((255, 240))
              + b"".join(offers))
    got = b""
    while tn.command(tn.DO, tn.EOR) not in got:
        got += s.recv(65536)
    s.sendall(tn.command(tn.WILL, tn.EOR) + tn.command(tn.DO, tn.EOR)
              + tn.command(tn.WILL, tn.BINARY) + tn.command(tn.DO, tn.BINARY))
    while b"\xff\xef" not in got:                           # the first screen
        got += s.recv(65536)
    return s, got


def test_garbage_and_a_drop_mid_record_affect_nobody_else(cp, term):
    t = term()
    t.connect(cp.port)
    logon(t, "GUEST1")
    bad, _ = negotiated(cp.port, b"IBM-3278-2")
    for junk in (b"\x7d\xff\xef", b"\x7d\x5b\x61\x11\xff\xef", b"\x88\x00\x05\xff\xef",
                 b"\x7d\x5b\x61\x11\x5b\x61" + bytes(range(256)).replace(b"\xff", b"") + b"\xff\xef",
                 b"\x7d" * 20000 + b"\xff\xef", b"\x7d\x5b\x61\x11\x5b"):
        bad.sendall(junk)
    bad.close()                                              # gone in the middle of a record
    t.enter("QUERY TIME")
    t.wait_text("TIME IS")
    assert cp.host.errors == []
    t.enter("LOGOFF")
    t.wait_text("VM/370 ONLINE")


def test_a_3270_refusing_binary_falls_back_to_line_mode(cp):
    s = socket.create_connection(("127.0.0.1", cp.port), timeout=TIMEOUT)
    s.sendall(tn.command(tn.WILL, tn.TTYPE))
    s.sendall(bytes((255, 250, 24, 0)) + b"IBM-3278-2" + bytes((255, 240)))
    s.sendall(tn.command(tn.WONT, tn.BINARY))
    got = b""
    deadline = time.monotonic() + TIMEOUT
    while b"VM/370 ONLINE" not in got and time.monotonic() < deadline:
        chunk = s.recv(4096)
        if not chunk:
            break
        got += chunk
    assert b"VM/370 ONLINE" in got and b"\xff\xef" not in got   # a line terminal, no 3270 record
    s.sendall(b"LOGON GUEST4 GUEST\r")
    while b"LOGON AT" not in got and time.monotonic() < deadline:
        got += s.recv(4096)
    assert b"LOGON AT" in got
    s.sendall(b"LOGOFF\r")
    s.close()


def test_a_client_gone_in_the_middle_of_the_negotiation_is_no_error(cp):
    s = socket.create_connection(("127.0.0.1", cp.port), timeout=TIMEOUT)
    s.sendall(tn.command(tn.WILL, tn.TTYPE) + bytes((255, 250, 24, 0)) + b"IBM-3278-2" + bytes((255, 240)))
    got = b""
    while tn.command(tn.DO, tn.EOR) not in got:
        got += s.recv(65536)
    s.close()                                               # gone before agreeing BINARY and EOR
    time.sleep(0.3)
    assert cp.host.errors == []


def test_tn3270e_offered_by_the_client_is_declined_and_rfc1576_goes_on(cp):
    s, got = negotiated(cp.port, b"IBM-3278-2-E", tn.command(tn.WILL, tn.TN3270E))
    assert tn.command(tn.DONT, tn.TN3270E) in got
    assert got.split(tn.command(tn.WILL, tn.BINARY))[-1][:1] == bytes((0x7E,))   # EWA record
    s.close()


def test_headless_s370vm_cp_serves_a_3270(tmp_path, term):
    """The real command: ``s370vm cp --no-console`` in its own process."""
    import subprocess
    import sys

    from .tn3270_support import free_port
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", "from s370vm.main import main; raise SystemExit(main())",
                             "cp", "--no-console", "--port", str(port), "--data", str(tmp_path)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    try:
        said = []
        while not said or "CP RUNNING WITHOUT A CONSOLE" not in said[-1]:
            said.append(proc.stdout.readline())
            assert said[-1] and len(said) < 20, said            # it started, and said so
        t = term()
        t.connect(port)
        assert t.status_area() == "CP READ       S370VM"
        logon(t, "GUEST2")
        t.enter("QUERY TIME")
        t.wait_text("TIME IS")
        t.enter("LOGOFF")
        t.wait_text("VM/370 ONLINE")
    finally:
        proc.terminate()
        proc.wait(TIMEOUT)
