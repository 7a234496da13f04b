"""The paravirtual interface's hypercalls (cp/backends/ia32_hypercalls.py, the
ABI of docs/hypercalls.md), each with valid and hostile arguments, made on a
real ia32 CPU through ParavirtMachine (the host). A refused call returns its
negative error code in EAX and leaves everything outside the guest (CP's
region: its tables, its copy of the directory) and the guest's own page tables
as they were; the expected bytes are written out here, not computed by CP."""
from __future__ import annotations

import io
import struct

import pytest
from hypothesis import given, strategies as st

from cp.backends import ia32_hypercalls as hc
from cp.backends.ia32_paravirt import CP_IDT_PAGE, CP_TSS_PAGE, ParavirtMachine

SIZE = 4 << 20                           # 1024 frames
FRAMES = SIZE >> 12
PD, PT0, PT1, DATA = 0x10000, 0x11000, 0x12000, 0x13000
REQS = 0x20000
EAX, ECX, EDX, EBX, ESI, EDI = 0, 1, 2, 3, 6, 7


def call(m: ParavirtMachine, number: int, *args: int) -> int:
    """A hypercall from ring 1, as INT 82h delivers it; EAX as a signed number."""
    regs = m.cpu.regs
    regs[EAX] = number
    for r, v in zip((EBX, ECX, EDX, ESI, EDI), args):
        regs[r] = v & 0xFFFFFFFF
    m.pv.hypercall(m)
    v = regs[EAX]
    return v - (1 << 32) if v >> 31 else v


def u32(m, addr: int) -> int:
    return struct.unpack_from("<I", m.mem, addr)[0]


def put(m, addr: int, *words: int) -> None:
    struct.pack_into(f"<{len(words)}I", m.mem, addr, *words)


@pytest.fixture
def m():
    machine = ParavirtMachine(SIZE, "PVUSER")
    machine.start(0x101000)
    return machine


def cp_region(m) -> bytes:
    return bytes(m.memory.ram[SIZE:])


def paged(m) -> None:
    """A directory at PD: slot 0 -> PT0 (identity of the first 4M, the three
    table frames read-only), installed with new_baseptr."""
    for i in range(1024):
        w = 0 if (i << 12) in (PD, PT0, PT1) else hc.PTE_W
        put(m, PT0 + 4 * i, i << 12 | hc.PTE_P | w)
    put(m, PD, PT0 | 3)
    assert call(m, hc.MMUEXT_OP, hc.MMUEXT_NEW_BASEPTR, PD) == 0


# ------------------------------------------------------------------ dispatch
def test_unknown_number_is_enosys_and_other_registers_are_kept(m):
    m.cpu.regs[ESI] = 0x1234
    assert call(m, 99, 1, 2, 3) == -38
    assert (m.cpu.regs[EBX], m.cpu.regs[ECX], m.cpu.regs[ESI]) == (1, 2, 0x1234)


def test_shared_info_page_holds_the_system_information(m):
    assert m.mem[0:4] == b"PVI1"
    assert (u32(m, 4), u32(m, 8), u32(m, 12)) == (1, SIZE, FRAMES)
    assert bytes(m.mem[0x80:0x88]) == b"PVUSER  "


# ------------------------------------------------------------------- console
def test_console_write_and_read(m):
    m.mem[0x3000:0x3005] = b"hello"
    assert call(m, hc.CONSOLE_IO, hc.CONSOLEIO_WRITE, 5, 0x3000) == 5
    assert m.console == b"hello"
    m.type_input(b"ab")
    assert call(m, hc.CONSOLE_IO, hc.CONSOLEIO_READ, 10, 0x3100) == 2
    assert bytes(m.mem[0x3100:0x3102]) == b"ab"
    assert u32(m, hc.SI_PENDING) == 1 << hc.EVT_CONSOLE


@pytest.mark.parametrize("count, buf, err", [
    (16, SIZE - 8, -14),                # runs past the guest's memory
    (4, 0xFFFFFFFC, -14),
    (5000, 0x3000, -7),                 # more than MAX_CONSOLE
])
def test_console_write_outside_the_guest_is_refused(m, count, buf, err):
    before = cp_region(m)
    assert call(m, hc.CONSOLE_IO, hc.CONSOLEIO_WRITE, count, buf) == err
    assert m.console == b"" and cp_region(m) == before


