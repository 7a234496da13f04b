"""Process start-up (issue 20): ``s370vm --help`` loads only the command line,
not the machines, the assembler's parser (lark) or plotting, so it starts in
well under 0.3 s. Checked by what is imported, never by a timing."""
from __future__ import annotations

import json
import subprocess
import sys

#: Modules that only a command's run (not its parser) may load.
HEAVY = ("s370.cpu", "s370.machine", "s370.isa", "ia32.cpu", "cp.system", "lark", "matplotlib",
         "s370.devices.ckd")

PROBE = """
import json, sys
from s370vm.main import build_parser
try:
    build_parser().parse_args(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)))
"""


def _loaded(*argv: str) -> set:
    out = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True,
                         check=True).stdout
    return set(json.loads(out.splitlines()[-1]))


def test_help_loads_no_machine_parser_or_plotting():
    loaded = _loaded("--help")
    assert "s370vm.cmd_bench" in loaded            # every subcommand's parser was built
    heavy = sorted(m for m in loaded if m in HEAVY or m.split(".")[0] in ("lark", "matplotlib"))
    assert heavy == []


def test_bench_help_loads_no_machine():
    loaded = _loaded("bench", "--help")
    assert "s370vm.benchmarks.vs1" in loaded and "s370vm.benchmarks.ia32_mips" in loaded
    assert sorted(m for m in loaded if m in HEAVY) == []
