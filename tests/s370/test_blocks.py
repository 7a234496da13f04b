"""Block translation (s370/blocks.py) against the interpreter: the same program
gives the same registers, storage, PSW and instruction count both ways."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from s370.isa import TABLE
from s370.machine import Machine

CODE, DATA = 0x1000, 0x4000
EXCLUDED = {"BAL", "BALR", "BC", "BCR", "BCT", "BCTR", "BXH", "BXLE", "EX", "SVC",
            "MVCL", "CLCL", "SPM"}
CANDIDATES = [i for i in TABLE if not i.priv and i.mnemonic not in EXCLUDED
              and i.fmt in ("RR", "RX", "RS", "SI", "SS", "SS2")]
WAIT = bytes.fromhex("0002000000000F00")


@st.composite
def instruction(draw) -> bytes:
    """A random non-branching instruction whose storage operands lie in the data
    area: base register 12 (= DATA), index 0, displacements below X'600'."""
    ins = draw(st.sampled_from(CANDIDATES))
    op = ins.opcode.to_bytes(2 if ins.extended else 1, "big")
    reg = st.integers(0, 15)
    disp = st.integers(0, 0x5FF)

    def bd(d):
        return (0xC000 | d).to_bytes(2, "big")
    if ins.fmt == "RR":
        r1, r2 = draw(reg), draw(reg)
        if ins.mnemonic in ("MR", "DR", "MXR", "MXDR", "AXR", "SXR"):
            r1 &= 0xE
        return op + bytes(((r1 << 4) | r2,))
    if ins.fmt in ("RX", "RS"):
        return op + bytes(((draw(reg) << 4) | (draw(reg) if ins.fmt == "RS" else 0),)) + bd(draw(disp))
    if ins.fmt == "SI":
        return op + bytes((draw(st.integers(0, 255)),)) + bd(draw(disp))
    return op + bytes((draw(st.integers(0, 255)),)) + bd(draw(disp)) + bd(draw(disp))


def run(program: bytes, data: bytes, regs: list[int], blocks: bool, passes: int = 3):
    """Run ``program`` ``passes`` times (BCT 10 loop), then a disabled wait; program
    checks end in a disabled wait too (program new PSW)."""
    m = Machine(64 * 1024)
    m.cpu.use_blocks = blocks
    mem = m.storage.mem
    mem[0x68:0x70] = bytes.fromhex("000200000000DEA0")
    loop = bytes.fromhex("46A0") + CODE.to_bytes(2, "big")          # BCT 10,X'1000'
    code = program + loop + bytes.fromhex("8200") + (CODE - 8).to_bytes(2, "big")
    mem[CODE - 8:CODE] = WAIT
    mem[CODE:CODE + len(code)] = code
    mem[DATA:DATA + len(data)] = data
    for r, v in enumerate(regs):
        m.cpu.gpr[r] = v
    m.cpu.gpr[10] = passes
    m.cpu.gpr[12] = DATA
    m.cpu.load_psw(CODE)
    result = m.run(5000)
    return (result.stop, result.instructions, m.cpu.psw, list(m.cpu.gpr), list(m.cpu.fpr),
            bytes(mem[0:0x100]), bytes(mem[DATA:DATA + 0x800]), bytes(m.storage.keys))


@settings(max_examples=150)
@given(st.lists(instruction(), min_size=1, max_size=30),
       st.binary(min_size=0x800, max_size=0x800),
       st.lists(st.integers(0, 0xFFFFFFFF), min_size=16, max_size=16))
def test_random_programs_same_both_ways(program, data, regs):
    prog = b"".join(program)
    assert run(prog, data, regs, True) == run(prog, data, regs, False)


def test_self_modifying_code_is_seen_within_a_block():
    # MVI *+5,X'F0' turns the following BC 0 (NOP) into BC 15 within one block;
    # then LA 3,1(3) is skipped. Old S/370 code flips switches this way.
    prog = bytes.fromhex(
        "41300001"      # LA 3,1(3)
        "92F0" "1009"   # MVI X'1009',X'F0' -> mask of the BC below (base 1 = X'1000')
        "4700" "1012"   # BC 0,X'1012'  (becomes BC 15)
        "41300001"      # LA 3,1(3)     skipped once patched
        "0000")         # X'1012': operation exception ends the run
    for blocks in (True, False):
        m = Machine(64 * 1024)
        m.cpu.use_blocks = blocks
        m.storage.mem[0x68:0x70] = bytes.fromhex("000200000000DEA0")
        m.storage.mem[CODE:CODE + len(prog)] = prog
        m.cpu.gpr[1] = CODE
        m.cpu.load_psw(CODE)
        m.run(100)
        assert m.cpu.gpr[3] == 1, blocks
        assert m.storage.mem[0x2A:0x2C] == b"\x00\x01"


def test_program_check_in_mid_block_counts_and_points_exactly():
    # LA; LA; DR 2,0 with R0 = 0 (fixed-point divide) in the middle of a block
    prog = bytes.fromhex("41100001" "41200002" "1D20" "41400004" "0000")
    out = {}
    for blocks in (True, False):
        m = Machine(64 * 1024)
        m.cpu.use_blocks = blocks
        m.storage.mem[0x68:0x70] = bytes.fromhex("000200000000DEA0")
        m.storage.mem[CODE:CODE + len(prog)] = prog
        m.cpu.load_psw(CODE)
        r = m.run(100)
        out[blocks] = (r.instructions, bytes(m.storage.mem[0x28:0x30]), list(m.cpu.gpr))
    assert out[True] == out[False]
    old = int.from_bytes(out[True][1], "big")
    assert (old >> 32) & 0xFFFF == 9 and old & 0xFFFFFF == CODE + 10 and (old >> 30) & 3 == 1


def test_branch_to_odd_address_is_a_specification_exception_at_fetch():
    # LA 2,1; BR 1 with R1 = X'1011': the branch completes, the fetch at the odd
    # address gives a specification exception with the BCR's ILC (1) and the odd
    # address advanced by it (GA22-7000 "Instruction-Length Code")
    for blocks in (True, False):
        m = Machine(64 * 1024)
        m.cpu.use_blocks = blocks
        m.storage.mem[0x68:0x70] = bytes.fromhex("000200000000DEA0")
        prog = bytes.fromhex("41200001" "07F1")
        m.storage.mem[CODE:CODE + len(prog)] = prog
        m.cpu.gpr[1] = 0x1011
        m.cpu.load_psw(CODE)
        m.run(100)
        old = int.from_bytes(m.storage.mem[0x28:0x30], "big")
        assert (old >> 32) & 0xFFFF == 6 and (old >> 30) & 3 == 1, blocks
        assert old & 0xFFFFFF == 0x1013, blocks


def test_program_check_in_the_first_instruction_of_a_looping_block():
    # DR 2,5; BR 1 loops in one block until the quotient overflows: the divide
    # exception must name the DR (old PSW X'1002'), whatever pass it happens in
    out = {}
    for blocks in (True, False):
        m = Machine(64 * 1024)
        m.cpu.use_blocks = blocks
        m.storage.mem[0x68:0x70] = bytes.fromhex("000200000000DEA0")
        m.storage.mem[CODE:CODE + 4] = bytes.fromhex("1D25" "07F1")
        for r, v in {1: CODE, 2: 0, 3: 1, 5: 3}.items():
            m.cpu.gpr[r] = v
        m.cpu.load_psw(CODE)
        r = m.run(120)
        out[blocks] = (r.instructions, bytes(m.storage.mem[0x28:0x30]))
    assert out[True] == out[False] == (7, bytes.fromhex("0000000940001002"))
