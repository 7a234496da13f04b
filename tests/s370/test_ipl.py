"""IPL (GA22-7000 "Initial Program Loading"), a guest printing through the 3215 and
the 1403, operator scripts, and the ``s370vm ipl`` / ``run --config`` commands."""
import json

import pytest

from s370 import config
from s370.devices.console import ConsoleLog
from s370.ebcdic import to_ebcdic
from s370.errors import MachineError
from s370.machine import Machine
from s370.operator import ScriptOperator, StdinOperator, parse_script
from s370vm.main import main


def card(data: bytes) -> bytes:
    return data.ljust(80, b"\x00")


def deck(ipl_psw: str = "0000000000000400", program: bytes = b"") -> bytes:
    """A self-loading deck: the IPL record (PSW, CCW reading card 2 over the
    CAW and new PSWs at X'40', CCW reading card 3 at X'400'), then those cards."""
    ipl = bytes.fromhex(ipl_psw + "0200004060000050" "0200040020000050")
    low = bytes(8) + bytes.fromhex("00000430") + bytes(12)        # CSW, CAW at X'48'
    low += bytes.fromhex("000200000000EE00" "000200000000EE10" "00020000" "00DEAD00"
                         "000200000000EE30" "000200000000F000")     # new PSWs X'58'-X'7F'
    return card(ipl) + card(low) + card(program)


def core(parts: dict[int, bytes | str], base: int = 0x400, size: int = 80) -> bytes:
    """Bytes from ``base`` with each part (hex text or bytes) at its address."""
    out = bytearray(size)
    for addr, data in parts.items():
        data = bytes.fromhex(data) if isinstance(data, str) else data
        out[addr - base:addr - base + len(data)] = data
    return bytes(out)


#: At X'400': SIO 009, TIO loop, CAW -> X'438', SIO 00E, TIO loop, LPSW wait AAAA.
#: CCWs at X'430' (write HELLO to the console) and X'438' (print WORLD).
PROGRAM = core({
    0x400: "9C000009" "9D000009" "47200404" "9238004B"
           "9C00000E" "9D00000E" "47200414" "82000428",
    0x428: "000200000000AAAA",
    0x430: "0900044020000005" "0900044520000005",
    0x440: to_ebcdic("HELLOWORLD")})


def machine_with(tmp_path, text: str, log=None) -> Machine:
    return Machine.from_config(config.parse(text, tmp_path, "t.cnf"), log or ConsoleLog())


CONFIG = "009 3215-C\n00C 3505 deck.ebc ebcdic eof\n00E 1403 print.txt\n"


def test_ipl_from_reader_runs_a_guest_printing_on_3215_and_1403(tmp_path):
    (tmp_path / "deck.ebc").write_bytes(deck(program=PROGRAM))
    log = ConsoleLog()
    m = machine_with(tmp_path, CONFIG, log)
    m.ipl(0x00C)
    assert m.storage.read(0, 8) == bytes.fromhex("0000000C00000400")   # BC: device at 2-3
    r = m.run(1000)
    assert r.stop == "wait" and m.cpu.psw == 0x000200000000AAAA
    assert log.text == "HELLO\n"
    assert (tmp_path / "print.txt").read_text() == "WORLD\n"


def test_ec_mode_ipl_stores_device_address_at_b8(tmp_path):
    (tmp_path / "deck.ebc").write_bytes(deck("0008000000000400", PROGRAM))
    m = machine_with(tmp_path, CONFIG)
    m.ipl(0x00C)
    assert m.storage.read(0, 4) == bytes.fromhex("00080000")
    assert m.storage.read(0xB8, 4) == bytes.fromhex("0000000C")
    assert m.cpu.ec and m.cpu.ia == 0x400


def test_ipl_failures_are_machine_errors(tmp_path):
    m = machine_with(tmp_path, CONFIG)
    with pytest.raises(MachineError, match="IPL from 00C failed: CSW status 0E00 sense 40"):
        m.ipl(0x00C)                                              # no deck file
    with pytest.raises(MachineError, match="not in the configuration"):
        m.ipl(0x123)


