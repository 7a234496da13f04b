"""DIAL: a 3270 terminal becomes a guest's local 3278 (s370/devices/d3270.py),
driven by the guest with SIO and CCWs (guests/s370/graf.asm); DROP at logoff."""
from pathlib import Path

from cp.defaults import reader_cards

from .tn3270_support import CP, S3270, needs_s3270

GRAF = Path(__file__).resolve().parents[2] / "guests" / "s370" / "graf.asm"




def logon(t: S3270, user: str) -> None:
    t.enter(f"LOGON {user}")
    t.wait_text("ENTER PASSWORD:")
    t.enter("GUEST")
    t.wait_text("LOGON AT")


@needs_s3270
def test_dial_a_guest_that_drives_the_terminal_with_ccws(tmp_path):
    cp = CP(str(tmp_path))
    owner, caller = S3270(), S3270()
    try:
        owner.connect(cp.port)
        caller.connect(cp.port)
        caller.enter("DIAL GUEST4")
        caller.wait_text("DMKDIA045E GUEST4 NOT LOGGED ON")
        logon(owner, "GUEST4")
        owner.enter("DEFINE GRAF 0C0")
        owner.wait_text("GRAF 0C0 DEFINED")
        owner.enter("PURGE RDR ALL")
        cards, name, type_ = reader_cards(GRAF)
        cp.host.spool.create("GUEST4", "RDR", "SYSTEM", "PUN", cards, name=name, type=type_)
        owner.do("Clear()")                      # room on the screen for what follows
        owner.enter("IPL 00C")
        owner.wait_status("RUNNING")
        caller.enter("DIAL GUEST4")
        caller.wait_text("S370VM DIALLED 3270")
        assert caller.status[8:10] == ["3", "1"]
        caller.enter("HELLO FROM A DIALLED 3270")
        caller.wait_text("YOU TYPED: HELLO FROM A DIALLED 3270")
        assert owner.status_area().startswith("RUNNING")
        owner.enter("#CP QUERY USERS")
        owner.wait_text("001 USERS, 001 DIALED")
        caller.do("PF(3)")
        caller.wait_text("GOODBYE FROM THE GUEST")
        owner.wait_status("CP READ")
        owner.enter("LOGOFF")
        owner.wait_text("VM/370 ONLINE")
        rows = caller.wait_text("DROP FROM GUEST4 0C0")
        assert any("VM/370 ONLINE" in r for r in rows)
        caller.enter("DIAL GUEST4 0C0")
        caller.wait_text("DMKDIA045E")
    finally:
        owner.close()
        caller.close()
        cp.close()
    assert cp.host.errors == []


def test_d_is_dial_before_logon_and_display_after():
    """VM/370 R6's table: DIAL (min D) precedes DISPLAY (min D); DIAL is only
    valid in place of LOGON."""
    from cp.commands.registry import find
    assert find("D", None).name == "DIAL" and find("DIAL", None).name == "DIAL"
    assert find("D", "G").name == "DISPLAY" and find("DI", "G").name == "DISPLAY"


def test_dial_from_a_line_terminal_is_refused():
    from s370vm.cmd_cp import build_host, run_script
    out = run_script(build_host(), "DIAL GUEST1\nDIAL\nDIAL GUEST1 XYZ\n")
    assert out[1] == "T1: DMKDIA046E DEV GRAF 0C1 NOT AVAILABLE"
    assert out[3] == "T1: DMKDIA020E USERID MISSING OR INVALID"
    assert out[5] == "T1: DMKDIA022E VADDR MISSING OR INVALID"
