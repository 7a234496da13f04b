"""The backend interface (cp/backends/base.py): both backends conform to the
Protocol, the S/370 backend's exits come in the neutral taxonomy, the page-table
formats, and the descriptor tables' bit-field layouts (decoded by hand from
GA22-7000 and the 80386 Programmer's Reference Manual)."""
from __future__ import annotations

import inspect

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cp import System
from cp.backends import MACHINES, MachineError, base, create
from cp.backends.descriptors import BitLayout, find_register
from cp.backends.ia32_tables import EFLAGS, GATE_DESCRIPTOR, PTE, SEGMENT_DESCRIPTOR
from cp.backends.s370_tables import CCW0, CR0, CSW, PSW_BC, PSW_EC

PROTOCOL_METHODS = {name: fn for name, fn in vars(base.Backend).items()
                    if callable(fn) and not name.startswith("_")}
PROTOCOL_FIELDS = set(base.Backend.__annotations__)


@pytest.mark.parametrize("machine", sorted(MACHINES))
def test_backend_conforms_to_the_protocol(machine):
    vm = System().logon("A", 1 << 20, machine=machine)
    backend = vm.backend
    assert backend.machine == machine and vm.machine == machine
    missing = sorted(n for n in PROTOCOL_FIELDS | set(PROTOCOL_METHODS) if not hasattr(backend, n))
    assert missing == []
    for name, fn in PROTOCOL_METHODS.items():
        want = list(inspect.signature(fn).parameters)[1:]          # without self
        have = [p for p in inspect.signature(getattr(backend, name)).parameters
                if p not in ("args", "kw")]
        assert have[:len(want)] == want or not have, (name, have, want)
    for reg in backend.registers:
        for n in reg.numbers:
            assert isinstance(reg.read(vm, n), int)


def test_unknown_machine_is_a_one_line_error():
    with pytest.raises(MachineError, match="unknown machine 'Z80'"):
        create("Z80", None)


def _s370_exit(code: str):
    """The first exit of a guest running ``code`` at X'400' (BC mode, supervisor)."""
    vm = System().logon("A", 64 * 1024)
    vm.write_storage(0x68, (0x000200000000DEAD).to_bytes(8, "big"))    # program new: wait
    vm.ipl(image=bytes.fromhex(code), address=0x400, psw=0x0000000000000400)
    return vm.backend.run(100)


@pytest.mark.parametrize("code, kind, name", [
    ("0A05", base.SYSCALL, "instruction"),            # SVC 5
    ("83000000", base.HYPERCALL, "instruction"),      # DIAGNOSE X'00'
    ("80000300", base.INSTRUCTION, "instruction"),    # SSM: privileged, simulated by CP
    ("0000", base.PROGRAM, "program"),                # operation exception
    ("47F00400", base.SLICE, "slice"),                # a loop to the end of the slice
])
def test_s370_exits_in_the_neutral_taxonomy(code, kind, name):
    ex = _s370_exit(code)
    assert (ex.kind, ex.name) == (kind, name)
    assert ex.kind in base.KINDS


def test_s370_wait_exit():
    vm = System().logon("A", 64 * 1024)
    vm.ipl(image=b"", address=0x400, psw=0x0002000000000400)     # enabled? no: a wait PSW
    assert vm.backend.run(100).kind == base.WAIT


def test_page_table_formats():
    s370 = MACHINES["S370"].page_format
    ia32 = MACHINES["IA32"].page_format
    assert (s370.page_shift, s370.address_mask) == (11, 0xFFFFFF)        # 2K blocks, 24-bit
    assert (ia32.page_shift, ia32.address_mask) == (12, 0xFFFFFFFF)      # 4K pages, 32-bit
    assert [r for r in range(16) if s370.invalidated_by("CR", r)] == [0, 1]
    assert [r for r in range(5) if ia32.invalidated_by("CR", r)] == [0, 3, 4]
    assert not s370.invalidated_by("GPR", 0)


def test_store_of_cr1_drops_the_shadow_tables():
    vm = System().logon("A", 64 * 1024)
    vm.cpu.shadow[5] = 0x2800
    vm.set_cr(1, 0x01000800)
    assert vm.cpu.shadow == {} and vm.counters.shadow_invalidations == {"store-cr": 1}
    vm.cpu.shadow[5] = 0x2800
    vm.set_cr(6, 0)                                   # no bearing on translation
    assert vm.cpu.shadow == {5: 0x2800}


