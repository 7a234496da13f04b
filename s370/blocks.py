"""Block translation: one generated Python function per basic block.

The interpreter (``CPU._run_real``) pays, for every instruction, a dispatch through
the handler table, a call, and the decode of the instruction's fields. Here the
same declaration fragments (``s370.isa``) are spliced into one function per basic
block, with each instruction's fields decoded once at translation time and
bound as constants, so a block of n instructions costs one call (ARCHITECTURE.md,
"Speed"). One declaration, two engines: the semantics are the table's in both,
and tests/s370/test_blocks.py runs programs both ways and compares.

What keeps it exact:

* A block ends at any instruction that may change the flow or the PSW: a body
  that assigns ``cpu.ia``, raises ``StateChange``, calls a CPU method other than
  the storage accessors, any privileged instruction, SVC and EXECUTE. Those, and
  every instruction whose body cannot be inlined (it contains ``return``), are
  executed by calling their compiled handler, as the interpreter does.
* When an instruction raises, ``Block.index`` finds which one from the source
  line of the block's frame in the traceback (no bookkeeping in the hot path),
  so the run loop counts exactly the completed instructions and builds the
  interruption for the right instruction address and length.
* Every mode: a block is made from the real bytes of one 2K block and keyed by
  its logical address; the run loop (``CPU._run_blocks``) enters it only while
  the CPU's fetch TLB maps that logical 2K block to the same real block, which
  is the whole of instruction-fetch checking (translation, PSW key, fetch
  protection) done once per entry. Operands go through the one storage fast
  path (s370/isa/access.py), a TLB lookup whatever DAT and the key are. An
  instruction that would cross a 2K boundary is never translated.
* Stores into translated code (self-modifying code such as ``MVI *+1,X'F0'``, a
  channel program reading into code): the storage records which bytes hold
  translated code (``Storage.code``); a store into them invalidates exactly the
  blocks made from those bytes and sets ``Storage.stale``, which a running block
  tests after each instruction that may store, returning early so that the next
  instruction is translated afresh. What is written while the CPU is not
  running (CP, the operator, loaders, tests poking storage) is caught by
  comparing a block's bytes once per ``CPU.run`` call, at its first entry.
* The budget of a burst is never exceeded (a block longer than what is left
  runs in the interpreter).
* Reference recording (GA22-7000 "Reference Recording"): fetching an instruction
  sets the reference bit of its 2K block; a block lies in one, so it sets the bit
  once each time it is entered. RRB and SSK, which reset the bit, end their
  block, so the next entry sets it again.
"""
from __future__ import annotations

import ast
import copy
import functools
from dataclasses import dataclass

from . import block_locals as _locals
from .isa import GROUP_HANDLERS, HANDLERS, HELPERS_OF, LENGTH, lookup
from .isa import build, support

MAX_BLOCK = 32          # instructions per block at most

#: CPU methods a body may call without ending its block or needing ``cpu.ia``.
ACCESSORS = frozenset({"fb", "fh", "fw", "fd", "sb", "sh", "sw", "sd", "fetch", "store",
                       "check_access", "pieces", "translate"})
STORING_ACCESSORS = frozenset({"sb", "sh", "sw", "sd", "store"})
#: Plain functions that neither read the PSW nor store.
PURE_CALLS = frozenset({"s32", "s16", "s64", "cc_signed", "len", "range", "min", "max",
                        "bytes", "int", "abs", "divmod", "_unpack_w", "_unpack_h",
                        "_unpack_d", "ProgramInterrupt", "spec"})
FIELDS = ("i", "r1", "r2", "r3", "x2", "b1", "b2", "d1", "d2", "i2", "i3", "l", "l1", "l2",
          "addr", "addr1", "addr2")


