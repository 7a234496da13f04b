"""Timing facilities (GA22-7000 chapter 4 "Timing", chapter 6 "External
Interruption"): TOD clock, clock comparator, CPU timer and interval timer, all
derived from the instruction count (one instruction = one microsecond) so that
interruptions arrive at the same instruction every run."""
import json

from s370.machine import Machine
from s370.timers import DEFAULT_EPOCH_US, Timers
from tests.s370.control_support import (CODE, END, bc, bc_code, ec, ended, new_machine, put,
                                        start, word)

EXT_HANDLER = 0x2000
LOOP = "41110001" "47F0C000"          # LA 1,1(1); B 0(12) with R12 = X'1000'


def ext_machine(cr0_bits: int = 0):
    m = new_machine()
    m.cpu.gpr[12] = CODE
    put(m, 0x58, bc(EXT_HANDLER))
    put(m, EXT_HANDLER, END)
    m.cpu.cr[0] |= cr0_bits
    return m


def ext_old(m):
    return bc_code(word(m, 0x18, 8))


# ------------------------------------------------------------- interval timer
def test_interval_timer_steps_300_times_a_second():
    m = new_machine()
    m.cpu.gpr[12] = CODE
    put(m, 0x50, 0x00100000, 4)
    # steps at 3334, 6667 and 10000 µs; the 10001st instruction sees the third
    start(m, LOOP, limit=10_001)
    assert word(m, 0x50) == 0x00100000 - 3 * 256
    assert m.storage.keys[0] & 0x06 == 0x06       # reference and change recorded


def test_interval_timer_interruption_at_exact_instruction():
    # X'50' = X'100': the step at 3334 µs makes it 0 (no request), the step at
    # 6667 µs makes it negative: the interruption comes after 6667 instructions
    m = ext_machine()
    put(m, 0x50, 0x100, 4)
    res = start(m, LOOP, psw=bc(CODE, sysmask=0x01))
    assert ended(m)
    assert ext_old(m)[0] == 0x0080
    assert res.instructions == 6667 + 1           # + the handler's LPSW
    assert m.cpu.gpr[1] == 3334
    assert word(m, 0x50) == 0xFFFFFF00


