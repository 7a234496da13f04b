"""Scripted CP sessions for the command tests: run a script (the ``s370vm cp
--script`` format) on the built-in system and pick out one terminal's lines."""
from __future__ import annotations

import os
import sys
import textwrap

import pytest

from s370vm.cmd_cp import ScriptRunner, build_host


def run(script: str, data=None, directory=None, host=None):
    """Run ``script``; returns (host, {terminal: [output lines]}) where input
    echoes are left out."""
    host = host or build_host(directory=directory, data=data, engine=ENGINE)
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
#: Which guest machines the scripted sessions use: set per test by ``engine``.
ENGINE = os.environ.get("S370VM_CP_ENGINE", "bare")


def engine_params() -> list[str]:
    """Both engines when the CP core is installed (S370VM_CP_ENGINE picks one)."""
    from s370vm.cmd_cp import core_available
    if "S370VM_CP_ENGINE" in os.environ:
        return [os.environ["S370VM_CP_ENGINE"]]
    return ["bare", "core"] if core_available() else ["bare"]


@pytest.fixture(autouse=True, params=engine_params())
def engine(request, monkeypatch):
    """Every command test runs once per guest engine (import this fixture into
    the test module)."""
    monkeypatch.setattr(sys.modules[__name__], "ENGINE", request.param)
    return request.param
