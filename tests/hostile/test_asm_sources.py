"""Hostile assembler sources: huge DS/DC/ORG, statements swallowed by a column-72
continuation, conditional-assembly loops, unclosed macros, garbage, tabs, bytes
that are not UTF-8. The assembler answers each with messages at file:line:column
and HLASM's return code, at once (no unbounded memory or time), never a
traceback; the source file is left as it was."""
from __future__ import annotations

import re

from hypothesis import given, strategies as st

from tests.hostile.support import cli

#: values for the operands (the huge ones: errors at once; 16M-1 bytes of DC text
#: would be valid and only slow, so they are left to DS and ORG)
NUMBER = st.sampled_from(["0", "1", "4095", "4096", "65535", "16777216", "20000000",
                          "2147483647", "99999999999", "-1", "X'1000000'", "B'1'", "C'A'"])
LINES = [
    "         DS    {n}C", "         DC    {n}X'FF'", "         ORG   *+{n}",
    "         DC    CL{n}'A'", "         DS    ({n})F", "         DC    F'{n}'",
    "         LA    1,{n}(2,3)", "         MVC   0({n},1),0(2)", "X{n}     EQU   {n}",
    "         DC    A(*+{n})", "         CNOP  {n},8", "         USING *,{n}",
    "         START {n}", "         CSECT", "         LTORG", "         END",
    "         MACRO", "         MEND", "&A       SETA  {n}", ".L       ANOP",
    "         AGO   .L", "         AIF   (1 EQ 1).L", "         COPY  NOSUCH",
    "         DC    C'unclosed", "         DC    X'GG'", "*        a comment",
    "                                                                       X",
    "LONGLINE LA    1,1          a remark that runs on and on up to column 72 X",
    "\tLA\t1,1", "         LA    1,=A(*)", "         DS    16777215C",
    "         ORG   *+X'FFFFFF'",
]


@st.composite
def sources(draw) -> bytes:
    lines = []
    for _ in range(draw(st.integers(1, 25))):
        kind = draw(st.integers(0, 9))
        if kind < 7:
            lines.append(draw(st.sampled_from(LINES)).replace("{n}", draw(NUMBER)))
        elif kind == 7:
            lines.append(draw(st.text(max_size=90)))
        else:
            lines.append(draw(st.binary(max_size=40)).decode("latin-1"))
    text = "\n".join(lines)
    if draw(st.booleans()):
        text = "TEST     START 0\n" + text + "\n         END\n"
    enc = draw(st.sampled_from(["utf-8", "latin-1"]))
    return text.encode(enc, errors="replace")


LOCATED = re.compile(r"^\S+:\d+:\d+: (error|warning|note): ")


@given(sources())
def test_hostile_sources_get_located_messages_and_a_return_code(tmp_path_factory, data):
    d = tmp_path_factory.mktemp("asm")
    src = d / "x.asm"
    src.write_bytes(data)
    status, _, err = cli(["asm", str(src), "-o", str(d / "x.obj"), "--core", str(d / "x.img")],
                         [src], statuses=(0, 2, 4, 8, 12, 16))
    for line in err.splitlines():
        if ": error: " in line or ": warning: " in line:
            assert LOCATED.match(line) and line.startswith(str(src)), line
    if status == 2:
        assert str(src) in err


def test_the_issue_cases_end_at_once(tmp_path):
    """DS 20000000C, DC 20000000X'FF' and ORG past 16M: ASMA039S, return code 12,
    well within the time limit (they took up to 50 s and crashed write_deck)."""
    for stmt in ("DS    20000000C", "DC    20000000X'FF'", "ORG   *+X'1000001'"):
        src = tmp_path / "big.asm"
        src.write_text(f"BIG      START 0\n         {stmt}\n         END\n")
        status, _, err = cli(["asm", str(src), "-o", str(tmp_path / "o"), "--core",
                              str(tmp_path / "c")], [src], statuses=(12,))
        assert f"{src}:2:" in err and "ASMA039S" in err


def test_statement_swallowed_by_a_continuation_is_flagged(tmp_path):
    src = tmp_path / "cont.asm"
    src.write_text("X        START 0\n" + "         LA    1,1".ljust(71) + "X\n"
                   "NEXT     LA    2,2\n"
                   "         END\n")
    status, _, err = cli(["asm", str(src)], [src], statuses=(4,))
    assert f"{src}:3:1: warning: ASMA430W" in err
