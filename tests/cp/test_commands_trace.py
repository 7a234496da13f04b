"""TRACE (SVC, PROGRAM, PRIV, I/O, BRANCH, INSTRUCT, ALL, END; RUN/NORUN) and ADSTOP."""
from tests.cp.cpscript import LOGON, lines

# A small program at X'800': LA 1,3 / BCT 1,X'804' / SVC 5; SVC new PSW is a
# disabled wait at X'B00', program new PSW a disabled wait at X'E00'.
PROGRAM = """
ST 60 00020000 00000B00
ST 68 00020000 00000E00
ST S800 41100003 46100804 0A05
ST PSW 0 800
"""


def q(*cmds):
    return lines("\n".join([LOGON, PROGRAM, *cmds]))[2:]


def test_trace_branch_and_svc_run():
    assert q("TRACE BRANCH SVC RUN", "BEGIN") == [
        "TRACE STARTED",
        "000804 BCT   46100804  ==> 000804",
        "000804 BCT   46100804  ==> 000804",
        "*** 000808 SVC   0A05  ==> 000B00",
        "DMKDSP450W CP ENTERED; DISABLED WAIT PSW 00020000 00000B00"]


def test_trace_stops_after_each_event_without_run():
    assert q("TRACE INSTRUCT", "BEGIN", "D G1", "BEGIN", "D G1") == [
        "TRACE STARTED",
        "000800 LA    41100003", "GPR  1 = 00000003",
        "000804 BCT   46100804", "GPR  1 = 00000002"]


def test_trace_program_interruption():
    assert q("ST S808 0000", "TR PROG RUN", "BEGIN") == [
        "TRACE STARTED",
        "*** 000808 PROG  0001  ==> 000E00",
        "DMKDSP450W CP ENTERED; DISABLED WAIT PSW 00020000 00000E00"]


def test_trace_io_and_priv():
    out = q("ST S800 41100820 50100048 9C000009 82000900", "ST S820 09000830 20000005",
            "ST S830 C8C5D3D3 D6", "ST 900 00020000 00000C00", "TRACE I/O PRIV RUN", "BEGIN")
    assert out == ["TRACE STARTED", "HELLO",
                   "I/O 000808 SIO   9C000009 CONS 009 CC 0",
                   "000808 SIO   9C000009",
                   "00080C LPSW  82000900 00020000 00000C00",
                   "DMKDSP450W CP ENTERED; DISABLED WAIT PSW 00020000 00000C00"]


def test_trace_all_and_end():
    out = q("TRACE ALL RUN", "BEGIN", "TRACE END", "TRACE END")
    assert out[0] == "TRACE STARTED" and "000800 LA    41100003" in out
    assert out[-1] == "TRACE ENDED"
    assert out.count("TRACE ENDED") == 1


def test_trace_errors():
    assert q("TRACE", "TRACE BOGUS", "TRACE RUN") == [
        "DMKTRA026E OPERAND MISSING OR INVALID", "DMKTRA002E INVALID OPERAND - BOGUS",
        "DMKTRA026E OPERAND MISSING OR INVALID"]


def test_adstop_stops_once_before_the_instruction():
    assert q("ADSTOP 808", "BEGIN", "D PSW", "D G1", "BEGIN") == [
        "ADSTOP AT 000808", "PSW = 00000000 00000808", "GPR  1 = 00000000",
        "DMKDSP450W CP ENTERED; DISABLED WAIT PSW 00020000 00000B00"]


def test_adstop_off_and_errors():
    assert q("ADSTOP 808", "ADSTOP OFF", "BEGIN", "ADSTOP", "ADSTOP XYZ", "ADSTOP 801", "ADSTOP 200000") == [
        "DMKDSP450W CP ENTERED; DISABLED WAIT PSW 00020000 00000B00",
        "DMKCFD026E OPERAND MISSING OR INVALID", "DMKCFD005E INVALID HEXLOC - XYZ",
        "DMKCFD005E INVALID HEXLOC - 801", "DMKCFD005E INVALID HEXLOC - 200000"]


def test_instruct_with_branch_prints_one_line_per_instruction():
    assert q("TRACE INSTRUCT BRANCH RUN", "BEGIN")[1:5] == [
        "000800 LA    41100003",
        "000804 BCT   46100804  ==> 000804",
        "000804 BCT   46100804  ==> 000804",
        "000804 BCT   46100804"]


def test_trace_instruct_shows_nothing_while_the_guest_waits():
    """Issue 16: a guest in an enabled wait (the monitor at VM READ) executes
    nothing, so TRACE INSTRUCT RUN shows nothing (it once showed the wait's PSW
    address as an instruction, about 100 times a second)."""
    from cp.terminal import Terminal
    from s370vm.cmd_cp import build_host
    host = build_host()
    out: list[str] = []
    t = Terminal(host, "GRAF 0C1", out.append)
    t.handle_line("LOGON GUEST1 GUEST")
    t.handle_line("IPL 00C")
    host.settle()
    assert out[-1] == "MONITOR:" and t.state == "VM READ"
    t.handle_line("#CP TRACE INSTRUCT RUN")
    shown = len(out)
    for _ in range(20):
        host.run_guests()
    assert out[shown:] == [] and t.state == "VM READ"
    t.handle_line("ECHO HI")                # the read completes: now instructions run, traced
    host.settle()
    assert "HI" in out and len(out) > shown + 10