@dataclass(frozen=True)
class Shape:
    """What the translator needs to know about one instruction's body."""
    inline: bool        # the body can be spliced (no ``return``)
    loads: frozenset    # field names the body reads
    needs_ia: bool      # set ``cpu.ia`` before the body (it may read it)
    ends: bool          # the block must end after this instruction
    stores: bool        # the body may store into storage
    uses_p: bool        # the body reads ``m``/``p`` (its own bytes)


_shapes: dict[str, Shape] = {}


def _call_name(node: ast.Call) -> tuple[str | None, str]:
    f = node.func
    if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
        return f.value.id, f.attr
    if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Attribute) \
            and f.value.attr in ("rtlb", "wtlb") and f.attr == "get":
        return "tlb", "get"         # an access-TLB lookup (s370/isa/access.py)
    if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Attribute) \
            and f.value.attr == "storage" and f.attr == "written":
        return "storage", "written"     # a store into translated code (access.py)
    if isinstance(f, ast.Name):
        return None, f.id
    if isinstance(f, ast.Attribute):
        return "?", f.attr
    return "?", "?"


#: Names and CPU attributes that are never main storage when subscripted.
NOT_STORAGE = frozenset({"R", "sk", "k", "res", "buf", "fpr", "gpr", "cr", "skeys", "out"})


def _may_be_storage(node: ast.expr) -> bool:
    """Whether an item assignment ``node[...] = ...`` may store into main storage."""
    if isinstance(node, ast.Name):
        return node.id not in NOT_STORAGE
    if isinstance(node, ast.Attribute):
        return node.attr not in NOT_STORAGE
    return True


def shape_of(ins) -> Shape:
    """Analyse an instruction's fragment once (cached)."""
    s = _shapes.get(ins.mnemonic)
    if s is not None:
        return s
    tree = ast.parse("\n".join(build.body_lines(ins)))
    inline = not ins.priv and ins.mnemonic not in ("EX", "SVC")
    loads, needs_ia, ends, stores, uses_p = set(), False, False, False, False
    for node in ast.walk(tree):
        if isinstance(node, ast.Return) or (isinstance(node, ast.Name) and node.id in CONFLICTS):
            inline = False
        elif isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                if node.id in FIELDS:
                    loads.add(node.id)
                elif node.id in ("m", "p"):
                    uses_p = True
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id == "cpu" and node.attr == "ia":
            needs_ia = True
            if isinstance(node.ctx, ast.Store):
                ends = True
        elif isinstance(node, ast.Raise) and "StateChange" in ast.dump(node):
            needs_ia = ends = True
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
            stores = stores or _may_be_storage(node.value)
        elif isinstance(node, ast.Call):
            owner, name = _call_name(node)
            if owner == "cpu":
                if name in STORING_ACCESSORS:
                    stores = True
                elif name not in ACCESSORS:
                    needs_ia = ends = True
            elif owner is None and name in PURE_CALLS or owner == "tlb":
                pass
            elif owner == "storage":
                stores = True
            elif name.startswith("_pack"):
                stores = True
            elif not (owner == "int" and name == "from_bytes"):
                needs_ia = stores = True      # a helper: may read the PSW, may store
    if not inline:
        ends = ins.priv or ins.mnemonic in ("EX", "SVC") or ends
    s = Shape(inline, frozenset(loads), needs_ia, ends, stores, uses_p)
    _shapes[ins.mnemonic] = s
    return s


#: CPU attributes that are not rebound inside a block (the access TLBs are
#: emptied in place; low-address protection changes only by LCTL, which ends
#: its block), read once per block into locals named ``_<attr>``.
HOISTED = ("mem", "rtlb", "wtlb", "code", "store_lo", "skeys", "fpr")


class _Hoist(ast.NodeTransformer):
    """``cpu.<hoisted>`` -> ``_<hoisted>``."""

    def visit_Attribute(self, node):
        self.generic_visit(node)
        if isinstance(node.value, ast.Name) and node.value.id == "cpu" \
                and isinstance(node.ctx, ast.Load) and node.attr in HOISTED:
            return ast.copy_location(ast.Name("_" + node.attr, ast.Load()), node)
        return node


