"""Translated code in every mode against the interpreter (issue 20).

Random programs run with DAT on (random page mapping, 4K pages, 64K segments)
and off, random PSW and storage keys (fetch protection included), low-address
protection on or off, and operands that may hit their own code, low storage and
the program new PSW. Translated blocks (``use_blocks``) and the checked
interpreter must end with identical registers, PSW, storage, storage keys with
reference and change bits, and instruction counts. Plus the two holes found
while measuring: a store wrapping past 16M into the running block, and a CPU's
own handler for a two-byte opcode group."""
from __future__ import annotations

import random

from hypothesis import given, strategies as st

from s370.isa import HANDLERS
from s370.machine import Machine
from tests.s370.test_blocks import CANDIDATES

SIZE = 64 * 1024
CODE, DATA = 0x1000, 0x4000                 # virtual (logical) addresses
STO, PTO = 0xF000, 0xF100                   # real, identity-mapped
CR0_4K_64K = 0x00800000                     # CR0 bits 8-12: 4K pages, 64K segments
CR0_LAP = 0x10000000                        # CR0 bit 3: low-address protection
EC_WAIT = bytes.fromhex("000A00000000DEA0")  # program new PSW: EC disabled wait


@st.composite
def operand_base(draw) -> int:
    """Base register of a storage operand: mostly the data area (R12), sometimes
    the program's own code (R11) or low storage (R0: address = displacement)."""
    return draw(st.sampled_from((12, 12, 12, 12, 11, 0)))


@st.composite
def instruction(draw) -> bytes:
    ins = draw(st.sampled_from(CANDIDATES))
    op = ins.opcode.to_bytes(2 if ins.extended else 1, "big")
    reg = st.integers(0, 15)
    disp = st.integers(0, 0x5FF)

    def bd():
        return ((draw(operand_base()) << 12) | draw(disp)).to_bytes(2, "big")
    if ins.fmt == "RR":
        r1, r2 = draw(reg), draw(reg)
        if ins.mnemonic in ("MR", "DR", "MXR", "MXDR", "AXR", "SXR"):
            r1 &= 0xE
        return op + bytes(((r1 << 4) | r2,))
    if ins.fmt in ("RX", "RS"):
        return op + bytes(((draw(reg) << 4) | (draw(reg) if ins.fmt == "RS" else 0),)) + bd()
    if ins.fmt == "SI":
        return op + bytes((draw(st.integers(0, 255)),)) + bd()
    return op + bytes((draw(st.integers(0, 255)),)) + bd() + bd()


def layout(storage, program: bytes, data: bytes, dat: bool, lap: bool, keys: list[int],
           seed: int, cr: list[int]) -> None:
    """Fill a 64K storage for ``run``: the program new PSW a disabled wait,
    storage keys from ``keys`` (pages 1-14), with DAT tables mapping virtual pages
    1-14 to a random permutation of real pages 1-14 (page 0 and the table page 15
    identity-mapped), the program at virtual CODE followed by BCT 10 back to it
    and an LPSW of a disabled wait kept in the code page, the data at DATA; CR0
    and CR1 into ``cr``."""
    pages = {0: 0, 15: 15}
    real = list(range(1, 15))
    if dat:
        random.Random(seed).shuffle(real)
    pages.update(zip(range(1, 15), real))
    mem = storage.mem

    def at(va):
        return (pages[va >> 12] << 12) | (va & 0xFFF)
    mem[0x68:0x70] = EC_WAIT
    for v, r in pages.items():
        storage.keys[2 * r] = storage.keys[2 * r + 1] = keys[v] if 0 < v < 15 else 0
    cr[0] |= CR0_4K_64K | (CR0_LAP if lap else 0)
    cr[1] = STO                             # STL 0: segment 0 only
    mem[STO:STO + 4] = ((15 << 28) | PTO).to_bytes(4, "big")
    for v in range(16):
        mem[PTO + 2 * v:PTO + 2 * v + 2] = ((pages[v] << 12) >> 8).to_bytes(2, "big")
    code = program + bytes.fromhex("46A0B000" "8200B7F8")   # BCT 10,0(11); LPSW X'7F8'(11)
    mem[at(CODE):at(CODE) + len(code)] = code
    mem[at(0x17F8):at(0x17F8) + 8] = bytes.fromhex("000A000000000F00")
    mem[at(DATA):at(DATA) + len(data)] = data


def start(cpu, regs: list[int], dat: bool, key: int) -> None:
    """Registers (R10 the pass count, R11 CODE, R12 DATA) and the EC-mode PSW."""
    for r, v in enumerate(regs):
        cpu.gpr[r] = v
    cpu.gpr[10], cpu.gpr[11], cpu.gpr[12] = 3, CODE, DATA
    sysmask = 0x04 if dat else 0x00
    cpu.load_psw((sysmask << 56) | (((key << 4) | 0x08) << 48) | CODE)


