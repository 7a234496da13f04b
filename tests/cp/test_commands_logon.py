"""LOGON/LOGIN, LOGOFF/LOGOUT, DISCONN, FORCE, and the command scanner's rules
(abbreviations, search order, privilege classes)."""
import re

from cp.commands.registry import find
from tests.cp.cpscript import LOGON, lines, run

STAMP = r"\d\d:\d\d:\d\d [A-Z]{3} [A-Z]+DAY \d\d/\d\d/\d\d"


def test_logon_with_password_on_the_line():
    out = lines(LOGON)
    assert re.fullmatch(f"LOGON AT {STAMP}", out[0])
    assert out[1] == "FILES: 002 RDR,  NO PRT,  NO PUN"


def test_logon_prompts_for_password():
    host, out = run("LOGON GUEST1\nGUEST\nQ USERS")
    assert out["T1"][0] == "ENTER PASSWORD:"
    assert out["T1"][1].startswith("LOGON AT")
    assert out["T1"][-1] == "001 USERS, 000 DIALED"


def test_logon_options_mask_and_noipl():
    out = lines("LOGON GUEST1 MASK NOIPL\nGUEST\nQ USERS")
    assert out[0] == "ENTER PASSWORD:" and out[1].startswith("LOGON AT")


def test_login_synonym_and_abbreviation():
    assert lines("L GUEST1 GUEST")[0].startswith("LOGON AT")
    assert lines("LOGI GUEST2 GUEST")[0].startswith("LOGON AT")


def test_logon_errors_leave_terminal_usable():
    out = lines("""
        LOGON
        LOGON NOBODY X
        LOGON $SPOOL$ X
        LOGON GUEST1 WRONG
        LOGON GUEST1
        WRONG
        LOGON GUEST1 GUEST
        """)
    assert out[:4] == ["DMKLOG020E USERID MISSING OR INVALID",
                       "DMKLOG053E NOBODY NOT IN CP DIRECTORY",
                       "DMKLOG053E $SPOOL$ NOT IN CP DIRECTORY",
                       "DMKLOG050E PASSWORD INCORRECT - REINITIATE LOGON PROCEDURE"]
    assert out[4] == "ENTER PASSWORD:"
    assert out[5] == "DMKLOG050E PASSWORD INCORRECT - REINITIATE LOGON PROCEDURE"
    assert out[6].startswith("LOGON AT")
    assert all("WRONG" not in ln for ln in out)


def test_commands_before_logon_are_unknown():
    assert lines("QUERY TIME\nIPL 00C\nLOGOFF\nDISC") == [
        "DMKCFC001E ?CP: QUERY", "DMKCFC001E ?CP: IPL", "DMKCFC001E ?CP: LOGOFF", "DMKCFC001E ?CP: DISC"]


def test_logon_of_a_user_connected_elsewhere_takes_it_over_with_the_password():
    """Issue 16: the password decides (a wrong one is just 050E, nothing about
    the other terminal); with it the session moves here, the old terminal is told."""
    host, out = run(f"{LOGON}\nT2: LOGON GUEST1 WRONG\nT2: {LOGON}\nT2: Q USERS")
    assert out["T2"][0] == "DMKLOG050E PASSWORD INCORRECT - REINITIATE LOGON PROCEDURE"
    assert out["T2"][1].startswith("RECONNECTED AT ")
    assert out["T2"][2] == "001 USERS, 000 DIALED"
    assert out["T1"][-3].startswith("DISCONNECT AT ")
    assert out["T1"][-2:] == ["GUEST1 RECONNECTED AT GRAF 0C2", "VM/370 ONLINE"]
    assert host.sessions["GUEST1"].terminal.name == "GRAF 0C2"


def test_logoff_lines_and_operator_log():
    host, out = run(f"{LOGON}\nLOGOFF\nQ TIME")
    t = out["T1"]
    assert re.fullmatch(r"CONNECT= \d\d:\d\d:\d\d VIRTCPU= \d{3}:\d\d\.\d\d TOTCPU= \d{3}:\d\d\.\d\d", t[2])
    assert re.fullmatch(f"LOGOFF AT {STAMP}", t[3])
    assert t[4] == "VM/370 ONLINE"
    assert t[5] == "DMKCFC001E ?CP: Q"
    assert any("GRAF 0C1 LOGON  AS GUEST1   USERS = 001" in ln for ln in host.oplog)
    assert any("GRAF 0C1 LOGOFF AS GUEST1   USERS = 000" in ln for ln in host.oplog)


