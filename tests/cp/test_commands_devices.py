"""DEFINE, ATTACH, DETACH and LINK."""
from tests.cp.cpscript import LOGON, lines, run
from s370vm.cmd_cp import build_host


def q(*cmds):
    return lines("\n".join([LOGON, *cmds]))[2:]


def test_define_storage_resets_and_respects_maximum():
    assert q("DEF STOR 2M", "Q STOR", "D PSW", "DEF STOR 4M", "DEF STOR 12Q", "DEF STORAGE") == [
        "STORAGE = 02048K", "STORAGE = 02048K", "PSW = 00000000 00000000",
        "DMKDEF025E STORAGE MISSING OR INVALID", "DMKDEF025E STORAGE MISSING OR INVALID",
        "DMKDEF025E STORAGE MISSING OR INVALID"]


def test_define_devices_and_renumber():
    out = q("DEF PRINTER 00F", "DEF PUN 01D", "DEF RDR 01C", "DEF T3330 1F0 CYL 10", "DEF 00F AS 02F",
            "Q 02F", "Q 1F0", "DEF PRT 00E", "DEF T3330 1F1 0", "DEF 0AA 0AB", "DEF FOO 123", "DEF")
    assert out == ["PRT 00F DEFINED", "PUN 01D DEFINED", "RDR 01C DEFINED", "DASD 1F0 DEFINED",
                   "PRT 02F DEFINED",
                   "PRT  02F CL A NOCONT NOHOLD COPY 001    READY",
                   "     02F FOR GUEST1   DIST GUEST1",
                   "DASD 1F0 3330 (TEMP) R/W     10 CYL",
                   "DMKDEF043E DEV 00E ALREADY DEFINED", "DMKDEF024E CYLINDERS MISSING OR INVALID",
                   "DMKDEF040E DEV 0AA DOES NOT EXIST", "DMKDEF022E VADDR MISSING OR INVALID",
                   "DMKDEF026E OPERAND MISSING OR INVALID"]


def test_detach_single_list_range_and_errors():
    assert q("DEF RDR 01C", "DET 01C", "DEF T3330 1F0 5", "DEF T3330 1F1 5", "DET 1F0-1F1",
             "DET 777", "DET", "DET 1F1-1F0") == [
        "RDR 01C DEFINED", "RDR 01C DETACHED", "DASD 1F0 DEFINED", "DASD 1F1 DEFINED",
        "DETACHED 1F0 1F1", "DMKVDD040E DEV 777 DOES NOT EXIST", "DMKVDD022E VADDR MISSING OR INVALID",
        "DMKVDD022E VADDR MISSING OR INVALID"]


def test_link_modes_passwords_and_conflicts():
    host, out = run(f"""
        {LOGON}
        LINK MAINT 190 290
        LINK MAINT 191 291 W WRONG
        LINK MAINT 191 291 W WRITE
        LINK NOBODY 191 292
        LINK MAINT 999 292
        LINK MAINT 191 190
        LINK
        LINK MAINT
        T2: LOGON GUEST2 GUEST
        T2: LINK MAINT 191 291 W WRITE
        T2: LINK MAINT 191 291 R READ
        T2: LINK MAINT 191 292 WR WRITE
        T2: LINK TO GUEST1 191 AS 391 MR PASS= WGUEST1
        T2: LINK GUEST1 191 391 RR RGUEST1
        T2: LINK * 191 491
        T2: Q 292
        T1: DET 291
        T2: LINK MAINT 191 293 W WRITE
        """)
    assert out["T1"][2:] == [
        "DMKLNK111E MAINT 191 NOT LINKED; PASSWORD INCORRECT",
        "DMKLNK107E NOBODY 191 NOT LINKED; NOT IN CP DIRECTORY",
        "DMKLNK107E MAINT 999 NOT LINKED; NOT IN CP DIRECTORY",
        "DMKLNK110E MAINT 191 NOT LINKED; DASD 190 ALREADY DEFINED",
        "DMKLNK020E USERID MISSING OR INVALID",
        "DMKLNK022E VADDR MISSING OR INVALID",
        "DASD 291 DETACHED"]
    t2 = out["T2"][2:]
    assert t2[:4] == ["DMKLNK104E MAINT 191 NOT LINKED; R/W BY GUEST1",
                      "DMKLNK104E MAINT 191 NOT LINKED; R/W BY GUEST1",
                      "DASD 292 LINKED R/O; R/W BY GUEST1",
                      "DMKLNK113E GUEST1 191 NOT LINKED; NO MULT PASSWORD"]
    assert t2[4] == "DASD 292 3330 S370S0 R/O     10 CYL"
    # GUEST1 detached its write link, so GUEST2 (alone now) gets write access.
    assert len(t2) == 5
    assert host.links[("MAINT", 0x191)] == {"GUEST2": "W"}
    assert host.links[("GUEST1", 0x191)] == {"GUEST1": "W", "GUEST2": "R"}
    assert 0x491 in host.sessions["GUEST2"].devices


