"""Issue 22 under CP: the same unmodified Linux kernel as tests/ia32/test_linux_boot.py,
in an IA-32 virtual machine under CP with binary translation, runs to the end of
our init with the bare machine's init lines and exit status, through the command a
user types (`s370vm ia32 run ... --under-cp --mode translate --json`). It caught the
cold block tier diverging on CP's real CPU (a triple fault after 7.48M
instructions; ia32.cpu.CPU.hot_after)."""
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


def test_linux_under_translation_reaches_the_end_of_init_as_bare():
    out = subprocess.run([sys.executable, "-m", "s370vm.main", "ia32", "run", str(KERNEL),
                          "--linux", "--memory", "32", "--append", CMDLINE, "--under-cp",
                          "--mode", "translate", "--json"],
                         capture_output=True, text=True, timeout=1800)
    assert out.returncode == 0, out.stderr[-2000:]
    report = json.loads(out.stdout)
    lines = report["console"].replace("\r\n", "\n").splitlines()
    assert (report["stop"], report["exit_code"]) == ("exit", 33)
    assert [line for line in lines if line.startswith("init:")] == INIT_LINES
    vm = report["vm"]
    assert vm["mode"] == "TRANSLATE" and vm["translated_blocks"] > 0
    assert vm["true_page_faults"] > 0 and vm["hidden_page_faults"] > 0
