"""Hypothesis strategies that write whole S/370 guest programs.

A generated guest is a supervisor program with its own interruption handlers
(``HANDLERS``): program checks, SVCs, external and I/O interruptions are logged
in low storage (count, old PSW, codes) and the program goes on with its next
piece, so one check does not end the run. Its body is a list of *pieces*, each
preceded by ``LA 11,next`` (the program-check handler resumes at R11 with the old
PSW's state): fixed-point, decimal and HFP arithmetic on random operands, loops
and branches, storage-to-storage operations, storage keys (SSK/ISK/RRB and PSW
key changes), SVCs, a trip to problem state and back (SVC 9), CPU-timer and
clock-comparator interruptions, channel programs to the console, printer, punch
and reader, DAT on with random tables (valid, invalid and out-of-storage
entries) with LRA, PTLB, IPTE and a page-table change followed by PTLB. The
program ends with SVC 10 (the handler loads a disabled wait at X'D0E0').

Registers: pieces use R0-R10; R11 is the resume address, R12 the base, R13-R15
belong to the handlers.

Storage (``SIZE``, 64K): low core and handlers below X'1000', the program from
X'1000', DAT tables at X'4000', channel-program buffers at X'6000', the data area
X'8000'-X'FFFF' (filled from a random seed). With DAT on, pages 0-7 are mapped
one to one (code, tables, buffers) and pages 8-15 at random: a data frame, an
invalid entry or a frame outside storage; segments 1-3 are invalid or map a
random page table.

``Program.reaches_window``: the program may touch a real address in
``[SIZE, SIZE + stbypass.WINDOW)``, CP's storage right above a V=R user, which
the shadow-table bypass lets a trusted V=R guest reach (the one case where the
bypass is allowed to differ from the bare machine: tests/assists/test_stbypass.py).
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from hypothesis import strategies as st

SIZE = 0x10000
DATA, DATA_END = 0x8000, 0x10000
SEGT, PAGET = 0x4000, 0x4100
#: V=R window above the guest (assists/stbypass.WINDOW; checked in the tests)
WINDOW = 0x1000
CR0_4K, CR0_2K = 0x00800000, 0x00400000        # 64K segments; 4K or 2K pages
CR0_MASKS = 0x00000CE0                          # CKC, CPU timer, interval timer, keys
WORK = range(0, 11)                             # registers a piece may use

#: Low core and handlers (absolute addresses; the program is at X'1000').
HANDLERS = """\
GUEST    START 0
         DC    X'0000000000',AL3(BEGIN)
         ORG   GUEST+X'58'
         DC    X'0000000000',AL3(EXTH)      external new
         DC    X'0000000000',AL3(SVCH)      SVC new
         DC    X'0000000000',AL3(PGMH)      program new
         DC    X'0002000000',AL3(X'0BAD')    machine-check new
         DC    X'0000000000',AL3(IOH)       I/O new
         ORG   GUEST+X'200'
         USING GUEST,0
PGMH     L     13,X'400'
         LA    13,1(,13)
         ST    13,X'400'
         MVC   X'408'(8),X'28'
         MVC   X'410'(8),X'88'
         MVC   X'418'(4),X'90'
         STCM  11,7,X'2D'                    resume at R11
         LPSW  X'28'
SVCH     L     13,X'420'
         LA    13,1(,13)
         ST    13,X'420'
         MVC   X'428'(8),X'20'
         MVC   X'430'(4),X'88'
         LA    13,X'23'
         TM    X'21',X'08'                   EC mode: code at X'8B'
         BZ    SVCBC
         LA    13,X'8B'
SVCBC    CLI   0(13),10
         BE    SVCDONE
         CLI   0(13),9
         BNE   SVCRET
         NI    X'21',X'FE'                   SVC 9: to supervisor state
SVCRET   LPSW  X'20'
SVCDONE  LPSW  X'3F0'
EXTH     L     13,X'440'
         LA    13,1(,13)
         ST    13,X'440'
         MVC   X'448'(8),X'18'
         MVC   X'450'(4),X'84'
         SPT   X'3E0'                        CPU timer off
         SCKC  X'3E8'                        nor clock comparator
         NI    X'19',X'FD'                   out of a wait
         LPSW  X'18'