# ---------------------------------------------------------------- page tables
def test_new_baseptr_installs_the_validated_directory(m):
    paged(m)
    assert m.pv.vstate.cr[3] == PD
    assert m.pv.pt_frames == {PD >> 12: True, PT0 >> 12: True}
    real_pd = m.cpu.cr[3]
    assert real_pd >= SIZE                                # CP's copy, in CP's region
    assert u32(m, 0) == 0x31495650                        # still readable through it
    assert struct.unpack_from("<I", m.memory.ram, real_pd)[0] == PT0 | 3
    assert struct.unpack_from("<I", m.memory.ram, real_pd + 4092)[0] >> 12 == (SIZE >> 12)


@pytest.mark.parametrize("pde_slot, pde, pte_index, pte, why", [
    (0, (FRAMES + 5) << 12 | 3, None, None, "a table frame that is not the VM's"),
    (1023, PT0 | 3, None, None, "CP's slot"),
    (0, PT0 | 3 | hc.PTE_PS, None, None, "a 4M page"),
    (0, PT0 | 3, 7, PD | 3, "the directory mapped writable"),
    (0, PT0 | 3, 8, PT0 | 3, "a table mapped writable"),
    (0, PT0 | 3, 9, (FRAMES + 1) << 12 | 1, "a frame beyond its memory"),
    (0, PT0 | 3, 10, 0xFFFFF001, "CP's frames at the top"),
    (1, PD | 1, None, None, "the directory as its own table (a self-map)"),
])
def test_new_baseptr_refuses_a_tree_with_one_bad_entry(m, pde_slot, pde, pte_index, pte, why):
    put(m, PD + 4 * pde_slot, pde)
    if pte_index is not None:
        put(m, PT0 + 4 * pte_index, pte)
    before, cr3 = cp_region(m), m.cpu.cr[3]
    err = call(m, hc.MMUEXT_OP, hc.MMUEXT_NEW_BASEPTR, PD)
    assert err == (-22 if pde & hc.PTE_PS else -1), why
    assert m.pv.baseptr is None and m.cpu.cr[3] == cr3 and cp_region(m) == before


def test_new_baseptr_outside_or_unaligned(m):
    assert call(m, hc.MMUEXT_OP, hc.MMUEXT_NEW_BASEPTR, SIZE) == -14
    assert call(m, hc.MMUEXT_OP, hc.MMUEXT_NEW_BASEPTR, PD + 4) == -22


def test_mmu_update_before_a_base_pointer_is_refused(m):
    put(m, REQS, PT0, DATA | 3)
    assert call(m, hc.MMU_UPDATE, REQS, 1, 0) == -22


def test_mmu_update_applies_a_batch(m):
    paged(m)
    put(m, REQS, PD + 4, PT1 | 3,                  # a second table: PD slot 1 -> PT1
           PT1, DATA | 3,                          # 4M -> DATA
           PT1 + 4, (DATA + 0x1000) | 1)           # 4M+4K -> read-only
    assert call(m, hc.MMU_UPDATE, REQS, 3, 0x30000) == 0
    assert u32(m, 0x30000) == 3
    assert (u32(m, PD + 4), u32(m, PT1), u32(m, PT1 + 4)) == (PT1 | 3, DATA | 3, DATA + 0x1001)
    m.mem[DATA:DATA + 4] = b"\x0d\xf0\x0d\x60"
    assert m.cpu.read_linear(0x400000, 4) == 0x600DF00D   # the real CPU translates it


def test_a_batch_with_one_bad_entry_applies_the_ones_before_it(m):
    paged(m)
    put(m, REQS, PT0 + 4 * 0x100, DATA | 3,
           PT0 + 4 * 0x101, DATA | 1,
           PT0 + 4 * 0x102, (FRAMES + 3) << 12 | 3,    # not its frame
           PT0 + 4 * 0x103, DATA | 3)
    old = [u32(m, PT0 + 4 * i) for i in range(0x100, 0x104)]
    before = cp_region(m)
    assert call(m, hc.MMU_UPDATE, REQS, 4, 0x30000) == -1
    assert u32(m, 0x30000) == 2                                 # the index of the bad one
    assert [u32(m, PT0 + 4 * i) for i in range(0x100, 0x104)] == [DATA | 3, DATA | 1] + old[2:]
    assert cp_region(m)[:0x1000] == before[:0x1000]             # CP's own table untouched


