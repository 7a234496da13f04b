"""``s370vm bench idle``: idle users idling by DIAGNOSE X'100', by VM/370's
enabled wait and by busy-waiting (figures for shape: a small run)."""
import json

from s370vm.main import main


def test_bench_idle_shape_and_the_busy_users_share(capsys):
    assert main(["bench", "idle", "--json", "--vms", "2", "--instructions", "130000",
                 "--runs", "1"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["vms"], out["sleep_us"], out["instructions"]) == (2, 10_000, 130_000)
    diag, wait, busy = out["diag100"], out["enabled_wait"], out["busy_wait"]
    assert diag["busy_share"] > 0.99 and wait["busy_share"] > 0.99
    assert busy["busy_share"] < 0.5 and busy["idle_intercepts"] == 0
    # one intercept per sleep against four (SPT, LPSW, SPT, LPSW)
    assert 0 < diag["idle_intercepts"] < wait["idle_intercepts"]
    assert all(0 <= r["idle_cpu_percent"] <= 100 for r in (diag, wait, busy))
