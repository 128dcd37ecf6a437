"""The shipped knowledge base itself is complete, well-formed and trustworthy."""

import datetime as dt
import re

from knowledge import load_paths
from knowledge.segment import DATA_DIR

# The base was first written on this day; no entry can have been reviewed before it.
FIRST_WRITTEN = dt.date(2026, 11, 23)


def test_shipped_entries_valid() -> None:
    entries = load_paths([DATA_DIR])
    assert len(entries) >= 80
    assert len({e.id for e in entries}) == len(entries)
    for e in entries:
        assert e.question and e.answer and e.basis, e.id
        assert 3 <= len(e.alternatives) <= 8, e.id
        assert len(e.answer) <= 320, e.id
        assert e.tags, e.id


def test_every_entry_names_its_document_or_where_to_check() -> None:
    """A cadre must be able to cite a file or know whom to ask, not "the bot said so"."""
    for e in load_paths([DATA_DIR]):
        names_document = "《" in e.basis or "（国家图书馆）" in e.basis
        says_where = "为准" in e.basis
        assert names_document or says_where, (e.id, e.basis)
        if "常见" in e.basis:  # common practice is said plainly, with where to check
            assert "为准" in e.basis, (e.id, e.basis)
        assert "各省驻村干部管理办法常见规定" not in e.basis, e.id


def test_review_dates_are_real() -> None:
    entries = load_paths([DATA_DIR])
    dates = {e.reviewed for e in entries}
    assert None not in dates
    assert all(d >= FIRST_WRITTEN for d in dates)  # type: ignore[operator]
    assert len(dates) > 1  # entries re-checked against the sources carry their own date


def test_no_answer_promises_a_reminder_no_series_sends() -> None:
    """An answer may say the bot reminds only where a default series does: since issue #15
    the 记实表 (25th), 述职 (a week before 5 July / 5 January) and 民生任务表 (22nd) are
    reminded, and reminders/promises.py ties each promise to its series."""
    from reminders.defaults import default_series
    from reminders.promises import scan, unkept

    promise = re.compile(r"(本助手|机器人)[^。；]*(会|将|可)[^。；]*提醒")
    entries = load_paths([DATA_DIR])
    found = {p.entry_id: p for p in scan((e.id, e.question, e.answer) for e in entries)}
    active = {t.key for t in default_series() if t.active}
    for e in entries:
        if promise.search(e.answer):
            assert e.id in found and unkept([found[e.id]], active) == [], (e.id, e.answer)


def test_key_facts_present() -> None:
    text = " ".join(e.answer for e in load_paths([DATA_DIR]))
    for fact in ["2年", "15天", "20%", "30%", "50%", "2万元", "1100元", "100万元", "12317",
                 "20个工作日", "提前10天", "每季度", "28日", "1月5日", "7月5日", "一宣六帮", "1+2+N"]:
        assert fact in text, fact


def test_user_dictionary_and_synonyms_ship() -> None:
    words = {line.split()[0] for line in (DATA_DIR / "userdict.txt").read_text(encoding="utf-8").splitlines() if line.strip()}
    assert {"驻村干部", "第一书记", "防返贫", "监测户", "小额信贷", "雨露计划"} <= words
    assert (DATA_DIR / "synonyms.yaml").exists()
    assert (DATA_DIR / "english.yaml").exists()