class _Constants(ast.NodeTransformer):
    """Replace reads of the instruction's field names by their values."""

    def __init__(self, values: dict):
        self.values = values

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load) and node.id in self.values:
            return ast.copy_location(ast.Constant(self.values[node.id]), node)
        return node


_trees: dict[str, tuple[ast.Module, frozenset]] = {}
_spliced: dict[tuple, tuple[list[str], frozenset]] = {}   # (mnemonic, fields) -> body


def block_body(ins, consts: dict) -> tuple[list[str], frozenset]:
    """The instruction's fragment as spliced into a block: PSW-invariant CPU
    attributes hoisted, the field names in ``consts`` replaced by their values
    (unless the fragment assigns them). Returns the lines and the names that were
    substituted."""
    cached = _trees.get(ins.mnemonic)
    if cached is None:
        tree = ast.parse("\n".join(build.body_lines(ins)))
        stored = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)
                  and isinstance(n.ctx, ast.Store)}
        if not stored & set(HOISTED):
            tree = ast.fix_missing_locations(_Hoist().visit(tree))
        assigned = frozenset(n.id for n in ast.walk(tree)
                             if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load))
        cached = _trees[ins.mnemonic] = (tree, assigned)
    tree, assigned = cached
    values = {k: v for k, v in consts.items() if k not in assigned}
    key = (ins.mnemonic, tuple(sorted(values.items())))
    out = _spliced.get(key)
    if out is None:
        if values:
            tree = ast.fix_missing_locations(_Constants(values).visit(copy.deepcopy(tree)))
        out = _spliced[key] = (ast.unparse(tree).splitlines(), frozenset(values))
    return out


def branch_kind(ins, f: dict) -> str:
    """How a branch instruction with decoded fields ``f`` leaves a block:
    ``never`` (mask 0, or a register form naming R0: it falls through),
    ``always`` (mask 15, BAL, BALR) or ``maybe``. A block goes on after a
    ``maybe`` branch with a side exit taken when it branches (a superblock)."""
    m = ins.mnemonic
    if m in ("BC", "BCR"):
        if f["r1"] == 0 or (m == "BCR" and f["r2"] == 0):
            return "never"
        return "always" if f["r1"] == 15 else "maybe"
    if m in ("BALR", "BCTR") and f["r2"] == 0:
        return "never"
    return "always" if m in ("BAL", "BALR") else "maybe"


def _fields(ins, code: bytes) -> dict:
    """The instruction's decoded fields, by running its format's decode with zero
    registers; address fields are rebuilt symbolically by ``_address``."""
    ns = {"m": code, "p": 0, "R": [0] * 16}
    exec("\n".join(build.DECODE[ins.fmt]), ns)
    return ns


def _address(base: int, disp: int, index: int = 0) -> str:
    terms = [str(disp)] + [f"R[{r}]" for r in (index, base) if r]
    if len(terms) == 1:
        return str(disp)
    return f"({' + '.join(terms)}) & 0xFFFFFF"


def _field_source(ins, f: dict, name: str) -> str:
    if name == "addr":
        if ins.fmt == "RX":
            return _address(f["b2"], f["d2"], f["x2"])
        if ins.fmt == "SI":
            return _address(f["b1"], f["d1"])
        return _address(f["b2"], f["d2"])
    if name == "addr1":
        return _address(f["b1"], f["d1"])
    if name == "addr2":
        return _address(f["b2"], f["d2"])
    return str(f[name])


