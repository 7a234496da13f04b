"""The IA-32 backend's cost model: machine cycles of a deterministic count, as
assists/costs.py is for S/370 (docs/cost-model.md, "IA-32 virtual machines",
gives where each number comes from).

The unit is one cycle of a 486-class processor. An exit is the processor's
fault or interrupt delivery into the monitor plus the monitor's return to the
guest (IRET to ring 1 or 3); the paths are the monitor's work for each kind of
exit, in instructions x cycles per instruction, like VM/370's paths in
assists/costs.py. The shape (a hidden page fault and an emulated privileged
instruction cost hundreds of guest instructions each) is what makes trap-and-
emulate expensive and is what binary translation removes.
"""
from __future__ import annotations

#: a guest instruction executed directly (the 486's average for integer code)
GUEST_AVERAGE = 2
#: delivery of a fault or interrupt to the monitor (a 486 protected-mode
#: interrupt through an interrupt gate with a privilege change: about 70 cycles)
EXIT = 70
#: the monitor's return to the guest (IRET to an outer level: about 40 cycles)
ENTRY = 40

#: path -> (monitor instructions, cycles per instruction)
CP_PATH: dict[str, tuple[int, int]] = {
    "privileged": (150, 3),        # decode, emulate against the virtual CPU
    "io": (400, 3),                # decode, the virtual device's register model
    "cr_write": (300, 3),          # MOV CRn / LMSW / CLTS: shadow set switch or flush
    "descriptor_table": (500, 3),  # LGDT / LLDT / LTR: re-shadow the descriptors
    "program_reflect": (120, 3),   # deliver a fault through the guest's IDT
    "svc_reflect": (120, 3),       # a system call (INT n) through the guest's IDT
    "interrupt_reflect": (200, 3),  # acknowledge the virtual PIC, deliver the vector
    "shadow_fill": (200, 3),       # walk the guest's tables, fill one shadow entry
    "shadow_invalidate": (80, 3),  # drop the shadow sets
    "dispatch": (100, 3),          # load the VM's state
    "wait": (60, 3),               # HLT: the VM waits for its next interrupt
}

#: mnemonic (as the backend counts emulated instructions) -> path
INSTRUCTION_PATH: dict[str, str] = {
    "IN": "io", "OUT": "io", "INS": "io", "OUTS": "io",
    "MOV CRn": "cr_write", "LMSW": "cr_write", "CLTS": "cr_write", "INVLPG": "cr_write",
    "LGDT": "descriptor_table", "LLDT": "descriptor_table", "LTR": "descriptor_table",
}


def intercept_cycles(path: str) -> int:
    """One exit handled on ``path``: delivery to CP, CP's path, return."""
    n, c = CP_PATH[path]
    return EXIT + n * c + ENTRY


#: a translated block's call into CP's emulation and its return (TRANSLATE)
CALL = 20
#: the part of an exit's path that finds and decodes the instruction (a callout's
#: instruction was decoded once, when its block was translated)
DECODE = 50 * 3


def callout_cycles(path: str) -> int:
    """One inline callout of translated code on ``path``: no exit, no entry, no
    decoding (docs/cost-model.md)."""
    n, c = CP_PATH[path]
    return CALL + n * c - DECODE


def instruction_path(name: str) -> str:
    return INSTRUCTION_PATH.get(name, "privileged")


def assist_cycles(counts: dict) -> int:
    """No hardware assists on IA-32 (the modes are the backend's own)."""
    return 0