@pytest.mark.parametrize("ptr, val, err, why", [
    (DATA, 0x5003, -22, "the entry is not in a page table"),
    (PT0 + 2, DATA | 3, -22, "unaligned"),
    (PT0 + 4 * 5, PT0 | 3, -1, "a page table mapped writable"),
    (PT0 + 4 * 5, PD | 3, -1, "the directory mapped writable"),
    (PT0 + 4 * 5, 0xFFC00003, -1, "CP's region's frames"),
    (PD + 4 * 1023, PT1 | 3, -1, "CP's directory slot"),
    (PD + 4 * 2, DATA | 3, -1, "a table that is mapped writable elsewhere"),
    (PD + 4 * 2, PD | 3, -1, "the directory as its own table: its entries would map it"),
    (SIZE + 16, 3, -14, "outside the guest's memory"),
])
def test_mmu_update_refuses_a_hostile_entry(m, ptr, val, err, why):
    paged(m)
    put(m, REQS, ptr, val)
    tables = bytes(m.mem[PD:PD + 0x3000])
    before = cp_region(m)
    assert call(m, hc.MMU_UPDATE, REQS, 1, 0) == err, why
    assert bytes(m.mem[PD:PD + 0x3000]) == tables and cp_region(m) == before


def test_mmu_update_request_list_or_done_outside_the_guest(m):
    paged(m)
    put(m, REQS, PT0 + 4 * 0x100, DATA | 3)
    assert call(m, hc.MMU_UPDATE, SIZE - 4, 1, 0) == -14
    assert call(m, hc.MMU_UPDATE, REQS, 1, SIZE) == -14
    assert call(m, hc.MMU_UPDATE, REQS, 5000, 0) == -7
    assert u32(m, PT0 + 4 * 0x100) == 0x100003                   # nothing applied


def test_a_table_leaving_the_directory_becomes_ordinary_memory(m):
    paged(m)
    put(m, REQS, PD + 4, PT1 | 3, PD + 4, 0, PT0 + 4 * (PT1 >> 12), PT1 | 3)
    assert call(m, hc.MMU_UPDATE, REQS, 3, 0) == 0
    assert PT1 >> 12 not in m.pv.pt_frames


def test_page_tables_are_read_only_to_the_guest(m):
    """A store by ring 1 into its own live directory faults (CR0.WP, no W bit)."""
    paged(m)
    from ia32.errors import CPUFault
    with pytest.raises(CPUFault) as e:
        m.cpu.write_linear(PD, 4, 0)
    assert e.value.vector == 14 and u32(m, PD) == PT0 | 3


#: entries that name the interesting frames (the tables, data, the last one of
#: the VM, one past it) with any low bits, and anything at all
ENTRIES = st.one_of(
    st.integers(0, 0xFFFFFFFF),
    st.builds(lambda f, low: f << 12 | low,
              st.sampled_from([PD >> 12, PT0 >> 12, PT1 >> 12, DATA >> 12, FRAMES - 1, FRAMES]),
              st.integers(0, 0xFFF)))
TABLES = st.sampled_from([PD, PT0, PT1])


@given(st.lists(st.tuples(TABLES, st.integers(0, 1023), ENTRIES), max_size=12))
def test_no_batch_gives_the_guest_a_frame_it_does_not_own_or_a_writable_table(entries):
    """Property: whatever a batch asks, afterwards every present entry of the live
    tables maps one of the VM's frames and no table frame is writable."""
    m = ParavirtMachine(SIZE)
    m.start(0x101000)
    paged(m)
    for i, (table, index, val) in enumerate(entries):
        put(m, REQS + 8 * i, table + 4 * (index & 3 if table == PD else index), val)
    call(m, hc.MMU_UPDATE, REQS, len(entries), 0)
    tables = [PD >> 12] + [e >> 12 for e in struct.unpack_from("<1024I", m.mem, PD) if e & 1]
    for t in tables[1:]:
        for e in struct.unpack_from("<1024I", m.mem, t << 12):
            if e & 1:
                assert e >> 12 < FRAMES
                assert not (e & 2 and e >> 12 in tables)
    assert all(t < FRAMES for t in tables)
    assert set(m.pv.pt_frames) == set(tables)               # CP's bookkeeping is the truth