IOH      L     13,X'470'
         LA    13,1(,13)
         ST    13,X'470'
         MVC   X'478'(8),X'38'
         MVC   X'480'(8),X'40'
         MVC   X'488'(4),X'B8'
         NI    X'39',X'FD'                   out of a wait
         LPSW  X'38'
         ORG   GUEST+X'3E0'
         DC    X'7FFFFFFFFFFFF000'
         DC    X'FFFFFFFFFFFFFFFF'
         DC    X'000200000000D0E0'           the end (SVC 10)
         DROP  0
         ORG   GUEST+X'1000'
BEGIN    BALR  12,0
         USING *,12
         LCTL  0,0,=A(CR0VAL)
         LM    0,10,INITR
         LD    0,INITF
         LD    2,INITF+8
         LD    4,INITF+16
         LD    6,INITF+24
"""


@dataclass
class State:
    """What the generator knows of the guest's state where a piece starts."""
    ec: bool = False            # EC mode (then DAT is on)
    key: int = 0
    problem: bool = False
    dat_ready: bool = False     # DAT tables exist (the program turns DAT on)

    def psw(self, label: str, wait: bool = False, io: bool = False, ext: bool = False,
            ec: bool | None = None, key: int | None = None, problem: bool | None = None) -> str:
        """A DC of a PSW to ``label`` in the current (or given) mode."""
        ec = self.ec if ec is None else ec
        key = self.key if key is None else key
        problem = self.problem if problem is None else problem
        b1 = key << 4 | (0x08 if ec else 0) | (0x02 if wait else 0) | (0x01 if problem else 0)
        if ec:
            b0 = 0x04 | (0x02 if io else 0) | (0x01 if ext else 0)
        else:
            b0 = (0xFE if io else 0) | (0x01 if ext else 0)
        return f"X'{b0:02X}{b1:02X}000000',AL3({label})"


@dataclass
class Program:
    """A generated guest: its source and what the runners need to know."""
    source: str
    seed: int
    dat: bool
    reaches_window: bool
    deck: list = field(default_factory=list)     # EBCDIC cards in the reader
    pieces: list = field(default_factory=list)   # piece kinds, for the figures


class Writer:
    """Collects the body, the data pool and labels of one program."""

    def __init__(self):
        self.body: list[str] = []
        self.data: list[str] = []
        self.texts: list[str] = []          # channel-program data (after the CCWs)
        self.n = 0
        self.window = False

    def label(self, stem: str) -> str:
        self.n += 1
        return f"{stem}{self.n}"

    def ins(self, op: str, operands: str = "", name: str = "") -> None:
        self.body.append(f"{name:<8} {op:<5} {operands}".rstrip())

    def dc(self, name: str, text: str) -> None:
        self.data.append(f"{name:<8} DC    {text}")

    def pooled_psw(self, text: str) -> str:
        """A doubleword-aligned PSW (``text``, from ``State.psw``) in the data pool,
        for an LPSW; its label."""
        p = self.label("P")
        self.data.append(f"{p:<8} DS    0D")
        self.dc("", text)
        return p

    def address(self, draw, span: int = 16) -> int:
        """An operand address: mostly in the data area, sometimes across its end,
        beyond storage, or (flagged) in the V=R window above it."""
        kind = draw(st.sampled_from(["data"] * 40 + ["edge", "beyond", "beyond", "window",
                                                     "high", "high"]))
        if kind == "data":
            a = draw(st.integers(DATA, DATA_END - span - 1))
        elif kind == "edge":
            a = DATA_END - draw(st.integers(1, span))
        elif kind == "beyond":
            a = draw(st.integers(SIZE + WINDOW, 0x3FFFF))
        elif kind == "window":
            a = draw(st.integers(SIZE, SIZE + WINDOW - 1))
        else:
            a = draw(st.integers(0xFFF000, 0xFFFFF0))
        if a + span > SIZE and a < SIZE + WINDOW or a + span > 0x1000000:
            self.window = True
        return a

    def base(self, draw, reg: int, span: int = 16) -> None:
        self.ins("L", f"{reg},=A(X'{self.address(draw, span):06X}')")


def _reg(draw, even: bool = False, hi: int = 10) -> int:
    return draw(st.sampled_from([r for r in WORK if r <= hi and (not even or r % 2 == 0)]))


