"""The virtual machine API, DIAGNOSE, virtual devices (console, spool, minidisks)
and the dispatcher."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from cp import System, SystemConfig
from s370.devices.base import UNIT_CHECK, UNIT_EXCEPTION
from s370.ebcdic import to_ascii, to_ebcdic
from s370.errors import MachineError

from tests.cp.support import vmpk01
from tests.cp.vmguest import DONE, ccw, channel_program, logon, pgm_code, run_code


# ------------------------------------------------------------------ API
def test_logon_logoff_and_state_access():
    s = System()
    vm = s.logon("maint", 64 * 1024)
    assert s.user("MAINT") is vm and vm.state == "stopped"
    with pytest.raises(MachineError):
        s.logon("MAINT")
    vm.set_gpr(3, 0x1_2345_6789)
    assert vm.gpr(3) == 0x23456789
    vm.write_storage(0x1000, b"\x01\x02")
    assert vm.read_storage(0x1000, 2) == b"\x01\x02"
    with pytest.raises(MachineError):
        vm.write_storage(64 * 1024 - 1, b"\x00\x00")
    assert [(a, c) for a, c, _ in vm.query_devices()] == [(0x009, "CONS"), (0x00C, "RDR"),
                                                         (0x00D, "PUN"), (0x00E, "PRT")]
    s.logoff("maint")
    assert "MAINT" not in s.users
    with pytest.raises(MachineError):
        s.logoff("maint")


def test_stidp_version_code_ff_and_real_serial():
    s = System(SystemConfig(cpuid=0x0012345601580000))
    vm = logon(s)
    run_code(vm, "B202 0100")
    assert vm.read_storage(0x100, 8) == bytes.fromhex("FF12345601580000")


def test_stop_and_begin():
    s = System()
    vm = logon(s)
    vm.write_storage(0x400, bytes.fromhex("47F0 0400"))        # B *
    vm.ipl(psw=0x400)
    r = vm.run(1000)
    assert r.stop == "limit" and r.instructions == 1000
    vm.stop()
    assert vm.run(1000).stop == "stopped" and vm.state == "stopped"
    vm.begin(0x404)
    vm.write_storage(0x404, bytes.fromhex("82000300"))
    vm.write_storage(0x300, DONE.to_bytes(8, "big"))
    assert vm.run(1000).stop == "wait" and vm.psw == DONE


# ------------------------------------------------------------- DIAGNOSE
def test_diagnose_08_command_with_response_buffer():
    """DIAG X'08' with X'40' in Ry: response in R(x+1)'s buffer, length in R(y+1),
    CC 0; the built-in CP answers an unknown command with DMKCFC001E."""
    s = System()
    vm = logon(s)
    cmd = to_ebcdic("FROB")
    # DIAG 2,4,8 ; BALR 10,0
    run_code(vm, "8324 0008 05A0", regs={2: 0x1000, 4: 0x40000000 | len(cmd), 3: 0x2000, 5: 200},
             data={0x1000: cmd})
    resp = to_ascii(vm.read_storage(0x2000, vm.gpr(5)))
    assert resp == "DMKCFC001E ?CP: FROB\x85" or resp.startswith("DMKCFC001E ?CP: FROB")
    assert (vm.gpr(10) >> 28) & 3 == 0 and vm.gpr(4) == 1


def test_diagnose_08_response_too_long_cc1_and_hook():
    s = System()
    s.command_hook = lambda vm, text: ([f"{vm.userid} SAID {text}"], 0)
    vm = logon(s)
    cmd = to_ebcdic("QUERY TIME")
    run_code(vm, "8324 0008 05A0", regs={2: 0x1000, 4: 0x40000000 | len(cmd), 3: 0x2000, 5: 4},
             data={0x1000: cmd})
    assert vm.read_storage(0x2000, 4) == to_ebcdic("A SA")
    assert (vm.gpr(10) >> 28) & 3 == 1
    assert vm.gpr(5) == len("A SAID QUERY TIME\n") - 4
    # without the flag the response goes to the virtual console
    vm2 = logon(s, "B")
    run_code(vm2, "8324 0008", regs={2: 0x1000, 4: len(cmd)}, data={0x1000: cmd})
    assert vm2.console_log == ["B SAID QUERY TIME"]


def test_diagnose_00_identification():
    s = System()
    vm = logon(s, "CMSUSER")
    run_code(vm, "8324 0000", regs={2: 0x1000, 4: 24})
    ident = vm.read_storage(0x1000, 24)
    assert to_ascii(ident[:8]) == "VM/370  " and ident[9] == 0xFF
    assert to_ascii(ident[14:22]) == "CMSUSER "


def test_diagnose_24_device_type_and_missing_device():
    s = System()
    vm = logon(s)
    run_code(vm, "8324 0024 05A0", regs={2: 0xFFFFFFFF})
    assert vm.gpr(2) == 0x009 and (vm.gpr(4) >> 16) & 0xFF == 0x15
    run_code(vm, "8324 0024 05A0", regs={2: 0x0555})
    assert (vm.gpr(10) >> 28) & 3 == 3


def test_diagnose_10_releases_pages_to_zeros():
    s = System()
    vm = logon(s)
    vm.write_storage(0x5000, b"\xAA" * 0x2000)
    run_code(vm, "8324 0010", regs={2: 0x5000, 4: 0x6000})
    assert vm.read_storage(0x5000, 0x2000) == bytes(0x2000)


@pytest.mark.parametrize("code,regs,pgm", [
    ("8324 0004", {}, 6),                      # X'04' not provided: specification
    ("8324 0002", {}, 6),                      # not a multiple of 4
    ("8324 0000", {2: 0x1004, 4: 8}, 6),       # X'00' buffer not doubleword aligned
    ("8324 000C", {2: 0xFFFFF8}, 5),           # X'0C' buffer outside the VM: addressing
    ("8324 0008", {2: 0, 4: 200}, 6),          # X'08' command longer than 132
])
def test_diagnose_exceptions(code, regs, pgm):
    s = System()
    vm = logon(s)
    run_code(vm, code, regs=regs)
    assert vm.psw & 0xFFFF == 0xDEAD and pgm_code(vm) == pgm


def test_diagnose_in_virtual_problem_state_is_privileged_operation():
    s = System()
    vm = logon(s)
    run_code(vm, "8324 0008", psw=0x0001000000000400)
    assert pgm_code(vm) == 2


# ---------------------------------------------------------------- spool
def test_spooled_reader_punch_printer():
    s = System()
    vm = logon(s)
    s.spool.add_reader_file("A", [to_ebcdic("CARD ONE"), to_ebcdic("CARD TWO")])
    cc, csw = channel_program(vm, 0x00C, [ccw(0x02, 0x1000, 0x20, 80)])
    assert cc == 0 and csw[4] == 0x0C and to_ascii(vm.read_storage(0x1000, 8)) == "CARD ONE"
    channel_program(vm, 0x00C, [ccw(0x02, 0x1000, 0x20, 80)])
    cc, csw = channel_program(vm, 0x00C, [ccw(0x02, 0x1000, 0x20, 80)])
    assert csw[4] & UNIT_EXCEPTION                          # end of file
    cc, csw = channel_program(vm, 0x00D, [ccw(0x01, 0x1000, 0x00, 80)])
    assert s.spool.punched[("A", 0x00D)][0][:8] == to_ebcdic("CARD TWO")
    channel_program(vm, 0x00E, [ccw(0x09, 0x1000, 0x00, 8)])
    assert s.spool.printed[("A", 0x00E)] == [to_ebcdic("CARD TWO")]


def test_reader_without_file_is_intervention_required():
    s = System()
    vm = logon(s)
    cc, csw = channel_program(vm, 0x00C, [ccw(0x02, 0x1000, 0x20, 80)])
    assert csw[4] & UNIT_CHECK


def test_console_read_waits_for_a_line():
    """A console read with nothing typed keeps the device busy; the VM waits
    enabled; a typed line completes it and the I/O interruption is reflected."""
    s = System()
    vm = logon(s)
    # SIO 009; LPSW enabled wait (I/O new PSW -> X'420': LPSW done)
    vm.write_storage(0x78, bytes.fromhex("0000000000000420"))
    vm.write_storage(0x420, bytes.fromhex("82000300"))
    vm.write_storage(0x310, bytes.fromhex("FE02000000000000"))
    r, _ = run_code(vm, "9C00 0009 8200 0310",
                    data={0x800: ccw(0x0A, 0x1000, 0x20, 20), 0x48: (0x800).to_bytes(4, "big")})
    assert r.stop == "wait" and vm.state == "wait"
    vm.console_type("hello")
    assert vm.run(1000).stop == "wait"
    assert vm.psw == DONE and to_ascii(vm.read_storage(0x1000, 5)) == "hello"
    assert vm.counters.reflected["io"] == 1


# ------------------------------------------------------------- minidisks
@pytest.fixture
def volume(tmp_path):
    with vmpk01(tmp_path / "vol.3330", 12) as vol:
        yield vol


def _seek(cyl: int, head: int = 0) -> bytes:
    return bytes((0, 0, cyl >> 8, cyl & 0xFF, head >> 8, head & 0xFF))


def test_minidisk_relocates_and_enforces_bounds(volume):
    """Minidisk 191 = cylinders 4-6 of the volume: the guest's cylinder 2 is real
    cylinder 6 (its home address reads back as cylinder 2); a seek to cylinder 3
    gets unit check with command reject, as a seek beyond a real volume."""
    s = System()
    vm = logon(s)
    vm.add_minidisk(0x191, volume, 4, 3)
    seek = 0x1000
    cc, csw = channel_program(vm, 0x191, [ccw(0x07, seek, 0x40, 6), ccw(0x1A, 0x1100, 0x20, 5)],
                              data={seek: _seek(2, 1)})
    assert csw[4] == 0x0C and csw[5] == 0
    assert vm.read_storage(0x1100, 5) == bytes((0, 0, 2, 0, 1))
    assert volume.cyl == 6
    cc, csw = channel_program(vm, 0x191, [ccw(0x07, seek, 0x00, 6)], data={seek: _seek(3)})
    assert csw[4] & UNIT_CHECK
    channel_program(vm, 0x191, [ccw(0x04, 0x1200, 0x20, 24)])
    assert vm.read_storage(0x1200, 1)[0] & 0x80                    # command reject


def test_minidisk_write_stays_in_its_cylinders(volume):
    """A record written on one user's minidisk is on the real volume inside that
    minidisk (count field with the real cylinder) and invisible to another user's
    minidisk; a read-only link gets file protected."""
    s = System()
    a, b = logon(s, "A"), logon(s, "B")
    a.add_minidisk(0x191, volume, 2, 2)
    b.add_minidisk(0x191, volume, 4, 2)
    count = bytes((0, 0, 0, 1, 1, 0, 0, 4))                      # CC=0 HH=1 R=1 KL=0 DL=4
    progs = [ccw(0x07, 0x1000, 0x40, 6), ccw(0x31, 0x1010, 0x40, 5), ccw(0x08, 0x808, 0, 0),
             ccw(0x1D, 0x1020, 0x00, 12)]
    cc, csw = channel_program(a, 0x191, progs, data={0x1000: _seek(0, 1),
                                                     0x1010: bytes((0, 0, 0, 1, 0)),
                                                     0x1020: count + b"DATA"})
    assert csw[4] == 0x0C, csw.hex()
    track = volume.image.read_track(2, 1)
    assert [r.data for r in track.records][-1] == b"DATA"
    assert track.records[-1].count[:5] == bytes((0, 2, 0, 1, 1))
    # B's cylinder 0 head 1 has no record 1: search ID fails -> no record found
    cc, csw = channel_program(b, 0x191, [ccw(0x07, 0x1000, 0x40, 6), ccw(0x31, 0x1010, 0x40, 5),
                                         ccw(0x08, 0x808, 0, 0), ccw(0x06, 0x1100, 0x20, 4)],
                              data={0x1000: _seek(0, 1), 0x1010: bytes((0, 0, 0, 1, 1))})
    assert csw[4] & UNIT_CHECK
    c = logon(s, "C")
    c.add_minidisk(0x191, volume, 2, 2, readonly=True)
    cc, csw = channel_program(c, 0x191, progs, data={0x1000: _seek(0, 1),
                                                     0x1010: bytes((0, 0, 0, 1, 0)),
                                                     0x1020: count + b"EVIL"})
    assert csw[4] & UNIT_CHECK
    assert [r.data for r in volume.image.read_track(2, 1).records][-1] == b"DATA"


# ------------------------------------------------------------- dispatcher
LOOP = "41300000 4630 0404"          # LA 3,0 ; BCT 3,*  (2^32 iterations: busy)


def test_round_robin_is_fair_among_busy_vms():
    s = System(SystemConfig(slice=1000))
    vms = [logon(s, f"U{i}") for i in range(3)]
    for vm in vms:
        vm.write_storage(0x400, bytes.fromhex(LOOP))
        vm.ipl(psw=0x400)
    r = s.run(30_000)
    assert r.stop == "limit" and r.instructions == 30_000
    assert [vm.instructions for vm in vms] == [10_000] * 3


def test_waiting_vm_is_not_dispatched_until_its_timer():
    """B sets its clock comparator ~5000 us ahead and waits enabled; A is busy.
    B is not dispatched while waiting and takes its external interruption once
    the system has run about that long; then ends."""
    s = System(SystemConfig(slice=1000))
    a, b = logon(s, "A"), logon(s, "B")
    a.write_storage(0x400, bytes.fromhex(LOOP))
    a.ipl(psw=0x400)
    # B: STCK 100; LM 2,3,100; AL 3,=F'20480000' (5000us << 12); ST 3,104 (no carry
    # expected at this epoch); SCKC 100; LCTL 0,0,=X'00000800'; LPSW enabled wait
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
    s.run(10_000)
    assert b.psw == DONE and b.counters.reflected["external"] == 1
    assert a.instructions >= 5000


# --------------------------------------------------------------- the CLI
def test_run_under_cp_gives_the_bare_report_plus_counters(tmp_path):
    src = tmp_path / "t.asm"
    src.write_text("""T        START 0
         DC    X'0000000000000400'
         ORG   T+X'400'
         BALR  12,0
         USING *,12
         LA    3,50
