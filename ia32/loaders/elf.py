"""The part of ELF a kernel loader needs: an ELF32 little-endian i386 executable's
entry point and PT_LOAD segments (System V ABI, "ELF Header" and "Program Header";
the Intel386 supplement gives EM_386 = 3)."""
from __future__ import annotations

import struct
from typing import NamedTuple

from ..errors import MachineError

ELF_MAGIC = b"\x7fELF"
ET_EXEC, EM_386, PT_LOAD = 2, 3, 1
_EHDR = struct.Struct("<16sHHIIIIIHHHHHH")
_PHDR = struct.Struct("<IIIIIIII")


class Segment(NamedTuple):
    """A PT_LOAD segment: ``data`` goes at physical ``addr``, then zeros to ``memsz``."""
    addr: int
    data: bytes
    memsz: int


class ElfImage(NamedTuple):
    entry: int
    segments: list


def is_elf(data: bytes) -> bool:
    return data[:4] == ELF_MAGIC


def parse_elf(path: str, data: bytes) -> ElfImage:
    """The executable's segments (loaded at their physical addresses, p_paddr)."""
    if len(data) < _EHDR.size:
        raise MachineError(f"{path}: truncated ELF header")
    (ident, e_type, machine, _version, entry, phoff, _shoff, _flags, _ehsize,
     phentsize, phnum, _shentsize, _shnum, _shstrndx) = _EHDR.unpack_from(data)
    if ident[4] != 1 or ident[5] != 1:
        raise MachineError(f"{path}: not a 32-bit little-endian ELF file")
    if e_type != ET_EXEC or machine != EM_386:
        raise MachineError(f"{path}: not an i386 ELF executable "
                           f"(type {e_type}, machine {machine})")
    if phnum == 0 or phentsize < _PHDR.size or phoff + phnum * phentsize > len(data):
        raise MachineError(f"{path}: program headers missing or beyond the end of the file")
    segments = []
    for i in range(phnum):
        (p_type, offset, _vaddr, paddr, filesz, memsz, _pflags,
         _align) = _PHDR.unpack_from(data, phoff + i * phentsize)
        if p_type != PT_LOAD or memsz == 0:
            continue
        if offset + filesz > len(data) or filesz > memsz:
            raise MachineError(f"{path}: program header {i} is beyond the end of the file")
        segments.append(Segment(paddr, data[offset:offset + filesz], memsz))
    if not segments:
        raise MachineError(f"{path}: no loadable segment")
    return ElfImage(entry, segments)
