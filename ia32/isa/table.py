"""The IA-32 instruction table: ONE entry per instruction form, in Intel notation.

The decoder (``ia32.decode``), the assembler (``ia32.asm``) and the disassembler
(``ia32.disasm``) all read :data:`TABLE`; no other opcode list exists anywhere.
An entry is written the way the Intel manuals print an instruction form (80386
Programmer's Reference Manual 1986, section 17.2.2 "Description Notation"; SDM
Vol. 2 section 3.1.1 "Instruction Format"):

    I("ADD", "r/m32,r32", "01 /r", "add")

mnemonic
    Upper case. Alternative spellings of the same form (JE for JZ, SAL for SHL,
    LOOPZ for LOOPE, ...) are listed in ``aliases``; disassemblers print the
    mnemonic, assemblers accept both.

operands (comma separated, destination first)
    ``r8 r16 r32``            general register in ModRM.reg (or in the opcode, +r)
    ``r/m8 r/m16 r/m32``      register or memory operand from ModRM.mod/rm
    ``m``                     memory only, size irrelevant (LEA, INVLPG, ESC)
    ``m8 m16 m32``            memory only of that size
    ``m16&16 m32&32``         two words / dwords in memory (BOUND)
    ``m16&32``                limit word + 32-bit base (LGDT/LIDT/SGDT/SIDT)
    ``m16:16 m16:32``         far pointer in memory, offset first (LDS, JMP FAR [m])
    ``imm8 imm16 imm32``      immediate (``sx=True``: imm8 sign-extended to the
                              operand size, the 83/6A/6B forms)
    ``rel8 rel16 rel32``      signed displacement from the next instruction
    ``ptr16:16 ptr16:32``     direct far pointer (offset, then selector, in the code)
    ``moffs8 moffs16 moffs32`` an offset of the address size, no ModRM (A0-A3)
    ``Sreg``                  segment register in ModRM.reg (ES CS SS DS FS GS = 0..5)
    ``CRn DRn``               control/debug register in ModRM.reg (MOV 0F 20-23)
    ``AL AX EAX CL DX``       that fixed register
    ``ES CS SS DS FS GS``     that fixed segment register (PUSH/POP)
    ``1``                     the constant 1 (shift by one, D0/D1)
    ``3``                     the constant 3 (INT 3)

encoding (space separated, SDM opcode column)
    ``0F 01``                 opcode bytes, in hex
    ``B8+rd`` ``50+rw`` ``B0+rb``  register number added to the last opcode byte
    ``/r``                    a ModRM byte whose reg field is a register operand
                              (or ignored when no operand names one, as SETcc)
    ``/0`` .. ``/7``          a ModRM byte whose reg field extends the opcode
    ``ib iw id``              1-, 2-, 4-byte immediate
    ``cb cw cd cp``           1-, 2-, 4-, 6-byte code offset or pointer (rel8,
                              rel16, rel32 or ptr16:16, ptr16:32)

operand size (``o``)
    16- and 32-bit forms are separate entries with the same opcode; ``o`` is 16 or
    32 and says which operand size selects the entry (the assembler emits 66h when
    it differs from ``bits``). It is derived from the first sized operand (r16,
    r/m16, AX, rel16, moffs16, m16:16, ptr16:16, ...) unless given; ``o=0`` marks a
    form that is the same under either size (the handler reads the operand size
    itself: PUSH ES, RET, MOV Sreg,r/m16, JMP rel8). ``a`` (16/32) does the same for
    the address size where it picks the form (JCXZ/JECXZ).

semantics
    The name of the handler in ``ia32.isa`` (``SEMANTICS`` of the family modules;
    system instructions are ia32sys's, in ``ia32.isa.system``).

flags
    ``priv``       CPL must be 0 in protected mode (#GP(0) otherwise; PRM 4.x
                   "Privileged Instructions"), and #GP(0) in V86 mode.
    ``iopl``       IOPL-sensitive (CLI, STI, IN, OUT, INS, OUTS: PRM 8.3.1)
    ``sensitive``  reads or changes processor state without trapping at CPL > 0
                   (Robin and Irvine 2000; see docs and ARCHITECTURE.md)
    ``pm_only``    #UD in real and virtual-8086 mode (LLDT, LTR, SLDT, STR, LAR,
                   LSL, VERR, VERW, ARPL; PRM chapter 17 "Protected Mode Exceptions")
    ``lock``       LOCK may prefix the memory form (other LOCKed forms give #UD)
    ``rep``        "rep" (REP prefix repeats it) or "repcc" (REPE/REPNE test ZF)
    ``cpu``        the first processor with the form: 386, 486 (BSWAP, XADD,
                   CMPXCHG, INVLPG, INVD, WBINVD), 586 (CPUID, RDTSC, RDMSR,
                   WRMSR, CMPXCHG8B), 686 (NOP r/m, UD2, CMOVcc: compilers
                   emit it, so test kernels need it)
    ``asm``        False for encodings an assembler never emits (82 group, SAL /6)
"""
from __future__ import annotations

