"""Channel programs that run over time, on the bare machine and under CP with
every assist set (issue 21): a PCI interruption of its own while the program
goes on (GA22-7000 "Program-Controlled Interruption"), exact CSWs.

Each guest is written in the campaign's frame (tests/campaign/guests.py: its
interruption handlers log and resume) and run by the campaign's ``check``: the
bare machine and every assist set must agree in everything the guest can see;
the exact CSWs are then asserted on the bare machine's run."""
from __future__ import annotations

from tests.campaign.guests import HANDLERS, Program
from tests.campaign.runner import check, image, run_bare

#: Where the guests keep their channel programs, and their I/O interruption
#: log: the count of CSWs at X'5F0', the CSWs from X'600' on.
CCWS, COUNT, SAVE = 0x3000, 0x5F0, 0x600
#: The guests' own I/O handler (instead of the campaign's, which keeps only the
#: last CSW): it appends each CSW to the log and returns to the interrupted wait
#: with the wait bit off.
LOGIO = f"""\
LOGIO    L     13,X'{COUNT:03X}'
         MVC   X'{SAVE:03X}'(8,13),X'40'
         LA    13,8(,13)
         ST    13,X'{COUNT:03X}'
         NI    X'39',X'FD'
         LPSW  X'38'"""


def _guest(dev: int, ccws: list[str]) -> Program:
    """SIO ``dev`` with the CAW pointing at the CCWs (``ccws``: their DC operands,
    placed at X'3000'), then one enabled wait: the interruptions log themselves."""
    body = [f"         MVC   X'48'(4),=A(X'{CCWS:06X}')",
            f"         SIO   X'{dev:03X}'",
            "         BC    7,SKIP",
            "         LPSW  WAIT",
            "SKIP     DS    0H",
            "         SVC   10"]
    source = "\n".join([HANDLERS.rstrip("\n")] + body + [LOGIO,
        "         LTORG", "         DS    0D",
        "WAIT     DC    X'FE02000000',AL3(SKIP)",
        "LINE     DC    C'PCI1PCI2'",
        "INITR    DC    11F'0'", "INITF    DC    4D'0'",
        "CR0VAL   EQU   X'000000E0'",
        "         ORG   GUEST+X'78'",
        "         DC    X'0000000000',AL3(LOGIO)",
        f"         ORG   GUEST+X'{CCWS:04X}'"] +
        [f"         DC    {c}" for c in ccws] + ["         END   BEGIN"]) + "\n"
    return Program(source, 0, False, False, [bytes([0xC1]) * 80], ["io"])


def _csws(program: Program) -> list[bytes]:
    """The CSWs of the guest's I/O interruptions on the bare machine, in order
    (after checking that every assist set gives the same run)."""
    assert set(check(program).values()) == {"same"}
    mem = run_bare(program, image(program)).state["mem"]
    n = int.from_bytes(mem[COUNT:COUNT + 4], "big") // 8
    return [mem[SAVE + 8 * k:SAVE + 8 * k + 8] for k in range(n)]


def test_pci_is_its_own_interruption_then_the_final_status():
    """A write with PCI and command chaining, then a second write: the program
    waits for the PCI interruption (CSW: the PCI CCW's address + 8, unit status
    0, channel status PCI, count 0), then for the final one (the last CCW + 8,
    channel end and device end, residual 0). Both lines are printed."""
    prog = _guest(0x00E, ["X'09',AL3(LINE),X'48',AL1(0),AL2(4)",
                          "X'09',AL3(LINE+4),X'00',AL1(0),AL2(4)"])
    first, final = _csws(prog)
    assert first == bytes.fromhex("00003008" "00800000")
    assert final == bytes.fromhex("00003010" "0C000000")
    assert run_bare(prog, image(prog)).printed == ["PCI1", "PCI2"]


def test_pci_on_a_later_ccw_and_two_pcis():
    """PCI on the second CCW of a chain (its address + 8 in the PCI CSW), and
    PCI on the first and the third CCW of a punch chain: each PCI the program
    waits for comes on its own, then the final status (GA22-7000: a PCI is
    requested for every CCW with the flag that takes control)."""
    prog = _guest(0x00E, ["X'09',AL3(LINE),X'40',AL1(0),AL2(4)",
                          "X'09',AL3(LINE+4),X'08',AL1(0),AL2(4)"])
    assert _csws(prog) == [bytes.fromhex("00003010" "00800000"),
                              bytes.fromhex("00003010" "0C000000")]
    prog = _guest(0x00D, ["X'01',AL3(LINE),X'68',AL1(0),AL2(80)",
                          "X'01',AL3(LINE),X'60',AL1(0),AL2(80)",
                          "X'01',AL3(LINE),X'28',AL1(0),AL2(80)"])
    assert _csws(prog) == [bytes.fromhex("00003008" "00800000"),
                              bytes.fromhex("00003018" "00800000"),
                              bytes.fromhex("00003018" "0C000000")]


def test_immediate_commands_of_the_spooled_devices_keep_the_count():
    """GA22-7000 "Immediate Commands": no data moves and the CSW count is the
    CCW's. CP's spooled printer and reader answer as the real 1403 and reader
    do (found here: they gave residual 0): the printer's immediate space and skip
    and an accepted control, the reader's feed."""
    for dev, cmd, count in ((0x00E, 0x0B, 5), (0x00E, 0x8B, 7), (0x00E, 0xFB, 3),
                            (0x00C, 0x23, 9)):
        prog = _guest(dev, [f"X'{cmd:02X}',AL3(LINE),X'00',AL1(0),AL2({count})"])
        assert _csws(prog) == [bytes.fromhex(f"00003008 0C0000{count:02X}")], hex(cmd)
