"""Issue 22 under CP: the same unmodified Linux kernel as tests/ia32/test_linux_boot.py,
in an IA-32 virtual machine under CP with binary translation and with scanning,
prints the bare machine's console line for line ("Kernel command line:" included:
CP adds nothing to it) and leaves with its exit status after exactly its number of
instructions, through the command a user types (`s370vm ia32 run ... --under-cp
--mode translate|scan --json`); one boot per mode, the bare one shared with
test_linux_boot.py (tests/conftest.py). The kernel keeps its IDT and GDT aliases,
its TSS, its entry stack and its fixmap in CP's region, which CP emulates
(cp/backends/ia32_window.py: the "cp-region" exits). It caught the cold block tier
diverging on CP's real CPU (a triple fault after 7.48M instructions;
ia32.cpu.CPU.hot_after)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.ia32.helpers import LINUX_KERNEL as KERNEL
from tests.ia32.test_linux_boot import CMDLINE, INIT_LINES

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not KERNEL.exists(),
                                 reason=f"no kernel at {KERNEL}: run guests/ia32/linux/build.sh")]


@pytest.fixture(scope="module", params=["translate", "scan"])
def under_cp(request):
    out = subprocess.run([sys.executable, "-m", "s370vm.main", "ia32", "run", str(KERNEL),
                          "--linux", "--memory", "32", "--append", CMDLINE, "--under-cp",
                          "--mode", request.param, "--json"],
                         capture_output=True, text=True, timeout=1800)
    assert out.returncode == 0, out.stderr[-2000:]
    return request.param, json.loads(out.stdout)


def test_linux_under_cp_prints_the_bare_console_line_for_line(under_cp, linux_bare):
    _, report = under_cp
    _, result, bare = linux_bare
    lines = report["console"].replace("\r\n", "\n").splitlines()
    assert lines == bare
    assert f"Kernel command line: {CMDLINE}" in lines
    assert [line for line in lines if line.startswith("init:")] == INIT_LINES
    assert (report["stop"], report["exit_code"]) == ("exit", 33) == (result.stop,
                                                                    result.exit_code)
    assert report["instructions"] == result.instructions


def test_linux_under_cp_counts_what_cp_did(under_cp):
    mode, report = under_cp
    vm = report["vm"]
    assert vm["mode"] == mode.upper()
    assert vm["exits"]["cp-region"] > 1000          # the entry stack, the IDT alias...
    assert vm["true_page_faults"] > 0 and vm["hidden_page_faults"] > 0
    if mode == "translate":
        assert vm["translated_blocks"] > 0
    else:
        assert vm["exits"]["sensitive"] > 0