from typing import NamedTuple


class Form(NamedTuple):
    """One instruction form of :data:`TABLE` (see the module docstring)."""

    mnemonic: str
    operands: tuple[str, ...]
    encoding: tuple[str, ...]
    semantics: str
    o: int
    a: int
    aliases: tuple[str, ...]
    priv: bool
    iopl: bool
    sensitive: bool
    pm_only: bool
    lock: bool
    rep: str | None
    sx: bool
    cpu: int
    asm: bool

    @property
    def opcode(self) -> tuple[int, ...]:
        """The opcode bytes (for +r forms, the base value)."""
        out = []
        for tok in self.encoding:
            base = tok.split("+")[0]
            if len(base) == 2 and all(c in "0123456789ABCDEF" for c in base):
                out.append(int(base, 16))
        return tuple(out)

    @property
    def modrm(self) -> bool:
        return any(t.startswith("/") for t in self.encoding)

    @property
    def digit(self) -> int | None:
        """The /digit opcode extension, or None."""
        for t in self.encoding:
            if len(t) == 2 and t[0] == "/" and t[1].isdigit():
                return int(t[1])
        return None

    @property
    def plus_reg(self) -> bool:
        """Whether the register is added to the last opcode byte (+rb/+rw/+rd)."""
        return any("+r" in t for t in self.encoding)


#: operand tokens that fix the operand size of a form
_SIZE16 = {"r16", "r/m16", "AX", "rel16", "moffs16", "m16:16", "ptr16:16", "m16&16", "m16"}
_SIZE32 = {"r32", "r/m32", "EAX", "rel32", "moffs32", "m16:32", "ptr16:32", "m32&32", "m32"}


def I(mnemonic: str, operands: str, encoding: str, semantics: str, *, o: int | None = None,
      a: int = 0, aliases: tuple[str, ...] = (), priv: bool = False, iopl: bool = False,
      sensitive: bool = False, pm_only: bool = False, lock: bool = False,
      rep: str | None = None, sx: bool = False, cpu: int = 386, asm: bool = True) -> Form:
    """Declare one instruction form (see the module docstring for the notation)."""
    ops = tuple(x.strip() for x in operands.split(",")) if operands else ()
    if o is None:
        o = 0
        for op in ops:
            if op in _SIZE16:
                o = 16
                break
            if op in _SIZE32:
                o = 32
                break
    return Form(mnemonic, ops, tuple(encoding.split()), semantics, o, a, tuple(aliases), priv,
                iopl, sensitive, pm_only, lock, rep, sx, cpu, asm)


#: Condition codes in encoding order (the low nibble of 70-7F, 0F 80-8F, 0F 90-9F),
#: each the primary suffix and its aliases. PRM Appendix D "Condition Codes".
CONDITIONS = (
    ("O", ()), ("NO", ()), ("B", ("C", "NAE")), ("NB", ("AE", "NC")),
    ("Z", ("E",)), ("NZ", ("NE",)), ("BE", ("NA",)), ("A", ("NBE",)),
    ("S", ()), ("NS", ()), ("P", ("PE",)), ("NP", ("PO",)),
    ("L", ("NGE",)), ("NL", ("GE",)), ("LE", ("NG",)), ("G", ("NLE",)),
)

#: The eight ALU operations of opcodes 00-3F and the 80-83 group, in /digit order.
ALU_OPS = ("ADD", "OR", "ADC", "SBB", "AND", "SUB", "XOR", "CMP")

