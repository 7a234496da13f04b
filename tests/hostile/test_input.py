"""Hostile directory files and CP command lines: a directory with damaged
statements is refused at start with the file and line (exit status 2, no
traceback); random command lines get a VM/370 message, never a traceback."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from tests.cp.cpscript import LOGON, lines
from tests.hostile.support import cli

FEW = settings(max_examples=max(8, settings.default.max_examples // 4))
DIRECTORY = """\
USER GUEST1 GUEST 1M 16M G
 CONSOLE 009 3215
 SPOOL 00C 2540 READER *
 SPOOL 00E 1403 A
 MDISK 191 3330 001 005 VMPK01 W
USER OPER OPER 2M 2M ABCDEG
 OPTION STBYPASS
"""
TOKENS = st.sampled_from(["USER", "MDISK", "LINK", "SPOOL", "CONSOLE", "DEDICATE", "OPTION",
                          "IPL", "MACHINE", "GUEST1", "*", "1M", "17M", "0K", "-1", "FFFF",
                          "3330", "2540", "READER", "VIRT=REAL", "STBYPASS", "W", "RR", "MR",
                          "999999999999", "", "\t", "#", "ACCOUNT", "INCLUDE", "PROFILE",
                          "NICDEF", "SPECIAL", "CTCA", "TYPE", "LAN", "SYSTEM", "LAN1", "MACID",
                          "IP", "10.0.2.300"])


@FEW
@given(st.lists(st.tuples(st.integers(0, 9), st.lists(TOKENS, max_size=7)), max_size=5))
def test_damaged_directory_files(tmp_path_factory, edits):
    d = tmp_path_factory.mktemp("dir")
    rows = DIRECTORY.splitlines()
    for at, words in edits:
        text = (" " if at % 2 else "") + " ".join(words)
        if at < len(rows):
            rows[at] = text
        else:
            rows.append(text)
    f = d / "user.direct"
    f.write_text("\n".join(rows) + "\n")
    script = d / "s.cp"
    script.write_text("LOGON GUEST1 GUEST\nQUERY VIRTUAL\nLOGOFF\n")
    status, _, err = cli(["cp", "--directory", str(f), "--script", str(script), "--no-console",
                          "--data", str(d / "data")], [f, script])
    if status == 2:
        assert f.name in err, err


WORD = st.sampled_from(["QUERY", "Q", "SET", "DEFINE", "DEF", "DETACH", "LINK", "IPL", "SPOOL",
                        "DISPLAY", "D", "STORE", "ST", "TRACE", "ADSTOP", "BEGIN", "EXTERNAL",
                        "MSG", "SMSG", "CHANGE", "PURGE", "ORDER", "CLOSE", "TAG", "TRANSFER",
                        "STBYPASS", "VR", "ASSIST", "ON", "OFF", "ALL", "PSW", "G", "R", "X",
                        "CR", "K", "V", "191", "FFFFFF", "1000000", "-1", "0", "STORAGE",
                        "16M", "READER", "PRINTER", "CONSOLE", "*", "=", "SYSTEM", "RESET",
                        "COUPLE", "NIC", "CTCA", "TO", "LAN1", "VSWITCH", "500", "TYPE"])


@FEW
@given(st.lists(st.lists(WORD | st.text(max_size=8), min_size=1, max_size=6), min_size=1,
                max_size=6))
def test_random_cp_command_lines_get_messages(commands):
    script = "\n".join([LOGON] + [" ".join(c) for c in commands] + ["LOGOFF"])
    out = lines(script)
    assert not any("Traceback" in ln or "Error:" in ln for ln in out), out
