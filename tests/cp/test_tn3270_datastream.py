"""The 3270 data stream against values worked out from GA23-0059 (3270 Data
Stream Programmer's Reference); section numbers are in the test names."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cp.tn3270 import datastream as ds
from cp.tn3270.buffer import Buffer


# ------------------------------------------------ 3.3.1 buffer addresses, Figure C-1
@pytest.mark.parametrize("addr, wire", [
    (0, "4040"), (79, "C14F"), (80, "C150"), (1760, "5B60"), (1761, "5B61"),
    (1840, "5CF0"), (1919, "5D7F"), (3563, "F76B")])
def test_3_3_1_twelve_bit_address(addr, wire):
    assert ds.encode_address(addr, 3564).hex().upper() == wire
    b = bytes.fromhex(wire)
    assert ds.decode_address(b[0], b[1]) == addr


def test_3_3_1_fourteen_bit_address_for_large_buffers():
    assert ds.encode_address(5000, 6000) == bytes((0x13, 0x88))
    assert ds.decode_address(0x13, 0x88) == 5000          # bits 0-1 = 00: binary


def test_3_3_1_reserved_form_and_bad_address_rejected():
    with pytest.raises(ds.DataStreamError):
        ds.decode_address(0x81, 0x40)
    with pytest.raises(ds.DataStreamError):
        ds.encode_address(1920, 1920)


@given(st.integers(0, 4095))
def test_3_3_1_twelve_bit_round_trip(addr):
    b = ds.encode_address(addr, 4096)
    assert b[0] in ds.CODE_TABLE and b[1] in ds.CODE_TABLE
    assert ds.decode_address(b[0], b[1]) == addr


# ------------------------------------------------------------ 3.4 WCC, 4.4.6.3 attributes
def test_3_4_wcc_in_code_table_form():
    assert ds.write(ds.EW, ds.WCC_RESTORE | ds.WCC_RESET_MDT)[1] == 0xC3
    assert ds.write(ds.W, ds.WCC_ALARM | ds.WCC_RESTORE)[1] == 0xC6


@pytest.mark.parametrize("attr, wire", [
    (0, 0x40),                                         # unprotected, normal
    (ds.FA_INTENSIFIED, 0xC8),                         # unprotected, intensified
    (ds.FA_NONDISPLAY, 0x4C),                          # unprotected, non-display (password)
    (ds.FA_PROTECTED, 0x60),                           # protected
    (ds.FA_PROTECTED | ds.FA_INTENSIFIED, 0xE8),       # protected, intensified
    (ds.FA_PROTECTED | ds.FA_NUMERIC, 0xF0),           # protected numeric: autoskip
    (ds.FA_NUMERIC | ds.FA_MDT, 0xD1)])                # numeric with the MDT on
def test_4_4_6_3_field_attribute_bytes(attr, wire):
    assert ds.sf(attr) == bytes((ds.SF, wire))


# ------------------------------------------------------------------- 3.5.6 AIDs
@pytest.mark.parametrize("name, aid", [
    ("ENTER", 0x7D), ("CLEAR", 0x6D), ("PA1", 0x6C), ("PA2", 0x6E), ("PA3", 0x6B),
    ("PF1", 0xF1), ("PF9", 0xF9), ("PF10", 0x7A), ("PF12", 0x7C), ("PF13", 0xC1),
    ("PF22", 0x4A), ("PF24", 0x4C), ("NONE", 0x60)])
def test_3_5_6_aid_values(name, aid):
    assert ds.AID_NAMES[aid] == name


# ---------------------------------------------------------------- 4.3 orders
def test_4_3_order_codes_and_encoders():
    assert ds.sba(1760) == bytes.fromhex("115B60")
    assert ds.ra(1899, 0) == bytes.fromhex("3C5D6B00")
    assert ds.eua(0) == bytes.fromhex("124040")
    assert ds.ic() == b"\x13"
    assert ds.sfe(ds.FA_PROTECTED, (0x42, 0xF2)) == bytes.fromhex("2902C060" "42F2")
    assert (ds.PT, ds.SA, ds.MF, ds.GE) == (0x05, 0x28, 0x2C, 0x08)


# ---------------------------------------------------------- 3.6 inbound records
def test_3_6_2_read_modified_reply_parsed():
    got = ds.parse_inbound(bytes.fromhex("7D5CF3" "115B61C1C2" "114040F1"))
    assert got.aid == ds.AID_ENTER and got.cursor == 1843
    assert got.fields == [(1761, b"\xC1\xC2"), (0, b"\xF1")]


def test_3_6_2_1_short_read_is_the_aid_alone():
    assert ds.parse_inbound(b"\x6C") == ds.Inbound(ds.AID_PA1, None, [])


def test_3_6_2_unformatted_screen_data_without_sba():
    got = ds.parse_inbound(bytes.fromhex("7D4045C8C9"))
    assert got.cursor == 5 and got.fields == [(None, b"\xC8\xC9")]


@pytest.mark.parametrize("bad", ["", "7D40", "7D4040C111", "7D4040115B"])
def test_3_6_malformed_inbound_rejected(bad):
    with pytest.raises(ds.DataStreamError):
        ds.parse_inbound(bytes.fromhex(bad))


# ------------------------------------------------- the buffer model (chapters 3, 4)
def screen(*parts: bytes, cmd=ds.EW, wcc=ds.WCC_RESTORE) -> Buffer:
    b = Buffer()
    b.keyboard_locked = True
    b.write(ds.write(cmd, wcc, b"".join(parts)))
    return b


def test_3_5_erase_write_sf_data_ic_and_read_buffer():
    b = screen(ds.sba(0), ds.sf(ds.FA_PROTECTED), b"\xC8\xC9", ds.sf(0), ds.ic())
    assert not b.keyboard_locked
    assert b.attr[0] == ds.FA_PROTECTED and b.attr[3] == 0
    assert b.cursor == 4
    rb = b.read_buffer(ds.AID_ENTER)
    # 3.6.1: AID, cursor (X'40C4' = 4), SF X'60', 'HI', SF X'40', then nulls
    assert rb[:10] == bytes.fromhex("7D40C4" "1D60C8C9" "1D40" "00")
    assert len(rb) == 3 + 1920 + 2


def test_3_6_2_read_modified_sends_only_fields_with_mdt():
    b = screen(ds.sf(ds.FA_PROTECTED), b"\xC1", ds.sf(0), ds.sba(10), ds.sf(0))
    b.type_into(3, b"\xF1\xF2")                      # typed in the field after position 2
    rm = b.read_modified(ds.AID_ENTER)
    assert rm == bytes.fromhex("7D4040" "1140C3F1F2")
    assert b.read_modified(ds.AID_PA2) == b"\x6E"    # short read
    assert b.read_modified(ds.AID_PA2, all_fields=True) == rm[:0] + b"\x6E" + rm[1:]


def test_3_4_wcc_reset_mdt():
    b = screen(ds.sf(ds.FA_MDT), b"\xC1")
    assert b.attr[0] & ds.FA_MDT
    b.write(ds.write(ds.W, ds.WCC_RESET_MDT))
    assert not b.attr[0] & ds.FA_MDT


def test_4_3_8_repeat_to_address_and_graphic_escape():
    b = screen(ds.sba(78), ds.ra(82, 0xC1), bytes((ds.GE, 0xAD)))
    assert bytes(b.chars[77:84]) == bytes((0, 0xC1, 0xC1, 0xC1, 0xC1, 0xAD, 0))


def test_4_3_9_erase_unprotected_to_address_leaves_protected_fields():
    b = screen(ds.sf(ds.FA_PROTECTED), b"\xC1\xC1", ds.sf(0), b"\xC2\xC2", ds.sf(ds.FA_PROTECTED))
    b.write(ds.write(ds.W, 0, ds.sba(0) + ds.eua(7)))
    assert bytes(b.chars[1:3]) == b"\xC1\xC1" and bytes(b.chars[4:6]) == b"\x00\x00"


def test_4_3_7_program_tab_to_next_unprotected_field_nulls_rest_after_text():
    b = screen(ds.sf(ds.FA_PROTECTED), b"\xC1", ds.sf(0), b"\xC2\xC2\xC2", ds.sf(ds.FA_PROTECTED),
               ds.sf(0), b"\xC3")
    b.write(ds.write(ds.W, 0, ds.sba(3) + b"\xD1" + bytes((ds.PT,)) + b"\xD2"))
    assert bytes(b.chars[3:6]) == b"\xD1\x00\x00"    # nulls to the end of the field
    assert b.chars[8] == 0xD2                        # then the next unprotected field


def test_4_3_5_modify_field_and_4_3_3_start_field_extended():
    b = screen(ds.sfe(ds.FA_PROTECTED, (0x42, 0xF2)), b"\xC1")
    assert b.attr[0] == ds.FA_PROTECTED
    b.write(ds.write(ds.W, 0, ds.sba(0) + bytes((ds.MF, 1, ds.XA_FIELD, ds.graphic(ds.FA_NONDISPLAY)))))
    assert b.attr[0] == ds.FA_NONDISPLAY and b.chars[1] == 0xC1


def test_3_1_erase_write_alternate_takes_the_model_size():
    b = Buffer(24, 80, alt=(27, 132))
    b.write(ds.write(ds.EWA, 0, ds.sba(3563, 3564) + b"\xC1"))
    assert (b.rows, b.cols) == (27, 132) and b.chars[3563] == 0xC1
    b.write(ds.write(ds.EW, 0))
    assert b.size == 1920


@pytest.mark.parametrize("bad", ["F5C311", "F5C31140", "F5C3115D7F1D", "F5C301", "F5C32C01C0",
                                 "F5C3117F7F", "01C3"])
def test_malformed_write_changes_nothing(bad):
    b = screen(b"\xC1")
    before = (bytes(b.chars), list(b.attr), b.cursor)
    with pytest.raises(ds.DataStreamError):
        b.write(bytes.fromhex(bad))
    assert (bytes(b.chars), list(b.attr), b.cursor) == before


@given(st.binary(max_size=60))
def test_any_outbound_bytes_either_apply_or_raise_datastreamerror(data):
    b = Buffer()
    try:
        b.write(bytes((ds.EW,)) + data)
    except ds.DataStreamError:
        pass
    assert len(b.chars) == b.size == 1920


@given(st.binary(max_size=60))
def test_any_inbound_bytes_either_parse_or_raise_datastreamerror(data):
    try:
        ds.parse_inbound(data)
    except ds.DataStreamError:
        pass
