"""Shadow-table bypass: no shadow tables built or invalidated for a trusted guest;
refused to untrusted ones; and exactly what the trust gives away: a trusted V=R
guest's page table can name the frame above its extent, which is CP's MICBLOK
area, while an untrusted guest doing the same gets CP's addressing exception."""
from __future__ import annotations

import pytest

from s370.errors import MachineError

from assists.micblok import ECBLOK, MICCREG
from tests.assists.support import DAT_DATA, bare, image, under_cp, visible

EXTENT = 1 << 20
#: EC mode, DAT on; segment 0 maps page 0 and 1 to frames 0 and 1, page 2 to the
#: frame at X'100000' (just above a 1M guest), the rest invalid. The guest reads
#: the word at virtual X'2000'+MICCREG... = real X'100004' (the MICBLOK's MICCREG)
#: into R6, then stores X'C1C1C1C1' into virtual X'2020' (= real X'100020', the
#: ECBLOK, where CP keeps the guest's virtual CR0).
PEEK = """\
         LCTL  0,1,CRS
         LPSW  DATPSW
DATGO    L     9,=A(X'2000')
         L     6,4(9)
         L     7,=X'C1C1C1C1'
         ST    7,X'20'(9)
         LPSW  ECDONE
         LTORG
"""
PEEK_DATA = DAT_DATA + """\
         ORG   TEST+X'1000'
SEG      DC    X'F0',AL3(PT),15X'00000001'
PT       DC    X'0000',X'0010',X'1000',13X'0008'
"""


def test_untrusted_guest_is_refused():
    img = image("         LPSW  DONEPSW\n")
    with pytest.raises(MachineError, match="STBYPASS"):
        under_cp(img, ["STBYPASS"], stbypass="VR")
    with pytest.raises(MachineError, match="V=R"):
        under_cp(img, ["STBYPASS"], options={"STBYPASS": True}, stbypass="VR")


def test_trusted_vr_guest_reaches_cp_micblok_area():
    vm = under_cp(image(PEEK, PEEK_DATA), ["STBYPASS"], options={"VIRT=REAL": True},
                  stbypass="VR")
    a = vm.backend.assist
    assert "STBYPASS" in a.active and a.micblok == EXTENT
    assert vm.gpr(6) == a.micblok + ECBLOK            # it read CP's MICCREG word
    assert a.word(MICCREG) == a.micblok + ECBLOK
    mem = a.area.mem                                  # and wrote into CP's ECBLOK
    assert mem[a.area.offset(a.micblok + ECBLOK):][:4] == b"\xC1\xC1\xC1\xC1"
    assert vm.counters.shadow_builds == 0 and vm.counters.shadow_invalidations == {}
    assert vm.counters.assisted["DAT"] >= 2
    assert vm.cpu.psw == 0x000A000000000000           # it ended normally


def test_untrusted_guest_same_program_gets_addressing_exception():
    for kw in ({}, {"options": {"VIRT=REAL": True}}):   # V=V; V=R without the bypass
        vm = under_cp(image(PEEK, PEEK_DATA), ["STBYPASS"], **kw)
        assert "STBYPASS" not in vm.backend.assist.active
        assert vm.cpu.psw & 0xFFFFFF == 0xDEAD00          # program new PSW: wait
        assert vm.read_storage(0x28, 8)[1] & 0x08          # EC old PSW
        assert vm.read_storage(0x8E, 2) == b"\x00\x05"     # addressing exception
        assert vm.gpr(6) == 0
        b = bare(image(PEEK, PEEK_DATA))                   # as the bare machine
        assert visible(vm.cpu) == visible(b)


PAGING = """\
         LCTL  0,1,CRS
         LPSW  DATPSW
DATGO    LA    3,4
OUTER    LA    2,X'10'
         SLL   2,12
         LA    4,8
TOUCH    ST    4,0(2)
         A     2,=F'4096'
         BCT   4,TOUCH
         PTLB
         BCT   3,OUTER
         LPSW  ECDONE
         LTORG
"""
PAGING_DATA = DAT_DATA + """\
         ORG   TEST+X'3000'
SEG      DC    X'F0',AL3(PT0),X'F0',AL3(PT1),14X'00000001'
PT0      DC    X'0000',X'0010',X'0020',X'0030'
         DC    X'0040',X'0050',X'0060',X'0070'
         DC    X'0080',X'0090',X'00A0',X'00B0'
         DC    X'00C0',X'00D0',X'00E0',X'00F0'
PT1      DC    X'0100',X'0110',X'0120',X'0130'
         DC    X'0140',X'0150',X'0160',X'0170'
         DC    X'0180',X'0190',X'01A0',X'01B0'
         DC    X'01C0',X'01D0',X'01E0',X'01F0'
"""


def test_bypass_builds_and_invalidates_no_shadow_tables():
    img = image(PAGING, PAGING_DATA)
    plain = under_cp(img, [])
    assert plain.counters.shadow_builds > 0 and plain.counters.shadow_invalidations["ptlb"] == 4
    vm = under_cp(img, ["STBYPASS"], options={"VIRT=REAL": True}, stbypass="VR")
    assert vm.counters.shadow_builds == 0 and vm.counters.shadow_invalidations == {}
    assert "shadow-fault" not in vm.counters.intercepts
    assert vm.counters.assisted["PTLB"] == 4 and vm.counters.assisted["LCTL"] == 1
    assert vm.counters.simulated == {"LPSW": 2}        # into DAT, and the final wait
    assert visible(vm.cpu) == visible(plain.cpu) == visible(bare(img))
