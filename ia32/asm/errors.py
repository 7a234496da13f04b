"""The assembler's one exception: a mistake in the source, located by file, line and
column (1-based), printed as ``file:line:column: error: message`` like NASM and GCC."""
from __future__ import annotations


class AsmError(Exception):
    """A source error. ``where`` names the macro expansion it came from, if any;
    ``column`` 0 means not known yet (the assembler then uses the statement's)."""

    def __init__(self, message: str, file: str = "<src>", line: int = 0, column: int = 0,
                 where: str = ""):
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.where = where

    def format(self, severity: str = "error") -> str:
        text = f"{self.file}:{self.line}:{max(self.column, 1)}: {severity}: {self.message}"
        return f"{text} ({self.where})" if self.where else text

    def __str__(self) -> str:
        return self.format()
