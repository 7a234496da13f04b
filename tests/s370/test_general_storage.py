"""Storage-operand general instructions (GA22-7000 ch. 7): MVC/MVN/MVZ/MVO, the SI
instructions, NC/OC/XC, CLC, TR/TRT, ICM/STCM/CLM, LM/STM, CS/CDS/TS.

Most tests run in each storage mode of ``MODES``: PSW key 0 (the instructions'
inline fast paths), PSW key 3 with every storage key 3 (the fully checked paths)
and mmap-backed storage (as CP's virtual machines have); results must be
identical. Hypothesis properties compare against byte-at-a-time reference models.
"""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.s370.general_support import MODES, END, RR, RS, S, SI, SS, SS2, run, w
from tests.s370.helpers import run_code

PGM_PROT, PGM_ADDR, PGM_SPEC = 4, 5, 6
KEYS = pytest.mark.parametrize("mode", MODES.values(), ids=MODES.keys())
data = st.binary(min_size=1, max_size=256)


# ---------------------------------------------------------------------- MVC
@KEYS
def test_mvc_moves(mode):
    o = run(SS("MVC", 0x900, 8, 0x800), **mode, mem={0x800: b"ABCDEFGHIJ"})
    assert o.mem(0x900, 9) == b"ABCDEFGH\x00" and o.ended


@KEYS
def test_mvc_propagates_one_byte_to_the_right(mode):
    # GA22-7000 appendix A: MVC 1(8,11),0(11) propagates the byte at X'358'
    o = run(SS("MVC", 1, 8, 0, b1=11, b2=11), **mode, regs={11: 0x958},
            mem={0x958: bytes.fromhex("00F1F2F3F4F5F6F7F8")})
    assert o.mem(0x958, 9) == bytes(9)


@KEYS
def test_mvc_overlap_by_three_repeats_pattern(mode):
    o = run(SS("MVC", 0x903, 9, 0x900), **mode, mem={0x900: b"abcdefghijkl"})
    assert o.mem(0x900, 12) == b"abcabcabcabc"


@KEYS
def test_mvc_destination_left_of_source_is_plain_move(mode):
    o = run(SS("MVC", 0x900, 6, 0x902), **mode, mem={0x900: b"abcdefgh"})
    assert o.mem(0x900, 8) == b"cdefghgh"


@KEYS
def test_mvc_256_bytes_across_2k_boundary(mode):
    src = bytes(range(256))
    o = run(SS("MVC", 0x7C0, 256, 0x400), **mode, mem={0x400: src})
    assert o.mem(0x7C0, 256) == src


def test_mvc_sets_reference_and_change_bits():
    o = run(SS("MVC", 0x7F0, 32, 0x7F0, b2=2), regs={2: 0x1800}, mem={0x1FF0: b"x" * 32})
    keys = o.machine.storage.keys
    assert o.mem(0x7F0, 32) == b"x" * 32
    assert keys[0] & 6 == 6 and keys[1] & 6 == 6       # X'7F0'-X'80F' stored
    assert keys[3] == 4 and keys[4] == 4               # X'1FF0'-X'200F' fetched only


def test_mvc_second_operand_addressing_recognised_before_any_store():
    # source runs past the end of 1M storage: nothing is stored, ILC 3
    o = run(SS("MVC", 0x900, 32, 0xFF0, b2=2), regs={2: 0xFF000}, mem={0x900: b"K" * 32})
    assert o.pgm == (PGM_ADDR, 3, 0x1006) and o.mem(0x900, 32) == b"K" * 32


def test_mvc_protection_on_second_block_of_first_operand_stores_nothing():
    def keys(m):
        m.storage.keys[1] = 0x50                       # X'800'-X'FFF' has key 5
    o = run(SS("MVC", 0x7F0, 32, 0x400), key=3, setup=keys, mem={0x400: b"Z" * 32})
    assert o.pgm == (PGM_PROT, 3, 0x1006) and o.mem(0x7F0, 16) == bytes(16)


def test_mvc_fetch_protected_source():
    def keys(m):
        m.storage.keys[0] = 0x58                       # key 5, fetch protected
    o = run(SS("MVC", 0x900, 4, 0x400), key=3, setup=keys)
    assert o.pgm == (PGM_PROT, 3, 0x1006)


