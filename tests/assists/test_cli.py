"""The command-line side: ``run --under-cp --assist`` and the assists benchmark's
pieces (one small workload; the full benchmark is not a unit test)."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from s370.errors import MachineError
from s370vm.main import main
from s370vm.benchmarks import assists as bench

PRIV = str(Path(__file__).resolve().parents[2] / "guests" / "s370" / "bench" / "privheavy.asm")


def _vm_report(capsys, *extra) -> dict:
    assert main(["run", PRIV, "--under-cp", "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)["vm"]


def test_run_under_cp_assist_selects_the_assists(capsys):
    none = _vm_report(capsys, "--assist", "none")
    vma = _vm_report(capsys, "--assist", "vma")
    assert none["assisted"] == {} and none["intercepts"] == {"instruction": 20001}
    assert vma["assisted"] == {"LPSW": 5000, "SSM": 5000, "STNSM": 5000, "STOSM": 5000}
    assert vma["intercepts"] == {"instruction": 1}
    # docs/cost-model.md: 45,003 guest instructions x 5; 3 dispatches x (80+180*5+40);
    # without VMA 5,001 LPSW x (80+90*5+40) and 15,000 SSM/STNSM/STOSM x (80+60*5+40);
    # with VMA one LPSW simulated and 5,000 x (LPSW 28 + SSM 16 + STNSM 18 + STOSM 18)
    assert none["cycles"] == {"guest": 225015, "cp": 3060 + 2850570 + 6300000, "assist": 0,
                              "total": 9378645}
    assert vma["cycles"] == {"guest": 225015, "cp": 3060 + 570, "assist": 400000,
                             "total": 628645}


def test_run_assist_needs_under_cp(capsys):
    assert main(["run", PRIV, "--assist", "vma"]) == 2
    assert "--under-cp" in capsys.readouterr().err


def test_run_unknown_assist_is_a_user_error(capsys):
    assert main(["run", PRIV, "--under-cp", "--assist", "sie"]) == 2


def test_bench_rows_targets_table_and_chart(tmp_path, monkeypatch):
    monkeypatch.setitem(bench.WORKLOADS, "privheavy", ("privheavy.asm", 200))
    rows = bench.measure(["privheavy"], repeat=1)
    assert [r["assists"] for r in rows] == ["bare", "none", "VMA", "ECPS", "STB", "VMA+ECPS",
                                            "all"]
    assert all(r["same_result_as_bare"] for r in rows)
    # ITER 200: 1,803 instructions x 5 = 9,015; one dispatch 1,020; without VMA
    # 201 LPSW x 570 + 600 x 420; with VMA one LPSW 570 and 200 x 80 microcode
    cycles = {r["assists"]: r["cycles"] for r in rows}
    assert cycles["bare"] == 9015
    assert cycles["none"] == 9015 + 1020 + 114570 + 252000 == 376605
    assert cycles["VMA"] == 9015 + 1020 + 570 + 16000 == 26605
    t = bench.targets(rows)
    assert t["privheavy_vma_cycles_saved"] == 0.929
    lines = bench.table(rows)
    assert len(lines) == 2 + 7 and lines[3].startswith("| privheavy | none |")
    assert lines[0].count("|") == lines[3].count("|") == 12
    if importlib.util.find_spec("matplotlib") is None:      # the plot extra left out (PyPy)
        with pytest.raises(MachineError, match=r"s370vm\[plot\]"):
            bench.chart(rows, str(tmp_path / "c.png"))
        return
    bench.chart(rows, str(tmp_path / "c.png"))
    assert (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"


def test_run_help_and_readme_state_the_bypass_difference(capsys):
    """Where a user reads them: the one case where an assist changes results."""
    import pytest
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "trusted V=R" in text and "addressing exception" in text
    readme = (Path(PRIV).parents[3] / "README.md").read_text()
    assert "trades isolation for speed" in readme and "addressing exception" in readme
