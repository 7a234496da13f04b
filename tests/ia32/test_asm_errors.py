"""Bad source: one clear message per mistake with file:line:column, exit status 2
from the command line, never a traceback."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from ia32.asm import assemble, assemble_file
from s370vm.main import main


def _errors(src: str) -> list:
    a = assemble(src, "t.asm")
    assert not a.ok and a.binary == b""
    return [e.format() for e in a.errors]


@pytest.mark.parametrize("src, message", [
    ("mov eax, nowhere\n", "t.asm:1:10: error: symbol 'nowhere' not defined"),
    ("nop\n  frob eax\n", "t.asm:2:3: error: unknown instruction or directive 'frob'"),
    ("mov eax, [ebx+\n", "t.asm:1:15: error: unexpected end of line"),
    ("mov eax, 1 +* 2\n", "t.asm:1:13: error: syntax error at '*'"),
    ("db 1 # 2\n", "t.asm:1:6: error: unexpected character '#'"),
    ("bits 32\nadd [ebx], 5\n", "t.asm:2:5: error: operation size not specified"),
    ("bits 32\nmov eax, bl\n", "t.asm:2:1: error: invalid combination of opcode and operands: mov eax, bl"),
    ("bits 32\nmov eax, [esp*2]\n", "t.asm:2:10: error: esp cannot be an index register"),
    ("bits 32\nmov eax, [eax+ebx+ecx]\n", "t.asm:2:10: error: too many registers in the address"),
    ("mov ax, [ax]\n", "t.asm:1:9: error: invalid 16-bit effective address"),
    ("mov eax, [bx+ecx]\n", "t.asm:1:10: error: 16- and 32-bit registers mixed in one address"),
    ("jmp short dest\ntimes 200 nop\ndest:\n", "t.asm:1:1: error: short jump is out of range"),
    ("x: nop\nx: nop\n", "t.asm:2:1: error: symbol 'x' redefined"),
    ("bits 64\n", "t.asm:1:1: error: bits 64: only 16 and 32 are supported"),
    ("align 3\n", "t.asm:1:1: error: alignment 3 is not a power of 2"),
    ("times -1 nop\n", "t.asm:1:1: error: times value -1 is negative"),
    ("db 1/0\n", "t.asm:1:1: error: division by zero"),
    ("%error stop here\n", "t.asm:1:1: error: stop here"),
    ("%if 1\nnop\n", "t.asm:1:1: error: %if without %endif"),
    ("%endif\n", "t.asm:1:1: error: %endif without %if"),
    ("%macro m 0\nnop\n", "t.asm:1:1: error: %macro without %endmacro"),
    ('%include "missing.inc"\n', "t.asm:1:1: error: unable to open include file 'missing.inc'"),
    ("%macro m 2\n%endmacro\nm 1\n", "t.asm:3:1: error: macro 'm' called with 1 parameter(s): expects 2"),
    ("extern foo\n", "t.asm:1:1: error: binary output does not support external references"),
    ("t: dd b + t\nsection .bss\nb: resb 1\n", "t.asm:1:4: error: expression is not simple or relocatable"),
    ("t: dd t - b\nsection .bss\nb: resb 1\n", "t.asm:1:4: error: expression is not simple or relocatable"),
    ("x: dd (b - x) >> 1\nsection .bss\nb: resb 1\n",
     "t.asm:1:4: error: '>>' operator may only be applied to scalar values"),
])
def test_error_messages_name_file_line_and_column(src, message):
    assert _errors(src)[0] == message


def test_error_inside_a_macro_names_the_call():
    errs = _errors("%macro m 0\n  mov eax, nothing\n%endmacro\nnop\nm\n")
    assert errs == ["t.asm:2:12: error: symbol 'nothing' not defined (in macro 'm' called at t.asm:5)"]


def test_every_error_is_reported_in_order():
    errs = _errors("frob eax\nnop\nmov eax, x1\nmov eax, x2\n")
    assert [e.split(":")[1] for e in errs] == ["1", "3", "4"]


def test_unreadable_source_is_one_error(tmp_path):
    a = assemble_file(tmp_path / "nope.asm")
    assert [e.format() for e in a.errors] == \
        [f"{tmp_path / 'nope.asm'}:0:1: error: cannot read {tmp_path / 'nope.asm'}: No such file or directory"]


def test_cli_asm_exit_status_2_and_messages(tmp_path, capsys):
    src = tmp_path / "bad.asm"
    src.write_text("bits 32\nmov eax, [ebx\n")
    assert main(["ia32", "asm", str(src), "-o", str(tmp_path / "bad.bin")]) == 2
    err = capsys.readouterr().err
    assert err == f"{src}:2:14: error: unexpected end of line\n"
    assert not (tmp_path / "bad.bin").exists()


def test_cli_asm_writes_binary_and_listing(tmp_path, capsys):
    src = tmp_path / "ok.asm"
    src.write_text("bits 32\norg 0x100000\nstart: mov eax, 1\njmp start\n")
    out, lst = tmp_path / "ok.bin", tmp_path / "ok.lst"
    assert main(["ia32", "asm", str(src), "-o", str(out), "--listing", str(lst)]) == 0
    assert out.read_bytes() == bytes.fromhex("b801000000" "ebf9")
    assert "     3 00000000 B801000000              start: mov eax, 1" in lst.read_text()


def test_cli_asm_json(tmp_path, capsys):
    import json
    src = tmp_path / "j.asm"
    src.write_text("bits 32\nstart: nop\nmov eax, nothing\n")
    assert main(["ia32", "asm", str(src), "--json"]) == 2
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is False and out["output"] is None
    assert out["errors"] == [f"{src}:3:10: error: symbol 'nothing' not defined"]
    src.write_text("bits 32\norg 0x1000\nstart: nop\nresb 2\n")
    assert main(["ia32", "asm", str(src), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["ok"], out["size"], out["org"], out["symbols"]) == (True, 3, 0x1000, {"start": 0x1000})
    assert out["warnings"] == [f"{src}:4:1: warning: uninitialized space declared in .text section: "
                               "zeroing [-w+zeroing]"]


def test_cli_disasm_of_a_missing_file_is_exit_2(tmp_path, capsys):
    assert main(["ia32", "disasm", str(tmp_path / "none.bin")]) == 2
    assert "cannot read" in capsys.readouterr().err


_WORDS = ["mov", "add", "jmp", "lea", "push", "db", "dd", "times 2", "align", "org", "bits",
          "section", "equ", "struc", "at", "iend", "%define", "%macro", "%endmacro", "%if",
          "%endif", "%rep", "%endrep", "%include", "label:", ".x:"]
_OPERANDS = ["eax", "al", "es", "cr0", "tr6", "5", "-1", "label", "$", "[eax]", "[ax]", "[esp*2]",
             "[eax+ebx*3]", "[bx+si]", "byte [ebx]", "far [ebx]", "0x8:0x10", "short label",
             "strict byte 5", "'ab'", '"x', "1.5", "[label", "1/0", "label*2", "{1}", "%1", "%%x",
             "(", ")", ",", "[", "]", ":", "+", "`\\x4", ";"]


@given(st.lists(st.tuples(st.sampled_from(_WORDS), st.lists(st.sampled_from(_OPERANDS), max_size=3)),
                max_size=6), st.sampled_from([16, 32]))
def test_any_source_gives_bytes_or_messages_never_an_exception(lines, bits):
    src = f"bits {bits}\n" + "\n".join(w + " " + " ".join(ops) for w, ops in lines) + "\n"
    a = assemble(src, "t.asm")
    assert a.ok or all(e.format().startswith("t.asm:") for e in a.errors)
