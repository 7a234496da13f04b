"""Assist names and switches, CR6 and the MICBLOK CP keeps, QUERY ASSIST counts."""
from __future__ import annotations

import pytest

from s370.errors import MachineError

from assists.micblok import (CR6_MICBLOK, CR6_VMA, ECBLOK, MICACF, MICACF_EVMA, MICACF_STB, MICCREG,
                             MICVIP, MICVPSW, VPSW)
from assists.registry import from_config, label, parse
from cp import System, SystemConfig
from tests.assists.support import image, under_cp


@pytest.mark.parametrize("text,want", [
    ("vma,ecps,stbypass", {"VMA", "ECPS", "STBYPASS"}), ("none", set()), ("", set()),
    ("all", {"VMA", "ECPS", "STBYPASS"}), ("VMA ECPS", {"VMA", "ECPS"}), ("stb", {"STBYPASS"}),
    ("vma+ecps", {"VMA", "ECPS"}),
])
def test_parse(text, want):
    assert parse(text) == want


def test_parse_rejects_unknown():
    with pytest.raises(MachineError, match="unknown assist 'sie'"):
        parse("vma,sie")


def test_labels():
    assert [label(s) for s in (set(), {"VMA"}, {"ECPS", "VMA"}, {"STBYPASS"},
                               {"VMA", "ECPS", "STBYPASS"})] == ["none", "VMA", "VMA+ECPS",
                                                                 "STB", "all"]


def test_from_config_assist_and_ecpsvm_statements():
    from s370.config import parse as parse_config
    cfg = parse_config("MAINSIZE 1\nASSIST VMA STBYPASS\n", ".", "<t>")
    assert from_config(cfg) == {"VMA", "STBYPASS"}
    cfg = parse_config("MAINSIZE 1\nECPSVM YES\n", ".", "<t>")
    assert from_config(cfg) == {"VMA", "ECPS"}


def test_micblok_fields_cp_keeps():
    system = System(SystemConfig(assists=("VMA", "ECPS")))
    vm = system.logon("M", storage=1 << 20)
    a = vm.backend.assist
    cr6 = vm.cpu.sdesc.cr6
    assert cr6 & CR6_VMA and cr6 & CR6_MICBLOK == a.micblok and a.micblok % 8 == 0
    assert vm.cpu.sdesc.micblok == a.micblok
    assert a.word(MICCREG) == a.micblok + ECBLOK
    assert a.word(MICACF) & MICACF_EVMA and not a.word(MICACF) & MICACF_STB
    vm.set_cr(0, 0x40000040)                 # SSM suppression; interrupt-key submask
    vm.external(0x0040)
    a.enter()
    off = a.area.offset(a.micblok)
    assert a.area.mem[off + ECBLOK:off + ECBLOK + 4] == b"\x40\x00\x00\x40"   # virtual CR0
    assert a.word(MICVPSW) == (MICVIP << 24) | (a.micblok + VPSW)            # pending bit
    other = system.logon("N", storage=1 << 20)
    assert other.backend.assist.micblok != a.micblok                                  # own slot


def test_machine_without_the_feature_has_nothing_in_effect():
    vm = under_cp(image("         LPSW  DONEPSW\n"), [], assist=True, sassist=True)
    assert vm.backend.assist.active == frozenset() and vm.cpu.sdesc.assists == []


def test_query_assist_counts_match_what_the_guest_did():
    body = """\
         LA    3,4
LOOP     SVC   1
         SSM   =X'00'
         BCT   3,LOOP
         LPSW  DONEPSW
         LTORG
"""
    vm = under_cp(image(body), ["VMA", "ECPS"])
    lines = vm.query_assist()
    assert lines[0] == "ASSIST ON SVC TMR, SASSIST ON, CPASSIST ON, STBYPASS OFF"
    rows = {ln.split()[0]: ln.split()[1:] for ln in lines[3:] if not ln.startswith("ECPS")}
    assert rows["SVC"] == ["4", "0"]
    assert rows["SSM"] == ["4", "0"]
    assert rows["LPSW"] == ["4", "1"]              # 4 returns from SVC; the final wait by CP
    vm2 = under_cp(image(body), [])
    rows2 = {ln.split()[0]: ln.split()[1:] for ln in vm2.query_assist()[3:]}
    assert rows2["SVC"] == ["0", "4"] and rows2["SSM"] == ["0", "4"]


def test_micblok_slot_returns_to_cp_storage_at_logoff():
    import gc
    system = System(SystemConfig(assists=("VMA",)))
    from assists.micblok import system_area
    first = system.logon("A", storage=1 << 20).backend.assist.micblok
    assert first not in system_area(system).free
    system.logoff("A")
    gc.collect()
    assert first in system_area(system).free
