"""Dynamic address translation (GA22-7000 chapter 3): 2K/4K pages, 64K/1M
segments, translation exceptions (nullification, X'90'), the TLB and its purges,
LRA and IPTE; the table walk against a reference model over random tables."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from s370 import dat
from s370.errors import ProgramInterrupt
from tests.s370.control_support import (END, bc, ec, ec_pgm, ended, new_machine, pgm_old, put,
                                        start, trapped, word)

#: CR0 translation formats (bits 8-12) with the external submasks of a reset.
CR0 = {(12, 16): 0x008000E0, (11, 16): 0x004000E0, (12, 20): 0x009000E0, (11, 20): 0x005000E0}
STO = 0x10000
PT_BASE = 0x12000


def pte(frame: int, page_shift: int, invalid: bool = False) -> int:
    """A page-table entry for the real frame address ``frame``."""
    if page_shift == 12:
        return (frame >> 8) & 0xFFF0 | (0x8 if invalid else 0)
    return (frame >> 8) & 0xFFF8 | (0x4 if invalid else 0)


def build(m, geometry, pages: dict, stl: int = 15, ptl: int = 15):
    """Segment and page tables mapping virtual page address -> real frame (None:
    invalid page). Segments without mapped pages are invalid."""
    page_shift, seg_shift = geometry
    cpu = m.cpu
    cpu.cr[0] = CR0[geometry]
    cpu.cr[1] = (stl << 24) | STO
    nseg = 1 << (24 - seg_shift)
    per_seg = 1 << (seg_shift - page_shift)
    for s in range(nseg):
        put(m, STO + 4 * s, 1, 4)                            # invalid segment
    segs = sorted({va >> seg_shift for va in pages})
    for i, s in enumerate(segs):
        pto = PT_BASE + i * per_seg * 2
        put(m, STO + 4 * s, (ptl << 28) | pto, 4)
        for p in range(per_seg):
            va = (s << seg_shift) | (p << page_shift)
            frame = pages.get(va, "absent")
            entry = pte(0, page_shift, True) if frame in ("absent", None) else pte(frame, page_shift)
            put(m, pto + 2 * p, entry, 2)
    cpu.tlb.clear()


def run_dat(m, code: str, at: int, geometry=(12, 16), pages=None, limit=1000, **kw):
    """Run ``code`` placed at real ``at`` from virtual address ``at`` (identity
    mapped unless ``pages`` says otherwise) in EC mode with DAT on."""
    page = 1 << geometry[0]
    mapping = {va: va for va in range(0, 0x20000, page)}       # low storage identity
    mapping.update(pages or {})
    build(m, geometry, mapping, **kw)
    return start(m, code, psw=ec(at, sysmask=0x04), at=at, limit=limit)


# --------------------------------------------------------------- translation
@pytest.mark.parametrize("geometry", list(CR0))
def test_load_and_store_through_translation(geometry):
    m = new_machine()
    put(m, 0x30000 + 0x10, "CAFEBABE")
    # L 1,X'010'(2) with R2 = virtual X'50000' -> real X'30000'; ST 1,X'014'(2)
    m.cpu.gpr[2] = 0x50000
    run_dat(m, "58102010" "50102014" + END, 0x1000, geometry, {0x50000: 0x30000})
    assert ended(m)
    assert m.cpu.gpr[1] == 0xCAFEBABE
    assert m.storage.read(0x30014, 4) == bytes.fromhex("CAFEBABE")
    assert m.storage.read(0x50014, 4) == bytes(4)


@pytest.mark.parametrize("geometry", list(CR0))
def test_page_translation_exception_nullifies(geometry):
    m = new_machine()
    m.cpu.gpr[2] = 0x50000
    run_dat(m, "58102010" + END, 0x1000, geometry, {0x50000: None})
    assert trapped(m)
    assert pgm_old(m) == ec(0x1000, sysmask=0x04)           # points at the L
    assert ec_pgm(m) == (0x11, 2)
    assert word(m, 0x90) == 0x50010


@pytest.mark.parametrize("geometry", list(CR0))
def test_segment_translation_exception(geometry):
    m = new_machine()
    m.cpu.gpr[2] = 0x500000                                  # no page mapped there
    run_dat(m, "58102010" + END, 0x1000, geometry)
    assert ec_pgm(m) == (0x10, 2)
    assert pgm_old(m) & 0xFFFFFF == 0x1000
    assert word(m, 0x90) == 0x500010


def test_segment_table_length_violation_64k():
    m = new_machine()
    m.cpu.gpr[2] = 0x200000                                  # segment X'20' > 16*(STL+1)
    run_dat(m, "58102000" + END, 0x1000, (12, 16), {0x200000: 0x30000}, stl=1)
    assert ec_pgm(m) == (0x10, 2)


def test_page_table_length_violation():
    # 1M segments, 4K pages: page index X'30' has leftmost four bits 3 > PTL 2
    m = new_machine()
    build(m, (12, 20), {0x1000: 0x1000, 0x130000: 0x30000}, ptl=2)
    # the second page table (256 entries of 2 bytes), entry X'30'
    assert dat.walk(m.cpu, 0x130000) == (dat.PAGE_LENGTH, PT_BASE + 2 * 256 + 2 * 0x30)


@pytest.mark.parametrize("cr0", [0x00C000E0, 0x000000E0, 0x008800E0, 0x00A000E0, 0x009800E0])
def test_invalid_cr0_translation_specification(cr0):
    m = new_machine()
    build(m, (12, 16), {va: va for va in range(0, 0x20000, 0x1000)})
    m.cpu.cr[0] = cr0
    start(m, END, psw=ec(0x1000, sysmask=0x04))
    assert ec_pgm(m) == (0x12, 1)


def test_segment_entry_reserved_bits_translation_specification():
    m = new_machine()
    build(m, (12, 16), {va: va for va in range(0, 0x20000, 0x1000)})
    put(m, STO, word(m, STO) | 0x01000000, 4)
    with pytest.raises(ProgramInterrupt) as e:
        dat.translate(m.cpu, 0x1000)
    assert e.value.code == 0x12


def test_2k_page_entry_bit_14_translation_specification():
    m = new_machine()
    build(m, (11, 16), {0x800: 0x8000})
    put(m, PT_BASE + 2, pte(0x8000, 11) | 0x2, 2)
    with pytest.raises(ProgramInterrupt) as e:
        dat.translate(m.cpu, 0x800)
    assert e.value.code == 0x12


def test_4k_extended_address_bits_give_addressing():
    m = new_machine()
    build(m, (12, 16), {0x1000: 0x8000})
    put(m, PT_BASE + 2, pte(0x8000, 12) | 0x2, 2)           # real X'1008000'
    assert dat.walk(m.cpu, 0x1004) == (dat.OK, 0x1008004)
    with pytest.raises(ProgramInterrupt) as e:
        m.cpu.load_psw(ec(0, sysmask=0x04))
        m.cpu.fw(0x1004)
    assert e.value.code == 5


def test_table_outside_storage_addressing_exception():
    m = new_machine(size=64 * 1024)
    m.cpu.cr[0] = CR0[12, 16]
    m.cpu.cr[1] = 0x0F000000 | 0x20000                       # beyond 64K
    with pytest.raises(ProgramInterrupt) as e:
        dat.translate(m.cpu, 0x1000)
    assert e.value.code == 5


# --------------------------------------------------------- instruction fetch
def test_instruction_fetch_page_fault():
    m = new_machine()
    m.cpu.gpr[2] = 0x60000
    run_dat(m, "07F2", 0x1000, (12, 16), {0x60000: None})       # BR 2
    assert ec_pgm(m)[0] == 0x11
    assert pgm_old(m) == ec(0x60000, sysmask=0x04)
    assert word(m, 0x90) == 0x60000


def test_instruction_crossing_into_invalid_page_is_nullified():
    # an L at virtual X'60FFE' whose second halfword is in the invalid next page
    m = new_machine()
    put(m, 0x30FFE, "5810")
    m.cpu.gpr[2] = 0x60FFE
    run_dat(m, "07F2", 0x1000, (12, 16), {0x60000: 0x30000, 0x61000: None})
    assert ec_pgm(m) == (0x11, 2)
    assert pgm_old(m) & 0xFFFFFF == 0x60FFE
    assert word(m, 0x90) == 0x61000


def test_program_runs_from_translated_pages():
    # code at virtual X'70000' lives in real X'38000'
    m = new_machine()
    put(m, 0x38000, "41100007" "1A11" + END)                 # LA 1,7; AR 1,1
    m.cpu.gpr[2] = 0x70000
    run_dat(m, "07F2", 0x1000, (11, 20), {0x70000: 0x38000})
    assert ended(m) and m.cpu.gpr[1] == 14


# --------------------------------------------------------------------- TLB
def test_tlb_keeps_stale_entry_until_ptlb():
    m = new_machine()
    put(m, 0x30000, "11111111")
    put(m, 0x31000, "22222222")
    m.cpu.gpr[2] = 0x50000
    build(m, (12, 16), {**{va: va for va in range(0, 0x20000, 0x1000)}, 0x50000: 0x30000})
    pte_addr = PT_BASE + 2 * 16 * 2                           # third page table, entry 0
    # L 1,0(2); MVC 0(2,6),X'400' retargets the PTE (real = virtual here);
    # L 4,0(2) still uses the TLB; PTLB; L 5,0(2) sees the new frame
    put(m, 0x400, pte(0x31000, 12), 2)
    m.cpu.gpr[6] = pte_addr
    code = "58102000" "D20160000400" "58402000" "B20D0000" "58502000" + END
    start(m, code, psw=ec(0x1000, sysmask=0x04), at=0x1000)
    assert ended(m)
    assert (m.cpu.gpr[1], m.cpu.gpr[4], m.cpu.gpr[5]) == (0x11111111, 0x11111111, 0x22222222)


def test_ipte_invalidates_entry_and_tlb():
    m = new_machine()
    mapping = {**{va: va for va in range(0, 0x20000, 0x1000)}, 0x50000: 0x30000}
    build(m, (12, 16), mapping)
    m.cpu.gpr[2] = 0x50000
    m.cpu.gpr[3] = PT_BASE + 2 * 16 * 2                       # page table of segment 5
    # L 1,0(2); IPTE 3,2; L 1,4(2) -> page translation exception
    start(m, "58102000" "B2210032" "58102004" + END, psw=ec(0x1000, sysmask=0x04))
    assert ec_pgm(m) == (0x11, 2)
    assert pgm_old(m) & 0xFFFFFF == 0x1008
    assert word(m, PT_BASE + 64, 2) & 0x8


def test_lctl_cr1_purges_tlb():
    m = new_machine()
    build(m, (12, 16), {va: va for va in range(0, 0x20000, 0x1000)})
    dat.translate(m.cpu, 0x1000)
    assert m.cpu.tlb
    put(m, 0x400, m.cpu.cr[1], 4)
    start(m, "B7110400" + END, psw=ec(0x1000))
    assert m.cpu.tlb == {}


# --------------------------------------------------------------------- LRA
def lra(m, va, dat_on=False):
    m.cpu.gpr[2] = va
    m.cpu.gpr[1] = 0xFFFFFFFF
    psw = ec(0x1000, sysmask=0x04) if dat_on else bc(0x1000)
    start(m, "B1102000" "0570" + END, psw=psw)
    assert ended(m)
    return (m.cpu.gpr[7] >> 28) & 3, m.cpu.gpr[1]


def test_lra_condition_codes_with_dat_off():
    m = new_machine()
    build(m, (12, 16), {**{va: va for va in range(0, 0x20000, 0x1000)},
                        0x50000: 0x30000, 0x51000: None}, stl=3)
    assert lra(m, 0x50123) == (0, 0x30123)
    assert lra(m, 0x51123) == (2, PT_BASE + 2 * 16 * 2 + 2)
    assert lra(m, 0x60000) == (1, STO + 4 * 6)
    assert lra(m, 0x400000) == (3, STO + 4 * 0x40)


def test_lra_with_dat_on_and_no_tlb_use():
    m = new_machine()
    build(m, (11, 20), {**{va: va for va in range(0, 0x20000, 0x800)}, 0x50000: 0x30000})
    m.cpu.tlb[0x50000 >> 11] = 0x99800                          # a stale TLB entry
    assert lra(m, 0x50004, dat_on=True) == (0, 0x30004)


# ------------------------------------------------------------------ property
def reference_walk(mem: bytes, cr0: int, cr1: int, va: int):
    """GA22-7000 chapter 3 read literally on bit strings (bit 0 leftmost)."""
    bits = lambda v, n: format(v, f"0{n}b")                       # noqa: E731
    c0, c1, v = bits(cr0, 32), bits(cr1, 32), bits(va, 24)
    page = {"01": 11, "10": 12}[c0[8:10]]
    seg = {"000": 16, "010": 20}[c0[10:13]]
    sx_bits = 24 - seg                                             # 8 or 4 index bits
    sx = int(v[0:sx_bits], 2)
    ste_a = int(c1[8:26] + "000000", 2) + 4 * sx
    if seg == 16 and int(v[0:4], 2) > int(c1[0:8], 2):
        return ("seg-length", ste_a)
    ste = bits(int.from_bytes(mem[ste_a:ste_a + 4], "big"), 32)
    if ste[31] == "1":
        return ("seg-invalid", ste_a)
    px_bits = seg - page
    px = int(v[sx_bits:sx_bits + px_bits], 2)
    pte_a = int(ste[8:29] + "000", 2) + 2 * px
    if int(v[sx_bits:sx_bits + 4], 2) > int(ste[0:4], 2):
        return ("page-length", pte_a)
    e = bits(int.from_bytes(mem[pte_a:pte_a + 2], "big"), 16)
    if page == 12:
        if e[12] == "1":
            return ("page-invalid", pte_a)
        return ("ok", int(e[13:15] + e[0:12] + v[12:], 2))
    if e[13] == "1":
        return ("page-invalid", pte_a)
    return ("ok", int(e[0:13] + v[13:], 2))


NAMES = {dat.OK: "ok", dat.SEGMENT_INVALID: "seg-invalid", dat.PAGE_INVALID: "page-invalid",
         dat.SEGMENT_LENGTH: "seg-length", dat.PAGE_LENGTH: "page-length"}


@given(geometry=st.sampled_from(list(CR0)), stl=st.integers(0, 15), data=st.data())
def test_walk_matches_reference(geometry, stl, data):
    page_shift, seg_shift = geometry
    m = new_machine(size=256 * 1024)
    cpu = m.cpu
    cpu.cr[0], cpu.cr[1] = CR0[geometry], (stl << 24) | STO
    nseg = 1 << (24 - seg_shift)
    per_seg = 1 << (seg_shift - page_shift)
    params = data.draw(st.binary(min_size=nseg, max_size=nseg))
    for s, b in enumerate(params):         # leftmost 4 bits: PTL; 1 in 8 invalid
        invalid = (b & 7) == 0
        put(m, STO + 4 * s, ((b >> 4) << 28) | (PT_BASE + 2 * per_seg * (s % 8)) | invalid, 4)
    tables = bytearray(data.draw(st.binary(min_size=16 * per_seg, max_size=16 * per_seg)))
    for i in range(1, len(tables), 2):     # no translation-specification bits
        tables[i] &= 0xF9 if page_shift == 12 else 0xFD
    put(m, PT_BASE, bytes(tables))
    mem = bytes(m.storage.mem)
    for va in data.draw(st.lists(st.integers(0, 0xFFFFFF), min_size=1, max_size=20)):
        outcome, value = dat.walk(cpu, va)
        assert (NAMES[outcome], value) == reference_walk(mem, cpu.cr[0], cpu.cr[1], va)
        if outcome == dat.OK:           # the CPU's hook agrees, walking and from the TLB
            assert cpu.translate(va) == value and cpu.translate(va) == value
        else:
            with pytest.raises(ProgramInterrupt) as e:
                cpu.translate(va)
            assert e.value.code == (0x10 if outcome in (dat.SEGMENT_INVALID,
                                                        dat.SEGMENT_LENGTH) else 0x11)
            assert e.value.nullify and word(m, 0x90) == va


# --------------------------------------------------------------- end to end
def test_end_to_end_page_fault_handler_through_cli(tmp_path, capsys):
    """A core image run by ``s370vm run``: it makes a fetch-protected key-3 block,
    turns DAT on in a key-3 EC PSW, touches an unmapped page, and its program-
    interruption handler maps the page from the translation-exception address and
    returns to the nullified instruction, which then completes."""
    import json

    from s370vm.main import main
    img = bytearray(0x40000)

    def at(addr, data):
        data = bytes.fromhex(data) if isinstance(data, str) else data
        img[addr:addr + len(data)] = data

    at(0x000, bc(0x1000).to_bytes(8, "big"))                       # IPL PSW
    at(0x068, ec(0x1800).to_bytes(8, "big"))                       # program new PSW
    at(0x400, "00800000" "00010000")                               # CR0 4K/64K, CR1
    at(0x408, ec(0x1100, sysmask=0x04, key=3).to_bytes(8, "big"))  # DAT on, key 3
    at(0x410, bc(0xFFF, wait=True).to_bytes(8, "big"))
    at(0x420, "00050000" "00000000" "0300" "0000" "00011020" "00000000" "00030000")
    at(0x10000, b"".join((1).to_bytes(4, "big") for _ in range(16)))   # invalid segments
    at(0x10000, "F0011000")                                        # segment 0 -> PT X'11000'
    at(0x10014, "F0011020")                                        # segment 5 -> PT X'11020'
    at(0x11000, b"".join((p << 4).to_bytes(2, "big") for p in range(16)))   # identity
    at(0x11020, bytes.fromhex("0008") * 16)                        # all pages invalid
    at(0x30000, "12345678")
    at(0x1000, "58900434" "41800038" "0889" "B7010400" "82000408")
    at(0x1100, "58200420"          # L 2,X'420'      R2 = X'50000'
               "58302000"          # L 3,0(2)        page fault, then the data
               "50302004"          # ST 3,4(2)
               "B1402000"          # LRA 4,0(2)
               "58900434"          # L 9,X'434'
               "0989"              # ISK 8,9
               "82000410")         # LPSW X'410'     the end
    at(0x1800, "41550001"          # LA 5,1(5)       count the faults
               "58600090"          # L 6,X'90'       translation-exception address
               "5870042C"          # L 7,X'42C'      the PTE's address
               "D20170000428"      # MVC 0(2,7),X'428' map the page at real X'30000'
               "82000028")         # LPSW X'28'      retry the nullified instruction
    path = tmp_path / "pagefault.bin"
    path.write_bytes(bytes(img))
    assert main(["run", str(path), "--json", "--dump", "28.8", "--dump", "8C.4",
                 "--dump", "30000.8"]) == 0
    out = json.loads(capsys.readouterr().out)
    gpr = [int(v, 16) for v in out["gpr"]]
    assert out["stop"] == "wait" and out["psw"] == "0002000000000FFF"
    assert gpr[3] == 0x12345678 and gpr[5] == 1 and gpr[6] == 0x50000
    assert gpr[4] == 0x30000 and gpr[8] & 0xFF == 0x3E
    assert out["storage"]["28"] == f"{ec(0x1104, sysmask=0x04, key=3):016X}"
    assert out["storage"]["8C"] == "00040011"
    assert out["storage"]["30000"] == "1234567812345678"
