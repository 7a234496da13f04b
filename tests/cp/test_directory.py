"""The user directory in VM/370's DIRECT format (cp/directory.py)."""
import pytest

from cp.directory import (DirectoryError, check_mdisk_password, load_directory, parse_directory,
                          parse_storage, parse_vaddr)

R6_SAMPLE = """\
* IBM's Release 6 starter directory, abridged
DIRECTORY 131 3330 VMREL6
USER OPERATOR OPERATOR 320K 1M ABCDEG
 CONSOLE 009 3215
 SPOOL 00C 2540 READER A
 SPOOL 00D 2540 PUNCH A
 SPOOL 00E 1403 A
USER MAINT CPCMS 720K 16M BCEG
 ACCOUNT ACT3 MAINT
 OPTION ECMODE REALTIMER CPUID 000611
 IPL CMS PARM AUTOCR
 CONSOLE 009 3215
 MDISK 191 3330 008 005 CPR6L0 WR READ WRITE
 LINK MAINT 190 190 RR
 DEDICATE 0B1 078
 SPECIAL 01F 3270
USER RSCS RSCS 512K
USER $TDSK$ NOLOG
"""


def test_r6_starter_directory_parses():
    d = parse_directory(R6_SAMPLE, "release6.direct")
    assert d.location == ("131", "3330", "VMREL6")
    op = d.get("operator")
    assert (op.storage, op.maxstorage, op.classes) == (320 * 1024, 1024 * 1024, "ABCDEG")
    assert [(s.vaddr, s.queue, s.cls) for s in op.spool] == [(0x00C, "RDR", "A"), (0x00D, "PUN", "A"),
                                                              (0x00E, "PRT", "A")]
    m = d.get("MAINT")
    assert m.account == "ACT3" and m.distcode == "MAINT"
    assert m.options == {"ECMODE": True, "REALTIMER": True, "CPUID": "000611"}
    assert (m.ipl, m.ipl_parm) == ("CMS", "AUTOCR")
    md = m.mdisks[0x191]
    assert (md.devtype, md.start, md.count, md.volser, md.mode) == ("3330", 8, 5, "CPR6L0", "WR")
    assert md.password_for("R") == "READ" and md.password_for("W") == "WRITE" and md.password_for("M") is None
    assert m.links[0].userid == "MAINT" and m.links[0].mode == "RR"
    assert (m.dedicates[0].vaddr, m.dedicates[0].raddr) == (0x0B1, 0x078)
    assert m.specials[0].kind == "3270"
    rscs = d.get("RSCS")
    assert rscs.classes == "G" and rscs.storage == rscs.maxstorage == 512 * 1024
    assert d.get("$TDSK$").nolog


def test_passwords_are_checked_and_never_shown():
    d = parse_directory(R6_SAMPLE)
    m = d.get("MAINT")
    assert m.check_password("cpcms") and m.check_password("CPCMS")
    assert not m.check_password("CPCM") and not m.check_password("")
    assert "CPCMS" not in repr(m) and "READ" not in repr(m.mdisks[0x191])
    assert not d.get("$TDSK$").check_password("NOLOG")


def test_mdisk_password_rules():
    assert check_mdisk_password("ALL", None)
    assert check_mdisk_password("READ", "read")
    assert not check_mdisk_password("READ", "WRONG")
    assert not check_mdisk_password("READ", None)
    assert not check_mdisk_password(None, "ANY")


@pytest.mark.parametrize("text, where, what", [
    ("USER A B\n MDISK 191 3330 1 5\n", ":2:", "MDISK needs"),
    ("USER A B\n MDISK XYZ 3330 1 5 VOL\n", ":2:", "invalid device address"),
    ("USER A B\n MDISK 191 9999 1 5 VOL\n", ":2:", "invalid DASD type"),
    ("USER A B\n MDISK 191 3330 1 5 VOL Q\n", ":2:", "invalid MDISK mode"),
    (" CONSOLE 009 3215\n", ":1:", "before any USER"),
    ("USER A B 1M 512K\n", ":1:", "maximum storage"),
    ("USER A B 1Q\n", ":1:", "invalid storage size"),
    ("USER A B 1M 2M XYZ\n", ":1:", "invalid privilege classes"),
    ("USER A B\nUSER A C\n", ":2:", "duplicate USER"),
    ("USER TOOLONGID B\n", ":1:", "invalid userid"),
    ("USER A B\n FROB 1\n", ":2:", "unknown statement"),
    ("USER A B\n SPOOL 00C 2540 A\n", ":2:", "READER or PUNCH"),
    ("USER A B\n OPTION FLY\n", ":2:", "unknown OPTION"),
    ("USER A B\n IPL CMS NOPARM X\n", ":2:", "only PARM"),
    ("* nothing\n", "", "no USER statements"),
])
def test_errors_name_the_line(text, where, what):
    with pytest.raises(DirectoryError) as e:
        parse_directory(text, "t.direct")
    assert "t.direct" + where in str(e.value) and what in str(e.value)


def test_error_message_never_contains_a_password():
    with pytest.raises(DirectoryError) as e:
        parse_directory("USER A SECRETPW 1Q\n")
    assert "SECRETPW" not in str(e.value)


def test_helpers():
    assert parse_vaddr("00c") == 0x00C and parse_vaddr("FFF") == 0xFFF
    for bad in ("", "1000", "G1", "12345"):
        with pytest.raises(ValueError):
            parse_vaddr(bad)
    assert parse_storage("512K") == 512 * 1024 and parse_storage("16M") == 16 << 20
    for bad in ("17M", "0K", "1023", "3K", "K"):
        with pytest.raises(ValueError):
            parse_storage(bad)


def test_load_directory_file(tmp_path):
    p = tmp_path / "user.direct"
    p.write_text(R6_SAMPLE)
    assert "MAINT" in load_directory(p)
    with pytest.raises(DirectoryError, match="cannot read"):
        load_directory(tmp_path / "missing")


def test_builtin_directory():
    from cp.defaults import default_directory
    d = default_directory()
    assert d.get("OPERATOR").has_class("A") and not d.get("GUEST1").has_class("A")
    assert d.get("GUEST1").check_password("GUEST")
    assert d.get("$SPOOL$").nolog