def state(cpu, storage) -> tuple:
    """What must not differ between the engines."""
    return (cpu.count, cpu.psw, list(cpu.gpr), list(cpu.fpr), bytes(storage.mem),
            bytes(storage.keys))


def run(program: bytes, data: bytes, regs: list[int], *, dat: bool, key: int, lap: bool,
        keys: list[int], seed: int, blocks: bool):
    """Run ``program`` three times on the bare machine (see ``layout``); a program
    check ends in the EC wait at X'68'."""
    m = Machine(SIZE)
    m.cpu.use_blocks = blocks
    layout(m.storage, program, data, dat, lap, keys, seed, m.cpu.cr)
    start(m.cpu, regs, dat, key)
    result = m.run(3000)
    return (result.stop,) + state(m.cpu, m.storage)


KEYS = st.lists(st.sampled_from((0x00, 0x80, 0x88, 0x30, 0x38)), min_size=16, max_size=16)


@given(st.lists(instruction(), min_size=1, max_size=24),
       st.binary(min_size=0x600, max_size=0x600),
       st.lists(st.integers(0, 0xFFFFFFFF), min_size=16, max_size=16),
       st.booleans(), st.sampled_from((0, 8, 3)), st.booleans(), KEYS, st.integers(0, 1000))
def test_translated_code_equals_the_interpreter_in_every_mode(program, data, regs, dat, key,
                                                              lap, keys, seed):
    kw = dict(dat=dat, key=key, lap=lap, keys=keys, seed=seed)
    prog = b"".join(program)
    assert run(prog, data, regs, blocks=True, **kw) == run(prog, data, regs, blocks=False, **kw)


def test_dat_on_key_8_program_runs_translated():
    # L/A/ST loop under DAT with PSW key 8 and a key-8 data page: the blocks run
    # (the cache fills) and the result is the interpreter's
    prog = bytes.fromhex("5830C000" "5A30C004" "5030C008")   # L 3,0(12); A 3,4(12); ST 3,8(12)
    keys = [0x80] * 16
    data = (5).to_bytes(4, "big") + (7).to_bytes(4, "big") + bytes(0x5F8)
    out = {}
    for blocks in (True, False):
        kw = dict(dat=True, key=8, lap=True, keys=keys, seed=7, blocks=blocks)
        out[blocks] = run(prog, data, [0] * 16, **kw)
    assert out[True] == out[False]
    stop, count, psw, gpr = out[True][:4]
    assert stop == "wait" and psw & 0xFFFFFF == 0xF00 and gpr[3] == 12
    assert count == 3 * 4 + 1                # three passes of L, A, ST, BCT; LPSW


def test_store_wrapping_past_16m_into_the_running_block():
    # GA22-7000 "Storage Addressing": operand addresses wrap from X'FFFFFF' to 0.
    # MVC 0(256,1),0(2) with R1 = X'FFFFF0' stores 16 bytes at the top of a 16M
    # storage and 240 bytes at 0-X'EF', which holds the next instruction: the
    # LA 3,1 at X'C6' becomes LA 3,7, and that is what runs.
    for blocks in (True, False):
        m = Machine(16 << 20)
        m.cpu.use_blocks = blocks
        mem = m.storage.mem
        mem[0x68:0x70] = bytes.fromhex("000200000000DEA0")
        mem[0xC0:0xCC] = bytes.fromhex("D2FF10002000" "41300001" "0000")
        src = bytearray(16) + mem[0:0xF0]
        src[16 + 0xC6:16 + 0xCA] = bytes.fromhex("41300007")
        mem[0x2000:0x2100] = src
        m.cpu.gpr[1], m.cpu.gpr[2] = 0xFFFFF0, 0x2000
        m.cpu.load_psw(0xC0)
        m.run(100)
        assert m.cpu.gpr[3] == 7, blocks
        assert mem[0xFFFFF0:0x1000000] == bytes(16)


def test_a_cpu_handler_for_a_two_byte_opcode_group_is_called_by_blocks():
    # a CPU that replaces the B2 group's handler (as a VMM may) gets its own
    # handler called for B205 (STCK) in a translated block too
    for blocks in (True, False):
        m = Machine(64 * 1024)
        m.cpu.use_blocks = blocks
        seen = []

        def group_b2(cpu, mem, p):
            seen.append(bytes(mem[p:p + 4]))
            cpu.gpr[5] = 0x55
        m.cpu.handlers = list(HANDLERS)
        m.cpu.handlers[0xB2] = group_b2
        mem = m.storage.mem
        mem[0x68:0x70] = bytes.fromhex("000200000000DEA0")
        mem[0x1000:0x100A] = bytes.fromhex("41300001" "B2051800" "0000")
        m.cpu.load_psw(0x1000)
        m.run(100)
        assert seen == [bytes.fromhex("B2051800")], blocks
        assert m.cpu.gpr[5] == 0x55 and m.cpu.gpr[3] == 1, blocks