def _hex(draw, n: int) -> str:
    return draw(st.binary(min_size=n, max_size=n)).hex().upper()


RR_FIXED = ["AR", "SR", "ALR", "SLR", "NR", "OR", "XR", "CR", "CLR", "LCR", "LNR", "LPR",
            "LTR", "LR"]
RX_FIXED = ["A", "S", "AL", "SL", "N", "O", "X", "C", "CL", "L", "AH", "SH", "CH", "LH",
            "MH", "ST", "STH", "IC", "STC"]
SHIFTS = ["SLA", "SRA", "SLL", "SRL"]
DSHIFTS = ["SLDA", "SRDA", "SLDL", "SRDL"]


def piece_fixed(w: Writer, draw, s: State) -> None:
    w.ins("SPM", f"{_reg(draw)}")
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["rr", "rx", "shift", "dshift", "mul", "div", "lit", "cvx"]))
        if kind == "rr":
            w.ins(draw(st.sampled_from(RR_FIXED)), f"{_reg(draw)},{_reg(draw)}")
        elif kind == "rx":
            w.base(draw, 2, 4)
            w.ins(draw(st.sampled_from(RX_FIXED)), f"{_reg(draw)},0(,2)")
        elif kind == "shift":
            w.ins(draw(st.sampled_from(SHIFTS)), f"{_reg(draw)},{draw(st.integers(0, 63))}")
        elif kind == "dshift":
            w.ins(draw(st.sampled_from(DSHIFTS)), f"{_reg(draw, True)},{draw(st.integers(0, 63))}")
        elif kind == "mul":
            w.ins(draw(st.sampled_from(["MR", "DR"])), f"{_reg(draw, True)},{_reg(draw)}")
        elif kind == "div":
            w.base(draw, 2, 4)
            w.ins(draw(st.sampled_from(["M", "D"])), f"{_reg(draw, True, 8)},0(,2)")
        elif kind == "lit":
            w.ins("L", f"{_reg(draw)},=X'{_hex(draw, 4)}'")
        else:
            w.base(draw, 2, 8)
            w.ins(draw(st.sampled_from(["CVB", "CVD"])), f"{_reg(draw)},0(,2)")


def _packed(draw, n: int) -> str:
    """A packed-decimal field of ``n`` bytes: usually valid, sometimes not."""
    if draw(st.integers(0, 5)) == 0:
        return _hex(draw, n)
    digits = "".join(str(draw(st.integers(0, 9))) for _ in range(2 * n - 1))
    return digits + draw(st.sampled_from("CDFCDAB"))


def piece_decimal(w: Writer, draw, s: State) -> None:
    l1, l2 = draw(st.integers(1, 8)), draw(st.integers(1, 8))
    w.base(draw, 3, 32)
    w.ins("MVC", f"0({l1},3),=X'{_packed(draw, l1)}'")
    w.ins("MVC", f"16({l2},3),=X'{_packed(draw, l2)}'")
    op = draw(st.sampled_from(["AP", "SP", "ZAP", "CP", "MP", "DP", "MVO", "PACK", "UNPK",
                               "SRP", "ED", "EDMK"]))
    if op == "SRP":
        w.ins("SRP", f"0({l1},3),{draw(st.integers(0, 63))},{draw(st.integers(0, 9))}")
    elif op in ("ED", "EDMK"):
        pattern = "40" + "".join(draw(st.sampled_from(["20", "21", "22", "6B", "4B"]))
                                 for _ in range(draw(st.integers(1, 10))))
        w.ins("MVC", f"0({len(pattern) // 2},3),=X'{pattern}'")
        w.ins(op, f"0({len(pattern) // 2},3),16(3)")
    else:
        w.ins(op, f"0({l1},3),16({l2},3)")


HFP_RR = ["ADR", "SDR", "MDR", "DDR", "AER", "SER", "MER", "DER", "AWR", "AUR", "SWR", "SUR",
          "HDR", "HER", "LCDR", "LPDR", "LNDR", "LTDR", "LCER", "LPER", "LNER", "LTER",
          "CDR", "CER", "LDR", "LER"]