def test_second_ipl_keeps_device_positions(tmp_path):
    (tmp_path / "deck.ebc").write_bytes(deck(program=PROGRAM) * 2)
    m = machine_with(tmp_path, CONFIG)
    m.ipl(0x00C)
    m.run(1000)
    m.ipl(0x00C)                                                  # reads the second copy
    assert m.device(0x00C).position == 6
    with pytest.raises(MachineError):
        m.ipl(0x00C)                                              # deck used up: eof


# --- operator scripts --------------------------------------------------------

#: Echo guest: read a line from 009 (TIO loop while the read waits), write it back
#: with "ECHO " in front, forever. Read CCW at X'428' into X'43D'; write CCW at
#: X'430' from X'438' ("ECHO " + the line).
ECHO = core({
    0x400: "9228004B"                      # MVI X'4B',X'28'   CAW -> read CCW
           "9C000009"                      # SIO 009
           "9D000009" "47200408"           # TIO 009; BC 2,*-4 (busy while reading)
           "9230004B"                      # MVI X'4B',X'30'   CAW -> write CCW
           "9C000009" "9D000009" "47200418"  # SIO; TIO; BC 2,*-4
           "47F00400",                     # B X'400'
    0x428: "0A00043D20000012" "0900043820000017",
    0x438: to_ebcdic("ECHO ")}, size=80)


def echo_machine(tmp_path, log=None):
    (tmp_path / "deck.ebc").write_bytes(deck(program=ECHO))
    m = machine_with(tmp_path, CONFIG, log)
    m.ipl(0x00C)
    return m


def test_script_send_and_wait_drive_the_console(tmp_path):
    log = ConsoleLog()
    m = echo_machine(tmp_path, log)
    ops = ScriptOperator(parse_script("send hello\nwait ECHO hello 10\nsend  two  blanks\n"
                                      "wait 'ECHO  two  blanks'\nquit\n"))
    r = m.run(2_000_000, ops)
    assert r.stop == "quit"
    assert "hello\nECHO hello" in log.text and "ECHO  two  blanks" in log.text


def test_script_wait_on_a_dead_machine_fails_at_once(tmp_path):
    (tmp_path / "deck.ebc").write_bytes(deck(program=PROGRAM))
    log = ConsoleLog()
    m = machine_with(tmp_path, CONFIG, log)
    m.ipl(0x00C)
    r = m.run(10_000, ScriptOperator(parse_script("wait NEVER\n")))
    assert r.stop == "failed"
    assert "wait for 'NEVER' failed: the machine is in a wait state that nothing can end" in r.message
    assert "HELLO" in r.message                                   # the console's last lines


def test_script_wait_times_out_in_real_time(tmp_path):
    m = echo_machine(tmp_path)
    clock = iter(range(0, 1000, 50)).__next__
    ops = ScriptOperator(parse_script("send x\nwait NEVER 120\n"), clock=clock)
    r = m.run(100_000_000, ops)
    assert r.stop == "failed" and "timed out after 120 s" in r.message


def test_script_ends_when_done_and_machine_waits(tmp_path):
    (tmp_path / "deck.ebc").write_bytes(deck(program=PROGRAM))
    m = machine_with(tmp_path, CONFIG)
    m.ipl(0x00C)
    r = m.run(None, ScriptOperator(parse_script("wait HELLO\n")))
    assert r.stop == "wait" and m.cpu.psw == 0x000200000000AAAA


def test_script_restart_key_and_stop(tmp_path):
    (tmp_path / "deck.ebc").write_bytes(deck(program=PROGRAM))
    m = machine_with(tmp_path, CONFIG)
    m.ipl(0x00C)
    m.storage.mem[0:8] = bytes.fromhex("000200000000BB00")          # restart new PSW
    r = m.run(None, ScriptOperator(parse_script("wait HELLO\nrestart\n")))
    assert r.stop == "wait" and m.cpu.psw == 0x000200000000BB00
    assert m.storage.read(8, 8) == bytes.fromhex("000200000000AAAA")  # restart old PSW
    r = m.run(None, ScriptOperator(parse_script("stop\n")))
    assert r.stop == "stopped"


def test_script_devinit_and_second_ipl(tmp_path):
    log = ConsoleLog()
    m = echo_machine(tmp_path, log)
    (tmp_path / "other.ebc").write_bytes(deck(program=PROGRAM))
    ops = ScriptOperator(parse_script(
        "send a\nwait ECHO a\ndevinit 00C other.ebc ebcdic\nipl 00C\nwait HELLO\n"),
        base_dir=tmp_path)
    r = m.run(2_000_000, ops)
    assert r.stop == "wait" and m.cpu.psw == 0x000200000000AAAA


