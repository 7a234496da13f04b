"""``s370vm ia32 run``: the JSON object's exact shape, the text report, the boot
options, and bad input (missing, oversized, malformed images, images that do not
fit memory) as one line on stderr and exit status 2."""
from __future__ import annotations

import json
import struct

import pytest

from s370vm.main import main

# mov al,'h' / out 0e9h,al / mov dx,3f8h / mov al,'i' / out dx,al / mov al,42h /
# out 80h,al / mov al,5 / out 0f4h,al
PROGRAM = bytes.fromhex("b068e6e9baf803b069eeb042e680b005e6f4")


def run(argv, capsys):
    code = main(["ia32", "run", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def image(tmp_path):
    path = tmp_path / "boot.bin"
    path.write_bytes(PROGRAM)
    return str(path)


def test_json_is_exactly_one_object_of_the_promised_shape(image, capsys):
    code, out, err = run([image, "--json"], capsys)
    assert code == 0 and err == ""
    rep = json.loads(out)
    assert list(rep) == ["stop", "exit_code", "eip", "regs", "post", "console", "instructions"]
    assert rep["stop"] == "exit" and rep["exit_code"] == 11
    assert rep["eip"] == "00007C12"
    assert rep["post"] == ["0x42"]
    assert rep["console"] == "hi"
    assert rep["instructions"] == 9
    assert rep["regs"]["EAX"] == "00000005" and rep["regs"]["EDX"] == "000003F8"
    assert rep["regs"]["EFLAGS"] == "00000002"


def test_text_report(image, capsys):
    code, out, _ = run([image], capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "stop: exit (exit code 11)   EIP=00007C12"
    assert "CS=0000 base=00000000 limit=0000FFFF rights=009300" in lines
    assert "post: 42" in lines
    assert lines[-2:] == ["console:", "hi"]
    assert any(line.startswith("instructions: 9 ") and "MIPS:" in line for line in lines)


def test_load_address_option(tmp_path, capsys):
    path = tmp_path / "x.bin"
    path.write_bytes(bytes.fromhex("b001e6f4"))      # mov al,1 / out 0f4h,al
    code, out, _ = run([str(path), "--load", "1000", "--json"], capsys)
    rep = json.loads(out)
    assert code == 0 and rep["eip"] == "00001004" and rep["exit_code"] == 3


def test_limit_stop(tmp_path, capsys):
    path = tmp_path / "loop.bin"
    path.write_bytes(b"\xeb\xfe")
    code, out, _ = run([str(path), "--max-instructions", "500", "--json"], capsys)
    rep = json.loads(out)
    assert (rep["stop"], rep["exit_code"], rep["instructions"]) == ("limit", None, 500)


def one_line_error(argv, capsys, pattern):
    code, out, err = run(argv, capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert pattern in err, err


def test_missing_image(tmp_path, capsys):
    one_line_error([str(tmp_path / "none.bin")], capsys, "none.bin: no such file")


def test_oversized_bios(tmp_path, capsys):
    path = tmp_path / "rom.bin"
    path.write_bytes(bytes(256 << 10))
    one_line_error([str(path), "--bios"], capsys, "too large")


def test_malformed_elf_kernel(tmp_path, capsys):
    path = tmp_path / "k.elf"
    mb = struct.pack("<III", 0x1BADB002, 0, (-0x1BADB002) & 0xFFFFFFFF)
    path.write_bytes(b"\x7fELF\x02\x01\x01" + bytes(45) + mb)
    one_line_error([str(path), "--kernel"], capsys, "not a 32-bit little-endian ELF")


def test_kernel_without_multiboot_header(image, capsys):
    one_line_error([image, "--kernel"], capsys, "no Multiboot header")


def test_image_that_does_not_fit_memory(tmp_path, capsys):
    path = tmp_path / "big.bin"
    path.write_bytes(bytes(3 << 20))
    one_line_error([str(path), "--memory", "2"], capsys, "too large")


def test_memory_out_of_range(image, capsys):
    one_line_error([image, "--memory", "1"], capsys, "--memory 1")


def test_options_are_exclusive(image, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["ia32", "run", image, "--bios", "--kernel"])
    assert exc.value.code == 2
    capsys.readouterr()
