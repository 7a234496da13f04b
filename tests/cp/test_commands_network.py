"""COUPLE (VM/370 DMKDIB's responses), DEFINE NIC, QUERY NIC / VIRTUAL NIC,
QUERY VSWITCH and the directory's NICDEF, on the built-in system."""
from __future__ import annotations

import tempfile
from pathlib import Path

from tests.cp.cpscript import LOGON, run

DIRECTORY = """
USER GUEST1 GUEST 1M 16M G
 CONSOLE 009 3215
 SPECIAL 500 CTCA
USER GUEST2 GUEST 1M 16M G
 CONSOLE 009 3215
 SPECIAL 600 CTCA
 NICDEF 700 TYPE CTCA LAN SYSTEM LAN1 MACID 000042
USER PC PC 2M 16M G
 MACHINE IA32
 NICDEF 600 LAN SYSTEM LAN1
"""


def session(script):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "user.direct"
        path.write_text(DIRECTORY)
        return run(script, directory=str(path))


def test_couple_two_ctcas_responses_on_both_sides():
    host, out = session(f"""
        {LOGON}
        T2: LOGON GUEST2 GUEST
        T1: COUPLE 500 TO GUEST2 600
        T1: Q 500
        T2: Q 600
        """)
    assert out["T1"][-2:] == ["CTCA 500 COUPLE TO GUEST2 600", "CTCA 500 COUPLED TO GUEST2 600"]
    assert out["T2"][-2:] == ["CTCA 600 COUPLE BY GUEST1 500", "CTCA 600 COUPLED TO GUEST1 500"]


def test_recouple_drops_the_old_link():
    host, out = session(f"""
        {LOGON}
        T2: LOGON GUEST2 GUEST
        T1: DEFINE CTCA 501
        T1: COUPLE 500 GUEST2 600
        T1: COUPLE 501 TO GUEST2 600
        T1: Q 500
        """)
    assert out["T1"][-3:] == ["CTCA 500 COUPLE TO GUEST2 600", "CTCA 501 COUPLE TO GUEST2 600",
                              "CTCA 500 NOT COUPLED"]


def test_couple_errors():
    host, out = session(f"""
        {LOGON}
        COUPLE
        COUPLE 500
        COUPLE 501 TO GUEST2 600
        COUPLE 500 TO NOBODY 600
        COUPLE 009 TO GUEST1 500
        COUPLE 500 TO GUEST1 500
        COUPLE 500 TO SYSTEM NOLAN
        COUPLE 500 TO SYSTEM
        COUPLE 500 TO GUEST1 500 EXTRA
        """)
    assert out["T1"][2:] == [
        "DMKDIB022E VADDR MISSING OR INVALID",
        "DMKDIB020E USERID MISSING OR INVALID",
        "DMKDIB040E DEV 501 DOES NOT EXIST",
        "DMKDIB045E NOBODY NOT LOGGED ON",
        "DMKDIB046E DEV 009 NOT AVAILABLE",
        "DMKDIB046E DEV 500 NOT AVAILABLE",
        "DMKDIB2850E LAN SYSTEM NOLAN DOES NOT EXIST",
        "DMKDIB026E OPERAND MISSING OR INVALID",
        "DMKDIB002E INVALID OPERAND - EXTRA",
    ]


def test_couple_must_be_typed_in_full():
    host, out = session(f"""
        {LOGON}
        COUPL 500 TO GUEST1 500
        """)
    assert out["T1"][-1] == "DMKCFC001E ?CP: COUPL"


def test_define_nic_couple_to_switch_and_query_nic():
    # (GUEST1's directory CTCA at 500 has MAC 02-00-01-00-00-01)
    host, out = session(f"""
        {LOGON}
        DEFINE NIC 600
        DEFINE NIC 601 TYPE CTCA
        DEFINE NIC 602 TYPE NETCARD
        DEFINE NIC 600
        Q NIC
        COUPLE 600 TO SYSTEM LAN1
        Q VIRTUAL NIC
        Q 600
        """)
    assert out["T1"][2:] == [
        "NIC 600 DEFINED", "NIC 601 DEFINED",
        "DMKDEF002E INVALID OPERAND - NETCARD",
        "DMKDEF043E DEV 600 ALREADY DEFINED",
        "NIC  600 TYPE CTCA MAC 02-00-01-00-00-02 NOT COUPLED",
        "NIC  601 TYPE CTCA MAC 02-00-01-00-00-03 NOT COUPLED",
        "NIC 600 COUPLE TO SYSTEM LAN1",
        "NIC  600 TYPE CTCA MAC 02-00-01-00-00-02 ON SYSTEM LAN1 IP 10.0.2.15 SENT 0 RCVD 0 "
        "FORGED 0 MALFORMED 0",
        "NIC  601 TYPE CTCA MAC 02-00-01-00-00-03 NOT COUPLED",
        "NIC  600 TYPE CTCA MAC 02-00-01-00-00-02 ON SYSTEM LAN1 IP 10.0.2.15 SENT 0 RCVD 0 "
        "FORGED 0 MALFORMED 0",
    ]


