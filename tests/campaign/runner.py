"""Run a generated guest on the bare machine and under CP with each assist set,
and compare everything the guest can see.

The bare machine has the real unit-record devices (s370/devices: 1403 printer,
punch, reader on files) and the 3215 console model CP gives a VM; a VM has CP's
spooled virtual devices at the same addresses and the same reader deck. Compared:
the PSW, GPRs, FPRs, control registers, instruction count and how the run ended,
all of storage, the storage keys with their reference and change bits (reference
bits of the DAT-table blocks aside: ``tests.cp.support.guest_state``), the console
lines, the printed lines and the punched cards.

Assist sets (``ASSIST_SETS``): none, VMA, ECPS, VMA+ECPS, the shadow-table bypass
for a trusted V=V user (directory ``OPTION STBYPASS``, ``SET STBYPASS``) and for a
V=R user (``OPTION VIRT=REAL``, ``SET STBYPASS VR``), and all three both ways.
Each run checks that ``AssistControl.active`` reports the set. The one allowed
difference: a V=R user with the bypass on reaches CP's storage above its extent
(``Program.reaches_window``), where the bare machine gives addressing exceptions.
"""
from __future__ import annotations

import collections
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from s370.asm import assemble
from s370.devices.printer import Printer
from s370.devices.punch import CardPunch
from s370.devices.reader import CardReader
from s370.ebcdic import to_ascii
from s370.machine import Machine

from assists import stbypass
from cp import System, SystemConfig
from cp.backends.s370_vio import VirtualConsole

from tests.cp.support import guest_state
from .guests import SIZE, WINDOW, Program

LIMIT = 20_000
ALL = ("VMA", "ECPS", "STBYPASS")
#: label -> (machine assists, directory option, SET STBYPASS value)
ASSIST_SETS = {
    "none": ((), None, None),
    "VMA": (("VMA",), None, None),
    "ECPS": (("ECPS",), None, None),
    "VMA+ECPS": (("VMA", "ECPS"), None, None),
    "STB": (("STBYPASS",), "STBYPASS", f"{SIZE // 1024}K"),
    "STB V=R": (("STBYPASS",), "VIRT=REAL", "VR"),
    "all": (ALL, "STBYPASS", f"{SIZE // 1024}K"),
    "all V=R": (ALL, "VIRT=REAL", "VR"),
}
assert WINDOW == stbypass.WINDOW


@dataclass
class Outcome:
    """What one run left that the guest (or its devices' files) can show."""
    state: dict
    stop: str
    console: list
    printed: list
    punched: list

    def differences(self, other: "Outcome") -> list[str]:
        out = []
        for k in self.state:
            a, b = self.state[k], other.state[k]
            if a == b:
                continue
            if k in ("mem", "keys"):
                at = [i for i in range(min(len(a), len(b))) if a[i] != b[i]]
                unit = 1 if k == "mem" else 2048
                out.append(f"{k} differs at {[hex(i * unit) for i in at[:8]]} "
                           f"({len(at)} {'bytes' if k == 'mem' else 'blocks'}): "
                           f"{[(a[i], b[i]) for i in at[:4]]}")
            else:
                out.append(f"{k}: {a} != {b}")
        for k in ("stop", "console", "printed", "punched"):
            if getattr(self, k) != getattr(other, k):
                out.append(f"{k}: {getattr(self, k)!r} != {getattr(other, k)!r}")
        return out


def assemble_source(source: str) -> bytes:
    """The core image of a generated guest's source (which must assemble cleanly)."""
    a = assemble(source)
    if a.rc > 0:
        raise AssertionError("generated guest does not assemble:\n" +
                             "\n".join(m.format() for m in a.errors))
    return bytes(a.core)


def image(program: Program) -> bytes:
    return assemble_source(program.source)


def _printed_text(text: str) -> list:
    return [ln.rstrip() for ln in re.split(r"[\n\f\r]", text) if ln.strip()]


def run_bare(program: Program, img: bytes) -> Outcome:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        (d / "deck").write_bytes(b"".join(program.deck))
        m = Machine(SIZE)
        console: list = []
        m.channel.attach(VirtualConsole(0x009, console.append, collections.deque()))
        for dev in (Printer(0x00E, ["print.txt"], d), CardPunch(0x00D, ["punch", "ebcdic"], d),
                    CardReader(0x00C, ["deck", "ebcdic", "eof"], d)):
            m.attach(dev)
        m.load_image(img)
        m.ipl_psw()
        r = m.run(LIMIT)
        state = guest_state(m.cpu, m.storage, mask_ref=True)
        m.close()
        printed = _printed_text((d / "print.txt").read_text()) \
            if (d / "print.txt").exists() else []
        raw = (d / "punch").read_bytes() if (d / "punch").exists() else b""
        punched = [raw[i:i + 80] for i in range(0, len(raw), 80)]
    return Outcome(state, r.stop, console, printed, punched)


def make_vm(program: Program, img: bytes, label: str, system: System | None = None,
            userid: str = "EQ"):
    """Log a user on (a new CP with the set's machine assists unless ``system``),
    give it the directory option and SET STBYPASS of ``label``, IPL ``img``."""
    installed, option, stb = ASSIST_SETS[label]
    system = system or System(SystemConfig(assists=installed))
    vm = system.logon(userid, SIZE)
    system.spool.add_reader_file(vm.userid, list(program.deck))
    if option:
        vm.configure_assists(options={option: True}, stbypass=stb)
    want = set(installed)
    assert vm.backend.assist.active == want, (label, vm.backend.assist.active)
    vm.ipl(image=img)
    return system, vm


def outcome_of(system: System, vm) -> Outcome:
    state = guest_state(vm.cpu, vm.storage, mask_ref=True)
    printed = [to_ascii(ln).rstrip() for ln in system.spool.printed.get((vm.userid, 0x00E), [])]
    return Outcome(state, "", list(vm.console_log), [p for p in printed if p.strip()],
                   list(system.spool.punched.get((vm.userid, 0x00D), [])))


def run_cp(program: Program, img: bytes, label: str) -> Outcome:
    system, vm = make_vm(program, img, label)
    r = vm.run(LIMIT)
    out = outcome_of(system, vm)
    out.stop = r.stop
    system.logoff(vm.userid)
    return out


def may_differ(program: Program, label: str) -> bool:
    """The documented trade-off: a V=R user with the bypass reaching CP's storage."""
    return program.reaches_window and label.endswith("V=R")


def check(program: Program, labels=tuple(ASSIST_SETS)) -> dict:
    """Run ``program`` bare and under each assist set of ``labels``; raise
    AssertionError on any difference that is not the documented one. Returns
    label -> 'same' | 'allowed' (differed in the documented case) | 'equal-anyway'."""
    img = image(program)
    want = run_bare(program, img)
    result = {}
    for label in labels:
        got = run_cp(program, img, label)
        diff = want.differences(got)
        if diff and not may_differ(program, label):
            exc = AssertionError(f"{label}: " + "; ".join(diff))
            exc.program = program.source
            raise exc
        result[label] = "allowed" if diff else "same"
    return result
