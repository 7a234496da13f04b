"""Page translation (80386 PRM 1986 section 5.2 "Page Translation", 6.4 "Page-Level
Protection", 9.8.14 "Interrupt 14 -- Page Fault"; SDM Vol. 3 4.3 for CR4.PSE and
4.6 for CR0.WP)."""
from __future__ import annotations

import struct

import pytest
from hypothesis import given, strategies as st

from ia32 import paging
from ia32.errors import PF, CPUFault


class Phys:
    """Physical memory with dword access, for calling the walk directly."""

    def __init__(self, size=0x40000):
        self.mem = bytearray(size)

    def read32(self, pa):
        return struct.unpack_from("<I", self.mem, pa)[0]

    def write32(self, pa, value):
        struct.pack_into("<I", self.mem, pa, value)


def walk(phys, linear, write=False, user=False, wp=False, pse=False, cr3=0x1000):
    return paging.walk(phys.read32, phys.write32, cr3, linear, write, user, wp, pse)


def fault_of(phys, linear, **kw):
    with pytest.raises(CPUFault) as info:
        walk(phys, linear, **kw)
    assert info.value.vector == PF
    return info.value.error_code


@pytest.fixture
def phys():
    """Directory at 1000; table at 2000 for linear 00400000-007FFFFF; page 00401000
    -> frame 5000 (user, writable)."""
    p = Phys()
    p.write32(0x1000 + 4 * 1, 0x2000 | 0x7)
    p.write32(0x2000 + 4 * 1, 0x5000 | 0x7)
    return p


def test_prm_5_2_translation_and_offset(phys):
    assert walk(phys, 0x00401ABC) & paging.FRAME == 0x5000


def test_prm_5_2_4_4_accessed_set_in_both_levels_dirty_on_write_only(phys):
    walk(phys, 0x00401000)
    assert phys.read32(0x1004) == 0x2000 | 0x27
    assert phys.read32(0x2004) == 0x5000 | 0x27          # A, not D
    walk(phys, 0x00401000, write=True)
    assert phys.read32(0x2004) == 0x5000 | 0x67          # A and D
    assert phys.read32(0x1004) == 0x2000 | 0x27          # directory D untouched


def test_prm_9_8_14_not_present_directory_error_code_0(phys):
    assert fault_of(phys, 0x00C00000) == 0
    assert fault_of(phys, 0x00C00000, write=True, user=True) == 0b110


def test_prm_9_8_14_not_present_table_entry(phys):
    assert fault_of(phys, 0x00402000, write=True) == 0b010
    assert phys.read32(0x1004) == 0x2000 | 0x7           # a fault sets no A bit


def test_prm_6_4_1_3_user_needs_us_in_both_levels(phys):
    phys.write32(0x1004, 0x2000 | 0x3)                   # directory: supervisor
    assert fault_of(phys, 0x00401000, user=True) == 0b101
    assert walk(phys, 0x00401000) & paging.FRAME == 0x5000


def test_prm_6_4_1_3_user_write_needs_rw_in_both_levels(phys):
    phys.write32(0x2004, 0x5000 | 0x5)                   # page read-only
    assert fault_of(phys, 0x00401000, user=True, write=True) == 0b111
    assert phys.read32(0x2004) == 0x5000 | 0x5           # no A, no D
    walk(phys, 0x00401000, user=True)                    # a read is fine


def test_prm_6_4_supervisor_writes_read_only_without_wp(phys):
    phys.write32(0x2004, 0x5000 | 0x1)
    walk(phys, 0x00401000, write=True)
    assert phys.read32(0x2004) == 0x5000 | 0x61


def test_sdm_4_6_cr0_wp_makes_read_only_binding_for_supervisor(phys):
    phys.write32(0x2004, 0x5000 | 0x5)
    assert fault_of(phys, 0x00401000, write=True, wp=True) == 0b011


def test_sdm_4_3_pse_4m_page_sets_a_and_d_in_directory():
    p = Phys()
    p.write32(0x1000 + 4 * 3, 0x01000000 | paging.PS | 0x7)  # 00C00000 -> 01000000
    entry = walk(p, 0x00D23456, write=True, pse=True)
    assert entry & paging.FRAME == 0x01123000
    assert p.read32(0x100C) == 0x01000000 | 0xE7


def test_sdm_4_3_ps_bit_ignored_without_pse():
    p = Phys()
    p.write32(0x1000 + 4 * 3, 0x3000 | paging.PS | 0x7)
    p.write32(0x3000 + 4 * 0x123, 0x7000 | 0x7)
    assert walk(p, 0x00D23456) & paging.FRAME == 0x7000


def test_tlb_fill_rules_dirty_and_permissions():
    # a clean writable user page: reads pass, the first write walks to set D
    clean = 0x5000 | paging.RW | paging.US
    assert paging.tlb_allows(clean, False, True, False)
    assert not paging.tlb_allows(clean, True, False, False)
    dirty = clean | paging.D
    assert paging.tlb_allows(dirty, True, True, False)
    ro = 0x5000 | paging.US | paging.D
    assert not paging.tlb_allows(ro, True, True, False)
    assert paging.tlb_allows(ro, True, False, False)      # 386: supervisor writes
    assert not paging.tlb_allows(ro, True, False, True)   # WP
    sup = 0x5000 | paging.RW | paging.D
    assert not paging.tlb_allows(sup, False, True, False)