@given(st.integers(0, 300), st.integers(0, 300), st.integers(1, 256), st.binary(min_size=600, max_size=600))
def test_mvc_matches_bytewise_model(d1, d2, n, blob):
    ref = bytearray(blob)
    for i in range(n):
        ref[d1 + i] = ref[d2 + i]
    o = run(SS("MVC", 0x800 + d1, n, 0x800 + d2), mem={0x800: blob})
    assert o.mem(0x800, 600) == bytes(ref)


# ------------------------------------------------------------- MVN MVZ MVO
@KEYS
def test_mvn_mvz(mode):
    o = run(SS("MVN", 0x900, 4, 0x800) + SS("MVZ", 0x910, 4, 0x800), **mode,
            mem={0x800: bytes.fromhex("F1F2F3F4"), 0x900: bytes.fromhex("C0C1C2C3"),
                 0x910: bytes.fromhex("C0C1C2C3")})
    assert o.mem(0x900, 4) == bytes.fromhex("C1C2C3C4")
    assert o.mem(0x910, 4) == bytes.fromhex("F0F1F2F3")


def test_mvn_overlapping_is_bytewise():
    o = run(SS("MVN", 0x901, 3, 0x900), mem={0x900: bytes.fromhex("A1B2C3D4")})
    assert o.mem(0x900, 4) == bytes.fromhex("A1B1C1D1")


@KEYS
def test_mvo_example(mode):
    # GA22-7000 appendix A: MVO of 77 88 99 0C (sign kept) <- 12 34 56
    o = run(SS2("MVO", 0x900, 4, 0x800, 3), **mode,
            mem={0x900: bytes.fromhex("7788990C"), 0x800: bytes.fromhex("123456")})
    assert o.mem(0x900, 4) == bytes.fromhex("0123456C")


def test_mvo_truncates_long_second_operand():
    o = run(SS2("MVO", 0x900, 2, 0x800, 4),
            mem={0x900: bytes.fromhex("FFFD"), 0x800: bytes.fromhex("12345678")})
    assert o.mem(0x900, 2) == bytes.fromhex("678D")


def test_mvo_same_field_right_to_left():
    o = run(SS2("MVO", 0x900, 3, 0x900, 3), mem={0x900: bytes.fromhex("12345C")})
    assert o.mem(0x900, 3) == bytes.fromhex("2345CC")


# -------------------------------------------------------------------- SI ops
@KEYS
def test_mvi_cli(mode):
    o = run(SI("MVI", 0x900, 0x5A) + SI("CLI", 0x900, 0x5B), **mode)
    assert o.mem(0x900, 1) == b"\x5A" and o.cc == 1
    assert run(SI("CLI", 0x900, 0x10), mem={0x900: b"\x80"}, **mode).cc == 2
    assert run(SI("CLI", 0x900, 0x80), mem={0x900: b"\x80"}, **mode).cc == 0


@pytest.mark.parametrize("byte,mask,cc", [(0xFB, 0xC3, 3), (0xB9, 0xC3, 1), (0x3C, 0xC3, 0),
                                          (0xFF, 0x00, 0)])
def test_tm_examples(byte, mask, cc):
    o = run(SI("TM", 0x900, mask), mem={0x900: bytes((byte,))})
    assert o.cc == cc and o.mem(0x900, 1) == bytes((byte,))


@KEYS
def test_ni_oi_xi(mode):
    o = run(SI("NI", 0x900, 0x0F) + SI("OI", 0x901, 0x80) + SI("XI", 0x902, 0xFF), **mode,
            mem={0x900: bytes.fromhex("F0017F")})
    assert o.mem(0x900, 3) == bytes.fromhex("008180") and o.cc == 1
    assert run(SI("NI", 0x900, 0x0F), mem={0x900: b"\xF0"}).cc == 0


def test_mvi_low_address_protection():
    def lap(m):
        m.cpu.cr[0] |= 0x10000000
        m.cpu.psw_changed()
    o = run(SI("MVI", 0x100, 1), setup=lap)
    assert o.pgm == (PGM_PROT, 2, 0x1004) and o.mem(0x100, 1) == b"\x00"