#: The shift/rotate group C0/C1/D0-D3 in /digit order (/6 is an undocumented SHL).
SHIFT_OPS = ("ROL", "ROR", "RCL", "RCR", "SHL", "SHR", "SAL", "SAR")


def _sized(mn16: str, mn32: str, operands16: str, operands32: str, encoding16: str,
           encoding32: str, semantics: str, **kw) -> list[Form]:
    """The 16- and 32-bit forms of one instruction (same opcode, different o)."""
    return [I(mn16, operands16, encoding16, semantics, o=16, **kw),
            I(mn32, operands32, encoding32, semantics, o=32, **kw)]


def _w(mn: str, ops: str, enc16: str, semantics: str, enc32: str | None = None,
       **kw) -> list[Form]:
    """The 16/32 pair of a form written once with ``W`` for the size: "r/mW,rW"."""
    enc32 = enc16 if enc32 is None else enc32
    ops16 = ops.replace("immW", "imm16").replace("relW", "rel16").replace("W", "16")
    ops32 = ops.replace("immW", "imm32").replace("relW", "rel32").replace("W", "32")
    ops16 = ops16.replace("AcX", "AX")
    ops32 = ops32.replace("AcX", "EAX")
    return _sized(mn, mn, ops16, ops32, enc16, enc32, semantics, **kw)


def _alu() -> list[Form]:
    forms: list[Form] = []
    for n, mn in enumerate(ALU_OPS):
        sem = mn.lower()
        lock = mn != "CMP"
        b = n * 8
        forms.append(I(mn, "r/m8,r8", f"{b:02X} /r", sem, lock=lock))
        forms += _w(mn, "r/mW,rW", f"{b + 1:02X} /r", sem, lock=lock)
        forms.append(I(mn, "r8,r/m8", f"{b + 2:02X} /r", sem))
        forms += _w(mn, "rW,r/mW", f"{b + 3:02X} /r", sem)
        forms.append(I(mn, "AL,imm8", f"{b + 4:02X} ib", sem))
        forms += _w(mn, "AcX,immW", f"{b + 5:02X} iw", sem, f"{b + 5:02X} id")
        forms.append(I(mn, "r/m8,imm8", f"80 /{n} ib", sem, lock=lock))
        forms += _w(mn, "r/mW,immW", f"81 /{n} iw", sem, f"81 /{n} id", lock=lock)
        forms.append(I(mn, "r/m8,imm8", f"82 /{n} ib", sem, lock=lock, asm=False))
        forms += _w(mn, "r/mW,imm8", f"83 /{n} ib", sem, lock=lock, sx=True)
    return forms


def _shifts() -> list[Form]:
    forms: list[Form] = []
    for n, mn in enumerate(SHIFT_OPS):
        if mn == "SAL":
            continue
        sem = mn.lower()
        aliases = ("SAL",) if mn == "SHL" else ()
        for digit, asm in ((n, True),) + (((6, False),) if mn == "SHL" else ()):
            kw = dict(aliases=aliases, asm=asm)
            forms.append(I(mn, "r/m8,1", f"D0 /{digit}", sem, **kw))
            forms += _w(mn, "r/mW,1", f"D1 /{digit}", sem, **kw)
            forms.append(I(mn, "r/m8,CL", f"D2 /{digit}", sem, **kw))
            forms += _w(mn, "r/mW,CL", f"D3 /{digit}", sem, **kw)
            forms.append(I(mn, "r/m8,imm8", f"C0 /{digit} ib", sem, **kw))
            forms += _w(mn, "r/mW,imm8", f"C1 /{digit} ib", sem, **kw)
    for mn, base in (("SHLD", 0xA4), ("SHRD", 0xAC)):
        forms += _w(mn, "r/mW,rW,imm8", f"0F {base:02X} /r ib", mn.lower())
        forms += _w(mn, "r/mW,rW,CL", f"0F {base + 1:02X} /r", mn.lower())
    return forms