LOOP     AR    2,3
         SSM   MASK
         BCT   3,LOOP
         LPSW  DONE
         DS    0D
DONE     DC    X'000200000000D0E0'
MASK     DC    X'00'
         END
""")
    def run(*extra):
        out = subprocess.run([sys.executable, "-c", "import sys; from s370vm.main import main; "
                              "sys.exit(main())", "run", str(src), "--json", "--dump", "400.20",
                              *extra], capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)
    bare, vm = run(), run("--under-cp")
    for k in ("stop", "psw", "gpr", "instructions", "storage"):
        assert bare[k] == vm[k]
    assert vm["vm"]["simulated"] == {"LPSW": 1, "SSM": 50}


def test_diagnose_20_synchronous_io_and_18_dasd(volume):
    """DIAG X'20': a console write runs synchronously (CC 0, no interruption);
    DIAG X'18' reads a minidisk's home address; a missing device gives CC 1."""
    s = System()
    vm = logon(s)
    vm.add_minidisk(0x191, volume, 4, 3)
    run_code(vm, "8324 0020 05A0", regs={2: 0x009, 4: 0x800},
             data={0x800: ccw(0x09, 0x1000, 0x20, 2), 0x1000: to_ebcdic("OK")})
    assert vm.console_log == ["OK"] and (vm.gpr(10) >> 28) & 3 == 0
    assert not vm.channel.pending
    run_code(vm, "8324 0018 05A0", regs={2: 0x191, 4: 0x800},
             data={0x800: ccw(0x07, 0x1000, 0x40, 6) + ccw(0x1A, 0x1100, 0x20, 5),
                   0x1000: _seek(1, 2)})
    assert (vm.gpr(10) >> 28) & 3 == 0 and vm.read_storage(0x1100, 5) == bytes((0, 0, 1, 0, 2))
    run_code(vm, "8324 0020 05A0", regs={2: 0x444, 4: 0x800})
    assert (vm.gpr(10) >> 28) & 3 == 1