def test_attach_is_class_b_and_detach_frees(tmp_path):
    cfg = tmp_path / "sys.cfg"
    cfg.write_text("* real devices\n180 3420\n190 3330  # a disk\n")
    host = build_host(config=str(cfg))
    host, out = run(f"""
        {LOGON}
        ATTACH 180 TO GUEST1
        T2: LOGON OPERATOR OPERATOR
        T2: ATTACH 180 TO GUEST1 AS 181
        T2: ATTACH 180 TO GUEST1
        T2: ATTACH 999 TO GUEST1
        T2: ATTACH 190 GUEST9
        T2: ATTACH
        T2: ATTACH 190 GUEST1 181
        T1: Q 181
        T1: DET 181
        T2: ATTACH 180 GUEST1 280 R/O
        T1: Q 280
        """, host=host)
    assert out["T1"][2:] == ["DMKCFC001E ?CP: ATTACH", "TAPE 181 ATTACHED", "TAPE 181 ON DEV 180",
                             "TAPE 181 DETACHED", "TAPE 280 ATTACHED", "TAPE 280 ON DEV 180 R/O"]
    assert out["T2"][2:] == ["TAPE 180 ATTACHED TO GUEST1", "DMKVDA044E DEV 180 ATTACHED TO GUEST1",
                             "DMKVDA040E DEV 999 DOES NOT EXIST", "DMKVDA045E GUEST9 NOT LOGGED ON",
                             "DMKVDA021E RADDR MISSING OR INVALID", "DMKVDA043E DEV 181 ALREADY DEFINED",
                             "TAPE 180 ATTACHED TO GUEST1"]


def test_bad_config_names_the_line(tmp_path):
    import pytest

    from s370.errors import MachineError
    cfg = tmp_path / "bad.cfg"
    cfg.write_text("180 3420\nXYZ 3420\n")
    with pytest.raises(MachineError, match="bad.cfg line 2"):
        build_host(config=str(cfg))


def test_minidisks_and_attached_dasd_reach_the_cp_core(tmp_path):
    """With the CP core, a directory MDISK on a configured volume (found by its
    VOL1 label) and an ATTACHed real DASD (as a full-pack minidisk) are on the
    virtual machine's channel; an extent beyond the volume is not."""
    import pytest

    cp = pytest.importorskip("cp")
    if not hasattr(cp, "System"):
        pytest.skip("the CP core (cp.System) is not in this tree")
    from s370.devices.ckd import create_image, geometry
    create_image(tmp_path / "vol.ckd", geometry("3330"), "S370U0", cylinders=5)
    create_image(tmp_path / "pack.ckd", geometry("3330"), "PACK01", cylinders=3)
    (tmp_path / "sys.cfg").write_text("190 3330 vol.ckd\n250 3330 pack.ckd\n180 3420\n")
    (tmp_path / "d.direct").write_text(
        "USER T PW 1M 1M G\n CONSOLE 009 3215\n MDISK 191 3330 000 002 S370U0 W\n"
        " MDISK 192 3330 003 009 S370U0 W\nUSER OPERATOR OP 1M 1M ABG\n CONSOLE 009 3215\n")
    host = build_host(directory=str(tmp_path / "d.direct"), config=str(tmp_path / "sys.cfg"))
    assert set(host.volumes) == {"S370U0", "PACK01"}
    host, out = run("LOGON T PW\nT2: LOGON OPERATOR OP\nT2: ATTACH 250 TO T AS 350 R/O", host=host)
    vm = host.sessions["T"].guest.vm
    md = vm.channel.device(0x191)
    assert type(md).__name__ == "Minidisk" and (md.start, md.cylinders, md.readonly) == (0, 2, False)
    assert vm.channel.device(0x192) is None                 # cylinders 3-11 are not on the volume
    full = vm.channel.device(0x350)
    assert (full.start, full.cylinders, full.readonly) == (0, 3, True)
    from cp.commands.processor import execute
    s = host.sessions["T"]
    assert execute(host, s.terminal, s, "DET 350") == (["DASD 350 DETACHED"], 0)
    assert vm.channel.device(0x350) is None


def test_link_prompts_for_a_missing_password():
    host, out = run(f"""
        {LOGON}
        LINK MAINT 191 291 RR
        READ
        LINK MAINT 191 292 RR
        WRONG
        LINK MAINT 190 390
        Q 291
        """)
    assert out["T1"][2:] == ["ENTER READ PASSWORD:", "ENTER READ PASSWORD:",
                             "DMKLNK111E MAINT 191 NOT LINKED; PASSWORD INCORRECT",
                             "DASD 291 3330 S370S0 R/O     10 CYL"]
    assert 0x390 in host.sessions["GUEST1"].devices        # password ALL: no prompt