def test_nicdef_couples_at_logon_and_query_vswitch_shows_the_port():
    host, out = session("""
        LOGON GUEST2 GUEST
        Q NIC
        Q VSWITCH
        Q VSWITCH NOLAN
        """)
    assert out["T1"][2:] == [
        "NIC  700 TYPE CTCA MAC 02-00-01-00-00-42 ON SYSTEM LAN1 IP 10.0.2.15 SENT 0 RCVD 0 "
        "FORGED 0 MALFORMED 0",
        "VSWITCH SYSTEM LAN1 PORTS 2 FRAMES 0 FLOODED 0 BROADCAST 0 AGED 0",
        "  PORT NAT",
        "  PORT GUEST2.700 MAC 02-00-01-00-00-42 IP 10.0.2.15",
        "  NAT 127.0.0.1 ENTRIES 0",
        "DMKCQG2850E LAN SYSTEM NOLAN DOES NOT EXIST",
    ]


def test_logoff_uncouples_the_partner_and_frees_the_port():
    host, out = session(f"""
        {LOGON}
        T2: LOGON GUEST2 GUEST
        T1: COUPLE 500 TO GUEST2 600
        T1: LOGOFF
        T2: Q 600
        T2: Q VSWITCH
        T2: LOGOFF
        T3: LOGON GUEST1 GUEST
        T3: Q VSWITCH
        """)
    assert "CTCA 600 NOT COUPLED" in out["T2"]
    assert "VSWITCH SYSTEM LAN1 PORTS 2 FRAMES 0 FLOODED 0 BROADCAST 0 AGED 0" in out["T2"]
    assert out["T3"][-3:] == ["VSWITCH SYSTEM LAN1 PORTS 1 FRAMES 0 FLOODED 0 BROADCAST 0 AGED 0",
                              "  PORT NAT", "  NAT 127.0.0.1 ENTRIES 0"]


def test_a_ctca_on_the_switch_shows_its_mac():
    host, out = session(f"""
        {LOGON}
        COUPLE 500 TO SYSTEM LAN1
        Q 500
        """)
    assert out["T1"][-2:] == [
        "CTCA 500 COUPLE TO SYSTEM LAN1",
        "CTCA 500 MAC 02-00-01-00-00-01 ON SYSTEM LAN1 IP 10.0.2.15 SENT 0 RCVD 0 FORGED 0 "
        "MALFORMED 0"]


def test_an_ia32_user_has_one_netcard():
    host, out = session("""
        LOGON PC PC
        Q NIC
        DEFINE NIC 601
        DETACH 600
        DEFINE NIC 601 TYPE CTCA
        DEFINE NIC 601
        COUPLE 601 TO SYSTEM LAN1
        Q NIC
        """)
    assert out["T1"][1:] == [                    # (an IA-32 user has no FILES line)
        "NIC  600 TYPE NETCARD MAC 02-00-01-00-00-01 ON SYSTEM LAN1 IP 10.0.2.15 SENT 0 RCVD 0 "
        "FORGED 0 MALFORMED 0",
        "DMKDEF046E DEV 601 NOT AVAILABLE",
        "NIC 600 DETACHED",
        "DMKDEF002E INVALID OPERAND - CTCA",
        "NIC 601 DEFINED",
        "NIC 601 COUPLE TO SYSTEM LAN1",
        "NIC  601 TYPE NETCARD MAC 02-00-01-00-00-01 ON SYSTEM LAN1 IP 10.0.2.15 SENT 0 RCVD 0 "
        "FORGED 0 MALFORMED 0",
    ]
