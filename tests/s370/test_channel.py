"""The channel subsystem (GA22-7000 chapters 12 "Input/Output Operations" and 13
"Input/Output Instructions"): condition codes, CCW chaining, CSW, I/O interruptions."""
from hypothesis import given, strategies as st

from s370.channel import (CD, CC, CH_CHAINING_CHECK, CH_INCORRECT_LENGTH, CH_PCI,
                          CH_PROGRAM_CHECK, CH_PROTECTION_CHECK, IDA, PCI, SKIP, SLI)
from s370.devices.base import (ATTENTION, BUSY, CE_DE, STATUS_MODIFIER, UNIT_CHECK,
                               Result)
from s370.devices.console import Console, ConsoleLog
from tests.s370.io_support import (IO_NEW_IA, PROGRAM, Scripted, ccw, csw, echo_device,
                                   execute, machine, put, run_io, sio, tio)

DEV = 0x181


def test_not_operational_devices_and_channels_cc3():
    m = machine(echo_device(DEV))
    assert sio(m, 0x182) == 3
    assert tio(m, 0x182) == 3
    assert execute(m, "9E000182") == 3           # HIO
    assert execute(m, "9D010182") == 3           # CLRIO
    assert execute(m, "9F000200") == 3           # TCH channel 2: nothing there
    assert execute(m, "B2030200") == 3           # STIDC


def test_stidc_stores_channel_id_word():
    m = machine(echo_device(DEV), Console(0x009, log=ConsoleLog()))
    assert execute(m, "B2030000") == 0
    assert m.storage.read(0xA8, 4) == bytes.fromhex("10000000")   # byte multiplexer
    assert execute(m, "B2030100") == 0
    assert m.storage.read(0xA8, 4) == bytes.fromhex("20000000")   # block multiplexer


def test_write_moves_exact_bytes_and_csw():
    dev = echo_device()
    m = machine(dev)
    m.storage.mem[0x500:0x505] = b"HELLO"
    cc, c = run_io(m, DEV, ccw(0x01, 0x500, 0, 5), key=3)
    assert cc == 0
    assert dev.calls == [(0x01, 5, b"HELLO")]
    assert c == (3, PROGRAM + 8, CE_DE, 0, 0)
    assert dev.begun == 1 and dev.ended == 1


def test_read_short_record_is_incorrect_length_unless_sli():
    dev = Scripted(DEV, {0x02: Result(CE_DE, b"ABC")})
    m = machine(dev)
    cc, c = run_io(m, DEV, ccw(0x02, 0x600, 0, 10))
    assert c == (0, PROGRAM + 8, CE_DE, CH_INCORRECT_LENGTH, 7)
    assert m.storage.read(0x600, 4) == b"ABC\x00"
    cc, c = run_io(m, DEV, ccw(0x02, 0x600, SLI, 10))
    assert c == (0, PROGRAM + 8, CE_DE, 0, 7)


def test_read_long_record_stores_count_bytes_only():
    dev = Scripted(DEV, {0x02: Result(CE_DE, b"ABCDEF")})
    m = machine(dev)
    _, c = run_io(m, DEV, ccw(0x02, 0x600, 0, 4))
    assert c == (0, PROGRAM + 8, CE_DE, CH_INCORRECT_LENGTH, 0)
    assert m.storage.read(0x600, 6) == b"ABCD\x00\x00"


def test_incorrect_length_suppresses_command_chaining():
    dev = Scripted(DEV, {0x02: Result(CE_DE, b"AB"), 0x01: Result(CE_DE)})
    m = machine(dev)
    _, c = run_io(m, DEV, ccw(0x02, 0x600, CC, 4), ccw(0x01, 0x600, 0, 1))
    assert c[1] == PROGRAM + 8 and c[3] == CH_INCORRECT_LENGTH
    assert [x[0] for x in dev.calls] == [0x02]


