"""MSG / MESSAGE, MSGNOH, WARNING / WNG, and SHUTDOWN."""
from tests.cp.cpscript import LOGON, run


def test_msg_between_users_and_to_self():
    host, out = run(f"{LOGON}\nT2: LOGON GUEST2 GUEST\nT2: MSG GUEST1 HELLO THERE\nT2: M * ME\n"
                    "T2: MESSAGE GUEST1 AGAIN")
    assert out["T1"][-2:] == ["MSG FROM GUEST2  :  HELLO THERE", "MSG FROM GUEST2  :  AGAIN"]
    assert out["T2"][-1] == "MSG FROM GUEST2  :  ME"


def test_msg_errors_and_not_receiving():
    host, out = run(f"""
        {LOGON}
        MSG
        MSG NOBODY HI
        MSG GUEST3 HI
        T2: LOGON GUEST2 GUEST
        T2: SET MSG OFF
        T1: MSG GUEST2 HI
        MSG ALL HI
        T2: #CP DISC
        T2: DISC
        T1: MSG GUEST2 HI
        """)
    # a user not logged on is 045E whether the directory has it or not (R6 table; issue 16)
    assert out["T1"][2:] == ["DMKMSG020E USERID MISSING OR INVALID", "DMKMSG045E NOBODY NOT LOGGED ON",
                             "DMKMSG045E GUEST3 NOT LOGGED ON",
                             "DMKMSG057W GUEST2 NOT RECEIVING; MSG OFF",
                             "DMKMSG020E USERID MISSING OR INVALID",
                             "DMKMSG057W GUEST2 NOT RECEIVING; DISCONNECTED"]


def test_warning_and_msgnoh_for_operators():
    host, out = run(f"""
        {LOGON}
        T2: LOGON GUEST2 GUEST
        T2: SET MSG OFF
        T3: LOGON OPERATOR OPERATOR
        T3: WNG ALL SYSTEM GOING DOWN
        T3: MSGNOH GUEST1 PLAIN TEXT
        T3: MSG ALL TO EVERYONE
        """)
    assert out["T1"][-3:] == ["WNG FROM OPERATOR:  SYSTEM GOING DOWN", "PLAIN TEXT",
                              "MSG FROM OPERATOR:  TO EVERYONE"]
    assert out["T2"][-1] == "WNG FROM OPERATOR:  SYSTEM GOING DOWN"     # WNG ignores MSG OFF
    assert out["T3"][-1] == "DMKMSG057W GUEST2 NOT RECEIVING; MSG OFF"


def test_shutdown_logs_everyone_off_and_stops(tmp_path):
    host, out = run(f"""
        {LOGON}
        T2: LOGON OPERATOR OPERATOR
        T2: SHUTDOWN NOW
        T2: SHUTDOWN
        T1: Q USERS
        """, data=str(tmp_path))
    assert "DMKCPR002E INVALID OPERAND - NOW" in out["T2"]
    # issue 16: the operator's own logoff line says BY SYSTEM, and no logo
    # follows SHUTDOWN COMPLETE on any terminal (the system is down)
    assert out["T2"][-3].startswith("LOGOFF AT") and out["T2"][-3].endswith("BY SYSTEM")
    assert out["T2"][-2:] == ["DMKCKP960I SYSTEM WARM START DATA SAVED",
                              "DMKCKP961W SYSTEM SHUTDOWN COMPLETE"]
    assert out["T1"][-1].startswith("LOGOFF AT") and out["T1"][-1].endswith("BY SYSTEM")
    assert host.shutdown and not host.sessions
