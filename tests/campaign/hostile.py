"""Hypothesis strategies for a hostile guest: a program (with the handlers of
guests.py, so that one program check does not end it) whose pieces try to reach
what is not its own: stores and MVCL to any address under any PSW key, SSK of
any address, channel programs of random CCWs under a random CAW to any device,
a NOP/TIC loop that never ends, DIAGNOSE with random codes and registers, DAT
with random control registers and tables anywhere, and at the end an
interruption loop (the program new PSW pointing at an invalid operation)."""
from __future__ import annotations

from hypothesis import strategies as st

from .guests import HANDLERS, State, Writer

ANY = st.integers(0, 0xFFFFFF)
WORD = st.integers(0, 0xFFFFFFFF)
DEVICES = [0x009, 0x00C, 0x00D, 0x00E, 0x191, 0x192, 0x555, 0x000, 0xFFF]


def _store(w: Writer, draw, s: State) -> None:
    key = draw(st.integers(0, 15))
    go = w.label("K")
    w.ins("LPSW", w.pooled_psw(s.psw(go, key=key)))
    w.ins("DS", "0H", name=go)
    s.key = key
    for _ in range(draw(st.integers(1, 4))):
        w.ins("L", f"2,=A(X'{draw(ANY):06X}')")
        op = draw(st.sampled_from(["ST", "MVC", "XC", "MVCL", "SSK", "TS"]))
        if op == "ST":
            w.ins("ST", "3,0(,2)")
        elif op in ("MVC", "XC"):
            w.ins(op, f"0({draw(st.integers(1, 256))},2),0(2)")
        elif op == "MVCL":
            w.ins("L", f"3,=A(X'{draw(ANY):06X}')")
            w.ins("LA", "4,0")
            w.ins("L", "5,=X'C1000000'")
            w.ins("MVCL", "2,4")
        elif op == "SSK":
            w.ins("LA", f"3,X'{draw(st.integers(0, 255)) & 0xFE:02X}'")
            w.ins("SSK", "3,2")
        else:
            w.ins("TS", "0(2)")


def _channel(w: Writer, draw, s: State) -> None:
    ccws, caw = w.label("C"), w.label("A")
    dev = draw(st.sampled_from(DEVICES))
    loop = draw(st.integers(0, 3)) == 0
    w.ins("MVC", f"X'48'(4),{caw}")
    w.ins("SIO", f"X'{dev:03X}'")
    w.ins("TIO", f"X'{dev:03X}'")
    if draw(st.booleans()):
        w.ins(draw(st.sampled_from(["HIO", "CLRIO", "TIO"])), f"X'{dev:03X}'")
    if loop:                            # NOP chained to a TIC back to it: never ends
        w.dc(caw, f"A({ccws})")
        w.data.append(f"{ccws:<8} DS    0D")
        w.dc("", "X'03',AL3(0),X'60',AL1(0),AL2(1)")
        w.dc("", f"X'08',AL3({ccws}),F'0'")
        return
    w.dc(caw, f"X'{draw(WORD):08X}'" if draw(st.booleans()) else f"A({ccws})")
    w.data.append(f"{ccws:<8} DS    0D")
    for _ in range(draw(st.integers(1, 4))):
        w.dc("", f"X'{draw(st.binary(min_size=8, max_size=8)).hex().upper()}'")


def _diagnose(w: Writer, draw, s: State) -> None:
    rx, ry = draw(st.integers(0, 10)), draw(st.integers(0, 10))
    for r in {rx, ry, rx + 1 if rx < 10 else rx}:
        w.ins("L", f"{r},=X'{draw(WORD):08X}'")
    code = draw(st.sampled_from([0x00, 0x08, 0x0C, 0x10, 0x18, 0x20, 0x24, 0x58, 0x04, 0x14,
                                 0x3C, 0x64, 0x4C, 0x60, 0x68, 0xFFC]) | st.integers(0, 0xFFF))
    w.ins("DIAG", f"{rx},{ry},X'{code:03X}'")


def _dat(w: Writer, draw, s: State) -> None:
    """Random CR0/CR1 and random words where CR1 points, then DAT on and stores."""
    cr0 = draw(st.sampled_from([0x00800000, 0x00900000, 0x00400000, 0x00500000, 0x00C00000])) \
        | draw(st.sampled_from([0, 0x0CE0]))
    cr1 = draw(WORD)
    crs, go = w.label("R"), w.label("G")
    w.ins("L", f"2,=A(X'{cr1 & 0xFFFFC0:06X}')")
    for k in range(draw(st.integers(0, 4))):
        w.ins("MVC", f"{4 * k}(4,2),=X'{draw(WORD):08X}'")
    w.data.append(f"{crs:<8} DS    0F")
    w.dc("", f"X'{cr0:08X}',X'{cr1:08X}'")
    p = w.pooled_psw(s.psw(go, ec=True))
    w.ins("LCTL", f"0,1,{crs}")
    w.ins("LPSW", p)
    w.ins("DS", "0H", name=go)
    s.ec = True
    for _ in range(draw(st.integers(1, 3))):
        w.ins("L", f"2,=A(X'{draw(ANY):06X}')")
        w.ins("ST", "3,0(,2)")


PIECES = {"store": _store, "channel": _channel, "diagnose": _diagnose}


@st.composite
def hostile_programs(draw) -> str:
    """The source of a hostile guest (64K, the handlers of guests.py)."""
    w = Writer()
    s = State()
    kinds = draw(st.lists(st.sampled_from(sorted(PIECES)), min_size=1, max_size=8))
    if draw(st.booleans()):
        kinds.append("dat")
    for kind in kinds:
        nxt = w.label("N")
        w.ins("LA", f"11,{nxt}")
        (_dat if kind == "dat" else PIECES[kind])(w, draw, s)
        w.ins("DS", "0H", name=nxt)
    # the interruption loop: program new PSW at an invalid operation
    w.ins("MVC", "X'68'(8),LOOPPSW")
    w.ins("DC", "H'0'")
    lines = [HANDLERS.rstrip("\n")] + w.body + [
        "         LTORG",
        "         DS    0D",
        "LOOPPSW  DC    X'0000000000',AL3(LOOPAT)",
        "LOOPAT   DC    H'0'",
        "INITR    DC    11F'0'",
        "INITF    DC    4D'0'",
        "CR0VAL   EQU   X'000000E0'"] + w.data + w.texts + ["         END   BEGIN"]
    return "\n".join(lines) + "\n"