def test_command_chaining_runs_each_ccw_and_csw_names_the_last():
    dev = echo_device()
    m = machine(dev)
    _, c = run_io(m, DEV, ccw(0x07, 0x600, CC | SLI, 1), ccw(0x02, 0x700, CC, 3),
                  ccw(0x01, 0x700, 0, 3))
    assert [x[0] for x in dev.calls] == [0x07, 0x02, 0x01]
    assert dev.calls[2][2] == b"\x00\x01\x02"
    assert c == (0, PROGRAM + 24, CE_DE, 0, 0)


def test_unit_check_ends_chain_and_sense_reads_the_cause():
    dev = echo_device()
    m = machine(dev)
    _, c = run_io(m, DEV, ccw(0x05, 0x600, CC, 1), ccw(0x01, 0x600, 0, 1))
    assert c[1] == PROGRAM + 8 and c[2] == CE_DE | UNIT_CHECK
    _, c = run_io(m, DEV, ccw(0x04, 0x600, 0, 1))
    assert m.storage.read(0x600, 1) == b"\x80"          # command reject
    assert c == (0, PROGRAM + 8, CE_DE, 0, 0)


def test_data_chaining_gathers_writes_and_scatters_reads_with_skip():
    dev = echo_device()
    m = machine(dev)
    m.storage.mem[0x600:0x603] = b"abc"
    m.storage.mem[0x700:0x702] = b"de"
    _, c = run_io(m, DEV, ccw(0x01, 0x600, CD, 3), ccw(0x00, 0x700, 0, 2))
    assert dev.calls[-1] == (0x01, 5, b"abcde")
    assert c == (0, PROGRAM + 16, CE_DE, 0, 0)
    _, c = run_io(m, DEV, ccw(0x02, 0x800, CD, 2), ccw(0x00, 0x900, CD | SKIP, 2),
                  ccw(0x00, 0xA00, 0, 2))
    assert dev.calls[-1][:2] == (0x02, 6)
    assert m.storage.read(0x800, 2) == b"\x00\x01"
    assert m.storage.read(0x900, 2) == b"\x00\x00"       # skipped
    assert m.storage.read(0xA00, 2) == b"\x04\x05"
    assert c == (0, PROGRAM + 24, CE_DE, 0, 0)


def test_data_chain_ending_early_names_the_ccw_in_use():
    dev = Scripted(DEV, {0x02: Result(CE_DE, b"xyz")})
    m = machine(dev)
    _, c = run_io(m, DEV, ccw(0x02, 0x800, CD, 2), ccw(0x00, 0x900, 0, 4))
    assert c == (0, PROGRAM + 16, CE_DE, CH_INCORRECT_LENGTH, 3)
    assert m.storage.read(0x900, 1) == b"z"


def test_tic_continues_chain_and_tic_to_tic_is_program_check():
    dev = echo_device()
    m = machine(dev)
    m.storage.mem[0x300:0x308] = ccw(0x07, 0, 0, 1)
    _, c = run_io(m, DEV, ccw(0x07, 0, CC, 1), ccw(0x08, 0x300, 0, 0))
    assert c == (0, 0x308, CE_DE, 0, 0)
    m.storage.mem[0x300:0x308] = ccw(0x08, 0x400, 0, 0)
    _, c = run_io(m, DEV, ccw(0x07, 0, CC, 1), ccw(0x08, 0x300, 0, 0))
    assert c[1:4] == (0x308, CE_DE, CH_PROGRAM_CHECK)


def test_status_modifier_skips_one_ccw():
    dev = Scripted(DEV, {0x31: Result(CE_DE | STATUS_MODIFIER), 0x07: Result(CE_DE),
                         0x01: Result(CE_DE)})
    m = machine(dev)
    _, c = run_io(m, DEV, ccw(0x31, 0x600, CC, 1), ccw(0x07, 0x600, CC, 1),
                  ccw(0x01, 0x600, 0, 1))
    assert [x[0] for x in dev.calls] == [0x31, 0x01]
    assert c[1] == PROGRAM + 24