def test_interval_timer_wakes_an_enabled_wait():
    m = ext_machine()
    put(m, 0x50, 0x1000, 4)
    put(m, 0x400, bc(0x3000, sysmask=0x01, wait=True))
    res = start(m, "82000400")
    assert ended(m)
    assert word(m, 0x18, 8) == bc(0x3000, sysmask=0x01, wait=True) | (0x0080 << 32)
    assert res.instructions == 2                  # the LPSW and the handler's
    assert word(m, 0x50) == 0xFFFFFF00
    # 17 steps of 1/300 s, less the microsecond of the LPSW that began the wait
    assert m.cpu.timers.idle_us == -(-17 * 10000 // 3) - 1


def test_interval_timer_submask_off_wait_ends():
    m = ext_machine()
    m.cpu.cr[0] &= ~0x80
    put(m, 0x400, bc(0x3000, sysmask=0x01, wait=True))
    res = start(m, "82000400")
    assert res.stop == "wait" and m.cpu.ia == 0x3000


def test_interval_timer_can_be_left_out():
    m = Machine(64 * 1024)
    Timers(interval_timer=False).attach(m.cpu)
    m.cpu.gpr[12] = CODE
    m.storage.mem[0x1000:0x1008] = bytes.fromhex(LOOP)
    m.cpu.load_psw(bc(CODE))
    m.run(10_000)
    assert word(m, 0x50) == 0


# --------------------------------------------------------------- CPU timer
def test_cpu_timer_interruption_at_exact_instruction():
    # SPT (5000 µs) runs as instruction 0; the timer is negative from 5001 µs
    m = ext_machine(0x400)
    m.cpu.cr[0] &= ~0x80                          # no interval-timer interruptions
    put(m, 0x400, 5000 << 12)
    put(m, 0x408, "01")                           # SSM mask: external on
    res = start(m, "B2080400" "80000408" "41110001" "47F0C008")
    assert ended(m)
    assert ext_old(m)[0] == 0x1005
    assert res.instructions == 5001 + 1
    assert m.cpu.timers.cpu_timer(m.cpu) < 0


def test_cpu_timer_condition_persists_until_set():
    # the handler sets the timer positive again and returns to the loop; the next
    # request comes 1001 µs later
    m = ext_machine(0x400)
    put(m, 0x400, 1000 << 12)
    put(m, 0x408, "01")
    put(m, EXT_HANDLER, "B2080400" "B2090410" + END)    # SPT; STPT; end
    start(m, "B2080400" "80000408" "41110001" "47F0C008")
    assert ended(m)
    assert word(m, 0x410, 8) == (1000 << 12) - (1 << 12)
    assert not m.cpu.ext_pending & m.cpu.ext_bit(0x1005)


def test_negative_cpu_timer_while_disabled_costs_nothing():
    # the condition stays pending and no further timer events are scheduled for it
    m = new_machine()
    m.cpu.gpr[12] = CODE
    put(m, 0x400, 10 << 12)
    timers, ticks = m.cpu.timers, []
    real_tick = timers.tick
    timers.tick = lambda cpu: (ticks.append(cpu.count), real_tick(cpu))
    res = start(m, "B2080400" + LOOP.replace("C000", "C004"), limit=20_000)
    assert res.stop == "limit" and res.instructions == 20_000
    assert m.cpu.ext_pending & m.cpu.ext_bit(0x1005)
    # the CPU-timer crossing at 11 µs and the interval-timer steps, nothing more
    assert ticks == [11, 3334, 6667, 10000, 13334, 16667]


def test_stosm_ec_invalid_bits_early_exception():
    m = new_machine()
    start(m, "AD080400" + END, psw=ec(CODE))
    assert word(m, 0x28, 8) == ec(CODE + 4, sysmask=0x08)
    assert m.storage.mem[0x400] == 0


# --------------------------------------------------------- clock comparator
def test_clock_comparator_wakes_wait_at_exact_time():
    # STCK X'400'; add 1000 µs; SCKC; enabled wait; the handler stores the clock
    m = ext_machine(0x800)
    put(m, EXT_HANDLER, "B2050420" + END)
    put(m, 0x410, bc(0x3000, sysmask=0x01, wait=True))
    code = ("B2050400"                    # STCK X'400'
            "98230400"                    # LM 2,3,X'400'
            "5E300418"                    # AL 3,X'418' (1000 µs << 12)
            "90230408"                    # STM 2,3,X'408'
            "B2060408"                    # SCKC X'408'
            "82000410")                   # LPSW enabled wait
    put(m, 0x418, 1000 << 12, 4)
    res = start(m, code)
    assert ended(m)
    assert ext_old(m)[0] == 0x1004
    first, ckc, woke = word(m, 0x400, 8), word(m, 0x408, 8), word(m, 0x420, 8)
    assert first == DEFAULT_EPOCH_US << 12
    assert ckc == first + (1000 << 12)
    assert woke == ckc + (1 << 12)                # the first microsecond past it
    assert res.instructions == 8


def test_clock_comparator_masked_by_cr0():
    m = ext_machine()
    put(m, 0x400, 0)
    res = start(m, "B2060400" "41000000" + END, psw=bc(CODE, sysmask=0x01))
    assert ended(m) and res.instructions == 3
    assert m.cpu.ext_pending & m.cpu.ext_bit(0x1004)      # pending, not taken


def test_enabled_external_new_psw_with_persisting_condition_checkstops():
    m = ext_machine(0x800)
    put(m, 0x58, bc(EXT_HANDLER, sysmask=0x01))
    put(m, 0x400, 0)
    res = start(m, "B2060400" "0700", psw=bc(CODE, sysmask=0x01))
    assert res.stop == "checkstop"


# ----------------------------------------------------------- reproducibility
def test_runs_are_reproducible():
    def once():
        m = ext_machine()
        put(m, 0x50, 0x300, 4)
        code = "B2050400" + LOOP.replace("C000", "C004")
        put(m, EXT_HANDLER, "B2050408" + END)
        start(m, code, psw=bc(CODE, sysmask=0x01))
        return word(m, 0x400, 8), word(m, 0x408, 8), m.cpu.gpr[1]
    assert once() == once()


def test_real_time_clock_is_unique_and_increasing():
    m = Machine(64 * 1024)
    t = Timers(real_time=True)
    t.attach(m.cpu)
    values = [t.store_clock(m.cpu) for _ in range(100)]
    assert values == sorted(set(values))
    assert values[0] >> 12 > DEFAULT_EPOCH_US


# ----------------------------------------------------------------- end to end
def test_end_to_end_timer_program_through_cli(tmp_path, capsys):
    """A core image run by ``s370vm run``: it sets the CPU timer, waits enabled, and
    counts its interruptions in R5 until the fourth, then stops."""
    from s370vm.main import main
    image = bytearray(0x2000)
    image[0:8] = bc(0x1000).to_bytes(8, "big")              # IPL PSW
    image[0x58:0x60] = bc(0x1800).to_bytes(8, "big")        # external new PSW
    image[0x68:0x70] = bc(0xDEAD00, wait=True).to_bytes(8, "big")
    prog = ("41C00800"              # LA 12,X'800'
            "41CC0800"              # LA 12,X'800'(12): R12 = X'1000'
            "B7000500"              # LCTL 0,0,X'500': CPU-timer submask
            "B2080508"              # X'100C': SPT X'508' (250 µs)
            "82000510")             # LPSW X'510': enabled wait
    image[0x1000:0x1000 + len(prog) // 2] = bytes.fromhex(prog)
    handler = ("41550001"           # LA 5,1(5)
               "59500518"           # C 5,X'518'
               "4780C810"           # BE X'1810'
               "47F0C00C"           # B X'100C' (SPT again, wait again)
               "82000520")          # X'1810': LPSW X'520' (done)
    image[0x1800:0x1800 + len(handler) // 2] = bytes.fromhex(handler)
    image[0x500:0x504] = (0x400).to_bytes(4, "big")
    image[0x508:0x510] = (250 << 12).to_bytes(8, "big")
    image[0x510:0x518] = bc(0x3000, sysmask=0x01, wait=True).to_bytes(8, "big")
    image[0x518:0x51C] = (4).to_bytes(4, "big")
    image[0x520:0x528] = bc(0x0FFF, wait=True).to_bytes(8, "big")
    path = tmp_path / "timer.bin"
    path.write_bytes(bytes(image))
    assert main(["run", str(path), "--json", "--dump", "18.8"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["stop"] == "wait"
    assert out["psw"] == "0002000000000FFF"
    assert int(out["gpr"][5], 16) == 4
    assert out["storage"]["18"] == f"{bc(0x3000, sysmask=0x01, wait=True) | (0x1005 << 32):016X}"
    assert out["instructions"] == 5 + 3 * 6 + 4
