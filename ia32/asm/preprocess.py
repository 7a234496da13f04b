"""NASM's preprocessor, the part small kernels use (NASM manual chapter 4).

Turns source text into :class:`Line` records (text without comment, its file and
line, the macro depth for the listing) for the line parser:

- ``\\`` at the end of a line continues it; ``;`` starts a comment (outside strings)
- single-line macros: ``%define``/``%idefine``/``%xdefine``/``%xidefine`` with and
  without parameters, ``%undef``, ``%assign``/``%iassign`` (a number, evaluated)
- multi-line macros: ``%macro name n[-m][+] [defaults]`` ... ``%endmacro``
  (``%imacro``), parameters ``%1``..``%n`` and ``%{n}``, ``%0``, braces ``{a,b}``
  around a parameter with commas, greedy last parameter, defaults, macro-local
  labels ``%%x`` (``..@N.x``), overloading by parameter count, a label before
  the call; ``%rep n`` ... ``%endrep`` (``%exitrep``)
- ``%include "file"`` (the including file's directory, then ``-I`` directories,
  then the current directory)
- ``%rotate n`` in a macro, ``%+`` token pasting, ``__OUTPUT_FORMAT__`` (``bin``)
- conditionals ``%if``/``%elif``/``%else``/``%endif`` and the ``def``, ``macro``,
  ``idn``, ``idni``, ``num``, ``str``, ``id``, ``empty`` variants, each also
  negated (``%ifndef``, ``%elifnidn``, ...)
- ``%error``, ``%fatal`` (errors) and ``%warning``

Expressions in ``%if`` and ``%assign`` use the assembler's own grammar and
evaluator; a label there is an error (the preprocessor runs before any label
has a value, as in NASM).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import AsmError

# One token of a source line. Order matters: strings before everything, then the
# %-forms, identifiers (with NASM's character set), numbers, anything else.
_TOKEN = re.compile(r"""
  (?P<ws>[ \t\f\r\v]+)
