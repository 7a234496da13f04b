"""Channel fidelity (issue 21): where the channel finds a misaligned CAW and a data
address outside storage, and what the CSW then says; a read that ends with unit
exception and no data; a protection check on a read; an endless chain ended by
HIO and CLRIO.

GA22-7000 "Program Check" (invalid CCW address specification; invalid data
address) and the table "Contents of the CSW Command-Address Field" (an invalid
CCW address: that address + 8). A data address outside storage is found when the
CCW is fetched, before the device is started, as Hercules does (the PoO says
only that the location is not available to the channel)."""
from __future__ import annotations

from s370.channel import CC, CD, CH_PROGRAM_CHECK, CH_PROTECTION_CHECK, SLI
from s370.devices.base import CE_DE, UNIT_EXCEPTION
from s370.devices.reader import CardReader
from tests.s370.io_support import (PROGRAM, ccw, csw, echo_device, execute, machine, put, run_io,
                                   sio, tio)

DEV = 0x181
SIZE = 64 * 1024


def test_misaligned_caw_names_the_invalid_ccw_address_plus_8():
    m = machine(echo_device(), size=SIZE)
    m.storage.mem[0x48:0x4C] = (PROGRAM + 4).to_bytes(4, "big")
    assert sio(m, DEV) == 1
    assert csw(m) == (0, PROGRAM + 4 + 8, 0, CH_PROGRAM_CHECK, 0)


def test_first_ccw_data_address_beyond_storage_is_found_before_the_device_starts():
    """SIO condition code 1 with the CSW stored (no unit status: the device was
    never selected, and it saw no command)."""
    dev = echo_device()
    m = machine(dev, size=SIZE)
    put(m, ccw(0x01, SIZE, 0, 4))
    assert sio(m, DEV) == 1
    assert csw(m) == (0, PROGRAM + 8, 0, CH_PROGRAM_CHECK, 0)
    assert dev.calls == [] and dev.begun == 0


def test_chained_ccw_data_address_beyond_storage_ends_the_chain_at_fetch():
    """The first write is done; the next CCW, whose data address is outside
    storage, ends the program as it is fetched: channel end, device end and
    program check, the CSW naming it + 8; the device got one command."""
    dev = echo_device()
    m = machine(dev, size=SIZE)
    m.storage.mem[0x200:0x204] = b"ABCD"
    put(m, ccw(0x01, 0x200, CC, 4), ccw(0x01, 0xFFFFFF, 0, 4))
    assert sio(m, DEV) == 0
    assert tio(m, DEV) == 1
    assert csw(m) == (0, PROGRAM + 16, CE_DE, CH_PROGRAM_CHECK, 0)
    assert dev.calls == [(0x01, 4, b"ABCD")]


def test_a_data_address_inside_storage_that_runs_off_its_end_transfers_what_fits():
    """Only the start address is checked at fetch: a write that starts at the last
    two bytes of storage sends them, then program check (GA22-7000 "Invalid Data
    Address": on sequentially accessing storage)."""
    dev = echo_device()
    m = machine(dev, size=SIZE)
    m.storage.mem[SIZE - 2:SIZE] = b"YZ"
    put(m, ccw(0x01, SIZE - 2, 0, 4))
    assert sio(m, DEV) == 0
    assert tio(m, DEV) == 1
    assert csw(m)[1] == PROGRAM + 8 and csw(m)[3] == CH_PROGRAM_CHECK
    assert dev.calls == [(0x01, 4, b"YZ")]


def test_read_ending_with_unit_exception_and_no_data_is_incorrect_length(tmp_path):
    """Past the last card (reader with ``eof``): unit exception, no data, so
    incorrect length unless SLI, and the residual is the whole count (as
    Hercules presents it). SLI suppresses the indication."""
    (tmp_path / "deck").write_bytes(b"ONE\n")
    m = machine(CardReader(0x00C, ["deck", "ascii", "eof"], tmp_path))
    assert run_io(m, 0x00C, ccw(0x02, 0x600, 0, 80))[1] == (0, PROGRAM + 8, CE_DE, 0, 0)
    assert run_io(m, 0x00C, ccw(0x02, 0x600, 0, 80))[1] == (
        0, PROGRAM + 8, CE_DE | UNIT_EXCEPTION, 0x40, 80)
    assert run_io(m, 0x00C, ccw(0x02, 0x600, SLI, 80))[1] == (
        0, PROGRAM + 8, CE_DE | UNIT_EXCEPTION, 0, 80)


def test_protection_check_on_a_read_stores_nothing_and_keeps_the_count():
    """A read under CAW key 2 whose area starts in a block of key 2 and runs into
    one of key 3: protection check, nothing stored (not even the bytes before
    the protected block) and the residual is the whole count, as Hercules does
    (GA22-7000 "Protection Check": the count is unpredictable). Likewise for a
    data-chained read whose second area is protected."""
    m = machine(echo_device(), size=SIZE)
    m.storage.keys[0] = m.storage.keys[2] = 0x20
    m.storage.keys[3] = 0x30
    assert run_io(m, DEV, ccw(0x02, 0x17FE, 0, 4), key=2)[1] == (
        2, PROGRAM + 8, CE_DE, CH_PROTECTION_CHECK, 4)
    assert bytes(m.storage.mem[0x17FE:0x1802]) == bytes(4)
    assert run_io(m, DEV, ccw(0x02, 0x200, CD, 2), ccw(0x02, 0x1800, 0, 2), key=2)[1] == (
        2, PROGRAM + 8, CE_DE, CH_PROTECTION_CHECK, 2)
    assert bytes(m.storage.mem[0x200:0x202]) == bytes(2)
    assert m.storage.keys[3] == 0x30                    # not even referenced
    assert run_io(m, DEV, ccw(0x02, 0x200, 0, 4), key=2)[1] == (2, PROGRAM + 8, CE_DE, 0, 0)
    assert bytes(m.storage.mem[0x200:0x204]) == bytes(range(4))


def test_endless_chain_is_ended_by_hio_and_by_clrio():
    """A NOP command-chained to a TIC back to it never ends: SIO gives CC 0, TIO
    CC 2 (working) between bursts. HIO ends it: CC 1 with the CSW naming the NOP
    + 8, no status, its count as residual; then channel end and device end come
    as an interruption (TIO takes them: CC 1). CLRIO ends another: CC 1, the same
    CSW, and nothing pending afterwards (TIO: CC 0). GA22-7000 "Halt I/O",
    "Clear I/O"."""
    for clear in (False, True):
        m = machine(echo_device(), size=SIZE)
        put(m, ccw(0x03, 0, CC, 7), ccw(0x08, PROGRAM, 0, 1))
        assert sio(m, DEV) == 0
        m.channel.poll(m.cpu)                       # it goes on between bursts
        assert tio(m, DEV) == 2
        assert execute(m, "9D010181" if clear else "9E000181") == 1
        assert csw(m) == (0, PROGRAM + 8, 0, 0, 7)
        if clear:
            assert tio(m, DEV) == 0
        else:
            assert tio(m, DEV) == 1 and csw(m) == (0, 0, CE_DE, 0, 0)
            assert tio(m, DEV) == 0
