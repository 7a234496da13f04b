"""Control instructions (GA22-7000 chapter 10): exact results, condition codes and
exceptions (interruption code, ILC, old PSW)."""
import pytest

from s370.isa import BY_MNEMONIC, TABLE
from s370.timers import DEFAULT_EPOCH_US
from tests.s370.control_support import (CODE, END, bc, bc_code, ec, ec_pgm, ended, new_machine,
                                        pgm_old, put, run, start, trapped, word)


def expect_pgm(m, code, ilc, ia):
    assert trapped(m), f"no program interruption (PSW IA {m.cpu.ia:06X})"
    assert bc_code(pgm_old(m)) == (code, ilc, ia)


# ------------------------------------------------------------------ SSM, STxSM
def test_ssm_sets_system_mask_bc():
    # SSM X'200' (mask X'7E'); STNSM X'201',X'FF' stores the mask unchanged
    m = run("80000200" "ACFF0201" + END, setup=lambda m: put(m, 0x200, "7E"))
    assert ended(m)
    assert m.storage.mem[0x201] == 0x7E


def test_ssm_special_operation_when_cr0_bit1_on():
    def setup(m):
        m.cpu.cr[0] |= 0x40000000
    m = run("80000200" + END, setup=setup)
    expect_pgm(m, 0x13, 2, CODE + 4)


def test_ssm_ec_invalid_bits_early_specification_exception():
    # GA22-7000 "Early Exception Recognition": the invalid PSW is the old PSW, ILC 0
    m = new_machine()
    put(m, 0x200, "0C")          # bit 4 (unassigned) and bit 5 (DAT)
    start(m, "80000200" + END, psw=ec(CODE))
    assert trapped(m)
    assert pgm_old(m) == ec(CODE + 4, sysmask=0x0C)
    assert ec_pgm(m) == (6, 0)


def test_stnsm_and_stosm():
    # STOSM X'300',X'03' from mask 0: stores 00, mask 03; STNSM X'301',X'01':
    # stores 03, mask 01; STOSM X'302',X'00' stores 01
    m = run("AD030300" "AC010301" "AD000302" + END)
    assert ended(m)
    assert bytes(m.storage.mem[0x300:0x303]) == b"\x00\x03\x01"


def test_stosm_protection_changes_nothing():
    # key 1 may not store into a key-2 block: protection, mask unchanged
    def setup(m):
        m.storage.keys[0x2000 >> 11] = 0x20
        m.storage.keys[CODE >> 11] = 0x10
    m = run("ADFF2000" + END, psw=bc(CODE, key=1), setup=setup)
    expect_pgm(m, 4, 2, CODE + 4)
    assert pgm_old(m) >> 56 == 0          # old PSW: the mask was not changed


# --------------------------------------------------------- privileged operation
PRIVILEGED = [ins for ins in TABLE if ins.priv]


