"""What ``s370vm run FILE`` loads: an assembler source (assembled first), an object
deck (ESD/TXT/RLD/END cards, loaded by the relocating loader) or a raw core image.

The result is a core image from address 0. When the program does not put a PSW at
location 0 itself, a BC-mode PSW (disabled, key 0, supervisor state) pointing at
the entry point is placed there, so that "load the PSW from 0" starts it.
"""
from __future__ import annotations

import sys
from pathlib import Path

from ..errors import MachineError
from . import assemble
from .loader import load
from .objdeck import is_object_deck

SOURCE_SUFFIXES = {".asm", ".s", ".assemble", ".mac", ".hlasm"}


class AssemblyFailed(MachineError):
    """The source did not assemble; ``rc`` is the HLASM return code."""

    def __init__(self, message: str, rc: int):
        super().__init__(message)
        self.rc = rc


def looks_like_source(path: Path, data: bytes) -> bool:
    if path.suffix.lower() in SOURCE_SUFFIXES:
        return True
    if not data or b"\x00" in data[:4096]:
        return False
    try:
        data[:4096].decode("ascii")
    except UnicodeDecodeError:
        return False
    return True


def with_entry_psw(image: bytes, entry: int | None) -> bytes:
    img = bytearray(image)
    if entry is not None and (len(img) < 8 or not any(img[0:8])):
        if len(img) < 8:
            img.extend(bytes(8 - len(img)))
        img[0:8] = (entry & 0xFFFFFF).to_bytes(8, "big")
    return bytes(img)


def load_program_file(path: str, messages=None) -> bytes:
    """Core image for FILE (see the module docstring). Assembly messages go to
    ``messages``; a source with errors (rc >= 8) raises AssemblyFailed."""
    return load_program(path, messages)[0]


def _origin(sections: dict) -> int:
    """The lowest address a program's sections were placed at (its START)."""
    return min((at for at, _ in sections.values()), default=0)


def load_program(path: str, messages=None) -> tuple[bytes, int]:
    """``load_program_file``'s image and where the program starts: the first
    section's address for a deck or source (``START X'2000'``), 0 for an image."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise MachineError(f"cannot read {path}: {exc.strerror}") from None
    if is_object_deck(data):
        try:
            prog = load(data)
        except MachineError as exc:
            raise MachineError(f"{path}: {exc}") from None
        return with_entry_psw(bytes(prog.image), prog.entry), _origin(prog.sections)
    if looks_like_source(p, data):
        a = assemble(data.decode("utf-8", errors="replace"), str(p))
        messages = messages if messages is not None else sys.stderr
        for m in a.errors:
            print(m.format(), file=messages)
        if a.rc >= 8:
            raise AssemblyFailed(f"{path}: assembly failed with return code {a.rc}", a.rc)
        return with_entry_psw(a.core, a.entry), _origin(a.sections)
    return data, 0
