"""Interruptions (GA22-7000 chapter 6): BC- and EC-mode storing of codes, the
early PSW exception, priorities, stacking, wait state, restart, machine check and
the program-interruption loop guard."""
import pytest

from tests.s370.control_support import (CODE, END, END_IA, bc, bc_code, ec, ec_pgm, ended,
                                        new_machine, pgm_old, put, run, start, trapped, word)

EXT_HANDLER = 0x2000


def with_ext_handler(m, new_psw=None):
    put(m, 0x58, new_psw if new_psw is not None else bc(EXT_HANDLER))
    put(m, EXT_HANDLER, END)


# ------------------------------------------------------------ program, SVC
def test_ec_program_interruption_code_at_x8c():
    m = new_machine()
    start(m, "0000", psw=ec(CODE, key=3, cc=2, pm=5))
    assert trapped(m)
    assert pgm_old(m) == ec(CODE + 2, key=3, cc=2, pm=5)
    assert ec_pgm(m) == (1, 1)
    assert m.storage.mem[0x8C] == 0


def test_bc_program_interruption_code_in_old_psw():
    m = run("0000", psw=bc(CODE, key=3, cc=2, pm=5))
    assert pgm_old(m) == bc(CODE + 2, key=3, cc=2, pm=5) | (1 << 32) | (1 << 30)


def test_ec_svc_code_at_x88():
    m = new_machine()
    start(m, "0A7F", psw=ec(CODE))
    assert m.cpu.ia == 0xBEEF00
    assert word(m, 0x20, 8) == ec(CODE + 2)
    assert word(m, 0x88) == 0x0002007F


def test_bc_svc_code_in_old_psw():
    m = run("0A7F")
    assert bc_code(word(m, 0x20, 8)) == (0x7F, 1, CODE + 2)


# ---------------------------------------------------------- early exception
def test_lpsw_invalid_ec_psw_early_exception():
    bad = ec(0x3000) | (1 << 32)          # bit 31 (in 24-39) must be zero
    m = new_machine()
    put(m, 0x400, bad)
    start(m, "82000400")
    assert trapped(m)
    assert pgm_old(m) == bad               # the invalid PSW itself, unchanged
    assert ec_pgm(m) == (6, 0)


def test_lpsw_odd_instruction_address_bc():
    m = new_machine()
    put(m, 0x400, bc(0x3001))
    start(m, "82000400")
    assert bc_code(pgm_old(m)) == (6, 0, 0x3001)


def test_early_exception_before_pending_external():
    # the invalid PSW would enable an external interruption that is pending: the
    # program interruption is taken instead; the external one stays pending
    m = new_machine()
    with_ext_handler(m)
    m.cpu.raise_external(0x0040)
    put(m, 0x400, ec(0x3000, sysmask=0x01) | (1 << 32))
    start(m, "82000400")
    assert trapped(m)
    assert m.cpu.ext_pending & m.cpu.ext_bit(0x0040)


def test_invalid_program_new_psw_checkstops():
    m = new_machine(pgm_new=ec(0x3000) | (1 << 63))
    put(m, 0x400, ec(0x3000) | (1 << 63))
    res = start(m, "82000400")
    assert res.stop == "checkstop"


def test_program_interruption_loop_checkstops():
    # the program new PSW points at an invalid operation: a real CPU loops forever
    m = new_machine(pgm_new=bc(0x3000))
    res = start(m, "0000")
    assert res.stop == "checkstop"
    assert res.instructions <= 70


def test_handler_that_returns_is_not_a_loop():
    # program new PSW -> X'3000': LPSW X'28' returns after the faulting instruction;
    # twenty operation exceptions in a row are taken and the program ends normally
    m = new_machine(pgm_new=bc(0x3000))
    put(m, 0x3000, "82000028")
    res = start(m, "0000" * 20 + END)
    assert ended(m) and res.stop == "wait"


# ----------------------------------------------------------------- external
def test_bc_external_old_psw_keeps_wait_bit_and_code():
    # enabled wait; the interrupt key (X'0040') ends it
    m = new_machine()
    with_ext_handler(m)
    m.cpu.raise_external(0x0040)
    put(m, 0x400, bc(0x3000, sysmask=0x01, wait=True))
    start(m, "82000400")
    assert ended(m)
    assert word(m, 0x18, 8) == bc(0x3000, sysmask=0x01, wait=True) | (0x0040 << 32)


def test_ec_external_code_at_x86():
    m = new_machine()
    with_ext_handler(m)
    m.cpu.raise_external(0x0040)
    start(m, "0700", psw=ec(CODE, sysmask=0x01))
    assert ended(m)
    assert word(m, 0x86, 2) == 0x0040
    assert word(m, 0x18, 8) == ec(CODE, sysmask=0x01)


def test_interval_timer_key_and_signal_presented_together():
    # GA22-7000: interval timer, interrupt key and external signals have equal
    # priority, above the rest, and are indicated concurrently
    m = new_machine()
    with_ext_handler(m)
    m.cpu.cr[0] |= 0x00000C00                    # also enable CKC and CPU timer
    for c in (0x1005, 0x0080, 0x0040, 0x0020):
        m.cpu.raise_external(c)
    start(m, "0700", psw=bc(CODE, sysmask=0x01))
    assert bc_code(word(m, 0x18, 8))[0] == 0x00E0


def test_clock_comparator_before_cpu_timer():
    m = new_machine()
    with_ext_handler(m)
    m.cpu.cr[0] |= 0x00000C00
    put(m, 0x400, (1 << 63))                     # CPU timer negative
    put(m, 0x408, 0)                             # comparator below the TOD clock
    put(m, 0x410, bc(CODE + 12, sysmask=0x01))
    start(m, "B2080400" "B2060408" "82000410" "0700")
    assert ended(m)
    assert bc_code(word(m, 0x18, 8))[0] == 0x1004


