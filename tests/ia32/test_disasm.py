"""The disassembler: NASM syntax from the decoder's output, exact text for known
bytes, and the round trip assemble -> decode -> disassemble -> assemble."""
from __future__ import annotations

import random

from hypothesis import given, strategies as st

from ia32.asm import assemble
from ia32.disasm import disassemble
from s370vm.main import main

from .asm_oracle import random_instruction


def _text(code: bytes, bits: int = 32, org: int = 0) -> list:
    return [ln.text for ln in disassemble(code, org, bits)]


def test_known_bytes_read_as_nasm_writes_them():
    code = bytes.fromhex("8b4304" "83c0ff" "81c300010000" "0f20c0" "f3a5" "26ac" "ebfe"
                         "e900000000" "ea341200000800" "ff2b" "87d9" "66a1" "10000000" "cc" "cd03")
    assert _text(code) == [
        "mov eax, [ebx+0x4]", "add eax, -0x1", "add ebx, 0x100", "mov eax, cr0", "rep movsd",
        "es lodsb", "jmp short 0x13", "jmp near 0x1a", "jmp 0x8:0x1234", "jmp far [ebx]",
        "xchg ebx, ecx", "mov ax, [0x10]", "int3", "int 0x3"]


def test_16_bit_addressing_and_forced_displacements():
    code = bytes.fromhex("8b4600" "8b4000" "8b800400" "8b06" "3412")
    assert _text(code, 16) == ["mov ax, [bp]", "mov ax, [byte bx+si+0x0]",
                               "mov ax, [word bx+si+0x4]", "mov ax, [0x1234]"]


def test_undecodable_bytes_are_db():
    assert _text(b"\x0f\xff\x90") == ["db 0x0f", "db 0xff", "nop"]


def test_start_and_length_with_org():
    lines = disassemble(bytes.fromhex("90" "b801000000" "c3"), 0x7C00, 32, 0x7C01, 5)
    assert [(ln.address, ln.data.hex(), ln.text) for ln in lines] == [(0x7C01, "b801000000", "mov eax, 0x1")]
    assert lines[0].format() == "00007C01  B801000000          mov eax, 0x1"


def _round_trip(lines, bits):
    src = f"bits {bits}\norg 0x1000\n" + "\n".join(lines) + "\n"
    first = assemble(src)
    assert first.ok, [e.format() for e in first.errors]
    text = [ln.text for ln in disassemble(first.binary, 0x1000, bits)]
    again = assemble(f"bits {bits}\norg 0x1000\n" + "\n".join(text) + "\n")
    assert again.ok, (text, [e.format() for e in again.errors])
    for a, b, t in zip(disassemble(first.binary, 0x1000, bits), disassemble(again.binary, 0x1000, bits), text):
        assert a.data == b.data, (t, a.data.hex(), b.data.hex())
    assert again.binary == first.binary


@given(seed=st.integers(0, 2**32 - 1), bits=st.sampled_from([16, 32]))
def test_assemble_disassemble_assemble_round_trips(seed, bits):
    rng = random.Random(seed)
    lines = [random_instruction(rng, bits) for _ in range(30)]
    lines = [ln.replace("far_label", "0x1400").replace("label", "0x1010").replace("back", "0x1000")
             for ln in lines]
    _round_trip(lines, bits)


def test_cli_disasm(tmp_path, capsys):
    f = tmp_path / "code.bin"
    f.write_bytes(bytes.fromhex("b80100" "ebfb"))
    assert main(["ia32", "disasm", str(f), "--bits", "16", "--org", "0x7c00"]) == 0
    assert capsys.readouterr().out == ("00007C00  B80100              mov ax, 0x1\n"
                                       "00007C03  EBFB                jmp short 0x7c00\n")
    assert main(["ia32", "disasm", str(f), "--bits", "16", "--start", "3", "--json"]) == 0
    import json
    assert json.loads(capsys.readouterr().out) == [{"address": 3, "hex": "ebfb", "text": "jmp short 0x0"}]


def _meaning(ins):
    """What an instruction does, independent of how it was encoded."""
    ops = []
    for o in ins.operands:
        if o.kind == "mem":
            ops.append(("mem", o.size, o.base, o.index, o.scale if o.index is not None else 1,
                        o.disp, o.seg, o.asize))
        else:
            ops.append((o.kind, o.size, o.value, o.selector))
    if ins.form.mnemonic == "XCHG":
        ops.sort()
    return (ins.form.semantics, ins.form.mnemonic, tuple(ops), ins.rep, ins.lock,
            ins.osize if ins.form.o == 0 else None)


@given(st.binary(min_size=16, max_size=16), st.sampled_from([16, 32]),
       st.sampled_from([b"", b"\x66", b"\x67", b"\x26", b"\x0f", b"\xf3", b"\x64"]))
def test_any_decodable_bytes_disassemble_to_text_that_assembles_to_the_same_instruction(code, bits, pre):
    from ia32.decode import decode
    from ia32.errors import CPUFault
    code = pre + code
    try:
        ins = decode(code, 0x1000, bits)
    except (CPUFault, IndexError):
        return
    (line,) = disassemble(code[:ins.length], 0x1000, bits)
    a = assemble(f"bits {bits}\norg 0x1000\n{line.text}\n")
    assert a.ok, (code[:ins.length].hex(), line.text, [e.format() for e in a.errors])
    if line.text.startswith("db "):
        assert a.binary == code[:ins.length]
        return
    again = decode(a.binary + bytes(15), 0x1000, bits)
    assert _meaning(again) == _meaning(ins), (code[:ins.length].hex(), line.text, a.binary.hex())