def test_pci_not_taken_by_a_disabled_cpu_joins_the_final_csw():
    """GA22-7000 "Program-Controlled Interruption": a PCI still pending when the
    program ends is reported with its final status. The CPU is disabled: after
    SIO the program waits for the PCI to be taken; TIO finds it working (CC 2)
    and it goes on, ending with channel status PCI in the final CSW."""
    m = machine(echo_device())
    put(m, ccw(0x07, 0, PCI, 1))
    assert sio(m, DEV) == 0
    assert tio(m, DEV) == 2
    assert tio(m, DEV) == 1
    assert csw(m) == (0, PROGRAM + 8, CE_DE, CH_PCI, 0)   # the control took its byte


def test_invalid_caw_and_first_ccw_give_cc1_with_csw():
    m = machine(echo_device())
    m.storage.mem[0x48:0x4C] = bytes.fromhex("01000100")        # CAW bits 4-7 not zero
    assert sio(m, DEV) == 1 and csw(m)[3] == CH_PROGRAM_CHECK
    put(m, ccw(0x07, 0, 0, 0))                                   # count zero
    assert sio(m, DEV) == 1 and csw(m)[1:4] == (PROGRAM + 8, 0, CH_PROGRAM_CHECK)
    put(m, ccw(0x00, 0, 0, 1))                                   # invalid command
    assert sio(m, DEV) == 1 and csw(m)[3] == CH_PROGRAM_CHECK
    put(m, ccw(0x07, 0, 0x01, 1))                                # flag bits 38-39
    assert sio(m, DEV) == 1 and csw(m)[3] == CH_PROGRAM_CHECK
    m.storage.mem[0x48:0x4C] = (0x200000).to_bytes(4, "big")    # CCW outside storage
    assert sio(m, DEV) == 1 and csw(m)[3] == CH_PROGRAM_CHECK


def test_siof_reports_initiation_errors_as_interruption():
    m = machine(echo_device())
    put(m, ccw(0x07, 0, 0, 0))
    assert sio(m, DEV, "9C01") == 0
    assert tio(m, DEV) == 1 and csw(m)[3] == CH_PROGRAM_CHECK


def test_error_in_chained_ccw_is_reported_with_device_status():
    dev = echo_device()
    m = machine(dev)
    cc, c = run_io(m, DEV, ccw(0x07, 0, CC, 1), ccw(0x07, 0, 0, 0))
    assert cc == 0 and c == (0, PROGRAM + 16, CE_DE, CH_PROGRAM_CHECK, 0)


def test_data_outside_storage_is_program_check_never_an_exception():
    dev = echo_device()
    m = machine(dev, size=64 * 1024)
    _, c = run_io(m, DEV, ccw(0x02, 0xFFF0, 0, 0x20))
    assert c[3] == CH_PROGRAM_CHECK
    assert m.storage.read(0xFFF0, 16) == bytes(range(16))        # stored up to the end
    _, c = run_io(m, DEV, ccw(0x01, 0x20000, 0, 4))
    assert c[3] == CH_PROGRAM_CHECK


def test_protection_check_under_caw_key():
    dev = echo_device()
    m = machine(dev)
    m.storage.keys[0x800 >> 11] = 0x30                             # block at X'800': key 3
    _, c = run_io(m, DEV, ccw(0x02, 0x800, 0, 4), key=2)
    assert c[3] == CH_PROTECTION_CHECK and m.storage.read(0x800, 4) == bytes(4)
    _, c = run_io(m, DEV, ccw(0x02, 0x800, 0, 4), key=3)
    assert c[3] == 0 and m.storage.read(0x800, 4) == bytes(range(4))
    _, c = run_io(m, DEV, ccw(0x02, 0x800, 0, 4), key=0)           # key 0 matches all
    assert c[3] == 0
    _, c = run_io(m, DEV, ccw(0x01, 0x800, 0, 4), key=2)           # not fetch protected
    assert c[3] == 0
    m.storage.keys[0x800 >> 11] = 0x38
    _, c = run_io(m, DEV, ccw(0x01, 0x800, 0, 4), key=2)
    assert c[3] == CH_PROTECTION_CHECK


def test_ccw_fetch_is_fetch_protected():
    m = machine(echo_device())
    m.storage.keys[0] = 0x38
    put(m, ccw(0x07, 0, 0, 1), key=2)
    assert sio(m, DEV) == 1 and csw(m)[3] == CH_PROTECTION_CHECK


