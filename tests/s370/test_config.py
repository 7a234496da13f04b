"""Hercules-style configuration: statements, errors naming the line, the default
configuration, and the machine it builds."""
import pytest

from s370 import config
from s370.devices.console import Console
from s370.devices.printer import Printer
from s370.devices.punch import CardPunch
from s370.devices.reader import CardReader
from s370.errors import MachineError
from s370.machine import Machine

TEXT = """\
# a comment
* another comment
MAINSIZE  2
CPUSERIAL 012345
CPUMODEL  3158
ARCHLVL   S/370
NUMCPU    1
ECPSVM    YES
ASSIST    VMA ECPS
CNSLPORT  3270          # accepted, no effect
009  1052-C
00E  1442  inspool0.sajob ascii
00D  2540P out.pch ascii
00F  1403  "print file.txt"
"""


def test_statements_are_stored(tmp_path):
    cfg = config.parse(TEXT, tmp_path, "test.cnf")
    assert cfg.mainsize == 2 << 20
    assert cfg.cpuserial == 0x012345 and cfg.cpumodel == 0x3158
    assert cfg.archmode == "S/370" and cfg.ecpsvm and cfg.assists == {"VMA", "ECPS"}
    assert [(d.address, d.devtype, d.args, d.line) for d in cfg.devices] == [
        (0x009, "1052-C", [], 11),
        (0x00E, "1442", ["inspool0.sajob", "ascii"], 12),
        (0x00D, "2540P", ["out.pch", "ascii"], 13),
        (0x00F, "1403", ["print file.txt"], 14),
    ]
    assert cfg.cpuid() == 0xFD01234531580000


def test_machine_from_config_has_the_devices_and_cpu_identity(tmp_path):
    cfg = config.parse(TEXT, tmp_path, "test.cnf")
    m = Machine.from_config(cfg)
    assert m.storage.size == 2 << 20
    con, rdr, pch, prt = (m.device(a) for a in (0x009, 0x00E, 0x00D, 0x00F))
    assert isinstance(con, Console) and con.devtype == 0x1052 and m.console is con
    assert isinstance(rdr, CardReader) and rdr.devtype == 0x1442
    assert isinstance(pch, CardPunch) and pch.devtype == 0x2540
    assert isinstance(prt, Printer) and prt.out.path == tmp_path / "print file.txt"
    # STIDP reports CPUSERIAL and CPUMODEL
    m.storage.mem[0x1000:0x1004] = bytes.fromhex("B2020200")
    m.cpu.load_psw(0x1000)
    m.cpu.run(1)
    assert m.storage.read(0x200, 8) == bytes.fromhex("FD01234531580000")


def test_load_resolves_files_relative_to_the_config_folder(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "m.cnf").write_text("00C 3505 deck.txt ascii\n")
    cfg = config.load(tmp_path / "sub" / "m.cnf")
    assert cfg.base_dir == (tmp_path / "sub").resolve()


@pytest.mark.parametrize("line, message", [
    ("FOO 1", "line 2: unknown statement 'FOO'"),
    ("MAINSIZE lots", "line 2: MAINSIZE must be a number"),
    ("MAINSIZE 64", "line 2: MAINSIZE must be 1 to 16"),
    ("CPUSERIAL 1234567", "line 2: CPUSERIAL '1234567' has more than 6 hex digits"),
    ("ARCHLVL z/Arch", "line 2: ARCHLVL z/Arch: only S/370"),
    ("NUMCPU 2", "line 2: NUMCPU: only 1 CPU"),
    ("ECPSVM MAYBE", "line 2: ECPSVM takes YES, NO or LEVEL n"),
    ("ASSIST SIE", "line 2: ASSIST SIE: unknown assist"),
    ("00C 2501", "line 2: device 00C: unknown device type '2501'"),
    ("009 3215-C", "line 2: device 009 is defined twice"),
    ("00C", "line 2: device 00C: no device type"),
    ('00C 3505 "unclosed', "line 2: No closing quotation"),
])
def test_errors_name_the_line(line, message):
    with pytest.raises(MachineError) as e:
        config.parse("009 3215-C\n" + line + "\n", source="x.cnf")
    assert str(e.value).startswith("x.cnf " + message)


def test_missing_file_is_an_error_not_a_traceback(tmp_path):
    with pytest.raises(MachineError, match="cannot read configuration"):
        config.load(tmp_path / "none.cnf")


def test_default_configuration(tmp_path, monkeypatch):
    monkeypatch.setenv("S370VM_DATA", str(tmp_path))
    cfg = config.default()
    assert cfg.mainsize == 1 << 20
    assert [(d.address, d.devtype) for d in cfg.devices] == [
        (0x009, "3215-C"), (0x00C, "3505"), (0x00D, "3525"), (0x00E, "1403")]
    m = Machine.from_config(cfg)
    assert m.console.address == 0x009
    assert m.device(0x00E).out.path == tmp_path / "print00e.txt"
    assert not list(tmp_path.iterdir())            # nothing written until used


def test_a_device_that_refuses_its_operands_is_reported_at_its_line(tmp_path):
    """Found by tests/hostile: '3330 3330' (a DASD with no image file) was reported
    without the configuration file and line."""
    cfg = tmp_path / "bad.cnf"
    cfg.write_text("MAINSIZE 1\n0009 3215\n0130 3330\n")
    with pytest.raises(MachineError, match=r"bad\.cnf line 3: device 130 3330: no CKD image file named"):
        Machine.from_config(config.load(str(cfg)))
