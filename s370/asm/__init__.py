"""A System/370 assembler in HLASM syntax, built on the instruction table.

Mnemonics, opcodes, formats and operand layouts all come from ``s370.isa`` (``TABLE``,
``BY_MNEMONIC``, each declaration's ``operands`` layout such as ``R1,D2(X2,B2)``, and
``EXTENDED_BRANCHES``); operand fields are parsed by the Lark grammar in
``grammar.lark``. There is no other opcode list.

API
---
``assemble(text, filename="<src>", include_dirs=()) -> Assembly``
``assemble_file(path, include_dirs=()) -> Assembly`` (unreadable file: rc 16)

``Assembly`` holds:

- ``core``: bytes, the absolute image from address 0 to the highest assembled byte
  of the control sections, gaps zero (what Hercules' ``loadcore`` takes)
- ``object_deck``: bytes, 80-byte EBCDIC cards ESD/TXT/RLD/END
- ``listing``: str, HLASM layout, diagnostics inline, cross reference, literal pools
- ``symbols``: name -> ``SymbolInfo(value, length, type, relocatable, section)``
- ``errors``: list of ``Message`` (file, line, column, severity, message, text); also
  warnings and MNOTEs: ``severity`` 0 note, 4 warning, 8 error, 12 severe
- ``rc``: HLASM return code (0 clean, 4 warnings, 8 errors, 12 severe, 16 unreadable)
- ``entry``: entry address (END operand, else the first section's start) or None
- ``sections``: name -> (address, length) of the control sections
- ``ipl_deck(psw=None)``: a self-loading card deck of ``core`` (see ``ipl.py``); with
  no PSW in the image, a BC-mode PSW (all interruptions disabled, key 0) pointing at
  ``entry`` is used
- ``as_json()``: dict with rc, errors, symbols and sizes

Related: ``s370.asm.loader.load(deck, origin=None)`` is a relocating loader for
object decks; ``s370.disasm`` disassembles with the same table.

Not supported (reported as errors, never silently ignored, unless noted): LOCTR,
COM/DXD/CXD/RSECT, labeled USING (dependent USING works), the Q/R/J/G and AD/FD constant
types, scale and exponent modifiers, bit-length modifiers, AREAD/AINSERT, &SYSDATE;
PUNCH, REPRO, ICTL and ISEQ are accepted and ignored. The conditional-assembly
T' and L' of ordinary symbols come from a lookahead over open code.

Modules: ``source`` (columns, continuation), ``macro`` (macro language and
conditional assembly), ``parser`` + ``grammar.lark`` (operands), ``instructions``
(operand layouts from the table), ``constants`` (DC types), ``assembler`` (the two
passes, USING, literal pools), ``listing``, ``objdeck``, ``loader``, ``ipl``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .assembler import ADDRESS_SPACE, Assembler, Message
from .ipl import ipl_deck as _ipl_deck
from .listing import render
from .objdeck import EsdItem, write_deck

__all__ = ["assemble", "assemble_file", "Assembly", "Message", "SymbolInfo"]


@dataclass(frozen=True)
class SymbolInfo:
    value: int
    length: int
    type: str
    relocatable: bool
    section: str | None


@dataclass
class Assembly:
    """The result of one assembly (see the package docstring)."""
    filename: str
    core: bytes = b""
    object_deck: bytes = b""
    listing: str = ""
    symbols: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    rc: int = 0
    entry: int | None = None
    sections: dict = field(default_factory=dict)
    statements: int = 0

    def ipl_deck(self, psw: int | None = None) -> bytes:
        """Self-loading card deck of ``core`` (``ipl.py``)."""
        core = self.core
        if psw is None and not any(core[0:8]) and self.entry is not None:
            psw = self.entry & 0xFFFFFF
        return _ipl_deck(core, psw)

    def as_json(self) -> dict:
        return {
            "file": self.filename,
            "rc": self.rc,
            "errors": [m.as_dict() for m in self.errors],
            "symbols": {k: {"value": v.value, "length": v.length, "type": v.type,
                            "relocatable": v.relocatable, "section": v.section}
                        for k, v in sorted(self.symbols.items())},
            "sizes": {"core": len(self.core), "object_deck_cards": len(self.object_deck) // 80,
                      "statements": self.statements,
                      "sections": {k: {"address": a, "length": n} for k, (a, n) in self.sections.items()}},
            "entry": self.entry,
        }


def assemble(text: str, filename: str = "<src>", include_dirs=()) -> Assembly:
    """Assemble source text. Never raises for bad source: see ``.errors`` and ``.rc``."""
    dirs = list(include_dirs)
    if filename and not filename.startswith("<"):
        dirs.insert(0, str(Path(filename).resolve().parent))
    a = Assembler(filename, dirs)
    a.run(text)
    return _result(a, filename)


def assemble_file(path: str | Path, include_dirs=()) -> Assembly:
    """Assemble a source file; an unreadable file gives rc 16 and one error."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        m = Message(str(p), 0, 0, 16, f"ASMA934U cannot read source: {exc.strerror}", "")
        return Assembly(str(p), errors=[m], rc=16)
    return assemble(text, str(p), include_dirs)


