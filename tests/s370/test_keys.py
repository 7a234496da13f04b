"""Storage keys (GA22-7000 chapter 3, "Protection", "Reference and Change
Recording"): key-controlled store and fetch protection, low-address protection,
instruction-fetch protection, reference and change bits."""
from hypothesis import given
from hypothesis import strategies as st

from s370.errors import PGM_PROTECTION, ProgramInterrupt
from tests.s370.control_support import (CODE, END, bc, bc_code, ec, ended, identity_dat,
                                        new_machine, pgm_old, put, run, start, trapped)

DATA = 0x4000           # a 2K block of data, addressed through R5


def with_key(storage_key: int, psw_key: int, code: str, cr0: int | None = None):
    def setup(m):
        m.storage.keys[DATA >> 11] = storage_key
        m.storage.keys[CODE >> 11] = psw_key << 4
        m.cpu.gpr[5] = DATA
        m.cpu.gpr[1] = 0x11223344
        put(m, DATA, "CAFEBABE")
        if cr0 is not None:
            m.cpu.cr[0] = cr0
    return run(code + END, psw=bc(CODE, key=psw_key), setup=setup)


def test_store_protection_suppresses():
    m = with_key(0x20, 1, "50105000")                 # ST 1,0(5)
    assert trapped(m)
    assert bc_code(pgm_old(m)) == (PGM_PROTECTION, 2, CODE + 4)
    assert m.storage.read(DATA, 4) == bytes.fromhex("CAFEBABE")
    assert m.storage.keys[DATA >> 11] == 0x20          # no reference or change


def test_store_with_key_zero_and_matching_key():
    for psw_key in (0, 2):
        m = with_key(0x20, psw_key, "50105000")
        assert ended(m)
        assert m.storage.read(DATA, 4) == bytes.fromhex("11223344")
        assert m.storage.keys[DATA >> 11] == 0x26      # reference and change set


def test_fetch_protection():
    m = with_key(0x28, 1, "58205000")                 # L 2,0(5)
    assert bc_code(pgm_old(m)) == (PGM_PROTECTION, 2, CODE + 4)


def test_fetch_without_fetch_protection_sets_reference_only():
    m = with_key(0x20, 1, "58205000")
    assert ended(m)
    assert m.cpu.gpr[2] == 0xCAFEBABE
    assert m.storage.keys[DATA >> 11] == 0x24


def test_low_address_protection_applies_to_key_zero():
    m = run("501001FC" + END, setup=lambda m: m.cpu.cr.__setitem__(0, 0x100000E0))
    assert bc_code(pgm_old(m)) == (PGM_PROTECTION, 2, CODE + 4)
    m = run("50100200" + END, setup=lambda m: m.cpu.cr.__setitem__(0, 0x100000E0))
    assert ended(m)


def test_low_address_protection_off():
    m = run("501001FC" + END)
    assert ended(m)


def run_key1_code_in_block(storage_key: int):
    """LPSW to code at X'3000' with PSW key 1, the block's storage key ``storage_key``."""
    m = new_machine()
    m.storage.keys[0x3000 >> 11] = storage_key
    put(m, 0x3000, END)
    put(m, 0x400, bc(0x3000, key=1))
    start(m, "82000400")
    return m


def test_instruction_fetch_protection():
    # code at X'3000' in a fetch-protected key-2 block; PSW key 1 cannot run it
    m = run_key1_code_in_block(0x28)
    assert bc_code(pgm_old(m)) == (PGM_PROTECTION, 1, 0x3002)


def test_instruction_fetch_without_fetch_protection_runs():
    m = run_key1_code_in_block(0x20)
    assert ended(m)


def test_ssk_enabling_fetch_protection_takes_effect_at_once():
    # PSW key 1 runs at X'3000' (key-1 block); SSK makes the next block (X'3800')
    # fetch-protected key 2; a branch there is then a protection exception
    m = new_machine()
    m.storage.keys[0x3000 >> 11] = 0x10
    m.cpu.gpr.__setitem__(slice(1, 3), [0x28, 0x3800])
    put(m, 0x3000, "0812" "07F2")               # SSK 1,2; BR 2
    put(m, 0x3800, END)
    start(m, "", psw=bc(0x3000, key=1))
    assert bc_code(pgm_old(m)) == (PGM_PROTECTION, 1, 0x3802)


