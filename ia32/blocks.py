"""The block translator: straight-line runs of decoded instructions, the unit the
CPU's decode cache holds, run in two tiers.

A block starts at an instruction and takes the instructions that follow it while
they have source fragments (``ia32.isa.FRAGMENTS``), up to and including the
first branch fragment, or the first instruction without a fragment (run through
its handler, last), or ``MAX_INSTRUCTIONS``, and never past the page it started
in. A direct JMP or CALL does not end it: the block goes on at the target; nor
does a conditional branch, which leaves the block when taken (a side exit).

Each instruction becomes a group of Python lines (its fragment, with its operands
written in as literals). The two tiers run the same groups:

cold  every group is a *step*: a small function made from a template compiled once
      per shape of source (the group with each number literal turned into a
      parameter; :func:`step_for`), so a new block costs no ``compile()``. The
      block runs its steps in turn. Kernel code is mostly cold: a Linux boot runs
      thousands of blocks a few times each, and compiling each (about a
      millisecond) used to cost more than running it.
hot   on its ``HOT_AFTER``-th run (CPython) the block compiles its instructions,
      literals and all, into one function (:func:`compile_block`) and runs that
      from then on.

Both keep ``cpu.eip`` untouched until the end (every group has its own EIP values
written in) and set it once; so an exception raised in the middle leaves
``cpu.eip`` at the block's start, and the CPU asks :meth:`Block.index_at` which
instruction raised, restores EIP to that instruction and counts the ones before
it as done. A group that can write memory through the CPU's checked path (the
only path to a page holding decoded code) ends with a look at ``cpu.events``:
a write over decoded instructions sets it (``CPU._code_written``), and
``CPU.leave_block`` says whether the block must stop there, so a block that
overwrites its own later bytes beyond the prefetch queue runs the new bytes
(SDM Vol. 3 8.1.3, "Handling Self- and Cross-Modifying Code"). Any other event
stops it there too.

The source of every hot block is registered with ``linecache`` under
``<ia32 block CS:EIP>``, each instruction preceded by a comment with its address
and mnemonic, and every step template under ``<ia32 step N>``, so a traceback
through either tier shows the lines.
"""
from __future__ import annotations

import linecache
import platform
import re
import struct
import sys
from typing import Callable

from .errors import CPUFault
from .flags import PARITY
from .isa import BRANCHES, CONDITIONAL, DIRECT, ENDS_BLOCK, handler_for
from .isa.gen import MASKS

_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")

#: the longest block, in instructions
MAX_INSTRUCTIONS = 32
#: the run on which a block is compiled into one function (the hot tier); until
#: then it runs as steps. Measured on the Linux boot (docs/ia32.md): on CPython 64
#: (32 and 128 within noise, 8 a third slower); on PyPy never, as its JIT traces the
#: steps' shared templates while each compiled block is new code to trace (boot 19.5 s
#: cold only, 28.9 s at 64; bench ia32-mips 17.6 MIPS against 11.6)
HOT_AFTER = sys.maxsize if platform.python_implementation() == "PyPy" else 64

#: what generated code sees besides its parameters
_NAMESPACE = {"PARITY": PARITY, "U16": _U16.unpack_from, "U32": _U32.unpack_from,
              "P16": _U16.pack_into, "P32": _U32.pack_into, "CPUFault": CPUFault}
#: the per-run locals a group may use, and where they come from
_LOCALS = (("RT", "cpu.rtlb"), ("WT", "cpu.wtlb"), ("RAM", "cpu.ram"))
#: what in a group writes memory through the CPU (see the module doc)
_CHECKED_WRITE = re.compile(r"cpu\.write|cpu\.push")


