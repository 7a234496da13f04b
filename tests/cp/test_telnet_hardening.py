"""Telnet input is untrusted data (issue 16): a paste, escape sequences,
Latin-1 bytes, every Enter form, telnet commands (IP, BRK, AYT, NAWS), a peer
that takes no output, SHUTDOWN while a connection still negotiates. Real TCP
clients on 127.0.0.1; every wait is bounded."""
import time

import pytest

import cp.telnet
from s370vm.cmd_cp import build_host

from .telnet_support import IAC, SB, SE, TIMEOUT, Client, serving

IP, BRK, AYT, WILL, DO, NAWS, TTYPE, ECHO = 244, 243, 246, 251, 253, 31, 24, 1


@pytest.fixture
def server(tmp_path):
    host = build_host(data=str(tmp_path))
    with serving(host) as port:
        yield host, port
    assert host.errors == []            # no traceback was filed either


def answered_within(client: Client, line: str, reply: str, bound: float = 1.0) -> float:
    t0 = time.monotonic()
    client.send(line)
    client.expect(reply, timeout=bound * 5, count=client.text().count(reply) + 1)
    return time.monotonic() - t0


def test_a_64k_paste_before_logon_blocks_nobody(server):
    host, port = server
    good = Client(port).logon("GUEST1")
    bad = Client(port)
    bad.expect("VM/370 ONLINE")
    bad.send_bytes(b"X" * 65536 + b"\r\n")
    assert answered_within(good, "Q USERS", "001 USERS") < 1.0
    bad.expect("INPUT LINE OF 65536 CHARACTERS IGNORED; THE LIMIT IS 255")
    bad.logon("GUEST2")                 # the same connection works afterwards
    bad.send("Q USERS")
    bad.expect("002 USERS")


def test_escape_sequences_and_latin1_bytes_are_only_data(server):
    host, port = server
    c = Client(port)
    c.expect("VM/370 ONLINE")
    c.send_bytes(b"\x1b[5m")           # before logon: once a traceback on the operator's console
    c.send_bytes(b"LOGON GUEST1 \x1b[1mGUEST\x1b[0m\r")
    c.expect("LOGON AT")
    c.send_bytes("caf\u00e9\r".encode("latin-1"))        # once UnicodeEncodeError, session dropped
    c.expect("DMKCFC001E ?CP: CAF\u00c9")
    c.send("Q USERS")
    c.expect("001 USERS")


@pytest.mark.parametrize("enter", [b"\r\n", b"\r\x00", b"\r", b"\n"])
def test_each_enter_form_is_one_enter(server, enter):
    host, port = server
    c = Client(port)
    c.send("LOGON GUEST4", enter)
    c.expect("ENTER PASSWORD:")
    c.send("GUEST", enter)              # the LF of CR LF once answered the prompt here
    c.expect("LOGON AT")
    assert "DMKLOG050E" not in c.text()


def test_ip_and_brk_are_the_attention_key_and_ayt_answers(server):
    host, port = server
    c = Client(port).logon("GUEST1")
    c.send("IPL 00C")
    c.expect("MONITOR:")
    c.send("RUN")                       # no program: the monitor just answers
    for cmd in (IP, BRK):
        c.send("BEGIN")
        deadline = time.monotonic() + TIMEOUT
        while not host.sessions["GUEST1"].running and time.monotonic() < deadline:
            time.sleep(0.02)
        c.send_bytes(bytes((IAC, cmd)))
        deadline = time.monotonic() + TIMEOUT
        while host.sessions["GUEST1"].status != "CP READ" and time.monotonic() < deadline:
            time.sleep(0.02)
        assert host.sessions["GUEST1"].status == "CP READ"
    c.send_bytes(bytes((IAC, AYT)))
    c.expect("[YES: GRAF")
    assert "CP READ]" in c.text()


def test_naws_width_wraps_output_and_server_echo_hides_passwords(server):
    host, port = server
    c = Client(port)
    c.send_bytes(bytes((IAC, SB, NAWS, 0, 40, 0, 24, IAC, SE)) + bytes((IAC, DO, ECHO)))
    c.expect("VM/370 ONLINE")
    c.send("LOGON GUEST1")
    c.expect("ENTER PASSWORD:")
    c.send("SECRETGUESS")
    c.expect("DMKLOG050E")
    assert "SECRETGUESS" not in c.text()        # echoed LOGON GUEST1, not the password
    assert "LOGON GUEST1" in c.text()
    c.logon("GUEST1")
    c.send("MSG * " + "A" * 70)
    c.expect("\n" + "A" * 10 + "\n")             # 70 = 20 + 40 + 10
    msg = c.text().split("\n")
    first = next(i for i, ln in enumerate(msg) if ln.startswith("MSG FROM"))
    assert msg[first] == "MSG FROM GUEST1  :  " + "A" * 20      # 40 columns
    assert msg[first + 1:first + 3] == ["A" * 40, "A" * 10]


def test_a_peer_that_takes_no_output_is_hung_up():
    """Output waiting for a peer is bounded: past OUTPUT_LIMIT the connection is
    aborted (its user disconnected) instead of holding the memory."""
    class Transport:
        aborted = False

        def is_closing(self):
            return self.aborted

        def get_write_buffer_size(self):
            return cp.telnet.OUTPUT_LIMIT + 1

        def abort(self):
            self.aborted = True

    class Writer:
        transport = Transport()
        written = b""

        def get_extra_info(self, name):
            return ("192.0.2.1", 5000)

        def write(self, data):
            self.written += data

    conn = cp.telnet.Connection(cp.telnet.TelnetCP(build_host(), 0), None, Writer())
    conn.write_line("Q USERS")
    assert conn.closed and Writer.transport.aborted and Writer.written == b""
    assert conn.address == "192.0.2.1"


def test_shutdown_with_a_connection_still_negotiating(tmp_path):
    host = build_host(data=str(tmp_path))
    with serving(host) as port:
        op = Client(port)
        op.send("LOGON OPERATOR OPERATOR")
        op.expect("LOGON AT")
        user = Client(port).logon("GUEST1")
        stuck = Client(port, ttype=None)
        stuck.send_bytes(bytes((IAC, WILL, TTYPE)))   # says it will, never does
        time.sleep(0.1)
        op.send("SHUTDOWN")
        op.expect("DMKCKP961W SYSTEM SHUTDOWN COMPLETE")
        user.expect("BY SYSTEM")
    assert host.shutdown and host.errors == []
    tail = op.text().split("SHUTDOWN COMPLETE")[1]
    assert "VM/370 ONLINE" not in tail
    logoff = [ln for ln in op.text().split("\n") if ln.startswith("LOGOFF AT")]
    assert logoff and logoff[-1].endswith("BY SYSTEM")
