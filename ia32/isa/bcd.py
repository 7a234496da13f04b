"""(being written: see the ia32core branch)"""
from __future__ import annotations

SEMANTICS: dict = {}
