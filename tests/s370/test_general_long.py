"""MOVE LONG and COMPARE LOGICAL LONG (GA22-7000 ch. 7): even-odd register pairs,
24-bit addresses and lengths, the padding byte, CC from the lengths, destructive
overlap (CC 3, no movement) and the register updates that make them resumable."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.s370.general_support import MODES, RR, run

PGM_PROT, PGM_SPEC = 4, 6
KEYS = pytest.mark.parametrize("mode", MODES.values(), ids=MODES.keys())


def mvcl(regs, mem=None, **kw):
    return run(RR("MVCL", 2, 4), regs=regs, mem=mem, **kw)


def clcl(regs, mem=None, **kw):
    return run(RR("CLCL", 2, 4), regs=regs, mem=mem, **kw)


# ---------------------------------------------------------------------- MVCL
@KEYS
def test_mvcl_equal_lengths(mode):
    o = mvcl({2: 0x900, 3: 8, 4: 0x800, 5: 8}, {0x800: b"ABCDEFGH"}, **mode)
    assert o.mem(0x900, 9) == b"ABCDEFGH\x00" and o.cc == 0
    assert o.regs[2:6] == [0x908, 0, 0x808, 0]


@KEYS
def test_mvcl_pads_longer_first_operand(mode):
    o = mvcl({2: 0x900, 3: 10, 4: 0x800, 5: 0x40000004}, {0x800: b"ABCDEFGH"}, **mode)
    assert o.mem(0x900, 11) == b"ABCD" + b"\x40" * 6 + b"\x00" and o.cc == 2
    assert o.regs[2:6] == [0x90A, 0, 0x804, 0x40000000]


def test_mvcl_shorter_first_operand():
    o = mvcl({2: 0x900, 3: 2, 4: 0x800, 5: 5}, {0x800: b"ABCDEFGH"})
    assert o.mem(0x900, 3) == b"AB\x00" and o.cc == 1
    assert o.regs[2:6] == [0x902, 0, 0x802, 3]


def test_mvcl_clears_high_bytes_of_addresses_keeps_those_of_lengths():
    o = mvcl({2: 0xFF000900, 3: 0xAB000002, 4: 0x77000800, 5: 0xCD000002}, {0x800: b"XY"})
    assert o.regs[2:6] == [0x902, 0xAB000000, 0x802, 0xCD000000]
    assert o.mem(0x900, 2) == b"XY"


def test_mvcl_zero_first_length_moves_nothing():
    o = mvcl({2: 0x11000900, 3: 0, 4: 0x22000800, 5: 4}, {0x800: b"ABCD"})
    assert o.cc == 1 and o.mem(0x900, 4) == bytes(4)
    assert o.regs[2:6] == [0x900, 0, 0x800, 4]


@pytest.mark.parametrize("a1,a2,n1,n2", [
    (0x902, 0x900, 8, 8),     # first operand starts inside the second
    (0x907, 0x900, 8, 10),    # at the last participating byte
    (0x904, 0x900, 16, 5)])   # inside the participating bytes (min length 5)
def test_mvcl_destructive_overlap_cc3_no_movement(a1, a2, n1, n2):
    blob = bytes(range(1, 33))
    o = mvcl({2: 0x55000000 | a1, 3: n1, 4: a2, 5: n2}, {0x900: blob})
    assert o.cc == 3 and o.mem(0x900, 32) == blob
    assert o.regs[2:6] == [a1, n1, a2, n2]


@pytest.mark.parametrize("a1,a2,n1,n2", [
    (0x900, 0x900, 8, 8),     # same address
    (0x905, 0x900, 8, 5),     # just right of the participating bytes
    (0x900, 0x904, 8, 8),     # first operand to the left
    (0x901, 0x900, 8, 1)])    # a one-byte second operand cannot overlap destructively
def test_mvcl_non_destructive_overlap_moves(a1, a2, n1, n2):
    blob = bytes(range(1, 33))
    o = mvcl({2: a1, 3: n1, 4: a2, 5: n2}, {0x900: blob})
    ref = bytearray(blob)
    src = blob[a2 - 0x900:a2 - 0x900 + min(n1, n2)]
    ref[a1 - 0x900:a1 - 0x900 + n1] = src + bytes(n1 - len(src))
    assert o.cc == (0 if n1 == n2 else (1 if n1 < n2 else 2))
    assert o.mem(0x900, 32) == bytes(ref)


@pytest.mark.parametrize("r1,r2", [(3, 4), (2, 5)])
def test_mvcl_odd_register_is_specification(r1, r2):
    o = run(RR("MVCL", r1, r2), regs={2: 0x900, 3: 1, 4: 0x800, 5: 1})
    assert o.pgm == (PGM_SPEC, 1, 0x1002) and o.regs[2:6] == [0x900, 1, 0x800, 1]


@KEYS
def test_mvcl_clears_several_blocks_with_padding(mode):
    o = mvcl({2: 0x2100, 3: 5000, 4: 0, 5: 0xEE000000}, {0x2000: b"\x11" * 6000}, **mode)
    assert o.mem(0x2000, 6000) == b"\x11" * 0x100 + b"\xEE" * 5000 + b"\x11" * (6000 - 0x100 - 5000)
    assert o.regs[2:4] == [0x2100 + 5000, 0] and o.cc == 2


def test_mvcl_protection_leaves_registers_at_the_point_reached():
    # the first 2K block is moved, the next one is protected (key 5 vs PSW key 3)
    def keys(m):
        m.storage.keys[0x2800 >> 11] = 0x50
    o = mvcl({2: 0x2000, 3: 0x1000, 4: 0x4000, 5: 0x1000}, {0x4000: b"\x99" * 0x1000},
             key=3, setup=keys)
    assert o.pgm == (PGM_PROT, 1, 0x1002)
    assert o.regs[2:6] == [0x2800, 0x800, 0x4800, 0x800]
    assert o.mem(0x2000, 0x800) == b"\x99" * 0x800 and o.mem(0x2800, 0x800) == bytes(0x800)


@given(st.integers(0, 64), st.integers(0, 64), st.integers(0, 48), st.integers(0, 48),
       st.integers(0, 255))
def test_mvcl_matches_model(d1, d2, n1, n2, pad):
    blob = bytes((i * 7 + 3) & 0xFF for i in range(128))
    a1, a2 = 0x900 + d1, 0x900 + d2
    o = mvcl({2: a1, 3: n1, 4: a2, 5: (pad << 24) | n2}, {0x900: blob})
    ref = bytearray(blob)
    if 0 < a1 - a2 < min(n1, n2):
        assert o.cc == 3 and o.mem(0x900, 128) == blob
        return
    for i in range(n1):            # byte-at-a-time reference
        ref[d1 + i] = ref[d2 + i] if i < n2 else pad
    assert o.mem(0x900, 128) == bytes(ref)
    assert o.cc == (0 if n1 == n2 else (1 if n1 < n2 else 2))
    moved = min(n1, n2)
    assert o.regs[2:6] == [a1 + n1, 0, a2 + moved, (pad << 24) | (n2 - moved)]


# ---------------------------------------------------------------------- CLCL
@KEYS
def test_clcl_equal(mode):
    o = clcl({2: 0x900, 3: 5, 4: 0xA00, 5: 5}, {0x900: b"HELLO", 0xA00: b"HELLO"}, **mode)
    assert o.cc == 0 and o.regs[2:6] == [0x905, 0, 0xA05, 0]


@KEYS
def test_clcl_equal_with_padding(mode):
    o = clcl({2: 0x900, 3: 4, 4: 0xA00, 5: 0x40000002}, {0x900: b"AB\x40\x40", 0xA00: b"AB"}, **mode)
    assert o.cc == 0 and o.regs[2:6] == [0x904, 0, 0xA02, 0x40000000]


def test_clcl_unequal_registers_point_at_difference():
    o = clcl({2: 0x900, 3: 6, 4: 0xA00, 5: 6}, {0x900: b"ABCXEF", 0xA00: b"ABCDEF"})
    assert o.cc == 2 and o.regs[2:6] == [0x903, 3, 0xA03, 3]


def test_clcl_difference_against_padding():
    # first operand longer: its third byte X'00' is compared with the pad X'40'
    o = clcl({2: 0x900, 3: 3, 4: 0xA00, 5: 0x40000002}, {0x900: b"AB\x00", 0xA00: b"AB"})
    assert o.cc == 1 and o.regs[2:6] == [0x902, 1, 0xA02, 0x40000000]


def test_clcl_zero_lengths_equal():
    o = clcl({2: 0xFF000900, 3: 0, 4: 0xFF000A00, 5: 0})
    assert o.cc == 0 and o.regs[2:6] == [0x900, 0, 0xA00, 0]


def test_clcl_odd_register_is_specification():
    o = run(RR("CLCL", 3, 4), regs={3: 1})
    assert o.pgm == (PGM_SPEC, 1, 0x1002)


def test_clcl_across_2k_boundary():
    a = bytes(3000)
    b = bytes(2500) + b"\x01" + bytes(499)
    o = clcl({2: 0x2000, 3: 3000, 4: 0x3000, 5: 3000}, {0x2000: a, 0x3000: b})
    assert o.cc == 1 and o.regs[2:6] == [0x2000 + 2500, 500, 0x3000 + 2500, 500]


@given(st.binary(max_size=40), st.binary(max_size=40), st.integers(0, 255))
def test_clcl_matches_model(a, b, pad):
    o = clcl({2: 0x900, 3: len(a), 4: 0xA00, 5: (pad << 24) | len(b)}, {0x900: a, 0xA00: b})
    n = max(len(a), len(b))
    x = a + bytes((pad,)) * (n - len(a))
    y = b + bytes((pad,)) * (n - len(b))
    k = next((i for i in range(n) if x[i] != y[i]), n)
    assert o.cc == (0 if k == n else (1 if x[k] < y[k] else 2))
    assert o.regs[2:6] == [0x900 + min(k, len(a)), len(a) - min(k, len(a)),
                           0xA00 + min(k, len(b)), (pad << 24) | (len(b) - min(k, len(b)))]


def test_mvcl_overlap_check_with_second_operand_wrapping():
    # second operand X'FFFFF0' for 32 bytes wraps to X'0F': a first operand at X'05' is
    # inside it (destructive), one at X'10' is just right of it (moved)
    o = mvcl({2: 0x05, 3: 0x20, 4: 0xFFFFF0, 5: 0x20}, size=1 << 24)
    assert o.cc == 3
    def place(m):
        m.storage.mem[0xFFFFF0:0x1000000] = bytes(range(1, 17))
        m.storage.mem[0:16] = bytes(range(17, 33))
    o = mvcl({2: 0x2000, 3: 0x20, 4: 0xFFFFF0, 5: 0x20}, setup=place, size=1 << 24)
    assert o.cc == 0 and o.mem(0x2000, 32) == bytes(range(1, 33))
    assert o.regs[4:6] == [0x10, 0]


def test_clcl_wraps():
    def place(m):
        m.storage.mem[0xFFFFFE:0x1000000] = b"AB"
        m.storage.mem[0:2] = b"CD"
    o = clcl({2: 0xFFFFFE, 3: 4, 4: 0x900, 5: 4}, {0x900: b"ABCE"}, setup=place, size=1 << 24)
    assert o.cc == 1 and o.regs[2:6] == [0x1, 1, 0x903, 1]