def test_idle_vm_storage_is_sparse():
    """A logged-on VM with 1 MB that has only IPLed into a wait keeps at most a
    few pages of its storage resident (sparse mmap)."""
    s = System()
    vm = s.logon("IDLE", 1 << 20)
    vm.ipl(image=bytes.fromhex("0002000000000000"))
    vm.run(10)
    assert vm.storage.resident_bytes() <= 16 * 1024
    big = s.logon("BIG", 16 << 20)
    big.ipl(image=bytes.fromhex("0002000000000000"))
    assert big.storage.size == 16 << 20 and big.storage.resident_bytes() <= 16 * 1024
    with pytest.raises(MachineError):
        s.logon("HUGE", 32 << 20)


def test_restart_and_ipl_from_a_virtual_device():
    """IPL from the virtual reader: the deck's first card is the IPL record
    (PSW + CCWs), the device address is stored in the PSW's bytes 2-3 as the
    machine does; SYSTEM RESTART then presents a restart interruption."""
    s = System()
    vm = logon(s)
    # card 1: IPL PSW (BC, IA X'400'), then CCW1: read card 2 into X'400'
    card1 = bytes.fromhex("0000000000000400") + ccw(0x02, 0x400, 0x20, 80) + bytes(8)
    card2 = bytes.fromhex("82000300")
    s.spool.add_reader_file("A", [card1, card2])
    vm.write_storage(0x300, DONE.to_bytes(8, "big"))
    vm.ipl(device=0x00C)
    assert vm.read_storage(2, 2) == b"\x00\x0c"
    assert vm.run(100).stop == "wait" and vm.psw == DONE
    vm.write_storage(0, bytes.fromhex("0000000000000400"))
    vm.restart()
    assert vm.run(100).stop == "wait"
    assert vm.read_storage(8, 8) == DONE.to_bytes(8, "big")        # restart old PSW


