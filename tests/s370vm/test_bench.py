"""``s370vm bench``: the benchmark dispatcher and the MIPS benchmark (figures are
checked for shape and consistency, never for speed)."""
import json

import pytest

from s370.errors import MachineError
from s370vm import benchmarks
from s370vm.benchmarks import mips
from s370vm.main import main


def test_bench_mips_json_small_run(capsys):
    assert main(["bench", "mips", "--json", "--instructions", "20000", "--runs", "1"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["instructions"] == 20000 and out["runs"] == 1
    assert out["seconds"] > 0 and out["mips"] > 0
    assert out["mips"] == pytest.approx(out["instructions"] / out["seconds"] / 1e6)
    assert out["cpu_mips"] == pytest.approx(out["instructions"] / out["cpu_seconds"] / 1e6)
    assert out["host_loop_ns"] > 0


def test_bench_text_output_lists_figures(capsys):
    assert main(["bench", "mips", "--instructions", "5000", "--runs", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("mips:") and "instructions: 5000" in out and "mips: " in out


def test_unknown_benchmark_is_a_user_error(capsys):
    assert main(["bench", "nosuch"]) == 2
    assert "no benchmark 'nosuch'" in capsys.readouterr().err


def test_registry_lists_mips_with_description():
    assert "mips" in benchmarks.names()
    assert isinstance(benchmarks.load("mips").describe, str)
    assert benchmarks.load("nosuch") is None


def test_mips_guest_self_check_detects_a_wrong_result():
    # corrupt an expected value: the guest must stop in its failure wait
    from s370.asm import assemble_file
    asm = assemble_file(mips.GUEST)
    at = asm.symbols["EXPECT1"].value
    image = bytearray(asm.core)
    image[at + 3] ^= 1
    with pytest.raises(MachineError, match="self-check failed"):
        mips.timed_run(bytes(image), 20000)
    executed, seconds, cpu_seconds = mips.timed_run(asm.core, 20000)
    assert executed == 20000 and seconds > 0 and cpu_seconds > 0


def test_mips_with_dat_on_and_key_8_runs_the_same_guest_translated():
    # the --dat mix: DAT on, PSW key 8, fetch-protected key-8 storage, LAP on;
    # the guest's self-checks pass and its code runs as translated blocks
    from s370.asm import assemble_file
    from s370.machine import Machine
    image = assemble_file(mips.GUEST).core
    executed, seconds, cpu_seconds = mips.timed_run(image, 20000, dat=True)
    assert executed == 20000
    m = Machine(mips.STORAGE)
    m.cpu.use_blocks = True             # translated whatever --translate auto picks here
    m.load_image(image)
    m.ipl_psw()
    mips.enter_dat_key8(m)
    assert m.cpu.dat and m.cpu.key == 8 and m.cpu.store_lo == 512
    assert m.run(20000).stop == "limit" and len(m.cpu.block_cache) > 10


def test_bench_scale_json_has_the_issue_layout(capsys):
    """Issue 20's JSON: vms, host_kb_per_vm, idle_cpu_percent, aggregate for
    1/2/5/10 busy VMs (figures for shape only: a small run)."""
    assert main(["bench", "scale", "--json", "--vms", "20", "--instructions", "40000",
                 "--runs", "1"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["vms"] == 20
    assert 0 < out["host_kb_per_vm"] < 200 and 0 <= out["idle_cpu_percent"] <= 100
    assert [a["busy"] for a in out["aggregate"]] == [1, 2, 5, 10]
    assert all(a["mips"] > 0 and a["cpu_mips"] > 0 for a in out["aggregate"])
    assert out["memory_measured_with"] in ("tracemalloc", "rss")
    assert out["runtime"].split()[0] in ("CPython", "PyPy")


def test_every_benchmark_reports_its_runtime(capsys):
    import platform
    assert main(["bench", "mips", "--json", "--instructions", "5000", "--runs", "1"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["runtime"] == f"{platform.python_implementation()} {platform.python_version()}"


def test_bench_ia32_linux_without_a_kernel_says_how_to_build_it(capsys, monkeypatch, tmp_path):
    from s370vm.benchmarks import ia32_linux
    monkeypatch.setattr(ia32_linux, "KERNEL", tmp_path / "bzImage")
    assert main(["bench", "ia32-linux", "--json", "--runs", "1"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "guests/ia32/linux/build.sh" in out["skipped"] and out["runtime"]