# ------------------------------------------------------------- trap table
def trap(vector: int, flags: int, cs: int, address: int) -> bytes:
    return struct.pack("<BBHI", vector, flags, cs, address)


def test_set_trap_table_makes_the_system_call_a_real_gate(m):
    m.mem[0x5000:0x5018] = trap(14, 0, 0x09, 0x101000) + trap(0x80, 3, 0x09, 0x102345) + bytes(8)
    assert call(m, hc.SET_TRAP_TABLE, 0x5000) == 0
    assert m.pv.traps == {14: (9, 0x101000, 0), 0x80: (9, 0x102345, 3)}
    assert m.fast == {0x80}
    idt = m._phys(CP_IDT_PAGE)
    # 32-bit trap gate, DPL 3, present: offset 2345 / selector 0009 / 00 EF / 0010
    assert bytes(m.memory.ram[idt + 0x80 * 8:idt + 0x81 * 8]) == bytes.fromhex("452309 00 00 EF 1000".replace(" ", ""))
    assert bytes(m.memory.ram[idt + 14 * 8:idt + 15 * 8]) == bytes.fromhex("0010090000 8F1000".replace(" ", ""))


@pytest.mark.parametrize("entry, err, why", [
    (trap(0x80, 3, 0x08, 0x102000), -1, "a ring-0 code selector"),
    (trap(0x80, 3, 0x11, 0x102000), -1, "a data selector"),
    (trap(0x80, 3, 0x09, 0xFFC00010), -1, "a handler in CP's region"),
    (trap(0x82, 1, 0x09, 0x102000), -1, "the hypercall vector"),
    (trap(0x80, 0x13, 0x09, 0x102000), -22, "unknown flags"),
])
def test_set_trap_table_refuses_a_table_pointing_anywhere(m, entry, err, why):
    m.mem[0x5000:0x5010] = trap(0x80, 3, 0x09, 0x101000) + bytes(8)
    assert call(m, hc.SET_TRAP_TABLE, 0x5000) == 0
    before = cp_region(m)
    m.mem[0x6000:0x6018] = trap(13, 0, 0x09, 0x101100) + entry + bytes(8)
    assert call(m, hc.SET_TRAP_TABLE, 0x6000) == err, why
    assert m.pv.traps == {0x80: (9, 0x101000, 3)} and m.fast == {0x80}
    assert cp_region(m) == before


def test_set_trap_table_outside_memory_or_unterminated(m):
    assert call(m, hc.SET_TRAP_TABLE, SIZE - 4) == -14
    for i in range(257):
        m.mem[0x5000 + 8 * i:0x5008 + 8 * i] = trap(i & 0x7F, 0, 9, 0x1000)
    assert call(m, hc.SET_TRAP_TABLE, 0x5000) == -7


def test_stack_switch_and_callbacks(m):
    tss = m._phys(CP_TSS_PAGE)
    assert call(m, hc.STACK_SWITCH, 0x11, 0x108000) == 0
    assert struct.unpack_from("<II", m.memory.ram, tss + 12) == (0x108000, 0x11)
    assert call(m, hc.STACK_SWITCH, 0x10, 0x108000) == -1           # a ring-0 stack
    assert call(m, hc.STACK_SWITCH, 0x11, 0xFFC01000) == -1         # inside CP's region
    assert struct.unpack_from("<II", m.memory.ram, tss + 12) == (0x108000, 0x11)
    assert call(m, hc.SET_CALLBACKS, 0x09, 0x101000, 0x09, 0x101100) == 0
    assert call(m, hc.SET_CALLBACKS, 0x08, 0x101000, 0x09, 0x101100) == -1
    assert call(m, hc.SET_CALLBACKS, 0x09, 0xFFC00000, 0x09, 0x101100) == -1
    assert m.pv.callback == (0x09, 0x101000)


