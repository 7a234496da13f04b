"""QUERY: operands, abbreviations, classes, QUERY userid / vaddr."""
import re

from tests.cp.cpscript import LOGON, lines, run


def q(*cmds):
    return lines("\n".join([LOGON, *cmds]))[2:]


def test_query_time():
    out = q("Q TIME")
    assert re.fullmatch(r"TIME IS \d\d:\d\d:\d\d [A-Z]{3} [A-Z]+DAY \d\d/\d\d/\d\d", out[0])
    assert re.fullmatch(r"CONNECT= 00:00:\d\d VIRTCPU= 000:\d\d\.\d\d TOTCPU= 000:\d\d\.\d\d", out[1])


def test_query_users_names_userid():
    host, out = run(f"{LOGON}\nT2: LOGON GUEST2 GUEST\nT2: Q U\nT2: Q N\nT2: Q USERS GUEST1\n"
                    "T2: Q GUEST1\nT2: Q GUEST3\nT2: Q USERID")
    assert out["T2"][2:] == ["002 USERS, 000 DIALED", "GUEST1   - GRAF 0C1 , GUEST2   - GRAF 0C2",
                             "GUEST1   - GRAF 0C1", "GUEST1   - GRAF 0C1",
                             "DMKCQG045E GUEST3 NOT LOGGED ON", "GUEST2 AT S370VM"]


def test_query_virtual_and_device_classes():
    out = q("Q V")
    assert out == ["STORAGE = 01024K",
                   "CONS 009 ON GRAF 0C1  CL T NOCONT NOHOLD COPY 001    READY",
                   "RDR  00C CL * NOCONT NOHOLD NOEOF  READY",
                   "PUN  00D CL A NOCONT NOHOLD COPY 001    READY",
                   "     00D FOR GUEST1   DIST GUEST1",
                   "PRT  00E CL A NOCONT NOHOLD COPY 001    READY",
                   "     00E FOR GUEST1   DIST GUEST1",
                   "DASD 190 3330 S370S0 R/O     50 CYL",
                   "DASD 191 3330 S370U0 R/W      5 CYL"]
    assert q("Q DASD") == out[-2:]
    assert q("Q CON") == out[1:2]
    assert q("Q UR") == out[2:7]
    assert q("Q 00C", "Q 191", "Q 123") == [out[2], out[-1], "DMKCQG040E DEV 123 DOES NOT EXIST"]
    assert q("Q STOR") == ["STORAGE = 01024K"]


def test_query_set_and_assist():
    assert q("Q SET") == [
        "MSG ON , WNG ON , EMSG ON  , ACNT OFF, RUN OFF",
        "LINEDIT ON , TIMER ON  , ISAM OFF, ECMODE OFF",
        "ASSIST ON  SVC TMR, PAGEX OFF, AUTOPOLL OFF",
        "IMSG ON , SMSG OFF, STBYPASS OFF, SASSIST ON, CPASSIST ON"]
    # no assist installed: CR6 holds only the MICBLOK address (the CP area's first slot)
    # ... and QUERY ASSIST says why the switches that are ON do nothing (issue 16)
    assert q("Q ASSIST") == ["ASSIST ON SVC TMR, SASSIST ON, CPASSIST ON, STBYPASS OFF",
                             "ASSISTS IN EFFECT: NONE  CR6 00FF0000  MICBLOK FF0000",
                             "NO ASSIST IS INSTALLED ON THIS MACHINE (CONFIGURATION STATEMENT "
                             "ASSIST VMA ECPS STBYPASS)"]


def test_query_files_and_spool_queues():
    out = q("Q FILES", "Q RDR", "Q RDR ALL", "Q PRT", "Q PUN", "Q RDR 1", "Q RDR 99", "Q RDR X")
    assert out[0] == "FILES: 002 RDR,  NO PRT,  NO PUN"
    assert out[1] == "ORIGINID FILE CLASS RECDS    CPY HOLD"
    assert re.fullmatch(r"SYSTEM   0001 A PUN 000000\d\d 001 NONE", out[2])
    assert out[4].endswith("DATE  TIME     NAME     TYPE     DIST")
    assert re.fullmatch(r"SYSTEM   0001 A PUN 000000\d\d 001 NONE \d\d/\d\d \d\d:\d\d:\d\d MONITOR  DECK"
                        r"     SYSTEM", out[5])
    assert out[7:9] == ["NO PRT FILES", "NO PUN FILES"]
    assert out[10].startswith("SYSTEM   0001")
    assert out[11:] == ["DMKCQG042E SPOOLID 0099 DOES NOT EXIST", "DMKCFC002E INVALID OPERAND - X"]


def test_query_misc_and_errors():
    out = q("Q", "Q LOGMSG", "Q CPUID", "Q SAS", "Q CPASSIST", "Q !!")
    assert out == ["DMKCFC026E OPERAND MISSING OR INVALID", "NO LOGMSG", "CPUID = FF00000000000000",
                   "DMKCFC001E ?CP: SAS", "DMKCFC001E ?CP: CPASSIST", "DMKCFC001E ?CP: !!"]


def test_query_class_a_operands_for_operator():
    out = lines("LOGON OPERATOR OPERATOR\nQ SAS\nQ CPA\nSET LOGMSG SYSTEM UP\nQ LOGMSG")
    assert out[0].endswith("GRAF 0C1 LOGON  AS OPERATOR USERS = 001")    # the operator's own log
    out = out[2:]
    assert out == ["SASSIST ON", "CPASSIST ON", "LOGMSG - SYSTEM UP"]
