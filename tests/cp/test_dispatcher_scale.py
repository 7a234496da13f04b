"""The dispatcher with many logged-on users (issue 20): a slice costs the same
however many VMs wait, waiting VMs' timers still interrupt on time in system
time, and an outside event still ends one idle VM's wait among many."""
from __future__ import annotations

from cp import System, SystemConfig
from cp.dispatcher import SWEEP_RATIO

from tests.cp.vmguest import DONE, logon

LOOP = "41300000 4630 0404"          # LA 3,0 ; BCT 3,*  (2^32 iterations: busy)
#: BC mode, channel masks on, external off, wait: an idle user (waits for I/O)
IDLE = bytes.fromhex("FE02000000000000")


def crowd(idle: int, slice_: int = 1000) -> tuple:
    s = System(SystemConfig(slice=slice_, max_users=idle + 4))
    busy = logon(s, "BUSY")
    busy.write_storage(0x400, bytes.fromhex(LOOP))
    busy.ipl(psw=0x400)
    idlers = []
    for i in range(idle):
        vm = logon(s, f"IDLE{i:03d}", 64 * 1024)
        vm.ipl(image=IDLE)
        idlers.append(vm)
    return s, busy, idlers


def count_wake_checks(vms: list) -> list:
    """Count each VM's try_wake calls (the dispatcher's look at a waiting VM)."""
    calls = [0]
    for vm in vms:
        original = vm.try_wake

        def counted(original=original):
            calls[0] += 1
            return original()
        vm.try_wake = counted
    return calls


def test_a_slice_does_not_look_at_every_idle_vm():
    s, busy, idlers = crowd(300)
    s.run(5_000)                         # the first look sees every wait begin
    calls = count_wake_checks(idlers)
    r = s.run(100_000)                   # 100 slices of the busy VM
    assert r.stop == "limit" and busy.instructions == 105_000
    assert all(vm.state == "wait" and vm.counters.dispatches == 0 for vm in idlers)
    # 300 idle VMs looked at once per 300/16 slices: about 16 looks a slice, not 300
    assert calls[0] <= 100 * SWEEP_RATIO + len(idlers)


def test_few_vms_are_all_looked_at_every_round():
    s, busy, idlers = crowd(3)
    s.run(1_000)
    calls = count_wake_checks(idlers)
    s.run(10_000)                        # 10 slices: each idle VM looked at each round
    assert calls[0] == 10 * len(idlers)


def test_timer_of_one_waiting_vm_among_many_interrupts_on_time():
    """As test_vm's clock-comparator test, with 100 idle users logged on: B sets
    its clock comparator 5000 us ahead and waits; it takes the interruption once
    the busy VM has run 5000 instructions more (slices of 1000: within one slice)."""
    s, a, idlers = crowd(100)
    b = logon(s, "B")
    prog = bytes.fromhex("B205 0100 9823 0100 5E30 0120 5030 0104 B206 0100 B700 0124"
                         "8200 0128")
    b.write_storage(0x120, (5000 << 12).to_bytes(4, "big") + bytes.fromhex("00000800"))
    b.write_storage(0x128, bytes.fromhex("0102000000000000"))
    b.write_storage(0x58, bytes.fromhex("0000000000000440"))      # ext new -> LPSW done
    b.write_storage(0x440, bytes.fromhex("82000300"))
    b.write_storage(0x300, DONE.to_bytes(8, "big"))
    b.write_storage(0x400, prog)
    b.ipl(psw=0x400)
    s.run(3000)
    assert b.state == "wait" and b.counters.dispatches == 1
    while "external" not in b.counters.reflected and a.instructions < 20_000:
        s.run(1000)
    # B's wait began after A's first slice and its own few instructions; then 5000 more
    assert b.psw == DONE and b.counters.reflected["external"] == 1
    assert 5900 <= a.instructions <= 7000


def test_an_outside_event_ends_one_idle_wait_among_many():
    """EXTERNAL (CP's interrupt key) for one idle user that enables external
    interruptions: it is dispatched within len(users) / SWEEP_RATIO slices."""
    s, busy, idlers = crowd(200)
    target = idlers[123]
    target.write_storage(0x58, DONE.to_bytes(8, "big"))            # ext new PSW: done
    target.write_storage(0, bytes.fromhex("FF02000000000000"))
    target.ipl()                                                    # waits, external on
    s.run(5_000)
    assert target.state == "wait"
    target.external()
    s.run(1000 * (len(idlers) // SWEEP_RATIO + 2))
    assert target.psw == DONE and target.counters.reflected["external"] == 1


def test_a_thousand_users_log_on_with_micblok_slots_for_all():
    """The CP area holds a MICBLOK for every user the system may log on (the
    first 64K held 512)."""
    s = System(SystemConfig(max_users=1000))
    vms = [s.logon(f"U{i:04d}", 64 * 1024) for i in range(1000)]
    slots = {vm.backend.assist.micblok for vm in vms}
    assert len(slots) == 1000 and max(slots) + 0x80 <= 0x1000000
