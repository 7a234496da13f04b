"""ECPS: expanded VMA instructions without intercepts, CP paths charged at their
ECPS cost with each function counted, and the cost table's arithmetic."""
from __future__ import annotations

import pytest

from assists import costs
from assists.micblok import CR6_ECPS, CR6_VTIMER
from tests.assists.support import EXT_DATA, bare, image, under_cp, visible, with_external


def test_expanded_vma_ptlb_lctl_tch_without_intercepts():
    body = """\
         PTLB
         LCTL  2,3,CRS
         TCH   X'000'
         LPSW  DONEPSW
"""
    img = image(body, "CRS      DC    F'-1',F'0'\n")
    vm = under_cp(img, ["VMA", "ECPS"])
    assert vm.counters.assisted == {"PTLB": 1, "LCTL": 1, "TCH": 1, "TIMER": 1}
    assert vm.counters.intercepts == {"instruction": 1}
    assert visible(vm.cpu) == visible(bare(img))
    plain = under_cp(img, ["VMA"])
    assert plain.counters.simulated == {"PTLB": 1, "LCTL": 1, "TCH": 1, "LPSW": 1}
    assert visible(plain.cpu) == visible(vm.cpu)


def test_lctl_of_cr0_falls_back_to_cp():
    img = image("         LCTL  0,2,CRS\n         LPSW  DONEPSW\n",
                "CRS      DC    X'000000E0',F'0',F'-1'\n")
    vm = under_cp(img, ["VMA", "ECPS"])
    assert vm.backend.assist.fallbacks["LCTL of CR0/CR1"] == 1
    assert vm.counters.simulated["LCTL"] == 1


def test_sio_assisted_and_its_interruption_reflected_by_cp():
    body = """\
         MVC   X'48'(4),=A(CCW)
         SIO   X'00E'
         LPSW  WAITPSW
IODONE   LPSW  DONEPSW
         LTORG
"""
    data = """\
         ORG   TEST+X'78'
         DC    X'0000000000',AL3(IODONE)
         ORG
         DS    0D
CCW      DC    X'03',AL3(0),X'20',X'00',H'1'
WAITPSW  DC    X'8002000000000000'
"""
    img = image(body, data)
    vm = under_cp(img, ["VMA", "ECPS"])
    assert vm.counters.assisted["SIO"] == 1
    assert "SIO" not in vm.counters.simulated
    assert vm.counters.reflected == {"io": 1}
    assert vm.read_storage(0x40, 8)[4] & 0x0C == 0x0C      # CSW: channel end, device end
    plain = under_cp(img, [])
    assert plain.counters.simulated["SIO"] == 1
    assert visible(plain.cpu) == visible(vm.cpu)


def test_sio_to_missing_device_falls_back():
    img = image("         SIO   X'0F0'\n         LPSW  DONEPSW\n")
    vm = under_cp(img, ["VMA", "ECPS"])
    assert vm.backend.assist.fallbacks["SIO to a device not on the virtual channel"] == 1
    assert vm.counters.simulated["SIO"] == 1
    assert visible(vm.cpu) == visible(bare(img))            # CC 3 there too


def test_cr6_bits_for_ecps_and_timer():
    vm = under_cp(image("         LPSW  DONEPSW\n"), ["VMA", "ECPS"])
    assert vm.cpu.sdesc.cr6 & CR6_ECPS and vm.cpu.sdesc.cr6 & CR6_VTIMER
    vm.configure_assists(tmr=False)
    assert not vm.cpu.sdesc.cr6 & CR6_VTIMER
    vm.configure_assists(cpassist=False)
    assert not vm.cpu.sdesc.cr6 & CR6_ECPS


def test_cp_paths_charged_at_ecps_cost_and_functions_counted():
    """Dispatch (DSP1) and the re-entries after intercepts (DSP2): with ECPS each
    CP path costs less by exactly the table's figures."""
    body = "         SVC   3\n         LPSW  DONEPSW\n"
    img = image(body)
    plain = under_cp(img, [])
    vm = under_cp(img, ["ECPS"])
    # dispatch; SVC reflection; LPSW X'20' and LPSW DONEPSW simulated
    assert vm.counters.ecps == {"STECPSVM": 1, "DSP1": 1, "DSP2": 3}
    saved = sum(costs.intercept_cycles(p) - costs.ecps_intercept_cycles(p)[0]
                for p in ("dispatch", "svc_reflect", "lpsw", "lpsw"))
    assert plain.counters.cp_cycles - vm.counters.cp_cycles == saved
    assert visible(plain.cpu) == visible(vm.cpu)


@pytest.mark.parametrize("path", sorted(costs.CP_PATH))
def test_every_ecps_path_is_cheaper_and_positive(path):
    cycles, fns = costs.ecps_intercept_cycles(path)
    assert 0 < cycles <= costs.intercept_cycles(path)
    n, _ = costs.CP_PATH[path]
    assert sum(costs.ECPS[f][0] for f in fns) < n


def test_all_nineteen_ecps_functions_are_costed():
    assert len(costs.ECPS) == 19
    used = {f for fns in costs.ECPS_PATH.values() for f in fns}
    assert used | {"STECPSVM"} == set(costs.ECPS)


def test_expanded_vma_lpsw_changing_the_ec_bit():
    body = """\
         LPSW  ECPSW
ECGO     LPSW  BCPSW
BCGO     LPSW  DONEPSW
"""
    data = """\
         DS    0D
ECPSW    DC    X'0008000000',AL3(ECGO)
BCPSW    DC    X'0000000000',AL3(BCGO)
"""
    img = image(body, data)
    vma = under_cp(img, ["VMA"])
    assert vma.backend.assist.fallbacks["EC bit change"] == 2 and vma.counters.simulated["LPSW"] == 3
    vm = under_cp(img, ["VMA", "ECPS"])
    assert vm.counters.assisted["LPSW"] == 2 and vm.counters.simulated == {"LPSW": 1}
    assert visible(vm.cpu) == visible(vma.cpu) == visible(bare(img))


def test_expanded_vma_completes_an_enabling_ssm_with_interruption_pending():
    """VMA leaves it to CP (an instruction intercept, then the external one);
    expanded VMA enables and the machine presents the interruption (one exit)."""
    body = "         SSM   =X'01'\n         LPSW  DONEPSW\n         LTORG\n"
    img = image(body, EXT_DATA)
    vma, ecps = with_external(img, ("VMA",)), with_external(img, ("VMA", "ECPS"))
    assert vma.counters.intercepts == {"instruction": 2, "external": 1}
    assert ecps.counters.intercepts == {"instruction": 1, "external": 1}
    assert ecps.counters.assisted["SSM"] == 1
    assert visible(vma.cpu) == visible(ecps.cpu)
