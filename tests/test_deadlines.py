"""Deadline reminders are default series (the monthly record before the 28th, the half-year
and annual reports before 5 July and 5 January), sent only to those who have not
submitted, each one tap from the drafted record; and every promise of a reminder in the
knowledge base is kept by a real default series."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from knowledge.loader import load_paths
from reminders.defaults import default_series
from reminders.promises import Promise, promises_in, scan, series_named, unkept
from services import summaries
from storage.models import MonthlyRecord, WorkSummary
from tests.harness import ChatHarness

ROOT = Path(__file__).resolve().parent.parent


def test_the_monthly_record_reminder_fires_on_the_25th_for_those_who_have_not_submitted(
        chat: ChatHarness) -> None:
    chat.core.tick()
    chat.send("secretary", "/monthly")
    chat.press("secretary", "提交")  # she is done early: no reminder for her
    chat.clock_to("2026-11-25 08:59")
    out = chat.clock_to("2026-11-25 09:00")
    assert ("-> cadre1: 🗓 工作记实提醒 · 11月\n   张驻村，2026年11月的驻村工作记实请在 11月28日前报送"
            "（还有3天）") in out
    assert "-> cadre2: 🗓 工作记实提醒" in out and "-> secretary: 🗓" not in out
    assert "-> leader: 🗓" not in out  # team leaders are not asked for the cadres' record
    assert "工作记实提醒" not in chat.clock_to("2026-11-25 09:30")  # once
    out = chat.press("cadre1", "打开本月工作记实")  # one tap: the drafted record
    assert "驻村工作记实（2026年11月）" in out and "[提交]" in out
    chat.press("cadre1", "提交")
    with chat.core.db.session() as s:
        assert {r.status for r in s.scalars(select(MonthlyRecord))} == {"submitted"}


def test_the_annual_and_half_year_reports_are_reminded_a_week_ahead(chat: ChatHarness) -> None:
    chat.core.tick()
    chat.clock_to("2026-12-29 08:59")
    out = chat.clock_to("2026-12-29 09:00")
    assert ("-> cadre1: 🗓 2026年度工作总结提醒\n   张驻村，2026年度工作总结请在 2027年1月5日 前报送"
            "（还有7天）") in out
    out = chat.press("cadre1", "打开工作总结草稿")
    assert "2026年度工作总结\n   姓名：张驻村" in out and "截止日期：2027年1月5日" in out
    chat.press("cadre1", "提交")
    with chat.core.db.session() as s:
        rec = s.scalars(select(WorkSummary)).one()
        assert (rec.year, rec.period, rec.status) == (2026, "year", "submitted")
    chat.clock_to("2027-06-28 08:00")
    out = chat.clock_to("2027-06-28 09:00")
    assert "-> cadre1: 🗓 2027年上半年工作总结提醒" in out and "2027年7月5日 前报送（还有7天）" in out
    assert "上半年工作总结" in chat.press("cadre1", "打开工作总结草稿")


def test_the_report_a_reminder_opens_is_the_one_due() -> None:
    from datetime import date

    P = summaries.Period
    assert summaries.default_period(date(2026, 12, 29)) == P(2026, "year")
    assert summaries.default_period(date(2027, 1, 3)) == P(2026, "year")
    assert summaries.default_period(date(2027, 6, 28)) == P(2027, "h1")
    assert summaries.default_period(date(2027, 7, 4)) == P(2027, "h1")
    assert P(2026, "year").deadline == date(2027, 1, 5) and P(2027, "h1").deadline == date(2027, 7, 5)


# -- promises of the knowledge base --------------------------------------------------------------
def test_the_scanner_finds_promises_and_what_keeps_them() -> None:
    text = "许多县要求每月28日前报送驻村工作记实登记表。本助手会在截止前提醒，并可用日志汇总。以本县通知为准。"
    assert promises_in(text) == ["本助手会在截止前提醒，并可用日志汇总。"]
    assert promises_in("本助手的签到只为减轻负担。") == []
    assert promises_in("到期前会提醒您交材料。") == ["到期前会提醒您交材料。"]
    found = scan([("a", "记实什么时候交", text), ("b", "体检", "每年体检一次，本助手会提前提醒。")])
    assert found == [Promise("a", "本助手会在截止前提醒，并可用日志汇总。", frozenset({"monthly_record_deadline"})),
                     Promise("b", "每年体检一次，本助手会提前提醒。", frozenset())]
    kept = {t.key for t in default_series() if t.active}
    assert [p.entry_id for p in unkept(found, kept)] == ["b"]  # a promise no series keeps
    assert series_named("村民代表会议至少每季度一次") == {"villager_representative_meeting"}


def test_every_promise_in_the_knowledge_base_is_kept_by_a_default_series() -> None:
    entries = load_paths([ROOT / "knowledge" / "data"])
    found = scan((e.id, e.question, e.answer) for e in entries)
    active = {t.key for t in default_series() if t.active}
    assert unkept(found, active) == []
    # the scanner misses none: every answer speaking of the assistant and a reminder is a promise
    plain = {e.id for e in entries if "本助手" in e.answer and "提醒" in e.answer}
    assert plain <= {p.entry_id for p in found}


@pytest.mark.parametrize("text, want", [
    ("", ("year", 2026)), ("半年", ("h1", 2026)), ("年度", ("year", 2026)), ("2025年度", ("year", 2025)),
    ("2025 半年", ("h1", 2025)), ("2026年上半年", ("h1", 2026)), ("明年", None), ("1999年度", None)])
def test_summary_periods_read_as_people_write_them(text: str, want: tuple[str, int] | None) -> None:
    got = summaries.parse_period(text, summaries.Period(2026, "year"))
    assert (None if got is None else (got.kind, got.year)) == want


def test_an_unreadable_period_is_explained(chat: ChatHarness) -> None:
    assert "看不懂「明年」" in chat.send("cadre1", "/summary 明年")
