"""The macro language and conditional assembly (HLASM Language Reference, part 3).

``Preprocessor.run(statements)`` turns the source statements into the statements
the two assembly passes see: macro definitions (MACRO ... MEND) are stored, macro
instructions are replaced by their expansions (marked ``gen``), and conditional
assembly (AIF, AGO, ANOP, SETA/SETB/SETC, GBLx/LCLx, MNOTE, MEXIT, ACTR) is carried
out in open code and in macro bodies alike. The macro call statement itself is kept
(kind ``call``) so the listing shows it before its expansion.

Variable symbols are substituted textually (``&X``, ``&X(2)``, ``&X.`` with the
concatenation dot, ``&&`` stays); conditional-assembly expressions are then parsed
by the ``caexpr`` rule of the grammar.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from lark import Token

from .parser import ParseError, parse_caexpr, sdt_value
from .source import Stmt, is_attribute_quote, read_lines, split_fields, string_end

_VAR = re.compile(r"&([A-Za-z@#$_][A-Za-z0-9@#$_]*)")
_CAATTR = re.compile(r"([KkNnTt])'&([A-Za-z@#$_][A-Za-z0-9@#$_]*)(\([^()]*\))?")
_SEQ = re.compile(r"\.[A-Za-z@#$_][A-Za-z0-9@#$_]*$")

#: Branches allowed in one macro expansion or in open code (HLASM's ACTR default).
ACTR = 4096
MAX_DEPTH = 50
#: Longest character value (HLASM's limit for SETC variables).
MAX_SETC = 4064


class MacroError(Exception):
    """A conditional-assembly error; ``sev`` is the HLASM severity (8 error)."""

    def __init__(self, message: str, sev: int = 8):
        super().__init__(message)
        self.sev = sev


@dataclass
class MacroDef:
    name: str
    label_param: str
    positional: list
    keywords: dict
    body: list
    file: str
    line: int


@dataclass
class Frame:
    """Variables of one macro expansion (or of open code)."""
    vars: dict = field(default_factory=dict)
    syslist: list = field(default_factory=list)
    params: set = field(default_factory=set)


def split_macro_operands(text: str) -> list[str]:
    """Split a macro instruction's operands at commas outside parentheses and quotes
    (an attribute quote such as L'FIELD does not open a string)."""
    if not text:
        return []
    out, depth, cur, i, n = [], 0, [], 0, len(text)
    while i < n:
        c = text[i]
        if c == "'":
            j = i if is_attribute_quote(text, i) else string_end(text, i)
            cur.append(text[i:j + 1])
            i = j + 1
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "," and depth == 0:
            out.append("".join(cur))
            cur = []
            i += 1
            continue
        cur.append(c)
        i += 1
    out.append("".join(cur))
    return out


def sublist(value: str) -> list[str]:
    """Elements of a sublist operand ``(A,B,C)``; a plain operand is its own element."""
    if len(value) >= 2 and value[0] == "(" and value[-1] == ")":
        return split_macro_operands(value[1:-1])
    return [value]


class Preprocessor:
    """Runs macro definition, expansion and conditional assembly over statements.

    ``report(stmt, severity, message)`` records a message; ``include_dirs`` are
    searched for COPY members and for macro definitions (``NAME.mac``) of unknown
    operations.
    """

    def __init__(self, report, include_dirs=(), is_operation=lambda op: False):
        self.report = report
        self.include_dirs = [Path(d) for d in include_dirs]
        self.is_operation = is_operation
        self.macros: dict[str, MacroDef] = {}
        self.globals: dict = {}
        self.sysndx = 0
        self.sysect = ""         # name of the current control section (&SYSECT)
        self.out: list[Stmt] = []
        self._tried_library: set = set()
        self.attributes: dict = {}
        self.opsyn: dict = {}          # OPSYN: name -> operation (None: deleted)

    # ---- files ------------------------------------------------------------
    def find_member(self, name: str, exts=(".asm", ".cpy", ".copy", ".mac", "")) -> Path | None:
        for d in self.include_dirs:
            for ext in exts:
                for cand in (name, name.lower()):
                    p = d / (cand + ext)
                    if p.is_file():
                        return p
        return None

    def copy_member(self, st: Stmt) -> list[Stmt]:
        name = st.operands.strip().upper()
        p = self.find_member(name)
        if p is None:
            self.report(st, 12, f"ASMA058E COPY member {name} not found")
            return []
        try:
            text = p.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            self.report(st, 12, f"ASMA058E cannot read COPY member {name}: {exc.strerror}")
            return []
        return read_lines(text, str(p))

    # ---- entry ------------------------------------------------------------
    def run(self, stmts: list[Stmt]) -> list[Stmt]:
        self.attributes = lookahead(stmts, self.is_operation)
        self.process(stmts, Frame(), macro=None, depth=0, call=None)
        return self.out

    def symbol_attr(self, kind: str, name: str):
        """T' and L' of an ordinary symbol, as HLASM's lookahead finds them."""
        t, ln = self.attributes.get(name.upper(), ("U", 1))
        return t if kind == "T" else ln

    # ---- substitution -------------------------------------------------------
    def lookup(self, frame: Frame, name: str, sub: int | None):
        key = name.upper()
        if key == "SYSNDX":
            return f"{self.sysndx:04d}"
        if key == "SYSECT":
            return self.sysect
        if key == "SYSLIST":
            if sub is None:
                raise MacroError("&SYSLIST needs a subscript")
            return frame.syslist[sub] if 0 <= sub < len(frame.syslist) else ""
        if key in frame.vars:
            v = frame.vars[key]
        elif key in self.globals and key in frame.params:
            v = self.globals[key]
        elif key in self.globals and key in frame.vars.get("__GBL__", ()):
            v = self.globals[key]
        else:
            raise MacroError(f"ASMA003E Undeclared variable symbol &{key}")
        if isinstance(v, dict):
            if sub is None:
                raise MacroError(f"&{key} is subscripted")
            return v.get(sub, "")
        if sub is not None:
            if isinstance(v, str):
                items = sublist(v)
                return items[sub - 1] if 1 <= sub <= len(items) else ""
            raise MacroError(f"&{key} is not subscripted")
        return v

    def var_get(self, frame: Frame, name: str, sub=None):
        v = self.lookup(frame, name, sub)
        if isinstance(v, bool):
            return int(v)
        return v

    def substitute(self, text: str, frame: Frame) -> str:
        """Replace variable symbols in ``text``."""
        if "&" not in text:
            return text
        out, i, n = [], 0, len(text)
        while i < n:
            c = text[i]
            if c != "&":
                out.append(c)
                i += 1
                continue
            if i + 1 < n and text[i + 1] == "&":
                out.append("&&")
                i += 2
                continue
            m = _VAR.match(text, i)
            if not m:
                out.append(c)
                i += 1
                continue
            name = m.group(1)
            j = m.end()
            sub = None
            if j < n and text[j] == "(":
                k = text.find(")", j)
                if k > 0:
                    inner = self.substitute(text[j + 1:k], frame)
                    try:
                        sub = self.eval_arith(inner, frame)
                        j = k + 1
                    except MacroError:
                        sub = None
            v = self.var_get(frame, name, sub)
            out.append(str(v))
            if j < n and text[j] == ".":
                j += 1
            i = j
        return "".join(out)

    # ---- expressions --------------------------------------------------------
    def _attrs(self, text: str, frame: Frame) -> str:
        """K'&X (characters), N'&X (sublist elements), T'&X (type) before substitution."""
        def rep(m):
            kind = m.group(1).upper()
            name = m.group(2).upper()
            sub = None
            if m.group(3):
                sub = self.eval_arith(self.substitute(m.group(3)[1:-1], frame), frame)
            if kind == "N" and name == "SYSLIST" and sub is None:
                return str(len(frame.syslist) - 1)
            try:
                v = self.lookup(frame, name, sub)
            except MacroError:
                if kind == "T":
                    return "'U'"
                raise
            if kind == "K":
                return str(len(str(v)))
            if kind == "N":
                if isinstance(v, dict):
                    return str(max(v) if v else 0)
                return str(len(sublist(str(v))) if v != "" else 0)
            s = str(v)
            if s == "":
                return "'O'"
            if s.upper() in self.attributes:
                return f"'{self.symbol_attr('T', s)}'"
            if s.isdigit():
                return "'N'"
            return "'U'"
        return _CAATTR.sub(rep, text)

    def evaluate(self, text: str, frame: Frame):
        text = self.substitute(self._attrs(text, frame), frame)
        try:
            tree = parse_caexpr(text)
        except ParseError as exc:
            raise MacroError(f"ASMA035E Invalid conditional-assembly expression: {exc}") from None
        return self._ca(tree)

    def eval_arith(self, text: str, frame: Frame) -> int:
        v = self.evaluate(text, frame)
        if isinstance(v, str):
            if v.strip().lstrip("-").isdigit():
                return int(v)
            raise MacroError(f"ASMA102E arithmetic term expected, found '{v}'")
        return int(v)

    def _ca(self, t):
        if isinstance(t, Token):
            return str(t)
        d, c = t.data, t.children
        if d == "num":
            return int(c[0])
        if d == "sdt":
            return sdt_value(str(c[0]))
        if d == "ca_str":
            return str(c[0])[1:-1].replace("''", "'")
        if d == "ca_substr":
            s = str(c[0])[1:-1].replace("''", "'")
            start = self._int(self._ca(c[1]))
            ln = len(s) - start + 1 if isinstance(c[2], Token) and str(c[2]) == "*" else self._int(self._ca(c[2]))
            if start < 1 or ln < 0:
                raise MacroError("ASMA093E substring expression out of range")
            return s[start - 1:start - 1 + ln]
        if d == "ca_cat":
            return self._str(self._ca(c[0])) + self._str(self._ca(c[1]))
        if d == "ca_sym":
            raise MacroError(f"ASMA102E arithmetic term expected, found {c[0]}")
        if d == "ca_attr":
            s = str(c[0])
            return self.symbol_attr(s[0].upper(), s[2:])
        if d == "ca_neg":
            return -self._int(self._ca(c[0]))
        if d in ("ca_add", "ca_sub", "ca_mul", "ca_div"):
            a, b = self._int(self._ca(c[0])), self._int(self._ca(c[1]))
            if d == "ca_add":
                return a + b
            if d == "ca_sub":
                return a - b
            if d == "ca_mul":
                return a * b
            return 0 if b == 0 else int(a / b)
        if d == "ca_cmp":
            a, op, b = self._ca(c[0]), str(c[1]).upper(), self._ca(c[2])
            if isinstance(a, str) != isinstance(b, str):
                if isinstance(a, str) and a.lstrip("-").isdigit():
                    a = int(a)
                elif isinstance(b, str) and b.lstrip("-").isdigit():
                    b = int(b)
                else:
                    raise MacroError("ASMA102E comparison of a character and an arithmetic value")
            if isinstance(a, str):
                # HLASM: a shorter string is lower; equal lengths compare in EBCDIC
                ka, kb = (len(a), a.encode("cp037")), (len(b), b.encode("cp037"))
            else:
                ka, kb = a, b
            return int({"EQ": ka == kb, "NE": ka != kb, "LT": ka < kb, "GT": ka > kb,
                        "LE": ka <= kb, "GE": ka >= kb}[op])
        if d == "ca_not":
            return int(not self._int(self._ca(c[0])))
        if d == "ca_and":
            return int(bool(self._int(self._ca(c[0]))) and bool(self._int(self._ca(c[1]))))
        if d == "ca_or":
            return int(bool(self._int(self._ca(c[0]))) or bool(self._int(self._ca(c[1]))))
        raise MacroError(f"ASMA035E unsupported conditional-assembly term {d}")

    @staticmethod
    def _int(v) -> int:
        if isinstance(v, str):
            if v.strip().lstrip("-").isdigit():
                return int(v)
            raise MacroError(f"ASMA102E arithmetic term expected, found '{v}'")
        return int(v)

    @staticmethod
    def _str(v) -> str:
        return v if isinstance(v, str) else str(v)

    # ---- processing -----------------------------------------------------------
    def emit(self, st: Stmt, call: Stmt | None, text: str | None = None) -> None:
        """Output a statement: open code keeps its place (a fresh copy, since loops
        emit one source statement several times), generated ones are marked."""
        if st.op in ("CSECT", "START", "DSECT") and st.kind == "instr":
            name = split_fields(Stmt(st.file, st.line, text)).name if text else st.name
            self.sysect = name.upper()
        if call is None:
            if text is None or text == st.text:
                self.out.append(replace(st))
            else:
                g = Stmt(st.file, st.line, text, lines=st.lines)
                split_fields(g)
                self.out.append(g)
            return
        g = Stmt(call.file, call.line, text if text is not None else st.text, gen=True,
                 lines=[text if text is not None else st.text])
        split_fields(g)
        self.out.append(g)

    def define(self, body: list[Stmt], i: int, macro_stmt: Stmt) -> int:
        """Store the definition that starts after MACRO at body[i]; return the index after MEND."""
        n = len(body)
        while i < n and body[i].kind != "instr":
            i += 1
        if i >= n:
            self.report(macro_stmt, 12, "ASMA046E MACRO without prototype and MEND")
            return n
        proto = body[i]
        i += 1
        depth, start = 1, i
        while i < n:
            op = body[i].op if body[i].kind == "instr" else ""
            if op == "MACRO":
                depth += 1
            elif op == "MEND":
                depth -= 1
                if depth == 0:
                    break
            i += 1
        if i >= n:
            self.report(macro_stmt, 12, "ASMA046E Bad macro definition: MEND missing")
        positional, keywords = [], {}
        for p in split_macro_operands(proto.operands):
            p = p.strip()
            if not p:
                continue
            if "=" in p:
                k, v = p.split("=", 1)
                keywords[k.lstrip("&").upper()] = v
            else:
                positional.append(p.lstrip("&").upper())
        label = proto.name.lstrip("&").upper() if proto.name.startswith("&") else ""
        name = proto.op.upper()
        if not name:
            self.report(proto, 8, "ASMA062E Invalid macro prototype")
        else:
            # MEND stays in the body: a sequence symbol may name it
            self.macros[name] = MacroDef(name, label, positional, keywords, body[start:i + 1],
                                         proto.file, proto.line)
        return i + 1

    def process(self, body: list[Stmt], frame: Frame, macro: MacroDef | None, depth: int,
                call: Stmt | None) -> None:
        labels = {}
        for idx, st in enumerate(body):
            if st.kind == "instr" and st.name.startswith(".") and _SEQ.match(st.name):
                labels.setdefault(st.name.upper(), idx)
        branches = 0
        i, n = 0, len(body)
        while i < n:
            st = body[i]
            i += 1
            if st.kind != "instr":
                if st.kind == "comment" and st.text.startswith(".*"):
                    continue
                self.emit(st, call)
                continue
            op = st.op
            if op == "MACRO":
                j = self.define(body, i, st)
                if call is None:
                    # open-code definitions are listed, as HLASM lists them
                    for d in [st] + body[i:j]:
                        shown = Stmt(d.file, d.line, d.text, kind="macdef", lines=d.lines)
                        self.out.append(shown)
                i = j
                continue
            if op == "COPY" and "&" not in st.operands:
                members = self.copy_member(st)
                self.emit(st, call)
                body = body[:i] + members + body[i:]
                n = len(body)
                for idx, s2 in enumerate(body):
                    if s2.kind == "instr" and s2.name.startswith(".") and _SEQ.match(s2.name):
                        labels.setdefault(s2.name.upper(), idx)
                continue
            try:
                if op in ("AIF", "AGO"):
                    target = self.branch(st, frame, op)
                    if target is None:
                        continue
                    if target not in labels:
                        raise MacroError(f"ASMA017E Undefined sequence symbol {target}")
                    branches += 1
                    if branches > ACTR:
                        raise MacroError("ASMA119S ACTR counter exceeded", 12)
                    i = labels[target] + 1
                    if body[labels[target]].op not in ("ANOP",):
                        i = labels[target]
                        body_st = body[i]
                        # a sequence symbol on a model statement: process it without the name
                        g = Stmt(body_st.file, body_st.line, " " + body_st.text[len(body_st.name):],
                                 lines=body_st.lines)
                        split_fields(g)
                        body = body[:i] + [g] + body[i + 1:]
                        n = len(body)
                    continue
                if op == "ANOP":
                    continue
                if op in ("SETA", "SETB", "SETC"):
                    self.set_var(st, frame, op)
                    continue
                if op in ("GBLA", "GBLB", "GBLC", "LCLA", "LCLB", "LCLC"):
                    self.declare(st, frame, op)
                    continue
                if op == "ACTR":
                    continue
                if op == "OPSYN":
                    self.define_opsyn(st)
                    self.emit(st, call)
                    continue
                if op == "MNOTE":
                    self.mnote(st, frame, call)
                    continue
                if op == "MEXIT":
                    if macro is not None:
                        return
                    raise MacroError("ASMA054E MEXIT outside a macro definition")
                if op == "MEND":
                    if macro is not None:
                        return
                    raise MacroError("ASMA054E MEND without MACRO")
                name = self.substitute(st.name, frame) if "&" in st.name else st.name
                if name.startswith("."):
                    name = ""
                opx = self.substitute(op, frame).upper() if "&" in op else op
                if opx in self.opsyn:
                    target = self.opsyn[opx]
                    if target is None:
                        raise MacroError(f"ASMA057E Undefined operation code - {opx} (deleted by OPSYN)")
                    st = replace(st, op=target)
                    opx = target
                operands = self.substitute(st.operands, frame) if "&" in st.operands else st.operands
            except MacroError as exc:
                self.report(st if call is None else call, exc.sev, str(exc))
                continue
            if opx not in self.macros and not self.is_operation(opx) and opx not in self._tried_library:
                self._tried_library.add(opx)
                p = self.find_member(opx, (".mac", ".macro"))
                if p is not None:
                    lib = read_lines(p.read_text(encoding="utf-8", errors="replace"), str(p))
                    j = 0
                    while j < len(lib):
                        if lib[j].kind == "instr" and lib[j].op == "MACRO":
                            j = self.define(lib, j + 1, lib[j])
                        else:
                            j += 1
            if opx in self.macros:
                if depth >= MAX_DEPTH:
                    self.report(st if call is None else call, 12, "ASMA119S macro nesting too deep")
                    continue
                text = self.rebuild(st, name, opx, operands)
                c = Stmt(st.file, st.line, text, gen=call is not None, lines=st.lines if call is None else [text])
                split_fields(c)
                c.kind = "call"
                if call is not None:
                    c.file, c.line = call.file, call.line
                self.out.append(c)
                self.expand(self.macros[opx], c, name, operands, depth)
                continue
            if call is None and "&" not in st.text and not st.name.startswith(".") \
                    and opx == st.op:
                self.emit(st, None)
            elif call is None and opx != op:
                self.out.append(st)
            else:
                self.emit(st, call, self.rebuild(st, name, opx, operands))

    @staticmethod
    def rebuild(st: Stmt, name: str, op: str, operands: str) -> str:
        text = f"{name:<8} {op:<5} {operands}".rstrip()
        if st.remarks:
            text = f"{text} {st.remarks}" if len(text) >= 39 else f"{text:<39} {st.remarks}"
        return text

    def define_opsyn(self, st: Stmt) -> None:
        """``NEW OPSYN OLD`` makes NEW another name of OLD; ``NAME OPSYN ,`` (or an
        empty operand) deletes NAME."""
        new = st.name.upper()
        old = st.operands.strip().upper().rstrip(",")
        if not new:
            raise MacroError("ASMA071E OPSYN needs a name")
        if not old:
            self.opsyn[new] = None
            return
        self.opsyn[new] = self.opsyn.get(old, old)

    def branch(self, st: Stmt, frame: Frame, op: str) -> str | None:
        text = st.operands
        if op == "AGO":
            return text.strip().upper()
        if not text.startswith("("):
            raise MacroError("ASMA144E AIF operand must be (condition).SEQ")
        depth, k, quote = 0, 0, False
        for k, ch in enumerate(text):
            if ch == "'":
                if not quote and k >= 1 and text[k - 1] in "LKNTDIOSlkntdios" \
                        and (k < 2 or not (text[k - 2].isalnum() or text[k - 2] in "@#$_&")) \
                        and k + 1 < len(text) and (text[k + 1].isalpha() or text[k + 1] in "&@#$_*"):
                    continue        # an attribute reference such as T'&X
                quote = not quote
            elif not quote and ch == "(":
                depth += 1
            elif not quote and ch == ")":
                depth -= 1
                if depth == 0:
                    break
        cond, target = text[1:k], text[k + 1:].strip().upper()
        if not target.startswith("."):
            raise MacroError("ASMA144E AIF needs a sequence symbol")
        v = self.evaluate(cond, frame)
        return target if self._int(v) else None

    def _var_target(self, st: Stmt, frame: Frame):
        m = re.match(r"&([A-Za-z@#$_][A-Za-z0-9@#$_]*)(\((.*)\))?$", st.name)
        if not m:
            raise MacroError(f"ASMA010E Invalid use of symbol in SET statement: {st.name}")
        sub = None
        if m.group(2):
            sub = self.eval_arith(m.group(3), frame)
        return m.group(1).upper(), sub

    def set_var(self, st: Stmt, frame: Frame, op: str) -> None:
        name, sub = self._var_target(st, frame)
        v = self.evaluate(st.operands, frame)
        if op == "SETA":
            v = self._int(v)
        elif op == "SETB":
            v = 1 if self._int(v) else 0
        else:
            v = self._str(v)
            if len(v) > MAX_SETC:
                raise MacroError(f"ASMA091E SETC value longer than {MAX_SETC} characters")
        store = self.globals if name in frame.vars.get("__GBL__", ()) else frame.vars
        if sub is not None:
            arr = store.get(name)
            if not isinstance(arr, dict):
                arr = {}
                store[name] = arr
            arr[sub] = v
        else:
            store[name] = v

    def declare(self, st: Stmt, frame: Frame, op: str) -> None:
        init = {"A": 0, "B": 0, "C": ""}[op[3]]
        for item in split_macro_operands(st.operands):
            item = item.strip()
            m = re.match(r"&([A-Za-z@#$_][A-Za-z0-9@#$_]*)(\(.*\))?$", item)
            if not m:
                raise MacroError(f"ASMA010E Invalid variable symbol {item}")
            name = m.group(1).upper()
            val = {} if m.group(2) else init
            if op.startswith("GBL"):
                frame.vars.setdefault("__GBL__", set()).add(name)
                self.globals.setdefault(name, val)
            else:
                frame.vars[name] = val

    def mnote(self, st: Stmt, frame: Frame, call: Stmt | None) -> None:
        ops = split_macro_operands(self.substitute(st.operands, frame))
        sev, msg = 1, ops[-1] if ops else ""
        if len(ops) >= 2:
            s = ops[0].strip()
            sev = 0 if s in ("*", "") else self.eval_arith(s, frame)
        msg = msg.strip()
        if msg.startswith("'") and msg.endswith("'"):
            msg = msg[1:-1].replace("''", "'").replace("&&", "&")
        where = call if call is not None else st
        self.report(where, sev, f"ASMA254I MNOTE {msg}" if sev == 0 else f"MNOTE {sev}: {msg}")
        g = Stmt(where.file, where.line, f"         MNOTE {ops[0] if len(ops) > 1 else ''}{',' if len(ops) > 1 else ''}{ops[-1] if ops else ''}",
                 gen=call is not None)
        g.kind = "comment"
        self.out.append(g)

    def expand(self, m: MacroDef, call: Stmt, name: str, operands: str, depth: int) -> None:
        self.sysndx += 1
        frame = Frame()
        frame.params = set()
        ops = split_macro_operands(operands)
        positional = []
        kw = dict(m.keywords)
        for op in ops:
            km = re.match(r"([A-Za-z@#$_][A-Za-z0-9@#$_]*)=(.*)$", op, re.S)
            if km and km.group(1).upper() in m.keywords:
                kw[km.group(1).upper()] = km.group(2)
            elif km and km.group(1).upper() not in m.keywords:
                self.report(call, 4, f"ASMA017W Undefined keyword parameter {km.group(1).upper()}")
            else:
                positional.append(op)
        frame.syslist = [name] + positional
        if m.label_param:
            frame.vars[m.label_param] = name
        for k, p in enumerate(m.positional):
            frame.vars[p] = positional[k] if k < len(positional) else ""
        for k, v in kw.items():
            frame.vars[k] = v
        if len(positional) > len(m.positional):
            pass  # extra positional operands are reachable through &SYSLIST
        self.process(m.body, frame, macro=m, depth=depth + 1, call=call)


def lookahead(stmts: list[Stmt], is_operation) -> dict:
    """Type and length attributes of the ordinary symbols named in open code (HLASM's
    lookahead): DC/DS give their first operand's type and length, machine
    instructions I and their length, EQU U (or its length operand), sections J."""
    from .constants import FIXED_LEN, implicit_length, split_values
    from .instructions import resolve_mnemonic
    from .parser import parse_dcops
    out = {}
    for st in stmts:
        if st.kind != "instr" or not st.name or st.name[0] in "&." or "&" in st.operands:
            continue
        name, op = st.name.upper(), st.op
        try:
            r = resolve_mnemonic(op)
            if r is not None:
                out[name] = ("I", r[0].length)
            elif op in ("DC", "DS"):
                d = parse_dcops(st.operands)[0]
                if d.length is not None and d.length[0] == "num":
                    ln = d.length[1]
                elif isinstance(d.nominal, str) and d.type not in FIXED_LEN:
                    ln = implicit_length(d.type, split_values(d.type, d.nominal)[0])
                else:
                    ln = FIXED_LEN.get(d.type, 1)
                out[name] = (d.type, ln)
            elif op in ("CSECT", "START"):
                out[name] = ("J", 1)
            elif op == "DSECT":
                out[name] = ("J", 1)
            elif op == "EQU":
                parts = st.operands.split(",")
                ln = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 1
                out[name] = ("U", ln)
            elif op in ("CCW", "CCW0", "CCW1"):
                out[name] = ("W", 8)
            elif not is_operation(op):
                out[name] = ("M", 1)
        except Exception:  # lookahead is best effort: the passes report real errors
            continue
    return out