def test_logout_and_bad_option():
    out = lines(f"{LOGON}\nLOGOFF NOW\nLOGOUT")
    assert out[2] == "DMKUSO003E INVALID OPTION - NOW"
    assert out[3].startswith("CONNECT=")


def test_disconnect_and_reconnect_from_another_terminal():
    host, out = run(f"""
        {LOGON}
        IPL 00C
        DISCONN
        #CP DISCONN
        T2: LOGON GUEST1 GUEST
        T2: BEGIN
        T2: ECHO BACK AGAIN
        """)
    assert "?MON: UNKNOWN COMMAND - TYPE HELP" in out["T1"]     # in VM READ lines go to the guest
    assert out["T1"][-2].startswith("DISCONNECT AT") and out["T1"][-1] == "VM/370 ONLINE"
    assert out["T2"][0].startswith("RECONNECTED AT")
    assert "BACK AGAIN" in out["T2"]


def test_force_by_operator_only():
    host, out = run(f"""
        {LOGON}
        FORCE GUEST2
        T2: LOGON OPERATOR OPERATOR
        T2: FORCE NOBODY
        T2: FORCE GUEST1
        """)
    assert out["T1"][2] == "DMKCFC001E ?CP: FORCE"
    assert "DMKUSO045E NOBODY NOT LOGGED ON" in out["T2"]
    assert out["T1"][-2].endswith("BY SYSTEM") and out["T1"][-1] == "VM/370 ONLINE"
    assert "GUEST1" not in host.sessions


def test_search_order_and_minimum_abbreviations():
    g = "G"
    assert find("LOG", g).name == "LOGOFF"          # LOGON is skipped once logged on
    assert find("LOG", None).name == "LOGON"
    assert find("D", g).name == "DISPLAY"
    assert find("DEF", g).name == "DEFINE" and find("DE", g) is None
    assert find("DET", g).name == "DETACH"
    assert find("DISC", g).name == "DISCONN" and find("DIS", g).name == "DISPLAY"
    assert find("C", g).name == "CLOSE" and find("CH", g).name == "CHANGE"
    assert find("ST", g).name == "STORE" and find("SP", g).name == "SPOOL"
    assert find("TR", g).name == "TRACE" and find("TRAN", g).name == "TRANSFER"
    assert find("LIN", g) is None and find("LINK", g).name == "LINK"
    assert find("SHUT", "A") is None and find("SHUTDOWN", "A").name == "SHUTDOWN"
    assert find("ADSTO", g) is None
    assert find("QUERYX", g) is None


def test_privilege_classes_reject_as_unknown():
    out = lines(f"{LOGON}\nSHUTDOWN\nATTACH 180 GUEST1\nWNG ALL HI\nMSGNOH GUEST1 X\nSET SASSIST OFF")
    assert out[2:] == ["DMKCFC001E ?CP: SHUTDOWN", "DMKCFC001E ?CP: ATTACH", "DMKCFC001E ?CP: WNG",
                       "DMKCFC001E ?CP: MSGNOH", "DMKCFC001E ?CP: SASSIST"]


def test_comment_cp_prefix_and_linend():
    out = lines(f"{LOGON}\n* just a comment\nCP *also one\nCP Q USERS\nQ USERS#Q STOR")
    assert out[2:] == ["001 USERS, 000 DIALED", "001 USERS, 000 DIALED", "STORAGE = 01024K"]


def test_emsg_settings():
    out = lines(f"{LOGON}\nSET EMSG TEXT\nXYZZY\nSET EMSG CODE\nXYZZY\nSET EMSG OFF\nXYZZY\nQ USERS")
    assert out[2:] == ["?CP: XYZZY", "DMKCFC001E", "001 USERS, 000 DIALED"]


def test_every_abbreviation_resolves_by_table_order():
    """Each spelling from the minimum abbreviation to the full name selects
    that command, or an earlier table entry that the spelling also abbreviates
    (VM/370 takes the first match)."""
    from cp.commands.registry import BEFORE_LOGON_ONLY, TABLE
    for i, e in enumerate(TABLE):
        if e.name in BEFORE_LOGON_ONLY:
            continue
        for n in range(e.min, len(e.name) + 1):
            got = find(e.name[:n], "ABCDEFGH")
            assert got is not None
            j = TABLE.index(got)
            assert j <= i and got.name.startswith(e.name[:n])