def test_idaws_scatter_a_read_across_2k_blocks():
    dev = echo_device()
    m = machine(dev)
    m.storage.mem[0x300:0x308] = bytes.fromhex("00001FFC" "00003000")
    _, c = run_io(m, DEV, ccw(0x02, 0x300, IDA, 8))
    assert m.storage.read(0x1FFC, 4) == bytes((0, 1, 2, 3))
    assert m.storage.read(0x3000, 4) == bytes((4, 5, 6, 7))
    assert c[3] == 0
    m.storage.mem[0x304:0x308] = bytes.fromhex("00003004")       # not on a 2K boundary
    _, c = run_io(m, DEV, ccw(0x02, 0x300, IDA, 8))
    assert c[3] == CH_PROGRAM_CHECK


def test_read_backward_stores_downwards():
    dev = Scripted(DEV, {0x0C: Result(CE_DE, b"ABCD")})
    m = machine(dev)
    _, c = run_io(m, DEV, ccw(0x0C, 0x603, 0, 4))
    assert m.storage.read(0x600, 4) == b"ABCD"
    _, c = run_io(m, DEV, ccw(0x0C, 0x703, SLI, 2))
    assert m.storage.read(0x700, 4) == b"\x00\x00CD"
    assert c[3] == 0


def test_sio_to_device_with_status_pending_stores_it_with_busy():
    m = machine(echo_device())
    put(m, ccw(0x07, 0, 0, 1))
    assert sio(m, DEV) == 0
    assert sio(m, DEV) == 1
    assert csw(m)[2] == CE_DE | BUSY
    assert tio(m, DEV) == 0                                      # status was cleared


def test_tch_reports_pending_interruption_on_channel():
    m = machine(echo_device())
    assert execute(m, "9F000100") == 0
    put(m, ccw(0x07, 0, 0, 1))
    sio(m, DEV)
    assert execute(m, "9F000100") == 1


def console_machine():
    log = ConsoleLog()
    con = Console(0x009, log=log)
    return machine(con), con


def test_read_waiting_keeps_device_busy_until_a_line_is_typed():
    m, con = console_machine()
    put(m, ccw(0x0A, 0x600, SLI, 20))
    assert sio(m, 0x009) == 0
    assert sio(m, 0x009) == 2                                    # working
    assert tio(m, 0x009) == 2
    con.type_line("hi")
    m.channel.poll(m.cpu)
    assert tio(m, 0x009) == 1 and csw(m)[2:] == (CE_DE, 0, 18)
    assert m.storage.read(0x600, 2) == bytes.fromhex("8889")


def test_hio_ends_a_waiting_read_and_device_end_follows():
    m, con = console_machine()
    put(m, ccw(0x0A, 0x600, SLI, 20))
    sio(m, 0x009)
    assert execute(m, "9E000009") == 1
    assert csw(m) == (0, PROGRAM + 8, 0, 0, 20)
    assert tio(m, 0x009) == 1 and csw(m)[2] == CE_DE
    assert not con.reading


def test_clrio_ends_a_waiting_read_or_clears_pending_status():
    m, con = console_machine()
    put(m, ccw(0x0A, 0x600, SLI, 20))
    sio(m, 0x009)
    assert execute(m, "9D010009") == 1
    assert tio(m, 0x009) == 0
    put(m, ccw(0x03, 0, 0, 1))
    sio(m, 0x009)
    assert execute(m, "9D010009") == 1 and csw(m)[2] == CE_DE
    assert execute(m, "9D010009") == 0


# --- I/O interruptions and their masks -----------------------------------------

def wait_psw(sysmask: int, ec: bool = False) -> int:
    """An enabled wait PSW with the given system mask."""
    return (sysmask << 56) | ((0x000A if ec else 0x0002) << 48) | 0x2000


def start_then_wait(m, dev, psw):
    put(m, ccw(0x07, 0, 0, 1))
    assert sio(m, dev) == 0
    m.storage.mem[0x400:0x408] = psw.to_bytes(8, "big")
    m.storage.mem[0x1000:0x1004] = bytes.fromhex("82000400")     # LPSW X'400'
    m.cpu.load_psw(0x1000)
    m.run(100)


