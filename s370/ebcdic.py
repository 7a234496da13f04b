"""EBCDIC <-> ASCII (code page 037, the US EBCDIC of S/370 consoles and printers)."""
from __future__ import annotations

_CP = "cp037"


def to_ascii(data: bytes) -> str:
    """Decode EBCDIC bytes."""
    return bytes(data).decode(_CP)


def to_ebcdic(text: str) -> bytes:
    """Encode text as EBCDIC; characters with no EBCDIC form become X'3F' (SUB)."""
    return text.encode(_CP, errors="replace")