def test_script_syntax_errors_name_the_line():
    with pytest.raises(MachineError, match="line 2: unknown command 'jump'"):
        parse_script("send x\njump 100\n", "ops")
    with pytest.raises(MachineError, match="line 1: ipl takes one device address"):
        parse_script("ipl\n", "ops")
    with pytest.raises(MachineError, match="line 1: wait needs a text"):
        parse_script("wait\n", "ops")
    cmds = parse_script("# comment\n\nwait  END OF JOB.  \nwait \"A 5\" 7\nsend\n")
    assert [(c.verb, c.text, c.timeout) for c in cmds] == [
        ("wait", "END OF JOB.", 120.0), ("wait", "A 5", 7.0), ("send", "", 120.0)]


def test_stdin_is_the_console_until_end_of_file(tmp_path):
    import io
    log = ConsoleLog()
    m = echo_machine(tmp_path, log)
    r = m.run(300_000, StdinOperator(io.StringIO("one\ntwo\n")))
    assert r.stop == "limit"              # the guest spins on TIO, its read never ends
    assert "ECHO one" in log.text and "ECHO two" in log.text


# --- the command line -----------------------------------------------------------

def test_cli_ipl_with_script_and_json(tmp_path, capsys):
    (tmp_path / "deck.ebc").write_bytes(deck(program=ECHO))
    (tmp_path / "m.cnf").write_text(CONFIG)
    (tmp_path / "ops").write_text("send hi\nwait ECHO hi\nquit\n")
    rc = main(["ipl", "00C", "--config", str(tmp_path / "m.cnf"), "--script",
               str(tmp_path / "ops"), "--json", "--max-instructions", "1000000"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out["stop"] == "quit" and "ECHO hi" in out["console"]


def test_cli_failed_wait_exits_1_and_names_it(tmp_path, capsys):
    (tmp_path / "deck.ebc").write_bytes(deck(program=PROGRAM))
    (tmp_path / "m.cnf").write_text(CONFIG)
    (tmp_path / "ops").write_text("wait GOODBYE\n")
    rc = main(["ipl", "00C", "--config", str(tmp_path / "m.cnf"), "--script", str(tmp_path / "ops")])
    cap = capsys.readouterr()
    assert rc == 1
    assert "HELLO" in cap.out and "wait for 'GOODBYE' failed" in cap.err


def test_cli_bad_config_is_exit_2(tmp_path, capsys):
    (tmp_path / "m.cnf").write_text("BOGUS\n")
    assert main(["ipl", "00C", "--config", str(tmp_path / "m.cnf")]) == 2
    assert "line 1: unknown statement 'BOGUS'" in capsys.readouterr().err


def test_cli_run_with_config_loads_core_image(tmp_path, capsys):
    image = bytearray(0x450)
    image[0:8] = bytes.fromhex("0000000000000400")
    image[0x48:0x4C] = bytes.fromhex("00000430")
    image[0x400:0x400 + len(PROGRAM)] = PROGRAM
    (tmp_path / "core.bin").write_bytes(bytes(image))
    (tmp_path / "m.cnf").write_text(CONFIG)
    rc = main(["run", str(tmp_path / "core.bin"), "--config", str(tmp_path / "m.cnf"), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out["psw"] == "000200000000AAAA" and out["console"] == "HELLO\n"


def test_ipl_from_dasd_reads_ipl1_of_a_dasdinit_volume(tmp_path):
    """Read IPL on a CKD disk: the IPL1 record that dasdinit writes (a PSW for a
    disabled wait at X'F', then a NOP CCW) becomes the PSW."""
    from s370.devices import ckd
    ckd.create_image(tmp_path / "v.3330", ckd.geometry("3330"), "IPLVOL", cylinders=2)
    m = machine_with(tmp_path, "009 3215-C\n150 3330 v.3330\n")
    m.ipl(0x150)
    assert m.storage.read(0, 8) == bytes.fromhex("000601500000000F")
    r = m.run(100)
    assert r.stop == "wait" and m.cpu.psw == 0x000600000000000F
