"""An assembler for the NASM subset that small kernels use, producing flat binaries
(NASM's ``-f bin``), driven by the instruction table ``ia32.isa.table``.

API
---
``assemble(text, filename="<src>", include_dirs=()) -> Assembly``
``assemble_file(path, include_dirs=()) -> Assembly``

``Assembly`` holds ``binary`` (bytes from ``org``), ``listing`` (NASM-like text),
``symbols`` (name -> value), ``errors`` and ``warnings`` (``AsmError``, printed as
``file:line:column: error: message``), ``ok``.

Modules: ``preprocess`` (the %-directives and macros), ``parser`` + ``grammar.lark``
(lines), ``mnemonics`` (the table's and NASM's), ``registers``, ``expressions``,
``addressing`` (ModRM/SIB), ``instructions`` (form matching and encoding from the
table), ``assembler`` (passes, sections, data), ``listing`` (``nasm -l``'s layout). ``ia32.disasm`` disassembles with the same table.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .assembler import Assembler
from .errors import AsmError
from .listing import render
from .preprocess import Preprocessor

__all__ = ["assemble", "assemble_file", "Assembly", "AsmError"]


@dataclass
class Assembly:
    """The result of one assembly (see the package docstring)."""
    filename: str
    binary: bytes = b""
    listing: str = ""
    symbols: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    org: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def _run(pp: Preprocessor, lines: list, filename: str) -> Assembly:
    if pp.errors:
        return Assembly(filename, errors=list(pp.errors), warnings=list(pp.warnings))
    asm = Assembler(lines, pp.find_include)
    asm.run()
    errors = sorted(asm.errors, key=lambda e: (e.file != filename, e.file, e.line, e.column))
    return Assembly(filename, asm.image if not errors else b"", render(asm), asm.symbols,
                    errors, list(pp.warnings) + asm.warnings, asm.org)


def assemble(text: str, filename: str = "<src>", include_dirs=(),
             defines: dict | None = None) -> Assembly:
    """Assemble source text (``defines``: NAME -> value, as nasm's -D). Never
    raises for bad source: see ``.errors``."""
    pp = Preprocessor(include_dirs, defines)
    return _run(pp, pp.run_text(text, filename), filename)


def assemble_file(path, include_dirs=(), defines: dict | None = None) -> Assembly:
    """Assemble a source file; an unreadable file is one error."""
    pp = Preprocessor(include_dirs, defines)
    try:
        lines = pp.run_file(str(path))
    except AsmError as exc:
        return Assembly(str(path), errors=[exc])
    return _run(pp, lines, str(path))