class Block:
    """A translated block: ``fn(cpu, m, budget)`` runs it (a block that ends in a
    branch back to its start repeats while the budget allows) and returns how
    many instructions completed. ``start`` is its logical address, ``real`` and
    ``size`` the real bytes it was made from, ``origin`` their 2K block's real
    origin; ``cache`` the CPU's block cache holding it (``drop`` removes it).

    The generated code keeps no per-instruction bookkeeping: when an instruction
    raises, ``raised`` finds it from the line the block's frame was at (``where``
    maps source lines to instruction indexes) plus the passes already made."""
    __slots__ = ("fn", "start", "real", "size", "origin", "n", "addrs", "lens", "where",
                 "cache", "code", "checked", "regs", "cc")

    def __init__(self, fn, start, real, code, addrs, lens, where, regs=(), cc=False):
        self.fn, self.start, self.real, self.size = fn, start, real, len(code)
        self.origin = real & ~0x7FF
        self.n, self.addrs, self.lens, self.where = len(addrs), addrs, lens, where
        self.cache = None
        self.code = code        # the bytes it was made from (see CPU._block_at)
        self.checked = -1       # the CPU's run epoch in which they were last compared
        self.regs, self.cc = regs, cc   # registers and CC held in locals (block_locals)

    def drop(self) -> None:
        """Its bytes were overwritten: the CPU must not enter it again."""
        if self.cache is not None and self.cache.get(self.start) is self:
            del self.cache[self.start]

    def raised(self, exc: BaseException, cpu) -> tuple[int, int]:
        """Where ``exc`` came from: (instructions this run of the block completed
        in its earlier passes, index of the instruction that raised it). The
        registers and CC the block held in locals are written back to ``cpu``."""
        tb = exc.__traceback__
        code = self.fn.__code__
        while tb is not None and tb.tb_frame.f_code is not code:
            tb = tb.tb_next
        frame_locals = tb.tb_frame.f_locals
        _locals.write_back(cpu, frame_locals, self.regs, self.cc)
        return frame_locals["_n"], self.where[tb.tb_lineno]


def _namespace():
    """Globals of generated blocks: every family's helpers plus the common support
    names. A name that two families bind to different objects is left out, and
    instructions that use it are not inlined (``CONFLICTS``)."""
    ns = dict(support.NAMESPACE)
    conflicts = set()
    for helpers in HELPERS_OF.values():
        for k, v in helpers.items():
            if ns.setdefault(k, v) is not v:
                conflicts.add(k)
    for k in conflicts:
        ns.pop(k, None)
    return ns, frozenset(conflicts)


_NS, CONFLICTS = _namespace()


@functools.lru_cache(maxsize=4096)
def _compiled(src: str, name: str):
    """The code object of a block's source: the same guest code translated again
    (after an invalidation, in another machine or virtual machine running the same
    program) costs a dictionary lookup instead of a compile."""
    return compile(src, name, "exec")


