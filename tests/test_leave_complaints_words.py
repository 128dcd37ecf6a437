"""The words of leave and complaints live in their catalogues: every code raised is declared
and renders, no Chinese sentence is left in the flows or the services, every command has a
Chinese name, and buttons pack to data the router parses back."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from conversations.complaints.buttons import NewComplaintButton, RateButton, TicketButton
from conversations.leave.buttons import LeaveButton
from core import words
from core.features import build_registry

ROOT = Path(__file__).resolve().parent.parent
FEATURES = ("leave", "complaints")
FLOWS = [p for f in FEATURES for p in (ROOT / "conversations" / f).glob("*.py")
         if p.name != "text.py"]
SERVICES = [ROOT / "services" / "leave.py", ROOT / "services" / "complaints.py"]
CJK = re.compile(r"[\u4e00-\u9fff]")
RAISERS = {"UserError", "PermissionDenied", "NotFound"}
# Data labels the services keep (statuses, ratings, actions: the digest contract and
# error parameters use them) and the date label of a leave period (like services.dates).
SERVICE_LABELS = {"待审批", "已批准", "已驳回", "已取消", "已销假", "待受理", "已受理", "已转办",
                  "已办结", "满意", "基本满意", "不满意", "受理", "转办", "办结", "驳回",
                  "上午", "下午", "月", "日", "至"}


def _strings(path: Path) -> list[tuple[int, str]]:
    """String constants of a module, docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {id(n.body[0].value) for n in ast.walk(tree)
            if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef)
            and n.body and isinstance(n.body[0], ast.Expr)
            and isinstance(n.body[0].value, ast.Constant)}
    return [(n.lineno, n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs]


def _raised_codes(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.Call) and n.args and isinstance(n.args[0], ast.Constant):
            name = n.func.id if isinstance(n.func, ast.Name) else getattr(n.func, "attr", "")
            if name in RAISERS:
                out.add(n.args[0].value)
    return out


def test_every_code_raised_is_declared_and_every_declared_code_renders() -> None:
    raised = set().union(*(_raised_codes(p) for p in FLOWS + SERVICES))
    assert raised, "no codes found: the scan is broken"
    declared = {c: t for c, t in words.codes().items() if c.split(".")[0] in FEATURES}
    raised -= {c for c in raised if c.startswith("core.")}
    assert raised <= set(declared), sorted(raised - set(declared))
    for code, template in declared.items():
        text = words.render(code, {f: f"<{f}>" for f in words.fields(code)})
        assert "{" not in text and CJK.search(text), code
        assert template.count("{") == template.count("}"), code
    referenced = {v for p in FLOWS + SERVICES for _, v in _strings(p)}
    assert set(declared) <= referenced, sorted(set(declared) - referenced)  # none dead


def test_no_chinese_sentence_outside_the_catalogues() -> None:
    for path in FLOWS:
        found = [(line, s) for line, s in _strings(path) if CJK.search(s)]
        assert not found, f"{path.relative_to(ROOT)}: {found}"
    for path in SERVICES:
        found = [(line, s) for line, s in _strings(path) if CJK.search(s)
                 and s not in SERVICE_LABELS]
        assert not found, f"{path.relative_to(ROOT)}: {found}"


def test_every_command_has_a_chinese_name() -> None:
    reg = build_registry()
    for name in ("leave", "back", "myleave", "complain", "mytickets", "ticket", "tickets"):
        cmd = reg.commands[name]
        assert cmd.aliases and CJK.search(cmd.aliases[0]), name
        assert reg.aliases[cmd.aliases[0]] == name, name
    names = {c.name: c.aliases[0] for c in reg.commands.values() if c.aliases}
    assert words.name_commands("回村后发送 /back 销假。", names) == "回村后发送「销假」销假。"
    assert words.name_commands("发送 /ticket 编号 查看", names) == "发送「问题进度」编号 查看"


@pytest.mark.parametrize("button", [
    LeaveButton("a", 7), LeaveButton("b", 123456789012), TicketButton("close", 3),
    RateButton.of(3, "ok"), NewComplaintButton(),
])
def test_buttons_pack_and_parse_back(button) -> None:  # type: ignore[no-untyped-def]
    reg = build_registry()
    data = button.pack()
    prefix, _, payload = data.partition(":")
    assert reg.callbacks[prefix].spec.unpack(payload) == button
    assert len(data.encode()) <= 64