def _unary_group() -> list[Form]:
    """F6/F7 (TEST imm, NOT, NEG, MUL, IMUL, DIV, IDIV) and FE/FF (INC, DEC, ...)."""
    forms = [I("TEST", "r/m8,imm8", "F6 /0 ib", "test")]
    forms += _w("TEST", "r/mW,immW", "F7 /0 iw", "test", "F7 /0 id")
    for digit, mn, lock in ((2, "NOT", True), (3, "NEG", True), (4, "MUL", False),
                            (5, "IMUL", False), (6, "DIV", False), (7, "IDIV", False)):
        forms.append(I(mn, "r/m8", f"F6 /{digit}", mn.lower(), lock=lock))
        forms += _w(mn, "r/mW", f"F7 /{digit}", mn.lower(), lock=lock)
    for digit, mn in ((0, "INC"), (1, "DEC")):
        forms.append(I(mn, "r/m8", f"FE /{digit}", mn.lower(), lock=True))
        forms += _w(mn, "r/mW", f"FF /{digit}", mn.lower(), lock=True)
        forms += _w(mn, "rW", f"{0x40 + 8 * digit:02X}+rw", mn.lower(),
                    f"{0x40 + 8 * digit:02X}+rd")
    return forms


def _jumps() -> list[Form]:
    forms: list[Form] = []
    for n, (cc, aliases) in enumerate(CONDITIONS):
        jal = tuple("J" + a for a in aliases)
        forms.append(I("J" + cc, "rel8", f"{0x70 + n:02X} cb", "jcc", aliases=jal))
        forms += _w("J" + cc, "relW", f"0F {0x80 + n:02X} cw", "jcc",
                    f"0F {0x80 + n:02X} cd", aliases=jal)
        forms.append(I("SET" + cc, "r/m8", f"0F {0x90 + n:02X} /r", "setcc",
                       aliases=tuple("SET" + a for a in aliases)))
        forms += _w("CMOV" + cc, "rW,r/mW", f"0F {0x40 + n:02X} /r", "cmovcc",
                    aliases=tuple("CMOV" + a for a in aliases), cpu=686)
    forms += [
        I("JMP", "rel8", "EB cb", "jmp"),
        *_w("JMP", "relW", "E9 cw", "jmp", "E9 cd"),
        *_w("JMP", "r/mW", "FF /4", "jmp_near_indirect"),
        *_sized("JMP", "JMP", "ptr16:16", "ptr16:32", "EA cd", "EA cp", "jmp_far",
                sensitive=True),
        *_sized("JMP", "JMP", "m16:16", "m16:32", "FF /5", "FF /5", "jmp_far_indirect",
                sensitive=True),
        *_w("CALL", "relW", "E8 cw", "call", "E8 cd"),
        *_w("CALL", "r/mW", "FF /2", "call_near_indirect"),
        *_sized("CALL", "CALL", "ptr16:16", "ptr16:32", "9A cd", "9A cp", "call_far",
                sensitive=True),
        *_sized("CALL", "CALL", "m16:16", "m16:32", "FF /3", "FF /3", "call_far_indirect",
                sensitive=True),
        I("RET", "", "C3", "ret", o=0),
        I("RET", "imm16", "C2 iw", "ret", o=0),
        I("RETF", "", "CB", "retf", o=0, sensitive=True),
        I("RETF", "imm16", "CA iw", "retf", o=0, sensitive=True),
        I("LOOP", "rel8", "E2 cb", "loop"),
        I("LOOPE", "rel8", "E1 cb", "loope", aliases=("LOOPZ",)),
        I("LOOPNE", "rel8", "E0 cb", "loopne", aliases=("LOOPNZ",)),
        I("JCXZ", "rel8", "E3 cb", "jcxz", a=16),
        I("JECXZ", "rel8", "E3 cb", "jcxz", a=32),
    ]
    return forms


