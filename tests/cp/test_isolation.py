"""ISOLATION: whatever a guest puts in its channel programs, DAT tables,
DIAGNOSE parameters or minidisk addresses, it never reads or writes another
VM's storage, CP's structures or a device it was not given; it gets the program
check, channel check or unit check the architecture (and VM/370) gives.
Hypothesis drives the hostile parameters; two VMs run side by side."""
from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from assists.micblok import SLOT
from cp import System, SystemConfig
from s370.devices.base import UNIT_CHECK
from s370.errors import MachineError

from tests.assists.support import DAT_DATA, image as assemble_test_image
from tests.campaign.guests import programs as campaign_programs
from tests.campaign.hostile import hostile_programs
from tests.campaign.runner import (ASSIST_SETS, assemble_source, image as campaign_image,
                                   make_vm, outcome_of)
from tests.cp.support import bare, guest_state, vmpk01
from tests.cp.test_equivalence import programs
from tests.cp.vmguest import ccw, channel_program, logon, run_code

SIZE = 64 * 1024


def _victim(system: System):
    """VM B with a recognisable storage pattern; returns (vm, digest)."""
    b = logon(system, "B", SIZE)
    b.write_storage(0, bytes(range(256)) * (SIZE // 256))
    return b, _digest(b)


def _digest(vm) -> str:
    return hashlib.sha256(bytes(vm.storage.mem[:vm.storage.size]) + bytes(vm.storage.keys)).hexdigest()


words = st.integers(0, 0xFFFFFFFF)


@settings(max_examples=60)
@given(st.lists(st.binary(min_size=8, max_size=8), min_size=1, max_size=3), words,
       st.sampled_from([0x009, 0x00C, 0x00D, 0x00E, 0x191, 0x555]))
def test_hostile_channel_programs(ccws, caw, dev):
    """Random CCWs (any command, data address, flags, count) and CAW: the other
    VM's storage and keys are untouched and nothing escapes as a Python error;
    addresses beyond the guest's storage end in channel program checks."""
    s = System()
    b, before = _victim(s)
    b.add_unit_record("PUNCH", 0x191)
    a = logon(s, "A", SIZE)
    a.console_type("typed line")
    prog = b"".join(ccws)
    run_code(a, f"9C00 0{dev:03X} 9D00 0{dev:03X} 9D01 0{dev:03X}",
             data={0x800: prog, 0x48: caw.to_bytes(4, "big")})
    assert _digest(b) == before
    assert not s.spool.punched.get(("B", 0x191))


def test_ccw_beyond_guest_storage_is_a_channel_program_check():
    s = System()
    b, before = _victim(s)
    a = logon(s, "A", SIZE)
    cc, csw = channel_program(a, 0x009, [ccw(0x01, SIZE - 2, 0x20, 16)])
    assert csw[5] & 0x20                          # channel status: program check
    cc, csw = channel_program(a, 0x00C, [ccw(0x02, SIZE + 0x1000, 0x20, 80)])
    assert _digest(b) == before


def test_device_not_given_is_not_operational():
    """B has a punch at 191; A has nothing there: SIO 191 gives CC 3."""
    s = System()
    b, _ = _victim(s)
    b.add_unit_record("PUNCH", 0x191)
    a = logon(s, "A", SIZE)
    cc, _ = channel_program(a, 0x191, [ccw(0x01, 0x1000, 0, 80)])
    assert cc == 3


@settings(max_examples=60)
@given(cr0=st.sampled_from([0x00800000, 0x00900000, 0x00400000, 0x00500000, 0x00C00000,
                            0x00880000]),
       cr1=words, stes=st.lists(words, min_size=4, max_size=4),
       ptes=st.lists(st.integers(0, 0xFFFF), min_size=8, max_size=8),
       targets=st.lists(st.integers(0, 0xFFFFFF), min_size=3, max_size=3))
def test_hostile_dat_tables(cr0, cr1, stes, ptes, targets):
    """Random segment/page tables and control registers: the guest gets exactly
    the bare machine's outcome (translation, addressing, specification
    exceptions or data), and the other VM is untouched."""
    image = bytearray(0x3000)
    image[0x68:0x70] = bytes.fromhex("000200000000DEAD")
    # segment table at 2000 (CR1 is random: it may point anywhere)
    for i, v in enumerate(stes):
        image[0x2000 + 4 * i:0x2004 + 4 * i] = v.to_bytes(4, "big")
    for i, v in enumerate(ptes):
        image[0x2100 + 2 * i:0x2102 + 2 * i] = v.to_bytes(2, "big")
    image[0x200:0x208] = cr0.to_bytes(4, "big") + cr1.to_bytes(4, "big")
    for i, t in enumerate(targets):
        image[0x210 + 4 * i:0x214 + 4 * i] = t.to_bytes(4, "big")
    image[0x220:0x228] = bytes.fromhex("0408000000000500")     # EC, DAT on, IA 500
    # 400: LCTL 0,1,200; LM 2,4,210; LPSW 220
    image[0x400:0x40C] = bytes.fromhex("B7010200 98240210 82000220")
    # 500 (virtual, through the guest's tables): L 5,0(2); ST 5,0(3); MVC 0(8,4),0(2)
    image[0x500:0x50E] = bytes.fromhex("58502000 50503000 D20740002000")
    m, r1, _ = bare(bytes(image), psw=0x400, limit=50, size=SIZE)
    s = System()
    b, before = _victim(s)
    a = logon(s, "A", SIZE)
    a.ipl(image=bytes(image), psw=0x400)
    r2 = a.run(50)
    assert _digest(b) == before
    assert (r1.stop, r1.instructions) == (r2.stop, r2.instructions)
    assert m.cpu.psw == a.cpu.psw and m.cpu.gpr == a.cpu.gpr
    assert bytes(m.storage.mem[:SIZE]) == bytes(a.storage.mem[:SIZE])


@settings(max_examples=60)
@given(code=st.sampled_from([0x00, 0x08, 0x0C, 0x10, 0x18, 0x20, 0x24, 0x58, 0x04, 0x14,
                             0x3C, 0x64, 0x100, 0xFFC]),
       regs=st.lists(words, min_size=16, max_size=16))
def test_hostile_diagnose_parameters(code, regs):
    """Any DIAGNOSE code with any register contents: a result, a condition code
    or a program check for the guest -- never a Python error, never a change to
    the other VM."""
    s = System()
    b, before = _victim(s)
    a = logon(s, "A", SIZE)
    for r in (1, 3, 15):
        regs[r] &= 0x3FF                           # sometimes-valid lengths
    run_code(a, f"8324 {code:04X}", regs=dict(enumerate(regs)))
    assert _digest(b) == before


@pytest.fixture
def volume(tmp_path):
    with vmpk01(tmp_path / "vol.3330", 8) as vol:
        yield vol


def _tracks(vol, cyls) -> str:
    h = hashlib.sha256()
    for c in cyls:
        for hd in range(vol.heads):
            t = vol.image.read_track(c, hd)
            h.update(repr([(bytes(r.count), r.key, r.data) for r in t.records]).encode())
    return h.hexdigest()


def test_hostile_minidisk_addresses(volume):
    """A's minidisk is cylinders 2-3. Seeks to every cylinder and head number
    (including beyond the minidisk and the volume) and writes with count fields
    naming other cylinders: only A's cylinders can change; every seek outside
    them gets unit check."""
    s = System()
    a = logon(s, "A", SIZE)
    a.add_minidisk(0x191, volume, 2, 2)
    others = [0, 1, 4, 5, 6, 7]
    before = _tracks(volume, others)
    for cyl in (0, 1, 2, 3, 4, 100, 0xFFFF):
        for head in (0, 1, 18, 19, 0xFFFF):
            seek = bytes((0, 0, cyl >> 8, cyl & 0xFF, head >> 8, head & 0xFF))
            count = bytes((cyl >> 8, cyl & 0xFF, 0, 1, 1, 0, 0, 4))
            cc, csw = channel_program(a, 0x191, [
                ccw(0x07, 0x1000, 0x40, 6), ccw(0x39, 0x1010, 0x40, 4), ccw(0x08, 0x808, 0, 0),
                ccw(0x15, 0x1020, 0x40, 8), ccw(0x1D, 0x1030, 0x00, 12)],
                data={0x1000: seek, 0x1010: seek[2:6], 0x1020: bytes((0, 0, 0, 1, 0, 0, 0, 8)),
                      0x1030: count + b"EVIL"})
            if cyl >= 2 or head >= 19:
                assert csw[4] & UNIT_CHECK
    assert _tracks(volume, others) == before


def _image(code: bytes) -> bytes:
    image = bytearray(0x2000)
    image[0x68:0x70] = bytes.fromhex("000200000000DEAD")
    image[0x60:0x68] = bytes.fromhex("000200000000BEEF")
    image[0x1000:0x1000 + len(code)] = code
    image[0x1000 + len(code):0x1000 + len(code) + 2] = b"\x07\xf1"   # BR 1: loop via R1
    return bytes(image)


@settings(max_examples=40)
@given(programs(), programs(), st.lists(words, min_size=16, max_size=16), st.integers(1, 9))
def test_two_vms_time_sliced_each_equal_to_its_bare_run(code_a, code_b, regs, slice_):
    """Two random guests dispatched alternately in tiny time slices: each ends
    exactly as it does alone on the bare machine (CP keeps every piece of state
    per VM; nothing leaks between them at a dispatch)."""
    regs = [r & 0x1FFFF for r in regs]
    regs[1] = 0x1000
    images = [_image(code_a), _image(code_b)]
    bares = [bare(img, psw=0x1000, limit=120, size=SIZE, regs=dict(enumerate(regs)))[0]
             for img in images]
    s = System(SystemConfig(slice=slice_))
    vms = []
    for name, img in zip("AB", images):
        vm = logon(s, name, SIZE, reader=None, punch=None, printer=None)
        for r, v in enumerate(regs):
            vm.set_gpr(r, v)
        vm.ipl(image=img, psw=0x1000)
        vms.append(vm)
    for _ in range(400):
        if all(vm.instructions >= 120 or vm.state != "running" for vm in vms):
            break
        for vm in vms:
            if vm.state == "running" and vm.instructions < 120:
                vm.run_slice(min(slice_, 120 - vm.instructions))
    for m, vm in zip(bares, vms):
        if m.cpu.wait or m.cpu.checkstop:
            # a guest that stopped early: finish the VM the same way
            vm.run(120 - vm.instructions)
        assert guest_state(m.cpu, m.storage) == guest_state(vm.cpu, vm.storage)


# ------------------------------------------------- a hostile VM among others
@st.composite
def _hostile_case(draw):
    return (draw(st.sampled_from(sorted(ASSIST_SETS))), draw(hostile_programs()),
            draw(campaign_programs(max_pieces=8)), draw(st.integers(1, 400)))


def _cp_area_slots(area, skip: set) -> dict:
    """CP's MICBLOK area (real storage the assists read) by slot, without ``skip``."""
    mem = bytes(area.mem)
    return {a: mem[area.offset(a):area.offset(a) + SLOT]
            for a in range(area.first, area.first + len(mem) - area.offset(area.first), SLOT)
            if a not in skip}


def _spool(system, userid: str) -> tuple:
    sp = system.spool
    return ({k: list(v) for k, v in sp.punched.items() if k[0] == userid},
            {k: list(v) for k, v in sp.printed.items() if k[0] == userid})


@settings(max_examples=max(4, settings.default.max_examples // 5))
@given(_hostile_case())
def test_hostile_vm_cannot_reach_other_vms_or_cp_under_every_assist_set(case):
    """VM B runs a generated guest (under the assist set, trusted for the bypass
    sets), VM C sits idle with a pattern in storage, keys set, a reader file and a
    minidisk next to A's on the same volume; VM A (untrusted: no bypass) is hostile
    (guests in tests/campaign/hostile.py: wild stores and SSK under any key, random
    channel programs and a NOP/TIC loop, DIAGNOSE with random parameters, random
    DAT tables, an interruption loop). All three are dispatched together in slices
    of ``slice_`` instructions. Afterwards B ends exactly as it does alone (state,
    printed and punched output), C's storage, keys, spool and cylinders are
    unchanged byte for byte, and so is CP's real MICBLOK area outside A's and B's
    own slots (which CP rewrites at each of their dispatches)."""
    label, hostile_src, program, slice_ = case
    installed = ASSIST_SETS[label][0]
    b_img, a_img = campaign_image(program), assemble_source(hostile_src)
    alone_sys, alone = make_vm(program, b_img, label, userid="B")
    alone_result = alone.run(20_000)
    alone_out = outcome_of(alone_sys, alone)
    with tempfile.TemporaryDirectory() as tmp, vmpk01(Path(tmp) / "vol.3330", 4) as vol:
        s = System(SystemConfig(assists=installed, slice=slice_))
        _, b = make_vm(program, b_img, label, system=s, userid="B")
        c = s.logon("C", SIZE)
        c.write_storage(0, bytes(range(256)) * (SIZE // 256))
        for blk in range(0, SIZE, 2048):
            c.storage.keys[blk >> 11] = (blk >> 7) & 0xF8
        s.spool.add_reader_file("C", [bytes([0xC3]) * 80])
        c.add_minidisk(0x191, vol, 1, 1)
        a = s.logon("A", SIZE)
        a.add_minidisk(0x191, vol, 2, 1)
        with pytest.raises(MachineError):
            a.configure_assists(stbypass="VR")          # untrusted: refused
        assert "STBYPASS" not in a.backend.assist.active
        a.ipl(image=a_img)
        c_before = (_digest(c), _spool(s, "C"), _tracks(vol, [0, 1, 3]))
        area = a.backend.assist.area
        skip = {a.backend.assist.micblok, b.backend.assist.micblok}
        cp_before = _cp_area_slots(area, skip)
        for _ in range(200):
            s.run(2_000)
            if b.state != "running" or b.instructions >= 20_000:
                break
        if alone_result.stop == "wait":
            got = outcome_of(s, b)
            assert alone_out.differences(got) == []
        assert (_digest(c), _spool(s, "C"), _tracks(vol, [0, 1, 3])) == c_before
        assert _cp_area_slots(area, skip) == cp_before


#: A V=R guest (64K) with DAT on: virtual page 2 is the frame right above its
#: extent (CP's storage: its MICBLOK), page 3 the frame after; it writes 'VRVR..'
#: into the first and reads the second.
WINDOW_PEEK = """\
         LCTL  0,1,CRS
         LPSW  DATPSW
DATGO    L     9,=A(X'2000')
         MVC   0(8,9),=C'VRVRVRVR'
         L     9,=A(X'3000')
         L     6,0(9)
         LPSW  ECDONE
         LTORG
"""
WINDOW_PEEK_DATA = DAT_DATA + """\
         ORG   TEST+X'1000'
SEG      DC    X'F0',AL3(PT),15X'00000001'
PT       DC    X'0000',X'0010',X'0100',X'0110',12X'0008'
"""


def test_trusted_vr_guest_reaches_its_window_and_nothing_else():
    """What the trust gives away, exactly: a trusted V=R guest with the bypass on
    maps a page to each frame above its extent; the first (CP's storage right
    above it: its own MICBLOK and ECBLOK) it reads and writes, the next one (past
    the window) gets an addressing exception. Another VM and CP's MICBLOK area are
    untouched."""
    s = System(SystemConfig(assists=("STBYPASS", "VMA")))
    b, before = _victim(s)
    area = b.backend.assist.area
    img = assemble_test_image(WINDOW_PEEK, WINDOW_PEEK_DATA)
    vr = s.logon("VR", SIZE)
    vr.configure_assists(options={"VIRT=REAL": True}, stbypass="VR")
    assert "STBYPASS" in vr.backend.assist.active and vr.backend.assist.micblok == SIZE
    assert vr.backend.assist.area is not area           # its MICBLOK: in the window above it
    cp_before = bytes(area.mem)
    vr.ipl(image=img)
    vr.run(10_000)
    window = vr.storage.mem[SIZE:SIZE + 0x1000]
    assert window[:8] == b"\xE5\xD9\xE5\xD9\xE5\xD9\xE5\xD9"      # it wrote CP's slot
    assert vr.read_storage(0x8E, 2) == b"\x00\x05"                # then: addressing
    assert vr.cpu.psw & 0xFFFFFF == 0xDEAD00
    assert _digest(b) == before
    assert bytes(area.mem) == cp_before


def test_tic_loop_neither_hangs_cp_nor_stops_the_other_vm():
    """A channel program that never ends (NOP command-chained to a TIC back to it)
    leaves its device busy (TIO: condition code 2) while the guest and the other
    VM go on; HIO ends it (condition code 1, the CSW names the NOP). On the bare
    machine the same."""
    code = ("9C00 0009"             # SIO 009: the loop starts
            " 9D00 0009 0520"      # TIO 009, BALR 2,0: CC 2 (busy)
            " 9E00 0009 0530")     # HIO 009, BALR 3,0: CC 1, the CSW stored
    data = {0x800: ccw(0x03, 0, 0x60, 1) + ccw(0x08, 0x800, 0, 0),
            0x48: (0x800).to_bytes(4, "big")}
    for assists in ((), ("VMA", "ECPS")):
        s = System(SystemConfig(assists=assists))
        b, before = _victim(s)
        a = logon(s, "A", SIZE)
        run_code(a, code, data=data)
        assert (a.gpr(2) >> 28 & 3, a.gpr(3) >> 28 & 3) == (2, 1)
        assert a.read_storage(0x40, 8)[1:4] == b"\x00\x08\x08"
        assert a.psw == 0x000200000000D0E0 and _digest(b) == before
    image = bytearray(0x1000)
    for addr, v in data.items():
        image[addr:addr + len(v)] = v
    body = bytes.fromhex(code.replace(" ", "")) + bytes.fromhex("82000300")
    image[0x400:0x400 + len(body)] = body
    image[0x300:0x308] = (0x000200000000D0E0).to_bytes(8, "big")
    m, r, _ = bare(bytes(image), psw=0x400, size=SIZE, console=True)
    assert (m.cpu.gpr[2] >> 28 & 3, m.cpu.gpr[3] >> 28 & 3) == (2, 1)
    assert r.stop == "wait" and m.cpu.psw == 0x000200000000D0E0