# ------------------------------------------------------------------ property
def reference(psw_key, skey, write, addr, lap):
    """GA22-7000: a store is permitted when the keys match or the PSW key is 0,
    and never into 0-511 under low-address protection; a fetch is refused only
    from a fetch-protected block whose key differs from a non-zero PSW key."""
    if write:
        return not (lap and addr < 512) and (psw_key == 0 or psw_key == skey >> 4)
    return psw_key == 0 or psw_key == skey >> 4 or not skey & 0x08


@given(psw_key=st.integers(0, 15), skeys=st.lists(st.integers(0, 0x1F).map(lambda k: k << 3),
                                                  min_size=2, max_size=2),
       write=st.booleans(), lap=st.booleans(), size=st.sampled_from([1, 2, 4, 8, 13]),
       addr=st.one_of(st.integers(0, 0x1000 - 16), st.integers(0x7F0, 0x80F)),
       dat_on=st.booleans(), warm=st.booleans())
def test_key_protection_matches_reference(psw_key, skeys, write, lap, size, addr, dat_on, warm):
    check_access(psw_key, skeys, write, lap, size, addr, dat_on, warm)


def test_key_protection_every_path():
    """Every accessor, mode (real; DAT with the TLB cold or warm) and key case,
    exhaustively, so that no fast path escapes the rule by chance."""
    for size in (1, 2, 4, 8, 13):
        for write in (False, True):
            for dat_on, warm in ((False, False), (True, False), (True, True)):
                for psw_key, skey in ((0, 0x28), (1, 0x10), (1, 0x20), (1, 0x28), (2, 0x28)):
                    for lap, addr in ((False, 0x100), (True, 0x100), (True, 0x400), (False, 0x7FE)):
                        check_access(psw_key, [skey, skey ^ 0x30], write, lap, size, addr,
                                     dat_on, warm)


def check_access(psw_key, skeys, write, lap, size, addr, dat_on, warm):
    """One access through the CPU's accessor for ``size`` bytes, against the
    reference rule: the outcome and the reference and change bits. With DAT on
    the tables map virtual = real, and ``warm`` fills the TLB first, so that both
    the table walk and the TLB fast paths are checked."""
    m = new_machine(size=64 * 1024)
    cpu = m.cpu
    cpu.cr[0] = 0x100000E0 if lap else 0xE0
    if dat_on:
        identity_dat(m, 64 * 1024)
        if warm:
            cpu.translate(addr), cpu.translate(addr + size - 1)
    keys = m.storage.keys
    keys[0], keys[1] = skeys
    cpu.load_psw(ec(CODE, key=psw_key, sysmask=0x04) if dat_on else bc(CODE, key=psw_key))
    first, last = addr >> 11, (addr + size - 1) >> 11
    allowed = all(reference(psw_key, keys[b], write, max(addr, b << 11), lap)
                  for b in range(first, last + 1))
    before = bytes(keys[:2])
    ops = {(1, False): lambda: cpu.fb(addr), (1, True): lambda: cpu.sb(addr, 0x5A),
           (2, False): lambda: cpu.fh(addr), (2, True): lambda: cpu.sh(addr, 0x5A5A),
           (4, False): lambda: cpu.fw(addr), (4, True): lambda: cpu.sw(addr, 0x5A5A5A5A),
           (8, False): lambda: cpu.fd(addr), (8, True): lambda: cpu.sd(addr, 0x5A),
           (13, False): lambda: cpu.fetch(addr, 13), (13, True): lambda: cpu.store(addr, bytes(13))}
    try:
        ops[size, write]()
        got = True
    except ProgramInterrupt as e:
        assert e.code == PGM_PROTECTION
        got = False
    assert got == allowed
    if allowed:
        bits = 0x06 if write else 0x04
        for b in range(first, last + 1):
            assert keys[b] == before[b] | bits
    else:
        assert bytes(keys[:2]) == before
