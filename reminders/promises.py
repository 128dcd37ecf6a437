"""What the knowledge base promises about reminders, and the default series that keeps
each promise — the one place that ties the two together (issue #15, item 5).

An answer that says the assistant will remind someone ("本助手会在截止前提醒", "本助手可按月
提醒…", "提醒您…") or will hold something by default ("本助手默认每年至少召开一次") is a
promise. Each keyword below names what such an answer is about and the default series
(reminders/defaults.py) that keeps it; tests/test_deadlines.py checks every promise in
knowledge/data against this map and the defaults, so a promise without a series fails.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# parsing vocabulary (data): keyword in the entry -> key of the default series keeping it
SERIES_FOR: dict[str, str] = {
    "记实": "monthly_record_deadline",
    "28日": "monthly_record_deadline",
    "半年工作总结": "half_year_report_deadline",
    "7月5日": "half_year_report_deadline",
    "年度工作总结": "annual_report_deadline",
    "1月5日": "annual_report_deadline",
    "民生任务": "task_progress",
    "村民代表会议": "villager_representative_meeting",
    "村民会议": "villager_meeting",
    "工作日志": "daily_log_reminder",
    "在村天数": "quota_warning",
    "防返贫监测会议": "poverty_monitoring_meeting",
    "周五学习": "friday_study",
    "工作例会": "township_work_meeting",
    "任期": "rotation",
}

_SENTENCE = re.compile(r"[^。！？!?]+[。！？!?]?")
# within one sentence: the assistant, then a reminder (a "；" does not end the subject:
# "本助手可以汇总草稿；每月25日会提醒…"), or a meeting it holds by default
_PROMISE = re.compile(r"(?:本助手|机器人)[^。]*?(?:提醒|默认[^。]*?(?:召开|通知))|提醒您")


@dataclass(frozen=True)
class Promise:
    entry_id: str
    sentence: str
    series: frozenset[str]  # default series the entry's keywords name (empty: none)


def promises_in(text: str) -> list[str]:
    """The sentences of `text` that promise a reminder or a default meeting."""
    return [m.group(0).strip() for m in _SENTENCE.finditer(text or "") if _PROMISE.search(m.group(0))]


def series_named(text: str) -> frozenset[str]:
    return frozenset(key for word, key in SERIES_FOR.items() if word in (text or ""))


def scan(entries: Iterable[tuple[str, str, str]]) -> list[Promise]:
    """Every promise in (id, question, answer) entries, with the series it names; a
    promise names the series of every keyword in its entry (the sentence before it
    usually says what is due: "每月28日前报送…记实…。本助手会在截止前提醒。")."""
    out = []
    for entry_id, question, answer in entries:
        for sentence in promises_in(answer):
            out.append(Promise(entry_id, sentence, series_named(f"{question}{answer}")))
    return out


def unkept(found: Iterable[Promise], active_defaults: set[str]) -> list[Promise]:
    """Promises no active default series keeps: none named, or one named that is missing."""
    return [p for p in found if not p.series or not p.series <= active_defaults]
