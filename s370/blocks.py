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
* Stores into the block itself (self-modifying code such as ``MVI *+1,X'F0'``):
  after an instruction that may store, if the store address is near the block
  and the block's bytes changed, the block returns early and is translated again.
  On entry, a block is only used if storage still holds the bytes it was made
  from, which catches stores by I/O, by CP and by other blocks.
* Only real-mode (DAT off) execution uses blocks; the budget of a burst is never
  exceeded (a block longer than what is left runs in the interpreter).
* Reference recording (GA22-7000 "Reference Recording"): fetching an instruction
  sets the reference bit of its 2K block. A block lies in one 2K block (only its
  last instruction may cross into the next, and sets that block's bit before it
  runs), so it sets its bit once each time it is entered. RRB and SSK, which
  reset the bit, end their block, so the next entry sets it again.
"""
from __future__ import annotations

import ast
import copy
import functools
from dataclasses import dataclass

from .isa import GROUP_HANDLERS, HANDLERS, HELPERS_OF, LENGTH, lookup
from .isa import build, support

MAX_BLOCK = 24          # instructions per block at most
GUARD = 256             # store window before a block that may reach into it

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
            elif owner is None and name in PURE_CALLS:
                pass
            elif name.startswith("_pack"):
                stores = True
            elif not (owner == "int" and name == "from_bytes"):
                needs_ia = stores = True      # a helper: may read the PSW, may store
    if not inline:
        ends = ins.priv or ins.mnemonic in ("EX", "SVC") or ends
    s = Shape(inline, frozenset(loads), needs_ia, ends, stores, uses_p)
    _shapes[ins.mnemonic] = s
    return s


#: CPU attributes that cannot change inside a block (only instructions that end a
#: block change them), read once per block into locals named ``_<attr>``.
HOISTED = ("mem", "skeys", "size", "lim2", "lim4", "key", "store_lo", "fpr")


class _Hoist(ast.NodeTransformer):
    """``cpu.<hoisted>`` -> ``_<hoisted>``; ``cpu.dat`` -> ``False`` (blocks run
    only in real mode, and only a block-ending instruction can turn DAT on)."""

    def visit_Attribute(self, node):
        self.generic_visit(node)
        if isinstance(node.value, ast.Name) and node.value.id == "cpu" \
                and isinstance(node.ctx, ast.Load):
            if node.attr in HOISTED:
                return ast.copy_location(ast.Name("_" + node.attr, ast.Load()), node)
            if node.attr == "dat":
                return ast.copy_location(ast.Constant(False), node)
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
        if not stored & set(HOISTED) | {"dat"} & stored:
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
    many instructions completed; ``code`` is the storage it was made from.

    The generated code keeps no per-instruction bookkeeping: when an instruction
    raises, ``index`` finds it from the line the block's frame was at (``where``
    maps source lines to instruction indexes) plus the passes already made."""
    __slots__ = ("fn", "start", "end", "code", "n", "addrs", "lens", "where")

    def __init__(self, fn, start, end, code, addrs, lens, where):
        self.fn, self.start, self.end, self.code = fn, start, end, code
        self.n, self.addrs, self.lens, self.where = len(addrs), addrs, lens, where

    def index(self, exc: BaseException) -> int:
        """How many instructions of this run of the block came before the one that
        raised ``exc`` (earlier passes of a looping block included)."""
        tb = exc.__traceback__
        code = self.fn.__code__
        while tb is not None and tb.tb_frame.f_code is not code:
            tb = tb.tb_next
        return tb.tb_frame.f_locals["_n"] + self.where[tb.tb_lineno]


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


