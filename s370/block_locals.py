"""Registers and the condition code in locals inside a translated block.

In a block's generated function (s370/blocks.py) an instruction's fragment reads
and writes ``R[k]`` (a list item) and ``cpu.cc`` (an attribute) many times;
locals are cheaper. ``localize`` rewrites a fragment's ``R[<constant>]`` to
``_r<k>`` and ``cpu.cc`` to ``_cc`` when nothing else in it can see the
registers or the condition code: a fragment that indexes ``R`` with something
other than a constant (LM, STM) or calls a helper with the CPU keeps its text,
and the block writes its locals back before it and reloads them after (a
"flushed" instruction). The block writes them back at every exit; when an
instruction raises, ``write_back`` copies them from the block's frame into the
CPU (the one exception path), so the hot path never stores them twice.
"""
from __future__ import annotations

import ast
import functools

#: CPU methods that neither read nor write the registers or the condition code.
QUIET_METHODS = frozenset({"fb", "fh", "fw", "fd", "sb", "sh", "sw", "sd", "fetch", "store",
                           "check_access", "pieces", "translate"})


def _constant(node: ast.expr) -> int | None:
    """The value of an index made only of integer constants (``3``, ``3 + 1``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.BitOr)):
        a, b = _constant(node.left), _constant(node.right)
        if a is not None and b is not None:
            return a + b if isinstance(node.op, ast.Add) else a | b
    return None


def _sees_state(tree: ast.AST) -> bool:
    """Whether the fragment calls something that may use the CPU's registers or
    condition code: a helper given the CPU, or a CPU method other than storage
    access."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) \
                and f.value.id == "cpu" and f.attr not in QUIET_METHODS:
            return True
        if any(isinstance(a, ast.Name) and a.id in ("cpu", "R") for a in node.args):
            if not (isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name)
                    and f.value.id == "cpu"):
                return True
    return False


class _Localize(ast.NodeTransformer):
    def __init__(self):
        self.regs: set[int] = set()
        self.assigned: set[int] = set()
        self.cc = False

    def visit_Subscript(self, node):
        self.generic_visit(node)
        if isinstance(node.value, ast.Name) and node.value.id == "R":
            k = _constant(node.slice)
            if k is not None and 0 <= k < 16:
                self.regs.add(k)
                if not isinstance(node.ctx, ast.Load):
                    self.assigned.add(k)
                return ast.copy_location(ast.Name(f"_r{k}", node.ctx), node)
        return node

    def visit_Attribute(self, node):
        self.generic_visit(node)
        if isinstance(node.value, ast.Name) and node.value.id == "cpu" and node.attr == "cc":
            self.cc = True
            return ast.copy_location(ast.Name("_cc", node.ctx), node)
        return node


#: Placeholder lines in a block's source, expanded by ``expand`` once the
#: block's registers are known.
FLUSH, RELOAD = "__FLUSH__", "__RELOAD__"

_COMPOUND_HEADS = {ast.If: ("test",), ast.While: ("test",), ast.For: ("iter",)}


def _split(stmts: list) -> list | None:
    """Statements with each one that calls something seeing the CPU's state put
    between a flush and a reload (None: such a call in a compound statement's
    own expression, which this does not split)."""
    out = []
    for s in stmts:
        heads = _COMPOUND_HEADS.get(type(s))
        if heads is not None:
            if any(_sees_state(getattr(s, h)) for h in heads):
                return None
            for part in ("body", "orelse"):
                inner = _split(getattr(s, part))
                if inner is None:
                    return None
                setattr(s, part, inner)
            out.append(s)
        elif _sees_state(s):
            targets = sorted({n.id for n in ast.walk(s) if isinstance(n, ast.Name)
                              and isinstance(n.ctx, ast.Store)
                              and (n.id == "_cc" or n.id[:2] == "_r" and n.id[2:].isdigit())})
            out += [ast.Expr(ast.Name(FLUSH, ast.Load())), s,
                    ast.Expr(ast.Call(ast.Name(RELOAD, ast.Load()),
                                      [ast.Constant(t) for t in targets], []))]
        else:
            out.append(s)
    return out


@functools.lru_cache(maxsize=8192)
def localize(src: str) -> tuple[str, frozenset, frozenset, bool] | None:
    """``src`` (an instruction's lines in a block) with registers and the CC in
    locals: (new source, registers used, registers assigned, uses the CC). A call
    that may see the CPU's state gets flush and reload placeholders around it;
    None when the whole instruction must run flushed (see the module docstring)."""
    tree = ast.parse(src)
    t = _Localize()
    tree = t.visit(tree)
    if any(isinstance(n, ast.Name) and n.id == "R" for n in ast.walk(tree)):
        return None                         # R indexed by a variable or sliced
    body = _split(tree.body)
    if body is None:
        return None
    tree.body = body
    return ast.unparse(ast.fix_missing_locations(tree)), frozenset(t.regs), \
        frozenset(t.assigned), t.cc


def expand(line: str, regs, assigned, cc: bool) -> list[str]:
    """A block source line with a placeholder replaced by the lines it stands
    for (at its indentation); other lines unchanged."""
    text = line.strip()
    pad = line[:len(line) - len(line.lstrip())]
    if text == FLUSH:
        out = [f"R[{k}] = _r{k}" for k in sorted(assigned)]
        out += (["cpu.cc = _cc"] if cc else []) + ["_fl = 1"]
    elif text.startswith(RELOAD + "("):
        keep = set(ast.literal_eval(f"[{text[len(RELOAD) + 1:-1]}]"))
        out = [f"_r{k} = R[{k}]" for k in sorted(regs) if f"_r{k}" not in keep]
        out += (["_cc = cpu.cc"] if cc and "_cc" not in keep else []) + ["_fl = 0"]
    else:
        return [line]
    return [pad + ln for ln in out]


def load_lines(regs, cc: bool) -> list[str]:
    """Read the block's locals from the CPU at its entry."""
    out = [f"_r{k} = R[{k}]" for k in sorted(regs)]
    return out + (["_cc = cpu.cc"] if cc else []) + ["_fl = 0"]


def write_back(cpu, frame_locals: dict, regs, cc: bool) -> None:
    """An instruction raised in a block: unless it ran flushed (``_fl``, the CPU
    holds the truth), make the CPU's registers and condition code what the
    block's locals hold."""
    if frame_locals.get("_fl", 1):
        return
    R = cpu.gpr
    for k in regs:
        v = frame_locals.get(f"_r{k}")
        if v is not None:
            R[k] = v
    if cc and "_cc" in frame_locals:
        cpu.cc = frame_locals["_cc"]
