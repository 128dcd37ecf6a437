"""The catalogues of issue #15 (council, tasks, projects, handover, summaries): every code
raised exists and gets the parameters its template names, every template renders and is
raised somewhere, no sentence is left in the flows, the services compose none, every
command has a Chinese name and every button kind is a typed CallbackData class."""

from __future__ import annotations

from pathlib import Path

import pytest

from core import words
from core.features import build_registry
from core.registry import Registry
from tests.catalogue_scan import CJK, composed_sentences, refusals, strings

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("council", "tasks", "projects", "handover", "summaries")
SERVICES = ("council", "tasks", "projects", "handover", "summaries", "teamscope", "media")
FLOWS = sorted(p for pkg in PACKAGES for p in (ROOT / "conversations" / pkg).glob("*.py")
               if p.name != "text.py")
SERVICE_FILES = [ROOT / "services" / f"{name}.py" for name in SERVICES] + [ROOT / "reminders" / "promises.py"]
RAISERS = {"UserError", "PermissionDenied", "NotFound", "team_member"}


RAISED = [(p, *c) for p in FLOWS + SERVICE_FILES for c in refusals(p, RAISERS)]


def test_the_scan_finds_the_refusals() -> None:
    codes = {code for *_, code, _, _ in RAISED}
    assert {"projects.no_decision", "tasks.checkers_only", "council.managers_only",
            "handover.successor_only", "summaries.not_yours"} <= codes


@pytest.mark.parametrize("path, fn, code, kws, line", RAISED,
                         ids=[f"{p.parent.name}/{p.name}:{line}" for p, _, _, _, line in RAISED])
def test_every_code_raised_has_a_template_with_those_parameters(
        path: Path, fn: str, code: str, kws: set[str] | None, line: int) -> None:
    assert words.template(code) is not None, f"{path.name}:{line}: {code} has no template"
    if kws is not None:
        assert kws == words.fields(code), f"{path.name}:{line}: {code} params {kws}"


def test_every_template_renders_and_is_raised_somewhere() -> None:
    raised = {code for *_, code, _, _ in RAISED}
    mine = {c for c in words.codes() if c.split(".")[0] in PACKAGES}
    assert len(mine) > 50
    for code in mine:
        text = words.render(code, {f: 1 for f in words.fields(code)})
        assert CJK.search(text) and "{" not in text, code
    assert mine - raised == set(), "templates nobody raises"


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_sentence_outside_the_catalogue(path: Path) -> None:
    assert [(line, s) for line, s in strings(path) if CJK.search(s)] == []


@pytest.mark.parametrize("path", SERVICE_FILES, ids=lambda p: p.name)
def test_services_compose_no_sentences(path: Path) -> None:
    """Services keep parsing vocabulary (通过, 本月, fund sources) but build no text."""
    assert composed_sentences(path) == []


@pytest.fixture(scope="module")
def registry() -> Registry:
    return build_registry(tuple(f"conversations.{p}" for p in PACKAGES))


def test_every_command_has_a_chinese_name(registry: Registry) -> None:
    assert set(registry.commands) == {"council", "tasks", "task", "newtask", "progress", "projects",
                                      "project", "newproject", "handover", "summary"}
    for cmd in registry.commands.values():
        assert cmd.aliases and CJK.search(cmd.aliases[0]), cmd.name
    assert words.name_commands("发送 /tasks 查看，/progress 3 填报", {
        c.name: c.aliases[0] for c in registry.commands.values()}) == "发送「民生任务」查看，「进展」3 填报"


def test_every_button_kind_is_typed(registry: Registry) -> None:
    assert set(registry.callbacks) == {"cn", "tk", "pj", "hs", "hi", "hn", "sm"}
    for prefix, handler in registry.callbacks.items():
        assert not getattr(handler.spec, "legacy", False), prefix
