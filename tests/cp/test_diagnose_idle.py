"""DIAGNOSE X'100' (cp/backends/s370_diagnose.py): idle until an interruption or
a deadline, s370vm's one addition to VM/370's DIAGNOSE codes (from the range
VM/370 leaves to installations, X'100'-X'1FC'). The deadline is in the VM's own
clock (one instruction is one microsecond, s370/timers.py), so the figures here
are exact: the time a TOD clock reading shows passing is the timeout."""
from __future__ import annotations

from cp import System

from tests.cp.vmguest import DONE, logon, run_code

CPU_TIMER_MASK = 0x400                      # CR0 bit 21 (GA22-7000 "Control Registers")
EXT_ENABLED_BC = 0x0100000000000400         # BC-mode PSW, external mask on, IA 400


def tod_us(vm, at: int) -> int:
    return int.from_bytes(vm.read_storage(at, 8), "big") >> 12


def cc(vm) -> int:
    return (vm.gpr(10) >> 28) & 3


def test_deadline_ends_it_with_cc1_after_exactly_the_timeout():
    """STCK; DIAG 2,0,X'100' (R2 = 5000 us); BALR 10,0; STCK: 5000 us pass, plus
    the two instructions between the clock readings; none of it executed."""
    vm = logon(System())
    r, _ = run_code(vm, "B205 0640 8320 0100 05A0 B205 0648", regs={2: 5000})
    assert vm.psw == DONE and cc(vm) == 1
    assert tod_us(vm, 0x648) - tod_us(vm, 0x640) == 5000 + 2
    assert r.instructions == 5


def test_an_interruption_ends_it_with_cc0_and_no_wait_bit_in_the_old_psw():
    """The CPU timer (set to 1000 us) interrupts a 1 s idle: the external old PSW
    is the running PSW after the DIAGNOSE (no wait bit, CC 0); the handler resets
    the timer and returns there."""
    vm = logon(System())
    vm.write_storage(0x58, (0x500).to_bytes(8, "big"))             # external new PSW
    vm.write_storage(0x500, bytes.fromhex("B208 0628 8200 0018"))  # SPT far; LPSW old
    data = {0x600: CPU_TIMER_MASK.to_bytes(4, "big"),
            0x620: (1000 << 12).to_bytes(8, "big"), 0x628: (1 << 62).to_bytes(8, "big")}
    # LCTL 0,0,600; SPT 620; STCK 640; DIAG 2,0,100; BALR 10,0; STCK 648
    run_code(vm, "B700 0600 B208 0620 B205 0640 8320 0100 05A0 B205 0648",
             regs={2: 1_000_000}, data=data, psw=EXT_ENABLED_BC)
    assert vm.psw == DONE and cc(vm) == 0
    old = int.from_bytes(vm.read_storage(0x18, 8), "big")
    assert old & 0x0002_0000_0000_0000 == 0                       # PSW bit 14: no wait
    assert old & 0xFFFFFF == 0x410                                # after the DIAGNOSE
    assert 1000 <= tod_us(vm, 0x648) - tod_us(vm, 0x640) <= 1000 + 8


def test_a_masked_interruption_does_not_end_it():
    """The CPU timer goes negative at once, but the PSW is disabled: the idle
    lasts to its deadline."""
    vm = logon(System())
    data = {0x600: CPU_TIMER_MASK.to_bytes(4, "big"), 0x620: bytes(8)}
    # LCTL 0,0,600; SPT 620 (0); STCK 640; DIAG 2,0,100; BALR 10,0; STCK 648
    run_code(vm, "B700 0600 B208 0620 B205 0640 8320 0100 05A0 B205 0648",
             regs={2: 2000}, data=data)
    assert vm.psw == DONE and cc(vm) == 1
    assert tod_us(vm, 0x648) - tod_us(vm, 0x640) == 2000 + 2


def test_timeout_zero_only_looks():
    vm = logon(System())
    run_code(vm, "8320 0100 05A0", regs={2: 0})
    assert vm.psw == DONE and cc(vm) == 1


def test_disabled_without_a_deadline_is_a_wait_nothing_ends():
    vm = logon(System())
    r, _ = run_code(vm, "8320 0100 05A0", regs={2: 0xFFFFFFFF})
    assert r.stop == "wait" and vm.state == "wait"


def test_other_vms_run_while_it_idles():
    """A idles 30000 us; B spins. A's deadline arrives in system time (B's
    instructions), A ends with CC 1, and CP never ran A meanwhile."""
    s = System()
    a, b = logon(s, "A"), logon(s, "B")
    b.write_storage(0x400, bytes.fromhex("47F0 0400"))             # B *
    b.ipl(psw=0x400)
    run_code(a, "8320 0100 05A0", regs={2: 30_000}, limit=1)
    r = s.dispatcher.run(45_000)
    assert a.psw == DONE and cc(a) == 1
    assert a.instructions == 3                  # DIAG (before), BALR and LPSW
    assert r.instructions == 45_000 and b.instructions == 45_000 - 2