| (?P<comment>;.*)
| (?P<str>"[^"]*"?|'[^']*'?|`(?:[^`\\]|\\.)*`?)
| (?P<pct>%%[A-Za-z_.?$#@~][\w.?$#@~]*|%\{[^}]*\}|%[0-9]+|%[A-Za-z_]\w*|%%|%\+|%)
| (?P<id>\$?[A-Za-z_.?@][\w$#@~.?]*)
| (?P<num>\$[0-9][0-9a-fA-F_]*|[0-9][\w.]*)
| (?P<other>.)
""", re.X)

_MAX_DEPTH = 64          #: macro/include nesting limit (NASM's default is similar)


@dataclass
class Line:
    """One preprocessed source line. ``depth`` is the macro-expansion depth (the
    listing's ``<n>``); ``where`` names the outermost call, for error messages;
    ``source`` is the line as written (the listing shows it); ``listed_only``
    marks a line that only the listing shows (a directive, a macro definition or
    call)."""
    text: str
    file: str
    line: int
    depth: int = 0
    where: str = ""
    source: str = ""
    listed_only: bool = False


@dataclass
class _Single:
    params: tuple | None          # parameter names, or None for an object-like macro
    body: list                    # tokens (kind, text)
    icase: bool = False


@dataclass
class _Multi:
    name: str
    nmin: int
    nmax: int | None              # None: unlimited
    greedy: bool
    defaults: list
    body: list                    # (file, line, raw text)
    icase: bool = False


@dataclass
class _Frame:
    """A source of lines: a file, a macro body or a %rep body."""
    lines: list                   # (file, line, raw text)
    pos: int = 0
    depth: int = 0
    args: list | None = None      # macro parameters
    uniq: int = 0
    where: str = ""
    kind: str = "file"
    repeat: int = 1               # %rep: copies of the body still to run
    cond_depth: int = 0           # %rep: the %if nesting outside it (for %exitrep)
    includes: int = 0             # %include nesting (the listing adds it to ``depth``)

    @property
    def shown(self) -> int:
        """The listing's ``<n>``: macro depth plus include depth, as NASM counts."""
        return self.depth + self.includes


def tokenize(text: str) -> list:
    """(kind, text) tokens of a line; the comment is dropped."""
    out = []
    for m in _TOKEN.finditer(text):
        k = m.lastgroup
        if k == "comment":
            break
        out.append((k, m.group()))
    return out


def _text(tokens) -> str:
    return "".join(t for _, t in tokens)


def _split_args(tokens, greedy_from: int | None = None) -> list:
    """Split tokens at top-level commas; ``{...}`` groups a parameter (braces
    removed); from parameter ``greedy_from`` on everything is one parameter."""
    args, cur, depth = [], [], 0
    for k, t in tokens:
        if k == "other" and t == "{":
            depth += 1
            if depth == 1:
                continue
        elif k == "other" and t == "}" and depth:
            depth -= 1
            if depth == 0:
                continue
        if k == "other" and t == "," and depth == 0 and (greedy_from is None or len(args) < greedy_from):
            args.append(cur)
            cur = []
            continue
        cur.append((k, t))
    args.append(cur)
    return [_text(a).strip() for a in args]


class Preprocessor:
    """Run over a file (or text): ``lines()`` yields Line records; ``warnings`` and
    ``errors`` collect what it reported (errors also stop the run: see ``fatal``)."""

    def __init__(self, include_dirs=(), defines: dict | None = None):
        self.include_dirs = [str(d) for d in include_dirs]
        self.singles: dict = {}
        self.multis: dict = {}
        self.errors: list = []
        self.warnings: list = []
        self._uniq = 0
        predefined = {"__OUTPUT_FORMAT__": "bin", "__?OUTPUT_FORMAT?__": "bin"}
        for k, v in {**predefined, **(defines or {})}.items():
            self.singles[k] = _Single(None, tokenize(str(v)))

    # ----- entry points -------------------------------------------------------
    def run_text(self, text: str, filename: str = "<src>") -> list:
        frames = [_Frame(self._split(text, filename), where="")]
        return self._run(frames)

    def run_file(self, path: str) -> list:
        text = self._read(path, None)
        return self.run_text(text, str(path))

    # ----- sources --------------------------------------------------------------
    @staticmethod
    def _split(text: str, filename: str) -> list:
        """Physical lines joined at a trailing backslash, as (file, line, text)."""
        out = []
        pending, first = None, 0
        phys = text.split("\n")
        if phys and phys[-1] == "":
            phys.pop()
        for n, raw in enumerate(phys, 1):
            raw = raw.rstrip("\r")
            if pending is not None:
                raw = pending + raw
            else:
                first = n
            if raw.endswith("\\"):
                pending = raw[:-1]
                continue
            pending = None
            out.append((filename, first, raw))
        if pending is not None:
            out.append((filename, first, pending))
        return out

    def _read(self, path: str, loc) -> str:
        try:
            return Path(path).read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            if loc is None:
                raise AsmError(f"cannot read {path}: {exc.strerror}", str(path), 0, 1) from None
            raise AsmError(f"cannot read {path}: {exc.strerror}", *loc) from None

    def find_include(self, name: str, including: str) -> str | None:
        """Where ``%include``/``incbin`` finds a file (see the module docstring)."""
        dirs = []
        if including and not including.startswith("<"):
            dirs.append(os.path.dirname(os.path.abspath(including)))
        dirs += self.include_dirs
        dirs.append(os.getcwd())
        if os.path.isabs(name):
            return name if os.path.exists(name) else None
        for d in dirs:
            p = os.path.join(d, name)
            if os.path.exists(p):
                return p
        return None

    # ----- the main loop --------------------------------------------------------
    def _run(self, frames: list) -> list:
        out: list = []
        cond: list = []     # stack of [active, done_any, parent_active, (file, line)]
        self._cond = cond
        self._listed = out
        while frames:
            fr = frames[-1]
            if fr.pos >= len(fr.lines):
                fr.repeat -= 1
                if fr.repeat > 0:
                    fr.pos = 0
                    continue
                frames.pop()
                continue
            file, lno, raw = fr.lines[fr.pos]
            fr.pos += 1
            loc = (file, lno, 1, fr.where)
            try:
                self._line(raw, file, lno, fr, frames, cond, out, loc)
            except AsmError as exc:
                if not exc.file or exc.file == "<src>" and file != "<src>":
                    exc.file = file
                if not exc.line:
                    exc.line, exc.where = lno, fr.where
                self.errors.append(exc)
                if getattr(exc, "fatal", False) or len(self.errors) >= 50:
                    return out
        if cond:
            f, n = cond[-1][3]
            self.errors.append(AsmError("%if without %endif", f, n, 1))
        return out

    def _line(self, raw, file, lno, fr, frames, cond, out, loc):
        toks = tokenize(raw)
        if fr.depth:        # NASM lists expanded lines rebuilt from tokens: no comment,
            raw = "".join(" " if k == "ws" else t for k, t in toks).rstrip()   # blanks as one
        lead = next((i for i, (k, _) in enumerate(toks) if k != "ws"), None)
        active = all(c[0] for c in cond)
        if lead is not None and toks[lead][0] == "pct" and re.match(r"%[A-Za-z]", toks[lead][1]):
            word = toks[lead][1].lower()
            rest = toks[lead + 1:]
            col = len(_text(toks[:lead])) + 1
            listed = Line("", file, lno, fr.shown, fr.where, raw, True)
            out.append(listed)      # NASM lists every line it reads, skipped ones too
            if self._conditional(word, rest, cond, active, fr, (file, lno, col, fr.where)):
                return
            if active:
                self._directive(word, rest, raw, file, lno, col, fr, frames, out)
            return
        if not active:
            out.append(Line("", file, lno, fr.shown, fr.where, raw, True))
            return
        toks = self._substitute_params(toks, fr, (file, lno))
        toks = self._paste(self.expand(toks, (file, lno)))
        if self._macro_call(toks, raw, file, lno, fr, frames, out):
            return
        out.append(Line(_text(toks).rstrip(), file, lno, fr.shown, fr.where, raw))

    # ----- conditionals -----------------------------------------------------------
    _COND = re.compile(r"%(if|elif)(n?)(def|macro|idni|idn|num|str|id|empty|)$")

    def _conditional(self, word, rest, cond, active, fr, loc) -> bool:
        m = self._COND.match(word)
        if m:
            kind, neg, test = m.groups()
            if kind == "if":
                if not active:
                    cond.append([False, True, False, loc[:2]])
                    return True
                value = self._test(test, rest, fr, loc) != bool(neg)
                cond.append([value, value, True, loc[:2]])
                return True
            if not cond:
                raise AsmError(f"{word} without %if", *loc)
            c = cond[-1]
            if not c[2] or c[1]:
                c[0] = False
                return True
            value = self._test(test, rest, fr, loc) != bool(neg)
            c[0] = value
            c[1] = value
            return True
        if word == "%else":
            if not cond:
                raise AsmError("%else without %if", *loc)
            c = cond[-1]
            c[0] = c[2] and not c[1]
            c[1] = True
            return True
        if word == "%endif":
            if not cond:
                raise AsmError("%endif without %if", *loc)
            cond.pop()
            return True
        return False

    def _test(self, test, rest, fr, loc) -> bool:
        rest = self._substitute_params(rest, fr, loc[:2])
        words = [t for k, t in rest if k != "ws"]
        if test == "def":
            return bool(words) and words[0] in self.singles or \
                any(k.lower() == words[0].lower() and v.icase for k, v in self.singles.items())
        if test == "macro":
            return bool(words) and words[0].lower() in self.multis
        if test in ("idn", "idni"):
            a, b = (_split_args(self.expand(rest, loc[:2])) + [""])[:2]
            a, b = re.sub(r"\s+", "", a), re.sub(r"\s+", "", b)
            return a.lower() == b.lower() if test == "idni" else a == b
        exp = [t for t in self.expand(rest, loc[:2]) if t[0] != "ws"]
        if test == "num":
            return len(exp) == 1 and exp[0][0] == "num"
        if test == "str":
            return len(exp) == 1 and exp[0][0] == "str"
        if test == "id":
            return len(exp) == 1 and exp[0][0] == "id"
        if test == "empty":
            return not exp
        return self.evaluate(rest, loc) != 0

    def evaluate(self, tokens, loc) -> int:
        """A preprocessor expression (``%if``, ``%assign``, ``%rep``)."""
        from .expressions import Scalar, evaluate
        from .parser import parse_expr
        text = _text(self.expand(tokens, loc[:2])).strip()
        if not text:
            raise AsmError("expression expected", *loc)
        try:
            return evaluate(parse_expr(text), Scalar()).value
        except AsmError as exc:
            raise AsmError(exc.message, loc[0], loc[1], loc[2] + exc.column, loc[3]) from None

    # ----- directives ----------------------------------------------------------
    def _directive(self, word, rest, raw, file, lno, col, fr, frames, out):
        loc = (file, lno, col, fr.where)
        rest = self._substitute_params(rest, fr, (file, lno)) if word not in ("%macro", "%imacro") else rest
        words = [t for k, t in rest if k != "ws"]
        if word in ("%define", "%idefine", "%xdefine", "%xidefine"):
            self._define(word, rest, loc)
        elif word == "%undef":
            if not words:
                raise AsmError("%undef needs a macro name", *loc)
            self.singles.pop(words[0], None)
        elif word in ("%assign", "%iassign"):
            if not words:
                raise AsmError("%assign needs a name and an expression", *loc)
            i = next(i for i, (k, _) in enumerate(rest) if k != "ws")
            v = self.evaluate(rest[i + 1:], loc)
            self.singles[rest[i][1]] = _Single(None, [("num", str(v))], word == "%iassign")
        elif word in ("%macro", "%imacro"):
            self._define_multi(word, rest, fr, loc)
        elif word == "%endmacro":
            raise AsmError("%endmacro without %macro", *loc)
        elif word == "%unmacro":
            if words:
                self.multis.pop(words[0].lower(), None)
        elif word == "%rep":
            count = self.evaluate(rest, loc)
            body = self._collect(fr, ("%rep",), "%endrep", loc)
            if count < 0:
                raise AsmError(f"%rep count {count} is negative", *loc)
            if count:
                frames.append(_Frame(body, depth=fr.depth + 1, args=fr.args, uniq=fr.uniq,
                                     where=fr.where, kind="rep", repeat=count,
                                     cond_depth=len(self._cond), includes=fr.includes))
        elif word == "%exitrep":
            for f in reversed(frames):
                if f.kind == "rep":
                    f.repeat, f.pos = 0, len(f.lines)
                    del self._cond[f.cond_depth:]
                    break
        elif word == "%endrep":
            raise AsmError("%endrep without %rep", *loc)
        elif word == "%include":
            self._include(rest, fr, frames, loc)
        elif word in ("%error", "%fatal"):
            e = AsmError(_text(self.expand(rest, (file, lno))).strip() or word[1:], *loc)
            e.fatal = word == "%fatal"
            raise e
        elif word == "%warning":
            self.warnings.append(AsmError(_text(self.expand(rest, (file, lno))).strip(), *loc))
        elif word == "%rotate":
            args = fr.args
            if args is None:
                raise AsmError("%rotate outside a macro", *loc)
            if args:
                n = self.evaluate(rest, loc) % len(args)
                args[:] = args[n:] + args[:n]
        elif word in ("%line", "%pragma", "%use"):
            pass
        else:
            raise AsmError(f"unknown preprocessor directive {word}", *loc)

    def _define(self, word, rest, loc):
        i = next((i for i, (k, _) in enumerate(rest) if k != "ws"), None)
        if i is None or rest[i][0] != "id":
            raise AsmError(f"{word} needs a macro name", *loc)
        name = rest[i][1]
        j = i + 1
        params = None
        if j < len(rest) and rest[j] == ("other", "("):
            k = j + 1
            names, cur = [], ""
            while k < len(rest) and rest[k] != ("other", ")"):
                kind, t = rest[k]
                if t == ",":
                    names.append(cur.strip())
                    cur = ""
                elif kind != "ws":
                    cur += t
                k += 1
            if k >= len(rest):
                raise AsmError(f"missing ')' in {word} {name}", *loc)
            if cur.strip() or names:
                names.append(cur.strip())
            params = tuple(names)
            j = k + 1
        body = rest[j:]
        while body and body[0][0] == "ws":
            body = body[1:]
        if word.startswith("%x"):
            body = self.expand(body, loc[:2])
        self.singles[name] = _Single(params, list(body), "i" in word[1:3])

    def _define_multi(self, word, rest, fr, loc):
        toks = list(rest)
        while toks and toks[0][0] == "ws":
            toks.pop(0)
        if not toks:
            raise AsmError(f"{word} needs a macro name", *loc)
        name = toks.pop(0)[1]
        while toks and toks[0][0] == "ws":
            toks.pop(0)
        spec = ""
        while toks and toks[0][0] != "ws":
            spec += toks.pop(0)[1]
        m = re.match(r"(\d+)(?:-(\d+|\*))?(\+)?(\.nolist)?$", spec, re.I) if spec else None
        if spec and not m:
            raise AsmError(f"bad parameter count '{spec}' for macro {name}", *loc)
        nmin = int(m.group(1)) if m else 0
        nmax = nmin if not m or m.group(2) is None else (None if m.group(2) == "*" else int(m.group(2)))
        greedy = bool(m and m.group(3))
        tail_text = _text(toks).strip()
        if tail_text.lower().startswith(".nolist"):
            tail_text = tail_text[7:].strip()
        defaults = _split_args(tokenize(tail_text)) if tail_text else []
        body = self._collect(fr, ("%macro", "%imacro"), "%endmacro", loc)
        self.multis.setdefault(name.lower(), []).append(
            _Multi(name, nmin, nmax, greedy, defaults, body, word == "%imacro"))

    def _collect(self, fr, openers, closer, loc) -> list:
        """The raw lines up to the matching ``closer`` (nested openers counted);
        the listing shows them, and the closer, where they were written."""
        body, depth = [], 0
        while fr.pos < len(fr.lines):
            item = fr.lines[fr.pos]
            fr.pos += 1
            self._listed.append(Line("", item[0], item[1], fr.shown, fr.where, item[2], True))
            toks = [t for t in tokenize(item[2]) if t[0] != "ws"]
            w = toks[0][1].lower() if toks and toks[0][0] == "pct" else ""
            if w in openers:
                depth += 1
            elif w == closer:
                if depth == 0:
                    return body
                depth -= 1
            body.append(item)
        raise AsmError(f"{openers[0]} without {closer}", *loc)

    def _include(self, rest, fr, frames, loc):
        exp = [t for t in self.expand(rest, loc[:2]) if t[0] != "ws"]
        if not exp:
            raise AsmError("%include needs a file name", *loc)
        tok = exp[0][1]
        name = tok[1:-1] if exp[0][0] == "str" or tok.startswith("<") else _text(exp)
        if len(frames) > _MAX_DEPTH:
            raise AsmError("%include nested too deeply", *loc)
        path = self.find_include(name, loc[0])
        if path is None:
            raise AsmError(f"unable to open include file '{name}'", *loc)
        text = self._read(path, loc)
        frames.append(_Frame(self._split(text, path), depth=fr.depth, where=fr.where,
                             includes=fr.includes + 1))

    # ----- multi-line macro calls ---------------------------------------------
    def _macro_call(self, toks, raw, file, lno, fr, frames, out) -> bool:
        idx = [i for i, (k, _) in enumerate(toks) if k != "ws"]
        if not idx:
            return False
        first = idx[0]
        label = None
        name_at = first
        if toks[first][0] == "id" and toks[first][1].lower() not in self.multis:
            # "label: macro args" or "label macro args"
            j = first + 1
            while j < len(toks) and toks[j][0] == "ws":
                j += 1
            if j < len(toks) and toks[j] == ("other", ":"):
                j += 1
                while j < len(toks) and toks[j][0] == "ws":
                    j += 1
            if j < len(toks) and toks[j][0] == "id" and toks[j][1].lower() in self.multis:
                label = _text(toks[first:j]).strip()
                name_at = j
            else:
                return False
        if toks[name_at][0] != "id":
            return False
        name = toks[name_at][1]
        cands = self.multis.get(name.lower())
        if not cands:
            return False
        argtoks = toks[name_at + 1:]
        text = _text(argtoks).strip()
        given = _split_args(tokenize(text)) if text else []
        mac = None
        for c in reversed(cands):
            if not c.icase and c.name != name:
                continue
            if len(given) >= c.nmin and (c.nmax is None or len(given) <= c.nmax or c.greedy):
                mac = c
                break
        if mac is None:
            if any(c.icase or c.name == name for c in cands):
                raise AsmError(f"macro '{name}' called with {len(given)} parameter(s): "
                               f"expects {self._arity(cands)}", file, lno, 1, fr.where)
            return False
        if mac.greedy:
            limit = (mac.nmax if mac.nmax is not None else mac.nmin)
            if limit and len(given) > limit:
                given = _split_args(tokenize(text), greedy_from=limit - 1)
        args = list(given)
        nmax = mac.nmax if mac.nmax is not None else len(args)
        missing = nmax - len(args)
        if missing > 0:
            args += mac.defaults[len(args) - mac.nmin:][:missing]
        if fr.depth + 1 > _MAX_DEPTH:
            raise AsmError(f"macro '{name}' nested too deeply", file, lno, 1, fr.where)
        out.append(Line(label if label.endswith(":") else label + ":", file, lno, fr.shown, fr.where,
                        raw) if label else Line("", file, lno, fr.shown, fr.where, raw, True))
        self._uniq += 1
        where = fr.where or f"in macro '{mac.name}' called at {file}:{lno}"
        frames.append(_Frame(mac.body, depth=fr.depth + 1, args=args, uniq=self._uniq,
                             where=where, kind="macro", includes=fr.includes))
        return True

    @staticmethod
    def _arity(cands) -> str:
        out = []
        for c in cands:
            hi = "*" if c.nmax is None else str(c.nmax)
            out.append(str(c.nmin) if c.nmax == c.nmin else f"{c.nmin}-{hi}")
        return " or ".join(out)

    @staticmethod
    def _substitute_params(toks, fr, loc) -> list:
        """%1..%n, %{n}, %0 and %%label inside a macro body."""
        if fr.args is None:
            return toks
        out = []
        for k, t in toks:
            if k != "pct":
                out.append((k, t))
                continue
            if t.startswith("%%") and len(t) > 2:
                out.append(("id", f"..@{fr.uniq}.{t[2:]}"))
                continue
            m = re.match(r"%\{?(\d+)\}?$", t)
            if m:
                n = int(m.group(1))
                if n == 0:
                    out.append(("num", str(len(fr.args))))
                elif n <= len(fr.args):
                    out.extend(tokenize(fr.args[n - 1]))
                continue
            out.append((k, t))
        return tokenize(_text(out))     # isr%1 becomes the one identifier isr5

    @staticmethod
    def _paste(toks) -> list:
        """``a %+ b`` is ``ab`` (NASM 4.1.4, token pasting)."""
        if not any(t == ("pct", "%+") for t in toks):
            return toks
        out = []
        for k, t in toks:
            if (k, t) == ("pct", "%+"):
                while out and out[-1][0] == "ws":
                    out.pop()
                out.append(("paste", ""))
                continue
            if k == "ws" and out and out[-1][0] == "paste":
                continue
            out.append((k, t))
        return tokenize(_text(out))

    # ----- single-line macros ----------------------------------------------------
    def _lookup(self, name):
        s = self.singles.get(name)
        if s is None:
            low = name.lower()
            for k, v in self.singles.items():
                if v.icase and k.lower() == low:
                    return v
        return s

    def expand(self, toks, loc, active=frozenset()) -> list:
        """Expand single-line macros in ``toks`` (a macro is not expanded inside
        its own expansion, so self-reference stops as in NASM)."""
        if not self.singles:
            return toks
        out = []
        i, n = 0, len(toks)
        while i < n:
            k, t = toks[i]
            if k != "id" or t in active:
                out.append((k, t))
                i += 1
                continue
            mac = self._lookup(t)
            if mac is None:
                out.append((k, t))
                i += 1
                continue
            if mac.params is None:
                out.extend(self.expand(mac.body, loc, active | {t}))
                i += 1
                continue
            j = i + 1
            while j < n and toks[j][0] == "ws":
                j += 1
            if j >= n or toks[j] != ("other", "("):
                out.append((k, t))
                i += 1
                continue
            args, cur, depth = [], [], 0
            j += 1
            while j < n:
                kk, tt = toks[j]
                if kk == "other" and tt == "(":
                    depth += 1
                elif kk == "other" and tt == ")":
                    if depth == 0:
                        break
                    depth -= 1
                elif kk == "other" and tt == "," and depth == 0:
                    args.append(cur)
                    cur = []
                    j += 1
                    continue
                cur.append((kk, tt))
                j += 1
            if j >= n:
                raise AsmError(f"missing ')' in call of macro '{t}'", loc[0], loc[1], 1)
            args.append(cur)
            if args == [[]] and not mac.params:
                args = []
            if len(args) != len(mac.params):
                raise AsmError(f"macro '{t}' takes {len(mac.params)} parameter(s), given {len(args)}",
                               loc[0], loc[1], 1)
            binding = {p: self.expand(a, loc, active) for p, a in zip(mac.params, args)}
            body = []
            for bk, bt in mac.body:
                if bk == "id" and bt in binding:
                    body.extend(binding[bt])
                else:
                    body.append((bk, bt))
            out.extend(self.expand(body, loc, active | {t}))
            i = j + 1
        return out


def preprocess(text: str, filename: str = "<src>", include_dirs=()) -> tuple:
    """(lines, errors, warnings) of a source text."""
    pp = Preprocessor(include_dirs)
    lines = pp.run_text(text, filename)
    return lines, pp.errors, pp.warnings
