"""SPOOL, CLOSE, TRANSFER, PURGE, ORDER, CHANGE; punching to another user's
reader from a guest; spool files surviving a restart of CP."""
import re

from tests.cp.cpscript import LOGON, lines, run

# A guest program that punches one card on 00D and stops.
PUNCH_PROGRAM = """
ST S800 41100820 50100048 9C00000D 82000900
ST S820 01000830 20000050
ST S830 C3C1D9C4
ST 900 00020000 00000C00
ST PSW 0 800
BEGIN
"""


def test_punch_to_another_reader_with_close():
    host, out = run(f"""
        {LOGON}
        T2: LOGON GUEST2 GUEST
        T1: SPOOL PUN TO GUEST2 CLASS B
        {PUNCH_PROGRAM}
        CLOSE PUN NAME DATA CARDS
        T2: Q RDR ALL
        """)
    assert "PUN FILE 0005 TO GUEST2   COPY 001 NOHOLD" in out["T1"]
    assert "RDR FILE 0005 FROM GUEST1   PUN WAS 0005 RECS 000001 CPY 001 B NOHOLD" in out["T2"]
    assert re.fullmatch(r"GUEST1   0005 B PUN 00000001 001 NONE .* DATA     CARDS    GUEST1", out["T2"][-1])
    f = host.spool.get(5)
    assert f.records == [bytes.fromhex("C3C1D9C4") + bytes(76)]


def test_close_printer_to_own_queue_hold_and_purge_option():
    out = lines(f"""
        {LOGON}
        SPOOL PRT HOLD COPY 2
        {PUNCH_PROGRAM.replace("9C00000D", "9C00000E").replace("01000830", "09000830")}
        CLOSE 00E
        Q PRT
        CLOSE PRT
        CLOSE PUN PURGE
        """)[2:]
    assert out[1] == "PRT FILE 0003 TO GUEST1   COPY 002 HOLD"
    assert out[3] == "GUEST1   0003 A PRT 00000001 002 USER"


def test_transfer_order_change_purge():
    out = lines(f"""
        {LOGON}
        ORDER RDR 2 1
        Q RDR
        CHANGE RDR 1 CLASS C NOHOLD NAME NEW ONE
        Q RDR ALL
        CHANGE RDR ALL HOLD
        TRANSFER RDR 2 TO GUEST2
        Q RDR
        PURGE RDR 1
        Q FILES
        """)[2:]
    assert [ln[9:13] for ln in out[1:3]] == ["0002", "0001"]
    assert out[3] == "0001 FILE CHANGED"
    assert "NEW      ONE" in out[6]
    assert out[7] == "0002 FILES CHANGED"
    assert out[8] == "RDR FILE 0002 TRANSFERRED TO GUEST2"
    assert out[10].startswith("SYSTEM   0001 C PUN") and out[10].endswith("USER")
    assert out[11:] == ["0001 FILE PURGED", "FILES: NO RDR,  NO PRT,  NO PUN"]


def test_spool_command_errors():
    out = lines(f"""
        {LOGON}
        SPOOL
        SPOOL 0FF
        SPOOL XYZ
        SPOOL 191
        SPOOL PUN CLASS
        SPOOL PUN CLASS **
        SPOOL RDR CLASS *
        SPOOL PUN COPY 0
        SPOOL PUN TO NOBODY
        SPOOL PUN FLY
        CLOSE
        CLOSE RDR BOGUS
        CLOSE PUN DIST TOOLONGDIST
        PURGE
        PURGE RDR 77
        PURGE RDR X
        TRANSFER RDR 1
        TRANSFER RDR 1 TO NOBODY
        ORDER RDR 55
        CHANGE RDR 1
        CHANGE RDR 1 COPY 999
        """)[2:]
    assert out == ["DMKCSP022E VADDR MISSING OR INVALID", "DMKCSP040E DEV 0FF DOES NOT EXIST",
                   "DMKCSP022E VADDR MISSING OR INVALID", "DMKCSP022E VADDR MISSING OR INVALID",
                   "DMKCSP028E CLASS MISSING OR INVALID", "DMKCSP028E CLASS MISSING OR INVALID",
                   "DMKCSP029E COPIES MISSING OR INVALID", "DMKCSP020E USERID MISSING OR INVALID",
                   "DMKCSP003E INVALID OPTION - FLY",
                   "DMKCSQ022E VADDR MISSING OR INVALID", "DMKCSQ003E INVALID OPTION - BOGUS",
                   "DMKCSQ032E DISTCODE MISSING OR INVALID",
                   "DMKCSV026E OPERAND MISSING OR INVALID", "DMKCSV042E SPOOLID 0077 DOES NOT EXIST",
                   "DMKCSV031E SPOOLID MISSING OR INVALID",
                   "DMKCSV020E USERID MISSING OR INVALID", "DMKCSV020E USERID MISSING OR INVALID",
                   "DMKCSV042E SPOOLID 0055 DOES NOT EXIST",
                   "DMKCSU026E OPERAND MISSING OR INVALID", "DMKCSU029E COPIES MISSING OR INVALID"]


def test_console_spool():
    host, out = run(f"{LOGON}\nSPOOL CONSOLE START\nQ USERS\nSPOOL CON STOP\nQ PRT")
    assert out["T1"][3] == "CON FILE 0003 TO GUEST1   COPY 001 NOHOLD"
    f = host.spool.get(3)
    from s370.ebcdic import to_ascii
    assert f.devtype == "CON" and [to_ascii(r) for r in f.records] == [
        "Q USERS", "001 USERS, 000 DIALED", "SPOOL CON STOP"]


def test_spool_survives_restart(tmp_path):
    host, out = run(f"{LOGON}\nT2: LOGON GUEST2 GUEST\nT1: SPOOL PUN TO GUEST2\n{PUNCH_PROGRAM}\nCLOSE PUN",
                    data=str(tmp_path))
    # A new CP on the same data directory: GUEST2's reader still has the file.
    out2 = lines("LOGON GUEST2 GUEST\nQ RDR", data=str(tmp_path))
    assert out2[1] == "FILES: 003 RDR,  NO PRT,  NO PUN"
    assert out2[-1].startswith("GUEST1   0005 A PUN 00000001")


def test_defined_punch_works_after_define_storage():
    """A punch added with DEFINE (and the directory's devices after DEFINE
    STORAGE) punch into the spool."""
    host, out = run(f"""
        {LOGON}
        DEF STOR 2M
        DEF PUNCH 01D
        SPOOL 01D TO GUEST1
        {PUNCH_PROGRAM.replace("9C00000D", "9C00001D")}
        CLOSE 01D
        """)
    assert out["T1"][-1] == "PUN FILE 0003 TO GUEST1   COPY 001 NOHOLD"
    assert host.spool.get(3).records[0][:4] == bytes.fromhex("C3C1D9C4")
