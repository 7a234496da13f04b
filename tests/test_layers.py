"""The layering of ARCHITECTURE.md, checked by import-linter's contracts in
pyproject.toml ([tool.importlinter]): s370vm > cp > assists > s370 | ia32; the
CP core reaches the machines and the assists only through cp.backends; s370 and
ia32 independent of each other. ``lint-imports`` runs on the project, and with
the same contracts on a small tree that breaks them, to show they bite."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("importlinter")      # CPython only (its graph builder is Rust)

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).with_name("lint-imports")


def _contracts() -> str:
    """The [tool.importlinter] tables of pyproject.toml (they end the file)."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    return text[text.index("[tool.importlinter]"):]


def _lint(cwd: Path, config: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(cwd))
    return subprocess.run([str(LINT), "--config", str(config), "--no-cache"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_project_keeps_its_layers():
    r = _lint(ROOT, ROOT / "pyproject.toml")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "3 kept, 0 broken" in r.stdout


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for pkg in ("s370vm", "cp", "cp/backends", "assists", "s370", "ia32"):
        (tmp_path / pkg).mkdir(parents=True, exist_ok=True)
        (tmp_path / pkg / "__init__.py").write_text("")
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    config = tmp_path / "contracts.toml"
    config.write_text(_contracts(), encoding="utf-8")
    return config


def _broken(r: subprocess.CompletedProcess) -> set[str]:
    return set(re.findall(r"^(.+?) BROKEN", r.stdout, re.M))


def test_the_contracts_catch_a_core_module_importing_a_machine(tmp_path):
    """cp.vm importing s370 directly breaks the forbidden contract; the same
    import from cp.backends is what the backends are for."""
    config = _tree(tmp_path, {"cp/vm.py": "import s370.cpu\n", "s370/cpu.py": "",
                              "cp/backends/s370.py": "import s370.cpu\nimport assists\n"})
    r = _lint(tmp_path, config)
    assert r.returncode == 1
    assert _broken(r) == {"CP reaches the machines and the assists only through cp.backends"}
    assert "cp.vm -> s370.cpu" in r.stdout


def test_the_contracts_catch_a_machine_importing_upward_or_sideways(tmp_path):
    config = _tree(tmp_path, {"s370/cpu.py": "import ia32.cpu\n", "ia32/cpu.py": "",
                              "assists/vma.py": "import cp\n"})
    r = _lint(tmp_path, config)
    assert _broken(r) == {"Layers: s370vm > cp > assists > s370 | ia32",
                          "The two machines are independent of each other"}