def test_diagnose_0c_pseudo_timer_and_58_console():
    """X'0C': date MM/DD/YY and time HH:MM:SS in EBCDIC, then the virtual CPU
    time in microseconds (one instruction = 1 us) twice. X'58': a write CCW at Rx
    displayed on the virtual console, CC 0."""
    import re
    s = System()
    vm = logon(s)
    run_code(vm, "1800 1800 8324 000C", regs={2: 0x1000})
    area = vm.read_storage(0x1000, 32)
    assert re.fullmatch(r"\d\d/\d\d/\d\d\d\d:\d\d:\d\d", to_ascii(area[:16]))
    assert int.from_bytes(area[16:24], "big") == 2 == int.from_bytes(area[24:32], "big")
    run_code(vm, "8324 0058 05A0", regs={2: 0x800, 4: 0x009},
             data={0x800: ccw(0x09, 0x1000, 0x20, 5), 0x1000: to_ebcdic("READY")})
    assert vm.console_log[-1] == "READY" and (vm.gpr(10) >> 28) & 3 == 0


def test_minidisk_read_multiple_ckd_shows_minidisk_cylinders(volume):
    """READ MULTIPLE COUNT-KEY-DATA returns every record's count field with the
    minidisk's own cylinder number (the volume holds the real one)."""
    s = System()
    vm = logon(s)
    vm.add_minidisk(0x191, volume, 5, 2)
    count = bytes((0, 1, 0, 3, 1, 0, 0, 4))                      # CC=1 HH=3 R=1 DL=4
    cc, csw = channel_program(vm, 0x191, [
        ccw(0x07, 0x1000, 0x40, 6), ccw(0x31, 0x1010, 0x40, 5), ccw(0x08, 0x808, 0, 0),
        ccw(0x1D, 0x1020, 0x00, 12)],
        data={0x1000: _seek(1, 3), 0x1010: bytes((0, 1, 0, 3, 0)), 0x1020: count + b"ABCD"})
    assert csw[4] == 0x0C
    assert volume.image.read_track(6, 3).records[-1].count[:2] == b"\x00\x06"
    cc, csw = channel_program(vm, 0x191, [ccw(0x07, 0x1000, 0x40, 6),
                                          ccw(0x5E, 0x1100, 0x20, 400)],
                              data={0x1000: _seek(1, 3)})
    assert csw[4] == 0x0C
    assert vm.read_storage(0x1100, 12) == count + b"ABCD"


def test_user_errors_are_machine_errors(volume):
    s = System()
    vm = logon(s)
    for call in (lambda: vm.add_unit_record("PLOTTER", 0x20),
                 lambda: vm.add_minidisk(0x192, volume, 10, 5),
                 lambda: vm.ipl(device=0x777),
                 lambda: vm.read_storage(128 * 1024, 1),
                 lambda: vm.detach(0x555),
                 lambda: s.logon("X", 1000),
                 lambda: s.user("NOBODY")):
        with pytest.raises(MachineError):
            call()
