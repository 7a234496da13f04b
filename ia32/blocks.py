"""The block translator: straight-line runs of decoded instructions compiled into
one Python function each, the unit the CPU's decode cache holds.

A block starts at an instruction and takes the instructions that follow it while
they have source fragments (``ia32.isa.FRAGMENTS``), up to and including the
first branch fragment, or the first instruction without a fragment (run through
its handler, last), or ``MAX_INSTRUCTIONS``, and never past the page it started
in. A direct JMP or CALL does not end it: the block goes on at the target; nor
does a conditional branch, which leaves the block when taken (a side exit). The generated function keeps ``cpu.eip`` untouched until the end (every
fragment has its own EIP values written in) and sets it once; so an exception
raised in the middle leaves ``cpu.eip`` at the block's start, and the CPU finds
the instruction that raised from the traceback line (:meth:`Block.index_at`),
restores EIP to that instruction and counts the ones before it as done.

The source of every block is registered with ``linecache`` under
``<ia32 block CS:EIP>``, so a traceback through translated code shows the lines,
each instruction preceded by a comment with its address and mnemonic.
"""
from __future__ import annotations

import linecache
import struct
from typing import Callable

from .flags import PARITY
from .isa import BRANCHES, CONDITIONAL, DIRECT, ENDS_BLOCK, handler_for

_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")

#: the longest block, in instructions
MAX_INSTRUCTIONS = 32


class Block:
    """A compiled block: ``run(cpu)`` (returns the instructions it executed), the
    most it can execute (``count``), each instruction's EIP (``starts``), the
    CS base it was translated for (``base``) and the pages its bytes came from
    (``pages``: (linear page number, physical frame address) pairs, set by the CPU;
    the block stays valid while each linear page still maps to its frame)."""

    __slots__ = ("run", "count", "starts", "base", "lines", "pages")

    def __init__(self, run: Callable, count: int, starts: list[int], base: int,
                 lines: list[int]):
        self.run = run
        self.count = count
        self.starts = starts
        self.base = base
        self.lines = lines
        self.pages: tuple = ()

    def index_at(self, tb) -> int:
        """The index of the instruction that raised, from a traceback through ``run``."""
        code = self.run.__code__
        while tb is not None:
            if tb.tb_frame.f_code is code:
                line = tb.tb_lineno
                for i, first in enumerate(self.lines):
                    if line < first:
                        return max(i - 1, 0)
                return len(self.lines) - 1
            tb = tb.tb_next
        return 0


def translate(items: list, base: int, bits: int, handler: Callable | None = None) -> Block:
    """Compile ``items``, consecutive (instruction, fragment or None) pairs as
    :func:`ends_block` delimits them, for a code segment at ``base``. The function
    returns how many instructions it executed: a conditional branch inside the
    block is a side exit (``return`` when taken). ``handler`` replaces the last
    instruction's own handler (a monitor's rewrite, ``CPU.rewrite``)."""
    src = ["def make(H, I):", "    def block(cpu):", "        R = cpu.regs"]
    prologue = len(src)
    lines: list[int] = []
    starts = []
    mask = 0xFFFFFFFF if bits == 32 else 0xFFFF
    items = drop_dead_flags(items)
    for n, (ins, frag) in enumerate(items, 1):
        starts.append(ins.eip)
        lines.append(len(src) + 1)
        src.append(f"        # {ins.eip:08X} {ins.mnemonic} {','.join(ins.form.operands)}")
        semantics = ins.form.semantics
        if frag is None:
            src.append(f"        cpu.eip = {(ins.eip + ins.length) & mask:#x}")
            src.append("        H(cpu, I)")
        elif semantics in CONDITIONAL and n < len(items):
            src += ["        " + line for line in CONDITIONAL[semantics](ins)]
            src += ["        if t:", f"            cpu.eip = {ins.target:#x}",
                    f"            return {n}"]
        else:
            src += ["        " + line for line in frag]
    last, frag = items[-1]
    if frag is not None and last.form.semantics not in BRANCHES:
        src.append(f"        cpu.eip = {(last.eip + last.length) & mask:#x}")
    src.append(f"        return {len(items)}")
    body = "\n".join(src)
    for name, value in (("RT", "cpu.rtlb"), ("WT", "cpu.wtlb"), ("RAM", "cpu.ram")):
        if name in body:
            src.insert(prologue, f"        {name} = {value}")
            lines = [n + 1 for n in lines]
    src += ["    return block", ""]
    text = "\n".join(src)
    name = f"<ia32 block {base:08X}+{items[0][0].eip:08X}>"
    linecache.cache[name] = (len(text), None, text.splitlines(True), name)
    ns: dict = {"PARITY": PARITY, "U16": _U16.unpack_from, "U32": _U32.unpack_from,
                "P16": _U16.pack_into, "P32": _U32.pack_into}
    exec(compile(text, name, "exec"), ns)
    if frag is not None:
        handler = None
    elif handler is None:
        handler = handler_for(last)
    return Block(ns["make"](handler, last), len(items), starts, base, lines)


#: the three stores that set the lazy flags (ia32.flags), as fragments write them
_FLAG_STORES = ("cpu.lcv = ", "cpu.lres = ", "cpu.lbits = ")
#: what in a fragment line reads the flags or may raise (a fault must see them)
_FLAG_USES = ("cpu.l", "cpu.eflags", "cpu.cf", "cpu.materialize", "cpu.get_eflags",
              "cpu.read", "cpu.write", "cpu.push", "cpu.pop", "cpu.adjust", "RT.", "WT.")


def drop_dead_flags(items: list) -> list:
    """Remove the flag stores of fragments whose flags a later fragment of the block
    replaces before anything reads them (``add esi,4; add edi,4``: the first add's).
    Only register-only stretches qualify: a memory access, a side exit, a handler
    or the block's end need the flags exact, since a fault or an exit may show them."""
    out = list(items)
    live = True
    for i in range(len(out) - 1, -1, -1):
        ins, frag = out[i]
        if frag is None or ins.form.semantics in CONDITIONAL:
            live = True
            continue
        stores = [line for line in frag if line.startswith(_FLAG_STORES)]
        others = [line for line in frag if not line.startswith(_FLAG_STORES)]
        writes_all = len(stores) == 3
        uses = any(use in line for line in others for use in _FLAG_USES)
        if writes_all and not live and not uses:
            out[i] = (ins, others)
        live = uses or (live and not writes_all)
    return out


def ends_block(ins, frag: list[str] | None) -> bool:
    """Whether no instruction may follow ``ins`` (with fragment ``frag``) in its block."""
    return frag is None or ins.form.semantics in ENDS_BLOCK


def successor(ins, mask: int) -> int:
    """Where the instruction after ``ins`` in its block is: the target of a direct
    JMP or CALL, else the next one (a conditional branch's fall-through)."""
    if ins.form.semantics in DIRECT:
        return ins.target
    return (ins.eip + ins.length) & mask
