"""Terminal line handling and states (cp/terminal.py)."""
from cp.terminal import MAX_LINE, Terminal, sanitise
from s370vm.cmd_cp import build_host


def make():
    host = build_host()
    out: list[str] = []
    return host, Terminal(host, "GRAF 0C1", out.append), out


def test_states_through_a_session():
    host, t, out = make()
    assert t.state == "ONLINE"
    t.handle_line("LOGON GUEST1 GUEST")
    assert t.state == "CP READ"
    t.handle_line("IPL 00C")
    host.settle()
    assert t.state == "VM READ"
    t.handle_line("#CP")                 # alone: stop the machine, CP READ
    assert t.state == "CP READ"
    t.handle_line("BEGIN")
    assert t.state == "VM READ"
    t.attention()                        # PA1 / Ctrl-C
    assert t.state == "CP READ"


def test_running_state_while_guest_computes():
    host, t, out = make()
    t.handle_line("LOGON GUEST1 GUEST")
    t.handle_line("ST S800 47F00800")      # B *: loops forever
    t.handle_line("ST PSW 0 800")
    t.handle_line("BEGIN")
    host.run_guests(1000)
    assert t.state == "RUNNING"
    t.handle_line("#CP Q USERS")           # CP command without stopping the machine
    assert out[-1] == "001 USERS, 000 DIALED" and t.state == "RUNNING"


def test_password_prompt_is_one_line_and_not_kept():
    host, t, out = make()
    t.handle_line("LOGON GUEST1")
    assert t.wants_password and out[-1] == "ENTER PASSWORD:"
    t.handle_line("GUEST")
    assert not t.wants_password and out[-2].startswith("LOGON AT")
    assert "GUEST" not in " ".join(host.oplog).replace("GUEST1", "")


def test_linend_splits_commands_and_stops_at_password_prompt():
    host, t, out = make()
    t.handle_line("LOGON GUEST1#GUEST")
    assert out == ["ENTER PASSWORD:"]     # the rest of the line is not taken as a password
    t.handle_line("GUEST")
    t.handle_line("Q USERS#Q STOR")
    assert out[-2:] == ["001 USERS, 000 DIALED", "STORAGE = 01024K"]


def test_garbage_is_sanitised():
    assert sanitise("Q\x00 US\x1b[2JERS\x7f\r\n") == "Q US[2JERS"
    host, t, out = make()
    t.handle_line("X" * 5000)            # refused with a message, not cut (issue 16)
    assert out == [f"INPUT LINE OF 5000 CHARACTERS IGNORED; THE LIMIT IS {MAX_LINE}"]
    t.handle_line("\x00\x01\x02\xff\ufffd\udcff")
    t.handle_line("LOGON GUEST1 GUEST")
    assert out[-2].startswith("LOGON AT")


def test_hangup_disconnects_without_logoff():
    host, t, out = make()
    t.handle_line("LOGON GUEST1 GUEST")
    t.handle_line("IPL 00C")
    t.hangup()
    s = host.sessions["GUEST1"]
    assert s.disconnected and s.running
    assert any("DSCONNECT AS GUEST1" in ln for ln in host.oplog)
    t2 = Terminal(host, "GRAF 0C2", out.append)
    t2.handle_line("LOGON GUEST1 GUEST")
    assert out[-1].startswith("RECONNECTED AT") and t2.state == "CP READ"


def test_cp_defect_does_not_reach_the_user():
    host, t, out = make()
    from cp.commands import processor, registry  # noqa: F401 (processor registers the families)
    saved = registry.HANDLERS["QUERY"]
    registry.HANDLERS["QUERY"] = lambda ctx, args: 1 / 0
    try:
        t.handle_line("LOGON GUEST1 GUEST")
        t.handle_line("Q USERS")
    finally:
        registry.HANDLERS["QUERY"] = saved
    assert out[-1] == "DMKCFC001E ?CP: Q (INTERNAL ERROR LOGGED)"
    assert "ZeroDivisionError" in host.errors[-1]


def test_operator_console_session():
    """The prompt-toolkit operator console, fed through a pipe: logon, a query,
    SHUTDOWN ends it."""
    import asyncio

    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from cp.console import COMMAND_WORDS, console_main
    assert {"QUERY", "LOGON", "TRACE", "SPOOL"} <= set(COMMAND_WORDS)
    host = build_host()
    with create_pipe_input() as inp:
        inp.send_text("LOGON OPERATOR OPERATOR\rQ USERS\rSHUTDOWN\r")
        with create_app_session(input=inp, output=DummyOutput()):
            lines: list[str] = []
            rc = asyncio.run(asyncio.wait_for(console_main(host, 0, lines.append), 20))
    out = "\n".join(lines)
    assert rc == 0 and host.shutdown
    assert "VM/370 ONLINE" in out and "001 USERS, 000 DIALED" in out
    assert "DMKCKP961W SYSTEM SHUTDOWN COMPLETE" in out


def test_disconnected_machine_waiting_for_console_is_logged_off_after_15_minutes():
    now = [1_000_000.0]
    host = build_host()
    host.clock = lambda: now[0]
    out: list[str] = []
    t = Terminal(host, "GRAF 0C1", out.append)
    t.handle_line("LOGON GUEST1 GUEST")
    t.handle_line("IPL 00C")
    host.settle()
    t.handle_line("#CP DISC")
    host.settle()
    now[0] += 14 * 60
    host.run_guests()
    assert "GUEST1" in host.sessions
    now[0] += 60
    host.run_guests()
    assert "GUEST1" not in host.sessions
    assert any("USER DSC LOGOFF AS GUEST1" in ln and ln.endswith("FORCED") for ln in host.oplog)