# ----------------------------------------------------------------- NC OC XC
@pytest.mark.parametrize("mn,fn", [("NC", int.__and__), ("OC", int.__or__), ("XC", int.__xor__)])
@given(a=data, b=data)
def test_nc_oc_xc_match_model(mn, fn, a, b):
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    for mode in MODES.values():
        o = run(SS(mn, 0x900, n, 0xB00), **mode, mem={0x900: a, 0xB00: b})
        res = bytes(fn(x, y) for x, y in zip(a, b))
        assert o.mem(0x900, n) == res and o.cc == (1 if any(res) else 0)
        assert o.mem(0xB00, n) == b


@KEYS
def test_xc_same_field_clears(mode):
    o = run(SS("XC", 0x900, 16, 0x900), **mode, mem={0x900: b"\xFF" * 17})
    assert o.mem(0x900, 17) == bytes(16) + b"\xFF" and o.cc == 0


@given(st.integers(1, 8), st.integers(1, 64), st.binary(min_size=80, max_size=80))
def test_oc_overlap_is_bytewise(shift, n, blob):
    ref = bytearray(blob)
    for i in range(n):
        ref[shift + i] |= ref[i]
    for mode in MODES.values():
        o = run(SS("OC", 0x900 + shift, n, 0x900), **mode, mem={0x900: blob})
        assert o.mem(0x900, 80) == bytes(ref)


# ----------------------------------------------------------------------- CLC
@pytest.mark.parametrize("a,b,cc", [(b"ABC", b"ABC", 0), (b"ABC", b"ABD", 1), (b"\xFFB", b"\x00C", 2)])
@KEYS
def test_clc(a, b, cc, mode):
    o = run(SS("CLC", 0x900, len(a), 0xA00), **mode, mem={0x900: a, 0xA00: b})
    assert o.cc == cc


@given(data, data)
def test_clc_matches_unsigned_lexicographic(a, b):
    n = min(len(a), len(b))
    o = run(SS("CLC", 0x900, n, 0xB00), mem={0x900: a[:n], 0xB00: b[:n]})
    x, y = a[:n], b[:n]
    assert o.cc == (0 if x == y else (1 if x < y else 2))


# ------------------------------------------------------------------ TR / TRT
@KEYS
def test_tr(mode):
    table = bytes((i + 1) & 0xFF for i in range(256))
    o = run(SS("TR", 0x900, 4, 0xA00), **mode, mem={0x900: b"\x00\x41\xFF\x10", 0xA00: table})
    assert o.mem(0x900, 4) == b"\x01\x42\x00\x11"


@given(st.binary(min_size=1, max_size=256), st.binary(min_size=256, max_size=256))
def test_tr_matches_model(arg, table):
    for mode in MODES.values():
        o = run(SS("TR", 0x900, len(arg), 0xB00), **mode, mem={0x900: arg, 0xB00: table})
        assert o.mem(0x900, len(arg)) == bytes(table[x] for x in arg)


def test_tr_table_overlapping_operand_is_bytewise():
    # the table starts inside the operand: later bytes see translated earlier ones
    mem = bytearray(range(256)) * 2
    o = run(SS("TR", 0x900, 4, 0x901), mem={0x900: bytes(mem[:300])})
    ref = bytearray(mem[:300])
    for i in range(4):
        ref[i] = ref[1 + ref[i]]
    assert o.mem(0x900, 4) == bytes(ref[:4])


@given(st.binary(min_size=1, max_size=256), st.binary(min_size=256, max_size=256))
def test_trt_matches_model(arg, table):
    k = next((i for i, x in enumerate(arg) if table[x]), None)
    for mode in MODES.values():
        o = run(SS("TRT", 0x900, len(arg), 0xB00), **mode, regs={1: 0x5A000000, 2: 0x12345678},
                mem={0x900: arg, 0xB00: table})
        if k is None:
            assert o.cc == 0 and (o.regs[1], o.regs[2]) == (0x5A000000, 0x12345678)
        else:
            assert o.cc == (2 if k == len(arg) - 1 else 1)
            assert o.regs[1] == 0x5A000000 | (0x900 + k)
            assert o.regs[2] == 0x12345600 | table[arg[k]]


