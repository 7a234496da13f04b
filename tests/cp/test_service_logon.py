"""Logon protection (issue 16): wrong passwords slow the next try, by user and
by address, are logged for the operator, and no password is ever echoed,
logged or traced."""
import time

import pytest

from cp.logon_guard import MAX_DELAY, LogonGuard
from cp.terminal import Terminal, masked
from s370vm.cmd_cp import build_host, run_script

from .telnet_support import Client, serving


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_each_failure_doubles_the_delay_up_to_the_limit():
    clock = Clock()
    g = LogonGuard(clock)
    a, b = object(), object()
    delays = [g.failed("GUEST1", "192.0.2.1", a)[1] for _ in range(9)]
    assert delays == [1, 2, 4, 8, 16, 32, MAX_DELAY, MAX_DELAY, MAX_DELAY]
    assert g.wait("GUEST1", "192.0.2.1", a) == 0          # the failing terminal is held, not refused
    assert g.wait("GUEST1", "198.51.100.7", b) == MAX_DELAY   # the user's delay, elsewhere
    assert g.wait("GUEST2", "192.0.2.1", b) == MAX_DELAY      # the address's delay, other user
    assert g.wait("GUEST2", "198.51.100.7", b) == 0
    clock.now += MAX_DELAY
    assert g.wait("GUEST1", "198.51.100.7", b) == 0
    g.succeeded("GUEST1", "192.0.2.1")
    assert g.failed("GUEST1", "192.0.2.1", a) == (1, 1)
    clock.now += 601                                      # forgotten after ten quiet minutes
    assert g.failed("GUEST1", "192.0.2.1", a) == (1, 1)


def test_local_terminals_are_not_counted_by_address():
    g = LogonGuard(Clock())
    a, b = object(), object()
    g.failed("GUEST1", "LOCAL", a)
    assert g.wait("GUEST2", "LOCAL", b) == 0 and g.wait("GUEST1", "LOCAL", b) == 1


def test_a_failure_is_logged_without_the_password_and_holds_the_terminal():
    host = build_host()
    out: list[str] = []
    t = Terminal(host, "GRAF 0C1", out.append)
    t.address = "192.0.2.9"
    t.handle_line("LOGON GUEST1 SESAME")
    assert out == ["DMKLOG050E PASSWORD INCORRECT - REINITIATE LOGON PROCEDURE"]
    assert host.oplog[-1].endswith("GRAF 0C1 LOGON FAILED AS GUEST1   FROM 192.0.2.9: "
                                   "001 IN A ROW, NEXT TRY IN 1 SECONDS")
    assert t.hold_until > time.monotonic() + 0.5
    other = Terminal(host, "GRAF 0C2", out.append)
    other.address = "192.0.2.9"
    other.handle_line("LOGON GUEST1 GUEST")          # right, but inside the delay: refused unchecked
    assert out[-1] == "DMKLOG050E PASSWORD INCORRECT - REINITIATE LOGON PROCEDURE"
    assert "GUEST1" not in host.sessions
    assert not any("SESAME" in ln for ln in host.oplog + host.errors)


def test_passwords_never_appear_in_echoes_or_the_console_spool():
    assert masked("LOGON GUEST1 SESAME NOIPL") == "LOGON GUEST1 ******** NOIPL"
    assert masked("L GUEST1 NOIPL SESAME") == "L GUEST1 NOIPL ********"
    assert masked("LINK MAINT 191 291 RR SESAME#Q USERS") == "LINK MAINT 191 291 RR ********#Q USERS"
    assert masked("LOGOFF") == "LOGOFF" and masked("Q USERS") == "Q USERS"
    lines = run_script(build_host(), "LOGON GUEST1 GUEST\nSPOOL CONSOLE START\nLINK MAINT 191 291 RR SESAME\n")
    assert lines[0] == "T1> LOGON GUEST1 ********"
    assert "T1> LINK MAINT 191 291 RR ********" in lines
    assert not any("SESAME" in ln for ln in lines)


def test_a_guesser_on_telnet_is_slowed_and_a_second_connection_refused(tmp_path):
    host = build_host(data=str(tmp_path))
    with serving(host) as port:
        guesser = Client(port)
        guesser.send("LOGON GUEST2 WRONG1")
        guesser.expect("DMKLOG050E")
        t0 = time.monotonic()
        guesser.send("LOGON GUEST2 WRONG2")
        guesser.expect("DMKLOG050E", count=2)
        assert time.monotonic() - t0 >= 0.9         # held for the first delay (1 s)
        helper = Client(port)                       # same address, right password, during 2 s
        helper.send("LOGON GUEST2 GUEST")
        helper.expect("DMKLOG050E")
        time.sleep(2.1)
        helper.logon("GUEST2")                      # the delay over: in
        assert any("LOGON FAILED AS GUEST2   FROM 127.0.0.1: 002 IN A ROW" in ln for ln in host.oplog)
        assert not any("WRONG" in ln for ln in host.oplog)