def test_cli_script_run(tmp_path, capsys):
    """``s370vm cp --script``: echo and output format, exit codes for bad files."""
    from s370vm.main import main
    script = tmp_path / "s.txt"
    script.write_text("* comment\nLOGON GUEST1\nGUEST\nT2: Q USERS\nT1: Q USERS\n")
    assert main(["cp", "--script", str(script), "--data", str(tmp_path / "data")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:3] == ["T1> LOGON GUEST1", "T1: ENTER PASSWORD:", "T1> ********"]
    assert out[-4:] == ["T2> Q USERS", "T2: DMKCFC001E ?CP: Q", "T1> Q USERS", "T1: 001 USERS, 000 DIALED"]
    assert main(["cp", "--script", str(tmp_path / "missing.txt")]) == 2
    bad = tmp_path / "bad.direct"
    bad.write_text("USER A B\n MDISK 191\n")
    assert main(["cp", "--directory", str(bad), "--script", str(script)]) == 2
    err = capsys.readouterr().err
    assert "cannot read script" in err and "bad.direct:2: MDISK needs" in err


def test_console_refuses_to_start_when_the_telnet_port_is_taken():
    """Issue 16: a port in use is an error (status 2 from s370vm), not a console
    that carries on without its terminals."""
    import socket

    import pytest

    from cp.console import run_console
    from s370.errors import MachineError
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        with pytest.raises(MachineError, match=f"cannot start the telnet server on port {port}: "
                                               "Address already in use"):
            run_console(build_host(), port)


def test_a_failing_guest_stops_alone():
    host, t, out = make()
    t.handle_line("LOGON GUEST1 GUEST")
    t2 = Terminal(host, "GRAF 0C2", out.append)
    t2.handle_line("LOGON GUEST2 GUEST")
    t2.handle_line("IPL 00C")
    s = host.sessions["GUEST1"]

    def broken(budget):
        raise RuntimeError("defect")
    s.guest.run = broken
    s.running = True
    host.settle()
    assert not s.running and "DMKDSP450W CP ENTERED; INTERNAL ERROR LOGGED" in out
    assert "RuntimeError: defect" in host.errors[-1]
    t2.handle_line("ECHO STILL ALIVE")
    host.settle()
    assert "STILL ALIVE" in out


def test_cli_reader_option_runs_your_own_program(tmp_path, capsys):
    """``--reader GUEST1=prog.asm``: assembled at X'2000', RUN by name in the monitor,
    then traced."""
    from s370vm.main import main
    prog = tmp_path / "mine.asm"
    prog.write_text("MINE     START X'2000'\n         LA    15,7\n         BR    14\n         END   MINE\n")
    data = tmp_path / "data.bin"
    data.write_bytes(b"\x01" * 100)
    script = tmp_path / "s.txt"
    script.write_text("LOGON GUEST1 GUEST\nQ RDR ALL\nIPL 00C\nRUN MINE\n")
    assert main(["cp", "--reader", f"GUEST1={prog}", "--reader", f"guest1={data}",
                 "--script", str(script)]) == 0
    out = capsys.readouterr().out
    assert "MINE     PROGRAM" in out and "DATA     DATA" in out
    assert "T1: RC = 07" in out
    assert main(["cp", "--reader", f"NOBODY={prog}", "--script", str(script)]) == 2
    assert "expected USER=FILE" in capsys.readouterr().err


from hypothesis import given, settings, strategies as st  # noqa: E402

_WORDS = ["Q", "QUERY", "D", "DISPLAY", "ST", "STORE", "SET", "SP", "SPOOL", "C", "CLOSE", "TRAN",
          "PUR", "ORD", "CH", "DEF", "DET", "LINK", "ATT", "TR", "TRACE", "ADSTOP", "I", "IPL", "B",
          "SYS", "M", "W", "LOG", "DISC", "FORCE", "SHUTDOWN", "CP", "*", "MSGNOH"]
_OPERANDS = ["V", "RDR", "PRT", "PUN", "CON", "ALL", "CLASS", "A", "*", "TO", "AS", "GUEST2", "OFF",
             "ON", "00C", "191", "FFF", "G", "G16", "Y3", "X0", "PSW", "L0-END", "T10.20", "K",
             "S100", "STATUS", "0", "-1", "ZZZZZZZZZZ", "END", "RUN", "CLEAR", "PARM", "1M", "99M",
             "STOR", "SASSIST", "ASSIST", "STBYPASS", "VR", "HOLD", "COPY", "999", "NAME", "#"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_WORDS),
                          st.lists(st.one_of(st.sampled_from(_OPERANDS),
                                             st.text(alphabet="0123456789ABCDEFGXYZ-.:=*#@", max_size=9)),
                                   max_size=5)),
                min_size=1, max_size=6))
def test_random_command_lines_never_break_cp(commands):
    """Whatever a user types, CP answers (a response or a DMK message) and no
    defect is logged; the terminal still works afterwards."""
    host, t, out = make()
    t.handle_line("LOGON GUEST1 GUEST")
    for word, operands in commands:
        if word in ("SHUTDOWN", "FORCE"):
            continue
        t.handle_line(" ".join([word, *operands]))
        host.settle(20000)
        if t.session is None:                       # LOGOFF or DISCONN: log on again
            t.handle_line("LOGON GUEST1 GUEST")
            if t.wants_password:
                t.handle_line("GUEST")
        if t.wants_password:
            t.handle_line("WRONG")
        if t.session is not None and t.session.running:
            t.handle_line("#CP")
    assert host.errors == []
    t.handle_line("#CP Q USERS" if t.session and t.session.running else "Q USERS")
    assert out[-1].endswith("DIALED") or "001 USERS" in " ".join(out[-3:])
