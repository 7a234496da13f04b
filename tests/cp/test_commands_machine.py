"""One CP, two machines: MACHINE on the directory's USER, SET VMMODE, QUERY
VIRTUAL and QUERY SET, and DISPLAY/STORE/TRACE driven by the backend's
descriptor tables (FIELDS: bit fields named and decoded, by hand from GA22-7000
and the 80386 Programmer's Reference Manual)."""
from __future__ import annotations

import pytest

from cp.directory import DirectoryError, parse_directory
from tests.cp.cpscript import LOGON, lines

DIRECTORY = """\
USER PC PW 1M 2M G
 MACHINE IA32
 CONSOLE 009 3215
 SPOOL 00C 2540 READER A
USER VM PW 1M 2M G
 MACHINE S370
 CONSOLE 009 3215
"""


def pc(*cmds, tmp_path):
    d = tmp_path / "two.direct"
    d.write_text(DIRECTORY)
    return lines("\n".join(["LOGON PC PW", *cmds]), directory=str(d))[1:]


def test_machine_statement():
    d = parse_directory(DIRECTORY + "USER DEF PW\n")
    assert [d.get(u).machine for u in ("PC", "VM", "DEF")] == ["IA32", "S370", "S370"]
    with pytest.raises(DirectoryError, match=r"<directory>:2: MACHINE needs one of S370, IA32"):
        parse_directory("USER A PW\n MACHINE 390\n")
    with pytest.raises(DirectoryError, match="MACHINE statement before any USER"):
        parse_directory("MACHINE IA32\nUSER A PW\n")


def test_ia32_vm_query_and_vmmode(tmp_path):
    out = pc("Q V", "Q SET", "SET VMMODE SCAN", "Q SET", "SET VMMODE FAST", "SET VMMODE",
             tmp_path=tmp_path)
    assert out[:2] == ["STORAGE = 01024K", "MACHINE IA32, VMMODE TRANSLATE"]
    assert out[2].startswith("CONS 009") and out[3].startswith("RDR  00C")
    assert out[8] == "VMMODE TRANSLATE"                     # after VM/370's four lines
    assert out[13] == "VMMODE SCAN"
    assert out[14:] == ["DMKCFC002E INVALID OPERAND - FAST", "DMKCFC026E OPERAND MISSING OR INVALID"]


def test_set_vmmode_translate_all(tmp_path):
    """TRANSLATE ALL (two words): user code translated too (ia32_translate.py)."""
    out = pc("SET VMMODE TRANSLATE ALL", "Q SET", "SET VMMODE TRANSLATE SOME",
             tmp_path=tmp_path)
    assert out[4] == "VMMODE TRANSLATE ALL"
    assert out[5:] == ["DMKCFC002E INVALID OPERAND - SOME"]


def test_vmmode_on_a_virtual_370_is_an_invalid_option():
    out = lines("\n".join([LOGON, "SET VMMODE NAIVE", "Q V", "Q SET"]))
    assert out[2] == "DMKCFC003E INVALID OPTION - VMMODE"
    assert not any("MACHINE" in ln or "VMMODE" in ln for ln in out[3:])   # VM/370's answers


def test_ia32_ipl_from_an_empty_reader_is_an_ipl_io_error(tmp_path):
    """The IA-32 machine runs now (cp/backends/ia32.py); with no file in the reader
    its IPL fails as a virtual 370's does (DMKCFG450W ... IPL I/O ERROR)."""
    assert pc("IPL 00C", tmp_path=tmp_path) == [
        "DMKCFG450W CP ENTERED; VIRTUAL MACHINE NOT IN RUNNABLE STATE (IPL I/O ERROR)"]


