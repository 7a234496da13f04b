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
    """Dispatch (DSP1) and the re-entries after intercepts (DSP2), at the cycles
    docs/cost-model.md gives: exit 80 + CP instructions x 5 + entry 40; with ECPS
    the replaced instructions out and the function's microcode cycles in."""
    body = "         SVC   3\n         LPSW  DONEPSW\n"
    img = image(body)
    plain = under_cp(img, [])
    vm = under_cp(img, ["ECPS"])
    # dispatch; SVC reflection; LPSW X'20' and LPSW DONEPSW simulated
    assert vm.counters.ecps == {"STECPSVM": 1, "DSP1": 1, "DSP2": 3}
    # dispatch 80+180*5+40 = 1020, svc_reflect 80+70*5+40 = 470, lpsw 80+90*5+40 = 570
    assert plain.counters.cp_cycles == 1020 + 470 + 2 * 570 == 2630
    # dispatch with DSP1 (replaces 120, 50 cycles): 80+60*5+50+40 = 470;
    # svc_reflect with DSP2 (30, 14): 80+40*5+14+40 = 334; lpsw: 80+60*5+14+40 = 434
    assert vm.counters.cp_cycles == 470 + 334 + 2 * 434 == 1672
    assert visible(plain.cpu) == visible(vm.cpu)


#: path -> (cycles without ECPS, with ECPS), from docs/cost-model.md's tables:
#: 80 + n*5 + 40, and 80 + (n - replaced)*5 + microcode + 40.
PATH_CYCLES = {
    "privileged": (720, 584),        # 120; DSP2 (30, 14): 80+90*5+14+40
    "lpsw": (570, 434),              # 90; DSP2
    "ssm": (420, 284),               # 60; DSP2
    "lctl": (870, 734),              # 150; DSP2
    "io": (4620, 2806),              # 900; 9 functions replace 395, cost 161
    "diagnose": (1120, 758),         # 200; FREE, FRET, DSP2 replace 80, cost 38
    "svc_reflect": (470, 334),       # 70; DSP2
    "program_reflect": (570, 434),   # 90; DSP2
    "interrupt_reflect": (1620, 981),  # 300; UNTRN PTRUL UNTFR FRET DSP2: 140, 61
    "shadow_fill": (1370, 1096),     # 250; TRANBRNG, DSP2: 60, 26
    "shadow_invalidate": (420, 235),  # 60; ZAPSEGS (40, 15)
    "shadow_invalidate_page": (270, 178),  # 30; ZAPPAGE (20, 8)
    "dispatch": (1020, 470),         # 180; DSP1 (120, 50)
    "wait": (620, 345),              # 100; DSP0 (60, 25)
}


@pytest.mark.parametrize("path", sorted(PATH_CYCLES))
def test_every_path_costs_the_documented_cycles(path):
    plain, ecps = PATH_CYCLES[path]
    assert costs.intercept_cycles(path) == plain
    assert costs.ecps_intercept_cycles(path)[0] == ecps


def test_every_cp_path_is_in_the_documented_table():
    assert set(costs.CP_PATH) == set(PATH_CYCLES)


def test_ecps_on_an_io_workload_whose_cp_paths_it_replaces(monkeypatch):
    """guests/s370/bench/ioheavy.asm (10 SIOs, each waited for): without VMA the
    SIOs are CP's: CCW translation (DMKVIO/DMKCCW, the io path) and the reflected
    I/O interruption are the paths ECPS's DECCW, CCWGENRL, SCNVU, UNTRN, ...
    replace. Cycles from docs/cost-model.md: CP's work falls from 69,690 to
    43,114 cycles (38%), the guest's results are the same."""
    from s370vm.benchmarks import assists as bench
    monkeypatch.setitem(bench.WORKLOADS, "ioheavy", ("ioheavy.asm", 10))
    img = bench.workload_image("ioheavy")
    plain, vm = under_cp(img, []), under_cp(img, ["ECPS"])
    for v in (plain, vm):
        assert v.counters.simulated == {"SIO": 10, "LPSW": 11}
        assert v.counters.reflected == {"io": 10} and v.counters.dispatches == 1
    # 1 dispatch 1020 + 10 SIO x 4620 + 11 LPSW x 570 + 10 reflections x 1620
    assert plain.counters.cp_cycles == 1020 + 46200 + 6270 + 16200 == 69690
    # with ECPS: 470 + 10 x 2806 + 11 x 434 + 10 x 981
    assert vm.counters.cp_cycles == 470 + 28060 + 4774 + 9810 == 43114
    assert vm.counters.ecps["DECCW1"] == vm.counters.ecps["UNTRN"] == 10
    assert visible(plain.cpu) == visible(vm.cpu)


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