def _moves() -> list[Form]:
    forms = [
        I("MOV", "r/m8,r8", "88 /r", "mov"),
        *_w("MOV", "r/mW,rW", "89 /r", "mov"),
        I("MOV", "r8,r/m8", "8A /r", "mov"),
        *_w("MOV", "rW,r/mW", "8B /r", "mov"),
        I("MOV", "r/m16,Sreg", "8C /r", "mov_from_sreg", o=0, sensitive=True),
        I("MOV", "Sreg,r/m16", "8E /r", "mov_to_sreg", o=0, sensitive=True),
        I("MOV", "AL,moffs8", "A0", "mov"),
        *_w("MOV", "AcX,moffsW", "A1", "mov"),
        I("MOV", "moffs8,AL", "A2", "mov"),
        *_w("MOV", "moffsW,AcX", "A3", "mov"),
        I("MOV", "r8,imm8", "B0+rb ib", "mov"),
        *_w("MOV", "rW,immW", "B8+rw iw", "mov", "B8+rd id"),
        I("MOV", "r/m8,imm8", "C6 /0 ib", "mov"),
        *_w("MOV", "r/mW,immW", "C7 /0 iw", "mov", "C7 /0 id"),
        I("MOV", "r32,CRn", "0F 20 /r", "mov_from_cr", o=0, priv=True),
        I("MOV", "CRn,r32", "0F 22 /r", "mov_to_cr", o=0, priv=True),
        I("MOV", "r32,DRn", "0F 21 /r", "mov_from_dr", o=0, priv=True),
        I("MOV", "DRn,r32", "0F 23 /r", "mov_to_dr", o=0, priv=True),
        *_w("MOVZX", "rW,r/m8", "0F B6 /r", "movzx"),
        I("MOVZX", "r32,r/m16", "0F B7 /r", "movzx"),
        *_w("MOVSX", "rW,r/m8", "0F BE /r", "movsx"),
        I("MOVSX", "r32,r/m16", "0F BF /r", "movsx"),
        *_w("LEA", "rW,m", "8D /r", "lea"),
        I("XCHG", "r/m8,r8", "86 /r", "xchg", lock=True),
        *_w("XCHG", "r/mW,rW", "87 /r", "xchg", lock=True),
        *_w("XCHG", "AcX,rW", "90+rw", "xchg", "90+rd"),
        I("NOP", "", "90", "nop", o=0),
        *_w("NOP", "r/mW", "0F 1F /0", "nop", cpu=686),
        I("XLATB", "", "D7", "xlat", o=0, aliases=("XLAT",)),
        I("BSWAP", "r32", "0F C8+rd", "bswap", o=0, cpu=486),
        I("CMPXCHG", "r/m8,r8", "0F B0 /r", "cmpxchg", lock=True, cpu=486),
        *_w("CMPXCHG", "r/mW,rW", "0F B1 /r", "cmpxchg", lock=True, cpu=486),
        I("CMPXCHG8B", "m", "0F C7 /1", "cmpxchg8b", o=0, lock=True, cpu=586),
        I("XADD", "r/m8,r8", "0F C0 /r", "xadd", lock=True, cpu=486),
        *_w("XADD", "r/mW,rW", "0F C1 /r", "xadd", lock=True, cpu=486),
        *_sized("LDS", "LDS", "r16,m16:16", "r32,m16:32", "C5 /r", "C5 /r", "lds"),
        *_sized("LES", "LES", "r16,m16:16", "r32,m16:32", "C4 /r", "C4 /r", "les"),
        *_sized("LSS", "LSS", "r16,m16:16", "r32,m16:32", "0F B2 /r", "0F B2 /r", "lss"),
        *_sized("LFS", "LFS", "r16,m16:16", "r32,m16:32", "0F B4 /r", "0F B4 /r", "lfs"),
        *_sized("LGS", "LGS", "r16,m16:16", "r32,m16:32", "0F B5 /r", "0F B5 /r", "lgs"),
        *_sized("CBW", "CWDE", "", "", "98", "98", "cbw"),
        *_sized("CWD", "CDQ", "", "", "99", "99", "cwd"),
    ]
    return forms


def _logic_bits() -> list[Form]:
    forms = [I("TEST", "r/m8,r8", "84 /r", "test"), *_w("TEST", "r/mW,rW", "85 /r", "test"),
             I("TEST", "AL,imm8", "A8 ib", "test"),
             *_w("TEST", "AcX,immW", "A9 iw", "test", "A9 id")]
    for mn, reg_op, digit in (("BT", 0xA3, 4), ("BTS", 0xAB, 5), ("BTR", 0xB3, 6),
                              ("BTC", 0xBB, 7)):
        lock = mn != "BT"
        forms += _w(mn, "r/mW,rW", f"0F {reg_op:02X} /r", mn.lower(), lock=lock)
        forms += _w(mn, "r/mW,imm8", f"0F BA /{digit} ib", mn.lower(), lock=lock)
    forms += _w("BSF", "rW,r/mW", "0F BC /r", "bsf")
    forms += _w("BSR", "rW,r/mW", "0F BD /r", "bsr")
    forms += _w("IMUL", "rW,r/mW", "0F AF /r", "imul")
    forms += _w("IMUL", "rW,r/mW,imm8", "6B /r ib", "imul", sx=True)
    forms += _w("IMUL", "rW,r/mW,immW", "69 /r iw", "imul", "69 /r id")
    return forms


