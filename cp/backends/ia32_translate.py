"""SET VMMODE TRANSLATE (the default): binary translation of the guest kernel's code.

Guest kernel code (guest CPL 0, real ring 1) is translated block by block as the
CPU's block translator builds it (``CPU.rewrite``): the safe instructions are
copied unchanged (VMware's "IDENT": the machine's own fragments), and each
sensitive unprivileged one (ia32_sensitive.SENSITIVE) is replaced by an inline
callout into CP's emulation at the guest's CPL, and, when the backend gives
``privileged`` (its trap-and-emulate routine, ``privileged(cpu, ins)``), each
privileged and IOPL-sensitive one of kernel code too (in user code they
fault, as on the bare machine). A callout runs inside the translated
block: no exit, no slice ended, which is why it is cheaper than SCAN's trap in
the cost model (docs/cost-model.md). The block translator already fixes up what
VMware's translator had to: every instruction has its own EIP written in
(PC-relative), direct JMP and CALL are followed into the block (chaining), and a
write to translated bytes drops their blocks (the translation cache's coherence:
``code_invalidations``).

Guest user code (ring 3) runs directly, unchanged, from the machine's own decode
cache, as under VMware: its SGDT, SIDT, SLDT, STR and SMSW still show CP's
values, which is how a program detects the monitor (the "Red Pill"; docs/
popek-goldberg.md). ``all_rings`` (SET VMMODE TRANSLATE ALL) translates user code
as well, in a set of its own, and hides them, at the cost of translating every
user block.
"""
from __future__ import annotations

from typing import Callable

from .ia32_scan import KERNEL_SET, RewritingMode
from .ia32_sensitive import emulate, is_sensitive
from .ia32_vstate import KERNEL_RING, VirtualState

#: the decode-cache set of translated guest user code (TRANSLATE ALL)
USER_SET = "guest-user"


class Translator(RewritingMode):
    """SET VMMODE TRANSLATE [ALL] (see the module docstring)."""

    name = "TRANSLATE"

    def __init__(self, cpu, vs: VirtualState, on_sti: Callable[[], None] | None = None,
                 privileged: Callable | None = None, all_rings: bool = False,
                 on_callout: Callable | None = None):
        super().__init__(cpu, vs, on_sti)
        self.privileged = privileged
        #: ``on_callout(ins)`` before each callout (the backend charges its cycles)
        self.on_callout = on_callout
        self.all_rings = all_rings
        if all_rings:
            self.name = "TRANSLATE ALL"
        #: callouts made, by mnemonic
        self.callouts: dict[str, int] = {}

    def code_set(self, real_ring: int) -> str | None:
        if real_ring == KERNEL_RING:
            return KERNEL_SET
        return USER_SET if self.all_rings else None

    def rewrite(self, cpu, ins):
        if cpu.cpl != KERNEL_RING and not self.all_rings:
            return None
        if is_sensitive(ins):
            return self._callout
        form = ins.form
        if self.privileged is not None and cpu.cpl == KERNEL_RING and (form.priv or form.iopl):
            return self._privileged_callout
        return None

    def _count(self, ins) -> None:
        mnemonic = ins.form.mnemonic
        self.callouts[mnemonic] = self.callouts.get(mnemonic, 0) + 1
        if self.on_callout is not None:
            self.on_callout(ins)

    def _callout(self, cpu, ins) -> None:
        self._count(ins)
        emulate(self.view, ins)

    def _privileged_callout(self, cpu, ins) -> None:
        self.privileged(cpu, ins)       # may send it on CP's trap path (a fault)
        self._count(ins)

    def counters(self) -> dict:
        """For the VM's report: blocks translated, callouts by mnemonic, code pages
        whose translations a write dropped."""
        return {"translated_blocks": self.rewritten_blocks, "callouts": dict(self.callouts),
                "code_invalidations": self.cpu.code_invalidations}