def test_bc_mode_channel_masks_govern_interruptions():
    for dev, bit in ((0x181, 0x40), (0x00E, 0x80), (0x681, 0x02), (0x981, 0x02)):
        m = machine(echo_device(dev))
        start_then_wait(m, dev, wait_psw(0xFE & ~bit))
        assert m.cpu.wait and m.cpu.ia == 0x2000                 # masked: still waiting
        assert m.channel.pending
        m = machine(echo_device(dev))
        start_then_wait(m, dev, wait_psw(bit))
        assert m.cpu.ia == IO_NEW_IA                               # taken
        old = int.from_bytes(m.storage.read(0x38, 8), "big")
        assert (old >> 32) & 0xFFFF == dev and old & 0xFFFFFF == 0x2000
        assert csw(m)[2] == CE_DE


def test_ec_mode_psw_bit6_and_cr2_govern_interruptions():
    m = machine(echo_device(0x181))
    m.cpu.cr[2] = 0x80000000                                      # only channel 0
    start_then_wait(m, 0x181, wait_psw(0x02, ec=True))
    assert m.cpu.wait and m.cpu.ia == 0x2000
    m = machine(echo_device(0x181))
    m.cpu.cr[2] = 0x40000000                                      # channel 1
    start_then_wait(m, 0x181, wait_psw(0x00, ec=True))            # PSW bit 6 off
    assert m.cpu.wait and m.cpu.ia == 0x2000
    m = machine(echo_device(0x181))
    m.cpu.cr[2] = 0x40000000
    start_then_wait(m, 0x181, wait_psw(0x02, ec=True))
    assert m.cpu.ia == IO_NEW_IA
    assert m.storage.read(0xBA, 2) == b"\x01\x81"


def test_interruption_comes_right_after_sio_when_enabled():
    m = machine(echo_device())
    put(m, ccw(0x07, 0, 0, 1))
    m.storage.mem[0x1000:0x1008] = bytes.fromhex("9C000181" "0000")
    m.cpu.load_psw(0xFF00000000001000)
    m.run(2)                # the SIO, then the interruption before the next one
    assert m.cpu.ia == IO_NEW_IA
    assert int.from_bytes(m.storage.read(0x38, 8), "big") & 0xFFFFFF == 0x1004


def test_console_attention_is_presented_when_enabled():
    m, con = console_machine()
    con.type_line("")
    m.storage.mem[0x400:0x408] = wait_psw(0x80).to_bytes(8, "big")
    m.storage.mem[0x1000:0x1004] = bytes.fromhex("82000400")
    m.cpu.load_psw(0x1000)
    m.run(100)
    assert m.cpu.ia == IO_NEW_IA
    assert csw(m) == (0, 0, ATTENTION, 0, 0)
    assert not con.lines


@given(st.binary(min_size=8, max_size=48), st.integers(0, 15),
       st.sampled_from([0x100, 0x7F8, 0xFFF8, 0x10000]))
def test_any_channel_program_ends_with_a_csw_and_stays_in_storage(prog, key, at):
    """Property: whatever the CCWs say, the channel ends them with status (no
    Python exception) and never writes outside the 64K machine."""
    dev = echo_device()
    m = machine(dev, size=64 * 1024)
    if at + len(prog) <= m.storage.size:
        m.storage.mem[at:at + len(prog)] = prog
    m.storage.mem[0x48:0x4C] = ((key << 28) | at).to_bytes(4, "big")
    cc = sio(m, DEV)
    assert cc in (0, 1)
    if cc == 0:
        if tio(m, DEV) == 2:         # suspended at a PCI: the TIO lets it go on
            assert tio(m, DEV) == 1
    k, addr, unit, chan, residual = csw(m)
    assert k == key and 0 <= residual <= 0xFFFF
    assert chan & ~(CH_PCI | CH_INCORRECT_LENGTH | CH_PROGRAM_CHECK | CH_PROTECTION_CHECK
                    | CH_CHAINING_CHECK) == 0