def test_tr_references_only_table_blocks_it_uses():
    # the table at X'2780' spans X'2780'-X'287F': argument bytes below X'80' use
    # only the first 2K block, so the second block's reference bit stays off
    o = run(SS("TR", 0x900, 3, 0x780, b2=2), regs={2: 0x2000}, mem={0x900: b"\x01\x02\x7F"})
    keys = o.machine.storage.keys
    assert keys[0x2780 >> 11] & 4 and not keys[0x2800 >> 11] & 4
    o = run(SS("TR", 0x900, 1, 0x780, b2=2), regs={2: 0x2000}, mem={0x900: b"\x80"})
    keys = o.machine.storage.keys
    assert not keys[0x2780 >> 11] & 4 and keys[0x2800 >> 11] & 4


@pytest.mark.parametrize("text,cc,pos", [(b"ABC DEF", 1, 3), (b"ABCDEF ", 2, 6), (b"ABCDEFG", 0, None)])
@KEYS
def test_trt(text, cc, pos, mode):
    table = bytearray(256)
    table[0x20] = 0x44
    o = run(SS("TRT", 0x900, len(text), 0xA00), **mode,
            regs={1: 0xAA000000, 2: 0x12345678}, mem={0x900: text, 0xA00: bytes(table)})
    assert o.cc == cc
    if pos is None:
        assert o.regs[1] == 0xAA000000 and o.regs[2] == 0x12345678
    else:
        assert o.regs[1] == 0xAA000000 | (0x900 + pos) and o.regs[2] == 0x12345644


# ----------------------------------------------------------- ICM STCM CLM
@pytest.mark.parametrize("mask,field,before,after,cc", [
    (0b0111, "FEDCBA", 0x12345678, 0x12FEDCBA, 1),
    (0b1001, "0034", 0x12345678, 0x00345634, 2),
    (0b1111, "00000000", 0x12345678, 0, 0),
    (0b0000, "FF", 0x12345678, 0x12345678, 0)])
@KEYS
def test_icm(mask, field, before, after, cc, mode):
    o = run(RS("ICM", 5, mask, 0x900), **mode, regs={5: before},
            mem={0x900: bytes.fromhex(field)})
    assert o.regs[5] == after and o.cc == cc


@KEYS
def test_stcm_and_clm(mode):
    o = run(RS("STCM", 5, 0b1010, 0x900), **mode, regs={5: 0x11223344}, mem={0x900: b"\xEE" * 3})
    assert o.mem(0x900, 3) == b"\x11\x33\xEE"
    assert run(RS("CLM", 5, 0b0110, 0x900), regs={5: 0x11223344},
               mem={0x900: b"\x22\x33"}, **mode).cc == 0
    assert run(RS("CLM", 5, 0b0110, 0x900), regs={5: 0x11223344},
               mem={0x900: b"\x22\x34"}, **mode).cc == 1
    assert run(RS("CLM", 5, 0b1000, 0x900), regs={5: 0xFF000000},
               mem={0x900: b"\x22"}, **mode).cc == 2
    assert run(RS("CLM", 5, 0, 0x900), regs={5: 0xFF000000}, **mode).cc == 0


# ------------------------------------------------------------------ LM STM
@KEYS
def test_stm_lm_with_wraparound(mode):
    # STM 14,1 stores R14, R15, R0, R1 (GA22-7000 appendix A); LM reloads
    regs = {14: 0x00002563, 15: 0x00012736, 0: 0x12430062, 1: 0x73261257}
    o = run(RS("STM", 14, 1, 0x950) + RS("LM", 2, 5, 0x950), **mode, regs=regs)
    assert o.mem(0x950, 16) == bytes.fromhex("00002563000127361243006273261257")
    assert o.regs[2:6] == [0x2563, 0x12736, 0x12430062, 0x73261257]


def test_lm_all_sixteen_registers_including_base():
    words = b"".join(w(0x100 + r) for r in range(16))
    o = run(RS("LM", 0, 15, 0x900), mem={0x900: words})
    assert o.regs == [0x100 + r for r in range(16)]


def test_stm_protection_stores_nothing():
    def keys(m):
        m.storage.keys[1] = 0x50
    o = run(RS("STM", 0, 15, 0x7F8), key=3, setup=keys, regs={r: r + 1 for r in range(12)})
    assert o.pgm == (PGM_PROT, 2, 0x1004) and o.mem(0x7F8, 8) == bytes(8)


