"""The catalogues of registration, profile (with the admin command line), reports and
attendance: every code raised exists and gets the parameters its template names, every
template renders, no sentence is left in the flow modules, every command has a Chinese
name and every button kind is a typed CallbackData class."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from core import words
from core.features import build_registry
from core.messages import Incoming
from core.registry import Registry
from tests.catalogue_scan import CJK, RAISERS, composed_sentences, refusals, strings
from tests.harness import ChatHarness

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("registration", "profile", "reports", "attendance")
CATALOGUES = ("registration", "admin", "reports", "attendance")
SERVICES = ("invites", "reports", "attendance", "monthly", "export", "chart", "text", "geo",
            "admin")
SOURCES = sorted(
    [p for pkg in PACKAGES for p in (ROOT / "conversations" / pkg).glob("*.py")]
    + [ROOT / "services" / f"{name}.py" for name in SERVICES])
# cli/admin.py also raises for other features (events, knowledge, complaints): its one
# admin refusal, admin.unknown_role, is checked end to end in test_console_e2e.
RAISED = [(p, *c) for p in SOURCES for c in refusals(p, RAISERS | {"team_member"})]


def test_the_scan_finds_the_refusals() -> None:
    codes = {code for *_, code, _, _ in RAISED}
    assert {"reports.not_reader", "attendance.monthly_not_yours", "registration.code_used",
            "admin.team_not_found", "reports.team_only", "attendance.team_only"} <= codes


@pytest.mark.parametrize("path, fn, code, kws, line", RAISED,
                         ids=[f"{p.parent.name}/{p.name}:{line}" for p, _, _, _, line in RAISED])
def test_every_code_raised_has_a_template_with_those_parameters(
        path: Path, fn: str, code: str, kws: set[str] | None, line: int) -> None:
    assert words.template(code) is not None, f"{path.name}:{line}: {code} has no template"
    if kws is not None:
        assert kws == words.fields(code), f"{path.name}:{line}: {code} params {kws}"


def test_every_template_renders_and_is_raised_somewhere() -> None:
    # raised in cli/admin.py, checked end to end in test_console_e2e
    raised = {code for *_, code, _, _ in RAISED} | {"admin.unknown_role", "admin.parked_not_found"}
    mine = {c: t for c, t in words.codes().items() if c.split(".")[0] in CATALOGUES}
    assert len(mine) > 40
    for code in mine:
        text = words.render(code, {f: date(2026, 11, 24) for f in words.fields(code)})
        assert CJK.search(text) and "{" not in text, code
    assert set(mine) - raised == set(), "templates nobody raises"


@pytest.mark.parametrize("path", [p for p in SOURCES if p.parent.parent.name == "conversations"
                                  and p.name != "text.py"], ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_sentence_outside_the_catalogue(path: Path) -> None:
    assert [(line, s) for line, s in strings(path) if CJK.search(s)] == []


@pytest.mark.parametrize("path", [p for p in SOURCES if p.parent.name == "services"],
                         ids=lambda p: p.name)
def test_services_compose_no_sentences(path: Path) -> None:
    """Services keep parsing vocabulary (本月, 走访：…) but build no text for people."""
    assert composed_sentences(path) == []


@pytest.fixture(scope="module")
def registry() -> Registry:
    return build_registry(tuple(f"conversations.{p}" for p in PACKAGES))


def test_every_command_has_a_chinese_name(registry: Registry) -> None:
    for cmd in registry.commands.values():
        assert cmd.aliases and CJK.search(cmd.aliases[0]), cmd.name
    assert words.name_commands("发送 /export 导出，/cancel 放弃", {
        c.name: c.aliases[0] for c in registry.commands.values()}) == "发送「导出」导出，「取消」放弃"


def test_every_button_kind_is_typed(registry: Registry) -> None:
    assert set(registry.callbacks) == {"rp", "rpo", "rpm", "rpd", "mr"}
    for prefix, handler in registry.callbacks.items():
        assert not getattr(handler.spec, "legacy", False), prefix


def test_cancel_by_its_chinese_name_in_the_middle_of_a_dialog(chat: ChatHarness) -> None:
    chat.send("cadre1", "/report")
    assert "已取消" in chat.send("cadre1", "取消")


def test_cancel_by_its_chinese_name_outside_a_dialog(chat: ChatHarness) -> None:
    assert "现在没有进行中的操作" in chat.send("cadre1", "取消")
    out = chat.core.handle(Incoming(platform="console", user_id="x", chat_id="x", text="注册"))
    assert "欢迎使用驻村助手" in out.replies[0].text
