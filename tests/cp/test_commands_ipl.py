"""IPL (device and named system), BEGIN, SYSTEM, and the monitor guest: console
I/O, DIAGNOSE X'08' and X'0C', RUN from the reader, its PSW."""
import re

from tests.cp import cpscript
from tests.cp.cpscript import LOGON, lines, run


def test_ipl_reader_starts_the_monitor_and_talks():
    out = lines(f"""
        {LOGON}
        IPL 00C
        HELP
        ECHO Hello, World
        TIME
        PSW
        CP Q USERS
        RUN
        QUIT
        """)[2:]
    assert out[0] == "S370VM MONITOR READY. TYPE HELP FOR COMMANDS."
    assert out[1] == "MONITOR:"
    assert out[2] == "HELP       THIS LIST"
    assert "Hello, World" in out                                   # case kept
    assert any(re.fullmatch(r"DATE \d\d/\d\d/\d\d TIME \d\d:\d\d:\d\d", ln) for ln in out)
    assert any(re.fullmatch(r"PSW = 00000001 4000[0-9A-F]{4}", ln) for ln in out)   # SVC 1, ILC 1
    assert "001 USERS, 000 DIALED" in out                           # DIAGNOSE X'08'
    i = out.index("HELLO FROM A PROGRAM RUN BY THE MONITOR")
    assert out[i + 1:i + 3] == ["THE SUM OF 1 TO 10 IS RETURNED IN R15", "RC = 37"]
    assert out[-2:] == ["MONITOR ENDING: DISABLED WAIT",
                        "DMKDSP450W CP ENTERED; DISABLED WAIT PSW 00020000 00000000"]


def test_ipl_consumes_the_deck_and_run_needs_a_file():
    out = lines(f"{LOGON}\nIPL 00C\nRUN\nRUN\n#CP Q RDR")[2:]
    assert out.count("?MON: NO FILE IN THE READER") == 1
    assert out[-1] == "NO RDR FILES"


def test_ipl_named_system_and_parm():
    out = lines(f"{LOGON}\nIPL MONITOR PARM ABCD\n#CP D G0")[2:]
    assert out[0].startswith("S370VM MONITOR READY")
    assert out[-1].startswith("GPR  0 = C1C2C3C4")


def test_ipl_errors():
    out = lines(f"{LOGON}\nIPL\nIPL 0FF\nIPL NOSUCHSYS\nIPL 00C BOGUS\nIPL MONITOR CLEAR\nIPL 009")[2:]
    assert out == ["DMKCFG026E OPERAND MISSING OR INVALID",
                   "DMKCFG040E DEV 0FF DOES NOT EXIST",
                   "DMKCFG002E INVALID OPERAND - NOSUCHSYS",
                   "DMKCFG003E INVALID OPTION - BOGUS",
                   "DMKCFG003E INVALID OPTION - CLEAR",
                   "DMKCFG450W CP ENTERED; VIRTUAL MACHINE NOT IN RUNNABLE STATE (DEVICE NOT IPLABLE)"]


def test_ipl_stop_and_begin():
    out = lines(f"{LOGON}\nIPL 00C STOP\nD PSW\nBEGIN\nECHO GO")[2:]
    assert out[0] == "PSW = 00000000 00000200"
    assert out[1].startswith("S370VM MONITOR READY") and "GO" in out


def test_empty_reader_ipl_fails():
    out = lines(f"{LOGON}\nPURGE RDR ALL\nIPL 00C")[2:]
    assert out == ["0002 FILES PURGED",
                   "DMKCFG450W CP ENTERED; VIRTUAL MACHINE NOT IN RUNNABLE STATE (IPL I/O ERROR)"]


def test_begin_at_address_and_system_reset_clear():
    out = lines(f"""
        {LOGON}
        ST 68 00020000 00000E00
        ST S800 41100003 0A05
        ST 60 00020000 00000B00
        ST PSW 0 0
        BEGIN 800
        D G1
        BEGIN 12G
        SYSTEM RESET
        D PSW
        D 800
        SYSTEM CLEAR
        D 800
        SYSTEM
        SYSTEM BOGUS
        """)[2:]
    assert out == ["DMKDSP450W CP ENTERED; DISABLED WAIT PSW 00020000 00000B00",
                   "GPR  1 = 00000003",
                   "DMKCFC005E INVALID HEXLOC - 12G",
                   "SYSTEM RESET", "PSW = 00000000 00000000", "000800  41100003",
                   "STORAGE CLEARED - SYSTEM RESET", "000800  00000000",
                   "DMKCPB026E OPERAND MISSING OR INVALID",
                   "DMKCPB002E INVALID OPERAND - BOGUS"]


