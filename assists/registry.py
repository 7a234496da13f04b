"""The assists of one virtual machine: names, switches, CR6 and the MICBLOK.

Who decides what (VM/370 Release 6, GA22-7074):

* the *machine* has a feature installed or not: the configuration statements
  ``ASSIST VMA ECPS STBYPASS`` and Hercules' ``ECPSVM YES`` (which brings ECPS:VM
  and the VMA it includes), or ``--assist`` on the command line;
* the *system* switches ``SET SASSIST ON|OFF`` (VMA for everybody, class A) and
  ``SET CPASSIST ON|OFF`` (ECPS: CP assists and expanded VMA);
* the *user* switches ``SET ASSIST ON|OFF [SVC|NOSVC] [TMR|NOTMR]`` (class G) and
  ``SET STBYPASS VR|nnnK|OFF``; the directory decides whether the user may have the
  shadow-table bypass at all (``OPTION STBYPASS``, or ``OPTION VIRT=REAL``);
* CP turns VMA off while the user traces or has an address stop set.

``AssistControl`` combines these into what the hardware reads: a control
register 6 value and a MICBLOK in CP's real storage (``CPArea``), and the list of
assists in trial order (shadow-table bypass, VMA, expanded VMA) in the state
description. CP calls ``enter`` before each interpretive entry so that the
MICBLOK fields it owns (virtual CR0/CR1 in the ECBLOK, the virtual PSW image and
its pending-interruption bit) are current, as DMKDSP did before it loaded a VM.
"""
from __future__ import annotations

import struct
import weakref

from s370.errors import MachineError

from . import costs, ecps, stbypass, vma
from .micblok import (CR6_ECPS, CR6_MICBLOK, CR6_SVCINHIB, CR6_VMA, CR6_VPROB, CR6_VTIMER, ECBLOK,
                      MICACF, MICACF_EVMA, MICACF_STB, MICACF_STBFN, MICCREG, MICRSEG, MICVIP,
                      MICVPSW, MICVTMR, MICWORK, RSEG, VPSW, VTIMER, WORK, CPArea,
                      interruption_pending, system_area)

#: The MICBLOK fields ``enter`` writes before every interpretive entry (packed in
#: one call each: it runs on every exit CP takes).
_CRS, _DWORD, _WORD = struct.Struct(">16I"), struct.Struct(">Q"), struct.Struct(">I")
#: The assists a machine can have, in the hardware's trial order.
NAMES = ("STBYPASS", "VMA", "ECPS")
_ALIASES = {"VMA": "VMA", "SASSIST": "VMA", "ECPS": "ECPS", "ECPSVM": "ECPS",
            "CPASSIST": "ECPS", "STB": "STBYPASS", "STBYPASS": "STBYPASS"}
#: The benchmark's assist sets (label -> set), in the order it reports them.
BENCH_SETS = (("none", frozenset()), ("VMA", frozenset({"VMA"})),
              ("ECPS", frozenset({"ECPS"})), ("STB", frozenset({"STBYPASS"})),
              ("VMA+ECPS", frozenset({"VMA", "ECPS"})),
              ("all", frozenset({"VMA", "ECPS", "STBYPASS"})))


def parse(text: str | None) -> frozenset:
    """``vma,ecps,stbypass`` (any subset, commas or blanks; ``stb`` for short),
    ``all`` or ``none`` -> the set of assist names."""
    words = [w for w in (text or "").replace(",", " ").replace("+", " ").upper().split()]
    if not words or words == ["NONE"]:
        return frozenset()
    if words == ["ALL"]:
        return frozenset(NAMES)
    out = set()
    for w in words:
        if w not in _ALIASES:
            raise MachineError(f"unknown assist {w.lower()!r} (known: vma, ecps, stbypass, "
                               "all, none)")
        out.add(_ALIASES[w])
    return frozenset(out)


def label(names) -> str:
    """A set of assist names as the benchmark and QUERY ASSIST show it."""
    names = set(names)
    if not names:
        return "none"
    if names == set(NAMES):
        return "all"
    return "+".join({"STBYPASS": "STB"}.get(n, n) for n in ("VMA", "ECPS", "STBYPASS")
                    if n in names)


def from_config(cfg) -> frozenset:
    """The assists a machine configuration (s370.config) installs: ``ASSIST``
    statements, and ``ECPSVM YES`` which brings ECPS:VM with its VMA."""
    names = {a.upper() for a in getattr(cfg, "assists", ())}
    if getattr(cfg, "ecpsvm", False):
        names |= {"VMA", "ECPS"}
    return frozenset(names)


