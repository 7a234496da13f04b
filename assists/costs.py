"""The cost table: machine cycles, deterministic, one number per event.

Every figure the benchmarks report in "machine cycles" is computed from this
table and the event counts of a run, so runs are reproducible and independent of
the host. Sources and reasoning for each number: docs/cost-model.md. The unit is
one CPU cycle of a mid-range 370 (a 370/158 cycle is 115 ns).

GUEST: cycles per guest instruction by the instruction's ``Instr.cls``. The
run loop does not classify every instruction it executes (that would slow the
hot path), so ``GUEST_AVERAGE`` charges instructions executed in interpretive
execution, and the class figures charge instructions CP simulates.

SIE_EXIT / SIE_ENTRY: leaving interpretive execution for CP (interruption,
state save) and entering it again (state load, LPSW to the guest).

CP_PATH: for each CP simulation path, (CP instructions executed, cycles per CP
instruction). The path lengths are those of VM/370 Release 6's modules
(DMKPRV privileged-instruction simulation, DMKPRG program-interruption
reflection, DMKHVC DIAGNOSE, DMKVIO/DMKCCW virtual I/O and CCW translation,
DMKVAT shadow tables, DMKDSP dispatching), as estimated in docs/cost-model.md.
"""
from __future__ import annotations

GUEST: dict[str, int] = {
    "general": 4,
    "branch": 4,
    "decimal": 20,
    "float": 12,
    "control": 12,
    "io": 60,
    "svc": 10,
}
GUEST_AVERAGE = 5

SIE_EXIT = 80
SIE_ENTRY = 40

#: path -> (CP instructions, cycles per CP instruction)
CP_PATH: dict[str, tuple[int, int]] = {
    "privileged": (120, 5),        # DMKPRV: decode, simulate against the VMBLOK
    "lpsw": (90, 5),
    "ssm": (60, 5),
    "lctl": (150, 5),
    "io": (900, 5),                # DMKVIO + DMKCCW: CCW translation, page fixing
    "diagnose": (200, 5),          # DMKHVC: decode the code, dispatch to the service
    "svc_reflect": (70, 5),        # DMKPRG: reflect an SVC interruption
    "program_reflect": (90, 5),    # DMKPRG: reflect a program interruption
    "interrupt_reflect": (300, 5),  # DMKIOS/DMKVIO/DMKDSP: take, untranslate, reflect
    "shadow_fill": (250, 5),       # DMKVAT: one shadow page-table entry
    "shadow_invalidate": (60, 5),  # DMKVAT: zap the shadow segment table
    "shadow_invalidate_page": (30, 5),  # DMKVAT: zap one shadow page table (IPTE)
    "dispatch": (180, 5),          # DMKDSP: select a VM, load its state
    "wait": (100, 5),              # DMKDSP: a VM enters the wait state
}

#: mnemonic -> CP path used when that instruction is simulated.
INSTRUCTION_PATH: dict[str, str] = {
    "LPSW": "lpsw", "SSM": "ssm", "STNSM": "ssm", "STOSM": "ssm",
    "LCTL": "lctl", "STCTL": "lctl",
    "SIO": "io", "SIOF": "io", "TIO": "io", "HIO": "io", "HDV": "io", "TCH": "io",
    "CLRIO": "io", "STIDC": "io",
    "DIAG": "diagnose",
}


#: Assisted operations: microcode cycles for one operation the machine completes
#: itself instead of intercepting (VMA, expanded VMA, shadow-table validation,
#: shadow-table bypass). Keys are the names assists count under (mnemonics, SVC,
#: STV for shadow-table validation, DAT for a bypass table walk, TIMER for a
#: virtual interval-timer update). docs/cost-model.md explains each.
ASSIST: dict[str, int] = {
    "SVC": 30,          # store old PSW + code, fetch new PSW, checks
    "LPSW": 28,         # fetch doubleword, validity and mask checks, load
    "SSM": 16,
    "STNSM": 18,
    "STOSM": 18,
    "ISK": 14,
    "SSK": 16,
    "STCTL": 20,        # plus 4 per register beyond the first (not modelled)
    "LRA": 36,          # a table walk in microcode
    "LCTL": 24,         # expanded VMA: control registers other than 0 and 1
    "PTLB": 20,         # expanded VMA: purge, then ZAPSEGS is charged by CP's path
    "SIO": 260,         # expanded VMA: CCW decode and translation in microcode
    "SIOF": 260,
    "TCH": 16,
    "SPT": 24,
    "SCKC": 24,
    "STPT": 24,
    "STV": 70,          # shadow-table entry validation (one PTE from guest tables)
    "DAT": 12,          # bypass: the hardware table walk on a TLB miss
    "TIMER": 10,        # virtual interval timer update per dispatch (CR6 bit 7)
}