def _result(a: Assembler, filename: str) -> Assembly:
    msgs = sorted(a.messages, key=lambda m: (m.file != filename, m.file, m.line, m.column))
    rc = max((m.severity for m in msgs), default=0)
    rc = 0 if rc < 4 else (4 if rc < 8 else (8 if rc < 12 else 12 if rc < 16 else 16))
    code_sections = [s for s in a.sections if s.kind in ("SD", "PC")]
    top = max((s.origin + s.high for s in code_sections), default=0)
    core = bytearray(top)
    for s in code_sections:
        for off, data in s.text:
            at = s.origin + off
            core[at:at + len(data)] = data
    # trim to the highest assembled byte (DS areas at the end are not assembled bytes)
    high = max((s.origin + off + len(d) for s in code_sections for off, d in s.text), default=0)
    core = bytes(core[:high])
    symbols = {}
    for name, s in a.symbols.items():
        if s.off is None:
            continue
        sect = a.by_rid.get(s.rel[0][0]) if len(s.rel) == 1 else None
        symbols[name] = SymbolInfo(a.address(s.off, s.rel), s.length, s.type, bool(s.rel),
                                   sect.name if sect is not None else None)
    sections = {s.name: (s.origin, s.high) for s in code_sections}
    entry = None
    if a.entry is not None:
        entry = a.address(*a.entry)
    elif code_sections:
        entry = code_sections[0].origin
    return Assembly(filename, core, _deck(a), render(a, filename), symbols, msgs, rc, entry,
                    sections, a.stmt_count)


def _deck(a: Assembler) -> bytes:
    """The object deck; none when the sections do not fit the 16M address space
    (ASMA039S says so: no ESD card could hold their addresses)."""
    if any(s.origin + s.high >= ADDRESS_SPACE for s in a.sections if s.kind in ("SD", "PC")):
        return b""
    items = []
    for s in a.sections:
        if s.kind in ("SD", "PC"):
            items.append(EsdItem(s.name, s.kind, s.origin, s.high, s.esdid))
        elif s.kind in ("ER", "WX"):
            items.append(EsdItem(s.name, s.kind, 0, 0, s.esdid))
    for name, addr, sect in a.entry_points:
        items.append(EsdItem(name, "LD", addr, ldid=sect.esdid))
    text = []
    for s in a.sections:
        if s.kind not in ("SD", "PC"):
            continue
        run_start, run = None, bytearray()
        for off, data in s.text:
            at = s.origin + off
            if run_start is not None and at == run_start + len(run):
                run += data
                continue
            if run:
                text.append((s.esdid, run_start, bytes(run)))
            run_start, run = at, bytearray(data)
        if run:
            text.append((s.esdid, run_start, bytes(run)))
    rlds = [(r.target if a.by_rid[r.target].esdid else 0, a.by_rid[r.pos].esdid, r.address, r.length,
             r.negative, r.vcon) for r in a.rlds]
    entry = None
    if a.entry is not None:
        off, rel = a.entry
        entry = (a.by_rid[rel[0][0]].esdid, a.address(off, rel))
    return write_deck(items, text, rlds, entry)
