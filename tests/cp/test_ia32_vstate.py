"""Ring compression's selector conventions (cp/backends/ia32_vstate.py)."""
from __future__ import annotations

from cp.backends.ia32_vstate import VirtualState, compress, decompress


def test_rpl0_selectors_are_held_at_ring_1_and_shown_back_as_0():
    assert compress(0x10) == 0x11
    assert compress(0x23) == 0x23          # user selectors keep RPL 3
    assert compress(0) == 0                # the null selector stays null
    assert decompress(0x11) == 0x10
    assert decompress(0x23) == 0x23


def test_the_guest_sees_its_own_if_and_iopl_in_eflags():
    v = VirtualState()
    v.iflag, v.iopl = False, 3
    assert v.eflags(0x00000246) == 0x00003046     # real IF=1 IOPL=0 -> guest IF=0 IOPL=3
    assert VirtualState.real_ring(0) == 1 and VirtualState.real_ring(3) == 3