def translate(cpu, start: int) -> Block | None:
    """Translate the block at real address ``start``; None if the first
    instruction is not wholly inside storage (the interpreter reports it)."""
    mem = cpu.mem
    size = cpu.size
    lines: list[str] = []
    owner: list[int] = []           # index of the instruction each line belongs to
    addrs, lens, handlers = [], [], {}
    loops = False
    a = start
    ia_set = False
    while len(addrs) < MAX_BLOCK and a + 2 <= size and a >> 11 == start >> 11:
        length = LENGTH[mem[a]]
        if a + length > size or a + length > 0x1000000:
            break
        code = bytes(mem[a:a + length])
        ins = lookup(code)
        k = len(addrs)
        nxt = a + length
        addrs.append(a)
        lens.append(length)
        body = []
        if (nxt - 1) >> 11 != a >> 11:
            body.append(f"_skeys[{(nxt - 1) >> 11}] |= 4")   # fetched from two blocks
        sh = shape_of(ins) if ins is not None else None
        if sh is not None and cpu.handlers[code[0]] is not HANDLERS[code[0]]:
            sh = None       # this CPU overrides the table's handler: call it
        if sh is None or not sh.inline:
            op = code[0]
            fn = cpu.handlers[op]
            if op in GROUP_HANDLERS and ins is not None:
                fn = GROUP_HANDLERS[op][code[1]]
            handlers[f"_H{k}"] = fn
            body += [f"cpu.ia = {nxt}", f"_H{k}(cpu, m, {a})"]
            ends = sh is None or sh.ends
            stores = True
        else:
            f = _fields(ins, code)
            sources = {n: _field_source(ins, f, n) for n in FIELDS if n in sh.loads}
            consts = {n: int(v) for n, v in sources.items() if v.isdigit()}
            lines_, substituted = block_body(ins, consts)
            body += [f"{n} = {v}" for n, v in sources.items() if n not in substituted]
            if sh.uses_p:
                body.append(f"p = {a}")
            if sh.needs_ia:
                body.append(f"cpu.ia = {nxt}")
            body += lines_
            ends, stores = sh.ends, sh.stores
        ia_set = "cpu.ia = %d" % nxt in body
        lines += body
        owner += [k] * len(body)
        a = nxt
        if ends:
            # a branch that may go back to the block's start: loop inside it
            loops = sh is not None and sh.inline and ins.cls == "branch"
            break
        if stores:
            target = "addr1" if sh is not None and sh.inline and "addr1" in sh.loads else \
                "addr" if sh is not None and sh.inline and "addr" in sh.loads else None
            if target is not None and target in substituted:
                target = str(consts[target])        # the operand address is a constant
            cond = f"{start - GUARD} < {target} < {{END}} and " if target else ""
            lines += [f"if {cond}m[{start}:{{END}}] != _CODE:",
                      f"    cpu.ia = {nxt}", f"    return _n + {k + 1}"]
            owner += [k] * 3
    if not addrs:
        return None
    end = a
    n = len(addrs)
    if not ia_set:
        lines.append(f"cpu.ia = {end}")
        owner.append(n - 1)
    head = ["def block(cpu, m, budget):", "    R = cpu.gpr", "    _n = 0",
            "    " + ", ".join("_" + h for h in HOISTED) + " = "
            + ", ".join("cpu." + h for h in HOISTED),
            f"    _skeys[{start >> 11}] |= 4"]     # reference recording: the fetch
    if loops:
        head.append("    while True:")
        body = ["        " + ln for ln in lines] + [
            f"        _n += {n}",
            f"        if cpu.ia != {start} or _n + {n} > budget:",
            "            break"]
    else:
        body = ["    " + ln for ln in lines] + [f"    _n = {n}"]
    first = len(head) + 1                   # line number of the first body line
    where = {first + i: k for i, k in enumerate(owner)}
    src = "\n".join(head + body + ["    return _n"]).replace("{END}", str(end))
    code = bytes(mem[start:end])
    ns = dict(_NS)
    ns.update(handlers)
    ns["_CODE"] = code
    exec(_compiled(src, f"<block {start:06X}>"), ns)
    return Block(ns["block"], start, end, code, tuple(addrs), tuple(lens), where)