def test_cp_read_by_hash_cp_then_begin():
    host, out = run(f"{LOGON}\nIPL 00C\n#CP\nQ USERS\nBEGIN\nECHO AGAIN")
    assert out["T1"][-3:] == ["001 USERS, 000 DIALED", "AGAIN", "MONITOR:"]


def test_logon_runs_directory_ipl(tmp_path):
    d = tmp_path / "d.direct"
    d.write_text("USER AUTO PW 1M 1M G\n IPL MONITOR\n CONSOLE 009 3215\n")
    out = lines("LOGON AUTO PW\nECHO HI", directory=str(d))
    assert out[1].startswith("S370VM MONITOR READY") and "HI" in out
    out = lines("LOGON AUTO PW NOIPL\nQ USERS", directory=str(d))
    assert out[1] == "001 USERS, 000 DIALED"


def test_monitor_session_on_the_cp_core():
    """A session with the CP core's interpretive execution underneath: console
    I/O, DIAGNOSE, RUN through the spool port."""
    import pytest

    from s370vm.cmd_cp import build_host
    cp = pytest.importorskip("cp")
    if not hasattr(cp, "System"):
        pytest.skip("the CP core (cp.System) is not in this tree")
    host = build_host()
    host, out = run(f"{LOGON}\nIPL 00C\nECHO core\nCP Q USERS\nRUN\nQUIT", host=host)
    t = out["T1"][2:]
    assert t[0] == "S370VM MONITOR READY. TYPE HELP FOR COMMANDS." and "core" in t
    assert "001 USERS, 000 DIALED" in t and "RC = 37" in t
    assert t[-1] == "DMKDSP450W CP ENTERED; DISABLED WAIT PSW 00020000 00000000"
    assert type(host.sessions["GUEST1"].guest).__name__ == "CoreGuest"


def test_diagnose_08_with_response_buffer():
    """DIAGNOSE X'08' with the X'40' flag: the response goes to the buffer at
    R(x+1), its length to R(y+1), CC 0 when it fits."""
    out = lines(f"""
        {LOGON}
        ST 900 D840E4E2 C5D9E240
        ST G2 900 A00 40000007 64
        ST S800 83240008 82000B00
        ST B00 00020000 00000C00
        ST PSW 0 800
        BEGIN
        D G4-5
        D TA00.20
        """)[2:]
    assert out[0] == "DMKDSP450W CP ENTERED; DISABLED WAIT PSW 00020000 00000C00"
    assert out[1] == "GPR  4 = 00000000 00000016"      # 21 characters and X'15'
    assert out[2].endswith("*001 USERS, 000 D*") and out[3].endswith("*IALED...........*")


def test_monitor_run_by_name_uses_query_and_order():
    """RUN name: the monitor asks CP (QUERY RDR ALL through DIAGNOSE X'08' with a
    response buffer), finds the file's spool id and puts it first (ORDER RDR)."""
    from s370vm.cmd_cp import build_host
    host = build_host()
    five = bytes.fromhex("41F0000507FE").ljust(80, b"\x00")       # LA 15,5 / BR 14
    seed = host.logon_hook

    def seed_and_add(userid):                   # MONITOR, HELLO, then FIVE
        seed(userid)
        host.spool.create(userid, "RDR", userid, "PUN", [five], name="FIVE", type="PROGRAM")
    host.logon_hook = seed_and_add
    host, out = run(f"{LOGON}\nIPL 00C\nRUN NOSUCH\nRUN FIVE\nRUN\nRUN", host=host)
    t = out["T1"]
    assert "?MON: NO SUCH FILE IN THE READER" in t
    i = t.index("RC = 05")
    assert t[i + 2:i + 5] == ["HELLO FROM A PROGRAM RUN BY THE MONITOR",
                              "THE SUM OF 1 TO 10 IS RETURNED IN R15", "RC = 37"]
    assert t[-2] == "?MON: NO FILE IN THE READER"


def test_begin_rejects_signed_and_prefixed_hex_locations():
    """``B -1`` once reached the PSW encoder as a negative address (found by the
    random command-line property); VM/370 hexlocs are plain hex digits."""
    out = lines(f"{LOGON}\nBEGIN -1\nBEGIN +1\nBEGIN 0X10\nBEGIN 1_0\nADSTOP -2")[2:]
    assert out == ["DMKCFC005E INVALID HEXLOC - -1", "DMKCFC005E INVALID HEXLOC - +1",
                   "DMKCFC005E INVALID HEXLOC - 0X10", "DMKCFC005E INVALID HEXLOC - 1_0",
                   "DMKCFD005E INVALID HEXLOC - -2"]
