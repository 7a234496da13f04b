"""Ways to start the PC: a BIOS ROM (``bios``), a Multiboot kernel (``multiboot``),
or a flat binary entered in real mode (``flat``). Each reads an image with
:func:`read_image` and leaves the CPU where that kind of image expects to start.
Bad images raise :class:`ia32.errors.MachineError` with a one-line message that
names the file.
"""
from __future__ import annotations

import os

from ..errors import MachineError

#: No image may exceed this (the largest memory the machine can have).
MAX_IMAGE = 4 << 30


def read_image(path: str, limit: int = MAX_IMAGE) -> bytes:
    """The bytes of ``path``; MachineError if missing, unreadable, empty or too big."""
    try:
        size = os.path.getsize(path)
        if size > limit:
            raise MachineError(f"{path}: {size} bytes is too large (at most {limit})")
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise MachineError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise MachineError(f"{path}: is a directory") from None
    except OSError as exc:
        raise MachineError(f"{path}: {exc.strerror or exc}") from None
    if not data:
        raise MachineError(f"{path}: empty image")
    return data