def translate(cpu, start: int, real: int) -> Block | None:
    """Translate the block at logical ``start``, whose bytes are at real ``real``
    (the fetch TLB maps its 2K block); None if its first instruction crosses
    into the next 2K block (the interpreter runs it)."""
    mem = cpu.mem
    lines: list[str] = []
    owner: list[int] = []           # index of the instruction each line belongs to
    addrs, lens, handlers = [], [], {}
    regs, assigned, cc = set(), set(), False     # held in locals (block_locals)
    flush, reload = _locals.FLUSH, _locals.RELOAD + "()"
    loops = False
    a = start
    delta = real - start            # logical -> real within the 2K block
    ia_set = False
    while len(addrs) < MAX_BLOCK and a >> 11 == start >> 11:
        ra = a + delta
        length = LENGTH[mem[ra]]
        if (a & 0x7FF) + length > 0x800:
            break
        code = bytes(mem[ra:ra + length])
        ins = lookup(code)
        k = len(addrs)
        nxt = (a + length) & 0xFFFFFF
        addrs.append(a)
        lens.append(length)
        body = []
        sh = shape_of(ins) if ins is not None else None
        op = code[0]
        if sh is not None and cpu.handlers[op] is not HANDLERS[op]:
            sh = None       # this CPU overrides the table's handler: call it
        if sh is None or not sh.inline:
            fn = cpu.handlers[op]
            if op in GROUP_HANDLERS and ins is not None and fn is HANDLERS[op]:
                fn = GROUP_HANDLERS[op][code[1]]    # skip the group's dispatch
            handlers[f"_H{k}"] = fn
            body += [flush, f"cpu.ia = {nxt}", f"_H{k}(cpu, m, {ra})", reload]
            ends = sh is None or sh.ends
            stores = True
        else:
            f = _fields(ins, code)
            sources = {n: _field_source(ins, f, n) for n in FIELDS if n in sh.loads}
            consts = {n: int(v) for n, v in sources.items() if v.isdigit()}
            lines_, substituted = block_body(ins, consts)
            body += [f"{n} = {v}" for n, v in sources.items() if n not in substituted]
            if sh.uses_p:
                body.append(f"p = {ra}")
            if sh.needs_ia:
                body.append(f"cpu.ia = {nxt}")
            body += lines_
            local = _locals.localize("\n".join(body))
            if local is None:
                body = [flush] + body + [reload]
            else:
                body = local[0].splitlines()
                regs |= local[1]
                assigned |= local[2]
                cc = cc or local[3]
            ends, stores = sh.ends, sh.stores
            if ends and ins.cls == "branch":
                kind = branch_kind(ins, f)
                if kind != "always":
                    ends = False
                    if kind == "maybe":     # side exit when the branch is taken
                        body += [f"if cpu.ia != {nxt}:", f"    _n += {k + 1}",
                                 "    {AGAIN}", "    " + flush, "    return _n"]
        ia_set = "cpu.ia = %d" % nxt in body
        lines += body
        owner += [k] * len(body)
        a = nxt
        if ends or a == 0:
            # a branch that may go back to the block's start: loop inside it
            loops = ends and sh is not None and sh.inline and ins.cls == "branch"
            break
        if stores:
            # a store into translated code (this block's or another's): leave, so
            # that the next instruction is fetched from storage as it now is
            lines += ["if _stale[0]:", "    " + flush, f"    cpu.ia = {nxt}",
                      f"    return _n + {k + 1}"]
            owner += [k] * 4
    if not addrs:
        return None
    n = len(addrs)
    end = addrs[-1] + lens[-1]
    if not ia_set:
        lines.append(f"cpu.ia = {end & 0xFFFFFF}")
        owner.append(n - 1)
    head = ["def block(cpu, m, budget):", "    R = cpu.gpr", "    _n = 0",
            "    " + ", ".join("_" + h for h in HOISTED) + " = "
            + ", ".join("cpu." + h for h in HOISTED),
            "    _stale = cpu.storage.stale",
            f"    _skeys[{real >> 11}] |= 4"]     # reference recording: the fetch
    # A branch back to the block's start runs it again while the budget allows
    # (``_n`` counts the instructions of the passes before the current one).
    again = f"if cpu.ia == {start} and _n + {n} <= budget: continue"
    if loops:
        lines += [f"_n += {n}", again, flush, "return _n"]
    else:
        lines += [flush, f"return _n + {n}"]
    owner += [n - 1] * (len(lines) - len(owner))
    head += ["    " + ln for ln in _locals.load_lines(regs, cc)]
    head.append("    while True:")
    body, where = [], {}
    first = len(head) + 1                   # line number of the first body line
    for ln, k in zip(lines, owner):
        for out in _locals.expand("        " + ln.replace("{AGAIN}", again), regs, assigned, cc):
            where[first + len(body)] = k
            body.append(out)
    src = "\n".join(head + body)
    ns = dict(_NS)
    ns.update(handlers)
    exec(_compiled(src, f"<block {start:06X}>"), ns)
    return Block(ns["block"], start, real, bytes(mem[real:real + end - start]), tuple(addrs),
                 tuple(lens), where, tuple(sorted(regs)), cc)
