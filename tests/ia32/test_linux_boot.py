"""An unmodified Linux 6.1 kernel (Debian's linux-source-6.1, tinyconfig plus
guests/ia32/linux/config.fragment) boots on the bare IA-32 PC through the 32-bit
boot protocol to the last line of our init, which leaves through the exit port.
The init's lines and the exit status were confirmed on QEMU's 486 (see
guests/ia32/linux/README.md). `.ci/run` builds the kernel when the cache lacks it;
elsewhere the test is skipped until `guests/ia32/linux/build.sh` has run."""
from __future__ import annotations

import pytest

from .helpers import LINUX_KERNEL as KERNEL

CMDLINE = "console=ttyS0 no387 printk.time=0 lpj=100000"
INIT_LINES = ["init: hello from user space", "init: child running", "init: child exit status 7",
              "init: brk pages touched 16", "init: mmap ok 1", "init: primes 271061",
              "init: harmonic 5187377", "init: done"]

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not KERNEL.exists(),
                                 reason=f"no kernel at {KERNEL}: run guests/ia32/linux/build.sh")]


@pytest.fixture(scope="module")
def boot(linux_bare):
    return linux_bare       # tests/conftest.py: one bare boot for the session


def test_linux_boots_to_the_end_of_init(boot):
    _, result, lines = boot
    assert (result.stop, result.exit_code) == ("exit", 33)        # exit port F4 <- 10h
    assert lines[0].startswith("Linux version 6.1.")
    assert [line for line in lines if line.startswith("init:")] == INIT_LINES
    assert "Run /init as init process" in lines


def test_linux_finds_the_pc_as_qemu_shows_it(boot):
    """Lines the kernel prints about the devices, as on QEMU's 486 with the same
    kernel (the 16550A, the 8042 with both ports, the math emulator in use, WP
    honoured), and the TSC calibrated against the PIT at the machine's 100 MHz (10 ns
    per instruction; QEMU's 486 has no TSC, so there the PIT is the clock source)."""
    _, _, lines = boot
    for expected in ("serial8250: ttyS0 at I/O 0x3f8 (irq = 4, base_baud = 115200) is a 16550A",
                     "serio: i8042 KBD port at 0x60,0x64 irq 1",
                     "serio: i8042 AUX port at 0x60,0x64 irq 12",
                     "clocksource: Switched to clocksource tsc-early",
                     "x86/fpu: No FPU detected",
                     "Checking if this processor honours the WP bit even in supervisor mode...Ok."):
        assert expected in lines
    assert "tsc: Fast TSC calibration using PIT" in lines
    assert [line for line in lines if line.startswith("tsc: Detected 100.0")]
    assert not [line for line in lines if "Unable to calibrate" in line or "i8042: Failed" in line]
