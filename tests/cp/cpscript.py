"""Scripted CP sessions for the command tests: run a script (the ``s370vm cp
--script`` format) on the built-in system and pick out one terminal's lines."""
from __future__ import annotations

import textwrap

from s370vm.cmd_cp import ScriptRunner, build_host


def run(script: str, data=None, directory=None, host=None):
    """Run ``script``; returns (host, {terminal: [output lines]}) where input
    echoes are left out."""
    host = host or build_host(directory=directory, data=data)
    pairs = ScriptRunner(host, 2_000_000).run(textwrap.dedent(script).strip().splitlines())
    out: dict[str, list[str]] = {}
    for term, line in pairs:
        if not line.startswith("> "):
            out.setdefault(term, []).append(line)
    return host, out


def lines(script: str, term: str = "T1", **kw) -> list[str]:
    """The output lines of one terminal."""
    return run(script, **kw)[1].get(term, [])


LOGON = "LOGON GUEST1 GUEST"
