"""The S/370 CPU: registers, PSW, the run loop, storage access and interruptions.

The hot path is ``_run_real`` / ``_run_dat``: fetch the first byte, advance the
instruction address, call the compiled handler. Everything else (interruptions,
timers, wait state) happens between bursts of instructions, when ``attn`` is set
or a handler raises ``StateChange``.

References are to the S/370 Principles of Operation, GA22-7000.
"""
from __future__ import annotations

import struct

from . import dat as _dat
from . import psw as pswmod
from .errors import (PGM_ADDRESSING, PGM_PRIVILEGED, PGM_PROTECTION,
                     PGM_SPECIFICATION, ProgramInterrupt, StateChange)
from .isa import HANDLERS, LENGTH
from .storage import Storage
from . import blocks as _blocks
from . import translation as _translation

_H = struct.Struct(">H")
_W = struct.Struct(">I")
_D = struct.Struct(">Q")
_unpack_h, _unpack_w, _unpack_d = _H.unpack_from, _W.unpack_from, _D.unpack_from
_pack_h, _pack_w, _pack_d = _H.pack_into, _W.pack_into, _D.pack_into

# Fixed storage locations (GA22-7000, "Assigned Storage Locations").
RESTART_NEW, RESTART_OLD = 0x00, 0x08
EXT_OLD, SVC_OLD, PGM_OLD, MCK_OLD, IO_OLD = 0x18, 0x20, 0x28, 0x30, 0x38
EXT_NEW, SVC_NEW, PGM_NEW, MCK_NEW, IO_NEW = 0x58, 0x60, 0x68, 0x70, 0x78
EXT_CODE, SVC_ILC, SVC_CODE, PGM_ILC, PGM_CODE = 0x86, 0x89, 0x8A, 0x8D, 0x8E
TRANS_EXC_ADDR, IO_ADDR = 0x90, 0xBA

MASK24 = 0xFFFFFF
#: Maps a storage-key byte to 1 when its fetch-protection bit is on.
_FETCH_PROT = bytes(1 if k & 0x08 else 0 for k in range(256))