class AssistControl:
    """Everything about the assists of one VM (see the module docstring).

    ``installed``: the machine's features. Switches: ``sassist``/``cpassist``
    (system), ``user_vma``, ``svc``, ``tmr``, ``stbypass`` (user), ``trusted``/
    ``vr`` (directory), ``tracing`` (CP). ``counts``: assisted operation -> count
    (the VM's ``counters.assisted``); ``fallbacks``: why an assist left an
    operation to CP -> count."""

    def __init__(self, vm, installed=frozenset(), area: CPArea | None = None):
        self.vm = vm
        self.cpu = vm.cpu
        self.sd = vm.cpu.sdesc
        self.counters = vm.counters
        self.installed = parse(" ".join(installed))
        self.sassist = True
        self.cpassist = True
        self.user_vma = True
        self.svc = True
        self.tmr = True
        self.stbypass = "OFF"
        self.trusted = False
        self.vr = False
        self.tracing = False
        self.fallbacks: dict[str, int] = {}
        self.area = area if area is not None else system_area(vm.system)
        self.micblok = self.area.allocate()
        weakref.finalize(vm, self.area.release, self.micblok)   # the slot outlives no VM
        self.assists: dict[str, object] = {}
        self.apply()

    # ------------------------------------------------------------- switches
    @property
    def active(self) -> frozenset:
        """The assists in effect for this VM now."""
        on = set()
        if "VMA" in self.installed and self.sassist and self.user_vma and not self.tracing:
            on.add("VMA")
        if "ECPS" in self.installed and self.cpassist:
            on.add("ECPS")
        if "STBYPASS" in self.installed and self.stbypass != "OFF" and self.trusted:
            on.add("STBYPASS")
        return frozenset(on)

    def configure(self, assist: bool | None = None, svc: bool | None = None,
                  tmr: bool | None = None, stbypass: str | None = None,
                  sassist: bool | None = None, cpassist: bool | None = None,
                  options: dict | None = None) -> None:
        """Change any switch (None: keep) and rebuild CR6, MICBLOK and the list.
        ``SET STBYPASS`` other than OFF for a user whose directory entry does not
        allow it is refused (MachineError), as VM/370 refused it."""
        if options is not None:
            self.vr = bool(options.get("VIRT=REAL"))
            self.trusted = bool(options.get("STBYPASS")) or self.vr
            if options.get("SVCOFF"):
                self.svc = False
        if stbypass is not None:
            v = stbypass.upper()
            if v != "OFF" and not self.trusted:
                raise MachineError(f"HCPCFS003E STBYPASS {v} not allowed: the directory entry of "
                                   f"{self.vm.userid} has no OPTION STBYPASS or VIRT=REAL")
            if v == "VR" and not self.vr:
                raise MachineError(f"HCPCFS003E STBYPASS VR needs a V=R virtual machine")
            self.stbypass = v
        for name, value in (("user_vma", assist), ("svc", svc), ("tmr", tmr),
                            ("sassist", sassist), ("cpassist", cpassist)):
            if value is not None:
                setattr(self, name, bool(value))
        self.apply()

    def set_tracing(self, on: bool) -> None:
        """TRACE or ADSTOP active: CP clears CR6 bit 0 (VMA off for this user)."""
        self.tracing = bool(on)
        self.apply()

    # ------------------------------------------------------- the hardware view
    def cr6(self) -> int:
        on = self.active
        v = self.micblok & CR6_MICBLOK
        if "VMA" in on:
            v |= CR6_VMA
        if "ECPS" in on:
            v |= CR6_ECPS
            if self.tmr:
                v |= CR6_VTIMER
        if not self.svc:
            v |= CR6_SVCINHIB
        if self.cpu.problem:
            v |= CR6_VPROB
        return v

    def apply(self) -> None:
        """Rebuild the state description's assist controls from the switches."""
        on = self.active
        self.bypass = "STBYPASS" in on
        stbypass.window(self, "STBYPASS" in on)
        self.sd.cr6 = self.cr6()
        self.sd.micblok = self.micblok
        acf = 0
        if "ECPS" in on:
            acf |= MICACF_EVMA
        if "STBYPASS" in on:
            acf |= MICACF_STB | MICACF_STBFN
        mem, off = self.area.mem, self.area.offset(self.micblok)
        mem[off + MICACF:off + MICACF + 4] = acf.to_bytes(4, "big")
        for field_, rel in ((MICCREG, ECBLOK), (MICWORK, WORK), (MICVTMR, VTIMER)):
            mem[off + field_:off + field_ + 4] = (self.micblok + rel).to_bytes(4, "big")
        chain = []
        if "STBYPASS" in on:
            chain.append(self._get("STBYPASS", stbypass.ShadowTableBypass))
        if "VMA" in on:
            chain.append(self._get("VMA", vma.VirtualMachineAssist))
        if "ECPS" in on and "VMA" in on:
            chain.append(self._get("EVMA", ecps.ExpandedVMA))
        self.sd.assists = chain
        self.sd.intercept_svc = "VMA" not in on or not self.svc
        self.counters.cost = ecps.cp_path_cost(self) if "ECPS" in on \
            else costs.intercept_cycles
        if "ECPS" in on and "STECPSVM" not in self.counters.ecps:
            self.counters.ecps["STECPSVM"] = 1      # CP asks for the ECPS level at start
        self.enter()

    def _get(self, key: str, cls):
        a = self.assists.get(key)
        if a is None:
            a = self.assists[key] = cls(self)
        return a

    def enter(self) -> None:
        """Before an interpretive entry (DMKDSP): bring the MICBLOK fields CP owns
        up to date: ECBLOK (virtual CR0-CR15), the virtual PSW image and the
        pending-interruption bit, CR6 bit 1 (virtual problem state), MICRSEG."""
        cpu = self.cpu
        mem, off = self.area.mem, self.area.offset(self.micblok)
        _CRS.pack_into(mem, off + ECBLOK, *cpu.cr)
        _DWORD.pack_into(mem, off + VPSW, cpu.psw)
        vpsw = (self.micblok + VPSW) | ((MICVIP << 24) if interruption_pending(cpu) else 0)
        _WORD.pack_into(mem, off + MICVPSW, vpsw)
        rseg = (self.micblok + RSEG) if cpu.dat and not self.bypass else 0
        _WORD.pack_into(mem, off + MICRSEG, rseg)
        self.sd.cr6 = (self.sd.cr6 & ~CR6_VPROB) | (CR6_VPROB if cpu.problem else 0)

    # --------------------------------------------------------------- reading
    def word(self, field_: int) -> int:
        """A MICBLOK word (for the assists and tests)."""
        off = self.area.offset(self.micblok) + field_
        return int.from_bytes(self.area.mem[off:off + 4], "big")

    def fallback(self, reason: str) -> bool:
        """Count an operation an assist left to CP; returns False for the caller."""
        self.fallbacks[reason] = self.fallbacks.get(reason, 0) + 1
        return False

    def why_not(self) -> list[str]:
        """Why an assist switched on is not in effect (QUERY ASSIST says so)."""
        if not self.installed:
            return ["NO ASSIST IS INSTALLED ON THIS MACHINE (CONFIGURATION STATEMENT "
                    "ASSIST VMA ECPS STBYPASS)"]
        out = []
        if "VMA" in self.installed and self.sassist and self.user_vma and self.tracing:
            out.append("VMA SUSPENDED WHILE TRACE OR ADSTOP IS ON")
        if "STBYPASS" in self.installed and self.stbypass != "OFF" and not self.trusted:
            out.append("STBYPASS NOT IN EFFECT: THE USER IS NOT TRUSTED (V=R OR DIRECTORY OPTION)")
        return out

    def query(self) -> list[str]:
        """QUERY ASSIST's lines: switches, then each operation handled by an
        assist versus by CP, then the ECPS functions used."""
        on = self.active
        lines = [f"ASSIST {'ON' if self.user_vma else 'OFF'} {'SVC' if self.svc else 'NOSVC'} "
                 f"{'TMR' if self.tmr else 'NOTMR'}, SASSIST {'ON' if self.sassist else 'OFF'}, "
                 f"CPASSIST {'ON' if self.cpassist else 'OFF'}, STBYPASS {self.stbypass}",
                 f"ASSISTS IN EFFECT: {label(on).upper()}  CR6 {self.sd.cr6:08X}  "
                 f"MICBLOK {self.micblok:06X}"]
        lines += self.why_not()
        c = self.counters
        by_cp = dict(c.simulated)
        if c.reflected.get("svc"):
            by_cp["SVC"] = c.reflected["svc"]
        if c.shadow_builds:
            by_cp["STV"] = c.shadow_builds
        ops = sorted(set(by_cp) | set(c.assisted))
        if ops:
            lines.append("OPERATION    ASSIST        CP")
            for op in ops:
                lines.append(f"{op:<8} {c.assisted.get(op, 0):>10} {by_cp.get(op, 0):>9}")
        if c.ecps:
            lines.append("ECPS " + ", ".join(f"{k} {v}" for k, v in sorted(c.ecps.items())))
        return lines
