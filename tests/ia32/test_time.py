"""Time seen from inside a run: RDTSC and the devices' clock advance with every
instruction, also in the middle of a translated burst (found booting Linux, whose
PIT calibration of the TSC failed with "Unable to calibrate against PIT": the
count the devices saw only moved at burst ends). The PC runs 10 ns per
instruction (ia32/devices/clock.py); the 8254 counts at 1.193182 MHz (its
datasheet's PC clock), so N counter ticks are N * 1e9 / 1193182 / 10 instructions."""
from __future__ import annotations

from ia32.loaders.flat import boot_flat
from ia32.machine import Machine

#: counter 2, mode 0, count 1000; wait for OUT2 in port 61 bit 5; EAX = TSC delta
POLL_OUT2 = bytes.fromhex(
    "B0B0E643"          # mov al,0B0h / out 43h,al: counter 2, lo/hi byte, mode 0
    "E4610C0124FDE661"  # in al,61h / or al,1 / and al,0FDh / out 61h,al: GATE2 high
    "B0E8E642B003E642"  # count 03E8h = 1000
    "0F316689C3"        # rdtsc / mov ebx,eax
    "E461A82074FA"      # L: in al,61h / test al,20h / jz L
    "0F316629D8F4")     # rdtsc / sub eax,ebx / hlt


def test_tsc_measures_the_pit_count_as_the_linux_calibration_does(tmp_path):
    image = tmp_path / "poll.bin"
    image.write_bytes(POLL_OUT2)
    m = Machine(2 << 20)
    boot_flat(m, str(image))
    assert m.run(1_000_000).stop == "hlt"
    per_tick = 1e9 / 1_193_182 / 10
    # Mode 0: OUT2 rises N (or N+1, counting the load cycle) ticks after the write;
    # the poll loop is 3 instructions, so the delta lands within one loop of that.
    assert 1000 * per_tick - 3 <= m.cpu.regs[0] <= 1001 * per_tick + 3