class CPU:
    """One S/370 CPU attached to one main storage.

    The PSW is held as fields (``sysmask key ec mcheck wait problem cc pm ia``);
    ``psw`` builds and ``load_psw`` splits the 64-bit form. Derived flags
    (``dat``, ``privtrap``) are recomputed by ``psw_changed`` whenever the PSW or
    control registers change.
    """

    def __init__(self, storage: Storage, cpuid: int = 0):
        self.storage = storage
        self.mem = storage.mem
        self.skeys = storage.keys
        self.size = storage.size
        self.lim2 = storage.size - 2
        self.lim4 = storage.size - 4
        self.cpuid = cpuid          # STIDP value (version, serial, model)
        self.cpu_address = 0
        self.prefix = 0             # prefix register (STPX/SPX); always 0 here
        self.gpr = [0] * 16
        self.fpr = [0] * 8          # 64-bit images of FPR 0, 2, 4, 6 (odd slots unused)
        self.cr = [0] * 16
        self.handlers = HANDLERS
        # PSW fields
        self.sysmask = 0
        self.key = 0
        self.ec = False
        self.mcheck = False
        self.wait = False
        self.problem = False
        self.cc = 0
        self.pm = 0
        self.ia = 0
        # derived
        self.dat = False
        self.privtrap = False
        self.store_lo = 0           # 512 with low-address protection on (CR0 bit 3)
        self.psw_invalid = False
        self.bad_psw = None         # the invalid PSW as loaded, for the early exception
        self.branch_ilc = 0         # ILC of a branch that set an odd address (see run)
        self.slow = False           # fetch instructions through fetch_instruction (DAT,
                                    # or fetch protection that could apply)
        # run state
        self.count = 0              # instructions executed: the deterministic clock
        self.attn = True            # look at interruptions before the next instruction
        self.stopped = False
        self.checkstop = False
        self.ext_pending = 0        # bit set of pending external-interruption codes
        self.channel = None         # the channel subsystem (s370.channel), if attached
        self.timers = None          # s370.timers.Timers, if attached
        self.next_event = 1 << 62   # instruction count of the next timer event
        self.exact = False          # run the next instruction alone (see resync)
        self.restart_pending = False
        self._pgm_last = (-2, -1)   # (count, code) of the last program interruption
        self._pgm_streak = 0
        self._swap_mark = -1        # count at the last interruption, and how many
        self._swap_streak = 0       # interruptions came with no instruction since
        self.tlb: dict[int, int] = {}
        self.xlat = self.tlb                # logical 2K block -> real origin, as DAT found it
        self.rtlb: dict[int, int] = {}      # access TLBs: see "storage access"
        self.wtlb: dict[int, int] = {}
        self.code = storage.code            # Storage.code: bytes holding translated code
        self._access_for = None             # (key, dat, store_lo) they were filled under
        self.use_blocks = _translation.enabled()    # bursts run translated blocks
        self.block_cache: dict = {}         # logical address -> Block
        self.epoch = 0                      # CPU.run calls so far (see _block_at)
        storage.cpus.append(self)
        self.reset_cr()

    # ------------------------------------------------------------------ PSW
    def reset_cr(self) -> None:
        """Control registers after a reset (GA22-7000, "Control Registers")."""
        self.cr = [0] * 16
        self.cr[0] = 0x000000E0     # interval timer, interrupt key, external signal submasks
        self.cr[2] = 0xFFFFFFFF     # all channel masks on
        self.cr[14] = 0xC2000000    # machine-check handling
        self.cr[15] = 512

    @property
    def psw(self) -> int:
        return pswmod.encode(self.sysmask, self.key, self.ec, self.mcheck, self.wait,
                             self.problem, self.cc, self.pm, self.ia)

    def psw_with(self, intcode: int = 0, ilc: int = 0) -> int:
        """The current PSW as an old PSW, with BC-mode interruption code and ILC."""
        return pswmod.encode(self.sysmask, self.key, self.ec, self.mcheck, self.wait,
                             self.problem, self.cc, self.pm, self.ia, intcode, ilc)

    def load_psw(self, value: int) -> None:
        """Make ``value`` the current PSW. An invalid PSW is accepted and the
        specification exception recognised before the next instruction (an "early"
        exception, GA22-7000 "Exceptions Associated with the PSW")."""
        f = pswmod.decode(value)
        self.sysmask, self.key, self.ec = f.sysmask, f.key, f.ec
        self.mcheck, self.wait, self.problem = f.mcheck, f.wait, f.problem
        self.cc, self.pm, self.ia = f.cc, f.pm, f.ia
        # An odd instruction address is recognised when an instruction is fetched,
        # so not in a wait state (IBCDASDI waits with IA X'FFFF', as on Hercules).
        self.psw_invalid = not f.valid or (bool(f.ia & 1) and not f.wait)
        self.branch_ilc = 0
        self.bad_psw = value if self.psw_invalid else None
        self.psw_changed()

    def psw_changed(self) -> None:
        """Recompute what depends on PSW and control registers; ask the run loop to
        re-examine interruptions before the next instruction."""
        self.dat = self.ec and bool(self.sysmask & 0x04)
        self.privtrap = self.problem
        self.store_lo = 512 if self.cr[0] & 0x10000000 else 0
        # Instruction fetch is key-checked only on the slow path: take it when DAT
        # is on or when some block is fetch-protected and the PSW key is not 0.
        self.slow = self.dat or (self.key != 0 and
                                 self.skeys.translate(_FETCH_PROT).find(1) >= 0)
        access = (self.key, self.dat, self.store_lo)
        if access != self._access_for:
            self._access_for = access
            self.purge_access()
        self.attn = True

    def attach(self, storage: Storage) -> None:
        """Run on ``storage`` from now on (the shadow-table bypass moves a V=R
        guest into a larger one): translations, checks and blocks of the old
        storage are forgotten."""
        if self in self.storage.cpus:
            self.storage.cpus.remove(self)
        self.storage = storage
        storage.cpus.append(self)
        self.mem, self.skeys, self.code = storage.mem, storage.keys, storage.code
        self.size, self.lim2, self.lim4 = storage.size, storage.size - 2, storage.size - 4
        self.block_cache.clear()
        self.purge_tlb()

    # ------------------------------------------------------- storage access
    # The fast path of every operand access is one lookup in an access TLB:
    # ``rtlb`` (fetch) and ``wtlb`` (store) map a logical 2K block to the real
    # origin of its block when the access needs no further check under the
    # current PSW key, translation and low-address protection, and the reference
    # (and for stores the change) bit is already set. A store then tests the
    # storage's mark of translated code (``code``) and drops what it overwrote
    # (``Storage.written``). ``pieces`` does every check and fills them; ``purge_access`` empties them when what they assumed changes (PSW
    # key, DAT, low-address protection, a TLB purge, SSK, RRB). The dicts are
    # never replaced, so translated blocks may hold them in locals.
    def fb(self, a: int) -> int:
        f = self.rtlb.get(a >> 11)
        if f is not None:
            return self.mem[f | (a & 0x7FF)]
        return self.mem[self.pieces(a, 1, False)[0][0]]

    def fh(self, a: int) -> int:
        f = self.rtlb.get(a >> 11)
        if f is not None and (a & 0x7FF) != 0x7FF:
            return _unpack_h(self.mem, f | (a & 0x7FF))[0]
        return int.from_bytes(self.fetch(a, 2), "big")

    def fw(self, a: int) -> int:
        f = self.rtlb.get(a >> 11)
        if f is not None and (a & 0x7FF) <= 0x7FC:
            return _unpack_w(self.mem, f | (a & 0x7FF))[0]
        return int.from_bytes(self.fetch(a, 4), "big")

    def fd(self, a: int) -> int:
        f = self.rtlb.get(a >> 11)
        if f is not None and (a & 0x7FF) <= 0x7F8:
            return _unpack_d(self.mem, f | (a & 0x7FF))[0]
        return int.from_bytes(self.fetch(a, 8), "big")

    def sb(self, a: int, v: int) -> None:
        f = self.wtlb.get(a >> 11)
        if f is not None and a >= self.store_lo:
            self.mem[f | (a & 0x7FF)] = v
            if self.code[f >> 11]:
                self.storage.written(f | (a & 0x7FF), 1)
            return
        self.store(a, bytes((v,)))

    def sh(self, a: int, v: int) -> None:
        f = self.wtlb.get(a >> 11)
        if f is not None and a >= self.store_lo and (a & 0x7FF) != 0x7FF:
            _pack_h(self.mem, f | (a & 0x7FF), v & 0xFFFF)
            if self.code[f >> 11]:
                self.storage.written(f | (a & 0x7FF), 2)
            return
        self.store(a, (v & 0xFFFF).to_bytes(2, "big"))

    def sw(self, a: int, v: int) -> None:
        f = self.wtlb.get(a >> 11)
        if f is not None and a >= self.store_lo and (a & 0x7FF) <= 0x7FC:
            _pack_w(self.mem, f | (a & 0x7FF), v & 0xFFFFFFFF)
            if self.code[f >> 11]:
                self.storage.written(f | (a & 0x7FF), 4)
            return
        self.store(a, (v & 0xFFFFFFFF).to_bytes(4, "big"))

    def sd(self, a: int, v: int) -> None:
        self.store(a, (v & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "big"))

    def pieces(self, a: int, n: int, write: bool) -> list[tuple[int, int]]:
        """Translate and check the logical range [a, a+n) (24-bit wrap) and return
        its real pieces ``(real address, length)``. All access exceptions are
        recognised before anything is stored; reference and change bits are set
        only when the whole range is accessible, and the access TLBs then map
        the 2K blocks involved."""
        out = []
        blocks = []
        keys = self.skeys
        key = self.key
        size = self.size
        while n > 0:
            a &= MASK24
            chunk = min(n, 0x800 - (a & 0x7FF), 0x1000000 - a)
            if self.dat:
                ra = self.translate(a, write)
            else:
                ra = a
            if ra + chunk > size:
                raise ProgramInterrupt(PGM_ADDRESSING)
            if write and a < self.store_lo:
                raise ProgramInterrupt(PGM_PROTECTION)
            k = keys[ra >> 11]
            if key and (k >> 4) != key and (write or k & 8):
                raise ProgramInterrupt(PGM_PROTECTION)
            if out and out[-1][0] + out[-1][1] == ra:
                out[-1] = (out[-1][0], out[-1][1] + chunk)
            else:
                out.append((ra, chunk))
            blocks.append((a >> 11, ra & ~0x7FF))
            a += chunk
            n -= chunk
        bits = 6 if write else 4
        for ra, ln in out:
            for blk in range(ra >> 11, ((ra + ln - 1) >> 11) + 1):
                keys[blk] |= bits
        for lb, org in blocks:
            self.rtlb[lb] = org
            if write and self.store_cacheable(org):
                self.wtlb[lb] = org
        return out

    def store_cacheable(self, origin: int) -> bool:
        """Whether stores into the real 2K block at ``origin`` may bypass the
        checks once allowed (interpretive execution watches its guest's tables)."""
        return True

    def purge_access(self) -> None:
        """Empty the access TLBs (in place: blocks hold them in locals)."""
        self.rtlb.clear()
        self.wtlb.clear()

    def purge_tlb(self) -> None:
        """PTLB and everything that purges translations (LCTL of CR0/CR1, IPTE)."""
        self.tlb.clear()
        self.purge_access()

    def keys_changed(self) -> None:
        """A storage key changed (SSK, RRB): every CPU on this storage drops the
        accesses it had checked against the old one."""
        for cpu in self.storage.cpus:
            cpu.purge_access()

    def fetch(self, a: int, n: int) -> bytes:
        """Fetch n bytes at logical address a, with all access checks."""
        mem = self.mem
        if 0 < n <= 0x800 - (a & 0x7FF):
            f = self.rtlb.get(a >> 11)
            if f is not None:
                ra = f | (a & 0x7FF)
                return bytes(mem[ra:ra + n])
        ps = self.pieces(a, n, False)
        if len(ps) == 1:
            ra, ln = ps[0]
            return bytes(mem[ra:ra + ln])
        return b"".join(bytes(mem[ra:ra + ln]) for ra, ln in ps)

    def store(self, a: int, data: bytes) -> None:
        """Store bytes at logical address a, with all access checks first; a store
        into translated code invalidates the blocks made from the bytes it changes."""
        mem = self.mem
        n = len(data)
        if 0 < n <= 0x800 - (a & 0x7FF):
            f = self.wtlb.get(a >> 11)
            if f is not None and a >= self.store_lo:
                ra = f | (a & 0x7FF)
                mem[ra:ra + n] = data
                if self.code[f >> 11]:
                    self.storage.written(ra, n)
                return
        off = 0
        for ra, ln in self.pieces(a, n, True):
            mem[ra:ra + ln] = data[off:off + ln]
            self.storage.written(ra, ln)
            off += ln

    def check_access(self, a: int, n: int, write: bool) -> None:
        """Recognise access exceptions for a whole operand before an instruction
        that processes it piecewise starts changing storage."""
        if n > 0 and not (n <= 0x800 - (a & 0x7FF) and (a >= self.store_lo or not write)
                          and (a >> 11) in (self.wtlb if write else self.rtlb)):
            self.pieces(a, n, write)

    def translate(self, va: int, write: bool = False) -> int:
        """Virtual to real (DAT): the TLB, else a table walk (s370.dat)."""
        f = self.tlb.get(va >> 11)
        if f is None:
            return _dat.translate(self, va, write)
        return f | (va & 0x7FF)

    def resync(self, length: int) -> None:
        """Called by an instruction of ``length`` bytes that must see the exact
        instruction count (the clock): undo its start and have the run loop execute
        it again as a burst of its own, with ``exact`` set."""
        self.ia = (self.ia - length) & MASK24
        self.count -= 1             # the run loop will count this attempt
        self.exact = True
        raise StateChange

    # ------------------------------------------------------ privileged ops
    def priv_trap(self, ins, m, p):
        """A privileged instruction in problem state (GA22-7000: privileged-operation
        exception). Interpretive execution overrides this to intercept."""
        raise ProgramInterrupt(PGM_PRIVILEGED)

    # ------------------------------------------------------------ running
    def run(self, limit: int) -> int:
        """Execute up to ``limit`` instructions; stop early at a wait state, a
        check-stop or a stop request. Returns the number executed. Interruptions
        are taken between instructions as they become pending and enabled."""
        start = self.count
        end = start + limit
        self.epoch += 1
        while self.count < end and not self.stopped and not self.checkstop:
            if self.attn:
                # one interruption's new PSW may enable the next: take them all
                # before the first instruction (each sets attn again)
                self.service()
                while self.attn and not (self.wait or self.checkstop or self.stopped):
                    self.service()
                if self.wait or self.checkstop or self.stopped:
                    break
            if self.count >= self.next_event and self.timers is not None:
                self.timers.tick(self)
                continue
            n = min(end, self.next_event) - self.count
            if n <= 0:
                n = end - self.count
            if self.ia & 1:
                # a branch to an odd address: specification exception when the
                # instruction is fetched. The ILC is the branch's and the old PSW's
                # instruction address the odd address advanced by it (GA22-7000
                # "Instruction-Length Code": a BCR to X'2EF' gives ILC 1, X'2F1').
                # An odd address that no branch introduced (branch_ilc 0) reports
                # ILC 0 with the address unchanged.
                self.count += 1
                ilc = self.branch_ilc
                self.branch_ilc = 0
                self.ia = (self.ia + 2 * ilc) & MASK24
                self.program_interrupt(PGM_SPECIFICATION, ilc)
                continue
            exact = self.exact
            if exact:
                n = 1
            try:
                if self.use_blocks:
                    self._run_blocks(n)
                elif self.slow:
                    self._run_dat(n)
                else:
                    self._run_real(n)
            except StateChange:
                pass
            if exact:
                self.exact = False
        return self.count - start

    def _run_blocks(self, n: int) -> None:
        """Execution by translated blocks (s370/blocks.py), in every mode: the same
        semantics as the interpreter, one call per basic block. A block is used
        when the access TLB still maps its logical 2K block to the real block it
        was made from (translation, PSW key and fetch protection checked once);
        otherwise, or where no block can be made, one instruction is
        interpreted with every check, which fills the TLB for the next entry."""
        mem = self.mem
        rtlb = self.rtlb
        stale = self.storage.stale
        epoch = self.epoch
        done = 0
        try:
            while done < n:
                ia = self.ia
                b = self.block_cache.get(ia)
                if b is None or rtlb.get(ia >> 11) != b.origin or b.checked != epoch:
                    b = self._block_at(ia)
                    if b is None:
                        self.count += done
                        n -= done + 1
                        done = 0
                        if self.slow:           # either counts itself
                            self._run_dat(1)
                        else:
                            self._run_real(1)
                        if self.attn:
                            return
                        continue
                left = n - done
                if b.n > left:
                    break
                stale[0] = 0
                try:
                    done += b.fn(self, mem, left)
                except StateChange as e:
                    before, k = b.raised(e, self)
                    done += before + k + 1
                    raise
                except ProgramInterrupt as e:
                    before, k = b.raised(e, self)
                    done += before + k + 1
                    a = b.addrs[k]
                    self.ia = (a + b.lens[k]) & MASK24
                    self.count += done      # counted before the interruption is taken
                    done = 0
                    self._program_exception(e, a, b.lens[k])
                    return
                except BaseException as e:
                    before, k = b.raised(e, self)
                    done += before + k
                    raise
        finally:
            self.count += done
        if done < n:
            # a block longer than the budget left: the interpreter does the rest
            if self.slow:
                self._run_dat(n - done)
            else:
                self._run_real(n - done)

    def _code_origin(self, ia: int) -> int | None:
        """Real origin of the 2K block holding the instruction at ``ia`` when it
        can be fetched with no exception under the translation already in the
        TLB (then the fetch TLB maps it, with the reference bit set), else None:
        the interpreter fetches it with every check."""
        if self.dat:
            origin = self.xlat.get(ia >> 11)
        else:
            origin = ia & 0xFFF800
        if origin is None or origin >= self.size:
            return None
        k = self.skeys[origin >> 11]
        if k & 8 and self.key and (k >> 4) != self.key:
            return None
        self.skeys[origin >> 11] = k | 4
        self.rtlb[ia >> 11] = origin
        return origin

    def _block_at(self, ia: int):
        """The translated block for logical ``ia`` when the access TLB maps its 2K
        block (a new one if the cached one was made from other real storage or
        from bytes that changed); None when the instruction must be interpreted
        (TLB miss, odd address, an instruction crossing a 2K boundary).

        Stores while the CPU runs invalidate blocks exactly (Storage.written);
        storage written between ``run`` calls without telling the storage (CP,
        the operator, tests) is caught here: a block's bytes are compared once
        per call, at its first entry."""
        origin = self.rtlb.get(ia >> 11)
        if origin is None:
            origin = self._code_origin(ia)
        if origin is None or ia & 1:
            return None
        b = self.block_cache.pop(ia, None)
        if b is not None:
            if b.origin == origin and self.mem[b.real:b.real + b.size] == b.code:
                b.checked = self.epoch
                self.block_cache[ia] = b
                return b
            self.storage.forget(b)
        b = _blocks.translate(self, ia, origin | (ia & 0x7FF))
        if b is not None:
            b.cache = self.block_cache
            b.checked = self.epoch
            self.block_cache[ia] = b
            self.storage.add_code(b)
        return b

    def _run_real(self, n: int) -> None:
        """Real-mode interpretation. Each instruction fetch sets the reference bit
        of its 2K block, and of the next one when the instruction crosses into it
        (GA22-7000 "Reference Recording"); an instruction running past the end of
        storage raises IndexError here, which ``_fetch_fault`` reports."""
        mem = self.mem
        sk = self.skeys
        handlers = self.handlers
        ln = LENGTH
        i = n + 1           # instructions not yet started, plus one
        ia = self.ia
        try:
            for i in range(n, 0, -1):
                ia = self.ia
                op = mem[ia]
                nxt = ia + ln[op]
                sk[ia >> 11] |= 4
                if (nxt - 1) ^ ia > 0x7FF:
                    sk[(nxt - 1) >> 11] |= 4
                self.ia = nxt
                handlers[op](self, mem, ia)
            i = 0
        except StateChange:
            i -= 1          # the instruction completed
            raise
        except ProgramInterrupt as e:
            i -= 1          # the interrupted instruction counts as executed,
            self.count += n - i     # and is counted before the interruption is taken
            n = i
            self._program_exception(e, ia, ln[mem[ia]] if ia < self.size else 2)
        except IndexError:
            self._fetch_fault(ia)
        finally:
            self.count += n - i

    def _fetch_fault(self, ia: int) -> None:
        """An IndexError in the real-mode loop: the instruction address wrapped past
        16M, or an instruction lies (partly) outside storage: addressing exception
        with the PSW pointing at it. Any other IndexError is a bug and propagates."""
        if ia > MASK24:
            self.ia = ia & MASK24
            return
        if ia + 2 <= self.size and ia + LENGTH[self.mem[ia]] <= self.size:
            raise
        ilc = LENGTH[self.mem[ia]] >> 1 if ia < self.size else 1
        self.ia = (ia + 2 * ilc) & MASK24
        self.program_interrupt(PGM_ADDRESSING, ilc)

    def _run_dat(self, n: int) -> None:
        """The checked interpreter: every instruction fetch translated and
        key-checked (DAT, fetch protection), and where blocks cannot run."""
        handlers = self.handlers
        ln = LENGTH
        mem = self.mem
        i = n
        ia = self.ia
        op = 0
        # The 2K block of the last instruction fetched, as (logical address of the
        # block, real address): fetches from it skip translation and key checks
        # until the burst ends (anything that changes translation, keys or the PSW
        # key ends the burst with StateChange). An odd address never matches.
        blk = -1
        base = 0
        try:
            while i:
                i -= 1
                ia = self.ia
                if ia & 0xFFF801 == blk:
                    off = base | (ia & 0x7FF)
                    op = mem[off]
                    if (ia & 0x7FF) + ln[op] <= 0x800:
                        self.ia = (ia + ln[op]) & MASK24
                        handlers[op](self, mem, off)
                        continue
                buf, off = self.fetch_instruction(ia)
                op = buf[off]
                if buf is mem:
                    blk = ia & 0xFFF800
                    base = off & ~0x7FF
                self.ia = (ia + ln[op]) & MASK24
                handlers[op](self, buf, off)
        except StateChange:
            raise
        except ProgramInterrupt as e:
            self.count += n - i     # counted before the interruption is taken
            n = i
            self._program_exception(e, ia, ln[op])
        except BaseException:
            i += 1                  # an intercept: the instruction did not complete
            raise
        finally:
            self.count += n - i

    def fetch_instruction(self, ia: int):
        """(buffer, offset) of the instruction at logical ``ia``, with DAT and key
        checks. An instruction that crosses a 2K boundary is copied into a small
        buffer.

        Exceptions (GA22-7000 "Addressing Exception", "Protection"): an odd address
        is a specification exception with ILC 0 and the PSW unchanged; a
        segment/page-translation exception nullifies; addressing and protection
        suppress, with the ILC (1-3) giving the halfwords the instruction address
        is advanced by: the instruction's length when its first halfword could be
        fetched, else 1."""
        if ia & 1:
            raise ProgramInterrupt(PGM_SPECIFICATION, ilc=0, nullify=True)
        try:
            ra = self.translate(ia, False) if self.dat else ia
        except ProgramInterrupt as e:
            raise self._fetch_exception(e, ia, 1)
        if ra >= self.size:
            raise self._fetch_exception(ProgramInterrupt(PGM_ADDRESSING), ia, 1)
        k = self.skeys[ra >> 11]
        if k & 8 and self.key and (k >> 4) != self.key:
            raise self._fetch_exception(ProgramInterrupt(PGM_PROTECTION), ia, 1)
        self.skeys[ra >> 11] = k | 4
        self.rtlb[(ia >> 11) & 0x1FFF] = ra & ~0x7FF
        length = LENGTH[self.mem[ra]]
        if (ra & 0x7FF) + length <= 0x800 and ra + length <= self.size:
            return self.mem, ra
        first = self.mem[ra]
        try:
            rest = self.fetch(ia + 1, length - 1) if length > 1 else b""
        except ProgramInterrupt as e:
            raise self._fetch_exception(e, ia, length >> 1)
        return bytes((first,)) + rest, 0

    def _fetch_exception(self, e: ProgramInterrupt, ia: int, ilc: int) -> ProgramInterrupt:
        """Give an exception met while fetching the instruction at ``ia`` its ILC
        and, unless it nullifies, the advanced instruction address."""
        e.ilc = ilc
        if not e.nullify:
            self.ia = (ia + 2 * ilc) & MASK24
        return e

    def _program_exception(self, e: ProgramInterrupt, ia: int, length: int) -> None:
        """Turn a program exception raised by the instruction at ``ia`` into a
        program interruption: nullified instructions leave the PSW pointing at the
        instruction; suppressed and completed ones at the next."""
        ilc = (length >> 1) if e.ilc is None else e.ilc
        if e.nullify:
            self.ia = ia
        self.program_interrupt(e.code, ilc)

    # --------------------------------------------------------- interruptions
    def swap_psw(self, old: int, new: int, intcode: int = 0, ilc: int = 0) -> None:
        """Store the current PSW at ``old`` and load the PSW at ``new``. The old PSW
        keeps the wait bit when the CPU was waiting, as on the hardware (an enabled
        wait loop returns to the wait by loading the old PSW)."""
        if self.count == self._swap_mark:
            self._swap_streak += 1
            if self._swap_streak > self.INTERRUPT_LOOP_LIMIT:
                self.checkstop = True
                return
        else:
            self._swap_mark = self.count
            self._swap_streak = 0
        mem = self.mem
        self.storage.write(old, self.psw_with(intcode, ilc).to_bytes(8, "big"))
        self.load_psw(int.from_bytes(mem[new:new + 8], "big"))

    #: Interruptions in a row with no instruction executed in between that the
    #: emulator takes as an endless interruption loop (check-stop).
    INTERRUPT_LOOP_LIMIT = 10_000

    def program_interrupt(self, code: int, ilc: int) -> None:
        """Program interruption (GA22-7000 "Program Interruption"): EC mode stores
        zeros at X'8C', the ILC in bits 5-6 of X'8D' and the code at X'8E'; BC mode
        carries them in the old PSW. Old PSW at X'28', new at X'68'."""
        if self.ec:
            self.storage.write(0x8C, bytes((0, (ilc & 3) << 1, code >> 8, code & 0xFF)))
        if self._pgm_loop_guard(code):
            return
        self.swap_psw(PGM_OLD, PGM_NEW, code, ilc)

    #: Program interruptions in a row, each at the first instruction after the
    #: previous one, that count as a loop (see _pgm_loop_guard).
    PGM_LOOP_LIMIT = 64

    def _pgm_loop_guard(self, code: int) -> bool:
        """A program new PSW whose first instruction itself causes the same program
        exception makes a real CPU interrupt forever. We enter check-stop instead
        after PGM_LOOP_LIMIT identical interruptions on consecutive instructions,
        so that every run ends."""
        last_count, last_code = self._pgm_last
        if code == last_code and self.count - last_count <= 1:
            self._pgm_streak += 1
            if self._pgm_streak >= self.PGM_LOOP_LIMIT:
                self.checkstop = True
                return True
        else:
            self._pgm_streak = 0
        self._pgm_last = (self.count, code)
        return False

    def svc_interrupt(self, number: int, ilc: int = 1) -> None:
        """SVC interruption: old PSW at X'20' (points after the SVC); EC mode stores
        the ILC at X'89' and the code at X'8A'."""
        if self.ec:
            self.storage.write(0x88, bytes((0, (ilc & 3) << 1, 0, number & 0xFF)))
        self.swap_psw(SVC_OLD, SVC_NEW, number & 0xFF, ilc)
        raise StateChange

    def io_enabled(self, channel: int) -> bool:
        """I/O mask for a channel: BC mode system-mask bits 0-5 (channels 0-5) and
        bit 6 (channels 6 and up); EC mode PSW bit 6 plus CR2's channel masks."""
        if self.ec:
            return bool(self.sysmask & 0x02) and bool(self.cr[2] & (0x80000000 >> channel))
        bit = channel if channel < 6 else 6
        return bool(self.sysmask & (0x80 >> bit))

    def external_interrupt(self, code: int) -> None:
        """External interruption: old PSW at X'18', new at X'58'. EC mode stores the
        code at X'86'; BC mode places it in the old PSW. For malfunction alert,
        emergency signal and external call the source CPU's address goes to X'84'."""
        if code >> 8 == 0x12:
            self.storage.write(0x84, self.cpu_address.to_bytes(2, "big"))
        if self.ec:
            self.storage.write(0x86, code.to_bytes(2, "big"))
        self.swap_psw(EXT_OLD, EXT_NEW, code, 0)

    def io_interrupt(self, device: int) -> None:
        """I/O interruption: the channel has stored the CSW at X'40'; the device
        address goes to X'BA' in EC mode and into the old PSW in BC mode."""
        if self.ec:
            self.storage.write(IO_ADDR, device.to_bytes(2, "big"))
        self.swap_psw(IO_OLD, IO_NEW, device, 0)

    def restart(self) -> None:
        """The restart interruption (operator's RESTART key, SIGP restart): old PSW
        at X'08', new PSW from X'00'."""
        self.restart_pending = False
        self.swap_psw(RESTART_OLD, RESTART_NEW)

    def machine_check(self, code: int) -> None:
        """A machine-check interruption with interruption code ``code`` (stored at
        X'E8'), taken when PSW bit 13 allows it; the emulator itself never detects
        machine malfunctions, so only tools and tests call this."""
        if not self.mcheck:
            return
        self.storage.write(0xE8, code.to_bytes(8, "big"))
        self.swap_psw(MCK_OLD, MCK_NEW)

    def store_status(self) -> None:
        """Store status (SIGP stop-and-store-status; GA22-7000 "Store Status"): CPU
        timer X'D8', clock comparator X'E0', current PSW X'100', FPRs X'160',
        GPRs X'180', CRs X'1C0'."""
        if self.timers is not None:
            self.storage.write(0xD8, (self.timers.cpu_timer(self) & (2**64 - 1)).to_bytes(8, "big"))
            self.storage.write(0xE0, self.timers.ckc.to_bytes(8, "big"))
        self.storage.write(0x100, self.psw.to_bytes(8, "big"))
        for i in range(4):
            self.storage.write(0x160 + 8 * i, self.fpr[2 * i].to_bytes(8, "big"))
        for i in range(16):
            self.storage.write(0x180 + 4 * i, self.gpr[i].to_bytes(4, "big"))
            self.storage.write(0x1C0 + 4 * i, self.cr[i].to_bytes(4, "big"))

    def service(self) -> None:
        """Between instructions: recognise an early PSW exception, then take the
        highest-priority pending interruption that is enabled (GA22-7000,
        "Priority of Interruptions": program and SVC interruptions happen as the
        instruction ends; then external, I/O, restart). Each interruption loads a
        new PSW and sets ``attn`` again, so the run loop comes back here and
        further enabled interruptions stack on top, as on the hardware.

        The early exception (ILC 0) stores the invalid PSW as it was introduced
        (the fields of an SSM/STOSM-made PSW hold the invalid mask bits).

        A new PSW that stays enabled for a condition that persists (a clock
        comparator or CPU timer condition under an enabled external new PSW)
        interrupts forever without executing an instruction; as for program
        loops, the emulator enters check-stop after INTERRUPT_LOOP_LIMIT
        interruptions with no instruction in between (see swap_psw)."""
        self.attn = False
        if self.psw_invalid:
            if self._pgm_loop_guard_invalid():
                return
            mem = self.mem
            old = self.bad_psw if self.bad_psw is not None and self.ec \
                else self.psw_with(PGM_SPECIFICATION, 0)
            self.psw_invalid = False
            self.bad_psw = None
            if self.ec:
                self.storage.write(0x8C, bytes((0, 0, 0, PGM_SPECIFICATION)))
            self.storage.write(PGM_OLD, old.to_bytes(8, "big"))
            self.load_psw(int.from_bytes(mem[PGM_NEW:PGM_NEW + 8], "big"))
            return
        if self.ext_pending and self.sysmask & 0x01:
            code = self.take_external()
            if code is not None:
                self.external_interrupt(code)
                return
        ch = self.channel
        if ch is not None and ch.pending:
            dev = ch.take_interrupt(self)
            if dev is not None:
                self.io_interrupt(dev)
                return
        if self.restart_pending:
            self.restart()

    def _pgm_loop_guard_invalid(self) -> bool:
        """Check-stop when the program new PSW is itself invalid while an invalid
        PSW is being reported (the hardware would loop without executing anything)."""
        f = pswmod.decode(int.from_bytes(self.mem[PGM_NEW:PGM_NEW + 8], "big"))
        if not f.valid or f.ia & 1:
            self.checkstop = True
            return True
        return False

    #: External-interruption code -> CR0 subclass-mask bit (GA22-7000 "Control
    #: Registers"): malfunction alert bit 16, emergency signal 17, external call
    #: 18, TOD-clock sync check 19, clock comparator 20, CPU timer 21, interval
    #: timer 24, interrupt key 25, external signal 26.
    EXT_SUBMASK = {0x1200: 0x00008000, 0x1201: 0x00004000, 0x1202: 0x00002000,
                   0x1003: 0x00001000, 0x1004: 0x00000800, 0x1005: 0x00000400,
                   0x0080: 0x00000080, 0x0040: 0x00000040, 0x0020: 0x00000020}
    #: External-interruption code -> its bit in ``ext_pending``.
    EXT_BIT = {0x1201: 1, 0x1202: 2, 0x1004: 4, 0x1005: 8, 0x0080: 16,
               0x0040: 32, 0x0020: 64, 0x1200: 128, 0x1003: 256}
    #: Interval timer, interrupt key and external signal: equal priority, above the
    #: rest, and indicated together in one interruption code.
    EXT_GROUP = (0x0080, 0x0040, 0x0020)
    #: The others, highest priority first, one at a time.
    EXT_ORDER = (0x1200, 0x1201, 0x1202, 0x1003, 0x1004, 0x1005)
    #: Conditions, not requests: the clock comparator and CPU timer stay pending
    #: until the timer is set so that the condition ends (s370.timers clears them).
    EXT_LEVEL = 4 | 8

    def take_external(self) -> int | None:
        """The external-interruption code to present now, removing the requests it
        reports from the pending set (GA22-7000 "External Interruption"); None if
        all pending ones are masked off in CR0."""
        cr0 = self.cr[0]
        pending = self.ext_pending
        code = 0
        for c in self.EXT_GROUP:
            b = self.EXT_BIT[c]
            if pending & b and cr0 & self.EXT_SUBMASK[c]:
                code |= c
                self.ext_pending &= ~b
        if code:
            return code
        for c in self.EXT_ORDER:
            b = self.EXT_BIT[c]
            if pending & b and cr0 & self.EXT_SUBMASK[c]:
                if not b & self.EXT_LEVEL:
                    self.ext_pending &= ~b
                return c
        return None

    @classmethod
    def ext_bit(cls, code: int) -> int:
        """The ext_pending bit of an external-interruption code."""
        return cls.EXT_BIT[code]

    def raise_external(self, code: int) -> None:
        """Make an external interruption pending (timers, interrupt key, SIGP)."""
        self.ext_pending |= self.EXT_BIT[code]
        self.attn = True

    def can_wake(self) -> bool:
        """Whether anything could end the current wait state."""
        ext = bool(self.sysmask & 0x01)
        io = self.ec and bool(self.sysmask & 0x02) or (not self.ec and bool(self.sysmask & 0xFE))
        return ext or io

    # ---------------------------------------------------------------- reset
    def reset(self, clear: bool = False, initial: bool = True) -> None:
        """CPU reset: pending interruptions, TLB and the stopped/check-stop states
        are cleared. ``initial`` (initial CPU reset) also zeroes the PSW and sets
        the control registers to their initial values; ``clear`` (as in a clear
        reset) also clears registers and storage."""
        if initial:
            self.load_psw(0)
            self.reset_cr()
        self.psw_invalid = False
        self.bad_psw = None
        self.ext_pending = 0
        self.restart_pending = False
        self.tlb.clear()
        self.wait = False
        self.checkstop = False
        self.stopped = False
        self.psw_changed()
        if clear:
            self.gpr[:] = [0] * 16
            self.fpr[:] = [0] * 8
            self.storage.clear()
            self.mem = self.storage.mem     # a sparse storage maps new pages
            self.block_cache.clear()
        if self.timers is not None:
            self.timers.changed(self)
