"""Benchmarks run by ``s370vm bench NAME``: one module per benchmark.

Each module ``NAME.py`` here (``NAME`` with ``-`` written ``_``) exposes ``describe: str`` (one line for the help and
the report) and ``run(args) -> dict`` returning its figures as a flat, JSON-ready
dict. A module may also define ``add_arguments(parser)`` for options of its own
(options several benchmarks share, such as ``--instructions``, are defined by
``s370vm.cmd_bench``). Adding a module here registers it; nothing else to edit.
"""
from __future__ import annotations

import platform
import pkgutil
from importlib import import_module
from types import ModuleType


def runtime() -> str:
    """The Python that runs the benchmarks (every report names it: CPython and
    PyPy give very different figures), e.g. ``CPython 3.11.7`` or ``PyPy 3.9.16``."""
    return f"{platform.python_implementation()} {platform.python_version()}"


def names() -> list[str]:
    """The registered benchmarks, in name order (module ``ia32_mips`` is ``ia32-mips``)."""
    return sorted(m.name.replace("_", "-") for m in pkgutil.iter_modules(__path__)
                  if not m.name.startswith("_"))


def load(name: str) -> ModuleType | None:
    """The benchmark module called ``name``, or None if there is none."""
    if name not in names():
        return None
    return import_module(f"{__name__}.{name.replace('-', '_')}")