HFP_RX = ["AD", "SD", "MD", "DD", "AE", "SE", "ME", "DE", "AW", "AU", "SW", "SU", "CD", "CE",
          "LD", "LE", "STD", "STE"]


def _float(draw) -> str:
    kind = draw(st.integers(0, 4))
    if kind == 0:
        return _hex(draw, 8)
    exp = draw(st.integers(0x38, 0x48)) | draw(st.sampled_from([0, 0x80]))
    return f"{exp:02X}{_hex(draw, 7)}" if kind > 1 else f"{exp:02X}0{_hex(draw, 6)}F"


def piece_hfp(w: Writer, draw, s: State) -> None:
    w.ins("SPM", f"{_reg(draw)}")
    for _ in range(draw(st.integers(1, 5))):
        f1, f2 = draw(st.sampled_from("0246")), draw(st.sampled_from("0246"))
        kind = draw(st.sampled_from(["rr", "rx", "lit", "ext"]))
        if kind == "rr":
            w.ins(draw(st.sampled_from(HFP_RR)), f"{f1},{f2}")
        elif kind == "rx":
            w.base(draw, 2, 8)
            w.ins(draw(st.sampled_from(HFP_RX)), f"{f1},0(,2)")
        elif kind == "lit":
            w.ins("LD", f"{f1},=X'{_float(draw)}'")
        else:
            op = draw(st.sampled_from(["AXR", "SXR", "MXR", "MXDR", "LRDR", "MXD"]))
            if op == "MXD":
                w.base(draw, 2, 8)
                w.ins(op, f"{draw(st.sampled_from('04'))},0(,2)")
            else:
                w.ins(op, f"{draw(st.sampled_from('04'))},{draw(st.sampled_from('04'))}")


def piece_branch(w: Writer, draw, s: State) -> None:
    kind = draw(st.sampled_from(["bct", "bxle", "bxh", "bc", "bal", "ex"]))
    top, out = w.label("T"), w.label("O")
    if kind == "bct":
        w.ins("LA", f"3,{draw(st.integers(1, 12))}")
        w.ins(draw(st.sampled_from(RR_FIXED[:8])), f"{_reg(draw)},{_reg(draw)}", name=top)
        w.ins("BCT", f"3,{top}")
    elif kind in ("bxle", "bxh"):
        w.ins("LA", f"4,{draw(st.integers(0, 5))}")
        w.ins("LA", f"6,{draw(st.integers(1, 3))}")
        w.ins("LA", f"7,{draw(st.integers(0, 12))}")
        if kind == "bxh":
            w.ins("LCR", "6,6")
        w.ins("AR", f"{_reg(draw)},4", name=top)
        w.ins(kind.upper(), f"4,6,{top}")
    elif kind == "bc":
        w.ins(draw(st.sampled_from(["CR", "LTR", "CLR"])), f"{_reg(draw)},{_reg(draw)}")
        w.ins("BC", f"{draw(st.integers(0, 15))},{out}")
        w.ins("AR", f"{_reg(draw)},{_reg(draw)}")
    elif kind == "bal":
        sub = w.label("S")
        w.ins("BAL", f"9,{sub}")
        w.ins("B", out)
        w.ins("AR", f"{_reg(draw)},{_reg(draw)}", name=sub)
        w.ins("BR", "9")
    else:
        target = w.label("X")
        w.base(draw, 2, 256)
        w.ins("LA", f"1,{draw(st.integers(0, 255))}")
        w.ins("EX", f"1,{target}")
        w.ins("B", out)
        op = draw(st.sampled_from(["MVC", "CLC", "XC", "OC", "NC", "TR"]))
        w.ins(op, "0(1,2),8(2)", name=target)
    w.ins("DS", "0H", name=out)