def _stack() -> list[Form]:
    forms = [
        *_w("PUSH", "rW", "50+rw", "push", "50+rd"),
        *_w("PUSH", "r/mW", "FF /6", "push"),
        I("PUSH", "imm8", "6A ib", "push", o=0, sx=True),
        I("PUSH", "imm16", "68 iw", "push", o=16),
        I("PUSH", "imm32", "68 id", "push", o=32),
        *_w("POP", "rW", "58+rw", "pop", "58+rd"),
        *_w("POP", "r/mW", "8F /0", "pop"),
        *_sized("PUSHA", "PUSHAD", "", "", "60", "60", "pusha"),
        *_sized("POPA", "POPAD", "", "", "61", "61", "popa"),
        *_sized("PUSHF", "PUSHFD", "", "", "9C", "9C", "pushf", sensitive=True),
        *_sized("POPF", "POPFD", "", "", "9D", "9D", "popf", sensitive=True),
        I("ENTER", "imm16,imm8", "C8 iw ib", "enter", o=0),
        I("LEAVE", "", "C9", "leave", o=0),
        *_sized("BOUND", "BOUND", "r16,m16&16", "r32,m32&32", "62 /r", "62 /r", "bound"),
    ]
    for sreg, push, pop in (("ES", "06", "07"), ("CS", "0E", None), ("SS", "16", "17"),
                            ("DS", "1E", "1F"), ("FS", "0F A0", "0F A1"),
                            ("GS", "0F A8", "0F A9")):
        forms.append(I("PUSH", sreg, push, "push_sreg", o=0, sensitive=True))
        if pop:
            forms.append(I("POP", sreg, pop, "pop_sreg", o=0, sensitive=True))
    return forms


def _strings() -> list[Form]:
    forms: list[Form] = []
    for mn, op, rep, sem in (("MOVS", 0xA4, "rep", "movs"), ("CMPS", 0xA6, "repcc", "cmps"),
                             ("STOS", 0xAA, "rep", "stos"), ("LODS", 0xAC, "rep", "lods"),
                             ("SCAS", 0xAE, "repcc", "scas"), ("INS", 0x6C, "rep", "ins"),
                             ("OUTS", 0x6E, "rep", "outs")):
        kw = dict(rep=rep, iopl=mn in ("INS", "OUTS"))
        forms.append(I(mn + "B", "", f"{op:02X}", sem, o=0, **kw))
        forms += _sized(mn + "W", mn + "D", "", "", f"{op + 1:02X}", f"{op + 1:02X}", sem,
                        **kw)
    return forms


