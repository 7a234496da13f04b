"""``--translate on|off|auto`` (issue 20): the command's S/370 CPUs run
translated blocks or the plain interpreter; ``auto`` chooses per runtime
(s370/translation.py), and the bench reports say which was used."""
from __future__ import annotations

import json
import platform

import pytest

from s370 import translation
from s370.machine import Machine
from s370vm.main import main


@pytest.mark.parametrize("implementation, on", [("CPython", True), ("PyPy", False)])
def test_auto_chooses_per_runtime(monkeypatch, implementation, on):
    monkeypatch.setattr(platform, "python_implementation", lambda: implementation)
    assert translation.mode() == "auto"
    assert translation.enabled() is on
    assert Machine(1 << 16).cpu.use_blocks is on


def test_on_and_off_are_what_a_new_cpu_does():
    try:
        translation.set_mode("off")
        assert Machine(1 << 16).cpu.use_blocks is False
        translation.set_mode("on")
        assert Machine(1 << 16).cpu.use_blocks is True
    finally:
        translation.set_mode("auto")
    with pytest.raises(ValueError):
        translation.set_mode("sometimes")


@pytest.mark.parametrize("mode", ["on", "off"])
def test_bench_reports_the_mode_and_main_restores_it(capsys, mode):
    assert main(["bench", "mips", "--json", "--instructions", "5000", "--runs", "1",
                 "--translate", mode]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["translate"] == f"{mode} ({mode})" and out["instructions"] == 5000
    assert translation.mode() == "auto"


def test_run_gives_the_same_report_with_and_without_translation(tmp_path, capsys):
    """The mips guest's self-checking loop: the same registers and PSW either way."""
    from s370vm.benchmarks.mips import GUEST
    reports = []
    for mode in ("on", "off"):
        assert main(["run", str(GUEST), "--max-instructions", "20000", "--json",
                     "--translate", mode]) == 0
        out = json.loads(capsys.readouterr().out)
        out.pop("seconds", None)
        out.pop("mips", None)
        reports.append(out)
    assert reports[0] == reports[1] and reports[0]["instructions"] == 20000


def test_a_bad_mode_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["bench", "mips", "--translate", "sometimes"])
    assert exc.value.code == 2 and "--translate" in capsys.readouterr().err