# ------------------------------------------------------------- bit fields
def test_psw_ec_fields():
    """070C2000 00001234: T, IO, EX on; key 0; EC, M on; CC 2; IA 001234."""
    assert PSW_EC.decode(0x070C200000001234) == {
        "R": 0, "T": 1, "IO": 1, "EX": 1, "KEY": 0, "EC": 1, "M": 1, "W": 0, "P": 0,
        "CC": 2, "PM": 0, "IA": 0x1234}


def test_psw_bc_fields():
    """FF15 0040 / 9 0 000400: channels 0-5 and I/O, external on; key 1, W and P;
    interruption code X'0040'; ILC 2, CC 1, no program mask."""
    assert PSW_BC.decode(0xFF150040_90000400) == {
        "CHANNELS": 0x3F, "IO": 1, "EXT": 1, "KEY": 1, "EC": 0, "M": 1, "W": 0, "P": 1,
        "ICODE": 0x0040, "ILC": 2, "CC": 1, "PM": 0, "IA": 0x400}


def test_cr0_csw_ccw_fields():
    assert CR0.decode(0x00800000)["PS"] == 2 and CR0.decode(0x00400000)["PS"] == 1  # 4K, 2K
    assert CR0.decode(0x00100000)["SS"] == 2                                        # 1M segments
    assert CR0.decode(0x000000E0) == dict(CR0.decode(0), IT=1, KEY=1, EXTS=1)
    assert CSW.decode(0x30000808_0C000000) == {"KEY": 3, "L": 0, "DCC": 0, "CCW": 0x808,
                                               "UNIT": 0x0C, "CHANNEL": 0, "COUNT": 0}
    assert CCW0.decode(0x01000500_60000050) == {"CMD": 1, "ADDR": 0x500, "CD": 0, "CC": 1,
                                                "SLI": 1, "SKIP": 0, "PCI": 0, "IDA": 0,
                                                "COUNT": 0x50}


def test_ia32_fields():
    """EFLAGS 00003202: IOPL 3, IF; a flat 4G ring-0 code segment (00CF9A00 0000FFFF);
    an interrupt gate to 0008:00101234 with DPL 3; a PTE of frame 12345, A, RW, P."""
    f = EFLAGS.decode(0x00003202)
    assert (f["IOPL"], f["IF"], f["CF"], f["VM"]) == (3, 1, 0, 0)
    d = SEGMENT_DESCRIPTOR.decode(0x00CF9A00_0000FFFF)
    assert (d["BASE"], d["LIMIT"], d["G"], d["DB"], d["P"], d["DPL"], d["S"], d["TYPE"]) == \
        (0, 0xFFFFF, 1, 1, 1, 0, 1, 0xA)
    g = GATE_DESCRIPTOR.decode(0x0010EE00_00081234)
    assert (g["OFFSET"], g["SELECTOR"], g["P"], g["DPL"], g["TYPE"]) == (0x101234, 8, 1, 3, 0xE)
    p = PTE.decode(0x12345023)
    assert (p["FRAME"], p["A"], p["D"], p["US"], p["RW"], p["P"]) == (0x12345, 1, 0, 0, 1, 1)


LAYOUTS = [PSW_BC, PSW_EC, CR0, CSW, CCW0, EFLAGS, SEGMENT_DESCRIPTOR, GATE_DESCRIPTOR, PTE]


@given(st.sampled_from(LAYOUTS), st.integers(0, (1 << 64) - 1))
def test_encode_inverts_decode_up_to_the_reserved_bits(layout, value):
    value &= (1 << layout.width) - 1
    fields = {k: v for k, v in layout.decode(value).items() if k not in dict(layout.derived)}
    reserved = 0
    pos = layout.width
    for name, bits in layout.fields:
        pos -= bits
        if not name:
            reserved |= ((1 << bits) - 1) << pos
    assert layout.encode(**fields) == value & ~reserved


def test_layouts_must_cover_their_width_and_name_known_fields():
    with pytest.raises(ValueError, match="cover 7 bits, not 8"):
        BitLayout("X", 8, (("A", 7),))
    with pytest.raises(ValueError, match="has no field Z"):
        PSW_EC.encode(Z=1)


def test_operands_find_registers():
    regs = MACHINES["S370"].registers
    assert [(r.name, rest) for r, rest in (find_register(regs, t) for t in ("G12", "PS", "X", "Y6"))] \
        == [("GPR", "12"), ("PSW", ""), ("CR", ""), ("FPR", "6")]
    assert find_register(regs, "Q") is None
    ia32 = MACHINES["IA32"].registers
    assert find_register(ia32, "eflags")[0].name == "EFLAGS"
    assert find_register(ia32, "DS")[0].name == "DS"