# ------------------------------------------------------------------ events
def test_events_for_a_vm_that_is_not_running_queue_and_coalesce(m):
    """Five timer events and a disk and a console one while the VM is off the CPU:
    one pending bit each, in the order they first became pending; the timer's
    other four are counted as coalesced (docs/hypercalls.md, Events)."""
    for port in (hc.EVT_TIMER, hc.EVT_DISK, hc.EVT_TIMER, hc.EVT_CONSOLE, hc.EVT_TIMER,
                 hc.EVT_TIMER, hc.EVT_TIMER):
        m.pv.raise_event(m, port)
    m.pv.refresh(m)
    assert u32(m, hc.SI_PENDING) == 0b111
    assert bytes(m.mem[hc.SI_ORDER:hc.SI_ORDER + 8]) == bytes([0, 2, 1]) + b"\xff" * 5
    assert [u32(m, hc.SI_RAISED + 4 * p) for p in range(3)] == [5, 1, 1]
    assert [u32(m, hc.SI_COALESCED + 4 * p) for p in range(3)] == [4, 0, 0]
    assert m.mem[hc.SI_UPCALL_PENDING] == 1
    put(m, hc.SI_PENDING, 0b110)                 # the guest handled the timer
    m.pv.raise_event(m, hc.EVT_TIMER)            # a new edge: pending again, last in order
    m.pv.refresh(m)
    assert bytes(m.mem[hc.SI_ORDER:hc.SI_ORDER + 4]) == bytes([2, 1, 0, 0xFF])
    assert u32(m, hc.SI_COALESCED) == 4


def test_a_masked_channel_does_not_ask_for_an_upcall(m):
    put(m, hc.SI_MASK, 1 << hc.EVT_DISK)
    m.pv.raise_event(m, hc.EVT_DISK)
    assert u32(m, hc.SI_PENDING) == 4 and m.mem[hc.SI_UPCALL_PENDING] == 0


def test_a_masked_channel_does_not_end_an_idle_call(m):
    put(m, hc.SI_MASK, 1 << hc.EVT_DISK)
    assert call(m, hc.SCHED_OP, hc.SCHEDOP_BLOCK, hc.NO_TIMEOUT) == 0
    m.pv.raise_event(m, hc.EVT_DISK)
    assert m.pv.blocked
    m.pv.raise_event(m, hc.EVT_TIMER)
    assert not m.pv.blocked


def test_one_shot_timer_fires_once_at_its_deadline(m):
    now = m.now_ns()
    assert call(m, hc.SET_TIMER_OP, now + 5000, 0) == 0
    m.pv.tick(m)
    assert u32(m, hc.SI_PENDING) == 0
    m.clock.skip_to(now + 5000)
    m.pv.tick(m)
    m.pv.tick(m)
    assert u32(m, hc.SI_PENDING) == 1 and u32(m, hc.SI_RAISED) == 1
    assert m.pv.timer_deadline == 0


def test_idle_call_ends_at_its_deadline_with_1(m):
    assert call(m, hc.SCHED_OP, hc.SCHEDOP_BLOCK, 250) == 0     # 250 us
    assert m.pv.blocked and m.pv.next_deadline() == m.now_ns() + 250_000
    m.clock.skip_to(m.now_ns() + 250_000)
    m.pv.tick(m)
    assert not m.pv.blocked and m.cpu.regs[EAX] == 1


def test_idle_call_ends_at_an_event_with_0_and_unmasks(m):
    m.mem[hc.SI_UPCALL_MASK] = 1
    assert call(m, hc.SET_CALLBACKS, 0x09, 0x101000, 0x09, 0x101100) == 0
    assert call(m, hc.SCHED_OP, hc.SCHEDOP_BLOCK, hc.NO_TIMEOUT) == 0
    assert m.mem[hc.SI_UPCALL_MASK] == 0 and m.pv.next_deadline() is None
    m.pv.raise_event(m, hc.EVT_CONSOLE)
    assert not m.pv.blocked and m.cpu.regs[EAX] == 0 and m.pv.upcall_due(m)