#: ECPS CP-assist instructions (E600-E613): (CP instructions the function
#: replaces, microcode cycles it costs instead).
ECPS: dict[str, tuple[int, int]] = {
    "FREE": (25, 12), "FRET": (25, 12), "PTRLK": (15, 8), "PTRUL": (15, 8),
    "DECCW0": (60, 25), "UNTFR": (30, 12), "SCNVU": (40, 15), "DSP1": (120, 50),
    "TRANBRNG": (30, 12), "TRANLOCK": (35, 14), "ZAPSEGS": (40, 15), "ZAPPAGE": (20, 8),
    "DECCW1": (80, 30), "DSP0": (60, 25), "SCNRU": (40, 15), "CCWGENRL": (70, 28),
    "UNTRN": (40, 15), "DSP2": (30, 14), "STECPSVM": (5, 4),
}

#: CP path -> the ECPS functions that replace parts of it (VM/370 Release 6
#: with ECPS: DMKDSP, DMKVIO/DMKCCW, DMKVAT, DMKFRE and DMKPTR issue them).
#: Every intercept returns to the guest through DSP2, the abbreviated dispatch.
ECPS_PATH: dict[str, tuple[str, ...]] = {
    "dispatch": ("DSP1",),
    "wait": ("DSP0",),
    "io": ("SCNVU", "DECCW1", "DECCW0", "CCWGENRL", "TRANLOCK", "PTRLK", "FREE", "SCNRU",
           "DSP2"),
    "interrupt_reflect": ("UNTRN", "PTRUL", "UNTFR", "FRET", "DSP2"),
    "shadow_fill": ("TRANBRNG", "DSP2"),
    "shadow_invalidate": ("ZAPSEGS",),
    "shadow_invalidate_page": ("ZAPPAGE",),
    "diagnose": ("FREE", "FRET", "DSP2"),
    "svc_reflect": ("DSP2",),
    "program_reflect": ("DSP2",),
    "privileged": ("DSP2",),
    "lpsw": ("DSP2",),
    "ssm": ("DSP2",),
    "lctl": ("DSP2",),
}


def path_cycles(path: str) -> int:
    """Cycles of one CP simulation path (instructions x cycles per instruction)."""
    n, c = CP_PATH[path]
    return n * c


def intercept_cycles(path: str) -> int:
    """One complete intercept: exit, CP's path, re-entry."""
    return SIE_EXIT + path_cycles(path) + SIE_ENTRY


def instruction_path(mnemonic: str) -> str:
    return INSTRUCTION_PATH.get(mnemonic, "privileged")


def ecps_intercept_cycles(path: str) -> tuple[int, tuple[str, ...]]:
    """One complete intercept when ECPS is on: the CP path with the instructions
    its ECPS functions replace taken out and their microcode cycles put in.
    Returns (cycles, the functions used)."""
    n, c = CP_PATH[path]
    fns = ECPS_PATH.get(path, ())
    saved = sum(ECPS[f][0] for f in fns)
    micro = sum(ECPS[f][1] for f in fns)
    return SIE_EXIT + (n - saved) * c + micro + SIE_ENTRY, fns


def assist_cycles(counts: dict[str, int]) -> int:
    """Microcode cycles of the assisted operations in ``counts`` (name -> count)."""
    return sum(ASSIST.get(k, 0) * v for k, v in counts.items())
