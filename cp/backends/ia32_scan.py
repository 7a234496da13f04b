"""SET VMMODE SCAN: VMware-style scanning of the guest kernel's code before it runs.

Guest kernel code (guest CPL 0, real ring 1) goes through ``CPU.rewrite`` as each
block of it is built, before its first instruction runs: every sensitive
unprivileged instruction (ia32_sensitive.SENSITIVE, the 18 of Robin and Irvine
and their family members) is replaced by a trap that ends the slice (stop reason
``STOP``: an INSTRUCTION exit for CP, counted under the mnemonic), and CP then
executes it as the bare machine would at the guest's CPL (``simulate``). The
privileged instructions need no scanning: they fault at ring 1 by themselves and
CP's trap-and-emulate path takes them, as in NAIVE.

Re-scanning comes with the CPU's decode cache: a block is built from bytes the
cache watches, and a write to them drops the block, so the bytes are scanned again
before they run again (VMware write-protected scanned code pages for the same
reason). Blocks are cached by linear address only, so the scanned kernel code
lives in a decode-cache set of its own (``CPU.use_code_set``) that is used only
while the guest runs at CPL 0; guest user code runs from the machine's own set,
unscanned, as directly executed code does under VMware.

A mode plugs into the backend with four calls: ``attach`` (install the hooks),
``sync`` (before each slice: the code set of the ring the CPU is in), ``simulate``
(after a ``STOP``), ``counters``.
"""
from __future__ import annotations

from typing import Callable

from .ia32_sensitive import GuestView, emulate, is_sensitive
from .ia32_vstate import KERNEL_RING, VirtualState

#: the CPU's stop reason for a scanned trap (the backend's INSTRUCTION exit)
STOP = "sensitive"
#: the decode-cache set of rewritten guest kernel code
KERNEL_SET = "guest-kernel"


class RewritingMode:
    """What SCAN and TRANSLATE share: the GuestView the emulation runs on, the
    decode-cache set per guest ring, and the count of blocks built in the
    rewritten sets. ``on_sti`` is the backend's (ia32_sensitive.GuestView)."""

    name = ""

    def __init__(self, cpu, vs: VirtualState, on_sti: Callable[[], None] | None = None):
        self.cpu = cpu
        self.vs = vs
        self.view = GuestView(cpu, vs, self._ring_changed, on_sti)
        #: blocks built in the rewritten sets, up to the last switch
        self._rewritten_blocks = 0
        #: the set in use and the CPU's blocks_built when it was switched to
        self._set: str | None = None
        self._since = 0

    # -- wiring -----------------------------------------------------------
    def attach(self) -> None:
        """Install the rewrite hook and the code set of the CPU's ring."""
        self.cpu.rewrite = self.rewrite
        self.sync()

    def sync(self) -> None:
        """Use the code set of the ring the CPU runs in now (call before each slice:
        a reflection may have changed the ring)."""
        self._switch(self.code_set(self.cpu.cpl))

    def _ring_changed(self, cpl: int) -> None:
        self._switch(self.code_set(VirtualState.real_ring(cpl)))

    def _switch(self, name: str | None) -> None:
        if name == self._set:
            return
        cpu = self.cpu
        if self.rewrites_set(self._set):
            self._rewritten_blocks += cpu.blocks_built - self._since
        self._set, self._since = name, cpu.blocks_built
        cpu.use_code_set(name)

    # -- policy (the subclasses') --------------------------------------------
    def code_set(self, real_ring: int) -> str | None:
        """The decode-cache set for code running at ``real_ring``."""
        return KERNEL_SET if real_ring == KERNEL_RING else None

    def rewrites_set(self, name: str | None) -> bool:
        return name is not None

    def rewrite(self, cpu, ins):
        """``CPU.rewrite``: the replacement of ``ins``, or None to run it as it is."""
        raise NotImplementedError

    # -- statistics -------------------------------------------------------
    @property
    def rewritten_blocks(self) -> int:
        """Blocks built in the rewritten sets (scanned or translated)."""
        n = self._rewritten_blocks
        if self.rewrites_set(self._set):
            n += self.cpu.blocks_built - self._since
        return n


class Scanner(RewritingMode):
    """SET VMMODE SCAN (see the module docstring)."""

    name = "SCAN"

    def __init__(self, cpu, vs: VirtualState, on_sti: Callable[[], None] | None = None):
        super().__init__(cpu, vs, on_sti)
        #: the trapped instruction waiting for ``simulate``
        self.trapped = None
        #: traps taken, by mnemonic
        self.traps: dict[str, int] = {}

    def rewrite(self, cpu, ins):
        if cpu.cpl == KERNEL_RING and is_sensitive(ins):
            return self._trap
        return None

    def _trap(self, cpu, ins) -> None:
        """The scanned instruction's replacement: back to it, and out to CP."""
        cpu.eip = ins.eip
        self.trapped = ins
        cpu.request_stop(STOP)

    def simulate(self) -> str:
        """Execute the trapped instruction at the guest's CPL; its mnemonic. A fault
        it raises (``CPUFault``, for CP to reflect) leaves EIP at the instruction."""
        ins, self.trapped = self.trapped, None
        cpu = self.cpu
        mnemonic = ins.form.mnemonic
        self.traps[mnemonic] = self.traps.get(mnemonic, 0) + 1
        cpu.eip = (ins.eip + ins.length) & (0xFFFFFFFF if cpu.code_bits == 32 else 0xFFFF)
        try:
            emulate(self.view, ins)
        except Exception:
            cpu.eip = ins.eip
            raise
        return mnemonic

    def counters(self) -> dict:
        """For the VM's report: blocks scanned, traps by mnemonic."""
        return {"scanned_blocks": self.rewritten_blocks, "traps": dict(self.traps),
                "code_invalidations": self.cpu.code_invalidations}
