"""NASM as the oracle for the assembler tests, and a random instruction generator
over the instruction table.

``nasm(source)`` assembles with Debian's ``nasm -f bin`` (tests skip when it is
absent). ``random_instruction(rng, bits)`` writes one NASM source line for a
random table form: random registers, memory operands (16- or 32-bit addressing,
every base/index/scale/displacement shape), immediates of every width and jump
targets near and far.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

import pytest

from ia32.isa.table import TABLE

NASM = shutil.which("nasm")

needs_nasm = pytest.mark.skipif(NASM is None, reason="nasm is not installed (apt-get install nasm)")


def nasm(source: str, include_dirs=(), listing: bool = False):
    """The flat binary nasm makes of ``source`` (with ``listing``: the binary and
    nasm's listing text); AssertionError with nasm's messages if it refuses it."""
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "t.asm")
        out = os.path.join(d, "t.bin")
        lst = os.path.join(d, "t.lst")
        with open(src, "w") as f:
            f.write(source)
        args = [NASM, "-f", "bin", "-o", out, "-l", lst, src] + [f"-I{p}/" for p in include_dirs]
        r = subprocess.run(args, capture_output=True, text=True)
        assert r.returncode == 0, f"nasm rejected the source:\n{r.stderr}"
        with open(out, "rb") as f:
            data = f.read()
        if not listing:
            return data
        with open(lst) as f:
            return data, f.read()


REG = {"r8": "al cl dl bl ah ch dh bh".split(), "r16": "ax cx dx bx sp bp si di".split(),
       "r32": "eax ecx edx ebx esp ebp esi edi".split()}
SIZE = {8: "byte", 16: "word", 32: "dword"}
_IMM_MAX = {8: 0xFF, 16: 0xFFFF, 32: 0xFFFFFFFF}


def _disp(rng) -> str:
    return rng.choice(["", "+4", "-4", "+0x7f", "-0x80", "+0x80", "+0x1234", "-0x1234",
                       "+0x12345678", "+label", "+label+8"])


def memory(rng, bits: int) -> str:
    """A random memory operand body ``[...]`` for the code size ``bits``."""
    asize = bits if rng.random() < 0.85 else 48 - bits
    seg = rng.choice(["", "", "", "", "es:", "cs:", "ss:", "ds:", "fs:", "gs:"])
    if asize == 16:
        regs = rng.choice(["bx", "bp", "si", "di", "bx+si", "bx+di", "bp+si", "bp+di", "si+bx", ""])
        d = rng.choice(["", "+4", "-4", "+0x7f", "+0x80", "+0x1234", "+label"])
        if not regs:
            return f"[{seg}word 0x{rng.randrange(0x10000):x}]" if asize != bits else \
                f"[{seg}0x{rng.randrange(0x10000):x}]"
        return f"[{seg}{regs}{d}]"
    base = rng.choice(REG["r32"] + [None])
    index = rng.choice([r for r in REG["r32"] if r != "esp"] + [None, None])
    scale = rng.choice([1, 2, 4, 8])
    parts = []
    if base:
        parts.append(base)
    if index:
        parts.append(f"{index}*{scale}")
    body = "+".join(parts)
    d = _disp(rng)
    if not body:
        addr = f"0x{rng.randrange(1 << 32):x}"
        return f"[{seg}dword {addr}]" if asize != bits else f"[{seg}{addr}]"
    return f"[{seg}{body}{d}]"


def _imm(rng, width: int, sx: bool) -> str:
    if sx:
        return str(rng.randrange(-128, 128))
    v = rng.choice([rng.randrange(_IMM_MAX[width] + 1), rng.randrange(128), 0x80, _IMM_MAX[width]])
    return hex(v)


def _operand(rng, tok: str, form, bits: int):
    if tok in REG:
        return rng.choice(REG[tok])
    if tok.startswith("r/m"):
        n = int(tok[3:])
        if rng.random() < 0.4:
            return rng.choice(REG["r" + str(n)])
        if form.mnemonic in ("LAR", "LSL"):         # NASM: LAR reg,mem takes no size
            return memory(rng, bits)
        return f"{SIZE[n]} {memory(rng, bits)}"
    if tok in ("m8", "m16", "m32"):
        return f"{SIZE[int(tok[1:])]} {memory(rng, bits)}"
    if tok in ("m", "m16&32", "m16&16", "m32&32"):
        return memory(rng, bits)
    if tok in ("m16:16", "m16:32"):
        size = "word" if tok == "m16:16" else "dword"
        if form.mnemonic in ("JMP", "CALL"):
            return f"far {size} {memory(rng, bits)}"
        return memory(rng, bits)
    if tok.startswith("imm"):
        return _imm(rng, int(tok[3:]), form.sx)
    if tok.startswith("rel"):
        short_only = all(f.operands != ("rel16",) for f in TABLE if f.mnemonic == form.mnemonic)
        if short_only:                  # LOOP, JCXZ: within reach in any batch
            return rng.choice(["$", "$+2", "$-0x10"])
        return rng.choice(["label", "back", "$", "$+2", "far_label"])
    if tok.startswith("ptr"):
        kw = "word " if tok == "ptr16:16" else "dword "
        return f"{kw}0x{rng.randrange(0x10000):x}:0x{rng.randrange(0x10000):x}"
    if tok.startswith("moffs"):
        return f"[0x{rng.randrange(0x10000):x}]"
    if tok == "Sreg":
        return rng.choice("es cs ss ds fs gs".split())
    if tok == "CRn":
        return rng.choice(["cr0", "cr2", "cr3", "cr4"])
    if tok == "DRn":
        return rng.choice([f"dr{n}" for n in range(8)])
    return tok.lower()


ASM_FORMS = [f for f in TABLE if f.asm]


def random_instruction(rng, bits: int) -> str:
    """One source line for a random assemblable table form."""
    while True:
        f = rng.choice(ASM_FORMS)
        if f.mnemonic == "MOV" and "Sreg" in f.operands and f.operands[0] == "Sreg":
            ops = ["ds" if rng.random() < 0.5 else "es", _operand(rng, f.operands[1], f, bits)]
        else:
            ops = [_operand(rng, t, f, bits) for t in f.operands]
        if f.mnemonic in ("POP",) and ops and ops[0] == "cs":
            continue
        mn = rng.choice((f.mnemonic,) + tuple(a for a in f.aliases if " " not in a)).lower()
        if mn in ("pusha", "popa", "pushf", "popf", "iret") and f.o != bits:
            mn += "w" if f.o == 16 else "d"
        if mn in ("pushad", "popad", "pushfd", "popfd", "iretd") and f.o != 32:
            continue
        if mn in ("pushad", "popad", "pushfd", "popfd", "iretd"):
            pass
        prefix = ""
        if f.rep and rng.random() < 0.3:
            prefix = rng.choice(["rep ", "repe ", "repne "] if f.rep == "repcc" else ["rep "])
        elif f.lock and any(o.startswith(("byte [", "word [", "dword [")) or " [" in o for o in ops[:1]) \
                and rng.random() < 0.3:
            prefix = "lock "
        return (prefix + mn + " " + ", ".join(ops)).strip()


def wrap(lines, bits: int) -> str:
    return "\n".join([f"bits {bits}", "back:"] + list(lines) +
                     ["label: nop", "times 200 nop", "far_label: nop", ""])


_DATA = ["dd {t}", "dw {t}-$$", "db 1,2,3", "times 7 db 0x55", "times ($-$$) % 3 db 1", "align 4",
         "align 16, db 0", "db 'text',0", "dd {t}-$"]
_CODE = ["jmp {t}", "jz {t}", "call {t}", "mov eax, {t}", "mov ebx, [{t}]", "lea esi, [ebx+{t}]",
         "push {t}", "times 50 nop", "loop $", "jmp short $+2", "jmp 0x7c40"]
_BSS = ["resb 3", "resd 2", "resw 1", "alignb 8", "resb 100"]


def random_program(rng) -> str:
    """A random program over several sections: labels, jumps and references
    between them, data, ``times``, ``align``, reservations, section attributes."""
    bits = rng.choice([16, 32])
    lines = [f"bits {bits}", f"org {rng.choice([0, 0x7c00, 0x100000, 0x7c01])}"]
    labels = [f"L{i}" for i in range(6)]
    placed = set()
    cur = ".text"
    for _ in range(rng.randrange(5, 40)):
        r = rng.random()
        t = rng.choice(labels)
        if r < 0.1:
            cur = rng.choice([".text", ".data", ".bss", ".rodata"])
            lines.append(f"section {cur}" + (rng.choice([" align=16", " align=8"]) if rng.random() < 0.3 else ""))
        elif r < 0.2:
            free = [name for name in labels if name not in placed]
            if free:
                placed.add(free[0])
                lines.append(f"{free[0]}:")
        elif cur == ".bss":
            lines.append(rng.choice(_BSS))
        elif r < 0.35 or cur != ".text":
            lines.append(rng.choice(_DATA).format(t=t))
        elif r < 0.8:
            lines.append(rng.choice(_CODE).format(t=t))
        else:
            lines.append(random_instruction(rng, bits).replace("far_label", t).replace("label", t)
                         .replace("back", t))
    lines += [f"{name}:" for name in labels if name not in placed]
    return "\n".join(lines) + "\n"
