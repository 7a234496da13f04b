"""SET: user switches, the assist switches (stored per user and system-wide),
classes, errors."""
from tests.cp.cpscript import LOGON, lines, run


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


def test_set_assist_and_stbypass_are_stored(tmp_path):
    d = tmp_path / "d.direct"
    d.write_text("USER VR PW 1M 1M G\n OPTION VIRT=REAL STBYPASS\n CONSOLE 009 3215\n"
                 "USER G PW 1M 1M G\n CONSOLE 009 3215\n")
    host, out = run("LOGON VR PW\nSET ASSIST OFF NOSVC NOTMR\nSET STB VR\nQ SET\nSET STBYPASS 512K\n"
                    "T2: LOGON G PW\nT2: SET STBYPASS VR\nT2: SET STBYPASS 64K\nT2: SET STBYPASS OFF",
                    directory=str(d))
    assert out["T1"][4] == "IMSG ON , SMSG OFF, STBYPASS VR, SASSIST ON, CPASSIST ON"
    s = host.sessions["VR"].settings
    assert (s["ASSIST"], s["ASSIST_SVC"], s["ASSIST_TMR"], s["STBYPASS"]) == ("OFF", "NOSVC", "NOTMR", "512K")
    assert out["T2"][1:] == ["DMKCFC003E INVALID OPTION - STBYPASS VR",
                             "DMKCFC003E INVALID OPTION - STBYPASS 64K"]


def test_set_sassist_cpassist_are_class_c_and_system_wide():
    host, out = run(f"{LOGON}\nSET SASSIST OFF\nT2: LOGON MAINT CPCMS\nT2: SET SAS OFF\n"
                    "T2: SET CPASSIST OFF\nT1: Q SET")
    assert out["T1"][2] == "DMKCFC001E ?CP: SASSIST"
    assert out["T1"][-1] == "IMSG ON , SMSG OFF, STBYPASS OFF, SASSIST OFF, CPASSIST OFF"
    assert host.system_flags == {"SASSIST": "OFF", "CPASSIST": "OFF"}


def test_guest_is_told_about_assists():
    calls = []

    class Probe:
        def configure_assists(self, **kw):
            calls.append(kw)
    host, _ = run(LOGON)
    host.sessions["GUEST1"].guest.configure_assists = Probe().configure_assists
    from cp.commands.processor import execute
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


def test_assist_switches_reach_the_assists_layer_on_the_cp_core(tmp_path):
    import pytest

    from s370vm.cmd_cp import build_host
    cp = pytest.importorskip("cp")
    pytest.importorskip("assists.registry")
    if not hasattr(cp, "System"):
        pytest.skip("the CP core (cp.System) is not in this tree")
    cfg = tmp_path / "sys.cfg"
    cfg.write_text("ASSIST VMA ECPS STBYPASS\n")
    host = build_host(config=str(cfg))
    host, out = run(f"{LOGON}\nQ ASSIST\nSET ASSIST OFF\nQ ASSIST\nSET STBYPASS VR\nQ SET", host=host)
    t = out["T1"][2:]
    assert any(ln.startswith("ASSISTS IN EFFECT: VMA+ECPS") for ln in t)
    i = t.index("ASSIST OFF SVC TMR, SASSIST ON, CPASSIST ON, STBYPASS OFF")
    assert t[i + 1].startswith("ASSISTS IN EFFECT: ECPS ")
    assert "DMKCFC003E INVALID OPTION - STBYPASS VR" in t      # no OPTION STBYPASS in GUEST1's entry
    assert t[-1].endswith("STBYPASS OFF, SASSIST ON, CPASSIST ON")
