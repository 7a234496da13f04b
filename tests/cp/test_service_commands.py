"""Command checking a new user tripped on (issue 16): every wrong operand gets
its VM/370 R6 DMK message (reference: vm370-cp-commands.md sections 4 and 5)."""
from tests.cp.cpscript import LOGON, lines


def q(*cmds):
    return lines("\n".join([LOGON, *cmds]))[2:]


def test_define_temporary_disk_limits_and_blame():
    assert q("DEFINE T3330 200 999999", "DEFINE T3330 200 405", "DEFINE T3330 200 404",
             "DEFINE T9999 202 5", "DEFINE T3350 203 CYL 555 X", "Q 200") == [
        "DMKDEF024E CYLINDERS MISSING OR INVALID",      # more than a 3330-1 has
        "DMKDEF024E CYLINDERS MISSING OR INVALID",
        "DASD 200 DEFINED",
        "DMKDEF002E INVALID OPERAND - T9999",          # the type is wrong, not the address
        "DMKDEF002E INVALID OPERAND - X",
        "DASD 200 3330 (TEMP) R/W    404 CYL"]


def test_extra_operands_are_errors():
    assert q("Q TIME X", "Q USERS GUEST1 X", "Q 009 X", "Q SET ALL", "TRACE END END", "TRACE END SVC",
             "LINK MAINT 190 290 ZZ", "LINK MAINT 190 290 RR PASS= ALL X") == [
        "DMKCFC002E INVALID OPERAND - X", "DMKCFC002E INVALID OPERAND - X",
        "DMKCFC002E INVALID OPERAND - X", "DMKCFC002E INVALID OPERAND - ALL",
        "DMKTRA002E INVALID OPERAND - END", "DMKTRA002E INVALID OPERAND - SVC",
        "DMKLNK002E INVALID OPERAND - ZZ", "DMKLNK002E INVALID OPERAND - X"]


def test_msg_needs_text_and_a_logged_on_user():
    assert q("MSG GUEST1", "MSG * ", "MSG NOBODY hi", "MSG GUEST2 hi", "MSG ABCDEFGHIJ hi") == [
        "DMKMSG026E OPERAND MISSING OR INVALID", "DMKMSG026E OPERAND MISSING OR INVALID",
        "DMKMSG045E NOBODY NOT LOGGED ON", "DMKMSG045E GUEST2 NOT LOGGED ON",
        "DMKMSG020E USERID MISSING OR INVALID"]


def test_query_operands_over_eight_characters():
    assert q("Q ABCDEFGHIJK", "Q USERS ABCDEFGHIJK", "Q ABCDEFGH") == [
        "DMKCFC002E INVALID OPERAND - ABCDEFGHIJK",    # once "?CP: ABCDEFGHIJK", an unknown command
        "DMKCQG020E USERID MISSING OR INVALID",
        "DMKCQG045E ABCDEFGH NOT LOGGED ON"]


def test_an_overlong_input_line_is_refused_with_a_message():
    out = q("Q " + "X" * 300, "Q USERS")
    assert out == ["INPUT LINE OF 302 CHARACTERS IGNORED; THE LIMIT IS 255", "001 USERS, 000 DIALED"]


def test_a_logon_beyond_the_user_limit_is_refused_cleanly():
    """Once the 65th LOGON was an internal error (the core's limit of 64)."""
    from cp.terminal import Terminal
    from s370vm.cmd_cp import build_host
    host = build_host()
    host.max_users = 1
    out: list[str] = []
    Terminal(host, "GRAF 0C1", out.append).handle_line("LOGON GUEST1 GUEST")
    Terminal(host, "GRAF 0C2", out.append).handle_line("LOGON GUEST2 GUEST")
    assert out[-1] == "DMKLOG067E MAXIMUM NUMBER OF USERS REACHED"
    assert list(host.sessions) == ["GUEST1"] and host.errors == []
