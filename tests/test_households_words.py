"""The households catalogue: every code raised exists with the parameters its template
names, every template renders and is raised somewhere, no sentence outside text.py,
every command has a Chinese name, every button kind is typed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from core import words
from core.callbacks import CallbackData
from core.features import build_registry
from tests.catalogue_scan import CJK, RAISERS, refusals, strings

ROOT = Path(__file__).resolve().parent.parent
FLOWS = sorted((ROOT / "conversations" / "households").glob("*.py"))
SERVICES = [ROOT / "services" / f"{n}.py" for n in ("households", "monitoring", "oversight")]


RAISED = [(p, *c) for p in [*FLOWS, *SERVICES, ROOT / "cli" / "households_admin.py"]
          for c in refusals(p, RAISERS)]
# codes raised through a variable: the import's row errors (RowError.code) and the
# warning sheet's rows, rendered by cli/households_admin.py
ROW_CODES = {"row_no_name", "row_bad_name", "row_bad_category", "row_bad_contact",
             "row_bad_phone", "row_bad_members", "row_duplicate", "row_no_risk",
             "row_no_household", "row_many_households", "row_case_open"}


@pytest.mark.parametrize("path, fn, code, kws, line", RAISED,
                         ids=[f"{p.name}:{line}" for p, _, _, _, line in RAISED])
def test_every_code_raised_has_a_template_with_those_parameters(
        path: Path, fn: str, code: str, kws: set[str] | None, line: int) -> None:
    assert words.template(code) is not None, f"{path.name}:{line}: {code} has no template"
    if kws is not None:
        assert kws >= words.fields(code), f"{path.name}:{line}: {code} params {kws}"


def test_every_template_renders_and_is_raised_somewhere() -> None:
    raised = {code for *_, code, _, _ in RAISED} | {f"households.{c}" for c in ROW_CODES}
    mine = {c: t for c, t in words.codes().items() if c.startswith("households.")}
    for code in mine:
        text = words.render(code, {f: date(2026, 11, 24) for f in words.fields(code)})
        assert CJK.search(text) and "{" not in text, code
    for code in ROW_CODES:  # the row codes really are used as written
        src = (ROOT / "services" / "households.py").read_text(encoding="utf-8") + \
            (ROOT / "services" / "monitoring.py").read_text(encoding="utf-8")
        assert f'"{code}"' in src, code
    assert set(mine) - raised == set(), "templates nobody raises"


# intent.py holds the vocabulary the free-text rule matches (防返贫, 在不在...), not words
# said to anyone
@pytest.mark.parametrize("path", [p for p in FLOWS if p.name not in ("text.py", "intent.py")],
                         ids=lambda p: p.name)
def test_no_sentence_outside_the_catalogue(path: Path) -> None:
    assert [(line, s) for line, s in strings(path) if CJK.search(s)] == []


def test_commands_have_chinese_names_and_buttons_are_typed() -> None:
    reg = build_registry()
    mine = ("households", "visit", "addhousehold", "cases", "meeting", "confirmvisit", "apply",
            "whereabouts", "sign")
    for name in mine:
        cmd = reg.commands[name]
        assert cmd.aliases and CJK.search(cmd.aliases[0]), name
    for prefix in ("hh", "hv", "mc", "mm", "vc"):
        spec = reg.callbacks[prefix].spec
        assert issubclass(spec, CallbackData) and not getattr(spec, "legacy", False)
    # 「签到」 reaches /sign, which keeps attendance's check-in for team members
    assert reg.aliases["签到"] == "sign" and reg.commands["checkin"].aliases[0] == "打卡"