def piece_storage(w: Writer, draw, s: State) -> None:
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["ss", "si", "mvcl", "icm", "cs", "lmstm"]))
        if kind == "ss":
            n = draw(st.integers(1, 256))
            w.base(draw, 2, n)
            w.base(draw, 3, n)
            op = draw(st.sampled_from(["MVC", "CLC", "NC", "OC", "XC", "MVN", "MVZ", "TR", "TRT"]))
            w.ins(op, f"0({n},2),0(3)")
        elif kind == "si":
            w.base(draw, 2, 1)
            op = draw(st.sampled_from(["MVI", "CLI", "TM", "NI", "OI", "XI", "TS"]))
            w.ins(op, "0(2)" if op == "TS" else f"0(2),X'{_hex(draw, 1)}'")
        elif kind == "mvcl":
            n1, n2 = draw(st.integers(0, 0x1800)), draw(st.integers(0, 0x1800))
            w.base(draw, 2, n1)
            w.ins("L", f"3,=A({n1})")
            w.base(draw, 4, n2)
            w.ins("L", f"5,=A(X'{_hex(draw, 1)}000000'+{n2})")
            w.ins(draw(st.sampled_from(["MVCL", "CLCL"])), "2,4")
        elif kind == "icm":
            w.base(draw, 2, 4)
            op = draw(st.sampled_from(["ICM", "STCM", "CLM"]))
            w.ins(op, f"{_reg(draw)},{draw(st.integers(0, 15))},0(2)")
        elif kind == "cs":
            w.base(draw, 2, 8)
            if draw(st.booleans()):
                w.ins("CS", f"{_reg(draw)},{_reg(draw)},0(2)")
            else:
                w.ins("CDS", f"{_reg(draw, True, 8)},{_reg(draw, True, 8)},0(2)")
        else:
            w.base(draw, 2, 44)
            r1 = _reg(draw, hi=1)
            w.ins(draw(st.sampled_from(["STM", "LM"])), f"{r1},{draw(st.integers(r1, 1))},0(2)")


def piece_keys(w: Writer, draw, s: State) -> None:
    block = draw(st.integers(DATA >> 11, (DATA_END >> 11) - 1)) << 11
    w.ins("L", f"2,=A(X'{block:06X}')")
    kind = draw(st.sampled_from(["ssk", "ssk", "isk", "rrb", "pswkey"]))
    if kind == "ssk":
        w.ins("LA", f"3,X'{draw(st.integers(0, 255)) & 0xFE:02X}'")
        w.ins("SSK", "3,2")
    elif kind == "isk":
        w.ins("ISK", f"{_reg(draw)},2")
    elif kind == "rrb":
        w.ins("RRB", "0(2)")
    else:
        key = draw(st.integers(0, 15))
        go = w.label("K")
        w.ins("LPSW", w.pooled_psw(s.psw(go, key=key)))
        w.ins("DS", "0H", name=go)
        s.key = key


def piece_svc(w: Writer, draw, s: State) -> None:
    w.ins("SVC", f"{draw(st.sampled_from([0, 1, 3, 76, 200, 255]))}")


def piece_problem(w: Writer, draw, s: State) -> None:
    """To problem state, a privileged instruction or two (privileged-operation
    exceptions), back with SVC 9."""
    go = w.label("Q")
    w.ins("LPSW", w.pooled_psw(s.psw(go, problem=True)))
    op = draw(st.sampled_from(["SSM =X'00'", "STCTL 0,0,SAVEW", "ISK 3,2", "PTLB",
                               "SPT =D'0'", "AR 1,2"]))
    mnem, _, opnd = op.partition(" ")
    w.ins(mnem, opnd, name=go)
    w.ins("SVC", "9")


def piece_timer(w: Writer, draw, s: State) -> None:
    delta = draw(st.integers(1, 40))
    if draw(st.booleans()):
        w.ins("SPT", f"=X'{delta << 12:016X}'")
    else:
        w.ins("STCK", "SAVED")
        w.ins("LM", "2,3,SAVED")
        w.ins("AL", f"3,=A({delta << 12})")
        w.ins("STM", "2,3,SAVED")
        w.ins("SCKC", "SAVED")
    w.ins("STOSM", "SAVEB,X'01'")
    for _ in range(draw(st.integers(0, delta + 5))):
        w.ins("AR", f"{_reg(draw)},{_reg(draw)}")
    w.ins("STNSM", "SAVEB,X'FE'")
    if draw(st.booleans()):
        w.ins("STPT", "SAVED")
    else:
        w.ins("STCKC", "SAVED")


#: (device, CCW commands it gets, maximum count)
DEVICES = {0x009: ([0x09, 0x01], 60), 0x00E: ([0x09, 0x01, 0x11, 0x19, 0x89], 132),
           0x00D: ([0x01, 0x41], 80), 0x00C: ([0x02], 80)}


