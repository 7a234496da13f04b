"""CP as a service (issue 16): headless operation, SIGTERM/SIGINT shutting down
as SHUTDOWN does, one CP per data folder, the telnet port in use an error.
Each test runs ``s370vm cp`` as a child process on 127.0.0.1."""
import signal

import pytest

from .telnet_support import Client, CPProcess, free_port


def test_stdin_at_end_of_file_keeps_serving_until_shutdown(tmp_path):
    cp = CPProcess(tmp_path, free_port())        # no --no-console: stdin is /dev/null
    assert any("standard input is not a terminal" in ln for ln in cp.lines)
    op = Client(cp.port)
    op.send("LOGON OPERATOR OPERATOR")
    op.expect("LOGON AT")
    cp.wait_for("LOGON  AS OPERATOR")            # operator messages are the service's log
    op.send("SHUTDOWN")
    op.expect("DMKCKP961W SYSTEM SHUTDOWN COMPLETE")
    assert cp.end() == 0
    assert cp.errors == [] and any("DMKCKP961W" in ln for ln in cp.lines)
    assert not any("Traceback" in ln for ln in cp.lines)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_shutdown_signal_shuts_down_as_shutdown_does(tmp_path, sig):
    cp = CPProcess(tmp_path, free_port(), "--no-console")
    user = Client(cp.port).logon("GUEST1")
    user.send("SPOOL PUN TO GUEST2")
    user.send("IPL 00C")
    user.expect("MONITOR:")
    cp.proc.send_signal(sig)
    user.expect("BY SYSTEM")                      # the user is told and logged off
    assert cp.end() == 0
    assert any(f"{sig.name} RECEIVED: SHUTDOWN" in ln for ln in cp.lines)
    assert any("GUEST1   USERS = 000 FORCED" in ln for ln in cp.lines)
    assert any("DMKCKP961W SYSTEM SHUTDOWN COMPLETE" in ln for ln in cp.lines)
    assert cp.errors == []


def test_a_second_cp_on_the_same_data_folder_refuses_to_start(tmp_path):
    first = CPProcess(tmp_path, free_port(), "--no-console")
    try:
        second = CPProcess(tmp_path, free_port(), "--no-console", wait=False)
        assert second.end() == 2
        assert second.errors == [f"s370vm: the data folder {tmp_path} is in use by another CP "
                                 f"(process {first.proc.pid}); stop that one or give --data "
                                 "another folder"]
    finally:
        first.proc.terminate()
        assert first.end() == 0
    again = CPProcess(tmp_path, free_port(), "--no-console")     # the lock went with the process
    again.proc.terminate()
    assert again.end() == 0


def test_the_telnet_port_in_use_is_an_error(tmp_path):
    first = CPProcess(tmp_path / "a", free_port(), "--no-console")
    try:
        second = CPProcess(tmp_path / "b", first.port, "--no-console", wait=False)
        assert second.end() == 2
        assert second.errors == [f"s370vm: cannot start the telnet server on port {first.port}: "
                                 "Address already in use"]
    finally:
        first.proc.terminate()
        first.end()


def test_no_console_needs_a_port(tmp_path):
    cp = CPProcess(tmp_path, 0, "--no-console", wait=False)
    assert cp.end() == 2
    assert cp.errors == ["s370vm: without a console CP needs a telnet port (--port N, not 0)"]


def test_address_chooses_where_the_telnet_port_listens(tmp_path):
    import socket
    cp = CPProcess(tmp_path, free_port(), "--no-console", "--address", "127.0.0.2")
    try:
        assert any("Other terminals: telnet 127.0.0.2" in ln for ln in cp.lines)
        with socket.create_connection(("127.0.0.2", cp.port), timeout=10):
            pass
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", cp.port), timeout=10).close()
    finally:
        cp.proc.terminate()
        assert cp.end() == 0


def test_the_greeting_counts_only_users_who_can_log_on():
    from cp.service import intro
    from s370vm.cmd_cp import build_host
    lines = intro(build_host(), 3270)
    assert lines[1] == "s370vm CP: 6 users in the directory."      # not $SPOOL$ (NOLOG)
    assert lines[-1] == "Other terminals: telnet 127.0.0.1 3270"
