"""The one storage fast path of instruction fragments: source templates.

Every operand access of a hot fragment is written with these, so the protection
rules live in one place: the CPU's access TLBs (``cpu.rtlb`` for fetches,
``cpu.wtlb`` for stores; see s370/cpu.py) map a logical 2K block to the real
origin of its block when the access needs no further check under the current
PSW key, translation and low-address protection, with the reference (and change)
bit already set (a store also compares its address with ``cpu.store_lo``, 512
under low-address protection). One dictionary lookup and an in-block test, in real mode and
under DAT alike; a miss or an operand crossing a 2K boundary takes the CPU's
checked accessor, which fills the TLB. A store then tests the storage's mark of
translated code in its block (``cpu.code``, a bit per byte; s370/storage.py) and
invalidates what it overwrote. The block translator (s370/blocks.py)
hoists the TLBs and storage into locals when it splices these fragments.
"""
from __future__ import annotations

#: Reads of an n-byte operand at real address ``ra`` from ``cpu.mem``.
_READ = {1: "cpu.mem[{ra}]", 2: "_unpack_h(cpu.mem, {ra})[0]", 4: "_unpack_w(cpu.mem, {ra})[0]"}
_WRITE = {1: "cpu.mem[{ra}] = {v}", 2: "_pack_h(cpu.mem, {ra}, {v})", 4: "_pack_w(cpu.mem, {ra}, {v})"}
_SLOW_FETCH = {1: "cpu.fb", 2: "cpu.fh", 4: "cpu.fw"}
_SLOW_STORE = {1: "cpu.sb", 2: "cpu.sh", 4: "cpu.sw"}


def _inside(addr: str, n: int | str) -> str:
    """The operand of n bytes at ``addr`` lies in one 2K block."""
    if n == 1:
        return ""
    limit = 0x800 - n if isinstance(n, int) else f"{0x800} - {n}"
    return f" and ({addr} & 0x7FF) <= {limit}"


def fetch(var: str, n: int, addr: str = "addr") -> str:
    """Fragment: ``var`` = the n-byte (1, 2 or 4) unsigned operand at ``addr``."""
    ra = f"_f | ({addr} & 0x7FF)"
    return f"""
_f = cpu.rtlb.get({addr} >> 11)
if _f is not None{_inside(addr, n)}:
    {var} = {_READ[n].format(ra=ra)}
else:
    {var} = {_SLOW_FETCH[n]}({addr})
"""


def store(value: str, n: int, addr: str = "addr") -> str:
    """Fragment: store ``value`` (already reduced to n bytes) at ``addr``."""
    ra = f"_f | ({addr} & 0x7FF)"
    return f"""
_f = cpu.wtlb.get({addr} >> 11)
if _f is not None and {addr} >= cpu.store_lo{_inside(addr, n)}:
    {_WRITE[n].format(ra=ra, v=value)}
    if cpu.code[_f >> 11] >> ({addr} & 0x7FF) & {(1 << n) - 1}:
        cpu.storage.written({ra}, {n})
else:
    {_SLOW_STORE[n]}({addr}, {value})
"""


def real_pair(n: str, write1: bool) -> str:
    """Condition for a storage-to-storage fast path over n bytes at ``addr1``
    (stored into when ``write1``) and ``addr2``: both operands in one mapped 2K
    block each. Sets ``_f``/``_g`` to their blocks' real origins first (a
    fragment line of its own) and leaves ``a1``/``a2`` to be computed from them."""
    tlb, lap = ("wtlb", " and addr1 >= cpu.store_lo") if write1 else ("rtlb", "")
    return (f"_f = cpu.{tlb}.get(addr1 >> 11); _g = cpu.rtlb.get(addr2 >> 11)\n"
            f"if _f is not None and _g is not None{lap}{_inside('addr1', n)}"
            f"{_inside('addr2', n)}:")


def code_check(ra: str, n: str) -> str:
    """Fragment line: after a fast-path store of n bytes at real ``ra``, drop
    the translated code it overwrote."""
    return f"if cpu.code[({ra}) >> 11]:\n    cpu.storage.written({ra}, {n})"


def real_range(n: str, write: bool, addr: str = "addr") -> str:
    """Condition for a fast path over ``n`` bytes at ``addr`` in one mapped 2K
    block; ``_f`` holds the block's real origin (computed on a line of its own)."""
    tlb, lap = ("wtlb", f" and {addr} >= cpu.store_lo") if write else ("rtlb", "")
    return f"_f = cpu.{tlb}.get({addr} >> 11)\nif _f is not None{lap}{_inside(addr, n)}:"
