"""``s370vm disasm`` (issue 16): a START origin is honoured, ``--length`` is
decimal as the README says and must be above 0; every CLI command stops quietly
when its reader closes the pipe."""
import subprocess
import sys

import pytest

from s370vm.main import main

SOURCE = " START X'2000'\n LR 1,2\n BR 14\n END\n"


@pytest.fixture
def program(tmp_path):
    src = tmp_path / "st.asm"
    src.write_text(SOURCE)
    deck = tmp_path / "st.obj"
    assert main(["asm", str(src), "-o", str(deck)]) == 0
    return src, deck


def test_start_origin_is_where_disassembly_begins(program, capsys):
    capsys.readouterr()
    for f in program:
        assert main(["disasm", str(f)]) == 0
        assert capsys.readouterr().out == "002000  1812            LR    1,2\n002002  07FE            BR    14\n"


def test_length_is_decimal_and_must_be_positive(program, capsys):
    src, _ = program
    capsys.readouterr()
    assert main(["disasm", str(src), "--start", "2000", "--length", "2"]) == 0
    assert capsys.readouterr().out == "002000  1812            LR    1,2\n"
    assert main(["disasm", str(src), "--length", "0x4"]) == 0
    assert capsys.readouterr().out.count("\n") == 2
    for bad in ("0", "-2", "1F"):
        with pytest.raises(SystemExit) as exc:
            main(["disasm", str(src), "--length", bad])
        assert exc.value.code == 2
        assert "--length" in capsys.readouterr().err


def test_a_closed_pipe_is_quiet(tmp_path):
    image = tmp_path / "zeros.bin"
    image.write_bytes(bytes(1 << 16))           # 32768 lines of DC X'0000'
    for argv in (["disasm", str(image)], ["disasm", str(image), "--json"], ["--help"]):
        p = subprocess.Popen([sys.executable, "-m", "s370vm.main", *argv], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        p.stdout.read(10)
        p.stdout.close()                        # like `| head -c 10`
        err = p.stderr.read().decode()
        rc = p.wait(30)
        assert "Traceback" not in err and "BrokenPipe" not in err, err
        assert rc in (0, 141)