@pytest.mark.parametrize("ins", PRIVILEGED, ids=lambda i: i.mnemonic)
def test_privileged_operation_in_problem_state(ins):
    """Every privileged instruction traps in the problem state before anything else
    (GA22-7000 "Privileged-Operation Exception"): code 2, the ILC of the
    instruction, the PSW pointing past it."""
    op = ins.opcode.to_bytes(2 if ins.extended else 1, "big")
    code = op + bytes(ins.length - len(op))
    m = new_machine()
    start(m, code, psw=bc(CODE, problem=True))
    expect_pgm(m, 2, ins.length // 2, CODE + ins.length)


@pytest.mark.parametrize("name", ["LPSW", "SSM", "STNSM", "STOSM", "SSK", "ISK", "RRB",
                                  "LCTL", "STCTL", "STIDP", "SCK", "SCKC", "STCKC", "SPT",
                                  "STPT", "PTLB", "LRA", "IPTE", "SIGP", "DIAG"])
def test_control_instructions_are_privileged(name):
    assert BY_MNEMONIC[name].priv


@pytest.mark.parametrize("name", ["STCK", "MC"])
def test_problem_state_instructions(name):
    assert not BY_MNEMONIC[name].priv


# ------------------------------------------------------------------- SSK / ISK
def test_ssk_isk_bc_mode_hides_reference_and_change():
    # SSK 1,2; ISK 3,2 (BC: bits 29-31 zero, bits 0-23 of R3 unchanged)
    m = run("0812" "0932" + END, psw=bc(CODE), setup=lambda m: m.cpu.gpr.__setitem__(
        slice(1, 4), [0x5E, 0x3800, 0xABCDEF77]))
    assert ended(m)
    assert m.storage.keys[0x3800 >> 11] == 0x5E
    assert m.cpu.gpr[3] == 0xABCDEF58


def test_isk_ec_mode_returns_reference_and_change():
    def setup(m):
        m.cpu.gpr[2] = 0x3800
        m.storage.keys[0x3800 >> 11] = 0x5F      # bit 7 is not part of the key
    m = run("0932" + END, psw=ec(CODE), setup=setup)
    assert m.cpu.gpr[3] == 0x5E


def test_ssk_specification_when_low_bits_set():
    m = run("0812" + END, setup=lambda m: m.cpu.gpr.__setitem__(2, 0x3808))
    expect_pgm(m, 6, 1, CODE + 2)


def test_isk_addressing_outside_storage():
    m = run("0912" + END, setup=lambda m: m.cpu.gpr.__setitem__(2, 0x100000))
    expect_pgm(m, 5, 1, CODE + 2)


# ----------------------------------------------------------------------- RRB
@pytest.mark.parametrize("rc,cc", [(0x00, 0), (0x02, 1), (0x04, 2), (0x06, 3)])
def test_rrb_condition_code_and_reset(rc, cc):
    def setup(m):
        m.storage.keys[0x4000 >> 11] = 0x38 | rc
    # RRB X'4000'(0): base 0 so the displacement must fit: use R5 = X'4000'
    m = run("B2135000" "0570" + END, setup=lambda m: (setup(m), m.cpu.gpr.__setitem__(5, 0x4000)))
    assert ended(m)
    assert (m.cpu.gpr[7] >> 28) & 3 == cc           # BALR 7,0 captures the CC
    assert m.storage.keys[0x4000 >> 11] == 0x38 | (rc & 0x02)


# -------------------------------------------------------------- LCTL / STCTL
def test_lctl_stctl_wrap_around():
    def setup(m):
        put(m, 0x400, bytes.fromhex("11111111" "22222222" "33333333" "44444444"))
    # LCTL 14,1,X'400'; STCTL 14,1,X'500'
    m = run("B7E10400" "B6E10500" + END, setup=setup)
    assert ended(m)
    cr = m.cpu.cr
    assert (cr[14], cr[15], cr[0], cr[1]) == (0x11111111, 0x22222222, 0x33333333, 0x44444444)
    assert m.storage.read(0x500, 16) == m.storage.read(0x400, 16)


def test_lctl_specification_unaligned():
    m = run("B7000402" + END)
    expect_pgm(m, 6, 2, CODE + 4)


def test_stctl_protection_stores_nothing():
    def setup(m):
        m.storage.keys[0x2000 >> 11] = 0x20
        m.storage.keys[0x2800 >> 11] = 0x10
        m.storage.keys[CODE >> 11] = 0x10
        m.cpu.gpr[4] = 0x2000
    # STCTL 0,15,X'7FC'(4): the last 60 bytes are in a key-2 block
    m = run("B60F47FC" + END, psw=bc(CODE, key=1), setup=setup)
    expect_pgm(m, 4, 2, CODE + 4)
    assert m.storage.read(0x27FC, 4) == bytes(4)


@pytest.mark.parametrize("r1,r3,purges", [(0, 0, True), (1, 1, True), (2, 2, False),
                                          (15, 0, True), (2, 14, False)])
def test_lctl_purges_tlb_only_for_cr0_cr1(r1, r3, purges):
    def setup(m):
        m.cpu.tlb[5] = 0x8000
        put(m, 0x400, bytes(64))
    m = run(f"B7{r1:X}{r3:X}0400" + END, setup=setup)
    assert ended(m)
    assert (m.cpu.tlb == {}) == purges


# ------------------------------------------------------------- STIDP, PTLB, DIAG
def test_stidp_stores_cpu_id():
    m = run("B2020400" + END)
    assert m.storage.read(0x400, 8) == (0xFF00000000000000).to_bytes(8, "big")


def test_stidp_specification_unaligned():
    m = run("B2020404" + END)
    expect_pgm(m, 6, 2, CODE + 4)


def test_ptlb_clears_tlb():
    m = run("B20D0000" + END, setup=lambda m: m.cpu.tlb.update({1: 0x800}))
    assert ended(m) and m.cpu.tlb == {}


def test_diagnose_on_bare_machine_is_specification_exception():
    m = run("83120000" + END)
    expect_pgm(m, 6, 2, CODE + 4)


# --------------------------------------------------------------------- clocks
def test_stck_problem_state_cc0_and_exact_microseconds():
    # STCK X'400'; STCK X'408' in problem state: one instruction = one microsecond
    # (problem state ends with SVC 0: the SVC new PSW is a wait at X'BEEF00')
    m = new_machine()
    start(m, "B2050400" "B2050408" "0A00", psw=bc(CODE, problem=True, cc=3))
    assert m.cpu.wait and m.cpu.ia == 0xBEEF00
    first, second = word(m, 0x400, 8), word(m, 0x408, 8)
    assert first == (DEFAULT_EPOCH_US + 0) << 12     # the first instruction run
    assert second - first == 1 << 12
    assert (word(m, 0x20, 8) >> 28) & 3 == 0         # SVC old PSW: CC 0


def test_stck_sets_cc0():
    # start with CC 3; STCK; BALR 7,0 shows CC 0
    m = run("B2050400" "0570" + END, psw=bc(CODE, cc=3))
    assert (m.cpu.gpr[7] >> 28) & 3 == 0


def test_sck_then_stck():
    value = 0x9000000000000000
    m = run("B2040400" "B2050408" + END, setup=lambda m: put(m, 0x400, value))
    assert ended(m)
    assert word(m, 0x408, 8) == value + (1 << 12)


def test_sck_specification_unaligned():
    m = run("B2040404" + END)
    expect_pgm(m, 6, 2, CODE + 4)


def test_spt_stpt():
    m = run("B2080400" "B2090408" + END, setup=lambda m: put(m, 0x400, 0x0000000100000000))
    assert ended(m)
    assert word(m, 0x408, 8) == 0x0000000100000000 - (1 << 12)


def test_stpt_negative_value_wraps_to_64_bits():
    m = run("B2080400" "B2090408" + END, setup=lambda m: put(m, 0x400, 0))
    assert word(m, 0x408, 8) == (1 << 64) - (1 << 12)


def test_sckc_stckc_roundtrip():
    m = run("B2060400" "B2070408" + END, setup=lambda m: put(m, 0x400, 0x123456789ABCDEF0))
    assert ended(m)
    assert word(m, 0x408, 8) == 0x123456789ABCDEF0


@pytest.mark.parametrize("op", ["B206", "B207", "B208", "B209"])
def test_timer_instructions_need_doubleword(op):
    m = run(op + "0404" + END)
    expect_pgm(m, 6, 2, CODE + 4)


# ---------------------------------------------------------------------- SIGP
def sigp(order: int, cpu_addr: int, r1_initial: int = 0):
    # SIGP 4,6,order(0); BALR 7,0
    def setup(m):
        m.cpu.gpr[4] = r1_initial
        m.cpu.gpr[6] = cpu_addr
    return run(f"AE4600{order:02X}" "0570" + END, setup=setup)


def test_sigp_other_cpu_not_operational():
    m = sigp(1, 1)
    assert (m.cpu.gpr[7] >> 28) & 3 == 3


def test_sigp_sense_self_accepted():
    m = sigp(1, 0, r1_initial=0x12345678)
    assert (m.cpu.gpr[7] >> 28) & 3 == 0
    assert m.cpu.gpr[4] == 0x12345678


def test_sigp_invalid_order_status_stored():
    m = sigp(0x20, 0)
    assert (m.cpu.gpr[7] >> 28) & 3 == 1
    assert m.cpu.gpr[4] == 0x00000002


def test_sigp_external_call_twice():
    # the second external call finds one pending: CC 1, status X'80'
    def setup(m):
        m.cpu.gpr[6] = 0
    m = run("AE460002" "AE460002" "0570" + END, setup=setup)
    assert (m.cpu.gpr[7] >> 28) & 3 == 1
    assert m.cpu.gpr[4] == 0x80
    assert m.cpu.ext_pending & m.cpu.ext_bit(0x1202)


def test_sigp_emergency_signal_interrupts_self():
    def setup(m):
        m.cpu.cr[0] |= 0x4000                       # emergency-signal submask
        put(m, 0x58, bc(0x2000))                    # external new PSW
        put(m, 0x2000, END)
    m = run("AE460003" "0000", psw=bc(CODE, sysmask=0x01), setup=setup)
    assert ended(m)
    assert bc_code(word(m, 0x18, 8)) == (0x1201, 0, CODE + 4)
    assert word(m, 0x84, 2) == 0                    # the sending CPU's address


def test_sigp_stop_stops_the_machine():
    m = new_machine()
    res = start(m, "AE460005" + END)
    assert res.stop == "stopped"
    assert m.cpu.ia == CODE + 4


def test_sigp_restart_self():
    def setup(m):
        put(m, 0x0, bc(0x2000))                     # restart new PSW
        put(m, 0x2000, END)
    m = run("AE460006" "0000", setup=setup)
    assert ended(m)
    assert word(m, 0x8, 8) == bc(CODE + 4)          # restart old PSW


# ------------------------------------------------------------------ MONITOR CALL
def test_monitor_call_masked_is_a_no_op():
    m = run("AF030123" + END)
    assert ended(m)


def test_monitor_call_event():
    def setup(m):
        m.cpu.cr[8] = 0x1000                        # class 3
    m = run("AF030123" + END, setup=setup)
    expect_pgm(m, 0x40, 2, CODE + 4)
    assert word(m, 0x94, 2) == 3
    assert word(m, 0x9C) == 0x123


def test_monitor_call_specification():
    m = run("AF130123" + END)
    expect_pgm(m, 6, 2, CODE + 4)
