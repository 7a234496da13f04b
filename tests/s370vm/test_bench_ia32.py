"""``s370vm bench ia32``: the same workload bare and under each SET VMMODE
(figures for shape and for the exits each road takes, never for speed)."""
import json

from s370vm.main import main


def test_bench_ia32_pvheavy_rows(capsys):
    assert main(["bench", "ia32", "--json", "--workload", "pvheavy", "--runs", "1"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "kernel" not in out
    rows = out["pvheavy"]
    assert list(rows) == ["bare", "naive", "scan", "translate", "paravirt"]
    assert all(r["ok"] for r in rows.values())
    assert rows["bare"]["exits"] == 0
    # every one of the 2000 system calls exits to CP except under PARAVIRT (the
    # real trap gate), where each page-table change is one mmu_update instead
    for mode in ("naive", "scan", "translate"):
        assert rows[mode]["by_kind"]["syscall"] == 2001
    assert rows["paravirt"]["by_kind"] == {"hypercall": 2036}
    assert rows["paravirt"]["cp_cycles"] < min(rows[m]["cp_cycles"] for m in ("naive", "scan",
                                                                               "translate"))