def piece_io(w: Writer, draw, s: State) -> None:
    """SIO to a unit-record device, then an enabled wait for its interruption
    (skipped when SIO did not start it)."""
    dev = draw(st.sampled_from(sorted(DEVICES)))
    cmds, most = DEVICES[dev]
    ccws, caw, wait, skip = w.label("C"), w.label("A"), w.label("W"), w.label("N")
    w.ins("MVC", f"X'48'(4),{caw}")
    w.ins("SIO", f"X'{dev:03X}'")
    w.ins("BC", f"7,{skip}")
    w.ins("LPSW", wait)
    w.ins("DS", "0H", name=skip)
    w.data.append(f"{wait:<8} DS    0D")
    w.dc("", s.psw(skip, wait=True, io=True))
    key = 0 if draw(st.integers(0, 4)) else draw(st.integers(0, 15))
    w.dc(caw, f"AL1({key << 4}),AL3({ccws})")
    w.data.append(f"{ccws:<8} DS    0D")
    for i in range(draw(st.integers(1, 2))):
        count = draw(st.integers(1, most))
        if dev == 0x00C:
            addr = w.address(draw, count)
            if addr + count > 0x1000000:
                addr = DATA
            target = f"X'{addr:06X}'"
        else:
            text = "".join(draw(st.sampled_from("ABCDEFGHIJ0123 ")) for _ in range(count))
            target = w.label("D")
            for k in range(0, count, 40):
                w.texts.append(f"{target if k == 0 else '':<8} DC    C'{text[k:k + 40]}'")
        flags = 0x40 if i == 0 and draw(st.booleans()) else 0x00
        if flags == 0 and draw(st.integers(0, 3)) == 0:
            flags = 0x20                                # suppress length indication
        w.dc("", f"AL1({draw(st.sampled_from(cmds))}),AL3({target}),AL1({flags}),AL1(0),"
                 f"AL2({count})")
        if not flags & 0x40:
            break


def piece_dat_on(w: Writer, draw, s: State) -> None:
    go = w.label("G")
    p = w.pooled_psw(s.psw(go, ec=True))
    w.ins("LCTL", "0,1,CRS")
    w.ins("LPSW", p)
    w.ins("DS", "0H", name=go)
    s.ec = True


def piece_dat_off(w: Writer, draw, s: State) -> None:
    go = w.label("G")
    w.ins("LPSW", w.pooled_psw(s.psw(go, ec=False)))
    w.ins("DS", "0H", name=go)
    s.ec = False


def piece_dat_ops(w: Writer, draw, s: State) -> None:
    """LRA of a random address, PTLB, IPTE of a data page, or a change of a data
    page's entry in the page table followed by PTLB (defined: GA22-7000 "Translation-
    Lookaside Buffer")."""
    kind = draw(st.sampled_from(["lra", "lra", "ptlb", "ipte", "remap"]))
    page = draw(st.integers(8, 15))
    if kind == "lra":
        w.ins("L", f"2,=A(X'{draw(st.integers(0, 0x4FFFF)):06X}')")
        w.ins("LRA", f"{_reg(draw)},0(,2)")
    elif kind == "ptlb":
        w.ins("PTLB")
    elif kind == "ipte":
        w.ins("L", f"2,=A(X'{PAGET:06X}')")
        w.ins("L", f"3,=A(X'{page << 12:06X}')")
        w.ins("IPTE", "2,3")
    else:
        frame = draw(st.integers(8, 15))
        w.ins("L", f"2,=A(X'{PAGET + 2 * page:06X}')")
        w.ins("MVC", f"0(2,2),=X'{frame << 4:04X}'")
        w.ins("PTLB")


PIECES = {"fixed": piece_fixed, "decimal": piece_decimal, "hfp": piece_hfp,
          "branch": piece_branch, "storage": piece_storage, "keys": piece_keys,
          "svc": piece_svc, "problem": piece_problem, "timer": piece_timer, "io": piece_io}