def test_ia32_display_and_store_through_the_descriptor_tables(tmp_path):
    """The reset state (80386 PRM 10.1): EIP FFF0, CS F000, EFLAGS 2; STORE
    EFLAGS 00003202 sets IOPL 3 and IF."""
    out = pc("D G", "D EIP CS FIELDS", "ST EFLAGS 00003202", "ST G1 12345678", "D EFL FIELDS G0.2",
             "D K0", "ST STATUS", tmp_path=tmp_path)
    assert out == [
        "EAX = 00000000  ECX = 00000000  EDX = 00000000  EBX = 00000000",
        "ESP = 00000000  EBP = 00000000  ESI = 00000000  EDI = 00000000",
        "EIP = 0000FFF0",
        "CS = F000",
        "SELECTOR: INDEX=1E00 TI=0 RPL=0",
        "EFLAGS = 00003202",
        "EFLAGS: ID=0 VIP=0 VIF=0 AC=0 VM=0 RF=0 NT=0 IOPL=3 OF=0 DF=0 IF=1 TF=0 SF=0 ZF=0 "
        "AF=0 PF=0 CF=0",
        "EAX = 00000000  ECX = 12345678",
        "DMKCDB002E INVALID OPERAND - K0",                 # no storage keys on a PC
        "DMKCDS002E INVALID OPERAND - STATUS"]


def test_s370_display_fields():
    """PSW 070C2000 00001234 (EC): T, IO, EX; EC, M; CC 2. CR0 00800000: 4K pages."""
    out = lines("\n".join([LOGON, "ST PSW 070C2000 00001234", "ST X0 00800000",
                           "D PSW FIELDS X0 FIELDS X1 FIELDS CAW FIELDS", "D P"]))[2:]
    assert out == [
        "PSW = 070C2000 00001234",
        "PSW (EC): R=0 T=1 IO=1 EX=1 KEY=0 EC=1 M=1 W=0 P=0 CC=2 PM=0 IA=001234",
        "CR  0 = 00800000",
        "CR0: BMX=0 SSM=0 TODS=0 PS=2 SS=0 MA=0 ES=0 XC=0 TSC=0 CKC=0 CPT=0 IT=0 KEY=0 EXTS=0",
        "CR  1 = 00000000",                                 # no layout: nothing added
        "CAW = 00000000",
        "CAW: KEY=0 CCW=000000",
        "PSW = 070C2000 00001234"]


def test_s370_store_register_forms():
    """STORE PSW with one word keeps the first; FPRs take two words each; a set
    from the register named on."""
    out = lines("\n".join([LOGON, "ST PSW 00020000 00000B00", "ST P 00000C00", "ST Y2 1 2 3",
                           "ST G14 5 6", "ST G15 5 6", "ST Y1 0", "D P Y G14-15"]))[2:]
    assert out == ["DMKCDS002E INVALID OPERAND - G15", "DMKCDS002E INVALID OPERAND - Y1",
                   "PSW = 00020000 00000C00",
                   "FPR 0 = 00000000 00000000", "FPR 2 = 00000001 00000002",
                   "FPR 4 = 00000003 00000000", "FPR 6 = 00000000 00000000",
                   "GPR 14 = 00000005 00000006"]


def test_trace_fields_decodes_the_new_psw():
    """TRACE SVC FIELDS: the SVC new PSW 00020000 00000B00 (BC: W on, IA B00)."""
    program = ["ST 60 00020000 00000B00", "ST 68 00020000 00000E00", "ST S800 0A05",
               "ST PSW 0 800"]
    out = lines("\n".join([LOGON, *program, "TRACE SVC RUN FIELDS", "BEGIN"]))[2:]
    assert out == [
        "TRACE STARTED",
        "*** 000800 SVC   0A05  ==> 000B00",
        "    PSW (BC): CHANNELS=00 IO=0 EXT=0 KEY=0 EC=0 M=0 W=1 P=0 ICODE=0000 ILC=0 CC=0 "
        "PM=0 IA=000B00",
        "DMKDSP450W CP ENTERED; DISABLED WAIT PSW 00020000 00000B00"]
