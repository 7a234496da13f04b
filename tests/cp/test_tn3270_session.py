"""One 3270 session's key handling (cp/tn3270/session.py) without a network:
inbound records straight into ``Session3270.handle``."""
import asyncio

from hypothesis import given
from hypothesis import strategies as st

from cp.tn3270 import datastream as ds
from cp.tn3270.session import Session3270
from s370.ebcdic import to_ascii, to_ebcdic
from s370vm.cmd_cp import build_host


class NoLink:
    """Sessions here never send: the records stay in the screen model."""
    writer = None


def session(tmp_path) -> Session3270:
    asyncio.set_event_loop(asyncio.new_event_loop())     # Session3270 makes an asyncio.Event
    return Session3270(build_host(data=str(tmp_path)), NoLink(), 24, 80, 60)


def enter(s: Session3270, text: str):
    start = s.screen.input_start
    return s.handle(bytes((ds.AID_ENTER,)) + ds.encode_address(start) + ds.sba(start) + to_ebcdic(text))


def shown(s: Session3270) -> str:
    return "\n".join(to_ascii(r) for r in s.screen.output + s.screen.waiting)


def test_password_is_not_echoed_and_the_input_area_goes_non_display(tmp_path):
    s = session(tmp_path)
    enter(s, "LOGON GUEST1")
    s._sync_state()
    assert s.screen.password and "ENTER PASSWORD:" in shown(s)
    enter(s, "GUEST")
    s._sync_state()
    assert not s.screen.password and "LOGON AT" in shown(s)
    assert "GUEST\n" not in shown(s).split("ENTER PASSWORD:")[1]


def test_a_line_for_a_guest_that_has_not_read_the_last_one_is_not_accepted(tmp_path):
    s = session(tmp_path)
    enter(s, "LOGON GUEST1 GUEST")
    cp = s.term.session
    cp.running = True                              # the machine runs and is not reading
    enter(s, "FIRST")
    assert list(cp.guest.vm.console_input) == ["FIRST"]
    enter(s, "SECOND")
    assert s.screen.status.startswith("NOT ACCEPTED")
    assert list(cp.guest.vm.console_input) == ["FIRST"] and "SECOND" not in shown(s)
    cp.guest.vm.console_input.clear()             # the guest took it
    enter(s, "SECOND")
    assert list(cp.guest.vm.console_input) == ["SECOND"]
    s._sync_state()
    assert s.screen.status.startswith("RUNNING")
    s.handle(bytes((ds.AID_PA1,)))                 # PA1: attention, CP READ
    s._sync_state()
    assert not cp.running and s.screen.status.startswith("CP READ")


def test_clear_answers_with_a_whole_screen_and_pa2_moves_more_on(tmp_path):
    s = session(tmp_path)
    for n in range(30):
        s.line(f"LINE {n}")
    assert s.screen.status.startswith("MORE...")
    s.handle(bytes((ds.AID_PA2,)))
    assert s.screen.status.startswith("CP READ") and to_ascii(s.screen.output[-1]) == "LINE 29"
    rec = s.handle(bytes((ds.AID_CLEAR,)))
    assert rec[0] == ds.EWA and not s.screen.output


_SHARED: list = []


def shared() -> Session3270:
    """One session for every generated record (records arrive one after another on a session)."""
    if not _SHARED:
        import tempfile
        _SHARED.append(session(tempfile.mkdtemp()))
    return _SHARED[0]


@given(st.binary(max_size=80))
def test_any_inbound_record_is_handled_without_an_error(data):
    s = shared()
    s.handle(data)
    s._sync_state()
    s.screen.update()
    assert s.host.errors == []


def test_full_screen_erase_write_is_the_default_screen_and_cp_takes_it_back(tmp_path):
    """DIAGNOSE X'58' X'29' with X'80' is an Erase/Write (24 x 80 on every model,
    GA23-0059 3.5.2); a console line ends full-screen mode and CP redraws its
    own screen with Erase/Write Alternate (27 x 132 on a model 5)."""
    asyncio.set_event_loop(asyncio.new_event_loop())
    s = Session3270(build_host(data=str(tmp_path)), NoLink(), 27, 132, 60)
    keys = []
    assert s.full.write(True, bytes.fromhex("C3114040") + to_ebcdic("HI"), lambda: keys.append(1))
    assert s.outbox[-1][0] == ds.EW and (s.full.model.rows, s.full.model.cols) == (24, 80)
    assert not s.full.write(False, bytes.fromhex("C311"), None)      # cut short: refused, not sent
    assert len(s.outbox) == 1
    s.handle(bytes((ds.AID_ENTER,)) + ds.encode_address(2) + ds.sba(2) + to_ebcdic("X"))
    assert keys == [1] and s.full.read(True)[:1] == bytes((ds.AID_ENTER,))
    s.line("A CP MESSAGE")
    assert not s.full.active and s._redraw and s.screen.full()[0] == ds.EWA
