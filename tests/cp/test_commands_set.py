"""SET: user switches, the assist switches (stored per user and system-wide),
classes, errors."""
from cpscript import LOGON, lines, run


def q(*cmds, logon=LOGON):
    return lines("\n".join([logon, *cmds]))[2:]


def test_set_switches_show_in_query_set():
    out = q("SET RUN ON", "SET TIMER REAL", "SET MSG OFF", "SET WNG OFF", "SET EMSG CODE", "SET LINED OFF",
            "SET EC ON", "SET ISAM ON", "SET IMSG OFF", "SET SM ON", "SET PAGEX ON", "SET AUTOP ON",
            "SET ACNT ON", "Q SET")
    assert out == ["MSG OFF, WNG OFF, EMSG CODE, ACNT ON , RUN ON ",
                   "LINEDIT OFF, TIMER REAL, ISAM ON , ECMODE ON",
                   "ASSIST ON  SVC TMR, PAGEX ON , AUTOPOLL ON",
                   "IMSG OFF, SMSG ON , STBYPASS OFF, SASSIST ON, CPASSIST ON"]


def test_set_assist_and_stbypass_are_stored():
    host, out = run(f"{LOGON}\nSET ASSIST OFF NOSVC NOTMR\nSET STB VR\nQ ASSIST\nSET STBYPASS 512K\n"
                    "SET STBYPASS OFF")
    assert out["T1"][2] == "ASSIST OFF NOSVC NOTMR, STBYPASS VR, SASSIST ON, CPASSIST ON"
    s = host.sessions["GUEST1"].settings
    assert (s["ASSIST"], s["ASSIST_SVC"], s["ASSIST_TMR"], s["STBYPASS"]) == ("OFF", "NOSVC", "NOTMR", "OFF")


def test_set_sassist_cpassist_are_class_c_and_system_wide():
    host, out = run(f"{LOGON}\nSET SASSIST OFF\nT2: LOGON MAINT CPCMS\nT2: SET SAS OFF\n"
                    "T2: SET CPASSIST OFF\nT1: Q ASSIST")
    assert out["T1"][2] == "DMKCFC001E ?CP: SASSIST"
    assert out["T1"][-1] == "ASSIST ON SVC TMR, STBYPASS OFF, SASSIST OFF, CPASSIST OFF"
    assert host.system_flags == {"SASSIST": "OFF", "CPASSIST": "OFF"}


def test_guest_is_told_about_assists():
    calls = []

    class Probe:
        def configure_assists(self, **kw):
            calls.append(kw)
    host, _ = run(LOGON)
    host.sessions["GUEST1"].guest.configure_assists = Probe().configure_assists
    from cp.commands.registry import execute
    s = host.sessions["GUEST1"]
    execute(host, s.terminal, s, "SET ASSIST OFF SVC")
    assert calls[-1]["assist"] is False and calls[-1]["svc"] is True and calls[-1]["sassist"] is True


def test_set_errors():
    assert q("SET", "SET RUN", "SET RUN MAYBE", "SET BOGUS ON", "SET ASSIST MAYBE", "SET ASSIST ON FOO",
             "SET STBYPASS 3K", "SET EMSG ON EXTRA", "SET LOGMSG HI") == [
        "DMKCFC026E OPERAND MISSING OR INVALID", "DMKCFC026E OPERAND MISSING OR INVALID",
        "DMKCFC026E OPERAND MISSING OR INVALID", "DMKCFC001E ?CP: BOGUS",
        "DMKCFC026E OPERAND MISSING OR INVALID", "DMKCFC002E INVALID OPERAND - FOO",
        "DMKCFC026E OPERAND MISSING OR INVALID", "DMKCFC026E OPERAND MISSING OR INVALID",
        "DMKCFC001E ?CP: LOGMSG"]
