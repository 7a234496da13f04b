"""Names every instruction fragment may use: exceptions, codes, integer helpers.

Family modules add their own helpers through their ``HELPERS`` dict; what is here
is what several families share.
"""
from __future__ import annotations
from .. import errors
from ..errors import ProgramInterrupt, StateChange


def s32(v: int) -> int:
    """Unsigned 32-bit -> signed."""
    return v - 0x100000000 if v & 0x80000000 else v


def s16(v: int) -> int:
    """Unsigned 16-bit -> signed."""
    return v - 0x10000 if v & 0x8000 else v


def s64(v: int) -> int:
    """Unsigned 64-bit -> signed."""
    return v - 0x10000000000000000 if v & 0x8000000000000000 else v


def cc_signed(v: int) -> int:
    """Condition code of a signed result: 0 zero, 1 negative, 2 positive."""
    return 0 if v == 0 else (1 if v < 0 else 2)


def spec() -> None:
    """Raise a specification exception."""
    raise ProgramInterrupt(errors.PGM_SPECIFICATION)


NAMESPACE = {
    "ProgramInterrupt": ProgramInterrupt,
    "StateChange": StateChange,
    "s32": s32,
    "s16": s16,
    "s64": s64,
    "cc_signed": cc_signed,
    "spec": spec,
}
NAMESPACE.update({k: v for k, v in vars(errors).items() if k.startswith("PGM_")})