class Block:
    """A block: ``run(cpu)`` (returns the instructions it executed), the most it can
    execute (``count``), each instruction's EIP (``starts``), the CS base and limit
    it was translated for (``base``, ``limit``) and the pages its bytes came from
    (``pages``: (linear page number, physical frame address) pairs, set by the CPU;
    the block stays valid while each linear page still maps to its frame; ``lp``,
    ``frame`` and ``split`` are the first of them and whether there are more). Cold, it
    keeps its ``items`` to compile when hot; ``at`` is the step that raised last,
    ``runs`` how often it ran cold."""

    __slots__ = ("run", "count", "starts", "base", "limit", "bits", "lines", "pages", "lp",
                 "frame", "split", "items", "handler", "runs", "at")

    def __init__(self, items: list, steps: list, base: int, bits: int, limit: int,
                 handler: Callable | None):
        self.count = len(items)
        self.starts = [ins.eip for ins, _ in items]
        self.base = base
        self.bits = bits
        self.limit = limit
        self.items = items
        self.handler = handler
        self.lines: list[int] = []
        self.pages: tuple = ()
        #: the first of ``pages`` and whether there are more (the CPU's quick check)
        self.lp, self.frame, self.split = -1, -1, True
        self.runs = 0
        self.at = 0
        last, frag = items[-1]
        mask = 0xFFFFFFFF if bits == 32 else 0xFFFF
        # where the block goes on when its last instruction does not say
        goes_on = frag is not None and (last.form.semantics not in BRANCHES
                                        or last.form.semantics in CONDITIONAL)
        self.run = self._cold_runner(steps, (last.eip + last.length) & mask if goes_on else None)

    def _cold_runner(self, steps: list, end: int | None) -> Callable:
        count = len(steps)
        block = self

        def run(cpu) -> int:
            block.runs += 1
            hot = cpu.hot_after
            if block.runs >= (HOT_AFTER if hot is None else hot):
                return block.promote()(cpu)
            i = 0
            try:
                for i, step in enumerate(steps):
                    if step(cpu):
                        return i + 1
            except BaseException:
                block.at = i
                raise
            if end is not None:
                cpu.eip = end
            return count
        return run

    def promote(self) -> Callable:
        """Compile the block into one function (the hot tier); that function."""
        self.run, self.lines = compile_block(groups(self.items, self.bits, self.limit),
                                             self.starts, self.base, self.handler,
                                             self.items[-1][0])
        self.items = None
        return self.run

    @property
    def hot(self) -> bool:
        return self.items is None

    def index_at(self, tb) -> int:
        """The index of the instruction that raised, from a traceback through ``run``."""
        if self.items is not None:
            return self.at
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


def translate(items: list, base: int, bits: int, handler: Callable | None = None,
              limit: int = 0xFFFFFFFF, steps: list | None = None) -> Block:
    """The block of ``items``, consecutive (instruction, fragment or None) pairs as
    :func:`ends_block` delimits them, for a code segment at ``base`` with ``limit``
    (a near branch past it is #GP(0) at the branch), cold. Its run returns how many
    instructions it executed: a conditional branch inside the block is a side exit
    (``return`` when taken). ``handler`` replaces the last instruction's own
    handler (a monitor's rewrite, ``CPU.rewrite``). ``steps``: the instructions'
    cold steps where the caller has them (:func:`cold_step`; None: made here)."""
    last, frag = items[-1]
    if frag is not None:
        handler = None
    elif handler is None:
        handler = handler_for(last)
    if steps is None:
        steps = [cold_step(ins, f, bits, limit) for ins, f in items[:-1]] + [None]
    if steps[-1] is None:
        steps[-1] = cold_step(last, frag, bits, limit, handler)
    return Block(items, steps, base, bits, limit, handler)


#: a near branch to an offset past the CS limit: #GP(0), the branch not done
#: (SDM Vol. 2 JMP, Jcc, CALL, RET, LOOPcc, JCXZ: "IF tempEIP is not within code
#: segment limit THEN #GP(0)")
_PAST_LIMIT = "raise CPUFault(13, 0)"


def instruction_lines(ins, frag: list[str] | None, mask: int, limit: int, n: int) -> list[str]:
    """The lines that run ``ins`` (with fragment ``frag``) inside a block, leaving it
    early with ``return n`` (a taken conditional branch; a write over decoded code)."""
    after = (ins.eip + ins.length) & mask
    if frag is None:
        return [f"cpu.eip = {after:#x}", "H(cpu, I)"]
    semantics = ins.form.semantics
    if semantics in CONDITIONAL:
        if ins.target > limit:          # (E)CX as it was: LOOP's decrement undone
            return ["c0 = R[1]"] + CONDITIONAL[semantics](ins) + [
                "if t:", "    R[1] = c0", "    " + _PAST_LIMIT]
        return CONDITIONAL[semantics](ins) + [
            "if t:", f"    cpu.eip = {ins.target:#x}", f"    return {n}"]
    if semantics in DIRECT and ins.target > limit:
        return [_PAST_LIMIT]
    if semantics == "ret" and limit < MASKS[ins.osize]:
        return ["sp0 = R[4]"] + frag[:-1] + [
            f"if t > {limit:#x}:", "    R[4] = sp0", "    " + _PAST_LIMIT, frag[-1]]
    lines = list(frag)
    if _CHECKED_WRITE.search("\n".join(lines)):
        nxt = successor(ins, mask)
        lines += [f"if cpu.events and cpu.leave_block({nxt:#x}):",
                  f"    cpu.eip = {nxt:#x}", f"    return {n}"]
    return lines


def groups(items: list, bits: int, limit: int = 0xFFFFFFFF) -> list[tuple[str, list[str]]]:
    """Each instruction's (comment, lines) as the hot tier runs them: the lines
    return the instruction's number in the block when they leave it early, and
    dead flag stores are left out (:func:`drop_dead_flags`)."""
    mask = 0xFFFFFFFF if bits == 32 else 0xFFFF
    items = drop_dead_flags(items)
    out = []
    for n, (ins, frag) in enumerate(items, 1):
        comment = f"# {ins.eip:08X} {ins.mnemonic} {','.join(ins.form.operands)}"
        lines = instruction_lines(ins, frag, mask, limit, n)
        semantics = ins.form.semantics
        if n == len(items) and frag is not None and (
                semantics not in BRANCHES or semantics in CONDITIONAL):
            lines.append(f"cpu.eip = {(ins.eip + ins.length) & mask:#x}")
        out.append((comment, lines))
    return out