# ------------------------------------------------------------ CS CDS TS
def test_cs_equal_swaps_unequal_loads():
    o = run(RS("CS", 2, 3, 0x900), regs={2: 5, 3: 9}, mem={0x900: w(5)})
    assert o.cc == 0 and o.mem(0x900, 4) == w(9) and o.regs[2] == 5
    o = run(RS("CS", 2, 3, 0x900), regs={2: 5, 3: 9}, mem={0x900: w(7)})
    assert o.cc == 1 and o.mem(0x900, 4) == w(7) and o.regs[2] == 7


def test_cs_unaligned_is_specification():
    o = run(RS("CS", 2, 3, 0x902), regs={2: 0, 3: 9})
    assert o.pgm == (PGM_SPEC, 2, 0x1004) and o.mem(0x900, 8) == bytes(8)


def test_cds_equal_swaps_unequal_loads():
    o = run(RS("CDS", 2, 4, 0x900), regs={2: 1, 3: 2, 4: 7, 5: 8}, mem={0x900: w(1) + w(2)})
    assert o.cc == 0 and o.mem(0x900, 8) == w(7) + w(8)
    o = run(RS("CDS", 2, 4, 0x900), regs={2: 1, 3: 2, 4: 7, 5: 8}, mem={0x900: w(1) + w(3)})
    assert o.cc == 1 and (o.regs[2], o.regs[3]) == (1, 3) and o.mem(0x900, 8) == w(1) + w(3)


@pytest.mark.parametrize("r1,r3,addr", [(3, 4, 0x900), (2, 5, 0x900), (2, 4, 0x904)])
def test_cds_odd_register_or_unaligned_is_specification(r1, r3, addr):
    o = run(RS("CDS", r1, r3, addr))
    assert o.pgm == (PGM_SPEC, 2, 0x1004)


def test_cs_protected_operand_even_when_unequal():
    def keys(m):
        m.storage.keys[0] = 0x50
    o = run(RS("CS", 2, 3, 0x100), key=3, setup=keys, regs={2: 1})
    assert o.pgm == (PGM_PROT, 2, 0x1004) and o.regs[2] == 1


@KEYS
def test_ts(mode):
    o = run(S("TS", 0x900) + S("TS", 0x901), **mode, mem={0x900: b"\x00\x80"})
    assert o.mem(0x900, 2) == b"\xFF\xFF" and o.cc == 1
    assert run(S("TS", 0x900), **mode).cc == 0


# ------------------------------------------------- 24-bit address wraparound
WRAP = {"size": 1 << 24}


def test_mvc_wraps_from_16m_to_zero():
    # GA22-7000: operands wrap from 16,777,215 to 0
    o = run(SS("MVC", 0xFFE, 4, 0x900, b1=2), regs={2: 0xFFF000}, mem={0x900: b"WXYZ"},
            **WRAP)
    assert o.mem(0xFFFFFE, 2) == b"WX" and o.mem(0, 2) == b"YZ"


def test_clc_and_xc_wrap():
    def place(m):
        m.storage.mem[0xFFFFFF] = 0x41
        m.storage.mem[0:3] = b"BCD"
    o = run(SS("CLC", 0xFFF, 4, 0x900, b1=2), regs={2: 0xFFF000}, mem={0x900: b"ABCD"},
            setup=place, **WRAP)
    assert o.cc == 0
    o = run(SS("XC", 0xFFF, 4, 0xFFF, b1=2, b2=2), regs={2: 0xFFF000}, setup=place, **WRAP)
    assert o.cc == 0 and o.mem(0xFFFFFF, 1) == b"\x00" and o.mem(0, 3) == bytes(3)


def test_stm_lm_wrap():
    o = run(RS("STM", 4, 5, 0xFFC, b2=2) + RS("LM", 6, 7, 0xFFC, b2=2),
            regs={2: 0xFFF000, 4: 0x11111111, 5: 0x22222222}, **WRAP)
    assert o.mem(0xFFFFFC, 4) == w(0x11111111) and o.mem(0, 4) == w(0x22222222)
    assert (o.regs[6], o.regs[7]) == (0x11111111, 0x22222222)


