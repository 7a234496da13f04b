"""DIAGNOSE X'58' (VM/370 R6 System Programmer's Guide, "DIAGNOSE Code X'58'";
full-screen codes X'29'/X'2A' as VM/SP's guide gives them): the backend's CCW
handling against a recording display, and a full-screen guest driven from s3270."""
from pathlib import Path

import pytest

from cp import System
from cp.defaults import reader_cards
from s370.ebcdic import to_ascii, to_ebcdic

from .tn3270_support import CP, S3270, needs_s3270
from .vmguest import ccw, logon, run_code

FSCREEN = Path(__file__).resolve().parents[2] / "guests" / "s370" / "fscreen.asm"


class Display:
    """What DIAGNOSE X'58' hands a 3270 terminal, recorded."""

    def __init__(self, accept: bool = True, reply: bytes = b"\x7d\x5b\x61\x11\x5b\x61\xc1"):
        self.calls = []
        self.accept = accept
        self.reply = reply
        self.on_key = None

    def display(self, line, data, erase):
        self.calls.append(("display", line, data, erase))

    def clear_output(self):
        self.calls.append(("clear",))

    def restore(self):
        self.calls.append(("restore",))

    def write(self, erase, data, on_key):
        self.calls.append(("write", erase, data))
        self.on_key = on_key
        return self.accept

    def read(self, modified):
        self.calls.append(("read", modified))
        return self.reply


def dccw(cmd: int, addr: int, flags: int, ctl: int, count: int) -> bytes:
    """A DIAGNOSE X'58' CCW: byte 5 is the control byte."""
    c = bytearray(ccw(cmd, addr, flags, count))
    c[5] = ctl
    return bytes(c)


def diag58(display, ccws, data=None):
    vm = logon(System())
    vm.display = (lambda: display) if display is not None else None
    d = {0x800: b"".join(ccws)}
    d.update(data or {})
    run_code(vm, "8324 0058 05A0", regs={2: 0x800, 4: 0x009}, data=d)
    return vm, (vm.gpr(10) >> 28) & 3


def test_x19_display_at_line_with_erase_and_the_two_special_controls():
    d = Display()
    vm, cc = diag58(d, [dccw(0x19, 0x1000, 0x60, 0x85, 5), dccw(0x19, 0x1000, 0x60, 0xFF, 1),
                        dccw(0x19, 0x1000, 0x20, 0xFE, 1)], {0x1000: to_ebcdic("HELLO")})
    assert cc == 0
    assert d.calls == [("display", 5, to_ebcdic("HELLO"), True), ("clear",), ("restore",)]


def test_x29_erase_write_then_x2a_read_modified_stores_the_reply_and_csw():
    d = Display()
    screen = bytes.fromhex("C3114040") + to_ebcdic("HI")
    vm, cc = diag58(d, [dccw(0x29, 0x1000, 0x60, 0x80, len(screen)),
                        dccw(0x2A, 0x1100, 0x20, 0x80, 80)], {0x1000: screen})
    assert cc == 0
    assert d.calls == [("write", True, screen), ("read", True)]
    assert vm.read_storage(0x1100, 7) == d.reply
    assert vm.read_storage(0x40, 8) == bytes.fromhex("000000000C000049")     # CE+DE, 73 left
    console = vm.channel.device(0x009)
    d.on_key()                                   # the user pressed ENTER: attention
    assert console.attention


def test_x29_plain_write_and_read_buffer():
    d = Display()
    vm, cc = diag58(d, [dccw(0x29, 0x1000, 0x60, 0x00, 2), dccw(0x2A, 0x1100, 0x20, 0x00, 4)],
                    {0x1000: bytes.fromhex("C2C1")})
    assert cc == 0 and d.calls == [("write", False, bytes.fromhex("C2C1")), ("read", False)]


def test_a_rejected_write_and_full_screen_on_a_line_terminal_are_cc1():
    assert diag58(Display(accept=False), [dccw(0x29, 0x1000, 0x20, 0x80, 1)])[1] == 1
    vm, cc = diag58(None, [dccw(0x29, 0x1000, 0x20, 0x80, 1)])
    assert cc == 1
    vm, cc = diag58(None, [dccw(0x19, 0x1000, 0x20, 0x00, 5)], {0x1000: to_ebcdic("LINES")})
    assert cc == 0 and vm.console_log[-1] == "LINES"       # line mode: typed as a line


def test_bad_ccw_address_is_a_specification_exception():
    vm = logon(System())
    run_code(vm, "8324 0058", regs={2: 0x804, 4: 0x009})
    assert int.from_bytes(vm.read_storage(0x2A, 2), "big") == 6


@needs_s3270
def test_full_screen_guest_from_s3270_and_cp_screen_restored(tmp_path):
    cp = CP(str(tmp_path))
    t = S3270()
    try:
        t.connect(cp.port)
        t.enter("LOGON GUEST3")
        t.wait_text("ENTER PASSWORD:")
        t.enter("GUEST")
        t.wait_text("LOGON AT")
        t.enter("PURGE RDR ALL")
        cards, name, type_ = reader_cards(FSCREEN)
        cp.host.spool.create("GUEST3", "RDR", "SYSTEM", "PUN", cards, name=name, type=type_)
        t.enter("IPL 00C")
        t.wait_text("S370VM FULL-SCREEN GUEST")
        assert t.status[8:10] == ["3", "1"]     # the guest's Insert Cursor (row, column from 0)
        t.enter("HELLO GUEST")
        t.wait_text("YOU TYPED: HELLO GUEST")
        t.do("PF(3)")
        rows = t.wait_status("CP READ")
        text = "\n".join(rows)
        assert "LOGON AT" in text and "FULL-SCREEN" not in text   # CP's own screen again
        t.enter("LOGOFF")
        t.wait_text("VM/370 ONLINE")
    finally:
        t.close()
        cp.close()
    assert cp.host.errors == []
