"""DISPLAY and STORE (VM/370 HELP syntax: L/T/K prefixes, ranges, G/X/Y
registers, PSW, CAW, CSW; STORE L/S forms, registers, PSW, STATUS)."""
from tests.cp.cpscript import LOGON, lines


def q(*cmds):
    return lines("\n".join([LOGON, *cmds]))[2:]


def test_display_storage_forms():
    assert q("ST 100 12345678 9ABC", "D 100-10F", "D 102", "D L104.4") == [
        "000100  12345678 00009ABC 00000000 00000000",
        "000100  12345678",
        "000104  00009ABC"]


def test_display_with_ebcdic_translation():
    out = q("ST S200 C8C5D3D3D6", "D T200.10")
    assert out == ["000200  C8C5D3D3 D6000000 00000000 00000000  *HELLO...........*"]


def test_display_keys_registers_psw_caw_csw():
    out = q("D K0-FFF", "ST G5 1 2", "D G5-6", "D G14.2", "D X0", "D Y2", "ST PSW 070E0000 00000400",
            "D PSW", "ST 48 00000820", "D CAW", "D CSW")
    assert out == ["000000 KEY = 00", "000800 KEY = 00",
                   "GPR  5 = 00000001 00000002", "GPR 14 = 00000000 00000000",
                   "CR  0 = 000000E0", "FPR 2 = 00000000 00000000",
                   "PSW = 070E0000 00000400", "CAW = 00000820", "CSW = 00000000 00000000"]


def test_display_all_registers():
    out = q("D G")
    assert out[0].startswith("GPR  0 = ") and out[3].startswith("GPR 12 = ") and len(out) == 4


def test_display_errors():
    assert q("D 100000", "D ZZZ", "D G16", "D Y3", "D 200-100") == [
        "DMKCDB160E HEXLOC 100000 EXCEEDS STORAGE",
        "DMKCDB002E INVALID OPERAND - ZZZ",
        "DMKCDB002E INVALID OPERAND - G16",
        "DMKCDB002E INVALID OPERAND - Y3",
        "DMKCDB005E INVALID HEXLOC - 200-100"]


def test_store_rounds_down_and_right_adjusts():
    assert q("ST 103 AB", "D 100") == ["000100  000000AB"]


def test_store_doubleword_hexword():
    assert q("ST 100 123456789ABCDEF0", "D 100.8") == ["000100  12345678 9ABCDEF0"]


def test_store_string_and_odd_digit():
    assert q("ST 100 11111111 11111111", "ST S101 FFEE", "D 100.8", "ST S105 ABC", "D 104") == [
        "000100  11FFEE11 11111111", "DMKCDS004E INVALID HEXDATA - C", "000104  11AB1111"]


def test_store_registers_and_floating_point():
    assert q("ST GA 5", "D G10", "ST Y2 41100000 00000001", "D Y2", "ST X15 200", "D XF") == [
        "GPR 10 = 00000005", "FPR 2 = 41100000 00000001", "CR 15 = 00000200"]


def test_store_psw_one_or_two_words():
    assert q("ST PSW 00020000 00000400", "ST PSW 500", "D PSW") == ["PSW = 00020000 00000500"]


def test_store_status():
    out = q("ST G0 AAAA", "ST PSW 0 600", "ST STATUS", "D 100.8", "D 180")
    assert out == ["000100  00000000 00000600", "000180  0000AAAA"]


def test_store_errors():
    assert q("ST", "ST 100", "ST 100 XYZ", "ST FFFFC 1 2", "ST G16 1", "ST GF 1 2", "ST Y1 0",
             "ST PSW", "ST STATUS X") == [
        "DMKCDS026E OPERAND MISSING OR INVALID",
        "DMKCDS026E OPERAND MISSING OR INVALID",
        "DMKCDS004E INVALID HEXDATA - XYZ",
        "DMKCDS160E HEXLOC 0FFFFC EXCEEDS STORAGE",
        "DMKCDS002E INVALID OPERAND - G16",
        "DMKCDS002E INVALID OPERAND - GF",
        "DMKCDS002E INVALID OPERAND - Y1",
        "DMKCDS026E OPERAND MISSING OR INVALID",
        "DMKCDS002E INVALID OPERAND - X"]


from hypothesis import given, strategies as st  # noqa: E402


@given(st.integers(0, (1 << 20) - 64).map(lambda a: a & ~3),
       st.lists(st.integers(0, 0xFFFFFFFF), min_size=1, max_size=8))
def test_store_then_display_property(addr, words):
    """STORE of fullwords, then DISPLAY of the same range shows them, 4 a line."""
    from cp.commands.processor import execute
    host, _ = _session()
    s = host.sessions["GUEST1"]
    out, rc = execute(host, s.terminal, s, f"ST {addr:X} " + " ".join(f"{w:X}" for w in words))
    assert (out, rc) == ([], 0)
    out, rc = execute(host, s.terminal, s, f"D {addr:X}.{4 * len(words):X}")
    shown = [w for line in out for w in line.split()[1:]]
    assert shown == [f"{w:08X}" for w in words]
    assert all(line.split()[0] == f"{addr + 16 * i:06X}" for i, line in enumerate(out))


_CACHE: dict = {}


def _session():
    from tests.cp import cpscript
    if "session" not in _CACHE:
        _CACHE["session"] = cpscript.run(LOGON)
    return _CACHE["session"]
