"""The CPU core: run loop, PSW load/store, program interruptions (GA22-7000 ch. 6)."""
from s370 import psw
from tests.s370.helpers import run_code


def test_psw_roundtrip_bc_and_ec():
    for value in (0x070E200000001234, 0xFF0500000A000100):
        assert psw.encode(*psw.decode(value)[:9], *psw.decode(value)[9:11]) == value


def test_operation_exception_bc_mode_old_psw():
    # X'00' is not an instruction: operation exception, ILC 1, old PSW after it
    m = run_code("0000")
    old = int.from_bytes(m.storage.mem[0x28:0x30], "big")
    assert (old >> 32) & 0xFFFF == 0x0001          # interruption code
    assert (old >> 30) & 3 == 1                     # ILC
    assert old & 0xFFFFFF == 0x1002                 # points past the instruction
    assert m.cpu.ia == 0xDEAD00 and m.cpu.wait


def test_load_add_store_branch_loop():
    # L 1,X'200'; AR 1,1; ST 1,X'204'; BCT 2,X'1000'; then operation exception ends it
    m = run_code("58100200" "1A11" "50100204" "4620C000" "0000",
                 regs={2: 3, 12: 0x1000}, setup=lambda m: m.storage.load(b"\x00\x00\x00\x05", 0x200))
    assert m.cpu.gpr[1] == 10
    assert m.storage.read(0x204, 4) == b"\x00\x00\x00\x0a"
    assert m.cpu.gpr[2] == 0
