"""How a command line is assembled from modules: each subcommand is a module with
``add_parser(subparsers)`` and ``run(args) -> int`` (the top level's ``cmd_*``,
``ia32``'s ``cmd_ia32_*``)."""
from __future__ import annotations

from importlib import import_module


def add_commands(sub, prefix: str, names) -> None:
    """Add the subcommand of each module ``s370vm.<prefix><name>``; a module not
    written yet is skipped."""
    for name in names:
        try:
            mod = import_module(f"s370vm.{prefix}{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"s370vm.{prefix}{name}":
                raise
            continue
        p = mod.add_parser(sub)
        p.set_defaults(func=mod.run)