def test_mvc_overlap_propagation_across_wrap():
    # first operand one byte right of the second, the field wrapping at 16M
    def place(m):
        m.storage.mem[0xFFFFFE] = 0x5C
    o = run(SS("MVC", 0xFFF, 4, 0xFFE, b1=2, b2=2), regs={2: 0xFFF000}, setup=place, **WRAP)
    assert o.mem(0xFFFFFE, 2) == b"\x5C\x5C" and o.mem(0, 3) == b"\x5C" * 3


# ------------------------------------------ operands crossing pages under DAT
DAT_PSW = (0x04 << 56) | (1 << 51) | 0x1000            # EC mode, DAT on, IA X'1000'


def _dat_tables(m):
    """4K pages, 64K segments: virtual pages 0-7 map to themselves, virtual X'8000'
    to real X'A000' and X'9000' to real X'C000' (discontiguous); the rest of
    segment 0 is invalid."""
    mem = m.storage.mem
    sto, pto = 0x6000, 0x6100
    mem[sto:sto + 4] = ((15 << 28) | pto).to_bytes(4, "big")
    frames = {v: v for v in range(8)} | {8: 0xA, 9: 0xC}
    for page in range(16):
        entry = (frames[page] << 4) if page in frames else 0x0008
        mem[pto + 2 * page:pto + 2 * page + 2] = entry.to_bytes(2, "big")
    m.cpu.cr[0] = (m.cpu.cr[0] & ~0x00F80000) | 0x00800000
    m.cpu.cr[1] = sto
    m.cpu.tlb.clear()


def run_dat(code: bytes, regs: dict, mem: dict | None = None):
    def setup(m):
        for r, v in regs.items():
            m.cpu.gpr[r] = v
        for addr, data in (mem or {}).items():
            m.storage.mem[addr:addr + len(data)] = data
        _dat_tables(m)
    return run_code(code + END, psw=DAT_PSW, setup=setup)


def test_dat_mvc_clc_stm_lm_across_discontiguous_pages():
    code = (SS("MVC", 0xFFC, 8, 0x400, b1=8) + RS("STM", 0, 3, 0xFF8, b2=8)
            + RS("LM", 4, 7, 0xFF8, b2=8) + SS("CLC", 0xFFC, 8, 0x400, b1=8)
            + RR("BALR", 10, 0))
    m = run_dat(code, {0: 0x11111111, 1: 0x22222222, 2: 0x33333333, 3: 0x44444444,
                       8: 0x8000}, {0x400: b"ABCDEFGH"})
    mem = m.storage.mem
    assert m.cpu.ia == 0xBEEF00
    # STM overwrote the MVC result's first half: X'8FF8'-X'9007' holds R0-R3
    assert bytes(mem[0xAFF8:0xB000]) == bytes.fromhex("1111111122222222")
    assert bytes(mem[0xC000:0xC008]) == bytes.fromhex("3333333344444444")
    assert m.cpu.gpr[4:8] == [0x11111111, 0x22222222, 0x33333333, 0x44444444]
    assert (m.cpu.gpr[10] >> 28) & 3 == 1                # BALR link: CC 1 from CLC (X'22' < C'A')


def test_dat_mvc_result_lands_in_both_frames():
    m = run_dat(SS("MVC", 0xFFC, 8, 0x400, b1=8), {8: 0x8000}, {0x400: b"ABCDEFGH"})
    mem = m.storage.mem
    assert bytes(mem[0xAFFC:0xB000]) == b"ABCD" and bytes(mem[0xC000:0xC004]) == b"EFGH"


def test_dat_mvcl_page_fault_leaves_registers_at_point_reached():
    # MVCL into virtual X'8800'-X'A7FF': X'A000' is invalid -> page-translation
    # exception (nullifying: old PSW at the MVCL) with R2/R3 at the point reached
    m = run_dat(RR("MVCL", 2, 4), {2: 0x8800, 3: 0x2000, 4: 0, 5: 0xE5000000})
    mem = m.storage.mem
    assert bytes(mem[0xA800:0xB000]) == b"\xE5" * 0x800
    assert bytes(mem[0xC000:0xD000]) == b"\xE5" * 0x1000
    assert m.cpu.gpr[2:4] == [0xA000, 0x800]
    old = int.from_bytes(mem[0x28:0x30], "big")
    assert old & 0xFFFFFF == 0x1000 and int.from_bytes(mem[0x8E:0x90], "big") == 0x11