def cold_step(ins, frag: list[str] | None, bits: int, limit: int,
              handler: Callable | None = None) -> Callable:
    """The cold tier's step for ``ins``: ``step(cpu)`` runs it and returns True if
    it leaves the block (the block's runner sets EIP when the last one does not)."""
    mask = 0xFFFFFFFF if bits == 32 else 0xFFFF
    return step_for(instruction_lines(ins, frag, mask, limit, 1), handler, ins)


def _prologue(body: str, indent: str) -> list[str]:
    return [f"{indent}{name} = {value}" for name, value in _LOCALS if name in body]


def compile_block(groups: list, starts: list[int], base: int, handler: Callable | None,
                  last) -> tuple[Callable, list[int]]:
    """The hot tier: ``groups`` compiled into one function; (function, the first
    source line of each instruction)."""
    body = "\n".join(line for _, lines in groups for line in lines)
    src = ["def make(H, I):", "    def block(cpu):", "        R = cpu.regs"]
    src += _prologue(body, "        ")
    first: list[int] = []
    for comment, lines in groups:
        first.append(len(src) + 1)
        src.append("        " + comment)
        src += ["        " + line for line in lines]
    src.append(f"        return {len(groups)}")
    src += ["    return block", ""]
    text = "\n".join(src)
    name = f"<ia32 block {base:08X}+{starts[0]:08X}>"
    linecache.cache[name] = (len(text), None, text.splitlines(True), name)
    ns = dict(_NAMESPACE)
    exec(compile(text, name, "exec"), ns)
    return ns["make"](handler, last), first


#: a number literal in generated source (names such as U16 or read_u32 hold digits
#: but no word boundary before them)
_NUMBER = re.compile(r"\b(0[xX][0-9a-fA-F]+|\d+)\b")
#: template source -> the function making a step from (H, I, constants...)
_TEMPLATES: dict[str, Callable] = {}
#: group source -> its step, for the groups without a handler (the same
#: instruction in overlapping blocks, or decoded again, shares one)
_STEPS: dict[str, Callable] = {}
#: how many it keeps at most (a long run of generated guests must not grow it forever)
_MAX_STEPS = 200_000


def step_for(lines: list[str], handler: Callable | None, ins) -> Callable:
    """A function ``step(cpu)`` running ``lines`` (``H`` is ``handler``, ``I`` is
    ``ins``), made from the template of their shape."""
    body = "\n".join(lines)
    if handler is None:
        step = _STEPS.get(body)
        if step is not None:
            return step
    parts = _NUMBER.split(body)
    shape = "\0".join(parts[::2])
    make = _TEMPLATES.get(shape)
    if make is None:
        make = _TEMPLATES[shape] = _template(shape, len(parts) // 2)
    step = make(handler, ins, *[int(k, 0) for k in parts[1::2]])
    if handler is None:
        if len(_STEPS) >= _MAX_STEPS:
            _STEPS.clear()
        _STEPS[body] = step
    return step


def _template(shape: str, n: int) -> Callable:
    """Compile the template of one group shape (NUL where its literals go)."""
    params = [f"k{i}" for i in range(n)]
    pieces = shape.split("\0")
    body = pieces[0] + "".join(p + piece for p, piece in zip(params, pieces[1:]))
    src = [f"def make(H, I{''.join(', ' + p for p in params)}):", "    def step(cpu):",
           "        R = cpu.regs"]
    src += _prologue(body, "        ")
    src += ["        " + line for line in body.split("\n")]
    src += ["    return step", ""]
    text = "\n".join(src)
    name = f"<ia32 step {len(_TEMPLATES)}>"
    linecache.cache[name] = (len(text), None, text.splitlines(True), name)
    ns = dict(_NAMESPACE)
    exec(compile(text, name, "exec"), ns)
    return ns["make"]


#: the three stores that set the lazy flags (ia32.flags), as fragments write them
_FLAG_STORES = ("cpu.lcv = ", "cpu.lres = ", "cpu.lbits = ")
#: what in a fragment line reads the flags or may raise (a fault must see them)
_FLAG_USE = re.compile("|".join(re.escape(use) for use in (
    "cpu.l", "cpu.eflags", "cpu.cf", "cpu.materialize", "cpu.get_eflags", "cpu.read",
    "cpu.write", "cpu.push", "cpu.pop", "cpu.adjust", "RT.", "WT.")))
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
        others = [line for line in frag if not line.startswith(_FLAG_STORES)]
        writes_all = len(frag) - len(others) == 3
        uses = _FLAG_USE.search("\n".join(others)) is not None
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
