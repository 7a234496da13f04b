"""The local 3270 display (s370/devices/d3270.py) through the channel: local
command codes (GA23-0059 3.1.1), status and sense (3274 Description)."""
from s370.devices.base import ATTENTION, CE_DE, UNIT_CHECK
from s370.devices.d3270 import Display3270

from .io_support import ccw, channel_start, channel_with


class Station:
    """A display at the end of the cable, recorded."""

    def __init__(self, reply=b"\x7d\x40\x40", accept=True):
        self.writes, self.reads, self.reply, self.accept = [], [], reply, accept
        self.dropped = False

    def write(self, command, data):
        self.writes.append((command, data))
        return self.accept

    def read(self, command):
        self.reads.append(command)
        return self.reply

    def drop(self):
        self.dropped = True


def test_3_1_1_local_write_commands_reach_the_station_as_remote_ones():
    dev = Display3270(0x0C0)
    dev.station = st = Station()
    ch, mem = channel_with(dev)
    mem[0x1000:0x1004] = bytes.fromhex("C3C8C9C9")
    for local, remote in ((0x01, 0xF1), (0x05, 0xF5), (0x0D, 0x7E)):
        cc, csw = channel_start(ch, mem, 0x0C0, ccw(local, 0x1000, 0x00, 4))
        assert cc == 0 and csw[4] == CE_DE and csw[6:8] == b"\x00\x00"
        assert st.writes[-1] == (remote, bytes.fromhex("C3C8C9C9"))


def test_3_1_1_read_modified_read_buffer_and_read_modified_all():
    dev = Display3270(0x0C0)
    dev.station = st = Station(reply=bytes.fromhex("7D5B611140C1"))
    ch, mem = channel_with(dev)
    for local, remote in ((0x06, 0xF6), (0x02, 0xF2), (0x0E, 0x6E)):
        cc, csw = channel_start(ch, mem, 0x0C0, ccw(local, 0x2000, 0x20, 80))
        assert csw[4] == CE_DE and int.from_bytes(csw[6:8], "big") == 80 - 6
        assert st.reads[-1] == remote
    assert bytes(mem[0x2000:0x2006]) == bytes.fromhex("7D5B611140C1")


def test_no_station_is_intervention_required_and_bad_stream_an_operation_check():
    dev = Display3270(0x0C0)
    ch, mem = channel_with(dev)
    cc, csw = channel_start(ch, mem, 0x0C0, ccw(0x01, 0x1000, 0x00, 1))
    assert csw[4] == CE_DE | UNIT_CHECK
    channel_start(ch, mem, 0x0C0, ccw(0x04, 0x1100, 0x00, 1))
    assert mem[0x1100] == 0x40                                 # sense: intervention required
    dev.station = Station(accept=False)
    channel_start(ch, mem, 0x0C0, ccw(0x05, 0x1000, 0x00, 1))
    channel_start(ch, mem, 0x0C0, ccw(0x04, 0x1100, 0x00, 1))
    assert mem[0x1100] == 0x01                                 # operation check


def test_select_nop_sense_id_and_command_reject():
    dev = Display3270(0x0C0)
    ch, mem = channel_with(dev)
    for cmd in (0x0B, 0x03):
        assert channel_start(ch, mem, 0x0C0, ccw(cmd, 0x1000, 0x20, 1))[1][4] == CE_DE
    channel_start(ch, mem, 0x0C0, ccw(0xE4, 0x1000, 0x20, 7))
    assert bytes(mem[0x1000:0x1007]) == bytes.fromhex("FF32741D327802")
    assert channel_start(ch, mem, 0x0C0, ccw(0x07, 0x1000, 0x20, 1))[1][4] == CE_DE | UNIT_CHECK
    channel_start(ch, mem, 0x0C0, ccw(0x04, 0x1100, 0x00, 1))
    assert mem[0x1100] == 0x80                                 # command reject


def test_an_aid_key_is_unsolicited_attention_and_closing_drops_the_station():
    dev = Display3270(0x0C0)
    dev.station = st = Station()
    ch, mem = channel_with(dev)
    dev.attention = True                                       # the user pressed ENTER
    assert ch.poll(None)
    assert ch.test_io(None, 0x0C0) == 1 and mem[0x44] == ATTENTION
    ch.detach(0x0C0)
    assert st.dropped and dev.station is None