def test_idle_call_with_an_event_already_pending_returns_at_once(m):
    m.pv.raise_event(m, hc.EVT_TIMER)
    assert call(m, hc.SCHED_OP, hc.SCHEDOP_BLOCK, 100) == 0
    assert not m.pv.blocked


def test_sched_op_bad_command_and_shutdown(m):
    assert call(m, hc.SCHED_OP, 9, 0) == -22
    call(m, hc.SCHED_OP, hc.SCHEDOP_SHUTDOWN, 5)
    assert m.exit_code == 11


# ------------------------------------------------------------------- block
RING = 0x8000


def request(m, slot: int, op: int, count: int, sector: int, buf: int, ident: int) -> None:
    struct.pack_into("<BBHIII", m.mem, RING + hc.RING_FIRST + hc.RING_SLOT * slot,
                     op, 0xEE, count, sector, buf, ident)


def status(m, slot: int) -> int:
    return m.mem[RING + hc.RING_FIRST + hc.RING_SLOT * slot + 1]


def test_block_ring_reads_and_writes_the_disk_file():
    disk = io.BytesIO(bytes(range(256)) * 16)     # 4K: 8 sectors
    m = ParavirtMachine(SIZE, disk=disk)
    m.start(0x101000)
    assert call(m, hc.BLOCK_OP, hc.BLKOP_SETUP, RING) == 0
    m.mem[0x9000:0x9200] = b"\xAB" * 512
    request(m, 0, hc.BLK_WRITE, 1, 3, 0x9000, 7)
    request(m, 1, hc.BLK_READ, 2, 2, 0xA000, 8)
    request(m, 2, hc.BLK_READ, 1, 8, 0xA000, 9)            # past the end of the disk
    request(m, 3, hc.BLK_READ, 1, 0, SIZE - 256, 10)       # a buffer outside the guest
    request(m, 4, 7, 1, 0, 0xA000, 11)                     # no such operation
    put(m, RING, 5)
    assert call(m, hc.BLOCK_OP, hc.BLKOP_NOTIFY, 0) == 5
    assert [status(m, i) for i in range(5)] == [0, 0, 5, 14, 22]
    assert u32(m, RING + 4) == 5
    assert disk.getvalue()[3 * 512:4 * 512] == b"\xAB" * 512
    assert bytes(m.mem[0xA000:0xA200]) == bytes(range(256)) * 2
    assert bytes(m.mem[0xA200:0xA400]) == b"\xAB" * 512
    assert u32(m, hc.SI_PENDING) == 1 << hc.EVT_DISK


def test_block_ring_refusals(m):
    assert call(m, hc.BLOCK_OP, hc.BLKOP_SETUP, RING) == -19         # no disk
    assert call(m, hc.BLOCK_OP, hc.BLKOP_NOTIFY, 0) == -22           # no ring
    m.pv.disk = io.BytesIO(bytes(4096))
    assert call(m, hc.BLOCK_OP, hc.BLKOP_SETUP, RING + 4) == -22
    assert call(m, hc.BLOCK_OP, hc.BLKOP_SETUP, SIZE) == -14
    assert call(m, hc.BLOCK_OP, hc.BLKOP_SETUP, RING) == 0
    put(m, RING, 100)                                                # more than the ring
    assert call(m, hc.BLOCK_OP, hc.BLKOP_NOTIFY, 0) == -22


# ---------------------------------------------------------- who may call
def test_a_hypercall_from_ring_3_is_not_made(m):
    """INT 82h from ring 3 is reflected as the general-protection fault a DPL-1
    gate gives (here the guest has no #GP handler: the VM has crashed)."""
    m.cpu.cpl = 3
    m.cpu.regs[EAX] = hc.SCHED_OP
    m.cpu.regs[EBX] = hc.SCHEDOP_SHUTDOWN
    m._handle(hc.HYPERCALL_VECTOR, None, True)
    assert m.exit_code is None and m.pv.calls == {}
    assert m.crashed is not None and m.exits == {"reflect": 1}