def _tables(draw, w: Writer, pages_4k: bool) -> list[str]:
    """DAT tables (64K segments): segment 0's page table maps the low half one
    to one and the data half at random; segments 1-3 invalid or random."""
    out = [f"         ORG   GUEST+X'{SEGT:04X}'"]
    per = 16 if pages_4k else 32
    shift = 12 if pages_4k else 11
    ptl = "F0"                              # page-table length: 16 entries (of 16)
    invalid_pte = 0x0008 if pages_4k else 0x0004
    window = draw(st.integers(0, 7)) == 0          # one entry names a frame in the window
    stes = [f"X'{ptl}',AL3(X'{PAGET:06X}')"]
    for seg in range(1, 16):
        if seg < 4 and draw(st.booleans()):
            stes.append(f"X'{ptl}',AL3(X'{PAGET + 0x100 * seg:06X}')")
        else:
            stes.append("X'00000001'")
    out += [f"         DC    {e}" for e in stes]
    for seg in range(4):
        out.append(f"         ORG   GUEST+X'{PAGET + 0x100 * seg:04X}'")
        for p in range(per):
            if seg == 0 and p < per // 2:
                frame = p
            else:
                kind = draw(st.sampled_from(["data"] * 12 + ["invalid"] * 3 + ["beyond"]))
                if window:
                    kind, window = "window", False
                if kind == "data":
                    frame = draw(st.integers(DATA >> shift, (DATA_END >> shift) - 1))
                elif kind == "invalid":
                    out.append(f"         DC    X'{invalid_pte:04X}'")
                    continue
                elif kind == "beyond":
                    frame = draw(st.integers((SIZE + WINDOW) >> shift, 0xFFF >> (shift - 11)))
                else:
                    frame = draw(st.integers(SIZE >> shift, ((SIZE + WINDOW) >> shift) - 1))
                    w.window = True
            pte = frame << 4 if pages_4k else frame << 3
            out.append(f"         DC    X'{pte & 0xFFFF:04X}'")
    return out


@st.composite
def programs(draw, max_pieces: int = 14) -> Program:
    """One whole guest program (see the module docstring)."""
    w = Writer()
    s = State()
    seed = draw(st.integers(0, 2**32 - 1))
    dat = draw(st.booleans())
    pages_4k = draw(st.booleans())
    kinds = draw(st.lists(st.sampled_from(sorted(PIECES)), min_size=1, max_size=max_pieces))
    if dat:
        kinds.insert(draw(st.integers(0, len(kinds))), "dat_on")
        for extra in draw(st.lists(st.sampled_from(["dat_ops", "dat_ops", "dat_off"]),
                                   max_size=4)):
            kinds.insert(draw(st.integers(0, len(kinds))), extra)
    tables = _tables(draw, w, pages_4k) if dat else []
    for kind in kinds:
        nxt = w.label("R")
        w.ins("LA", f"11,{nxt}")
        {"dat_on": piece_dat_on, "dat_off": piece_dat_off,
         "dat_ops": piece_dat_ops}.get(kind, PIECES.get(kind))(w, draw, s)
        w.ins("DS", "0H", name=nxt)
    w.ins("SVC", "10")
    rng = random.Random(seed)
    regs = [f"X'{rng.getrandbits(32):08X}'" if r % 3 else f"A(X'{rng.randrange(DATA, DATA_END):06X}')"
            for r in range(11)]
    fprs = [f"X'{rng.getrandbits(64):016X}'" for _ in range(4)]
    cr0 = (CR0_4K if pages_4k else CR0_2K) | CR0_MASKS
    lines = [HANDLERS.rstrip("\n")] + w.body + [
        "         LTORG",
        "         DS    0D",
        "INITR    DS    0F"] + [f"         DC    {r}" for r in regs] + [
        "INITF    DS    0D"] + [f"         DC    {f}" for f in fprs] + [
        f"CR0VAL   EQU   X'{cr0:08X}'",
        f"CRS      DC    A(CR0VAL),A(X'{SEGT:06X}')",
        "SAVED    DC    D'0'",
        "SAVEW    DC    F'0'",
        "SAVEB    DC    X'00'",
        "         DS    0D"] + w.data + w.texts + tables + [
        f"         ORG   GUEST+X'{DATA:04X}'",
        "         END   BEGIN"]
    deck = [bytes(rng.getrandbits(8) for _ in range(80)) for _ in range(3)]
    return Program("\n".join(lines) + "\n", seed, dat, w.window, deck, kinds)
