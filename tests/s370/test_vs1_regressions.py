"""Regressions found running OS/VS1 Release 6.0 (docs/os-vs1.md), each a small
exact test of the behaviour that was wrong.

1. CP's minidisk IPL (cp/backends/s370_vio.py ``Minidisk``, read IPL X'02'): the IPL of a
   minidisk must read record 1 of the minidisk's cylinder 0 head 0, as the read
   IPL command does on the real drive (GA22-7000, "Initial Program Loading": the
   IPL reads 24 bytes with command chaining and SLI from record 1, then the chained
   CCWs run). The emulation sought the track and did one Search ID Equal for R1,
   which passes R0 first (no hit), then read R0's 8-byte data: the IPL ended with
   incorrect length (CSW X'0C20') and VS1 could not be IPLed from its volume as a
   minidisk.
"""
import pytest

from cp import System
from s370.devices.ckd import CKDImage, Record, Track, create_image, geometry, home_address
from s370.devices.dasd import DASD3330
from s370.ebcdic import to_ebcdic
from s370.errors import MachineError

#: IPL record 1 of the minidisk's first track: a BC-mode disabled wait PSW with
#: IA X'ABCD', then a chained no-op CCW and a zero CCW.
IPL1 = bytes.fromhex("000200000000ABCD" "0300000000000001" "0000000000000000")


def volume(tmp_path, start: int) -> DASD3330:
    """A 3-cylinder 3330 whose cylinder ``start`` head 0 holds R0 and IPL1 (cylinder
    0 keeps the IPL records dasdinit writes there)."""
    path = tmp_path / "mini.3330"
    create_image(path, geometry("3330"), "MINI01", 3)
    if start:
        img = CKDImage(path)
        try:
            img.write_track(start, 0, Track(home_address(start, 0), [
                Record.build(start, 0, 0, b"", bytes(8)),
                Record.build(start, 0, 1, to_ebcdic("IPL1"), IPL1)]))
        finally:
            img.close()
    return DASD3330(0x250, [str(path)])


@pytest.mark.parametrize("start", [0, 1])
def test_minidisk_ipl_reads_record_1_of_the_minidisks_first_track(tmp_path, start):
    vol = volume(tmp_path, start)
    vm = System().logon("IPLTEST", 64 * 1024, reader=None, punch=None, printer=None)
    vm.add_minidisk(0x150, vol, start, 2)
    try:
        vm.ipl(device=0x150)
    except MachineError as exc:             # before the fix: CSW status 0C20
        pytest.fail(str(exc))
    mem = vm.storage.mem
    # the IPL PSW at 0 with the device address in bytes 2-3 (BC mode), loaded
    expected = IPL1[:8] if start else bytes.fromhex("000600000000000F")
    assert bytes(mem[0:8]) == expected[:2] + b"\x01\x50" + expected[4:]
    assert vm.psw & 0xFFFFFF == int.from_bytes(expected[5:8], "big")
    assert vm.cpu.wait
    if start:
        assert bytes(mem[8:24]) == IPL1[8:24]
    vol.close()