def test_cr0_submask_holds_the_request_pending():
    m = new_machine()
    with_ext_handler(m)
    m.cpu.cr[0] &= ~0x40                         # interrupt-key submask off
    m.cpu.raise_external(0x0040)
    put(m, 0x400, bytes.fromhex("000000E0"))     # CR0 with the submask on again
    # the request stays pending through BCR 0,0; LCTL 0,0 then lets it in
    start(m, "0700" "B7000400" "0700" + END, psw=bc(CODE, sysmask=0x01))
    assert ended(m)
    assert bc_code(word(m, 0x18, 8)) == (0x0040, 0, CODE + 6)


def test_external_stacks_on_program_new_psw():
    # the program new PSW enables external interruptions while one is pending: the
    # external interruption happens before the handler's first instruction
    m = new_machine(pgm_new=bc(0x3000, sysmask=0x01))
    with_ext_handler(m)
    m.cpu.raise_external(0x0040)
    start(m, "0000")
    assert ended(m)
    assert word(m, 0x18, 8) == bc(0x3000, sysmask=0x01) | (0x0040 << 32)
    assert bc_code(pgm_old(m)) == (1, 1, CODE + 2)


def test_disabled_wait_ends_the_run():
    m = new_machine()
    res = start(m, END)
    assert res.stop == "wait" and m.cpu.ia == END_IA


# --------------------------------------------------- restart, machine check
def test_restart_interruption():
    m = new_machine()
    put(m, 0x0, bc(0x3000))
    put(m, 0x3000, END)
    put(m, 0x400, bc(0x2222, wait=True))
    start(m, "82000400")
    m.restart()
    m.run(100)
    assert ended(m)
    assert word(m, 0x8, 8) == bc(0x2222, wait=True)


def test_machine_check_interruption():
    m = new_machine()
    put(m, 0x70, bc(0x3000, wait=True))
    m.cpu.load_psw(bc(CODE, mcheck=True))
    m.cpu.machine_check(0x4000000000000000)
    assert word(m, 0x30, 8) == bc(CODE, mcheck=True)
    assert word(m, 0xE8, 8) == 0x4000000000000000
    assert m.cpu.ia == 0x3000


def test_machine_check_masked():
    m = new_machine()
    m.cpu.load_psw(bc(CODE))
    m.cpu.machine_check(0x4000000000000000)
    assert m.cpu.ia == CODE and word(m, 0x30, 8) == 0


# ------------------------------------------------------- instruction fetch
def test_instruction_outside_storage_addressing_exception():
    m = new_machine(size=64 * 1024)
    put(m, 0x400, bc(0x10000))
    start(m, "82000400")
    assert bc_code(pgm_old(m)) == (5, 1, 0x10002)


def test_invalid_new_psw_from_an_interruption_is_reported():
    # the SVC new PSW has bit 0 on: the program interruption that follows stores
    # that PSW, unchanged, as the program old PSW
    m = new_machine()
    bad = ec(0x3000) | (1 << 63)
    put(m, 0x60, bad)
    start(m, "0A01")
    assert trapped(m)
    assert pgm_old(m) == bad and ec_pgm(m) == (6, 0)
    assert bc_code(word(m, 0x20, 8)) == (1, 1, CODE + 2)


def test_invalid_wait_psw_is_reported_too():
    # GA22-7000: the early exception occurs regardless of the wait state
    m = new_machine()
    bad = ec(0x3000, wait=True) | (1 << 47)          # bit 16
    put(m, 0x400, bad)
    start(m, "82000400")
    assert trapped(m) and pgm_old(m) == bad


@pytest.mark.parametrize("code,cr0_bit", [(0x1200, 16), (0x1201, 17), (0x1202, 18),
                                          (0x1003, 19), (0x1004, 20), (0x1005, 21),
                                          (0x0080, 24), (0x0040, 25), (0x0020, 26)])
def test_external_subclass_mask_bits(code, cr0_bit):
    """GA22-7000 "Control Registers": each external source has its CR0 bit."""
    for on in (False, True):
        m = new_machine()
        with_ext_handler(m)
        m.cpu.cr[0] = (0x80000000 >> cr0_bit) if on else (0xFFFF00E0 & ~(0x80000000 >> cr0_bit))
        m.cpu.raise_external(code)
        start(m, "0700" + END, psw=ec(CODE, sysmask=0x01))
        assert ended(m)
        assert (word(m, 0x86, 2) == code) == on
        assert bool(word(m, 0x18, 8)) == on


class OneInterruption:
    """A stand-in channel subsystem with one pending I/O interruption."""

    def __init__(self, device: int):
        self.device = device
        self.pending = [device]

    def take_interrupt(self, cpu):
        self.pending = []
        return self.device


@pytest.mark.parametrize("mode", ["bc", "ec"])
def test_io_interruption_device_address(mode):
    # GA22-7000 "I/O Interruption": EC mode stores the device address at X'BA',
    # BC mode puts it in the old PSW's interruption code
    m = new_machine()
    put(m, 0x78, bc(0x2000))
    put(m, 0x2000, END)
    m.cpu.channel = OneInterruption(0x00E)
    psw = ec(CODE, sysmask=0x02) if mode == "ec" else bc(CODE, sysmask=0xFE)
    start(m, "0700" + END, psw=psw)
    assert ended(m)
    old = word(m, 0x38, 8)
    if mode == "ec":
        assert old == ec(CODE, sysmask=0x02) and word(m, 0xBA, 2) == 0x00E
    else:
        assert bc_code(old) == (0x00E, 0, CODE)
