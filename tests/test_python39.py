"""Every module of the project stays valid Python 3.9, the language of Debian's
PyPy (the second runtime): compiled with the 3.9 grammar, and every annotation
left unevaluated (``from __future__ import annotations``) so that ``X | Y`` and
``list[int]`` in signatures cost nothing at run time there."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("s370", "ia32", "cp", "assists", "s370vm")
SOURCES = sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def _future_annotations(tree: ast.Module) -> bool:
    return any(isinstance(node, ast.ImportFrom) and node.module == "__future__"
               and any(a.name == "annotations" for a in node.names) for node in tree.body)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_module_is_python39(path):
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source, filename=str(path), feature_version=(3, 9))
    has_annotations = any(isinstance(n, (ast.AnnAssign, ast.arg, ast.FunctionDef, ast.AsyncFunctionDef))
                          and (getattr(n, "annotation", None) is not None or getattr(n, "returns", None) is not None)
                          for n in ast.walk(tree))
    if has_annotations:
        assert _future_annotations(tree), f"{path.name}: annotations need `from __future__ import annotations` for 3.9"
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        where = f"{path.name}:{node.lineno}"
        # Runtime `X | Y` on types, e.g. isinstance(x, int | str), is 3.10+.
        if name in ("isinstance", "issubclass") and len(node.args) > 1:
            assert not isinstance(node.args[1], ast.BinOp), f"{where}: isinstance with X | Y is 3.10+"
        keywords = {k.arg for k in node.keywords}
        if name == "zip":
            assert "strict" not in keywords, f"{where}: zip(strict=) is 3.10+"
        if name == "dataclass":
            assert not keywords & {"slots", "kw_only", "match_args"}, f"{where}: dataclass({keywords}) is 3.10+"
