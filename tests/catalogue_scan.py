"""Reading source files for the catalogue tests: which refusals they raise, which string
literals they hold, which f-strings compose Chinese. Shared by every feature's words test
(reports and attendance, households, the council and its kin), so they scan alike."""

from __future__ import annotations

import ast
import re
from pathlib import Path

CJK = re.compile(r"[\u4e00-\u9fff]")
# the typed errors whose first argument is a catalogue code
RAISERS = {"UserError", "PermissionDenied", "NotFound", "InviteError"}


def refusals(path: Path, names: set[str]) -> list[tuple[str, str, set[str] | None, int]]:
    """(function, code, keyword names or None if **kwargs, line) of each call to one of
    `names`; the code must be a literal, or the catalogue could not be checked."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        fn = node.func
        name = fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else ""
        if name not in names:
            continue
        first = node.args[0]
        code = first.value if isinstance(first, ast.Constant) else None
        assert isinstance(code, str), f"{path.name}:{node.lineno}: {name} needs a literal code"
        kws = None if any(k.arg is None for k in node.keywords) else {k.arg for k in node.keywords}
        out.append((name, code, kws, node.lineno))
    return out


def strings(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every string literal that is not a docstring."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {id(n.body[0].value) for n in ast.walk(tree)
            if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef) and n.body
            and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    return [(n.lineno, n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs]


def composed_sentences(path: Path) -> list[int]:
    """Lines of f-strings with Chinese in them: text built outside a catalogue."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [n.lineno for n in ast.walk(tree) if isinstance(n, ast.JoinedStr)
            and any(isinstance(v, ast.Constant) and CJK.search(str(v.value)) for v in n.values)]
