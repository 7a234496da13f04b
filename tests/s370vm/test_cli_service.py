"""Command-line defects a new user met (issue 16): configuration files with a
byte that is not UTF-8, ``--max-instructions`` checking."""
import pytest

from s370vm.main import main

CONFIG = "# a comment with Latin-1: caf\xe9\nMAINSIZE 2\n0009 3215-C\n"


def test_a_latin1_byte_in_a_config_statement_is_named_with_file_line_column(tmp_path, capsys):
    bad = tmp_path / "bad.cnf"
    bad.write_bytes(b"MAINSIZE 2\n0009 3215-C  \xe9\n")
    for argv in (["ipl", "009", "--config", str(bad)], ["cp", "--config", str(bad), "--script",
                                                          str(tmp_path / "none")]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err == f"s370vm: {bad} line 2 column 14: byte X'E9' is not UTF-8\n"


def test_a_latin1_byte_in_a_config_comment_is_harmless(tmp_path):
    from s370 import config
    good = tmp_path / "good.cnf"
    good.write_bytes(CONFIG.encode("latin-1"))
    cfg = config.load(good)
    assert cfg.mainsize == 2 << 20 and [d.address for d in cfg.devices] == [0x009]


@pytest.mark.parametrize("argv", [["cp", "--script", "x"], ["run", "x.asm"], ["ipl", "00C"]])
@pytest.mark.parametrize("value", ["-5", "0", "x"])
def test_max_instructions_must_be_a_sensible_number(argv, value, capsys):
    if argv[0] == "ipl" and value == "0":
        return                      # ipl: 0 is "no limit", as its help says
    with pytest.raises(SystemExit) as exc:
        main(argv + ["--max-instructions", value])
    assert exc.value.code == 2
    assert "--max-instructions" in capsys.readouterr().err


def test_every_max_instructions_option_says_what_it_does(capsys):
    for cmd in ("cp", "run", "ipl"):
        with pytest.raises(SystemExit):
            main([cmd, "--help"])
        help_text = " ".join(capsys.readouterr().out.split())
        assert "--max-instructions N" in help_text
        assert "instructions" in help_text.rsplit("--max-instructions N", 1)[1][:80]


def test_a_copy_of_the_builtin_directory_gets_the_sample_reader_files(tmp_path, capsys):
    from cp import defaults
    copy = tmp_path / "direct.txt"
    copy.write_bytes((defaults.HERE / "directory.txt").read_bytes())
    script = tmp_path / "s.txt"
    script.write_text("LOGON GUEST1 GUEST\nIPL 00C\nECHO HI\n")
    assert main(["cp", "--directory", str(copy), "--script", str(script)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "T1: FILES: 002 RDR,  NO PRT,  NO PUN" in out and "T1: HI" in out
