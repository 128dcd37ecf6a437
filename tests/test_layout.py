"""The layout keeps its promises: no import cycles, a platform-free core, one catalogue per
feature, and no bare prefix strings for buttons."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from conversations import FEATURES
from core.callbacks import CallbackData
from core.features import build_registry

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "channels", "cli", "conversations", "services", "reminders", "knowledge",
            "storage", "web")
PLATFORM_LIBRARIES = ("telegram", "aiogram", "dingtalk_stream", "aiohttp", "httpx")


def _modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for f in (ROOT / pkg).rglob("*.py"):
            name = ".".join(f.relative_to(ROOT).with_suffix("").parts)
            out[name.removesuffix(".__init__")] = f
    return out


def _module_level_imports(name: str, f: Path, known: dict[str, Path]) -> set[str]:
    """What a module imports when it is imported (imports inside functions are lazy)."""
    out: set[str] = set()
    package = name if f.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.parse(f.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            subs = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in known]
            out.update(subs)
            if len(subs) < len(node.names):
                out.add(base)
    return out


def test_no_import_cycles() -> None:
    known = _modules()
    graph = {m: {d for d in _module_level_imports(m, f, known) if d in known}
             for m, f in known.items()}
    sys.setrecursionlimit(10_000)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while (w := stack.pop()) != v:
                comp.append(w)
            if comp:
                cycles.append(sorted([v, *comp]))

    for v in graph:
        if v not in index:
            visit(v)
    assert cycles == []


def test_the_core_imports_no_platform_library() -> None:
    known = _modules()
    for name, f in known.items():
        if name.split(".")[0] in ("core", "conversations", "services", "reminders"):
            imported = _module_level_imports(name, f, {})
            bad = [m for m in imported if m.split(".")[0] in PLATFORM_LIBRARIES]
            assert not bad, (name, bad)


def test_every_feature_keeps_its_words_in_one_catalogue() -> None:
    for feature in FEATURES:
        assert (ROOT / feature.replace(".", "/") / "text.py").exists(), feature


def test_every_kind_of_button_is_typed() -> None:
    reg = build_registry()
    assert reg.callbacks and all(issubclass(h.spec, CallbackData) for h in reg.callbacks.values())
    with pytest.raises(TypeError):
        reg.callback("zz", lambda ctx, value: [])  # type: ignore[arg-type]
