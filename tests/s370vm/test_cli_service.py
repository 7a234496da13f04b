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


@pytest.mark.parametrize("value", ["-5", "0", "x"])
def test_max_instructions_must_be_a_positive_number(value, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["cp", "--script", "x", "--max-instructions", value])
    assert exc.value.code == 2
    assert "--max-instructions" in capsys.readouterr().err