# -- the property: random tables against a reference walk written here ------------

# Effective protection, PRM Table 6-5 "Combining Directory and Page Protection":
# (U/S, R/W) of the directory and of the table entry -> the combined (U/S, R/W),
# i.e. the more restrictive access of the two, spelled out as the manual's table.
COMBINED = {}
for _du in (0, 1):
    for _dw in (0, 1):
        for _tu in (0, 1):
            for _tw in (0, 1):
                if _du and _tu:                       # both user
                    COMBINED[_du, _dw, _tu, _tw] = ("user", "rw" if _dw and _tw else "r")
                else:
                    COMBINED[_du, _dw, _tu, _tw] = ("supervisor", "rw" if _dw and _tw else "r")


def reference(mem, cr3, lin, write, user, wp, pse):
    """(physical address, [(entry address, new value)]) or ('fault', code)."""
    def rd(a):
        return int.from_bytes(mem[a:a + 4], "little")
    err = (2 if write else 0) | (4 if user else 0)
    dir_index, table_index, offset = lin >> 22, (lin >> 12) & 1023, lin & 4095
    pde_at = (cr3 // 4096) * 4096 + 4 * dir_index
    pde = rd(pde_at)
    if pde % 2 == 0:
        return "fault", err
    big = pse and (pde >> 7) & 1
    if big:
        level, rights = "user" if (pde >> 2) & 1 else "supervisor", "rw" if (pde >> 1) & 1 else "r"
    else:
        pte_at = (pde // 4096) * 4096 + 4 * table_index
        pte = rd(pte_at)
        if pte % 2 == 0:
            return "fault", err
        level, rights = COMBINED[(pde >> 2) & 1, (pde >> 1) & 1, (pte >> 2) & 1, (pte >> 1) & 1]
    denied = ((user and level == "supervisor") or (user and write and rights == "r")
              or (not user and write and wp and rights == "r"))
    if denied:
        return "fault", err | 1
    if big:
        pa = (pde >> 22 << 22) + (lin & 0x3FFFFF)
        return pa, [(pde_at, pde | 0x20 | (0x40 if write else 0))]
    pa = (pte >> 12 << 12) + offset
    return pa, [(pde_at, pde | 0x20), (pte_at, pte | 0x20 | (0x40 if write else 0))]


FLAGS = st.integers(0, 0xFFF)
# frames for tables and pages inside the 256K test memory
TABLE_FRAMES = st.sampled_from([0x2000, 0x3000, 0x4000])
PAGE_FRAMES = st.integers(0, 63).map(lambda n: n << 12)


@given(dir_entries=st.lists(st.tuples(st.integers(0, 1023), TABLE_FRAMES, FLAGS),
                            max_size=6),
       table_entries=st.lists(st.tuples(TABLE_FRAMES, st.integers(0, 1023), PAGE_FRAMES,
                                        FLAGS), max_size=12),
       probes=st.lists(st.tuples(st.integers(0, 0xFFFFFFFF), st.booleans(),
                                 st.booleans()), min_size=1, max_size=6),
       wp=st.booleans(), pse=st.booleans(), use_probe_dir=st.booleans())
def test_property_walk_matches_reference(dir_entries, table_entries, probes, wp, pse,
                                         use_probe_dir):
    phys = Phys()
    cr3 = 0x1000
    for index, frame, flags in dir_entries:
        phys.write32(cr3 + 4 * index, frame | flags)
    for frame, index, page, flags in table_entries:
        phys.write32(frame + 4 * index, page | flags)
    if use_probe_dir and dir_entries:
        # aim the probes at populated directory entries and tables
        probes = [((dir_entries[i % len(dir_entries)][0] << 22)
                   | ((table_entries[i % len(table_entries)][1] << 12) if table_entries else 0)
                   | (lin & 0xFFF), w, u) for i, (lin, w, u) in enumerate(probes)]
    for lin, write, user in probes:
        expected = reference(bytes(phys.mem), cr3, lin, write, user, wp, pse)
        before = bytes(phys.mem)
        if expected[0] == "fault":
            with pytest.raises(CPUFault) as info:
                walk(phys, lin, write=write, user=user, wp=wp, pse=pse, cr3=cr3)
            assert info.value.error_code == expected[1]
            assert bytes(phys.mem) == before
            continue
        pa, updates = expected
        entry = walk(phys, lin, write=write, user=user, wp=wp, pse=pse, cr3=cr3)
        assert (entry & paging.FRAME) | (lin & 0xFFF) == pa
        after = bytearray(before)
        for at, value in updates:
            after[at:at + 4] = value.to_bytes(4, "little")
        assert phys.mem == after
        # the result's D bit says whether the mapping entry is now dirty
        assert bool(entry & paging.D) == bool(updates[-1][1] & 0x40)
