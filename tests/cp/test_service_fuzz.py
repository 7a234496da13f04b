"""Fuzz (issue 16): hypothesis-made byte streams (telnet commands and
subnegotiations, escape sequences, control characters, invalid UTF-8, very long
lines, logons) on one connection while a second user works: no traceback
anywhere, the second user answered within a bound every time. Bounded by the
hypothesis profile (tests/conftest.py)."""
import socket
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from s370vm.cmd_cp import build_host

from .telnet_support import TIMEOUT, Client, serving

BOUND = 2.0
IAC = 255
PIECES = [
    bytes((IAC, 244)), bytes((IAC, 243)), bytes((IAC, 246)), bytes((IAC, 247)), bytes((IAC, 248)),
    bytes((IAC, 253, 1)), bytes((IAC, 254, 1)), bytes((IAC, 251, 24)), bytes((IAC, 252, 24)),
    bytes((IAC, 251, 31)), bytes((IAC, 250, 31, 0, 40, 0, 24, IAC, 240)),
    bytes((IAC, 250, 31, 0, 0, 0)), bytes((IAC, 250, 24, 0)) + b"IBM-3278-2" + bytes((IAC, 240)),
    bytes((IAC, 250)), bytes((IAC,)), bytes((IAC, IAC)), b"\x1b[5m", b"\x1b[", b"\x1bO", b"\x1b",
    b"\r\n", b"\r\x00", b"\r", b"\n", b"\x03", b"\x04", b"\x7f", b"\x15", b"\xe9", b"\xc3", b"\xff\xfe",
    b"X" * 300, b"LOGON GUEST2 GUEST\r", b"LOGON GUEST2\r", b"GUEST\r", b"IPL 00C\r", b"#CP DISC\r",
    b"Q N\r", b"LOGOFF\r", b"MSG GUEST1 \x1b[2J\xe9\r", b"BEGIN\r", b"SET EMSG OFF\r",
]
streams = st.lists(st.one_of(st.sampled_from(PIECES), st.binary(max_size=40)), max_size=25)


def test_fuzzed_peer_disturbs_nobody(tmp_path, capsys):
    host = build_host(data=str(tmp_path))
    tried = [0]
    with serving(host) as port:
        worker = Client(port).logon("GUEST1")
        worker.send("IPL 00C")
        worker.expect("MONITOR:")

        @settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(streams, st.integers(1, 64))
        def one_peer(pieces, chunk):
            tried[0] += 1
            data = b"".join(pieces)
            peer = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
            try:
                for i in range(0, len(data), chunk):
                    peer.sendall(data[i:i + chunk])
            except OSError:
                pass                            # the server may hang up on it: fine
            token = f"T{tried[0]}"
            t0 = time.monotonic()
            worker.send(f"ECHO {token}")
            worker.expect(f"\n{token}\n", timeout=BOUND * 5)
            assert time.monotonic() - t0 < BOUND
            peer.close()
        one_peer()
        worker.send("#CP Q USERS")
        worker.expect("USERS")
    assert host.errors == []
    printed = capsys.readouterr()
    assert "Traceback" not in printed.out + printed.err
    with capsys.disabled():
        print(f"\n[fuzz] {tried[0]} byte streams tried, none disturbed the second user")