def _flags_misc() -> list[Form]:
    return [
        I("CLC", "", "F8", "clc"), I("STC", "", "F9", "stc"), I("CMC", "", "F5", "cmc"),
        I("CLD", "", "FC", "cld"), I("STD", "", "FD", "std"),
        I("CLI", "", "FA", "cli", iopl=True), I("STI", "", "FB", "sti", iopl=True),
        I("LAHF", "", "9F", "lahf"), I("SAHF", "", "9E", "sahf"),
        I("DAA", "", "27", "daa"), I("DAS", "", "2F", "das"),
        I("AAA", "", "37", "aaa"), I("AAS", "", "3F", "aas"),
        I("AAM", "imm8", "D4 ib", "aam"), I("AAD", "imm8", "D5 ib", "aad"),
        I("HLT", "", "F4", "hlt", priv=True),
        I("INT3", "", "CC", "int3"),
        I("INT", "imm8", "CD ib", "int", sensitive=True),
        I("INTO", "", "CE", "into"),
        *_sized("IRET", "IRETD", "", "", "CF", "CF", "iret", sensitive=True),
        I("IN", "AL,imm8", "E4 ib", "in", iopl=True),
        *_w("IN", "AcX,imm8", "E5 ib", "in", iopl=True),
        I("IN", "AL,DX", "EC", "in", iopl=True),
        *_w("IN", "AcX,DX", "ED", "in", iopl=True),
        I("OUT", "imm8,AL", "E6 ib", "out", iopl=True),
        *_w("OUT", "imm8,AcX", "E7 ib", "out", iopl=True),
        I("OUT", "DX,AL", "EE", "out", iopl=True),
        *_w("OUT", "DX,AcX", "EF", "out", iopl=True),
        I("WAIT", "", "9B", "wait", aliases=("FWAIT",)),
        *[I("ESC", "m", f"{op:02X} /r", "esc", o=0, asm=False) for op in range(0xD8, 0xE0)],
        I("CPUID", "", "0F A2", "cpuid", cpu=586),
        I("RDTSC", "", "0F 31", "rdtsc", cpu=586),
        I("UD2", "", "0F 0B", "ud2", cpu=686),
    ]


def _system() -> list[Form]:
    """System instructions: the entries are here, the semantics in ia32.isa.system."""
    return [
        I("SGDT", "m16&32", "0F 01 /0", "sgdt", o=0, sensitive=True),
        I("SIDT", "m16&32", "0F 01 /1", "sidt", o=0, sensitive=True),
        I("LGDT", "m16&32", "0F 01 /2", "lgdt", o=0, priv=True),
        I("LIDT", "m16&32", "0F 01 /3", "lidt", o=0, priv=True),
        I("SMSW", "r/m16", "0F 01 /4", "smsw", o=0, sensitive=True),
        I("LMSW", "r/m16", "0F 01 /6", "lmsw", o=0, priv=True),
        I("INVLPG", "m", "0F 01 /7", "invlpg", o=0, priv=True, cpu=486),
        I("SLDT", "r/m16", "0F 00 /0", "sldt", o=0, pm_only=True, sensitive=True),
        I("STR", "r/m16", "0F 00 /1", "str", o=0, pm_only=True, sensitive=True),
        I("LLDT", "r/m16", "0F 00 /2", "lldt", o=0, pm_only=True, priv=True),
        I("LTR", "r/m16", "0F 00 /3", "ltr", o=0, pm_only=True, priv=True),
        I("VERR", "r/m16", "0F 00 /4", "verr", o=0, pm_only=True, sensitive=True),
        I("VERW", "r/m16", "0F 00 /5", "verw", o=0, pm_only=True, sensitive=True),
        *_w("LAR", "rW,r/mW", "0F 02 /r", "lar", pm_only=True, sensitive=True),
        *_w("LSL", "rW,r/mW", "0F 03 /r", "lsl", pm_only=True, sensitive=True),
        I("ARPL", "r/m16,r16", "63 /r", "arpl", o=0, pm_only=True),
        I("CLTS", "", "0F 06", "clts", priv=True),
        I("INVD", "", "0F 08", "invd", priv=True, cpu=486),
        I("WBINVD", "", "0F 09", "wbinvd", priv=True, cpu=486),
        I("WRMSR", "", "0F 30", "wrmsr", priv=True, cpu=586),
        I("RDMSR", "", "0F 32", "rdmsr", priv=True, cpu=586),
    ]


#: Every instruction form, in no particular order (the decoder indexes it).
TABLE: tuple[Form, ...] = tuple(
    _alu() + _shifts() + _unary_group() + _jumps() + _moves() + _logic_bits() + _stack()
    + _strings() + _flags_misc() + _system())

#: Semantics names implemented in ia32.isa.system (ia32sys's module).
SYSTEM_SEMANTICS = frozenset(f.semantics for f in _system()) | {
    "mov_from_cr", "mov_to_cr", "mov_from_dr", "mov_to_dr"}


def by_mnemonic() -> dict[str, list[Form]]:
    """The forms of each mnemonic and alias (what an assembler looks up)."""
    out: dict[str, list[Form]] = {}
    for f in TABLE:
        for name in (f.mnemonic,) + f.aliases:
            out.setdefault(name, []).append(f)
    return out
